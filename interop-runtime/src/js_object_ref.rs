//! `JsObjectRef`: a JavaScript object held by Rust (`IJSObjectReference`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use crate::context::with_scope;
use crate::error::{texts, JsError};
use crate::host::{CallType, JsInvocation, ResultType, ToJs};
use crate::js_call::{IntoJsArgs, JsCall, JsCallFuture};
use crate::markers;
use crate::runtime::{JsRuntime, RuntimeInner};

struct JsObjectState {
    id: u64,
    runtime: Weak<RuntimeInner>,
    disposed: AtomicBool,
}

impl JsObjectState {
    fn release(&self) {
        if self.disposed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(runtime) = self.runtime.upgrade() {
            if !runtime.is_closed() {
                runtime.send(ToJs::BeginInvokeJs(JsInvocation {
                    async_handle: 0,
                    identifier: "DotNet.disposeJSObjectReferenceById".to_owned(),
                    args_json: format!("[{}]", self.id),
                    result_type: ResultType::Void,
                    target_instance_id: 0,
                    call_type: CallType::Function,
                }));
            }
        }
    }
}

impl Drop for JsObjectState {
    fn drop(&mut self) {
        self.release();
    }
}

/// A reference to a JavaScript object (`{"__jsObjectId":n}`): a module Rust imported, an object
/// JS created with `DotNet.createJSObjectReference`, or the result of a call asking for one.
///
/// Clones share one reference. When the last clone drops, JavaScript is told to release the
/// object (fire-and-forget), as is [`dispose`](Self::dispose) right away.
#[derive(Clone)]
pub struct JsObjectRef {
    state: Arc<JsObjectState>,
}

impl fmt::Debug for JsObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsObjectRef")
            .field("id", &self.state.id)
            .finish()
    }
}

impl JsObjectRef {
    /// The `__jsObjectId` JavaScript knows the object by.
    pub fn id(&self) -> u64 {
        self.state.id
    }

    /// Whether [`dispose`](Self::dispose) was called.
    pub fn is_disposed(&self) -> bool {
        self.state.disposed.load(Ordering::Acquire)
    }

    /// Tells JavaScript to release the object; later calls fail locally. Idempotent.
    pub fn dispose(&self) {
        self.state.release();
    }

    /// A reference to the JS object `id` of the runtime (de)serializing right now.
    pub(crate) fn in_current_scope(id: u64) -> Result<Self, &'static str> {
        let runtime = with_scope(|scope| Arc::downgrade(scope.runtime.inner()))?;
        Ok(JsObjectRef {
            state: Arc::new(JsObjectState {
                id,
                runtime,
                disposed: AtomicBool::new(false),
            }),
        })
    }

    pub(crate) fn runtime(&self) -> Result<JsRuntime, JsError> {
        if self.is_disposed() {
            return Err(JsError::Arguments(texts::JS_OBJECT_DISPOSED.to_owned()));
        }
        self.state
            .runtime
            .upgrade()
            .map(JsRuntime::from_inner)
            .ok_or(JsError::Disconnected)
    }

    /// A call on this object, to configure before sending (call type, timeout).
    pub fn call(&self, identifier: &str) -> JsCall {
        match self.runtime() {
            Ok(runtime) => runtime.call(identifier).target(self.state.id),
            Err(error) => JsCall::failed(identifier, error),
        }
    }

    /// Calls the method `identifier` of this object and deserializes its result.
    pub fn invoke<R: DeserializeOwned + Send + 'static>(
        &self,
        identifier: &str,
        args: impl IntoJsArgs,
    ) -> JsCallFuture<R> {
        self.call(identifier).args(args).invoke()
    }

    /// Calls the method `identifier` of this object, discarding its result.
    pub fn invoke_void(&self, identifier: &str, args: impl IntoJsArgs) -> JsCallFuture<()> {
        self.call(identifier).args(args).invoke()
    }

    /// Calls the method `identifier` of this object synchronously (in-process hosts only).
    pub fn invoke_sync<R: DeserializeOwned + 'static>(
        &self,
        identifier: &str,
        args: impl IntoJsArgs,
    ) -> Result<R, JsError> {
        self.call(identifier).args(args).invoke_sync()
    }
}

impl Serialize for JsObjectRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_disposed() {
            return Err(ser::Error::custom(texts::JS_OBJECT_DISPOSED));
        }
        markers::serialize_id(serializer, markers::JS_OBJECT, self.state.id)
    }
}

impl<'de> Deserialize<'de> for JsObjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = markers::deserialize_id(deserializer, markers::JS_OBJECT)?;
        let id = u64::try_from(id).map_err(|_| {
            de::Error::custom("The JS value was null or undefined: receive an Option<JsObjectRef>.")
        })?;
        JsObjectRef::in_current_scope(id).map_err(de::Error::custom)
    }
}
