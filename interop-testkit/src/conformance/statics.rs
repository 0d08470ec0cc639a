//! Static calls: identifier lookup, the assembly and identifier checks, results, and the
//! call ids JavaScript chooses.

use interop_runtime::ResultType;

use super::{completed, js_call, new_counter, st, Factory, ASM};
use crate::wire::{Invoke, WireClient, WireClientExt};

/// `fn -> T` completes with the JSON of `T`.
pub fn static_results(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("AddPerson", r#"["Amy Pond",27]"#)),
        r#"{"name":"Amy Pond","age":27}"#
    );
    assert_eq!(
        client.call_ok(st("Echo", r#"["hi \"there\""]"#)),
        r#""hi \"there\"""#
    );
    assert_eq!(client.call_ok(st("EchoValue", r#"[null]"#)), "null");
}

/// `fn()` and `async fn()` both complete with `null` (PROTOCOL.md 10.2.5).
pub fn void_results_are_null(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(client.call(st("SyncVoid", "[]")), (true, "null".to_owned()));
    assert_eq!(
        client.call(st("AsyncVoid", "[]")),
        (true, "null".to_owned())
    );
}

/// Without an identifier in the attribute, the function name is the identifier.
pub fn default_identifier_is_the_function_name(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("default_identifier", "[]")),
        r#""default""#
    );
    assert_eq!(
        client.call_err(st("DefaultIdentifier", "[]")),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("DefaultIdentifier")]."#
    );
}

/// Every identifier of one function reaches it; identifiers are case-sensitive.
pub fn aliases_reach_the_same_function(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(client.call_ok(st("Primary", "[]")), r#""aliased""#);
    assert_eq!(client.call_ok(st("Secondary", "[]")), r#""aliased""#);
    assert_eq!(
        client.call_err(st("secondary", "[]")),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("secondary")]."#
    );
}

/// A null, empty or whitespace assembly; checked before the identifier.
pub fn null_and_blank_assembly(factory: &Factory) {
    let mut client = factory.default_client();
    let null = "Value cannot be null. (Parameter 'assemblyKey.AssemblyName')";
    let blank = "The value cannot be an empty string or composed entirely of whitespace. (Parameter 'assemblyKey.AssemblyName')";
    let call = |assembly, identifier| Invoke {
        assembly,
        identifier,
        object_id: None,
        args_json: "[]",
    };
    assert_eq!(client.call_err(call(None, Some("NoArgs"))), null);
    assert_eq!(client.call_err(call(None, None)), null);
    assert_eq!(client.call_err(call(Some(""), Some("NoArgs"))), blank);
    assert_eq!(client.call_err(call(Some(" \t\n"), None)), blank);
}

/// A null, empty or whitespace identifier of a static call.
pub fn null_and_blank_identifier(factory: &Factory) {
    let mut client = factory.default_client();
    let call = |identifier| Invoke {
        assembly: Some(ASM),
        identifier,
        object_id: None,
        args_json: "[]",
    };
    assert_eq!(
        client.call_err(call(None)),
        "Value cannot be null. (Parameter 'methodIdentifier')"
    );
    let blank = "The value cannot be an empty string or composed entirely of whitespace. (Parameter 'methodIdentifier')";
    assert_eq!(client.call_err(call(Some(""))), blank);
    assert_eq!(client.call_err(call(Some("   "))), blank);
}

/// An assembly nobody registered (names are case-sensitive).
pub fn unknown_assembly(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(Invoke::r#static("Nope", "Echo", r#"["x"]"#)),
        "There is no loaded assembly with the name 'Nope'."
    );
    assert_eq!(
        client.call_err(Invoke::r#static("conformance", "Echo", r#"["x"]"#)),
        "There is no loaded assembly with the name 'conformance'."
    );
}

/// An identifier the assembly does not have (case-sensitive); args are not looked at.
pub fn unknown_static_method(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("Nope", "not json")),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#
    );
    assert_eq!(
        client.call_err(st("echo", r#"["x"]"#)),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("echo")]."#
    );
    // Instance methods are not reachable as statics.
    assert_eq!(
        client.call_err(st("Add", "[1]")),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("Add")]."#
    );
}

/// `__Dispose` is only special on instance calls: statically it is looked up like any name.
pub fn static_dispose_identifier_is_an_ordinary_lookup(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("__Dispose", "null")),
        r#""static __Dispose""#
    );
    assert_eq!(
        client.call_err(Invoke::r#static("Nope", "__Dispose", "null")),
        "There is no loaded assembly with the name 'Nope'."
    );
    let no_assembly = Invoke {
        assembly: None,
        identifier: Some("__Dispose"),
        object_id: None,
        args_json: "null",
    };
    assert_eq!(
        client.call_err(no_assembly),
        "Value cannot be null. (Parameter 'assemblyKey.AssemblyName')"
    );
}

/// The completion carries the id the call came with, whatever order calls finish in.
pub fn call_ids_are_echoed(factory: &Factory) {
    let mut client = factory.default_client();
    let slow = client.begin_invoke(st("CallBack", r#"["answer"]"#));
    let fast = client.begin_invoke(st("Echo", r#"["fast"]"#));
    assert_eq!((slow, fast), (1, 2));
    let (call, _) = client.next_js_call();
    assert_eq!(call, js_call(1, "answer", "[]", ResultType::Json));
    assert_eq!(client.messages(), vec![completed(2, true, r#""fast""#)]);
    client.end_invoke_js(r#"[1,true,"slow"]"#);
    assert_eq!(client.messages(), vec![completed(1, true, r#""slow""#)]);

    client.begin_invoke_with_id(42, st("Echo", r#"["x"]"#));
    client.begin_invoke_with_id(7, st("Nope", "[]"));
    assert_eq!(
        client.messages(),
        vec![
            completed(42, true, r#""x""#),
            completed(
                7,
                false,
                r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#
            ),
        ]
    );
}

/// Call id 0: the call runs, nothing is sent back, not even errors.
pub fn fire_and_forget_sends_nothing(factory: &Factory) {
    let mut client = factory.default_client();
    let counter = new_counter(client.as_mut(), 1);
    client.begin_invoke_with_id(0, st("Echo", r#"["x"]"#));
    client.begin_invoke_with_id(0, st("Nope", "[]"));
    client.begin_invoke_with_id(0, st("AsyncVoid", "[]"));
    client.begin_invoke_with_id(0, st("Fail", r#"["no"]"#));
    client.begin_invoke_with_id(0, Invoke::instance(counter, "Add", "[10]"));
    client.begin_invoke_with_id(0, Invoke::instance(counter, "GetAsync", "[]"));
    client.begin_invoke_with_id(0, Invoke::instance(99, "Add", "[10]"));
    client.send_byte_array(0, vec![1, 2]);
    client.begin_invoke_with_id(0, st("ReverseBytes", r#"[{"__byte[]":0}]"#));
    client.assert_quiet();
    assert_eq!(
        client.call_ok(Invoke::instance(counter, "Add", "[0]")),
        "11"
    );
}
