//! Streams from JavaScript to Rust (PROTOCOL.md §8.1): the marker, the limits, the pull of
//! chunks through the host's chunk function, and every error path of the catalog.

use std::time::Duration;

use interop_runtime::{JsInvocation, JsStreamRef, ResultType, RuntimeOptions, ToJs};

use super::{assert_virtual_clock, js_call, st, Factory};
use crate::fixtures::{read_whole_stream, StreamSummary};
use crate::wire::{WireClient, WireClientExt};

const CHUNK_FUNCTION: &str = "jsinvokable.readStreamChunks";

/// The default `stream_chunk_size`.
const CHUNK: u64 = 32_768;

/// The bytes of a test stream of `length` bytes (a pattern, so misplaced chunks show).
fn data(length: usize) -> Vec<u8> {
    (0..length).map(|index| (index % 251) as u8).collect()
}

fn chunk_request(
    handle: u64,
    object_id: u64,
    offset: u64,
    count: u64,
    chunk_size: u64,
) -> JsInvocation {
    js_call(
        handle,
        CHUNK_FUNCTION,
        &format!(r#"[{{"__jsObjectId":{object_id}}},{offset},{count},{chunk_size}]"#),
        ResultType::Json,
    )
}

fn dispose_request(object_id: u64) -> JsInvocation {
    js_call(
        0,
        "DotNet.disposeJSObjectReferenceById",
        &format!("[{object_id}]"),
        ResultType::Void,
    )
}

/// Answers chunk request `handle` with the byte arrays `chunks`, as a JS client does
/// (`sendByteArray` for each, then the completion naming them in an array).
fn answer_chunks(client: &mut Box<dyn WireClient>, handle: u64, chunks: &[&[u8]]) {
    let mut names = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        client.send_byte_array(index as u32, chunk.to_vec());
        names.push(format!(r#"{{"__byte[]":{index}}}"#));
    }
    client.end_invoke_js(&format!(r#"[{handle},true,[{}]]"#, names.join(",")));
}

/// Answers chunk request `handle` with `bytes` split into chunks of `chunk_size` bytes, as
/// the hosts' `readStreamChunks` does.
fn answer(client: &mut Box<dyn WireClient>, handle: u64, bytes: &[u8], chunk_size: u64) {
    let chunks: Vec<&[u8]> = bytes.chunks(chunk_size as usize).collect();
    answer_chunks(client, handle, &chunks);
}

/// Takes the next call to JavaScript, which must carry no byte array.
fn next_call(client: &mut Box<dyn WireClient>) -> JsInvocation {
    let (call, bytes) = client.next_js_call();
    assert!(bytes.is_empty(), "unexpected byte arrays {bytes:?}");
    call
}

fn summary_json(bytes: &[u8]) -> String {
    serde_json::to_string(&StreamSummary::of(bytes)).expect("a summary serializes")
}

fn stream_arg(length: i64, object_id: u64) -> String {
    format!(r#"{{"__jsStreamReferenceLength":{length},"__jsObjectId":{object_id}}}"#)
}

/// A stream argument is read in chunks of at most 32 KiB, four per request, requested in
/// order with the object, the range and the chunk size; the reference is disposed at the end;
/// the bytes arrive whole.
pub fn stream_argument_is_pulled_in_chunks(factory: &Factory) {
    let mut client = factory.default_client();
    let bytes = data(300_000);
    let id = client.begin_invoke(st(
        "ReadStream",
        &format!("[{},400000]", stream_arg(300_000, 7)),
    ));
    let requests = [
        chunk_request(1, 7, 0, 131_072, CHUNK),
        chunk_request(2, 7, 131_072, 131_072, CHUNK),
        chunk_request(3, 7, 262_144, 37_856, CHUNK),
    ];
    for request in &requests {
        assert_eq!(&next_call(&mut client), request);
    }
    answer(&mut client, 1, &bytes[..131_072], CHUNK);
    answer(&mut client, 2, &bytes[131_072..262_144], CHUNK);
    answer(&mut client, 3, &bytes[262_144..], CHUNK);
    assert_eq!(client.completion_of(id), (true, summary_json(&bytes)));
    assert_eq!(next_call(&mut client), dispose_request(7));
    client.assert_quiet();
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// At most `stream_pull_window` requests are in flight, each of at most
/// `stream_chunks_per_request` chunks of at most `stream_chunk_size` bytes; a byte-array
/// limit (`max_staged_bytes`) caps the chunk size and a request's total.
pub fn stream_pull_window_edge(factory: &Factory) {
    let options = RuntimeOptions::default()
        .stream_chunk_size(10)
        .stream_chunks_per_request(1)
        .stream_pull_window(2);
    let mut client = factory.client(options);
    let bytes = data(25);
    let id = client.begin_invoke(st("ReadStream", &format!("[{},25]", stream_arg(25, 3))));
    assert_eq!(next_call(&mut client), chunk_request(1, 3, 0, 10, 10));
    assert_eq!(next_call(&mut client), chunk_request(2, 3, 10, 10, 10));
    client.assert_quiet();
    answer(&mut client, 1, &bytes[..10], 10);
    assert_eq!(next_call(&mut client), chunk_request(3, 3, 20, 5, 10));
    answer(&mut client, 2, &bytes[10..20], 10);
    answer(&mut client, 3, &bytes[20..], 10);
    assert_eq!(client.completion_of(id), (true, summary_json(&bytes)));

    // Several chunks per request: 50 bytes in requests of 2 × 10, two in flight.
    let options = RuntimeOptions::default()
        .stream_chunk_size(10)
        .stream_chunks_per_request(2)
        .stream_pull_window(2);
    let mut client = factory.client(options);
    let bytes = data(50);
    let id = client.begin_invoke(st("ReadStream", &format!("[{},50]", stream_arg(50, 5))));
    assert_eq!(next_call(&mut client), chunk_request(1, 5, 0, 20, 10));
    assert_eq!(next_call(&mut client), chunk_request(2, 5, 20, 20, 10));
    client.assert_quiet();
    answer(&mut client, 1, &bytes[..20], 10);
    assert_eq!(next_call(&mut client), chunk_request(3, 5, 40, 10, 10));
    answer(&mut client, 2, &bytes[20..40], 10);
    answer(&mut client, 3, &bytes[40..], 10);
    assert_eq!(client.completion_of(id), (true, summary_json(&bytes)));

    // A byte-array limit below the chunk size shrinks the chunks, one per request.
    let options = RuntimeOptions::default().max_staged_bytes(Some(8));
    let mut client = factory.client(options);
    client.begin_invoke(st("ReadStream", &format!("[{},20]", stream_arg(20, 4))));
    assert_eq!(next_call(&mut client), chunk_request(1, 4, 0, 8, 8));
    assert_eq!(next_call(&mut client), chunk_request(2, 4, 8, 8, 8));
    assert_eq!(next_call(&mut client), chunk_request(3, 4, 16, 4, 8));

    // A request's chunks are staged together: their total stays within the limit.
    let options = RuntimeOptions::default()
        .stream_chunk_size(8)
        .max_staged_bytes(Some(20));
    let mut client = factory.client(options);
    client.begin_invoke(st("ReadStream", &format!("[{},40]", stream_arg(40, 6))));
    assert_eq!(next_call(&mut client), chunk_request(1, 6, 0, 16, 8));
    assert_eq!(next_call(&mut client), chunk_request(2, 6, 16, 16, 8));
    assert_eq!(next_call(&mut client), chunk_request(3, 6, 32, 8, 8));
}

/// Empty data is refused on arrival with .NET's text, before the method runs.
pub fn stream_length_must_be_positive(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_err(st("StreamLength", &format!("[{}]", stream_arg(0, 2)))),
        "Length must be a positive value. (Parameter 'totalLength')"
    );
    assert_eq!(
        client.call_err(st("StreamLength", &format!("[{}]", stream_arg(-5, 2)))),
        "Length must be a positive value. (Parameter 'totalLength')"
    );
    assert_eq!(
        client.call_ok(st("StreamLength", &format!("[{}]", stream_arg(1, 2)))),
        "1"
    );
}

/// Keys in either order; unknown, repeated and missing keys fail with the marker texts.
pub fn stream_marker_shapes(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        client.call_ok(st(
            "StreamLength",
            r#"[{"__jsObjectId":2,"__jsStreamReferenceLength":9}]"#
        )),
        "9"
    );
    let cases = [
        (
            r#"[{"__jsStreamReferenceLength":9,"__jsObjectId":2,"extra":1}]"#,
            "Unexpected JSON property extra.",
        ),
        (
            r#"[{"__jsStreamReferenceLength":9,"__jsStreamReferenceLength":9,"__jsObjectId":2}]"#,
            "Duplicate JSON property __jsStreamReferenceLength.",
        ),
        (
            r#"[{"__jsObjectId":2}]"#,
            "Required property __jsStreamReferenceLength not found.",
        ),
        (
            r#"[{"__jsStreamReferenceLength":9}]"#,
            "Required property __jsObjectId not found.",
        ),
    ];
    for (args, text) in cases {
        assert_eq!(client.call_err(st("StreamLength", args)), text, "{args}");
    }
}

/// Over `max_allowed_size` the open fails before any byte is requested; at the limit it reads.
pub fn stream_over_max_allowed_size(factory: &Factory) {
    let mut client = factory.default_client();
    let id = client.begin_invoke(st(
        "ReadStream",
        &format!("[{},512000]", stream_arg(512_001, 5)),
    ));
    assert_eq!(
        client.completion_of(id),
        (false, "The incoming data stream of length 512001 exceeds the maximum allowed length 512000. (Parameter 'maxAllowedSize')".to_owned())
    );
    // Only the release of the reference follows: no chunk was requested.
    assert_eq!(
        client.messages(),
        vec![ToJs::BeginInvokeJs(dispose_request(5))]
    );
    let bytes = data(12);
    let id = client.begin_invoke(st("ReadStream", &format!("[{},12]", stream_arg(12, 6))));
    assert_eq!(next_call(&mut client), chunk_request(1, 6, 0, 12, CHUNK));
    answer(&mut client, 1, &bytes, CHUNK);
    assert_eq!(client.completion_of(id), (true, summary_json(&bytes)));
}

/// Reads a 10-byte stream whose first chunk is answered by `reply`, and returns the error.
fn failed_read(
    client: &mut Box<dyn WireClient>,
    object_id: u64,
    reply: impl FnOnce(&mut Box<dyn WireClient>, u64),
) -> String {
    let id = client.begin_invoke(st(
        "ReadStream",
        &format!("[{},10]", stream_arg(10, object_id)),
    ));
    let request = next_call(client);
    assert_eq!(request.identifier, CHUNK_FUNCTION);
    reply(client, request.async_handle);
    let (succeeded, text) = client.completion_of(id);
    assert!(!succeeded, "the read succeeded: {text}");
    assert_eq!(next_call(client), dispose_request(object_id));
    text
}

/// An answer that is shorter, empty or longer than requested, that holds an empty chunk or a
/// chunk longer than the chunk size, and an error thrown while JavaScript reads, each fail
/// the read with .NET's text; the runtime keeps serving.
pub fn stream_chunk_errors(factory: &Factory) {
    let mut client = factory.default_client();
    assert_eq!(
        failed_read(&mut client, 1, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 9]]
        )),
        "Failed to read the requested number of bytes from the stream."
    );
    assert_eq!(
        failed_read(&mut client, 2, |client, handle| answer_chunks(
            client,
            handle,
            &[&[]]
        )),
        "The incoming data chunk cannot be empty."
    );
    assert_eq!(
        failed_read(&mut client, 3, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 11]]
        )),
        "The incoming data chunk exceeded the permitted length."
    );
    assert_eq!(
        failed_read(&mut client, 6, |client, handle| {
            client.end_invoke_js(&format!("[{handle},true,[]]"));
        }),
        "The incoming data chunk cannot be empty."
    );
    // With chunks of 4 bytes: the 10 bytes come as 4 + 4 + 2.
    let mut small = factory.client(RuntimeOptions::default().stream_chunk_size(4));
    assert_eq!(
        failed_read(&mut small, 1, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 4], &[1; 4], &[1; 4]]
        )),
        "The incoming data chunk exceeded the permitted length."
    );
    assert_eq!(
        failed_read(&mut small, 2, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 5], &[1; 5]]
        )),
        "The incoming data chunk exceeded the permitted length."
    );
    assert_eq!(
        failed_read(&mut small, 3, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 4], &[], &[1; 4], &[1; 2]]
        )),
        "The incoming data chunk cannot be empty."
    );
    assert_eq!(
        failed_read(&mut small, 4, |client, handle| answer_chunks(
            client,
            handle,
            &[&[1; 4], &[1; 4]]
        )),
        "Failed to read the requested number of bytes from the stream."
    );
    let bytes = data(10);
    let id = small.begin_invoke(st("ReadStream", &format!("[{},10]", stream_arg(10, 5))));
    assert_eq!(next_call(&mut small), chunk_request(5, 5, 0, 10, 4));
    answer(&mut small, 5, &bytes, 4);
    assert_eq!(small.completion_of(id), (true, summary_json(&bytes)));
    assert_eq!(next_call(&mut small), dispose_request(5));
    assert_eq!(
        failed_read(&mut client, 4, |client, handle| {
            client.end_invoke_js(&format!(r#"[{handle},false,"Error: the file is gone"]"#));
        }),
        "An error occurred while reading the remote stream: Error: the file is gone"
    );
    assert_eq!(
        failed_read(&mut client, 5, |client, handle| {
            client.end_invoke_js(&format!(r#"[{handle},true,["not bytes"]]"#));
        }),
        "An error occurred while reading the remote stream: An exception occurred executing JS interop: JSON serialization is attempting to deserialize an unexpected byte array.. See InnerException for more details."
    );
    assert_eq!(
        failed_read(&mut client, 7, |client, handle| {
            client.end_invoke_js(&format!(r#"[{handle},true,"not bytes"]"#));
        }),
        "An error occurred while reading the remote stream: An exception occurred executing JS interop: invalid type: string \"not bytes\", expected a sequence. See InnerException for more details."
    );
    assert_eq!(
        client.call_ok(st("Echo", r#"["still serving"]"#)),
        r#""still serving""#
    );
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// A failed chunk forgets the chunks still in flight: their late answers are ignored.
pub fn stream_failure_forgets_chunks_in_flight(factory: &Factory) {
    let mut client = factory.client(
        RuntimeOptions::default()
            .stream_chunk_size(4)
            .stream_chunks_per_request(1),
    );
    let id = client.begin_invoke(st("ReadStream", &format!("[{},12]", stream_arg(12, 8))));
    let handles: Vec<u64> = (0..3)
        .map(|_| next_call(&mut client).async_handle)
        .collect();
    assert_eq!(handles, vec![1, 2, 3]);
    client.end_invoke_js(r#"[1,false,"Error: boom"]"#);
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "An error occurred while reading the remote stream: Error: boom".to_owned()
        )
    );
    assert_eq!(next_call(&mut client), dispose_request(8));
    answer(&mut client, 2, &[1; 4], 4);
    answer(&mut client, 3, &[1; 4], 4);
    client.assert_quiet();
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// The idle timeout on any clock (a real one waits 20 ms): the read fails with .NET's text
/// and the reference is released. [`stream_idle_timeout`] pins the edge on a virtual clock.
pub fn stream_idle_timeout_elapses(factory: &Factory) {
    let idle = Duration::from_millis(20);
    let mut client = factory.client(RuntimeOptions::default().stream_idle_timeout(Some(idle)));
    let id = client.begin_invoke(st("ReadStream", &format!("[{},10]", stream_arg(10, 3))));
    next_call(&mut client);
    client.advance(idle);
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "Did not receive any data in the allotted time.".to_owned()
        )
    );
    assert_eq!(next_call(&mut client), dispose_request(3));
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// No chunk within `stream_idle_timeout` fails the read with .NET's text.
pub fn stream_idle_timeout(factory: &Factory) {
    let options = RuntimeOptions::default().stream_idle_timeout(Some(Duration::from_secs(5)));
    let mut client = factory.client(options);
    assert_virtual_clock(client.as_ref());
    let id = client.begin_invoke(st("ReadStream", &format!("[{},10]", stream_arg(10, 9))));
    next_call(&mut client);
    client.advance(Duration::from_millis(4_999));
    client.assert_quiet();
    client.advance(Duration::from_millis(1));
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "Did not receive any data in the allotted time.".to_owned()
        )
    );
    assert_eq!(next_call(&mut client), dispose_request(9));
}

/// Dropping a reader mid-stream stops the transfer: the reference is released, nothing more
/// is requested, and late answers are ignored.
pub fn stream_cancelled_by_dropping_the_reader(factory: &Factory) {
    let mut client = factory.client(
        RuntimeOptions::default()
            .stream_chunk_size(4)
            .stream_chunks_per_request(1)
            .stream_pull_window(2),
    );
    let bytes = data(16);
    let id = client.begin_invoke(st("ReadStreamStart", &format!("[{},3]", stream_arg(16, 2))));
    assert_eq!(next_call(&mut client), chunk_request(1, 2, 0, 4, 4));
    assert_eq!(next_call(&mut client), chunk_request(2, 2, 4, 4, 4));
    answer(&mut client, 1, &bytes[..4], 4);
    assert_eq!(client.completion_of(id), (true, summary_json(&bytes[..3])));
    assert_eq!(next_call(&mut client), dispose_request(2));
    answer(&mut client, 2, &bytes[4..8], 4);
    client.assert_quiet();
    assert_eq!(client.runtime().pending_js_call_count(), 0);
}

/// A reference disposed on the Rust side cannot be opened.
pub fn stream_disposed_before_reading(factory: &Factory) {
    let mut client = factory.default_client();
    let id = client.begin_invoke(st(
        "ReadDisposedStream",
        &format!("[{}]", stream_arg(10, 4)),
    ));
    assert_eq!(next_call(&mut client), dispose_request(4));
    assert_eq!(
        client.completion_of(id),
        (
            false,
            "The JS object reference has been disposed.".to_owned()
        )
    );
    client.assert_quiet();
}

/// A Rust→JS call asking for a `JsStreamRef` uses result type 2, and its answer reads.
pub fn stream_from_a_js_call_result(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let task = client.start(async move {
        let data: JsStreamRef = runtime
            .invoke("streamToDotNet", ())
            .await
            .map_err(|error| error.to_string())?;
        read_whole_stream(&data, 100).await
    });
    assert_eq!(
        next_call(&mut client),
        js_call(1, "streamToDotNet", "[]", ResultType::StreamReference)
    );
    client.end_invoke_js(&format!("[1,true,{}]", stream_arg(6, 11)));
    assert_eq!(next_call(&mut client), chunk_request(2, 11, 0, 6, CHUNK));
    answer(&mut client, 2, &data(6), CHUNK);
    assert_eq!(client.finish(&task), Ok(StreamSummary::of(&data(6))));
    assert_eq!(next_call(&mut client), dispose_request(11));
}
