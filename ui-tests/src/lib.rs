//! The trybuild suite of `#[jsinvokable]`: every compile error the macro promises, pinned with
//! its exact text and caret, and the shapes of the API that must keep compiling.
//!
//! The cases live in `tests/ui/fail` (each with its `.stderr`) and `tests/ui/pass`; run them with
//! `cargo test -p ui-tests`, and regenerate the pinned output after a deliberate change with
//! `TRYBUILD=overwrite cargo test -p ui-tests` (then read every changed `.stderr`).
