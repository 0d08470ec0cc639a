//! The host and origin policy: which `Host` names are served (DNS rebinding) and which pages
//! may open a socket (cross-site WebSocket hijacking). A tower layer applies it to any route.

use std::future::{ready, Ready};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower_layer::Layer;
use tower_service::Service;

use crate::options::{AllowedHosts, ServerOptions};

/// The names a server on a loopback address answers to by default.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Which hosts and origins may reach the server; cheap to clone (clones share the port).
///
/// Apply it to your own routes with [`layer`](Self::layer), so that pages served beside the
/// interop routes are protected from DNS rebinding the same way:
///
/// ```
/// use interop_server::{InteropServer, ServerOptions};
/// let interop = InteropServer::new(ServerOptions::default());
/// let app = axum::Router::new()
///     .route("/", axum::routing::get(|| async { "hello" }))
///     .layer(interop.host_policy().layer())
///     .merge(interop.router());
/// # let _: axum::Router = app;
/// ```
#[derive(Clone, Debug)]
pub struct HostPolicy {
    inner: Arc<PolicyInner>,
}

#[derive(Debug)]
struct PolicyInner {
    allowed_hosts: AllowedHosts,
    allowed_origins: Option<Vec<String>>,
    trusted_proxies: Vec<IpAddr>,
    /// The port the server listens on, once known: loopback names must carry it.
    port: OnceLock<u16>,
}

/// `name` and optional `:port` of a `Host` value or an origin's authority, the name lowercased.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (name, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let rest = &authority[end + 1..];
        let port = match rest.strip_prefix(':') {
            Some(port) => Some(port),
            None if rest.is_empty() => None,
            None => return None,
        };
        (&authority[..=end], port)
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        }
    };
    if name.is_empty() || name.contains(['/', '@', ' ', '?', '#']) {
        return None;
    }
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    Some((name.to_ascii_lowercase(), port))
}

/// The first host a trusted proxy names: `X-Forwarded-Host`, then `Forwarded: host=`.
fn forwarded_host(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers
        .get("x-forwarded-host")
        .and_then(|value| value.to_str().ok())
    {
        return value.split(',').next().map(|host| host.trim().to_owned());
    }
    let forwarded = headers.get(header::FORWARDED)?.to_str().ok()?;
    let first = forwarded.split(',').next()?;
    first.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        key.eq_ignore_ascii_case("host")
            .then(|| value.trim_matches('"').to_owned())
    })
}

impl HostPolicy {
    pub(crate) fn new(options: &ServerOptions) -> Self {
        HostPolicy {
            inner: Arc::new(PolicyInner {
                allowed_hosts: options.allowed_hosts.clone(),
                allowed_origins: options.allowed_origins.clone(),
                trusted_proxies: options.trusted_proxies.clone(),
                port: OnceLock::new(),
            }),
        }
    }

    /// Checks the address the server listens on and remembers its port. A non-loopback
    /// address with [`AllowedHosts::Loopback`] is refused: every request would get 403.
    pub(crate) fn listen_on(&self, address: SocketAddr) -> Result<(), String> {
        if self.inner.allowed_hosts == AllowedHosts::Loopback && !address.ip().is_loopback() {
            return Err(format!(
                "the interop server listens on {address}, which is not a loopback address, but \
                 ServerOptions::allowed_hosts names no host: set it to the names clients use \
                 (AllowedHosts::names([\"app.example.com\"])), or to AllowedHosts::Any behind a \
                 proxy that checks them"
            ));
        }
        // A second listener on another port keeps the first port (documented on `serve`).
        let _ = self.inner.port.set(address.port());
        Ok(())
    }

