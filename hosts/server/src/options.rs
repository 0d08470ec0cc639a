//! The server's settings: who may connect, and the limits that bound its memory.

use std::net::IpAddr;
use std::time::Duration;

use interop_runtime::RuntimeOptions;

/// Which `Host` names the server answers to (DNS rebinding protection).
///
/// A page on `attacker.example`, whose name an attacker makes resolve to this server's address,
/// sends `Host: attacker.example`: only names listed here are served, on every route.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllowedHosts {
    /// `localhost`, `127.0.0.1` and `[::1]`, with the port the server listens on (once known,
    /// see [`InteropServer::serve`](crate::InteropServer::serve)). Binding a non-loopback
    /// address with this policy is a start-up error.
    #[default]
    Loopback,
    /// These names (`app.example.com`, or `app.example.com:8443` for one port only), compared
    /// without regard to ASCII case.
    Names(Vec<String>),
    /// Every name: an explicit opt-out for servers that only run behind a proxy which checks
    /// the name itself. The origin rule then compares `Origin` with the request's `Host`.
    Any,
}

impl AllowedHosts {
    /// [`AllowedHosts::Names`] from anything that lists strings.
    ///
    /// ```
    /// use interop_server::AllowedHosts;
    /// let hosts = AllowedHosts::names(["app.example.com", "www.example.com"]);
    /// assert_eq!(hosts, AllowedHosts::Names(vec!["app.example.com".into(), "www.example.com".into()]));
    /// ```
    pub fn names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        AllowedHosts::Names(names.into_iter().map(Into::into).collect())
    }
}

/// Settings of an [`InteropServer`](crate::InteropServer).
///
/// Every limit has a safe default and caps the matching [`RuntimeOptions`] field of each
/// connection's runtime: `runtime` can tighten a limit, never lift it, so
/// `ServerOptions { runtime: RuntimeOptions::default(), ..Default::default() }` keeps them all.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Where the client, the bootstrap and the socket are served (`/_interop`).
    pub prefix: String,
    /// The runtime of each connection (its limits capped by the fields below; its
    /// `detailed_errors` is replaced by [`detailed_errors`](Self::detailed_errors)).
    pub runtime: RuntimeOptions,
    /// Send the text of user-code errors (`Err`, panics) to pages. Off by default: error texts
    /// can reveal paths, queries and secrets to anyone who can open the page. Turning it on
    /// logs a warning when the server is created.
    pub detailed_errors: bool,
    /// The `Host` names served ([`AllowedHosts::Loopback`] by default).
    pub allowed_hosts: AllowedHosts,
    /// Origins allowed to open a socket (`https://app.example`), compared exactly. `None`: a
    /// page served under an allowed host name (scheme `http` or `https`, host and port).
    /// `Origin: null` is always refused; a request without `Origin` (not a browser) is allowed.
    pub allowed_origins: Option<Vec<String>>,
    /// Peers whose `X-Forwarded-Host` / `Forwarded: host=` name the host instead of `Host`
    /// (your reverse proxies). Their address is read from axum's `ConnectInfo<SocketAddr>`:
    /// serve with `into_make_service_with_connect_info`, or forwarded headers are ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest incoming JSON message (arguments or a completion), in bytes; also caps
    /// `runtime.max_message_size`. No WebSocket frame larger than this (plus a
    /// [`FRAME_ENVELOPE`](crate::FRAME_ENVELOPE) for names and ids) is buffered: the socket is
    /// closed with 1009 at the frame's header.
    pub max_message_size: usize,
    /// Largest total of byte arrays staged for one call (caps `runtime.max_staged_bytes`).
    pub max_staged_bytes_per_call: usize,
    /// Largest total of byte arrays staged or being received by all connections together; a
    /// byte array past it fails its call with the byte-array limit text.
    pub max_staged_bytes: usize,
    /// Open connections at most; past it, upgrades get 503 with `Retry-After`.
    pub max_connections: usize,
    /// Async calls running at once across all connections; past it, a call fails at once.
    pub max_in_flight_calls: usize,
    /// Async calls running at once per connection (caps `runtime.max_in_flight_calls`).
    pub max_in_flight_calls_per_connection: usize,
    /// Objects one page may hold references to (caps `runtime.max_tracked_objects`).
    pub max_tracked_objects: usize,
    /// Rust→JS calls awaiting one page (caps `runtime.max_pending_js_calls`).
    pub max_pending_js_calls: usize,
    /// Bytes of outgoing frames that may wait for a page. Past it, results of async calls wait
    /// (backpressure) and new calls from that page are held, not dispatched.
    pub write_buffer: usize,
    /// Bytes of incoming calls held while the write buffer is full; past it, the server stops
    /// reading the socket until the page has read its replies.
    pub read_buffer: usize,
    /// How long a page may read nothing while output waits for it before it is closed.
    pub write_timeout: Duration,
    /// How many bad frames a page may send before it is closed.
    pub max_protocol_errors: usize,
    /// How long [`InteropServer::shutdown`](crate::InteropServer::shutdown) lets in-flight calls
    /// finish before pages are closed (1001).
    pub shutdown_grace: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            prefix: "/_interop".to_owned(),
            runtime: RuntimeOptions::default(),
            detailed_errors: false,
            allowed_hosts: AllowedHosts::Loopback,
            allowed_origins: None,
            trusted_proxies: Vec::new(),
            max_message_size: 1024 * 1024,
            max_staged_bytes_per_call: 32 * 1024 * 1024,
            max_staged_bytes: 256 * 1024 * 1024,
            max_connections: 4096,
            max_in_flight_calls: 16_384,
            max_in_flight_calls_per_connection: 4096,
            max_tracked_objects: 10_000,
            max_pending_js_calls: 1000,
            write_buffer: 4 * 1024 * 1024,
            read_buffer: 4 * 1024 * 1024,
            write_timeout: Duration::from_secs(10),
            max_protocol_errors: 100,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

fn cap(value: Option<usize>, limit: usize) -> Option<usize> {
    Some(value.map_or(limit, |value| value.min(limit)))
}

impl ServerOptions {
    /// The options each connection's runtime gets: [`runtime`](Self::runtime) with every limit
    /// capped by the server's and `detailed_errors` from [`detailed_errors`](Self::detailed_errors).
    ///
    /// ```
    /// use interop_runtime::RuntimeOptions;
    /// use interop_server::ServerOptions;
    /// let options = ServerOptions { runtime: RuntimeOptions::default(), ..Default::default() };
    /// let runtime = options.connection_runtime_options();
    /// assert!(!runtime.detailed_errors);
    /// assert_eq!(runtime.max_message_size, Some(1024 * 1024));
    /// ```
    pub fn connection_runtime_options(&self) -> RuntimeOptions {
        let mut runtime = self.runtime.clone();
        runtime.detailed_errors = self.detailed_errors;
        runtime.max_message_size = cap(runtime.max_message_size, self.max_message_size);
        runtime.max_staged_bytes = cap(runtime.max_staged_bytes, self.max_staged_bytes_per_call);
        runtime.max_in_flight_calls = runtime
            .max_in_flight_calls
            .min(self.max_in_flight_calls_per_connection);
        runtime.max_tracked_objects = runtime.max_tracked_objects.min(self.max_tracked_objects);
        runtime.max_pending_js_calls = runtime.max_pending_js_calls.min(self.max_pending_js_calls);
        runtime
    }
}
