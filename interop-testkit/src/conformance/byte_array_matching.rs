//! Which byte arrays a message takes (docs/protocol.md, "Byte arrays from JavaScript"): a call
//! its own, right before it; completions of Rust→JS calls theirs in arrival order, as
//! Microsoft's clients of the .NET 8 and 9 lines send them interleaved; and sequences that do
//! not fit fail the calls involved rather than give them another's bytes.

use interop_runtime::{ByteArray, JsError, ToJs};

use super::{completed, st, Factory};
use crate::wire::{Task, WireClient, WireClientExt};

/// What a completion that cannot be matched fails with.
const AMBIGUOUS: &str = "An exception occurred executing JS interop: Cannot tell which of the byte arrays received are this result's: a call that failed may have sent some of them, or JavaScript sent byte arrays no message claims.. See InnerException for more details.";

/// Starts `count` Rust→JS calls whose results are byte arrays; their handles.
fn start_calls(
    client: &mut Box<dyn WireClient>,
    count: usize,
) -> (Vec<Task<Result<ByteArray, JsError>>>, Vec<u64>) {
    let runtime = client.runtime();
    let tasks = (0..count)
        .map(|_| client.start(runtime.invoke::<ByteArray>("bytes", ())))
        .collect();
    let handles = (0..count)
        .map(|_| client.next_js_call().0.async_handle)
        .collect();
    (tasks, handles)
}

