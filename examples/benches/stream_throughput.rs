//! Stream throughput in both directions through both hosts, each beside its baseline, in one
//! run: criterion groups `stream_throughput server` and `stream_throughput quickjs`. One
//! iteration moves `SIZE` bytes (8 MiB; 1 MiB in test mode, `cargo test --benches`), and
//! `Throughput::Bytes` makes criterion print MiB/s (GiB/s). The data is one pre-built buffer
//! with a pattern (`(i * 31 + 7) & 255`); every iteration checks the byte count it got, and a
//! setup check (not timed) compares the bytes themselves once per variant.
//!
//! Server setup (as in `hosts/server/benches/ws_roundtrip.rs`): one tokio multi-thread runtime
//! with 2 workers runs an axum server on 127.0.0.1 (the interop router plus two raw routes)
//! and the tokio-tungstenite clients playing the page, one connection per variant, opened once
//! and kept; TCP_NODELAY on both ends. Each criterion batch of `n` iterations runs as one task
//! on the runtime and times itself (`iter_custom`). Client and server share the 2 workers, so
//! the client's own work (tungstenite masks and copies every frame it sends) is in every
//! variant: compare variants of the same run, not absolute figures across runs. Every binary
//! frame carries the 13-byte header of docs/websocket.md and 32 KiB of data (the chunk size),
//! in the interop and the raw variants alike.
//!
//! 1. `JS→Rust interop stream`: the client sends
//!    `["BeginInvokeDotNetFromJS",1,"Bench","ReadAll",null,"[{\"__jsStreamReferenceLength\":N,\"__jsObjectId\":1}]"]`;
//!    `ReadAll` takes a `JsStreamRef`, opens it (`open_read_stream(N)`) and reads it to the
//!    end into a 32 KiB buffer it reuses (discarding), returning the count. The runtime keeps
//!    `stream_pull_window` (4) `BeginInvokeJS` of `jsinvokable.readStreamChunks`
//!    (`[{"__jsObjectId":1},offset,count,32768]`, `count` up to `stream_chunks_per_request`
//!    (4) × 32 KiB) in flight; the client parses each one (serde_json), answers with the
//!    pre-built binary frames of that range (kind 1, indexes 0..k; all N/32 KiB frames are
//!    built before timing, as a page holding the data only slices it) followed by
//!    `["EndInvokeJSFromDotNet",h,true,"[h,true,[{\"__byte[]\":0},…]]"]`, all written with
//!    one flush, and ignores the final `DotNet.disposeJSObjectReferenceById`. The iteration ends
//!    at `["EndInvokeDotNet",1,true,"N"]`.
//! 2. `JS→Rust raw frames`: the client sends the same N/32 KiB pre-built binary frames (`send`
//!    each, one flush per frame as a page's `ws.send` does; feeding them all with one flush
//!    measured no faster) then a text frame `end` to `/raw-up`, an axum handler that adds up
//!    the payload sizes and answers the total as text at `end`. The floor: WebSocket framing
//!    and TCP over loopback one way, no request per chunk, no decoding, dispatch or staging.
//! 3. `Rust→JS interop stream`: the client calls `Download` (`[N]`), a fn returning a
//!    `StreamRef` over `futures_util::io::Cursor<&'static [u8]>` on the shared buffer (no
//!    copy of the whole before the transfer), reads the `supplyDotNetStream` call and the
//!    `{"__dotNetStream":id}` result, then pulls as the page's `ReadableStream` does: two
//!    `["BeginInvokeDotNetFromJS",2+seq,"jsinvokable","ReadDotNetStream",null,"[id,seq]"]`
//!    asked for at a time (the next one sent as each answer arrives). Reads run as tasks, so
//!    answers (and their byte-array frames) may arrive out of order: as a JS client does, the
//!    client keeps frames by byte-array id and answers by read number, uses them in order,
//!    and counts the bytes each answer names, until `null` (and the `null` of the read asked
//!    for ahead).
//! 4. `Rust→JS raw frames`: the client sends a text frame to `/raw-down`, an axum handler that
//!    answers with the N/32 KiB pre-built binary frames (`send` each, as the echo route of
//!    ws_roundtrip does); the client counts payload bytes until N.
//!
//! QuickJS (one `Engine`, default options but a 600 s script budget): 5 and 6 loop inside
//! JavaScript (a batch of `n` is one `eval_script` of an async loop of `n` awaited calls,
//! driven until idle); 7 and 8 loop inside one `Engine::block_on` (n awaited Rust→JS calls).
//! `bytes` is an N-byte `Uint8Array` made once; `ByteLength` takes a `ByteArray`.
//!
//! 5. `JS→Rust stream`: `s += await DotNet.invokeMethodAsync('Bench', 'ReadAll',
//!    DotNet.createJSStreamReference(bytes))`, so N/128 KiB `readStreamChunks` calls, 4 in flight.
//! 6. `JS→Rust one ByteArray`:
//!    `s += await DotNet.invokeMethodAsync('Bench', 'ByteLength', bytes)`.
//! 7. `Rust→JS stream`: `js.invoke::<u64>("streamLength", (StreamRef::new(cursor),))` where
//!    `streamLength = async (data) => (await data.arrayBuffer()).byteLength` (the prelude's
//!    `Response` collects the chunks, then joins them into one buffer).
//! 8. `Rust→JS one ByteArray`: `js.invoke::<u64>("bytesLength", (&bytes,))` with `bytes` a
//!    `ByteArray` built once (serializing it copies it out, as the stream's reader copies the
//!    cursor) and `bytesLength = (bytes) => bytes.byteLength`.
//!
//! Targets (reported, not asserted): 1 ≥ 60% of 2 and 3 ≥ 60% of 4; 5–8 are reported. Each
//! group samples flat (20 samples, 1 s warm-up, 5 s measurement): the whole run takes about a
//! minute on 2 cores, and test mode (each variant once, 1 MiB) a fraction of a second.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as AxumMessage, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use futures_util::io::Cursor;
use futures_util::{AsyncReadExt as _, SinkExt, StreamExt};
use interop_quickjs::{Engine, EngineOptions};
use interop_runtime::{jsinvokable, ByteArray, JsStreamRef, StreamRef};
use interop_server::{InteropServer, ServerOptions};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The chunk size of both directions (`RuntimeOptions::stream_chunk_size`).
const CHUNK: usize = 32 * 1024;
/// The binary frame header (docs/websocket.md).
const HEADER: usize = 13;
/// Chunks per chunk-function call (`RuntimeOptions::stream_chunks_per_request`).
const PER_REQUEST: usize = 4;

