//! Connections are isolated (ids, staged bytes, extensions, allowed assemblies), nothing
//! outlives a connection that drops, and `shutdown()` closes everything.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use common::{
    assert_served, begin_invoke_js, end_invoke, receive_byte_array, unknown_object, wait_until,
    Ending, Page,
};
use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};
use interop_server::{InteropServer, ServerOptions, ServerStats};
use tokio_tungstenite::tungstenite;

/// The signed-in user, attached by `on_connect`.
struct User(String);

/// Reads the connection's user from the runtime the call came from.
#[jsinvokable("WhoAmI", assembly = "Isolation")]
pub fn who_am_i(runtime: JsRuntime) -> Option<String> {
    runtime.extension::<User>().map(|user| user.0.clone())
}

/// Objects alive now (created and not dropped).
static LIVE_TRACKED: AtomicUsize = AtomicUsize::new(0);

/// An object that counts itself, to see that a closed connection releases its objects.
pub struct Tracked;

impl Drop for Tracked {
    fn drop(&mut self) {
        LIVE_TRACKED.fetch_sub(1, Ordering::SeqCst);
    }
}

#[jsinvokable]
impl Tracked {
    /// Something to call.
    #[jsinvokable("Ping")]
    pub fn ping(&self) -> String {
        "pong".to_owned()
    }
}

/// A new counted object.
#[jsinvokable("NewTracked", assembly = "Isolation")]
pub fn new_tracked() -> ObjectRef<Tracked> {
    LIVE_TRACKED.fetch_add(1, Ordering::SeqCst);
    ObjectRef::new(Tracked)
}

