//! The engine: a QuickJS runtime and context, a JS client attached to a `JsRuntime`, and the
//! loop that drives QuickJS's job queue and Rust's futures together.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use interop_runtime::{JsRuntime, RuntimeOptions};
use rquickjs::context::EvalOptions;
use rquickjs::function::Func;
use rquickjs::promise::PromiseState;
use rquickjs::{
    CString, Context, Ctx, Exception, Function, Object, Persistent, Promise, TypedArray, Value,
};

use crate::args::primitive_array_json;
use crate::bridge::{self, Bridge, CallbackScope};
use crate::entry::{Gate, DEFAULT_MAX_STACK_SIZE};
use crate::error::EngineError;
use crate::host::{Completion, QuickJsHost, Shared};
use crate::loader::{FileLoader, FileResolver, Roots};

/// Which JavaScript client the engine loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// The project's own client ([`interop_runtime::CLIENT_JS`]).
    Builtin,
    /// An ES module file exporting `DotNet`, such as Microsoft's
    /// `@microsoft/dotnet-js-interop` (`dist/src/Microsoft.JSInterop.js`).
    File(PathBuf),
}

/// A console line or an `alert` from JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `console.log`, `console.info`, `console.debug`.
    Log,
    /// `console.warn`.
    Warn,
    /// `console.error`.
    Error,
    /// `alert(...)`.
    Alert,
}

/// Receives what JavaScript prints and alerts.
pub type OutputSink = Arc<dyn Fn(OutputKind, &str) + Send + Sync>;

/// Settings of an [`Engine`].
#[derive(Clone)]
pub struct EngineOptions {
    /// Limits and policies of the interop runtime.
    pub runtime: RuntimeOptions,
    /// The JavaScript client to load.
    pub client: Client,
    /// Where `./` module specifiers resolve from (`document.baseURI`), and the first directory
    /// modules are read from: nothing outside it or [`extra_module_roots`](Self::extra_module_roots)
    /// is read, whatever the specifier (`../`, an absolute path, a `file://` URL, a symbolic link).
    pub module_root: PathBuf,
    /// Further directories modules may be read from (by a `file://` URL or an absolute path,
    /// or relative to a module inside one). Default: none.
    pub extra_module_roots: Vec<PathBuf>,
    /// The JS heap limit in bytes.
    pub memory_limit: Option<usize>,
    /// How long JavaScript may run before it is interrupted, each time Rust enters it (the
    /// engine's loop, a module or script, a synchronous Rust→JS call from anywhere).
    pub script_budget: Option<Duration>,
    /// How many bytes of the thread's stack JavaScript may use below the point where Rust enters
    /// it (default 1 MiB, at most 16 MiB); deeper recursion throws a `RangeError`. The thread
    /// needs this much plus room for the Rust above that point and the Rust JavaScript calls.
    /// `None`: QuickJS does not check (only for threads known to be large enough).
    pub max_stack_size: Option<usize>,
    /// How many messages may wait for JavaScript (default 10,000). While that many wait, a new
    /// Rust→JS call fails at once and a new JS→Rust call throws; completions, byte arrays and
    /// notices of calls already started are always queued, so nothing is lost.
    pub max_queued_messages: usize,
    /// Where console lines and alerts go (default: stdout, warnings and errors to stderr).
    pub output: OutputSink,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            runtime: RuntimeOptions::default(),
            client: Client::Builtin,
            module_root: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            extra_module_roots: Vec::new(),
            memory_limit: Some(256 * 1024 * 1024),
            script_budget: Some(Duration::from_secs(10)),
            max_stack_size: Some(DEFAULT_MAX_STACK_SIZE),
            max_queued_messages: 10_000,
            output: Arc::new(|kind, text| match kind {
                OutputKind::Log => println!("{text}"),
                OutputKind::Alert => println!("alert: {text}"),
                OutputKind::Warn | OutputKind::Error => eprintln!("{text}"),
            }),
        }
    }
}

static NEXT_ENGINE_ID: AtomicU64 = AtomicU64::new(1);

const BOOTSTRAP: &str = "\
import { DotNet } from '@jsinvokable/client';
import { hostStreamFunctions } from '@jsinvokable/host-streams';
globalThis.DotNet = DotNet;
globalThis.__jsinvokable_dispatcher = DotNet.attachDispatcher(globalThis.__jsinvokable_host);
globalThis.jsinvokable = Object.freeze(hostStreamFunctions(DotNet, globalThis.__jsinvokable_dispatcher));
delete globalThis.__jsinvokable_host;
";

