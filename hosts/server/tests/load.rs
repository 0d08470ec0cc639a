//! Load: 200 concurrent connections × 200 pipelined calls each, on a 2-worker runtime; every
//! reply arrives exactly once, on its own connection, with the right value.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{wait_until, Frame, Page};
use interop_runtime::jsinvokable;
use interop_server::{ServerOptions, ServerStats};

const CONNECTIONS: u64 = 200;
const CALLS: u64 = 200;
/// A guard against a hang, far above what the test needs; not a performance assertion.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn mixed(connection: u64, call: u64, tag: &str) -> String {
    let value = connection
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
        ^ call.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    format!("{tag}/{value:x}")
}

/// A function of its unique arguments.
#[jsinvokable("Mix", assembly = "Load")]
pub fn mix(connection: u64, call: u64, tag: String) -> String {
    mixed(connection, call, &tag)
}

/// The same, as an async method (a spawned task per call).
#[jsinvokable("MixAsync", assembly = "Load")]
pub async fn mix_async(connection: u64, call: u64, tag: String) -> String {
    mixed(connection, call, &tag)
}

/// One page: sends every call without waiting, then reads until each has its reply; then a
/// ping shows nothing else was sent.
async fn run_page(url: String, connection: u64) {
    let mut page = Page::open(&url).await;
    for call in 1..=CALLS {
        let identifier = if call % 2 == 0 { "Mix" } else { "MixAsync" };
        let tag = format!("c{connection}-{call}");
        let args = serde_json::json!([connection, call, tag]).to_string();
        page.call(call, "Load", identifier, &args).await;
    }
    let mut replies: HashMap<u64, String> = HashMap::new();
    while replies.len() < CALLS as usize {
        let Frame::Text(text) = page.next_frame().await else {
            panic!("connection {connection}: an unexpected binary frame");
        };
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            value[0], "EndInvokeDotNet",
            "connection {connection}: {text}"
        );
        assert_eq!(value[2], true, "connection {connection}: {text}");
        let call = value[1].as_u64().expect("a call id");
        let result = value[3].as_str().expect("a result").to_owned();
        assert!(
            (1..=CALLS).contains(&call),
            "connection {connection}: unknown call id {call}"
        );
        let previous = replies.insert(call, result);
        assert!(
            previous.is_none(),
            "connection {connection}: call {call} completed twice"
        );
    }
    for (call, result) in &replies {
        let expected =
            serde_json::to_string(&mixed(connection, *call, &format!("c{connection}-{call}")))
                .expect("JSON");
        assert_eq!(result, &expected, "connection {connection}, call {call}");
    }
    assert_eq!(
        page.sync().await,
        vec![],
        "connection {connection}: extra frames"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connections_each_get_every_reply_once() {
    let server = common::start(ServerOptions::default()).await;
    let run = async {
        let pages: Vec<_> = (1..=CONNECTIONS)
            .map(|connection| tokio::spawn(run_page(server.url.clone(), connection)))
            .collect();
        for page in pages {
            page.await.expect("the page's checks pass");
        }
    };
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the load test hung");
    assert_eq!(server.runtime_count(), CONNECTIONS as usize);
    wait_until("every connection is gone", || {
        server.interop.stats()
            == ServerStats {
                connections: 0,
                live_tasks: 0,
                in_flight_calls: 0,
                staged_bytes: 0,
                tracked_objects: 0,
                queued_bytes: 0,
            }
    })
    .await;
    for index in 0..CONNECTIONS as usize {
        let runtime = server.runtime(index);
        assert!(runtime.is_closed());
        assert_eq!(runtime.in_flight_call_count(), 0);
    }
}
