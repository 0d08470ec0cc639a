//! The conformance suite of `interop-testkit` against the wasm host, in Node.js 20, with our JS
//! client and with Microsoft's 10.0.11: one test per case per client.
//!
//! The cases are the testkit's Rust functions, compiled into the conformance app
//! (`hosts/wasm/conformance-app`, built here for `wasm32-unknown-unknown` in debug and passed
//! through the pinned `wasm-bindgen`) and run inside it, against the real host
//! (`interop_wasm::attach`, its guard and entry points) through the real JS client:
//! `tests/node/conformance.mjs` runs every case in a fresh instance, once per client, and
//! reports each. A case passes only when Node.js reports it run and passed; a case missing from
//! the report, or reported twice, fails.
//!
//! The cases that call the fixtures' panicking methods are left out (ignored, with the reason):
//! under wasm's `panic = "abort"` a panic in user code stops the module by design
//! (docs/wasm.md, "Panics"; `tests/node.rs` tests it). They still run, and their test
//! fails if they stop failing at such a panic, so the list cannot go stale.

mod support;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;

use interop_testkit::conformance::CASES;
use serde_json::Value;
use support::{build, manifest_dir, missing_tools, trial, App, Client, Profile};

/// The conformance app.
const APP: App = App {
    package: "interop-wasm-conformance-app",
    crate_name: "interop_wasm_conformance_app",
};

/// The cases that cannot run on this host, and why.
const LEFT_OUT: &[&str] = &["sync_calls", "hidden_user_errors", "panics_fail_the_call"];
const LEFT_OUT_REASON: &str = "it calls a fixture that panics (Panic, PanicAsync, \
     PanicExclusive) and goes on: under wasm's panic = \"abort\" a panic stops the module by \
     design (docs/wasm.md, \"Panics\"; tests/node.rs tests that), only panic = \"unwind\" \
     (nightly, -Zbuild-std) would let the runtime catch it";
/// Where the fixtures' panics are (what a left-out case must fail at).
const FIXTURE_PANIC: &str = "panicked at interop-testkit/src/fixtures.rs:";

/// What Node.js reported for one case.
#[derive(Debug, Clone)]
struct Outcome {
    /// `None` when it passed, else why it failed.
    failure: Option<String>,
}

/// Runs every case with `client`, once per test process; returns each case's outcome, or why
/// the run as a whole failed.
fn outcomes(client: Client) -> Result<HashMap<String, Outcome>, String> {
    static OURS: OnceLock<Result<HashMap<String, Outcome>, String>> = OnceLock::new();
    static MICROSOFT: OnceLock<Result<HashMap<String, Outcome>, String>> = OnceLock::new();
    let slot = match client {
        Client::Ours => &OURS,
        Client::Microsoft => &MICROSOFT,
    };
    slot.get_or_init(|| run_cases(client)).clone()
}

fn run_cases(client: Client) -> Result<HashMap<String, Outcome>, String> {
    let out_dir = build(APP, Profile::Debug);
    let names: Vec<&str> = CASES.iter().map(|case| case.name).collect();
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/node/conformance.mjs"))
        .arg(&out_dir)
        .arg(APP.crate_name)
        .arg(client.module())
        .arg(serde_json::to_string(&names).expect("names serialize"))
        .output()
        .map_err(|error| format!("node does not run: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "node failed ({}):\n{stdout}\n{stderr}",
            output.status
        ));
    }
    let mut outcomes = HashMap::new();
    let mut client_calls = 0;
    for line in stdout.lines() {
        let report: Value = serde_json::from_str(line)
            .map_err(|error| format!("not a report ({error}): {line}"))?;
        let name = report["case"]
            .as_str()
            .ok_or_else(|| format!("a report without a case: {line}"))?;
        client_calls += report["clientCalls"].as_u64().unwrap_or(0);
        let failure = match report["ok"] {
            Value::Bool(true) => None,
            Value::Bool(false) => Some(report["message"].as_str().unwrap_or("").to_owned()),
            _ => return Err(format!("a report without a verdict: {line}")),
        };
        if outcomes
            .insert(name.to_owned(), Outcome { failure })
            .is_some()
        {
            return Err(format!("the case '{name}' was reported twice"));
        }
    }
    if outcomes.len() != CASES.len() {
        return Err(format!(
            "{} cases reported, {} in the suite:\n{stdout}\n{stderr}",
            outcomes.len(),
            CASES.len()
        ));
    }
    // The calls went through the JS client where it can express them (its ids, its parsing).
    if client_calls == 0 {
        return Err(format!("the JS client made no call:\n{stdout}"));
    }
    Ok(outcomes)
}

/// The outcome of `case` with `client`.
fn outcome(client: Client, case: &str) -> Result<Outcome, String> {
    outcomes(client)?
        .get(case)
        .cloned()
        .ok_or_else(|| format!("Node.js did not report the case '{case}'"))
}

fn main() -> ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let missing = missing_tools();
    let mut trials = Vec::new();
    for client in [Client::Ours, Client::Microsoft] {
        let prefix = match client {
            Client::Ours => "our_client",
            Client::Microsoft => "microsoft_client",
        };
        for case in CASES {
            let name = format!("{prefix}::{}", case.name);
            if LEFT_OUT.contains(&case.name) {
                eprintln!("ignored: {name}: {LEFT_OUT_REASON}");
                trials.push(libtest_mimic::Trial::test(name, || Ok(())).with_ignored_flag(true));
                continue;
            }
            let case = case.name;
            trials.push(trial(name, &missing, move || {
                match outcome(client, case)?.failure {
                    None => Ok(()),
                    Some(failure) => Err(failure.into()),
                }
            }));
        }
        // The left-out cases fail at a fixture's panic, and only there.
        let name = format!("{prefix}::left_out_cases_stop_at_a_fixture_panic");
        trials.push(trial(name, &missing, move || {
            for case in LEFT_OUT {
                match outcome(client, case)?.failure {
                    Some(failure) if failure.starts_with(FIXTURE_PANIC) => {}
                    Some(failure) => {
                        return Err(format!("'{case}' failed elsewhere: {failure}").into())
                    }
                    None => return Err(format!("'{case}' passes: it need not be left out").into()),
                }
            }
            Ok(())
        }));
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
