//! The wasm-bindgen CLI that tests building a wasm app run: the version `hosts/wasm/Cargo.toml`
//! pins with `=` (the CLI must match the `wasm-bindgen` crate exactly), where it is installed,
//! and why one found is not it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `=X` pin of wasm-bindgen in `hosts/wasm/Cargo.toml` under `workspace_root`.
pub fn pinned_version(workspace_root: &Path) -> String {
    let manifest = std::fs::read_to_string(workspace_root.join("hosts/wasm/Cargo.toml"))
        .expect("hosts/wasm/Cargo.toml is readable");
    manifest
        .lines()
        .find_map(|line| line.strip_prefix("wasm-bindgen = \"="))
        .and_then(|rest| rest.split('"').next())
        .expect("hosts/wasm/Cargo.toml pins wasm-bindgen with `=`")
        .to_owned()
}

/// The `wasm-bindgen` to run: `WASM_BINDGEN`, else the one on `PATH`, else cargo's bin dir.
pub fn path() -> PathBuf {
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

/// Why `cli` is not wasm-bindgen `version`, if it is not: missing, or another version.
pub fn problem(cli: &Path, version: &str) -> Option<String> {
    let found = Command::new(cli)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    let install = "scripts/wasm-bindgen-cli.sh installs it; scripts/test.sh runs that";
    match found {
        None => Some(format!(
            "wasm-bindgen {version} is not installed at {} ({install})",
            cli.display()
        )),
        Some(found) if found.split_whitespace().nth(1) != Some(version) => Some(format!(
            "{} is '{found}', not wasm-bindgen {version} ({install})",
            cli.display()
        )),
        Some(_) => None,
    }
}

/// Runs the CLI ([`path`]) on `wasm` with `--target web` into `out_dir`; panics if it fails.
pub fn generate(wasm: &Path, out_dir: &Path) {
    let status = Command::new(path())
        .args(["--target", "web", "--out-dir"])
        .arg(out_dir)
        .arg(wasm)
        .status()
        .expect("wasm-bindgen runs");
    assert!(
        status.success(),
        "wasm-bindgen failed on {}",
        wasm.display()
    );
}
