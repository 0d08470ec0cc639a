//! Runs the seed tour binary as a user would, with both JS clients, and checks what it printed.

use std::path::Path;
use std::process::Command;

fn tour(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seed-tour"))
        .args(args)
        .output()
        .expect("the seed tour starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.success(), format!("{stdout}\n{stderr}"))
}

fn assert_every_sample_passed(output: &str) {
    assert!(output.contains("20 passed, 0 failed"), "{output}");
    assert!(!output.contains("[FAIL]"), "{output}");
}

#[test]
fn every_sample_passes_with_the_builtin_client() {
    let (success, output) = tour(&[]);
    assert!(success, "{output}");
    assert_every_sample_passed(&output);
    assert!(output.contains("JS client: builtin"), "{output}");
    assert!(
        output.contains("[ok  ] 3 sayHello1: [3] Hello, Amy Pond!"),
        "{output}"
    );
    assert!(
        output
            .contains("[ok  ] 10 sendByteArray: alert: Everything's shiny, Captian. Not to fret."),
        "{output}"
    );
}

#[test]
fn every_sample_passes_with_microsofts_npm_client() {
    let hosts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hosts/quickjs/npm-client");
    let node_modules = interop_testkit::npm::install(
        &hosts,
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client"),
    )
    .expect("the pinned npm client installs");
    let client = node_modules.join("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js");
    let client = client.to_str().expect("a UTF-8 path");
    let (success, output) = tour(&["--client", client]);
    assert!(success, "{output}");
    assert_every_sample_passed(&output);
    assert!(output.contains(&format!("JS client: {client}")), "{output}");
}

#[test]
fn the_name_option_reaches_every_name_sample() {
    let (success, output) = tour(&["--name", "Rory Williams"]);
    assert!(success, "{output}");
    for line in [
        "[ok  ] 3 sayHello1: [3] Hello, Rory Williams!",
        "[ok  ] 4 sayHello2: [4] Hello, Rory Williams!",
        "[ok  ] 5 GreetingHelpers.welcomeVisitor: alert: Message from .NET: \"Welcome, Rory Williams!\"",
        "[ok  ] 7 JsInteropClasses3: [7] Hello, Rory Williams!",
        "[ok  ] 12 JS isolation: [12] Hello from a JS module, Rust! / Hello, Rory Williams!",
    ] {
        assert!(output.contains(line), "missing {line:?} in\n{output}");
    }
    assert!(!output.contains("Amy Pond"), "{output}");
}

#[test]
fn help_and_bad_arguments() {
    let (success, output) = tour(&["--help"]);
    assert!(success);
    assert!(
        output.contains("--name NAME") && output.contains("--client PATH"),
        "{output}"
    );
    let (success, output) = tour(&["--bogus"]);
    assert!(!success);
    assert!(output.contains("unknown argument '--bogus'"), "{output}");
    let (success, output) = tour(&["--client", "/nonexistent/client.js"]);
    assert!(!success);
    assert!(output.contains("cannot read the JS client"), "{output}");
}
