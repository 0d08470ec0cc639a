//! Runs the seed tour binary as a user would, with both JS clients, and checks what it printed.

use std::path::Path;
use std::process::Command;

fn tour(args: &[&str]) -> (bool, String) {
    let (code, output) = tour_with_code(args);
    (code == Some(0), output)
}

/// The tour's exit code (`None` if a signal ended it) and what it printed.
fn tour_with_code(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_seed-tour"))
        .args(args)
        .output()
        .expect("the seed tour starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (output.status.code(), format!("{stdout}\n{stderr}"))
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

/// Every release of Microsoft's client of the .NET 8, 9 and 10 lines on npm (pinned in
/// `hosts/quickjs/npm-client-lines/`): the 8 and 9 clients send a result's byte arrays a
/// microtask before its completion, so the stream sample's chunks reach Rust interleaved.
#[test]
fn every_sample_passes_with_every_release_of_microsofts_client() {
    let lines = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hosts/quickjs/npm-client-lines");
    let clients = interop_testkit::npm::microsoft_clients(
        &lines,
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client-lines"),
    )
    .expect("the pinned npm clients install");
    for line in ["8.", "9.", "10."] {
        assert!(
            clients.iter().any(|(version, _)| version.starts_with(line)),
            "no release of the {line}x line is pinned"
        );
    }
    for (version, client) in &clients {
        let client = client.to_str().expect("a UTF-8 path");
        let (success, output) = tour(&["--client", client]);
        assert!(success, "{version}: {output}");
        assert_every_sample_passed(&output);
        assert!(
            output.contains("[ok  ] 11 streamToDotNet copied to file.txt"),
            "{version}: {output}"
        );
    }
}

#[test]
fn the_name_option_reaches_every_name_sample() {
    for args in [&["--name", "Rory Williams"][..], &["--name=Rory Williams"]] {
        assert_the_name_reached_every_name_sample(args);
    }
}

fn assert_the_name_reached_every_name_sample(args: &[&str]) {
    let (success, output) = tour(args);
    assert!(success, "{args:?}: {output}");
    for line in [
        "[ok  ] 3 sayHello1: [3] Hello, Rory Williams!",
        "[ok  ] 4 sayHello2: [4] Hello, Rory Williams!",
        "[ok  ] 5 GreetingHelpers.welcomeVisitor: alert: Message from .NET: \"Welcome, Rory Williams!\"",
        "[ok  ] 7 JsInteropClasses3: [7] Hello, Rory Williams!",
        "[ok  ] 12 JS isolation: [12] Hello from a JS module, Rust! / Hello, Rory Williams!",
    ] {
        assert!(
            output.contains(line),
            "{args:?}: missing {line:?} in\n{output}"
        );
    }
    assert!(!output.contains("Amy Pond"), "{args:?}: {output}");
}

#[test]
fn help_and_bad_arguments() {
    let (success, output) = tour(&["--help"]);
    assert!(success);
    assert!(
        output.contains("--name NAME")
            && output.contains("--client PATH")
            && output.contains("--emit-dts DIR"),
        "{output}"
    );
    for (args, expected) in [
        (&["--bogus"][..], "unknown argument '--bogus'"),
        (&["--bogus=1"], "unknown argument '--bogus=1'"),
        (&["--name"], "--name needs a value"),
        (&["--client"], "--client needs a path"),
        (&["--emit-dts"], "--emit-dts needs a directory"),
    ] {
        let (code, output) = tour_with_code(args);
        assert_eq!(code, Some(2), "{args:?}: {output}");
        assert!(output.contains(expected), "{args:?}: {output}");
    }
}

/// A `--client` that cannot be used exits with 2 and names the file, whichever way it fails.
#[test]
fn an_unusable_client_exits_2_and_names_the_file() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"));
    let not_a_module = examples.join("Cargo.toml");
    let no_dotnet_export = examples.join("js/seed.js");
    let cases = [
        (
            "/nonexistent/client.js".to_owned(),
            "cannot read the JS client /nonexistent/client.js: ",
        ),
        (examples.display().to_string(), "cannot read the JS client "),
        (
            not_a_module.display().to_string(),
            "cannot load the JS client ",
        ),
        (
            no_dotnet_export.display().to_string(),
            "cannot load the JS client ",
        ),
    ];
    for (path, expected) in &cases {
        for args in [
            vec!["--client".to_owned(), path.clone()],
            vec![format!("--client={path}")],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, output) = tour_with_code(&args);
            assert_eq!(code, Some(2), "{args:?}: {output}");
            assert!(output.contains(expected), "{args:?}: {output}");
            assert!(
                output.contains(&format!("JS client {path}")),
                "the message names {path}: {output}"
            );
            assert!(!output.contains("@jsinvokable/client"), "{output}");
            assert!(!output.contains("[ok  ]"), "no sample ran: {output}");
        }
    }
    // Where the engine's own text locates the error, it is in the file given.
    let (_, output) = tour_with_code(&["--client", &cases[3].0]);
    assert!(
        output.contains(&format!(
            "Could not find export 'DotNet' in module '{}'",
            cases[3].0
        )),
        "{output}"
    );
}
