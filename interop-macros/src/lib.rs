//! The `#[jsinvokable]` attribute of `interop-runtime`. Use it through
//! `interop_runtime::jsinvokable`; the expansion refers to that crate.
//!
//! Parse (`attr`) → validate (`ast`) → expand (`expand`); every mistake in an item is collected
//! (`ctxt`) and reported at once, spanned on the user's token, with the original item still
//! emitted so IDEs keep working.

#![deny(missing_docs)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod link;
mod typescript;

use proc_macro::TokenStream;

/// Exposes a function, or the marked methods of an impl block, to JavaScript.
///
/// * `#[jsinvokable]` on a function: JavaScript calls it with
///   `DotNet.invokeMethodAsync('<assembly>', '<identifier>', ...args)`. The identifier defaults
///   to the function's name; `#[jsinvokable("Name", "Alias")]` sets it (and aliases).
///   `assembly = "Name"` sets the namespace (default: the crate name).
/// * `#[jsinvokable]` on an `impl` block, with `#[jsinvokable]` on methods inside: JavaScript
///   calls the `&self` methods on an `ObjectRef` it was handed. `self`-less functions inside
///   are registered as static functions (non-generic impls only).
/// * `crate = "path"` names the runtime crate when it is reached through a re-export.
///
/// See the `interop_runtime` documentation for examples.
#[proc_macro_attribute]
pub fn jsinvokable(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::jsinvokable(args.into(), input.into()).into()
}
