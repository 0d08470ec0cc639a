//! What the conformance suite needs from a host: the JavaScript side of the wire.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{abortable, AbortHandle};
use interop_runtime::{BoxFuture, JsInvocation, JsRuntime, ToJs};
#[cfg(not(target_arch = "wasm32"))]
use interop_runtime::{Host, RuntimeOptions};
use parking_lot::Mutex;

#[cfg(not(target_arch = "wasm32"))]
use crate::memory_host::MemoryHost;

/// How many times the helpers pump before they give up waiting for a message.
const PUMP_ROUNDS: usize = 1000;

/// A JS→Rust call as the JavaScript client would start it.
#[derive(Debug, Clone, Copy)]
pub struct Invoke<'a> {
    /// `assemblyName` (`None` for instance calls).
    pub assembly: Option<&'a str>,
    /// `methodIdentifier`.
    pub identifier: Option<&'a str>,
    /// `dotNetObjectId` (`None` for static calls).
    pub object_id: Option<u64>,
    /// `argsJson`.
    pub args_json: &'a str,
}

impl<'a> Invoke<'a> {
    /// `DotNet.invokeMethodAsync(assembly, identifier, ...)` with the given args JSON.
    pub fn r#static(assembly: &'a str, identifier: &'a str, args_json: &'a str) -> Self {
        Invoke {
            assembly: Some(assembly),
            identifier: Some(identifier),
            object_id: None,
            args_json,
        }
    }

    /// `dotNetObject.invokeMethodAsync(identifier, ...)` with the given args JSON.
    pub fn instance(object_id: u64, identifier: &'a str, args_json: &'a str) -> Self {
        Invoke {
            assembly: None,
            identifier: Some(identifier),
            object_id: Some(object_id),
            args_json,
        }
    }

    /// `dotNetObject.dispose()`: `__Dispose` with the args `"null"`.
    pub fn dispose(object_id: u64) -> Self {
        Invoke::instance(object_id, "__Dispose", "null")
    }
}

/// How [`WireClient::advance`] moves a host's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostClock {
    /// A virtual clock: `advance` moves it by exactly the duration, without waiting, so cases
    /// can test timeouts to the millisecond and over hours.
    Virtual,
    /// The real clock: `advance` waits that long for real. Cases advance it by a few
    /// milliseconds only, and assert nothing that depends on when exactly a timer fires; a
    /// host with it leaves out the cases that need a virtual one (`without: [virtual_clock]`).
    Real,
}

/// The JavaScript side of one connection, as the conformance suite drives it. Every host
/// implements it over its real transport; the in-memory host implements it directly.
pub trait WireClient {
    /// The runtime serving this connection (for Rust-initiated calls and counters).
    fn runtime(&self) -> JsRuntime;
    /// `beginInvokeDotNetFromJS`; returns the call id the client allocated (from 1, as the
    /// JS client does).
    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64;
    /// `beginInvokeDotNetFromJS` with a call id of the test's choice (0: fire-and-forget).
    /// Does not change the ids [`begin_invoke`](Self::begin_invoke) allocates.
    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>);
    /// `invokeDotNetFromJS`, or `None` where the host has no synchronous calls (such a host
    /// leaves out the cases that need them: `without: [sync_calls]`).
    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>>;
    /// `sendByteArray(index, bytes)`.
    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>);
    /// `cancelInvokeDotNetFromJS(callId)`: what our client sends when the page aborts a call
    /// started with `invokeMethodWithSignalAsync`.
    fn cancel_invoke(&mut self, call_id: u64);
    /// `endInvokeJSFromDotNet(handle, succeeded, triple)`.
    fn end_invoke_js(&mut self, triple_json: &str);
    /// Runs a future on the host's executor (a Rust-initiated call, as user code would start
    /// it); [`pump`](Self::pump) and [`advance`](Self::advance) drive it.
    fn spawn(&mut self, task: BoxFuture<()>);
    /// Lets the host make progress (spawned futures, transport), then returns every message
    /// the runtime sent since the last call, in order.
    fn pump(&mut self) -> Vec<ToJs>;
    /// Moves the host's clock forward (timeouts), then lets the host make progress. Messages
    /// sent meanwhile are returned by the next [`pump`](Self::pump).
    fn advance(&mut self, duration: Duration);
    /// Whether [`advance`](Self::advance) moves a virtual clock or waits for real.
    fn clock(&self) -> HostClock;
    /// Messages [`pump`](Self::pump) returned that the [`WireClientExt`] helpers have not
    /// consumed yet; they read these first. Implementations keep an empty queue for it.
    fn inbox(&mut self) -> &mut VecDeque<ToJs>;
}

