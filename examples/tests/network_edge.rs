//! Attacks on the web app (`blazor-sample`) from another process, as the internet would make
//! them: DNS rebinding and cross-site pages (host and origin policy, out of the box), and frames
//! far over the message limit (memory per frame). The app runs as its own process on
//! 127.0.0.1, so its `/proc` figures are its own.

mod spawned;
mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use spawned::WebApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The rebinding page's name: it resolves to the server's address, so the browser sends it as
/// the `Host` of every request it makes to the server.
const ATTACKER: &str = "attacker.example";

/// How large each attacking frame says it is: 30 MiB, thirty times the message limit.
const ATTACK_FRAME: u64 = 30 * 1024 * 1024;
/// How many sockets attack at once, per kind of frame.
const ATTACKERS: usize = 8;
/// The growth of the server's peak resident size the attacks may cause.
const MAX_PEAK_GROWTH_KIB: u64 = 64 * 1024;
/// Close code "message too big" (RFC 6455 §7.4.1).
const CLOSE_TOO_BIG: u16 = 1009;
/// A bound on each attack, far above what it takes; not a performance assertion.
const ATTACK_LIMIT: Duration = Duration::from_secs(30);

/// The routes a rebinding page would load: the page, the JS client, the bootstrap.
const ROUTES: [&str; 3] = ["/", "/_interop/client.js", "/_interop/connect.js"];

/// The `Sec-WebSocket-Key` of every raw upgrade (RFC 6455's sample nonce).
const WEBSOCKET_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A WebSocket upgrade of `/_interop/ws` naming `host`, with `origin` if given: the status
/// and the connection (a WebSocket when the status is 101).
async fn upgrade(app: &WebApp, host: &str, origin: Option<&str>) -> (u16, TcpStream) {
    let origin = origin.map_or(String::new(), |origin| format!("Origin: {origin}\r\n"));
    let (status, _, stream) = app
        .request(&format!(
            "GET /_interop/ws HTTP/1.1\r\nHost: {host}\r\n{origin}Upgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {WEBSOCKET_KEY}\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        ))
        .await;
    (status, stream)
}

/// A call over an upgraded connection, answered before the next frame: the reply's text.
async fn call<S>(
    socket: &mut WebSocketStream<S>,
    call_id: u64,
    identifier: &str,
    args: &str,
) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let frame = serde_json::json!([
        "BeginInvokeDotNetFromJS",
        call_id,
        "BlazorSample",
        identifier,
        null,
        args
    ]);
    socket
        .send(Message::text(frame.to_string()))
        .await
        .expect("the call is sent");
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return text.to_string(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("a reply to call {call_id}, got {other:?}"),
        }
    }
}

/// A page makes a sync call, an async call and a byte-array call.
async fn assert_page_served<S>(mut socket: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    assert_eq!(
        call(&mut socket, 1, "DifferentMethodName", "[]").await,
        r#"["EndInvokeDotNet",1,true,"[1,2,3]"]"#
    );
    assert_eq!(
        call(&mut socket, 2, "ReturnArrayAsync", "[]").await,
        r#"["EndInvokeDotNet",2,true,"[1,2,3]"]"#
    );
    let mut bytes = vec![1u8];
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(b"still served");
    socket
        .send(Message::binary(bytes))
        .await
        .expect("the byte array is sent");
    assert_eq!(
        call(&mut socket, 3, "ReceiveByteArray", r#"[{"__byte[]":0}]"#).await,
        r#"["EndInvokeDotNet",3,true,"\"still served\""]"#
    );
    socket.close(None).await.expect("the page closes");
}

/// A connection whose upgrade got 101 is a served page.
async fn assert_upgraded_page_served(stream: TcpStream) {
    assert_page_served(WebSocketStream::from_raw_socket(stream, Role::Client, None).await).await;
}

/// A new page on `127.0.0.1` is served (a WebSocket client as a page's browser would open).
async fn assert_still_serving(app: &WebApp) {
    let (socket, response) = tokio_tungstenite::connect_async(app.ws_url())
        .await
        .expect("a new page is upgraded");
    assert_eq!(response.status(), 101);
    assert_page_served(socket).await;
}

/// DNS rebinding: `attacker.example` resolves to the server, so its page's requests name it in
/// `Host` and `Origin`. Out of the box, none of the app's routes answer it, and its upgrade
/// (where Host and Origin agree, which a same-origin rule would accept) is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_rebinding_is_refused_out_of_the_box() {
    let app = WebApp::start(&[]);
    let port = app.port;
    for host in [format!("{ATTACKER}:{port}"), ATTACKER.to_owned()] {
        for route in ROUTES {
            let (status, body) = app.get(route, &host).await;
            assert_eq!(status, 403, "GET {route} with Host: {host}: {body}");
            assert!(body.contains("DNS rebinding"), "{body}");
        }
        let (status, _) = upgrade(&app, &host, Some(&format!("http://{host}"))).await;
        assert_eq!(status, 403, "the upgrade with Host: {host}");
        let (status, _) = upgrade(&app, &host, None).await;
        assert_eq!(status, 403, "the upgrade with Host: {host} and no Origin");
    }
    // The loopback names on another port (the port is part of the name a page uses).
    let other_port = port.wrapping_add(1);
    let (status, _) = app.get("/", &format!("localhost:{other_port}")).await;
    assert_eq!(status, 403, "localhost on another port");
    assert_still_serving(&app).await;
}

