//! Streams from Rust to JavaScript (PROTOCOL.md §8.2): the marker, the supply call, the pull
//! of chunks through the built-in `ReadDotNetStream`, the claim timeout and the errors.

use std::time::Duration;

use interop_runtime::{JsInvocation, ResultType, RuntimeOptions, StreamRef, ToJs};

use super::{assert_virtual_clock, js_call, st, Factory};
use crate::fixtures::pattern;
use crate::wire::{Invoke, WireClient, WireClientExt};

const SUPPLY_FUNCTION: &str = "jsinvokable.supplyDotNetStream";

fn supply_call(stream_id: u64) -> JsInvocation {
    js_call(
        0,
        SUPPLY_FUNCTION,
        &format!("[{stream_id}]"),
        ResultType::Void,
    )
}

/// Starts read number `seq` of stream `stream_id`, as JavaScript's stream pull does
/// (`ReadDotNetStream(id, seq)`); the call id.
fn begin_read(client: &mut Box<dyn WireClient>, stream_id: u64, seq: u64) -> u64 {
    let args = format!("[{stream_id},{seq}]");
    client.begin_invoke(Invoke::r#static(
        interop_runtime::BUILTIN_ASSEMBLY,
        "ReadDotNetStream",
        &args,
    ))
}

/// Read number `seq` of stream `stream_id`: the chunks' bytes, `None` at the end, or the
/// error text.
fn read_chunks(
    client: &mut Box<dyn WireClient>,
    stream_id: u64,
    seq: u64,
) -> Result<Option<Vec<Vec<u8>>>, String> {
    let call_id = begin_read(client, stream_id, seq);
    read_result(client, call_id)
}

/// The outcome of the read started as call `call_id`.
fn read_result(
    client: &mut Box<dyn WireClient>,
    call_id: u64,
) -> Result<Option<Vec<Vec<u8>>>, String> {
    let (succeeded, json) = client.completion_of(call_id);
    if !succeeded {
        return Err(json);
    }
    let markers: Option<Vec<serde_json::Value>> =
        serde_json::from_str(&json).expect("null or an array of chunk markers");
    let Some(markers) = markers else {
        return Ok(None);
    };
    let inbox = client.inbox();
    let chunks = markers
        .iter()
        .map(|marker| {
            let byte_array_id = marker["__byte[]"].as_u64().expect("a byte-array marker");
            let index = inbox
                .iter()
                .position(|message| matches!(message, ToJs::ReceiveByteArray { id, .. } if *id == byte_array_id))
                .expect("the chunk's bytes arrived before its completion");
            match inbox.remove(index) {
                Some(ToJs::ReceiveByteArray { bytes, .. }) => bytes.into(),
                _ => unreachable!("the message at `index` is a ReceiveByteArray"),
            }
        })
        .collect();
    Ok(Some(chunks))
}

/// The sizes of the chunks one read gave.
fn read_sizes(
    client: &mut Box<dyn WireClient>,
    stream_id: u64,
    seq: u64,
) -> Result<Option<Vec<usize>>, String> {
    read_chunks(client, stream_id, seq)
        .map(|chunks| chunks.map(|chunks| chunks.iter().map(Vec::len).collect()))
}

/// Reads a stream to its end, checking that no chunk is empty or exceeds 32 KiB.
fn read_all(client: &mut Box<dyn WireClient>, stream_id: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let mut seq = 0;
    while let Some(chunks) = read_chunks(client, stream_id, seq)? {
        seq += 1;
        assert!(!chunks.is_empty());
        for chunk in chunks {
            assert!(
                !chunk.is_empty() && chunk.len() <= 32 * 1024,
                "{}",
                chunk.len()
            );
            bytes.extend(chunk);
        }
    }
    Ok(bytes)
}

fn not_available(stream_id: u64) -> String {
    format!("The stream with ID {stream_id} is not available. It may have timed out.")
}

/// A `StreamRef` in a result: `{"__dotNetStream":id}` (id from the object counter), the
/// supply call first, then chunks of at most 32 KiB, `null` at the end; the transfer is gone.
pub fn dotnet_stream_in_a_result(factory: &Factory) {
    let mut client = factory.default_client();
    let call_id = client.begin_invoke(st("Download", "[70000]"));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::BeginInvokeJs(supply_call(1)),
            ToJs::EndInvokeDotNet {
                call_id,
                success: true,
                result_or_error: r#"{"__dotNetStream":1}"#.to_owned()
            }
        ]
    );
    assert_eq!(client.runtime().outgoing_stream_count(), 1);
    // One read takes up to `stream_pull_window` (4) chunks the reader has ready.
    assert_eq!(
        read_sizes(&mut client, 1, 0),
        Ok(Some(vec![32_768, 32_768, 4_464]))
    );
    assert_eq!(read_sizes(&mut client, 1, 1), Ok(None));
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
    // A read after the end (JavaScript keeps one asked for ahead) is answered with the end.
    assert_eq!(read_sizes(&mut client, 1, 2), Ok(None));
    client.call_ok(st("Download", "[70000]"));
    client.messages();
    assert_eq!(read_all(&mut client, 2), Ok(pattern(70_000)));
    // Stream ids and object ids share one counter.
    assert_eq!(
        client.call_ok(st("NewCounter", "[0]")),
        r#"{"__dotNetObject":3}"#
    );
    client.call_ok(st("Download", "[1]"));
    assert_eq!(client.messages(), vec![ToJs::BeginInvokeJs(supply_call(4))]);
}

