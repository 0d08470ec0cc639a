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
//! Three cases call a fixture that panics and go on, which wasm's `panic = "abort"` forbids by
//! design: a panic in user code stops the module (docs/wasm.md, "Panics"; `tests/node.rs` tests
//! it). They run on a second build of the app with `panic = "unwind"` (nightly, `-Zbuild-std`),
//! where the runtime catches panics as on native hosts; without nightly's `rust-src` their tests
//! are ignored with the reason (failing under `REQUIRE_WASM_BINDGEN`). On the default build they
//! still run, and `panic_cases_stop_the_abort_build` fails if one of them stops failing at the
//! fixture's panic, so the list cannot go stale.

mod support;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;

use interop_testkit::conformance::CASES;
use serde_json::Value;
use support::{build, manifest_dir, missing_tools, trial, unwind_missing, App, Client, Profile};

/// The conformance app.
const APP: App = App {
    package: "interop-wasm-conformance-app",
    crate_name: "interop_wasm_conformance_app",
};

/// The cases that call a fixture that panics (Panic, PanicAsync, PanicExclusive) and go on:
/// run on the `panic = "unwind"` build.
const PANIC_CASES: &[&str] = &["sync_calls", "hidden_user_errors", "panics_fail_the_call"];
/// How a panic case fails on the default build: at the fixture's panic, or at the assertion
/// that next sees the text of the stopped module (the trap ends the call into the module that
/// panicked, and JavaScript hands the case that text).
fn stopped_at_a_fixture_panic(failure: &str) -> bool {
    failure.starts_with("panicked at interop-testkit/src/fixtures.rs:")
        || failure.contains("The Rust module has stopped after a panic in 'Panic")
}

/// What Node.js reported for one case.
#[derive(Debug, Clone)]
struct Outcome {
    /// `None` when it passed, else why it failed.
    failure: Option<String>,
}

type Outcomes = Result<HashMap<String, Outcome>, String>;

/// Runs the cases of `profile`'s build with `client` (every case on the default build, the
/// panic cases on the unwinding one), once per test process; returns each case's outcome, or
/// why the run as a whole failed.
fn outcomes(profile: Profile, client: Client) -> Outcomes {
    static RUNS: [OnceLock<Outcomes>; 4] = [const { OnceLock::new() }; 4];
    let slot = match (profile, client) {
        (Profile::Unwind, Client::Ours) => &RUNS[0],
        (Profile::Unwind, Client::Microsoft) => &RUNS[1],
        (_, Client::Ours) => &RUNS[2],
        (_, Client::Microsoft) => &RUNS[3],
    };
    slot.get_or_init(|| {
        let names: Vec<&str> = match profile {
            Profile::Unwind => PANIC_CASES.to_vec(),
            _ => CASES.iter().map(|case| case.name).collect(),
        };
        run_cases(profile, client, &names)
    })
    .clone()
}

fn run_cases(profile: Profile, client: Client, names: &[&str]) -> Outcomes {
    let out_dir = build(APP, profile);
    let output = Command::new("node")
        .arg(manifest_dir().join("tests/node/conformance.mjs"))
        .arg(&out_dir)
        .arg(APP.crate_name)
        .arg(client.module())
        .arg(serde_json::to_string(names).expect("names serialize"))
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
    if outcomes.len() != names.len() {
        return Err(format!(
            "{} cases reported, {} run:\n{stdout}\n{stderr}",
            outcomes.len(),
            names.len()
        ));
    }
    // The calls went through the JS client where it can express them (its ids, its parsing).
    if client_calls == 0 {
        return Err(format!("the JS client made no call:\n{stdout}"));
    }
    Ok(outcomes)
}

/// The outcome of `case` with `client` on `profile`'s build.
fn outcome(profile: Profile, client: Client, case: &str) -> Result<Outcome, String> {
    outcomes(profile, client)?
        .get(case)
        .cloned()
        .ok_or_else(|| format!("Node.js did not report the case '{case}'"))
}

fn main() -> ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    let missing = missing_tools();
    let unwind_missing = missing.clone().or_else(unwind_missing);
    let mut trials = Vec::new();
    for client in [Client::Ours, Client::Microsoft] {
        let prefix = match client {
            Client::Ours => "our_client",
            Client::Microsoft => "microsoft_client",
        };
        for case in CASES {
            let name = format!("{prefix}::{}", case.name);
            let (profile, missing) = if PANIC_CASES.contains(&case.name) {
                (Profile::Unwind, &unwind_missing)
            } else {
                (Profile::Debug, &missing)
            };
            let case = case.name;
            trials.push(trial(name, missing, move || {
                match outcome(profile, client, case)?.failure {
                    None => Ok(()),
                    Some(failure) => Err(failure.into()),
                }
            }));
        }
        // On the default build the panic cases fail at a fixture's panic, and only there.
        let name = format!("{prefix}::panic_cases_stop_the_abort_build");
        trials.push(trial(name, &missing, move || {
            for case in PANIC_CASES {
                match outcome(Profile::Debug, client, case)?.failure {
                    Some(failure) if stopped_at_a_fixture_panic(&failure) => {}
                    Some(failure) => {
                        return Err(format!("'{case}' failed elsewhere: {failure}").into())
                    }
                    None => return Err(format!("'{case}' passes with panic = \"abort\"").into()),
                }
            }
            Ok(())
        }));
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}
