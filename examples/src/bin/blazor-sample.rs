//! The seed's samples as a web app: `cargo run -p examples --bin blazor-sample -- --addr 127.0.0.1:8080`,
//! then open the address in a browser. The page runs the seed's JavaScript as written and calls
//! the Rust ports over one WebSocket per page.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::http::header;
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
                     [--detailed-errors] [--stats]

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
    -h, --help            this text";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse + Clone {
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

/// The web app: the page, its scripts and the interop routes (and `/stats` with `stats`).
fn app(interop: &InteropServer, stats: bool) -> Router {
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
    router
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
        .layer(interop.host_policy().layer())
        .merge(interop.router())
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
            other => {
                eprintln!("unknown argument '{other}'\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
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
    let shutdown = interop.clone();
    tokio::spawn(async move {
        stop_requested().await;
        shutdown.shutdown();
    });
    match interop.serve(listener, app(&interop, stats)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the server failed: {error}");
            ExitCode::FAILURE
        }
    }
}
