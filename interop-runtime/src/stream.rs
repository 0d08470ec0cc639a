//! JS → Rust streams: [`JsStreamRef`] and the reader that pulls its bytes (PROTOCOL.md §8.1).
//!
//! The reader pulls chunks with ordinary Rust→JS calls of the host's chunk helper
//! ([`RuntimeOptions::stream_chunk_function`](crate::RuntimeOptions::stream_chunk_function)),
//! each answered with an array of byte arrays (several chunks per call), and keeps a window
//! of these calls in flight so a network host does not pay one round trip per chunk.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use crate::bytes::ByteArray;
use crate::error::{texts, JsError};
use crate::js_call::JsCallFuture;
use crate::js_object_ref::JsObjectRef;
use crate::markers;

/// Binary data JavaScript offers as a stream (`{"__jsStreamReferenceLength":n,"__jsObjectId":id}`):
/// what `DotNet.createJSStreamReference(data)` makes of a `Uint8Array`, an `ArrayBuffer`, any
/// typed-array view or a `Blob`, and what a Rust→JS call asking for a `JsStreamRef` receives.
///
/// Nothing moves until [`open_read_stream`](Self::open_read_stream). Dropping the last clone
/// (or [`dispose`](Self::dispose)) tells JavaScript to release the data.
///
/// ```no_run
/// # async fn example(js: interop_runtime::JsRuntime) -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::AsyncReadExt;
/// use interop_runtime::JsStreamRef;
///
/// let data: JsStreamRef = js.invoke("streamToDotNet", ()).await?;
/// let mut bytes = Vec::new();
/// data.open_read_stream(10_000_000)?.read_to_end(&mut bytes).await?;
/// assert_eq!(bytes.len() as u64, data.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct JsStreamRef {
    length: u64,
    object: JsObjectRef,
}

impl fmt::Debug for JsStreamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsStreamRef")
            .field("id", &self.object.id())
            .field("length", &self.length)
            .finish()
    }
}

impl JsStreamRef {
    /// The `max_allowed_size` .NET's `OpenReadStreamAsync` uses when given none: 512,000 bytes.
    pub const DEFAULT_MAX_ALLOWED_SIZE: u64 = 512_000;

    /// The length JavaScript declared, in bytes (never 0: empty data is refused on arrival).
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Always `false`: JavaScript cannot offer empty data.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The `__jsObjectId` JavaScript holds the data under.
    pub fn id(&self) -> u64 {
        self.object.id()
    }

    /// Tells JavaScript to release the data; readers opened on it fail their next chunk.
    pub fn dispose(&self) {
        self.object.dispose();
    }

    /// Opens a reader of the whole data. Fails before any byte moves when the data is longer
    /// than `max_allowed_size` (.NET's text), when the reference was disposed or when the
    /// runtime is gone. The reader disposes the reference at the end of the data, on an error,
    /// on [`JsReadStream::cancel`] and when dropped.
    pub fn open_read_stream(&self, max_allowed_size: u64) -> Result<JsReadStream, JsError> {
        if self.length > max_allowed_size {
            return Err(JsError::Stream(texts::stream_too_large(
                self.length,
                max_allowed_size,
            )));
        }
        let runtime = self.object.runtime()?;
        let options = runtime.options();
        let max_staged = options.max_staged_bytes.unwrap_or(usize::MAX);
        let chunk_size = options.stream_chunk_size.min(max_staged).max(1);
        // All byte arrays of one completion are staged together: a request's total stays
        // within `max_staged_bytes`.
        let chunks_per_request = options
            .stream_chunks_per_request
            .min(max_staged / chunk_size)
            .max(1);
        Ok(JsReadStream {
            object: self.object.clone(),
            length: self.length,
            next_offset: 0,
            in_flight: VecDeque::new(),
            buffer: VecDeque::new(),
            position: 0,
            chunk_size: u64::try_from(chunk_size).unwrap_or(u64::MAX),
            chunks_per_request: u64::try_from(chunks_per_request).unwrap_or(u64::MAX),
            window: options.stream_pull_window.max(1),
            idle_timeout: options.stream_idle_timeout,
            chunk_function: options.stream_chunk_function.clone(),
            state: ReadState::Reading,
        })
    }
}

impl Serialize for JsStreamRef {
    /// Handing the reference back to JavaScript gives it the data object (`{"__jsObjectId":id}`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.object.is_disposed() {
            return Err(ser::Error::custom(texts::JS_OBJECT_DISPOSED));
        }
        markers::serialize_id(serializer, markers::JS_OBJECT, self.object.id())
    }
}

