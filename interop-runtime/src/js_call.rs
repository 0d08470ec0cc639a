//! Rust → JavaScript calls: arguments, the call builder and the completion future.

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Weak;
use std::time::Duration;

use bytes::Bytes;
use futures_channel::oneshot;
use futures_util::future::{self, Either};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::Scope;
use crate::error::{deserialize_message, texts, JsError};
use crate::host::{CallType, JsInvocation, ResultType, SyncCallError, ToJs};
use crate::js_object_ref::JsObjectRef;
use crate::runtime::{JsRuntime, RuntimeInner};
use crate::stream::JsStreamRef;

/// The future of a Rust→JS call: JavaScript's result, deserialized, or why it failed.
/// Dropping it cancels the call (a late completion is ignored).
#[cfg(not(target_arch = "wasm32"))]
pub type JsCallFuture<R> = Pin<Box<dyn Future<Output = Result<R, JsError>> + Send + 'static>>;

/// The future of a Rust→JS call: JavaScript's result, deserialized, or why it failed.
/// Dropping it cancels the call (a late completion is ignored). Not `Send` on wasm32, where
/// the host's timer is the page's (docs/wasm.md).
#[cfg(target_arch = "wasm32")]
pub type JsCallFuture<R> = Pin<Box<dyn Future<Output = Result<R, JsError>> + 'static>>;

/// Positional arguments of a Rust→JS call: `()` or a tuple of serializable values.
///
/// ```
/// # use interop_runtime::IntoJsArgs;
/// fn takes_args(_: impl IntoJsArgs) {}
/// takes_args(());
/// takes_args(("Amy Pond", 27));
/// ```
pub trait IntoJsArgs {
    /// The JSON array text of the arguments.
    fn to_args_json(&self) -> serde_json::Result<String>;
}

impl IntoJsArgs for () {
    fn to_args_json(&self) -> serde_json::Result<String> {
        Ok("[]".to_owned())
    }
}

macro_rules! tuple_args {
    ($($name:ident),+) => {
        impl<$($name: Serialize),+> IntoJsArgs for ($($name,)+) {
            fn to_args_json(&self) -> serde_json::Result<String> {
                serde_json::to_string(self)
            }
        }
    };
}

tuple_args!(A);
tuple_args!(A, B);
tuple_args!(A, B, C);
tuple_args!(A, B, C, D);
tuple_args!(A, B, C, D, E);
tuple_args!(A, B, C, D, E, F);
tuple_args!(A, B, C, D, E, F, G);
tuple_args!(A, B, C, D, E, F, G, H);
tuple_args!(A, B, C, D, E, F, G, H, I);
tuple_args!(A, B, C, D, E, F, G, H, I, J);
tuple_args!(A, B, C, D, E, F, G, H, I, J, K);
tuple_args!(A, B, C, D, E, F, G, H, I, J, K, L);

/// Byte arrays to send before the call that refers to them: `(id, bytes)`.
type OutgoingBytes = Vec<(u64, Bytes)>;

/// Serialized arguments and the byte arrays they refer to.
struct Arguments {
    json: String,
    bytes: OutgoingBytes,
}

/// A Rust→JS call being configured: `js.call("Thing").call_type(CallType::Constructor).invoke()`.
/// [`JsRuntime::invoke`] and friends cover the common cases.
#[must_use = "a JsCall does nothing until invoked"]
pub struct JsCall {
    runtime: Result<JsRuntime, JsError>,
    identifier: String,
    args: Result<Arguments, JsError>,
    target: u64,
    call_type: CallType,
    timeout: Option<Option<Duration>>,
}

/// The result type JavaScript must use for `R` (PROTOCOL.md §5).
fn result_type_of<R: 'static>() -> ResultType {
    let id = TypeId::of::<R>();
    if id == TypeId::of::<JsObjectRef>() || id == TypeId::of::<Option<JsObjectRef>>() {
        ResultType::ObjectReference
    } else if id == TypeId::of::<JsStreamRef>() || id == TypeId::of::<Option<JsStreamRef>>() {
        ResultType::StreamReference
    } else if id == TypeId::of::<()>() {
        ResultType::Void
    } else {
        ResultType::Json
    }
}

