//! The engine thread's side: applying the runtime's messages to the JS dispatcher, and
//! synchronous Rust→JS calls, also from inside a JS→Rust callback (re-entrancy).
//!
//! QuickJS is single-threaded and its context cannot be locked twice, so each engine registers
//! a [`Bridge`] in a thread-local table; code on that thread finds it by the engine's id. While
//! JavaScript is calling Rust, the bridge remembers the calling context so a nested Rust→JS
//! call reuses it instead of locking the engine again.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;

use interop_runtime::{JsInvocation, SyncCallError, ToJs};
use rquickjs::function::This;
use rquickjs::{qjs, Context, Ctx, Function, Object, Persistent, TypedArray, Value};

use crate::entry::Gate;
use crate::host::Shared;

/// One engine's JavaScript handles, living on the engine's thread.
pub(crate) struct Bridge {
    pub(crate) context: Context,
    pub(crate) dispatcher: Persistent<Object<'static>>,
    pub(crate) shared: Arc<Shared>,
    /// Every entry into JavaScript passes it (time budget, stack limit).
    gate: Rc<Gate>,
    /// The context JavaScript is calling Rust from, if it is.
    callback_ctx: Cell<Option<NonNull<qjs::JSContext>>>,
}

thread_local! {
    static BRIDGES: RefCell<Vec<(u64, Rc<Bridge>)>> = const { RefCell::new(Vec::new()) };
}

impl Bridge {
    pub(crate) fn new(
        context: Context,
        dispatcher: Persistent<Object<'static>>,
        shared: Arc<Shared>,
        gate: Rc<Gate>,
    ) -> Self {
        Bridge {
            context,
            dispatcher,
            shared,
            gate,
            callback_ctx: Cell::new(None),
        }
    }
}

pub(crate) fn register(id: u64, bridge: Bridge) {
    BRIDGES.with(|bridges| bridges.borrow_mut().push((id, Rc::new(bridge))));
}

/// Removes the bridge; dropping it releases the dispatcher, so call it before the context goes.
pub(crate) fn unregister(id: u64) -> Option<Rc<Bridge>> {
    BRIDGES.with(|bridges| {
        let mut bridges = bridges.borrow_mut();
        let index = bridges.iter().position(|(bridge_id, _)| *bridge_id == id)?;
        Some(bridges.remove(index).1)
    })
}

pub(crate) fn find(id: u64) -> Option<Rc<Bridge>> {
    BRIDGES.with(|bridges| {
        bridges
            .borrow()
            .iter()
            .find(|(bridge_id, _)| *bridge_id == id)
            .map(|(_, bridge)| Rc::clone(bridge))
    })
}

/// Marks the span of a JS→Rust callback, restoring the previous mark when dropped.
pub(crate) struct CallbackScope {
    bridge: Option<Rc<Bridge>>,
    previous: Option<NonNull<qjs::JSContext>>,
}

impl CallbackScope {
    pub(crate) fn enter(engine_id: u64, ctx: &Ctx<'_>) -> Self {
        let bridge = find(engine_id);
        let previous = bridge
            .as_ref()
            .and_then(|bridge| bridge.callback_ctx.replace(Some(ctx.as_raw())));
        CallbackScope { bridge, previous }
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        if let Some(bridge) = &self.bridge {
            bridge.callback_ctx.set(self.previous);
        }
    }
}

/// Runs `f` with a context of the engine: the calling one inside a callback, else a new lock.
pub(crate) fn with_ctx<R>(bridge: &Bridge, f: impl for<'js> FnOnce(Ctx<'js>) -> R) -> R {
    match bridge.callback_ctx.get() {
        // SAFETY: the pointer was taken from the `Ctx` of a callback that is still running
        // further up this thread's stack (the scope restores it when the callback returns), so
        // the context is alive and its runtime is locked by that callback.
        Some(raw) => f(unsafe { Ctx::from_raw(raw) }),
        None => bridge.context.with(f),
    }
}

/// The text of a pending JavaScript exception: message and stack (file:line), or `String(v)`.
pub(crate) fn exception_text(ctx: &Ctx<'_>, error: rquickjs::Error) -> String {
    if !matches!(error, rquickjs::Error::Exception) {
        return error.to_string();
    }
    value_text(&ctx.catch())
}

