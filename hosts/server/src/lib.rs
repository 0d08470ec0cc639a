//! WebSocket host for `interop-runtime`: a web page calls `#[jsinvokable]` Rust over one
//! WebSocket, the way Blazor Server pages call .NET over SignalR.
//!
//! [`InteropServer::router`] gives an axum `Router` to merge into your app. It serves, under
//! one prefix (default `/_interop`), the JS client (`client.js`), the page bootstrap
//! (`connect.js`) and the WebSocket endpoint (`ws`). A page needs one line:
//!
//! ```html
//! <script type="module" src="/_interop/connect.js"></script>
//! ```
//!
//! and then has `window.DotNet`. Each connection gets its own [`JsRuntime`]: objects, calls
//! and limits are per page. The framing is written down in `docs/websocket.md`.
//!
//! ```no_run
//! use interop_server::{InteropServer, ServerOptions};
//!
//! # async fn run() -> std::io::Result<()> {
//! let interop = InteropServer::new(ServerOptions::default());
//! let app = axum::Router::new().merge(interop.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).with_graceful_shutdown(interop.shutdown_signal()).await
//! # }
//! ```

#![deny(missing_docs)]

mod connection;
mod framing;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use interop_runtime::{JsRuntime, RuntimeOptions};
use tokio_util::sync::CancellationToken;

/// The page bootstrap: opens the socket and attaches the client to it.
pub const CONNECT_JS: &str = include_str!("../js/connect.js");

/// Settings of an [`InteropServer`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where the client, the bootstrap and the socket are served (`/_interop`).
    pub prefix: String,
    /// The runtime of each connection. The default hides errors of user code
    /// (`detailed_errors: false`) and caps messages at 1 MiB and byte arrays at 32 MiB per call.
    pub runtime: RuntimeOptions,
    /// Origins allowed to open a socket (`https://app.example`). `None`: the page's own origin
    /// only (the `Origin` header must name the `Host` the request came to); a request without
    /// `Origin` (not a browser) is allowed.
    pub allowed_origins: Option<Vec<String>>,
    /// The largest WebSocket message accepted, in bytes.
    pub max_frame_size: usize,
    /// How many messages may wait for a slow page before it is closed.
    pub write_queue: usize,
    /// How long one write may take before the page is closed.
    pub write_timeout: Duration,
    /// How many bad frames a page may send before it is closed.
    pub max_protocol_errors: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            prefix: "/_interop".to_owned(),
            runtime: RuntimeOptions::default()
                .detailed_errors(false)
                .max_message_size(Some(1024 * 1024))
                .max_staged_bytes(Some(32 * 1024 * 1024)),
            allowed_origins: None,
            max_frame_size: 33 * 1024 * 1024,
            write_queue: 1024,
            write_timeout: Duration::from_secs(10),
            max_protocol_errors: 100,
        }
    }
}

/// What [`InteropServer::on_connect`] sees of the upgrade request.
#[derive(Debug)]
pub struct ConnectRequest<'a> {
    /// The request's headers (cookies, authorization, …).
    pub headers: &'a HeaderMap,
    /// The request's URI (query parameters, …).
    pub uri: &'a Uri,
}

type ConnectHook =
    dyn Fn(&ConnectRequest<'_>, &JsRuntime) -> Result<(), (StatusCode, String)> + Send + Sync;

pub(crate) struct ServerShared {
    pub(crate) options: ServerOptions,
    on_connect: Option<Box<ConnectHook>>,
    shutdown: CancellationToken,
    connections: AtomicUsize,
    pub(crate) live_tasks: AtomicUsize,
}

/// Counts of what the server holds now (for health checks and leak tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerStats {
    /// Open connections.
    pub connections: usize,
    /// Spawned async calls that have not ended.
    pub live_tasks: usize,
}

/// The WebSocket host: an axum router serving pages that call `#[jsinvokable]` Rust.
#[derive(Clone)]
pub struct InteropServer {
    shared: Arc<ServerShared>,
}

