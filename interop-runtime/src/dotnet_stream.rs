//! Rust → JS streams: [`StreamRef`] (PROTOCOL.md §8.2, the analog of `DotNetStreamReference`).
//!
//! Serializing a `StreamRef` moves its reader into the runtime's table under a new id (from
//! the object counter), writes `{"__dotNetStream":id}` and asks JavaScript to set up the
//! stream: a fire-and-forget call of
//! [`stream_supply_function`](crate::RuntimeOptions::stream_supply_function) with `[id]`,
//! which the hosts of this project install. It builds a pull-based `ReadableStream` and hands
//! it to the client with `supplyDotNetStream(id, stream)`. Each pull is an ordinary JS→Rust
//! call of the built-in `ReadDotNetStream` (assembly [`BUILTIN_ASSEMBLY`]), answered with up
//! to [`stream_pull_window`](crate::RuntimeOptions::stream_pull_window) chunks of at most
//! [`stream_chunk_size`](crate::RuntimeOptions::stream_chunk_size) bytes as byte arrays (the
//! first waits for the reader, the rest are what it has ready), or `null` at the end. So every host and both JS clients carry it unchanged.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

use futures_channel::oneshot;
use futures_io::AsyncRead;
use futures_util::future::{self, Either};
use parking_lot::Mutex;
use serde::de::{self, Deserializer};
use serde::ser::{self, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::bytes;
use crate::context::with_scope;
use crate::error::texts;
use crate::host::{CallType, JsInvocation, ResultType, ToJs};
use crate::jsinvokable;
use crate::markers;
use crate::runtime::{JsRuntime, RuntimeInner};

/// The assembly of the runtime's own JS-invokable functions (`ReadDotNetStream`,
/// `CancelDotNetStream`). It is always allowed, whatever
/// [`allowed_assemblies`](crate::RuntimeOptions::allowed_assemblies) says.
pub const BUILTIN_ASSEMBLY: &str = "jsinvokable";

/// A reader as the runtime holds it.
type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// Where a `leave_open` reader goes back to when its transfer ends.
type ReaderSlot = Arc<Mutex<Option<Reader>>>;

/// Data Rust sends to JavaScript as a stream: `{"__dotNetStream":id}` in the JSON, which
/// JavaScript receives as an object with `stream()` (a `ReadableStream`) and `arrayBuffer()`.
///
/// Serializing it (as an argument of a Rust→JS call or in a result) starts a transfer: the
/// reader moves to the runtime, and JavaScript pulls it in chunks of at most 32 KiB. A stream
/// JavaScript does not start reading within
/// [`stream_claim_timeout`](crate::RuntimeOptions::stream_claim_timeout) (10 s) is dropped; a
/// read error in Rust errors the JS stream with its text. Without [`leave_open`](Self::leave_open)
/// the reader is dropped when the transfer ends; with it, the reader comes back and
/// [`take_reader`](Self::take_reader) returns it.
///
/// ```
/// use interop_runtime::StreamRef;
/// let download = StreamRef::new(futures_util::io::Cursor::new(vec![7u8; 100_000]));
/// # let _ = download;
/// ```
#[derive(Clone)]
pub struct StreamRef {
    slot: ReaderSlot,
    leave_open: bool,
}

impl fmt::Debug for StreamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamRef")
            .field("has_reader", &self.slot.lock().is_some())
            .field("leave_open", &self.leave_open)
            .finish()
    }
}

impl StreamRef {
    /// A stream of everything `reader` yields.
    pub fn new<R: AsyncRead + Send + 'static>(reader: R) -> Self {
        StreamRef {
            slot: Arc::new(Mutex::new(Some(Box::pin(reader)))),
            leave_open: false,
        }
    }

    /// A stream of a tokio reader (a `tokio::fs::File`, …).
    #[cfg(feature = "tokio")]
    pub fn from_tokio<R: tokio::io::AsyncRead + Send + 'static>(reader: R) -> Self {
        StreamRef::new(TokioReader(Box::pin(reader)))
    }

    /// Keeps the reader when a transfer ends (the reference's `leaveOpen`): it comes back to
    /// this `StreamRef`, for [`take_reader`](Self::take_reader) or another transfer that
    /// continues where this one stopped.
    pub fn leave_open(mut self, leave_open: bool) -> Self {
        self.leave_open = leave_open;
        self
    }

    /// The reader, when no transfer holds it (before any, or after one with `leave_open`).
    pub fn take_reader(&self) -> Option<Pin<Box<dyn AsyncRead + Send>>> {
        self.slot.lock().take()
    }
}

