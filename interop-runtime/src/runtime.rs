//! `JsRuntime`: the Rust half of one JavaScript realm or connection.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use rustc_hash::FxHashMap;

use crate::context::Scope;
use crate::dispatch::RunningCall;
use crate::dotnet_stream::OutgoingStream;
use crate::error::{texts, JsError, RegistryError};
use crate::host::{Host, ToJs};
use crate::json_scan::{check_depth, count_byte_array_markers, ArrayReader};
use crate::object_ref::TrackedObject;
use crate::options::RuntimeOptions;
use crate::registry::Registry;
use crate::staging::{Incoming, Markers, Staging};

/// Completes a pending Rust→JS call with the value JSON or the JS error text.
pub(crate) type Completion = Box<dyn FnOnce(Result<&str, String>) + Send>;

struct PendingJsCall {
    identifier: String,
    complete: Completion,
}

#[derive(Default)]
struct State {
    objects: FxHashMap<u64, Arc<dyn TrackedObject>>,
    pending: FxHashMap<u64, PendingJsCall>,
    staging: Staging,
}

impl State {
    /// The Rust→JS calls whose completion may still arrive: pending ones, and those given up
    /// whose completion JavaScript may still send.
    fn outstanding(&self) -> usize {
        self.pending.len() + self.staging.late_count()
    }
}

