//! The panic guard: user code (binding, the method, its future, serializing its result) runs
//! under `catch_unwind`, and a panic fails the call instead of unwinding into the host.
//! Nothing is caught under `panic = "abort"`.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};

use futures_util::FutureExt;

use super::completion::Failure;

/// Runs `f`; a panic becomes [`Failure::Panic`].
#[inline]
pub(super) fn guard<R>(f: impl FnOnce() -> Result<R, Failure>) -> Result<R, Failure> {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panicked(payload)))
}

/// Polls `future` to its end; a panic becomes [`Failure::Panic`].
pub(super) async fn guard_future<R>(
    future: impl Future<Output = Result<R, Failure>>,
) -> Result<R, Failure> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(panicked(payload)))
}

/// The failure of a panic, with its payload when it is text.
#[cold]
fn panicked(payload: Box<dyn Any + Send>) -> Failure {
    let text = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Failure::Panic(text)
}
