//! JS→Rust calls nested inside each other (JavaScript → Rust → JavaScript → Rust … on an
//! in-process host) stop at `RuntimeOptions::max_nested_calls`: the call one past it fails at
//! once with the runtime's text, whichever way JavaScript was reached (a synchronous Rust→JS
//! call, or an asynchronous one whose function the client runs at once), and the count goes
//! back down after a refusal.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use interop_runtime::{
    jsinvokable, BoxFuture, Host, JsError, JsInvocation, JsRuntime, RuntimeOptions, SyncCallError,
    ToJs,
};

/// Calls JavaScript's `recurse(depth - 1)` synchronously until `depth` is 0; gives the depth
/// reached.
#[jsinvokable("Recurse", assembly = "Nesting")]
fn recurse(js: JsRuntime, depth: u32) -> Result<u32, JsError> {
    if depth == 0 {
        return Ok(0);
    }
    js.invoke_sync::<u32>("recurse", (depth - 1,))
        .map(|reached| reached + 1)
}

/// Starts JavaScript's `again(depth - 1)` without waiting for it, until `depth` is 0.
#[jsinvokable("Again", assembly = "Nesting")]
fn again(js: JsRuntime, depth: u32) -> u32 {
    if depth > 0 {
        drop(js.invoke_void("again", (depth - 1,)));
    }
    depth
}

/// An in-process host whose JavaScript calls Rust back at once: `recurse(n)` calls
/// `Recurse(n)` synchronously, and `again(n)`, which the client runs as soon as Rust sends the
/// call (as the JS clients do), calls `Again(n)`. It notes how often JavaScript was reached
/// and what the calls of `again` gave.
#[derive(Default)]
struct ReenteringHost {
    runtime: Mutex<Option<JsRuntime>>,
    reached: Mutex<u32>,
    again: Mutex<Vec<Result<String, String>>>,
}

impl ReenteringHost {
    fn runtime(&self) -> JsRuntime {
        self.runtime.lock().unwrap().clone().expect("attached")
    }
}

impl Host for ReenteringHost {
    fn send(&self, message: ToJs) {
        if let ToJs::BeginInvokeJs(call) = message {
            assert_eq!(call.identifier, "again");
            *self.reached.lock().unwrap() += 1;
            let result =
                self.runtime()
                    .invoke_dotnet(Some("Nesting"), Some("Again"), None, &call.args_json);
            self.again.lock().unwrap().push(result);
        }
    }
    fn spawn(&self, _: BoxFuture<()>) {}
    fn sleep(&self, _: Duration) -> BoxFuture<()> {
        Box::pin(std::future::pending())
    }
    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        assert_eq!(call.identifier, "recurse");
        *self.reached.lock().unwrap() += 1;
        self.runtime()
            .invoke_dotnet(Some("Nesting"), Some("Recurse"), None, &call.args_json)
            .map(Some)
            .map_err(SyncCallError::Threw)
    }
}

/// A runtime with `options` on a [`ReenteringHost`]; `detach` when done (the host holds the
/// runtime).
fn runtime(options: RuntimeOptions) -> (JsRuntime, Arc<ReenteringHost>) {
    let host = Arc::new(ReenteringHost::default());
    let runtime = JsRuntime::with_options(host.clone(), options).expect("options accepted");
    *host.runtime.lock().unwrap() = Some(runtime.clone());
    (runtime, host)
}

fn detach(host: &ReenteringHost) {
    host.runtime.lock().unwrap().take();
}

/// `identifier(depth)` from JavaScript's top level: what it gave, and how often JavaScript was
/// reached meanwhile.
fn call(
    runtime: &JsRuntime,
    host: &ReenteringHost,
    identifier: &str,
    depth: u32,
) -> (Result<String, String>, u32) {
    *host.reached.lock().unwrap() = 0;
    let args = format!("[{depth}]");
    let result = runtime.invoke_dotnet(Some("Nesting"), Some(identifier), None, &args);
    (result, *host.reached.lock().unwrap())
}

fn refusal(identifier: &str, max: usize) -> String {
    format!(
        "The call to '{identifier}' was refused: {max} calls from JavaScript are already nested on \
         this thread, each made by JavaScript that Rust called (RuntimeOptions::max_nested_calls)."
    )
}

#[test]
fn synchronous_nesting_stops_at_the_limit_and_recovers() {
    let (runtime, host) = runtime(RuntimeOptions::default().max_nested_calls(4));
    // At the limit: four calls from JavaScript running, one inside the other.
    assert_eq!(call(&runtime, &host, "Recurse", 3), (Ok("3".to_owned()), 3));
    // One past it: the fifth is refused at once, and each level passes the text up.
    let refused = Err(refusal("Recurse", 4));
    assert_eq!(call(&runtime, &host, "Recurse", 4), (refused.clone(), 4));
    assert_eq!(call(&runtime, &host, "Recurse", 1_000), (refused, 4));
    // Counted back down: the whole depth is available again.
    assert_eq!(call(&runtime, &host, "Recurse", 3), (Ok("3".to_owned()), 3));
    detach(&host);
}

#[test]
fn nesting_through_calls_the_client_runs_at_once_stops_too() {
    let (runtime, host) = runtime(RuntimeOptions::default().max_nested_calls(4));
    assert_eq!(call(&runtime, &host, "Again", 3), (Ok("3".to_owned()), 3));
    let inner: Vec<_> = host.again.lock().unwrap().drain(..).collect();
    assert_eq!(inner, ["0", "1", "2"].map(|depth| Ok(depth.to_owned())));
    // Past the limit the innermost call is refused; every call outside it completed.
    assert_eq!(
        call(&runtime, &host, "Again", 1_000),
        (Ok("1000".to_owned()), 4)
    );
    let inner: Vec<_> = host.again.lock().unwrap().drain(..).collect();
    assert_eq!(
        inner,
        [
            Err(refusal("Again", 4)),
            Ok("997".to_owned()),
            Ok("998".to_owned()),
            Ok("999".to_owned())
        ]
    );
    detach(&host);
}

#[test]
fn the_default_allows_32() {
    assert_eq!(RuntimeOptions::default().max_nested_calls, 32);
    let (runtime, host) = runtime(RuntimeOptions::default());
    assert_eq!(
        call(&runtime, &host, "Recurse", 31),
        (Ok("31".to_owned()), 31)
    );
    assert_eq!(
        call(&runtime, &host, "Recurse", 32),
        (Err(refusal("Recurse", 32)), 32)
    );
    detach(&host);
}

#[test]
fn a_limit_of_one_allows_no_nesting() {
    let (runtime, host) = runtime(RuntimeOptions::default().max_nested_calls(1));
    assert_eq!(call(&runtime, &host, "Recurse", 0), (Ok("0".to_owned()), 0));
    assert_eq!(
        call(&runtime, &host, "Recurse", 1),
        (Err(refusal("Recurse", 1)), 1)
    );
    detach(&host);
}
