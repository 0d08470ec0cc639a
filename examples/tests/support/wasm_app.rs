//! The in-page mode's wasm bundle: `examples/wasm-app` built for `wasm32-unknown-unknown` and
//! run through the pinned wasm-bindgen CLI (`--target web`), as `scripts/wasm-app.sh` does,
//! once per test binary; and Microsoft's pinned client for the page.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The workspace's root.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `=X` pin of wasm-bindgen in `hosts/wasm/Cargo.toml`: the CLI must be that version.
pub fn pinned_version() -> String {
    let manifest = std::fs::read_to_string(workspace_root().join("hosts/wasm/Cargo.toml"))
        .expect("hosts/wasm/Cargo.toml is readable");
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("wasm-bindgen = \"="))
        .and_then(|rest| rest.split('"').next())
        .expect("hosts/wasm/Cargo.toml pins wasm-bindgen with `=`")
        .to_owned()
}

/// The `wasm-bindgen` to run: `WASM_BINDGEN`, else the one on `PATH`, else cargo's bin dir.
pub fn wasm_bindgen_path() -> PathBuf {
    if let Some(path) = std::env::var_os("WASM_BINDGEN") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("wasm-bindgen"))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
            .unwrap_or_default();
        cargo_home.join("bin/wasm-bindgen")
    })
}

/// Why `path` is not the pinned wasm-bindgen CLI, if it is not.
pub fn wasm_bindgen_problem(path: &Path) -> Option<String> {
    let version = pinned_version();
    let found = Command::new(path)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    match found {
        None => Some(format!(
            "wasm-bindgen {version} (cargo install wasm-bindgen-cli --version ={version})"
        )),
        Some(found) if found.split_whitespace().nth(1) != Some(version.as_str()) => Some(format!(
            "wasm-bindgen {version}, not '{found}' at {} (cargo install wasm-bindgen-cli --version ={version})",
            path.display()
        )),
        Some(_) => None,
    }
}

/// Builds `examples-wasm-app` in release for wasm32 and runs wasm-bindgen on it, once per test
/// binary; the directory of the bundle (what `blazor-sample --wasm` serves).
pub fn bundle() -> PathBuf {
    static BUILT: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    // One build at a time; the other tests wait for the first one's bundle.
    let mut built = BUILT
        .get_or_init(|| Mutex::new(None))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(out_dir) = built.as_ref() {
        return out_dir.clone();
    }
    // The target directory of this build (CARGO_TARGET_TMPDIR is its `tmp`): `cargo test` holds
    // no lock on it while tests run, and the wasm32 artifacts live apart from the native ones.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target_dir = tmp
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory");
    let status = Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .args(["build", "--release", "-p", "examples-wasm-app"])
        .args(["--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build of examples-wasm-app failed");
    let wasm = target_dir.join("wasm32-unknown-unknown/release/examples_wasm_app.wasm");
    let out_dir = tmp.join("examples-wasm-app");
    let _ = std::fs::remove_dir_all(&out_dir);
    let status = Command::new(wasm_bindgen_path())
        .args(["--target", "web", "--out-dir"])
        .arg(&out_dir)
        .arg(&wasm)
        .status()
        .expect("wasm-bindgen runs");
    assert!(
        status.success(),
        "wasm-bindgen failed on {}",
        wasm.display()
    );
    *built = Some(out_dir.clone());
    out_dir
}

/// Microsoft's `@microsoft/dotnet-js-interop` 10.0.11 (pinned in `hosts/quickjs/npm-client/`),
/// installed once into `target/`: the ES module the page loads with `--client`.
pub fn microsoft_client() -> PathBuf {
    interop_testkit::npm::install(
        &workspace_root().join("hosts/quickjs/npm-client"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client"),
    )
    .expect("Microsoft's pinned client installs")
    .join("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js")
}
