//! The conformance suite of `interop-testkit` inside a wasm module, against the wasm host:
//! `hosts/wasm/tests/conformance.rs` builds it, runs wasm-bindgen on it, and has
//! `hosts/wasm/tests/node/conformance.mjs` run every case in Node.js, each in a fresh instance,
//! with our JS client and with Microsoft's.
//!
//! The cases are the testkit's own functions, run synchronously in the module ([`run_case`]).
//! Their [`WireClient`] goes through JavaScript for everything: each client of a case is a real
//! JS client (inside `interop-testkit/js/client-wire.js`) attached to its own runtime with
//! [`interop_wasm::attach`], so calls go from Rust to the harness, through the JS client or the
//! raw host object, through the host's guard and entry points back into Rust; what Rust sends
//! reaches the client's dispatcher and is recorded in JavaScript, and
//! [`pump`](WireClient::pump) reads the record back. The host's tasks run on its run queue,
//! drained synchronously ([`interop_wasm::testing`]); its timers are the harness's virtual
//! clock (its `setTimeout`).

use std::collections::VecDeque;
use std::time::Duration;

use interop_runtime::{BoxFuture, JsRuntime, RuntimeOptions, ToJs};
use interop_testkit::conformance::{Factory, CASES};
use interop_testkit::{decode, HostClock, Invoke, WireClient};
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// One client of a case, made by the harness (`tests/node/conformance.mjs`): a real JS
    /// client inside the wire client, and the record of what Rust sent it.
    type HarnessClient;

    /// A new client.
    #[wasm_bindgen(js_namespace = conformanceHarness, js_name = newClient)]
    fn new_client() -> HarnessClient;

    /// The `DotNet` to attach a runtime to.
    #[wasm_bindgen(method, getter)]
    fn dotnet(this: &HarnessClient) -> JsValue;

    /// An async call through the JS client: its call id, or `None` when the client cannot
    /// express it.
    #[wasm_bindgen(method, js_name = clientBegin)]
    fn client_begin(
        this: &HarnessClient,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<f64>,
        args_json: &str,
    ) -> Option<f64>;

    /// `beginInvokeDotNetFromJS` on the raw host object.
    #[wasm_bindgen(method, js_name = rawBegin)]
    fn raw_begin(
        this: &HarnessClient,
        call_id: f64,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<f64>,
        args_json: &str,
    );

    /// A sync call (through the client when it can express it): `{"ok": json}` or
    /// `{"error": text}`, as JSON.
    #[wasm_bindgen(method)]
    fn invoke(
        this: &HarnessClient,
        assembly: Option<&str>,
        identifier: Option<&str>,
        object_id: Option<f64>,
        args_json: &str,
    ) -> String;

    /// `sendByteArray` on the raw host object.
    #[wasm_bindgen(method, js_name = sendByteArray)]
    fn send_byte_array(this: &HarnessClient, index: u32, bytes: &js_sys::Uint8Array);

    /// `cancelInvokeDotNetFromJS` on the raw host object.
    #[wasm_bindgen(method)]
    fn cancel(this: &HarnessClient, call_id: f64);

    /// `endInvokeJSFromDotNet` on the raw host object.
    #[wasm_bindgen(method, js_name = endInvokeJs)]
    fn end_invoke_js(this: &HarnessClient, handle: &JsValue, succeeded: &JsValue, triple: &str);

    /// What Rust sent since the last call and what the client failed on, taken:
    /// `{"log": [[method, ...args], ...], "errors": [...]}` as JSON.
    #[wasm_bindgen(method)]
    fn take(this: &HarnessClient) -> String;

    /// Fires the earliest timer due by `until` (ms on the virtual clock), moving the clock to
    /// it; else moves the clock to `until` and returns `false`.
    #[wasm_bindgen(js_namespace = conformanceHarness, js_name = fireNext)]
    fn fire_next(until: f64) -> bool;

    /// The virtual clock's time, in ms.
    #[wasm_bindgen(js_namespace = conformanceHarness)]
    fn now() -> f64;

    /// Whether the global `setTimeout` is the harness's virtual clock.
    #[wasm_bindgen(js_namespace = conformanceHarness, js_name = virtualClock)]
    fn virtual_clock() -> bool;

    /// Tells the harness why the case failed (before the module traps).
    #[wasm_bindgen(js_namespace = conformanceHarness)]
    fn failed(report: &str);
}

/// Call ids of the calls the JS client cannot express (malformed arguments, chosen ids), sent
/// raw, start here, far from the ids the client numbers from 1.
const RAW_CALL_IDS: u64 = 1_000_000;

/// One client of a case, as the conformance suite drives it.
struct NodeWireClient {
    js: HarnessClient,
    runtime: JsRuntime,
    next_call_id: u64,
    inbox: VecDeque<ToJs>,
}

impl NodeWireClient {
    /// A new JS client with its own runtime, attached with `options`.
    fn new(options: RuntimeOptions) -> Self {
        let js = new_client();
        let runtime = interop_wasm::attach(&js.dotnet(), options)
            .unwrap_or_else(|error| panic!("the runtime does not attach: {error:?}"));
        NodeWireClient {
            js,
            runtime,
            next_call_id: RAW_CALL_IDS,
            inbox: VecDeque::new(),
        }
    }

