//! For tests that drive the host synchronously from inside the module (the conformance suite,
//! `hosts/wasm/conformance-app`): behind the `testing` feature, never needed by a page.
//!
//! A page's tasks run from a microtask; a test whose code runs synchronously inside one call
//! into the module cannot let microtasks run, so it drains the module's run queue itself.

/// Runs `task` on the host's run queue, where the runtime's own tasks run.
pub fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    crate::executor::spawn(Box::pin(task));
}

/// Polls every queued task, and the tasks they wake, until none is queued. Called while the
/// queue is being drained (from JavaScript that a task called), it returns at once.
pub fn run_until_stalled() {
    crate::executor::run_until_stalled();
}
