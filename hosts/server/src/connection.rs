//! One WebSocket connection: its `JsRuntime`, a reader that applies the page's frames in order,
//! and a writer fed by a byte-bounded queue (backpressure, not disconnection).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use interop_runtime::{BoxFuture, Host, JsRuntime, ToJs};
use tokio_util::sync::CancellationToken;

use crate::budget::Taken;
use crate::framing::{self, Incoming, ProtocolError};
pub(crate) use crate::queue::WriteQueue;
use crate::queue::{frame_cost, Dispatching};
use crate::ServerShared;

/// Close codes (RFC 6455 §7.4.1).
pub(crate) const CLOSE_NORMAL: u16 = 1000;
pub(crate) const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;

/// The runtime's view of the connection.
struct SocketHost {
    queue: Arc<WriteQueue>,
    closing: CancellationToken,
    shared: Arc<ServerShared>,
    /// The server's tokio runtime: server code may call the page from any thread (a runtime
    /// kept from `on_connect`), and the runtime asks for timers when a call starts.
    tokio: tokio::runtime::Handle,
}

/// Counts a spawned call until it ends.
struct TaskCount(Arc<ServerShared>);

impl Drop for TaskCount {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Host for SocketHost {
    fn send(&self, message: ToJs) {
        if self.closing.is_cancelled() {
            // The page is going away (and will fail its pending calls itself): nothing more
            // is queued for it, so it sees exactly what was queued before the close.
            return;
        }
        // Never refused while open: producers wait for room before they make output.
        let _ = self.queue.push(framing::encode(message));
    }

    fn spawn(&self, task: BoxFuture<()>) {
        self.shared.live_tasks.fetch_add(1, Ordering::AcqRel);
        let count = TaskCount(Arc::clone(&self.shared));
        let closing = self.closing.clone();
        self.tokio.spawn(async move {
            let _count = count;
            tokio::select! {
                () = closing.cancelled() => {}
                () = task => {}
            }
        });
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        let _context = self.tokio.enter();
        Box::pin(tokio::time::sleep(duration))
    }

    fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.poll_room(cx)
    }

    fn begin_call(&self) -> Result<(), String> {
        let budget = &self.shared.in_flight_calls;
        if budget.try_take(1) {
            Ok(())
        } else {
            Err(format!(
                "The server is running its maximum of {} calls; try again later.",
                budget.max()
            ))
        }
    }

    fn end_call(&self) {
        self.shared.in_flight_calls.give_back(1);
    }
}

/// How many bytes of queued frames the writer sends before flushing (and at most 64 frames).
const WRITE_BATCH_BYTES: usize = 256 * 1024;
const WRITE_BATCH_FRAMES: usize = 64;

/// A new connection's runtime and queue, before the socket is served. Dropping it (the
/// upgrade failed, or the page left first) closes the runtime and frees its slot.
pub(crate) struct Connection {
    pub(crate) runtime: JsRuntime,
    closing: CancellationToken,
    queue: Arc<WriteQueue>,
    _slot: Taken,
    id: u64,
    shared: Arc<ServerShared>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.closing.cancel();
        self.runtime.close();
        self.shared.connections_open.lock().remove(&self.id);
    }
}

/// Builds the host and the runtime of a new connection (inside the server's tokio runtime),
/// holding the connection slot `slot`.
pub(crate) fn open(shared: &Arc<ServerShared>, slot: Taken) -> Result<Connection, String> {
    let closing = shared.closing.child_token();
    let queue = Arc::new(WriteQueue::new(shared.options.write_buffer));
    let host = Arc::new(SocketHost {
        queue: Arc::clone(&queue),
        closing: closing.clone(),
        shared: Arc::clone(shared),
        tokio: tokio::runtime::Handle::current(),
    });
    let runtime = JsRuntime::with_options(host, shared.options.connection_runtime_options())
        .map_err(|error| error.to_string())?;
    let id = shared.next_connection_id.fetch_add(1, Ordering::Relaxed);
    shared
        .connections_open
        .lock()
        .insert(id, (runtime.clone(), Arc::clone(&queue)));
    Ok(Connection {
        runtime,
        closing,
        queue,
        _slot: slot,
        id,
        shared: Arc::clone(shared),
    })
}

