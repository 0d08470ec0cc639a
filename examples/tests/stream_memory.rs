//! Streaming 200 MB from Chromium to Rust through the WebSocket host keeps the server's
//! resident memory growth under 32 MiB. The web app runs as its own process; this test samples
//! its `VmRSS` (from `/proc`) while `examples/web/e2e/memory.mjs` uploads a 200 MB file through
//! the page's file picker (a `JsStreamRef` read by Rust, which hashes it). Not a timing: the
//! figure is the largest resident size seen minus the size after a warm-up upload.
//!
//! Without `/usr/bin/chromium` the test is reported as ignored, unless `REQUIRE_BROWSER` is set.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{e2e_script, Tool, WebApp};

/// The growth allowed while 200 MB stream through.
const MAX_GROWTH_KIB: u64 = 32 * 1024;

/// SHA-256 of 209,715,200 zero bytes (`head -c 209715200 /dev/zero | sha256sum`).
const SHA256_OF_200_MB_OF_ZEROS: &str =
    "72abf2ca8f36943ebe2e49ca3a51d409ca5f0bfcffab6c9d25643c17c32889da";

/// The resident set size of process `pid`, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

fn main() -> std::process::ExitCode {
    support::run(vec![(
        "streaming_200_mb_from_chromium_keeps_the_server_resident_growth_under_32_mib",
        &[Tool::Chromium],
        streaming_200_mb_from_chromium_keeps_the_server_resident_growth_under_32_mib,
    )])
}

fn streaming_200_mb_from_chromium_keeps_the_server_resident_growth_under_32_mib() {
    let chromium = Tool::Chromium.path();
    let app = WebApp::start(&[]);
    let pid = app.pid();
    let mut node = e2e_script("memory.mjs", &app.url, Some(pid), &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = node.stdin.take().expect("stdin is piped");
    let mut lines = BufReader::new(node.stdout.take().expect("stdout is piped")).lines();
    let mut next_line = || {
        lines
            .next()
            .expect("memory.mjs printed a line")
            .expect("its output is text")
    };

    assert_eq!(next_line(), "warm");
    let baseline = resident_kib(pid);
    let peak = Arc::new(AtomicU64::new(baseline));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                peak.fetch_max(resident_kib(pid), Ordering::AcqRel);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    writeln!(stdin, "go").expect("memory.mjs reads stdin");
    drop(stdin);
    let result = next_line();
    done.store(true, Ordering::Release);
    sampler.join().expect("the sampler ends");
    peak.fetch_max(resident_kib(pid), Ordering::AcqRel);
    let status = node.wait().expect("node ends");
    drop(app);

    assert!(status.success(), "memory.mjs failed");
    assert_eq!(
        result,
        format!("result big.bin: 209715200 bytes, sha256 {SHA256_OF_200_MB_OF_ZEROS}")
    );
    let growth = peak.load(Ordering::Acquire) - baseline;
    eprintln!("server resident memory: {baseline} KiB after warm-up, +{growth} KiB at most while 200 MB streamed");
    assert!(
        growth < MAX_GROWTH_KIB,
        "the server grew by {growth} KiB (limit {MAX_GROWTH_KIB} KiB)"
    );
}