/// JavaScript sends `{"__jsObjectId":-1}` for null under result type 1; Rust reads it as null.
fn null_object_ref(json: &str) -> bool {
    json.split_whitespace().collect::<String>() == r#"{"__jsObjectId":-1}"#
}

fn deserialize_result<R: DeserializeOwned>(
    json: &str,
    result_type: ResultType,
) -> Result<R, JsError> {
    let json = if result_type == ResultType::ObjectReference && null_object_ref(json) {
        "null"
    } else {
        json
    };
    serde_json::from_str(json).map_err(|error| {
        JsError::Result(texts::completion_deserialize(&deserialize_message(&error)))
    })
}

impl JsCall {
    pub(crate) fn new(runtime: JsRuntime, identifier: &str) -> Self {
        JsCall {
            runtime: Ok(runtime),
            identifier: identifier.to_owned(),
            args: Ok(Arguments {
                json: "[]".to_owned(),
                bytes: Vec::new(),
            }),
            target: 0,
            call_type: CallType::Function,
            timeout: None,
        }
    }

    pub(crate) fn failed(identifier: &str, error: JsError) -> Self {
        JsCall {
            runtime: Err(error.clone()),
            identifier: identifier.to_owned(),
            args: Err(error),
            target: 0,
            call_type: CallType::Function,
            timeout: None,
        }
    }

    /// Sets the arguments (serialized now, so object references are tracked at this point).
    pub fn args(mut self, args: impl IntoJsArgs) -> Self {
        if let Ok(runtime) = &self.runtime {
            let scope = Scope::new(runtime);
            self.args = scope
                .enter(|| args.to_args_json())
                .map(|json| Arguments {
                    json,
                    bytes: scope.take_outgoing_bytes().unwrap_or_default(),
                })
                .map_err(|error| {
                    JsError::Arguments(format!(
                        "The arguments of '{}' could not be serialized: {error}",
                        self.identifier
                    ))
                });
        }
        self
    }

    pub(crate) fn target(mut self, js_object_id: u64) -> Self {
        self.target = js_object_id;
        self
    }

    /// Function call (the default), constructor, property read or property write.
    pub fn call_type(mut self, call_type: CallType) -> Self {
        self.call_type = call_type;
        self
    }

