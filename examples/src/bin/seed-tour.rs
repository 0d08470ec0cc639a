//! The seed tour: runs the seed's samples against the Rust ports and checks every result.
//!
//! For now the JavaScript side is a wire-level page emulation on the in-memory host: each
//! seed function is ported to an async Rust closure that speaks exactly the messages the JS
//! client would (call ids from 1, `__Dispose` with `"null"`, byte arrays before the JSON,
//! completion triples), and prints what it received, as the seed's JavaScript does. The
//! embedded-engine host replaces this emulation with the seed's JavaScript itself.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use examples::{byte_arrays, generics, greeting, hello, list_items, ASSEMBLY};
use futures_channel::oneshot;
use interop_runtime::{JsRuntime, ObjectRef, RuntimeOptions, ToJs};
use interop_testkit::MemoryHost;
use serde_json::{json, Value};

const USAGE: &str = "\
seed-tour: runs the samples of \"Call .NET methods from JavaScript functions\" against Rust

USAGE: seed-tour [--name NAME]

OPTIONS:
    --name NAME   the name used by the name samples (default: Amy Pond)
    -h, --help    this text

Exits with 1 if any result differs from the expected one.";

type JsResult = Result<Value, String>;
type JsFuture = Pin<Box<dyn Future<Output = JsResult> + Send>>;
type JsFunction = fn(Page, Vec<Value>) -> JsFuture;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct PageState {
    next_call_id: u64,
    pending: HashMap<u64, oneshot::Sender<(bool, String)>>,
    received_bytes: HashMap<u64, Vec<u8>>,
    greeting_helper: Option<u64>,
    js_function_helper: Option<u64>,
    js_objects: HashMap<u64, &'static str>,
    next_js_object: u64,
    alerts: Vec<String>,
    last_random: Vec<Value>,
    random_seed: u64,
}

/// The page: the JavaScript half of the wire, with the seed's functions.
#[derive(Clone)]
struct Page {
    host: MemoryHost,
    runtime: JsRuntime,
    state: Arc<Mutex<PageState>>,
}

fn object_id(value: &Value) -> Result<u64, String> {
    value
        .get("__dotNetObject")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("expected a DotNetObject, got {value}"))
}

impl Page {
    fn new(options: RuntimeOptions) -> Page {
        let host = MemoryHost::new();
        let runtime = host.runtime(options);
        Page {
            host,
            runtime,
            state: Arc::new(Mutex::new(PageState {
                random_seed: 0x5eed,
                ..PageState::default()
            })),
        }
    }

