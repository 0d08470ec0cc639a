//! The end of a runtime: `close()` and what happens to calls and objects after it.

use interop_runtime::{JsError, JsObjectRef, ObjectRef};

use super::{new_counter, st, Factory};
use crate::fixtures::Counter;
use crate::wire::{Invoke, WireClient, WireClientExt};

/// `close()` fails pending Rust→JS calls with `Disconnected` and disposes every object.
pub fn close_fails_pending_calls_and_disposes_objects(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let helper = ObjectRef::new(Counter::new(1));
    let task = client.start(runtime.invoke::<String>("hold", (&helper,)));
    assert_eq!(
        client.next_js_call().0.args_json,
        r#"[{"__dotNetObject":1}]"#
    );
    let counter = new_counter(client.as_mut(), 0);
    let waiting = client.begin_invoke(st("CallBack", r#"["pending"]"#));
    client.next_js_call();
    assert_eq!(
        (
            runtime.tracked_object_count(),
            runtime.pending_js_call_count()
        ),
        (2, 2)
    );

    let object_task = client.start(runtime.invoke::<JsObjectRef>("make", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[3,true,{"__jsObjectId":2}]"#);
    let object = client.finish(&object_task).expect("an object reference");

    runtime.close();
    assert!(runtime.is_closed());
    let error = client.finish(&task).unwrap_err();
    assert_eq!(error, JsError::Disconnected);
    assert_eq!(error.to_string(), "The JS runtime has been disconnected.");
    assert_eq!(
        client.completion_of(waiting),
        (false, "The JS runtime has been disconnected.".to_owned())
    );
    assert!(helper.is_disposed());
    assert_eq!(helper.id(), None);
    assert_eq!(
        (
            runtime.tracked_object_count(),
            runtime.pending_js_call_count()
        ),
        (0, 0)
    );
    // Calls from JavaScript after the close fail with the same text, objects or not.
    assert_eq!(
        client.call_err(Invoke::instance(counter, "Add", "[1]")),
        "The JS runtime has been disconnected."
    );
    assert_eq!(
        client.call_err(st("Echo", r#"["late"]"#)),
        "The JS runtime has been disconnected."
    );
    // Dropping a JS object reference after the close sends nothing.
    drop(object);
    client.assert_quiet();
    // New calls to JavaScript fail at once and send nothing.
    let task = client.start(runtime.invoke::<String>("after", ()));
    assert_eq!(client.finish(&task), Err(JsError::Disconnected));
    client.assert_quiet();
}
