//! The checks behind the fuzz targets of `fuzz/` (cargo-fuzz, nightly), as plain functions of
//! the fuzzer's bytes: each panics when the runtime breaks a rule. `cargo test -p
//! fuzz-harness` replays the committed corpora (`fuzz/corpus/<target>/`) through the same
//! functions on stable, so CI keeps them proven.
//!
//! | target | function |
//! |---|---|
//! | `binding` | [`binding::binding`] |
//! | `escaped_markers` | [`binding::escaped_markers`] |
//! | `markers` | [`binding::markers`] |
//! | `completion` | [`completion::completion`] |
//! | `frames` | [`frames::frames`] |
//! | `sequence` | [`sequence::sequence`] |
#![deny(missing_docs)]

pub mod binding;
pub mod completion;
pub mod frames;
pub mod input;
pub mod methods;
pub mod model;
pub mod reference;
pub mod sequence;
pub mod tree;

/// A target's check of one input.
pub type Check = fn(&[u8]);

/// Every target: its name (the directory of its corpus) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("binding", binding::binding),
    ("escaped_markers", binding::escaped_markers),
    ("markers", binding::markers),
    ("completion", completion::completion),
    ("frames", frames::frames),
    ("sequence", sequence::sequence),
];
