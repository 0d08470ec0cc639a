//! The runtime's clock on the page's timers: [`Host::sleep`](interop_runtime::Host::sleep) as a
//! future woken by `setTimeout`, and cleared with `clearTimeout` when dropped (a call that ended
//! before its 60 s timeout leaves no timer behind, which would keep Node.js alive).
//!
//! Everything JavaScript lives in a table of this thread (wasm32 has one): the future itself
//! holds only a key, so it is `Send` as the runtime's futures must be.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasm_bindgen::prelude::*;

use crate::panic;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout(callback, ms, key)`: the key is handed to the callback.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, milliseconds: f64, key: f64) -> JsValue;

    /// The global `clearTimeout(handle)` (a number in browsers, an object in Node.js).
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// The longest delay `setTimeout` honours (a longer one fires at once): longer sleeps re-arm.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// One armed timer.
struct Timer {
    /// The handle `setTimeout` returned, for `clearTimeout`.
    handle: JsValue,
    /// Milliseconds still to wait once the armed delay has passed.
    remaining: f64,
    fired: bool,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Timers {
    next_key: u64,
    armed: HashMap<u64, Timer>,
    /// The one callback every timer calls, with its key.
    callback: Option<Closure<dyn Fn(f64)>>,
}

thread_local! {
    static TIMERS: RefCell<Timers> = RefCell::new(Timers::default());
}

/// Arms `setTimeout` for up to [`MAX_DELAY_MS`] of `milliseconds`; returns the handle and what
/// remains after it.
fn arm(timers: &mut Timers, key: u64, milliseconds: f64) -> (JsValue, f64) {
    let callback = timers
        .callback
        .get_or_insert_with(|| Closure::new(|key: f64| fired(key as u64)));
    let delay = milliseconds.min(MAX_DELAY_MS);
    let handle = set_timeout(callback.as_ref().unchecked_ref(), delay, key as f64);
    (handle, milliseconds - delay)
}

/// The callback of every timer: wakes its future, or re-arms a long sleep.
fn fired(key: u64) {
    if panic::stopped() {
        return;
    }
    let waker = TIMERS.with(|timers| {
        let mut timers = timers.borrow_mut();
        let remaining = timers.armed.get(&key)?.remaining;
        if remaining > 0.0 {
            let (handle, remaining) = arm(&mut timers, key, remaining);
            let timer = timers.armed.get_mut(&key)?;
            timer.handle = handle;
            timer.remaining = remaining;
            return None;
        }
        let timer = timers.armed.get_mut(&key)?;
        timer.fired = true;
        timer.waker.take()
    });
    // Woken outside the table's borrow: the executor may poll right away.
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The key of a sleep that never completes (keys of armed timers start at 1).
const NEVER: u64 = 0;

/// A future that completes after a delay, on the page's `setTimeout`.
pub(crate) struct Sleep {
    key: u64,
}

impl Sleep {
    /// Arms a timer of `duration`.
    pub(crate) fn new(duration: Duration) -> Sleep {
        let milliseconds = duration.as_secs_f64() * 1000.0;
        if panic::stopped() {
            // Never fires: nothing may call into the module after a panic.
            return Sleep { key: NEVER };
        }
        TIMERS.with(|timers| {
            let mut timers = timers.borrow_mut();
            timers.next_key += 1;
            let key = timers.next_key;
            let (handle, remaining) = arm(&mut timers, key, milliseconds);
            timers.armed.insert(
                key,
                Timer {
                    handle,
                    remaining,
                    fired: false,
                    waker: None,
                },
            );
            Sleep { key }
        })
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.key == NEVER {
            return Poll::Pending;
        }
        TIMERS.with(|timers| {
            let mut timers = timers.borrow_mut();
            match timers.armed.get_mut(&self.key) {
                Some(timer) if !timer.fired => {
                    timer.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
                _ => Poll::Ready(()),
            }
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        let removed = TIMERS.with(|timers| timers.borrow_mut().armed.remove(&self.key));
        if let Some(timer) = removed {
            if !timer.fired {
                clear_timeout(&timer.handle);
            }
        }
    }
}

/// Clears every armed timer (after a panic: nothing may call into the module again).
pub(crate) fn stop_all() {
    let armed = TIMERS
        .try_with(|timers| {
            timers
                .try_borrow_mut()
                .map(|mut timers| std::mem::take(&mut timers.armed))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    for timer in armed.values() {
        clear_timeout(&timer.handle);
    }
    // The wakers are not dropped: they belong to an executor the panic left in an unknown state.
    std::mem::forget(armed);
}
