//! Failures of user code: errors returned, errors hidden from JavaScript, and panics.

use interop_runtime::RuntimeOptions;

use super::{nested, new_counter, st, unknown_object, Factory};
use crate::wire::{Invoke, WireClient, WireClientExt};

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
        "The call to 'Fail' could not bind argument 1: invalid type: integer `1`, expected a string"
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
