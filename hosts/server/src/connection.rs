//! One WebSocket connection: its `JsRuntime`, a reader loop that always reads, and a writer
//! fed by a bounded queue.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use interop_runtime::{BoxFuture, Host, JsRuntime, ToJs};
use tokio_util::sync::CancellationToken;

use crate::framing::{self, Incoming, ProtocolError};
use crate::ServerShared;

/// What the writer sends, in the order it was queued (one FIFO for every thread, so the frames
/// one thread queues keep their order: byte arrays before the completion naming them).
/// Bounded: a page that does not read is closed, not buffered for.
struct WriteQueue {
    state: Mutex<QueueState>,
    bound: usize,
}

struct QueueState {
    messages: VecDeque<Message>,
    /// The writer, waiting for a message.
    waker: Option<Waker>,
    /// The writer has ended: nothing more is taken.
    closed: bool,
}

enum Refused {
    Full,
    Closed,
}

thread_local! {
    /// The queue (its address) of the connection whose reader is handling a frame on this
    /// thread, if any.
    static DISPATCHING: Cell<usize> = const { Cell::new(0) };
}

/// Marks the reader of a connection as handling a frame on this thread until dropped.
struct Dispatching {
    previous: usize,
}

impl Dispatching {
    fn enter(queue: &WriteQueue) -> Self {
        let previous = DISPATCHING.replace(queue.address());
        Dispatching { previous }
    }
}

impl Drop for Dispatching {
    fn drop(&mut self) {
        DISPATCHING.set(self.previous);
    }
}

impl WriteQueue {
    fn new(bound: usize) -> Self {
        WriteQueue {
            state: Mutex::new(QueueState {
                messages: VecDeque::new(),
                waker: None,
                closed: false,
            }),
            bound,
        }
    }

