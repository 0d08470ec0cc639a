//! Test-only switches for the fuzz harness (feature `fuzzing`): not a public API.
//!
//! The differential binding target calls each method once as the runtime chooses to bind it
//! (one serde pass over the whole array when the text allows it) and once with every argument
//! bound one by one, and checks that both give the same values or the same error.

use std::cell::Cell;

thread_local! {
    static ONE_BY_ONE: Cell<bool> = const { Cell::new(false) };
}

/// While `on`, calls on this thread bind their arguments one by one (the per-argument path),
/// never in one pass over the whole array.
pub fn bind_one_by_one(on: bool) {
    ONE_BY_ONE.with(|cell| cell.set(on));
}

/// Whether [`bind_one_by_one`] is on for this thread.
pub(crate) fn one_by_one() -> bool {
    ONE_BY_ONE.with(Cell::get)
}