/// Bytes per iteration: 8 MiB under `cargo bench`, 1 MiB in test mode (no `--bench`).
static SIZE: LazyLock<usize> = LazyLock::new(|| {
    if std::env::args().any(|arg| arg == "--bench") {
        8 << 20
    } else {
        1 << 20
    }
});

/// The data every variant moves.
static DATA: LazyLock<Vec<u8>> = LazyLock::new(|| (0..*SIZE).map(|i| (i * 31 + 7) as u8).collect());

/// Reads a JS stream to its end, discarding the bytes; returns how many came.
#[jsinvokable("ReadAll", assembly = "Bench")]
async fn read_all(data: JsStreamRef) -> Result<u64, String> {
    let mut reader = data
        .open_read_stream(data.len())
        .map_err(|error| error.to_string())?;
    let mut buffer = vec![0; CHUNK];
    let mut total = 0u64;
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) => return Ok(total),
            Ok(count) => total += count as u64,
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// Setup check: a JS stream's bytes are exactly `DATA`.
#[jsinvokable("SameAsData", assembly = "Bench")]
async fn same_as_data(data: JsStreamRef) -> Result<bool, String> {
    let mut reader = data
        .open_read_stream(data.len())
        .map_err(|error| error.to_string())?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|error| error.to_string())?;
    Ok(bytes == *DATA)
}

