//! Every release of Microsoft's client of the .NET 8, 9 and 10 lines on npm (pinned in
//! `npm-client-lines/`) drives the runtime in QuickJS: results of many Rust→JS calls that
//! finish together, each carrying byte arrays of its own, reach their own calls.
//!
//! The 8 and 9 clients serialize a result (sending its byte arrays) a microtask before they
//! send its completion, so such results reach Rust interleaved; the 10 clients send each result
//! whole. The tests check that they did (the order the client sent things in is recorded), then
//! check every byte by hash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use futures_util::future::join_all;
use interop_quickjs::{Client, Engine, EngineOptions};
use interop_runtime::{ByteArray, JsError, RuntimeOptions};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How many calls run at once.
const CALLS: u32 = 50;

/// Every pinned release with its client wrapped in `tests/recording-client.js`, written once
/// per test process: `(version, client)`, oldest first.
fn clients() -> &'static [(String, PathBuf)] {
    static CLIENTS: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let pinned = interop_testkit::npm::microsoft_clients(
            &manifest.join("npm-client-lines"),
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client-lines"),
        )
        .expect("the pinned npm clients install");
        let template = std::fs::read_to_string(manifest.join("tests/recording-client.js"))
            .expect("the template reads");
        let directory = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("recording-client-{}", std::process::id()));
        std::fs::create_dir_all(&directory).expect("the directory is created");
        pinned
            .into_iter()
            .map(|(version, module)| {
                let module = serde_json::to_string(module.to_str().expect("a UTF-8 path"))
                    .expect("a JSON string");
                let path = directory.join(format!("client-{version}.js"));
                std::fs::write(&path, template.replace("'MICROSOFT_CLIENT'", &module))
                    .expect("the client is written");
                (version, path)
            })
            .collect()
    })
}

/// The releases of each line: the tests cover the 8, 9 and 10 lines, every release of each.
#[test]
fn every_line_is_pinned() {
    let versions: Vec<&str> = clients()
        .iter()
        .map(|(version, _)| version.as_str())
        .collect();
    for line in ["8.", "9.", "10."] {
        assert!(
            versions.iter().any(|version| version.starts_with(line)),
            "no release of the {line}x line is pinned: {versions:?}"
        );
    }
}

fn engine(client: &Path) -> Engine {
    let engine = Engine::new(EngineOptions {
        runtime: RuntimeOptions::default(),
        client: Client::File(client.to_owned()),
        module_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        extra_module_roots: vec![PathBuf::from(env!("CARGO_TARGET_TMPDIR"))],
        ..EngineOptions::default()
    })
    .expect("the engine starts with Microsoft's client");
    engine
        .eval_script("results.js", RESULTS_JS)
        .expect("the script runs");
    engine
}

