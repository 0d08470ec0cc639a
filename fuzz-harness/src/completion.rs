//! Target `completion`: the completion triple parser (`JsRuntime::end_invoke_js`).
//!
//! Two Rust→JS calls wait (one for any JSON value, one for `Vec<Point>`); the fuzzer's text is
//! sent as a completion, as it is or after the handle of one of them. Whatever the text, the
//! runtime does not panic, a call completes at most once, a well-formed triple completes the
//! call it names with the value the reference binder reads from it (or its error), a
//! malformed one naming a waiting call fails that call, and every call completes exactly once
//! when the page answers them all.

use std::sync::{Arc, Mutex, PoisonError};

use interop_runtime::{Host, JsError, JsRuntime, RuntimeOptions, ToJs};
use interop_testkit::MemoryHost;
use serde_json::Value;

use crate::binding::strip_positions;
use crate::input::Input;
use crate::methods::Point;
use crate::tree::{from_tree, Tree};

/// What each waiting call ended with (`Debug` of its result), in order of completion.
type Outcomes = Arc<Mutex<Vec<Vec<String>>>>;

fn record(outcomes: &Outcomes, call: usize, outcome: String) {
    outcomes.lock().unwrap_or_else(PoisonError::into_inner)[call].push(outcome);
}

fn outcomes_of(outcomes: &Outcomes) -> Vec<Vec<String>> {
    outcomes
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Starts the two calls; returns their handles.
fn start(host: &MemoryHost, runtime: &JsRuntime, outcomes: &Outcomes) -> [u64; 2] {
    let first = runtime.invoke::<Value>("first", ());
    let seen = Arc::clone(outcomes);
    Host::spawn(
        host,
        Box::pin(async move {
            let result = first.await;
            record(&seen, 0, format!("{result:?}"));
        }),
    );
    let second = runtime.invoke::<Vec<Point>>("second", ());
    let seen = Arc::clone(outcomes);
    Host::spawn(
        host,
        Box::pin(async move {
            let result = second.await;
            record(&seen, 1, format!("{result:?}"));
        }),
    );
    host.run_until_stalled();
    let mut handles = Vec::new();
    for message in host.take_messages() {
        if let ToJs::BeginInvokeJs(call) = message {
            handles.push(call.async_handle);
        }
    }
    assert_eq!(handles.len(), 2, "both calls were sent");
    [handles[0], handles[1]]
}

/// What the reference expects of call `call` for a well-formed triple `[handle, ok, value]`.
fn expected(call: usize, succeeded: bool, value: &Tree) -> Option<String> {
    if !succeeded {
        let text = match value {
            Tree::Leaf(Value::String(text)) => text.clone(),
            Tree::Leaf(Value::Null) => String::new(),
            // The raw text of the value, which the tree does not keep.
            _ => return None,
        };
        let error: Result<(), JsError> = Err(JsError::Js(text));
        return Some(format!("{error:?}"));
    }
    let wrap = |message: String| {
        JsError::Result(format!(
            "An exception occurred executing JS interop: {message}. See InnerException for more details."
        ))
    };
    Some(match call {
        0 => format!(
            "{:?}",
            from_tree::<Value>(value).map_err(|e| wrap(e.to_string()))
        ),
        _ => format!(
            "{:?}",
            from_tree::<Vec<Point>>(value).map_err(|e| wrap(e.to_string()))
        ),
    })
}

/// The check (see the module's documentation).
pub fn completion(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let small_limit = mode & 0x10 != 0;
    let options = RuntimeOptions::default().max_message_size(small_limit.then_some(64));
    let host = MemoryHost::new();
    let runtime = host.runtime(options);
    let outcomes: Outcomes = Arc::new(Mutex::new(vec![Vec::new(), Vec::new()]));
    let handles = start(&host, &runtime, &outcomes);
    let rest = input.rest_text();
    // The text as it is, or after the handle of a waiting call.
    let (named, text) = match mode % 3 {
        0 => (None, rest),
        call => {
            let call = usize::from(call - 1);
            (Some(call), format!("[{},{rest}", handles[call]))
        }
    };
    let returned = runtime.end_invoke_js(&text);
    host.run_until_stalled();
    let after = outcomes_of(&outcomes);
    for (call, seen) in after.iter().enumerate() {
        assert!(
            seen.len() <= 1,
            "call {call} completed twice: {seen:?} by {text:?}"
        );
    }
    // The reference: a whole triple of the right shape naming a waiting call completes it.
    let parsed = Tree::parse(&text).ok();
    let within_limit = !small_limit || text.len() <= 64;
    if let (Some(Tree::Array(items)), true) = (&parsed, within_limit) {
        if let [Tree::Leaf(Value::Number(handle)), Tree::Leaf(Value::Bool(succeeded)), value] =
            items.as_slice()
        {
            if value.depth() <= crate::reference::MAX_DEPTH {
                if let Some(call) = handles.iter().position(|h| handle.as_u64() == Some(*h)) {
                    assert!(returned.is_ok(), "{text:?}: {returned:?}");
                    if let Some(expected) = expected(call, *succeeded, value) {
                        let got = after[call].first().map(|got| strip_positions(got));
                        assert_eq!(
                            got.as_deref(),
                            Some(strip_positions(&expected).as_str()),
                            "{text:?}"
                        );
                    } else {
                        assert!(
                            after[call]
                                .first()
                                .is_some_and(|got| got.starts_with("Err(Js(")),
                            "call {call} did not fail: {text:?}"
                        );
                    }
                }
            }
        }
    }
    // A text that names a waiting call by its first element, complete or not, ends that call.
    if let Some(call) = named {
        if within_limit && returned.is_err() {
            assert_eq!(
                after[call].len(),
                1,
                "a malformed completion left call {call} waiting: {text:?}"
            );
        }
    }
    // The page answers every call: each completes exactly once, and a repeated answer is ignored.
    for handle in handles {
        assert_eq!(
            runtime.end_invoke_js(&format!("[{handle},false,\"late\"]")),
            Ok(())
        );
    }
    host.run_until_stalled();
    for (call, seen) in outcomes_of(&outcomes).iter().enumerate() {
        assert_eq!(seen.len(), 1, "call {call}: {seen:?} after {text:?}");
    }
    assert_eq!(runtime.pending_js_call_count(), 0);
    runtime.close();
}
