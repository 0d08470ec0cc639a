//! The wasm host in Node.js 20: builds the test app (`hosts/wasm/test-app`) for
//! `wasm32-unknown-unknown` in debug and in release, runs the pinned `wasm-bindgen` CLI on it
//! (`--target web`), loads it in Node.js with our JS client and with Microsoft's 10.0.11, makes
//! every call of `tests/node/app.mjs` and compares what each gave with what it must give.
//!
//! Without the pinned `wasm-bindgen` (`cargo install wasm-bindgen-cli --version =X`, which
//! `scripts/test.sh` runs) or `node`, every test is reported as ignored with the reason, never
//! as passed; with `REQUIRE_WASM_BINDGEN` set (as `scripts/test.sh` does) it fails instead.

// The `json!` of every expected result.
#![recursion_limit = "256"]

mod support;

use std::process::{Command, ExitCode};

use serde_json::{json, Value};
use support::{build, manifest_dir, missing_tools, trial, App, Client, Profile};

/// The test app.
const APP: App = App {
    package: "interop-wasm-test-app",
    crate_name: "interop_wasm_test_app",
};

/// What every check of `app.mjs` must give, whichever the client and profile.
fn expected(client: Client) -> Value {
    let error = |text: &str| json!({ "error": text });
    let too_deep = json!({
        "error": "The call to 'Recurse' was refused: 32 calls from JavaScript are already nested on this thread, each made by JavaScript that Rust called (RuntimeOptions::max_nested_calls).",
        "short": true,
    });
    let mut expected = json!({
        "sync static": [1, 2, 3],
        "async static": [1, 2, 3],
        "sync of an async method": error("The method 'ReturnArrayAsync' is async and cannot be invoked synchronously. Use invokeMethodAsync instead."),
        "sync object": { "x": 3.0, "y": -4.0, "label": "p x2" },
        "async of a sync method": { "x": 6.0, "y": 8.0, "label": "q x2" },
        "user error": error("a secret reason"),
        "user error async": error("a secret reason"),
        "unknown method": error("The assembly 'WasmApp' does not contain a public invokable method with [JSInvokableAttribute(\"Nope\")]."),
        "unknown assembly": error("There is no loaded assembly with the name 'Nowhere'."),
        "wrong argument count": error("The call to 'AddOne' expects '1' parameters, but received '0'."),
        "bytes from Rust": [0, 1, 2, 3, 4],
        "1 MiB from Rust": [true, 1 << 20, 127.5 * f64::from(1 << 20)],
        "1 MiB to Rust": [1 << 20, true],
        "bytes to Rust async": [3, 24],
        "stream from Rust": [3 << 20, 127.5 * f64::from(3 << 20)],
        "stream to Rust": [3 << 20, true],
        "sample 11: 10,000,000 bytes": [10_000_000, true],
        "instance sync": "Hello, Amy!",
        "instance async": "Hi, Amy!",
        "instance sync of an async method": error("The method 'GreetAsync' is async and cannot be invoked synchronously. Use invokeMethodAsync instead."),
        "instance disposed by JS": error("There is no tracked object with id '1'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"),
        "instance held by Rust": "Hello, Rory!",
        "dispose from Rust": true,
        "instance disposed by Rust": error("There is no tracked object with id '2'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"),
        "non-Send future": "one two after 2 promises",
        "generic instances": ["kept", 5],
        "generic instance, wrong type": error("The call to 'Set' could not bind argument 1: invalid type: string \"five\", expected i32"),
        "JS object calls": [11, 13],
        "Rust invokes JS": "Hello, Amy!",
        "Rust invokes JS void": 7,
        "Rust invokes JS sync": 5,
        "re-entrant sync calls": 42,
        "nested to the limit": 31,
        "nested past the limit": too_deep,
        "nested far past the limit": too_deep,
        "nested to the limit again": 31,
        "nested through async calls": [100000, 32],
        "sync JS call throws": "thrown by jsThrow",
        "bytes from JS to Rust": [4, 256],
        "timeout on the page timers": "The JS interop call 'jsNever' timed out after 50ms.",
        "timeout waited": true,
        "bad callId": error("callId must be a non-negative integer"),
        "bad cancel callId": error("callId must be a non-negative integer"),
        "cancel of no running call": "ignored",
        "bad object id": error("dotNetObjectId must be a non-negative integer"),
        "bad byte array": error("sendByteArray expects a Uint8Array"),
        "bad byte array index": error("the byte array index must be a 32-bit integer"),
        "bad arguments JSON": error("Invalid JSON: unexpected end of the array"),
        "bad completion": "ignored",
        "still working after bad input": [1, 2, 3],
        "dependency sync": 5,
        "dependency bytes": [3, 2, 1],
        "dependency async": "Hi Amy",
        "dependency instance": 7,
        "dependency module": 7,
        "dependency nested module": "pong ball",
    });
    // Cancellation from JavaScript is our client's (Microsoft's has no such entry point).
    if let (Client::Ours, Some(checks)) = (client, expected.as_object_mut()) {
        checks.insert("abort rejects".into(), json!(["AbortError", "AbortError"]));
        checks.insert("Rust told of the aborts".into(), json!([1, 1]));
    }
    expected
}

