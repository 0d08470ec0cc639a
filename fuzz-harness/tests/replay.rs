//! Replays the committed corpora (`fuzz/corpus/<target>/`) through the fuzz targets' checks:
//! every input the fuzzers kept must still pass. `FUZZ_INPUT=<target>:<file>` replays one file
//! (a crash libFuzzer wrote) instead.

use std::path::{Path, PathBuf};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn target(name: &str) -> fn(&[u8]) {
    fuzz_harness::TARGETS
        .iter()
        .find(|(target, _)| *target == name)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("no target {name}"))
}

#[test]
fn every_corpus_replays() {
    if let Ok(one) = std::env::var("FUZZ_INPUT") {
        let (name, file) = one.split_once(':').expect("FUZZ_INPUT=<target>:<file>");
        let data = std::fs::read(file).expect("readable input");
        target(name)(&data);
        return;
    }
    for (name, check) in fuzz_harness::TARGETS {
        let dir = corpus_root().join(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "the corpus of {name} is empty");
        for file in &files {
            let data = std::fs::read(file).expect("readable corpus file");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", file.display());
        }
        eprintln!("{name}: {} inputs replayed", files.len());
    }
}