    /// Takes what the JS client was sent (checking that it failed on none of it), in order.
    fn drain(&self) -> Vec<ToJs> {
        let taken: Value = serde_json::from_str(&self.js.take()).expect("the record is JSON");
        assert_eq!(
            taken["errors"],
            Value::Array(Vec::new()),
            "the JS client failed on what Rust sent"
        );
        let Value::Array(log) = &taken["log"] else {
            panic!("the wire log is not an array: {taken}");
        };
        log.iter().map(decode::recorded_message).collect()
    }
}

fn object_id(call: &Invoke<'_>) -> Option<f64> {
    call.object_id.map(|id| id as f64)
}

impl WireClient for NodeWireClient {
    fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }

    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        let through_client = self.js.client_begin(
            call.assembly,
            call.identifier,
            object_id(&call),
            call.args_json,
        );
        if let Some(id) = through_client {
            return id as u64;
        }
        self.next_call_id += 1;
        self.begin_invoke_with_id(self.next_call_id, call);
        self.next_call_id
    }

    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>) {
        self.js.raw_begin(
            call_id as f64,
            call.assembly,
            call.identifier,
            object_id(&call),
            call.args_json,
        );
    }

    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>> {
        let outcome = self.js.invoke(
            call.assembly,
            call.identifier,
            object_id(&call),
            call.args_json,
        );
        let outcome: Value = serde_json::from_str(&outcome).expect("the outcome is JSON");
        Some(match (&outcome["ok"], &outcome["error"]) {
            (Value::String(json), Value::Null) => Ok(json.clone()),
            (Value::Null, Value::String(error)) => Err(error.clone()),
            _ => panic!("invokeDotNetFromJS returned neither text nor an error: {outcome}"),
        })
    }

    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        // Copied into the JavaScript heap, as a page's bytes are.
        self.js
            .send_byte_array(index, &js_sys::Uint8Array::from(&bytes[..]));
    }

    fn cancel_invoke(&mut self, call_id: u64) {
        self.js.cancel(call_id as f64);
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        // The client passes the handle and flag beside the triple; the host reads the triple
        // only. A triple that does not parse is sent as it is, beside `null`s.
        let (handle, succeeded) = match serde_json::from_str::<Value>(triple_json) {
            Ok(Value::Array(items)) => (items.first().cloned(), items.get(1).cloned()),
            _ => (None, None),
        };
        let js_value = |value: Option<Value>| {
            value
                .and_then(|value| js_sys::JSON::parse(&value.to_string()).ok())
                .unwrap_or(JsValue::NULL)
        };
        self.js
            .end_invoke_js(&js_value(handle), &js_value(succeeded), triple_json);
    }

    fn spawn(&mut self, task: BoxFuture<()>) {
        interop_wasm::testing::spawn(task);
    }

    fn pump(&mut self) -> Vec<ToJs> {
        decode::settle(|| {
            interop_wasm::testing::run_until_stalled();
            self.drain()
        })
    }

    fn advance(&mut self, duration: Duration) {
        assert!(
            virtual_clock(),
            "the harness installed no virtual clock: advance cannot wait"
        );
        // Timer by timer, as a paused clock moves: what a timer wakes runs before the next fires.
        let until = now() + duration.as_secs_f64() * 1000.0;
        loop {
            interop_wasm::testing::run_until_stalled();
            if !fire_next(until) {
                break;
            }
        }
        interop_wasm::testing::run_until_stalled();
    }

    fn clock(&self) -> HostClock {
        if virtual_clock() {
            HostClock::Virtual
        } else {
            HostClock::Real
        }
    }

    fn inbox(&mut self) -> &mut VecDeque<ToJs> {
        &mut self.inbox
    }
}

/// Every case of the suite, as JSON: `[[name, capability needed or null], ...]`.
#[wasm_bindgen(js_name = caseList)]
pub fn case_list() -> String {
    let cases: Vec<Value> = CASES
        .iter()
        .map(|case| {
            let needs = case.needs.map(|need| format!("{need:?}"));
            serde_json::json!([case.name, needs])
        })
        .collect();
    Value::Array(cases).to_string()
}

/// Runs the case `name`. A failing case panics: the panic is reported to the harness
/// (`conformanceHarness.failed`) and the module traps (`panic = "abort"`), so each case runs in
/// an instance of its own.
#[wasm_bindgen(js_name = runCase)]
pub fn run_case(name: &str) -> Result<(), JsValue> {
    let case = CASES
        .iter()
        .find(|case| case.name == name)
        .ok_or_else(|| js_sys::Error::new(&format!("no conformance case is named '{name}'")))?;
    // Before any runtime attaches: the host's hook runs after this one.
    std::panic::set_hook(Box::new(|info| failed(&info.to_string())));
    (case.run)(&Factory::new(NodeWireClient::new));
    Ok(())
}
