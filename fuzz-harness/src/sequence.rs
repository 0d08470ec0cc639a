//! Target `sequence`: random sequences of what a page sends — calls (sync, async, calls that
//! call JavaScript back, stream reads), completions, byte arrays, disposals, stream chunks —
//! against one runtime, with its invariants checked after every step:
//! - no panic escapes, and none is caught in the runtime (a call would fail "panicked");
//! - every call completes exactly once (never twice, never one that was not made; all of them
//!   once the page has answered every JavaScript call);
//! - staged byte arrays reach only the call or completion that follows them;
//! - the object table stays within its limit, and the in-flight count within the calls that
//!   have not completed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use interop_runtime::{JsRuntime, RuntimeOptions, ToJs};
use interop_testkit::MemoryHost;

use crate::input::Input;
use crate::methods::{describe_bytes, ASSEMBLY};
use crate::model::ModelState;

/// The object table's limit in this target.
pub const MAX_OBJECTS: usize = 8;

/// Argument texts for the static calls (byte arrays, objects, errors).
const ARGS: [(&str, &str); 10] = [
    ("Scalars", r#"[1,"a",true]"#),
    ("Refs", r#"[{"__dotNetObject":1},{"__dotNetObject":4}]"#),
    (
        "Bytes",
        r#"[{"__byte[]":0},{"name":"n","data":{"__byte[]":1}}]"#,
    ),
    ("Mixed", r#"[[{"name":"a","data":{"__byte[]":1}}],null]"#),
    (
        "Nested",
        r#"[{"refs":[{"__dotNetObject":2}],"js":{"__jsObjectId":9}},[]]"#,
    ),
    ("Others", r#"[{"__dotNetObject":3},{"x":1}]"#),
    ("Setup", "[]"),
    ("OneJsObject", r#"[{"__jsObjectId":3}]"#),
    ("NoArgs", "[1,2"),
    ("Structs", r#"[{"x":1},[1,2]]"#),
];

/// A Rust→JS call the page has not answered.
struct JsCall {
    identifier: String,
    args_json: String,
}

struct State {
    host: MemoryHost,
    runtime: JsRuntime,
    next_call_id: u64,
    /// Calls made and not completed, with their method.
    open: BTreeMap<u64, &'static str>,
    completed: BTreeSet<u64>,
    /// `OneBytes` calls not completed yet: what they may bind.
    expected: BTreeMap<u64, Option<String>>,
    js_calls: BTreeMap<u64, JsCall>,
    /// What the runtime has staged for the next call.
    staged: ModelState,
}

impl State {
    fn begin(&mut self, method: &'static str, object_id: Option<u64>, args_json: &str) -> u64 {
        self.next_call_id += 1;
        let call_id = self.next_call_id;
        self.open.insert(call_id, method);
        let assembly = object_id.is_none().then_some(ASSEMBLY);
        self.runtime
            .begin_invoke_dotnet(call_id, assembly, Some(method), object_id, args_json);
        self.staged.clear_staged();
        call_id
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        let _ = self.runtime.end_invoke_js(triple_json);
        self.staged.clear_staged();
    }

    /// Runs the host, then checks what the runtime sent.
    fn settle(&mut self) {
        self.host.run_until_stalled();
        for message in self.host.take_messages() {
            match message {
                ToJs::EndInvokeDotNet {
                    call_id,
                    success,
                    result_or_error,
                } => {
                    let method = self.open.remove(&call_id).unwrap_or_else(|| {
                        panic!(
                            "call {call_id} completed again or was never made ({})",
                            if self.completed.contains(&call_id) {
                                "again"
                            } else {
                                "never made"
                            }
                        )
                    });
                    self.completed.insert(call_id);
                    let result = if success {
                        Ok(result_or_error)
                    } else {
                        Err(result_or_error)
                    };
                    if let Err(text) = &result {
                        assert!(
                            !text.starts_with(&format!("The call to '{method}' panicked.")),
                            "the runtime panicked: {text}"
                        );
                    }
                    if let Some(expected) = self.expected.remove(&call_id) {
                        // Bytes from another payload never reach it; it may fail (a batch
                        // whose owner cannot be told is refused rather than guessed).
                        if let Ok(json) = &result {
                            assert_eq!(
                                Some(json),
                                expected.as_ref(),
                                "call {call_id} bound bytes that were not its own"
                            );
                        }
                    }
                }
                ToJs::BeginInvokeJs(call) if call.async_handle != 0 => {
                    self.js_calls.insert(
                        call.async_handle,
                        JsCall {
                            identifier: call.identifier,
                            args_json: call.args_json,
                        },
                    );
                }
                ToJs::BeginInvokeJs(_) | ToJs::ReceiveByteArray { .. } => {}
            }
        }
        let tracked = self.runtime.tracked_object_count();
        assert!(tracked <= MAX_OBJECTS, "{tracked} objects tracked");
        let in_flight = self.runtime.in_flight_call_count();
        assert!(
            in_flight <= self.open.len(),
            "{in_flight} calls in flight, {} not completed",
            self.open.len()
        );
    }

    /// The bytes `OneBytes` may bind from `{"__byte[]":index}` now: only array `index` of the
    /// batch received since the last message (`None`: the call must fail).
    fn expect_bytes(&mut self, index: u32) -> Option<String> {
        let batch = self.staged.open.as_ref()?;
        if batch.refused.is_some() {
            return None;
        }
        let bytes = batch.arrays.get(index as usize)?;
        let mut text = String::new();
        describe_bytes(&mut text, bytes);
        serde_json::to_string(&format!("({text};)")).ok()
    }

    /// Answers JavaScript call `handle` (a chunk request with its chunks, or else a text),
    /// as the page would or not quite.
    fn answer(&mut self, handle: u64, input: &mut Input<'_>) {
        let Some(call) = self.js_calls.remove(&handle) else {
            return;
        };
        let how = input.byte();
        if how % 8 == 7 {
            // Not a triple at all, or a broken one naming the call.
            let text = format!("[{handle},{}", input.text());
            self.end_invoke_js(&text);
            return;
        }
        if call.identifier.contains("readStreamChunks") || call.identifier.contains("Chunk") {
            // `[{"__jsObjectId":id}, offset, count, chunkSize]`: answer with `count` bytes in
            // chunks of `chunkSize`, or with chunks of the fuzzer's sizes.
            let numbers: Vec<u64> = serde_json::from_str::<Vec<serde_json::Value>>(&call.args_json)
                .unwrap_or_default()
                .iter()
                .filter_map(serde_json::Value::as_u64)
                .collect();
            let (offset, count, size) = match numbers.as_slice() {
                [offset, count, size, ..] => (*offset, *count, (*size).max(1)),
                _ => (0, 0, 1),
            };
            let mut chunks = Vec::new();
            if how & 1 == 0 {
                let mut left = count;
                while left > 0 && chunks.len() < 64 {
                    let len = left.min(size);
                    chunks.push((0..len).map(|at| (offset + at) as u8).collect::<Vec<u8>>());
                    left -= len;
                }
            } else {
                for _ in 0..input.below(4) {
                    chunks.push(input.chunk(40).to_vec());
                }
            }
            let markers: Vec<String> = (0..chunks.len())
                .map(|index| format!(r#"{{"__byte[]":{index}}}"#))
                .collect();
            for (index, chunk) in chunks.into_iter().enumerate() {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let _ = self.runtime.receive_byte_array(index, chunk.clone());
                self.staged.receive_byte_array(index, chunk);
            }
            self.end_invoke_js(&format!("[{handle},true,[{}]]", markers.join(",")));
        } else {
            let succeeded = how & 2 == 0;
            self.end_invoke_js(&format!("[{handle},{succeeded},\"answer {how}\"]"));
        }
    }
}

/// The check: up to 48 steps read from `data`, then the page answers everything.
pub fn sequence(data: &[u8]) {
    let mut input = Input::new(data);
    let host = MemoryHost::new();
    let options = RuntimeOptions::default()
        .max_tracked_objects(MAX_OBJECTS)
        .max_in_flight_calls(4)
        .js_call_timeout(Some(Duration::from_secs(5)));
    let runtime = host.runtime(options);
    let mut state = State {
        host,
        runtime,
        next_call_id: 0,
        open: BTreeMap::new(),
        completed: BTreeSet::new(),
        expected: BTreeMap::new(),
        js_calls: BTreeMap::new(),
        staged: ModelState::default(),
    };
    let mut steps = 0;
    while !input.is_empty() && steps < 48 {
        steps += 1;
        match input.below(10) {
            0 => {
                let (method, args) = ARGS[usize::from(input.below(ARGS.len() as u8))];
                state.begin(method, None, args);
            }
            1 => {
                state.begin("Ask", None, "[]");
            }
            2 => {
                let length = 1 + u32::from(input.byte()) * 20;
                let args = format!(
                    r#"[{{"__jsStreamReferenceLength":{length},"__jsObjectId":{}}}]"#,
                    input.byte()
                );
                state.begin("ReadStream", None, &args);
            }
            3 => {
                let pending: Vec<u64> = state.js_calls.keys().copied().collect();
                if !pending.is_empty() {
                    let handle = pending[usize::from(input.byte()) % pending.len()];
                    state.answer(handle, &mut input);
                }
            }
            4 => {
                let index = match input.byte() {
                    byte if byte < 200 => u32::try_from(state.staged.staged.len()).unwrap_or(0),
                    byte => u32::from(byte % 4),
                };
                let bytes = input.chunk(16).to_vec();
                let _ = state.runtime.receive_byte_array(index, bytes.clone());
                state.staged.receive_byte_array(index, bytes);
            }
            5 => {
                let id = u64::from(input.below(12));
                state.begin("__Dispose", Some(id), "null");
            }
            6 => {
                state.begin("Setup", None, "[]");
            }
            7 => {
                let id = u64::from(input.below(12));
                state.begin("Increment", Some(id), "[]");
            }
            8 => {
                let index = u32::from(input.below(4));
                let expected = state.expect_bytes(index);
                let call_id =
                    state.begin("OneBytes", None, &format!(r#"[{{"__byte[]":{index}}}]"#));
                state.expected.insert(call_id, expected);
            }
            _ => {
                let millis = u64::from(input.byte()) * 40;
                state.host.advance(Duration::from_millis(millis));
            }
        }
        state.settle();
    }
    // The page answers every JavaScript call (a failure) until none is left.
    for _ in 0..64 {
        state.settle();
        let Some((&handle, _)) = state.js_calls.iter().next() else {
            break;
        };
        state.js_calls.remove(&handle);
        state.end_invoke_js(&format!("[{handle},false,\"page closed\"]"));
    }
    state.settle();
    assert!(
        state.open.is_empty(),
        "calls never completed: {:?}",
        state.open
    );
    assert_eq!(state.runtime.in_flight_call_count(), 0);
    assert_eq!(state.runtime.pending_js_call_count(), 0);
    state.runtime.close();
}