/// `makeBytes(seed)`: an object naming its seed, with 1 to 3 byte arrays of pseudo-random
/// bytes (1 to 3,000 each), returned at once, as a settled promise, or after up to four awaits,
/// so that the results finish in an order of their own. `failing(seed)` fails some calls: a
/// rejection (nothing sent), or a result whose serialization throws after its first array.
const RESULTS_JS: &str = r#"
function bytesOf(seed, part) {
  let state = (seed * 2654435761 + part * 40503 + 1) >>> 0 || 1;
  const bytes = new Uint8Array(1 + ((seed * 7919 + part * 104729) % 3000));
  for (let i = 0; i < bytes.length; i++) {
    state = (state ^ (state << 13)) >>> 0;
    state = (state ^ (state >>> 17)) >>> 0;
    state = (state ^ (state << 5)) >>> 0;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
function later(seed, value) {
  switch (seed % 4) {
    case 0: return value;
    case 1: return Promise.resolve(value);
    default: return (async () => { for (let i = 0; i < seed % 5; i++) await null; return value; })();
  }
}
function replyOf(seed) {
  const reply = { seed, parts: [] };
  for (let part = 0; part <= seed % 3; part++) reply.parts.push(bytesOf(seed, part));
  return reply;
}
globalThis.makeBytes = (seed) => later(seed, replyOf(seed));
globalThis.failing = (seed) => {
  if (seed % 5 === 1) return later(seed, Promise.reject(new Error(`call ${seed} rejected`)));
  if (seed % 5 === 3) return later(seed, { ...replyOf(seed), unserializable: 10n });
  return later(seed, replyOf(seed));
};
"#;

#[derive(Deserialize)]
struct Reply {
    seed: u32,
    parts: Vec<ByteArray>,
}

/// The bytes `bytesOf(seed, part)` makes in JavaScript.
fn bytes_of(seed: u32, part: u32) -> Vec<u8> {
    let seed = u64::from(seed);
    let part = u64::from(part);
    let mut state = (seed * 2_654_435_761 + part * 40_503 + 1) as u32;
    if state == 0 {
        state = 1;
    }
    let length = 1 + (seed * 7919 + part * 104_729) % 3000;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xff) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Checks one reply: its seed, and each array's hash against the bytes JavaScript made.
fn check_reply(version: &str, seed: u32, reply: &Reply) {
    assert_eq!(
        reply.seed, seed,
        "{version}: call {seed} got another's reply"
    );
    assert_eq!(
        reply.parts.len() as u32,
        seed % 3 + 1,
        "{version}: call {seed}"
    );
    for (part, bytes) in reply.parts.iter().enumerate() {
        assert_eq!(
            sha256(bytes),
            sha256(&bytes_of(seed, part as u32)),
            "{version}: call {seed}, array {part}: the bytes are not its own"
        );
    }
}

/// Calls `function(seed)` for every seed at once and waits for every result.
fn call_all(engine: &Engine, function: &'static str) -> Vec<Result<Reply, JsError>> {
    let runtime = engine.runtime().clone();
    engine.block_on(async move {
        join_all((0..CALLS).map(|seed| runtime.invoke::<Reply>(function, (seed,)))).await
    })
}

/// What the client sent, in order: `true` for a byte array, `false` for a completion.
fn wire_order(engine: &Engine) -> Vec<bool> {
    let order = engine
        .eval_json("return globalThis.wireOrder.splice(0);")
        .expect("the order reads")
        .expect("an array");
    let Value::Array(entries) = serde_json::from_str(&order).expect("JSON") else {
        panic!("the order is not an array: {order}");
    };
    entries.iter().map(|entry| entry[0] == "bytes").collect()
}

/// Whether a completion came right after another while every result had byte arrays: the
/// second's arrays came before the first completion, so results were interleaved.
fn interleaved(order: &[bool]) -> bool {
    order.windows(2).any(|pair| !pair[0] && !pair[1])
}

/// Fifty results finishing together, each with byte arrays of its own, reach their own calls
/// with every client; the 8 and 9 clients interleave them on the wire, the 10 clients do not.
#[test]
fn fifty_concurrent_results_with_byte_arrays_reach_their_own_calls() {
    for (version, client) in clients() {
        let engine = engine(client);
        for (seed, reply) in call_all(&engine, "makeBytes").into_iter().enumerate() {
            let seed = seed as u32;
            match reply {
                Ok(reply) => check_reply(version, seed, &reply),
                Err(error) => panic!("{version}: call {seed} failed: {error}"),
            }
        }
        let order = wire_order(&engine);
        let arrays: u32 = (0..CALLS).map(|seed| seed % 3 + 1).sum();
        assert_eq!(
            order.iter().filter(|&&bytes| bytes).count() as u32,
            arrays,
            "{version}"
        );
        let old_line = version.starts_with("8.") || version.starts_with("9.");
        assert_eq!(
            interleaved(&order),
            old_line,
            "{version}: interleaved on the wire: {order:?}"
        );
        assert_eq!(engine.runtime().pending_js_call_count(), 0, "{version}");
    }
}

/// With failures among them (rejections, and results whose serialization throws after
/// sending an array), no call gets another's bytes: each gets its own or fails, and a call
/// that did not fail in JavaScript fails only because its bytes cannot be told apart.
#[test]
fn failures_among_concurrent_results_never_give_a_call_another_calls_bytes() {
    for (version, client) in clients() {
        let engine = engine(client);
        let mut delivered = 0;
        for (seed, reply) in call_all(&engine, "failing").into_iter().enumerate() {
            let seed = seed as u32;
            match (seed % 5, reply) {
                (1 | 3, Ok(_)) => panic!("{version}: call {seed} should have failed"),
                (1 | 3, Err(_)) => {}
                (_, Ok(reply)) => {
                    check_reply(version, seed, &reply);
                    delivered += 1;
                }
                (_, Err(error)) => assert!(
                    error
                        .to_string()
                        .contains("Cannot tell which of the byte arrays"),
                    "{version}: call {seed}: {error}"
                ),
            }
        }
        assert!(delivered > 0, "{version}: no call got its bytes");
        println!("{version}: {delivered} of 30 calls got their bytes");
        assert_eq!(engine.runtime().pending_js_call_count(), 0, "{version}");
    }
}
