//! Runs the seed tour binary as a user would and checks what it printed.

use std::process::Command;

fn tour(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seed-tour"))
        .args(args)
        .output()
        .expect("the seed tour starts");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn every_sample_passes_with_the_default_name() {
    let (success, stdout) = tour(&[]);
    assert!(success, "{stdout}");
    assert!(
        stdout.contains("[ok  ] 3 sayHello1: Hello, Amy Pond!"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(!stdout.contains("[FAIL]"), "{stdout}");
}

#[test]
fn the_name_option_reaches_every_name_sample() {
    let (success, stdout) = tour(&["--name", "Rory Williams"]);
    assert!(success, "{stdout}");
    for line in [
        "[ok  ] 3 sayHello1: Hello, Rory Williams!",
        "[ok  ] 4 sayHello2: Hello, Rory Williams!",
        "alert: Message from .NET: \"Welcome, Rory Williams!\"",
        "[ok  ] 7 JsInteropClasses3: Hello, Rory Williams!",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
}

#[test]
fn help_and_bad_arguments() {
    let (success, stdout) = tour(&["--help"]);
    assert!(success);
    assert!(stdout.contains("--name NAME"));
    let (success, _) = tour(&["--bogus"]);
    assert!(!success);
}
