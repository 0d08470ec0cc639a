//! Lock discipline: no user code runs and no user value is dropped while a lock of the runtime
//! is held. Every user value here calls back into the runtime from its `Drop` (or callback),
//! taking each of its locks; a lock still held would deadlock (a `Mutex` is not re-entrant),
//! which the 10 s watchdog turns into a failure instead of a hung test run.
//!
//! The locks: the runtime's state (object table, pending Rust→JS calls, staged bytes), the
//! streams Rust sends, the extensions; the host is called (send, spawn, sleep, wakers) with
//! none of them held.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures_util::{AsyncReadExt, FutureExt};
use interop_runtime::{
    jsinvokable, BoxFuture, Host, JsInvocation, JsObjectRef, JsRuntime, JsStreamRef, ObjectRef,
    RuntimeOptions, StreamRef, SyncCallError, ToJs,
};
use interop_testkit::conformance::{Factory, CASES};
use interop_testkit::{Invoke, MemoryClient, MemoryHost, WireClient, WireClientExt};
use serde::de::{Deserialize, Deserializer, IgnoredAny};

const ASM: &str = "LockDiscipline";

/// Runs `case` on a thread of its own and fails if it has not finished within 10 s: a callback
/// re-entered a lock that was still held. The deadlocked thread is left behind; the test
/// binary still exits.
fn within_10s(case: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        case();
        drop(done);
    });
    if finished.recv_timeout(Duration::from_secs(10)) == Err(mpsc::RecvTimeoutError::Timeout) {
        panic!("deadlock: not finished within 10 s (a callback re-entered a lock still held)");
    }
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

thread_local! {
    /// How many times this thread's callbacks took every lock.
    static TOUCHES: Cell<usize> = const { Cell::new(0) };
    static TOUCHING: Cell<bool> = const { Cell::new(false) };
    /// The runtime of callbacks that cannot hold one (a `Deserialize` impl).
    static RUNTIME: RefCell<Option<JsRuntime>> = const { RefCell::new(None) };
}

fn touches() -> usize {
    TOUCHES.get()
}

/// A value in the extensions, replaced by every touch.
struct Touched;

/// Takes every lock of `runtime` once, sending nothing: the state (object table, pending calls,
/// staged bytes), the outgoing streams, the cancellable calls and the extensions.
fn touch_locks(runtime: &JsRuntime) {
    if TOUCHING.replace(true) {
        return;
    }
    let _ = runtime.tracked_object_count();
    let _ = runtime.pending_js_call_count();
    let _ = runtime.outgoing_stream_count();
    // The table of calls JavaScript may cancel (no call has this id).
    runtime.cancel_invoke_dotnet(u64::MAX);
    runtime.insert_extension(Touched);
    let _ = runtime.extension::<Touched>();
    TOUCHING.set(false);
    TOUCHES.set(TOUCHES.get() + 1);
}

/// An object for [`call_back`] to hand to JavaScript.
pub struct Probe;

#[jsinvokable]
impl Probe {}

/// What a user's `Drop` does here: takes every lock, then calls JavaScript with a new object
/// (the object table, the pending calls and the host again).
fn call_back(runtime: &JsRuntime) {
    touch_locks(runtime);
    drop(runtime.invoke_void("lockDiscipline.dropped", (ObjectRef::new(Probe),)));
}

/// A user value that calls back into the runtime when dropped (and closes it, if asked).
struct CallsBack {
    runtime: JsRuntime,
    close: bool,
}

impl CallsBack {
    fn new(runtime: &JsRuntime) -> Self {
        CallsBack {
            runtime: runtime.clone(),
            close: false,
        }
    }
}

impl Drop for CallsBack {
    fn drop(&mut self) {
        call_back(&self.runtime);
        if self.close {
            self.runtime.close();
        }
    }
}

/// An object JavaScript holds, calling back when the runtime drops it.
pub struct CallsBackObject {
    _calls_back: CallsBack,
}