/// The names a page on the loopback server really uses, `localhost:PORT` and `127.0.0.1:PORT`,
/// get every route, and their pages' upgrades (Origin matching) get 101 and are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_names_are_served() {
    let app = WebApp::start(&[]);
    let port = app.port;
    for name in ["localhost", "127.0.0.1", "LocalHost"] {
        let host = format!("{name}:{port}");
        for route in ROUTES {
            let (status, body) = app.get(route, &host).await;
            assert_eq!(status, 200, "GET {route} with Host: {host}: {body}");
        }
        let (status, stream) = upgrade(&app, &host, Some(&format!("http://{host}"))).await;
        assert_eq!(status, 101, "the upgrade of a page on {host}");
        assert_upgraded_page_served(stream).await;
    }
}

/// A page of another origin may not open a socket to the server, even when it names the
/// server's own host: another site (cross-site WebSocket hijacking), another port of
/// localhost, a non-web scheme, and `Origin: null` (sandboxed frames, `file:` pages).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_origins_and_the_null_origin_are_refused() {
    let app = WebApp::start(&[]);
    let port = app.port;
    let host = format!("localhost:{port}");
    for origin in [
        "null".to_owned(),
        format!("http://{ATTACKER}:{port}"),
        format!("http://localhost:{}", port.wrapping_add(1)),
        format!("ftp://localhost:{port}"),
        format!("http://localhost.{ATTACKER}:{port}"),
    ] {
        let (status, _) = upgrade(&app, &host, Some(&origin)).await;
        assert_eq!(status, 403, "the upgrade from Origin: {origin}");
    }
    assert_still_serving(&app).await;
}

/// Reads server frames until a close frame: its code, or `None` if the connection ended
/// without one.
async fn close_code(read: &mut OwnedReadHalf) -> Option<u16> {
    loop {
        let mut head = [0u8; 2];
        read.read_exact(&mut head).await.ok()?;
        let length = match head[1] & 0x7f {
            126 => {
                let mut length = [0u8; 2];
                read.read_exact(&mut length).await.ok()?;
                u64::from(u16::from_be_bytes(length))
            }
            127 => {
                let mut length = [0u8; 8];
                read.read_exact(&mut length).await.ok()?;
                u64::from_be_bytes(length)
            }
            short => u64::from(short),
        };
        assert_eq!(head[1] & 0x80, 0, "server frames are not masked");
        assert!(length <= 1024 * 1024, "a server frame of {length} bytes");
        let mut payload = vec![0u8; usize::try_from(length).ok()?];
        read.read_exact(&mut payload).await.ok()?;
        if head[0] & 0x0f == 0x8 {
            return Some(
                payload
                    .get(..2)
                    .map_or(1005, |code| u16::from_be_bytes([code[0], code[1]])),
            );
        }
    }
}

/// What the attacker writes: one frame of `opcode` announcing [`ATTACK_FRAME`] bytes, then
/// as much of its payload (masked, as a client must) as the server takes, up to `send`
/// bytes. Returns the payload bytes written before the server stopped taking them.
async fn write_frame(mut write: OwnedWriteHalf, opcode: u8, prefix: Vec<u8>, send: u64) -> u64 {
    const MASK: [u8; 4] = [0x5a, 0xc3, 0x17, 0x88];
    const CHUNK: usize = 64 * 1024;
    let mut header = vec![0x80 | opcode, 0x80 | 127];
    header.extend_from_slice(&ATTACK_FRAME.to_be_bytes());
    header.extend_from_slice(&MASK);
    if write.write_all(&header).await.is_err() {
        return 0;
    }
    let mut written = 0u64;
    let mut chunk = vec![b'a'; CHUNK];
    while written < send {
        // The payload's first bytes look like a real message (a call, a byte array's header).
        let start = usize::try_from(written).unwrap_or(usize::MAX);
        for (offset, byte) in chunk.iter_mut().enumerate() {
            let plain = prefix.get(start + offset).copied().unwrap_or(b'a');
            *byte = plain ^ MASK[(start + offset) % 4];
        }
        let take = usize::try_from(send - written).map_or(CHUNK, |left| left.min(CHUNK));
        if write.write_all(&chunk[..take]).await.is_err() {
            break;
        }
        written += take as u64;
    }
    written
}

