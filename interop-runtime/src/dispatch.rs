//! JS → Rust dispatch: lookup, argument binding, invocation, completion (PROTOCOL.md §4).

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Weak};

use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::context::{take_limit_error, Scope};
use crate::error::{deserialize_message, is_type_mismatch, texts};
use crate::host::{BoxFuture, Host, ToJs};
use crate::json_scan::{check_depth, survey, token_name, ArrayReader};
use crate::object_ref::TrackedObject;
use crate::registry::Registry;
use crate::runtime::{JsRuntime, RuntimeInner};
use crate::staging::Incoming;

/// Why a JS→Rust call failed.
#[doc(hidden)]
#[derive(Debug)]
pub enum Failure {
    /// The caller's mistake (lookup, arity, argument types, limits): sent verbatim.
    Caller(String),
    /// An `Err` returned by user code: hidden unless detailed errors are on.
    User(String),
    /// User code panicked (the payload, when it is text).
    Panic(String),
    /// The future was dropped before it completed.
    Cancelled,
}

impl Failure {
    fn into_text(self, detailed: bool, identifier: &str, assembly: Option<&str>) -> String {
        match self {
            Failure::Caller(text) => text,
            Failure::User(text) if detailed => text,
            Failure::User(_) => texts::hidden_user_error(identifier, assembly),
            Failure::Panic(payload) if detailed && !payload.is_empty() => {
                format!("{} {payload}", texts::panicked(identifier))
            }
            Failure::Panic(_) => texts::panicked(identifier),
            Failure::Cancelled => texts::cancelled(identifier),
        }
    }
}

fn panic_text(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// A serialized result and the byte arrays it refers to.
#[doc(hidden)]
pub struct Payload {
    json: String,
    bytes: Vec<(u64, Vec<u8>)>,
}

/// What a shim gives back: a result now, or a future to spawn.
#[doc(hidden)]
pub enum Invocation {
    /// A sync method ran: its JSON (byte arrays it produced are in the dispatch scope).
    Ready(String),
    /// An async method's future, with its arguments bound.
    Pending(BoxFuture<Result<Payload, Failure>>),
}

/// Serializes a result in the current scope (markers in it reach `runtime`).
#[inline]
fn to_json<R: Serialize>(
    runtime: &JsRuntime,
    identifier: &str,
    value: &R,
) -> Result<String, Failure> {
    let json = serde_json::to_string(value).map_err(|error| {
        // A limit hit by a marker (a full object table) is a caller error: sent verbatim.
        match take_limit_error() {
            Some(text) => Failure::Caller(text),
            None => Failure::User(format!(
                "The result of '{identifier}' could not be serialized: {error}"
            )),
        }
    })?;
    check_depth(&json, runtime.inner().options().max_json_depth).map_err(|error| {
        Failure::User(format!(
            "The result of '{identifier}' could not be serialized: {error}"
        ))
    })?;
    Ok(json)
}

/// Serializes a result inside a new scope of `runtime`, collecting the byte arrays it produces.
fn serialize_payload<R: Serialize>(
    runtime: &JsRuntime,
    identifier: &str,
    value: &R,
) -> Result<Payload, Failure> {
    let scope = Scope::new(runtime);
    let json = scope.enter(|| to_json(runtime, identifier, value))?;
    Ok(Payload {
        json,
        bytes: scope.take_outgoing_bytes().unwrap_or_default(),
    })
}

/// The short name of a type, for error texts (`Vec<i32>` rather than `alloc::vec::Vec<i32>`).
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut short = String::with_capacity(full.len());
    let mut segment_start = 0;
    for (index, ch) in full.char_indices() {
        if ch == ':' {
            segment_start = index + 1;
        } else if matches!(
            ch,
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&'
        ) {
            short.push_str(&full[segment_start..index]);
            short.push(ch);
            segment_start = index + 1;
        }
    }
    short.push_str(&full[segment_start..]);
    short
}

/// One JS→Rust call being bound: shims read their arguments through it, in order.
#[doc(hidden)]
pub struct Call<'a> {
    runtime: &'a JsRuntime,
    identifier: &'a str,
    args_json: &'a str,
    reader: Cell<Option<ArrayReader<'a>>>,
}