#[jsinvokable]
impl CallsBackObject {
    /// Answers 1.
    #[jsinvokable("Ping")]
    pub fn ping(&self) -> u32 {
        1
    }
}

/// A new object whose `Drop` calls back (and closes the runtime, with `close`).
#[jsinvokable("NewCallsBack", assembly = "LockDiscipline")]
pub fn new_calls_back(runtime: JsRuntime, close: bool) -> ObjectRef<CallsBackObject> {
    ObjectRef::new(CallsBackObject {
        _calls_back: CallsBack { runtime, close },
    })
}

/// A reader following a script: `data` gives 3 bytes, `pending` is not ready once, `eof` ends.
struct ScriptedReader {
    steps: VecDeque<String>,
    _calls_back: CallsBack,
}

impl futures_util::AsyncRead for ScriptedReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.steps.pop_front().as_deref() {
            Some("data") => {
                buf[..3].copy_from_slice(b"abc");
                Poll::Ready(Ok(3))
            }
            Some("pending") => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            _ => Poll::Ready(Ok(0)),
        }
    }
}

/// A stream whose reader follows `steps` and calls back when dropped.
#[jsinvokable("CallsBackStream", assembly = "LockDiscipline")]
pub fn calls_back_stream(runtime: JsRuntime, steps: Vec<String>, close: bool) -> StreamRef {
    StreamRef::new(ScriptedReader {
        steps: steps.into(),
        _calls_back: CallsBack { runtime, close },
    })
}

/// A value JavaScript sends that calls back while it is deserialized (in a completion).
struct CallsBackWhenRead;

impl<'de> Deserialize<'de> for CallsBackWhenRead {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer)?;
        let runtime = RUNTIME.with_borrow(Clone::clone).expect("RUNTIME is set");
        call_back(&runtime);
        Ok(CallsBackWhenRead)
    }
}

/// A waker that takes every lock of the runtime when woken, then wakes `inner`.
struct TouchWaker {
    runtime: JsRuntime,
    inner: Waker,
}

impl Wake for TouchWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        touch_locks(&self.runtime);
        self.inner.wake_by_ref();
    }
}

fn touch_waker(runtime: &JsRuntime) -> Waker {
    Waker::from(Arc::new(TouchWaker {
        runtime: runtime.clone(),
        inner: Waker::noop().clone(),
    }))
}

/// Polls `future` once with a waker that takes every lock when woken.
fn poll_touching<F: Future + Unpin>(future: &mut F, runtime: &JsRuntime) -> Poll<F::Output> {
    let waker = touch_waker(runtime);
    future.poll_unpin(&mut Context::from_waker(&waker))
}