impl<'de> Deserialize<'de> for JsStreamRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (length, id) = deserializer.deserialize_map(StreamMarkerVisitor)?;
        if length <= 0 {
            return Err(de::Error::custom(texts::STREAM_LENGTH_NOT_POSITIVE));
        }
        let id = u64::try_from(id).map_err(|_| {
            de::Error::custom("The JS value was null or undefined: receive an Option<JsStreamRef>.")
        })?;
        Ok(JsStreamRef {
            length: length.unsigned_abs(),
            object: JsObjectRef::in_current_scope(id).map_err(de::Error::custom)?,
        })
    }
}

/// Reads `{"__jsStreamReferenceLength":n,"__jsObjectId":id}`, keys in either order.
struct StreamMarkerVisitor;

impl<'de> Visitor<'de> for StreamMarkerVisitor {
    type Value = (i64, i64);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a JS stream reference {\"__jsStreamReferenceLength\": <n>, \"__jsObjectId\": <id>}",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(i64, i64), A::Error> {
        let (mut length, mut id) = (None, None);
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let slot = match name.as_ref() {
                markers::JS_STREAM_LENGTH => &mut length,
                markers::JS_OBJECT => &mut id,
                _ => {
                    return Err(de::Error::custom(format!(
                        "Unexpected JSON property {name}."
                    )))
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format!(
                    "Duplicate JSON property {name}."
                )));
            }
            *slot = Some(map.next_value::<i64>()?);
        }
        let required = |key: &str| de::Error::custom(format!("Required property {key} not found."));
        Ok((
            length.ok_or_else(|| required(markers::JS_STREAM_LENGTH))?,
            id.ok_or_else(|| required(markers::JS_OBJECT))?,
        ))
    }
}

/// Chunks requested from JavaScript in one call: how many bytes they must hold in all, and
/// the reply.
struct PendingChunks {
    expected: u64,
    reply: JsCallFuture<Vec<ByteArray>>,
}

enum ReadState {
    Reading,
    Finished,
    Failed(JsError),
}

/// Reads the data of a [`JsStreamRef`]: a [`futures_io::AsyncRead`] (and, with the `tokio`
/// feature, a `tokio::io::AsyncRead`, so `tokio::io::copy` writes it to a file).
///
/// Bytes arrive in chunks of at most
/// [`stream_chunk_size`](crate::RuntimeOptions::stream_chunk_size),
/// [`stream_chunks_per_request`](crate::RuntimeOptions::stream_chunks_per_request) of them per
/// call, with up to [`stream_pull_window`](crate::RuntimeOptions::stream_pull_window) calls
/// requested ahead. An answer that is empty, holds an empty chunk, a chunk longer than the
/// chunk size or more or fewer bytes than requested, an error thrown by JavaScript and an
/// answer not delivered within [`stream_idle_timeout`](crate::RuntimeOptions::stream_idle_timeout)
/// each fail the read with a [`JsError::Stream`] (inside the `io::Error`); the runtime keeps
/// serving. Dropping the reader or calling [`cancel`](Self::cancel) stops the transfer.
pub struct JsReadStream {
    object: JsObjectRef,
    length: u64,
    next_offset: u64,
    in_flight: VecDeque<PendingChunks>,
    /// Chunks received and not yet read; `position` is within the front one.
    buffer: VecDeque<Bytes>,
    position: usize,
    chunk_size: u64,
    chunks_per_request: u64,
    window: usize,
    idle_timeout: Option<Duration>,
    chunk_function: String,
    state: ReadState,
}

impl fmt::Debug for JsReadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsReadStream")
            .field("id", &self.object.id())
            .field("length", &self.length)
            .field("requested", &self.next_offset)
            .field("in_flight", &self.in_flight.len())
            .finish()
    }
}

fn io_error(error: JsError) -> io::Error {
    let kind = if error.to_string() == texts::STREAM_IDLE {
        io::ErrorKind::TimedOut
    } else {
        io::ErrorKind::Other
    };
    io::Error::new(kind, error)
}

/// What a failed chunk request means for the stream.
fn chunk_error(error: JsError) -> JsError {
    match error {
        JsError::Timeout(_) => JsError::Stream(texts::STREAM_IDLE.to_owned()),
        JsError::Js(text) | JsError::Result(text) => {
            JsError::Stream(texts::stream_read_error(&text))
        }
        JsError::Arguments(text) | JsError::Unsupported(text) | JsError::Stream(text) => {
            JsError::Stream(text)
        }
        JsError::Disconnected => JsError::Disconnected,
    }
}