    /// `invokeMethodAsync`: starts the call now, as the JS client does, and resolves with the
    /// parsed result or rejects with the error text.
    fn invoke_method_async(
        &self,
        assembly: Option<&str>,
        object_id: Option<u64>,
        identifier: &str,
        args: Value,
    ) -> impl Future<Output = JsResult> + Send + 'static {
        let (sender, receiver) = oneshot::channel();
        let call_id = {
            let mut state = lock(&self.state);
            state.next_call_id += 1;
            let call_id = state.next_call_id;
            state.pending.insert(call_id, sender);
            call_id
        };
        let args = if args.is_null() {
            "null".to_owned()
        } else {
            args.to_string()
        };
        self.runtime
            .begin_invoke_dotnet(call_id, assembly, Some(identifier), object_id, &args);
        async move {
            match receiver.await {
                Ok((true, json)) => serde_json::from_str(&json).map_err(|error| error.to_string()),
                Ok((false, text)) => Err(text),
                Err(_) => Err("the page was closed".to_owned()),
            }
        }
    }

    /// `DotNet.invokeMethodAsync(assembly, identifier, ...args)`.
    fn static_async(
        &self,
        identifier: &str,
        args: Value,
    ) -> impl Future<Output = JsResult> + Send + 'static {
        self.invoke_method_async(Some(ASSEMBLY), None, identifier, args)
    }

    /// `dotNetObject.invokeMethodAsync(identifier, ...args)`.
    fn instance_async(
        &self,
        object: u64,
        identifier: &str,
        args: Value,
    ) -> impl Future<Output = JsResult> + Send + 'static {
        self.invoke_method_async(None, Some(object), identifier, args)
    }

    /// `dotNetObject.invokeMethod(identifier, ...args)` / `DotNet.invokeMethod(...)`.
    fn invoke_method(
        &self,
        assembly: Option<&str>,
        object_id: Option<u64>,
        identifier: &str,
        args: Value,
    ) -> JsResult {
        let json =
            self.runtime
                .invoke_dotnet(assembly, Some(identifier), object_id, &args.to_string())?;
        serde_json::from_str(&json).map_err(|error| error.to_string())
    }

    /// `dotNetObject.dispose()`: fire-and-forget; the client only logs a failure.
    fn dispose(&self, object: u64) {
        let disposal = self.invoke_method_async(None, Some(object), "__Dispose", Value::Null);
        self.host.spawn_detached(async move {
            if let Err(text) = disposal.await {
                eprintln!("console.error: {text}");
            }
        });
    }

    fn alert(&self, text: String) {
        println!("    alert: {text}");
        lock(&self.state).alerts.push(text);
    }

    fn random_int(&self) -> u64 {
        let mut state = lock(&self.state);
        state.random_seed = state
            .random_seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state.random_seed >> 33) % 99999
    }

    fn js_function(identifier: &str) -> Option<JsFunction> {
        let function: JsFunction = match identifier {
            "sayHello1" => |page, args| Box::pin(say_hello1(page, args)),
            "sayHello2" => |page, args| Box::pin(say_hello2(page, args)),
            "GreetingHelpers.setDotNetHelper" => {
                |page, args| Box::pin(set_dot_net_helper(page, args))
            }
            "invokeMethodsAsync" => |page, args| Box::pin(invoke_methods_async(page, args)),
            "jsFunction" => |page, args| Box::pin(js_function(page, args)),
            "updateMessageCaller" => |page, args| Box::pin(update_message_caller(page, args)),
            "import" => |page, args| Box::pin(import(page, args)),
            "DotNet.disposeJSObjectReferenceById" => {
                |page, args| Box::pin(dispose_js_object(page, args))
            }
            _ => return None,
        };
        Some(function)
    }

    /// Applies one message from Rust, as the JS client's dispatcher does.
    fn deliver(&self, message: ToJs) {
        match message {
            ToJs::EndInvokeDotNet {
                call_id,
                success,
                result_or_error,
            } => {
                if let Some(sender) = lock(&self.state).pending.remove(&call_id) {
                    let _ = sender.send((success, result_or_error));
                }
            }
            ToJs::ReceiveByteArray { id, bytes } => {
                lock(&self.state).received_bytes.insert(id, bytes);
            }
            ToJs::BeginInvokeJs(call) => {
                let page = self.clone();
                let args: Vec<Value> = serde_json::from_str(&call.args_json).unwrap_or_default();
                let target_function = if call.target_instance_id == 0 {
                    Page::js_function(&call.identifier)
                } else {
                    module_export(&call.identifier)
                };
                self.host.spawn_detached(async move {
                    let result = match target_function {
                        Some(function) => function(page.clone(), args).await,
                        None => Err(format!(
                            "Could not find '{0}' ('{0}' was undefined).",
                            call.identifier
                        )),
                    };
                    if call.async_handle != 0 {
                        let triple = match result {
                            Ok(value) => json!([call.async_handle, true, value]),
                            Err(text) => json!([call.async_handle, false, text]),
                        };
                        let _ = page.runtime.end_invoke_js(&triple.to_string());
                    }
                });
            }
        }
    }

    /// Runs a Rust-side flow while serving JavaScript, until the flow finishes.
    fn run<T: Send + 'static>(&self, flow: impl Future<Output = T> + Send + 'static) -> T {
        let (sender, mut receiver) = oneshot::channel();
        self.host.spawn_detached(async move {
            let _ = sender.send(flow.await);
        });
        loop {
            self.host.run_until_stalled();
            let messages = self.host.take_messages();
            if messages.is_empty() {
                match receiver.try_recv() {
                    Ok(Some(value)) => return value,
                    _ => panic!("the page stalled before the flow finished"),
                }
            }
            for message in messages {
                self.deliver(message);
            }
        }
    }
}

