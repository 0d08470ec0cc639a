//! Load on the web app (`blazor-sample --stats`) from another process: 1,000 WebSocket
//! connections held at once on loopback, each making 100 calls that mix valid calls, bad calls
//! (unknown method, bad arguments, unknown objects, a bad frame), byte arrays (one frame, and in
//! parts), objects created, called and disposed, and Rust→JS calls the page answers; one
//! connection in ten drops abruptly mid-way, with calls in flight, a Rust→JS call awaiting
//! the page and a byte array half sent. Run twice: every valid call is answered exactly once,
//! with its own value, on its own connection; the server's counters read zero after each
//! round; the second round raises the server's peak resident size by less than 10%.
//!
//! The figures (connections held, calls/s, peak resident size) are printed; `--nocapture`
//! shows them.

mod spawned;
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use spawned::WebApp;
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const CONNECTIONS: u64 = 1000;
/// Each connection sends its calls in batches of [`SLOTS`], one call of each kind.
const BATCHES: u64 = 10;
const SLOTS: u64 = 10;
/// Connections `n` with `n % DROP_EVERY == DROP_REMAINDER` drop abruptly while sending batch
/// [`DROP_AT_BATCH`]: 100 of the 1,000.
const DROP_EVERY: u64 = 10;
const DROP_REMAINDER: u64 = 3;
const DROP_AT_BATCH: u64 = 4;
/// The growth of the peak resident size allowed in the second round, in percent of the first.
const MAX_SECOND_ROUND_GROWTH_PERCENT: u64 = 10;
/// A guard against a hang, far above what a round takes; not a performance assertion.
const HANG_GUARD: Duration = Duration::from_secs(300);
/// File descriptors this process needs: one per connection, and some to spare.
const FILES_NEEDED: u64 = CONNECTIONS + 256;
/// An object id no page is given.
const UNKNOWN_OBJECT: u64 = 4_000_000_000;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a call must be answered with.
#[derive(Debug)]
enum Expect {
    /// Success with exactly this JSON text.
    Value(String),
    /// Success with a new object reference; the object says hello to this name.
    Object(String),
    /// Failure with a text containing this.
    Failure(String),
}

impl Expect {
    fn valid(&self) -> bool {
        !matches!(self, Expect::Failure(_))
    }
}

/// What one connection did.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Valid calls answered (each exactly once, with its value).
    valid: u64,
    /// Bad calls answered (each exactly once, with a failure).
    refused: u64,
    /// Calls sent and never answered: the batch in flight when the connection dropped.
    abandoned: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.valid += other.valid;
        self.refused += other.refused;
        self.abandoned += other.abandoned;
    }
}