/// Checks the chunks of one answer against what was requested: none empty, none longer than
/// `chunk_size`, `expected` bytes in all.
fn check_chunks(
    chunks: Vec<ByteArray>,
    expected: u64,
    chunk_size: u64,
) -> Result<Vec<Bytes>, JsError> {
    if chunks.is_empty() {
        return Err(JsError::Stream(texts::STREAM_EMPTY_CHUNK.to_owned()));
    }
    let mut total: u64 = 0;
    let mut checked = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let bytes = chunk.into_bytes();
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if length == 0 {
            return Err(JsError::Stream(texts::STREAM_EMPTY_CHUNK.to_owned()));
        }
        total = total.saturating_add(length);
        if length > chunk_size || total > expected {
            return Err(JsError::Stream(texts::STREAM_CHUNK_TOO_LONG.to_owned()));
        }
        checked.push(bytes);
    }
    if total < expected {
        return Err(JsError::Stream(texts::STREAM_SHORT_READ.to_owned()));
    }
    Ok(checked)
}

impl JsReadStream {
    /// The length of the data, in bytes.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether the data is empty (never: JavaScript cannot offer empty data).
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Stops the transfer: chunks in flight are forgotten (late ones are ignored), JavaScript
    /// releases the data, and later reads fail. Dropping the reader does the same.
    pub fn cancel(&mut self) {
        if matches!(self.state, ReadState::Reading) {
            self.fail(JsError::Stream(texts::STREAM_CANCELLED.to_owned()));
        }
    }

    fn fail(&mut self, error: JsError) {
        self.in_flight.clear();
        self.buffer = VecDeque::new();
        self.state = ReadState::Failed(error);
        self.object.dispose();
    }

    fn finish(&mut self) {
        self.state = ReadState::Finished;
        self.object.dispose();
    }

    /// Requests chunks until the window is full or every byte is requested.
    fn fill_window(&mut self) -> Result<(), JsError> {
        while self.in_flight.len() < self.window && self.next_offset < self.length {
            let count = self
                .chunk_size
                .saturating_mul(self.chunks_per_request)
                .min(self.length - self.next_offset);
            let runtime = self.object.runtime()?;
            let reply = runtime
                .call(&self.chunk_function)
                .args((&self.object, self.next_offset, count, self.chunk_size))
                .timeout(self.idle_timeout)
                .invoke::<Vec<ByteArray>>();
            self.in_flight.push_back(PendingChunks {
                expected: count,
                reply,
            });
            self.next_offset += count;
        }
        Ok(())
    }

    fn poll_read_bytes(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            match &self.state {
                ReadState::Failed(error) => return Poll::Ready(Err(io_error(error.clone()))),
                ReadState::Finished => return Poll::Ready(Ok(0)),
                ReadState::Reading => {}
            }
            if let Some(chunk) = self.buffer.front() {
                if self.position < chunk.len() {
                    let count = out.len().min(chunk.len() - self.position);
                    out[..count].copy_from_slice(&chunk[self.position..self.position + count]);
                    self.position += count;
                    if self.position == chunk.len() {
                        self.buffer.pop_front();
                        self.position = 0;
                    }
                    return Poll::Ready(Ok(count));
                }
                self.buffer.pop_front();
                self.position = 0;
                continue;
            }
            if out.is_empty() {
                return Poll::Ready(Ok(0));
            }
            if let Err(error) = self.fill_window() {
                self.fail(chunk_error(error));
                continue;
            }
            let Some(front) = self.in_flight.front_mut() else {
                self.finish();
                continue;
            };
            let reply = match front.reply.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(reply) => reply,
            };
            let expected = front.expected;
            self.in_flight.pop_front();
            let chunk_size = self.chunk_size;
            match reply
                .map_err(chunk_error)
                .and_then(|chunks| check_chunks(chunks, expected, chunk_size))
            {
                Ok(chunks) => {
                    self.buffer = chunks.into();
                    self.position = 0;
                }
                Err(error) => self.fail(error),
            }
        }
    }
}

impl Drop for JsReadStream {
    fn drop(&mut self) {
        self.in_flight.clear();
        self.object.dispose();
    }
}

impl futures_io::AsyncRead for JsReadStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_bytes(cx, buf)
    }
}

#[cfg(feature = "tokio")]
impl tokio::io::AsyncRead for JsReadStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = self
            .get_mut()
            .poll_read_bytes(cx, buf.initialize_unfilled());
        read.map_ok(|count| buf.advance(count))
    }
}
