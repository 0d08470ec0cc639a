//! What the Node.js tests of the wasm host share (`tests/node.rs`, `tests/conformance.rs`): the
//! tools they need, building a wasm app and running wasm-bindgen on it, and the JS clients.
//!
//! Without the pinned `wasm-bindgen` (`cargo install wasm-bindgen-cli --version =X`, which
//! `scripts/test.sh` runs) or `node`, the tests are reported as ignored with the reason, never
//! as passed; with `REQUIRE_WASM_BINDGEN` set (as `scripts/test.sh` does) they fail instead
//! ([`trial`]).
// Each test target uses its own part.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// `hosts/wasm`.
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's root.
pub fn workspace_root() -> PathBuf {
    manifest_dir().join("../..")
}

/// The `=X` pin of wasm-bindgen in this crate's manifest: the CLI must be that version.
pub fn pinned_version() -> String {
    interop_testkit::wasm_bindgen_cli::pinned_version(&workspace_root())
}

/// Why the tests cannot run here, if they cannot.
pub fn missing_tools() -> Option<String> {
    let problem = interop_testkit::wasm_bindgen_cli::problem(
        &interop_testkit::wasm_bindgen_cli::path(),
        &pinned_version(),
    );
    if problem.is_some() {
        return problem;
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|output| output.status.success()) {
        return Some("node (Node.js 20) is not installed (scripts/test.sh installs it)".to_owned());
    }
    None
}

/// How the app is built.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Profile {
    /// cargo's debug profile.
    Debug,
    /// cargo's release profile.
    Release,
    /// Debug, with `panic = "unwind"`: nightly's `-Zbuild-std` ([`unwind_missing`]), in a target
    /// directory of its own (`wasm-unwind`).
    Unwind,
}

impl Profile {
    /// Its name in paths.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
            Profile::Unwind => "unwind",
        }
    }
}

/// Why a `panic = "unwind"` build cannot be made here, if it cannot: it needs the nightly
/// toolchain with `rust-src` (`rustup component add rust-src --toolchain nightly`).
pub fn unwind_missing() -> Option<String> {
    let sysroot = Command::new("rustc")
        .args(["+nightly", "--print", "sysroot"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    match sysroot {
        None => Some(
            "the nightly toolchain is not installed (rustup toolchain install nightly \
             --component rust-src; scripts/test.sh does)"
                .to_owned(),
        ),
        Some(sysroot) if !sysroot.join("lib/rustlib/src/rust/library/std").is_dir() => Some(
            "nightly's rust-src is not installed (rustup component add rust-src --toolchain \
             nightly; scripts/test.sh does)"
                .to_owned(),
        ),
        Some(_) => None,
    }
}

/// A wasm app of the tests: its package and the file stem of its `.wasm`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct App {
    /// Its cargo package.
    pub package: &'static str,
    /// The file stem of its `.wasm`.
    pub crate_name: &'static str,
}

/// Builds `app` in `profile` and runs wasm-bindgen on it, once per app and profile per run;
/// returns the directory of wasm-bindgen's output.
pub fn build(app: App, profile: Profile) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(App, Profile, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    // One build at a time: cargo would only wait on its lock, and the output would interleave.
    let mut built = built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, _, out_dir)) = built
        .iter()
        .find(|(built_app, built, _)| *built_app == app && *built == profile)
    {
        return out_dir.clone();
    }
    // The target directory of this build (CARGO_TARGET_TMPDIR is its `tmp`): `cargo test` holds
    // no lock on it while tests run, and the wasm32 artifacts live apart from the native ones.
    let mut target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    if profile == Profile::Unwind {
        // The prebuilt std of wasm32 aborts on panic: std is built again, unwinding, with the
        // legacy exception instructions (Node.js 20 has no `try_table`/`exnref`).
        target_dir = target_dir.join("wasm-unwind");
        cargo = Command::new("rustup");
        cargo
            .args(["run", "nightly", "cargo"])
            .env(
                "RUSTFLAGS",
                "-Cpanic=unwind -Cllvm-args=-wasm-use-legacy-eh",
            )
            // Without debug info: std and every dependency are built again, a third faster.
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env_remove("CARGO")
            .env_remove("RUSTC");
    }
    cargo
        .current_dir(workspace_root())
        .args([
            "build",
            "-p",
            app.package,
            "--target",
            "wasm32-unknown-unknown",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    match profile {
        Profile::Debug => {}
        Profile::Release => {
            cargo.arg("--release");
        }
        Profile::Unwind => {
            cargo.arg("-Zbuild-std=std,panic_unwind");
        }
    }
    let status = cargo.status().expect("cargo runs");
    assert!(
        status.success(),
        "cargo build of {} ({profile:?}) failed",
        app.package
    );
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(match profile {
            Profile::Release => "release",
            Profile::Debug | Profile::Unwind => "debug",
        })
        .join(format!("{}.wasm", app.crate_name));
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{}-{}",
        app.crate_name,
        profile.name()
    ));
    interop_testkit::wasm_bindgen_cli::generate(&wasm, &out_dir);
    built.push((app, profile, out_dir.clone()));
    out_dir
}

/// A JS client the app is loaded with.
#[derive(Clone, Copy, Debug)]
pub enum Client {
    /// `interop-runtime/js/dotnet-interop.js`.
    Ours,
    /// `@microsoft/dotnet-js-interop` 10.0.11, pinned in `hosts/quickjs/npm-client/`.
    Microsoft,
}

impl Client {
    pub fn module(self) -> PathBuf {
        match self {
            Client::Ours => workspace_root().join("interop-runtime/js/dotnet-interop.js"),
            Client::Microsoft => {
                let node_modules = interop_testkit::npm::install(
                    &workspace_root().join("hosts/quickjs/npm-client"),
                    &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client"),
                )
                .expect("Microsoft's pinned client installs");
                node_modules.join("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js")
            }
        }
    }
}

/// A test that runs when the tools are there; else ignored with `missing` (printed), or failing
/// with it under `REQUIRE_WASM_BINDGEN`.
pub fn trial(
    name: String,
    missing: &Option<String>,
    test: impl FnOnce() -> Result<(), libtest_mimic::Failed> + Send + 'static,
) -> libtest_mimic::Trial {
    match missing {
        None => libtest_mimic::Trial::test(name, test),
        Some(reason) if std::env::var_os("REQUIRE_WASM_BINDGEN").is_some() => {
            let reason = reason.clone();
            libtest_mimic::Trial::test(name, move || Err(reason.into()))
        }
        Some(reason) => {
            eprintln!("ignored: {name}: {reason}");
            libtest_mimic::Trial::test(name, || Ok(())).with_ignored_flag(true)
        }
    }
}
