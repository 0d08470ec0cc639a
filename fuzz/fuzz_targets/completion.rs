#![no_main]
//! See fuzz-harness: `fuzz_harness::completion::completion`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::completion::completion(data));
