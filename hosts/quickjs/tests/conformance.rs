//! The host-independent conformance suite over the real QuickJS host.
//!
//! [`QuickJsWireClient`] drives an [`Engine`] whose JS client is `tests/wire-client.js`, a
//! stand-in that keeps the raw host object (`rawHost`) and records every dispatcher call Rust
//! makes. Every [`WireClient`] method goes through JavaScript and the QuickJS bridge: calls are
//! scripts calling `rawHost` with the exact strings (as JSON literals), byte arrays are
//! `Uint8Array`s built in JavaScript, and [`pump`](WireClient::pump) drives the engine, then
//! drains the recorded calls and turns each back into the [`ToJs`] message it carries.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use interop_quickjs::{Client, Engine, EngineOptions};
use interop_runtime::{
    BoxFuture, CallType, JsError, JsInvocation, JsRuntime, ResultType, RuntimeOptions, ToJs,
};
use interop_testkit::decode::{self, invocation};
use interop_testkit::{HostClock, Invoke, WireClient, WireClientExt};
use serde::Serialize;
use serde_json::Value;

mod conformance {
    interop_testkit::conformance_tests!(super::QuickJsWireClient::new);
}

/// The same suite with Microsoft's npm client loaded (10.0.11, the release the project
/// targets): its calls, its completions' parsing.
mod conformance_with_microsofts_client {
    interop_testkit::conformance_tests!(
        |options| super::QuickJsWireClient::with_microsofts_client(options, "10.0.11")
    );
}

/// With every other release of Microsoft's client on npm, of the .NET 8, 9 and 10 lines.
mod conformance_with_microsofts_client_8_0_0 {
    interop_testkit::conformance_tests!(
        |options| super::QuickJsWireClient::with_microsofts_client(options, "8.0.0")
    );
}

mod conformance_with_microsofts_client_9_0_6 {
    interop_testkit::conformance_tests!(
        |options| super::QuickJsWireClient::with_microsofts_client(options, "9.0.6")
    );
}

mod conformance_with_microsofts_client_10_0_0 {
    interop_testkit::conformance_tests!(
        |options| super::QuickJsWireClient::with_microsofts_client(options, "10.0.0")
    );
}

/// Call ids of the calls Microsoft's client cannot express (malformed arguments, chosen ids),
/// sent raw, start here, far from the ids the client numbers from 1.
const RAW_CALL_IDS: u64 = 1_000_000;

/// Every release of Microsoft's client pinned in `npm-client-lines/` (installed once per
/// target directory), each with `tests/microsoft-wire-client.js` written next to it once per
/// test process: `(version, wire client)`.
fn microsoft_wire_clients() -> &'static [(String, PathBuf)] {
    static CLIENTS: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let clients = interop_testkit::npm::microsoft_clients(
            &manifest.join("npm-client-lines"),
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client-lines"),
        )
        .expect("the pinned npm clients install");
        let template = std::fs::read_to_string(manifest.join("tests/microsoft-wire-client.js"))
            .expect("the template reads");
        let client_wire = testkit_js().join("client-wire.js");
        let directory = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("microsoft-wire-client-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("the directory is created");
        clients
            .into_iter()
            .map(|(version, microsoft)| {
                let source = template
                    .replace(
                        "'MICROSOFT_CLIENT'",
                        &js(microsoft.to_str().expect("a UTF-8 path")),
                    )
                    .replace(
                        "'CLIENT_WIRE'",
                        &js(client_wire.to_str().expect("a UTF-8 path")),
                    );
                let path = directory.join(format!("client-{version}.js"));
                std::fs::write(&path, source).expect("the client is written");
                (version, path)
            })
            .collect()
    })
}

/// The conformance suite's shared JavaScript (`interop-testkit/js`): the recording dispatcher
/// and the wire client around a real JS client.
fn testkit_js() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop-testkit/js")
}

/// The wire client around Microsoft's client `version` (pinned in `npm-client-lines/`).
fn microsoft_wire_client(version: &str) -> &'static Path {
    microsoft_wire_clients()
        .iter()
        .find(|(pinned, _)| pinned == version)
        .map(|(_, path)| path.as_path())
        .unwrap_or_else(|| panic!("Microsoft's client {version} is not pinned"))
}

