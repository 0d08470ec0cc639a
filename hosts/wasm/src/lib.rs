//! The WebAssembly host of `interop-runtime`: `#[jsinvokable]` Rust compiled to
//! `wasm32-unknown-unknown` with wasm-bindgen, called by the page's JavaScript in-process,
//! synchronously (`DotNet.invokeMethod`) and asynchronously (`DotNet.invokeMethodAsync`), with
//! no server and no socket.
//!
//! The page loads a JS client as `window.DotNet` (ours, `interop_runtime::CLIENT_JS`, or
//! Microsoft's `@microsoft/dotnet-js-interop` unchanged) before the wasm module starts; one
//! call at start-up attaches the runtime to it:
//!
//! ```no_run
//! use interop_runtime::jsinvokable;
//! use wasm_bindgen::prelude::*;
//!
//! #[jsinvokable("Add", assembly = "MyApp")]
//! fn add(a: i32, b: i32) -> i32 {
//!     a + b
//! }
//!
//! #[wasm_bindgen(start)]
//! fn start() -> Result<(), JsValue> {
//!     interop_wasm::start()?; // now DotNet.invokeMethod('MyApp', 'Add', 2, 3) returns 5
//!     Ok(())
//! }
//! ```
//!
//! Messages go straight to the client's dispatcher, async methods run on the page's event loop
//! (the module's run queue, polled from microtasks), and the timeouts of Rust→JS calls run on the page's
//! `setTimeout`. Byte arrays are copied once each way, between wasm memory and a `Uint8Array`.
//! Under `panic = "abort"` (wasm's default) a panic stops the module: the call, every pending
//! call and every later one fail with `The Rust module has stopped after a panic in '<id>': …`.
//! See docs/wasm.md.
#![deny(missing_docs)]

mod entry;
mod executor;
mod host;
mod panic;
#[cfg(feature = "testing")]
pub mod testing;
mod timer;

use std::cell::RefCell;
use std::sync::Arc;

use interop_runtime::{JsRuntime, RuntimeOptions};
use wasm_bindgen::prelude::*;

use crate::entry::HostObject;
use crate::host::Dispatcher;

// The host side of streams, the runtime's own file (`interop_runtime::HOST_STREAMS_JS`), imported
// as a module of the bindings (wasm-bindgen copies it beside them, under `snippets/`).
#[wasm_bindgen(module = "/../../interop-runtime/js/host-streams.js")]
extern "C" {
    /// `hostStreamFunctions(DotNet, dispatcher)`: `readStreamChunks` and `supplyDotNetStream`.
    #[wasm_bindgen(js_name = hostStreamFunctions)]
    fn host_stream_functions(dotnet: &JsValue, dispatcher: &JsValue) -> js_sys::Object;
}

// The guard between the client and the module (js/guard.js): after a panic, no call reaches
// Rust and none stays pending.
#[wasm_bindgen(module = "/js/guard.js")]
extern "C" {
    /// `new Guard()`.
    #[derive(Clone)]
    type Guard;

    #[wasm_bindgen(constructor)]
    fn new() -> Guard;

    /// The host object for `attachDispatcher`, forwarding to `rust`'s functions.
    #[wasm_bindgen(method)]
    fn host(this: &Guard, rust: &js_sys::Object) -> JsValue;

    /// The client's dispatcher, which the guard forwards Rust's messages to.
    #[wasm_bindgen(method, setter = dispatcher)]
    fn set_dispatcher(this: &Guard, dispatcher: &JsValue);
}

thread_local! {
    /// The runtime [`start`] attached to the page's `DotNet`.
    static PAGE: RefCell<Option<JsRuntime>> = const { RefCell::new(None) };
    /// The host objects of every attached runtime: their closures must live as long as the
    /// client may call them, the life of the module.
    static HOST_OBJECTS: RefCell<Vec<HostObject>> = const { RefCell::new(Vec::new()) };
}

