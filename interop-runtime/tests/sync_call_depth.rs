//! Synchronous calls nested JavaScript → Rust → JavaScript … stop at
//! `RuntimeOptions::max_sync_call_depth`: the call one past the limit fails with
//! `JsError::TooDeep` before it reaches JavaScript, and the depth is counted back down after
//! a refusal, so the next call nests as deep as the first.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use interop_runtime::{
    jsinvokable, BoxFuture, Host, JsError, JsInvocation, JsRuntime, RuntimeOptions, SyncCallError,
    ToJs,
};

/// Calls JavaScript's `recurse(depth - 1)` synchronously until `depth` is 0; gives the depth
/// reached.
#[jsinvokable("Recurse", assembly = "Depth")]
fn recurse(js: JsRuntime, depth: u32) -> Result<u32, JsError> {
    if depth == 0 {
        return Ok(0);
    }
    js.invoke_sync::<u32>("recurse", (depth - 1,))
        .map(|reached| reached + 1)
}

/// An in-process host whose JavaScript `recurse(n)` calls `Recurse(n)` back synchronously,
/// and which counts how many synchronous calls reached it.
#[derive(Default)]
struct ReenteringHost {
    runtime: Mutex<Option<JsRuntime>>,
    reached: Mutex<u32>,
}

impl Host for ReenteringHost {
    fn send(&self, _: ToJs) {}
    fn spawn(&self, _: BoxFuture<()>) {}
    fn sleep(&self, _: Duration) -> BoxFuture<()> {
        Box::pin(std::future::pending())
    }
    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        assert_eq!(call.identifier, "recurse");
        *self.reached.lock().unwrap() += 1;
        let runtime = self.runtime.lock().unwrap().clone().expect("attached");
        runtime
            .invoke_dotnet(Some("Depth"), Some("Recurse"), None, &call.args_json)
            .map(Some)
            .map_err(SyncCallError::Threw)
    }
}

/// A runtime with `options` on a [`ReenteringHost`]; call `detach` when done (the host holds
/// the runtime).
fn runtime(options: RuntimeOptions) -> (JsRuntime, Arc<ReenteringHost>) {
    let host = Arc::new(ReenteringHost::default());
    let runtime = JsRuntime::with_options(host.clone(), options).expect("options accepted");
    *host.runtime.lock().unwrap() = Some(runtime.clone());
    (runtime, host)
}

fn detach(host: &ReenteringHost) {
    host.runtime.lock().unwrap().take();
}

fn call(runtime: &JsRuntime, host: &ReenteringHost, depth: u32) -> (Result<String, String>, u32) {
    *host.reached.lock().unwrap() = 0;
    let result = runtime.invoke_dotnet(Some("Depth"), Some("Recurse"), None, &format!("[{depth}]"));
    (result, *host.reached.lock().unwrap())
}

fn refusal(max: usize) -> String {
    format!(
        "The synchronous call to 'recurse' was refused: {max} synchronous calls between Rust and \
         JavaScript are already nested on this thread (RuntimeOptions::max_sync_call_depth)."
    )
}

#[test]
fn nesting_stops_at_the_limit_and_recovers() {
    let (runtime, host) = runtime(RuntimeOptions::default().max_sync_call_depth(4));
    // At the limit: four synchronous calls nested, each reaching JavaScript.
    assert_eq!(call(&runtime, &host, 4), (Ok("4".to_owned()), 4));
    // One past it: the fifth is refused before it reaches JavaScript, and the refusal is what
    // the outermost caller gets (each level passes the error text up).
    assert_eq!(call(&runtime, &host, 5), (Err(refusal(4)), 4));
    assert_eq!(call(&runtime, &host, 1_000), (Err(refusal(4)), 4));
    // Counted back down: the limit is whole again.
    assert_eq!(call(&runtime, &host, 4), (Ok("4".to_owned()), 4));
    assert_eq!(call(&runtime, &host, 0), (Ok("0".to_owned()), 0));
    detach(&host);
}

#[test]
fn the_default_allows_32() {
    assert_eq!(RuntimeOptions::default().max_sync_call_depth, 32);
    let (runtime, host) = runtime(RuntimeOptions::default());
    assert_eq!(call(&runtime, &host, 32), (Ok("32".to_owned()), 32));
    assert_eq!(call(&runtime, &host, 33), (Err(refusal(32)), 32));
    detach(&host);
}

#[test]
fn a_limit_of_zero_refuses_every_sync_call() {
    let (runtime, host) = runtime(RuntimeOptions::default().max_sync_call_depth(0));
    assert_eq!(call(&runtime, &host, 1), (Err(refusal(0)), 0));
    assert_eq!(call(&runtime, &host, 0), (Ok("0".to_owned()), 0));
    detach(&host);
}
