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
//! // Checks the address against the host policy, then serves until `shutdown()`.
//! interop.serve(listener, app).await
//! # }
//! ```

#![deny(missing_docs)]

mod budget;
mod connection;
mod framing;
mod options;
mod policy;
mod queue;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use interop_runtime::JsRuntime;
use parking_lot::Mutex;
use tokio_util::sync::CancellationToken;

use crate::budget::{Budget, Taken};
pub use crate::options::{AllowedHosts, ServerOptions};
pub use crate::policy::{HostPolicy, HostPolicyLayer, HostPolicyService};

/// The page bootstrap: opens the socket and attaches the client to it. The server serves it
/// with its frame limit filled in (`__INTEROP_MAX_FRAME__`).
pub const CONNECT_JS: &str = include_str!("../js/connect.js");

/// What a frame may carry besides its message: the message name, call id, assembly and
/// identifier of a text frame, or the 13-byte header of a binary one. A frame larger than
/// `max_message_size + FRAME_ENVELOPE` closes the connection with 1009.
pub const FRAME_ENVELOPE: usize = 4096;

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
    policy: HostPolicy,
    /// Cancelled by `shutdown`: no new upgrades.
    draining: CancellationToken,
    /// Cancelled when every page must close (1001): after the drain, or at once.
    pub(crate) closing: CancellationToken,
    pub(crate) connections: Arc<Budget>,
    pub(crate) in_flight_calls: Budget,
    pub(crate) staged_bytes: Arc<Budget>,
    pub(crate) live_tasks: AtomicUsize,
    pub(crate) next_connection_id: AtomicU64,
    /// The runtime and write queue of every open connection, for the stats.
    pub(crate) connections_open: Mutex<HashMap<u64, (JsRuntime, Arc<connection::WriteQueue>)>>,
}

/// Counts of what the server holds now (for health checks and leak tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerStats {
    /// Connections open or being opened.
    pub connections: usize,
    /// Spawned async calls that have not ended.
    pub live_tasks: usize,
    /// Async calls counted against [`ServerOptions::max_in_flight_calls`].
    pub in_flight_calls: usize,
    /// Bytes of byte arrays being received or staged, all connections together.
    pub staged_bytes: usize,
    /// Objects pages hold references to, all connections together.
    pub tracked_objects: usize,
    /// Bytes of frames waiting for pages to read them, all connections together.
    pub queued_bytes: usize,
}

/// The WebSocket host: an axum router serving pages that call `#[jsinvokable]` Rust.
#[derive(Clone)]
pub struct InteropServer {
    shared: Arc<ServerShared>,
}

async fn upgrade(
    State(server): State<InteropServer>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let shared = &server.shared;
    if shared.draining.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "the server is shutting down",
        )
            .into_response();
    }
    // The host was checked by the policy layer around the routes.
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or(uri.authority().map(|authority| authority.as_str()))
        .unwrap_or_default();
    let origin = headers
        .get(header::ORIGIN)
        .map(|value| value.to_str().unwrap_or("null"));
    if !shared.policy.origin_allowed(origin, host) {
        tracing::warn!(
            ?origin,
            "a WebSocket upgrade from another origin was refused"
        );
        return (StatusCode::FORBIDDEN, "this origin may not connect").into_response();
    }
    let mut slot = Taken::none(&shared.connections);
    if !slot.try_add(1) {
        tracing::warn!(
            "a WebSocket upgrade was refused: the server holds its maximum of connections"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "the server holds its maximum of connections",
        )
            .into_response();
    }
    let connection = match connection::open(shared, slot) {
        Ok(connection) => connection,
        Err(text) => return (StatusCode::INTERNAL_SERVER_ERROR, text).into_response(),
    };
    if let Some(hook) = &shared.on_connect {
        let request = ConnectRequest {
            headers: &headers,
            uri: &uri,
        };
        if let Err(refusal) = hook(&request, &connection.runtime) {
            // Dropping the connection closes its runtime.
            return refusal.into_response();
        }
    }
    let frame_limit = shared
        .options
        .max_message_size
        .saturating_add(FRAME_ENVELOPE);
    // If the upgrade fails, the callback is dropped with the connection, which closes it.
    upgrade
        .max_message_size(frame_limit)
        .max_frame_size(frame_limit)
        .on_upgrade(move |socket| connection::serve(socket, connection))
}

fn javascript(source: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        source,
    )
        .into_response()
}

/// How often a draining server checks whether its calls have finished.
const DRAIN_POLL: Duration = Duration::from_millis(10);

/// How long, once pages are being closed, [`InteropServer::shutdown_signal`] waits for their
/// close frames to be written (each connection gives its frame a second).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The line of `connect.js` the server fills in with its message limit.
const CONNECT_JS_LIMIT: &str = "/*max_message_size*/1048576";