/// A value as a JavaScript literal: JSON, so strings arrive exactly as given.
fn js<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("a JSON literal")
}

/// The JavaScript side of one QuickJS engine, as the conformance suite drives it.
pub struct QuickJsWireClient {
    engine: Engine,
    /// Microsoft's client is loaded: calls go through it when it can express them.
    microsoft: bool,
    next_call_id: u64,
    /// Messages drained while advancing the clock, for the next pump.
    undelivered: Vec<ToJs>,
    inbox: VecDeque<ToJs>,
}

impl QuickJsWireClient {
    /// An engine (and runtime) with `options`, its client the recording stub.
    pub fn new(options: RuntimeOptions) -> Self {
        let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
        Self::with_client(options, tests.join("wire-client.js"), false)
    }

    /// An engine (and runtime) with `options`, its client Microsoft's release `version`
    /// inside the recorder.
    pub fn with_microsofts_client(options: RuntimeOptions, version: &str) -> Self {
        Self::with_client(options, microsoft_wire_client(version).to_owned(), true)
    }

    fn with_client(options: RuntimeOptions, client: PathBuf, microsoft: bool) -> Self {
        let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
        let engine = Engine::new(EngineOptions {
            runtime: options,
            client: Client::File(client),
            module_root: tests,
            // Microsoft's wire client is written there and imports the installed npm client;
            // both wire clients import the testkit's shared JavaScript.
            extra_module_roots: vec![PathBuf::from(env!("CARGO_TARGET_TMPDIR")), testkit_js()],
            ..EngineOptions::default()
        })
        .expect("the engine starts with the wire client");
        // The engine's tokio clock, paused: it moves only when the case advances it (or when
        // nothing but a timer is left to run), so timeouts are tested to the millisecond.
        engine.block_on(async { tokio::time::pause() });
        QuickJsWireClient {
            engine,
            microsoft,
            next_call_id: if microsoft { RAW_CALL_IDS } else { 0 },
            undelivered: Vec::new(),
            inbox: VecDeque::new(),
        }
    }

    /// Runs the body of an async JS function and returns the JSON of its result.
    fn eval(&self, body: &str) -> Value {
        match self.engine.eval_json(body) {
            Ok(Some(json)) => serde_json::from_str(&json).expect("JSON from JavaScript"),
            Ok(None) => Value::Null,
            Err(error) => panic!("the wire client's script failed: {error}\n{body}"),
        }
    }

    /// One scheduler round: the engine delivers queued messages to JavaScript and runs its
    /// jobs, then every tokio task that is ready runs (the marker task, spawned last, finishes
    /// after every task queued before it; the round ends when the run queue is empty).
    fn round(&self) {
        self.engine.block_on(async {
            tokio::spawn(async {}).await.expect("the marker task runs");
        });
    }

    /// Takes what the stub recorded (delivering what is still queued first), in order. With
    /// Microsoft's client, also checks that it parsed every completion it was given.
    fn drain(&self) -> Vec<ToJs> {
        if self.microsoft {
            let errors = self.eval("return globalThis.clientErrors.splice(0);");
            assert_eq!(
                errors,
                Value::Array(Vec::new()),
                "Microsoft's client failed on what Rust sent"
            );
        }
        let Value::Array(entries) = self.eval("return globalThis.wireLog.splice(0);") else {
            panic!("the wire log is not an array");
        };
        entries.iter().map(decode::recorded_message).collect()
    }

    /// Runs rounds until the engine is quiet; returns what they brought.
    fn settle(&self) -> Vec<ToJs> {
        decode::settle(|| {
            self.round();
            self.drain()
        })
    }

    /// The synchronous Rust→JS calls the stub's responder answered, taken.
    fn take_sync_calls(&self) -> Vec<JsInvocation> {
        let Value::Array(calls) = self.eval("return globalThis.syncLog.splice(0);") else {
            panic!("the sync log is not an array");
        };
        calls
            .iter()
            .map(|call| match call.as_array().map(Vec::as_slice) {
                Some([identifier, args_json, result_type, target, call_type]) => {
                    invocation(0, identifier, args_json, result_type, target, call_type)
                }
                _ => panic!("invokeJSFromDotNet with unexpected arguments: {call}"),
            })
            .collect()
    }
}