/// One read gives at most `stream_pull_window` chunks of at most `stream_chunk_size` bytes.
pub fn dotnet_stream_read_window_edge(factory: &Factory) {
    let options = RuntimeOptions::default()
        .stream_pull_window(2)
        .stream_chunk_size(10);
    let mut client = factory.client(options);
    client.call_ok(st("Download", "[25]"));
    client.messages();
    assert_eq!(read_sizes(&mut client, 1, 0), Ok(Some(vec![10, 10])));
    assert_eq!(read_sizes(&mut client, 1, 1), Ok(Some(vec![5])));
    assert_eq!(read_sizes(&mut client, 1, 2), Ok(None));
}

/// JavaScript may ask for the next read before the one before it completes: reads are served
/// in their order; a read already served, or asked for too far ahead, fails clearly.
pub fn dotnet_stream_reads_in_turn(factory: &Factory) {
    let options = RuntimeOptions::default()
        .stream_pull_window(1)
        .stream_chunk_size(4);
    let mut client = factory.client(options);
    client.call_ok(st("Download", "[10]"));
    client.messages();
    // Asked for out of order: the second read waits for the first.
    let second = begin_read(&mut client, 1, 1);
    let first = begin_read(&mut client, 1, 0);
    assert_eq!(read_result(&mut client, first), Ok(Some(vec![pattern(4)])));
    assert_eq!(
        read_result(&mut client, second),
        Ok(Some(vec![pattern(8)[4..].to_vec()]))
    );
    assert_eq!(
        read_chunks(&mut client, 1, 1),
        Err("Read 1 of the stream with ID 1 is out of turn: the next read is 2.".to_owned())
    );
    assert_eq!(
        read_chunks(&mut client, 1, 7),
        Err("Read 7 of the stream with ID 1 is out of turn: the next read is 2.".to_owned())
    );
    // The read after the last chunks and the one after it: the end, then nothing.
    let third = begin_read(&mut client, 1, 2);
    let fourth = begin_read(&mut client, 1, 3);
    assert_eq!(read_result(&mut client, third), Ok(Some(vec![vec![8, 9]])));
    assert_eq!(read_result(&mut client, fourth), Ok(None));
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
    assert_eq!(read_chunks(&mut client, 1, 4), Ok(None));
}

/// A read may be asked for up to `stream_reads_ahead` past the next one (it waits its turn);
/// one further fails at once.
pub fn dotnet_stream_reads_ahead_edge(factory: &Factory) {
    let options = RuntimeOptions::default()
        .stream_reads_ahead(2)
        .stream_pull_window(1)
        .stream_chunk_size(1);
    let mut client = factory.client(options);
    client.call_ok(st("Download", "[3]"));
    client.messages();
    assert_eq!(
        read_chunks(&mut client, 1, 3),
        Err("Read 3 of the stream with ID 1 is out of turn: the next read is 0.".to_owned())
    );
    let at_the_limit = begin_read(&mut client, 1, 2);
    let just_under = begin_read(&mut client, 1, 1);
    assert_eq!(read_chunks(&mut client, 1, 0), Ok(Some(vec![vec![0]])));
    assert_eq!(
        read_result(&mut client, just_under),
        Ok(Some(vec![vec![1]]))
    );
    assert_eq!(
        read_result(&mut client, at_the_limit),
        Ok(Some(vec![vec![2]]))
    );
}

