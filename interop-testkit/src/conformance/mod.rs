//! The host-independent conformance suite: every case drives one host through the JavaScript
//! side of the wire ([`WireClient`]) and asserts the exact strings JavaScript would receive.
//!
//! A host crate runs every case as its own `#[test]` with [`conformance_tests!`](crate::conformance_tests):
//!
//! ```
//! mod conformance {
//!     interop_testkit::conformance_tests!(interop_testkit::MemoryClient::new);
//! }
//! ```
//!
//! The argument is anything callable as `Fn(RuntimeOptions) -> impl WireClient`: each case
//! creates fresh clients (one runtime each) with the options it needs. Cases needing a
//! capability the host lacks (synchronous calls: [`WireClient::invoke_sync`] returns `None`; a
//! virtual clock: [`WireClient::clock`] is [`HostClock::Real`]) check it and print a note
//! instead.

use std::time::Duration;

use interop_runtime::{
    ByteArray, CallType, JsError, JsInvocation, JsObjectRef, ObjectRef, ResultType, RuntimeOptions,
    ToJs,
};

use crate::fixtures::Counter;
use crate::wire::{HostClock, Invoke, WireClient, WireClientExt};

mod dotnet_streams;
mod streams;

pub use dotnet_streams::*;
pub use streams::*;

/// Creates a fresh client, with its own runtime, for the given options.
pub struct Factory {
    make: Box<dyn Fn(RuntimeOptions) -> Box<dyn WireClient>>,
}

impl Factory {
    /// Wraps a constructor such as `MemoryClient::new`.
    pub fn new<C: WireClient + 'static>(make: impl Fn(RuntimeOptions) -> C + 'static) -> Self {
        Factory {
            make: Box::new(move |options| Box::new(make(options))),
        }
    }

    /// A new client (and runtime) with `options`.
    pub fn client(&self, options: RuntimeOptions) -> Box<dyn WireClient> {
        (self.make)(options)
    }

    /// A new client (and runtime) with the default options.
    pub fn default_client(&self) -> Box<dyn WireClient> {
        self.client(RuntimeOptions::default())
    }
}

/// Lists every case, then hands the list to the macro named first (with its arguments).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($then:ident ! ($($args:tt)*)) => {
        $crate::$then! {
            [$($args)*]
            static_results,
            void_results_are_null,
            default_identifier_is_the_function_name,
            aliases_reach_the_same_function,
            null_and_blank_assembly,
            null_and_blank_identifier,
            unknown_assembly,
            unknown_static_method,
            static_dispose_identifier_is_an_ordinary_lookup,
            too_few_arguments,
            too_many_arguments_name_the_token,
            zero_parameter_methods_ignore_arguments,
            strict_arguments_reject_extra_arguments,
            arguments_must_be_an_array,
            argument_type_errors,
            argument_depth_limit,
            result_depth_limit,
            call_ids_are_echoed,
            fire_and_forget_sends_nothing,
            instance_calls,
            unknown_instance_method,
            instance_call_with_assembly,
            object_id_zero_is_a_static_call,
            generic_instance_types,
            dispose_from_js,
            object_ids_start_at_one_and_are_never_reused,
            clones_share_an_id,
            object_ref_parameters,
            unknown_object_ref_parameter,
            object_ref_to_a_plain_parameter,
            object_ref_of_the_wrong_type,
            object_ref_marker_shapes,
            calls_are_processed_in_arrival_order,
            concurrent_async_calls_on_one_object,
            user_errors,
            hidden_user_errors,
            panics_fail_the_call,
            sync_calls,
            sync_call_of_async_method,
            byte_arrays_in,
            nested_byte_arrays,
            byte_arrays_out_precede_their_json,
            byte_arrays_are_used_once,
            byte_arrays_as_base64,
            byte_array_index_out_of_order,
            missing_byte_array,
            byte_array_marker_errors,
            max_staged_bytes_edge,
            max_in_flight_calls_edge,
            max_tracked_objects_edge,
            max_message_size_edge,
            max_pending_js_calls_edge,
            js_call_success,
            js_call_failure,
            js_call_failure_with_null_text,
            js_call_handles_increase_from_one,
            js_call_duplicate_completion_ignored,
            js_call_unknown_handle_ignored,
            js_call_malformed_completion,
            js_call_result_of_wrong_type,
            js_call_completion_depth_limit,
            js_call_bytes_both_ways,
            js_call_timeout,
            js_call_timeout_elapses,
            js_call_dropped_future,
            js_call_types,
            js_object_ref_results,
            object_ref_rules_on_the_rust_side,
            close_fails_pending_calls_and_disposes_objects,
            stream_argument_is_pulled_in_chunks,
            stream_pull_window_edge,
            stream_length_must_be_positive,
            stream_marker_shapes,
            stream_over_max_allowed_size,
            stream_chunk_errors,
            stream_failure_forgets_chunks_in_flight,
            stream_idle_timeout,
            stream_idle_timeout_elapses,
            stream_cancelled_by_dropping_the_reader,
            stream_disposed_before_reading,
            stream_from_a_js_call_result,
            dotnet_stream_in_a_result,
            dotnet_stream_read_window_edge,
            dotnet_stream_reads_in_turn,
            dotnet_stream_reads_ahead_edge,
            dotnet_stream_as_an_argument,
            dotnet_stream_read_error,
            dotnet_stream_cancel_and_misuse,
            dotnet_stream_claim_timeout,
            dotnet_stream_claim_timeout_elapses,
        }
    };
}

