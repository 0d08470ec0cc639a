//! The TypeScript declarations of `seed-tour --emit-dts`, type-checked with the pinned
//! TypeScript compiler (`examples/typescript/package.json`, installed with `npm ci` into
//! `target/`): the declarations alone, then with the web app's page code (`web/app.js`, under
//! `// @ts-check`) and the fixture of right and wrong calls (`typescript/calls.ts`, each wrong
//! call marked `@ts-expect-error`, so each must fail), all with `tsc --noEmit --strict`. Fails
//! when npm is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `node_modules/typescript/bin/tsc` of the pinned compiler.
fn tsc() -> PathBuf {
    interop_testkit::npm::install(
        &manifest().join("typescript"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-typescript"),
    )
    .expect("the pinned TypeScript compiler installs (npm ci)")
    .join("typescript/bin/tsc")
}

/// Runs the tour's `--emit-dts` into a fresh directory; the path of the file it wrote.
fn emit(directory: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(directory);
    let status = Command::new(env!("CARGO_BIN_EXE_seed-tour"))
        .arg("--emit-dts")
        .arg(directory)
        .status()
        .expect("seed-tour runs");
    assert!(status.success(), "seed-tour --emit-dts failed: {status}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(directory)
        .expect("the output directory exists")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one .d.ts file: {files:?}");
    assert!(files[0].extension().is_some_and(|ext| ext == "ts"));
    files.swap_remove(0)
}

/// `tsc --noEmit --strict` over `files`, with a tsconfig written into `directory`; panics with
/// the compiler's output on any error.
fn type_check(directory: &Path, files: &[PathBuf]) {
    let config = serde_json::json!({
        "compilerOptions": {
            "target": "es2022",
            "module": "es2022",
            "lib": ["es2022", "dom", "dom.iterable"],
            "allowJs": true,
            "moduleDetection": "force",
            "types": [],
        },
        "files": files,
    });
    let path = directory.join("tsconfig.json");
    std::fs::write(&path, config.to_string()).expect("the tsconfig is written");
    let output = Command::new("node")
        .arg(tsc())
        .args(["--noEmit", "--strict", "-p"])
        .arg(&path)
        .output()
        .expect("node runs tsc");
    assert!(
        output.status.success(),
        "tsc --noEmit --strict failed on {files:?}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn emitted_declarations_type_check_alone() {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("emit-dts-alone");
    let declarations = emit(&directory);
    let text = std::fs::read_to_string(&declarations).expect("the declarations are readable");
    assert!(text.contains("declare namespace DotNet"));
    assert!(
        text.contains(r#""ReturnArrayAsync": { args: []; result: Array<number>; async: true };"#)
    );
    assert!(text.contains("interface GenericType<T = unknown>"));
    type_check(&directory, &[declarations]);
}

#[test]
fn page_code_and_wrong_calls_type_check_against_the_declarations() {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("emit-dts-pages");
    let declarations = emit(&directory);
    type_check(
        &directory,
        &[declarations, manifest().join("typescript/calls.ts")],
    );
}
