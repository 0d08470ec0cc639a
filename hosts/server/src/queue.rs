//! The write queue of one connection: every frame for the page, in order, bounded in bytes by
//! backpressure rather than by refusal.

use std::cell::Cell;
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use axum::extract::ws::Message;
use parking_lot::Mutex;

/// What a queued frame counts for besides its payload (the frame header, the queue slot).
const FRAME_OVERHEAD: usize = 64;

/// The bytes a frame counts for in the bound.
pub(crate) fn frame_cost(message: &Message) -> usize {
    FRAME_OVERHEAD
        + match message {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
            Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
            Message::Close(_) => 0,
        }
}

/// What the writer sends, in the order it was queued (one FIFO for every thread, so the frames
/// one thread queues keep their order: byte arrays before the completion naming them).
///
/// A push is never refused while the connection is open (a completion is never dropped); the
/// bound is kept by those who produce frames: they wait in [`poll_room`](Self::poll_room) until
/// the queue is under `bound` bytes. The reader holds new calls while it is full, and async
/// results wait before they are serialized, so the queue holds at most the bound plus what the
/// producers that found room at the same moment add (one message each).
pub(crate) struct WriteQueue {
    state: Mutex<QueueState>,
    bound: usize,
}

struct QueueState {
    messages: VecDeque<Message>,
    bytes: usize,
    /// The writer, waiting for a message.
    writer: Option<Waker>,
    /// Producers waiting for room.
    waiting: Vec<Waker>,
    /// The writer has ended: nothing more is taken.
    closed: bool,
}

/// The queue has closed: the connection is going away.
#[derive(Debug)]
pub(crate) struct Closed;

thread_local! {
    /// The queue (its address) of the connection whose reader is handling a frame on this
    /// thread, if any.
    static DISPATCHING: Cell<usize> = const { Cell::new(0) };
}

/// Marks the reader of a connection as handling a frame on this thread until dropped.
pub(crate) struct Dispatching {
    previous: usize,
}

impl Dispatching {
    pub(crate) fn enter(queue: &WriteQueue) -> Self {
        let previous = DISPATCHING.replace(queue.address());
        Dispatching { previous }
    }
}

impl Drop for Dispatching {
    fn drop(&mut self) {
        DISPATCHING.set(self.previous);
    }
}

impl WriteQueue {
    pub(crate) fn new(bound: usize) -> Self {
        WriteQueue {
            state: Mutex::new(QueueState {
                messages: VecDeque::new(),
                bytes: 0,
                writer: None,
                waiting: Vec::new(),
                closed: false,
            }),
            bound,
        }
    }

