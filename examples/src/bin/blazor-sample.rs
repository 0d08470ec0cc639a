//! The seed's samples as a web app: `cargo run -p examples --bin blazor-sample -- --addr 127.0.0.1:8080`,
//! then open the address in a browser. The page runs the seed's JavaScript as written and calls
//! the Rust ports over one WebSocket per page.

use std::net::SocketAddr;
use std::process::ExitCode;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use interop_server::{InteropServer, ServerOptions};

// The samples live in the `examples` library; naming it keeps its #[jsinvokable] items linked.
use examples as _;

const USAGE: &str = "\
blazor-sample: serves the samples of \"Call .NET methods from JavaScript functions\" as a web
app whose JavaScript calls Rust over a WebSocket

USAGE: blazor-sample [--addr ADDRESS] [--detailed-errors]

OPTIONS:
    --addr ADDRESS      where to listen (default: 127.0.0.1:8080; port 0 picks a free one)
    --detailed-errors   send the text of Rust errors to the page (off: a generic text)
    -h, --help          this text";

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse + Clone {
    ([(header::CONTENT_TYPE, content_type)], body)
}

/// The web app: the page, its scripts and the interop routes.
fn app(interop: &InteropServer) -> Router {
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
    Router::new()
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
        .merge(interop.router())
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let mut options = ServerOptions::default();
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
            "--detailed-errors" => options.runtime.detailed_errors = true,
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
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |local| local.to_string());
    println!("Listening on http://{local}/");
    let shutdown = interop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            shutdown.shutdown();
        }
    });
    match axum::serve(listener, app(&interop))
        .with_graceful_shutdown(interop.shutdown_signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the server failed: {error}");
            ExitCode::FAILURE
        }
    }
}
