//! Binding a call's arguments straight from the JSON text, and wrapping what the method returns.
//!
//! Every argument is read in one serde pass over the array: the shim the macro writes
//! deserializes the tuple of its parameters' types, each wrapped in [`Arg`], through
//! [`Call::bind`]. So a type's `Deserialize` code is reached by one path per method, and no
//! `serde_json::Value` tree is built. Before that pass, the checks the reference makes on each
//! argument (its depth, an object reference only where one is accepted) run over the text,
//! when one plain look at it shows they could fail; an argument that fails them is refused by
//! its [`Arg`] before it is read, so errors come in the reference's order. When the pass fails,
//! the reference's text is worked out from where it stopped.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, Deserializer};

use crate::cancellation::CancellationToken;
use crate::context::{take_limit_error, Scope};
use crate::error::{deserialize_message, is_type_mismatch, texts};
use crate::json_scan::{check_depth, may_need_checks, token_name, ArrayReader};
use crate::runtime::JsRuntime;

use super::completion::{Failure, Payload};

/// What a shim gives back: a result now, or a future to spawn.
#[doc(hidden)]
pub enum Invocation {
    /// A sync method ran: its JSON (byte arrays it produced are in the dispatch scope).
    Ready(String),
    /// An async method's future, with its arguments bound.
    Pending(crate::host::BoxFuture<Result<Payload, Failure>>),
}

/// One parameter a method reads from JavaScript, for the checks made before its argument is
/// read.
#[doc(hidden)]
pub struct Param {
    /// The parameter is an `ObjectRef` (or holds one at its top level): it may receive an
    /// object reference.
    pub accepts_object_ref: bool,
    /// The parameter's type name, for the error text of an object reference it cannot take.
    pub type_name: fn() -> &'static str,
}

/// One argument, read in the pass over the array; refused without being read when a check
/// before it failed.
#[doc(hidden)]
pub struct Arg<T>(T);

impl<'de, T: DeserializeOwned> de::Deserialize<'de> for Arg<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let index = STARTED.get();
        STARTED.set(index + 1);
        if index == REFUSED.get() {
            // The failure is the call's (`Call::bind`); serde only needs to stop here.
            return Err(de::Error::custom(texts::INVALID_JSON));
        }
        match T::deserialize(deserializer) {
            Ok(value) => Ok(Arg(value)),
            Err(error) => {
                FAILED_INSIDE.set(true);
                Err(error)
            }
        }
    }
}

thread_local! {
    /// How many arguments of the call being bound on this thread started deserializing.
    static STARTED: Cell<usize> = const { Cell::new(0) };
    /// The argument a check refused (`usize::MAX`: none).
    static REFUSED: Cell<usize> = const { Cell::new(usize::MAX) };
    /// Whether the pass stopped inside an argument (not between two).
    static FAILED_INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Where the binding of one call's arguments is: [`Arg`]s count themselves in it. Restores the
/// state of a binding it interrupted when dropped (a `Deserialize` that dispatches a call).
struct Progress {
    interrupted: (usize, usize, bool),
}

impl Progress {
    #[inline]
    fn start(refused: Option<usize>) -> Progress {
        let interrupted = (
            STARTED.replace(0),
            REFUSED.replace(refused.unwrap_or(usize::MAX)),
            FAILED_INSIDE.replace(false),
        );
        Progress { interrupted }
    }

    /// How many arguments started, and whether the last one failed.
    fn read(&self) -> (usize, bool) {
        (STARTED.get(), FAILED_INSIDE.get())
    }
}

impl Drop for Progress {
    #[inline]
    fn drop(&mut self) {
        let (started, refused, failed_inside) = self.interrupted;
        STARTED.set(started);
        REFUSED.set(refused);
        FAILED_INSIDE.set(failed_inside);
    }
}

/// One JS→Rust call being bound: shims read their arguments through it.
#[doc(hidden)]
pub struct Call<'a> {
    runtime: &'a JsRuntime,
    identifier: &'a str,
    args_json: &'a str,
    /// The argument a check refused, and why.
    refusal: Option<(usize, Failure)>,
    /// The token of a method that takes a [`CancellationToken`].
    cancellation: Option<CancellationToken>,
}

impl<'a> Call<'a> {
    pub(super) fn new(runtime: &'a JsRuntime, identifier: &'a str, args_json: &'a str) -> Self {
        Call {
            runtime,
            identifier,
            args_json,
            refusal: None,
            cancellation: None,
        }
    }

    fn max_depth(&self) -> usize {
        self.runtime.inner().options().max_json_depth
    }

    /// Zero-parameter methods ignore their arguments unless `strict_arguments` is on.
    fn skips_arguments(&self, count: usize) -> bool {
        count == 0 && !self.runtime.inner().options().strict_arguments
    }

    /// Opens the argument array of a method with `count` parameters (methods with parameters
    /// are bound by [`bind`](Self::bind) instead).
    pub fn begin(&mut self, count: usize) -> Result<(), Failure> {
        if self.skips_arguments(count) {
            return Ok(());
        }
        ArrayReader::open(self.args_json).map_err(Failure::Caller)?;
        Ok(())
    }

