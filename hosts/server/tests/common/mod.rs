//! Shared by the socket tests: a server on `127.0.0.1:0` that keeps the runtime of every
//! connection, a raw page speaking the framing by hand, and bounded polling.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use interop_runtime::JsRuntime;
use interop_server::{InteropServer, ServerOptions};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Links the test kit's fixtures (assembly "Conformance") into the test binary.
const _: fn(String) -> String = interop_testkit::fixtures::echo;

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long [`wait_until`] polls before it gives up (a bound, not an expectation).
const POLL_LIMIT: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(5);

/// A running server and the runtimes of the connections it accepted, in order.
pub struct Server {
    pub interop: InteropServer,
    pub url: String,
    pub runtimes: Arc<Mutex<Vec<JsRuntime>>>,
}

impl Server {
    /// The runtime of the `index`-th accepted connection.
    pub fn runtime(&self, index: usize) -> JsRuntime {
        self.runtimes.lock().unwrap_or_else(PoisonError::into_inner)[index].clone()
    }

    pub fn runtime_count(&self) -> usize {
        self.runtimes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Starts a server with `options` whose `on_connect` keeps every connection's runtime.
pub async fn start(options: ServerOptions) -> Server {
    let runtimes = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&runtimes);
    let interop = InteropServer::new(options).on_connect(move |_, runtime| {
        kept.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(runtime.clone());
        Ok(())
    });
    let url = serve(&interop).await;
    Server {
        interop,
        url,
        runtimes,
    }
}

/// Serves `interop`'s router on `127.0.0.1:0` (no graceful shutdown: the listener keeps
/// accepting, so upgrades after `shutdown()` reach the router); returns the socket URL.
pub async fn serve(interop: &InteropServer) -> String {
    let app = interop.router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port on 127.0.0.1");
    let address = listener.local_addr().expect("the bound address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    format!("ws://{address}/_interop/ws")
}

/// Polls `condition` until it holds; panics after [`POLL_LIMIT`].
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + POLL_LIMIT;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting until {what}"
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

/// How a connection ended, seen from the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// A close frame (code, reason), then the end of the stream.
    Closed(u16, String),
    /// The stream ended or failed without a close frame.
    Dropped,
}

/// `["EndInvokeDotNet", callId, success, text]` as the server writes it.
pub fn end_invoke(call_id: u64, success: bool, text: &str) -> Frame {
    Frame::Text(serde_json::json!(["EndInvokeDotNet", call_id, success, text]).to_string())
}

/// `["BeginInvokeJS", handle, identifier, argsJson, resultType, targetInstanceId, callType]`.
pub fn begin_invoke_js(handle: u64, identifier: &str, args_json: &str, result_type: u8) -> Frame {
    Frame::Text(
        serde_json::json!([
            "BeginInvokeJS",
            handle,
            identifier,
            args_json,
            result_type,
            0,
            1
        ])
        .to_string(),
    )
}

/// `["Error", text]`.
pub fn error(text: &str) -> Frame {
    Frame::Text(serde_json::json!(["Error", text]).to_string())
}

/// A binary frame: kind, id, sequence 0, bytes.
pub fn binary(kind: u8, id: u64, bytes: &[u8]) -> Vec<u8> {
    let mut frame = vec![kind];
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(&0u32.to_le_bytes());
    frame.extend_from_slice(bytes);
    frame
}

/// `receiveByteArray(id, bytes)` as the server writes it.
pub fn receive_byte_array(id: u64, bytes: &[u8]) -> Frame {
    Frame::Binary(binary(2, id, bytes))
}

/// The unknown-object text of the protocol.
pub fn unknown_object(id: u64) -> String {
    format!(
        "There is no tracked object with id '{id}'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')"
    )
}

/// A page speaking the framing by hand.
pub struct Page {
    pub socket: Socket,
    next_ping: u64,
}

impl Page {
    pub async fn open(url: &str) -> Page {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the upgrade succeeds");
        Page {
            socket,
            next_ping: 0,
        }
    }

    pub async fn text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("the frame is sent");
    }

    pub async fn binary(&mut self, frame: Vec<u8>) {
        self.socket
            .send(Message::binary(frame))
            .await
            .expect("the frame is sent");
    }

    /// `["BeginInvokeDotNetFromJS", callId, assembly, identifier, null, argsJson]`.
    pub async fn call(&mut self, call_id: u64, assembly: &str, identifier: &str, args_json: &str) {
        let frame = serde_json::json!([
            "BeginInvokeDotNetFromJS",
            call_id,
            assembly,
            identifier,
            null,
            args_json
        ]);
        self.text(&frame.to_string()).await;
    }

