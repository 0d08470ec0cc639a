//! Object references across Rust→JS calls: `JsObjectRef` results and the Rust-side rules of
//! `ObjectRef`.

use interop_runtime::{CallType, JsError, JsInvocation, JsObjectRef, ObjectRef, ResultType, ToJs};

use super::{js_call, unknown_object, Factory};
use crate::fixtures::Counter;
use crate::wire::{Invoke, WireClient, WireClientExt};

/// A `JsObjectRef` result (result type 1): calls target it, it serializes back to its
/// marker, and dropping the last clone sends a fire-and-forget dispose.
pub fn js_object_ref_results(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(runtime.import("./module.js"));
    assert_eq!(
        client.next_js_call().0,
        js_call(
            1,
            "import",
            r#"["./module.js"]"#,
            ResultType::ObjectReference
        )
    );
    client.end_invoke_js(r#"[1,true,{"__jsObjectId":7}]"#);
    let module = client.finish(&task).expect("an object reference");
    assert_eq!(module.id(), 7);

    let task = client.start(module.invoke::<String>("greet", ("Amy",)));
    assert_eq!(
        client.next_js_call().0,
        JsInvocation {
            target_instance_id: 7,
            ..js_call(2, "greet", r#"["Amy"]"#, ResultType::Json)
        }
    );
    client.end_invoke_js(r#"[2,true,"Hello, Amy!"]"#);
    assert_eq!(client.finish(&task), Ok("Hello, Amy!".to_owned()));

    let task = client.start(runtime.invoke_void("use", (&module,)));
    assert_eq!(
        client.next_js_call().0,
        js_call(3, "use", r#"[{"__jsObjectId":7}]"#, ResultType::Void)
    );
    client.end_invoke_js("[3,true,null]");
    assert_eq!(client.finish(&task), Ok(()));

    // Null under result type 1 (-1) reads as `None`.
    let task = client.start(runtime.invoke::<Option<JsObjectRef>>("maybe", ()));
    assert_eq!(
        client.next_js_call().0.result_type,
        ResultType::ObjectReference
    );
    client.end_invoke_js(r#"[4,true,{"__jsObjectId":-1}]"#);
    assert!(client.finish(&task).expect("a completion").is_none());

    let clone = module.clone();
    drop(module);
    client.assert_quiet();
    drop(clone);
    assert_eq!(
        client.messages(),
        vec![ToJs::BeginInvokeJs(JsInvocation {
            async_handle: 0,
            identifier: "DotNet.disposeJSObjectReferenceById".to_owned(),
            args_json: "[7]".to_owned(),
            result_type: ResultType::Void,
            target_instance_id: 0,
            call_type: CallType::Function,
        })]
    );

    // `dispose()` sends it at once; later calls fail locally.
    let task = client.start(runtime.invoke::<JsObjectRef>("make", ()));
    client.next_js_call();
    client.end_invoke_js(r#"[5,true,{"__jsObjectId":8}]"#);
    let object = client.finish(&task).expect("an object reference");
    object.dispose();
    object.dispose();
    assert_eq!(client.next_js_call().0.args_json, "[8]");
    let task = client.start(object.invoke::<u32>("size", ()));
    assert_eq!(
        client.finish(&task),
        Err(JsError::Arguments(
            "The JS object reference has been disposed.".to_owned()
        ))
    );
    drop(object);
    client.assert_quiet();
}

/// Rust-side rules of `ObjectRef`: the first serialization tracks it, `dispose()` from Rust
/// releases it, a disposed reference cannot be sent again, and a reference tracked by one
/// runtime cannot be sent through another.
pub fn object_ref_rules_on_the_rust_side(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let helper = ObjectRef::new(Counter::new(5));
    assert_eq!(helper.id(), None);
    let task = client.start(runtime.invoke_void("setHelper", (&helper, &helper)));
    assert_eq!(
        client.next_js_call().0,
        js_call(
            1,
            "setHelper",
            r#"[{"__dotNetObject":1},{"__dotNetObject":1}]"#,
            ResultType::Void
        )
    );
    client.end_invoke_js("[1,true,null]");
    assert_eq!(client.finish(&task), Ok(()));
    assert_eq!(helper.id(), Some(1));
    assert_eq!(client.call_ok(Invoke::instance(1, "Add", "[1]")), "6");

    let mut other = factory.default_client();
    let other_runtime = other.runtime();
    let task = other.start(other_runtime.invoke_void("setHelper", (&helper,)));
    assert_eq!(
        other.finish(&task),
        Err(JsError::Arguments(
            "The arguments of 'setHelper' could not be serialized: DotNetObjectReference`1 is already being tracked by a different instance of JSRuntime. A common cause is caching an instance of DotNetObjectReference globally. Consider creating instances of DotNetObjectReference at the JSInterop callsite.".to_owned()
        ))
    );
    other.assert_quiet();

    helper.dispose();
    helper.dispose();
    assert!(helper.is_disposed());
    assert_eq!(runtime.tracked_object_count(), 0);
    assert_eq!(
        client.call_err(Invoke::instance(1, "Add", "[1]")),
        unknown_object(1)
    );
    let task = client.start(runtime.invoke_void("setHelper", (&helper,)));
    assert_eq!(
        client.finish(&task),
        Err(JsError::Arguments(
            "The arguments of 'setHelper' could not be serialized: Cannot access a disposed object. Object name: 'ObjectRef'.".to_owned()
        ))
    );
    // A dispose from JavaScript marks the Rust side disposed too.
    let second = ObjectRef::new(Counter::new(0));
    let task = client.start(runtime.invoke_void("setHelper", (&second,)));
    client.end_invoke_js("[2,true,null]");
    assert_eq!(client.finish(&task), Ok(()));
    assert_eq!(second.id(), Some(2));
    assert_eq!(client.call(Invoke::dispose(2)), (true, "null".to_owned()));
    assert!(second.is_disposed());
}