#[jsinvokable("ByteLength", assembly = "Bench")]
fn byte_length(bytes: ByteArray) -> usize {
    bytes.len()
}

/// A stream of the first `length` bytes of `DATA`, read in place.
#[jsinvokable("Download", assembly = "Bench")]
fn download(length: usize) -> StreamRef {
    StreamRef::new(Cursor::new(&DATA[..length]))
}

// --- The server variants ---

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `DATA` as binary frames of `CHUNK` bytes with a header of `kind` and, for kind 1, the
/// index of the chunk within its `readStreamChunks` answer (chunk `c` is byte array
/// `c % PER_REQUEST`, since requests start at multiples of `PER_REQUEST` chunks); 0 otherwise.
fn chunk_frames(kind: u8) -> Vec<Vec<u8>> {
    DATA.chunks(CHUNK)
        .enumerate()
        .map(|(number, chunk)| {
            let index = if kind == 1 { number % PER_REQUEST } else { 0 } as u64;
            let mut frame = Vec::with_capacity(HEADER + chunk.len());
            frame.push(kind);
            frame.extend_from_slice(&index.to_le_bytes());
            frame.extend_from_slice(&0u32.to_le_bytes());
            frame.extend_from_slice(chunk);
            frame
        })
        .collect()
}

/// `/raw-up`: adds up the payload of binary frames; a text frame gets the total back.
async fn raw_up(mut socket: WebSocket) {
    let mut total = 0usize;
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            AxumMessage::Binary(bytes) => total += bytes.len() - HEADER,
            AxumMessage::Text(_) => {
                let reply = AxumMessage::Text(total.to_string().into());
                total = 0;
                if socket.send(reply).await.is_err() {
                    break;
                }
            }
            AxumMessage::Close(_) => break,
            AxumMessage::Ping(_) | AxumMessage::Pong(_) => {}
        }
    }
}