/// QuickJS with a JS client attached to a [`JsRuntime`]: JavaScript run here calls
/// `#[jsinvokable]` Rust through `DotNet`, and Rust calls JavaScript through
/// [`runtime`](Self::runtime). Synchronous calls work both ways.
///
/// The engine is driven by the calls that wait on it ([`run_module`](Self::run_module),
/// [`block_on`](Self::block_on), …): they run QuickJS's job queue and Rust's futures (on a
/// current-thread tokio runtime) together until what they wait for is done. An `Engine` stays
/// on the thread that created it.
pub struct Engine {
    id: u64,
    interop: JsRuntime,
    shared: Arc<Shared>,
    gate: Rc<Gate>,
    client: String,
    tokio: Option<tokio::runtime::Runtime>,
    context: Context,
    qjs: rquickjs::Runtime,
}

fn non_negative_integer(value: &Value<'_>, what: &str) -> Result<u64, String> {
    match value.as_number() {
        Some(number) if number >= 0.0 && number.fract() == 0.0 && number < 2f64.powi(53) => {
            Ok(number as u64)
        }
        _ => Err(format!("{what} must be a non-negative integer")),
    }
}

fn optional_string(value: &Value<'_>, what: &str) -> Result<Option<String>, String> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    value
        .as_string()
        .and_then(|text| text.to_string().ok())
        .map(Some)
        .ok_or_else(|| format!("{what} must be a string or null"))
}

fn optional_object_id(value: &Value<'_>) -> Result<Option<u64>, String> {
    if value.is_null() || value.is_undefined() {
        Ok(None)
    } else {
        non_negative_integer(value, "dotNetObjectId").map(Some)
    }
}

fn throw(ctx: &Ctx<'_>, message: String) -> rquickjs::Error {
    Exception::throw_type(ctx, &message)
}

/// A string argument, borrowed from JavaScript (no copy into a Rust `String`).
///
/// QuickJS encodes a lone surrogate of a JS string as its three bytes, which are not UTF-8,
/// while rquickjs's `CString::as_str` assumes UTF-8: such a string is refused here, before
/// anything reads it as text (serde would otherwise hand user code a `String` that is not UTF-8).
fn optional_text<'js>(value: &Value<'js>, what: &str) -> Result<Option<CString<'js>>, String> {
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    let text = value
        .as_string()
        .and_then(|text| text.clone().to_cstring().ok())
        .ok_or_else(|| format!("{what} must be a string or null"))?;
    // SAFETY: rquickjs keeps `len()` bytes at `as_ptr()` alive as long as `text`.
    let bytes = unsafe { std::slice::from_raw_parts(text.as_ptr().cast::<u8>(), text.len()) };
    if std::str::from_utf8(bytes).is_err() {
        return Err(format!(
            "{what} holds a lone surrogate: it is not well-formed Unicode"
        ));
    }
    Ok(Some(text))
}

/// The argument JSON of a call: JavaScript's text, or the host's for an array of primitives.
enum ArgsJson<'js> {
    Borrowed(CString<'js>),
    Written(String),
}

/// The arguments every JS→Rust call carries.
struct CallArgs<'js> {
    assembly: Option<CString<'js>>,
    identifier: Option<CString<'js>>,
    object_id: Option<u64>,
    args_json: Option<ArgsJson<'js>>,
}

impl CallArgs<'_> {
    fn args_json(&self) -> &str {
        match &self.args_json {
            None => "null",
            Some(ArgsJson::Borrowed(text)) => text.as_str(),
            Some(ArgsJson::Written(text)) => text,
        }
    }

    fn begin(&self, runtime: &JsRuntime, call_id: u64) {
        runtime.begin_invoke_dotnet(
            call_id,
            self.assembly.as_ref().map(CString::as_str),
            self.identifier.as_ref().map(CString::as_str),
            self.object_id,
            self.args_json(),
        );
    }
}

fn call_args<'js>(
    assembly: &Value<'js>,
    identifier: &Value<'js>,
    object_id: &Value<'js>,
    args_json: &Value<'js>,
) -> Result<CallArgs<'js>, String> {
    let args_json = optional_text(args_json, "argsJson")?.map(ArgsJson::Borrowed);
    call_args_with(assembly, identifier, object_id, args_json)
}