impl Serialize for StreamRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let reader = self
            .slot
            .lock()
            .take()
            .ok_or_else(|| ser::Error::custom(texts::STREAM_REF_IN_USE))?;
        let give_back = self.leave_open.then(|| Arc::clone(&self.slot));
        let started = with_scope(|scope| {
            scope
                .runtime
                .inner()
                .start_outgoing_stream(reader, give_back)
        })
        .map_err(ser::Error::custom)?;
        let id = started.map_err(ser::Error::custom)?;
        markers::serialize_id(serializer, markers::DOTNET_STREAM, id)
    }
}

impl<'de> Deserialize<'de> for StreamRef {
    /// Always an error: a stream Rust sent cannot come back (.NET's text).
    fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(de::Error::custom(texts::STREAM_REF_FROM_JS))
    }
}

/// A reader moved into the runtime by a transfer.
pub(crate) struct OutgoingStream {
    /// `None` while a read holds it.
    reader: Option<Reader>,
    give_back: Option<ReaderSlot>,
    /// How the reader ended, once it has, for the read after the last chunks.
    finish: Option<Result<(), String>>,
    /// Dropped when JavaScript claims the stream or the transfer ends, which ends the claim
    /// timer early (a host that runs until idle must not wait for it).
    claim_timer: Option<oneshot::Sender<()>>,
    /// The sequence number of the read to serve next: JavaScript may ask for the next batch
    /// while it consumes one, and reads are served in their order whatever order the host
    /// runs them in.
    next_read: u64,
    /// Reads waiting for their turn.
    waiting: Vec<Waker>,
}

impl OutgoingStream {
    /// Ends the transfer, once it is out of the table and the table's lock is released: wakes
    /// the reads waiting for their turn, stops the claim timer, and gives a `leave_open`
    /// reader back (or drops it).
    fn end(self, reader: Option<Reader>) {
        for waker in self.waiting {
            waker.wake();
        }
        drop(self.claim_timer);
        let reader = reader.or(self.reader);
        if let (Some(slot), Some(reader)) = (self.give_back, reader) {
            let previous = slot.lock().replace(reader);
            drop(previous);
        }
    }
}

/// What a read found when it asked for its turn, and what to drop once the lock is released.
struct Turn {
    poll: Poll<Result<Option<Reader>, String>>,
    /// The transfer, when this read found it finished.
    ended: Option<OutgoingStream>,
    /// The claim timer's sender, when this read claimed the stream (dropping it ends the timer).
    claim_timer: Option<oneshot::Sender<()>>,
}

impl RuntimeInner {
    /// Registers a transfer and asks JavaScript to set it up; the id for the marker.
    fn start_outgoing_stream(
        self: &Arc<Self>,
        reader: Reader,
        give_back: Option<ReaderSlot>,
    ) -> Result<u64, String> {
        if self.is_closed() {
            return Err(texts::DISCONNECTED.to_owned());
        }
        let id = self.next_object_id();
        let (claim_timer, stop_timer) = oneshot::channel::<()>();
        self.outgoing_streams.lock().insert(
            id,
            OutgoingStream {
                reader: Some(reader),
                give_back,
                finish: None,
                claim_timer: Some(claim_timer),
                next_read: 0,
                waiting: Vec::new(),
            },
        );
        self.send(ToJs::BeginInvokeJs(JsInvocation {
            async_handle: 0,
            identifier: self.options().stream_supply_function.clone(),
            args_json: format!("[{id}]"),
            result_type: ResultType::Void,
            target_instance_id: 0,
            call_type: CallType::Function,
        }));
        if let Some(timeout) = self.options().stream_claim_timeout {
            let sleep = self.host().sleep(timeout);
            let runtime = Arc::downgrade(self);
            self.host().spawn(Box::pin(async move {
                if let Either::Left(_) = future::select(sleep, stop_timer).await {
                    drop_if_unclaimed(&runtime, id);
                }
            }));
        }
        Ok(id)
    }

