//! Cancelling a call from the page (not a sample of the seed): the web app's browser test
//! aborts `CountUntilCancelled` with an `AbortSignal` and reads what Rust saw.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use interop_runtime::{jsinvokable, CancellationToken, JsRuntime};
use serde::Serialize;

/// What the cancellable calls of one connection saw.
#[derive(Default)]
struct Seen {
    signalled: AtomicU32,
    dropped: AtomicU32,
}

/// Counts this connection's dropped calls when the call's future is dropped.
struct DropCounter(Arc<Seen>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

fn seen(js: &JsRuntime) -> Arc<Seen> {
    if let Some(seen) = js.extension::<Seen>() {
        return seen;
    }
    js.insert_extension(Seen::default());
    js.extension::<Seen>().unwrap_or_default()
}

/// Counts every 10 ms until the page aborts the call; then stops at once (its result is
/// dropped: the page has moved on).
#[jsinvokable("CountUntilCancelled", assembly = "BlazorSample")]
pub async fn count_until_cancelled(js: JsRuntime, cancel: CancellationToken) -> u64 {
    let seen = seen(&js);
    let _counter = DropCounter(Arc::clone(&seen));
    let mut count = 0;
    loop {
        tokio::select! {
            () = cancel.cancelled() => {
                seen.signalled.fetch_add(1, Ordering::SeqCst);
                return count;
            }
            () = sleep(Duration::from_millis(10)) => count += 1,
        }
    }
}

/// Waits `duration`: on tokio's timer natively, on the page's `setTimeout` in the page (where
/// there is no tokio runtime; the module's futures run on the page's event loop).
#[cfg(not(target_arch = "wasm32"))]
async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Waits `duration`: on tokio's timer natively, on the page's `setTimeout` in the page (where
/// there is no tokio runtime; the module's futures run on the page's event loop).
#[cfg(target_arch = "wasm32")]
async fn sleep(duration: Duration) {
    use js_sys::wasm_bindgen::{JsCast, JsValue};
    let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let timer = js_sys::Promise::new(&mut |resolve, reject| {
        let set_timeout = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|function| function.dyn_into::<js_sys::Function>().ok());
        let armed = set_timeout.map(|set_timeout| {
            set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(millis))
        });
        if !matches!(armed, Some(Ok(_))) {
            let _ = reject.call1(&JsValue::UNDEFINED, &JsValue::from_str("no setTimeout"));
        }
    });
    // Without a timer the wait ends at once: the count goes on, and the call stays cancellable.
    let _ = wasm_bindgen_futures::JsFuture::from(timer).await;
}

/// How many of this connection's cancellable calls were signalled and dropped.
#[derive(Serialize, ts_rs::TS)]
pub struct CancellationReport {
    /// Calls whose token was signalled.
    pub signalled: u32,
    /// Calls whose future was dropped.
    pub dropped: u32,
}

/// What this connection's cancellable calls saw.
#[jsinvokable("CancellationReport", assembly = "BlazorSample")]
pub fn cancellation_report(js: JsRuntime) -> CancellationReport {
    let seen = seen(&js);
    CancellationReport {
        signalled: seen.signalled.load(Ordering::SeqCst),
        dropped: seen.dropped.load(Ordering::SeqCst),
    }
}
