//! One WebSocket connection: its `JsRuntime`, a reader loop that always reads, and a writer
//! fed by a bounded queue.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use interop_runtime::{BoxFuture, Host, JsRuntime, ToJs};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::framing::{self, Incoming, ProtocolError};
use crate::ServerShared;

/// The runtime's view of the connection.
struct SocketHost {
    queue: mpsc::Sender<Message>,
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
        match self.queue.try_send(framing::encode(message)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("a page does not read what it is sent; closing its connection");
                self.closing.cancel();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
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
        replies,
        mut queue,
    } = connection;
    let (mut sink, mut stream) = socket.split();
    let write_timeout = shared.options.write_timeout;
    let writer_closing = closing.clone();
    // Reader and writer are two futures of one task: a reply queued by the reader wakes the
    // writer without a hop to another thread, and the reader keeps reading while a write waits.
    let writer = async move {
        loop {
            // What is queued goes first: once the connection is closing, messages queued
            // before (the `Error` that closed it) still reach a page that reads.
            let message = tokio::select! {
                biased;
                message = queue.recv() => match message {
                    Some(message) => message,
                    None => break,
                },
                () = writer_closing.cancelled() => break,
            };
            // Everything already queued goes out with one flush (one syscall, not one each).
            let batch = async {
                sink.feed(message).await?;
                for _ in 0..WRITE_BATCH {
                    match queue.try_recv() {
                        Ok(next) => sink.feed(next).await?,
                        Err(_) => break,
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
                    if replies.try_send(framing::pong(number)).is_err() {
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
                    if replies.try_send(reply).is_err() {
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
        }
        closing.cancel();
        runtime.close();
    };
    tokio::join!(reader, writer);
}

/// A new connection's runtime and queues, before the socket is served.
pub(crate) struct Connection {
    pub(crate) runtime: JsRuntime,
    pub(crate) closing: CancellationToken,
    replies: mpsc::Sender<Message>,
    queue: mpsc::Receiver<Message>,
}

/// Builds the host and the runtime of a new connection (inside the server's tokio runtime).
pub(crate) fn open(
    shared: &Arc<ServerShared>,
    closing: CancellationToken,
) -> Result<Connection, String> {
    let (sender, queue) = mpsc::channel(shared.options.write_queue);
    let host = Arc::new(SocketHost {
        queue: sender.clone(),
        closing: closing.clone(),
        shared: Arc::clone(shared),
        tokio: tokio::runtime::Handle::current(),
    });
    let runtime = JsRuntime::with_options(host, shared.options.runtime.clone())
        .map_err(|error| error.to_string())?;
    Ok(Connection {
        runtime,
        closing,
        replies: sender,
        queue,
    })
}
