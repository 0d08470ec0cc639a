//! The in-memory host: what a JavaScript client would exchange with the runtime, as exact wire
//! strings and byte buffers, with a deterministic executor and a virtual clock.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use interop_runtime::{
    BoxFuture, Host, JsInvocation, JsRuntime, RuntimeOptions, SyncCallError, ToJs,
};
use parking_lot::Mutex;

/// Answers synchronous Rust→JS calls in place of a JS engine.
pub type SyncResponder =
    Box<dyn FnMut(&JsInvocation) -> Result<Option<String>, SyncCallError> + Send>;

struct Sleeper {
    deadline: Duration,
    waker: Option<Waker>,
    fired: bool,
}

#[derive(Default)]
struct Clock {
    now: Duration,
    sleepers: Vec<Arc<Mutex<Sleeper>>>,
}

#[derive(Default)]
struct Shared {
    outbox: Mutex<VecDeque<ToJs>>,
    spawned: Mutex<Vec<BoxFuture<()>>>,
    clock: Mutex<Clock>,
    sync_responder: Mutex<Option<SyncResponder>>,
}

/// A [`Host`] that keeps what the runtime sends in a queue, runs spawned futures only when
/// asked ([`run_until_stalled`](Self::run_until_stalled)) and sleeps on a virtual clock
/// ([`advance`](Self::advance)), so tests are deterministic and never wait.
///
/// Like the runtime, it runs no test code (a future, a waker, a responder) and drops none
/// while one of its locks is held, so any of them may call it back.
#[derive(Clone, Default)]
pub struct MemoryHost {
    shared: Arc<Shared>,
    tasks: Arc<Mutex<FuturesUnordered<BoxFuture<()>>>>,
}

struct Sleep {
    sleeper: Arc<Mutex<Sleeper>>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let waker = cx.waker().clone();
        let mut sleeper = self.sleeper.lock();
        if sleeper.fired {
            Poll::Ready(())
        } else {
            let previous = sleeper.waker.replace(waker);
            drop(sleeper);
            drop(previous);
            Poll::Pending
        }
    }
}

impl Host for MemoryHost {
    fn send(&self, message: ToJs) {
        self.shared.outbox.lock().push_back(message);
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        // The responder runs unlocked, so it may re-enter the runtime; a synchronous call it
        // causes in turn finds no responder (unsupported) instead of deadlocking.
        let Some(mut responder) = self.shared.sync_responder.lock().take() else {
            return Err(SyncCallError::Unsupported);
        };
        let result = responder(&call);
        let mut slot = self.shared.sync_responder.lock();
        if slot.is_none() {
            *slot = Some(responder);
        } else {
            // The responder set a new one: it stays, this one is dropped unlocked.
            drop(slot);
            drop(responder);
        }
        result
    }

    fn spawn(&self, task: BoxFuture<()>) {
        self.shared.spawned.lock().push(task);
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        let mut clock = self.shared.clock.lock();
        let sleeper = Arc::new(Mutex::new(Sleeper {
            deadline: clock.now + duration,
            waker: None,
            fired: duration.is_zero(),
        }));
        clock.sleepers.push(Arc::clone(&sleeper));
        Box::pin(Sleep { sleeper })
    }
}

impl MemoryHost {
    /// A new host with an empty queue, at virtual time zero, without synchronous calls.
    pub fn new() -> Self {
        MemoryHost::default()
    }

    /// A runtime over a clone of this host.
    pub fn runtime(&self, options: RuntimeOptions) -> JsRuntime {
        JsRuntime::with_options(Arc::new(self.clone()), options).expect("runtime options accepted")
    }

    /// Makes synchronous Rust→JS calls possible, answered by `responder` (which may call
    /// into the runtime; a synchronous call nested in it is unsupported).
    pub fn set_sync_responder(&self, responder: SyncResponder) {
        let previous = self.shared.sync_responder.lock().replace(responder);
        drop(previous);
    }

    /// Polls spawned futures until none can make progress. The futures are polled (and
    /// dropped when they finish) outside the host's locks; a future that calls this again
    /// polls only what was spawned meanwhile.
    pub fn run_until_stalled(&self) {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        loop {
            let spawned = std::mem::take(&mut *self.shared.spawned.lock());
            let mut tasks = std::mem::take(&mut *self.tasks.lock());
            let had_new = !spawned.is_empty();
            tasks.extend(spawned);
            let mut progressed = false;
            while let Poll::Ready(Some(())) = tasks.poll_next_unpin(&mut cx) {
                progressed = true;
            }
            // Put them back beside any a nested call left there.
            let nested = std::mem::replace(&mut *self.tasks.lock(), tasks);
            if !nested.is_empty() {
                self.tasks.lock().extend(nested);
            }
            if !progressed && !had_new && self.shared.spawned.lock().is_empty() {
                return;
            }
        }
    }

    /// Moves the virtual clock forward, wakes the sleepers that are due, and runs.
    pub fn advance(&self, duration: Duration) {
        let mut due = Vec::new();
        {
            let mut clock = self.shared.clock.lock();
            clock.now += duration;
            let now = clock.now;
            clock.sleepers.retain(|sleeper| {
                let mut sleeper = sleeper.lock();
                if sleeper.deadline <= now {
                    sleeper.fired = true;
                    due.extend(sleeper.waker.take());
                    false
                } else {
                    true
                }
            });
        }
        for waker in due {
            waker.wake();
        }
        self.run_until_stalled();
    }

    /// Takes every message sent so far, in order.
    pub fn take_messages(&self) -> Vec<ToJs> {
        self.shared.outbox.lock().drain(..).collect()
    }

    /// Takes the first message matching `predicate`, leaving the others in order.
    /// `predicate` runs unlocked.
    pub fn take_message(&self, predicate: impl Fn(&ToJs) -> bool) -> Option<ToJs> {
        let mut outbox = std::mem::take(&mut *self.shared.outbox.lock());
        let taken = outbox
            .iter()
            .position(predicate)
            .and_then(|index| outbox.remove(index));
        // Put the rest back before anything `predicate` caused to be sent.
        let mut slot = self.shared.outbox.lock();
        outbox.append(&mut slot);
        *slot = outbox;
        taken
    }

    /// Number of spawned futures that have not finished.
    pub fn live_tasks(&self) -> usize {
        self.tasks.lock().len() + self.shared.spawned.lock().len()
    }

    /// Drops every unfinished future, as a host shutting down would.
    pub fn drop_tasks(&self) {
        let spawned = std::mem::take(&mut *self.shared.spawned.lock());
        let tasks = std::mem::take(&mut *self.tasks.lock());
        drop(spawned);
        drop(tasks);
    }
}
