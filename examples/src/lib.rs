//! The samples of "Call .NET methods from JavaScript functions", ported to Rust.
//!
//! Every `#[jsinvokable]` item here lives in the assembly `BlazorSample`, so the seed's
//! JavaScript runs unchanged against it. The functions that start a sample from the Rust side
//! (`trigger_*`, `invoke_interop`, …) take a [`JsRuntime`](interop_runtime::JsRuntime) and work
//! on every host.
//!
//! The library also builds for `wasm32-unknown-unknown` (its host dependencies are native only),
//! where `examples/wasm-app` runs it in the page: sample 11 then keeps the stream's bytes in
//! memory instead of a file, and the cancellable sample waits on the page's `setTimeout`.

pub mod byte_arrays;
pub mod cancellation;
pub mod components;
pub mod generics;
pub mod greeting;
pub mod hello;
pub mod list_items;
pub mod static_methods;
pub mod streams;

/// The assembly name the seed's JavaScript uses.
pub const ASSEMBLY: &str = "BlazorSample";

/// The README's Rust blocks, run as doctests of this crate, which depends on every host
/// (`cargo test -p examples --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The Rust blocks of docs/hosts.md (embedding the runtime in another host), run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/hosts.md")]
pub struct HostsDoctests;
