//! The `Host` the runtime talks to: a queue of messages for the engine thread, tokio for
//! futures and timers, and synchronous calls through the engine's bridge.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use std::time::Duration;

use interop_runtime::{BoxFuture, Host, JsInvocation, SyncCallError, ToJs};
use tokio::sync::Notify;

use crate::bridge;

/// How a JS→Rust call ended, handed straight back to JavaScript instead of being queued.
#[derive(Debug)]
pub(crate) struct Completion {
    /// Whether the call succeeded.
    pub(crate) success: bool,
    /// The result JSON on success, the error text on failure.
    pub(crate) result_or_error: String,
}

/// Messages for JavaScript, and the call whose completion may skip them.
#[derive(Default)]
struct Outbox {
    /// Delivered in order by the engine thread.
    queue: VecDeque<ToJs>,
    /// The call running inside `beginInvokeDotNetFromJSDirect`, whose completion is caught
    /// instead of queued when nothing is queued before it.
    capture: Option<u64>,
    /// The caught completion, with its call id.
    captured: Option<(u64, Completion)>,
}

/// What [`Shared::begin_capture`] replaced, restored by [`Shared::end_capture`].
pub(crate) struct CaptureMark(Option<u64>);

/// What the engine thread and the runtime share.
pub(crate) struct Shared {
    outbox: Mutex<Outbox>,
    /// Wakes the engine's loop when a message, a finished task or a timer needs it.
    pub(crate) wake: Notify,
    /// Spawned futures that have not finished.
    live_tasks: AtomicUsize,
    /// Identifies this engine's bridge on its thread.
    pub(crate) engine_id: u64,
    /// While this many messages wait, new calls are refused (`EngineOptions::max_queued_messages`).
    max_queued: usize,
}

impl Shared {
    pub(crate) fn new(engine_id: u64, max_queued: usize) -> Self {
        Shared {
            outbox: Mutex::new(Outbox::default()),
            wake: Notify::new(),
            live_tasks: AtomicUsize::new(0),
            engine_id,
            max_queued,
        }
    }

    /// Whether a new call, in either direction, may start: not while `max_queued` messages
    /// wait for JavaScript. (What a started call sends is always queued: its completion, byte
    /// arrays and notices are never refused, so the queue exceeds the bound by at most those of
    /// the calls in flight.)
    pub(crate) fn room_for_call(&self) -> Result<(), String> {
        if self.outbox.lock().queue.len() < self.max_queued {
            Ok(())
        } else {
            Err(format!(
                "the queue of messages for JavaScript is full (max_queued_messages = {})",
                self.max_queued
            ))
        }
    }

    pub(crate) fn pop_message(&self) -> Option<ToJs> {
        self.outbox.lock().queue.pop_front()
    }

    pub(crate) fn has_messages(&self) -> bool {
        !self.outbox.lock().queue.is_empty()
    }

    /// From now until [`end_capture`](Self::end_capture), the completion of `call_id` is
    /// caught instead of queued, provided nothing is queued for JavaScript when it is sent
    /// (so it overtakes nothing: no earlier message, no byte array of its own result) and, on
    /// success, its JSON holds no `"__` (no marker the client could fail to revive).
    pub(crate) fn begin_capture(&self, call_id: u64) -> CaptureMark {
        CaptureMark(self.outbox.lock().capture.replace(call_id))
    }

    /// Ends the capture of `call_id` and returns its completion if it was caught.
    pub(crate) fn end_capture(&self, call_id: u64, mark: CaptureMark) -> Option<Completion> {
        let mut outbox = self.outbox.lock();
        outbox.capture = mark.0;
        match outbox.captured.take() {
            Some((id, completion)) if id == call_id => Some(completion),
            Some((id, completion)) => {
                // Cannot happen (only the innermost capture catches), but never lose a message.
                drop(outbox);
                self.requeue(id, completion);
                None
            }
            None => None,
        }
    }

    /// Queues a caught completion that could not be handed to JavaScript directly.
    pub(crate) fn requeue(&self, call_id: u64, completion: Completion) {
        self.outbox.lock().queue.push_back(ToJs::EndInvokeDotNet {
            call_id,
            success: completion.success,
            result_or_error: completion.result_or_error,
        });
        self.wake.notify_one();
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.live_tasks.load(Ordering::Acquire)
    }
}

/// Counts a spawned future until it finishes or is dropped, then wakes the engine.
struct TaskGuard(Arc<Shared>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::AcqRel);
        self.0.wake.notify_one();
    }
}

/// The runtime's view of the engine.
pub(crate) struct QuickJsHost {
    pub(crate) shared: Arc<Shared>,
    pub(crate) tokio: tokio::runtime::Handle,
}

impl Host for QuickJsHost {
    fn send(&self, message: ToJs) {
        let mut outbox = self.shared.outbox.lock();
        match message {
            ToJs::EndInvokeDotNet {
                call_id,
                success,
                result_or_error,
            } if outbox.capture == Some(call_id)
                && outbox.queue.is_empty()
                && (!success || !result_or_error.contains("\"__")) =>
            {
                // The callback that started the call returns it; nothing to wake.
                outbox.capture = None;
                outbox.captured = Some((
                    call_id,
                    Completion {
                        success,
                        result_or_error,
                    },
                ));
            }
            message => {
                outbox.queue.push_back(message);
                drop(outbox);
                self.shared.wake.notify_one();
            }
        }
    }

    fn room_for_call(&self) -> Result<(), String> {
        self.shared.room_for_call()
    }

    fn invoke_js_sync(&self, call: JsInvocation) -> Result<Option<String>, SyncCallError> {
        bridge::invoke_sync(self.shared.engine_id, call)
    }

    fn spawn(&self, task: BoxFuture<()>) {
        self.shared.live_tasks.fetch_add(1, Ordering::AcqRel);
        let guard = TaskGuard(Arc::clone(&self.shared));
        self.tokio.spawn(async move {
            let _guard = guard;
            task.await;
        });
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<()> {
        // The runtime asks for the timer when a call starts, which may be outside the engine's
        // loop (`engine.runtime().invoke(..)` before `block_on`): bind it to the engine's clock.
        let _context = self.tokio.enter();
        Box::pin(tokio::time::sleep(duration))
    }
}
