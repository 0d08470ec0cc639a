//! The `Host` the runtime talks to: a queue of messages for the engine thread, tokio for
//! futures and timers, and synchronous calls through the engine's bridge.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use interop_runtime::{BoxFuture, Host, JsInvocation, SyncCallError, ToJs};
use tokio::sync::Notify;

use crate::bridge;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the engine thread and the runtime share.
pub(crate) struct Shared {
    /// Messages for JavaScript, delivered in order by the engine thread.
    outbox: Mutex<VecDeque<ToJs>>,
    /// Wakes the engine's loop when a message, a finished task or a timer needs it.
    pub(crate) wake: Notify,
    /// Spawned futures that have not finished.
    live_tasks: AtomicUsize,
    /// Identifies this engine's bridge on its thread.
    pub(crate) engine_id: u64,
}

impl Shared {
    pub(crate) fn new(engine_id: u64) -> Self {
        Shared {
            outbox: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            live_tasks: AtomicUsize::new(0),
            engine_id,
        }
    }

    pub(crate) fn pop_message(&self) -> Option<ToJs> {
        lock(&self.outbox).pop_front()
    }

    pub(crate) fn has_messages(&self) -> bool {
        !lock(&self.outbox).is_empty()
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.live_tasks.load(Ordering::Acquire)
    }
}

/// Counts a spawned future until it finishes or is dropped, then wakes the engine.
struct TaskGuard(Arc<Shared>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::AcqRel);
        self.0.wake.notify_one();
    }
}

/// The runtime's view of the engine.
pub(crate) struct QuickJsHost {
    pub(crate) shared: Arc<Shared>,
    pub(crate) tokio: tokio::runtime::Handle,
}

impl Host for QuickJsHost {
    fn send(&self, message: ToJs) {
        lock(&self.shared.outbox).push_back(message);
        self.shared.wake.notify_one();
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        bridge::invoke_sync(self.shared.engine_id, call)
    }

    fn spawn(&self, task: BoxFuture<()>) {
        self.shared.live_tasks.fetch_add(1, Ordering::AcqRel);
        let guard = TaskGuard(Arc::clone(&self.shared));
        self.tokio.spawn(async move {
            let _guard = guard;
            task.await;
        });
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        // The runtime asks for the timer when a call starts, which may be outside the engine's
        // loop (`engine.runtime().invoke(..)` before `block_on`): bind it to the engine's clock.
        let _context = self.tokio.enter();
        Box::pin(tokio::time::sleep(duration))
    }
}
