//! The module's run queue: the host's futures (async methods, the runtime's tasks) are polled
//! here, on the page's event loop. A woken task is queued, and one microtask
//! (`wasm_bindgen_futures::spawn_local`) drains the queue, as wasm-bindgen-futures' own queue is
//! drained; a task woken while the queue drains is polled in the same pass.
//!
//! The queue is the module's own so that it can also be drained synchronously
//! ([`run_until_stalled`]): the conformance suite's cases run synchronously inside the module
//! (`hosts/wasm/conformance-app`) and must drive the host's tasks while JavaScript's microtasks
//! cannot run. Pages never call it.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

/// A task of this thread (wasm32 has one): it need not be `Send`.
pub(crate) type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// A task: its future (out of the table while it is polled) and whether it is queued.
struct Slot {
    future: Option<LocalTask>,
    queued: bool,
}

thread_local! {
    static TASKS: RefCell<HashMap<u64, Slot>> = RefCell::new(HashMap::new());
    static QUEUE: RefCell<VecDeque<u64>> = const { RefCell::new(VecDeque::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// A microtask that drains the queue is scheduled.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// The queue is being drained (a task woken meanwhile is polled by that pass).
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Wakes a task by its id: the waker holds nothing JavaScript, so it is `Send + Sync`.
struct TaskWaker(u64);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        queue(self.0);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        queue(self.0);
    }
}

/// Queues the task `id` (once, however often it is woken before it is polled).
fn queue(id: u64) {
    let newly = TASKS.with(|tasks| match tasks.borrow_mut().get_mut(&id) {
        Some(slot) if !slot.queued => {
            slot.queued = true;
            true
        }
        _ => false,
    });
    if newly {
        QUEUE.with(|queue| queue.borrow_mut().push_back(id));
        schedule();
    }
}

/// Makes sure a microtask will drain the queue.
fn schedule() {
    if SCHEDULED.get() || DRAINING.get() {
        return;
    }
    SCHEDULED.set(true);
    wasm_bindgen_futures::spawn_local(async {
        SCHEDULED.set(false);
        run_until_stalled();
    });
}

/// Runs `task` on the page's event loop: first polled from a microtask.
pub(crate) fn spawn(task: LocalTask) {
    let id = NEXT_ID.get() + 1;
    NEXT_ID.set(id);
    TASKS.with(|tasks| {
        tasks.borrow_mut().insert(
            id,
            Slot {
                future: Some(task),
                queued: true,
            },
        )
    });
    QUEUE.with(|queue| queue.borrow_mut().push_back(id));
    schedule();
}

/// Ends a pass when dropped (also when a poll unwinds, under `panic = "unwind"`).
struct Draining;

impl Drop for Draining {
    fn drop(&mut self) {
        DRAINING.set(false);
    }
}

/// Polls queued tasks until none is queued. A call made while the queue drains (from
/// JavaScript that a task called) returns at once: the pass under way polls what it queued.
pub(crate) fn run_until_stalled() {
    if DRAINING.replace(true) {
        return;
    }
    let _draining = Draining;
    while let Some(id) = QUEUE.with(|queue| queue.borrow_mut().pop_front()) {
        let future = TASKS.with(|tasks| {
            let mut tasks = tasks.borrow_mut();
            let slot = tasks.get_mut(&id)?;
            slot.queued = false;
            slot.future.take()
        });
        let Some(mut future) = future else { continue };
        let waker = Waker::from(Arc::new(TaskWaker(id)));
        // No table is borrowed while the task runs: it may spawn, wake and call JavaScript.
        let done = future
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_ready();
        TASKS.with(|tasks| {
            let mut tasks = tasks.borrow_mut();
            if done {
                tasks.remove(&id);
            } else if let Some(slot) = tasks.get_mut(&id) {
                slot.future = Some(future);
            }
        });
    }
}
