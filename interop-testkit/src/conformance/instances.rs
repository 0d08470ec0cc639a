//! Instance calls on `DotNetObjectReference`s: lookup, disposal, ids, object references as
//! parameters, and the order calls run in.

use interop_runtime::ResultType;

use super::{js_call, new_counter, st, unknown_object, Factory, ASM};
use crate::wire::{Invoke, WireClient, WireClientExt};

/// Sync `&self`, async `&self` and sync `&mut self` methods.
pub fn instance_calls(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("NewCounter", "[5]")),
        r#"{"__dotNetObject":1}"#
    );
    assert_eq!(client.call_ok(Invoke::instance(1, "Add", "[2]")), "7");
    assert_eq!(client.call_ok(Invoke::instance(1, "GetAsync", "[]")), "7");
    assert_eq!(
        client.call_ok(Invoke::instance(1, "Reset", r#"["first"]"#)),
        r#"["first"]"#
    );
    assert_eq!(
        client.call_ok(Invoke::instance(1, "Reset", r#"["second"]"#)),
        r#"["first","second"]"#
    );
    assert_eq!(client.call_ok(Invoke::instance(1, "GetAsync", "[]")), "0");
    assert_eq!(
        client.call_err(Invoke::instance(1, "Add", "[]")),
        "The call to 'Add' expects '1' parameters, but received '0'."
    );
    assert_eq!(client.runtime().tracked_object_count(), 1);
}

/// An identifier the object's type does not have; statics are not reachable on objects.
pub fn unknown_instance_method(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.call_err(Invoke::instance(counter, "Nope", "[]")),
        r#"The type 'Counter' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#
    );
    assert_eq!(
        client.call_err(Invoke::instance(counter, "Echo", r#"["x"]"#)),
        r#"The type 'Counter' does not contain a public invokable method with [JSInvokableAttribute("Echo")]."#
    );
    assert_eq!(
        client.call_err(Invoke::instance(counter, "add", "[1]")),
        r#"The type 'Counter' does not contain a public invokable method with [JSInvokableAttribute("add")]."#
    );
}

/// An instance call must not name an assembly; an unknown id is reported first.
pub fn instance_call_with_assembly(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 0);
    let with_assembly = |assembly, object_id| Invoke {
        assembly: Some(assembly),
        identifier: Some("Add"),
        object_id: Some(object_id),
        args_json: "[1]",
    };
    assert_eq!(
        client.call_err(with_assembly(ASM, counter)),
        "For instance method calls, 'assemblyName' should be null. Value received: 'Conformance'."
    );
    assert_eq!(
        client.call_err(with_assembly("", counter)),
        "For instance method calls, 'assemblyName' should be null. Value received: ''."
    );
    assert_eq!(client.call_err(with_assembly(ASM, 99)), unknown_object(99));
    // An unknown id also comes before the identifier checks.
    assert_eq!(
        client.call_err(Invoke::instance(99, "", "[]")),
        unknown_object(99)
    );
}

/// `dotNetObjectId` 0 means a static call.
pub fn object_id_zero_is_a_static_call(factory: &Factory) {
    let mut client = factory.default_client();
    let call = Invoke {
        assembly: Some(ASM),
        identifier: Some("Echo"),
        object_id: Some(0),
        args_json: r#"["zero"]"#,
    };
    assert_eq!(client.call_ok(call), r#""zero""#);
}

/// Methods of a generic type work on each closed type, with that type's arguments.
pub fn generic_instance_types(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("NewTextHolder", "[]")),
        r#"{"__dotNetObject":1}"#
    );
    assert_eq!(
        client.call_ok(st("NewNumberHolder", "[]")),
        r#"{"__dotNetObject":2}"#
    );
    assert_eq!(client.call_ok(Invoke::instance(1, "Get", "[]")), "null");
    assert_eq!(
        client.call_ok(Invoke::instance(1, "Set", r#"["text"]"#)),
        "null"
    );
    assert_eq!(client.call_ok(Invoke::instance(2, "Set", "[42]")), "null");
    assert_eq!(
        client.call_ok(Invoke::instance(1, "Get", "[]")),
        r#""text""#
    );
    assert_eq!(client.call_ok(Invoke::instance(2, "Get", "[]")), "42");
    assert_eq!(
        client.call_err(Invoke::instance(2, "Set", r#"["text"]"#)),
        r#"The call to 'Set' could not bind argument 1: invalid type: string "text", expected i32"#
    );
    assert_eq!(
        client.call_err(Invoke::instance(2, "Nope", "[]")),
        r#"The type 'Holder' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#
    );
}

/// `__Dispose` answers `null` without parsing args; later use and a second dispose fail.
pub fn dispose_from_js(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 3);
    let other = new_counter(client.as_mut(), 4);
    assert_eq!(client.runtime().tracked_object_count(), 2);
    assert_eq!(
        client.call(Invoke::dispose(counter)),
        (true, "null".to_owned())
    );
    assert_eq!(client.runtime().tracked_object_count(), 1);
    assert_eq!(
        client.call_err(Invoke::instance(counter, "Add", "[1]")),
        unknown_object(counter)
    );
    assert_eq!(
        client.call_err(Invoke::dispose(counter)),
        unknown_object(counter)
    );
    assert_eq!(
        client.call_err(st(
            "CounterValue",
            &format!(r#"[{{"__dotNetObject":{counter}}}]"#)
        )),
        unknown_object(counter)
    );
    // The args of `__Dispose` are never parsed.
    assert_eq!(
        client.call(Invoke::instance(other, "__Dispose", "not json")),
        (true, "null".to_owned())
    );
    assert_eq!(client.runtime().tracked_object_count(), 0);
}

/// Ids count from 1 per runtime and are never reused, even after a dispose; serializing one
/// reference twice gives one id, another reference to an equal value a new one.
pub fn object_ids_start_at_one_and_are_never_reused(factory: &Factory) {
    let mut client = factory.default_client();
    let refs = |ids: [u64; 5]| {
        let items: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"__dotNetObject":{id}}}"#))
            .collect();
        format!("[{}]", items.join(","))
    };
    assert_eq!(
        client.call_ok(st("RefSequence", "[]")),
        refs([1, 2, 3, 1, 4])
    );
    assert_eq!(
        client.call_ok(st("RefSequence", "[]")),
        refs([5, 6, 7, 5, 8])
    );
    assert_eq!(client.call(Invoke::dispose(8)), (true, "null".to_owned()));
    assert_eq!(
        client.call_ok(st("NewCounter", "[0]")),
        r#"{"__dotNetObject":9}"#
    );
    // Another runtime counts on its own.
    let mut second = factory.default_client();
    assert_eq!(
        second.call_ok(st("NewCounter", "[0]")),
        r#"{"__dotNetObject":1}"#
    );
}

/// Clones of one `ObjectRef` share its id.
pub fn clones_share_an_id(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("Clones", "[]")),
        r#"[{"__dotNetObject":1},{"__dotNetObject":1}]"#
    );
    assert_eq!(client.runtime().tracked_object_count(), 1);
}

/// `{"__dotNetObject":n}` binds to `ObjectRef<T>` and `Option<ObjectRef<T>>` parameters.
pub fn object_ref_parameters(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 5);
    assert_eq!(
        client.call_ok(st(
            "CounterValue",
            &format!(r#"[{{"__dotNetObject":{counter}}}]"#)
        )),
        "5"
    );
    assert_eq!(
        client.call_ok(st(
            "CounterValue",
            &format!(r#"[ {{ "__dotNetObject" : {counter} }} ]"#)
        )),
        "5"
    );
    assert_eq!(
        client.call_ok(st(
            "MaybeCounterValue",
            &format!(r#"[{{"__dotNetObject":{counter}}}]"#)
        )),
        "5"
    );
    assert_eq!(client.call_ok(st("MaybeCounterValue", "[null]")), "0");
}

/// An unknown or disposed id as an argument.
pub fn unknown_object_ref_parameter(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("CounterValue", r#"[{"__dotNetObject":99}]"#)),
        unknown_object(99)
    );
    assert_eq!(
        client.call_err(st("MaybeCounterValue", r#"[{"__dotNetObject":99}]"#)),
        unknown_object(99)
    );
}

/// A marker sent to a parameter that is not an object reference: 1-based index, id never
/// looked up. A marker that is not the first property is ordinary data.
pub fn object_ref_to_a_plain_parameter(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.call_err(st("Echo", &format!(r#"[{{"__dotNetObject":{counter}}}]"#))),
        "In call to 'Echo', parameter of type 'String' at index 1 must be declared as type 'DotNetObjectRef<String>' to receive the incoming value."
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy",{"__dotNetObject":99}]"#)),
        "In call to 'AddPerson', parameter of type 'u32' at index 2 must be declared as type 'DotNetObjectRef<u32>' to receive the incoming value."
    );
    assert_eq!(
        client.call_err(st("EchoValue", r#"[{ "__dotNetObject":1,"x":2}]"#)),
        "In call to 'EchoValue', parameter of type 'Value' at index 1 must be declared as type 'DotNetObjectRef<Value>' to receive the incoming value."
    );
    assert_eq!(
        client.call_ok(st("EchoValue", r#"[{"x":2,"__dotNetObject":1}]"#)),
        r#"{"__dotNetObject":1,"x":2}"#
    );
}

/// A tracked object of another type than the parameter's.
pub fn object_ref_of_the_wrong_type(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("NewOther", "[]")),
        r#"{"__dotNetObject":1}"#
    );
    assert_eq!(
        client.call_ok(Invoke::instance(1, "Name", "[]")),
        r#""other""#
    );
    assert_eq!(
        client.call_err(st("CounterValue", r#"[{"__dotNetObject":1}]"#)),
        "The object with id '1' is not of type 'Counter'."
    );
}

/// The marker reader's texts for a malformed `{"__dotNetObject":n}`.
pub fn object_ref_marker_shapes(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.call_err(st(
            "CounterValue",
            &format!(r#"[{{"__dotNetObject":{counter},"x":1}}]"#)
        )),
        "Unexpected JSON property x."
    );
    assert_eq!(
        client.call_err(st("CounterValue", "[{}]")),
        "Required property __dotNetObject not found."
    );
    assert_eq!(
        client.call_err(st("CounterValue", r#"[{"x":1}]"#)),
        "Unexpected JSON property x."
    );
}

/// A call and a `__Dispose` sent back to back: the call binds its object first, both
/// succeed, and a third call finds the object gone.
pub fn calls_are_processed_in_arrival_order(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 4);
    let read = client.begin_invoke(Invoke::instance(counter, "GetAsync", "[]"));
    let dispose = client.begin_invoke(Invoke::dispose(counter));
    let late = client.begin_invoke(Invoke::instance(counter, "Add", "[1]"));
    assert_eq!(client.completion_of(read), (true, "4".to_owned()));
    assert_eq!(client.completion_of(dispose), (true, "null".to_owned()));
    assert_eq!(client.completion_of(late), (false, unknown_object(counter)));
}

/// Two async `&self` calls on one object run at once and complete independently.
pub fn concurrent_async_calls_on_one_object(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 3);
    let first = client.begin_invoke(Invoke::instance(counter, "AskJs", r#"["first"]"#));
    let second = client.begin_invoke(Invoke::instance(counter, "AskJs", r#"["second"]"#));
    let (call_a, _) = client.next_js_call();
    let (call_b, _) = client.next_js_call();
    assert_eq!(call_a, js_call(1, "first", "[]", ResultType::Json));
    assert_eq!(call_b, js_call(2, "second", "[]", ResultType::Json));
    assert_eq!(client.runtime().in_flight_call_count(), 2);
    // Sync calls on the object are not blocked meanwhile.
    assert_eq!(client.call_ok(Invoke::instance(counter, "Add", "[1]")), "4");
    client.end_invoke_js(r#"[2,true,"b"]"#);
    assert_eq!(client.completion_of(second), (true, r#""b:4""#.to_owned()));
    client.end_invoke_js(r#"[1,true,"a"]"#);
    assert_eq!(client.completion_of(first), (true, r#""a:4""#.to_owned()));
    assert_eq!(client.runtime().in_flight_call_count(), 0);
}

/// An async `&self` call holds its object until it completes: meanwhile a sync `&mut self`
/// call fails at once, with a text naming the pending call, while `&self` calls still run;
/// once it completes, the `&mut self` call runs.
pub fn async_self_call_holds_the_object(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 3);
    let ask = client.begin_invoke(Invoke::instance(counter, "AskJs", r#"["slow"]"#));
    let (call, _) = client.next_js_call();
    assert_eq!(call, js_call(1, "slow", "[]", ResultType::Json));
    assert_eq!(
        client.call_err(Invoke::instance(counter, "Reset", r#"["x"]"#)),
        "The object is busy: 'Reset' takes it exclusively (`&mut self`), but the async `&self` \
         method 'AskJs' is still running on it, and an async `&self` method holds its object \
         until it completes."
    );
    assert_eq!(client.call_ok(Invoke::instance(counter, "Add", "[1]")), "4");
    client.end_invoke_js(r#"[1,true,"done"]"#);
    assert_eq!(client.completion_of(ask), (true, r#""done:4""#.to_owned()));
    assert_eq!(
        client.call_ok(Invoke::instance(counter, "Reset", r#"["x"]"#)),
        r#"["x"]"#
    );
}