fn one_marker(handle: u64) -> String {
    format!(r#"[{handle},true,{{"__byte[]":0}}]"#)
}

fn bytes_of(client: &mut Box<dyn WireClient>, task: &Task<Result<ByteArray, JsError>>) -> Vec<u8> {
    match client.finish(task) {
        Ok(bytes) => bytes.into_vec(),
        Err(error) => panic!("the call failed: {error}"),
    }
}

/// Results serialized (their byte arrays sent) before their completions arrive, as the 8 and 9
/// clients send results that finish together: each completion takes the batches in arrival
/// order. A call that comes between leaves them, and one carrying its own takes only those.
pub fn completions_take_byte_arrays_in_arrival_order(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let first = client.start(runtime.invoke::<ByteArray>("first", ()));
    let second = client.start(runtime.invoke::<Vec<ByteArray>>("second", ()));
    let first_handle = client.next_js_call().0.async_handle;
    let second_handle = client.next_js_call().0.async_handle;
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(0, vec![2]);
    client.send_byte_array(1, vec![3]);
    assert_eq!(client.call_ok(st("Echo", r#"["x"]"#)), r#""x""#);
    client.send_byte_array(0, vec![4, 5]);
    let id = client.begin_invoke(st("ReverseBytes", r#"[{"__byte[]":0}]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![5, 4].into()
            },
            completed(id, true, r#"{"__byte[]":1}"#),
        ]
    );
    client.end_invoke_js(&one_marker(first_handle));
    client.end_invoke_js(&format!(
        r#"[{second_handle},true,[{{"__byte[]":0}},{{"__byte[]":1}}]]"#
    ));
    assert_eq!(bytes_of(&mut client, &first), vec![1]);
    let second = client
        .finish(&second)
        .map(|arrays| arrays.into_iter().map(ByteArray::into_vec).collect());
    assert_eq!(second, Ok(vec![vec![2], vec![3]]));
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// A failed completion may follow part of its result's byte arrays (its serialization threw
/// after sending some) or none. A later completion that either of two batches could belong to
/// fails with a clear text instead of taking another call's bytes; the batch left is the next
/// call's for certain (its completion came after its bytes); counts that differ decide.
pub fn a_failed_completion_may_have_sent_byte_arrays(factory: &Factory) {
    let mut client = factory.default_client();
    let (tasks, handles) = start_calls(&mut client, 3);
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(0, vec![2]);
    client.end_invoke_js(&format!(
        r#"[{},false,"TypeError: cannot serialize"]"#,
        handles[0]
    ));
    client.end_invoke_js(&one_marker(handles[1]));
    client.end_invoke_js(&one_marker(handles[2]));
    assert_eq!(
        client.finish(&tasks[0]).unwrap_err().to_string(),
        "TypeError: cannot serialize"
    );
    assert_eq!(client.finish(&tasks[1]).unwrap_err().to_string(), AMBIGUOUS);
    assert_eq!(bytes_of(&mut client, &tasks[2]), vec![2]);

    // Counts that differ tell the batches apart.
    let mut client = factory.default_client();
    let (tasks, handles) = start_calls(&mut client, 2);
    let runtime = client.runtime();
    let pair = client.start(runtime.invoke::<Vec<ByteArray>>("pair", ()));
    let pair_handle = client.next_js_call().0.async_handle;
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(0, vec![2]);
    client.send_byte_array(1, vec![3]);
    client.end_invoke_js(&format!(r#"[{},false,"Error: no"]"#, handles[0]));
    client.end_invoke_js(&format!(
        r#"[{pair_handle},true,[{{"__byte[]":0}},{{"__byte[]":1}}]]"#
    ));
    client.send_byte_array(0, vec![4]);
    client.end_invoke_js(&one_marker(handles[1]));
    let pair = client
        .finish(&pair)
        .map(|arrays| arrays.into_iter().map(ByteArray::into_vec).collect());
    assert_eq!(pair, Ok(vec![vec![2], vec![3]]));
    assert_eq!(bytes_of(&mut client, &tasks[1]), vec![4]);
}

/// Byte arrays no message claims (a JS→Rust call whose arguments failed to serialize after
/// some): with no Rust→JS call outstanding they are dropped at the next message; with one
/// outstanding, more batches than calls means one is an orphan, and a completion that could
/// take either fails.
pub fn byte_arrays_no_message_claims(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![9]);
    assert_eq!(client.call_ok(st("Echo", r#"["x"]"#)), r#""x""#);
    let (tasks, handles) = start_calls(&mut client, 1);
    client.end_invoke_js(&one_marker(handles[0]));
    assert_eq!(
        client.finish(&tasks[0]).unwrap_err().to_string(),
        "An exception occurred executing JS interop: JSON serialization is attempting to deserialize an unexpected byte array.. See InnerException for more details."
    );

    let (tasks, handles) = start_calls(&mut client, 1);
    client.send_byte_array(0, vec![1]);
    assert_eq!(client.call_ok(st("Echo", r#"["y"]"#)), r#""y""#);
    client.send_byte_array(0, vec![2]);
    client.end_invoke_js(&one_marker(handles[0]));
    assert_eq!(client.finish(&tasks[0]).unwrap_err().to_string(), AMBIGUOUS);
    // Nothing is left over: the next result takes its own.
    let (tasks, handles) = start_calls(&mut client, 1);
    client.send_byte_array(0, vec![3]);
    client.end_invoke_js(&one_marker(handles[0]));
    assert_eq!(bytes_of(&mut client, &tasks[0]), vec![3]);
}

/// A completion whose markers no waiting batch has as many arrays as fails with a text saying
/// so; the completion of a call given up (timed out, dropped) still takes its batch, so the
/// next one keeps its place.
pub fn completion_byte_array_counts(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let pair = client.start(runtime.invoke::<Vec<ByteArray>>("pair", ()));
    let handle = client.next_js_call().0.async_handle;
    client.send_byte_array(0, vec![1]);
    client.end_invoke_js(&format!(
        r#"[{handle},true,[{{"__byte[]":0}},{{"__byte[]":1}}]]"#
    ));
    assert_eq!(
        client.finish(&pair).unwrap_err().to_string(),
        "An exception occurred executing JS interop: This result refers to 2 byte arrays, but no batch of byte arrays received before it can be its own.. See InnerException for more details."
    );

    let (tasks, handles) = start_calls(&mut client, 2);
    tasks[0].abort();
    client.assert_quiet();
    client.send_byte_array(0, vec![5]);
    client.send_byte_array(0, vec![6]);
    client.end_invoke_js(&one_marker(handles[0]));
    client.end_invoke_js(&one_marker(handles[1]));
    assert_eq!(bytes_of(&mut client, &tasks[1]), vec![6]);
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}
