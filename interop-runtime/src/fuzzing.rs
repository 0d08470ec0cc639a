//! Test-only switches for the fuzz harness (feature `fuzzing`): not a public API.
//!
//! The differential binding target calls each method once as the runtime chooses to bind it
//! (the checks before the serde pass skipped when one look at the text, or the parameters'
//! types, show they cannot fail) and once with every check made before the pass, and checks
//! that both give the same values or the same error.

use std::cell::Cell;

thread_local! {
    static ALWAYS_CHECK: Cell<bool> = const { Cell::new(false) };
}

/// While `on`, calls on this thread make every check on their arguments before the serde
/// pass, whatever the text and the parameters' types.
pub fn always_check(on: bool) {
    ALWAYS_CHECK.with(|cell| cell.set(on));
}

/// Whether [`always_check`] is on for this thread.
pub(crate) fn checks_always() -> bool {
    ALWAYS_CHECK.with(Cell::get)
}