    fn address(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    pub(crate) fn push(&self, message: Message) -> Result<(), Closed> {
        let waker = {
            let mut state = self.state.lock();
            if state.closed {
                return Err(Closed);
            }
            state.bytes += frame_cost(&message);
            state.messages.push_back(message);
            // The reader and the writer are polled by one task, the writer right after the
            // reader: what the reader's own dispatch queues is taken in the same pass, so it
            // needs no wake (a wake would reschedule the running task, and the scheduler may
            // hand it to the other worker: a hop between threads for every call).
            if DISPATCHING.get() == self.address() {
                None
            } else {
                state.writer.take()
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether a producer may add more now (the queue is under its bound, or closed, so that
    /// nobody waits for a connection that is gone).
    pub(crate) fn has_room(&self) -> bool {
        let state = self.state.lock();
        state.closed || state.bytes < self.bound
    }

    /// `Ready` once [`has_room`](Self::has_room); otherwise `cx` is woken when it does.
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.lock();
        if state.closed || state.bytes < self.bound {
            return Poll::Ready(());
        }
        state.waiting.push(cx.waker().clone());
        Poll::Pending
    }

    /// Bytes queued now.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.state.lock().bytes
    }

    /// Takes the next frame, waking the producers waiting for room once there is some.
    pub(crate) fn try_pop(&self) -> Option<Message> {
        let (message, waiting) = {
            let mut state = self.state.lock();
            let message = state.messages.pop_front()?;
            state.bytes -= frame_cost(&message);
            let waiting = if state.bytes < self.bound {
                std::mem::take(&mut state.waiting)
            } else {
                Vec::new()
            };
            (message, waiting)
        };
        waiting.into_iter().for_each(Waker::wake);
        Some(message)
    }

    pub(crate) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Message> {
        if let Some(message) = self.try_pop() {
            return Poll::Ready(message);
        }
        let mut state = self.state.lock();
        // A push may have happened between the two locks.
        if !state.messages.is_empty() {
            drop(state);
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if !state
            .writer
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            state.writer = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// The writer has ended: what is queued is dropped, nothing more is accepted, and every
    /// producer waiting for room is released.
    pub(crate) fn close(&self) {
        let (messages, waiting) = {
            let mut state = self.state.lock();
            state.closed = true;
            state.writer = None;
            state.bytes = 0;
            (
                std::mem::take(&mut state.messages),
                std::mem::take(&mut state.waiting),
            )
        };
        drop(messages);
        waiting.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        (counter, waker)
    }

    fn text(message: &Message) -> &str {
        match message {
            Message::Text(text) => text.as_str(),
            _ => "",
        }
    }

    #[test]
    fn the_write_queue_wakes_the_writer_unless_the_reader_of_its_connection_pushes() {
        let queue = WriteQueue::new(1 << 20);
        let (counter, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(queue.poll_pop(&mut cx).is_pending());

        // The reader's own dispatch: no wake (the writer is polled right after it).
        {
            let _dispatching = Dispatching::enter(&queue);
            assert!(queue.push(Message::text("a")).is_ok());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        // Another connection's reader on this thread, then another thread: a wake each.
        let other = WriteQueue::new(1 << 20);
        {
            let _dispatching = Dispatching::enter(&other);
            assert!(queue.push(Message::text("b")).is_ok());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(queue.poll_pop(&mut cx).is_ready());
        assert!(queue.poll_pop(&mut cx).is_ready());
        assert!(queue.poll_pop(&mut cx).is_pending());
        std::thread::scope(|scope| {
            scope.spawn(|| assert!(queue.push(Message::text("c")).is_ok()));
        });
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_bound_is_in_bytes_and_producers_wait_for_room_instead_of_being_refused() {
        let frame = "x".repeat(100);
        let cost = frame_cost(&Message::text(frame.clone()));
        let queue = WriteQueue::new(2 * cost);
        let (counter, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(queue.push(Message::text(frame.clone())).is_ok());
        assert!(queue.poll_room(&mut cx).is_ready());
        assert!(queue.push(Message::text(frame.clone())).is_ok());
        assert!(queue.push(Message::text(frame.clone())).is_ok());
        // Full: producers wait, but a push (a completion already made) is still taken.
        assert!(!queue.has_room());
        assert!(queue.poll_room(&mut cx).is_pending());
        assert!(queue.push(Message::text("late")).is_ok());
        assert_eq!(
            queue.queued_bytes(),
            3 * cost + frame_cost(&Message::text("late"))
        );
        // Room comes back only once under the bound, and wakes the waiting producer once.
        assert!(queue.try_pop().is_some());
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(queue.try_pop().is_some());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(queue.has_room());
        let rest: Vec<String> = std::iter::from_fn(|| queue.try_pop())
            .map(|message| text(&message).to_owned())
            .collect();
        assert_eq!(rest, [frame.as_str(), "late"]);
        assert_eq!(queue.queued_bytes(), 0);
    }

    #[test]
    fn closing_drops_what_is_queued_and_releases_waiting_producers() {
        let queue = WriteQueue::new(1);
        let (counter, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        assert!(queue.push(Message::text("a")).is_ok());
        assert!(queue.poll_room(&mut cx).is_pending());
        queue.close();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(queue.poll_room(&mut cx).is_ready());
        assert!(matches!(queue.push(Message::text("b")), Err(Closed)));
        assert!(queue.try_pop().is_none());
    }
}
