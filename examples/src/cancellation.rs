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
            () = tokio::time::sleep(Duration::from_millis(10)) => count += 1,
        }
    }
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
