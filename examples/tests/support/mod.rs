//! What the browser tests share: Chromium (or a skip), the pinned playwright-core, and the web
//! app started on a free port.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The web app, killed when dropped.
pub struct WebApp {
    /// Its process (to signal it or wait for it).
    pub child: Child,
    /// Its base URL, without a trailing slash.
    pub url: String,
}

impl WebApp {
    /// Starts `blazor-sample` on a free port of 127.0.0.1 with the options `args` (`[]`: its
    /// defaults) and waits for its address.
    pub fn start(args: &[&str]) -> WebApp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_blazor-sample"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the web app starts");
        let stdout = child.stdout.take().expect("stdout is piped");
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
        WebApp { child, url }
    }

    /// The app's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for WebApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Says that a test was skipped and why, on the real stderr: the test harness captures
/// `eprintln!` of passing tests, and a skip must not pass silently.
pub fn skip(reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {reason}");
}

/// Chromium's path, or `None` (after saying so) when it is missing and `REQUIRE_BROWSER` is
/// not set.
pub fn chromium() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if Path::new(&chromium).exists() {
        return Some(chromium);
    }
    assert!(
        std::env::var_os("REQUIRE_BROWSER").is_none(),
        "REQUIRE_BROWSER is set but there is no Chromium at {chromium}"
    );
    skip(&format!(
        "no Chromium at {chromium} (scripts/test.sh installs it; REQUIRE_BROWSER=1 fails instead)"
    ));
    None
}

/// The pinned playwright-core's entry module, installed once into `target/`.
pub fn playwright_core() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    interop_testkit::npm::install(
        &manifest.join("web/e2e"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-playwright"),
    )
    .expect("the pinned playwright-core installs")
    .join("playwright-core/index.mjs")
}

/// A `node` command running the e2e script `script` against the web app at `base_url`;
/// `server_pid` (the app's process, which the script may kill) or `None` when the app is
/// reached through a proxy.
pub fn e2e_script(
    script: &str,
    base_url: &str,
    server_pid: Option<u32>,
    chromium: &str,
) -> Command {
    let mut command = Command::new("node");
    command
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("web/e2e")
                .join(script),
        )
        .arg(base_url)
        .env("PLAYWRIGHT_CORE", playwright_core())
        .env("CHROMIUM", chromium);
    if let Some(pid) = server_pid {
        command.env("SERVER_PID", pid.to_string());
    }
    command
}
