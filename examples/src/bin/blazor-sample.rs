//! The seed's samples as a web app: `cargo run -p examples --bin blazor-sample -- --addr 127.0.0.1:8080`,
//! then open the address in a browser. The page runs the seed's JavaScript as written and calls
//! the Rust ports over one WebSocket per page; with `--wasm DIR` (`scripts/wasm-app.sh`) it
//! serves the same page with the samples compiled to wasm running in the page instead, and no
//! WebSocket endpoint.
// A native program (it embeds QuickJS / serves over axum): on wasm32, where the samples library
// also builds (examples/wasm-app), it is empty.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Path as UrlPath;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use interop_server::{AllowedHosts, InteropServer, ServerOptions, ServerStats};

// The samples live in the `examples` library; naming it keeps its #[jsinvokable] items linked.
use examples as _;

const USAGE: &str = "\
blazor-sample: serves the samples of \"Call .NET methods from JavaScript functions\" as a web
app whose JavaScript calls Rust over a WebSocket

USAGE: blazor-sample [--addr ADDRESS] [--allowed-host NAME]... [--shutdown-grace SECONDS]
                     [--detailed-errors] [--stats] [--wasm DIR [--client FILE]]

OPTIONS:
    --addr ADDRESS        where to listen (default: 127.0.0.1:8080; port 0 picks a free one)
    --allowed-host NAME   a host name pages use (repeatable); required to listen on a
                          non-loopback address (default: localhost, 127.0.0.1 and [::1])
    --shutdown-grace SECONDS
                          on Ctrl-C (SIGINT) or SIGTERM, how long calls in flight may
                          finish before pages are closed (default: 10); new sockets are
                          refused meanwhile
    --detailed-errors     send the text of Rust errors to the page (off: a generic text)
    --stats               also serve GET /stats: what the interop server holds now, as JSON
                          (connections, live_tasks, in_flight_calls, staged_bytes,
                          tracked_objects, queued_bytes; for load and leak tests)
    --wasm DIR            Rust in the page: serve DIR (what `wasm-bindgen --target web`
                          wrote for examples/wasm-app, as scripts/wasm-app.sh does) under
                          /pkg/ and have the page load it; no WebSocket endpoint is served
    --client FILE         with --wasm: the JS client (an ES module exporting DotNet) the page
                          loads, e.g. Microsoft's Microsoft.JSInterop.js (default: ours)
    -h, --help            this text";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse + Clone {
    ([(header::CONTENT_TYPE, content_type)], body)
}

fn asset_owned(content_type: &'static str, body: String) -> impl IntoResponse + Clone {
    ([(header::CONTENT_TYPE, content_type)], body)
}

/// What the interop server holds now, as a JSON object (`--stats`).
fn stats_json(interop: &InteropServer) -> String {
    let ServerStats {
        connections,
        live_tasks,
        in_flight_calls,
        staged_bytes,
        tracked_objects,
        queued_bytes,
    } = interop.stats();
    serde_json::json!({
        "connections": connections,
        "live_tasks": live_tasks,
        "in_flight_calls": in_flight_calls,
        "staged_bytes": staged_bytes,
        "tracked_objects": tracked_objects,
        "queued_bytes": queued_bytes,
    })
    .to_string()
}

/// The module the page's `app.js` imports first, over a WebSocket: our client connected to the
/// server.
const INTEROP_JS_SOCKET: &str = "\
// Rust runs on the server: window.DotNet talks to it over one WebSocket.
import '/_interop/connect.js';
";

/// The module the page's `app.js` imports first, with Rust in the page (`--wasm`).
const INTEROP_JS_IN_PAGE: &str = "\
// Rust runs in the page (blazor-sample --wasm): the JS client as the global DotNet, then the
// samples' wasm module, whose start function attaches the runtime to it. No WebSocket.
import { DotNet } from '/client.js';
window.DotNet = DotNet;
window.rustInPage = true;
const { default: init } = await import('/pkg/examples_wasm_app.js');
await init();
";

/// The in-page mode (`--wasm`): the files of the bundle and the JS client's text.
struct InPage {
    /// The bundle's files by their path under `/pkg/`, with their content type.
    files: HashMap<String, (&'static str, Bytes)>,
    /// The JS client the page loads as `/client.js`.
    client: String,
}

impl InPage {
    /// Reads the bundle in `dir` (and `client`, else our client). Fails when `dir` holds no
    /// `examples_wasm_app.js`.
    fn load(dir: &Path, client: Option<&Path>) -> Result<InPage, String> {
        let mut files = HashMap::new();
        read_tree(dir, "", &mut files)
            .map_err(|error| format!("cannot read --wasm {}: {error}", dir.display()))?;
        if !files.contains_key("examples_wasm_app.js") {
            return Err(format!(
                "--wasm {} holds no examples_wasm_app.js (run wasm-bindgen --target web on \
                 examples_wasm_app.wasm into it; scripts/wasm-app.sh does)",
                dir.display()
            ));
        }
        let client = match client {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read --client {}: {error}", path.display()))?,
            None => interop_runtime::CLIENT_JS.to_owned(),
        };
        Ok(InPage { files, client })
    }
}

/// The files under `dir`, keyed by their path below it (`prefix`), with their content type.
fn read_tree(
    dir: &Path,
    prefix: &str,
    files: &mut HashMap<String, (&'static str, Bytes)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue; // not a name a URL of the bundle uses
        };
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            read_tree(&path, &format!("{prefix}{name}/"), files)?;
            continue;
        }
        let content_type = match path.extension().and_then(|ext| ext.to_str()) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("wasm") => "application/wasm",
            Some("ts") => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        };
        let content = Bytes::from(std::fs::read(&path)?);
        files.insert(format!("{prefix}{name}"), (content_type, content));
    }
    Ok(())
}

