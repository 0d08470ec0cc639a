//! The web app in headless Chromium: every sample clicked, every visible result checked
//! (examples/web/e2e/e2e.mjs, driven by the pinned playwright-core and Debian's Chromium).
//!
//! Without `/usr/bin/chromium` the test says so and passes, unless `REQUIRE_BROWSER` is set
//! (`scripts/test.sh` installs Chromium and sets it).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn every_sample_works_in_headless_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if !Path::new(&chromium).exists() {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but there is no Chromium at {chromium}"
        );
        eprintln!("skipped: no Chromium at {chromium} (scripts/test.sh installs it)");
        return;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node_modules = interop_testkit::npm::install(
        &manifest.join("web/e2e"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-playwright"),
    )
    .expect("the pinned playwright-core installs");

    let mut child = Command::new(env!("CARGO_BIN_EXE_blazor-sample"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the web app starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .next()
        .expect("the web app prints its address")
        .expect("its output is text");
    // Keep reading what the app prints (the samples log), so its stdout never closes.
    std::thread::spawn(move || lines.for_each(drop));
    let url = line
        .trim()
        .strip_prefix("Listening on ")
        .expect("a 'Listening on' line")
        .trim_end_matches('/')
        .to_owned();

    let server_pid = server.0.id().to_string();
    let output = Command::new("node")
        .arg(manifest.join("web/e2e/e2e.mjs"))
        .arg(&url)
        .env(
            "PLAYWRIGHT_CORE",
            node_modules.join("playwright-core/index.mjs"),
        )
        .env("CHROMIUM", &chromium)
        .env("SERVER_PID", server_pid)
        .output()
        .expect("node runs");
    drop(server);
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("21 passed, 0 failed"), "{report}");
}
