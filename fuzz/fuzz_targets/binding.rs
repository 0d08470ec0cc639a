#![no_main]
//! See fuzz-harness: `fuzz_harness::binding::binding`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::binding::binding(data));