impl WireClient for QuickJsWireClient {
    fn runtime(&self) -> JsRuntime {
        self.engine.runtime().clone()
    }

    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        if self.microsoft {
            let id = self.eval(&format!(
                "return globalThis.clientBegin({}, {}, {}, {});",
                js(&call.assembly),
                js(&call.identifier),
                js(&call.object_id),
                js(call.args_json),
            ));
            if let Some(id) = id.as_u64() {
                return id;
            }
        }
        self.next_call_id += 1;
        self.begin_invoke_with_id(self.next_call_id, call);
        self.next_call_id
    }

    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>) {
        self.eval(&format!(
            "globalThis.rawHost.beginInvokeDotNetFromJS({}, {}, {}, {}, {});",
            js(&call_id),
            js(&call.assembly),
            js(&call.identifier),
            js(&call.object_id),
            js(call.args_json),
        ));
    }

    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>> {
        if self.microsoft {
            let outcome = self.eval(&format!(
                "return globalThis.clientInvoke({}, {}, {}, {});",
                js(&call.assembly),
                js(&call.identifier),
                js(&call.object_id),
                js(call.args_json),
            ));
            match (&outcome["ok"], &outcome["error"]) {
                (Value::String(json), _) => return Some(Ok(json.clone())),
                (_, Value::String(error)) => return Some(Err(error.clone())),
                _ if outcome.is_null() => {}
                _ => panic!("invokeDotNetFromJS returned neither text nor an error: {outcome}"),
            }
        }
        let outcome = self.eval(&format!(
            "try {{
               return {{ ok: globalThis.rawHost.invokeDotNetFromJS({}, {}, {}, {}) }};
             }} catch (error) {{
               return {{ error: error instanceof Error ? error.message : String(error) }};
             }}",
            js(&call.assembly),
            js(&call.identifier),
            js(&call.object_id),
            js(call.args_json),
        ));
        Some(match (&outcome["ok"], &outcome["error"]) {
            (Value::String(json), Value::Null) => Ok(json.clone()),
            (Value::Null, Value::String(error)) => Err(error.clone()),
            _ => panic!("invokeDotNetFromJS returned neither text nor an error: {outcome}"),
        })
    }

    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        self.eval(&format!(
            "globalThis.rawHost.sendByteArray({}, new Uint8Array({}));",
            js(&index),
            js(&bytes),
        ));
    }

    fn cancel_invoke(&mut self, call_id: u64) {
        self.eval(&format!(
            "globalThis.rawHost.cancelInvokeDotNetFromJS({});",
            js(&call_id)
        ));
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        // The client passes the handle and flag beside the triple; the host reads the triple
        // only. A triple that does not parse is sent as it is, beside `null`s.
        let (handle, succeeded) = match serde_json::from_str::<Value>(triple_json) {
            Ok(Value::Array(items)) => (
                items.first().cloned().unwrap_or(Value::Null),
                items.get(1).cloned().unwrap_or(Value::Null),
            ),
            _ => (Value::Null, Value::Null),
        };
        self.eval(&format!(
            "globalThis.rawHost.endInvokeJSFromDotNet({}, {}, {});",
            js(&handle),
            js(&succeeded),
            js(triple_json),
        ));
    }

    fn spawn(&mut self, task: BoxFuture<()>) {
        // On the engine's tokio runtime, where the runtime's own tasks run too.
        self.engine.block_on(async move {
            drop(tokio::spawn(task));
        });
    }

    fn pump(&mut self) -> Vec<ToJs> {
        let mut messages = std::mem::take(&mut self.undelivered);
        messages.extend(self.settle());
        messages
    }

    fn advance(&mut self, duration: Duration) {
        // On the paused clock the sleep ends at once, the clock moving from timer to timer.
        // Timers registered before this one with the same or a shorter duration are due by the
        // time it fires, and the driver wakes them all together.
        self.engine.block_on(async move {
            tokio::time::sleep(duration).await;
        });
        let messages = self.settle();
        self.undelivered.extend(messages);
    }

    fn clock(&self) -> HostClock {
        HostClock::Virtual
    }

    fn inbox(&mut self) -> &mut VecDeque<ToJs> {
        &mut self.inbox
    }
}

// --- The wire client itself ---

