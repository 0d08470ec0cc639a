//! The web app in headless Chromium: every sample clicked, every visible result checked
//! (examples/web/e2e/e2e.mjs, driven by the pinned playwright-core and Debian's Chromium), in
//! three runs: over a WebSocket, and with Rust in the page (`blazor-sample --wasm`, the bundle of
//! `examples/wasm-app`) with our client and with Microsoft's 10.0.11; the in-page runs check the
//! sync calls a network refuses and that no WebSocket opened.
//!
//! Without `/usr/bin/chromium` (or, for the in-page runs, the pinned wasm-bindgen CLI) a test is
//! reported as ignored, unless `REQUIRE_BROWSER` (`REQUIRE_WASM_BINDGEN`) is set, as
//! `scripts/test.sh` does after installing them: then it fails.

mod support;

use std::sync::Mutex;

use support::{e2e_script, wasm_app, Tool, WebApp};

fn main() -> std::process::ExitCode {
    support::run(vec![
        (
            "every_sample_works_in_headless_chromium",
            &[Tool::Chromium],
            every_sample_works_in_headless_chromium,
        ),
        (
            "every_sample_works_in_the_page_with_our_client",
            &[Tool::Chromium, Tool::WasmBindgen],
            every_sample_works_in_the_page_with_our_client,
        ),
        (
            "every_sample_works_in_the_page_with_microsofts_client",
            &[Tool::Chromium, Tool::WasmBindgen],
            every_sample_works_in_the_page_with_microsofts_client,
        ),
    ])
}

/// One Chromium at a time (the machine is small); the wasm bundle builds meanwhile.
static CHROMIUM: Mutex<()> = Mutex::new(());

/// Runs e2e.mjs against the app started with `args`, with `env`; its report, once it passed
/// with `checks` checks.
fn run_e2e(args: &[&str], env: &[(&str, &str)], checks: u32) {
    let _chromium = CHROMIUM
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let app = WebApp::start(args);
    let output = e2e_script("e2e.mjs", &app.url, Some(app.pid()), &Tool::Chromium.path())
        .envs(env.iter().copied())
        .output()
        .expect("node runs");
    drop(app);
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains(&format!("\n{checks} passed, 0 failed")),
        "{report}"
    );
    // What this mode leaves out, and why.
    for line in report.lines().filter(|line| line.starts_with("# left out")) {
        eprintln!("{line}");
    }
}

fn every_sample_works_in_headless_chromium() {
    run_e2e(&[], &[], 22);
}

fn every_sample_works_in_the_page_with_our_client() {
    let bundle = wasm_app::bundle();
    let bundle = bundle.to_str().expect("a UTF-8 path");
    run_e2e(&["--wasm", bundle], &[("E2E_IN_PAGE", "1")], 24);
}

fn every_sample_works_in_the_page_with_microsofts_client() {
    let bundle = wasm_app::bundle();
    let client = wasm_app::microsoft_client();
    let args = [
        "--wasm",
        bundle.to_str().expect("a UTF-8 path"),
        "--client",
        client.to_str().expect("a UTF-8 path"),
    ];
    run_e2e(
        &args,
        &[("E2E_IN_PAGE", "1"), ("E2E_CLIENT", "microsoft")],
        23,
    );
}