impl<C: WireClient + ?Sized> WireClient for Box<C> {
    fn runtime(&self) -> JsRuntime {
        (**self).runtime()
    }
    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        (**self).begin_invoke(call)
    }
    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>) {
        (**self).begin_invoke_with_id(call_id, call)
    }
    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>> {
        (**self).invoke_sync(call)
    }
    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        (**self).send_byte_array(index, bytes)
    }
    fn cancel_invoke(&mut self, call_id: u64) {
        (**self).cancel_invoke(call_id)
    }
    fn end_invoke_js(&mut self, triple_json: &str) {
        (**self).end_invoke_js(triple_json)
    }
    fn spawn(&mut self, task: BoxFuture<()>) {
        (**self).spawn(task)
    }
    fn pump(&mut self) -> Vec<ToJs> {
        (**self).pump()
    }
    fn advance(&mut self, duration: Duration) {
        (**self).advance(duration)
    }
    fn clock(&self) -> HostClock {
        (**self).clock()
    }
    fn inbox(&mut self) -> &mut VecDeque<ToJs> {
        (**self).inbox()
    }
}

/// The in-memory host seen from JavaScript: allocates call ids from 1, as the JS client does.
#[cfg(not(target_arch = "wasm32"))]
pub struct MemoryClient {
    /// The host.
    pub host: MemoryHost,
    /// The host the runtime was given: `host` itself, or one that wraps it.
    runtime_host: Arc<dyn Host>,
    runtime: JsRuntime,
    next_call_id: u64,
    inbox: VecDeque<ToJs>,
}

#[cfg(not(target_arch = "wasm32"))]
impl MemoryClient {
    /// A client over a new in-memory host and runtime.
    pub fn new(options: RuntimeOptions) -> Self {
        let host = MemoryHost::new();
        MemoryClient::over(host.clone(), Arc::new(host), options)
    }

    /// A client whose runtime is given `runtime_host`, a host that wraps `host` (to watch what
    /// the runtime asks of it): the client pumps and advances `host` and spawns its tasks on
    /// `runtime_host`.
    pub fn over(host: MemoryHost, runtime_host: Arc<dyn Host>, options: RuntimeOptions) -> Self {
        let runtime = JsRuntime::with_options(Arc::clone(&runtime_host), options)
            .expect("runtime options accepted");
        MemoryClient {
            host,
            runtime_host,
            runtime,
            next_call_id: 0,
            inbox: VecDeque::new(),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl WireClient for MemoryClient {
    fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }

    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        self.next_call_id += 1;
        self.begin_invoke_with_id(self.next_call_id, call);
        self.next_call_id
    }

    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>) {
        self.runtime.begin_invoke_dotnet(
            call_id,
            call.assembly,
            call.identifier,
            call.object_id,
            call.args_json,
        );
    }

    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>> {
        Some(self.runtime.invoke_dotnet(
            call.assembly,
            call.identifier,
            call.object_id,
            call.args_json,
        ))
    }

    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        // The JS client ignores what the host returns; a refusal is reported to the next call.
        let _ = self.runtime.receive_byte_array(index, bytes);
    }

    fn cancel_invoke(&mut self, call_id: u64) {
        self.runtime.cancel_invoke_dotnet(call_id);
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        // `endInvokeJSFromDotNet` must not throw; a malformed triple fails the call it names.
        let _ = self.runtime.end_invoke_js(triple_json);
    }

    fn spawn(&mut self, task: BoxFuture<()>) {
        self.runtime_host.spawn(task);
    }

    fn pump(&mut self) -> Vec<ToJs> {
        self.host.run_until_stalled();
        self.host.take_messages()
    }

    fn advance(&mut self, duration: Duration) {
        self.host.advance(duration);
    }

    fn clock(&self) -> HostClock {
        HostClock::Virtual
    }

    fn inbox(&mut self) -> &mut VecDeque<ToJs> {
        &mut self.inbox
    }
}

/// `Send` on native targets, where hosts run futures on multithreaded executors; nothing on
/// wasm32, where futures (the runtime's `invoke` among them) need not be `Send`. The bound of
/// the futures [`WireClientExt::start`] runs.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
/// `Send` on native targets, where hosts run futures on multithreaded executors; nothing on
/// wasm32, where futures (the runtime's `invoke` among them) need not be `Send`. The bound of
/// the futures [`WireClientExt::start`] runs.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

/// A future started with [`WireClientExt::start`]: its output once it finished.
pub struct Task<T> {
    output: Arc<Mutex<Option<T>>>,
    abort: AbortHandle,
}

impl<T> Task<T> {
    /// The output, once the future finished (taken: later calls return `None`).
    pub fn take(&self) -> Option<T> {
        self.output.lock().take()
    }

