//! Cancelling a running JS→Rust call from JavaScript (`cancelInvokeDotNetFromJS`): the calls
//! that can be cancelled, by call id, and how a cancelled call ends.
//!
//! A spawned call with a call id is registered until its task ends. A cancel signals its
//! token; the task sees it, drops the method's future (at once, or after the grace period when
//! the method takes a [`CancellationToken`]) and completes the call as cancelled, exactly once,
//! whatever the method returns meanwhile. A cancel that finds no running call does nothing.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Weak;
use std::task::Poll;
use std::time::Duration;

use futures_util::future::select;

use crate::cancellation::CancellationToken;
use crate::host::Host;
use crate::runtime::{JsRuntime, RuntimeInner};

/// A spawned call JavaScript may cancel: its token (the method's, or one of its own), in the
/// runtime's table under its call id and in the call's task.
#[derive(Clone)]
pub(crate) struct RunningCall {
    token: CancellationToken,
    /// The method took the token: it is signalled first, and dropped after the grace period.
    takes_token: bool,
}

impl RunningCall {
    /// Registers call `call_id` (not 0: a fire-and-forget call cannot be named), with the token
    /// the method took, if it took one. A call id JavaScript reuses names the latest call.
    pub(super) fn register(
        inner: &RuntimeInner,
        call_id: u64,
        token: Option<CancellationToken>,
    ) -> RunningCall {
        let running = RunningCall {
            takes_token: token.is_some(),
            token: token.unwrap_or_default(),
        };
        let replaced = inner.running_calls().insert(call_id, running.clone());
        drop(replaced);
        running
    }

    /// Removes this call from the runtime's table (not a later call under the same id).
    pub(super) fn unregister(&self, inner: &RuntimeInner, call_id: u64) {
        let mut running = inner.running_calls();
        if running
            .get(&call_id)
            .is_some_and(|entry| entry.token.same_as(&self.token))
        {
            let removed = running.remove(&call_id);
            drop(running);
            drop(removed);
        }
    }

    /// Runs `work` until it ends (`Some` of its output) or the call is cancelled (`None`): the
    /// work is then dropped, at once or, when the method took the token, once it ends or the
    /// grace period has passed on the host's clock (a zero grace: after one more poll).
    pub(super) async fn run<T>(
        &self,
        work: impl Future<Output = T>,
        host: &Weak<dyn Host>,
        grace: Duration,
    ) -> Option<T> {
        let mut work = pin!(work);
        let token = &self.token;
        // The signal first: a method that returns because it saw the token is cancelled too.
        let output = poll_fn(|cx| {
            if token.is_cancelled() {
                return Poll::Ready(None);
            }
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            token.register_task(cx.waker());
            // A cancel between the check and the registration woke no one: look again.
            if token.is_cancelled() {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        })
        .await;
        if output.is_some() {
            return output;
        }
        // What the method returns now is dropped with it: JavaScript has moved on.
        if self.takes_token && grace.is_zero() {
            // Polled once more, to see the signal, and no timer asked for.
            let _ = poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        } else if self.takes_token {
            if let Some(sleep) = host.upgrade().map(|host| host.sleep(grace)) {
                let _ = select(work.as_mut(), sleep).await;
            }
        }
        None
    }
}

impl JsRuntime {
    /// `cancelInvokeDotNetFromJS`: JavaScript aborted call `call_id` (an extension of the
    /// protocol; Microsoft's client never sends it). A running async call is cancelled: its
    /// future is dropped (a method taking a [`CancellationToken`] is signalled first and gets
    /// [`RuntimeOptions::cancellation_grace`](crate::RuntimeOptions::cancellation_grace)), and
    /// it completes with `The call to '<id>' was cancelled.`, which the client ignores. A call
    /// id that names no running call (finished, fire-and-forget, sync, unknown) is ignored.
    /// Never panics.
    pub fn cancel_invoke_dotnet(&self, call_id: u64) {
        let running = self.inner().running_calls().get(&call_id).cloned();
        if let Some(running) = running {
            running.token.cancel();
        }
    }
}
