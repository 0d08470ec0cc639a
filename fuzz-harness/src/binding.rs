//! The binding targets: every path the runtime binds arguments by, and the reference binder,
//! must accept and refuse the same texts, bind the same values and give the same error text.
//!
//! Paths: `begin_invoke_dotnet` and `invoke_dotnet`, each as the runtime chooses (the
//! reference's checks on each argument skipped before the serde pass when the parameters are
//! all scalars or one look at the text shows they cannot fail) and with every check made before
//! the pass (`interop_runtime::fuzzing::always_check`); signatures of scalars, structs,
//! options, vectors and every marker type select the runtime's strategies.

use interop_runtime::{fuzzing, JsRuntime, RuntimeOptions, ToJs};
use interop_testkit::MemoryHost;

use crate::input::Input;
use crate::methods::ASSEMBLY;
use crate::model::{with_state, ModelState};
use crate::reference::{self, marker_signatures, Signature, Verdict, SIGNATURES};

/// One call to bind: a method, the byte arrays staged before it, and its arguments.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    /// The method.
    pub signature: &'a Signature,
    /// `receive_byte_array` calls made before the call.
    pub staged: Vec<(u32, Vec<u8>)>,
    /// `strict_arguments`.
    pub strict: bool,
    /// The arguments' JSON.
    pub args_json: String,
}

/// How a call reaches the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// `begin_invoke_dotnet`, binding as the runtime chooses.
    Begin,
    /// `invoke_dotnet`, binding as the runtime chooses.
    Sync,
    /// `begin_invoke_dotnet`, every check made before the pass.
    BeginChecked,
    /// `invoke_dotnet`, every check made before the pass.
    SyncChecked,
    /// `begin_invoke_dotnet` of the method of the same name of a [`crate::methods::Binder`].
    Instance,
    /// The same, every check made before the pass.
    InstanceChecked,
}

/// Every path.
pub const PATHS: [Path; 6] = [
    Path::Begin,
    Path::Sync,
    Path::BeginChecked,
    Path::SyncChecked,
    Path::Instance,
    Path::InstanceChecked,
];

/// The id of the [`crate::methods::Binder`] every run starts with.
const BINDER: u64 = 4;