impl<'a> Call<'a> {
    fn skips_arguments(&self, count: usize) -> bool {
        count == 0 && !self.runtime.inner().options().strict_arguments
    }

    /// Opens the argument array (zero-parameter methods ignore it unless `strict_arguments`).
    pub fn begin(&self, count: usize) -> Result<(), Failure> {
        if self.skips_arguments(count) {
            return Ok(());
        }
        let reader = ArrayReader::open(self.args_json).map_err(Failure::Caller)?;
        self.reader.set(Some(reader));
        Ok(())
    }

    /// Binds argument `index` of `count`.
    ///
    /// Scalars (strings, numbers, literals) are deserialized in one pass from the text;
    /// objects and arrays are scanned first, for their depth and the object-reference marker.
    pub fn arg<T: crate::__private::JsArgument>(
        &self,
        index: usize,
        count: usize,
        accepts_object_ref: bool,
    ) -> Result<T, Failure> {
        let Some(mut reader) = self.reader.get() else {
            return Err(Failure::Caller(texts::INVALID_JSON.to_owned()));
        };
        let Some(start) = reader.next_start().map_err(Failure::Caller)? else {
            return Err(Failure::Caller(texts::too_few_arguments(
                self.identifier,
                count,
                index,
            )));
        };
        let json = self.args_json;
        let value = if matches!(json.as_bytes()[start], b'{' | b'[') {
            let max_depth = self.runtime.inner().options().max_json_depth;
            let element = reader.scan_at(start, max_depth).map_err(Failure::Caller)?;
            if element.is_object_ref && !accepts_object_ref {
                return Err(Failure::Caller(texts::object_ref_to_plain_parameter(
                    self.identifier,
                    &short_type_name::<T>(),
                    index + 1,
                )));
            }
            serde_json::from_str::<T>(element.text(json))
                .map_err(|error| self.bind_error(index, &error))?
        } else {
            let mut values = serde_json::Deserializer::from_str(&json[start..]).into_iter::<T>();
            let value = match values.next() {
                Some(Ok(value)) => value,
                Some(Err(error)) => return Err(self.bind_error(index, &error)),
                None => return Err(Failure::Caller(texts::INVALID_JSON.to_owned())),
            };
            reader.advance_to(start + values.byte_offset());
            value
        };
        self.reader.set(Some(reader));
        Ok(value)
    }

    /// Why argument `index` did not bind: a marker's text verbatim (the reference's), or
    /// serde's account of the mismatch, naming the call and the argument.
    #[cold]
    fn bind_error(&self, index: usize, error: &serde_json::Error) -> Failure {
        let text = deserialize_message(error);
        if is_type_mismatch(&text) {
            Failure::Caller(texts::argument_not_bound(self.identifier, index + 1, &text))
        } else {
            Failure::Caller(text)
        }
    }

    /// Binds every argument in one serde pass when that cannot differ from binding them one by
    /// one: the text holds no marker (markers need the call context's checks, and staged byte
    /// arrays are taken once) and too few brackets to nest deeper than the limit. `None`: bind
    /// them one by one, which gives the reference's exact errors.
    ///
    /// `scalar`: every argument type binds only from a string, a number, a literal or `null`
    /// ([`ScalarArgument`]). An object or array then fails at its first bracket, before serde
    /// reads any marker or nests, so the text needs no survey.
    #[inline(always)]
    fn bind_all<T: DeserializeOwned>(&self, scalar: bool) -> Option<T> {
        #[cfg(feature = "fuzzing")]
        if crate::fuzzing::one_by_one() {
            return None;
        }
        let json = self.args_json;
        if !scalar {
            let survey = survey(json);
            if survey.may_hold_marker
                || survey.openings > self.runtime.inner().options().max_json_depth + 1
            {
                return None;
            }
        }
        serde_json::from_str(json).ok()
    }