fn call_args_with<'js>(
    assembly: &Value<'js>,
    identifier: &Value<'js>,
    object_id: &Value<'js>,
    args_json: Option<ArgsJson<'js>>,
) -> Result<CallArgs<'js>, String> {
    Ok(CallArgs {
        assembly: optional_text(assembly, "assemblyName")?,
        identifier: optional_text(identifier, "methodIdentifier")?,
        object_id: optional_object_id(object_id)?,
        args_json,
    })
}

/// Refuses a new JS→Rust call while the queue of messages for JavaScript is full: the call
/// throws (the client rejects its promise), so no completion is created that could not be queued.
fn admit(ctx: &Ctx<'_>, shared: &Shared, call: &CallArgs<'_>) -> rquickjs::Result<()> {
    shared.room_for_call().map_err(|reason| {
        let identifier = call.identifier.as_ref().map_or("", CString::as_str);
        Exception::throw_message(
            ctx,
            &format!("Cannot start the call to '{identifier}': {reason}."),
        )
    })
}

/// The JS value of a result JSON that is a number, `true`, `false` or `null` (what `JSON.parse`
/// gives), or `None` for any other JSON.
fn scalar<'js>(ctx: &Ctx<'js>, json: &str) -> Option<Value<'js>> {
    match json {
        "null" => return Some(Value::new_null(ctx.clone())),
        "true" => return Some(Value::new_bool(ctx.clone(), true)),
        "false" => return Some(Value::new_bool(ctx.clone(), false)),
        _ => {}
    }
    let bytes = json.as_bytes();
    let starts = bytes
        .first()
        .is_some_and(|b| *b == b'-' || b.is_ascii_digit());
    if !starts || !bytes.last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Both round to the nearest double, so this is the number JSON.parse would give.
    let number: f64 = json.parse().ok()?;
    let int = number as i32;
    Some(
        if f64::from(int) == number && !(int == 0 && number.is_sign_negative()) {
            Value::new_int(ctx.clone(), int)
        } else {
            Value::new_float(ctx.clone(), number)
        },
    )
}

/// What `beginInvokeDotNetFromJSDirect` answers: the tag it returns. `Value`, `Json` and
/// `Error` carry a payload, which it puts in `out[0]` (its last argument). The client's
/// `DIRECT_*` constants and docs/quickjs.md ("Direct completions") give the same numbers.
enum DirectAnswer {
    /// The call started; its completion comes through the queue (`endInvokeDotNetFromJS`),
    /// never before the function has returned. No payload.
    Started = 0,
    /// The call succeeded; the payload is the result itself: a number, a boolean or `null`.
    Value = 1,
    /// The call succeeded; the payload is the result JSON, which holds no `"__`.
    Json = 2,
    /// The call failed; the payload is the error text.
    Error = 3,
    /// Nothing started: the arguments are an array this host does not write as JSON (see
    /// `args`), or another object; the client sends their JSON instead. No payload.
    NotWritten = 4,
}

/// The tag and the payload of a completion caught by the direct call.
fn direct_answer<'js>(
    ctx: &Ctx<'js>,
    completion: &Completion,
) -> (DirectAnswer, rquickjs::Result<Value<'js>>) {
    let text = || {
        rquickjs::String::from_str(ctx.clone(), &completion.result_or_error)
            .map(rquickjs::String::into_value)
    };
    if !completion.success {
        (DirectAnswer::Error, text())
    } else if let Some(value) = scalar(ctx, &completion.result_or_error) {
        (DirectAnswer::Value, Ok(value))
    } else {
        (DirectAnswer::Json, text())
    }
}