    /// `["BeginInvokeDotNetFromJS", callId, null, identifier, objectId, argsJson]`.
    pub async fn call_object(
        &mut self,
        call_id: u64,
        object_id: u64,
        identifier: &str,
        args_json: &str,
    ) {
        let frame = serde_json::json!([
            "BeginInvokeDotNetFromJS",
            call_id,
            null,
            identifier,
            object_id,
            args_json
        ]);
        self.text(&frame.to_string()).await;
    }

    /// `["EndInvokeJSFromDotNet", handle, succeeded, triple]`, handle and flag read from the
    /// triple as the JS client passes them.
    pub async fn complete(&mut self, triple_json: &str) {
        let triple: serde_json::Value =
            serde_json::from_str(triple_json).unwrap_or(serde_json::Value::Null);
        let frame = serde_json::json!(["EndInvokeJSFromDotNet", triple[0], triple[1], triple_json]);
        self.text(&frame.to_string()).await;
    }

    /// `sendByteArray(index, bytes)`.
    pub async fn byte_array(&mut self, index: u64, bytes: &[u8]) {
        self.binary(binary(1, index, bytes)).await;
    }

    /// The next text or binary frame; panics if the connection ends.
    pub async fn next_frame(&mut self) -> Frame {
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => return Frame::Text(text.to_string()),
                Some(Ok(Message::Binary(bytes))) => return Frame::Binary(bytes.to_vec()),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                other => panic!("the connection ended while a frame was expected: {other:?}"),
            }
        }
    }

    /// Sends `["Ping", n]` and returns every frame before `["Pong", n]`: whatever the server
    /// sent in answer to the frames sent before the ping.
    pub async fn sync(&mut self) -> Vec<Frame> {
        self.next_ping += 1;
        let pong = Frame::Text(format!(r#"["Pong",{}]"#, self.next_ping));
        self.text(&format!(r#"["Ping",{}]"#, self.next_ping)).await;
        let mut frames = Vec::new();
        loop {
            let frame = self.next_frame().await;
            if frame == pong {
                return frames;
            }
            frames.push(frame);
        }
    }

    /// Reads frames until `wanted` arrives; returns the frames before it.
    pub async fn until(&mut self, wanted: &Frame) -> Vec<Frame> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next_frame().await;
            if &frame == wanted {
                return frames;
            }
            frames.push(frame);
        }
    }

    /// A static call that must be answered before the next pong: its completion frames.
    pub async fn round_trip(
        &mut self,
        call_id: u64,
        assembly: &str,
        identifier: &str,
        args_json: &str,
    ) -> Vec<Frame> {
        self.call(call_id, assembly, identifier, args_json).await;
        self.sync().await
    }

    /// Reads until the connection ends; returns the frames read and how it ended.
    pub async fn ending(&mut self) -> (Vec<Frame>, Ending) {
        let mut frames = Vec::new();
        loop {
            match self.socket.next().await {
                Some(Ok(Message::Text(text))) => frames.push(Frame::Text(text.to_string())),
                Some(Ok(Message::Binary(bytes))) => frames.push(Frame::Binary(bytes.to_vec())),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(close))) => {
                    let (code, reason) = close
                        .map(|CloseFrame { code, reason }| (u16::from(code), reason.to_string()))
                        .unwrap_or((0, String::new()));
                    // Nothing may follow the close frame.
                    match self.socket.next().await {
                        None | Some(Err(_)) => {}
                        Some(Ok(other)) => panic!("a frame after the close frame: {other:?}"),
                    }
                    return (frames, Ending::Closed(code, reason));
                }
                None | Some(Err(_)) => return (frames, Ending::Dropped),
            }
        }
    }
}

/// A new, well-behaved connection to `url` is served: a call, a byte array, a ping.
pub async fn assert_served(url: &str) {
    let mut page = Page::open(url).await;
    assert_eq!(
        page.round_trip(1, "Conformance", "Echo", r#"["still served"]"#)
            .await,
        vec![end_invoke(1, true, r#""still served""#)]
    );
    page.byte_array(0, &[1, 2, 3]).await;
    assert_eq!(
        page.round_trip(2, "Conformance", "ReverseBytes", r#"[{"__byte[]":0}]"#)
            .await,
        vec![
            receive_byte_array(1, &[3, 2, 1]),
            end_invoke(2, true, r#"{"__byte[]":1}"#)
        ]
    );
}