/// The objects every run starts with: `Setup` tracks ids 1 (`Counter`), 2 (`Counter`,
/// disposed right away) and 3 (`Other`), `NewBinder` id 4.
fn setup(runtime: &JsRuntime) {
    let json = runtime.invoke_dotnet(Some(ASSEMBLY), Some("Setup"), None, "[]");
    assert_eq!(
        json.as_deref(),
        Ok(r#"[{"__dotNetObject":1},{"__dotNetObject":2},{"__dotNetObject":3}]"#),
        "setup"
    );
    assert_eq!(
        runtime.invoke_dotnet(None, Some("__Dispose"), Some(2), "null"),
        Ok("null".to_owned())
    );
    assert_eq!(
        runtime
            .invoke_dotnet(Some(ASSEMBLY), Some("NewBinder"), None, "[]")
            .as_deref(),
        Ok(r#"{"__dotNetObject":4}"#),
        "setup"
    );
}

/// The model of the same start.
fn model_setup(case: &Case<'_>) {
    with_state(|state| {
        *state = ModelState {
            objects: vec![(1, "Counter"), (3, "Other"), (BINDER, "Binder")],
            ..ModelState::default()
        };
        for (index, bytes) in &case.staged {
            state.receive_byte_array(*index, bytes.clone());
        }
    });
}

/// Runs `case` on a fresh runtime by `path`: the result JSON or the error text.
pub fn run(case: &Case<'_>, path: Path) -> Result<String, String> {
    let host = MemoryHost::new();
    let runtime = host.runtime(RuntimeOptions::default().strict_arguments(case.strict));
    setup(&runtime);
    for (index, bytes) in &case.staged {
        let _ = runtime.receive_byte_array(*index, bytes.clone());
    }
    let checked = matches!(
        path,
        Path::BeginChecked | Path::SyncChecked | Path::InstanceChecked
    );
    fuzzing::always_check(checked);
    let identifier = Some(case.signature.identifier);
    let result = match path {
        Path::Sync | Path::SyncChecked => {
            runtime.invoke_dotnet(Some(ASSEMBLY), identifier, None, &case.args_json)
        }
        Path::Begin | Path::BeginChecked => {
            runtime.begin_invoke_dotnet(7, Some(ASSEMBLY), identifier, None, &case.args_json);
            completion(&host, 7)
        }
        Path::Instance | Path::InstanceChecked => {
            runtime.begin_invoke_dotnet(7, None, identifier, Some(BINDER), &case.args_json);
            completion(&host, 7)
        }
    };
    fuzzing::always_check(false);
    runtime.close();
    result
}

/// The completion of call `call_id` among what the runtime sent (exactly one).
fn completion(host: &MemoryHost, call_id: u64) -> Result<String, String> {
    let mut found = None;
    for message in host.take_messages() {
        if let ToJs::EndInvokeDotNet {
            call_id: id,
            success,
            result_or_error,
        } = message
        {
            assert_eq!(id, call_id, "a completion for a call never made");
            assert!(found.is_none(), "call {call_id} completed twice");
            found = Some(if success {
                Ok(result_or_error)
            } else {
                Err(result_or_error)
            });
        }
    }
    found.unwrap_or_else(|| panic!("call {call_id} did not complete"))
}

/// A text without the positions serde_json writes into its errors (` at line 1 column 7`):
/// the reference parses the whole text, the runtime one element at a time.
pub fn strip_positions(text: &str) -> String {
    const AT: &str = " at line ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(AT) {
        out.push_str(&rest[..at]);
        let tail = &rest[at + AT.len()..];
        let line = tail.bytes().take_while(u8::is_ascii_digit).count();
        let column = tail[line..]
            .strip_prefix(" column ")
            .map(|after| after.bytes().take_while(u8::is_ascii_digit).count())
            .unwrap_or(0);
        if line > 0 && column > 0 {
            rest = &tail[line + " column ".len() + column..];
        } else {
            out.push_str(AT);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn normalized(result: &Result<String, String>) -> Result<String, String> {
    match result {
        Ok(json) => Ok(json.clone()),
        Err(text) => Err(strip_positions(text)),
    }
}

/// Runs `case` by every path and by the reference; panics on any disagreement. Returns the
/// runtime's outcome.
pub fn check(case: &Case<'_>) -> Result<String, String> {
    let first = run(case, PATHS[0]);
    // The methods never panic: a panic the runtime caught was its own.
    if let Err(text) = &first {
        let panicked = format!("The call to '{}' panicked.", case.signature.identifier);
        assert!(
            !text.starts_with(&panicked),
            "the runtime panicked: {text} for {case:?}"
        );
    }
    for path in &PATHS[1..] {
        let other = run(case, *path);
        assert_eq!(
            other, first,
            "{path:?} differs from {:?} for {case:?}",
            PATHS[0]
        );
    }
    model_setup(case);
    match reference::bind(case.signature, &case.args_json, case.strict) {
        Verdict::Judged(expected) => assert_eq!(
            normalized(&first),
            normalized(&expected),
            "the runtime (left) differs from the reference (right) for {case:?}"
        ),
        Verdict::Fails => assert!(
            first.is_err(),
            "the runtime bound a text that is not JSON: {case:?} -> {first:?}"
        ),
        Verdict::Unreadable(expected) => {
            if first.is_ok() {
                assert_eq!(
                    first, expected,
                    "the runtime (left) bound a text with a lone surrogate otherwise than the reference (right) binds it repaired, for {case:?}"
                );
            }
        }
    }
    first
}

/// Reads the byte arrays to stage: up to 3, usually in order.
fn staged(input: &mut Input<'_>) -> Vec<(u32, Vec<u8>)> {
    let flags = input.byte();
    let count = flags % 4;
    (0..count)
        .map(|position| {
            // Mostly 0, 1, 2…; sometimes out of order.
            let index = if flags & 0x40 != 0 && position == count - 1 {
                u32::from(input.below(4))
            } else {
                u32::from(position)
            };
            (index, input.chunk(8).to_vec())
        })
        .collect()
}

/// Target `binding`: a signature, staged byte arrays, then the arguments' text.
pub fn binding(data: &[u8]) {
    let mut input = Input::new(data);
    let signature = &SIGNATURES[usize::from(input.byte()) % SIGNATURES.len()];
    let strict = input.byte() & 1 == 1;
    let staged = staged(&mut input);
    let args_json = input.rest_text();
    let _ = check(&Case {
        signature,
        staged,
        strict,
        args_json,
    });
}

/// Target `markers`: one marker parameter, staged byte arrays, then the value's text (the
/// harness wraps it in `[` `]`).
pub fn markers(data: &[u8]) {
    let mut input = Input::new(data);
    let signatures: Vec<&Signature> = marker_signatures().collect();
    let signature = signatures[usize::from(input.byte()) % signatures.len()];
    let staged = staged(&mut input);
    let args_json = format!("[{}]", input.rest_text());
    let _ = check(&Case {
        signature,
        staged,
        strict: false,
        args_json,
    });
}

/// The marker keys and the escaped spellings [`escape_markers`] writes for their `__`.
const MARKER_KEYS: [&str; 4] = [
    "__dotNetObject\"",
    "__byte[]\"",
    "__jsObjectId\"",
    "__jsStreamReferenceLength\"",
];

/// Rewrites every marker key in `json` with an escape (`\u005f_dotNetObject`,
/// `_\u005FdotNetObject`, `__byte\u005b]`, …), the `choice` bits picking which, in turn.
pub fn escape_markers(json: &str, mut choice: impl FnMut() -> u8) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let mut rest = json;
    while let Some(at) = rest.find("\"__") {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let Some(key) = MARKER_KEYS.iter().find(|key| rest.starts_with(*key)) else {
            continue;
        };
        let name = &key[2..key.len() - 1];
        let escaped = match choice() % 6 {
            0 => format!("\\u005f_{name}"),
            1 => format!("_\\u005F{name}"),
            2 => format!("\\u005F\\u005f{name}"),
            3 => format!("__\\u{:04x}{}", u32::from(name.as_bytes()[0]), &name[1..]),
            4 => format!(
                "__{}\\u{:04X}",
                &name[..name.len() - 1],
                u32::from(name.as_bytes()[name.len() - 1])
            ),
            _ => format!("\\u005f\\u005f{}", name.replace('[', "\\u005b")),
        };
        out.push_str(&escaped);
        rest = &rest[key.len() - 1..];
    }
    out.push_str(rest);
    out
}

/// Target `escaped_markers`: a case as for [`binding`]; its text with every marker key
/// escaped must bind exactly as the text itself, on every path and by the reference.
pub fn escaped_markers(data: &[u8]) {
    let mut input = Input::new(data);
    let signature = &SIGNATURES[usize::from(input.byte()) % SIGNATURES.len()];
    let strict = input.byte() & 1 == 1;
    let staged = staged(&mut input);
    let choices = input.u32();
    let args_json = input.rest_text();
    let mut turn = 0;
    let escaped_json = escape_markers(&args_json, || {
        turn = (turn + 3) % 30;
        (choices >> turn) as u8
    });
    let plain = Case {
        signature,
        staged,
        strict,
        args_json,
    };
    let plain_outcome = check(&plain);
    let escaped = Case {
        args_json: escaped_json,
        ..plain.clone()
    };
    let escaped_outcome = check(&escaped);
    match (&plain_outcome, &escaped_outcome) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "an escaped marker key bound otherwise: {escaped:?}"),
        (Err(a), Err(b)) => {
            // The texts name the unescaped key; only positions may move.
            if crate::tree::Tree::parse(&plain.args_json).is_ok() {
                assert_eq!(
                    strip_positions(a),
                    strip_positions(b),
                    "an escaped marker key failed otherwise: {escaped:?}"
                );
            }
        }
        _ => panic!(
            "an escaped marker key changed the outcome: {plain_outcome:?} vs {escaped_outcome:?} for {escaped:?}"
        ),
    }
}