/// The shared state behind every clone of a [`JsRuntime`].
///
/// Lock discipline: no user code runs and no user value is dropped while one of its locks is
/// held (a `Drop` or callback that uses the runtime would deadlock on it). A value leaves its
/// map under the lock and is dropped, called or woken after the guard is released.
pub(crate) struct RuntimeInner {
    host: Arc<dyn Host>,
    options: RuntimeOptions,
    state: Mutex<State>,
    /// A batch of byte arrays is open (the next call may carry it): lets the hot path of calls
    /// skip the lock.
    batch_open: AtomicBool,
    /// Byte arrays wait for a message: completions count their markers only then.
    bytes_waiting: AtomicBool,
    closed: AtomicBool,
    next_object_id: AtomicU64,
    next_handle: AtomicU64,
    next_byte_array_id: AtomicU64,
    in_flight: AtomicUsize,
    /// Async JS→Rust calls JavaScript may cancel, by call id.
    running: Mutex<FxHashMap<u64, RunningCall>>,
    /// Streams being sent to JavaScript, by id.
    pub(crate) outgoing_streams: Mutex<FxHashMap<u64, OutgoingStream>>,
    /// Values a host attaches to the connection (the authenticated user, …), by type.
    extensions: Mutex<FxHashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Drop for RuntimeInner {
    /// Calls still counted in flight end with the runtime: their tasks can no longer reach it
    /// (they hold it weakly), so the host's budget gets them back here, once each.
    fn drop(&mut self) {
        for _ in 0..*self.in_flight.get_mut() {
            self.host.end_call();
        }
    }
}

/// The Rust half of one JavaScript realm or connection: its object table, its pending Rust→JS
/// calls, its staged byte arrays and its limits. Cheap to clone (clones share everything).
///
/// A host creates one per realm, feeds it what JavaScript sends
/// ([`begin_invoke_dotnet`](Self::begin_invoke_dotnet), [`end_invoke_js`](Self::end_invoke_js),
/// [`receive_byte_array`](Self::receive_byte_array)) and delivers what it sends through the
/// [`Host`] trait. Rust code uses it to call JavaScript ([`invoke`](Self::invoke)).
#[derive(Clone)]
pub struct JsRuntime {
    inner: Arc<RuntimeInner>,
}

impl fmt::Debug for JsRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsRuntime")
            .field("tracked_objects", &self.tracked_object_count())
            .field("pending_js_calls", &self.pending_js_call_count())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl RuntimeInner {
    #[inline]
    pub(crate) fn options(&self) -> &RuntimeOptions {
        &self.options
    }

    pub(crate) fn host(&self) -> &Arc<dyn Host> {
        &self.host
    }

    #[inline]
    pub(crate) fn send(&self, message: ToJs) {
        self.host.send(message);
    }

    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Adds an object to the table; ids start at 1 and are never reused.
    pub(crate) fn track(&self, object: Arc<dyn TrackedObject>) -> Result<u64, String> {
        if self.is_closed() {
            return Err(texts::DISCONNECTED.to_owned());
        }
        let mut state = self.state.lock();
        if state.objects.len() >= self.options.max_tracked_objects {
            drop(state);
            drop(object);
            return Err(texts::too_many_objects(self.options.max_tracked_objects));
        }
        let id = self.next_object_id();
        state.objects.insert(id, object);
        Ok(id)
    }

    /// The next id of the object counter (objects and streams sent to JavaScript share it).
    pub(crate) fn next_object_id(&self) -> u64 {
        self.next_object_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn tracked(&self, id: u64) -> Option<Arc<dyn TrackedObject>> {
        self.state.lock().objects.get(&id).cloned()
    }

    /// Drops an object from the table (dispose from either side).
    pub(crate) fn untrack(&self, id: u64) {
        let removed = self.state.lock().objects.remove(&id);
        if let Some(object) = removed {
            object.mark_disposed();
        }
    }

    pub(crate) fn next_byte_array_id(&self) -> u64 {
        self.next_byte_array_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Whether a batch of byte arrays is open: a call that comes now may carry it.
    #[inline]
    pub(crate) fn has_open_batch(&self) -> bool {
        self.batch_open.load(Ordering::Acquire)
    }

    /// Publishes what the hot paths read without the lock.
    fn publish(&self, staging: &Staging) {
        self.batch_open.store(staging.is_open(), Ordering::Release);
        self.bytes_waiting
            .store(!staging.is_empty(), Ordering::Release);
    }

    /// The byte arrays of a JS→Rust call (`beginInvokeDotNetFromJS`, `invokeDotNetFromJS`):
    /// the open batch, if its arguments hold markers.
    #[inline]
    pub(crate) fn claim_for_call(&self, args_json: &str) -> Incoming {
        if self.has_open_batch() {
            self.claim_open(Some(args_json), 0)
        } else {
            Incoming::None
        }
    }

    /// The serial of the last batch of byte arrays started (before a synchronous JS call).
    pub(crate) fn staging_serial(&self) -> u64 {
        self.state.lock().staging.serial()
    }

    /// The byte arrays of what a synchronous JS call returned (`json`; `None` when it threw,
    /// and what it sent is dropped): a batch started during the call (after `since`), if the
    /// result holds markers.
    pub(crate) fn claim_sync_return(&self, since: u64, json: Option<&str>) -> Incoming {
        if self.has_open_batch() {
            self.claim_open(json, since)
        } else {
            Incoming::None
        }
    }

    #[cold]
    fn claim_open(&self, json: Option<&str>, since: u64) -> Incoming {
        // A call that failed takes what it sent, to drop it.
        let markers = json.map_or(usize::MAX, count_byte_array_markers);
        let mut state = self.state.lock();
        let outstanding = state.outstanding();
        let incoming = state.staging.claim_open(markers, since, outstanding);
        self.publish(&state.staging);
        incoming
    }

    /// Size and depth checks of an incoming JSON value.
    pub(crate) fn check_incoming(&self, json: &str) -> Result<(), String> {
        if let Some(max) = self.options.max_message_size {
            if json.len() > max {
                return Err(texts::message_too_large(json.len(), max));
            }
        }
        check_depth(json, self.options.max_json_depth)
    }

    pub(crate) fn register_pending(
        &self,
        identifier: String,
        complete: Completion,
    ) -> Result<u64, JsError> {
        if self.is_closed() {
            return Err(JsError::Disconnected);
        }
        let mut state = self.state.lock();
        if state.pending.len() >= self.options.max_pending_js_calls {
            drop(state);
            drop(complete);
            return Err(JsError::Arguments(format!(
                "Cannot start another JS interop call: {} calls are already pending on this runtime.",
                self.options.max_pending_js_calls
            )));
        }
        let handle = self.next_handle.fetch_add(1, Ordering::Relaxed) + 1;
        state.pending.insert(
            handle,
            PendingJsCall {
                identifier,
                complete,
            },
        );
        Ok(handle)
    }

    pub(crate) fn forget_pending(&self, handle: u64) {
        let removed = {
            let mut state = self.state.lock();
            let removed = state.pending.remove(&handle);
            if removed.is_some() {
                // JavaScript may still complete it, and its byte arrays must find their place.
                let max = self.options.max_pending_js_calls;
                state.staging.note_late(handle, max);
            }
            removed
        };
        drop(removed);
    }

    /// Counts a new async JS→Rust call, unless this runtime's limit or the host's budget is
    /// reached; the error is the text the call fails with.
    pub(crate) fn begin_in_flight(&self, identifier: &str) -> Result<(), String> {
        let max = self.options.max_in_flight_calls;
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                (current < max).then_some(current + 1)
            })
            .map_err(|_| texts::too_many_in_flight(identifier, max))?;
        self.host.begin_call().inspect_err(|_| {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
        })
    }

    /// The async JS→Rust calls JavaScript may cancel, by call id.
    pub(crate) fn running_calls(&self) -> parking_lot::MutexGuard<'_, FxHashMap<u64, RunningCall>> {
        self.running.lock()
    }