    /// Drops every transfer (the runtime closes).
    pub(crate) fn drop_outgoing_streams(&self) {
        let streams = std::mem::take(&mut *self.outgoing_streams.lock());
        for (_, stream) in streams {
            stream.end(None);
        }
    }

    /// How many transfers are open.
    pub(crate) fn outgoing_stream_count(&self) -> usize {
        self.outgoing_streams.lock().len()
    }

    /// Takes the reader of transfer `id` for read number `seq` once it is that read's turn:
    /// `None` when the transfer already ended (how, in the result). JavaScript keeps a read
    /// asked for ahead, so the read after the end is normal and answered with `null` too.
    async fn take_turn(&self, id: u64, seq: u64) -> Result<Option<Reader>, String> {
        poll_fn(|cx| {
            let turn = self.turn(id, seq, cx.waker());
            drop(turn.claim_timer);
            if let Some(ended) = turn.ended {
                ended.end(None);
            }
            turn.poll
        })
        .await
    }

    /// One attempt of [`take_turn`](Self::take_turn), under the lock.
    fn turn(&self, id: u64, seq: u64, waker: &Waker) -> Turn {
        let mut streams = self.outgoing_streams.lock();
        let ready = |poll, claim_timer| Turn {
            poll: Poll::Ready(poll),
            ended: None,
            claim_timer,
        };
        let Some(stream) = streams.get_mut(&id) else {
            // After a first read, a transfer that is gone has ended (or failed, which the
            // read that failed reported): nothing more. Before it, it was never there or
            // not claimed in time.
            return ready(
                if seq > 0 {
                    Ok(None)
                } else {
                    Err(texts::stream_not_available(id))
                },
                None,
            );
        };
        let claim_timer = stream.claim_timer.take();
        if seq < stream.next_read
            || seq
                > stream
                    .next_read
                    .saturating_add(self.options().stream_reads_ahead)
        {
            let text = texts::stream_read_out_of_turn(id, seq, stream.next_read);
            return ready(Err(text), claim_timer);
        }
        if seq == stream.next_read {
            if let Some(finish) = stream.finish.clone() {
                return Turn {
                    poll: Poll::Ready(finish.map(|()| None)),
                    ended: streams.remove(&id),
                    claim_timer,
                };
            }
            if let Some(reader) = stream.reader.take() {
                stream.next_read += 1;
                return ready(Ok(Some(reader)), claim_timer);
            }
        }
        stream.waiting.push(waker.clone());
        Turn {
            poll: Poll::Pending,
            ended: None,
            claim_timer,
        }
    }

    /// Reads the next chunks of transfer `id` (read number `seq`, from 0): the first one waits
    /// for the reader, the others (up to `stream_pull_window`) only take what it has ready.
    /// `None` once every byte was delivered (the transfer is then over); a read error is
    /// reported after the chunks read before it.
    async fn read_outgoing_stream(
        &self,
        id: u64,
        seq: u64,
    ) -> Result<Option<Vec<Vec<u8>>>, String> {
        let Some(mut reader) = self.take_turn(id, seq).await? else {
            return Ok(None);
        };
        let options = self.options();
        let mut chunks = Vec::new();
        let mut finish = None;
        while chunks.len() < options.stream_pull_window.max(1) {
            let mut chunk = vec![0; options.stream_chunk_size.max(1)];
            let read = if chunks.is_empty() {
                poll_fn(|cx| reader.as_mut().poll_read(cx, &mut chunk)).await
            } else {
                let mut ready = Context::from_waker(Waker::noop());
                match reader.as_mut().poll_read(&mut ready, &mut chunk) {
                    Poll::Ready(read) => read,
                    Poll::Pending => break,
                }
            };
            match read {
                Ok(0) => finish = Some(Ok(())),
                Ok(count) => {
                    chunk.truncate(count);
                    chunks.push(chunk);
                }
                Err(error) => finish = Some(Err(error.to_string())),
            }
            if finish.is_some() {
                break;
            }
        }
        // The reader goes back to the transfer, or ends with it once the lock is released.
        let (result, ended, reader, waiting) = {
            let mut streams = self.outgoing_streams.lock();
            match streams.get_mut(&id) {
                // Cancelled (or the runtime closed) while reading.
                None => (
                    Err(texts::stream_not_available(id)),
                    None,
                    Some(reader),
                    Vec::new(),
                ),
                Some(_) if chunks.is_empty() => (
                    finish.unwrap_or(Ok(())).map(|()| None),
                    streams.remove(&id),
                    Some(reader),
                    Vec::new(),
                ),
                Some(stream) => {
                    stream.reader = Some(reader);
                    stream.finish = finish;
                    let waiting = std::mem::take(&mut stream.waiting);
                    (Ok(Some(chunks)), None, None, waiting)
                }
            }
        };
        for waker in waiting {
            waker.wake();
        }
        match ended {
            Some(stream) => stream.end(reader),
            None => drop(reader),
        }
        result
    }

