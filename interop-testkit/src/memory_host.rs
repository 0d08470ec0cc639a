//! The in-memory host: what a JavaScript client would exchange with the runtime, as exact wire
//! strings and byte buffers, with a deterministic executor and a virtual clock.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use interop_runtime::{
    BoxFuture, Host, JsInvocation, JsRuntime, RuntimeOptions, SyncCallError, ToJs,
};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

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
        let mut sleeper = lock(&self.sleeper);
        if sleeper.fired {
            Poll::Ready(())
        } else {
            sleeper.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Host for MemoryHost {
    fn send(&self, message: ToJs) {
        lock(&self.shared.outbox).push_back(message);
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        // The responder runs unlocked, so it may re-enter the runtime; a synchronous call it
        // causes in turn finds no responder (unsupported) instead of deadlocking.
        let Some(mut responder) = lock(&self.shared.sync_responder).take() else {
            return Err(SyncCallError::Unsupported);
        };
        let result = responder(&call);
        let mut slot = lock(&self.shared.sync_responder);
        if slot.is_none() {
            *slot = Some(responder);
        }
        result
    }

    fn spawn(&self, task: BoxFuture<()>) {
        lock(&self.shared.spawned).push(task);
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        let mut clock = lock(&self.shared.clock);
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
        *lock(&self.shared.sync_responder) = Some(responder);
    }

    /// Polls spawned futures until none can make progress.
    pub fn run_until_stalled(&self) {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        loop {
            let spawned = std::mem::take(&mut *lock(&self.shared.spawned));
            let mut tasks = lock(&self.tasks);
            let had_new = !spawned.is_empty();
            for task in spawned {
                tasks.push(task);
            }
            let mut progressed = false;
            while let Poll::Ready(Some(())) = tasks.poll_next_unpin(&mut cx) {
                progressed = true;
            }
            drop(tasks);
            if !progressed && !had_new && lock(&self.shared.spawned).is_empty() {
                return;
            }
        }
    }

    /// Moves the virtual clock forward, wakes the sleepers that are due, and runs.
    pub fn advance(&self, duration: Duration) {
        {
            let mut clock = lock(&self.shared.clock);
            clock.now += duration;
            let now = clock.now;
            clock.sleepers.retain(|sleeper| {
                let mut sleeper = lock(sleeper);
                if sleeper.deadline <= now {
                    sleeper.fired = true;
                    if let Some(waker) = sleeper.waker.take() {
                        waker.wake();
                    }
                    false
                } else {
                    true
                }
            });
        }
        self.run_until_stalled();
    }

    /// Takes every message sent so far, in order.
    pub fn take_messages(&self) -> Vec<ToJs> {
        lock(&self.shared.outbox).drain(..).collect()
    }

    /// Takes the first message matching `predicate`, leaving the others in order.
    pub fn take_message(&self, predicate: impl Fn(&ToJs) -> bool) -> Option<ToJs> {
        let mut outbox = lock(&self.shared.outbox);
        let index = outbox.iter().position(predicate)?;
        outbox.remove(index)
    }

    /// Number of spawned futures that have not finished.
    pub fn live_tasks(&self) -> usize {
        lock(&self.tasks).len() + lock(&self.shared.spawned).len()
    }

    /// Drops every unfinished future, as a host shutting down would.
    pub fn drop_tasks(&self) {
        let spawned = std::mem::take(&mut *lock(&self.shared.spawned));
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        drop(spawned);
        drop(tasks);
    }
}
