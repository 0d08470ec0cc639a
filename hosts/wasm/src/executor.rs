//! The module's run queue: the host's futures (async methods, the runtime's tasks) are polled
//! here, on the page's event loop, as wasm-bindgen-futures polls its own: a woken task is
//! queued, and one microtask (`queueMicrotask`) polls the tasks queued before it; a task woken
//! meanwhile waits for the next microtask, so JavaScript's promise callbacks run in between.
//!
//! The queue is the module's own so that it can also be drained synchronously
//! ([`run_until_stalled`]): the conformance suite's cases run synchronously inside the module
//! (`hosts/wasm/conformance-app`) and must drive the host's tasks while JavaScript's microtasks
//! cannot run. Pages never call it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use wasm_bindgen::prelude::*;

/// A task of this thread (wasm32 has one): it need not be `Send`.
pub(crate) type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

#[wasm_bindgen]
extern "C" {
    /// The global `queueMicrotask(callback)`.
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);
}

/// A task: its future (out of the table while it is polled), its waker, and whether it is
/// queued.
struct Slot {
    future: Option<LocalTask>,
    waker: Waker,
    queued: bool,
}

/// The tasks, by index; a finished task's index is reused (a waker kept past its task's end
/// may then poll another task once: a spurious poll, which futures allow).
#[derive(Default)]
struct Tasks {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
}

thread_local! {
    static TASKS: RefCell<Tasks> = RefCell::new(Tasks::default());
    static QUEUE: RefCell<VecDeque<usize>> = const { RefCell::new(VecDeque::new()) };
    /// A microtask that polls the queue is scheduled.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// Tasks are being polled (a nested drain returns at once).
    static DRAINING: Cell<bool> = const { Cell::new(false) };
    /// The microtask's callback, made once.
    static TICK: Closure<dyn FnMut()> = Closure::new(tick);
}

/// Wakes a task by its index: the waker holds nothing JavaScript, so it is `Send + Sync`.
struct TaskWaker(usize);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        queue(self.0);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        queue(self.0);
    }
}

/// Queues the task `index` (once, however often it is woken before it is polled).
fn queue(index: usize) {
    let newly = TASKS.with(|tasks| match tasks.borrow_mut().slots.get_mut(index) {
        Some(Some(slot)) if !slot.queued => {
            slot.queued = true;
            true
        }
        _ => false,
    });
    if newly {
        QUEUE.with(|queue| queue.borrow_mut().push_back(index));
        schedule();
    }
}

/// Makes sure a microtask will poll the queue.
fn schedule() {
    if !SCHEDULED.replace(true) {
        TICK.with(|tick| queue_microtask(tick.as_ref().unchecked_ref()));
    }
}

/// Runs `task` on the page's event loop: first polled from a microtask.
pub(crate) fn spawn(task: LocalTask) {
    TASKS.with(|tasks| {
        let mut tasks = tasks.borrow_mut();
        let index = tasks.free.pop().unwrap_or(tasks.slots.len());
        let slot = Slot {
            future: Some(task),
            waker: Waker::from(Arc::new(TaskWaker(index))),
            queued: true,
        };
        match tasks.slots.get_mut(index) {
            Some(free) => *free = Some(slot),
            None => tasks.slots.push(Some(slot)),
        }
        QUEUE.with(|queue| queue.borrow_mut().push_back(index));
    });
    schedule();
}

/// Ends a drain when dropped (also when a poll unwinds, under `panic = "unwind"`).
struct Draining;

impl Drop for Draining {
    fn drop(&mut self) {
        DRAINING.set(false);
    }
}

/// Polls queued tasks: at most `limit`, or until none is queued.
fn drain(limit: Option<usize>) {
    if DRAINING.replace(true) {
        return;
    }
    let _draining = Draining;
    let mut left = limit;
    while left != Some(0) {
        let Some(index) = QUEUE.with(|queue| queue.borrow_mut().pop_front()) else {
            break;
        };
        left = left.map(|left| left - 1);
        poll(index);
    }
}

/// Polls the task `index` once, unless it finished meanwhile.
fn poll(index: usize) {
    let taken = TASKS.with(|tasks| {
        let mut tasks = tasks.borrow_mut();
        let slot = tasks.slots.get_mut(index)?.as_mut()?;
        slot.queued = false;
        Some((slot.future.take()?, slot.waker.clone()))
    });
    let Some((mut future, waker)) = taken else {
        return;
    };
    // No table is borrowed while the task runs: it may spawn, wake and call JavaScript.
    let done = future
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_ready();
    let finished = TASKS.with(|tasks| {
        let mut tasks = tasks.borrow_mut();
        if done {
            tasks.free.push(index);
            tasks.slots.get_mut(index).and_then(Option::take)
        } else {
            if let Some(Some(slot)) = tasks.slots.get_mut(index) {
                slot.future = Some(future);
            }
            None
        }
    });
    // Dropped outside the table's borrow: a drop may wake or spawn.
    drop(finished);
}

/// The microtask: polls the tasks queued before it (as wasm-bindgen-futures does).
fn tick() {
    SCHEDULED.set(false);
    let queued = QUEUE.with(|queue| queue.borrow().len());
    drain(Some(queued));
}

/// Polls queued tasks, and the tasks they wake, until none is queued. Called while tasks are
/// being polled (from JavaScript that a task called), it returns at once.
#[cfg(feature = "testing")]
pub(crate) fn run_until_stalled() {
    drain(None);
}