/// Expands to one `#[test]` per conformance case, each creating its clients with `factory`
/// (`Fn(RuntimeOptions) -> impl WireClient`). Put it in a module of its own.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_cases!(__conformance_emit_tests!($factory));
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_emit_tests {
    ([$factory:expr] $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::conformance::$case(&$crate::conformance::Factory::new($factory));
            }
        )*
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_case_table {
    ([] $($case:ident),* $(,)?) => {
        /// Every case by name, for hosts that want to run them another way.
        pub const CASES: &[(&str, fn(&Factory))] = &[$((::core::stringify!($case), $case)),*];
    };
}

crate::__conformance_cases!(__conformance_case_table!());

const ASM: &str = "Conformance";

fn st<'a>(identifier: &'a str, args_json: &'a str) -> Invoke<'a> {
    Invoke::r#static(ASM, identifier, args_json)
}

fn unknown_object(id: u64) -> String {
    format!(
        "There is no tracked object with id '{id}'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"
    )
}

fn completed(call_id: u64, success: bool, text: &str) -> ToJs {
    ToJs::EndInvokeDotNet {
        call_id,
        success,
        result_or_error: text.to_owned(),
    }
}

/// A value nested `depth` arrays deep (`[[]]` is 2).
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn js_call(
    handle: u64,
    identifier: &str,
    args_json: &str,
    result_type: ResultType,
) -> JsInvocation {
    JsInvocation {
        async_handle: handle,
        identifier: identifier.to_owned(),
        args_json: args_json.to_owned(),
        result_type,
        target_instance_id: 0,
        call_type: CallType::Function,
    }
}

fn new_counter(client: &mut dyn WireClient, start: u64) -> u64 {
    let json = client.call_ok(st("NewCounter", &format!("[{start}]")));
    let value: serde_json::Value = serde_json::from_str(&json).expect("object reference JSON");
    value["__dotNetObject"]
        .as_u64()
        .unwrap_or_else(|| panic!("not an object reference: {json}"))
}

fn skip(case: &str, why: &str) {
    eprintln!("note: conformance case `{case}` skipped: {why}");
}

// ---------------------------------------------------------------------------------------------
// Static calls: lookup and results

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

// ---------------------------------------------------------------------------------------------
// Arguments

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