    /// Ends transfer `id` before its end (JavaScript cancelled its stream).
    fn cancel_outgoing_stream(&self, id: u64) {
        let removed = self.outgoing_streams.lock().remove(&id);
        if let Some(stream) = removed {
            stream.end(None);
        }
    }
}

fn drop_if_unclaimed(runtime: &Weak<RuntimeInner>, id: u64) {
    let Some(runtime) = runtime.upgrade() else {
        return;
    };
    // The first read takes the claim timer's sender: a stream that still has it is unclaimed.
    let unclaimed = {
        let mut streams = runtime.outgoing_streams.lock();
        let claimed = streams
            .get(&id)
            .is_none_or(|stream| stream.claim_timer.is_none());
        if claimed {
            None
        } else {
            streams.remove(&id)
        }
    };
    if let Some(stream) = unclaimed {
        tracing::debug!(id, "a stream sent to JavaScript was not claimed in time");
        stream.end(None);
    }
}

/// The chunks of one `ReadDotNetStream` answer, serialized as an array of byte arrays. The
/// chunks move to the call's byte arrays instead of being copied (as serializing a
/// `ByteArray` does), so only the first serialization has them; the answer is serialized once.
struct Chunks(Mutex<Vec<Vec<u8>>>);

impl Serialize for Chunks {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// `{"__byte[]":id}`.
        struct Marker(u64);
        impl Serialize for Marker {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                markers::serialize_id(serializer, markers::BYTE_ARRAY, self.0)
            }
        }
        let chunks = std::mem::take(&mut *self.0.lock());
        let mut seq = serializer.serialize_seq(Some(chunks.len()))?;
        for chunk in chunks {
            let id = bytes::stage_outgoing(chunk).map_err(ser::Error::custom)?;
            seq.serialize_element(&Marker(id))?;
        }
        seq.end()
    }
}

/// Read number `seq` (from 0) of the stream `id` Rust is sending: its next chunks, as byte
/// arrays of at most 32 KiB; `null` at its end. A read may be asked for while the one before
/// it is still running; it is served after it.
#[jsinvokable("ReadDotNetStream", assembly = "jsinvokable", crate = "crate")]
async fn read_dotnet_stream(
    runtime: JsRuntime,
    id: u64,
    seq: u64,
) -> Result<Option<Chunks>, String> {
    let chunks = runtime.inner().read_outgoing_stream(id, seq).await?;
    Ok(chunks.map(|chunks| Chunks(Mutex::new(chunks))))
}

/// Stops the stream `id` Rust is sending (JavaScript cancelled it).
#[jsinvokable("CancelDotNetStream", assembly = "jsinvokable", crate = "crate")]
fn cancel_dotnet_stream(runtime: JsRuntime, id: u64) {
    runtime.inner().cancel_outgoing_stream(id);
}

/// A tokio reader seen as a `futures_io::AsyncRead`.
#[cfg(feature = "tokio")]
struct TokioReader(Pin<Box<dyn tokio::io::AsyncRead + Send>>);

#[cfg(feature = "tokio")]
impl AsyncRead for TokioReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let mut read = tokio::io::ReadBuf::new(buf);
        self.0
            .as_mut()
            .poll_read(cx, &mut read)
            .map_ok(|()| read.filled().len())
    }
}