/// Serves one page until it goes away, the server shuts down, or it misbehaves.
pub(crate) async fn serve(socket: WebSocket, connection: Connection) {
    let connection = &connection;
    let (mut sink, stream) = socket.split();
    let close_code = AtomicU16::new(CLOSE_NORMAL);
    let shared = &connection.shared;
    let write_timeout = shared.options.write_timeout;
    let queue = &connection.queue;
    let closing = &connection.closing;
    let close_code = &close_code;
    // Reader and writer are two futures of one task, polled reader first (below): a reply
    // the reader queues is written in the same pass, and the reader keeps reading while a
    // write waits.
    let writer = async move {
        loop {
            // What is queued goes first: once the connection is closing, messages queued
            // before (the `Error` that closed it) still reach a page that reads.
            let message = tokio::select! {
                biased;
                message = std::future::poll_fn(|cx| queue.poll_pop(cx)) => message,
                () = closing.cancelled() => break,
            };
            // What is already queued goes out with one flush (one syscall, not one each), up
            // to a batch: a page that reads at all never waits `write_timeout` for one write.
            let batch = async {
                let mut bytes = frame_cost(&message);
                sink.feed(message).await?;
                for _ in 0..WRITE_BATCH_FRAMES {
                    if bytes >= WRITE_BATCH_BYTES {
                        break;
                    }
                    match queue.try_pop() {
                        Some(next) => {
                            bytes += frame_cost(&next);
                            sink.feed(next).await?;
                        }
                        None => break,
                    }
                }
                sink.flush().await
            };
            let write = tokio::time::timeout(write_timeout, batch);
            tokio::select! {
                biased;
                written = write => match written {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => break,
                    Err(_) => {
                        tracing::warn!("a page read nothing for {write_timeout:?}; closing its connection");
                        break;
                    }
                },
                // A closing connection does not wait for a page that does not read.
                () = closing.cancelled() => break,
            }
        }
        closing.cancel();
        queue.close();
        // The reader stores its code before it cancels `closing`; but when the server closes
        // every page, the writer may see that before the reader is polled again.
        let code = match close_code.load(Ordering::Acquire) {
            CLOSE_NORMAL if shared.closing.is_cancelled() => CLOSE_GOING_AWAY,
            code => code,
        };
        let close = Message::Close(Some(CloseFrame {
            code,
            reason: "closing".into(),
        }));
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close)).await;
    };
    let reader = async move {
        let mut reader = Reader::new(connection, stream);
        let code = reader.run().await;
        close_code.store(code, Ordering::Release);
        drop(reader);
        connection.closing.cancel();
        connection.runtime.close();
    };
    // The reader first, then the writer, in every pass (not `tokio::join!`, which rotates):
    // see `WriteQueue::push`.
    let mut reader = pin!(reader);
    let mut writer = pin!(writer);
    let (mut reader_done, mut writer_done) = (false, false);
    std::future::poll_fn(|cx| {
        if !reader_done {
            reader_done = reader.as_mut().poll(cx).is_ready();
        }
        if !writer_done {
            writer_done = writer.as_mut().poll(cx).is_ready();
        }
        if reader_done && writer_done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

/// The byte arrays of one payload (from an index 0) received since the last JSON frame.
#[derive(Default)]
struct Batch {
    arrays: Vec<(u32, Bytes)>,
    /// Why its arrays were refused (a limit, a broken sequence of parts): the message that
    /// carries the payload fails with it.
    refused: Option<String>,
    /// Its bytes, each array counted as `max(4, len)`: the per-call limit applies to a payload.
    amount: usize,
}

/// A call held back while the page's write queue is full, with the byte arrays it carries.
struct HeldCall {
    /// Its payload's byte arrays (the last batch before it, when its arguments have markers).
    batch: Option<Batch>,
    /// The arrays' bytes, in the server's staged-bytes budget until the call is dispatched.
    staged: Taken,
    call_id: u64,
    assembly: Option<String>,
    identifier: Option<String>,
    object_id: Option<u64>,
    args_json: String,
    cost: usize,
    /// The page cancelled it while it was held: it is cancelled as soon as it is dispatched.
    cancelled: bool,
}

/// A byte array arriving in parts (its parts are copied into one buffer as they arrive).
struct Assembly {
    index: u32,
    next_part: u32,
    bytes: Vec<u8>,
}

/// The reading half: applies the page's frames in arrival order.
struct Reader<'a> {
    connection: &'a Connection,
    stream: SplitStream<WebSocket>,
    protocol_errors: usize,
    /// Byte arrays received since the last JSON frame, by payload, handed to the runtime right
    /// before that frame (a held call keeps its own with it).
    batches: Vec<Batch>,
    assembly: Option<Assembly>,
    /// Bytes received since the last JSON frame, counted in the server's staged-bytes budget.
    staged: Taken,
    held: VecDeque<HeldCall>,
    held_bytes: usize,
}

/// What the reader does after a frame.
enum Next {
    Read,
    Close(u16),
}

impl<'a> Reader<'a> {
    fn new(connection: &'a Connection, stream: SplitStream<WebSocket>) -> Self {
        Reader {
            connection,
            stream,
            protocol_errors: 0,
            batches: Vec::new(),
            assembly: None,
            staged: Taken::none(&connection.shared.staged_bytes),
            held: VecDeque::new(),
            held_bytes: 0,
        }
    }

    fn queue(&self) -> &WriteQueue {
        &self.connection.queue
    }

    fn runtime(&self) -> &JsRuntime {
        &self.connection.runtime
    }

    /// Reads until the page leaves or must be closed; the close code.
    async fn run(&mut self) -> u16 {
        let closing = self.connection.closing.clone();
        loop {
            self.dispatch_held();
            let must_wait = self.held_bytes >= self.connection.shared.options.read_buffer;
            let frame = if must_wait {
                // Held calls fill the read buffer: stop reading until the page reads.
                tokio::select! {
                    biased;
                    () = closing.cancelled() => return CLOSE_GOING_AWAY,
                    () = std::future::poll_fn(|cx| self.connection.queue.poll_room(cx)) => continue,
                }
            } else if self.held.is_empty() {
                tokio::select! {
                    biased;
                    () = closing.cancelled() => return CLOSE_GOING_AWAY,
                    frame = self.stream.next() => frame,
                }
            } else {
                tokio::select! {
                    biased;
                    () = closing.cancelled() => return CLOSE_GOING_AWAY,
                    () = std::future::poll_fn(|cx| self.connection.queue.poll_room(cx)) => continue,
                    frame = self.stream.next() => frame,
                }
            };
            let next = match frame {
                None | Some(Ok(Message::Close(_))) => return CLOSE_NORMAL,
                Some(Err(error)) => return close_code_for(error),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Next::Read,
                Some(Ok(message)) => {
                    let _dispatching = Dispatching::enter(self.queue());
                    self.apply(&message)
                }
            };
            if let Next::Close(code) = next {
                return code;
            }
            // Frames that arrived together are read in one pass, and their replies wait for
            // the writer, polled after the reader: past half the queue's bound, the reader
            // lets the writer run before it reads on.
            if self.queue().queued_bytes() * 2 >= self.connection.shared.options.write_buffer {
                tokio::task::yield_now().await;
            }
        }
    }

    /// Whether new calls are held: the page has not read its replies, or calls wait already
    /// (they keep their order).
    fn holding(&self) -> bool {
        !self.held.is_empty() || !self.queue().has_room()
    }

    /// Dispatches held calls while the page's queue has room.
    fn dispatch_held(&mut self) {
        while !self.held.is_empty() && self.queue().has_room() {
            let Some(call) = self.held.pop_front() else {
                break;
            };
            self.held_bytes -= call.cost;
            let _dispatching = Dispatching::enter(self.queue());
            stage(self.runtime(), call.batch);
            self.runtime().begin_invoke_dotnet(
                call.call_id,
                call.assembly.as_deref(),
                call.identifier.as_deref(),
                call.object_id,
                &call.args_json,
            );
            if call.cancelled {
                self.runtime().cancel_invoke_dotnet(call.call_id);
            }
            drop(call.staged);
        }
    }

    fn apply(&mut self, message: &Message) -> Next {
        let incoming = match message {
            Message::Text(text) => framing::decode_text(text.as_str()),
            Message::Binary(bytes) => framing::decode_binary(bytes),
            _ => return Next::Read,
        };
        match incoming {
            Ok(Incoming::ByteArray {
                index,
                part,
                last,
                bytes,
            }) => {
                // The bytes stay in the frame's buffer: no copy.
                let bytes = match message {
                    Message::Binary(frame) => frame.slice_ref(bytes),
                    _ => Bytes::copy_from_slice(bytes),
                };
                self.receive_part(index, part, last, bytes)
            }
            Ok(Incoming::BeginInvokeDotNet {
                call_id,
                assembly,
                identifier,
                object_id,
                args_json,
            }) => {
                self.end_assembly();
                if self.holding() {
                    // Its own payload stays with it; the batches before it belong to
                    // completions still to come (applied while it waits), so they go now.
                    let batch = may_hold_byte_arrays(&args_json)
                        .then(|| self.batches.pop())
                        .flatten();
                    self.stage_arrays();
                    let staged = self
                        .staged
                        .split_off(batch.as_ref().map_or(0, |batch| batch.amount));
                    self.staged.release();
                    let cost = args_json.len() + staged.amount();
                    self.held_bytes += cost;
                    self.held.push_back(HeldCall {
                        batch,
                        staged,
                        call_id,
                        assembly,
                        identifier,
                        object_id,
                        args_json: args_json.into_owned(),
                        cost,
                        cancelled: false,
                    });
                } else {
                    self.stage_arrays();
                    self.runtime().begin_invoke_dotnet(
                        call_id,
                        assembly.as_deref(),
                        identifier.as_deref(),
                        object_id,
                        &args_json,
                    );
                    self.staged.release();
                }
                Next::Read
            }
            Ok(Incoming::EndInvokeJs { triple_json }) => {
                // Completions are always applied, even while calls are held.
                self.end_assembly();
                self.stage_arrays();
                if let Err(text) = self.runtime().end_invoke_js(&triple_json) {
                    tracing::debug!("a completion from a page was refused: {text}");
                }
                self.staged.release();
                Next::Read
            }
            Ok(Incoming::CancelInvokeDotNet { call_id }) => {
                // A call still held is cancelled when it is dispatched, in its turn.
                let held = self
                    .held
                    .iter_mut()
                    .rev()
                    .find(|call| call.call_id == call_id);
                match held {
                    Some(call) => call.cancelled = true,
                    None => self.runtime().cancel_invoke_dotnet(call_id),
                }
                Next::Read
            }
            Ok(Incoming::Ping(number)) => {
                if self.queue().push(framing::pong(number)).is_err() {
                    return Next::Close(CLOSE_NORMAL);
                }
                Next::Read
            }
            Err(error) => self.protocol_error(error),
        }
    }

    /// Hands the byte arrays received since the last JSON frame to the runtime.
    fn stage_arrays(&mut self) {
        for batch in std::mem::take(&mut self.batches) {
            stage(self.runtime(), Some(batch));
        }
    }

    /// The payload the arrays being received belong to.
    fn current_batch(&mut self) -> &mut Batch {
        if self.batches.is_empty() {
            self.batches.push(Batch::default());
        }
        let last = self.batches.len() - 1;
        &mut self.batches[last]
    }

    /// Refuses the payload being received with `text`, unless it was refused already.
    fn refuse_current(&mut self, text: impl FnOnce() -> String) {
        let batch = self.current_batch();
        batch.arrays = Vec::new();
        batch.refused.get_or_insert_with(text);
    }

    fn receive_part(&mut self, index: u32, part: u32, last: bool, bytes: Bytes) -> Next {
        let mut assembly = match self.assembly.take() {
            Some(assembly) if assembly.index == index && assembly.next_part == part => assembly,
            None if part == 0 => {
                if index == 0 {
                    // Index 0 starts a payload.
                    self.batches.push(Batch::default());
                }
                Assembly {
                    index,
                    next_part: 0,
                    bytes: Vec::new(),
                }
            }
            _ => {
                let text = format!(
                    "Part {part} of byte array {index} does not continue the byte array being received."
                );
                self.refuse_current(|| text.clone());
                return self.protocol_error(ProtocolError::Frame(text));
            }
        };
        assembly.next_part += 1;
        let per_call = self
            .connection
            .runtime
            .options()
            .max_staged_bytes
            .unwrap_or(usize::MAX);
        let amount = bytes.len().max(4);
        let batch = self.current_batch();
        let within = batch.refused.is_none()
            && batch.amount.saturating_add(amount) <= per_call
            && self.staged.try_add(amount);
        if !within {
            // Over a limit: the bytes are dropped, and the message they belong to will fail.
            self.refuse_current(|| BYTE_LIMIT.to_owned());
            assembly.bytes = Vec::new();
        } else if last && part == 0 {
            // The whole array in one frame: staged as the frame holds it.
            let batch = self.current_batch();
            batch.amount += amount;
            batch.arrays.push((index, bytes));
            return Next::Read;
        } else {
            assembly.bytes.extend_from_slice(&bytes);
            self.current_batch().amount += amount;
        }
        if last {
            self.finish_array(assembly);
        } else {
            self.assembly = Some(assembly);
        }
        Next::Read
    }

    fn finish_array(&mut self, assembly: Assembly) {
        let batch = self.current_batch();
        if batch.refused.is_none() {
            batch.arrays.push((assembly.index, assembly.bytes.into()));
        }
    }

    /// A JSON frame ends any byte array still arriving in parts: it is refused.
    fn end_assembly(&mut self) {
        if let Some(assembly) = self.assembly.take() {
            self.refuse_current(|| {
                format!(
                    "Byte array {} ended after part {} without its last part.",
                    assembly.index,
                    assembly.next_part.saturating_sub(1)
                )
            });
        }
    }

    fn protocol_error(&mut self, error: ProtocolError) -> Next {
        self.protocol_errors += 1;
        let reply = match error {
            ProtocolError::Call { call_id, text } => framing::encode(ToJs::EndInvokeDotNet {
                call_id,
                success: false,
                result_or_error: text,
            }),
            ProtocolError::Frame(text) => {
                tracing::debug!("a page sent a bad frame: {text}");
                framing::error_message(&text)
            }
        };
        if self.queue().push(reply).is_err() {
            return Next::Close(CLOSE_NORMAL);
        }
        if self.protocol_errors > self.connection.shared.options.max_protocol_errors {
            tracing::warn!(
                "a page sent {} bad frames; closing its connection",
                self.protocol_errors
            );
            return Next::Close(CLOSE_POLICY);
        }
        Next::Read
    }
}

/// The reference's text for byte arrays over the limit of a call.
const BYTE_LIMIT: &str = "Exceeded the maximum byte array transfer limit for a call.";

/// Stages the arrays of one payload for the JSON frames about to be applied; a refused one
/// fails the message that takes it.
fn stage(runtime: &JsRuntime, batch: Option<Batch>) {
    let Some(batch) = batch else {
        return;
    };
    if let Some(text) = batch.refused {
        runtime.refuse_byte_arrays(text);
        return;
    }
    for (index, bytes) in batch.arrays {
        // A refusal is reported to the message that carries the JSON.
        let _ = runtime.receive_byte_array(index, bytes);
    }
}

/// Whether a call's arguments may refer to byte arrays (`"__byte[]"` keys): then the payload
/// right before it is its own. The clients never escape the key.
fn may_hold_byte_arrays(args_json: &str) -> bool {
    args_json.contains("\"__byte[]\"")
}

/// The close code for a read error: 1009 for a frame over the size limit.
fn close_code_for(error: axum::Error) -> u16 {
    let error = error.into_inner();
    match error.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => {
            tracing::warn!("a page sent a frame over the size limit; closing its connection");
            CLOSE_TOO_BIG
        }
        _ => CLOSE_NORMAL,
    }
}
