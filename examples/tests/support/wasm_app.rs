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

/// The `wasm-bindgen` to run.
pub fn wasm_bindgen_path() -> PathBuf {
    interop_testkit::wasm_bindgen_cli::path()
}

/// Why `path` is not the pinned wasm-bindgen CLI, if it is not.
pub fn wasm_bindgen_problem(path: &Path) -> Option<String> {
    let version = interop_testkit::wasm_bindgen_cli::pinned_version(&workspace_root());
    interop_testkit::wasm_bindgen_cli::problem(path, &version)
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
    interop_testkit::wasm_bindgen_cli::generate(&wasm, &out_dir);
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
