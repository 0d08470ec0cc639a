//! A hostile page over a raw socket: bad frames, unknown ids, byte arrays out of turn, an
//! oversized frame, a flood of calls, too many bad frames, a page that never reads, and
//! abrupt disconnects. Each case asserts the exact outcome, then that another, well-behaved
//! connection is served.

mod common;

use common::{
    assert_served, begin_invoke_js, binary, end_invoke, error, receive_byte_array, unknown_object,
    wait_until, Ending, Frame, Page,
};
use futures_util::SinkExt;
use interop_runtime::{jsinvokable, ByteArray, JsError, JsRuntime};
use interop_server::ServerOptions;
use tokio_tungstenite::tungstenite::Message;

/// A reply much larger than its request.
#[jsinvokable("Big", assembly = "Hostile")]
pub fn big(length: usize) -> String {
    "x".repeat(length)
}

/// Stays in flight until JavaScript answers the call to `identifier` with bytes.
#[jsinvokable("AskBytes", assembly = "Hostile")]
pub async fn ask_bytes(runtime: JsRuntime, identifier: String) -> Result<ByteArray, JsError> {
    runtime.invoke::<ByteArray>(&identifier, ()).await
}

/// Bad text and binary frames are each answered (an `Error`, or a failed call when the call
/// id is readable); nothing else happens, and the connection keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_are_answered_and_the_connection_keeps_serving() {
    let server = common::start(ServerOptions::default()).await;
    let mut page = Page::open(&server.url).await;
    let text_cases: &[(&str, Frame)] = &[
        (
            "garbage",
            error("a text frame must be a JSON array: expected value at line 1 column 1"),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",1,"Conformance","Echo",null,"[\"hi\"]""#,
            error("a text frame must be a JSON array: EOF while parsing a list at line 1 column 65"),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",1,"Conformance","Ec"#,
            error("a text frame must be a JSON array: EOF while parsing a string at line 1 column 46"),
        ),
        (
            "",
            error("a text frame must be a JSON array: EOF while parsing a value at line 1 column 0"),
        ),
        (
            r#"{"BeginInvokeDotNetFromJS":1}"#,
            error("a text frame must be a JSON array: invalid type: map, expected a sequence at line 1 column 0"),
        ),
        (
            r#""Ping""#,
            error(r#"a text frame must be a JSON array: invalid type: string "Ping", expected a sequence at line 1 column 6"#),
        ),
        ("[]", error("missing the message name")),
        ("[1]", error("the message name has the wrong type: 1")),
        ("[null,1]", error("the message name has the wrong type: null")),
        (r#"["Nope",1]"#, error("unknown message 'Nope'")),
        (r#"["ping",1]"#, error("unknown message 'ping'")),
        (
            r#"["EndInvokeDotNet",1,true,"1"]"#,
            error("unknown message 'EndInvokeDotNet'"),
        ),
        (r#"["Ping"]"#, error("missing the ping number")),
        (
            r#"["CancelInvokeDotNetFromJS"]"#,
            error("CancelInvokeDotNetFromJS has 2 fields, not 1"),
        ),
        (
            r#"["CancelInvokeDotNetFromJS",-1]"#,
            error("callId has the wrong type: -1"),
        ),
        (
            r#"["CancelInvokeDotNetFromJS","1"]"#,
            error(r#"callId has the wrong type: "1""#),
        ),
        (
            r#"["CancelInvokeDotNetFromJS",1,2]"#,
            error("CancelInvokeDotNetFromJS has 2 fields, not 3"),
        ),
        (r#"["Ping",-1]"#, error("the ping number has the wrong type: -1")),
        (r#"["BeginInvokeDotNetFromJS"]"#, error("missing callId")),
        (
            r#"["BeginInvokeDotNetFromJS","7","Conformance","Echo",null,"[]"]"#,
            error(r#"callId has the wrong type: "7""#),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",-7,"Conformance","Echo",null,"[]"]"#,
            error("callId has the wrong type: -7"),
        ),
        // A readable call id: the call fails with the reason.
        (
            r#"["BeginInvokeDotNetFromJS",5,"Conformance","Echo",null]"#,
            end_invoke(5, false, "BeginInvokeDotNetFromJS has 6 fields, not 5"),
        ),
        // The JSON of the arguments, written in place (as connect.js sends it) or as a string.
        (
            r#"["BeginInvokeDotNetFromJS",6,"Conformance","Echo",null,["hi"]]"#,
            end_invoke(6, true, r#""hi""#),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",6,"Conformance","Echo",null,{"x":1}]"#,
            end_invoke(6, false, r#"argsJson has the wrong type: {"x":1}"#),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",7,"Conformance","Echo","1","[\"x\"]"]"#,
            end_invoke(7, false, r#"dotNetObjectId has the wrong type: "1""#),
        ),
        (
            r#"["BeginInvokeDotNetFromJS",8,"Conformance",7,null,"[]"]"#,
            end_invoke(8, false, "methodIdentifier has the wrong type: 7"),
        ),
        // Fire-and-forget (call id 0) gets no completion, even for a bad shape.
        (
            r#"["BeginInvokeDotNetFromJS",0,"Conformance",7,null,"[]"]"#,
            error("methodIdentifier has the wrong type: 7"),
        ),
        (
            r#"["EndInvokeJSFromDotNet",1,true]"#,
            error("EndInvokeJSFromDotNet has 4 fields, not 3"),
        ),
        (
            r#"["EndInvokeJSFromDotNet",1,true,{"x":1}]"#,
            error(r#"tripleJson has the wrong type: {"x":1}"#),
        ),
    ];
    for (frame, expected) in text_cases {
        page.text(frame).await;
        assert_eq!(
            page.sync().await,
            vec![expected.clone()],
            "text frame {frame:?}"
        );
    }
    let binary_cases: Vec<(Vec<u8>, Frame)> = vec![
        (
            vec![1, 2, 3],
            error("a binary frame needs a 13-byte header, got 3 bytes"),
        ),
        (
            Vec::new(),
            error("a binary frame needs a 13-byte header, got 0 bytes"),
        ),
        (
            binary(1, 0, &[])[..12].to_vec(),
            error("a binary frame needs a 13-byte header, got 12 bytes"),
        ),
        (binary(9, 0, &[1]), error("unknown binary frame kind 9")),
        // The server's own kind, sent by the page.
        (binary(2, 1, &[1]), error("unknown binary frame kind 2")),
        (
            binary(1, 1 << 32, &[1]),
            error("byte array index 4294967296 is out of range"),
        ),
    ];
    for (frame, expected) in binary_cases {
        page.binary(frame.clone()).await;
        assert_eq!(page.sync().await, vec![expected], "binary frame {frame:?}");
    }
    // The connection still serves, and so does a new one.
    assert_eq!(
        page.round_trip(9, "Conformance", "Echo", r#"["fine"]"#)
            .await,
        vec![end_invoke(9, true, r#""fine""#)]
    );
    assert_served(&server.url).await;
    wait_until("only the first page is connected", || {
        server.interop.stats().connections == 1
    })
    .await;
}

/// Unknown object ids and Rust→JS handles: the calls fail with the protocol's texts, stray
/// completions are ignored; the connection keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids() {
    let server = common::start(ServerOptions::default()).await;
    let mut page = Page::open(&server.url).await;
    page.call_object(1, 42, "Add", "[1]").await;
    page.call_object(2, 42, "__Dispose", "null").await;
    page.call(
        3,
        "Conformance",
        "CounterValue",
        r#"[{"__dotNetObject":42}]"#,
    )
    .await;
    page.call_object(4, 42, "GetAsync", "[]").await;
    assert_eq!(
        page.sync().await,
        vec![
            end_invoke(1, false, &unknown_object(42)),
            end_invoke(2, false, &unknown_object(42)),
            end_invoke(3, false, &unknown_object(42)),
            end_invoke(4, false, &unknown_object(42)),
        ]
    );
    // Completions for handles that were never issued, well-formed or not: nothing happens.
    for triple in [
        r#"[99,true,"x"]"#,
        r#"[0,false,"x"]"#,
        r#"["x"]"#,
        "[]",
        "{}",
        "",
    ] {
        page.complete(triple).await;
    }
    assert_eq!(page.sync().await, vec![]);
    // The connection's own ids still work.
    assert_eq!(
        page.round_trip(5, "Conformance", "NewCounter", "[3]").await,
        vec![end_invoke(5, true, r#"{"__dotNetObject":1}"#)]
    );
    page.call_object(6, 1, "Add", "[1]").await;
    assert_eq!(page.sync().await, vec![end_invoke(6, true, "4")]);
    assert_served(&server.url).await;
}

/// Byte arrays whose index does not follow the previous one are refused, and the call that
/// carries the JSON fails with the reason; a correct sequence afterwards works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_arrays_out_of_turn() {
    let server = common::start(ServerOptions::default()).await;
    let mut page = Page::open(&server.url).await;
    // Index 1 with nothing staged.
    page.byte_array(1, &[1]).await;
    assert_eq!(page.sync().await, vec![]);
    assert_eq!(
        page.round_trip(1, "Conformance", "ReverseBytes", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(
            1,
            false,
            "Element id '1' cannot be added to the byte arrays to be revived with length '0'."
        )]
    );
    // 0, then 2.
    page.byte_array(0, &[1]).await;
    page.byte_array(2, &[3]).await;
    assert_eq!(
        page.round_trip(
            2,
            "Conformance",
            "ConcatBytes",
            r#"[{"__byte[]":0},{"__byte[]":1}]"#
        )
        .await,
        vec![end_invoke(
            2,
            false,
            "Element id '2' cannot be added to the byte arrays to be revived with length '1'."
        )]
    );
    // 0, 1, then 1 again.
    page.byte_array(0, &[1]).await;
    page.byte_array(1, &[2]).await;
    page.byte_array(1, &[2]).await;
    assert_eq!(
        page.round_trip(
            3,
            "Conformance",
            "ConcatBytes",
            r#"[{"__byte[]":0},{"__byte[]":1}]"#
        )
        .await,
        vec![end_invoke(
            3,
            false,
            "Element id '1' cannot be added to the byte arrays to be revived with length '2'."
        )]
    );
    // The refusal is reported once; a correct sequence works.
    page.byte_array(0, &[1]).await;
    page.byte_array(1, &[2]).await;
    assert_eq!(
        page.round_trip(
            4,
            "Conformance",
            "ConcatBytes",
            r#"[{"__byte[]":0},{"__byte[]":1}]"#
        )
        .await,
        vec![
            receive_byte_array(1, &[1, 2]),
            end_invoke(4, true, r#"{"__byte[]":1}"#)
        ]
    );
    assert_served(&server.url).await;
}

/// A text frame of `length` bytes calling `Echo` (padded inside the argument).
fn echo_frame_of_length(call_id: u64, length: usize) -> String {
    let empty =
        format!(r#"["BeginInvokeDotNetFromJS",{call_id},"Conformance","Echo",null,"[\"\"]"]"#);
    let padding = "p".repeat(length - empty.len());
    let frame = format!(
        r#"["BeginInvokeDotNetFromJS",{call_id},"Conformance","Echo",null,"[\"{padding}\"]"]"#
    );
    assert_eq!(frame.len(), length);
    frame
}

/// A frame larger than `max_message_size` plus the envelope closes its connection with 1009
/// at its header; a frame within it whose message is too large only fails its call. Other
/// connections are not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_closes_the_connection() {
    const MAX: usize = 1024;
    const FRAME_LIMIT: usize = MAX + interop_server::FRAME_ENVELOPE;
    let server = common::start(ServerOptions {
        max_message_size: MAX,
        ..ServerOptions::default()
    })
    .await;
    let mut bystander = Page::open(&server.url).await;
    let mut page = Page::open(&server.url).await;
    page.text(&echo_frame_of_length(1, MAX)).await;
    let replies = page.sync().await;
    assert_eq!(replies.len(), 1);
    assert!(
        matches!(&replies[0], Frame::Text(text) if text.starts_with(r#"["EndInvokeDotNet",1,true,"\"ppp"#)),
        "{replies:?}"
    );
    // Within the frame limit, over the message limit: the call fails, the page stays.
    page.text(&echo_frame_of_length(2, FRAME_LIMIT)).await;
    let replies = page.sync().await;
    assert!(
        matches!(&replies[..], [Frame::Text(text)] if text.starts_with(r#"["EndInvokeDotNet",2,false,"The message of "#)
            && text.ends_with(r#"exceeds the maximum message size of 1024 bytes."]"#)),
        "{replies:?}"
    );
    page.text(&echo_frame_of_length(3, FRAME_LIMIT + 1)).await;
    assert_eq!(
        page.ending().await,
        (vec![], Ending::Closed(1009, "closing".to_owned()))
    );
    wait_until("the oversized page's connection is gone", || {
        server.interop.stats().connections == 1
    })
    .await;
    assert!(server.runtime(1).is_closed());

    // Binary frames too.
    let mut page = Page::open(&server.url).await;
    page.binary(binary(1, 0, &[7; FRAME_LIMIT - 12])).await;
    assert_eq!(
        page.ending().await,
        (vec![], Ending::Closed(1009, "closing".to_owned()))
    );
    wait_until("the second oversized page's connection is gone", || {
        server.interop.stats().connections == 1
    })
    .await;

    assert_eq!(
        bystander
            .round_trip(1, "Conformance", "Echo", r#"["bystander"]"#)
            .await,
        vec![end_invoke(1, true, r#""bystander""#)]
    );
    assert_served(&server.url).await;
}

/// A flood of async calls past `max_in_flight_calls`: new calls are rejected with the defined
/// text, while completions and byte arrays are still read and applied; once a call has ended
/// (its completion seen), the next call is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_past_max_in_flight_calls() {
    let server = common::start(ServerOptions {
        runtime: ServerOptions::default().runtime.max_in_flight_calls(2),
        ..ServerOptions::default()
    })
    .await;
    let rejected = |call_id: u64, identifier: &str| {
        end_invoke(
            call_id,
            false,
            &format!(
                "The call to '{identifier}' was rejected: 2 calls are already in flight on this runtime."
            ),
        )
    };
    let mut page = Page::open(&server.url).await;
    let runtime = server.runtime(0);
    // Each call's task sends its call to JavaScript when it starts: one at a time, so the
    // handles are known.
    page.call(1, "Hostile", "AskBytes", r#"["bytes"]"#).await;
    assert_eq!(
        page.next_frame().await,
        begin_invoke_js(1, "bytes", "[]", 0)
    );
    page.call(2, "Conformance", "CallBack", r#"["text"]"#).await;
    assert_eq!(page.next_frame().await, begin_invoke_js(2, "text", "[]", 0));
    assert_eq!(runtime.in_flight_call_count(), 2);
    // Server code asks the page for bytes too (this call is not a JS→Rust call in flight).
    let asked = tokio::spawn(runtime.invoke::<ByteArray>("serverAsks", ()));
    assert_eq!(
        page.next_frame().await,
        begin_invoke_js(3, "serverAsks", "[]", 0)
    );

    // The flood, with bytes and the completion of handle 3 in the middle of it.
    for call_id in 3..=52 {
        page.call(call_id, "Conformance", "CallBack", r#"["flood"]"#)
            .await;
    }
    page.byte_array(0, &[9, 8, 7]).await;
    page.complete(r#"[3,true,{"__byte[]":0}]"#).await;
    for call_id in 53..=102 {
        page.call(call_id, "Hostile", "AskBytes", r#"["flood"]"#)
            .await;
    }
    // Sync methods are not limited.
    page.call(103, "Conformance", "Echo", r#"["sync"]"#).await;
    let mut expected: Vec<Frame> = (3..=52)
        .map(|id| rejected(id, "CallBack"))
        .chain((53..=102).map(|id| rejected(id, "AskBytes")))
        .collect();
    expected.push(end_invoke(103, true, r#""sync""#));
    assert_eq!(page.sync().await, expected);
    assert_eq!(
        asked.await.expect("the task ran").map(ByteArray::into_vec),
        Ok(vec![9, 8, 7])
    );
    assert_eq!(runtime.in_flight_call_count(), 2);

    // Call 1 ends with the bytes JavaScript sends (re-sent under the runtime's first id).
    page.byte_array(0, &[4, 5]).await;
    page.complete(r#"[1,true,{"__byte[]":0}]"#).await;
    assert_eq!(
        page.until(&end_invoke(1, true, r#"{"__byte[]":1}"#)).await,
        vec![receive_byte_array(1, &[4, 5])]
    );
    // Its slot was free before its completion was sent: one more call fits, the next is
    // rejected again.
    assert_eq!(runtime.in_flight_call_count(), 1);
    page.call(104, "Conformance", "CallBack", r#"["again"]"#)
        .await;
    assert_eq!(
        page.next_frame().await,
        begin_invoke_js(4, "again", "[]", 0)
    );
    page.call(105, "Conformance", "CallBack", r#"["refused"]"#)
        .await;
    assert_eq!(page.sync().await, vec![rejected(105, "CallBack")]);
    page.complete(r#"[2,true,"two"]"#).await;
    assert_eq!(page.until(&end_invoke(2, true, r#""two""#)).await, vec![]);
    page.complete(r#"[4,true,"four"]"#).await;
    assert_eq!(
        page.until(&end_invoke(104, true, r#""four""#)).await,
        vec![]
    );
    assert_eq!(runtime.in_flight_call_count(), 0);
    assert_eq!(page.sync().await, vec![]);
    assert_served(&server.url).await;
}

/// More than `max_protocol_errors` bad frames: the last one is still answered, then the
/// connection is closed; others keep being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_bad_frames_close_the_connection() {
    let server = common::start(ServerOptions {
        max_protocol_errors: 3,
        ..ServerOptions::default()
    })
    .await;
    let mut bystander = Page::open(&server.url).await;
    let mut page = Page::open(&server.url).await;
    let garbage = error("a text frame must be a JSON array: expected value at line 1 column 1");
    page.text("garbage").await;
    page.binary(vec![1]).await;
    page.text(r#"["BeginInvokeDotNetFromJS",1,"Conformance"]"#)
        .await;
    assert_eq!(
        page.sync().await,
        vec![
            garbage.clone(),
            error("a binary frame needs a 13-byte header, got 1 bytes"),
            end_invoke(1, false, "BeginInvokeDotNetFromJS has 6 fields, not 3"),
        ]
    );
    // Good frames in between do not reset the count.
    assert_eq!(
        page.round_trip(2, "Conformance", "Echo", r#"["ok"]"#).await,
        vec![end_invoke(2, true, r#""ok""#)]
    );
    page.text("garbage").await;
    assert_eq!(
        page.ending().await,
        (vec![garbage], Ending::Closed(1008, "closing".to_owned()))
    );
    wait_until("the page's connection is gone", || {
        server.interop.stats().connections == 1
    })
    .await;
    assert!(server.runtime(1).is_closed());
    assert_eq!(
        bystander
            .round_trip(1, "Conformance", "Echo", r#"["bystander"]"#)
            .await,
        vec![end_invoke(1, true, r#""bystander""#)]
    );
    assert_served(&server.url).await;
}

/// A page that never reads while the server sends it large replies is closed after
/// `write_timeout`, its calls held (not buffered) meanwhile; a page reading the same replies is
/// served, and so are the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_is_closed() {
    const REPLY: usize = 1 << 20;
    const CALLS: u64 = 200;
    let server = common::start(ServerOptions {
        write_timeout: std::time::Duration::from_secs(1),
        ..ServerOptions::default()
    })
    .await;
    let mut bystander = Page::open(&server.url).await;

    // A reading page gets every reply.
    let mut reader = Page::open(&server.url).await;
    for call_id in 1..=8 {
        let frames = reader
            .round_trip(call_id, "Hostile", "Big", &format!("[{REPLY}]"))
            .await;
        let expected = end_invoke(call_id, true, &format!("\"{}\"", "x".repeat(REPLY)));
        assert!(frames == vec![expected], "reply {call_id}");
    }
    drop(reader);
    wait_until("the reading page's connection is gone", || {
        server.interop.stats().connections == 1
    })
    .await;

    // 200 small requests for 1 MiB each, and no reading.
    let mut page = Page::open(&server.url).await;
    for call_id in 1..=CALLS {
        let frame =
            format!(r#"["BeginInvokeDotNetFromJS",{call_id},"Hostile","Big",null,"[{REPLY}]"]"#);
        // The server may close the connection before every request is sent.
        if page.socket.send(Message::text(frame)).await.is_err() {
            break;
        }
    }
    wait_until("the page that never reads is closed", || {
        server.interop.stats().connections == 1
    })
    .await;
    let runtime = server.runtime(2);
    assert!(runtime.is_closed());
    // What did reach the page is a prefix of the replies; the stream then ends.
    let (frames, _) = page.ending().await;
    assert!(frames.len() < CALLS as usize, "{} replies", frames.len());
    for (index, frame) in frames.iter().enumerate() {
        let call_id = index as u64 + 1;
        let expected = end_invoke(call_id, true, &format!("\"{}\"", "x".repeat(REPLY)));
        assert!(*frame == expected, "reply {call_id}");
    }

    assert_eq!(
        bystander
            .round_trip(1, "Conformance", "Echo", r#"["bystander"]"#)
            .await,
        vec![end_invoke(1, true, r#""bystander""#)]
    );
    assert_served(&server.url).await;
}

/// Pages that vanish mid-call (no close handshake; a reset): the calls are cancelled, the
/// Rust→JS calls fail with `Disconnected`, objects are released, nothing is left running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abrupt_disconnects_mid_call() {
    let server = common::start(ServerOptions::default()).await;
    let before = server.interop.stats();
    assert_eq!(before.connections, 0);
    for reset in [false, true] {
        let mut page = Page::open(&server.url).await;
        let runtime = server.runtime(server.runtime_count() - 1);
        assert_eq!(
            page.round_trip(1, "Conformance", "NewCounter", "[1]").await,
            vec![end_invoke(1, true, r#"{"__dotNetObject":1}"#)]
        );
        page.call(2, "Conformance", "CallBack", r#"["pending"]"#)
            .await;
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(1, "pending", "[]", 0)
        );
        page.call_object(3, 1, "AskJs", r#"["also pending"]"#).await;
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(2, "also pending", "[]", 0)
        );
        // Server code calling the page on its own.
        let from_server = tokio::spawn(runtime.invoke::<String>("fromServer", ()));
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(3, "fromServer", "[]", 0)
        );
        assert_eq!(
            (
                runtime.in_flight_call_count(),
                runtime.pending_js_call_count(),
                runtime.tracked_object_count()
            ),
            (2, 3, 1)
        );
        assert_eq!(server.interop.stats().live_tasks, before.live_tasks + 2);

        if reset {
            if let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = page.socket.get_ref() {
                tcp.set_zero_linger().expect("SO_LINGER 0");
            }
        }
        drop(page);
        assert_eq!(
            from_server.await.expect("the task ran"),
            Err(JsError::Disconnected)
        );
        wait_until("the connection and its calls are gone", || {
            server.interop.stats() == before
        })
        .await;
        assert!(runtime.is_closed());
        assert_eq!(
            (
                runtime.in_flight_call_count(),
                runtime.pending_js_call_count(),
                runtime.tracked_object_count()
            ),
            (0, 0, 0)
        );
        assert_served(&server.url).await;
        wait_until("the well-behaved page's connection is gone", || {
            server.interop.stats() == before
        })
        .await;
    }
}

/// A page that sends many calls at once is not a page that does not read: a burst whose replies
/// far exceed the write buffer, arriving in one read of the socket, gets every reply, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_larger_than_the_write_queue_is_answered_in_full() {
    const BURST: u64 = 400;
    let server = common::start(ServerOptions {
        write_buffer: 1024,
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&server.url).await;
    for call_id in 1..=BURST {
        let frame = serde_json::json!([
            "BeginInvokeDotNetFromJS",
            call_id,
            "Conformance",
            "Echo",
            null,
            format!(r#"["{call_id}"]"#)
        ]);
        page.socket
            .feed(Message::text(frame.to_string()))
            .await
            .expect("the frame is queued");
    }
    page.socket.flush().await.expect("the burst is sent");
    let expected: Vec<Frame> = (1..=BURST)
        .map(|call_id| end_invoke(call_id, true, &format!(r#""{call_id}""#)))
        .collect();
    assert_eq!(page.sync().await, expected);
    assert_served(&server.url).await;
}