/// A `StreamRef` as an argument of a Rust→JS call, with `leave_open`: the reader comes back
/// when the transfer ends; without it, a second transfer is refused.
pub fn dotnet_stream_as_an_argument(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let kept = StreamRef::new(futures_util::io::Cursor::new(pattern(10))).leave_open(true);
    let sent = kept.clone();
    let task = client.start(async move { runtime.invoke_void("takeStream", (sent,)).await });
    let (call, bytes) = client.next_js_call();
    assert_eq!(call, supply_call(1));
    assert!(bytes.is_empty());
    let (call, _) = client.next_js_call();
    assert_eq!(
        call,
        js_call(
            1,
            "takeStream",
            r#"[{"__dotNetStream":1}]"#,
            ResultType::Void
        )
    );
    assert!(
        kept.take_reader().is_none(),
        "the transfer holds the reader"
    );
    assert_eq!(read_all(&mut client, 1), Ok(pattern(10)));
    client.end_invoke_js("[1,true,null]");
    assert_eq!(client.finish(&task), Ok(()));
    assert!(
        kept.take_reader().is_some(),
        "leave_open gives the reader back"
    );

    let once = StreamRef::new(futures_util::io::Cursor::new(pattern(10)));
    let runtime = client.runtime();
    let first = once.clone();
    let task = client.start(async move {
        runtime.invoke_void("takeStream", (first,)).await?;
        runtime.invoke_void("takeStream", (once,)).await
    });
    client.next_js_call();
    let (call, _) = client.next_js_call();
    client.end_invoke_js(&format!("[{},true,null]", call.async_handle));
    assert_eq!(
        client.finish(&task).map_err(|error| error.to_string()),
        Err("The arguments of 'takeStream' could not be serialized: The reader of this StreamRef is being sent to JavaScript (use leave_open to send it again after the transfer).".to_owned())
    );
}

/// A read error in Rust fails the read with its text (JavaScript errors its stream) and ends
/// the transfer.
pub fn dotnet_stream_read_error(factory: &Factory) {
    let mut client = factory.default_client();
    client.call_ok(st("BrokenDownload", "[5]"));
    client.messages();
    // The bytes read before the error arrive first; the next read reports it.
    assert_eq!(read_chunks(&mut client, 1, 0), Ok(Some(vec![pattern(5)])));
    assert_eq!(
        read_chunks(&mut client, 1, 1),
        Err("disk on fire".to_owned())
    );
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
    assert_eq!(read_chunks(&mut client, 1, 2), Ok(None));
}

/// `CancelDotNetStream` ends a transfer; unknown ids fail clearly; a `StreamRef` cannot come
/// from JavaScript; the built-in assembly is reachable under an allow-list.
pub fn dotnet_stream_cancel_and_misuse(factory: &Factory) {
    let options = RuntimeOptions::default().allowed_assemblies(Some(["Conformance"]));
    let mut client = factory.client(options);
    client.call_ok(st("Download", "[100]"));
    client.messages();
    let cancel = client.begin_invoke(Invoke::r#static(
        interop_runtime::BUILTIN_ASSEMBLY,
        "CancelDotNetStream",
        "[1]",
    ));
    assert_eq!(client.completion_of(cancel), (true, "null".to_owned()));
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
    assert_eq!(read_chunks(&mut client, 1, 0), Err(not_available(1)));
    assert_eq!(read_chunks(&mut client, 99, 0), Err(not_available(99)));
    assert_eq!(
        client.call_err(st("UploadStreamRef", r#"[{"__dotNetStream":1}]"#)),
        "DotNetStreamReference cannot be supplied from JavaScript to .NET because the stream contents have already been transferred."
    );
}

/// The claim timeout on any clock (a real one waits 20 ms): the stream is dropped and its first
/// read fails with .NET's text. [`dotnet_stream_claim_timeout`] pins the edge on a virtual
/// clock.
pub fn dotnet_stream_claim_timeout_elapses(factory: &Factory) {
    let claim = Duration::from_millis(20);
    let mut client = factory.client(RuntimeOptions::default().stream_claim_timeout(Some(claim)));
    client.call_ok(st("Download", "[100]"));
    client.messages();
    client.advance(claim);
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
    assert_eq!(read_sizes(&mut client, 1, 0), Err(not_available(1)));
}

/// A transfer JavaScript does not start reading within `stream_claim_timeout` is dropped; one
/// it started is kept; closing the runtime drops the rest.
pub fn dotnet_stream_claim_timeout(factory: &Factory) {
    let options = RuntimeOptions::default().stream_claim_timeout(Some(Duration::from_secs(10)));
    let mut client = factory.client(options);
    assert_virtual_clock(client.as_ref());
    client.call_ok(st("Download", "[40000]"));
    client.call_ok(st("Download", "[40000]"));
    client.messages();
    assert_eq!(read_sizes(&mut client, 2, 0), Ok(Some(vec![32_768, 7_232])));
    client.advance(Duration::from_millis(9_999));
    assert_eq!(client.runtime().outgoing_stream_count(), 2);
    client.advance(Duration::from_millis(1));
    assert_eq!(client.runtime().outgoing_stream_count(), 1);
    assert_eq!(read_sizes(&mut client, 1, 0), Err(not_available(1)));
    assert_eq!(read_sizes(&mut client, 2, 1), Ok(None));
    client.call_ok(st("Download", "[10]"));
    client.runtime().close();
    assert_eq!(client.runtime().outgoing_stream_count(), 0);
}