/// `/raw-down`: every text frame is answered with all of `frames`.
async fn raw_down(mut socket: WebSocket, frames: Vec<axum::body::Bytes>) {
    while let Some(Ok(message)) = socket.recv().await {
        match message {
            AxumMessage::Text(_) => {
                for frame in &frames {
                    if socket
                        .send(AxumMessage::Binary(frame.clone()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
            AxumMessage::Close(_) => break,
            _ => {}
        }
    }
}

async fn start(server: &InteropServer) -> String {
    let down: Vec<axum::body::Bytes> = chunk_frames(2).into_iter().map(Into::into).collect();
    let app = server
        .router()
        .route(
            "/raw-up",
            get(|upgrade: WebSocketUpgrade| async move { upgrade.on_upgrade(raw_up) }),
        )
        .route(
            "/raw-down",
            get(move |upgrade: WebSocketUpgrade| async move {
                upgrade.on_upgrade(move |socket| raw_down(socket, down))
            }),
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

/// A frame the page reads (pings and pongs skipped).
enum Frame {
    Text(tokio_tungstenite::tungstenite::Utf8Bytes),
    Binary(tokio_tungstenite::tungstenite::Bytes),
}

async fn next_frame(client: &mut Client) -> Frame {
    loop {
        match client.next().await.expect("a frame").expect("no error") {
            Message::Text(text) => return Frame::Text(text),
            Message::Binary(bytes) => return Frame::Binary(bytes),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn next_text(client: &mut Client) -> tokio_tungstenite::tungstenite::Utf8Bytes {
    match next_frame(client).await {
        Frame::Text(text) => text,
        Frame::Binary(bytes) => panic!("unexpected binary frame of {} bytes", bytes.len()),
    }
}

/// A `readStreamChunks` request: `(handle, offset, count)`; `None` for any other call.
fn chunk_request(frame: &str) -> Option<(u64, usize, usize)> {
    let (_, handle, identifier, args, ..): (&str, u64, &str, String, u8, u64, u8) =
        serde_json::from_str(frame).expect("a BeginInvokeJS frame");
    if identifier != "jsinvokable.readStreamChunks" {
        return None;
    }
    let (object, offset, count, chunk_size): (serde_json::Value, usize, usize, usize) =
        serde_json::from_str(&args).expect("the chunk request's arguments");
    assert_eq!(object["__jsObjectId"], 1, "{args}");
    assert_eq!(chunk_size, CHUNK, "{args}");
    Some((handle, offset, count))
}

/// Variant 1, one iteration: JavaScript's data read by `ReadAll` (or `SameAsData`, with
/// `method`) through `readStreamChunks`; the text of the completion.
async fn interop_upload(client: &mut Client, frames: &[Message], method: &str) -> String {
    let size = *SIZE;
    client
        .send(Message::text(format!(
            r#"["BeginInvokeDotNetFromJS",1,"Bench","{method}",null,"[{{\"__jsStreamReferenceLength\":{size},\"__jsObjectId\":1}}]"]"#
        )))
        .await
        .expect("send");
    loop {
        let text = next_text(client).await;
        if text.starts_with(r#"["BeginInvokeJS","#) {
            let Some((handle, offset, count)) = chunk_request(text.as_str()) else {
                continue; // The release of the data (disposeJSObjectReferenceById).
            };
            assert!(
                offset % (CHUNK * PER_REQUEST) == 0 && count <= CHUNK * PER_REQUEST,
                "chunks {offset}+{count}"
            );
            let answer = &frames[offset / CHUNK..(offset + count).div_ceil(CHUNK)];
            let mut names = String::new();
            let mut total = 0;
            for (index, frame) in answer.iter().enumerate() {
                total += frame.len() - HEADER;
                client.feed(frame.clone()).await.expect("send");
                if index > 0 {
                    names.push(',');
                }
                names.push_str(&format!(r#"{{\"__byte[]\":{index}}}"#));
            }
            assert_eq!(total, count, "chunks {offset}+{count}");
            client
                .feed(Message::text(format!(
                    r#"["EndInvokeJSFromDotNet",{handle},true,"[{handle},true,[{names}]]"]"#
                )))
                .await
                .expect("send");
            client.flush().await.expect("flush");
        } else if text.starts_with(r#"["EndInvokeDotNet",1,"#) {
            return text.as_str().to_owned();
        } else {
            panic!("unexpected frame {text}");
        }
    }
}

/// Variant 2, one iteration: the bytes counted by `/raw-up`.
async fn raw_upload(client: &mut Client, frames: &[Message]) -> usize {
    for frame in frames {
        client.send(frame.clone()).await.expect("send");
    }
    client.send(Message::text("end")).await.expect("send");
    next_text(client).await.parse().expect("a count")
}

/// Variant 3, one iteration: the bytes of a `Download(SIZE)` (kept whole when `keep`).
async fn interop_download(client: &mut Client, keep: bool) -> (usize, Vec<u8>) {
    let size = *SIZE;
    client
        .send(Message::text(format!(
            r#"["BeginInvokeDotNetFromJS",1,"Bench","Download",null,"[{size}]"]"#
        )))
        .await
        .expect("send");
    let mut stream_id = None;
    while stream_id.is_none() {
        let text = next_text(client).await;
        if let Some(rest) = text.strip_prefix(r#"["EndInvokeDotNet",1,true,"{\"__dotNetStream\":"#)
        {
            let id = rest.strip_suffix(r#"}"]"#).expect("a stream marker");
            stream_id = Some(id.parse::<u64>().expect("a stream id"));
        } else {
            assert!(
                text.contains(r#""jsinvokable.supplyDotNetStream""#),
                "unexpected frame {text}"
            );
        }
    }
    let stream_id = stream_id.expect("the stream id");
    // As the page's ReadableStream does: two reads asked for at a time (read `seq` as call
    // `2 + seq`), the next one asked for as each answer arrives; the read after the end is
    // answered `null` too. Answers may arrive out of order (reads run as tasks; their order
    // is in their numbers), and so may their byte arrays: as a client does, frames are kept
    // by byte-array id and answers by read number, and used in order.
    let read = |seq: u64| {
        Message::text(format!(
            r#"["BeginInvokeDotNetFromJS",{},"jsinvokable","ReadDotNetStream",null,"[{stream_id},{seq}]"]"#,
            2 + seq
        ))
    };
    client.send(read(0)).await.expect("send");
    client.send(read(1)).await.expect("send");
    let (mut asked, mut next, mut ended) = (2u64, 0u64, false);
    let mut frames: HashMap<u64, Vec<u8>> = HashMap::new();
    let mut answers: HashMap<u64, Option<Vec<u64>>> = HashMap::new();
    let (mut total, mut kept) = (0, Vec::new());
    while next < asked {
        match next_frame(client).await {
            Frame::Binary(bytes) => {
                assert_eq!(bytes[0], 2, "a receiveByteArray frame");
                let id = u64::from_le_bytes(bytes[1..9].try_into().expect("8 bytes"));
                frames.insert(id, bytes[HEADER..].to_vec());
            }
            Frame::Text(text) => {
                let (_, call_id, ok, json): (String, u64, bool, String) =
                    serde_json::from_str(&text).expect("an EndInvokeDotNet frame");
                assert!(ok, "the read failed: {json}");
                let ids = serde_json::from_str::<Option<Vec<serde_json::Value>>>(&json)
                    .expect("null or chunk markers")
                    .map(|markers| {
                        markers
                            .iter()
                            .map(|marker| marker["__byte[]"].as_u64().expect("a chunk marker"))
                            .collect()
                    });
                answers.insert(call_id - 2, ids);
            }
        }
        while let Some(answer) = answers.remove(&next) {
            match answer {
                None => ended = true,
                Some(ids) => {
                    assert!(!ended, "chunks after the end");
                    for id in ids {
                        let chunk = frames
                            .remove(&id)
                            .expect("a chunk's bytes precede its answer");
                        total += chunk.len();
                        if keep {
                            kept.extend_from_slice(&chunk);
                        }
                    }
                    client.send(read(asked)).await.expect("send");
                    asked += 1;
                }
            }
            next += 1;
        }
    }
    assert!(ended && frames.is_empty());
    (total, kept)
}

/// Variant 4, one iteration: the bytes `/raw-down` sent.
async fn raw_download(client: &mut Client, keep: bool) -> (usize, Vec<u8>) {
    client.send(Message::text("go")).await.expect("send");
    let (mut total, mut kept) = (0, Vec::new());
    while total < *SIZE {
        match next_frame(client).await {
            Frame::Binary(bytes) => {
                total += bytes.len() - HEADER;
                if keep {
                    kept.extend_from_slice(&bytes[HEADER..]);
                }
            }
            Frame::Text(text) => panic!("unexpected frame {text}"),
        }
    }
    (total, kept)
}

/// A client connection that batches borrow: each batch runs as one task on the runtime.
struct Slot(Option<Client>);

impl Slot {
    fn run<F>(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        batch: impl FnOnce(Client) -> F,
    ) -> Duration
    where
        F: std::future::Future<Output = (Client, Duration)> + Send + 'static,
    {
        let client = self.0.take().expect("a client");
        let (client, elapsed) = runtime
            .block_on(runtime.spawn(batch(client)))
            .expect("the batch");
        self.0 = Some(client);
        elapsed
    }

    fn client(&mut self) -> &mut Client {
        self.0.as_mut().expect("a client")
    }
}

/// Configures a group for iterations of a few to a few hundred milliseconds.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.throughput(Throughput::Bytes(*SIZE as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
}

fn server_variants(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = InteropServer::new(ServerOptions::default());
    let base = runtime.block_on(start(&server));
    let interop_url = format!("{base}/_interop/ws");
    let up_frames: Vec<Message> = chunk_frames(1).into_iter().map(Message::binary).collect();
    let up_frames = std::sync::Arc::new(up_frames);
    let size = *SIZE;

    let (interop_up, raw_up, interop_down, raw_down) = runtime.block_on(async {
        (
            connect(interop_url.clone()).await,
            connect(format!("{base}/raw-up")).await,
            connect(interop_url.clone()).await,
            connect(format!("{base}/raw-down")).await,
        )
    });
    let mut interop_up = Slot(Some(interop_up));
    let mut raw_up = Slot(Some(raw_up));
    let mut interop_down = Slot(Some(interop_down));
    let mut raw_down = Slot(Some(raw_down));

    // Setup check (not timed): every variant moves exactly the data.
    runtime.block_on(async {
        assert_eq!(
            interop_upload(interop_up.client(), &up_frames, "SameAsData").await,
            r#"["EndInvokeDotNet",1,true,"true"]"#
        );
        assert_eq!(
            interop_upload(interop_up.client(), &up_frames, "ReadAll").await,
            format!(r#"["EndInvokeDotNet",1,true,"{size}"]"#)
        );
        assert_eq!(raw_upload(raw_up.client(), &up_frames).await, size);
        let (count, bytes) = interop_download(interop_down.client(), true).await;
        assert!(count == size && bytes == *DATA, "interop download");
        let (count, bytes) = raw_download(raw_down.client(), true).await;
        assert!(count == size && bytes == *DATA, "raw download");
    });

    let mut group = c.benchmark_group("stream_throughput server");
    configure(&mut group);
    group.bench_function("1 JS→Rust interop stream", |b| {
        b.iter_custom(|n| {
            let frames = std::sync::Arc::clone(&up_frames);
            interop_up.run(&runtime, move |mut client| async move {
                let expected = format!(r#"["EndInvokeDotNet",1,true,"{size}"]"#);
                let start = Instant::now();
                for _ in 0..n {
                    let reply = interop_upload(&mut client, &frames, "ReadAll").await;
                    assert_eq!(reply, expected);
                }
                (client, start.elapsed())
            })
        })
    });
    group.bench_function("2 JS→Rust raw frames", |b| {
        b.iter_custom(|n| {
            let frames = std::sync::Arc::clone(&up_frames);
            raw_up.run(&runtime, move |mut client| async move {
                let start = Instant::now();
                for _ in 0..n {
                    assert_eq!(raw_upload(&mut client, &frames).await, size);
                }
                (client, start.elapsed())
            })
        })
    });
    group.bench_function("3 Rust→JS interop stream", |b| {
        b.iter_custom(|n| {
            interop_down.run(&runtime, move |mut client| async move {
                let start = Instant::now();
                for _ in 0..n {
                    assert_eq!(interop_download(&mut client, false).await.0, size);
                }
                (client, start.elapsed())
            })
        })
    });
    group.bench_function("4 Rust→JS raw frames", |b| {
        b.iter_custom(|n| {
            raw_down.run(&runtime, move |mut client| async move {
                let start = Instant::now();
                for _ in 0..n {
                    assert_eq!(raw_download(&mut client, false).await.0, size);
                }
                (client, start.elapsed())
            })
        })
    });
    group.finish();

    server.shutdown();
    runtime.shutdown_timeout(Duration::from_secs(1));
}

// --- The QuickJS variants ---

/// The engine's side. The async loops cannot throw into `eval_script`, so they record their
/// outcome and `outcomeCheck()` (run after each batch, outside the timed span) throws for it.
const ENGINE_SETUP: &str = r#"
const SIZE = __SIZE__;
const bytes = new Uint8Array(SIZE);
for (let i = 0; i < 256; i++) bytes[i] = (i * 31 + 7) & 255;
for (let filled = 256; filled < SIZE; filled *= 2) bytes.copyWithin(filled, 0, filled);

let outcome = 'not run';
async function loop(n, what, call) {
  outcome = 'running';
  try {
    let s = 0;
    for (let i = 0; i < n; i++) s += await call();
    if (s !== n * SIZE) throw new Error(`${what}: got ${s}, expected ${n * SIZE}`);
    outcome = 'done';
  } catch (error) {
    outcome = String(error);
  }
}
function outcomeCheck() {
  if (outcome !== 'done') throw new Error(`the loop: ${outcome}`);
  outcome = 'checked';
}
function benchStreamUp(n) {
  return loop(n, 'stream', () =>
    DotNet.invokeMethodAsync('Bench', 'ReadAll', DotNet.createJSStreamReference(bytes)));
}
function benchBytesUp(n) {
  return loop(n, 'bytes', () => DotNet.invokeMethodAsync('Bench', 'ByteLength', bytes));
}
async function checkStreamUp() {
  outcome = 'running';
  try {
    const same = await DotNet.invokeMethodAsync('Bench', 'SameAsData',
      DotNet.createJSStreamReference(bytes));
    outcome = same ? 'done' : 'the stream did not carry the data';
  } catch (error) {
    outcome = String(error);
  }
}

// Rust→JS: the length of what arrived (the stream read whole, as a page does).
window.streamLength = async (data) => (await data.arrayBuffer()).byteLength;
window.bytesLength = (data) => data.byteLength;
// Setup check: the bytes are the pattern.
window.streamMatches = async (data) => {
  const got = new Uint8Array(await data.arrayBuffer());
  if (got.length !== SIZE) return false;
  for (let i = 0; i < SIZE; i++) if (got[i] !== bytes[i]) return false;
  return true;
};
"#;

fn quickjs_variants(c: &mut Criterion) {
    let options = EngineOptions {
        script_budget: Some(Duration::from_secs(600)),
        ..EngineOptions::default()
    };
    let engine = Engine::new(options).expect("the engine starts");
    let size = *SIZE;
    engine
        .eval_script(
            "bench-setup.js",
            &ENGINE_SETUP.replace("__SIZE__", &size.to_string()),
        )
        .expect("the bench setup runs");
    let js = engine.runtime().clone();
    let bytes = ByteArray::from(DATA.clone());

    // Setup check (not timed): the bytes arrive whole both ways.
    engine
        .eval_script("check.js", "checkStreamUp();")
        .expect("the check runs");
    engine
        .eval_script("check.js", "outcomeCheck();")
        .expect("JavaScript's stream carries the data");
    let matches = engine
        .block_on(js.invoke::<bool>("streamMatches", (StreamRef::new(Cursor::new(&DATA[..])),)));
    assert_eq!(matches, Ok(true), "Rust's stream carries the data");

    let run_js = |function: &str, n: u64| {
        let script = format!("{function}({n});");
        let start = Instant::now();
        engine
            .eval_script("bench.js", &script)
            .unwrap_or_else(|error| panic!("{function}({n}) failed: {error}"));
        let elapsed = start.elapsed();
        engine
            .eval_script("check.js", "outcomeCheck();")
            .expect("the loop finished with the right sum");
        elapsed
    };

    let mut group = c.benchmark_group("stream_throughput quickjs");
    configure(&mut group);
    group.bench_function("5 JS→Rust stream", |b| {
        b.iter_custom(|n| run_js("benchStreamUp", n))
    });
    group.bench_function("6 JS→Rust one ByteArray", |b| {
        b.iter_custom(|n| run_js("benchBytesUp", n))
    });
    group.bench_function("7 Rust→JS stream", |b| {
        b.iter_custom(|n| {
            engine.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    let data = StreamRef::new(Cursor::new(&DATA[..]));
                    let length = js.invoke::<u64>("streamLength", (data,)).await;
                    assert_eq!(length, Ok(size as u64));
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("8 Rust→JS one ByteArray", |b| {
        b.iter_custom(|n| {
            engine.block_on(async {
                let start = Instant::now();
                for _ in 0..n {
                    let length = js.invoke::<u64>("bytesLength", (&bytes,)).await;
                    assert_eq!(length, Ok(size as u64));
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, server_variants, quickjs_variants);
criterion_main!(benches);
