//! The host-independent conformance suite over a real WebSocket to a real server.
//!
//! [`SocketWireClient`] starts its own [`InteropServer`] on `127.0.0.1:0`, on a current-thread
//! tokio runtime of its own, and opens one connection to it with tokio-tungstenite. The
//! runtime the cases see is that connection's, captured by [`InteropServer::on_connect`].
//! Every [`WireClient`] method sends the frame the page's `connect.js` would send;
//! [`pump`](WireClient::pump) sends `["Ping", n]` and reads every frame up to `["Pong", n]`
//! (the server answers a ping after everything sent before it was processed), turning each
//! frame back into the [`ToJs`] message it carries, and repeats until rounds bring nothing.
//! The server runs on the client's runtime, so it only makes progress while the client waits
//! for something: what the runtime sends outside a pump stays queued in the server, in order.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use interop_runtime::{BoxFuture, JsRuntime, RuntimeOptions, ToJs};
use interop_server::{InteropServer, ServerOptions};
use interop_testkit::decode::{self, uint};
use interop_testkit::{HostClock, Invoke, WireClient};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Links the test kit's fixtures (assembly "Conformance") into this test binary.
const _: fn(String) -> String = interop_testkit::fixtures::echo;

/// Without the cases a network connection cannot run: synchronous calls (`connect.js`
/// throws), and a virtual clock (the server's timers run on the real one; the `*_elapses`
/// cases test its timeouts with short real waits).
mod conformance {
    interop_testkit::conformance_tests!(
        super::SocketWireClient::new,
        without: [sync_calls, virtual_clock]
    );
}

/// The longest real wait [`WireClient::advance`] accepts (cases keep real waits tiny).
const MAX_REAL_WAIT: Duration = Duration::from_millis(200);
/// Binary frame kinds and header length (page→server 1, server→page 2).
const SEND_BYTE_ARRAY: u8 = 1;
const RECEIVE_BYTE_ARRAY: u8 = 2;
const HEADER_LEN: usize = 13;

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// The page side of one WebSocket connection to a server of its own.
pub struct SocketWireClient {
    // Dropped first: the socket, then the server's handle, then the runtime with every task
    // (the server's included).
    socket: Socket,
    server: InteropServer,
    runtime: JsRuntime,
    tokio: tokio::runtime::Runtime,
    next_call_id: u64,
    next_ping: u64,
    /// Messages read while advancing the clock, for the next pump.
    undelivered: Vec<ToJs>,
    inbox: VecDeque<ToJs>,
}