    /// Checks that no argument is left over.
    pub fn end(&self, count: usize) -> Result<(), Failure> {
        if self.skips_arguments(count) {
            return Ok(());
        }
        let Some(mut reader) = self.reader.get() else {
            return Err(Failure::Caller(texts::INVALID_JSON.to_owned()));
        };
        let max_depth = self.runtime.inner().options().max_json_depth;
        match reader.next(max_depth).map_err(Failure::Caller)? {
            None => Ok(()),
            // A fault planted for the fuzzing demonstration (scripts/fuzz-planted-faults.sh):
            // an extra `null` argument is ignored when arguments are bound one by one.
            #[cfg(fuzz_planted_fault)]
            Some(extra) if extra.text(self.args_json) == "null" => Ok(()),
            Some(extra) => Err(Failure::Caller(texts::too_many_arguments(
                self.identifier,
                count,
                token_name(extra.text(self.args_json)),
            ))),
        }
    }

    /// Serializes the result of a sync method.
    #[inline(always)]
    pub fn ready<R: crate::__private::JsReturn>(
        &self,
        result: Result<R, String>,
    ) -> Result<Invocation, Failure> {
        let value = result.map_err(Failure::User)?;
        // Sync methods run inside the dispatch scope, which collects the byte arrays.
        Ok(Invocation::Ready(to_json(
            self.runtime,
            self.identifier,
            &value,
        )?))
    }

    /// Wraps the future of an async method; its result is serialized when it completes.
    pub fn spawn<R, F>(&self, future: F) -> Result<Invocation, Failure>
    where
        R: crate::__private::JsReturn,
        F: Future<Output = Result<R, String>> + Send + 'static,
    {
        let runtime = Arc::downgrade(self.runtime.inner());
        let identifier = self.identifier.to_owned();
        Ok(Invocation::Pending(Box::pin(async move {
            let value = future.await.map_err(Failure::User)?;
            let runtime = runtime
                .upgrade()
                .map(JsRuntime::from_inner)
                .ok_or(Failure::Cancelled)?;
            serialize_payload(&runtime, &identifier, &value)
        })))
    }

    /// The runtime that received the call (for methods that take a `JsRuntime` parameter).
    pub fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }
}

/// Names the tuple of a function's argument types for [`FastArgs`] and [`SlowArgs`].
#[doc(hidden)]
pub struct Fast<T>(PhantomData<fn() -> T>);

impl<T> Fast<T> {
    /// A marker value; `(&&Fast::<(A, B)>::new()).fast(call)` picks the fast path when the
    /// tuple is `Deserialize` and the slow one otherwise.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Fast(PhantomData)
    }
}