struct Live(Arc<ServerShared>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}

fn origin_allowed(options: &ServerOptions, headers: &HeaderMap) -> bool {
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    else {
        return true;
    };
    match &options.allowed_origins {
        Some(allowed) => allowed.iter().any(|allowed| allowed == origin),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            host.is_some() && origin_host == host
        }
    }
}

async fn upgrade(
    State(server): State<InteropServer>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let shared = &server.shared;
    if shared.shutdown.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        )
            .into_response();
    }
    if !origin_allowed(&shared.options, &headers) {
        tracing::warn!(origin = ?headers.get(header::ORIGIN), "a WebSocket upgrade from another origin was refused");
        return (StatusCode::FORBIDDEN, "this origin may not connect").into_response();
    }
    let connection = match connection::open(shared, shared.shutdown.child_token()) {
        Ok(connection) => connection,
        Err(text) => return (StatusCode::INTERNAL_SERVER_ERROR, text).into_response(),
    };
    if let Some(hook) = &shared.on_connect {
        let request = ConnectRequest {
            headers: &headers,
            uri: &uri,
        };
        if let Err(refusal) = hook(&request, &connection.runtime) {
            connection.runtime.close();
            return refusal.into_response();
        }
    }
    let shared = Arc::clone(shared);
    upgrade
        .max_message_size(shared.options.max_frame_size)
        .max_frame_size(shared.options.max_frame_size)
        .on_upgrade(move |socket| async move {
            shared.connections.fetch_add(1, Ordering::AcqRel);
            let _live = Live(Arc::clone(&shared));
            connection::serve(socket, connection, shared).await;
        })
}

fn javascript(source: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        source,
    )
        .into_response()
}

impl InteropServer {
    /// A server with `options`.
    pub fn new(options: ServerOptions) -> Self {
        InteropServer {
            shared: Arc::new(ServerShared {
                options,
                on_connect: None,
                shutdown: CancellationToken::new(),
                connections: AtomicUsize::new(0),
                live_tasks: AtomicUsize::new(0),
            }),
        }
    }

    /// Runs `hook` for every upgrade request before the socket opens: fill the connection's
    /// runtime with [`insert_extension`](JsRuntime::insert_extension) (the authenticated user,
    /// …), keep the runtime to call the page from server code, or refuse the connection.
    ///
    /// # Panics
    /// If the router was already built (set hooks first).
    pub fn on_connect(
        mut self,
        hook: impl Fn(&ConnectRequest<'_>, &JsRuntime) -> Result<(), (StatusCode, String)>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Arc::get_mut(&mut self.shared)
            .expect("on_connect is set before the router is built")
            .on_connect = Some(Box::new(hook));
        self
    }

    /// The routes: `{prefix}/client.js`, `{prefix}/host-streams.js`, `{prefix}/connect.js`,
    /// `{prefix}/ws`.
    pub fn router(&self) -> Router {
        let prefix = self.shared.options.prefix.trim_end_matches('/');
        Router::new()
            .route(
                &format!("{prefix}/client.js"),
                get(|| async { javascript(interop_runtime::CLIENT_JS) }),
            )
            .route(
                &format!("{prefix}/host-streams.js"),
                get(|| async { javascript(interop_runtime::HOST_STREAMS_JS) }),
            )
            .route(
                &format!("{prefix}/connect.js"),
                get(|| async { javascript(CONNECT_JS) }),
            )
            .route(&format!("{prefix}/ws"), get(upgrade))
            .with_state(self.clone())
    }

    /// Open connections and live calls now.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            connections: self.shared.connections.load(Ordering::Acquire),
            live_tasks: self.shared.live_tasks.load(Ordering::Acquire),
        }
    }

    /// Closes every connection (pending calls fail, objects are released) and refuses new ones.
    pub fn shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// A future that completes on [`shutdown`](Self::shutdown), for
    /// `axum::serve(..).with_graceful_shutdown(..)`.
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let token = self.shared.shutdown.clone();
        async move { token.cancelled().await }
    }
}