    pub(crate) fn end_in_flight(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.host.end_call();
    }
}

impl JsRuntime {
    /// A runtime with default options over `host`.
    pub fn new(host: Arc<dyn Host>) -> JsRuntime {
        JsRuntime::build(host, RuntimeOptions::default())
    }

    /// A runtime with `options` over `host`. Fails only under
    /// [`strict_registry`](RuntimeOptions::strict_registry) when identifiers are duplicated.
    pub fn with_options(
        host: Arc<dyn Host>,
        options: RuntimeOptions,
    ) -> Result<JsRuntime, RegistryError> {
        if options.strict_registry {
            Registry::get().check()?;
        }
        Ok(JsRuntime::build(host, options))
    }

    fn build(host: Arc<dyn Host>, options: RuntimeOptions) -> JsRuntime {
        // Build the registry now, so duplicates are logged when the runtime starts.
        Registry::get();
        JsRuntime {
            inner: Arc::new(RuntimeInner {
                host,
                options,
                state: Mutex::new(State::default()),
                batch_open: AtomicBool::new(false),
                bytes_waiting: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                next_object_id: AtomicU64::new(0),
                next_handle: AtomicU64::new(0),
                next_byte_array_id: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                running: Mutex::new(FxHashMap::default()),
                outgoing_streams: Mutex::new(FxHashMap::default()),
                extensions: Mutex::new(FxHashMap::default()),
            }),
        }
    }

    #[inline]
    pub(crate) fn inner(&self) -> &Arc<RuntimeInner> {
        &self.inner
    }

    pub(crate) fn from_inner(inner: Arc<RuntimeInner>) -> JsRuntime {
        JsRuntime { inner }
    }

    /// The options this runtime was built with.
    pub fn options(&self) -> &RuntimeOptions {
        &self.inner.options
    }

    /// How many objects JavaScript can currently reach.
    pub fn tracked_object_count(&self) -> usize {
        self.inner.state.lock().objects.len()
    }

    /// How many Rust→JS calls await their completion.
    pub fn pending_js_call_count(&self) -> usize {
        self.inner.state.lock().pending.len()
    }

    /// How many streams Rust is sending to JavaScript ([`StreamRef`](crate::StreamRef)s
    /// serialized and not finished, cancelled or timed out).
    pub fn outgoing_stream_count(&self) -> usize {
        self.inner.outgoing_stream_count()
    }

