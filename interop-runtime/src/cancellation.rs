//! [`CancellationToken`]: how an async `#[jsinvokable]` method learns that JavaScript aborted
//! its call (`invokeMethodWithSignalAsync` and an `AbortSignal`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::task::AtomicWaker;
use parking_lot::Mutex;

/// Tells an async `#[jsinvokable]` method that JavaScript aborted its call.
///
/// Take it as a parameter of an `async fn` (never read from the arguments, never counted in
/// their number, like `JsRuntime`). When the page aborts the call, the token is signalled, and
/// the method's future keeps running for at most
/// [`RuntimeOptions::cancellation_grace`](crate::RuntimeOptions::cancellation_grace) so it can
/// stop cleanly; then it is dropped. Whatever it returns after the signal is dropped too:
/// JavaScript has already rejected the call. A method without this parameter is dropped as
/// soon as the abort arrives.
///
/// ```
/// use interop_runtime::{jsinvokable, CancellationToken};
///
/// #[jsinvokable("Search", assembly = "MyApp")]
/// async fn search(query: String, cancel: CancellationToken) -> Vec<String> {
///     let mut found = Vec::new();
///     for page in 0..100 {
///         if cancel.is_cancelled() {
///             break; // stop cleanly; what it returns now is dropped
///         }
///         found.extend(fetch_page(&query, page).await);
///     }
///     found
/// }
///
/// async fn fetch_page(query: &str, page: u32) -> Vec<String> {
///     vec![format!("{query}, page {page}")] // a real search awaits I/O here
/// }
/// # interop_runtime::check_registry().unwrap();
/// ```
///
/// Clones share the signal. [`new`](Self::new) and [`cancel`](Self::cancel) let a test drive a
/// method directly.
#[derive(Clone, Default)]
pub struct CancellationToken {
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    cancelled: AtomicBool,
    /// The runtime's task running the call (lock-free: it registers on every poll).
    task: AtomicWaker,
    /// The tasks waiting in [`Cancelled`], each once.
    waiters: Mutex<Vec<Waker>>,
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancellationToken {
    /// A token not signalled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the call was aborted.
    pub fn is_cancelled(&self) -> bool {
        self.state.cancelled.load(Ordering::Acquire)
    }

    /// A future that completes when the call is aborted (at once if it already was).
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            state: Arc::clone(&self.state),
        }
    }

    /// Signals the token (the runtime does when JavaScript aborts the call). Wakes every
    /// [`cancelled`](Self::cancelled) future; later calls do nothing. On the token of a running
    /// call it cancels the call as JavaScript would (unless the method returns in the same
    /// poll): the grace period runs, and JavaScript is answered `The call to '<id>' was
    /// cancelled.`
    pub fn cancel(&self) {
        if self.state.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        let waiters = std::mem::take(&mut *self.state.waiters.lock());
        // Woken with the lock released: a waker may poll the future at once.
        for waker in waiters {
            waker.wake();
        }
        self.state.task.wake();
    }

    /// Wakes `waker` when the token is signalled (the runtime's task running the call; a later
    /// registration replaces it).
    pub(crate) fn register_task(&self, waker: &Waker) {
        self.state.task.register(waker);
    }

    /// Whether both are clones of one token.
    pub(crate) fn same_as(&self, other: &CancellationToken) -> bool {
        Arc::ptr_eq(&self.state, &other.state)
    }
}

/// The future of [`CancellationToken::cancelled`].
#[must_use = "futures do nothing unless awaited"]
pub struct Cancelled {
    state: Arc<State>,
}

impl fmt::Debug for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancelled").finish_non_exhaustive()
    }
}

impl Future for Cancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.cancelled.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        let mut waiters = self.state.waiters.lock();
        // Checked again under the lock: `cancel` takes the list after setting the flag.
        if self.state.cancelled.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if !waiters.iter().any(|waiter| waiter.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::CancellationToken;
    use futures_util::FutureExt;

    #[test]
    fn cancelled_completes_once_signalled() {
        let token = CancellationToken::new();
        let clone = token.clone();
        let mut waiting = Box::pin(clone.cancelled());
        assert!((&mut waiting).now_or_never().is_none());
        assert!(!clone.is_cancelled());
        token.cancel();
        token.cancel();
        assert!(clone.is_cancelled());
        assert!(waiting.now_or_never().is_some());
        assert!(token.cancelled().now_or_never().is_some());
    }

    #[test]
    fn a_waiting_task_is_woken() {
        let token = CancellationToken::new();
        let signal = token.clone();
        let thread = std::thread::spawn(move || futures_executor::block_on(signal.cancelled()));
        std::thread::sleep(std::time::Duration::from_millis(10));
        token.cancel();
        thread.join().expect("the waiting thread ends");
    }
}
