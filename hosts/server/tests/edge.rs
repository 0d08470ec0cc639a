//! The network edge, attacked in-process: the host policy (DNS rebinding), server-wide limits,
//! byte arrays in parts, backpressure instead of disconnection, defaults that cannot be lost,
//! and the lifecycle of a connection (a page that leaves early, graceful shutdown).

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use common::{binary, end_invoke, wait_until, Ending, Frame, Page};
use futures_util::{SinkExt, StreamExt};
use interop_runtime::{jsinvokable, ByteArray, JsRuntime, RuntimeOptions};
use interop_server::{AllowedHosts, InteropServer, ServerOptions, FRAME_ENVELOPE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Answers after `ms` milliseconds.
#[jsinvokable("Slow", assembly = "Edge")]
pub async fn slow(ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("slept {ms}")
}

/// An async method with a large result.
#[jsinvokable("BigAsync", assembly = "Edge")]
pub async fn big_async(length: usize) -> String {
    "y".repeat(length)
}

/// One result carrying `count` byte arrays.
#[jsinvokable("ManyArrays", assembly = "Edge")]
pub fn many_arrays(count: usize) -> Vec<ByteArray> {
    (0..count)
        .map(|index| ByteArray::from(index.to_le_bytes().to_vec()))
        .collect()
}

/// The length and a checksum of the bytes received.
#[jsinvokable("Checksum", assembly = "Edge")]
pub fn checksum(bytes: ByteArray) -> (usize, u64) {
    let sum = bytes
        .iter()
        .enumerate()
        .map(|(index, &byte)| (index as u64 + 1) * u64::from(byte))
        .sum();
    (bytes.len(), sum)
}

/// A user-code failure whose text must not reach a page by default.
#[jsinvokable("Leaks", assembly = "Edge")]
pub fn leaks() -> Result<String, String> {
    Err("could not open /srv/secret/config.toml".to_owned())
}

/// A server started the way applications do (`InteropServer::serve`, so the port is known).
struct Served {
    interop: InteropServer,
    address: SocketAddr,
    runtimes: Arc<Mutex<Vec<JsRuntime>>>,
}

impl Served {
    fn url(&self) -> String {
        format!("ws://{}/_interop/ws", self.address)
    }

    fn runtime(&self, index: usize) -> JsRuntime {
        self.runtimes.lock().unwrap_or_else(PoisonError::into_inner)[index].clone()
    }
}

async fn serve(options: ServerOptions) -> Served {
    let runtimes = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&runtimes);
    let interop = InteropServer::new(options).on_connect(move |_, runtime| {
        kept.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(runtime.clone());
        Ok(())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port on 127.0.0.1");
    let address = listener.local_addr().expect("the bound address");
    let app = axum::Router::new()
        .route("/page", axum::routing::get(|| async { "the page" }))
        .layer(interop.host_policy().layer())
        .merge(interop.router());
    let server = interop.clone();
    tokio::spawn(async move { server.serve(listener, app).await });
    Served {
        interop,
        address,
        runtimes,
    }
}

/// The status of a plain HTTP GET of `path` naming `host`.
async fn get_status(address: SocketAddr, path: &str, host: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("a connection");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let status_line = String::from_utf8_lossy(&response);
    status_line
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

/// The status of a WebSocket upgrade naming `host` and `origin` (101 when it opens).
async fn upgrade_status(served: &Served, host: &str, origin: Option<&str>) -> u16 {
    let mut request = served.url().into_client_request().expect("a request");
    request
        .headers_mut()
        .insert("host", host.parse().expect("a header value"));
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("a header value"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("the upgrade failed below HTTP: {other}"),
    }
}

/// A page on `attacker.example`, whose name resolves to the server's address, is refused on
/// every route; pages on `localhost` and `127.0.0.1` with the server's port are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_rebinding_is_refused_on_every_route() {
    let served = serve(ServerOptions::default()).await;
    let port = served.address.port();
    let attacker = format!("attacker.example:{port}");
    for path in [
        "/page",
        "/_interop/client.js",
        "/_interop/connect.js",
        "/_interop/ws",
    ] {
        assert_eq!(
            get_status(served.address, path, &attacker).await,
            403,
            "{path}"
        );
    }
    assert_eq!(
        upgrade_status(&served, &attacker, Some(&format!("http://{attacker}"))).await,
        403
    );
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        assert_eq!(
            get_status(served.address, "/page", &host).await,
            200,
            "{host}"
        );
        assert_eq!(
            get_status(served.address, "/_interop/client.js", &host).await,
            200,
            "{host}"
        );
        assert_eq!(
            upgrade_status(&served, &host, Some(&format!("http://{host}"))).await,
            101,
            "{host}"
        );
    }
    // Another port of localhost is another site; `Origin: null` is nobody's page.
    let local = format!("localhost:{port}");
    assert_eq!(
        get_status(served.address, "/page", "localhost:1").await,
        403
    );
    for origin in [
        "http://localhost:1",
        "null",
        "file://",
        "http://attacker.example",
    ] {
        assert_eq!(
            upgrade_status(&served, &local, Some(origin)).await,
            403,
            "{origin}"
        );
    }
    // Not a browser (no Origin): served.
    assert_eq!(upgrade_status(&served, &local, None).await, 101);
}

/// Listening on a non-loopback address needs host names, or an explicit opt-out.
#[test]
fn a_non_loopback_address_needs_allowed_hosts() {
    let address: SocketAddr = ([0, 0, 0, 0], 8080).into();
    let error = InteropServer::new(ServerOptions::default())
        .listen_on(address)
        .expect_err("no names for a public address");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("allowed_hosts"), "{error}");
    for allowed_hosts in [AllowedHosts::names(["app.example"]), AllowedHosts::Any] {
        let server = InteropServer::new(ServerOptions {
            allowed_hosts,
            ..ServerOptions::default()
        });
        assert!(server.listen_on(address).is_ok());
    }
}

