//! Calls over a real WebSocket to a real `InteropServer`, side by side with a raw WebSocket
//! echo on the same axum server, in one run (criterion groups `ws_roundtrip small call` and
//! `ws_roundtrip 256 KiB`).
//!
//! Setup: one tokio multi-thread runtime with 2 workers runs both ends: an axum server on
//! 127.0.0.1 (the interop router plus a `/echo` route) and tokio-tungstenite clients, one
//! connection per variant, opened once and kept across batches; TCP_NODELAY on both ends. Each criterion batch of `n`
//! iterations runs as one task on the runtime and times itself (`iter_custom`), so the clock
//! starts and stops inside the runtime, not around a `block_on` from the bench thread. One
//! iteration is one call (criterion's `elem/s` is calls per second). Client and server share
//! the 2 workers, so the client's own work (tungstenite masks and copies every frame it sends)
//! is in every variant: compare variants of the same run, not absolute figures across runs.
//!
//! 1. `interop sequential`: the client sends
//!    `["BeginInvokeDotNetFromJS",id,"Bench","Echo",null,"[\"x\"]"]` and waits for
//!    `["EndInvokeDotNet",id,true,"\"x\""]`, one call at a time.
//! 2. `interop 64 in flight`: the same calls pipelined: 64 are sent, then each reply read lets
//!    one more call go, until `n` replies were counted.
//! 3. `raw echo sequential` and `raw echo 64 in flight`: the same loops against `/echo`, an axum
//!    handler that sends every text or binary frame back (one `recv`/`send` loop, no queue).
//!    The client sends the very same call text (same size, same id formatting), so the frame
//!    up is identical and the frame down is the call frame (25 bytes longer than the real
//!    reply, nothing at loopback). This is the floor: WebSocket framing, TCP over loopback and
//!    the scheduler, with no decoding, dispatch or writer queue.
//! 4. `byte array (binary frame)`: a binary frame (kind 1, index 0, 13-byte header, 256 KiB)
//!    then `["BeginInvokeDotNetFromJS",1,"Bench","ByteLength",null,"[{\"__byte[]\":0}]"]` to a
//!    fn taking `ByteArray` and returning its length; waits for the reply, one at a time.
//!    `base64 in JSON (pre-encoded)`: the same 256 KiB sent as one base64 string inside the
//!    args (349,528 characters) to a fn taking `String`, decoding it with the `base64` crate
//!    and returning the decoded length. The base64 text and both whole frames are built ONCE
//!    before timing (only the call is timed, not the encoding, which favours base64: a page
//!    holding bytes would pay `btoa` too); both reuse call id 1 since calls do not overlap.
//!
//! Targets (reported, not asserted): 1 ≥ 70% of 3 sequential, 2 ≥ 70% of 3 in flight, and the
//! byte array ≥ 2x faster than base64. Every reply is checked in the timed loop (a cheap
//! suffix compare, the same check in each variant; the 256 KiB replies are compared whole), and each variant's
//! reply is compared in full once before timing.

use std::time::{Duration, Instant};

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use futures_util::{SinkExt, StreamExt};
use interop_runtime::{jsinvokable, ByteArray};
use interop_server::{InteropServer, ServerOptions};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[jsinvokable("Echo", assembly = "Bench")]
fn echo(text: String) -> String {
    text
}

#[jsinvokable("ByteLength", assembly = "Bench")]
fn byte_length(bytes: ByteArray) -> usize {
    bytes.len()
}

#[jsinvokable("Base64Length", assembly = "Bench")]
fn base64_length(text: String) -> Result<usize, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map(|bytes| bytes.len())
        .map_err(|error| error.to_string())
}

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Calls kept outstanding in the pipelined variants.
const IN_FLIGHT: u64 = 64;
const BIG: usize = 256 * 1024;

fn call_frame(id: u64) -> Message {
    Message::text(format!(
        r#"["BeginInvokeDotNetFromJS",{id},"Bench","Echo",null,"[\"x\"]"]"#
    ))
}

/// The tail of a successful reply to `call_frame` (the id comes before it).
const CALL_REPLY_TAIL: &str = r#",true,"\"x\""]"#;
/// The tail of `call_frame`, so of its echo.
const CALL_TAIL: &str = r#",null,"[\"x\"]"]"#;

