//! Panics. On wasm `panic = "abort"` is the default: nothing unwinds, the runtime's
//! `catch_unwind` catches nothing, and the module traps with its state (locks, borrows, half
//! done work) lost. So the panic hook, which runs before the trap, stops the module: the JS
//! guard (`js/guard.js`) rejects every pending call with one text naming the call that panicked,
//! makes every later call fail with it, and prints the panic to the console; the page's timers
//! are cleared, and no task is polled nor timer armed again, so nothing runs in the module. Under `panic = "unwind"` the runtime
//! catches panics as on native hosts, and the hook does nothing of this.
//!
//! Which call panicked: the entry points and the tasks of async calls mark the call they run
//! ([`running`]), innermost last.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use interop_runtime::BoxFuture;

use crate::{host, timer};

thread_local! {
    /// The identifiers of the calls running now, innermost last.
    static RUNNING: RefCell<Vec<Rc<str>>> = const { RefCell::new(Vec::new()) };
    /// Set by the panic hook: the module has stopped.
    static STOPPED: Cell<bool> = const { Cell::new(false) };
    /// The hook is installed (by the first runtime attached).
    static HOOKED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the module has stopped after a panic: no task is polled and no timer armed again.
pub(crate) fn stopped() -> bool {
    STOPPED.try_with(Cell::get).unwrap_or(true)
}

/// Unmarks the call when the code marked returns.
struct Unmark;

impl Drop for Unmark {
    fn drop(&mut self) {
        RUNNING.with(|running| running.borrow_mut().pop());
    }
}

/// Runs `f` as the call `identifier`.
pub(crate) fn running<R>(identifier: Rc<str>, f: impl FnOnce() -> R) -> R {
    RUNNING.with(|running| running.borrow_mut().push(identifier));
    let _unmark = Unmark;
    f()
}

/// The call running now, if any.
fn current() -> Option<Rc<str>> {
    RUNNING
        .try_with(|running| running.try_borrow().ok()?.last().cloned())
        .ok()
        .flatten()
}

/// A spawned task, polled as the call that spawned it.
pub(crate) struct Tagged {
    call: Option<Rc<str>>,
    task: BoxFuture<()>,
}

impl Tagged {
    /// `task`, belonging to the call running now.
    pub(crate) fn new(task: BoxFuture<()>) -> Tagged {
        Tagged {
            call: current(),
            task,
        }
    }
}

impl Future for Tagged {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if stopped() {
            // A task woken after the panic (or never polled before it) must not run: the
            // module's state is lost. It stays pending, as every call was rejected.
            return Poll::Pending;
        }
        match self.call.clone() {
            Some(call) => running(call, || self.task.as_mut().poll(cx)),
            None => self.task.as_mut().poll(cx),
        }
    }
}

/// The text every pending and later call fails with.
fn stopped_text(call: Option<&str>, message: &str) -> String {
    match call {
        Some(call) => format!("The Rust module has stopped after a panic in '{call}': {message}"),
        None => format!("The Rust module has stopped after a panic: {message}"),
    }
}

/// Installs the hook (after the one already set, which still runs first), under
/// `panic = "abort"` only, once.
pub(crate) fn install_hook() {
    if !cfg!(panic = "abort") || HOOKED.replace(true) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic without a message");
        let text = stopped_text(current().as_deref(), message);
        let _ = STOPPED.try_with(|stopped| stopped.set(true));
        timer::stop_all();
        host::panicked(&text, &info.to_string());
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_the_call_when_there_is_one() {
        assert_eq!(
            stopped_text(Some("Boom"), "out of cheese"),
            "The Rust module has stopped after a panic in 'Boom': out of cheese"
        );
        assert_eq!(
            stopped_text(None, "out of cheese"),
            "The Rust module has stopped after a panic: out of cheese"
        );
    }

    #[test]
    fn calls_are_marked_innermost_last() {
        assert_eq!(current(), None);
        running("Outer".into(), || {
            running("Inner".into(), || {
                assert_eq!(current().as_deref(), Some("Inner"))
            });
            assert_eq!(current().as_deref(), Some("Outer"));
        });
        assert_eq!(current(), None);
    }
}