/// How a thrown or rejected value reads: `message\nstack` for errors, `String(v)` otherwise.
pub(crate) fn value_text(value: &Value<'_>) -> String {
    if let Some(exception) = value.as_exception() {
        let message = exception.message().unwrap_or_default();
        return match exception.stack() {
            Some(stack) if !stack.is_empty() => format!("{message}\n{}", stack.trim_end()),
            _ => message,
        };
    }
    if value.is_null() || value.is_undefined() {
        return "null".to_owned();
    }
    value
        .as_string()
        .and_then(|text| text.to_string().ok())
        .or_else(|| {
            let ctx = value.ctx();
            let string: Option<Function> = ctx.globals().get("String").ok();
            string.and_then(|string| string.call::<_, String>((value.clone(),)).ok())
        })
        .unwrap_or_default()
}

fn apply<'js>(ctx: &Ctx<'js>, dispatcher: &Object<'js>, message: ToJs) -> rquickjs::Result<()> {
    match message {
        ToJs::EndInvokeDotNet {
            call_id,
            success,
            result_or_error,
        } => {
            let end: Function = dispatcher.get("endInvokeDotNetFromJS")?;
            end.call::<_, ()>((
                This(dispatcher.clone()),
                call_id as f64,
                success,
                result_or_error,
            ))
        }
        ToJs::BeginInvokeJs(call) => {
            let begin: Function = dispatcher.get("beginInvokeJSFromDotNet")?;
            begin.call::<_, Value>((
                This(dispatcher.clone()),
                call.async_handle as f64,
                call.identifier,
                call.args_json,
                call.result_type as i32,
                call.target_instance_id as f64,
                call.call_type as i32,
            ))?;
            Ok(())
        }
        ToJs::ReceiveByteArray { id, bytes } => {
            let receive: Function = dispatcher.get("receiveByteArray")?;
            let bytes = TypedArray::<u8>::new(ctx.clone(), bytes)?;
            receive.call::<_, ()>((This(dispatcher.clone()), id as f64, bytes))
        }
    }
}

/// Applies every queued message, in order. Returns whether there was any.
pub(crate) fn deliver_all(bridge: &Bridge, ctx: &Ctx<'_>) -> bool {
    let Ok(dispatcher) = bridge.dispatcher.clone().restore(ctx) else {
        tracing::error!("the JS dispatcher is gone; dropping messages");
        return false;
    };
    let mut delivered = false;
    // Pop one at a time: JavaScript may call Rust, which queues more.
    while let Some(message) = bridge.shared.pop_message() {
        delivered = true;
        if let Err(error) = apply(ctx, &dispatcher, message) {
            let text = exception_text(ctx, error);
            tracing::warn!("the JS dispatcher refused a message: {text}");
        }
    }
    delivered
}

/// `invokeJSFromDotNet`, on the engine thread (anywhere else there is no engine to call).
pub(crate) fn invoke_sync(
    engine_id: u64,
    call: JsInvocation,
) -> Result<Option<String>, SyncCallError> {
    let Some(bridge) = find(engine_id) else {
        return Err(SyncCallError::Threw(
            "synchronous JS interop calls must run on the thread that drives the QuickJS engine"
                .to_owned(),
        ));
    };
    // Top-level Rust or a task polled between turns of the loop enters here first: the
    // budget starts; inside a JS→Rust callback the call shares the running script's.
    let _entry = bridge.gate.enter();
    with_ctx(&bridge, |ctx| {
        // Byte arrays for this call were queued just before it: deliver them first.
        deliver_all(&bridge, &ctx);
        let result = (|| {
            let dispatcher = bridge.dispatcher.clone().restore(&ctx)?;
            let invoke: Function = dispatcher.get("invokeJSFromDotNet")?;
            invoke.call::<_, Value>((
                This(dispatcher),
                call.identifier.as_str(),
                call.args_json,
                call.result_type as i32,
                call.target_instance_id as f64,
                call.call_type as i32,
            ))
        })();
        match result {
            Ok(value) if value.is_null() || value.is_undefined() => Ok(None),
            Ok(value) => Ok(Some(value_text(&value))),
            Err(error) => {
                let text = exception_text(&ctx, error);
                Err(SyncCallError::Threw(match bridge.gate.budget() {
                    Some(budget) if bridge.gate.expired() => format!(
                        "The JS interop call '{}' ran past the script budget of {} ms and was \
                         interrupted.",
                        call.identifier,
                        budget.as_millis()
                    ),
                    _ => text,
                }))
            }
        }
    })
}