/// The raw baseline: every text or binary frame goes straight back.
async fn echo_socket(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        use axum::extract::ws::Message as M;
        match message {
            M::Text(_) | M::Binary(_) => {
                if socket.send(message).await.is_err() {
                    break;
                }
            }
            M::Close(_) => break,
            M::Ping(_) | M::Pong(_) => {}
        }
    }
}

async fn start(server: &InteropServer) -> String {
    let app = server.router().route(
        "/echo",
        get(|upgrade: WebSocketUpgrade| async move { upgrade.on_upgrade(echo_socket) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let shutdown = server.shutdown_signal();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .expect("serve");
    });
    format!("ws://{address}")
}

async fn connect(url: String) -> Client {
    // `true`: TCP_NODELAY, as on the server's side.
    let (client, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .expect("connect");
    client
}

/// The next text frame (pings and pongs skipped).
async fn next_text(client: &mut Client) -> tokio_tungstenite::tungstenite::Utf8Bytes {
    loop {
        match client.next().await.expect("a frame").expect("no error") {
            Message::Text(text) => return text,
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// What a variant sends and how its replies are checked.
#[derive(Clone, Copy)]
enum Kind {
    Interop,
    Echo,
}

impl Kind {
    fn check(self, reply: &str) {
        let ok = match self {
            Kind::Interop => reply.ends_with(CALL_REPLY_TAIL),
            Kind::Echo => reply.ends_with(CALL_TAIL),
        };
        assert!(ok, "unexpected reply {reply}");
    }
}

async fn sequential(client: &mut Client, kind: Kind, first_id: u64, n: u64) -> Duration {
    let start = Instant::now();
    for id in first_id..first_id + n {
        client.send(call_frame(id)).await.expect("send");
        let reply = next_text(client).await;
        kind.check(reply.as_str());
    }
    start.elapsed()
}

async fn pipelined(client: &mut Client, kind: Kind, first_id: u64, n: u64) -> Duration {
    let start = Instant::now();
    let end = first_id + n;
    let mut next = first_id;
    while next < end && next - first_id < IN_FLIGHT {
        client.feed(call_frame(next)).await.expect("send");
        next += 1;
    }
    client.flush().await.expect("flush");
    for _ in first_id..end {
        let reply = next_text(client).await;
        kind.check(reply.as_str());
        if next < end {
            client.send(call_frame(next)).await.expect("send");
            next += 1;
        }
    }
    start.elapsed()
}

async fn big_call(client: &mut Client, frames: &[Message], expected: &str, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        for frame in frames {
            client.feed(frame.clone()).await.expect("send");
        }
        client.flush().await.expect("flush");
        let reply = next_text(client).await;
        assert!(reply.as_str() == expected, "unexpected reply {reply}");
    }
    start.elapsed()
}

/// A client connection that batches borrow: each batch runs as one task on the runtime.
struct Slot {
    client: Option<Client>,
    /// Ids go up across batches and start at 10^9 so every frame has the same length.
    next_id: u64,
}

impl Slot {
    fn new(client: Client) -> Self {
        Slot {
            client: Some(client),
            next_id: 1_000_000_000,
        }
    }

    fn run<F>(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        n: u64,
        batch: impl FnOnce(Client, u64) -> F,
    ) -> Duration
    where
        F: std::future::Future<Output = (Client, Duration)> + Send + 'static,
    {
        let client = self.client.take().expect("a client");
        let task = batch(client, self.next_id);
        let (client, elapsed) = runtime.block_on(runtime.spawn(task)).expect("the batch");
        self.client = Some(client);
        self.next_id += n;
        elapsed
    }
}

fn ws_roundtrip(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = InteropServer::new(ServerOptions::default());
    let base = runtime.block_on(start(&server));
    let interop_url = format!("{base}/_interop/ws");
    let echo_url = format!("{base}/echo");

    // Both whole 256 KiB frames, built once, before any timing.
    let bytes: Vec<u8> = (0..BIG).map(|i| (i * 7 + 3) as u8).collect();
    let mut binary = Vec::with_capacity(13 + BIG);
    binary.push(1u8);
    binary.extend_from_slice(&0u64.to_le_bytes());
    binary.extend_from_slice(&0u32.to_le_bytes());
    binary.extend_from_slice(&bytes);
    let byte_array_frames = vec![
        Message::binary(binary),
        Message::text(
            r#"["BeginInvokeDotNetFromJS",1,"Bench","ByteLength",null,"[{\"__byte[]\":0}]"]"#,
        ),
    ];
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let base64_frames = vec![Message::text(format!(
        r#"["BeginInvokeDotNetFromJS",1,"Bench","Base64Length",null,"[\"{encoded}\"]"]"#
    ))];
    let big_reply = format!(r#"["EndInvokeDotNet",1,true,"{BIG}"]"#);

    let (interop_seq, interop_pipe, echo_seq, echo_pipe, bytes_client, base64_client) = runtime
        .block_on(async {
            (
                connect(interop_url.clone()).await,
                connect(interop_url.clone()).await,
                connect(echo_url.clone()).await,
                connect(echo_url.clone()).await,
                connect(interop_url.clone()).await,
                connect(interop_url.clone()).await,
            )
        });
    let mut interop_seq = Slot::new(interop_seq);
    let mut interop_pipe = Slot::new(interop_pipe);
    let mut echo_seq = Slot::new(echo_seq);
    let mut echo_pipe = Slot::new(echo_pipe);
    let mut bytes_client = Slot::new(bytes_client);
    let mut base64_client = Slot::new(base64_client);

    // Setup check (not timed): every variant gets its full, exact reply.
    runtime.block_on(async {
        let id = 1_000_000_000;
        let client = interop_seq.client.as_mut().expect("client");
        client.send(call_frame(id)).await.expect("send");
        assert_eq!(
            next_text(client).await.as_str(),
            format!(r#"["EndInvokeDotNet",{id},true,"\"x\""]"#)
        );
        let client = echo_seq.client.as_mut().expect("client");
        client.send(call_frame(id)).await.expect("send");
        assert_eq!(
            Message::Text(next_text(client).await),
            call_frame(id),
            "the echo"
        );
        for (slot, frames) in [
            (&mut bytes_client, &byte_array_frames),
            (&mut base64_client, &base64_frames),
        ] {
            let client = slot.client.as_mut().expect("client");
            big_call(client, frames, &big_reply, 1).await;
        }
    });

    let mut group = c.benchmark_group("ws_roundtrip small call");
    group.throughput(Throughput::Elements(1));
    group.bench_function("interop sequential", |b| {
        b.iter_custom(|n| {
            interop_seq.run(&runtime, n, move |mut client, id| async move {
                let elapsed = sequential(&mut client, Kind::Interop, id, n).await;
                (client, elapsed)
            })
        })
    });
    group.bench_function("raw echo sequential", |b| {
        b.iter_custom(|n| {
            echo_seq.run(&runtime, n, move |mut client, id| async move {
                let elapsed = sequential(&mut client, Kind::Echo, id, n).await;
                (client, elapsed)
            })
        })
    });
    group.bench_function("interop 64 in flight", |b| {
        b.iter_custom(|n| {
            interop_pipe.run(&runtime, n, move |mut client, id| async move {
                let elapsed = pipelined(&mut client, Kind::Interop, id, n).await;
                (client, elapsed)
            })
        })
    });
    group.bench_function("raw echo 64 in flight", |b| {
        b.iter_custom(|n| {
            echo_pipe.run(&runtime, n, move |mut client, id| async move {
                let elapsed = pipelined(&mut client, Kind::Echo, id, n).await;
                (client, elapsed)
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("ws_roundtrip 256 KiB");
    group.throughput(Throughput::Elements(1));
    // Calls of ~0.2-1 ms: flat sampling fits the measurement time on a loaded machine.
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("byte array (binary frame)", |b| {
        b.iter_custom(|n| {
            let frames = byte_array_frames.clone();
            let expected = big_reply.clone();
            bytes_client.run(&runtime, n, move |mut client, _| async move {
                let elapsed = big_call(&mut client, &frames, &expected, n).await;
                (client, elapsed)
            })
        })
    });
    group.bench_function("base64 in JSON (pre-encoded)", |b| {
        b.iter_custom(|n| {
            let frames = base64_frames.clone();
            let expected = big_reply.clone();
            base64_client.run(&runtime, n, move |mut client, _| async move {
                let elapsed = big_call(&mut client, &frames, &expected, n).await;
                (client, elapsed)
            })
        })
    });
    group.finish();

    server.shutdown();
    runtime.shutdown_timeout(Duration::from_secs(1));
}

criterion_group!(benches, ws_roundtrip);
criterion_main!(benches);
