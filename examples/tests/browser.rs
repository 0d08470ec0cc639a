//! The web app in headless Chromium: every sample clicked, every visible result checked
//! (examples/web/e2e/e2e.mjs, driven by the pinned playwright-core and Debian's Chromium).
//!
//! Without `/usr/bin/chromium` the test is reported as ignored, unless `REQUIRE_BROWSER` is set
//! (`scripts/test.sh` installs Chromium and sets it): then it fails.

mod support;

use support::{e2e_script, Tool, WebApp};

fn main() -> std::process::ExitCode {
    support::run(vec![(
        "every_sample_works_in_headless_chromium",
        &[Tool::Chromium],
        every_sample_works_in_headless_chromium,
    )])
}

fn every_sample_works_in_headless_chromium() {
    let chromium = Tool::Chromium.path();
    let app = WebApp::start(&[]);
    let output = e2e_script("e2e.mjs", &app.url, Some(app.pid()), &chromium)
        .output()
        .expect("node runs");
    drop(app);
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("22 passed, 0 failed"), "{report}");
}
