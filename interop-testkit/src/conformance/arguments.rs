//! Arguments of JS→Rust calls: their count, their shape, their types and the depth limits.

use interop_runtime::RuntimeOptions;

use super::{nested, st, Factory};
use crate::wire::WireClientExt;

/// Fewer elements than parameters.
pub fn too_few_arguments(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("AddPerson", "[]")),
        "The call to 'AddPerson' expects '2' parameters, but received '0'."
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy"]"#)),
        "The call to 'AddPerson' expects '2' parameters, but received '1'."
    );
    assert_eq!(
        client.call_err(st("Echo", "[]")),
        "The call to 'Echo' expects '1' parameters, but received '0'."
    );
}

/// More elements than parameters: the text names the .NET token of the first extra element.
pub fn too_many_arguments_name_the_token(factory: &Factory) {
    let mut client = factory.default_client();
    for (extra, token) in [
        ("1", "Number"),
        ("-2.5e3", "Number"),
        (r#""x""#, "String"),
        (r#"{"a":1}"#, "StartObject"),
        ("[1]", "StartArray"),
        ("true", "True"),
        ("false", "False"),
        ("null", "Null"),
    ] {
        let args = format!(r#"["Amy",27,{extra},"more"]"#);
        assert_eq!(
            client.call_err(st("AddPerson", &args)),
            format!("Unexpected JSON token {token}. Ensure that the call to `AddPerson' is supplied with exactly '2' parameters."),
            "extra argument {extra}"
        );
    }
}

/// Zero-parameter methods ignore `argsJson` by default, as .NET 8–10 do (PROTOCOL.md 10.2.4).
pub fn zero_parameter_methods_ignore_arguments(factory: &Factory) {
    let mut client = factory.default_client();
    for args in ["[]", "[1,\"x\",{}]", "null", "", "{}", "not json"] {
        assert_eq!(
            client.call(st("NoArgs", args)),
            (true, "7".to_owned()),
            "args {args:?}"
        );
    }
}

/// Under `strict_arguments`, zero-parameter methods take exactly `[]`.
pub fn strict_arguments_reject_extra_arguments(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().strict_arguments(true));
    assert_eq!(client.call_ok(st("NoArgs", "[]")), "7");
    assert_eq!(client.call_ok(st("NoArgs", " [ ] ")), "7");
    assert_eq!(
        client.call_err(st("NoArgs", "[1]")),
        "Unexpected JSON token Number. Ensure that the call to `NoArgs' is supplied with exactly '0' parameters."
    );
    assert_eq!(
        client.call_err(st("NoArgs", r#"[{"a":1}]"#)),
        "Unexpected JSON token StartObject. Ensure that the call to `NoArgs' is supplied with exactly '0' parameters."
    );
    assert_eq!(client.call_err(st("NoArgs", "null")), "Invalid JSON");
    assert_eq!(client.call_err(st("NoArgs", "")), "Invalid JSON");
    // Methods with parameters behave as without the option.
    assert_eq!(client.call_ok(st("Echo", r#"["x"]"#)), r#""x""#);
}

/// Anything but a JSON array is `Invalid JSON`.
pub fn arguments_must_be_an_array(factory: &Factory) {
    let mut client = factory.default_client();
    for args in [
        "",
        "null",
        "{}",
        r#"{"0":"x"}"#,
        r#""x""#,
        "1",
        "true",
        "  ",
    ] {
        assert_eq!(
            client.call_err(st("Echo", args)),
            "Invalid JSON",
            "args {args:?}"
        );
    }
    // Truncated arrays are reader errors.
    assert_eq!(
        client.call_err(st("Echo", r#"["x""#)),
        "Invalid JSON: unexpected end of the array"
    );
}

/// An element that does not deserialize into its parameter carries serde's message, naming the
/// call and the argument.
pub fn argument_type_errors(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy","27"]"#)),
        r#"The call to 'AddPerson' could not bind argument 2: invalid type: string "27", expected u32"#
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy",-1]"#)),
        "The call to 'AddPerson' could not bind argument 2: invalid value: integer `-1`, expected u32"
    );
    assert_eq!(
        client.call_err(st("Echo", "[null]")),
        "The call to 'Echo' could not bind argument 1: invalid type: null, expected a string"
    );
}

/// Arguments are read in order and the first that fails names the error, as the reference
/// reads them: a type error before a nested argument's depth or object reference, a break in
/// the array after the arguments before it.
pub fn argument_errors_come_in_order(factory: &Factory) {
    let mut client = factory.default_client();
    let deep = nested(33);
    let not_a_string = "The call to 'AddPerson' could not bind argument 1: invalid type: integer `1`, expected a string";
    assert_eq!(
        client.call_err(st("AddPerson", &format!("[1,{deep}]"))),
        not_a_string
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"[1,{"__dotNetObject":1}]"#)),
        not_a_string
    );
    assert_eq!(client.call_err(st("AddPerson", "[1 27]")), not_a_string);
    assert_eq!(
        client.call_err(st("AddPerson", &format!(r#"[{deep},"x"]"#))),
        "The JSON value exceeds the maximum depth of 32."
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy",{"__dotNetObject":1}]"#)),
        "In call to 'AddPerson', parameter of type 'u32' at index 2 must be declared as type 'DotNetObjectRef<u32>' to receive the incoming value."
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy" 27]"#)),
        "Invalid JSON: expected ',' or ']' at byte 7"
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy",27"#)),
        "Invalid JSON: unexpected end of the array"
    );
    // The same with parameters that are not scalars (their checks run before the pass).
    assert_eq!(
        client.call_err(st("ConcatBytes", &format!("[1,{deep}]"))),
        "JSON serialization is attempting to deserialize an unexpected byte array."
    );
    assert_eq!(
        client.call_err(st("ConcatBytes", &format!("[{deep},1]"))),
        "The JSON value exceeds the maximum depth of 32."
    );
    assert_eq!(
        client.call_err(st("EchoValue", &format!("[{deep}]"))),
        "The JSON value exceeds the maximum depth of 32."
    );
}

/// Each argument may nest 32 levels deep, not 33; the limit is configurable.
pub fn argument_depth_limit(factory: &Factory) {
    let mut client = factory.default_client();
    let at_limit = nested(32);
    assert_eq!(
        client.call_ok(st("EchoValue", &format!("[{at_limit}]"))),
        at_limit
    );
    assert_eq!(
        client.call_err(st("EchoValue", &format!("[{}]", nested(33)))),
        "The JSON value exceeds the maximum depth of 32."
    );
    // Objects count as arrays do, and the depth is per argument.
    let objects = format!("{}1{}", r#"{"a":"#.repeat(32), "}".repeat(32));
    assert_eq!(
        client.call_ok(st("EchoValue", &format!("[{objects}]"))),
        objects
    );
    assert_eq!(
        client.call_err(st("EchoValue", &format!(r#"[{{"a":{objects}}}]"#))),
        "The JSON value exceeds the maximum depth of 32."
    );

    // A string parameter binds in one serde pass with no survey of the text; what it cannot
    // take still gets the per-argument texts.
    assert_eq!(
        client.call_err(st("Echo", &format!("[{}]", nested(33)))),
        "The JSON value exceeds the maximum depth of 32."
    );
    assert_eq!(
        client.call_err(st("Echo", &format!("[{at_limit}]"))),
        "The call to 'Echo' could not bind argument 1: invalid type: sequence, expected a string"
    );

    let mut client = factory.client(RuntimeOptions::default().max_json_depth(3));
    assert_eq!(client.call_ok(st("EchoValue", "[[[[]]]]")), "[[[]]]");
    assert_eq!(
        client.call_err(st("EchoValue", "[[[[[]]]]]")),
        "The JSON value exceeds the maximum depth of 3."
    );
}

/// A result nesting deeper than the limit fails the call instead of reaching JavaScript.
pub fn result_depth_limit(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st("Wrap", &format!("[{}]", nested(31)))),
        nested(32)
    );
    assert_eq!(
        client.call_err(st("Wrap", &format!("[{}]", nested(32)))),
        "The result of 'Wrap' could not be serialized: The JSON value exceeds the maximum depth of 32."
    );
    let mut client = factory.client(
        RuntimeOptions::default()
            .max_json_depth(3)
            .detailed_errors(false),
    );
    assert_eq!(client.call_ok(st("Wrap", "[[[]]]")), "[[[]]]");
    assert_eq!(
        client.call_err(st("Wrap", "[[[[]]]]")),
        "There was an exception invoking 'Wrap' on assembly 'Conformance'. For more details turn on detailed errors in the runtime options"
    );
}
