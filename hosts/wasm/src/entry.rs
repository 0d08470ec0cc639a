//! JavaScript → Rust: the host object handed to `DotNet.attachDispatcher`, whose functions the
//! client calls (four of Microsoft's, and our client's `cancelInvokeDotNetFromJS`) (docs/hosts.md, "JavaScript → Rust: the entry points").
//!
//! Strings arrive as wasm-bindgen passes them (UTF-8 copied into wasm memory; a lone surrogate
//! becomes U+FFFD), byte arrays are copied once from their `Uint8Array` into wasm memory, and a
//! bad argument throws a `TypeError` naming it. Nothing here panics on what JavaScript sends.

use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use interop_runtime::JsRuntime;
use wasm_bindgen::prelude::*;

use crate::panic;

/// The largest integer a JavaScript number holds exactly.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53

/// A number JavaScript gave as an id, or the `TypeError` naming it.
fn non_negative_integer(number: f64, what: &str) -> Result<u64, JsValue> {
    if (0.0..EXACT_INTEGERS).contains(&number) && number.fract() == 0.0 {
        Ok(number as u64)
    } else {
        Err(type_error(&format!(
            "{what} must be a non-negative integer"
        )))
    }
}

fn type_error(text: &str) -> JsValue {
    js_sys::TypeError::new(text).into()
}

/// `null` or `undefined` for no object, else its id.
fn object_id(number: Option<f64>) -> Result<Option<u64>, JsValue> {
    number
        .map(|number| non_negative_integer(number, "dotNetObjectId"))
        .transpose()
}

/// How a call is named in the text of a panic during it.
fn marked(identifier: &Option<String>) -> Rc<str> {
    identifier.as_deref().unwrap_or_default().into()
}

type BeginInvoke =
    dyn Fn(f64, Option<String>, Option<String>, Option<f64>, Option<String>) -> Result<(), JsValue>;
type InvokeSync =
    dyn Fn(Option<String>, Option<String>, Option<f64>, Option<String>) -> Result<String, JsValue>;
type EndInvokeJs = dyn Fn(JsValue, JsValue, Option<String>);
type SendByteArray = dyn Fn(f64, JsValue) -> Result<(), JsValue>;
type CancelInvoke = dyn Fn(f64) -> Result<(), JsValue>;

/// The host object and the Rust closures behind its functions, which live as long as it.
pub(crate) struct HostObject {
    pub(crate) object: js_sys::Object,
    _begin: Closure<BeginInvoke>,
    _invoke: Closure<InvokeSync>,
    _end: Closure<EndInvokeJs>,
    _send_bytes: Closure<SendByteArray>,
    _cancel: Closure<CancelInvoke>,
}

/// The host object of `runtime`.
///
/// Each closure holds the runtime as `AssertUnwindSafe`: under `panic = "unwind"` wasm-bindgen
/// runs closures inside `catch_unwind`, and the runtime keeps its state consistent across a
/// panic (it catches panics of user code itself, as on native hosts).
pub(crate) fn host_object(runtime: &JsRuntime) -> Result<HostObject, JsValue> {
    let object = js_sys::Object::new();
    let set = |name: &str, function: &JsValue| {
        js_sys::Reflect::set(&object, &JsValue::from_str(name), function).map(drop)
    };

    let js = AssertUnwindSafe(runtime.clone());
    let begin = Closure::<BeginInvoke>::new(
        move |call_id: f64,
              assembly: Option<String>,
              identifier: Option<String>,
              object_id_number: Option<f64>,
              args_json: Option<String>| {
            let call_id = non_negative_integer(call_id, "callId")?;
            let object_id = object_id(object_id_number)?;
            panic::running(marked(&identifier), || {
                js.begin_invoke_dotnet(
                    call_id,
                    assembly.as_deref(),
                    identifier.as_deref(),
                    object_id,
                    args_json.as_deref().unwrap_or("null"),
                )
            });
            Ok(())
        },
    );
    set("beginInvokeDotNetFromJS", begin.as_ref())?;

    let js = AssertUnwindSafe(runtime.clone());
    let invoke = Closure::<InvokeSync>::new(
        move |assembly: Option<String>,
              identifier: Option<String>,
              object_id_number: Option<f64>,
              args_json: Option<String>| {
            let object_id = object_id(object_id_number)?;
            // The result's byte arrays reach the dispatcher (`send`) before this returns.
            panic::running(marked(&identifier), || {
                js.invoke_dotnet(
                    assembly.as_deref(),
                    identifier.as_deref(),
                    object_id,
                    args_json.as_deref().unwrap_or("null"),
                )
            })
            .map_err(|text| js_sys::Error::new(&text).into())
        },
    );
    set("invokeDotNetFromJS", invoke.as_ref())?;

    let js = AssertUnwindSafe(runtime.clone());
    let end = Closure::<EndInvokeJs>::new(
        move |_handle: JsValue, _succeeded: JsValue, triple: Option<String>| {
            // Must not throw: a bad completion is logged and answered by the runtime.
            match triple {
                Some(triple) => {
                    if let Err(text) = js.end_invoke_js(&triple) {
                        tracing::warn!("a completion from JavaScript was refused: {text}");
                    }
                }
                None => tracing::warn!("a completion from JavaScript had no JSON text"),
            }
        },
    );
    set("endInvokeJSFromDotNet", end.as_ref())?;

    let js = AssertUnwindSafe(runtime.clone());
    let send_bytes = Closure::<SendByteArray>::new(move |index: f64, bytes: JsValue| {
        let index = non_negative_integer(index, "index")
            .ok()
            .and_then(|index| u32::try_from(index).ok())
            .ok_or_else(|| type_error("the byte array index must be a 32-bit integer"))?;
        let bytes = bytes
            .dyn_into::<js_sys::Uint8Array>()
            .map_err(|_| type_error("sendByteArray expects a Uint8Array"))?;
        // One copy, from the JavaScript buffer into wasm memory; the runtime keeps that `Vec`.
        // A refusal (order, size) is reported to the call that carries the JSON.
        if let Err(text) = js.receive_byte_array(index, bytes.to_vec()) {
            tracing::warn!("a byte array from JavaScript was refused: {text}");
        }
        Ok(())
    });
    set("sendByteArray", send_bytes.as_ref())?;

    let js = AssertUnwindSafe(runtime.clone());
    // `invokeMethodWithSignalAsync` aborted: an id naming no running call is ignored.
    let cancel = Closure::<CancelInvoke>::new(move |call_id: f64| {
        let call_id = non_negative_integer(call_id, "callId")?;
        panic::running(Rc::from("cancelInvokeDotNetFromJS"), || {
            js.cancel_invoke_dotnet(call_id)
        });
        Ok(())
    });
    set("cancelInvokeDotNetFromJS", cancel.as_ref())?;

    Ok(HostObject {
        object,
        _begin: begin,
        _invoke: invoke,
        _end: end,
        _send_bytes: send_bytes,
        _cancel: cancel,
    })
}
