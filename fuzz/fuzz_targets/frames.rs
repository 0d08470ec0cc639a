#![no_main]
//! See fuzz-harness: `fuzz_harness::frames::frames`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::frames::frames(data));
