//! The web app as its own process, attacked and loaded from outside it: started on a free port
//! of 127.0.0.1, spoken to in raw HTTP and WebSocket, its memory read from `/proc`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support;

/// How long [`WebApp::wait_for_idle`] polls before it gives up (a bound, not an expectation).
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// The `blazor-sample` binary, running (started by the browser tests' [`support::WebApp`]);
/// killed when dropped.
pub struct WebApp {
    app: support::WebApp,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

impl WebApp {
    /// Starts `blazor-sample --addr 127.0.0.1:0 ARGS…` and reads its port from the line it
    /// prints.
    pub fn start(args: &[&str]) -> WebApp {
        let app = support::WebApp::start(args);
        let port = app
            .url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("an address on 127.0.0.1, not {:?}", app.url));
        WebApp { app, port }
    }

    /// The `Host` header of a page served by the app: `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The socket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/_interop/ws", self.port)
    }

    /// The largest resident set size the process has had (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        proc_status_kib(self.app.pid(), "VmHWM:")
    }

    /// The CPU time the process has used, user and system, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&self.app.pid().to_string())
    }

    /// Sends `request` (a whole HTTP/1.1 request head) on a new connection; the response's
    /// status and head, and the connection (after the head) for an upgrade.
    pub async fn request(&self, request: &str) -> (u16, String, TcpStream) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("the app accepts connections");
        stream
            .write_all(request.as_bytes())
            .await
            .expect("the request is sent");
        let head = read_head(&mut stream).await;
        (status_of(&head), head, stream)
    }

    /// `GET path` naming `host`: the status and the body.
    pub async fn get(&self, path: &str, host: &str) -> (u16, String) {
        let (status, head, mut stream) = self
            .request(&format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ))
            .await;
        let mut body = Vec::new();
        // The server closes after the response; a reset after it is no error of the app's.
        let _ = stream.read_to_end(&mut body).await;
        let length = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        });
        if let Some(length) = length {
            assert!(
                body.len() >= length,
                "a body of {length} bytes, got {body:?}"
            );
            body.truncate(length);
        }
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// What the server holds now (`GET /stats`, served with `--stats`).
    pub async fn stats(&self) -> serde_json::Value {
        let (status, body) = self.get("/stats", &self.host()).await;
        assert_eq!(status, 200, "GET /stats: {body}");
        serde_json::from_str(&body).expect("/stats is JSON")
    }

    /// Polls `/stats` until every counter reads zero; panics after a bound.
    pub async fn wait_for_idle(&self) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + IDLE_LIMIT;
        loop {
            let stats = self.stats().await;
            let object = stats.as_object().expect("/stats is an object");
            assert!(!object.is_empty(), "/stats names no counter");
            if object.values().all(|value| value == 0) {
                return stats;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server still holds {stats} after {IDLE_LIMIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The KiB figure of the line starting with `key` in `/proc/PID/status`.
fn proc_status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc is readable");
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("a {key} line in /proc/{pid}/status"))
}

/// The CPU time process `pid` (or `self`) has used, all threads, user and system, in seconds
/// (`/proc/PID/stat` counts in clock ticks of 1/100 s on Linux).
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc is readable");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime: fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields[11..13]
        .iter()
        .map(|field| field.parse::<u64>().expect("a tick count"))
        .sum();
    ticks as f64 / 100.0
}

/// Reads a response head, through the blank line (and not a byte further).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            other => panic!(
                "the response ended inside its head ({other:?}): {:?}",
                String::from_utf8_lossy(&head)
            ),
        }
        assert!(head.len() < 64 * 1024, "a response head over 64 KiB");
    }
    String::from_utf8(head).expect("the head is text")
}

/// The status code of a response head.
fn status_of(head: &str) -> u16 {
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head:?}"))
}