    /// The host the request names: `Host` (or the URI's authority, HTTP/2), or what a trusted
    /// proxy forwarded.
    pub(crate) fn request_host(
        &self,
        request_headers: &HeaderMap,
        peer: Option<IpAddr>,
        uri_host: Option<&str>,
    ) -> Option<String> {
        if peer.is_some_and(|peer| self.inner.trusted_proxies.contains(&peer)) {
            if let Some(host) = forwarded_host(request_headers) {
                return Some(host);
            }
        }
        request_headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .or_else(|| uri_host.map(str::to_owned))
    }

    /// Whether `authority` (`name[:port]`) is a name this server answers to.
    pub fn host_allowed(&self, authority: &str) -> bool {
        let Some((name, port)) = split_authority(authority) else {
            return false;
        };
        match &self.inner.allowed_hosts {
            AllowedHosts::Any => true,
            AllowedHosts::Loopback => {
                LOOPBACK_NAMES.contains(&name.as_str())
                    && match self.inner.port.get() {
                        Some(&listening) => port.unwrap_or(80) == listening,
                        None => true,
                    }
            }
            AllowedHosts::Names(names) => names.iter().any(|allowed| {
                split_authority(allowed).is_some_and(|(allowed_name, allowed_port)| {
                    allowed_name == name && (allowed_port.is_none() || allowed_port == port)
                })
            }),
        }
    }

    /// Whether a page of `origin` may open a socket to a request naming `host`.
    pub(crate) fn origin_allowed(&self, origin: Option<&str>, host: &str) -> bool {
        let Some(origin) = origin else {
            // Not a browser: no page to protect from another site.
            return true;
        };
        if let Some(allowed) = &self.inner.allowed_origins {
            return allowed.iter().any(|allowed| allowed == origin);
        }
        let Some((scheme, authority)) = origin.split_once("://") else {
            // `null` (sandboxed frames, file pages, redirects) and anything unreadable.
            return false;
        };
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return false;
        }
        match &self.inner.allowed_hosts {
            // The explicit opt-out keeps the same-origin rule.
            AllowedHosts::Any => authority.eq_ignore_ascii_case(host),
            _ => self.host_allowed(authority),
        }
    }

    /// Whether the host a request names is allowed (logged when it is not).
    pub(crate) fn allows(&self, request: &Request) -> bool {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let uri_host = request
            .uri()
            .authority()
            .map(|authority| authority.as_str());
        let host = self.request_host(request.headers(), peer, uri_host);
        let allowed = host.as_deref().is_some_and(|host| self.host_allowed(host));
        if !allowed {
            tracing::warn!(
                ?host,
                "a request naming a host this server does not serve was refused"
            );
        }
        allowed
    }

    /// A tower layer answering 403 to requests whose host is not allowed.
    pub fn layer(&self) -> HostPolicyLayer {
        HostPolicyLayer {
            policy: self.clone(),
        }
    }
}

/// The [`HostPolicy`] as a tower layer (`Router::layer`).
#[derive(Clone, Debug)]
pub struct HostPolicyLayer {
    policy: HostPolicy,
}

impl<S> Layer<S> for HostPolicyLayer {
    type Service = HostPolicyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HostPolicyService {
            policy: self.policy.clone(),
            inner,
        }
    }
}

/// The service [`HostPolicyLayer`] wraps around a route.
#[derive(Clone, Debug)]
pub struct HostPolicyService<S> {
    policy: HostPolicy,
    inner: S,
}