/// One attacker: a socket upgraded as a page on `127.0.0.1`, then one oversized frame. The
/// close code the server sent and the payload bytes written.
async fn attack(app: &WebApp, opcode: u8, prefix: Vec<u8>) -> (Option<u16>, u64) {
    let (status, stream) = upgrade(app, &app.host(), None).await;
    assert_eq!(status, 101, "the attacker's upgrade");
    let (mut read, write) = stream.into_split();
    let writer = tokio::spawn(write_frame(write, opcode, prefix, ATTACK_FRAME));
    let code = tokio::time::timeout(ATTACK_LIMIT, close_code(&mut read))
        .await
        .expect("the server answers the attack within the bound");
    // Once the server has closed, writing fails; a writer still blocked is stopped.
    let written = match tokio::time::timeout(ATTACK_LIMIT, writer).await {
        Ok(written) => written.expect("the writer ends"),
        Err(_) => panic!("the attacker could still write {ATTACK_LIMIT:?} after the close"),
    };
    (code, written)
}

/// [`ATTACKERS`] sockets at once, each sending one frame of `opcode`.
async fn attack_together(app: &WebApp, opcode: u8, prefix: &[u8]) -> Vec<(Option<u16>, u64)> {
    let attacks = (0..ATTACKERS).map(|_| attack(app, opcode, prefix.to_vec()));
    futures_util::future::join_all(attacks).await
}

/// Memory per frame: 8 sockets each sending one 30 MiB text frame, then 8 each sending one
/// 30 MiB binary frame (the message limit is 1 MiB). Each is closed with 1009 at the frame's
/// header, the server's peak resident size grows by less than 64 MiB, and it keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_of_30_mib_are_refused_at_their_header() {
    let app = WebApp::start(&["--stats"]);
    // A served page first, so the peak includes what serving one costs.
    assert_still_serving(&app).await;
    let (before, cpu_before) = (app.peak_rss_kib(), app.cpu_seconds());

    let call = br#"["BeginInvokeDotNetFromJS",1,"BlazorSample","ReceiveByteArray",null,["#;
    let mut byte_array = vec![1u8];
    byte_array.extend_from_slice(&0u64.to_le_bytes());
    byte_array.extend_from_slice(&0u32.to_le_bytes());
    for (kind, opcode, prefix) in [("text", 0x1, call.to_vec()), ("binary", 0x2, byte_array)] {
        let results = attack_together(&app, opcode, &prefix).await;
        for (attacker, (code, written)) in results.iter().enumerate() {
            assert_eq!(
                *code,
                Some(CLOSE_TOO_BIG),
                "{kind} attacker {attacker} (wrote {written} payload bytes)"
            );
        }
        let written: Vec<u64> = results.iter().map(|(_, written)| written / 1024).collect();
        eprintln!("{kind} frames of {ATTACK_FRAME} bytes: KiB of payload each attacker wrote before the close: {written:?}");
    }

    // Nothing of the attackers is left: no connection, no staged byte.
    app.wait_for_idle().await;
    let after = app.peak_rss_kib();
    let growth = after.saturating_sub(before);
    eprintln!(
        "server peak resident size: {before} KiB before {} attacking frames of 30 MiB, {after} KiB after (+{growth} KiB); the attacks cost it {:.2} s of CPU",
        2 * ATTACKERS,
        app.cpu_seconds() - cpu_before
    );
    assert!(
        growth < MAX_PEAK_GROWTH_KIB,
        "the server's peak grew by {growth} KiB (limit {MAX_PEAK_GROWTH_KIB} KiB)"
    );
    assert_still_serving(&app).await;
}