/// Binds all arguments at once (chosen when the argument types are `Deserialize`).
#[doc(hidden)]
pub trait FastArgs<T> {
    /// The arguments, or `None` to bind them one by one. `scalar`: see [`ScalarArgument`].
    fn fast(&self, call: &Call<'_>, scalar: bool) -> Option<T>;
}

impl<T: DeserializeOwned> FastArgs<T> for &Fast<T> {
    #[inline]
    fn fast(&self, call: &Call<'_>, scalar: bool) -> Option<T> {
        call.bind_all(scalar)
    }
}

/// The fallback: always binds one by one (whose bounds then report unusable types).
#[doc(hidden)]
pub trait SlowArgs<T> {
    /// Always `None`.
    fn fast(&self, call: &Call<'_>, scalar: bool) -> Option<T>;
}

impl<T> SlowArgs<T> for Fast<T> {
    fn fast(&self, _: &Call<'_>, _: bool) -> Option<T> {
        None
    }
}

/// An argument type that deserializes only from a JSON string, number, literal or `null`:
/// no object-reference or byte-array marker can bind to it and no nesting can reach it.
#[doc(hidden)]
pub trait ScalarArgument {}

macro_rules! scalar_arguments {
    ($($ty:ty),*) => { $(impl ScalarArgument for $ty {})* };
}
scalar_arguments!(
    bool, char, String, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);
impl<T: ScalarArgument> ScalarArgument for Option<T> {}

/// Names one argument type for [`IsScalar`] and [`NotScalar`].
#[doc(hidden)]
pub struct Scalar<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> Scalar<T> {
    /// A marker value; `(&&Scalar::<A>::new()).is_scalar()` is `true` exactly when `A` is a
    /// [`ScalarArgument`].
    #[allow(clippy::new_without_default)]
    #[inline]
    pub fn new() -> Self {
        Scalar(PhantomData)
    }
}

/// Chosen for [`ScalarArgument`] types.
#[doc(hidden)]
pub trait IsScalar {
    /// `true`.
    fn is_scalar(&self) -> bool;
}

impl<T: ScalarArgument> IsScalar for &Scalar<T> {
    #[inline]
    fn is_scalar(&self) -> bool {
        true
    }
}

/// The fallback for every other type.
#[doc(hidden)]
pub trait NotScalar {
    /// `false`.
    fn is_scalar(&self) -> bool;
}

impl<T: ?Sized> NotScalar for Scalar<T> {
    #[inline]
    fn is_scalar(&self) -> bool {
        false
    }
}

/// What a call resolved to.
enum Target {
    Static(&'static crate::registry::StaticMethod),
    Instance(Arc<dyn TrackedObject>, usize, bool),
    Dispose(u64),
}

impl Target {
    /// An `async fn`: it cannot run synchronously and counts as in flight while it runs.
    fn is_async(&self) -> bool {
        match self {
            Target::Static(method) => method.is_async,
            Target::Instance(_, _, is_async) => *is_async,
            Target::Dispose(_) => false,
        }
    }
}

/// Sends a completion (after its byte arrays) or, for fire-and-forget calls, only logs failures.
#[inline]
fn complete(
    inner: &RuntimeInner,
    call_id: u64,
    identifier: &str,
    assembly: Option<&str>,
    result: Result<Payload, Failure>,
) {
    match result {
        Ok(payload) => complete_ok(inner, call_id, payload),
        Err(failure) => complete_err(inner, call_id, identifier, assembly, failure),
    }
}

#[inline]
fn complete_ok(inner: &RuntimeInner, call_id: u64, payload: Payload) {
    let bytes = Some(payload.bytes).filter(|bytes| !bytes.is_empty());
    send_result(inner, call_id, payload.json, bytes);
}

/// Sends a successful completion, after the byte arrays its JSON refers to.
#[inline(always)]
fn send_result(
    inner: &RuntimeInner,
    call_id: u64,
    json: String,
    bytes: Option<Vec<(u64, Vec<u8>)>>,
) {
    if call_id == 0 {
        return;
    }
    if let Some(bytes) = bytes {
        send_byte_arrays(inner, bytes);
    }
    inner.send(ToJs::EndInvokeDotNet {
        call_id,
        success: true,
        result_or_error: json,
    });
}

#[cold]
fn send_byte_arrays(inner: &RuntimeInner, arrays: Vec<(u64, Vec<u8>)>) {
    for (id, bytes) in arrays {
        inner.send(ToJs::ReceiveByteArray { id, bytes });
    }
}

#[cold]
#[inline(never)]
fn complete_err(
    inner: &RuntimeInner,
    call_id: u64,
    identifier: &str,
    assembly: Option<&str>,
    failure: Failure,
) {
    if !matches!(failure, Failure::Caller(_)) {
        tracing::warn!(
            identifier,
            ?assembly,
            ?failure,
            "a #[jsinvokable] call failed"
        );
    }
    let text = failure.into_text(inner.options().detailed_errors, identifier, assembly);
    if call_id != 0 {
        inner.send(ToJs::EndInvokeDotNet {
            call_id,
            success: false,
            result_or_error: text,
        });
    }
}

/// Waits until the host has room for output ([`Host::poll_send_ready`]).
async fn send_ready(host: &Weak<dyn Host>) {
    if let Some(host) = host.upgrade() {
        std::future::poll_fn(|cx| host.poll_send_ready(cx)).await;
    }
}

/// Completes a spawned call exactly once: with its result, or as cancelled if dropped first.
struct PendingCall {
    runtime: Weak<RuntimeInner>,
    call_id: u64,
    identifier: String,
    assembly: Option<String>,
    finished: bool,
}

impl PendingCall {
    fn finish(mut self, result: Result<Payload, Failure>) {
        self.finished = true;
        if let Some(runtime) = self.runtime.upgrade() {
            // Free the slot before JavaScript can see the completion: a page that starts a
            // new call on seeing it must not find the runtime still full.
            runtime.end_in_flight();
            complete(
                &runtime,
                self.call_id,
                &self.identifier,
                self.assembly.as_deref(),
                result,
            );
        }
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(runtime) = self.runtime.upgrade() {
            runtime.end_in_flight();
            if !runtime.is_closed() {
                complete(
                    &runtime,
                    self.call_id,
                    &self.identifier,
                    self.assembly.as_deref(),
                    Err(Failure::Cancelled),
                );
            }
        }
    }
}

#[inline]
fn require(value: Option<&str>, parameter: &str) -> Result<(), Failure> {
    match value {
        None => Err(Failure::Caller(texts::null_parameter(parameter))),
        Some(text) if text.bytes().all(|byte| byte.is_ascii_whitespace()) => {
            Err(Failure::Caller(texts::blank_parameter(parameter)))
        }
        Some(_) => Ok(()),
    }
}

impl JsRuntime {
    /// Finds what a call addresses, in the reference's order of checks (PROTOCOL.md §4.2).
    #[inline]
    fn resolve(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
    ) -> Result<Target, Failure> {
        let inner = self.inner();
        if let Some(object_id) = object_id.filter(|&id| id != 0) {
            let object = inner
                .tracked(object_id)
                .ok_or_else(|| Failure::Caller(texts::unknown_object(object_id)))?;
            if let Some(assembly) = assembly {
                return Err(Failure::Caller(texts::assembly_on_instance_call(assembly)));
            }
            require(identifier, "methodIdentifier")?;
            let identifier = identifier.unwrap_or_default();
            if identifier == "__Dispose" {
                return Ok(Target::Dispose(object_id));
            }
            return match object.find_method(identifier) {
                Some((index, is_async)) => Ok(Target::Instance(object, index, is_async)),
                None => Err(Failure::Caller(texts::unknown_instance_method(
                    object.type_name(),
                    identifier,
                ))),
            };
        }
        require(assembly, "assemblyKey.AssemblyName")?;
        require(identifier, "methodIdentifier")?;
        let (assembly, identifier) = (assembly.unwrap_or_default(), identifier.unwrap_or_default());
        if let Some(allowed) = &inner.options().allowed_assemblies {
            if assembly != crate::BUILTIN_ASSEMBLY && !allowed.iter().any(|name| name == assembly) {
                return Err(Failure::Caller(texts::unknown_assembly(assembly)));
            }
        }
        Registry::get()
            .lookup(assembly, identifier)
            .map(Target::Static)
            .map_err(Failure::Caller)
    }

