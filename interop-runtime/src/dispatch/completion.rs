//! Completing a JS→Rust call: one path for every outcome (a result, a caller's mistake, a
//! failure of user code, a cancelled future) and every entry point.

use std::sync::{Arc, Weak};

use bytes::Bytes;

use crate::cancellation::CancellationToken;
use crate::error::texts;
use crate::host::{BoxFuture, Host, ToJs};
use crate::runtime::RuntimeInner;

use super::cancel::RunningCall;
use super::guard;

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
    /// JavaScript cancelled the call (`cancelInvokeDotNetFromJS`): not a failure of user code.
    Aborted,
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
            Failure::Cancelled | Failure::Aborted => texts::cancelled(identifier),
        }
    }
}

/// A serialized result and the byte arrays it refers to.
#[doc(hidden)]
pub struct Payload {
    pub(super) json: String,
    pub(super) bytes: Vec<(u64, Bytes)>,
}

/// The call a completion answers, for its error texts and logs.
#[derive(Clone, Copy)]
pub(super) struct Callee<'a> {
    pub(super) identifier: &'a str,
    /// The assembly of a static call (`None` for instance calls).
    pub(super) assembly: Option<&'a str>,
}

/// What JavaScript receives for a finished call: the result JSON, once the byte arrays it
/// refers to are sent (when `send_bytes`), or the error text. Failures of user code are logged
/// with their full text, whatever JavaScript is told.
#[inline(always)]
pub(super) fn settle(
    inner: &RuntimeInner,
    callee: Callee<'_>,
    result: Result<Payload, Failure>,
    send_bytes: bool,
) -> Result<String, String> {
    match result {
        Ok(Payload { json, bytes }) => {
            if send_bytes && !bytes.is_empty() {
                for (id, bytes) in bytes {
                    inner.send(ToJs::ReceiveByteArray { id, bytes });
                }
            }
            Ok(json)
        }
        Err(failure) => Err(failure_text(inner, callee, failure)),
    }
}

#[cold]
#[inline(never)]
fn failure_text(inner: &RuntimeInner, callee: Callee<'_>, failure: Failure) -> String {
    if !matches!(failure, Failure::Caller(_) | Failure::Aborted) {
        tracing::warn!(
            identifier = callee.identifier,
            assembly = ?callee.assembly,
            ?failure,
            "a #[jsinvokable] call failed"
        );
    }
    let detailed = inner.options().detailed_errors;
    failure.into_text(detailed, callee.identifier, callee.assembly)
}

/// Sends the completion of call `call_id` (`EndInvokeDotNet`, after its byte arrays). A
/// fire-and-forget call (`call_id` 0) gets none: its failures are only logged.
#[inline(always)]
pub(super) fn complete(
    inner: &RuntimeInner,
    call_id: u64,
    callee: Callee<'_>,
    result: Result<Payload, Failure>,
) {
    let send = call_id != 0;
    let (success, result_or_error) = match settle(inner, callee, result, send) {
        Ok(json) => (true, json),
        Err(text) => (false, text),
    };
    if send {
        inner.send(ToJs::EndInvokeDotNet {
            call_id,
            success,
            result_or_error,
        });
    }
}

/// Spawns an async method's future on the host; the call completes when it ends, or as
/// cancelled if it is dropped first or JavaScript cancels it ([`RunningCall`]; `token`: the
/// one the method took). The future waits for room in the host's output before it runs and
/// before its result is sent ([`Host::poll_send_ready`]): a page that does not read its
/// replies holds back the work done for it.
pub(super) fn spawn(
    inner: &Arc<RuntimeInner>,
    call_id: u64,
    callee: Callee<'_>,
    future: BoxFuture<Result<Payload, Failure>>,
    token: Option<CancellationToken>,
) {
    let running = (call_id != 0).then(|| RunningCall::register(inner, call_id, token));
    let pending = PendingCall {
        runtime: Arc::downgrade(inner),
        call_id,
        identifier: callee.identifier.to_owned(),
        assembly: callee.assembly.map(str::to_owned),
        running,
        finished: false,
    };
    let host = Arc::downgrade(inner.host());
    let grace = inner.options().cancellation_grace;
    inner.host().spawn(Box::pin(async move {
        let work = async {
            send_ready(&host).await;
            guard::guard_future(future).await
        };
        let result = match &pending.running {
            None => work.await,
            Some(running) => match running.run(work, &host, grace).await {
                Some(result) => result,
                None => return pending.finish(Err(Failure::Aborted)),
            },
        };
        send_ready(&host).await;
        pending.finish(result);
    }));
}

/// Waits until the host has room for output.
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
    /// Registered while it runs, so that JavaScript can cancel it (not fire-and-forget calls).
    running: Option<RunningCall>,
    finished: bool,
}

impl PendingCall {
    fn callee(&self) -> Callee<'_> {
        Callee {
            identifier: &self.identifier,
            assembly: self.assembly.as_deref(),
        }
    }

    fn finish(mut self, result: Result<Payload, Failure>) {
        self.finished = true;
        if let Some(runtime) = self.runtime.upgrade() {
            if let Some(running) = &self.running {
                running.unregister(&runtime, self.call_id);
            }
            // Free the slot before JavaScript can see the completion: a page that starts a
            // new call on seeing it must not find the runtime still full.
            runtime.end_in_flight();
            complete(&runtime, self.call_id, self.callee(), result);
        }
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(runtime) = self.runtime.upgrade() {
            if let Some(running) = &self.running {
                running.unregister(&runtime, self.call_id);
            }
            runtime.end_in_flight();
            if !runtime.is_closed() {
                complete(
                    &runtime,
                    self.call_id,
                    self.callee(),
                    Err(Failure::Cancelled),
                );
            }
        }
    }
}