trait SpawnDetached {
    fn spawn_detached(&self, future: impl Future<Output = ()> + Send + 'static);
}

impl SpawnDetached for MemoryHost {
    fn spawn_detached(&self, future: impl Future<Output = ()> + Send + 'static) {
        interop_runtime::Host::spawn(self, Box::pin(future));
    }
}

// The seed's JavaScript functions, ported line by line.

async fn say_hello1(page: Page, args: Vec<Value>) -> JsResult {
    let helper = object_id(&args[0])?;
    page.instance_async(helper, "GetHelloMessage", json!([]))
        .await
}

async fn say_hello2(page: Page, args: Vec<Value>) -> JsResult {
    let helper = object_id(&args[0])?;
    page.instance_async(helper, "GetHelloMessage", json!([args[1]]))
        .await
}

async fn set_dot_net_helper(page: Page, args: Vec<Value>) -> JsResult {
    lock(&page.state).greeting_helper = Some(object_id(&args[0])?);
    Ok(Value::Null)
}

async fn greeting_helpers_call(page: Page, identifier: &str) -> JsResult {
    let helper = lock(&page.state)
        .greeting_helper
        .ok_or("no dotNetHelper set")?;
    let message = page.instance_async(helper, identifier, json!([])).await?;
    page.alert(format!(
        "Message from .NET: \"{}\"",
        message.as_str().unwrap_or_default()
    ));
    Ok(Value::Null)
}

async fn invoke_methods_async(page: Page, args: Vec<Value>) -> JsResult {
    let sync_interop = args[0].as_bool().unwrap_or(false);
    let (helper1, helper2) = (object_id(&args[1])?, object_id(&args[2])?);
    let mut last = (Value::Null, Value::Null);
    for (helper, is_string) in [(helper1, true), (helper2, false)] {
        let value = |n: u64| {
            if is_string {
                json!(format!("string {n}"))
            } else {
                json!(n)
            }
        };
        for (identifier, sync) in [("Update", false), ("UpdateAsync", false), ("Update", true)] {
            if sync && !sync_interop {
                continue;
            }
            let n = value(page.random_int());
            let call = if sync {
                "invokeMethod"
            } else {
                "invokeMethodAsync"
            };
            println!("    console.log: JS: {call}:{identifier}({n})");
            if sync {
                page.invoke_method(None, Some(helper), identifier, json!([n]))?;
            } else {
                page.instance_async(helper, identifier, json!([n])).await?;
            }
            if is_string {
                last.0 = n;
            } else {
                last.1 = n;
            }
        }
    }
    lock(&page.state).last_random = vec![last.0, last.1];
    Ok(Value::Null)
}

async fn js_function(page: Page, args: Vec<Value>) -> JsResult {
    let helper = object_id(&args[0])?;
    lock(&page.state).js_function_helper = Some(helper);
    let call = page.instance_async(helper, "GetHelloMessage", json!([]));
    page.dispose(helper);
    let result = call.await?;
    println!("    console.log: jsFunction: GetHelloMessage returned {result}");
    Ok(Value::Null)
}

async fn update_message_caller(page: Page, args: Vec<Value>) -> JsResult {
    let helper = object_id(&args[0])?;
    let call = page.instance_async(helper, ASSEMBLY, json!(["UpdateMessageCaller"]));
    page.dispose(helper);
    drop(call);
    Ok(Value::Null)
}

async fn import(page: Page, args: Vec<Value>) -> JsResult {
    let specifier = args
        .first()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if specifier != "./scripts/isolation.js" {
        return Err(format!("could not load module '{specifier}'"));
    }
    let mut state = lock(&page.state);
    state.next_js_object += 1;
    let id = state.next_js_object;
    state.js_objects.insert(id, "isolation module");
    Ok(json!({ "__jsObjectId": id }))
}

fn module_export(identifier: &str) -> Option<JsFunction> {
    match identifier {
        "greet" => Some(|_, args| {
            Box::pin(async move {
                let name = args
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                Ok(json!(format!("Hello from a JS module, {name}!")))
            })
        }),
        _ => None,
    }
}

async fn dispose_js_object(page: Page, args: Vec<Value>) -> JsResult {
    let id = args.first().and_then(Value::as_u64).unwrap_or_default();
    lock(&page.state).js_objects.remove(&id);
    Ok(Value::Null)
}

/// One checked result of the tour.
struct Check {
    sample: &'static str,
    got: String,
    expected: String,
}

struct Tour {
    checks: Vec<Check>,
}

impl Tour {
    fn check(&mut self, sample: &'static str, got: impl ToString, expected: impl ToString) {
        let (got, expected) = (got.to_string(), expected.to_string());
        let mark = if got == expected { "ok  " } else { "FAIL" };
        println!("[{mark}] {sample}: {got}");
        if got != expected {
            println!("       expected: {expected}");
        }
        self.checks.push(Check {
            sample,
            got,
            expected,
        });
    }
}

fn show(result: JsResult) -> String {
    match result {
        Ok(value) => value.to_string(),
        Err(text) => format!("error: {text}"),
    }
}

fn main() -> ExitCode {
    let mut name = "Amy Pond".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--name" => match args.next() {
                Some(value) => name = value,
                None => {
                    eprintln!("--name needs a value\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("unknown argument '{other}'\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let options = RuntimeOptions::default()
        .max_message_size(Some(64 * 1024))
        .max_staged_bytes(Some(32 * 1024));
    let page = Page::new(options);
    let js = page.runtime.clone();
    let mut tour = Tour { checks: Vec::new() };
    println!("Seed tour on the in-memory host (JavaScript side emulated at the wire level)\n");

    let result = page.run(page.static_async("ReturnArrayAsync", json!([])));
    tour.check("1 ReturnArrayAsync", show(result), "[1,2,3]");
    let result = page.run(page.static_async("DifferentMethodName", json!([])));
    tour.check("2 DifferentMethodName (async)", show(result), "[1,2,3]");
    let result = page.invoke_method(Some(ASSEMBLY), None, "DifferentMethodName", json!([]));
    tour.check("2 DifferentMethodName (sync)", show(result), "[1,2,3]");
    let result = page.invoke_method(Some(ASSEMBLY), None, "ReturnArrayAsync", json!([]));
    tour.check(
        "2 ReturnArrayAsync (sync)",
        show(result),
        "error: The method 'ReturnArrayAsync' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.",
    );

    let flow_js = js.clone();
    let flow_name = name.clone();
    let result =
        page.run(async move { hello::trigger_dotnet_instance_method(&flow_js, &flow_name).await });
    tour.check(
        "3 sayHello1",
        result.map_err(|e| e.to_string()).unwrap_or_else(|e| e),
        format!("Hello, {name}!"),
    );

    let flow_js = js.clone();
    let flow_name = name.clone();
    let result = page.run(async move { hello::trigger_say_hello2(&flow_js, &flow_name).await });
    tour.check(
        "4 sayHello2",
        result.map_err(|e| e.to_string()).unwrap_or_else(|e| e),
        format!("Hello, {name}!"),
    );

    let helper = ObjectRef::new(greeting::GreetingHelper::default());
    helper.borrow().set_name(&name);
    let (flow_js, flow_helper) = (js.clone(), helper.clone());
    page.run(async move { greeting::set_dot_net_helper(&flow_js, &flow_helper).await })
        .unwrap_or_else(|error| println!("    setDotNetHelper failed: {error}"));
    page.run(greeting_helpers_call(page.clone(), "GetHelloMessage"))
        .ok();
    page.run(greeting_helpers_call(page.clone(), "GetWelcomeMessage"))
        .ok();
    let alerts = lock(&page.state).alerts.join(" | ");
    tour.check(
        "5 GreetingHelpers",
        alerts,
        format!("Message from .NET: \"Hello, {name}!\" | Message from .NET: \"Welcome, {name}!\""),
    );
    helper.dispose();

    let flow_js = js.clone();
    let values = page.run(async move { generics::invoke_interop(&flow_js, true).await });
    let expected = lock(&page.state).last_random.clone();
    tour.check(
        "6 GenericType<String>, GenericType<i32>",
        format!("{values:?}"),
        format!(
            "{:?}",
            Ok::<_, interop_runtime::JsError>((
                expected[0].as_str().unwrap_or_default().to_owned(),
                expected[1].as_i64().unwrap_or_default() as i32
            ))
        ),
    );

    let flow_js = js.clone();
    let flow_name = name.clone();
    let result = page.run(async move {
        hello::JsInteropClasses3::new(flow_js)
            .call_hello_helper_get_hello_message(&flow_name)
            .await
    });
    tour.check(
        "7 JsInteropClasses3",
        result.map_err(|e| e.to_string()).unwrap_or_else(|e| e),
        format!("Hello, {name}!"),
    );

    let flow_js = js.clone();
    let flow_name = name.clone();
    let helper = page.run(async move { hello::trigger_js_function(&flow_js, &flow_name).await });
    let after = match helper {
        Ok(helper) if helper.is_disposed() => {
            let id = lock(&page.state).js_function_helper.unwrap_or_default();
            page.run(page.instance_async(id, "GetHelloMessage", json!([])))
                .err()
                .unwrap_or_default()
                .replace(&format!("'{id}'"), "'<id>'")
        }
        Ok(_) => "the object was not disposed by JavaScript".to_owned(),
        Err(error) => error.to_string(),
    };
    tour.check(
        "8 jsFunction then a later call",
        after,
        "There is no tracked object with id '<id>'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')",
    );

    let items = Arc::new(list_items::ListItems::default());
    let (flow_js, flow_items) = (js.clone(), Arc::clone(&items));
    page.run(async move { flow_items.click(&flow_js, 1).await })
        .unwrap_or_else(|error| println!("    updateMessageCaller failed: {error}"));
    let states = items
        .states()
        .iter()
        .map(|state| {
            format!(
                "{}{}",
                state.message,
                if state.button_visible {
                    " [InteropCall]"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" | ");
    let untouched = "Select one of these list items. [InteropCall]";
    tour.check(
        "9 ListItems after clicking the second",
        states,
        format!("{untouched} | UpdateMessage Called! | {untouched} | {untouched}"),
    );

    let flow_js = js.clone();
    let send_bytes = page.clone();
    let result = page.run(async move {
        let _ = flow_js;
        send_bytes
            .runtime
            .receive_byte_array(0, byte_arrays::SEED_BYTES.to_vec())
            .ok();
        send_bytes
            .static_async("ReceiveByteArray", json!([{ "__byte[]": 0 }]))
            .await
    });
    if let Ok(Value::String(text)) = &result {
        page.alert(text.clone());
    }
    tour.check(
        "10 ReceiveByteArray",
        show(result),
        "\"Everything's shiny, Captian. Not to fret.\"",
    );

    let flow_js = js.clone();
    let result = page.run(async move {
        let module = flow_js.import("./scripts/isolation.js").await?;
        module.invoke::<String>("greet", ("Rust",)).await
    });
    tour.check(
        "12 JS isolation (module export)",
        result.map_err(|e| e.to_string()).unwrap_or_else(|e| e),
        "Hello from a JS module, Rust!",
    );

    let sender = page.clone();
    let result = page.run(async move {
        sender.runtime.receive_byte_array(0, vec![0; 40_000]).ok();
        sender
            .static_async("ReceiveByteArray", json!([{ "__byte[]": 0 }]))
            .await
    });
    tour.check(
        "14 byte arrays over the limit",
        show(result),
        "error: Exceeded the maximum byte array transfer limit for a call.",
    );
    let big = "x".repeat(100_000);
    let result = page.run(page.static_async("ReceiveByteArray", json!([big])));
    tour.check(
        "14 message over the limit",
        show(result),
        "error: The message of 100004 bytes exceeds the maximum message size of 65536 bytes.",
    );
    let result = page.run(page.static_async("ReturnArrayAsync", json!([])));
    tour.check("14 the page keeps working", show(result), "[1,2,3]");

    println!("\nskipped: 11 (streams) and 13 (circular JS values) need a JavaScript engine");
    let failures = tour
        .checks
        .iter()
        .filter(|check| check.got != check.expected)
        .count();
    println!(
        "{} passed, {} failed",
        tour.checks.len() - failures,
        failures
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        for check in tour
            .checks
            .iter()
            .filter(|check| check.got != check.expected)
        {
            eprintln!(
                "FAILED {}: got {}, expected {}",
                check.sample, check.got, check.expected
            );
        }
        ExitCode::FAILURE
    }
}
