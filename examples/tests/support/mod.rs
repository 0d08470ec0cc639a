//! What the browser tests and the process tests (`spawned`) share: their harness (a test whose
//! tools are missing is ignored, not passed), the pinned playwright-core, the web app started on
//! a free port, and the wasm bundle of the in-page mode (`wasm_app`).

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

pub mod wasm_app;

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

/// Something a test needs from the machine, which `scripts/test.sh` installs.
#[derive(Clone, Copy, Debug)]
pub enum Tool {
    /// Debian's Chromium (`CHROMIUM` names another binary; `REQUIRE_BROWSER` makes it required).
    Chromium,
    /// Debian's nginx (`NGINX` names another binary; `REQUIRE_NGINX` makes it required).
    Nginx,
    /// The wasm-bindgen CLI at the version `hosts/wasm/Cargo.toml` pins (`WASM_BINDGEN` names
    /// the binary, else `PATH`, else cargo's bin directory; `REQUIRE_WASM_BINDGEN` makes it
    /// required).
    WasmBindgen,
}

impl Tool {
    /// The tool's path, and whether the tests must fail rather than be ignored without it.
    fn lookup(self) -> (String, bool) {
        let (variable, default, required) = match self {
            Tool::Chromium => ("CHROMIUM", "/usr/bin/chromium", "REQUIRE_BROWSER"),
            Tool::Nginx => ("NGINX", "/usr/sbin/nginx", "REQUIRE_NGINX"),
            Tool::WasmBindgen => {
                let path = wasm_app::wasm_bindgen_path().display().to_string();
                return (path, std::env::var_os("REQUIRE_WASM_BINDGEN").is_some());
            }
        };
        let path = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
        (path, std::env::var_os(required).is_some())
    }

    /// What is missing here (`None`: the tool can be used), and whether that fails the test.
    fn missing(self) -> Option<(String, bool)> {
        let (path, required) = self.lookup();
        let missing = match self {
            Tool::WasmBindgen => wasm_app::wasm_bindgen_problem(Path::new(&path)),
            Tool::Chromium | Tool::Nginx => (!Path::new(&path).exists()).then_some(path),
        };
        missing.map(|what| (what, required))
    }

    /// The tool's path (a test runs only when it exists: see [`run`]).
    pub fn path(self) -> String {
        self.lookup().0
    }
}

/// A test of this binary: its name, what it needs, and its body.
pub type EnvTest = (&'static str, &'static [Tool], fn());

/// Runs `tests` as this test binary's harness (`harness = false`), with libtest's arguments
/// and output. A test whose tools are missing is reported as **ignored**, with the reason on
/// stderr, so that it is counted as skipped and never as passed; with `REQUIRE_BROWSER` /
/// `REQUIRE_NGINX` set (as `scripts/test.sh` does) it fails instead.
pub fn run(tests: Vec<EnvTest>) -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let trials = tests
        .into_iter()
        .map(|(name, tools, test)| {
            let missing: Vec<(String, bool)> =
                tools.iter().filter_map(|tool| tool.missing()).collect();
            if missing.is_empty() {
                return libtest_mimic::Trial::test(name, move || {
                    test();
                    Ok(())
                });
            }
            let paths: Vec<&str> = missing.iter().map(|(path, _)| path.as_str()).collect();
            let reason = format!(
                "{name} needs {} (scripts/test.sh installs it)",
                paths.join(" and ")
            );
            if missing.iter().any(|(_, required)| *required) {
                return libtest_mimic::Trial::test(name, move || Err(reason.into()));
            }
            let _ = writeln!(std::io::stderr(), "ignored: {reason}");
            libtest_mimic::Trial::test(name, || Ok(())).with_ignored_flag(true)
        })
        .collect();
    libtest_mimic::run(&arguments, trials).exit_code()
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