    /// Checks that no argument is left over (methods without parameters).
    pub fn end(&mut self, count: usize) -> Result<(), Failure> {
        if self.skips_arguments(count) {
            return Ok(());
        }
        self.failure_after(count, count)
    }

    /// Binds every argument, `params` describing the parameters, in one pass over the array.
    /// `scalar`: every parameter is a [`ScalarArgument`](super::probes::ScalarArgument), so an
    /// object or array fails at its first bracket, before serde reads any marker or nests: the
    /// checks can wait for a failure.
    pub(super) fn bind<T: DeserializeOwned>(
        &mut self,
        params: &[Param],
        scalar: bool,
    ) -> Result<T, Failure> {
        let scalar = scalar && !checks_forced();
        // Checks left for a failure when all are scalars: 11% fewer instructions, 11% less time.
        if !scalar {
            self.refusal = self.check(params);
        }
        let progress = Progress::start(self.refusal.as_ref().map(|(index, _)| *index));
        match serde_json::from_str(self.args_json) {
            Ok(args) => Ok(args),
            Err(error) => Err(self.bind_failure(params, scalar, progress.read(), &error)),
        }
    }

    /// The reference's checks on each argument, unless one look at the text shows they cannot
    /// fail: the first argument that fails one, and the failure.
    fn check(&self, params: &[Param]) -> Option<(usize, Failure)> {
        let max_depth = self.max_depth();
        if !checks_forced() && !may_need_checks(self.args_json, max_depth) {
            return None;
        }
        let mut reader = ArrayReader::open(self.args_json).ok()?;
        for (index, param) in params.iter().enumerate() {
            // A broken array is reported by the pass, when it reaches the break.
            let start = reader.next_start().ok()??;
            let nested = matches!(self.args_json.as_bytes()[start], b'{' | b'[');
            let refusal = match reader.scan_at(start, max_depth) {
                Err(text) if nested && text == texts::too_deep(max_depth) => text,
                // A broken element is reported by the pass too, when it reaches the break.
                Err(_) => return None,
                Ok(element) if element.is_object_ref && !param.accepts_object_ref => {
                    texts::object_ref_to_plain_parameter(
                        self.identifier,
                        &short_type_name((param.type_name)()),
                        index + 1,
                    )
                }
                Ok(_) => continue,
            };
            return Some((index, Failure::Caller(refusal)));
        }
        None
    }

    /// Why the pass over the array failed, in the reference's words: the refusal of a check,
    /// an argument that did not bind, or what is wrong with the array after the arguments
    /// that did.
    #[cold]
    #[inline(never)]
    fn bind_failure(
        &mut self,
        params: &[Param],
        scalar: bool,
        (started, failed_inside): (usize, bool),
        error: &serde_json::Error,
    ) -> Failure {
        if let Some((refused, refusal)) = self.refusal.take() {
            if refused < started {
                return refusal;
            }
        }
        if !failed_inside {
            // Between arguments: a break in the array, or its length.
            return match self.failure_after(started, params.len()) {
                Err(failure) => failure,
                // The array is sound after the arguments that bound: serde's own account.
                Ok(()) => Failure::Caller(deserialize_message(error)),
            };
        }
        let index = started - 1;
        // Checks left for a failure: a scalar parameter fails at an object's bracket, and the
        // reference would have refused the object first.
        if scalar {
            if let Some((refused, refusal)) = self.check(params) {
                if refused <= index {
                    return refusal;
                }
            }
        }
        self.bind_error(index, error)
    }

    /// What is wrong with the array after its first `read` elements, for a method with
    /// `count` parameters: a break in the array, too few arguments, or one too many.
    fn failure_after(&self, read: usize, count: usize) -> Result<(), Failure> {
        let mut reader = ArrayReader::open(self.args_json).map_err(Failure::Caller)?;
        for _ in 0..read {
            reader.next(self.max_depth()).map_err(Failure::Caller)?;
        }
        match reader.next_start().map_err(Failure::Caller)? {
            None if read < count => Err(Failure::Caller(texts::too_few_arguments(
                self.identifier,
                count,
                read,
            ))),
            None => Ok(()),
            Some(_) if read < count => Ok(()),
            // A fault planted for the fuzzing demonstration (scripts/fuzz-planted-faults.sh):
            // an extra `null` argument is not reported.
            #[cfg(fuzz_planted_fault)]
            Some(start) if self.args_json[start..].starts_with("null") => Ok(()),
            Some(start) => {
                let extra = reader
                    .scan_at(start, self.max_depth())
                    .map_err(Failure::Caller)?;
                Err(Failure::Caller(texts::too_many_arguments(
                    self.identifier,
                    count,
                    token_name(extra.text(self.args_json)),
                )))
            }
        }
    }