    fn address(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, message: Message) -> Result<(), Refused> {
        let waker = {
            let mut state = self.lock();
            if state.closed {
                return Err(Refused::Closed);
            }
            if state.messages.len() >= self.bound {
                return Err(Refused::Full);
            }
            state.messages.push_back(message);
            // The reader and the writer are polled by one task, the writer right after the
            // reader: what the reader's own dispatch queues is taken in the same pass, so it
            // needs no wake (a wake would reschedule the running task, and the scheduler may
            // hand it to the other worker: a hop between threads for every call).
            if DISPATCHING.get() == self.address() {
                None
            } else {
                state.waker.take()
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether half the bound or more is queued.
    fn is_half_full(&self) -> bool {
        self.lock().messages.len() * 2 >= self.bound
    }

    fn try_pop(&self) -> Option<Message> {
        self.lock().messages.pop_front()
    }

    fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Message> {
        let mut state = self.lock();
        match state.messages.pop_front() {
            Some(message) => Poll::Ready(message),
            None => {
                if !state
                    .waker
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(cx.waker()))
                {
                    state.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    /// The writer has ended: what is queued is dropped and nothing more is accepted.
    fn close(&self) {
        let messages = {
            let mut state = self.lock();
            state.closed = true;
            state.waker = None;
            std::mem::take(&mut state.messages)
        };
        drop(messages);
    }
}

/// Closes the queue when the writer ends (or is dropped).
struct CloseOnDrop<'a>(&'a WriteQueue);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

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
        match self.queue.push(framing::encode(message)) {
            Ok(()) => {}
            Err(Refused::Full) => {
                tracing::warn!("a page does not read what it is sent; closing its connection");
                self.closing.cancel();
            }
            Err(Refused::Closed) => {}
        }
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
}

/// How many queued messages the writer sends before flushing.
const WRITE_BATCH: usize = 64;

/// Serves one page until it goes away, the server shuts down, or it misbehaves too often.
pub(crate) async fn serve(socket: WebSocket, connection: Connection, shared: Arc<ServerShared>) {
    let Connection {
        runtime,
        closing,
        queue,
    } = connection;
    let replies = Arc::clone(&queue);
    let (mut sink, mut stream) = socket.split();
    let write_timeout = shared.options.write_timeout;
    let writer_closing = closing.clone();
    // Reader and writer are two futures of one task, polled reader first (below): a reply
    // the reader queues is written in the same pass, and the reader keeps reading while a
    // write waits.
    let writer = async move {
        let _closed = CloseOnDrop(&queue);
        loop {
            // What is queued goes first: once the connection is closing, messages queued
            // before (the `Error` that closed it) still reach a page that reads.
            let message = tokio::select! {
                biased;
                message = std::future::poll_fn(|cx| queue.poll_pop(cx)) => message,
                () = writer_closing.cancelled() => break,
            };
            // Everything already queued goes out with one flush (one syscall, not one each).
            let batch = async {
                sink.feed(message).await?;
                for _ in 0..WRITE_BATCH {
                    match queue.try_pop() {
                        Some(next) => sink.feed(next).await?,
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
                        tracing::warn!("a write to a page timed out; closing its connection");
                        break;
                    }
                },
                // A closing connection does not wait for a page that does not read.
                () = writer_closing.cancelled() => break,
            }
        }
        writer_closing.cancel();
        let close = Message::Close(Some(CloseFrame {
            code: 1000,
            reason: "closing".into(),
        }));
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(close)).await;
    };

    let reader = async move {
        let mut protocol_errors = 0usize;
        loop {
            let frame = tokio::select! {
                biased;
                () = closing.cancelled() => break,
                frame = stream.next() => frame,
            };
            let dispatching = Dispatching::enter(&replies);
            let incoming = match frame {
                None | Some(Err(_)) => break,
                Some(Ok(Message::Text(text))) => framing::decode_text(text.as_str()),
                Some(Ok(Message::Binary(bytes))) => framing::decode_binary(&bytes),
                Some(Ok(Message::Close(_))) => break,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            };
            match incoming {
                Ok(Incoming::BeginInvokeDotNet {
                    call_id,
                    assembly,
                    identifier,
                    object_id,
                    args_json,
                }) => runtime.begin_invoke_dotnet(
                    call_id,
                    assembly.as_deref(),
                    identifier.as_deref(),
                    object_id,
                    &args_json,
                ),
                Ok(Incoming::EndInvokeJs { triple_json }) => {
                    if let Err(text) = runtime.end_invoke_js(&triple_json) {
                        tracing::debug!("a completion from a page was refused: {text}");
                    }
                }
                Ok(Incoming::Ping(number)) => {
                    if replies.push(framing::pong(number)).is_err() {
                        break;
                    }
                }
                Ok(Incoming::ByteArray { index, bytes }) => {
                    // A refusal is reported to the call that carries the JSON.
                    let _ = runtime.receive_byte_array(index, bytes);
                }
                Err(error) => {
                    protocol_errors += 1;
                    let reply = match error {
                        ProtocolError::Call { call_id, text } => {
                            framing::encode(ToJs::EndInvokeDotNet {
                                call_id,
                                success: false,
                                result_or_error: text,
                            })
                        }
                        ProtocolError::Frame(text) => {
                            tracing::debug!("a page sent a bad frame: {text}");
                            framing::error_message(&text)
                        }
                    };
                    if replies.push(reply).is_err() {
                        break;
                    }
                    if protocol_errors > shared.options.max_protocol_errors {
                        tracing::warn!(
                            "a page sent {protocol_errors} bad frames; closing its connection"
                        );
                        break;
                    }
                }
            }
            drop(dispatching);
            // Frames that arrived together are read in one pass, and their replies wait for
            // the writer, polled after the reader: past half the bound, the reader lets the
            // writer run before it reads on, so a burst of calls is answered in full. (A page
            // that does not read still fills the queue, and is closed.)
            if replies.is_half_full() {
                tokio::task::yield_now().await;
            }
        }
        closing.cancel();
        runtime.close();
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

/// A new connection's runtime and queues, before the socket is served.
pub(crate) struct Connection {
    pub(crate) runtime: JsRuntime,
    pub(crate) closing: CancellationToken,
    queue: Arc<WriteQueue>,
}

/// Builds the host and the runtime of a new connection (inside the server's tokio runtime).
pub(crate) fn open(
    shared: &Arc<ServerShared>,
    closing: CancellationToken,
) -> Result<Connection, String> {
    let queue = Arc::new(WriteQueue::new(shared.options.write_queue));
    let host = Arc::new(SocketHost {
        queue: Arc::clone(&queue),
        closing: closing.clone(),
        shared: Arc::clone(shared),
        tokio: tokio::runtime::Handle::current(),
    });
    let runtime = JsRuntime::with_options(host, shared.options.runtime.clone())
        .map_err(|error| error.to_string())?;
    Ok(Connection {
        runtime,
        closing,
        queue,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    use super::*;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn text(message: &Message) -> &str {
        match message {
            Message::Text(text) => text.as_str(),
            _ => "",
        }
    }

    #[test]
    fn the_write_queue_wakes_the_writer_unless_the_reader_of_its_connection_pushes() {
        let queue = WriteQueue::new(3);
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        assert!(queue.poll_pop(&mut cx).is_pending());

        // The reader's own dispatch: no wake (the writer is polled right after it).
        {
            let _dispatching = Dispatching::enter(&queue);
            assert!(queue.push(Message::text("a")).is_ok());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        // Another connection's reader on this thread, then another thread: a wake each.
        let other = WriteQueue::new(3);
        {
            let _dispatching = Dispatching::enter(&other);
            assert!(queue.push(Message::text("b")).is_ok());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(queue.poll_pop(&mut cx).is_ready());
        assert!(queue.poll_pop(&mut cx).is_ready());
        assert!(queue.poll_pop(&mut cx).is_pending());
        std::thread::scope(|scope| {
            scope.spawn(|| assert!(queue.push(Message::text("c")).is_ok()));
        });
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);

        // Bounded, in order, and closed for good once the writer ends.
        assert!(queue.push(Message::text("d")).is_ok());
        assert!(queue.push(Message::text("e")).is_ok());
        assert!(matches!(queue.push(Message::text("f")), Err(Refused::Full)));
        let popped: Vec<String> = std::iter::from_fn(|| queue.try_pop())
            .map(|message| text(&message).to_owned())
            .collect();
        assert_eq!(popped, ["c", "d", "e"]);
        queue.close();
        assert!(matches!(
            queue.push(Message::text("g")),
            Err(Refused::Closed)
        ));
        assert!(queue.try_pop().is_none());
    }
}
