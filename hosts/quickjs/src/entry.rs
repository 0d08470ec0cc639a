//! Every entry of Rust into JavaScript passes the engine's [`Gate`]: the outermost one (no
//! JavaScript below it on this thread's stack) starts the script's time budget and measures the
//! JS stack limit from where Rust stands; entries nested inside a JS→Rust callback share both.
//!
//! Entries: the engine's loop (messages and jobs), evaluating a module or script, reading a
//! settled promise (a rejection's text may run a `toString`), a synchronous Rust→JS call
//! (`invoke_sync`, from anywhere on the engine's thread: top-level Rust, an async task polled
//! between two turns of the loop, or a JS→Rust callback).

use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rquickjs::{qjs, Context};

/// The default of `EngineOptions::max_stack_size`: 1 MiB, QuickJS's own default.
pub const DEFAULT_MAX_STACK_SIZE: usize = 1024 * 1024;

/// The largest stack size QuickJS checks (rquickjs takes a larger one as "no check").
const MAX_STACK_SIZE_CHECKED: usize = 16 * 1024 * 1024;

/// When JavaScript must stop; the interrupt handler reads it from QuickJS's side.
#[derive(Default)]
struct Deadline(Mutex<Option<Instant>>);

impl Deadline {
    /// Whether the running script is past its budget (QuickJS then interrupts it).
    fn expired(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|deadline| Instant::now() >= deadline)
    }

    fn set(&self, deadline: Option<Instant>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = deadline;
    }
}

/// The budget and stack limit of one engine, on the engine's thread.
pub(crate) struct Gate {
    deadline: Arc<Deadline>,
    budget: Option<Duration>,
    /// Entries on this thread's stack.
    depth: Cell<usize>,
    /// The runtime of `_runtime`, whose stack top the outermost entry moves.
    raw_runtime: NonNull<qjs::JSRuntime>,
    /// Keeps `raw_runtime` alive.
    _runtime: rquickjs::Runtime,
}

impl Gate {
    /// Sets the stack limit and the interrupt handler of `context`'s runtime `qjs`, and returns
    /// the gate every entry into it passes. `max_stack_size` must be 1 byte to 16 MiB, or `None`
    /// for no check.
    pub(crate) fn install(
        qjs: &rquickjs::Runtime,
        context: &Context,
        budget: Option<Duration>,
        max_stack_size: Option<usize>,
    ) -> Result<Gate, String> {
        qjs.set_max_stack_size(match max_stack_size {
            None => 0,
            Some(size @ 1..=MAX_STACK_SIZE_CHECKED) => size,
            Some(size) => {
                return Err(format!(
                    "max_stack_size must be between 1 and {MAX_STACK_SIZE_CHECKED} bytes (None \
                     turns the check off), not {size}"
                ))
            }
        });
        let deadline = Arc::new(Deadline::default());
        let interrupt = Arc::clone(&deadline);
        qjs.set_interrupt_handler(Some(Box::new(move || interrupt.expired())));
        // SAFETY: the context is alive; QuickJS returns the runtime it belongs to (`qjs`).
        let raw_runtime =
            context.with(|ctx| NonNull::new(unsafe { qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) }));
        Ok(Gate {
            deadline,
            budget,
            depth: Cell::new(0),
            raw_runtime: raw_runtime.ok_or("QuickJS gave no runtime")?,
            _runtime: qjs.clone(),
        })
    }

    /// The time budget of a script (`None`: unlimited).
    pub(crate) fn budget(&self) -> Option<Duration> {
        self.budget
    }

    /// Whether the current entry has run past its budget.
    pub(crate) fn expired(&self) -> bool {
        self.deadline.expired()
    }

    /// Enters JavaScript; hold the returned guard while JavaScript may run.
    pub(crate) fn enter(&self) -> Entry<'_> {
        let depth = self.depth.get();
        self.depth.set(depth + 1);
        if depth == 0 {
            self.deadline
                .set(self.budget.map(|budget| Instant::now() + budget));
            // SAFETY: the gate keeps the runtime alive, and no JavaScript runs on this thread
            // (depth 0), so nothing reads the limit while it moves. QuickJS takes the current
            // stack pointer as the top its stack size is counted from.
            unsafe { qjs::JS_UpdateStackTop(self.raw_runtime.as_ptr()) };
        }
        Entry { gate: self }
    }
}

/// An entry into JavaScript; the outermost one ends the budget when dropped.
pub(crate) struct Entry<'a> {
    gate: &'a Gate,
}

impl Drop for Entry<'_> {
    fn drop(&mut self) {
        let depth = self.gate.depth.get() - 1;
        self.gate.depth.set(depth);
        if depth == 0 {
            self.gate.deadline.set(None);
        }
    }
}
