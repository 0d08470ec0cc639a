//! The scoped call context that lets markers nested anywhere in user types find their runtime.
//!
//! Every (de)serialization a runtime performs runs inside [`Scope::enter`]. `ObjectRef`,
//! `JsObjectRef` and `ByteArray` read the innermost scope of the current thread; outside one
//! they fail with a clear error instead of guessing.

use std::cell::{Cell, RefCell};
use std::ptr;

use bytes::Bytes;

use crate::error::texts;
use crate::runtime::JsRuntime;
use crate::staging::Incoming;

/// What the serializers of marker types can reach during one (de)serialization.
pub(crate) struct Scope<'a> {
    pub(crate) runtime: &'a JsRuntime,
    /// What serializers produced besides the JSON: rare, so made on first use (a scope that
    /// produced nothing costs no allocation and drops with one test).
    output: RefCell<Option<Box<ScopeOutput>>>,
    /// The byte arrays JavaScript sent for the message being read.
    incoming: RefCell<Incoming>,
}

impl Drop for Scope<'_> {
    /// Inline: most scopes produced nothing and end with one test.
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(output) = self.output.get_mut().take() {
            drop_output(output);
        }
    }
}

#[cold]
fn drop_output(output: Box<ScopeOutput>) {
    drop(output);
}

#[derive(Default)]
struct ScopeOutput {
    /// Byte arrays produced while serializing, sent to JavaScript before the JSON.
    outgoing_bytes: Vec<(u64, Bytes)>,
    /// A runtime limit a marker hit while serializing: a caller error, sent verbatim.
    limit_error: Option<String>,
}

thread_local! {
    static CURRENT: Cell<*const Scope<'static>> = const { Cell::new(ptr::null()) };
}

/// Restores the previous scope when dropped, even while unwinding.
struct Restore(*const Scope<'static>);

impl Drop for Restore {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.0));
    }
}

impl<'a> Scope<'a> {
    #[inline]
    pub(crate) fn new(runtime: &'a JsRuntime) -> Self {
        Self::with_incoming(runtime, Incoming::None)
    }

    /// A scope reading a message JavaScript sent with `incoming`, its byte arrays.
    #[inline]
    pub(crate) fn with_incoming(runtime: &'a JsRuntime, incoming: Incoming) -> Self {
        Scope {
            runtime,
            output: RefCell::new(None),
            incoming: RefCell::new(incoming),
        }
    }

    /// Whether byte arrays came with the message being read (.NET's reader texts depend on it).
    pub(crate) fn has_incoming(&self) -> bool {
        !matches!(*self.incoming.borrow(), Incoming::None)
    }

    /// Takes byte array `index` of the message being read (each is taken once), or the text
    /// the marker fails with.
    pub(crate) fn take_incoming(&self, index: i64) -> Result<Bytes, String> {
        match &mut *self.incoming.borrow_mut() {
            Incoming::Refused(reason) => Err(reason.clone()),
            Incoming::Batch(arrays) => usize::try_from(index)
                .ok()
                .and_then(|index| arrays.get_mut(index))
                .and_then(Option::take)
                .ok_or_else(|| texts::byte_array_not_found(index)),
            Incoming::None | Incoming::Other => Err(texts::byte_array_not_found(index)),
        }
    }

    /// Runs `f` with this scope as the current one (scopes nest).
    #[inline]
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let this = (self as *const Scope<'a>).cast::<Scope<'static>>();
        let previous = CURRENT.with(|current| current.replace(this));
        let _restore = Restore(previous);
        f()
    }

    /// Takes the byte arrays produced so far (`None` when there are none).
    #[inline]
    pub(crate) fn take_outgoing_bytes(&self) -> Option<Vec<(u64, Bytes)>> {
        self.output
            .borrow_mut()
            .as_mut()
            .map(|output| std::mem::take(&mut output.outgoing_bytes))
            .filter(|bytes| !bytes.is_empty())
    }

    /// Adds a byte array produced while serializing.
    pub(crate) fn push_outgoing_bytes(&self, id: u64, bytes: Bytes) {
        let mut output = self.output.borrow_mut();
        output
            .get_or_insert_with(Box::default)
            .outgoing_bytes
            .push((id, bytes));
    }

    /// Records a runtime limit a marker hit while serializing.
    pub(crate) fn set_limit_error(&self, text: String) {
        self.output
            .borrow_mut()
            .get_or_insert_with(Box::default)
            .limit_error = Some(text);
    }
}

/// Runs `f` with the current scope, or fails when no runtime is (de)serializing.
pub(crate) fn with_scope<R>(f: impl FnOnce(&Scope<'_>) -> R) -> Result<R, &'static str> {
    let current = CURRENT.with(Cell::get);
    if current.is_null() {
        return Err(texts::OUTSIDE_CALL);
    }
    // SAFETY: `Scope::enter` publishes a pointer to a scope that outlives the closure it runs
    // and restores the previous pointer before returning (also when unwinding), so a non-null
    // pointer always refers to a live scope on this thread's stack.
    let scope = unsafe { &*current };
    Ok(f(scope))
}

/// The limit error recorded by the current scope's serialization, if any (taken).
pub(crate) fn take_limit_error() -> Option<String> {
    with_scope(|scope| {
        scope
            .output
            .borrow_mut()
            .as_mut()
            .and_then(|output| output.limit_error.take())
    })
    .ok()
    .flatten()
}