/// The web app: the page, its scripts and the interop routes (and `/stats` with `stats`); with
/// `in_page`, the bundle and the JS client instead of the interop routes.
fn app(interop: &InteropServer, stats: bool, in_page: Option<InPage>) -> Router {
    let socket = in_page.is_none();
    let html = asset(
        "text/html; charset=utf-8",
        include_str!("../../web/index.html"),
    );
    let script = |body| asset("text/javascript; charset=utf-8", body);
    let (app_js, seed_js, module_js) = (
        script(include_str!("../../web/app.js")),
        script(include_str!("../../js/seed.js")),
        script(include_str!("../../js/scripts/isolation.js")),
    );
    let css = asset("text/css; charset=utf-8", include_str!("../../web/app.css"));
    let mut router = Router::new();
    if stats {
        let interop = interop.clone();
        router = router.route(
            "/stats",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    stats_json(&interop),
                )
            }),
        );
    }
    let interop_js = if in_page.is_some() {
        INTEROP_JS_IN_PAGE
    } else {
        INTEROP_JS_SOCKET
    };
    let interop_js = script(interop_js);
    router = router.route("/interop.js", get(move || async move { interop_js }));
    if let Some(in_page) = in_page {
        let client = asset_owned("text/javascript; charset=utf-8", in_page.client);
        let files = Arc::new(in_page.files);
        router = router
            .route("/client.js", get(move || async move { client }))
            .route(
                "/pkg/{*path}",
                get(move |UrlPath(path): UrlPath<String>| async move {
                    match files.get(&path) {
                        Some((content_type, content)) => {
                            ([(header::CONTENT_TYPE, *content_type)], content.clone())
                                .into_response()
                        }
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }),
            );
    }
    let router = router
        .route("/", get(move || async move { html }))
        .route("/app.js", get(move || async move { app_js }))
        .route("/seed.js", get(move || async move { seed_js }))
        .route(
            "/scripts/isolation.js",
            get(move || async move { module_js }),
        )
        .route("/app.css", get(move || async move { css }))
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        // The page itself is behind the same host policy as the interop routes (DNS rebinding).
        .layer(interop.host_policy().layer());
    if socket {
        router.merge(interop.router())
    } else {
        router
    }
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `docker stop`, systemd and
/// Kubernetes send): either starts the graceful shutdown.
async fn stop_requested() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = async {
            match signal(SignalKind::terminate()) {
                Ok(mut terminate) => {
                    terminate.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let mut options = ServerOptions::default();
    let mut stats = false;
    let (mut wasm, mut client) = (None::<PathBuf>, None::<PathBuf>);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--addr" => match args.next().map(|value| value.parse()) {
                Some(Ok(value)) => addr = value,
                _ => {
                    eprintln!("--addr needs an address like 127.0.0.1:8080\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--allowed-host" => match (args.next(), &mut options.allowed_hosts) {
                (Some(name), AllowedHosts::Names(names)) => names.push(name),
                (Some(name), _) => options.allowed_hosts = AllowedHosts::names([name]),
                (None, _) => {
                    eprintln!("--allowed-host needs a host name\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--shutdown-grace" => match args
                .next()
                .and_then(|value| value.parse::<f64>().ok())
                .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            {
                Some(grace) => options.shutdown_grace = grace,
                None => {
                    eprintln!("--shutdown-grace needs a number of seconds\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "--detailed-errors" => options.detailed_errors = true,
            "--stats" => stats = true,
            "--wasm" | "--client" => match args.next() {
                Some(path) if arg == "--wasm" => wasm = Some(path.into()),
                Some(path) => client = Some(path.into()),
                None => {
                    eprintln!("{arg} needs a path\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument '{other}'\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let in_page = match (wasm, client) {
        (Some(dir), client) => match InPage::load(&dir, client.as_deref()) {
            Ok(in_page) => Some(in_page),
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(2);
            }
        },
        (None, Some(_)) => {
            eprintln!("--client needs --wasm\n\n{USAGE}");
            return ExitCode::from(2);
        }
        (None, None) => None,
    };
    let interop = InteropServer::new(options);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(error) => {
            eprintln!("cannot read the address listened on: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = interop.listen_on(local) {
        eprintln!("{error}");
        return ExitCode::from(2);
    }
    println!("Listening on http://{local}/");
    if in_page.is_some() {
        eprintln!("The samples run in the page (--wasm): no WebSocket endpoint is served.");
    }
    let shutdown = interop.clone();
    tokio::spawn(async move {
        stop_requested().await;
        shutdown.shutdown();
    });
    match interop.serve(listener, app(&interop, stats, in_page)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the server failed: {error}");
            ExitCode::FAILURE
        }
    }
}