    /// Drops the future the next time the host polls it (as dropping a future in user code).
    pub fn abort(&self) {
        self.abort.abort();
    }
}

/// Helpers over any [`WireClient`] for writing cases. They never lose a message: what a
/// helper does not consume stays in the [`inbox`](WireClient::inbox), in order.
pub trait WireClientExt: WireClient {
    /// Every message not consumed yet: the inbox, then what one more pump brings.
    fn messages(&mut self) -> Vec<ToJs> {
        let mut messages: Vec<ToJs> = self.inbox().drain(..).collect();
        messages.extend(self.pump());
        messages
    }

    /// Pumps once and asserts that the runtime sent nothing.
    fn assert_quiet(&mut self) {
        let messages = self.messages();
        assert!(messages.is_empty(), "expected no message, got {messages:?}");
    }

    /// Starts a call and pumps until its completion arrives: `(succeeded, json or text)`.
    /// Other messages stay in the inbox.
    fn call(&mut self, call: Invoke<'_>) -> (bool, String) {
        let id = self.begin_invoke(call);
        self.completion_of(id)
    }

    /// [`call`](Self::call) for a call that must succeed: its result JSON.
    fn call_ok(&mut self, call: Invoke<'_>) -> String {
        let (ok, text) = self.call(call);
        assert!(ok, "call {call:?} failed: {text}");
        text
    }

    /// [`call`](Self::call) for a call that must fail: its error text.
    fn call_err(&mut self, call: Invoke<'_>) -> String {
        let (ok, text) = self.call(call);
        assert!(!ok, "call {call:?} succeeded with {text}");
        text
    }

    /// Pumps until the completion of `call_id` arrives; other messages stay in the inbox.
    fn completion_of(&mut self, call_id: u64) -> (bool, String) {
        for _ in 0..PUMP_ROUNDS {
            let found = self.inbox().iter().position(
                |message| matches!(message, ToJs::EndInvokeDotNet { call_id: id, .. } if *id == call_id),
            );
            if let Some(index) = found {
                if let Some(ToJs::EndInvokeDotNet {
                    success,
                    result_or_error,
                    ..
                }) = self.inbox().remove(index)
                {
                    return (success, result_or_error);
                }
            }
            let received = self.pump();
            self.inbox().extend(received);
        }
        panic!(
            "call {call_id} never completed; other messages: {:?}",
            self.inbox()
        );
    }

    /// Pumps until a `BeginInvokeJs` arrives and returns it with the byte arrays sent right
    /// before it; other messages (before and after) stay in the inbox.
    fn next_js_call(&mut self) -> (JsInvocation, Vec<(u64, Vec<u8>)>) {
        for _ in 0..PUMP_ROUNDS {
            let found = self
                .inbox()
                .iter()
                .position(|message| matches!(message, ToJs::BeginInvokeJs(_)));
            if let Some(index) = found {
                let inbox = self.inbox();
                let mut first = index;
                while first > 0 && matches!(inbox[first - 1], ToJs::ReceiveByteArray { .. }) {
                    first -= 1;
                }
                let mut taken: Vec<ToJs> = inbox.drain(first..=index).collect();
                let Some(ToJs::BeginInvokeJs(call)) = taken.pop() else {
                    unreachable!("the message at `index` is a BeginInvokeJs");
                };
                let bytes = taken
                    .into_iter()
                    .filter_map(|message| match message {
                        ToJs::ReceiveByteArray { id, bytes } => Some((id, bytes.into())),
                        _ => None,
                    })
                    .collect();
                return (call, bytes);
            }
            let received = self.pump();
            self.inbox().extend(received);
        }
        panic!(
            "no call to JavaScript arrived; other messages: {:?}",
            self.inbox()
        );
    }

    /// Runs `future` on the host (see [`WireClient::spawn`]).
    fn start<T, F>(&mut self, future: F) -> Task<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + MaybeSend + 'static,
    {
        let (future, abort) = abortable(future);
        let output = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&output);
        self.spawn(Box::pin(async move {
            if let Ok(value) = future.await {
                *slot.lock() = Some(value);
            }
        }));
        Task { output, abort }
    }

    /// Pumps until `task` finished and returns its output; messages stay in the inbox.
    fn finish<T>(&mut self, task: &Task<T>) -> T {
        for _ in 0..PUMP_ROUNDS {
            if let Some(output) = task.take() {
                return output;
            }
            let received = self.pump();
            self.inbox().extend(received);
        }
        panic!("the task never finished; messages: {:?}", self.inbox());
    }
}

impl<T: WireClient + ?Sized> WireClientExt for T {}