    /// Overrides the runtime's default timeout for this call (`None`: wait forever).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn into_parts(
        self,
        result_type: ResultType,
        async_handle: u64,
    ) -> Result<(JsRuntime, JsInvocation, OutgoingBytes), JsError> {
        let runtime = self.runtime?;
        let args = self.args?;
        Ok((
            runtime,
            JsInvocation {
                async_handle,
                identifier: self.identifier,
                args_json: args.json,
                result_type,
                target_instance_id: self.target,
                call_type: self.call_type,
            },
            args.bytes,
        ))
    }

    /// Sends the call; the future resolves with JavaScript's result.
    pub fn invoke<R: DeserializeOwned + Send + 'static>(self) -> JsCallFuture<R> {
        let result_type = result_type_of::<R>();
        let identifier = self.identifier.clone();
        let timeout = self.timeout;
        let (runtime, invocation, bytes) = match self.into_parts(result_type, 0) {
            Ok(parts) => parts,
            Err(error) => return Box::pin(future::ready(Err(error))),
        };
        let inner = runtime.inner();
        let timeout = timeout.unwrap_or(inner.options().js_call_timeout);
        if let Err(reason) = inner.host().room_for_call() {
            return Box::pin(future::ready(Err(JsError::Arguments(format!(
                "Cannot start the JS interop call '{identifier}': {reason}."
            )))));
        }
        let (sender, receiver) = oneshot::channel::<Result<R, JsError>>();
        let complete = Box::new(move |outcome: Result<&str, String>| {
            let result = match outcome {
                Ok(json) => deserialize_result::<R>(json, result_type),
                Err(text) => Err(JsError::Js(text)),
            };
            let _ = sender.send(result);
        });
        let handle = match inner.register_pending(identifier.clone(), complete) {
            Ok(handle) => handle,
            Err(error) => return Box::pin(future::ready(Err(error))),
        };
        for (id, bytes) in bytes {
            inner.send(ToJs::ReceiveByteArray { id, bytes });
        }
        inner.send(ToJs::BeginInvokeJs(JsInvocation {
            async_handle: handle,
            ..invocation
        }));
        let guard = PendingGuard {
            runtime: std::sync::Arc::downgrade(inner),
            handle,
        };
        let sleep = timeout.map(|duration| (duration, inner.host().sleep(duration)));
        Box::pin(async move {
            let _guard = guard;
            let received = match sleep {
                None => receiver.await,
                Some((duration, sleep)) => match future::select(receiver, sleep).await {
                    Either::Left((received, _)) => received,
                    Either::Right(_) => {
                        return Err(JsError::Timeout(texts::timed_out(
                            &identifier,
                            duration.as_millis(),
                        )));
                    }
                },
            };
            received.unwrap_or(Err(JsError::Disconnected))
        })
    }

    /// Runs the call synchronously (in-process hosts only).
    pub fn invoke_sync<R: DeserializeOwned + 'static>(self) -> Result<R, JsError> {
        let result_type = result_type_of::<R>();
        let (runtime, invocation, bytes) = self.into_parts(result_type, 0)?;
        let inner = runtime.inner();
        if inner.is_closed() {
            return Err(JsError::Disconnected);
        }
        for (id, bytes) in bytes {
            inner.send(ToJs::ReceiveByteArray { id, bytes });
        }
        let identifier = invocation.identifier.clone();
        let since = inner.staging_serial();
        let returned = inner.host().invoke_js_sync(invocation);
        if returned.is_err() {
            // What its client sent before it failed belongs to no message.
            inner.claim_sync_return(since, None);
        }
        let result = match returned {
            Err(SyncCallError::Unsupported) => Err(JsError::Unsupported(format!(
                "The call to '{identifier}' is synchronous, which this host does not support. Use invoke instead."
            ))),
            Err(SyncCallError::Threw(text)) => Err(JsError::Js(text)),
            Ok(json) => {
                let json = json.as_deref().filter(|json| !json.is_empty()).unwrap_or("null");
                // Its byte arrays were sent during the call, right before it returned.
                let incoming = inner.claim_sync_return(since, Some(json));
                match inner.check_incoming(json) {
                    Err(text) => Err(JsError::Result(text)),
                    Ok(()) => {
                        let scope = Scope::with_incoming(&runtime, incoming);
                        scope.enter(|| deserialize_result::<R>(json, result_type))
                    }
                }
            }
        };
        result
    }
}

/// Removes the pending entry of a call whose future is dropped or timed out.
struct PendingGuard {
    runtime: Weak<RuntimeInner>,
    handle: u64,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.upgrade() {
            runtime.forget_pending(self.handle);
        }
    }
}

impl JsRuntime {
    /// A call to the global JS function `identifier` (dotted paths work), to configure.
    pub fn call(&self, identifier: &str) -> JsCall {
        JsCall::new(self.clone(), identifier)
    }

    /// Calls the global JS function `identifier` and deserializes its (awaited) result.
    /// Ask for a [`JsObjectRef`] to get an object reference, for `()` to discard the value.
    pub fn invoke<R: DeserializeOwned + Send + 'static>(
        &self,
        identifier: &str,
        args: impl IntoJsArgs,
    ) -> JsCallFuture<R> {
        self.call(identifier).args(args).invoke()
    }

    /// Calls the global JS function `identifier`, discarding its result.
    pub fn invoke_void(&self, identifier: &str, args: impl IntoJsArgs) -> JsCallFuture<()> {
        self.call(identifier).args(args).invoke()
    }

    /// Calls the global JS function `identifier` synchronously (in-process hosts only; a
    /// returned promise is not awaited).
    pub fn invoke_sync<R: DeserializeOwned + 'static>(
        &self,
        identifier: &str,
        args: impl IntoJsArgs,
    ) -> Result<R, JsError> {
        self.call(identifier).args(args).invoke_sync()
    }

    /// Imports a JS module (the built-in `"import"` identifier) and keeps it as an object
    /// reference whose exports can be called.
    pub fn import(&self, specifier: &str) -> JsCallFuture<JsObjectRef> {
        self.invoke("import", (specifier,))
    }
}