    /// Binds and runs the call synchronously, its arguments reading `incoming` (the byte
    /// arrays it carries); a future is returned for async methods. Byte arrays a sync result
    /// produced are moved to `bytes`.
    #[inline(always)]
    fn run(
        &self,
        target: &Target,
        identifier: &str,
        args_json: &str,
        bytes: &mut Option<Vec<(u64, Vec<u8>)>>,
        incoming: Incoming,
    ) -> Result<Invocation, Failure> {
        let call = Call {
            runtime: self,
            identifier,
            args_json,
            reader: Cell::new(None),
        };
        let scope = Scope::with_incoming(self, incoming);
        // The result is written in place rather than returned through `catch_unwind`, which
        // would copy it once more on every call.
        let mut result = Err(Failure::Cancelled);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            scope.enter(|| {
                result = match target {
                    Target::Static(method) => (method.shim)(&call),
                    Target::Instance(object, index, _) => object.invoke(*index, &call),
                    Target::Dispose(id) => {
                        self.inner().untrack(*id);
                        Ok(Invocation::Ready("null".to_owned()))
                    }
                }
            })
        }));
        if let Err(payload) = caught {
            return Err(Failure::Panic(panic_text(payload)));
        }
        *bytes = scope.take_outgoing_bytes();
        result
    }