    /// How many async JS→Rust calls are running.
    pub fn in_flight_call_count(&self) -> usize {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Attaches a value to this runtime, one per type (a host fills these from the connection,
    /// e.g. the authenticated user); methods taking a `JsRuntime` read them back.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # struct NoHost;
    /// # impl interop_runtime::Host for NoHost {
    /// #     fn send(&self, _: interop_runtime::ToJs) {}
    /// #     fn spawn(&self, _: interop_runtime::BoxFuture<()>) {}
    /// #     fn sleep(&self, _: std::time::Duration) -> interop_runtime::BoxFuture<()> { Box::pin(async {}) }
    /// # }
    /// struct User(String);
    /// let runtime = interop_runtime::JsRuntime::new(Arc::new(NoHost));
    /// runtime.insert_extension(User("amy".into()));
    /// assert_eq!(runtime.extension::<User>().unwrap().0, "amy");
    /// ```
    ///
    /// A value of the same type attached before is replaced, and dropped after the runtime's
    /// lock is released (so its `Drop` may use the runtime).
    pub fn insert_extension<T: Any + Send + Sync>(&self, value: T) {
        let replaced = self
            .inner
            .extensions
            .lock()
            .insert(TypeId::of::<T>(), Arc::new(value));
        drop(replaced);
    }

    /// The value of type `T` attached with [`insert_extension`](Self::insert_extension).
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let value = self
            .inner
            .extensions
            .lock()
            .get(&TypeId::of::<T>())
            .cloned()?;
        value.downcast::<T>().ok()
    }

    /// Whether two handles are the same runtime.
    pub fn same_runtime(&self, other: &JsRuntime) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// `sendByteArray(index, bytes)`: stages bytes for a payload about to arrive. Index 0
    /// starts a payload's batch; each index must follow the previous one. The message that
    /// carries the payload takes the batch (docs/protocol.md, "Byte arrays from JavaScript"):
    /// a JS→Rust call the batch right before it, a completion the batches in arrival order.
    /// A refusal (order, size) is also reported to that message, so its caller learns why.
    ///
    /// The bytes are kept as they are given (a `Vec<u8>` or a slice of the host's frame, as
    /// [`Bytes`]): the [`ByteArray`](crate::ByteArray) a call receives is the same buffer.
    pub fn receive_byte_array(&self, index: u32, bytes: impl Into<Bytes>) -> Result<(), String> {
        let bytes = bytes.into();
        let inner = &self.inner;
        let mut state = inner.state.lock();
        let outstanding = state.outstanding();
        let max = inner.options.max_staged_bytes;
        let result = state.staging.receive(index, bytes, max, outstanding);
        inner.publish(&state.staging);
        result
    }

    /// For hosts that receive byte arrays in a framing of their own, with limits of their own
    /// (a server-wide budget, arrays sent in parts): the host dropped the byte arrays of one
    /// payload (from its index 0 to the next), and the message that carries it fails with
    /// `reason` (for a limit, the reference's `Exceeded the maximum byte array transfer limit
    /// for a call.`). Call it where the arrays would have been received, once per payload.
    pub fn refuse_byte_arrays(&self, reason: String) {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        let outstanding = state.outstanding();
        state.staging.refuse(reason, outstanding);
        inner.publish(&state.staging);
    }

    /// `endInvokeJSFromDotNet`: completes a Rust→JS call with the JSON of the whole triple
    /// `[handle, succeeded, value]`. Unknown or finished handles are ignored, as the reference
    /// does; a malformed triple fails the call it names (or is reported back if it names none).
    pub fn end_invoke_js(&self, triple_json: &str) -> Result<(), String> {
        self.complete_js_call(triple_json)
    }

    /// Takes the call `handle` names and the byte arrays its completion refers to. Every
    /// completion takes its batch, even one for a call no longer waiting, so later ones keep
    /// their place.
    fn take_completion(
        &self,
        handle: Option<u64>,
        markers: impl FnOnce() -> Markers,
    ) -> (Option<PendingJsCall>, Incoming) {
        let inner = &self.inner;
        // Markers are counted (outside the lock) only when byte arrays wait.
        let markers = if inner.bytes_waiting.load(Ordering::Acquire) {
            markers()
        } else {
            Markers::Exactly(0)
        };
        let mut state = inner.state.lock();
        let pending = handle.and_then(|handle| {
            let pending = state.pending.remove(&handle);
            if pending.is_none() {
                state.staging.forget_late(handle);
            }
            pending
        });
        // This call was outstanding until now, whatever its handle said.
        let outstanding = state.outstanding() + 1;
        let incoming = state.staging.claim_for_completion(markers, outstanding);
        let outstanding = state.outstanding();
        state.staging.settle(outstanding);
        inner.publish(&state.staging);
        (pending, incoming)
    }

    fn complete_js_call(&self, triple_json: &str) -> Result<(), String> {
        let inner = &self.inner;
        let depth = inner.options.max_json_depth;
        if let Some(max) = inner.options.max_message_size {
            if triple_json.len() > max {
                let text = texts::message_too_large(triple_json.len(), max);
                // Fail the call it names rather than leave it waiting for its timeout.
                let handle = ArrayReader::open(triple_json)
                    .ok()
                    .and_then(|mut reader| reader.next(depth).ok().flatten())
                    .and_then(|handle| serde_json::from_str::<u64>(handle.text(triple_json)).ok());
                let (pending, _) = self.take_completion(handle, || Markers::Unknown);
                if let Some(pending) = pending {
                    (pending.complete)(Err(text.clone()));
                }
                return Err(text);
            }
        }
        let invalid = || texts::INVALID_JSON.to_owned();
        let mut reader = match ArrayReader::open(triple_json) {
            Ok(reader) => reader,
            Err(text) => {
                self.take_completion(None, || Markers::Unknown);
                return Err(text);
            }
        };
        let handle = reader
            .next(depth)
            .and_then(|handle| handle.ok_or_else(invalid))
            .and_then(|handle| {
                serde_json::from_str::<u64>(handle.text(triple_json)).map_err(|_| invalid())
            });
        let handle = match handle {
            Ok(handle) => handle,
            Err(text) => {
                self.take_completion(None, || Markers::Unknown);
                return Err(text);
            }
        };
        let envelope = (|| {
            let succeeded = reader.next(depth)?.ok_or_else(invalid)?;
            let succeeded: bool =
                serde_json::from_str(succeeded.text(triple_json)).map_err(|_| invalid())?;
            let value = reader.next(depth)?.ok_or_else(invalid)?;
            // A fourth element or a missing `]` are both `Invalid JSON`, as in .NET.
            if reader.next(depth).map_err(|_| invalid())?.is_some() {
                return Err(invalid());
            }
            Ok((succeeded, value.text(triple_json)))
        })();
        let (pending, incoming) = self.take_completion(Some(handle), || match &envelope {
            Ok((true, value)) => Markers::Exactly(count_byte_array_markers(value)),
            _ => Markers::Unknown,
        });
        // An unknown or finished handle is ignored without checking the rest, as in .NET.
        let Some(pending) = pending else {
            return Ok(());
        };
        match envelope {
            Err(text) => {
                tracing::warn!(identifier = %pending.identifier, "malformed completion of a JS interop call");
                (pending.complete)(Err(text.clone()));
                Err(text)
            }
            Ok((true, value)) => {
                let scope = Scope::with_incoming(self, incoming);
                scope.enter(|| (pending.complete)(Ok(value)));
                Ok(())
            }
            Ok((false, value)) => {
                let text = serde_json::from_str::<Option<String>>(value)
                    .unwrap_or_else(|_| Some(value.to_owned()))
                    .unwrap_or_default();
                (pending.complete)(Err(text));
                Ok(())
            }
        }
    }

    /// Closes the runtime: pending Rust→JS calls fail with `The JS runtime has been
    /// disconnected.`, every tracked object is released, and later calls fail. Hosts call this
    /// when the realm or connection goes away.
    pub fn close(&self) {
        let inner = &self.inner;
        inner.closed.store(true, Ordering::Release);
        let (objects, pending) = {
            let mut state = inner.state.lock();
            state.staging = Staging::default();
            inner.publish(&state.staging);
            (
                std::mem::take(&mut state.objects),
                std::mem::take(&mut state.pending),
            )
        };
        for object in objects.values() {
            object.mark_disposed();
        }
        inner.drop_outgoing_streams();
        // Dropping the completions wakes every waiting future with `Disconnected`.
        drop(pending);
    }
}
