//! Keeping a registration in the link on `wasm32-unknown-unknown`.
//!
//! The linker (wasm-ld) takes an object file of a dependency's rlib only when something refers to
//! one of its symbols, and nothing refers to an `inventory` entry: a module of a dependency
//! holding only `#[jsinvokable]` functions would be left out, with its registrations. Each static
//! entry therefore carries an empty function exported under a name of its own: rustc passes
//! every exported symbol of every crate to the linker (`--export`), which then takes the object
//! file that defines it, and so the entry beside it (same module, same object file). See
//! docs/wasm.md, "Registration".

use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::TokenStream;
use quote::quote;

/// Numbers the entries of one crate's compilation (the proc macro is loaded once per crate).
static NEXT_ENTRY: AtomicUsize = AtomicUsize::new(0);

/// The export that keeps the entry it is emitted beside in the link, on wasm32-unknown-unknown
/// only. Its name is unique in the program: crate name and version, whether the crate is a
/// binary (a package's binary has its library's crate name, and links it), and a number in the
/// crate.
pub(crate) fn keep_in_link() -> TokenStream {
    let variable = |name: &str| std::env::var(name).unwrap_or_default();
    let crate_name = variable("CARGO_CRATE_NAME");
    let version = variable("CARGO_PKG_VERSION").replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    let kind = if std::env::var_os("CARGO_BIN_NAME").is_some() {
        "bin"
    } else {
        "lib"
    };
    let number = NEXT_ENTRY.fetch_add(1, Ordering::Relaxed);
    let name = format!("__jsinvokable_link_{crate_name}_{version}_{kind}_{number}");
    quote! {
        #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
        #[unsafe(export_name = #name)]
        extern "C" fn __jsinvokable_link() {}
    }
}
