//! The `Host` trait: the only thing a transport implements.
//!
//! A host carries messages between one [`JsRuntime`](crate::JsRuntime) and one JavaScript realm
//! (an embedded engine, a browser page behind a socket, a wasm page). It also lends the runtime
//! what the executor-agnostic core cannot own: a way to spawn futures and a clock.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;

/// A boxed, `Send` future, as hosts spawn them.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A boxed future, as hosts spawn them. On wasm32 it need not be `Send`: the module has one
/// thread, and its host runs futures on the page's event loop, so an async method may await a
/// `JsFuture` or hold an `Rc` (docs/wasm.md).
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + 'static>>;

/// What a future must be to become a [`BoxFuture`]: `Send`, except on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}

/// What a future must be to become a [`BoxFuture`]: `Send`, except on wasm32.
#[cfg(target_arch = "wasm32")]
pub(crate) trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

/// What a JavaScript `callType` asks the JS side to do with the identifier (PROTOCOL.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallType {
    /// `parent[member](...args)`.
    Function = 1,
    /// `new parent[member](...args)`.
    Constructor = 2,
    /// Read `parent[member]`.
    GetValue = 3,
    /// `parent[member] = args[0]`.
    SetValue = 4,
}

/// How JavaScript should send the result of a Rust→JS call back (PROTOCOL.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultType {
    /// The value as JSON.
    Json = 0,
    /// A JS object reference (`{"__jsObjectId":n}`).
    ObjectReference = 1,
    /// A JS stream reference.
    StreamReference = 2,
    /// Nothing (`null`).
    Void = 3,
}

impl TryFrom<u64> for CallType {
    type Error = u64;

    /// The call type of a wire code (1–4); the code itself when it names none.
    fn try_from(code: u64) -> Result<Self, u64> {
        match code {
            1 => Ok(CallType::Function),
            2 => Ok(CallType::Constructor),
            3 => Ok(CallType::GetValue),
            4 => Ok(CallType::SetValue),
            other => Err(other),
        }
    }
}

impl TryFrom<u64> for ResultType {
    type Error = u64;

    /// The result type of a wire code (0–3); the code itself when it names none.
    fn try_from(code: u64) -> Result<Self, u64> {
        match code {
            0 => Ok(ResultType::Json),
            1 => Ok(ResultType::ObjectReference),
            2 => Ok(ResultType::StreamReference),
            3 => Ok(ResultType::Void),
            other => Err(other),
        }
    }
}

/// One Rust→JS call, as `beginInvokeJSFromDotNet`/`invokeJSFromDotNet` take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsInvocation {
    /// Completion handle; 0 means "no reply wanted". Unused by synchronous calls.
    pub async_handle: u64,
    /// Dotted identifier resolved from the target (`"sayHello1"`, `"GreetingHelpers.setDotNetHelper"`).
    pub identifier: String,
    /// JSON array text of the arguments (`"[]"` when there are none).
    pub args_json: String,
    /// What the JS side should send back.
    pub result_type: ResultType,
    /// `0` for the global object, else a `__jsObjectId`.
    pub target_instance_id: u64,
    /// Function call, constructor, property read or write.
    pub call_type: CallType,
}

/// A message from the Rust runtime to the JavaScript side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToJs {
    /// `endInvokeDotNetFromJS(callId, success, resultJsonOrError)`.
    EndInvokeDotNet {
        /// The id JavaScript gave the call.
        call_id: u64,
        /// Whether the call succeeded.
        success: bool,
        /// The result JSON on success, the error text on failure.
        result_or_error: String,
    },
    /// `beginInvokeJSFromDotNet(...)`.
    BeginInvokeJs(JsInvocation),
    /// `receiveByteArray(id, bytes)`: bytes for a later `{"__byte[]":id}`; always sent before the
    /// message that refers to them.
    ReceiveByteArray {
        /// The id the JSON will refer to.
        id: u64,
        /// The bytes: the buffer of the [`ByteArray`](crate::ByteArray) that was serialized,
        /// not a copy of it.
        bytes: Bytes,
    },
}

/// Why a synchronous Rust→JS call failed at the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncCallError {
    /// The host cannot run synchronous calls (network hosts).
    Unsupported,
    /// JavaScript threw; the text is its message (and stack where the engine gives one).
    Threw(String),
}

/// The transport between one [`JsRuntime`](crate::JsRuntime) and one JavaScript realm.
///
/// Implementations must deliver messages in the order `send` is called.
pub trait Host: Send + Sync + 'static {
    /// Delivers one message to JavaScript.
    fn send(&self, message: ToJs);

    /// Runs `invokeJSFromDotNet` synchronously and returns the result JSON (`None` for null).
    /// Byte arrays in the result must reach [`JsRuntime::receive_byte_array`](crate::JsRuntime::receive_byte_array)
    /// before this returns. The default says the host cannot do it.
    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        let _ = call;
        Err(SyncCallError::Unsupported)
    }

    /// Whether a new Rust→JS call ([`invoke`](crate::JsRuntime::invoke), a call on a
    /// [`JsObjectRef`](crate::JsObjectRef), `import`) may start now. `Err(reason)` refuses it:
    /// the call fails at once with [`JsError::Arguments`](crate::JsError::Arguments)
    /// `Cannot start the JS interop call '<id>': <reason>.` For hosts that bound what waits for
    /// JavaScript (the QuickJS host's queue). The default accepts every call.
    fn room_for_call(&self) -> Result<(), String> {
        Ok(())
    }

    /// Runs a future to completion in the background.
    fn spawn(&self, task: BoxFuture<()>);

    /// A future that completes after `duration` (injectable, so timeout tests run in milliseconds).
    fn sleep(&self, duration: Duration) -> BoxFuture<()>;

    /// Backpressure: whether the host has room for more output now. The result of an async
    /// JS→Rust call waits for `Ready` before it is serialized and sent, so a page that reads
    /// slowly holds back results instead of a growing queue. When not ready, the host wakes
    /// `cx` once it has room (or is closed). The default is always ready.
    fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        let _ = cx;
        Poll::Ready(())
    }

    /// Asks for room for one more async JS→Rust call beyond the runtime's own
    /// [`max_in_flight_calls`](crate::RuntimeOptions::max_in_flight_calls): a budget the host
    /// shares between runtimes (a server-wide limit). `Err(text)` refuses the call with `text`;
    /// every admitted call is followed by exactly one [`end_call`](Self::end_call) (when it
    /// ends, or when the runtime is dropped with it still running). The default admits every
    /// call.
    fn begin_call(&self) -> Result<(), String> {
        Ok(())
    }

    /// An async call admitted by [`begin_call`](Self::begin_call) has ended.
    fn end_call(&self) {}
}