impl SocketWireClient {
    /// A server whose connections get runtimes with `options`, and one connection to it.
    pub fn new(options: RuntimeOptions) -> Self {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let captured = Arc::new(Mutex::new(None::<JsRuntime>));
        let slot = Arc::clone(&captured);
        // The suite's options, as given: the server's caps are raised to them and detailed
        // errors follow them (an explicit opt-in, as a network host requires).
        let server = InteropServer::new(ServerOptions {
            detailed_errors: options.detailed_errors,
            max_message_size: options.max_message_size.unwrap_or(usize::MAX),
            max_staged_bytes_per_call: options.max_staged_bytes.unwrap_or(usize::MAX),
            max_staged_bytes: usize::MAX,
            max_in_flight_calls_per_connection: options.max_in_flight_calls,
            max_tracked_objects: options.max_tracked_objects,
            max_pending_js_calls: options.max_pending_js_calls,
            runtime: options,
            ..ServerOptions::default()
        })
        .on_connect(move |_, runtime| {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(runtime.clone());
            Ok(())
        });
        let app = server.router();
        let shutdown = server.shutdown_signal();
        let socket = tokio.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port on 127.0.0.1");
            let address = listener.local_addr().expect("the bound address");
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
                    .expect("the server runs");
            });
            let (socket, _) =
                tokio_tungstenite::connect_async(format!("ws://{address}/_interop/ws"))
                    .await
                    .expect("the upgrade succeeds");
            socket
        });
        let runtime = captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("on_connect saw the connection's runtime");
        SocketWireClient {
            socket,
            server,
            runtime,
            tokio,
            next_call_id: 0,
            next_ping: 0,
            undelivered: Vec::new(),
            inbox: VecDeque::new(),
        }
    }

    fn send(&mut self, message: Message) {
        let socket = &mut self.socket;
        self.tokio
            .block_on(socket.send(message))
            .expect("the server reads what the page sends");
    }

    fn send_json(&mut self, frame: &Value) {
        self.send(Message::text(frame.to_string()));
    }

    /// One round: `["Ping", n]`, then every frame up to `["Pong", n]`, as messages.
    fn round(&mut self) -> Vec<ToJs> {
        self.next_ping += 1;
        let ping = self.next_ping;
        let socket = &mut self.socket;
        self.tokio.block_on(async move {
            socket
                .send(Message::text(format!(r#"["Ping",{ping}]"#)))
                .await
                .expect("the server reads the ping");
            let mut messages = Vec::new();
            loop {
                let frame = socket
                    .next()
                    .await
                    .unwrap_or_else(|| panic!("the server closed the socket; read: {messages:?}"))
                    .unwrap_or_else(|error| panic!("the socket failed: {error}"));
                match frame {
                    Message::Text(text) => match message_of_text(text.as_str()) {
                        Frame::Pong(number) if number == ping => return messages,
                        Frame::Pong(number) => panic!("Pong {number} while waiting for {ping}"),
                        Frame::Message(message) => messages.push(message),
                    },
                    Message::Binary(bytes) => messages.push(message_of_binary(&bytes)),
                    Message::Close(close) => panic!("the server closed the socket: {close:?}"),
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                }
            }
        })
    }

    /// Rounds until the server is quiet; returns what they brought.
    fn settle(&mut self) -> Vec<ToJs> {
        decode::settle(|| self.round())
    }
}

enum Frame {
    Pong(u64),
    Message(ToJs),
}

/// A text frame from the server as the message it carries; exact or a panic.
fn message_of_text(frame: &str) -> Frame {
    let value: Value = serde_json::from_str(frame)
        .unwrap_or_else(|error| panic!("a text frame that is not JSON ({error}): {frame}"));
    let Some((name, fields)) = value.as_array().and_then(|items| items.split_first()) else {
        panic!("a text frame that is not a non-empty array: {frame}");
    };
    match (name.as_str(), fields) {
        (Some("Pong"), [number]) => Frame::Pong(uint(number, "the pong number")),
        (Some("EndInvokeDotNet"), [call_id, success, result_or_error]) => {
            Frame::Message(decode::end_invoke_dotnet(call_id, success, result_or_error))
        }
        (
            Some("BeginInvokeJS"),
            [handle, identifier, args_json, result_type, target, call_type],
        ) => Frame::Message(decode::begin_invoke_js(
            handle,
            identifier,
            args_json,
            result_type,
            target,
            call_type,
        )),
        _ => panic!("a frame the page does not expect here: {frame}"),
    }
}

/// A binary frame from the server: `receiveByteArray(id, bytes)`.
fn message_of_binary(frame: &[u8]) -> ToJs {
    assert!(frame.len() >= HEADER_LEN, "a short binary frame: {frame:?}");
    assert_eq!(frame[0], RECEIVE_BYTE_ARRAY, "binary frame kind");
    let id = u64::from_le_bytes(frame[1..9].try_into().expect("8 bytes"));
    let sequence = u32::from_le_bytes(frame[9..13].try_into().expect("4 bytes"));
    assert_eq!(sequence, 0, "binary frame sequence");
    ToJs::ReceiveByteArray {
        id,
        bytes: frame[HEADER_LEN..].to_vec().into(),
    }
}

impl WireClient for SocketWireClient {
    fn runtime(&self) -> JsRuntime {
        self.runtime.clone()
    }

    fn begin_invoke(&mut self, call: Invoke<'_>) -> u64 {
        self.next_call_id += 1;
        self.begin_invoke_with_id(self.next_call_id, call);
        self.next_call_id
    }

    fn begin_invoke_with_id(&mut self, call_id: u64, call: Invoke<'_>) {
        self.send_json(&serde_json::json!([
            "BeginInvokeDotNetFromJS",
            call_id,
            call.assembly,
            call.identifier,
            call.object_id,
            call.args_json,
        ]));
    }

    fn invoke_sync(&mut self, _call: Invoke<'_>) -> Option<Result<String, String>> {
        // A network connection cannot serve synchronous calls (connect.js throws).
        None
    }

    fn send_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        let mut frame = Vec::with_capacity(HEADER_LEN + bytes.len());
        frame.push(SEND_BYTE_ARRAY);
        frame.extend_from_slice(&u64::from(index).to_le_bytes());
        frame.extend_from_slice(&0u32.to_le_bytes());
        frame.extend_from_slice(&bytes);
        self.send(Message::binary(frame));
    }

    fn cancel_invoke(&mut self, call_id: u64) {
        let frame = serde_json::json!(["CancelInvokeDotNetFromJS", call_id]);
        self.send(Message::text(frame.to_string()));
    }

    fn end_invoke_js(&mut self, triple_json: &str) {
        // The client sends the handle and flag beside the triple; the server reads the triple
        // only. A triple that does not parse is sent as it is, beside `null`s.
        let (handle, succeeded) = match serde_json::from_str::<Value>(triple_json) {
            Ok(Value::Array(items)) => (
                items.first().cloned().unwrap_or(Value::Null),
                items.get(1).cloned().unwrap_or(Value::Null),
            ),
            _ => (Value::Null, Value::Null),
        };
        self.send_json(&serde_json::json!([
            "EndInvokeJSFromDotNet",
            handle,
            succeeded,
            triple_json,
        ]));
    }

    fn spawn(&mut self, task: BoxFuture<()>) {
        // On the client's runtime, where the server and its calls run too.
        drop(self.tokio.spawn(task));
    }

    fn pump(&mut self) -> Vec<ToJs> {
        let mut messages = std::mem::take(&mut self.undelivered);
        messages.extend(self.settle());
        messages
    }

    fn advance(&mut self, duration: Duration) {
        assert!(
            duration <= MAX_REAL_WAIT,
            "the server's clock is real: advancing it by {duration:?} would wait that long \
             (cases needing long waits are left out: `without: [virtual_clock]`)"
        );
        // Timers registered before this one with the same or a shorter duration are due by the
        // time it fires, and the driver wakes them all together.
        self.tokio
            .block_on(async move { tokio::time::sleep(duration).await });
        let messages = self.settle();
        self.undelivered.extend(messages);
    }

    fn clock(&self) -> HostClock {
        HostClock::Real
    }

    fn inbox(&mut self) -> &mut VecDeque<ToJs> {
        &mut self.inbox
    }
}

impl Drop for SocketWireClient {
    fn drop(&mut self) {
        // Stop the server before its runtime goes, so nothing outlives the client.
        self.server.shutdown();
    }
}
