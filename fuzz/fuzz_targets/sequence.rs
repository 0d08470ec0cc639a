#![no_main]
//! See fuzz-harness: `fuzz_harness::sequence::sequence`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::sequence::sequence(data));
