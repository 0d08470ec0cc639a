//! Call Rust from JavaScript by name, the way Blazor lets JavaScript call .NET.
//!
//! Put [`#[jsinvokable]`](jsinvokable) on a function, or on an impl block and the methods inside
//! it, and JavaScript calls it with `DotNet.invokeMethodAsync('Assembly', 'Identifier', ...args)`
//! or on an object it was handed (`dotNetHelper.invokeMethodAsync('GetHelloMessage')`). The
//! wire protocol is the one of Microsoft's `@microsoft/dotnet-js-interop` client.
//!
//! ```
//! use interop_runtime::{jsinvokable, ByteArray};
//!
//! #[jsinvokable("ReturnArrayAsync", assembly = "BlazorSample")]
//! pub async fn return_array_async() -> Vec<i32> {
//!     vec![1, 2, 3]
//! }
//!
//! #[jsinvokable("ReceiveByteArray", assembly = "BlazorSample")]
//! pub fn receive_byte_array(bytes: ByteArray) -> Result<String, std::string::FromUtf8Error> {
//!     String::from_utf8(bytes.into_vec())
//! }
//! # interop_runtime::check_registry().unwrap();
//! ```
//!
//! A host (an embedded engine, a WebSocket server, an in-memory test host) creates one
//! [`JsRuntime`] per JavaScript realm and implements the [`Host`] trait.
#![deny(missing_docs)]

mod bytes;
mod cancellation;
mod context;
mod dispatch;
mod dotnet_stream;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod host;
mod js_call;
mod js_object_ref;
mod json_scan;
mod markers;
mod object_ref;
mod options;
mod registry;
mod runtime;
mod staging;
mod stream;
#[cfg(feature = "typescript")]
mod typescript;

/// The buffer a [`ByteArray`] holds (from the `bytes` crate).
pub use ::bytes::Bytes;
pub use bytes::{byte_array, ByteArray};
pub use cancellation::{CancellationToken, Cancelled};
pub use dotnet_stream::{StreamRef, BUILTIN_ASSEMBLY};
pub use error::{JsError, RegistryError};
pub use host::{BoxFuture, CallType, Host, JsInvocation, ResultType, SyncCallError, ToJs};
pub use interop_macros::jsinvokable;
pub use js_call::{IntoJsArgs, JsCall, JsCallFuture};
pub use js_object_ref::JsObjectRef;
pub use object_ref::{ObjectRef, Shared};
pub use options::RuntimeOptions;
pub use registry::{check_registry, registered_methods, RegisteredMethod};
pub use runtime::JsRuntime;
pub use stream::{JsReadStream, JsStreamRef};
#[cfg(feature = "typescript")]
pub use typescript::typescript_declarations;

/// The project's JavaScript client: an ES module exporting `DotNet`, wire-compatible with
/// Microsoft's `@microsoft/dotnet-js-interop`. Hosts serve or load it; its source, tests and
/// type declarations live in `interop-runtime/js/`.
pub const CLIENT_JS: &str = include_str!("../js/dotnet-interop.js");

/// The host side of streams, an ES module exporting `hostStreamFunctions(DotNet, dispatcher)`:
/// the `readStreamChunks` and `supplyDotNetStream` functions a host installs as
/// `window.jsinvokable` (the defaults of [`RuntimeOptions::stream_chunk_function`] and
/// [`RuntimeOptions::stream_supply_function`]). It uses only the client API every client has,
/// so it serves Microsoft's client too.
pub const HOST_STREAMS_JS: &str = include_str!("../js/host-streams.js");

/// What the `#[jsinvokable]` expansion reaches. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::dispatch::{
        Arg, Args, BindArgs, Call, Failure, Invocation, IsScalar, NotScalar, Param, Scalar,
        UnboundArgs,
    };
    pub use crate::object_ref::{InstanceMethod, JsInvokable, ObjectCell};
    pub use crate::registry::StaticMethod;
    #[cfg(feature = "typescript")]
    pub use crate::typescript::{
        Declarations, TsImpl, TsKnown, TsMethod, TsProbe, TsSignature, TsStatic, TsUnknown,
    };
    pub use inventory;
    pub use std::sync::Arc;

    /// A type a `#[jsinvokable]` function can take from JavaScript.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a #[jsinvokable] parameter: it does not implement `serde::Deserialize`",
        label = "not deserializable from JSON",
        note = "derive it: `#[derive(serde::Deserialize)]`; bound a type parameter by `serde::de::DeserializeOwned`; take owned data (`String`, not `&str`)"
    )]
    pub trait JsArgument: serde::de::DeserializeOwned {}
    // Report `Point: JsArgument` with the message above, not the chain through serde's traits
    // and its list of every deserializable type.
    #[diagnostic::do_not_recommend]
    impl<T: serde::de::DeserializeOwned> JsArgument for T {}

    /// A type a `#[jsinvokable]` function can return to JavaScript.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be returned by a #[jsinvokable] function: it does not implement `serde::Serialize`",
        label = "not serializable to JSON",
        note = "derive it: `#[derive(serde::Serialize)]`; bound a type parameter by `serde::Serialize`"
    )]
    pub trait JsReturn: serde::Serialize {}
    // As for `JsArgument`.
    #[diagnostic::do_not_recommend]
    impl<T: serde::Serialize + ?Sized> JsReturn for T {}

    /// What the expansion emits for `typescript_declarations()`: kept with the feature
    /// `typescript` on, dropped unseen with it off (so the expansion is the same either way).
    #[cfg(feature = "typescript")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __jsinvokable_typescript {
        ($($tokens:tt)*) => { $($tokens)* };
    }
    /// What the expansion emits for `typescript_declarations()`: kept with the feature
    /// `typescript` on, dropped unseen with it off (so the expansion is the same either way).
    #[cfg(not(feature = "typescript"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __jsinvokable_typescript {
        ($($tokens:tt)*) => {};
    }

    /// Turns the `Err` of a user `Result` into the failure text JavaScript receives.
    pub fn error_text<E: core::fmt::Display>(error: E) -> String {
        error.to_string()
    }
}