/// The object handed to `DotNet.attachDispatcher`: what JavaScript calls to reach Rust.
fn host_object<'js>(
    ctx: &Ctx<'js>,
    engine_id: u64,
    interop: &JsRuntime,
    shared: &Arc<Shared>,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;

    let runtime = interop.clone();
    let queue = Arc::clone(shared);
    host.set(
        "beginInvokeDotNetFromJS",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  call_id: Value<'js>,
                  assembly: Value<'js>,
                  identifier: Value<'js>,
                  object_id: Value<'js>,
                  args_json: Value<'js>|
                  -> rquickjs::Result<()> {
                let call_id =
                    non_negative_integer(&call_id, "callId").map_err(|text| throw(&ctx, text))?;
                let call = call_args(&assembly, &identifier, &object_id, &args_json)
                    .map_err(|text| throw(&ctx, text))?;
                admit(&ctx, &queue, &call)?;
                let _scope = CallbackScope::enter(engine_id, &ctx);
                call.begin(&runtime, call_id);
                Ok(())
            },
        )?,
    )?;

    // Our client's extension: the same call, but a completion that is ready when Rust returns
    // (and would overtake nothing) is answered instead of queued. The answer is a tag
    // (`DirectAnswer`); the payload of `Value`, `Json` and `Error` goes in `out[0]`. The
    // arguments may be the argument array itself (see `args`).
    let runtime = interop.clone();
    let shared = Arc::clone(shared);
    host.set(
        "beginInvokeDotNetFromJSDirect",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  call_id: Value<'js>,
                  assembly: Value<'js>,
                  identifier: Value<'js>,
                  object_id: Value<'js>,
                  args: Value<'js>,
                  out: Value<'js>|
                  -> rquickjs::Result<i32> {
                let call_id =
                    non_negative_integer(&call_id, "callId").map_err(|text| throw(&ctx, text))?;
                let Some(out) = out.into_array() else {
                    return Err(throw(&ctx, "out must be an array".to_owned()));
                };
                // An argument array is written as JSON here when it holds only primitives.
                let call = if let Some(array) = args.as_array() {
                    let Some(json) = primitive_array_json(array) else {
                        return Ok(DirectAnswer::NotWritten as i32);
                    };
                    let json = Some(ArgsJson::Written(json));
                    call_args_with(&assembly, &identifier, &object_id, json)
                } else if args.is_object() {
                    return Ok(DirectAnswer::NotWritten as i32);
                } else {
                    call_args(&assembly, &identifier, &object_id, &args)
                }
                .map_err(|text| throw(&ctx, text))?;
                admit(&ctx, &shared, &call)?;
                let _scope = CallbackScope::enter(engine_id, &ctx);
                let mark = shared.begin_capture(call_id);
                call.begin(&runtime, call_id);
                let Some(completion) = shared.end_capture(call_id, mark) else {
                    return Ok(DirectAnswer::Started as i32);
                };
                let (answer, payload) = direct_answer(&ctx, &completion);
                if payload.and_then(|payload| out.set(0, payload)).is_ok() {
                    return Ok(answer as i32);
                }
                // `out` refused the payload (a frozen array: only a hand-written client passes
                // one): the completion takes the queue instead, so nothing is lost.
                ctx.catch();
                shared.requeue(call_id, completion);
                Ok(DirectAnswer::Started as i32)
            },
        )?,
    )?;

    let runtime = interop.clone();
    host.set(
        "invokeDotNetFromJS",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  assembly: Value<'js>,
                  identifier: Value<'js>,
                  object_id: Value<'js>,
                  args_json: Value<'js>|
                  -> rquickjs::Result<String> {
                let call = call_args(&assembly, &identifier, &object_id, &args_json)
                    .map_err(|text| throw(&ctx, text))?;
                let _scope = CallbackScope::enter(engine_id, &ctx);
                let result = runtime.invoke_dotnet(
                    call.assembly.as_ref().map(CString::as_str),
                    call.identifier.as_ref().map(CString::as_str),
                    call.object_id,
                    call.args_json(),
                );
                // Byte arrays of the result must reach JavaScript before the call returns.
                if let Some(bridge) = bridge::find(engine_id) {
                    bridge::deliver_all(&bridge, &ctx);
                }
                result.map_err(|text| Exception::throw_message(&ctx, &text))
            },
        )?,
    )?;

    let runtime = interop.clone();
    host.set(
        "endInvokeJSFromDotNet",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  _handle: Value<'js>,
                  _succeeded: Value<'js>,
                  triple: Value<'js>| {
                // Must not throw: a bad completion is logged and answered by the runtime.
                let _scope = CallbackScope::enter(engine_id, &ctx);
                match optional_string(&triple, "tripleJson") {
                    Ok(Some(triple)) => {
                        if let Err(text) = runtime.end_invoke_js(&triple) {
                            tracing::warn!("a completion from JavaScript was refused: {text}");
                        }
                    }
                    _ => tracing::warn!("a completion from JavaScript had no JSON text"),
                }
            },
        )?,
    )?;

    // Our client's extension: the page aborted call `callId` (`invokeMethodWithSignalAsync`).
    let runtime = interop.clone();
    host.set(
        "cancelInvokeDotNetFromJS",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, call_id: Value<'js>| -> rquickjs::Result<()> {
                let call_id =
                    non_negative_integer(&call_id, "callId").map_err(|text| throw(&ctx, text))?;
                let _scope = CallbackScope::enter(engine_id, &ctx);
                runtime.cancel_invoke_dotnet(call_id);
                Ok(())
            },
        )?,
    )?;

    let runtime = interop.clone();
    host.set(
        "sendByteArray",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, index: Value<'js>, bytes: Value<'js>| -> rquickjs::Result<()> {
                let index = non_negative_integer(&index, "index")
                    .ok()
                    .and_then(|index| u32::try_from(index).ok())
                    .ok_or_else(|| {
                        throw(
                            &ctx,
                            "the byte array index must be a 32-bit integer".to_owned(),
                        )
                    })?;
                let bytes = TypedArray::<u8>::from_value(bytes)
                    .ok()
                    // SAFETY: the slice is copied at once, before any JavaScript can run.
                    .and_then(|array| unsafe { array.as_bytes() }.map(<[u8]>::to_vec))
                    .ok_or_else(|| throw(&ctx, "sendByteArray expects a Uint8Array".to_owned()))?;
                // A refusal (order, size) is reported to the call that carries the JSON.
                if let Err(text) = runtime.receive_byte_array(index, bytes) {
                    tracing::warn!("a byte array from JavaScript was refused: {text}");
                }
                Ok(())
            },
        )?,
    )?;
    Ok(host)
}