/// Strings reach Rust and come back exactly, whatever they hold.
#[test]
fn strings_cross_the_bridge_exactly() {
    let mut client = QuickJsWireClient::new(RuntimeOptions::default());
    for text in [
        "quote \" backslash \\ newline \n tab \t",
        "</script> ${not a template} `backtick` 'single'",
        "line separators \u{2028} \u{2029}, nul \u{0}, bell \u{7}",
        "ünïcödé, emoji 😀, CJK 漢字",
    ] {
        let args = js(&[text]);
        assert_eq!(
            client.call_ok(Invoke::r#static("Conformance", "Echo", &args)),
            js(text)
        );
        assert_eq!(
            client.invoke_sync(Invoke::r#static("Conformance", "Echo", &args)),
            Some(Ok(js(text)))
        );
        // As an identifier, too: the error names it verbatim.
        assert_eq!(
            client.call_err(Invoke::r#static("Conformance", text, "[]")),
            format!(
                "The assembly 'Conformance' does not contain a public invokable method with [JSInvokableAttribute(\"{text}\")]."
            )
        );
    }
    client.assert_quiet();
}

/// With Microsoft's client loaded, the suite's calls are its calls (its ids, from 1), and its
/// promises settle with what Rust sent: values, revived object references and byte arrays,
/// and errors.
#[test]
fn microsofts_client_makes_the_calls_and_settles_its_promises() {
    let mut client =
        QuickJsWireClient::with_microsofts_client(RuntimeOptions::default(), "10.0.11");
    let id = client.begin_invoke(Invoke::r#static("Conformance", "Echo", r#"["x"]"#));
    assert_eq!(id, 1);
    assert_eq!(client.completion_of(id), (true, r#""x""#.to_owned()));
    let counter = client.call_ok(Invoke::r#static("Conformance", "NewCounter", "[5]"));
    assert_eq!(counter, r#"{"__dotNetObject":1}"#);
    client.call_ok(Invoke::r#static(
        "Conformance",
        "ReverseBytes",
        r#"["AQID"]"#,
    ));
    client.call_err(Invoke::r#static("Conformance", "Fail", r#"["no"]"#));
    client.messages();
    // A call it cannot express (malformed arguments) goes raw, with an id of its own range.
    let raw = client.begin_invoke(Invoke::r#static("Conformance", "Echo", "[1,"));
    assert!(raw > RAW_CALL_IDS, "{raw}");
    client.completion_of(raw);
    let settled = client.eval(
        "return { calls: globalThis.clientCalls, results: globalThis.clientResults.map(([id, ok, value]) =>
           [id, ok, value instanceof Uint8Array ? Array.from(value)
                  : value && typeof value.invokeMethodAsync === 'function' ? 'DotNetObject'
                  : value]) };",
    );
    assert_eq!(
        settled,
        serde_json::json!({
            "calls": 4,
            "results": [
                [1, true, "x"],
                [2, true, "DotNetObject"],
                [3, true, [3, 2, 1]],
                [4, false, "no"],
            ]
        })
    );
}

/// Synchronous Rust→JS calls reach the stub's responder with their exact arguments.
#[test]
fn sync_js_calls_reach_the_stub_responder() {
    let client = QuickJsWireClient::new(RuntimeOptions::default());
    client.eval(
        "globalThis.syncResponder = (identifier, argsJson) => {
           if (identifier === 'answer') return JSON.stringify(JSON.parse(argsJson)[0] * 2);
           if (identifier === 'nothing') return null;
           throw new TypeError('nope');
         };",
    );
    let runtime = client.runtime();
    assert_eq!(runtime.invoke_sync::<u32>("answer", (21,)), Ok(42));
    assert_eq!(runtime.invoke_sync::<Option<u32>>("nothing", ()), Ok(None));
    let Err(JsError::Js(text)) = runtime.invoke_sync::<u32>("other", ("x",)) else {
        panic!("expected a JS error");
    };
    assert!(text.starts_with("nope"), "{text}");
    let call = |identifier: &str, args_json: &str| JsInvocation {
        async_handle: 0,
        identifier: identifier.to_owned(),
        args_json: args_json.to_owned(),
        result_type: ResultType::Json,
        target_instance_id: 0,
        call_type: CallType::Function,
    };
    assert_eq!(
        client.take_sync_calls(),
        vec![
            call("answer", "[21]"),
            call("nothing", "[]"),
            call("other", r#"["x"]"#)
        ]
    );
}
