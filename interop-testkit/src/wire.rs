//! What the conformance suite needs from a host: the JavaScript side of the wire.

use std::time::Duration;

use interop_runtime::{JsInvocation, JsRuntime, RuntimeOptions, ToJs};

use crate::memory_host::MemoryHost;

/// A JS→Rust call as the JavaScript client would start it.
#[derive(Debug, Clone, Copy)]
pub struct Invoke<'a> {
    /// `assemblyName` (`None` for instance calls).
    pub assembly: Option<&'a str>,
    /// `methodIdentifier`.
    pub identifier: Option<&'a str>,
    /// `dotNetObjectId` (`None` for static calls).
    pub object_id: Option<u64>,
    /// `argsJson`.
    pub args_json: &'a str,
}

impl<'a> Invoke<'a> {
    /// `DotNet.invokeMethodAsync(assembly, identifier, ...)` with the given args JSON.
    pub fn r#static(assembly: &'a str, identifier: &'a str, args_json: &'a str) -> Self {
        Invoke {
            assembly: Some(assembly),
            identifier: Some(identifier),
            object_id: None,
            args_json,
        }
    }

    /// `dotNetObject.invokeMethodAsync(identifier, ...)` with the given args JSON.
    pub fn instance(object_id: u64, identifier: &'a str, args_json: &'a str) -> Self {
        Invoke {
            assembly: None,
            identifier: Some(identifier),
            object_id: Some(object_id),
            args_json,
        }
    }
}

/// The JavaScript side of one connection, as the conformance suite drives it. Every host
/// implements it over its real transport; the in-memory host implements it directly.
pub trait WireClient {
    /// The runtime serving this connection (for Rust-initiated calls and counters).
    fn runtime(&self) -> JsRuntime;
    /// `beginInvokeDotNetFromJS`; returns the call id the client allocated (from 1).
    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64;
    /// `invokeDotNetFromJS`, or `None` where the host has no synchronous calls.
    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>>;
    /// `sendByteArray(index, bytes)`.
    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>);
    /// `endInvokeJSFromDotNet(handle, succeeded, triple)`.
    fn end_invoke_js(&mut self, triple_json: &str);
    /// Lets the host make progress (spawned futures, transport), then returns every message
    /// the runtime sent since the last call.
    fn pump(&mut self) -> Vec<ToJs>;
    /// Moves the host's clock forward (timeouts).
    fn advance(&mut self, duration: Duration);
}

/// The in-memory host seen from JavaScript: allocates call ids from 1, as the JS client does.
pub struct MemoryClient {
    /// The host.
    pub host: MemoryHost,
    runtime: JsRuntime,
    next_call_id: u64,
}

impl MemoryClient {
    /// A client over a new in-memory host and runtime.
    pub fn new(options: RuntimeOptions) -> Self {
        let host = MemoryHost::new();
        let runtime = host.runtime(options);
        MemoryClient {
            host,
            runtime,
            next_call_id: 0,
        }
    }
}

impl WireClient for MemoryClient {
    fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }

    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        self.next_call_id += 1;
        self.runtime.begin_invoke_dotnet(
            self.next_call_id,
            call.assembly,
            call.identifier,
            call.object_id,
            call.args_json,
        );
        self.next_call_id
    }

    fn invoke_sync(&mut self, call: Invoke<'_>) -> Option<Result<String, String>> {
        Some(
            self.runtime
                .invoke_dotnet(call.assembly, call.identifier, call.object_id, call.args_json),
        )
    }

    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        // The JS client ignores what the host returns; a refusal is reported to the next call.
        let _ = self.runtime.receive_byte_array(index, bytes);
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        let _ = self.runtime.end_invoke_js(triple_json);
    }

    fn pump(&mut self) -> Vec<ToJs> {
        self.host.run_until_stalled();
        self.host.take_messages()
    }

    fn advance(&mut self, duration: Duration) {
        self.host.advance(duration);
    }
}

/// Helpers over any [`WireClient`] for writing cases.
pub trait WireClientExt: WireClient {
    /// Starts a call and pumps until its completion arrives: `(succeeded, json or text)`.
    /// Other messages received meanwhile are returned in the second element.
    fn call(&mut self, call: Invoke<'_>) -> ((bool, String), Vec<ToJs>) {
        let id = self.begin_invoke(call);
        self.completion_of(id)
    }

    /// Pumps until the completion of `call_id` arrives.
    fn completion_of(&mut self, call_id: u64) -> ((bool, String), Vec<ToJs>) {
        let mut others = Vec::new();
        for _ in 0..1000 {
            for message in self.pump() {
                match message {
                    ToJs::EndInvokeDotNet {
                        call_id: id,
                        success,
                        result_or_error,
                    } if id == call_id => {
                        others.extend(self.pump());
                        return ((success, result_or_error), others);
                    }
                    other => others.push(other),
                }
            }
        }
        panic!("call {call_id} never completed; other messages: {others:?}");
    }

    /// Pumps until a `BeginInvokeJs` arrives and returns it with the byte arrays sent before it.
    fn next_js_call(&mut self) -> (JsInvocation, Vec<(u64, Vec<u8>)>) {
        let mut bytes = Vec::new();
        for _ in 0..1000 {
            for message in self.pump() {
                match message {
                    ToJs::BeginInvokeJs(call) => return (call, bytes),
                    ToJs::ReceiveByteArray { id, bytes: data } => bytes.push((id, data)),
                    ToJs::EndInvokeDotNet { .. } => {}
                }
            }
        }
        panic!("no call to JavaScript arrived");
    }
}

impl<T: WireClient + ?Sized> WireClientExt for T {}