fn install_globals(
    ctx: &Ctx<'_>,
    engine_id: u64,
    interop: &JsRuntime,
    shared: &Arc<Shared>,
    base_uri: &str,
    output: &OutputSink,
) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    let print = Arc::clone(output);
    globals.set(
        "__jsinvokable_print",
        Func::from(move |level: String, text: String| {
            let kind = match level.as_str() {
                "warn" => OutputKind::Warn,
                "error" => OutputKind::Error,
                _ => OutputKind::Log,
            };
            print(kind, &text);
        }),
    )?;
    let alert = Arc::clone(output);
    globals.set(
        "__jsinvokable_alert",
        Func::from(move |text: String| alert(OutputKind::Alert, &text)),
    )?;
    globals.set("__jsinvokable_base_uri", base_uri)?;
    ctx.eval::<(), _>(include_str!("../js/prelude.js"))?;
    globals.set(
        "__jsinvokable_host",
        host_object(ctx, engine_id, interop, shared)?,
    )?;
    Ok(())
}

impl Engine {
    /// Starts QuickJS, installs the browser globals the client needs (`window`, `console`,
    /// `alert`, `document.baseURI`, `URL`, `Blob`, `Response`), loads the client and attaches
    /// it to a new `JsRuntime`.
    pub fn new(options: EngineOptions) -> Result<Engine, EngineError> {
        let setup = |error: rquickjs::Error| EngineError::Setup(error.to_string());
        let id = NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed);
        let (client_source, client) = match &options.client {
            Client::Builtin => (interop_runtime::CLIENT_JS.to_owned(), "builtin".to_owned()),
            Client::File(path) => (
                std::fs::read_to_string(path).map_err(|error| {
                    EngineError::Setup(format!(
                        "cannot read the JS client {}: {error}",
                        path.display()
                    ))
                })?,
                path.display().to_string(),
            ),
        };
        let qjs = rquickjs::Runtime::new().map_err(setup)?;
        if let Some(limit) = options.memory_limit {
            qjs.set_memory_limit(limit);
        }
        let roots = Arc::new(Roots::new(
            &options.module_root,
            &options.extra_module_roots,
        ));
        qjs.set_loader(
            FileResolver {
                roots: Arc::clone(&roots),
            },
            FileLoader {
                client_source,
                roots: Arc::clone(&roots),
            },
        );
        let context = Context::full(&qjs).map_err(setup)?;
        let gate = Gate::install(
            &qjs,
            &context,
            options.script_budget,
            options.max_stack_size,
        )
        .map(Rc::new)
        .map_err(EngineError::Setup)?;
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|error| EngineError::Setup(error.to_string()))?;
        let shared = Arc::new(Shared::new(id, options.max_queued_messages));
        let host = Arc::new(QuickJsHost {
            shared: Arc::clone(&shared),
            tokio: tokio.handle().clone(),
        });
        let interop = JsRuntime::with_options(host, options.runtime)
            .map_err(|error| EngineError::Setup(error.to_string()))?;
        let base_uri = format!("file://{}/", roots.base().display());
        let engine = Engine {
            id,
            interop,
            shared,
            gate,
            client,
            tokio: Some(tokio),
            context,
            qjs,
        };
        let entry = engine.gate.enter();
        engine.context.with(|ctx| {
            install_globals(
                &ctx,
                id,
                &engine.interop,
                &engine.shared,
                &base_uri,
                &options.output,
            )
            .map_err(|error| EngineError::Setup(bridge::exception_text(&ctx, error)))
        })?;
        drop(entry);
        engine.settle_module("<bootstrap>", BOOTSTRAP)?;
        let dispatcher =
            engine
                .context
                .with(|ctx| -> Result<Persistent<Object<'static>>, EngineError> {
                    let globals = ctx.globals();
                    let dispatcher: Object =
                        globals.get("__jsinvokable_dispatcher").map_err(|_| {
                            EngineError::Setup(format!(
                                "the JS client ({}) did not attach a dispatcher",
                                engine.client
                            ))
                        })?;
                    let _ = globals.remove("__jsinvokable_dispatcher");
                    Ok(Persistent::save(&ctx, dispatcher))
                })?;
        bridge::register(
            id,
            Bridge::new(
                engine.context.clone(),
                dispatcher,
                Arc::clone(&engine.shared),
                Rc::clone(&engine.gate),
            ),
        );
        Ok(engine)
    }

    /// The runtime JavaScript calls into; use it to call JavaScript from Rust.
    pub fn runtime(&self) -> &JsRuntime {
        &self.interop
    }

    /// Which client was loaded: `builtin` or the path of the client file.
    pub fn client(&self) -> &str {
        &self.client
    }

    fn tokio(&self) -> &tokio::runtime::Runtime {
        self.tokio
            .as_ref()
            .expect("the tokio runtime lives as long as the engine")
    }

    /// Delivers queued messages and runs QuickJS jobs until neither has anything left.
    fn pump(&self) {
        let _entry = self.gate.enter();
        loop {
            let mut progressed = false;
            if self.shared.has_messages() {
                if let Some(bridge) = bridge::find(self.id) {
                    progressed |= self.context.with(|ctx| bridge::deliver_all(&bridge, &ctx));
                }
            }
            loop {
                match self.qjs.execute_pending_job() {
                    Ok(true) => progressed = true,
                    Ok(false) => break,
                    Err(error) => {
                        progressed = true;
                        let text = error.0.with(|ctx| value_of_exception(&ctx));
                        tracing::warn!("a JavaScript job threw: {text}");
                    }
                }
            }
            if !progressed {
                break;
            }
        }
    }

    /// Runs the engine until `future` completes (Rust→JS calls made by it progress meanwhile).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.tokio().block_on(async {
            let mut future = pin!(future);
            loop {
                self.pump();
                tokio::select! {
                    biased;
                    output = &mut future => return output,
                    () = self.shared.wake.notified() => {}
                }
            }
        })
    }

    /// Drives the engine until `promise` settles.
    fn settle(
        &self,
        promise: Persistent<Promise<'static>>,
    ) -> Result<Persistent<Value<'static>>, EngineError> {
        self.tokio().block_on(async {
            loop {
                self.pump();
                let entry = self.gate.enter();
                let state = self.context.with(
                    |ctx| -> Result<Option<Persistent<Value<'static>>>, EngineError> {
                        let promise = promise
                            .clone()
                            .restore(&ctx)
                            .map_err(|error| EngineError::Js(error.to_string()))?;
                        match promise.state() {
                            PromiseState::Pending => Ok(None),
                            PromiseState::Resolved => {
                                let value: Value = promise
                                    .result()
                                    .unwrap_or(Ok(Value::new_undefined(ctx.clone())))
                                    .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
                                Ok(Some(Persistent::save(&ctx, value)))
                            }
                            PromiseState::Rejected => {
                                let reason = match promise.result::<Value>() {
                                    Some(Err(error)) => bridge::exception_text(&ctx, error),
                                    Some(Ok(value)) => bridge::value_text(&value),
                                    None => "the promise was rejected".to_owned(),
                                };
                                Err(self.classify(reason))
                            }
                        }
                    },
                );
                drop(entry);
                if let Some(value) = state? {
                    return Ok(value);
                }
                if !self.shared.has_messages()
                    && self.shared.live_tasks() == 0
                    && !self.qjs.is_job_pending()
                {
                    return Err(EngineError::Stalled);
                }
                self.shared.wake.notified().await;
            }
        })
    }

    fn classify(&self, text: String) -> EngineError {
        if text.starts_with("interrupted") || text.contains("InternalError: interrupted") {
            EngineError::Interrupted(self.gate.budget().unwrap_or_default())
        } else {
            EngineError::Js(text)
        }
    }

    fn settle_module(
        &self,
        name: &str,
        source: &str,
    ) -> Result<Persistent<Value<'static>>, EngineError> {
        let entry = self.gate.enter();
        let promise = self.context.with(|ctx| {
            rquickjs::Module::evaluate(ctx.clone(), name, source)
                .map(|promise| Persistent::save(&ctx, promise))
                .map_err(|error| self.classify(bridge::exception_text(&ctx, error)))
        });
        drop(entry);
        self.settle(promise?)
    }

    /// Runs an ES module (top-level `await` allowed; `./` imports resolve from the module
    /// root) and drives the engine until it has finished.
    pub fn run_module(&self, name: &str, source: &str) -> Result<(), EngineError> {
        self.settle_module(name, source).map(drop)
    }

    /// Runs an ES module file. The file may be anywhere (Rust chose it); what it imports is read
    /// only below the module roots, like any import.
    pub fn run_module_file(&self, path: &Path) -> Result<(), EngineError> {
        let source = std::fs::read_to_string(path).map_err(|error| {
            EngineError::Setup(format!("cannot read {}: {error}", path.display()))
        })?;
        self.run_module(&path.display().to_string(), &source)
    }

    /// Runs a classic script (its top-level declarations become globals, as a page's
    /// `<script>` does), then drives the engine until nothing is left to do.
    pub fn eval_script(&self, name: &str, source: &str) -> Result<(), EngineError> {
        let entry = self.gate.enter();
        let result = self.context.with(|ctx| {
            let mut options = EvalOptions::default();
            options.global = true;
            options.strict = false;
            options.filename = Some(name.to_owned());
            ctx.eval_with_options::<(), _>(source, options)
                .map_err(|error| self.classify(bridge::exception_text(&ctx, error)))
        });
        drop(entry);
        result?;
        self.run_until_idle();
        Ok(())
    }

    /// Drives the engine until no message, job or Rust task is left.
    pub fn run_until_idle(&self) {
        self.tokio().block_on(async {
            loop {
                self.pump();
                if !self.shared.has_messages()
                    && self.shared.live_tasks() == 0
                    && !self.qjs.is_job_pending()
                {
                    return;
                }
                self.shared.wake.notified().await;
            }
        });
    }

    /// Runs the body of an async function and returns the JSON of what it returns (`None` for
    /// `undefined`). For tests and tools: `engine.eval_json("return 1 + 1")`.
    pub fn eval_json(&self, body: &str) -> Result<Option<String>, EngineError> {
        let source = format!("const __value = await (async () => {{\n{body}\n}})();\nglobalThis.__jsinvokable_eval = JSON.stringify(__value);");
        self.settle_module("<eval>", &source)?;
        let _entry = self.gate.enter();
        Ok(self.context.with(|ctx| {
            let globals = ctx.globals();
            let value: Option<String> = globals.get("__jsinvokable_eval").ok();
            let _ = globals.remove("__jsinvokable_eval");
            value
        }))
    }
}

fn value_of_exception(ctx: &Ctx<'_>) -> String {
    bridge::value_text(&ctx.catch())
}

impl Drop for Engine {
    /// Teardown order: the runtime fails pending calls and releases objects; the tokio tasks
    /// are dropped; the dispatcher handle is released; then the context and QuickJS go.
    fn drop(&mut self) {
        self.interop.close();
        drop(self.tokio.take());
        drop(bridge::unregister(self.id));
    }
}
