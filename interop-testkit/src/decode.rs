//! For the test clients of real hosts: what a host sent to JavaScript, recorded as JSON values,
//! turned back into [`ToJs`] strictly (a wrong type panics with what was received), and the
//! loop that pumps a host until it is quiet.

use interop_runtime::{CallType, JsInvocation, ResultType, ToJs};
use serde_json::Value;

/// How many empty rounds in a row mean the host has nothing more to send.
pub const QUIET_ROUNDS: usize = 2;
/// A bound on rounds, so a host that never goes quiet fails instead of hanging.
pub const MAX_ROUNDS: usize = 10_000;

/// A non-negative integer field.
pub fn uint(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{what} is not a non-negative integer: {value}"))
}

/// A string field.
pub fn text(value: &Value, what: &str) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"))
        .to_owned()
}

/// `endInvokeDotNetFromJS(callId, success, resultOrError)`.
pub fn end_invoke_dotnet(call_id: &Value, success: &Value, result_or_error: &Value) -> ToJs {
    ToJs::EndInvokeDotNet {
        call_id: uint(call_id, "callId"),
        success: success
            .as_bool()
            .unwrap_or_else(|| panic!("success is not a boolean: {success}")),
        result_or_error: text(result_or_error, "resultOrError"),
    }
}

/// The fields of `beginInvokeJSFromDotNet`/`invokeJSFromDotNet` after the handle.
pub fn invocation(
    async_handle: u64,
    identifier: &Value,
    args_json: &Value,
    result_type: &Value,
    target: &Value,
    call_type: &Value,
) -> JsInvocation {
    JsInvocation {
        async_handle,
        identifier: text(identifier, "identifier"),
        args_json: text(args_json, "argsJson"),
        result_type: ResultType::try_from(uint(result_type, "resultType"))
            .unwrap_or_else(|code| panic!("unknown resultType {code}")),
        target_instance_id: uint(target, "targetInstanceId"),
        call_type: CallType::try_from(uint(call_type, "callType"))
            .unwrap_or_else(|code| panic!("unknown callType {code}")),
    }
}

/// `beginInvokeJSFromDotNet(asyncHandle, identifier, argsJson, resultType, targetInstanceId,
/// callType)`.
pub fn begin_invoke_js(
    handle: &Value,
    identifier: &Value,
    args_json: &Value,
    result_type: &Value,
    target: &Value,
    call_type: &Value,
) -> ToJs {
    ToJs::BeginInvokeJs(invocation(
        uint(handle, "asyncHandle"),
        identifier,
        args_json,
        result_type,
        target,
        call_type,
    ))
}

/// Runs `round` until [`QUIET_ROUNDS`] in a row bring nothing; returns what they brought.
pub fn settle(mut round: impl FnMut() -> Vec<ToJs>) -> Vec<ToJs> {
    let mut messages = Vec::new();
    let mut quiet = 0;
    for _ in 0..MAX_ROUNDS {
        let received = round();
        if received.is_empty() {
            quiet += 1;
            if quiet == QUIET_ROUNDS {
                return messages;
            }
        } else {
            quiet = 0;
            messages.extend(received);
        }
    }
    panic!("the host never went quiet; messages so far: {messages:?}");
}

/// A dispatcher call recorded by `interop-testkit/js/wire-recording.js` (`[method, ...args]`)
/// as the message it carries; exact or a panic.
pub fn recorded_message(entry: &Value) -> ToJs {
    let Some((method, args)) = entry.as_array().and_then(|entry| entry.split_first()) else {
        panic!("malformed wire log entry: {entry}");
    };
    match (method.as_str(), args) {
        (Some("endInvokeDotNetFromJS"), [call_id, success, result_or_error]) => {
            end_invoke_dotnet(call_id, success, result_or_error)
        }
        (
            Some("beginInvokeJSFromDotNet"),
            [handle, identifier, args_json, result_type, target, call_type],
        ) => begin_invoke_js(
            handle,
            identifier,
            args_json,
            result_type,
            target,
            call_type,
        ),
        (Some("receiveByteArray"), [id, bytes]) => ToJs::ReceiveByteArray {
            id: uint(id, "id"),
            bytes: bytes
                .get("$bytes")
                .and_then(Value::as_array)
                .unwrap_or_else(|| panic!("receiveByteArray without a Uint8Array: {bytes}"))
                .iter()
                .map(|byte| u8::try_from(uint(byte, "a byte")).expect("a Uint8Array holds bytes"))
                .collect(),
        },
        _ => panic!("a dispatcher call the wire protocol does not have here: {entry}"),
    }
}