/// Sleeps `ms` milliseconds: a call that stays in flight.
#[jsinvokable("Sleep", assembly = "Isolation")]
pub async fn sleep_ms(ms: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Object ids, Rust→JS handles and staged byte arrays of one connection mean nothing on
/// another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_mean_nothing_on_another_connection() {
    let server = common::start(ServerOptions::default()).await;
    let mut a = Page::open(&server.url).await;
    let mut b = Page::open(&server.url).await;
    let (runtime_a, runtime_b) = (server.runtime(0), server.runtime(1));
    assert!(!runtime_a.same_runtime(&runtime_b));

    assert_eq!(
        a.round_trip(1, "Conformance", "NewCounter", "[10]").await,
        vec![end_invoke(1, true, r#"{"__dotNetObject":1}"#)]
    );
    a.call(2, "Conformance", "CallBack", r#"["onA"]"#).await;
    assert_eq!(a.next_frame().await, begin_invoke_js(1, "onA", "[]", 0));
    a.byte_array(0, &[1, 2, 3]).await;
    assert_eq!(a.sync().await, vec![]);

    // A's object 1, as target and as argument, and A's handle 1 and staged bytes, on B.
    b.call_object(1, 1, "Add", "[1]").await;
    b.call_object(2, 1, "__Dispose", "null").await;
    b.call(
        3,
        "Conformance",
        "CounterValue",
        r#"[{"__dotNetObject":1}]"#,
    )
    .await;
    b.complete(r#"[1,true,"from B"]"#).await;
    b.call(4, "Conformance", "ReverseBytes", r#"[{"__byte[]":0}]"#)
        .await;
    assert_eq!(
        b.sync().await,
        vec![
            end_invoke(1, false, &unknown_object(1)),
            end_invoke(2, false, &unknown_object(1)),
            end_invoke(3, false, &unknown_object(1)),
            end_invoke(
                4,
                false,
                "JSON serialization is attempting to deserialize an unexpected byte array."
            ),
        ]
    );
    assert_eq!(runtime_a.pending_js_call_count(), 1);
    assert_eq!(runtime_a.tracked_object_count(), 1);
    assert_eq!(runtime_b.tracked_object_count(), 0);

    // A's staged bytes are intact (the next call on A uses them).
    a.call(3, "Conformance", "ReverseBytes", r#"[{"__byte[]":0}]"#)
        .await;
    assert_eq!(
        a.sync().await,
        vec![
            receive_byte_array(1, &[3, 2, 1]),
            end_invoke(3, true, r#"{"__byte[]":1}"#)
        ]
    );

    // B's own object 1 is another object.
    assert_eq!(
        b.round_trip(5, "Conformance", "NewCounter", "[20]").await,
        vec![end_invoke(5, true, r#"{"__dotNetObject":1}"#)]
    );
    b.call_object(6, 1, "Add", "[1]").await;
    assert_eq!(b.sync().await, vec![end_invoke(6, true, "21")]);
    a.call_object(4, 1, "Add", "[1]").await;
    assert_eq!(a.sync().await, vec![end_invoke(4, true, "11")]);

    // A's handle is intact.
    a.complete(r#"[1,true,"from A"]"#).await;
    assert_eq!(a.until(&end_invoke(2, true, r#""from A""#)).await, vec![]);
    assert_eq!(b.sync().await, vec![]);
}

/// `on_connect` attaches a value each method taking `JsRuntime` reads back, per connection;
/// a refusal answers the upgrade with its status and opens nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_connect_extensions_and_refusals() {
    let seen = Arc::new(Mutex::new(Vec::<JsRuntime>::new()));
    let kept = Arc::clone(&seen);
    let interop =
        InteropServer::new(ServerOptions::default()).on_connect(move |request, runtime| {
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(runtime.clone());
            let user = request
                .uri
                .query()
                .and_then(|query| query.strip_prefix("user="));
            match user {
                Some(user) => {
                    runtime.insert_extension(User(user.to_owned()));
                    Ok(())
                }
                None => Err((StatusCode::UNAUTHORIZED, "sign in first".to_owned())),
            }
        });
    let url = common::serve(&interop).await;
    let mut amy = Page::open(&format!("{url}?user=amy")).await;
    let mut bob = Page::open(&format!("{url}?user=bob")).await;
    assert_eq!(
        amy.round_trip(1, "Isolation", "WhoAmI", "[]").await,
        vec![end_invoke(1, true, r#""amy""#)]
    );
    assert_eq!(
        bob.round_trip(1, "Isolation", "WhoAmI", "[]").await,
        vec![end_invoke(1, true, r#""bob""#)]
    );
    // The runtime is injected, not an argument: extra arguments are ignored as for any
    // zero-parameter method.
    assert_eq!(
        amy.round_trip(2, "Isolation", "WhoAmI", r#"["bob"]"#).await,
        vec![end_invoke(2, true, r#""amy""#)]
    );

    let refused = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect_err("the upgrade is refused");
    let tungstenite::Error::Http(response) = refused else {
        panic!("not an HTTP refusal: {refused}");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.body().as_deref(), Some(&b"sign in first"[..]));
    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[2].is_closed(),
        "the refused connection's runtime is closed"
    );
    assert!(!seen[0].is_closed());
    assert_eq!(interop.stats().connections, 2);
    assert_eq!(
        seen[0].extension::<User>().map(|user| user.0.clone()),
        Some("amy".to_owned())
    );
    assert!(seen[2].extension::<User>().is_none());
}

/// `RuntimeOptions::allowed_assemblies`: other assemblies answer as if they did not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_assemblies() {
    let server = common::start(ServerOptions {
        runtime: ServerOptions::default()
            .runtime
            .allowed_assemblies(Some(["Isolation"])),
        ..ServerOptions::default()
    })
    .await;
    let mut page = Page::open(&server.url).await;
    page.call(1, "Conformance", "Echo", r#"["hi"]"#).await;
    page.call(2, "Conformance", "NewCounter", "[1]").await;
    page.call(3, "Nowhere", "Echo", r#"["hi"]"#).await;
    page.call(4, "Isolation", "WhoAmI", "[]").await;
    page.call(5, "Isolation", "NewTracked", "[]").await;
    assert_eq!(
        page.sync().await,
        vec![
            end_invoke(
                1,
                false,
                "There is no loaded assembly with the name 'Conformance'."
            ),
            end_invoke(
                2,
                false,
                "There is no loaded assembly with the name 'Conformance'."
            ),
            end_invoke(
                3,
                false,
                "There is no loaded assembly with the name 'Nowhere'."
            ),
            end_invoke(4, true, "null"),
            end_invoke(5, true, r#"{"__dotNetObject":1}"#),
        ]
    );
    // Instance calls on objects the page got from an allowed assembly work.
    page.call_object(6, 1, "Ping", "[]").await;
    page.call_object(7, 1, "__Dispose", "null").await;
    assert_eq!(
        page.sync().await,
        vec![
            end_invoke(6, true, r#""pong""#),
            end_invoke(7, true, "null")
        ]
    );
}

/// Connections that create objects, leave calls pending both ways and bytes staged, then drop
/// abruptly, leave nothing behind: no connection, no task, no object, no pending call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abruptly_dropped_connections_leave_nothing_behind() {
    const PAGES: usize = 12;
    let server = common::start(ServerOptions::default()).await;
    let start = server.interop.stats();
    assert_eq!(start.connections, 0);
    let mut pages = Vec::new();
    let mut from_server = Vec::new();
    for index in 0..PAGES {
        let mut page = Page::open(&server.url).await;
        let runtime = server.runtime(index);
        for call_id in 1..=3 {
            assert_eq!(
                page.round_trip(call_id, "Isolation", "NewTracked", "[]")
                    .await,
                vec![end_invoke(
                    call_id,
                    true,
                    &format!(r#"{{"__dotNetObject":{call_id}}}"#)
                )]
            );
        }
        assert_eq!(
            page.round_trip(4, "Conformance", "NewCounter", "[0]").await,
            vec![end_invoke(4, true, r#"{"__dotNetObject":4}"#)]
        );
        page.call(5, "Conformance", "CallBack", r#"["pending"]"#)
            .await;
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(1, "pending", "[]", 0)
        );
        page.call_object(6, 4, "AskJs", r#"["also pending"]"#).await;
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(2, "also pending", "[]", 0)
        );
        from_server.push(tokio::spawn(runtime.invoke::<String>("fromServer", ())));
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(3, "fromServer", "[]", 0)
        );
        page.byte_array(0, &[1, 2, 3]).await;
        assert_eq!(page.sync().await, vec![]);
        assert_eq!(
            (
                runtime.tracked_object_count(),
                runtime.pending_js_call_count(),
                runtime.in_flight_call_count()
            ),
            (4, 3, 2)
        );
        pages.push(page);
    }
    assert_eq!(
        server.interop.stats(),
        ServerStats {
            connections: PAGES,
            live_tasks: start.live_tasks + 2 * PAGES,
            in_flight_calls: start.in_flight_calls + 2 * PAGES,
            // Each page's 3 bytes, counted as 4, wait for the frame that names them.
            staged_bytes: 4 * PAGES,
            tracked_objects: 4 * PAGES,
            queued_bytes: 0,
        }
    );
    assert_eq!(LIVE_TRACKED.load(Ordering::SeqCst), 3 * PAGES);

    // Half vanish without a close handshake, half with a reset.
    for (index, page) in pages.into_iter().enumerate() {
        if index % 2 == 1 {
            if let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = page.socket.get_ref() {
                tcp.set_zero_linger().expect("SO_LINGER 0");
            }
        }
        drop(page);
    }
    wait_until("every connection and task is gone", || {
        server.interop.stats() == start
    })
    .await;
    for index in 0..PAGES {
        let runtime = server.runtime(index);
        assert!(runtime.is_closed(), "runtime {index}");
        assert_eq!(
            (
                runtime.tracked_object_count(),
                runtime.pending_js_call_count(),
                runtime.in_flight_call_count()
            ),
            (0, 0, 0),
            "runtime {index}"
        );
    }
    assert_eq!(LIVE_TRACKED.load(Ordering::SeqCst), 0);
    for call in from_server {
        assert_eq!(
            call.await.expect("the task ran"),
            Err(JsError::Disconnected)
        );
    }
    assert_served(&server.url).await;
    wait_until("the last page is gone too", || {
        server.interop.stats() == start
    })
    .await;
}

/// The same with no `on_connect` keeping the runtimes (as in the web app): a runtime goes away
/// with its connection while its calls are still in flight (one awaiting the page, one still
/// running), and the server's budget of in-flight calls gets every one back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_when_an_unkept_runtime_goes_are_given_back() {
    const PAGES: usize = 20;
    let interop = InteropServer::new(ServerOptions::default());
    let url = common::serve(&interop).await;
    let mut pages = Vec::new();
    for _ in 0..PAGES {
        let mut page = Page::open(&url).await;
        page.call(1, "Conformance", "CallBack", r#"["pending"]"#)
            .await;
        assert_eq!(
            page.next_frame().await,
            begin_invoke_js(1, "pending", "[]", 0)
        );
        page.call(2, "Isolation", "Sleep", "[60000]").await;
        assert_eq!(page.sync().await, vec![]);
        pages.push(page);
    }
    assert_eq!(interop.stats().in_flight_calls, 2 * PAGES);
    drop(pages);
    wait_until("every connection and task is gone", || {
        let stats = interop.stats();
        stats.connections == 0 && stats.live_tasks == 0
    })
    .await;
    // Every runtime and task is gone: nothing may still be counted.
    assert_eq!(
        interop.stats(),
        ServerStats {
            connections: 0,
            live_tasks: 0,
            in_flight_calls: 0,
            staged_bytes: 0,
            tracked_objects: 0,
            queued_bytes: 0,
        }
    );
    assert_served(&url).await;
}

/// `shutdown()` refuses new upgrades with 503 at once; a call that cannot finish within
/// `shutdown_grace` is cut off: every open connection is closed with 1001 (its runtime
/// closes, its calls end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_connections_and_refuses_new_ones() {
    let server = common::start(ServerOptions {
        shutdown_grace: std::time::Duration::from_millis(300),
        ..ServerOptions::default()
    })
    .await;
    let mut idle = Page::open(&server.url).await;
    let mut busy = Page::open(&server.url).await;
    busy.call(1, "Conformance", "CallBack", r#"["pending"]"#)
        .await;
    assert_eq!(
        busy.next_frame().await,
        begin_invoke_js(1, "pending", "[]", 0)
    );
    assert_eq!(
        idle.round_trip(1, "Conformance", "Echo", r#"["before"]"#)
            .await,
        vec![end_invoke(1, true, r#""before""#)]
    );
    assert_eq!(server.interop.stats().live_tasks, 1);

    server.interop.shutdown();
    let closed = (vec![], Ending::Closed(1001, "closing".to_owned()));
    assert_eq!(idle.ending().await, closed);
    assert_eq!(busy.ending().await, closed);
    wait_until("every connection and task is gone", || {
        server.interop.stats()
            == ServerStats {
                connections: 0,
                live_tasks: 0,
                in_flight_calls: 0,
                staged_bytes: 0,
                tracked_objects: 0,
                queued_bytes: 0,
            }
    })
    .await;
    assert!(server.runtime(0).is_closed());
    assert!(server.runtime(1).is_closed());

    let refused = tokio_tungstenite::connect_async(server.url.as_str())
        .await
        .expect_err("the upgrade is refused");
    let tungstenite::Error::Http(response) = refused else {
        panic!("not an HTTP refusal: {refused}");
    };
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.body().as_deref(),
        Some(&b"the server is shutting down"[..])
    );
    assert_eq!(
        server.runtime_count(),
        2,
        "no runtime for a refused upgrade"
    );
}

/// A process that ends as soon as `serve` returns (the web app's `main` does) still closes
/// every page with 1001, busy pages included: `serve` returns only once the close frames are
/// written, and each carries 1001. Before, axum did not wait for upgraded connections (a
/// stopped web app closed 20 of 150 sockets without a close frame), and a writer that saw the
/// server close before its reader did sent 1000 (5 of 150).
#[test]
fn serve_returns_once_every_page_has_its_close_frame() {
    // Twenty servers of 64 pages: before, every run had sockets without their frame; with that
    // fixed, 2 runs of 5 still had a socket closed with 1000.
    for _ in 0..20 {
        stop_a_server_under_busy_pages(64);
    }
}

/// The next frame a server sent on a raw socket: its opcode and payload.
fn raw_frame(socket: &mut std::net::TcpStream) -> (u8, Vec<u8>) {
    use std::io::Read;
    let mut head = [0; 2];
    socket
        .read_exact(&mut head)
        .expect("a frame, not the end of the socket");
    let length = match head[1] & 0x7f {
        126 => {
            let mut length = [0; 2];
            socket.read_exact(&mut length).expect("a length");
            usize::from(u16::from_be_bytes(length))
        }
        length => usize::from(length),
    };
    let mut payload = vec![0; length];
    socket.read_exact(&mut payload).expect("a payload");
    (head[0] & 0x0f, payload)
}

/// Serves `pages` raw sockets that keep the server busy with pings, stops the server from
/// inside its runtime and drops the runtime as soon as `serve` returns; every socket must then
/// hold a close frame with 1001 after its pongs.
fn stop_a_server_under_busy_pages(pages: usize) {
    use std::io::{Read, Write};

    let interop = InteropServer::new(ServerOptions::default());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let handle = runtime.handle().clone();
    let server = {
        let interop = interop.clone();
        std::thread::spawn(move || {
            let served = runtime.block_on(interop.serve(listener, interop.router()));
            // As at the end of `main`: whatever still runs on the runtime is dropped.
            drop(runtime);
            served
        })
    };
    let mut sockets: Vec<_> = (0..pages)
        .map(|_| {
            let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
            write!(
                socket,
                "GET /_interop/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\n\
                 Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            )
            .expect("the upgrade is sent");
            // Up to the end of the 101's head, byte by byte: nothing after it is consumed.
            let mut head = Vec::new();
            let mut byte = [0];
            while !head.ends_with(b"\r\n\r\n") {
                socket.read_exact(&mut byte).expect("an answer");
                head.push(byte[0]);
            }
            assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");
            socket
        })
        .collect();
    // Every page sends pings (masked text frames, key 0), and the server is stopped meanwhile.
    let mut pings = Vec::new();
    for number in 0..20 {
        let ping = format!(r#"["Ping",{number}]"#);
        pings.extend_from_slice(&[0x81, 0x80 | ping.len() as u8, 0, 0, 0, 0]);
        pings.extend_from_slice(ping.as_bytes());
    }
    for socket in &mut sockets {
        socket.write_all(&pings).expect("the pings are sent");
    }
    // From the runtime, as the web app's Ctrl-C handler does.
    let stopping = interop.clone();
    handle.spawn(async move { stopping.shutdown() });
    server
        .join()
        .expect("the server thread ends")
        .expect("serve ends well");
    for socket in &mut sockets {
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("a timeout can be set");
        let close = loop {
            match raw_frame(socket) {
                (0x1, pong) => assert!(pong.starts_with(br#"["Pong","#), "{pong:?}"),
                (0x8, close) => break close,
                (opcode, payload) => panic!("frame {opcode}: {payload:?}"),
            }
        };
        assert_eq!(u16::from_be_bytes([close[0], close[1]]), 1001, "{close:?}");
    }
}