/// The handle of the last call of `identifier` the runtime sent.
fn handle_of(host: &MemoryHost, identifier: &str) -> u64 {
    host.take_messages()
        .into_iter()
        .rev()
        .find_map(|message| match message {
            ToJs::BeginInvokeJs(call) if call.identifier == identifier => Some(call.async_handle),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no call of {identifier}"))
}

fn st<'a>(identifier: &'a str, args_json: &'a str) -> Invoke<'a> {
    Invoke::r#static(ASM, identifier, args_json)
}

/// The id in `{"<marker>":id}`.
fn marker_id(json: &str, marker: &str) -> u64 {
    let value: serde_json::Value = serde_json::from_str(json).expect("a marker");
    value[marker]
        .as_u64()
        .unwrap_or_else(|| panic!("not a {marker}: {json}"))
}

/// An extension replaced by another of its type is dropped unlocked.
#[test]
fn replaced_extension_is_dropped_unlocked() {
    within_10s(|| {
        let runtime = MemoryHost::new().runtime(RuntimeOptions::default());
        runtime.insert_extension(CallsBack::new(&runtime));
        assert_eq!(touches(), 0);
        runtime.insert_extension(CallsBack::new(&runtime));
        assert_eq!(touches(), 1);
        // One whose `Drop` closes the runtime.
        runtime.insert_extension(CallsBack {
            runtime: runtime.clone(),
            close: true,
        });
        runtime.insert_extension(CallsBack::new(&runtime));
        assert_eq!(touches(), 3);
        assert!(runtime.is_closed());
    });
}

/// An object leaving the table (disposed by JavaScript, or by the runtime closing) is dropped
/// unlocked, also when its `Drop` closes the runtime.
#[test]
fn objects_are_dropped_unlocked() {
    within_10s(|| {
        let mut client = MemoryClient::new(RuntimeOptions::default());
        let disposed = marker_id(
            &client.call_ok(st("NewCallsBack", "[false]")),
            "__dotNetObject",
        );
        assert_eq!(
            client.call_ok(Invoke::instance(disposed, "Ping", "[]")),
            "1"
        );
        client.call_ok(Invoke::dispose(disposed));
        assert_eq!(touches(), 1);

        let closes = marker_id(
            &client.call_ok(st("NewCallsBack", "[true]")),
            "__dotNetObject",
        );
        client.call_ok(st("NewCallsBack", "[false]"));
        client.call_ok(Invoke::dispose(closes));
        // The first `Drop` closed the runtime, which dropped the other object.
        assert_eq!(touches(), 3);
        assert!(client.runtime().is_closed());
        assert_eq!(client.runtime().tracked_object_count(), 0);
    });
}

/// Opens a stream whose reader follows `steps`; its id.
fn open_stream(client: &mut MemoryClient, steps: &str, close: bool) -> u64 {
    let json = client.call_ok(st("CallsBackStream", &format!("[{steps},{close}]")));
    marker_id(&json, "__dotNetStream")
}

/// `ReadDotNetStream(id, seq)`: the completion's JSON (byte arrays stay in the inbox).
fn read(client: &mut MemoryClient, id: u64, seq: u64) -> (bool, String) {
    let args = format!("[{id},{seq}]");
    client.call(Invoke::r#static(
        interop_runtime::BUILTIN_ASSEMBLY,
        "ReadDotNetStream",
        &args,
    ))
}

/// A reader Rust sends is dropped unlocked however its transfer ends: read to its end (its
/// last bytes and the end in one read, or the end in a read of its own), cancelled, not
/// claimed in time, or the runtime closing.
#[test]
fn outgoing_stream_readers_are_dropped_unlocked() {
    within_10s(|| {
        let mut client = MemoryClient::new(RuntimeOptions::default());
        // The end found by the read after the last bytes.
        let id = open_stream(&mut client, r#"["data","eof"]"#, false);
        assert!(read(&mut client, id, 0).0);
        assert_eq!(touches(), 0);
        assert_eq!(read(&mut client, id, 1), (true, "null".to_owned()));
        assert_eq!(touches(), 1);
        // The end read on its own.
        let id = open_stream(&mut client, r#"["data","pending","eof"]"#, false);
        assert!(read(&mut client, id, 0).0);
        assert_eq!(read(&mut client, id, 1), (true, "null".to_owned()));
        assert_eq!(touches(), 2);
        // Cancelled by JavaScript.
        let id = open_stream(&mut client, r#"["data"]"#, false);
        client.call_ok(Invoke::r#static(
            interop_runtime::BUILTIN_ASSEMBLY,
            "CancelDotNetStream",
            &format!("[{id}]"),
        ));
        assert_eq!(touches(), 3);
        // Not claimed in time.
        open_stream(&mut client, r#"["data"]"#, false);
        client.advance(Duration::from_secs(10));
        assert_eq!(touches(), 4);
        // A reader whose `Drop` closes the runtime, while another transfer is open.
        let id = open_stream(&mut client, r#"["eof"]"#, true);
        open_stream(&mut client, r#"["data"]"#, false);
        assert_eq!(read(&mut client, id, 0), (true, "null".to_owned()));
        assert_eq!(touches(), 6);
        assert!(client.runtime().is_closed());
        assert_eq!(client.runtime().outgoing_stream_count(), 0);
    });
}

/// A Rust→JS call's completion runs unlocked: the result's `Deserialize`, the waker of the
/// future waiting for it, and the wakers the runtime closing wakes.
#[test]
fn pending_call_completions_run_unlocked() {
    within_10s(|| {
        let host = MemoryHost::new();
        let runtime = host.runtime(RuntimeOptions::default());
        RUNTIME.set(Some(runtime.clone()));
        let mut read = runtime.invoke::<CallsBackWhenRead>("f", ());
        assert!(poll_touching(&mut read, &runtime).is_pending());
        runtime.end_invoke_js("[1,true,{}]").expect("a completion");
        // Woken (one touch), then read (another).
        assert_eq!(touches(), 2);
        assert!(matches!(
            poll_touching(&mut read, &runtime),
            Poll::Ready(Ok(_))
        ));
        // A failed call wakes its future too.
        let mut failed = runtime.invoke_void("g", ());
        assert!(poll_touching(&mut failed, &runtime).is_pending());
        let handle = handle_of(&host, "g");
        runtime
            .end_invoke_js(&format!(r#"[{handle},false,"no"]"#))
            .expect("a completion");
        assert_eq!(touches(), 3);
        // Closing wakes every waiting future.
        let mut waiting: Vec<_> = (0..3).map(|_| runtime.invoke_void("h", ())).collect();
        for future in &mut waiting {
            assert!(poll_touching(future, &runtime).is_pending());
        }
        runtime.close();
        assert_eq!(touches(), 6);
        for future in &mut waiting {
            assert!(matches!(
                poll_touching(future, &runtime),
                Poll::Ready(Err(interop_runtime::JsError::Disconnected))
            ));
        }
        RUNTIME.set(None);
    });
}

/// A stream JavaScript sends: the reader's waker runs unlocked when a chunk arrives, and a
/// reader dropped mid-stream (its calls forgotten, the data released) holds nothing.
#[test]
fn incoming_stream_wakes_run_unlocked() {
    within_10s(|| {
        let mut client = MemoryClient::new(
            RuntimeOptions::default()
                .stream_chunk_size(4)
                .stream_chunks_per_request(1)
                .stream_pull_window(1),
        );
        let runtime = client.runtime();
        let stream = client.start(runtime.invoke::<JsStreamRef>("streamToDotNet", ()));
        let (call, _) = client.next_js_call();
        client.end_invoke_js(&format!(
            r#"[{},true,{{"__jsStreamReferenceLength":8,"__jsObjectId":5}}]"#,
            call.async_handle
        ));
        let stream = client.finish(&stream).expect("a stream reference");
        let mut reader = stream.open_read_stream(8).expect("a reader");
        let mut bytes = Vec::new();
        let mut reading = Box::pin(async move {
            let mut first = [0; 4];
            reader.read_exact(&mut first).await?;
            bytes.extend_from_slice(&first);
            // Reads on, until dropped mid-stream.
            reader.read_to_end(&mut bytes).await
        });
        assert!(poll_touching(&mut reading, &runtime).is_pending());
        let (request, _) = client.next_js_call();
        client.send_byte_array(0, b"abcd".to_vec());
        client.end_invoke_js(&format!(
            r#"[{},true,[{{"__byte[]":0}}]]"#,
            request.async_handle
        ));
        assert_eq!(touches(), 1);
        assert!(poll_touching(&mut reading, &runtime).is_pending());
        assert_eq!(runtime.pending_js_call_count(), 1);
        drop(reading);
        assert_eq!(runtime.pending_js_call_count(), 0);
    });
}

/// A value holding a JS object reference, calling back when dropped.
struct HoldsJsObject {
    _object: JsObjectRef,
    _calls_back: CallsBack,
}

/// A JS object reference released from a value the runtime drops tells the host unlocked
/// (the host calls back into the runtime on every message here).
#[test]
fn js_object_references_are_released_unlocked() {
    within_10s(|| {
        let mut client = touching_client(RuntimeOptions::default());
        let runtime = client.runtime();
        let object = object_ref(&mut client, 3);
        let before = touches();
        runtime.insert_extension(HoldsJsObject {
            _object: object,
            _calls_back: CallsBack::new(&runtime),
        });
        runtime.insert_extension(HoldsJsObject {
            _object: object_ref(&mut client, 4),
            _calls_back: CallsBack::new(&runtime),
        });
        // The first holder was dropped: its `Drop`, the release sent and the call sent.
        assert!(touches() >= before + 3, "{} touches", touches() - before);
        let messages = client.messages();
        assert!(
            messages.iter().any(|message| matches!(
                message,
                ToJs::BeginInvokeJs(JsInvocation { identifier, args_json, .. })
                    if identifier == "DotNet.disposeJSObjectReferenceById" && args_json == "[3]"
            )),
            "{messages:?}"
        );
    });
}

/// Every conformance case, over a host that takes every lock of the runtime whenever the
/// runtime calls it (send, spawn, sleep, a synchronous call, backpressure, the call budgets)
/// and whenever a task's waker is woken: the runtime never calls its host with a lock held.
#[test]
fn host_callbacks_run_unlocked_in_every_conformance_case() {
    for case in CASES {
        within_10s(move || {
            (case.run)(&Factory::new(touching_client));
            assert!(touches() > 0, "{} never called the host", case.name);
        });
    }
}

/// A host that takes every lock of its runtime whenever the runtime calls it.
struct TouchingHost {
    inner: MemoryHost,
    runtime: OnceLock<JsRuntime>,
}

impl TouchingHost {
    fn touch(&self) {
        if let Some(runtime) = self.runtime.get() {
            touch_locks(runtime);
        }
    }
}

impl Host for TouchingHost {
    fn send(&self, message: ToJs) {
        self.touch();
        self.inner.send(message);
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        self.touch();
        self.inner.invoke_js_sync(call)
    }

    fn room_for_call(&self) -> Result<(), String> {
        self.touch();
        self.inner.room_for_call()
    }

    fn spawn(&self, task: BoxFuture<()>) {
        self.touch();
        let runtime = self.runtime.get().cloned();
        self.inner.spawn(Box::pin(TouchOnWake { task, runtime }));
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        self.touch();
        self.inner.sleep(duration)
    }

    fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.touch();
        self.inner.poll_send_ready(cx)
    }

    fn begin_call(&self) -> Result<(), String> {
        self.touch();
        self.inner.begin_call()
    }

    fn end_call(&self) {
        self.touch();
        self.inner.end_call();
    }
}

/// A task whose wakers take every lock of the runtime when woken.
struct TouchOnWake {
    task: BoxFuture<()>,
    runtime: Option<JsRuntime>,
}

impl Future for TouchOnWake {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(runtime) = self.runtime.clone() else {
            return self.task.as_mut().poll(cx);
        };
        let waker = Waker::from(Arc::new(TouchWaker {
            runtime,
            inner: cx.waker().clone(),
        }));
        self.task.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

/// A [`MemoryClient`] whose runtime is given a [`TouchingHost`].
fn touching_client(options: RuntimeOptions) -> MemoryClient {
    let inner = MemoryHost::new();
    let host = Arc::new(TouchingHost {
        inner: inner.clone(),
        runtime: OnceLock::new(),
    });
    let client = MemoryClient::over(inner, host.clone(), options);
    // The host keeps its runtime (a cycle: this test leaks it).
    let _ = host.runtime.set(client.runtime());
    client
}

/// A reference to the JS object `id`, as a completion would give it.
fn object_ref(client: &mut MemoryClient, id: u64) -> JsObjectRef {
    let runtime = client.runtime();
    let object = client.start(runtime.invoke::<JsObjectRef>("makeObject", ()));
    let (call, _) = client.next_js_call();
    client.end_invoke_js(&format!(
        r#"[{},true,{{"__jsObjectId":{id}}}]"#,
        call.async_handle
    ));
    client.finish(&object).expect("an object reference")
}