impl<S> Service<Request> for HostPolicyService<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if self.policy.allows(&request) {
            return Either::Right(self.inner.call(request));
        }
        let refusal = (
            StatusCode::FORBIDDEN,
            "this host name is not served here (DNS rebinding protection): add it to \
             ServerOptions::allowed_hosts",
        );
        Either::Left(ready(Ok(refusal.into_response())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: AllowedHosts) -> HostPolicy {
        HostPolicy::new(&ServerOptions {
            allowed_hosts: hosts,
            ..ServerOptions::default()
        })
    }

    #[test]
    fn loopback_names_with_the_listening_port_only() {
        let policy = policy(AllowedHosts::Loopback);
        assert!(policy.listen_on(([127, 0, 0, 1], 8080).into()).is_ok());
        for allowed in [
            "localhost:8080",
            "LOCALHOST:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
        ] {
            assert!(policy.host_allowed(allowed), "{allowed}");
        }
        for refused in [
            "attacker.example:8080",
            "localhost:8081",
            "localhost",
            "127.0.0.2:8080",
            "localhost.attacker.example:8080",
            "",
            "[::1",
            "user@localhost:8080",
        ] {
            assert!(!policy.host_allowed(refused), "{refused}");
        }
    }

    #[test]
    fn a_non_loopback_address_needs_names() {
        let error = policy(AllowedHosts::Loopback)
            .listen_on(([0, 0, 0, 0], 80).into())
            .unwrap_err();
        assert!(error.contains("0.0.0.0:80"), "{error}");
        assert!(error.contains("allowed_hosts"), "{error}");
        assert!(policy(AllowedHosts::names(["a.example"]))
            .listen_on(([0, 0, 0, 0], 80).into())
            .is_ok());
        assert!(policy(AllowedHosts::Any)
            .listen_on(([0, 0, 0, 0], 80).into())
            .is_ok());
    }

    #[test]
    fn configured_names_with_or_without_a_port() {
        let policy = policy(AllowedHosts::names(["App.Example.com", "b.example:8443"]));
        assert!(policy.host_allowed("app.example.com"));
        assert!(policy.host_allowed("app.example.com:9000"));
        assert!(policy.host_allowed("b.example:8443"));
        assert!(!policy.host_allowed("b.example:8444"));
        assert!(!policy.host_allowed("b.example"));
        assert!(!policy.host_allowed("localhost"));
    }

    #[test]
    fn the_origin_is_compared_with_the_allowed_hosts_never_the_host_header() {
        let policy = policy(AllowedHosts::Loopback);
        assert!(policy.listen_on(([127, 0, 0, 1], 8080).into()).is_ok());
        // The rebinding page: its Host and Origin agree, and neither is allowed.
        assert!(!policy.origin_allowed(
            Some("http://attacker.example:8080"),
            "attacker.example:8080"
        ));
        assert!(policy.origin_allowed(Some("http://localhost:8080"), "localhost:8080"));
        assert!(policy.origin_allowed(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"));
        assert!(!policy.origin_allowed(Some("http://localhost:3000"), "localhost:8080"));
        assert!(!policy.origin_allowed(Some("null"), "localhost:8080"));
        assert!(!policy.origin_allowed(Some("file://"), "localhost:8080"));
        assert!(!policy.origin_allowed(Some("ftp://localhost:8080"), "localhost:8080"));
        assert!(policy.origin_allowed(None, "localhost:8080"));
    }

    #[test]
    fn forwarded_hosts_count_only_from_trusted_proxies() {
        let proxy: IpAddr = [10, 0, 0, 1].into();
        let policy = HostPolicy::new(&ServerOptions {
            allowed_hosts: AllowedHosts::names(["app.example"]),
            trusted_proxies: vec![proxy],
            ..ServerOptions::default()
        });
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "internal:8080".parse().unwrap());
        headers.insert("x-forwarded-host", "app.example, other".parse().unwrap());
        assert_eq!(
            policy.request_host(&headers, Some(proxy), None).as_deref(),
            Some("app.example")
        );
        assert_eq!(
            policy
                .request_host(&headers, Some([10, 0, 0, 2].into()), None)
                .as_deref(),
            Some("internal:8080")
        );
        assert_eq!(
            policy.request_host(&headers, None, None).as_deref(),
            Some("internal:8080")
        );
        headers.remove("x-forwarded-host");
        headers.insert(
            header::FORWARDED,
            "for=1.2.3.4;Host=\"app.example:443\";proto=https"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            policy.request_host(&headers, Some(proxy), None).as_deref(),
            Some("app.example:443")
        );
    }
}
