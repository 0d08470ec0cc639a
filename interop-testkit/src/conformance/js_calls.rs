//! Rust→JS calls: the call JavaScript receives, its completions (good, failed, late,
//! duplicate, malformed), byte arrays in both directions, timeouts and call types.

use std::time::Duration;

use interop_runtime::{
    ByteArray, CallType, JsError, JsInvocation, JsObjectRef, ResultType, RuntimeOptions, ToJs,
};

use super::{assert_virtual_clock, completed, js_call, nested, st, Factory};
use crate::wire::{WireClient, WireClientExt};

/// `invoke::<T>` sends `BeginInvokeJs` and resolves with the deserialized value.
pub fn js_call_success(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<crate::fixtures::Person>("makePerson", ("Amy", 27)));
    let (call, bytes) = client.next_js_call();
    assert_eq!(
        call,
        js_call(1, "makePerson", r#"["Amy",27]"#, ResultType::Json)
    );
    assert!(bytes.is_empty());
    assert_eq!(runtime.pending_js_call_count(), 1);
    client.end_invoke_js(r#"[1,true,{"name":"Amy","age":27}]"#);
    assert_eq!(
        client.finish(&task),
        Ok(crate::fixtures::Person {
            name: "Amy".to_owned(),
            age: 27
        })
    );
    assert_eq!(runtime.pending_js_call_count(), 0);
    // Null and array values.
    let nothing = client.start(runtime.invoke::<Option<String>>("nothing", ()));
    let list = client.start(runtime.invoke::<Vec<i32>>("list", ()));
    client.end_invoke_js("[2,true,null]");
    client.end_invoke_js("[3,true,[1,2,3]]");
    assert_eq!(client.finish(&nothing), Ok(None));
    assert_eq!(client.finish(&list), Ok(vec![1, 2, 3]));
    assert_eq!(client.next_js_call().0.identifier, "nothing");
    assert_eq!(client.next_js_call().0.identifier, "list");
    // `invoke_void` asks for no value.
    let task = client.start(runtime.invoke_void("log", ("x",)));
    assert_eq!(
        client.next_js_call().0,
        js_call(4, "log", r#"["x"]"#, ResultType::Void)
    );
    client.end_invoke_js("[4,true,null]");
    assert_eq!(client.finish(&task), Ok(()));
    client.assert_quiet();
}

/// A failure triple becomes `JsError::Js` with JavaScript's whole text.
pub fn js_call_failure(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("explode", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[1,false,"Error: boom\n    at explode (app.js:1:7)"]"#);
    let error = client.finish(&task).unwrap_err();
    assert_eq!(
        error,
        JsError::Js("Error: boom\n    at explode (app.js:1:7)".to_owned())
    );
    assert_eq!(
        error.to_string(),
        "Error: boom\n    at explode (app.js:1:7)"
    );
    // Through a JS→Rust call that returns it.
    let id = client.begin_invoke(st("CallBack", r#"["explode"]"#));
    let (call, _) = client.next_js_call();
    assert_eq!(call.async_handle, 2);
    client.end_invoke_js(r#"[2,false,"Could not find 'explode' ('explode' was undefined)."]"#);
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "Could not find 'explode' ('explode' was undefined).".to_owned()
        )
    );
}

/// A thrown `null` gives JSON `null` (an empty text) or the string `"null"`.
pub fn js_call_failure_with_null_text(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let first = client.start(runtime.invoke::<String>("throwNull", ()));
    let second = client.start(runtime.invoke::<String>("throwNull", ()));
    client.end_invoke_js("[1,false,null]");
    client.end_invoke_js(r#"[2,false,"null"]"#);
    assert_eq!(client.finish(&first), Err(JsError::Js(String::new())));
    assert_eq!(client.finish(&second), Err(JsError::Js("null".to_owned())));
}

/// Handles count from 1 per runtime and are never reused.
pub fn js_call_handles_increase_from_one(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let tasks: Vec<_> = (0..3)
        .map(|_| client.start(runtime.invoke::<u32>("f", ())))
        .collect();
    for handle in 1..=3 {
        assert_eq!(client.next_js_call().0.async_handle, handle);
    }
    for handle in [2, 3, 1] {
        client.end_invoke_js(&format!("[{handle},true,{handle}]"));
    }
    let results: Vec<_> = tasks.iter().map(|task| client.finish(task)).collect();
    assert_eq!(results, vec![Ok(1), Ok(2), Ok(3)]);
    let task = client.start(runtime.invoke::<u32>("f", ()));
    assert_eq!(client.next_js_call().0.async_handle, 4);
    task.abort();
    let mut second = factory.default_client();
    let other = second.runtime();
    let _task = second.start(other.invoke::<u32>("f", ()));
    assert_eq!(second.next_js_call().0.async_handle, 1);
}

/// The first completion wins; later ones for the same handle are ignored.
pub fn js_call_duplicate_completion_ignored(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("f", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[1,true,"first"]"#);
    client.end_invoke_js(r#"[1,true,"second"]"#);
    client.end_invoke_js(r#"[1,false,"third"]"#);
    assert_eq!(client.finish(&task), Ok("first".to_owned()));
    client.assert_quiet();
}

/// A completion for a handle nobody waits for is ignored, whatever it holds.
pub fn js_call_unknown_handle_ignored(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("f", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[99,true,"x"]"#);
    client.end_invoke_js("[0,false,null]");
    client.end_invoke_js("[99,true,not even json");
    client.assert_quiet();
    assert!(task.take().is_none());
    assert_eq!(runtime.pending_js_call_count(), 1);
    client.end_invoke_js(r#"[1,true,"mine"]"#);
    assert_eq!(client.finish(&task), Ok("mine".to_owned()));
}

/// A malformed triple for a pending handle fails that call with `Invalid JSON`.
pub fn js_call_malformed_completion(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    for (handle, triple) in [
        (1, "[1,true]"),
        (2, r#"[2,true,"a",4]"#),
        (3, r#"[3,"yes","a"]"#),
        (4, r#"[4,true,"a""#),
    ] {
        let task = client.start(runtime.invoke::<String>("f", ()));
        assert_eq!(client.next_js_call().0.async_handle, handle);
        client.end_invoke_js(triple);
        assert_eq!(
            client.finish(&task),
            Err(JsError::Js("Invalid JSON".to_owned())),
            "triple {triple}"
        );
    }
    assert_eq!(runtime.pending_js_call_count(), 0);
    // Envelopes naming no handle change nothing.
    let task = client.start(runtime.invoke::<String>("f", ()));
    for triple in ["", "{}", "[]", r#"["5",true,"a"]"#, "null"] {
        client.end_invoke_js(triple);
    }
    assert_eq!(runtime.pending_js_call_count(), 1);
    client.end_invoke_js(r#"[5,true,"ok"]"#);
    assert_eq!(client.finish(&task), Ok("ok".to_owned()));
}

/// A value that does not deserialize into the requested type.
pub fn js_call_result_of_wrong_type(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<u32>("f", ()));
    client.end_invoke_js(r#"[1,true,"text"]"#);
    let error = client.finish(&task).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"An exception occurred executing JS interop: invalid type: string "text", expected u32. See InnerException for more details."#
    );
    assert!(matches!(error, JsError::Result(_)), "{error:?}");
}

/// A completion value may nest 32 levels deep, not 33.
pub fn js_call_completion_depth_limit(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<serde_json::Value>("deep", ()));
    client.end_invoke_js(&format!("[1,true,{}]", nested(32)));
    let value = client.finish(&task).expect("32 levels are allowed");
    assert_eq!(value.to_string(), nested(32));
    let task = client.start(runtime.invoke::<serde_json::Value>("deeper", ()));
    client.end_invoke_js(&format!("[2,true,{}]", nested(33)));
    assert_eq!(
        client.finish(&task).unwrap_err().to_string(),
        "The JSON value exceeds the maximum depth of 32."
    );
}

/// Bytes in Rust→JS args precede the call; bytes in a completion are staged before it.
pub fn js_call_bytes_both_ways(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task =
        client.start(runtime.invoke::<ByteArray>("transform", (ByteArray::from(vec![1, 2]), "x")));
    let (call, bytes) = client.next_js_call();
    assert_eq!(
        call,
        js_call(1, "transform", r#"[{"__byte[]":1},"x"]"#, ResultType::Json)
    );
    assert_eq!(bytes, vec![(1, vec![1, 2])]);
    client.send_byte_array(0, vec![5, 6, 7]);
    client.end_invoke_js(r#"[1,true,{"__byte[]":0}]"#);
    assert_eq!(
        client.finish(&task).map(ByteArray::into_vec),
        Ok(vec![5, 6, 7])
    );
    // Cleared after the completion.
    let task = client.start(runtime.invoke::<ByteArray>("transform", ()));
    assert_eq!(
        client.next_js_call(),
        (js_call(2, "transform", "[]", ResultType::Json), vec![])
    );
    client.end_invoke_js(r#"[2,true,{"__byte[]":0}]"#);
    assert_eq!(
        client.finish(&task).unwrap_err().to_string(),
        "An exception occurred executing JS interop: JSON serialization is attempting to deserialize an unexpected byte array.. See InnerException for more details."
    );
    // Rust→JS ids continue from the ones results used.
    let id = client.begin_invoke(st("ReverseBytes", r#"["AQ=="]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 2,
                bytes: vec![1].into()
            },
            completed(id, true, r#"{"__byte[]":2}"#)
        ]
    );
}

/// The runtime's timeout (virtual clock) fails the call with the exact text; a late
/// completion is ignored; `timeout(..)` overrides it per call, `None` waits forever.
/// [`js_call_timeout_elapses`] covers what needs no virtual clock.
pub fn js_call_timeout(factory: &Factory) {
    let mut client =
        factory.client(RuntimeOptions::default().js_call_timeout(Some(Duration::from_secs(5))));
    assert_virtual_clock(client.as_ref());
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("slow", ()));
    client.next_js_call();
    client.advance(Duration::from_millis(4999));
    assert!(task.take().is_none());
    assert_eq!(runtime.pending_js_call_count(), 1);
    client.advance(Duration::from_millis(1));
    let error = client.finish(&task).unwrap_err();
    assert_eq!(
        error,
        JsError::Timeout("The JS interop call 'slow' timed out after 5000ms.".to_owned())
    );
    assert_eq!(
        error.to_string(),
        "The JS interop call 'slow' timed out after 5000ms."
    );
    assert_eq!(runtime.pending_js_call_count(), 0);
    client.end_invoke_js(r#"[1,true,"late"]"#);
    client.assert_quiet();

    let task = client.start(
        runtime
            .call("slower")
            .timeout(Some(Duration::from_millis(250)))
            .invoke::<String>(),
    );
    assert_eq!(client.next_js_call().0.async_handle, 2);
    client.advance(Duration::from_millis(250));
    assert_eq!(
        client.finish(&task),
        Err(JsError::Timeout(
            "The JS interop call 'slower' timed out after 250ms.".to_owned()
        ))
    );
    let task = client.start(runtime.call("patient").timeout(None).invoke::<String>());
    assert_eq!(client.next_js_call().0.async_handle, 3);
    client.advance(Duration::from_secs(3600));
    assert!(task.take().is_none());
    client.end_invoke_js(r#"[3,true,"done"]"#);
    assert_eq!(client.finish(&task), Ok("done".to_owned()));

    // A JS→Rust call waiting on a timed-out call fails with that text.
    let id = client.begin_invoke(st("CallBack", r#"["slow"]"#));
    assert_eq!(client.next_js_call().0.async_handle, 4);
    client.advance(Duration::from_secs(5));
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "The JS interop call 'slow' timed out after 5000ms.".to_owned()
        )
    );
}

/// Timeouts on any clock, real ones included: short timeouts only, and no assertion that
/// depends on when exactly a timer fires (a timeout has fired once the clock moved by it; a
/// call without one never times out). The exact text, the per-call override, the late
/// completion, and a JS→Rust call waiting on a timed-out call.
pub fn js_call_timeout_elapses(factory: &Factory) {
    let default = Duration::from_millis(20);
    let mut client = factory.client(RuntimeOptions::default().js_call_timeout(Some(default)));
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("slow", ()));
    assert_eq!(client.next_js_call().0.async_handle, 1);
    client.advance(default);
    assert_eq!(
        client.finish(&task),
        Err(JsError::Timeout(
            "The JS interop call 'slow' timed out after 20ms.".to_owned()
        ))
    );
    assert_eq!(runtime.pending_js_call_count(), 0);
    client.end_invoke_js(r#"[1,true,"late"]"#);
    client.assert_quiet();

    let task = client.start(
        runtime
            .call("slower")
            .timeout(Some(Duration::from_millis(5)))
            .invoke::<String>(),
    );
    assert_eq!(client.next_js_call().0.async_handle, 2);
    client.advance(Duration::from_millis(5));
    assert_eq!(
        client.finish(&task),
        Err(JsError::Timeout(
            "The JS interop call 'slower' timed out after 5ms.".to_owned()
        ))
    );

    let task = client.start(runtime.call("patient").timeout(None).invoke::<String>());
    assert_eq!(client.next_js_call().0.async_handle, 3);
    client.advance(default);
    client.assert_quiet();
    assert!(task.take().is_none());
    assert_eq!(runtime.pending_js_call_count(), 1);
    client.end_invoke_js(r#"[3,true,"done"]"#);
    assert_eq!(client.finish(&task), Ok("done".to_owned()));

    let id = client.begin_invoke(st("CallBack", r#"["slow"]"#));
    assert_eq!(client.next_js_call().0.async_handle, 4);
    client.advance(default);
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "The JS interop call 'slow' timed out after 20ms.".to_owned()
        )
    );
    assert_eq!(runtime.pending_js_call_count(), 0);
    assert_eq!(client.runtime().in_flight_call_count(), 0);
}

/// Dropping the future removes the pending entry; its completion is then ignored.
pub fn js_call_dropped_future(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let future = runtime.invoke::<String>("never", ());
    assert_eq!(runtime.pending_js_call_count(), 1);
    assert_eq!(
        client.next_js_call().0,
        js_call(1, "never", "[]", ResultType::Json)
    );
    drop(future);
    assert_eq!(runtime.pending_js_call_count(), 0);
    client.end_invoke_js(r#"[1,true,"late"]"#);
    client.assert_quiet();
    // The same through the host's executor.
    let task = client.start(runtime.invoke::<String>("never", ()));
    client.next_js_call();
    assert_eq!(runtime.pending_js_call_count(), 1);
    task.abort();
    client.pump();
    assert_eq!(runtime.pending_js_call_count(), 0);
}

/// Constructor, property read and property write call types (PROTOCOL.md §5).
pub fn js_call_types(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let constructed = client.start(
        runtime
            .call("Thing")
            .args((1,))
            .call_type(CallType::Constructor)
            .invoke::<JsObjectRef>(),
    );
    let read = client.start(
        runtime
            .call("document.title")
            .call_type(CallType::GetValue)
            .invoke::<String>(),
    );
    let written = client.start(
        runtime
            .call("document.title")
            .args(("new",))
            .call_type(CallType::SetValue)
            .invoke::<()>(),
    );
    assert_eq!(
        client.next_js_call().0,
        JsInvocation {
            call_type: CallType::Constructor,
            ..js_call(1, "Thing", "[1]", ResultType::ObjectReference)
        }
    );
    assert_eq!(
        client.next_js_call().0,
        JsInvocation {
            call_type: CallType::GetValue,
            ..js_call(2, "document.title", "[]", ResultType::Json)
        }
    );
    assert_eq!(
        client.next_js_call().0,
        JsInvocation {
            call_type: CallType::SetValue,
            ..js_call(3, "document.title", r#"["new"]"#, ResultType::Void)
        }
    );
    client.end_invoke_js(r#"[1,true,{"__jsObjectId":4}]"#);
    client.end_invoke_js(r#"[2,true,"old"]"#);
    client.end_invoke_js("[3,true,null]");
    assert_eq!(client.finish(&read), Ok("old".to_owned()));
    assert_eq!(client.finish(&written), Ok(()));
    let object = client.finish(&constructed).expect("an object reference");
    assert_eq!(object.id(), 4);
    // Calls on the object target it.
    let task = client.start(
        object
            .call("size")
            .call_type(CallType::GetValue)
            .invoke::<u32>(),
    );
    assert_eq!(
        client.next_js_call().0,
        JsInvocation {
            call_type: CallType::GetValue,
            target_instance_id: 4,
            ..js_call(4, "size", "[]", ResultType::Json)
        }
    );
    client.end_invoke_js("[4,true,12]");
    assert_eq!(client.finish(&task), Ok(12));
}
