//! The web app behind a real reverse proxy, scaled out: nginx (`examples/tests/nginx.conf`,
//! explained in `docs/deploying.md`) in front of two instances of `blazor-sample`,
//! round-robin, WebSocket upgrades proxied. Through nginx:
//! - the host policy holds: a foreign `Host` gets 403 (also with forwarded-host headers, which
//!   the instances do not take from a proxy they were not told to trust), and so does a socket
//!   opened by another site's page;
//! - the Chromium suite (`examples/web/e2e/e2e.mjs`) passes;
//! - pages spread over both instances (nginx logs the instance of each page's socket), and one
//!   instance is stopped with SIGTERM (`InteropServer::shutdown`, as on Ctrl-C): it refuses
//!   new sockets with 503, which nginx passes to the other; calls in flight on its pages are
//!   answered during the grace; then its pages see their socket closed (the call still
//!   pending, later calls and objects from before reject with `The connection to the server
//!   was closed.`; a raw socket reads a close frame with 1001), while the pages of the other
//!   instance keep working and new pages are served by it (`examples/web/e2e/proxy.mjs`).
//!
//! Without nginx (`/usr/sbin/nginx`, or `NGINX`) or Chromium the test is reported as ignored,
//! unless `REQUIRE_NGINX` / `REQUIRE_BROWSER` is set (`scripts/test.sh` installs both and sets
//! both): then it fails.

mod support;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::{e2e_script, Tool, WebApp};

/// The proxy's configuration; `{{DIR}}`, `{{PORT}}`, `{{INSTANCE_A}}`, `{{INSTANCE_B}}` are
/// filled in.
const NGINX_CONF: &str = include_str!("nginx.conf");

/// `--shutdown-grace` of the instances: how long the stopped one waits for its calls in flight.
/// The test answers one of them and then waits this long for the other to be cut off.
const GRACE_SECONDS: &str = "4";

/// What `first` (a call in flight when the instance was stopped) resolved to, as proxy.mjs
/// prints it: the JSON of the string inside its JSON.
const ANSWERED: &str = r#""\"first answered\"""#;

/// What a page's calls reject with once its socket is closed.
const CLOSED: &str = "rejected: The connection to the server was closed.";

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Sends `signal` (`INT`, `TERM`, …) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill -{signal} {pid}")])
        .status()
        .expect("sh runs");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Waits up to `timeout` for `child` to exit.