    /// The checks before lookup, in the reference's order; `incoming`: the byte arrays the
    /// call carries (refused ones fail it).
    #[inline]
    fn prepare(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
        incoming: &Incoming,
    ) -> Result<Target, Failure> {
        let inner = self.inner();
        if inner.is_closed() {
            return Err(Failure::Caller(texts::DISCONNECTED.to_owned()));
        }
        if let Incoming::Refused(text) = incoming {
            return Err(Failure::Caller(text.clone()));
        }
        if let Some(max) = inner.options().max_message_size {
            if args_json.len() > max {
                return Err(Failure::Caller(texts::message_too_large(
                    args_json.len(),
                    max,
                )));
            }
        }
        self.resolve(assembly, identifier, object_id)
    }

    /// `beginInvokeDotNetFromJS`: starts a JS→Rust call. The completion is sent through the
    /// host (`EndInvokeDotNet`), now for sync methods and errors, later for async methods.
    /// A `call_id` of 0 means fire-and-forget. `object_id` is `None` (or 0) for static calls.
    ///
    /// Lookup and argument binding happen before this returns, so calls are processed in
    /// arrival order; only an async method's future is spawned. Never panics.
    pub fn begin_invoke_dotnet(
        &self,
        call_id: u64,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
    ) {
        if let (Some(assembly), Some(identifier), None | Some(0)) =
            (assembly, identifier, object_id)
        {
            if let Some(method) = self.plain_static_call(assembly, identifier, args_json) {
                self.run_plain_static_call(call_id, method, assembly, identifier, args_json);
                return;
            }
        }
        self.begin_invoke_checked(call_id, assembly, identifier, object_id, args_json);
    }