/// The same 30 MiB as one text message in 64 KiB fragments (each frame small): the message
/// limit counts the fragments together, so each socket is closed with 1009 once they pass it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_in_small_fragments_is_refused_at_the_limit() {
    const FRAGMENT: usize = 64 * 1024;
    let app = WebApp::start(&["--stats"]);
    assert_still_serving(&app).await;
    let before = app.peak_rss_kib();
    let attacks = (0..ATTACKERS).map(|_| async {
        let (status, stream) = upgrade(&app, &app.host(), None).await;
        assert_eq!(status, 101, "the attacker's upgrade");
        let (mut read, mut write) = stream.into_split();
        let writer = tokio::spawn(async move {
            let mut sent = 0usize;
            let payload = vec![b'a'; FRAGMENT];
            while (sent as u64) < ATTACK_FRAME {
                // First frame: text, not final; then continuations; the last one final.
                let opcode = if sent == 0 { 0x1 } else { 0x0 };
                let last = (sent + FRAGMENT) as u64 >= ATTACK_FRAME;
                let mut frame = vec![if last { 0x80 } else { 0 } | opcode, 0x80 | 127];
                frame.extend_from_slice(&(FRAGMENT as u64).to_be_bytes());
                frame.extend_from_slice(&[0; 4]);
                frame.extend_from_slice(&payload);
                if write.write_all(&frame).await.is_err() {
                    break;
                }
                sent += FRAGMENT;
            }
            sent
        });
        let code = tokio::time::timeout(ATTACK_LIMIT, close_code(&mut read))
            .await
            .expect("the server answers within the bound");
        let sent = tokio::time::timeout(ATTACK_LIMIT, writer)
            .await
            .expect("the attacker cannot write on after the close")
            .expect("the writer ends");
        (code, sent)
    });
    for (attacker, (code, sent)) in futures_util::future::join_all(attacks)
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            code,
            Some(CLOSE_TOO_BIG),
            "attacker {attacker} (sent {sent} bytes of fragments)"
        );
    }
    app.wait_for_idle().await;
    let growth = app.peak_rss_kib().saturating_sub(before);
    eprintln!(
        "server peak resident size after {ATTACKERS} fragmented 30 MiB messages: +{growth} KiB"
    );
    assert!(
        growth < MAX_PEAK_GROWTH_KIB,
        "the server's peak grew by {growth} KiB (limit {MAX_PEAK_GROWTH_KIB} KiB)"
    );
    assert_still_serving(&app).await;
}

/// Calls `CallPageFunction`, whose Rust calls the page's `identifier`; the page fails that
/// call with `secret`. The text the page gets for its call.
async fn page_function_failure(app: &WebApp, secret: &str) -> String {
    let (mut socket, _) = tokio_tungstenite::connect_async(app.ws_url())
        .await
        .expect("a page is upgraded");
    let frame = serde_json::json!([
        "BeginInvokeDotNetFromJS",
        1,
        "BlazorSample",
        "CallPageFunction",
        null,
        r#"["readSecrets"]"#
    ]);
    socket
        .send(Message::text(frame.to_string()))
        .await
        .expect("the call is sent");
    loop {
        let Some(Ok(Message::Text(text))) = socket.next().await else {
            panic!("the connection ended before the call was answered");
        };
        let message: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        match message[0].as_str() {
            Some("BeginInvokeJS") => {
                assert_eq!(message[2], "readSecrets", "{text}");
                let handle = &message[1];
                let triple = serde_json::json!([handle, false, secret]).to_string();
                let completion =
                    serde_json::json!(["EndInvokeJSFromDotNet", handle, false, triple]);
                socket
                    .send(Message::text(completion.to_string()))
                    .await
                    .expect("the completion is sent");
            }
            Some("EndInvokeDotNet") => {
                assert_eq!(message[1], 1, "{text}");
                assert_eq!(message[2], false, "{text}");
                return message[3].as_str().expect("an error text").to_owned();
            }
            _ => panic!("an unexpected message: {text}"),
        }
    }
}

/// What a failure of Rust code reveals: out of the box, a generic text naming the call (the
/// error, here one carrying a path and a password, only goes to the server's log); with
/// `--detailed-errors`, the error's own text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_errors_are_hidden_unless_detailed_errors_are_on() {
    const SECRET: &str = "open /srv/app/.env: password=hunter2";
    let app = WebApp::start(&[]);
    let text = page_function_failure(&app, SECRET).await;
    assert_eq!(
        text,
        "There was an exception invoking 'CallPageFunction' on assembly 'BlazorSample'. For more details turn on detailed errors in the runtime options"
    );
    let app = WebApp::start(&["--detailed-errors"]);
    let text = page_function_failure(&app, SECRET).await;
    assert!(text.contains(SECRET), "{text}");
}