fn wait_for_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("the process can be waited for") {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// nginx, started in the foreground with its files in `dir`; stopped when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx on 127.0.0.1:`port` in front of `instances` and waits until it accepts.
    fn start(binary: &Path, dir: PathBuf, port: u16, instances: [&str; 2]) -> Nginx {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the test's directory is writable");
        let config = NGINX_CONF
            .replace("{{DIR}}", dir.to_str().expect("a UTF-8 path"))
            .replace("{{PORT}}", &port.to_string())
            .replace("{{INSTANCE_A}}", instances[0])
            .replace("{{INSTANCE_B}}", instances[1]);
        std::fs::write(dir.join("nginx.conf"), config).expect("the config is written");
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.child.try_wait().expect("nginx can be waited for") {
                panic!("nginx exited ({status}):\n{}", nginx.file("error.log"));
            }
            assert!(
                Instant::now() < deadline,
                "nginx does not accept on port {port}:\n{}",
                nginx.file("error.log")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    /// A file of nginx's directory (empty if missing).
    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its worker, then exits (SIGKILL would orphan the worker).
        signal(self.child.id(), "TERM");
        if wait_for_exit(&mut self.child, Duration::from_secs(10)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// One WebSocket request in nginx's access log (written when the socket closes).
#[derive(Debug)]
struct Socket {
    status: u16,
    /// The instances tried, in order (the last one served it).
    upstreams: Vec<String>,
    /// Their answers (`503, 101`).
    upstream_statuses: String,
    /// The `page` cookie (`-` without one).
    page: String,
}

impl Socket {
    /// The instance that served it (the last one tried).
    fn served_by(&self) -> &str {
        self.upstreams.last().map_or("", String::as_str)
    }
}

/// The sockets in an access log written with the `upstreams` format of `nginx.conf`.
fn sockets(log: &str) -> Vec<Socket> {
    let field = |line: &str, name: &str, next: Option<&str>| -> String {
        let start = line.find(name).expect("a field of the log format") + name.len();
        let rest = &line[start..];
        let end = next.and_then(|next| rest.find(next)).unwrap_or(rest.len());
        rest[..end].trim().to_owned()
    };
    log.lines()
        .filter(|line| line.contains(" GET /_interop/ws "))
        .map(|line| Socket {
            status: line[..3].parse().expect("a status first"),
            upstreams: field(line, " upstream=", Some(" upstream_status="))
                .split(", ")
                .map(str::to_owned)
                .collect(),
            upstream_statuses: field(line, " upstream_status=", Some(" page=")),
            page: field(line, " page=", None),
        })
        .collect()
}

/// The status line and headers of the answer to `request`, sent to 127.0.0.1:`port`.
fn answer_to(port: u16, request: &str) -> String {
    send(port, request).0
}

/// Sends `request` to 127.0.0.1:`port`: the status line and headers of the answer, and the
/// connection, to read what follows.
fn send(port: u16, request: &str) -> (String, BufReader<TcpStream>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a timeout can be set");
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    let mut head = String::new();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("an answer") == 0 || line == "\r\n" {
            return (head, reader);
        }
        head.push_str(&line);
    }
}

/// The code of the close frame the server sent on a socket opened with [`upgrade`] (it sent
/// nothing else), or `None` while it is still open. Panics if the socket ended without one.
fn close_code(socket: &mut BufReader<TcpStream>) -> Option<u16> {
    socket
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("a timeout can be set");
    let mut frame = [0; 4];
    match socket.read_exact(&mut frame) {
        Ok(()) => {
            assert_eq!(frame[0], 0x88, "a close frame, not {frame:?}");
            Some(u16::from_be_bytes([frame[2], frame[3]]))
        }
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
        Err(error) => panic!("the socket ended without a close frame: {error}"),
    }
}

/// The status of `head`, the start of an HTTP answer.
fn status(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {head:?}"))
}

/// A GET of `path` naming `host`, with `headers` (each ending in CRLF).
fn get(host: &str, path: &str, headers: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}\r\n")
}

/// A WebSocket upgrade naming `host`, with `headers` (each ending in CRLF).
fn upgrade(host: &str, headers: &str) -> String {
    format!(
        "GET /_interop/ws HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{headers}\r\n"
    )
}

/// Reads one line `prefix …` of `lines` and returns what follows the prefix.
fn expect_line(lines: &mut impl Iterator<Item = std::io::Result<String>>, prefix: &str) -> String {
    let line = lines
        .next()
        .unwrap_or_else(|| panic!("proxy.mjs ended before printing '{prefix}'"))
        .expect("its output is text");
    line.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("expected '{prefix}…' from proxy.mjs, got {line:?}"))
        .trim()
        .to_owned()
}

/// The host policy, behind the proxy (listening on `port`; the instances allow `names`).
fn host_policy_holds_through(port: u16, names: [&str; 2]) {
    for host in names {
        assert_eq!(status(&answer_to(port, &get(host, "/", ""))), 200, "{host}");
    }
    let foreign = format!("attacker.example:{port}");
    for path in ["/", "/_interop/connect.js"] {
        assert_eq!(status(&answer_to(port, &get(&foreign, path, ""))), 403);
    }
    // nginx passes a client's forwarded-host headers on; the instances trust no proxy.
    let forwarded = format!(
        "X-Forwarded-Host: {0}\r\nForwarded: host=\"{0}\"\r\n",
        names[0]
    );
    assert_eq!(
        status(&answer_to(port, &get(&foreign, "/", &forwarded))),
        403,
        "forwarded hosts count only from trusted proxies (none configured)"
    );
    // The rebinding page's socket, and a socket of another site's page (both logged).
    let rebinding = format!("Origin: http://{foreign}\r\nCookie: page=refused-rebinding\r\n");
    assert_eq!(
        status(&answer_to(port, &upgrade(&foreign, &rebinding))),
        403
    );
    let other_site = "Origin: http://other.example\r\nCookie: page=refused-other-site\r\n";
    assert_eq!(
        status(&answer_to(port, &upgrade(names[0], other_site))),
        403
    );
}

/// The Chromium suite at `base` (its last check, which kills the server, needs the server's
/// process: the test stops an instance itself instead).
fn chromium_suite_passes(base: &str, chromium: &str) {
    let output = e2e_script("e2e.mjs", base, None, chromium)
        .output()
        .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(report.contains("21 passed, 0 failed"), "{report}");
}

/// A socket of the test's own, opened through the proxy and named by its `page` cookie.
struct Watcher {
    page: &'static str,
    socket: BufReader<TcpStream>,
}

impl Watcher {
    /// Opens the socket `page` through the proxy on `port`, naming `host`.
    fn open(port: u16, host: &str, page: &'static str) -> Watcher {
        let (head, socket) = send(port, &upgrade(host, &format!("Cookie: page={page}\r\n")));
        assert_eq!(status(&head), 101, "{head}");
        Watcher { page, socket }
    }
}

/// Checks the outcomes proxy.mjs printed after instance A stopped (pages 1-4, then 5 and 6,
/// opened afterwards) and returns the pages of 1-4 that were on A: those whose pending call
/// rejected as closed.
fn pages_on_the_stopped_instance(pages: &[serde_json::Value]) -> Vec<String> {
    let outcome = |page: &serde_json::Value, key: &str| page[key].as_str().unwrap_or("").to_owned();
    assert_eq!(pages.len(), 6, "{pages:?}");
    let mut on_a = Vec::new();
    for (index, page) in pages[..4].iter().enumerate() {
        let number = index + 1;
        let expected = if outcome(page, "second") == CLOSED {
            on_a.push(number.to_string());
            [CLOSED, CLOSED, CLOSED]
        } else {
            ["\"second answered\"", "[1,2,3]", "\"Hello, Rose Tyler!\""]
        };
        let seen = ["second", "later", "stale"].map(|key| outcome(page, key));
        assert_eq!(seen, expected, "page {number}: {page}");
    }
    for page in &pages[4..] {
        assert_eq!(
            outcome(page, "later"),
            "[1,2,3]",
            "a page opened after A stopped: {page}"
        );
    }
    on_a
}

/// nginx's sockets once `expected` pages of the test's are logged (a socket's line is written
/// when it closes).
fn logged_sockets(nginx: &Nginx, expected: &[&str]) -> Vec<Socket> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let logged = sockets(&nginx.file("access.log"));
        if expected
            .iter()
            .all(|page| logged.iter().any(|socket| socket.page == *page))
        {
            return logged;
        }
        assert!(Instant::now() < deadline, "{logged:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn main() -> std::process::ExitCode {
    support::run(vec![(
        "two_instances_behind_nginx_serve_the_suite_and_one_can_be_stopped",
        &[Tool::Chromium, Tool::Nginx],
        two_instances_behind_nginx_serve_the_suite_and_one_can_be_stopped,
    )])
}

fn two_instances_behind_nginx_serve_the_suite_and_one_can_be_stopped() {
    let chromium = Tool::Chromium.path();
    let nginx_binary = PathBuf::from(Tool::Nginx.path());
    let port = free_port();
    let proxy_host = format!("127.0.0.1:{port}");
    let localhost = format!("localhost:{port}");
    // The instances answer to the names browsers use for the proxy, which passes `Host` on.
    let args = [
        "--allowed-host",
        &proxy_host,
        "--allowed-host",
        &localhost,
        "--shutdown-grace",
        GRACE_SECONDS,
    ];
    let mut instance_a = WebApp::start(&args);
    let instance_b = WebApp::start(&args);
    let address = |app: &WebApp| app.url.trim_start_matches("http://").to_owned();
    let (a, b) = (address(&instance_a), address(&instance_b));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("nginx-{}", std::process::id()));
    let nginx = Nginx::start(&nginx_binary, dir, port, [&a, &b]);
    let base = format!("http://{proxy_host}");

    host_policy_holds_through(port, [&proxy_host, &localhost]);
    chromium_suite_passes(&base, &chromium);

    // Pages on both instances, each with calls in flight; then instance A is stopped.
    let mut node = e2e_script("proxy.mjs", &base, None, &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = node.stdin.take().expect("stdin is piped");
    let mut lines = BufReader::new(node.stdout.take().expect("stdout is piped")).lines();
    expect_line(&mut lines, "ready");
    // Two sockets of the test's own, one on each instance (round-robin): what a client reads
    // when its instance stops.
    let mut watchers = ["watch-1", "watch-2"].map(|page| Watcher::open(port, &proxy_host, page));
    let stopped_at = Instant::now();
    signal(instance_a.pid(), "TERM");
    // A drains: asked directly, it refuses a new socket with 503 and Retry-After.
    let deadline = Instant::now() + Duration::from_secs(10);
    let refusal = loop {
        let head = answer_to(instance_port(&a), &upgrade(&proxy_host, ""));
        if status(&head) == 503 {
            break head;
        }
        assert!(Instant::now() < deadline, "A still accepts sockets: {head}");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        refusal.to_ascii_lowercase().contains("retry-after:"),
        "{refusal}"
    );
    // Through nginx, new sockets still open: the one nginx sends to A first goes on to B.
    for page in ["draining-1", "draining-2"] {
        let cookie = format!("Cookie: page={page}\r\n");
        assert_eq!(
            status(&answer_to(port, &upgrade(&proxy_host, &cookie))),
            101
        );
    }
    // Every call in flight when A was stopped is answered, on A's pages too.
    writeln!(stdin, "release").expect("proxy.mjs reads stdin");
    assert_eq!(
        expect_line(&mut lines, "held "),
        format!("[{ANSWERED},{ANSWERED},{ANSWERED},{ANSWERED}]"),
        "released {:?} after SIGTERM (grace: {GRACE_SECONDS} s)",
        stopped_at.elapsed()
    );
    // After the grace, A closes its pages (the other call of each is still pending) and exits.
    let exit = wait_for_exit(&mut instance_a.child, Duration::from_secs(30))
        .expect("the stopped instance exits after its grace");
    let exited_after = stopped_at.elapsed();
    assert!(exit.success(), "the stopped instance exits cleanly: {exit}");
    writeln!(stdin, "stopped").expect("proxy.mjs reads stdin");
    drop(stdin);
    let pages: Vec<serde_json::Value> =
        serde_json::from_str(&expect_line(&mut lines, "pages ")).expect("JSON");
    assert!(
        node.wait().expect("node ends").success(),
        "proxy.mjs failed"
    );
    let on_a = pages_on_the_stopped_instance(&pages);
    let watched = watchers
        .each_mut()
        .map(|watcher| (watcher.page, close_code(&mut watcher.socket)));
    drop(watchers);

    // nginx's log says which instance served each socket; it agrees with what the pages saw.
    let logged = logged_sockets(
        &nginx,
        &["1", "2", "3", "4", "5", "6", "watch-1", "watch-2"],
    );
    for socket in &logged {
        // The refused ones were refused by an instance (the policy); the others opened.
        let expected = if socket.page.starts_with("refused") {
            "403"
        } else {
            "101"
        };
        assert_eq!(socket.status.to_string(), expected, "{socket:?}");
        assert!(socket.upstream_statuses.ends_with(expected), "{socket:?}");
    }
    assert_eq!(
        logged.iter().filter(|socket| socket.status == 403).count(),
        2,
        "{logged:#?}"
    );
    for socket in logged.iter().filter(|socket| numbered(socket)) {
        let expected = if on_a.contains(&socket.page) { &a } else { &b };
        assert_eq!(
            socket.served_by(),
            expected,
            "page {}: {socket:?}",
            socket.page
        );
    }
    let draining: Vec<&Socket> = logged
        .iter()
        .filter(|socket| socket.page.starts_with("draining"))
        .collect();
    assert_eq!(draining.len(), 2, "{logged:#?}");
    assert!(
        draining.iter().all(|socket| socket.served_by() == b),
        "{draining:#?}"
    );
    assert!(
        draining
            .iter()
            .any(|socket| socket.upstreams == [a.clone(), b.clone()]
                && socket.upstream_statuses == "503, 101"),
        "a socket refused by the draining instance was passed to the other: {draining:#?}"
    );
    // A client of the stopped instance read a close frame, 1001 (going away), through nginx;
    // the other's socket stayed open.
    for (page, code) in watched {
        let socket = logged
            .iter()
            .find(|socket| socket.page == page)
            .expect("logged");
        let expected = (socket.served_by() == a).then_some(1001);
        assert_eq!(code, expected, "{page}: {socket:?}");
    }
    assert!(
        !on_a.is_empty() && on_a.len() < 4,
        "each instance served some of pages 1-4: A had {on_a:?}"
    );
    assert!(
        watched.iter().any(|(_, code)| code.is_some())
            && watched.iter().any(|(_, code)| code.is_none()),
        "a watcher on each instance: {watched:?}"
    );
    let count = |instance: &str| {
        logged
            .iter()
            .filter(|socket| socket.served_by() == instance)
            .count()
    };
    eprintln!(
        "sockets served: A {} (pages {on_a:?} of 1-4), B {}; A exited {exited_after:?} after SIGTERM",
        count(&a),
        count(&b),
    );
    drop(nginx);
    drop(instance_b);
}

/// Whether a socket is one of proxy.mjs's pages (`page=1` to `page=6`).
fn numbered(socket: &Socket) -> bool {
    socket.page.parse::<u8>().is_ok()
}

/// The port of an instance's address (`127.0.0.1:PORT`).
fn instance_port(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("an address with a port")
}