/// A binary frame: kind (1: a byte array or its last part, 3: a part with more to follow),
/// index, part number, bytes.
fn byte_array_frame(kind: u8, index: u64, part: u32, bytes: &[u8]) -> Message {
    let mut frame = vec![kind];
    frame.extend_from_slice(&index.to_le_bytes());
    frame.extend_from_slice(&part.to_le_bytes());
    frame.extend_from_slice(bytes);
    Message::binary(frame)
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// One page of the load: a socket and the calls awaiting their answers.
struct Page {
    socket: Socket,
    connection: u64,
    pending: HashMap<u64, Expect>,
    /// The object the last batch created, and the name it greets.
    object: Option<(u64, String)>,
    tally: Tally,
    /// `Error` messages expected before the batch is complete (one per bad frame).
    errors_expected: usize,
}

impl Page {
    async fn send(&mut self, message: Message) {
        self.socket.send(message).await.unwrap_or_else(|error| {
            panic!(
                "connection {}: a frame could not be sent: {error}",
                self.connection
            )
        });
    }

    async fn call(
        &mut self,
        call_id: u64,
        target: Result<&str, u64>,
        identifier: &str,
        args: &str,
        expect: Expect,
    ) {
        let (assembly, object) = match target {
            Ok(assembly) => (Value::from(assembly), Value::Null),
            Err(object) => (Value::Null, Value::from(object)),
        };
        let frame = json!([
            "BeginInvokeDotNetFromJS",
            call_id,
            assembly,
            identifier,
            object,
            args
        ]);
        self.pending.insert(call_id, expect);
        self.send(Message::text(frame.to_string())).await;
    }

    /// Sends batch `batch`: one call of each kind, ids `batch * SLOTS + 1 ..`.
    async fn send_batch(&mut self, batch: u64) {
        let c = self.connection;
        let id = |slot: u64| batch * SLOTS + slot + 1;
        let app = Ok("BlazorSample");
        // A sync call and an async call.
        self.call(
            id(0),
            app,
            "DifferentMethodName",
            "[]",
            Expect::Value("[1,2,3]".into()),
        )
        .await;
        self.call(
            id(1),
            app,
            "ReturnArrayAsync",
            "[]",
            Expect::Value("[1,2,3]".into()),
        )
        .await;
        // A byte array in one frame, answered with its text.
        let text = format!("bytes of connection {c}, call {}", id(2));
        self.send(byte_array_frame(1, 0, 0, text.as_bytes())).await;
        let expect = Expect::Value(quoted(&text));
        self.call(
            id(2),
            app,
            "ReceiveByteArray",
            r#"[{"__byte[]":0}]"#,
            expect,
        )
        .await;
        // An object created; the previous batch's object called, then disposed.
        let name = format!("page {c}/{}", id(3));
        let args = json!([name]).to_string();
        self.call(id(3), app, "CreateHelloHelper", &args, Expect::Object(name))
            .await;
        match self.object.take() {
            Some((object, name)) => {
                let hello = Expect::Value(quoted(&format!("Hello, {name}!")));
                self.call(id(4), Err(object), "GetHelloMessage", "[]", hello)
                    .await;
                let disposed = Expect::Value("null".into());
                self.call(id(5), Err(object), "__Dispose", "null", disposed)
                    .await;
            }
            None => {
                let unknown =
                    || Expect::Failure(format!("no tracked object with id '{UNKNOWN_OBJECT}'"));
                self.call(
                    id(4),
                    Err(UNKNOWN_OBJECT),
                    "GetHelloMessage",
                    "[]",
                    unknown(),
                )
                .await;
                self.call(id(5), Err(UNKNOWN_OBJECT), "__Dispose", "null", unknown())
                    .await;
            }
        }
        // An unknown method, and bad arguments.
        let unknown = Expect::Failure("NoSuchMethod".into());
        self.call(id(6), app, "NoSuchMethod", "[]", unknown).await;
        let (identifier, args) = if batch % 2 == 0 {
            ("CreateHelloHelper", "[42]")
        } else {
            ("ReceiveByteArray", r#"["not bytes"]"#)
        };
        let bad = Expect::Failure(String::new());
        self.call(id(7), app, identifier, args, bad).await;
        // Rust calls the page (`sayHello2`), which answers with a text of its own.
        let name = format!("js {c}/{}", id(8));
        let args = json!([name]).to_string();
        let expect = Expect::Value(quoted(&format!("Hi from the page, {name}")));
        self.call(id(8), app, "TriggerSayHello2", &args, expect)
            .await;
        // A bad frame (answered with an `Error`), then a byte array in three parts.
        self.send(Message::text(r#"["Nope"]"#)).await;
        self.errors_expected += 1;
        let bytes: Vec<u8> = format!("{c}:{};", id(9))
            .bytes()
            .cycle()
            .take(4000)
            .collect();
        self.send(byte_array_frame(3, 0, 0, &bytes[..1500])).await;
        self.send(byte_array_frame(3, 0, 1, &bytes[1500..3000]))
            .await;
        self.send(byte_array_frame(1, 0, 2, &bytes[3000..])).await;
        let expect = Expect::Value(quoted(&String::from_utf8_lossy(&bytes)));
        self.call(
            id(9),
            app,
            "ReceiveByteArray",
            r#"[{"__byte[]":0}]"#,
            expect,
        )
        .await;
    }

    /// The next text frame.
    async fn next_text(&mut self) -> String {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => return text.to_string(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!(
                    "connection {}: a text frame was expected, got {other:?}",
                    self.connection
                ),
            }
        }
    }

    /// Reads until every call sent is answered and every `Error` expected has come, answering
    /// the page functions Rust calls.
    async fn read_batch(&mut self) {
        let c = self.connection;
        while !self.pending.is_empty() || self.errors_expected > 0 {
            let text = self.next_text().await;
            let message: Value = serde_json::from_str(&text).expect("the server sends JSON");
            match message[0].as_str() {
                Some("EndInvokeDotNet") => {
                    let call_id = message[1].as_u64().expect("a call id");
                    let success = message[2].as_bool().expect("a success flag");
                    let result = message[3].as_str().expect("a result text");
                    let expect = self.pending.remove(&call_id).unwrap_or_else(|| {
                        panic!("connection {c}: an answer to call {call_id}, which awaits none (answered twice, or never made): {text}")
                    });
                    self.check(call_id, success, result, expect);
                }
                Some("BeginInvokeJS") => {
                    assert_eq!(message[2], "sayHello2", "connection {c}: {text}");
                    let handle = message[1].as_u64().expect("a handle");
                    let args: Value = serde_json::from_str(message[3].as_str().expect("args"))
                        .expect("the args are JSON");
                    assert!(
                        args[0]["__dotNetObject"].is_u64(),
                        "connection {c}: a helper object first: {text}"
                    );
                    let name = args[1].as_str().expect("a name");
                    let triple = json!([handle, true, format!("Hi from the page, {name}")]);
                    let completion =
                        json!(["EndInvokeJSFromDotNet", handle, true, triple.to_string()]);
                    self.send(Message::text(completion.to_string())).await;
                }
                Some("Error") => {
                    assert_eq!(
                        message[1], "unknown message 'Nope'",
                        "connection {c}: {text}"
                    );
                    assert!(self.errors_expected > 0, "connection {c}: an extra {text}");
                    self.errors_expected -= 1;
                }
                _ => panic!("connection {c}: an unexpected message {text}"),
            }
        }
    }

    fn check(&mut self, call_id: u64, success: bool, result: &str, expect: Expect) {
        let c = self.connection;
        assert_eq!(
            success,
            expect.valid(),
            "connection {c}, call {call_id}: {result} ({expect:?})"
        );
        match expect {
            Expect::Value(value) => assert_eq!(result, value, "connection {c}, call {call_id}"),
            Expect::Object(name) => {
                let object: Value = serde_json::from_str(result).expect("an object reference");
                let id = object["__dotNetObject"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("connection {c}, call {call_id}: {result}"));
                self.object = Some((id, name));
            }
            Expect::Failure(part) => assert!(
                result.contains(&part),
                "connection {c}, call {call_id}: {result:?} should contain {part:?}"
            ),
        }
        if success {
            self.tally.valid += 1;
        } else {
            self.tally.refused += 1;
        }
    }

    /// A ping shows nothing else was sent, then the page closes.
    async fn finish(mut self) -> Tally {
        let c = self.connection;
        self.send(Message::text(r#"["Ping",1]"#)).await;
        let text = self.next_text().await;
        assert_eq!(
            text, r#"["Pong",1]"#,
            "connection {c}: a frame nobody asked for"
        );
        self.socket
            .close(None)
            .await
            .unwrap_or_else(|error| panic!("connection {c}: the close could not be sent: {error}"));
        while let Some(Ok(_)) = self.socket.next().await {}
        self.tally
    }

    /// Sends a batch and, without reading its answers, drops the connection in the middle of
    /// a byte array.
    async fn drop_abruptly(mut self, batch: u64) -> Tally {
        self.send_batch(batch).await;
        self.send(byte_array_frame(3, 0, 0, &[7u8; 8192])).await;
        self.tally.abandoned += self.pending.len() as u64;
        self.tally
    }
}

/// One connection of a round: opens, waits until all are open, makes its calls.
async fn run_page(url: String, connection: u64, all_open: std::sync::Arc<Barrier>) -> Tally {
    let opened = tokio_tungstenite::connect_async(url.as_str()).await;
    // Every page reaches the barrier, so a failed upgrade is reported, not a hang.
    all_open.wait().await;
    let (socket, _) = opened
        .unwrap_or_else(|error| panic!("connection {connection}: the upgrade failed: {error}"));
    let mut page = Page {
        socket,
        connection,
        pending: HashMap::new(),
        object: None,
        tally: Tally::default(),
        errors_expected: 0,
    };
    for batch in 0..BATCHES {
        if connection % DROP_EVERY == DROP_REMAINDER && batch == DROP_AT_BATCH {
            return page.drop_abruptly(batch).await;
        }
        page.send_batch(batch).await;
        page.read_batch().await;
    }
    page.finish().await
}

/// The figures of one round.
struct Round {
    held: u64,
    tally: Tally,
    seconds: f64,
    peak_kib: u64,
    /// CPU seconds the server and this process (the pages) used.
    server_cpu: f64,
    pages_cpu: f64,
}

async fn round(app: &WebApp) -> Round {
    let all_open = std::sync::Arc::new(Barrier::new(CONNECTIONS as usize + 1));
    let pages: Vec<_> = (1..=CONNECTIONS)
        .map(|connection| {
            tokio::spawn(run_page(
                app.ws_url(),
                connection,
                std::sync::Arc::clone(&all_open),
            ))
        })
        .collect();
    all_open.wait().await;
    let (server_cpu, pages_cpu) = (app.cpu_seconds(), spawned::cpu_seconds("self"));
    let held = app.stats().await["connections"]
        .as_u64()
        .expect("a connection count");
    let started = Instant::now();
    let mut tally = Tally::default();
    for page in pages {
        tally += page.await.expect("the page's checks pass");
    }
    let seconds = started.elapsed().as_secs_f64();
    let server_cpu = app.cpu_seconds() - server_cpu;
    let pages_cpu = spawned::cpu_seconds("self") - pages_cpu;
    let stats = app.wait_for_idle().await;
    eprintln!("after the round, the server holds {stats}");
    Round {
        held,
        tally,
        seconds,
        peak_kib: app.peak_rss_kib(),
        server_cpu,
        pages_cpu,
    }
}

/// The soft limit of open files of this process (the web app inherits it).
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .map_or(u64::MAX, |soft| soft.parse().unwrap_or(u64::MAX))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_twice_every_call_answered_nothing_left() {
    let limit = open_files_limit();
    assert!(
        limit >= FILES_NEEDED,
        "this test holds {CONNECTIONS} connections and needs {FILES_NEEDED} open files, but the \
         limit is {limit}: raise it (`ulimit -n {FILES_NEEDED}`) and run it again"
    );
    let app = WebApp::start(&["--stats"]);
    let dropped = CONNECTIONS / DROP_EVERY;
    let whole = CONNECTIONS - dropped;
    let bad_per_batch = 2;
    let mut rounds = Vec::new();
    for number in 1..=2 {
        let round = tokio::time::timeout(HANG_GUARD, round(&app))
            .await
            .unwrap_or_else(|_| panic!("round {number} hung ({HANG_GUARD:?})"));
        let Tally {
            valid,
            refused,
            abandoned,
        } = round.tally;
        let answered = valid + refused;
        eprintln!(
            "round {number}: {} connections held at once; {answered} calls answered ({valid} valid, {refused} refused, {abandoned} abandoned by {dropped} dropped connections) in {:.2} s: {:.0} calls/s; CPU: server {:.1} s, pages {:.1} s; server peak resident size {} KiB",
            round.held,
            round.seconds,
            answered as f64 / round.seconds,
            round.server_cpu,
            round.pages_cpu,
            round.peak_kib
        );
        assert_eq!(round.held, CONNECTIONS, "round {number}: connections held");
        // Batch 0 has two more bad calls (an unknown object, twice) than the others.
        let per_batch_valid = SLOTS - bad_per_batch;
        let valid_per_page = |batches: u64| batches * per_batch_valid - 2;
        assert_eq!(
            valid,
            whole * valid_per_page(BATCHES) + dropped * valid_per_page(DROP_AT_BATCH),
            "round {number}: valid calls answered"
        );
        assert_eq!(
            refused,
            whole * (BATCHES * bad_per_batch + 2) + dropped * (DROP_AT_BATCH * bad_per_batch + 2),
            "round {number}: bad calls answered"
        );
        assert_eq!(
            abandoned,
            dropped * SLOTS,
            "round {number}: calls abandoned"
        );
        rounds.push(round);
    }
    let (first, second) = (rounds[0].peak_kib, rounds[1].peak_kib);
    let growth = second.saturating_sub(first);
    eprintln!(
        "peak resident size: {first} KiB after round 1, {second} KiB after round 2 (+{growth} KiB, {:.1}%)",
        growth as f64 * 100.0 / first as f64
    );
    assert!(
        growth * 100 < first * MAX_SECOND_ROUND_GROWTH_PERCENT,
        "the second round raised the peak by {growth} KiB over {first} KiB (limit {MAX_SECOND_ROUND_GROWTH_PERCENT}%)"
    );
}