    /// The common call: a sync static method, on an open runtime with no byte arrays, within
    /// the size limit and the allow-list. A name found in the registry is neither missing nor
    /// blank (the macro refuses blank names), so the reference's other checks cannot fail.
    /// `None`: take the path with every check in the reference's order.
    #[inline(always)]
    fn plain_static_call(
        &self,
        assembly: &str,
        identifier: &str,
        args_json: &str,
    ) -> Option<&'static crate::registry::StaticMethod> {
        let inner = self.inner();
        let options = inner.options();
        if inner.is_closed()
            || inner.has_open_batch()
            || options.allowed_assemblies.is_some()
            || options
                .max_message_size
                .is_some_and(|max| args_json.len() > max)
        {
            return None;
        }
        Registry::get()
            .find(assembly, identifier)
            .filter(|method| !method.is_async)
    }

    /// Runs what [`plain_static_call`](Self::plain_static_call) found and completes it.
    #[inline(always)]
    fn run_plain_static_call(
        &self,
        call_id: u64,
        method: &'static crate::registry::StaticMethod,
        assembly: &str,
        identifier: &str,
        args_json: &str,
    ) {
        let inner = self.inner();
        let mut bytes = None;
        let result = self.run(
            &Target::Static(method),
            identifier,
            args_json,
            &mut bytes,
            Incoming::None,
        );
        match result {
            Ok(Invocation::Ready(json)) => send_result(inner, call_id, json, bytes),
            // A method that is not `async` never returns a future.
            Ok(Invocation::Pending(_)) => {
                let failure = Failure::Caller(texts::sync_call_of_async(identifier));
                complete_err(inner, call_id, identifier, Some(assembly), failure);
            }
            Err(failure) => complete_err(inner, call_id, identifier, Some(assembly), failure),
        }
    }

    /// [`begin_invoke_dotnet`](Self::begin_invoke_dotnet) with every check in the reference's
    /// order: instance calls, `__Dispose`, async methods, and every caller error.
    #[inline(never)]
    fn begin_invoke_checked(
        &self,
        call_id: u64,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
    ) {
        let inner = self.inner();
        let mut bytes = None;
        let name = identifier.unwrap_or_default();
        let static_assembly = assembly.filter(|_| object_id.unwrap_or(0) == 0);
        let incoming = inner.claim_for_call(args_json);
        let invocation = self
            .prepare(assembly, identifier, object_id, args_json, &incoming)
            .and_then(|target| {
                let is_async = target.is_async();
                if is_async {
                    inner.begin_in_flight(name).map_err(Failure::Caller)?;
                }
                let invocation = self.run(&target, name, args_json, &mut bytes, incoming);
                if is_async && !matches!(invocation, Ok(Invocation::Pending(_))) {
                    inner.end_in_flight();
                }
                invocation
            });
        match invocation {
            Ok(Invocation::Ready(json)) => send_result(inner, call_id, json, bytes),
            Err(failure) => complete(inner, call_id, name, static_assembly, Err(failure)),
            Ok(Invocation::Pending(future)) => {
                let pending = PendingCall {
                    runtime: Arc::downgrade(inner),
                    call_id,
                    identifier: name.to_owned(),
                    assembly: static_assembly.map(str::to_owned),
                    finished: false,
                };
                let host = Arc::downgrade(inner.host());
                inner.host().spawn(Box::pin(async move {
                    // Backpressure, before the method runs and before its result is sent: a
                    // page that does not read its replies holds back the work done for it.
                    send_ready(&host).await;
                    let result = AssertUnwindSafe(future)
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|payload| Err(Failure::Panic(panic_text(payload))));
                    send_ready(&host).await;
                    pending.finish(result);
                }));
            }
        }
    }

    /// `invokeDotNetFromJS`: runs a JS→Rust call synchronously (in-process hosts). Returns the
    /// result JSON, or the error text JavaScript should throw. Async methods are refused.
    pub fn invoke_dotnet(
        &self,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<u64>,
        args_json: &str,
    ) -> Result<String, String> {
        let inner = self.inner();
        let name = identifier.unwrap_or_default();
        let static_assembly = assembly.filter(|_| object_id.unwrap_or(0) == 0);
        let incoming = inner.claim_for_call(args_json);
        let result = self
            .prepare(assembly, identifier, object_id, args_json, &incoming)
            .and_then(|target| {
                let is_async = target.is_async();
                if is_async {
                    return Err(Failure::Caller(texts::sync_call_of_async(name)));
                }
                let mut bytes = None;
                match self.run(&target, name, args_json, &mut bytes, incoming)? {
                    Invocation::Ready(json) => Ok(Payload {
                        json,
                        bytes: bytes.unwrap_or_default(),
                    }),
                    Invocation::Pending(_) => Err(Failure::Caller(texts::sync_call_of_async(name))),
                }
            });
        match result {
            Ok(payload) => {
                for (id, bytes) in payload.bytes {
                    inner.send(ToJs::ReceiveByteArray { id, bytes });
                }
                Ok(payload.json)
            }
            Err(failure) => {
                if !matches!(failure, Failure::Caller(_)) {
                    tracing::warn!(
                        identifier = name,
                        ?failure,
                        "a synchronous #[jsinvokable] call failed"
                    );
                }
                Err(failure.into_text(inner.options().detailed_errors, name, static_assembly))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{short_type_name, IsScalar as _, NotScalar as _, Scalar};

    #[test]
    // The probe is used as the macro writes it: through two references.
    #[allow(clippy::needless_borrow)]
    fn scalar_probe_names_exactly_the_scalar_types() {
        assert!((&&Scalar::<String>::new()).is_scalar());
        assert!((&&Scalar::<u32>::new()).is_scalar());
        assert!((&&Scalar::<Option<f64>>::new()).is_scalar());
        assert!(!(&&Scalar::<Vec<String>>::new()).is_scalar());
        assert!(!(&&Scalar::<serde_json::Value>::new()).is_scalar());
        assert!(!(&&Scalar::<crate::ByteArray>::new()).is_scalar());
        assert!(!(&&Scalar::<Option<crate::JsObjectRef>>::new()).is_scalar());
    }

    #[test]
    fn short_type_names_drop_paths() {
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(
            short_type_name::<Vec<Option<std::string::String>>>(),
            "Vec<Option<String>>"
        );
        assert_eq!(short_type_name::<(u32, String)>(), "(u32, String)");
    }
}