/// What `app.mjs` reports after a panic in `call` ('Boom' or 'BoomAsync'): the panicking call,
/// the three calls pending at that moment and the calls made afterwards all fail with one text
/// naming the call, and the panic message reached the console.
fn expected_after_panic(call: &str) -> Value {
    let error = json!({
        "error": format!("The Rust module has stopped after a panic in '{call}': out of cheese")
    });
    json!({
        "panicked": error,
        "pending": [error, error, error],
        "later sync": error,
        "later async": error,
        "message on the console": true,
        // A task's trap reaches the event loop; a sync call's is thrown to its caller.
        "traps": if call == "BoomAsync" { 1 } else { 0 },
    })
}

/// What `app.mjs` is asked to do.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Every call of the host (`expected`).
    Calls,
    /// A panic in a sync call while three calls are pending.
    PanicSync,
    /// A panic in an async call's future while three calls are pending.
    PanicAsync,
    /// A panic in a call JavaScript made from inside a sync Rust→JS call, whose Rust caller
    /// catches the error: that caller must not go on in the stopped module.
    PanicNested,
}

/// Loads the app built in `profile` with `client`, runs `mode` and compares every check.
fn run_app(profile: Profile, client: Client, mode: Mode) {
    let out_dir = build(APP, profile);
    let (argument, expected) = match mode {
        Mode::Calls => ("calls", expected(client)),
        Mode::PanicSync => ("panic-sync", expected_after_panic("Boom")),
        Mode::PanicAsync => ("panic-async", expected_after_panic("BoomAsync")),
        Mode::PanicNested => ("panic-nested", expected_after_panic("Boom")),
    };
    let started = std::time::Instant::now();
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/node/app.mjs"))
        .arg(&out_dir)
        .arg(APP.crate_name)
        .arg(client.module())
        .arg(argument)
        .output()
        .expect("node runs");
    // Node exits once no timer is armed: the 60 s timeouts of the calls still waiting (after
    // a panic) must have been cleared.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "node took {:?}: a timer was left armed",
        started.elapsed()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "node failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let results: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("app.mjs printed no results:\n{stdout}\n{stderr}"));
    let (Some(results), Some(expected)) = (results.as_object(), expected.as_object()) else {
        panic!("the results are not an object: {results}");
    };
    let mut differences = Vec::new();
    for (name, want) in expected {
        match results.get(name) {
            Some(got) if numbers_equal(got, want) => {}
            got => differences.push(format!("  {name}: expected {want}, got {got:?}")),
        }
    }
    for name in results.keys().filter(|name| !expected.contains_key(*name)) {
        differences.push(format!("  {name}: a check this test does not know"));
    }
    assert!(
        differences.is_empty(),
        "{profile:?} build with {client:?}'s client, {mode:?}:\n{}\n(stderr: {stderr})",
        differences.join("\n")
    );
}

/// JSON equality where `3` and `3.0` are the same number (JavaScript has one number type).
fn numbers_equal(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Number(got), Value::Number(want)) => got.as_f64() == want.as_f64(),
        (Value::Array(got), Value::Array(want)) => {
            got.len() == want.len() && got.iter().zip(want).all(|(g, w)| numbers_equal(g, w))
        }
        (Value::Object(got), Value::Object(want)) => {
            got.len() == want.len()
                && got
                    .iter()
                    .all(|(key, g)| want.get(key).is_some_and(|w| numbers_equal(g, w)))
        }
        _ => got == want,
    }
}

fn main() -> ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let missing = missing_tools();
    let mut trials = Vec::new();
    let cases = [Profile::Debug, Profile::Release]
        .into_iter()
        .flat_map(|profile| {
            [Client::Ours, Client::Microsoft]
                .into_iter()
                .flat_map(move |client| {
                    [
                        Mode::Calls,
                        Mode::PanicSync,
                        Mode::PanicAsync,
                        Mode::PanicNested,
                    ]
                    .into_iter()
                    .map(move |mode| (profile, client, mode))
                })
        });
    for (profile, client, mode) in cases {
        {
            let name = format!(
                "node_{}_{}_client_{}",
                profile.name(),
                match client {
                    Client::Ours => "our",
                    Client::Microsoft => "microsoft",
                },
                match mode {
                    Mode::Calls => "calls",
                    Mode::PanicSync => "panic_in_a_sync_call",
                    Mode::PanicAsync => "panic_in_an_async_call",
                    Mode::PanicNested => "panic_in_a_nested_call",
                }
            );
            let trial = trial(name, &missing, move || {
                run_app(profile, client, mode);
                Ok(())
            });
            trials.push(trial);
        }
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