/// Attaches a runtime with default options to the page's `DotNet` (the global the JS client
/// was installed as) and returns it. Call it once, at start-up; see [`start_with`].
pub fn start() -> Result<JsRuntime, JsValue> {
    start_with(RuntimeOptions::default())
}

/// Attaches a runtime with `options` to the page's `DotNet`: `DotNet.attachDispatcher(host)`,
/// where `host` is the object whose functions JavaScript calls to reach Rust. From then on
/// `DotNet.invokeMethod` and `DotNet.invokeMethodAsync` call `#[jsinvokable]` Rust, and the
/// returned runtime (also [`runtime`]) calls JavaScript.
///
/// It also installs the runtime's stream functions as `globalThis.jsinvokable`, and a panic hook
/// that stops the module after a panic (docs/wasm.md, "Panics").
///
/// Fails when there is no global `DotNet` with `attachDispatcher`, when `options` are refused
/// ([`RuntimeOptions::strict_registry`] with duplicated identifiers), and on a second call.
pub fn start_with(options: RuntimeOptions) -> Result<JsRuntime, JsValue> {
    if runtime().is_some() {
        return Err(js_sys::Error::new("interop_wasm::start was already called").into());
    }
    let dotnet = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("DotNet"))?;
    let (runtime, dispatcher) = attach_to(&dotnet, options)?;
    // The runtime's stream functions, installed as `globalThis.jsinvokable` as every host does.
    let streams = js_sys::Object::freeze(&host_stream_functions(&dotnet, &dispatcher));
    js_sys::Reflect::set(
        &js_sys::global(),
        &JsValue::from_str("jsinvokable"),
        &streams,
    )?;
    PAGE.with(|page| *page.borrow_mut() = Some(runtime.clone()));
    Ok(runtime)
}

/// Attaches one more runtime, with `options`, to the JS client `dotnet` (any object with
/// `attachDispatcher`, as the global `DotNet` of [`start_with`]), and returns it. Several
/// runtimes live side by side, each attached to its own client object: the conformance suite
/// (`hosts/wasm/conformance-app`) makes one per client of a case. Unlike [`start_with`] it
/// installs no `globalThis.jsinvokable` and does not set [`runtime`]; the panic hook is the
/// same, and a panic stops every runtime of the module. A runtime stays attached for the life
/// of the module.
///
/// Fails when `dotnet` has no `attachDispatcher`, when it throws, and when `options` are
/// refused.
pub fn attach(dotnet: &JsValue, options: RuntimeOptions) -> Result<JsRuntime, JsValue> {
    attach_to(dotnet, options).map(|(runtime, _)| runtime)
}

/// [`attach`], also returning the client's dispatcher.
fn attach_to(dotnet: &JsValue, options: RuntimeOptions) -> Result<(JsRuntime, JsValue), JsValue> {
    let attach = js_sys::Reflect::get(dotnet, &JsValue::from_str("attachDispatcher"))
        .ok()
        .and_then(|attach| attach.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| {
            js_sys::Error::new(
                "no JS client: load one as the global DotNet (with attachDispatcher) before \
                 starting the wasm module",
            )
        })?;
    let guard = Guard::new();
    let host = host::add_dispatcher(guard.clone().unchecked_into::<Dispatcher>());
    let runtime = JsRuntime::with_options(Arc::new(host), options)
        .map_err(|error| js_sys::Error::new(&error.to_string()))?;
    let host_object = entry::host_object(&runtime)?;
    let dispatcher = attach.call1(dotnet, &guard.host(&host_object.object))?;
    guard.set_dispatcher(&dispatcher);
    panic::install_hook();
    HOST_OBJECTS.with(|objects| objects.borrow_mut().push(host_object));
    Ok((runtime, dispatcher))
}

/// The runtime [`start`] attached, if it was called: Rust code calls JavaScript through it
/// (methods may also take a `JsRuntime` parameter, which is this one).
pub fn runtime() -> Option<JsRuntime> {
    PAGE.with(|page| page.borrow().clone())
}
