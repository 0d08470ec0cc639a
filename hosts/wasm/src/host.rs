//! The `Host` the runtime talks to: each message goes straight to the page's dispatcher (the
//! object `DotNet.attachDispatcher` returned, through the guard of `js/guard.js`), futures run on the page's event loop
//! (the module's run queue, polled from microtasks: `executor`) and timers are the page's `setTimeout`.
//!
//! The runtime wants a `Send + Sync` host, and JavaScript values are neither: the dispatcher
//! lives in a table of this thread (wasm32 has one) and the host itself holds nothing.

use std::cell::RefCell;
use std::time::Duration;

use interop_runtime::{BoxFuture, Host, JsInvocation, SyncCallError, ToJs};
use wasm_bindgen::prelude::*;

use crate::executor;
use crate::panic::{self, Tagged};
use crate::timer::Sleep;

#[wasm_bindgen]
extern "C" {
    /// What Rust sends its messages to: the guard (`js/guard.js`), which forwards them to the
    /// dispatcher (`ICallDispatcher`) the client returned from `attachDispatcher` (ours or
    /// Microsoft's, which have the same methods).
    pub(crate) type Dispatcher;

    #[wasm_bindgen(method, catch, js_name = endInvokeDotNetFromJS)]
    fn end_invoke_dotnet(
        this: &Dispatcher,
        call_id: f64,
        success: bool,
        result_or_error: &str,
    ) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = beginInvokeJSFromDotNet)]
    fn begin_invoke_js(
        this: &Dispatcher,
        handle: f64,
        identifier: &str,
        args_json: &str,
        result_type: u32,
        target_instance_id: f64,
        call_type: u32,
    ) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = invokeJSFromDotNet)]
    fn invoke_js(
        this: &Dispatcher,
        identifier: &str,
        args_json: &str,
        result_type: u32,
        target_instance_id: f64,
        call_type: u32,
    ) -> Result<Option<String>, JsValue>;

    #[wasm_bindgen(method, catch, js_name = receiveByteArray)]
    fn receive_byte_array(
        this: &Dispatcher,
        id: f64,
        bytes: &js_sys::Uint8Array,
    ) -> Result<(), JsValue>;

    /// The guard's (`js/guard.js`): stops the module after a panic.
    #[wasm_bindgen(method, catch)]
    fn panicked(this: &Dispatcher, text: &str, report: &str) -> Result<(), JsValue>;
}

thread_local! {
    /// The dispatcher of each attached runtime, by the index its host holds.
    static DISPATCHERS: RefCell<Vec<Dispatcher>> = const { RefCell::new(Vec::new()) };
}

/// Tells every guard the module has stopped after a panic (from the panic hook: the table may
/// be borrowed by the code that panicked, and is then only read).
pub(crate) fn panicked(text: &str, report: &str) {
    let _ = DISPATCHERS.try_with(|table| {
        if let Ok(table) = table.try_borrow() {
            for guard in table.iter() {
                let _ = guard.panicked(text, report);
            }
        }
    });
}

/// Adds `dispatcher` to the table; returns the host whose messages go to it.
pub(crate) fn add_dispatcher(dispatcher: Dispatcher) -> WasmHost {
    DISPATCHERS.with(|table| {
        let mut table = table.borrow_mut();
        table.push(dispatcher);
        WasmHost {
            page: table.len() - 1,
        }
    })
}

/// How a thrown JavaScript value reads, as the clients format errors: `message\nstack` for an
/// `Error`, else its `String(value)`. A stack that starts with the error's own `name: message`
/// (V8's do; Firefox's and QuickJS's hold frames only) gives its frames alone: with the message
/// written twice, an error passed up through nested sync calls doubled at each level.
pub(crate) fn error_text(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        let message = String::from(error.message());
        let stack = js_sys::Reflect::get(error, &JsValue::from_str("stack"))
            .ok()
            .and_then(|stack| stack.as_string());
        let Some(stack) = stack else {
            return message;
        };
        let header = String::from(error.to_string());
        return match stack.strip_prefix(&header) {
            Some(frames) => match frames.strip_prefix('\n') {
                Some(frames) => format!("{message}\n{frames}"),
                None if frames.is_empty() => message,
                None => format!("{message}\n{stack}"),
            },
            None => format!("{message}\n{stack}"),
        };
    }
    if value.is_null() || value.is_undefined() {
        return "null".to_owned();
    }
    value
        .as_string()
        .unwrap_or_else(|| String::from(js_sys::JsString::from(value.clone())))
}

/// The runtime's view of the page: the index of its dispatcher in this thread's table.
pub(crate) struct WasmHost {
    page: usize,
}

impl WasmHost {
    /// Runs `f` with this host's dispatcher. The table is only borrowed shared, so JavaScript
    /// that `f` runs may call back into Rust and reach it again.
    fn with_dispatcher<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> Option<R> {
        DISPATCHERS.with(|table| table.borrow().get(self.page).map(f))
    }

    /// Calls JavaScript through the dispatcher, and after it returns makes sure no Rust frame
    /// goes on in a module that stopped meanwhile (JavaScript called Rust again, and that call
    /// panicked): traps, as the panic did, so that the trap reaches the JavaScript that called
    /// this frame, where the guard turns it into the panic's error. Without it, a caller that
    /// handles the error would carry on, and answer, in a module whose state the panic lost.
    fn call_js<R>(&self, f: impl FnOnce(&Dispatcher) -> R) -> Option<R> {
        let result = self.with_dispatcher(f);
        if panic::stopped() {
            std::process::abort();
        }
        result
    }
}

impl Host for WasmHost {
    /// Delivers at once: the page's JavaScript runs on this thread, and the runtime calls
    /// `send` with none of its locks held. A dispatcher that throws is logged.
    fn send(&self, message: ToJs) {
        let delivered = self.call_js(|dispatcher| match message {
            ToJs::EndInvokeDotNet {
                call_id,
                success,
                result_or_error,
            } => dispatcher.end_invoke_dotnet(call_id as f64, success, &result_or_error),
            ToJs::BeginInvokeJs(call) => dispatcher.begin_invoke_js(
                call.async_handle as f64,
                &call.identifier,
                &call.args_json,
                call.result_type as u32,
                call.target_instance_id as f64,
                call.call_type as u32,
            ),
            ToJs::ReceiveByteArray { id, bytes } => {
                // One copy, from wasm memory into a buffer of the JavaScript heap.
                let array = js_sys::Uint8Array::from(&bytes[..]);
                dispatcher.receive_byte_array(id as f64, &array)
            }
        });
        match delivered {
            Some(Ok(())) => {}
            Some(Err(error)) => tracing::warn!(
                "the JS dispatcher refused a message: {}",
                error_text(&error)
            ),
            None => tracing::error!("no JS dispatcher is attached; a message was dropped"),
        }
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        self.call_js(|dispatcher| {
            dispatcher
                .invoke_js(
                    &call.identifier,
                    &call.args_json,
                    call.result_type as u32,
                    call.target_instance_id as f64,
                    call.call_type as u32,
                )
                .map_err(|error| SyncCallError::Threw(error_text(&error)))
        })
        .unwrap_or_else(|| {
            Err(SyncCallError::Threw(
                "no JS dispatcher is attached".to_owned(),
            ))
        })
    }

    fn spawn(&self, task: BoxFuture<()>) {
        // Polled as the call that spawned it, so that a panic in it names that call.
        executor::spawn(Box::pin(Tagged::new(task)));
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        Box::pin(Sleep::new(duration))
    }
}