impl InteropServer {
    /// A server with `options`. Logs a warning when
    /// [`detailed_errors`](ServerOptions::detailed_errors) is on.
    pub fn new(options: ServerOptions) -> Self {
        if options.detailed_errors {
            tracing::warn!(
                "the interop server sends the text of Rust errors and panics to pages \
                 (ServerOptions::detailed_errors): they may reveal paths, queries or secrets"
            );
        }
        InteropServer {
            shared: Arc::new(ServerShared {
                policy: HostPolicy::new(&options),
                on_connect: None,
                draining: CancellationToken::new(),
                closing: CancellationToken::new(),
                connections: Arc::new(Budget::new(options.max_connections)),
                in_flight_calls: Budget::new(options.max_in_flight_calls),
                staged_bytes: Arc::new(Budget::new(options.max_staged_bytes)),
                live_tasks: AtomicUsize::new(0),
                next_connection_id: AtomicU64::new(1),
                connections_open: Mutex::new(HashMap::new()),
                options,
            }),
        }
    }

    /// Runs `hook` for every upgrade request before the socket opens: fill the connection's
    /// runtime with [`insert_extension`](JsRuntime::insert_extension) (the authenticated user,
    /// …), keep the runtime to call the page from server code, or refuse the connection. A
    /// runtime is closed when its page leaves, and also when the upgrade fails after the hook.
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

    /// The host and origin policy of this server, to apply to your own routes too
    /// ([`HostPolicy::layer`]).
    pub fn host_policy(&self) -> HostPolicy {
        self.shared.policy.clone()
    }

    /// The routes: `{prefix}/client.js`, `{prefix}/host-streams.js`, `{prefix}/connect.js`,
    /// `{prefix}/ws`, behind the [host policy](Self::host_policy).
    pub fn router(&self) -> Router {
        let prefix = self.shared.options.prefix.trim_end_matches('/');
        let connect_js = CONNECT_JS.replace(
            CONNECT_JS_LIMIT,
            &self.shared.options.max_message_size.to_string(),
        );
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
                get(move || async move {
                    (
                        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                        connect_js,
                    )
                        .into_response()
                }),
            )
            .route(&format!("{prefix}/ws"), get(upgrade))
            .layer(self.shared.policy.layer())
            .with_state(self.clone())
    }

    /// Checks that the server may listen on `address` under its host policy, and remembers
    /// the port (loopback names must carry it). [`serve`](Self::serve) calls it; call it
    /// yourself when you run `axum::serve`.
    ///
    /// # Errors
    /// A non-loopback address with [`AllowedHosts::Loopback`] (the default): every request
    /// would be refused, so the server should not start.
    pub fn listen_on(&self, address: SocketAddr) -> std::io::Result<()> {
        self.shared
            .policy
            .listen_on(address)
            .map_err(|text| std::io::Error::new(std::io::ErrorKind::InvalidInput, text))
    }

    /// Serves `app` (which should merge [`router`](Self::router)) on `listener` until
    /// [`shutdown`](Self::shutdown) has closed every page, with the peer's address available to
    /// the host policy (trusted proxies).
    ///
    /// # Errors
    /// The listener's address is refused by [`listen_on`](Self::listen_on), or serving fails.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        app: Router,
    ) -> std::io::Result<()> {
        self.listen_on(listener.local_addr()?)?;
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(self.shutdown_signal())
        .await
    }

    /// What the server holds now.
    pub fn stats(&self) -> ServerStats {
        let shared = &self.shared;
        let open = shared.connections_open.lock();
        ServerStats {
            connections: shared.connections.used(),
            live_tasks: shared.live_tasks.load(Ordering::Acquire),
            in_flight_calls: shared.in_flight_calls.used(),
            staged_bytes: shared.staged_bytes.used(),
            tracked_objects: open
                .values()
                .map(|(runtime, _)| runtime.tracked_object_count())
                .sum(),
            queued_bytes: open.values().map(|(_, queue)| queue.queued_bytes()).sum(),
        }
    }

    /// Graceful shutdown: new upgrades get 503 at once; calls in flight get up to
    /// [`shutdown_grace`](ServerOptions::shutdown_grace) to finish; then every page is closed
    /// with 1001 (its pending calls fail, its objects are released).
    pub fn shutdown(&self) {
        let shared = Arc::clone(&self.shared);
        shared.draining.cancel();
        let Ok(tokio) = tokio::runtime::Handle::try_current() else {
            shared.closing.cancel();
            return;
        };
        tokio.spawn(async move {
            let deadline = tokio::time::Instant::now() + shared.options.shutdown_grace;
            while shared.live_tasks.load(Ordering::Acquire) > 0
                && tokio::time::Instant::now() < deadline
            {
                tokio::time::sleep(DRAIN_POLL).await;
            }
            shared.closing.cancel();
        });
    }

    /// Closes every page at once (1001) and refuses new ones, without waiting for calls.
    pub fn close_all(&self) {
        self.shared.draining.cancel();
        self.shared.closing.cancel();
    }

    /// A future that completes once [`shutdown`](Self::shutdown) has closed the pages, for
    /// `axum::serve(..).with_graceful_shutdown(..)`: after every connection has written its
    /// close frame (1001) or given up on it, so that a process that exits when `serve`
    /// returns does not cut those frames off (upgraded connections are not awaited by axum).
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let shared = Arc::clone(&self.shared);
        async move {
            shared.closing.cancelled().await;
            let deadline = tokio::time::Instant::now() + CLOSE_WAIT;
            while shared.connections.used() > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(DRAIN_POLL).await;
            }
        }
    }
}
