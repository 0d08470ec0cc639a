//! The runtime's limits at their edges: calls in flight, tracked objects, message size and
//! pending Rust→JS calls.

use interop_runtime::{JsError, RuntimeOptions};

use super::{new_counter, st, Factory};
use crate::wire::{Invoke, WireClient, WireClientExt};

/// `max_in_flight_calls` refuses new async calls beyond the limit; sync methods don't count.
pub fn max_in_flight_calls_edge(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().max_in_flight_calls(2));
    let first = client.begin_invoke(st("CallBack", r#"["one"]"#));
    let second = client.begin_invoke(st("CallBack", r#"["two"]"#));
    assert_eq!(client.next_js_call().0.identifier, "one");
    assert_eq!(client.next_js_call().0.identifier, "two");
    assert_eq!(client.runtime().in_flight_call_count(), 2);
    assert_eq!(
        client.call_err(st("CallBack", r#"["three"]"#)),
        "The call to 'CallBack' was rejected: 2 calls are already in flight on this runtime."
    );
    assert_eq!(
        client.call_err(st("AsyncVoid", "[]")),
        "The call to 'AsyncVoid' was rejected: 2 calls are already in flight on this runtime."
    );
    assert_eq!(client.call_ok(st("Echo", r#"["sync"]"#)), r#""sync""#);
    // Completions are always read.
    client.end_invoke_js(r#"[1,true,"1"]"#);
    assert_eq!(client.completion_of(first), (true, r#""1""#.to_owned()));
    assert_eq!(client.call_ok(st("AsyncVoid", "[]")), "null");
    client.end_invoke_js(r#"[2,true,"2"]"#);
    assert_eq!(client.completion_of(second), (true, r#""2""#.to_owned()));
    assert_eq!(client.runtime().in_flight_call_count(), 0);
}

/// `max_tracked_objects`: the limit itself is allowed; a dispose makes room again.
pub fn max_tracked_objects_edge(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().max_tracked_objects(2));
    assert_eq!(new_counter(client.as_mut(), 0), 1);
    assert_eq!(new_counter(client.as_mut(), 0), 2);
    let full = "Cannot track another object: this runtime already tracks the maximum of 2 objects.";
    assert_eq!(client.call_err(st("NewCounter", "[0]")), full);
    assert_eq!(client.runtime().tracked_object_count(), 2);
    assert_eq!(client.call(Invoke::dispose(1)), (true, "null".to_owned()));
    assert_eq!(new_counter(client.as_mut(), 0), 3);

    // A limit is a caller error: verbatim without detailed errors too.
    let mut client = factory.client(
        RuntimeOptions::default()
            .max_tracked_objects(0)
            .detailed_errors(false),
    );
    assert_eq!(
        client.call_err(st("NewCounter", "[0]")),
        "Cannot track another object: this runtime already tracks the maximum of 0 objects."
    );
}

/// `max_message_size` applies to `argsJson`; the limit itself is allowed.
pub fn max_message_size_edge(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().max_message_size(Some(9)));
    assert_eq!(client.call_ok(st("Echo", r#"["hello"]"#)), r#""hello""#);
    assert_eq!(
        client.call_err(st("Echo", r#"["hello!"]"#)),
        "The message of 10 bytes exceeds the maximum message size of 9 bytes."
    );
    assert_eq!(client.call_ok(st("Echo", r#"["ok"]"#)), r#""ok""#);

    // Completions of Rust→JS calls too; an oversized one fails the call it names.
    let mut client = factory.client(RuntimeOptions::default().max_message_size(Some(12)));
    let runtime = client.runtime();
    let task = client.start(runtime.invoke::<String>("f", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[1,true,"a"]"#);
    assert_eq!(client.finish(&task), Ok("a".to_owned()));
    let task = client.start(runtime.invoke::<String>("f", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[2,true,"ab"]"#);
    assert_eq!(
        client.finish(&task),
        Err(JsError::Js(
            "The message of 13 bytes exceeds the maximum message size of 12 bytes.".to_owned()
        ))
    );
    assert_eq!(runtime.pending_js_call_count(), 0);
}

/// `max_pending_js_calls` refuses new Rust→JS calls beyond the limit, sending nothing.
pub fn max_pending_js_calls_edge(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().max_pending_js_calls(2));
    let runtime = client.runtime();
    let first = client.start(runtime.invoke::<u32>("f", ()));
    let _second = client.start(runtime.invoke::<u32>("f", ()));
    client.next_js_call();
    client.next_js_call();
    let third = client.start(runtime.invoke::<u32>("f", ()));
    assert_eq!(
        client.finish(&third),
        Err(JsError::Arguments(
            "Cannot start another JS interop call: 2 calls are already pending on this runtime."
                .to_owned()
        ))
    );
    client.assert_quiet();
    client.end_invoke_js("[1,true,1]");
    assert_eq!(client.finish(&first), Ok(1));
    let _fourth = client.start(runtime.invoke::<u32>("f", ()));
    assert_eq!(client.next_js_call().0.async_handle, 3);
}