/// An element that does not deserialize into its parameter carries serde's message.
pub fn argument_type_errors(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy","27"]"#)),
        r#"invalid type: string "27", expected u32"#
    );
    assert_eq!(
        client.call_err(st("AddPerson", r#"["Amy",-1]"#)),
        "invalid value: integer `-1`, expected u32"
    );
    assert_eq!(
        client.call_err(st("Echo", "[null]")),
        "invalid type: null, expected a string"
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
        "invalid type: sequence, expected a string"
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

// ---------------------------------------------------------------------------------------------
// Call ids

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

// ---------------------------------------------------------------------------------------------
// Instance calls and object references

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
        r#"invalid type: string "text", expected i32"#
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

// ---------------------------------------------------------------------------------------------
// Failures of user code

/// `Err(e)` sends `e.to_string()` with detailed errors (the default).
pub fn user_errors(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(client.call_err(st("Fail", r#"["it broke"]"#)), "it broke");
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.call_err(Invoke::instance(
            counter,
            "FailInstance",
            r#"["so did this"]"#
        )),
        "so did this"
    );
}

/// Without detailed errors, failures of user code become a generic text naming the
/// identifier; caller errors stay verbatim.
pub fn hidden_user_errors(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().detailed_errors(false));
    assert_eq!(
        client.call_err(st("Fail", r#"["secret"]"#)),
        "There was an exception invoking 'Fail' on assembly 'Conformance'. For more details turn on detailed errors in the runtime options"
    );
    assert_eq!(
        client.call_err(st("Panic", r#"["secret"]"#)),
        "The call to 'Panic' panicked."
    );
    assert_eq!(
        client.call_err(st("PanicAsync", r#"["secret"]"#)),
        "The call to 'PanicAsync' panicked."
    );
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.call_err(Invoke::instance(counter, "FailInstance", r#"["secret"]"#)),
        "There was an exception invoking 'FailInstance'. For more details turn on detailed errors in the runtime options"
    );
    // Caller errors are never hidden.
    assert_eq!(
        client.call_err(st("Nope", "[]")),
        r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#
    );
    assert_eq!(
        client.call_err(st("Fail", "[]")),
        "The call to 'Fail' expects '1' parameters, but received '0'."
    );
    assert_eq!(client.call_err(st("Fail", "{}")), "Invalid JSON");
    assert_eq!(
        client.call_err(st("Fail", "[1]")),
        "invalid type: integer `1`, expected a string"
    );
    assert_eq!(
        client.call_err(Invoke::instance(99, "Add", "[1]")),
        unknown_object(99)
    );
    assert_eq!(
        client.call_err(st("EchoValue", &format!("[{}]", nested(33)))),
        "The JSON value exceeds the maximum depth of 32."
    );
}

/// A panic fails its call (with the payload when errors are detailed) and the runtime keeps
/// serving, the object included.
pub fn panics_fail_the_call(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("Panic", r#"["boom"]"#)),
        "The call to 'Panic' panicked. boom"
    );
    assert_eq!(
        client.call_err(st("PanicAsync", r#"["bang"]"#)),
        "The call to 'PanicAsync' panicked. bang"
    );
    assert_eq!(
        client.call_ok(st("Echo", r#"["still here"]"#)),
        r#""still here""#
    );
    let counter = new_counter(client.as_mut(), 2);
    assert_eq!(
        client.call_err(Invoke::instance(counter, "PanicExclusive", "[]")),
        "The call to 'PanicExclusive' panicked. exclusive panic"
    );
    // The exclusive borrow was released by the unwind.
    assert_eq!(
        client.call_ok(Invoke::instance(counter, "Reset", r#"["after"]"#)),
        r#"["after"]"#
    );
    assert_eq!(client.call_ok(Invoke::instance(counter, "Add", "[1]")), "1");
    assert_eq!(client.runtime().in_flight_call_count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Synchronous calls (in-process hosts only)

/// `invokeDotNetFromJS` returns the result JSON or the error text, as async calls complete.
pub fn sync_calls(factory: &Factory) {
    let mut client = factory.default_client();
    let Some(result) = client.invoke_sync(st("AddPerson", r#"["Amy",27]"#)) else {
        return skip("sync_calls", "the host has no synchronous JS→Rust calls");
    };
    assert_eq!(result, Ok(r#"{"name":"Amy","age":27}"#.to_owned()));
    assert_eq!(
        client.invoke_sync(st("SyncVoid", "[]")),
        Some(Ok("null".to_owned()))
    );
    assert_eq!(
        client.invoke_sync(st("Nope", "[]")),
        Some(Err(r#"The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute("Nope")]."#.to_owned()))
    );
    assert_eq!(
        client.invoke_sync(st("Fail", r#"["sync"]"#)),
        Some(Err("sync".to_owned()))
    );
    assert_eq!(
        client.invoke_sync(st("Panic", r#"["sync"]"#)),
        Some(Err("The call to 'Panic' panicked. sync".to_owned()))
    );
    let counter = new_counter(client.as_mut(), 1);
    assert_eq!(
        client.invoke_sync(Invoke::instance(counter, "Add", "[1]")),
        Some(Ok("2".to_owned()))
    );
    assert_eq!(
        client.invoke_sync(Invoke::dispose(counter)),
        Some(Ok("null".to_owned()))
    );
    assert_eq!(
        client.invoke_sync(Invoke::instance(counter, "Add", "[1]")),
        Some(Err(unknown_object(counter)))
    );
    // Byte arrays of a sync result are sent before it returns.
    client.send_byte_array(0, vec![1, 2, 3]);
    assert_eq!(
        client.invoke_sync(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        Some(Ok(r#"{"__byte[]":1}"#.to_owned()))
    );
    assert_eq!(
        client.messages(),
        vec![ToJs::ReceiveByteArray {
            id: 1,
            bytes: vec![3, 2, 1]
        }]
    );
}

/// A sync invoke of an async method is refused before it runs (PROTOCOL.md 10.2.2).
pub fn sync_call_of_async_method(factory: &Factory) {
    let mut client = factory.default_client();
    let Some(result) = client.invoke_sync(st("AsyncVoid", "[]")) else {
        return skip(
            "sync_call_of_async_method",
            "the host has no synchronous JS→Rust calls",
        );
    };
    assert_eq!(
        result,
        Err("The method 'AsyncVoid' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.".to_owned())
    );
    let counter = new_counter(client.as_mut(), 0);
    assert_eq!(
        client.invoke_sync(Invoke::instance(counter, "AskJs", r#"["never"]"#)),
        Some(Err("The method 'AskJs' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.".to_owned()))
    );
    // Nothing ran: no call to JavaScript was made.
    client.assert_quiet();
}

// ---------------------------------------------------------------------------------------------
// Byte arrays

/// `sendByteArray(0..)` then `{"__byte[]":i}` in the args.
pub fn byte_arrays_in(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1, 2]);
    client.send_byte_array(1, vec![3]);
    let id = client.begin_invoke(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![1, 2, 3]
            },
            completed(id, true, r#"{"__byte[]":1}"#),
        ]
    );
    // Index 0 starts a new payload; an empty array is fine.
    client.send_byte_array(0, vec![]);
    client.send_byte_array(1, vec![9]);
    let id = client.begin_invoke(st("ConcatBytes", r#"[{"__byte[]":1},{"__byte[]":0}]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 2,
                bytes: vec![9]
            },
            completed(id, true, r#"{"__byte[]":2}"#)
        ]
    );
}

/// `#[serde(with = "interop_runtime::byte_array")]` fields, both ways.
pub fn nested_byte_arrays(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1, 2, 3]);
    let id = client.begin_invoke(st(
        "ReverseUpload",
        r#"[{"name":"n","data":{"__byte[]":0}}]"#,
    ));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![3, 2, 1]
            },
            completed(id, true, r#"{"name":"n","data":{"__byte[]":1}}"#),
        ]
    );
}

/// Outgoing bytes precede the completion that refers to them; Rust→JS ids count from 1 and
/// never restart.
pub fn byte_arrays_out_precede_their_json(factory: &Factory) {
    let mut client = factory.default_client();
    for round in 1..=3u64 {
        client.send_byte_array(0, vec![round as u8, 0]);
        let id = client.begin_invoke(st("ReverseBytes", r#"[{"__byte[]":0}]"#));
        assert_eq!(
            client.messages(),
            vec![
                ToJs::ReceiveByteArray {
                    id: round,
                    bytes: vec![0, round as u8]
                },
                completed(id, true, &format!(r#"{{"__byte[]":{round}}}"#)),
            ]
        );
    }
}

/// Staged bytes are consumed on first use and cleared after each call.
pub fn byte_arrays_are_used_once(factory: &Factory) {
    let mut client = factory.default_client();
    let unexpected = "JSON serialization is attempting to deserialize an unexpected byte array.";
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":0}]"#)),
        "Byte array 0 not found."
    );
    // Cleared at the end of that call.
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        unexpected
    );
    // A call that does not use them clears them too.
    client.send_byte_array(0, vec![1]);
    assert_eq!(client.call_ok(st("Echo", r#"["x"]"#)), r#""x""#);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        unexpected
    );
    client.assert_quiet();
}

/// A base64 string stands for a byte array (pre-.NET 6 clients).
pub fn byte_arrays_as_base64(factory: &Factory) {
    let mut client = factory.default_client();
    let id = client.begin_invoke(st("ReverseBytes", r#"["AQID"]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![3, 2, 1]
            },
            completed(id, true, r#"{"__byte[]":1}"#),
        ]
    );
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"["not base64!"]"#)),
        "JSON serialization is attempting to deserialize an unexpected byte array."
    );
}

/// Indexes must follow each other from 0; the refusal is reported to the next call.
pub fn byte_array_index_out_of_order(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(1, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":1}]"#)),
        "Element id '1' cannot be added to the byte arrays to be revived with length '0'."
    );
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(2, vec![2]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        "Element id '2' cannot be added to the byte arrays to be revived with length '1'."
    );
    // Index 0 starts over.
    client.send_byte_array(0, vec![1, 2]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":1}"#
    );
}

/// A marker naming an index that was not staged.
pub fn missing_byte_array(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":5}]"#)),
        "Byte array 5 not found."
    );
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":-1}]"#)),
        "Byte array -1 not found."
    );
}

/// The marker reader's texts, in .NET's check order.
pub fn byte_array_marker_errors(factory: &Factory) {
    let mut client = factory.default_client();
    let unexpected = "JSON serialization is attempting to deserialize an unexpected byte array.";
    // Nothing staged: every non-base64 value is unexpected.
    for args in [
        r#"[{"__byte[]":0}]"#,
        "[true]",
        "[1]",
        "[[1]]",
        "[null]",
        "[{}]",
    ] {
        assert_eq!(
            client.call_err(st("ReverseBytes", args)),
            unexpected,
            "args {args}"
        );
    }
    let cases = [
        (
            "[true]",
            "Unexpected JSON Token True, expected 'StartObject'.",
        ),
        (
            "[false]",
            "Unexpected JSON Token False, expected 'StartObject'.",
        ),
        (
            "[null]",
            "Unexpected JSON Token Null, expected 'StartObject'.",
        ),
        (
            "[7]",
            "Unexpected JSON Token Number, expected 'StartObject'.",
        ),
        (
            "[[0]]",
            "Unexpected JSON Token StartArray, expected 'StartObject'.",
        ),
        (
            r#"["not base64!"]"#,
            "Unexpected JSON Token String, expected 'StartObject'.",
        ),
        (
            "[{}]",
            "Unexpected JSON Token EndObject, expected 'PropertyName'.",
        ),
        (r#"[{"x":0}]"#, "Unexpected JSON Property x."),
        (
            r#"[{"__byte[]":"0"}]"#,
            "Unexpected JSON Token String, expected 'Number'.",
        ),
        (
            r#"[{"__byte[]":null}]"#,
            "Unexpected JSON Token Null, expected 'Number'.",
        ),
        (
            r#"[{"__byte[]":1.5}]"#,
            "Unexpected number, expected 32-bit integer.",
        ),
        (
            r#"[{"__byte[]":2147483648}]"#,
            "Unexpected number, expected 32-bit integer.",
        ),
        (
            r#"[{"__byte[]":0,"x":1}]"#,
            "Unexpected JSON Token PropertyName, expected 'EndObject'.",
        ),
    ];
    for (args, text) in cases {
        client.send_byte_array(0, vec![1]);
        assert_eq!(
            client.call_err(st("ReverseBytes", args)),
            text,
            "args {args}"
        );
    }
}

/// `max_staged_bytes` counts each array as `max(4, len)`; the limit itself is allowed.
pub fn max_staged_bytes_edge(factory: &Factory) {
    let limit = "Exceeded the maximum byte array transfer limit for a call.";
    let mut client = factory.client(RuntimeOptions::default().max_staged_bytes(Some(8)));
    client.send_byte_array(0, vec![7; 8]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":1}"#
    );
    client.send_byte_array(0, vec![7; 9]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        limit
    );
    // Two 1-byte arrays count 4 each: exactly 8.
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(1, vec![2]);
    assert_eq!(
        client.call_ok(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#)),
        r#"{"__byte[]":2}"#
    );
    // A third one is 12: the call that follows is refused.
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(1, vec![2]);
    client.send_byte_array(2, vec![3]);
    assert_eq!(
        client.call_err(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#)),
        limit
    );
    // The runtime keeps serving.
    client.send_byte_array(0, vec![1, 2, 3]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":3}"#
    );
}

// ---------------------------------------------------------------------------------------------
// Limits

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

// ---------------------------------------------------------------------------------------------
// Rust → JS calls

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
                bytes: vec![1]
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
    if client.clock() != HostClock::Virtual {
        return skip(
            "js_call_timeout",
            "the host's clock is real: the millisecond edge and hour-long waits need a virtual \
             one (js_call_timeout_elapses covers the rest)",
        );
    }
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
