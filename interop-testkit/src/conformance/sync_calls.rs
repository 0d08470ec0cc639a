//! Synchronous JS→Rust calls (`invokeDotNetFromJS`), which in-process hosts serve.

use interop_runtime::ToJs;

use super::{new_counter, st, sync_outcome, unknown_object, Factory};
use crate::wire::{Invoke, WireClient, WireClientExt};

/// `invokeDotNetFromJS` returns the result JSON or the error text, as async calls complete.
pub fn sync_calls(factory: &Factory) {
    let mut client = factory.default_client();
    let result = sync_outcome(client.invoke_sync(st("AddPerson", r#"["Amy",27]"#)));
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
            bytes: vec![3, 2, 1].into()
        }]
    );
}

/// A sync invoke of an async method is refused before it runs (PROTOCOL.md 10.2.2).
pub fn sync_call_of_async_method(factory: &Factory) {
    let mut client = factory.default_client();
    let result = sync_outcome(client.invoke_sync(st("AsyncVoid", "[]")));
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