    /// Why argument `index` did not bind: a marker's text verbatim (the reference's), or
    /// serde's account of the mismatch, naming the call and the argument.
    fn bind_error(&self, index: usize, error: &serde_json::Error) -> Failure {
        let text = deserialize_message(error);
        if is_type_mismatch(&text) {
            Failure::Caller(texts::argument_not_bound(self.identifier, index + 1, &text))
        } else {
            Failure::Caller(text)
        }
    }

    /// One argument of those [`bind`](Self::bind) read. Its bound reports a parameter type
    /// that cannot be read, on the parameter's own token.
    #[inline(always)]
    #[rustfmt::skip] // The ui tests quote this line in their expected compiler output.
    pub fn arg<T: crate::__private::JsArgument>(
        &self,
        arg: Arg<T>,
    ) -> T {
        arg.0
    }

    /// Serializes the result of a sync method (inside the dispatch scope, which collects the
    /// byte arrays it produces).
    pub fn ready<R: crate::__private::JsReturn>(
        &self,
        result: Result<R, String>,
    ) -> Result<Invocation, Failure> {
        let value = result.map_err(Failure::User)?;
        let json = serde_json::to_string(&value);
        checked_json(self.runtime, self.identifier, json).map(Invocation::Ready)
    }

    /// Wraps the future of an async method; its result is serialized when it completes.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn spawn<R, F>(&self, future: F) -> Result<Invocation, Failure>
    where
        R: crate::__private::JsReturn,
        F: Future<Output = Result<R, String>> + Send + 'static,
    {
        self.pending(future)
    }

    /// Wraps the future of an async method; its result is serialized when it completes. On
    /// wasm32 the future need not be `Send` (it runs on the page's event loop: docs/wasm.md).
    #[cfg(target_arch = "wasm32")]
    pub fn spawn<R, F>(&self, future: F) -> Result<Invocation, Failure>
    where
        R: crate::__private::JsReturn,
        F: Future<Output = Result<R, String>> + 'static,
    {
        self.pending(future)
    }

    fn pending<R, F>(&self, future: F) -> Result<Invocation, Failure>
    where
        R: crate::__private::JsReturn,
        F: Future<Output = Result<R, String>> + crate::host::MaybeSend + 'static,
    {
        let runtime = Arc::downgrade(self.runtime.inner());
        let identifier = self.identifier.to_owned();
        Ok(Invocation::Pending(Box::pin(async move {
            let value = future.await.map_err(Failure::User)?;
            let runtime = runtime
                .upgrade()
                .map(JsRuntime::from_inner)
                .ok_or(Failure::Cancelled)?;
            // A scope of its own collects the byte arrays the result produces.
            let scope = Scope::new(&runtime);
            let json = scope.enter(|| {
                let json = serde_json::to_string(&value);
                checked_json(&runtime, &identifier, json)
            })?;
            Ok(Payload {
                json,
                bytes: scope.take_outgoing_bytes().unwrap_or_default(),
            })
        })))
    }

    /// The runtime that received the call (for methods that take a `JsRuntime` parameter).
    pub fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }

    /// The token JavaScript's abort signals (for async methods that take a
    /// `CancellationToken` parameter).
    pub fn cancellation(&mut self) -> CancellationToken {
        self.cancellation
            .get_or_insert_with(CancellationToken::new)
            .clone()
    }

    /// The token the method took, if it took one.
    pub(super) fn take_cancellation(&mut self) -> Option<CancellationToken> {
        self.cancellation.take()
    }
}

/// Whether the fuzz harness asks for every check before the pass (feature `fuzzing`).
#[inline(always)]
fn checks_forced() -> bool {
    #[cfg(feature = "fuzzing")]
    return crate::fuzzing::checks_always();
    #[cfg(not(feature = "fuzzing"))]
    false
}

/// A serialized result, or why it could not be: a limit hit by a marker (a full object table)
/// is a caller error, sent verbatim; anything else, or a result nested past the depth limit,
/// is the method's failure.
#[inline]
fn checked_json(
    runtime: &JsRuntime,
    identifier: &str,
    json: Result<String, serde_json::Error>,
) -> Result<String, Failure> {
    let unserializable =
        |error: &dyn std::fmt::Display| Failure::User(texts::unserializable(identifier, error));
    let json = json.map_err(|error| match take_limit_error() {
        Some(text) => Failure::Caller(text),
        None => unserializable(&error),
    })?;
    check_depth(&json, runtime.inner().options().max_json_depth)
        .map_err(|error| unserializable(&error))?;
    Ok(json)
}

/// The short name of a type, for error texts (`Vec<i32>` rather than `alloc::vec::Vec<i32>`).
fn short_type_name(full: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_type_names_drop_paths() {
        let name = |full: fn() -> &'static str| short_type_name(full());
        assert_eq!(name(std::any::type_name::<String>), "String");
        assert_eq!(
            name(std::any::type_name::<Vec<Option<std::string::String>>>),
            "Vec<Option<String>>"
        );
        assert_eq!(name(std::any::type_name::<(u32, String)>), "(u32, String)");
    }
}