/// Past `max_connections`, an upgrade gets 503 with `Retry-After`; a slot freed is reused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_get_503_with_retry_after() {
    let served = serve(ServerOptions {
        max_connections: 2,
        ..ServerOptions::default()
    })
    .await;
    let first = Page::open(&served.url()).await;
    let mut second = Page::open(&served.url()).await;
    let refused = tokio_tungstenite::connect_async(served.url())
        .await
        .expect_err("a third connection is refused");
    let tokio_tungstenite::tungstenite::Error::Http(response) = refused else {
        panic!("not an HTTP refusal: {refused}");
    };
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()),
        Some("1")
    );
    drop(first);
    wait_until("the first connection is gone", || {
        served.interop.stats().connections == 1
    })
    .await;
    let mut third = Page::open(&served.url()).await;
    for page in [&mut second, &mut third] {
        assert_eq!(
            page.round_trip(1, "Conformance", "Echo", r#"["served"]"#)
                .await,
            vec![end_invoke(1, true, r#""served""#)]
        );
    }
}

/// `max_in_flight_calls` counts the async calls of every connection together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_calls_are_limited_across_connections() {
    let served = serve(ServerOptions {
        max_in_flight_calls: 2,
        ..ServerOptions::default()
    })
    .await;
    let mut first = Page::open(&served.url()).await;
    let mut second = Page::open(&served.url()).await;
    // One call each waits for its page to answer a JS call.
    first
        .call(1, "Conformance", "CallBack", r#"["wait"]"#)
        .await;
    assert_eq!(
        first.next_frame().await,
        common::begin_invoke_js(1, "wait", "[]", 0)
    );
    second
        .call(1, "Conformance", "CallBack", r#"["wait"]"#)
        .await;
    assert_eq!(
        second.next_frame().await,
        common::begin_invoke_js(1, "wait", "[]", 0)
    );
    assert_eq!(served.interop.stats().in_flight_calls, 2);
    let full = "The server is running its maximum of 2 calls; try again later.";
    assert_eq!(
        second.round_trip(2, "Edge", "Slow", "[1]").await,
        vec![end_invoke(2, false, full)]
    );
    // Sync calls are not counted.
    assert_eq!(
        second
            .round_trip(3, "Conformance", "Echo", r#"["sync"]"#)
            .await,
        vec![end_invoke(3, true, r#""sync""#)]
    );
    first.complete(r#"[1,true,"done"]"#).await;
    assert_eq!(first.next_frame().await, end_invoke(1, true, r#""done""#));
    wait_until("the finished call is counted out", || {
        served.interop.stats().in_flight_calls == 1
    })
    .await;
    assert_eq!(
        second.round_trip(4, "Edge", "Slow", "[1]").await,
        vec![end_invoke(4, true, r#""slept 1""#)]
    );
    drop((first, second));
    wait_until("every call is counted out", || {
        served.interop.stats().in_flight_calls == 0
    })
    .await;
}

/// `max_staged_bytes` counts the byte arrays every connection is receiving, together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staged_bytes_are_limited_across_connections() {
    let served = serve(ServerOptions {
        max_staged_bytes: 100,
        ..ServerOptions::default()
    })
    .await;
    let mut first = Page::open(&served.url()).await;
    let mut second = Page::open(&served.url()).await;
    first.byte_array(0, &[1; 80]).await;
    assert_eq!(first.sync().await, vec![]);
    assert_eq!(served.interop.stats().staged_bytes, 80);
    second.byte_array(0, &[2; 40]).await;
    assert_eq!(
        second
            .round_trip(1, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(
            1,
            false,
            "Exceeded the maximum byte array transfer limit for a call."
        )]
    );
    assert_eq!(
        first
            .round_trip(1, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(1, true, "[80,3240]")]
    );
    assert_eq!(served.interop.stats().staged_bytes, 0);
    // With the budget free again, the second page's bytes go through.
    second.byte_array(0, &[2; 40]).await;
    assert_eq!(
        second
            .round_trip(2, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(2, true, "[40,1640]")]
    );
}

/// A part frame: kind 3 (more follow) or 1 (the last), the array's index, the part's number.
fn part(last: bool, index: u64, number: u32, bytes: &[u8]) -> Vec<u8> {
    let mut frame = binary(if last { 1 } else { 3 }, index, bytes);
    frame[9..13].copy_from_slice(&number.to_le_bytes());
    frame
}

/// A byte array larger than a frame travels in parts and arrives whole; a broken sequence of
/// parts fails the call it belongs to with a text naming what was wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_arrays_travel_in_parts() {
    let served = serve(ServerOptions {
        max_message_size: 1024,
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&served.url()).await;
    let bytes: Vec<u8> = (0..3000u32).map(|index| (index % 251) as u8).collect();
    let (length, sum) = checksum(ByteArray::from(bytes.clone()));
    for (number, chunk) in bytes.chunks(1024).enumerate() {
        let last = (number + 1) * 1024 >= bytes.len();
        page.binary(part(last, 0, number as u32, chunk)).await;
    }
    assert_eq!(
        page.round_trip(1, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(1, true, &format!("[{length},{sum}]"))]
    );

    // A part out of turn: an `Error` for the frame, and the call fails with the same text.
    page.binary(part(false, 0, 0, &[1; 10])).await;
    page.binary(part(true, 0, 2, &[1; 10])).await;
    let out_of_turn = "Part 2 of byte array 0 does not continue the byte array being received.";
    assert_eq!(page.sync().await, vec![common::error(out_of_turn)]);
    assert_eq!(
        page.round_trip(2, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(2, false, out_of_turn)]
    );
    // An array whose last part never comes.
    page.binary(part(false, 0, 0, &[1; 10])).await;
    assert_eq!(
        page.round_trip(3, "Edge", "Checksum", r#"[{"__byte[]":0}]"#)
            .await,
        vec![end_invoke(
            3,
            false,
            "Byte array 0 ended after part 0 without its last part."
        )]
    );
    assert_eq!(
        page.round_trip(4, "Conformance", "Echo", r#"["still served"]"#)
            .await,
        vec![end_invoke(4, true, r#""still served""#)]
    );
    assert_eq!(served.interop.stats().staged_bytes, 0);
}

/// The call id of an `EndInvokeDotNet` frame, read from its start.
fn completion_id(frame: &Message) -> Option<u64> {
    let Message::Text(text) = frame else {
        return None;
    };
    let rest = text.as_str().strip_prefix(r#"["EndInvokeDotNet","#)?;
    rest[..rest.find(',')?].parse().ok()
}

/// A page that pauses (a layout or GC pause) while thousands of large results are ready is
/// not a page that does not read: it gets every reply, once, and what waits for it stays
/// within the write buffer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefly_busy_page_gets_every_reply() {
    const CALLS: u64 = 3000;
    const REPLY: usize = 200_000;
    let options = ServerOptions::default();
    let bound = options.write_buffer + 8 * (REPLY + 1024);
    let served = serve(options).await;
    let mut page = Page::open(&served.url()).await;
    for call_id in 1..=CALLS {
        let frame =
            format!(r#"["BeginInvokeDotNetFromJS",{call_id},"Edge","BigAsync",null,[{REPLY}]]"#);
        page.socket
            .feed(Message::text(frame))
            .await
            .expect("the call is queued");
    }
    page.socket.flush().await.expect("the calls are sent");
    let mut most_queued = 0;
    let pause = tokio::time::Instant::now() + Duration::from_millis(300);
    while tokio::time::Instant::now() < pause {
        most_queued = most_queued.max(served.interop.stats().queued_bytes);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut seen = vec![false; CALLS as usize + 1];
    for _ in 0..CALLS {
        let frame = tokio::time::timeout(Duration::from_secs(60), page.socket.next())
            .await
            .expect("replies keep coming")
            .expect("the connection stays open")
            .expect("a frame");
        let id = completion_id(&frame).expect("a completion");
        assert!(
            matches!(&frame, Message::Text(text) if text.len() > REPLY && text.contains(r#"true,"\"yyyy"#)),
            "reply {id} is a success"
        );
        assert!(
            !std::mem::replace(&mut seen[id as usize], true),
            "reply {id} twice"
        );
        most_queued = most_queued.max(served.interop.stats().queued_bytes);
    }
    assert!(seen[1..].iter().all(|&seen| seen));
    assert!(
        most_queued <= bound,
        "{most_queued} bytes queued, bound {bound}"
    );
    assert_eq!(
        page.round_trip(1, "Conformance", "Echo", r#"["after"]"#)
            .await,
        vec![end_invoke(1, true, r#""after""#)]
    );
}

/// One result carrying 2,000 byte arrays (far more frames than any count-bounded queue would
/// hold) is answered whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_result_with_2000_byte_arrays_is_answered() {
    let served = serve(ServerOptions::default()).await;
    let mut page = Page::open(&served.url()).await;
    let frames = page.round_trip(1, "Edge", "ManyArrays", "[2000]").await;
    assert_eq!(frames.len(), 2001);
    for (index, frame) in frames[..2000].iter().enumerate() {
        let expected = common::receive_byte_array(index as u64 + 1, &index.to_le_bytes());
        assert_eq!(frame, &expected, "byte array {index}");
    }
    let Frame::Text(completion) = &frames[2000] else {
        panic!("no completion");
    };
    assert!(completion.starts_with(r#"["EndInvokeDotNet",1,true,"[{\"__byte[]\":1},"#));
}

/// A page that stops reading is closed within `write_timeout`; until then what waits for it
/// stays within the write buffer (its further calls are held, then not even read).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_stops_reading_is_closed_with_bounded_memory() {
    const REPLY: usize = 1 << 20;
    let options = ServerOptions {
        write_timeout: Duration::from_millis(500),
        ..ServerOptions::default()
    };
    let bound = options.write_buffer + 2 * (REPLY + 1024);
    let served = serve(options).await;
    let mut page = Page::open(&served.url()).await;
    let started = tokio::time::Instant::now();
    let sender = tokio::spawn(async move {
        for call_id in 1..=300u64 {
            let frame =
                format!(r#"["BeginInvokeDotNetFromJS",{call_id},"Hostile","Big",null,[{REPLY}]]"#);
            // The server stops reading, then closes: sending may fail or stall.
            let send = page.socket.send(Message::text(frame));
            match tokio::time::timeout(Duration::from_secs(5), send).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
        page
    });
    let mut most_queued = 0;
    while served.interop.stats().connections > 0 {
        most_queued = most_queued.max(served.interop.stats().queued_bytes);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the page that stops reading is still open"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        most_queued <= bound,
        "{most_queued} bytes queued, bound {bound}"
    );
    assert!(served.runtime(0).is_closed());
    let _ = sender.await;
}

/// `Big` of the hostile tests, here too (one test binary each).
#[jsinvokable("Big", assembly = "Hostile")]
pub fn big(length: usize) -> String {
    "x".repeat(length)
}

/// `ServerOptions { runtime: RuntimeOptions::default(), ..Default::default() }` keeps user-code
/// errors hidden and every limit on; detailed errors are an explicit server opt-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_defaults_cannot_be_lost() {
    let options = ServerOptions {
        runtime: RuntimeOptions::default(),
        ..ServerOptions::default()
    };
    let runtime = options.connection_runtime_options();
    assert!(!runtime.detailed_errors);
    assert_eq!(runtime.max_message_size, Some(options.max_message_size));
    assert_eq!(
        runtime.max_staged_bytes,
        Some(options.max_staged_bytes_per_call)
    );
    assert_eq!(runtime.max_tracked_objects, options.max_tracked_objects);
    assert_eq!(
        runtime.max_in_flight_calls,
        options.max_in_flight_calls_per_connection
    );
    // A runtime option can tighten a limit, not lift it.
    let lifted = ServerOptions {
        runtime: RuntimeOptions::default()
            .max_message_size(Some(usize::MAX))
            .max_tracked_objects(5),
        ..ServerOptions::default()
    }
    .connection_runtime_options();
    assert_eq!(lifted.max_message_size, Some(options.max_message_size));
    assert_eq!(lifted.max_tracked_objects, 5);

    let served = serve(options).await;
    let mut page = Page::open(&served.url()).await;
    let frames = page.round_trip(1, "Edge", "Leaks", "[]").await;
    assert!(
        matches!(&frames[..], [Frame::Text(text)] if !text.contains("secret") && text.contains("Leaks")),
        "{frames:?}"
    );
    let large = format!(r#"["{}"]"#, "a".repeat(1024 * 1024));
    let frames = page.round_trip(2, "Conformance", "Echo", &large).await;
    assert!(
        matches!(&frames[..], [Frame::Text(text)] if text.contains("exceeds the maximum message size of 1048576 bytes")),
        "{frames:?}"
    );

    let detailed = serve(ServerOptions {
        detailed_errors: true,
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&detailed.url()).await;
    let frames = page.round_trip(1, "Edge", "Leaks", "[]").await;
    assert!(
        matches!(&frames[..], [Frame::Text(text)] if text.contains("/srv/secret/config.toml")),
        "{frames:?}"
    );
}

/// A runtime handed to `on_connect` is closed when the page leaves before the socket is
/// served, and when the hook refuses the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_is_closed_when_the_page_leaves_first() {
    let served = serve(ServerOptions::default()).await;
    for seen in 1..=3 {
        let mut stream = tokio::net::TcpStream::connect(served.address)
            .await
            .expect("a connection");
        let request = format!(
            "GET /_interop/ws HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            served.address
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("the request is sent");
        // The page leaves once the hook has run, before it reads the server's answer.
        wait_until("the hook has seen the upgrade", || {
            served
                .runtimes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
                == seen
        })
        .await;
        drop(stream);
    }
    for index in 0..3 {
        let runtime = served.runtime(index);
        wait_until("the runtime of a page that left is closed", || {
            runtime.is_closed()
        })
        .await;
    }
    wait_until("no connection is left", || {
        served.interop.stats().connections == 0
    })
    .await;

    let kept = Arc::new(Mutex::new(None::<JsRuntime>));
    let slot = Arc::clone(&kept);
    let refusing = InteropServer::new(ServerOptions::default()).on_connect(move |_, runtime| {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(runtime.clone());
        Err((
            axum::http::StatusCode::UNAUTHORIZED,
            "who are you?".to_owned(),
        ))
    });
    let url = common::serve(&refusing).await;
    let refused = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("the hook refuses");
    assert!(
        matches!(refused, tokio_tungstenite::tungstenite::Error::Http(ref response) if response.status() == 401)
    );
    let runtime = kept
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
        .expect("the hook ran");
    assert!(runtime.is_closed());
    assert_eq!(refusing.stats().connections, 0);
}

/// Graceful shutdown: new upgrades get 503 at once, a call in flight finishes and its reply
/// reaches the page, then the page is closed with 1001.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_lets_calls_finish_then_closes_with_1001() {
    let served = serve(ServerOptions {
        shutdown_grace: Duration::from_secs(5),
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&served.url()).await;
    page.call(1, "Edge", "Slow", "[300]").await;
    wait_until("the call is in flight", || {
        served.interop.stats().live_tasks == 1
    })
    .await;
    let started = tokio::time::Instant::now();
    served.interop.shutdown();
    let refused = tokio_tungstenite::connect_async(served.url())
        .await
        .expect_err("no new upgrades");
    assert!(
        matches!(refused, tokio_tungstenite::tungstenite::Error::Http(ref response) if response.status() == 503)
    );
    assert_eq!(
        page.ending().await,
        (
            vec![end_invoke(1, true, r#""slept 300""#)],
            Ending::Closed(1001, "closing".to_owned())
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed as soon as the call ended"
    );
    wait_until("every connection is gone", || {
        served.interop.stats().connections == 0
    })
    .await;
    assert!(served.runtime(0).is_closed());
}

/// Frames of exactly the limit are read; one byte more closes with 1009 (text and binary).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frame_limit_is_max_message_size_plus_the_envelope() {
    let served = serve(ServerOptions {
        max_message_size: 2048,
        ..ServerOptions::default()
    })
    .await;
    let limit = 2048 + FRAME_ENVELOPE;
    let mut page = Page::open(&served.url()).await;
    page.binary(part(true, 0, 0, &vec![5; limit - 13])).await;
    assert_eq!(page.sync().await, vec![]);
    let mut page = Page::open(&served.url()).await;
    page.binary(part(true, 0, 0, &vec![5; limit - 12])).await;
    assert_eq!(
        page.ending().await,
        (vec![], Ending::Closed(1009, "closing".to_owned()))
    );
}

/// A call the page cancels gives its server-wide place back, once (a second cancel changes
/// nothing); a call still held because the page has not read its replies is cancelled when it
/// is dispatched, before it ever runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_calls_give_their_place_back_once_even_while_held() {
    let served = serve(ServerOptions {
        max_in_flight_calls: 1,
        write_buffer: 1024,
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&served.url()).await;
    let cancelled = |call_id| {
        end_invoke(
            call_id,
            false,
            "The call to 'RunUntilCancelled' was cancelled.",
        )
    };
    page.call(1, "Conformance", "RunUntilCancelled", r#"["edge-running"]"#)
        .await;
    wait_until("the call runs", || {
        served.interop.stats().in_flight_calls == 1
    })
    .await;
    page.text(r#"["CancelInvokeDotNetFromJS",1]"#).await;
    assert_eq!(page.next_frame().await, cancelled(1));
    wait_until("the place is given back", || {
        served.interop.stats().in_flight_calls == 0
    })
    .await;
    page.text(r#"["CancelInvokeDotNetFromJS",1]"#).await;
    page.call(2, "Edge", "Slow", "[1]").await;
    assert_eq!(page.next_frame().await, end_invoke(2, true, r#""slept 1""#));
    wait_until("the place is given back again", || {
        served.interop.stats().in_flight_calls == 0
    })
    .await;

    // The page stops reading: replies fill the socket and then its queue, and the next call is
    // held, then cancelled while held.
    let served = serve(ServerOptions {
        write_buffer: 1024,
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&served.url()).await;
    const REPLIES: u64 = 100;
    for call_id in 3..3 + REPLIES {
        page.call(call_id, "Edge", "BigAsync", "[262144]").await;
    }
    wait_until("replies wait for the page", || {
        served.interop.stats().queued_bytes >= 1024
    })
    .await;
    page.call(1000, "Conformance", "RunUntilCancelled", r#"["edge-held"]"#)
        .await;
    page.text(r#"["CancelInvokeDotNetFromJS",1000]"#).await;
    // Replies still waiting for room may come after the cancelled call.
    let mut replies = 0;
    let mut cancelled_seen = false;
    while replies < REPLIES || !cancelled_seen {
        match page.next_frame().await {
            frame if frame == cancelled(1000) => cancelled_seen = true,
            Frame::Text(text) if text.contains(",true,\"\\\"yyyy") => replies += 1,
            other => panic!("unexpected frame {other:?}"),
        }
    }
    assert!(
        interop_testkit::fixtures::cancel_events("edge-held").is_empty(),
        "the held call never ran"
    );
    assert_eq!(
        interop_testkit::fixtures::cancel_events("edge-running"),
        ["started", "dropped"]
    );
    wait_until("every place is given back", || {
        served.interop.stats().in_flight_calls == 0
    })
    .await;
}
