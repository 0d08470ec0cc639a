//! The QuickJS host end to end, with the project's client and with Microsoft's npm client.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use interop_quickjs::{Client, Engine, EngineError, EngineOptions, OutputKind};
use interop_runtime::{
    jsinvokable, ByteArray, JsError, JsObjectRef, JsRuntime, JsStreamRef, ObjectRef,
    RuntimeOptions, StreamRef,
};
use interop_testkit::fixtures::{read_whole_stream, StreamSummary};
use serde::{Deserialize, Serialize};

// --- Rust items the scripts call (assembly "QuickJsTests") ---

#[jsinvokable("Add", assembly = "QuickJsTests")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[jsinvokable("AddAsync", assembly = "QuickJsTests")]
async fn add_async(a: i64, b: i64) -> i64 {
    a + b
}

#[jsinvokable("Echo", assembly = "QuickJsTests")]
fn echo(value: serde_json::Value) -> serde_json::Value {
    value
}

#[jsinvokable("Numbers", assembly = "QuickJsTests")]
fn numbers() -> (f64, u64, i64, f64, f64) {
    (-0.0, u64::MAX, i64::MIN, 0.1 + 0.2, 5e-324)
}

#[jsinvokable("Fail", assembly = "QuickJsTests")]
fn fail(text: String) -> Result<(), String> {
    Err(text)
}

#[jsinvokable("Panic", assembly = "QuickJsTests")]
fn panics() -> i32 {
    panic!("boom")
}

/// Bytes nested in objects, several per call.
#[derive(Serialize, Deserialize)]
struct Parcel {
    label: String,
    #[serde(with = "interop_runtime::byte_array")]
    data: Vec<u8>,
}

#[jsinvokable("SwapParcels", assembly = "QuickJsTests")]
fn swap_parcels(first: Parcel, second: Parcel, extra: ByteArray) -> Vec<Parcel> {
    vec![
        Parcel {
            label: first.label,
            data: second.data,
        },
        Parcel {
            label: second.label,
            data: [first.data, extra.into_vec()].concat(),
        },
    ]
}

/// Calls JavaScript synchronously from inside a synchronous call from JavaScript.
#[jsinvokable("Reenter", assembly = "QuickJsTests")]
fn reenter(runtime: JsRuntime, depth: i32) -> Result<i32, JsError> {
    runtime.invoke_sync::<i32>("reenterJs", (depth,))
}

#[jsinvokable("CallJsAsync", assembly = "QuickJsTests")]
async fn call_js_async(runtime: JsRuntime, identifier: String) -> Result<String, JsError> {
    runtime.invoke::<String>(&identifier, ()).await
}

#[jsinvokable("ReadStream", assembly = "QuickJsTests")]
async fn read_stream(data: JsStreamRef, max_allowed_size: u64) -> Result<StreamSummary, String> {
    read_whole_stream(&data, max_allowed_size).await
}

struct Counter {
    count: Mutex<i64>,
}

#[jsinvokable]
impl Counter {
    #[jsinvokable("Increment")]
    fn increment(&self) -> i64 {
        let mut count = self.count.lock().unwrap();
        *count += 1;
        *count
    }

    #[jsinvokable("NewCounter", assembly = "QuickJsTests")]
    fn new_counter() -> ObjectRef<Counter> {
        ObjectRef::new(Counter {
            count: Mutex::new(0),
        })
    }
}

// --- Engines ---

fn npm_client() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node_modules = interop_testkit::npm::install(
        &manifest.join("npm-client"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client"),
    )
    .expect("the pinned npm client installs");
    node_modules.join("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js")
}

fn clients() -> Vec<Client> {
    vec![Client::Builtin, Client::File(npm_client())]
}

type Lines = Arc<Mutex<Vec<String>>>;

fn engine_with(client: Client, configure: impl FnOnce(&mut EngineOptions)) -> (Engine, Lines) {
    let lines: Lines = Arc::default();
    let sink = Arc::clone(&lines);
    let mut options = EngineOptions {
        client,
        module_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        output: Arc::new(move |kind, text| {
            let prefix = match kind {
                OutputKind::Alert => "alert: ",
                OutputKind::Log => "",
                OutputKind::Warn => "warn: ",
                OutputKind::Error => "error: ",
            };
            sink.lock().unwrap().push(format!("{prefix}{text}"));
        }),
        ..EngineOptions::default()
    };
    configure(&mut options);
    (Engine::new(options).expect("the engine starts"), lines)
}

fn engine(client: Client) -> Engine {
    engine_with(client, |_| {}).0
}

fn eval(engine: &Engine, body: &str) -> String {
    engine
        .eval_json(body)
        .expect("the script runs")
        .unwrap_or_default()
}

// --- Tests ---

#[test]
fn the_builtin_client_is_the_default_and_the_npm_client_loads() {
    assert_eq!(engine(Client::Builtin).client(), "builtin");
    let path = npm_client();
    let engine = engine(Client::File(path.clone()));
    assert_eq!(engine.client(), path.display().to_string());
    assert!(path.ends_with("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js"));
}

#[test]
fn static_instance_sync_and_async_calls() {
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            "const counter = await DotNet.invokeMethodAsync('QuickJsTests', 'NewCounter');
             await counter.invokeMethodAsync('Increment');
             return [
               await DotNet.invokeMethodAsync('QuickJsTests', 'Add', 2, 3),
               DotNet.invokeMethod('QuickJsTests', 'Add', 4, 5),
               await DotNet.invokeMethodAsync('QuickJsTests', 'AddAsync', 6, 7),
               counter.invokeMethod('Increment'),
             ];",
        );
        assert_eq!(got, "[5,9,13,2]", "{}", engine.client());
    }
}

#[test]
fn byte_arrays_travel_both_ways_several_per_call_nested_in_objects() {
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            "const parcels = await DotNet.invokeMethodAsync('QuickJsTests', 'SwapParcels',
               { label: 'a', data: new Uint8Array([1, 2]) },
               { label: 'b', data: new Uint8Array([3]) },
               new Uint8Array([4, 5]));
             return parcels.map(p => [p.label, p.data instanceof Uint8Array, Array.from(p.data)]);",
        );
        assert_eq!(
            got,
            r#"[["a",true,[3]],["b",true,[1,2,4,5]]]"#,
            "{}",
            engine.client()
        );
    }
}

#[test]
fn errors_of_rust_reach_javascript_and_the_engine_keeps_serving() {
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            "const texts = [];
             for (const [id, args] of [['Fail', ['no luck']], ['Panic', []], ['Nope', []], ['Add', [1]]]) {
               try { await DotNet.invokeMethodAsync('QuickJsTests', id, ...args); texts.push('ok'); }
               catch (error) { texts.push(error.message); }
             }
             try { DotNet.invokeMethod('QuickJsTests', 'Fail', 'sync'); } catch (error) { texts.push(error.message); }
             texts.push(await DotNet.invokeMethodAsync('QuickJsTests', 'Add', 1, 1));
             return texts;",
        );
        assert_eq!(
            got,
            r#"["no luck","The call to 'Panic' panicked. boom","The assembly 'QuickJsTests' does not contain a public invokable method with [JSInvokableAttribute(\"Nope\")].","The call to 'Add' expects '2' parameters, but received '1'.","sync",2]"#,
            "{}",
            engine.client()
        );
    }
}

#[test]
fn rust_calls_javascript_and_receives_results_errors_and_object_references() {
    for client in clients() {
        let (engine, _) = engine_with(client, |_| {});
        engine
            .eval_script(
                "setup.js",
                "window.double = (n) => n * 2;
                 window.later = async (text) => text.toUpperCase();
                 window.thrower = () => { throw new Error('broken on purpose'); };
                 window.makeThing = () => ({ hello: (n) => `hello ${n}` });",
            )
            .unwrap();
        let js = engine.runtime().clone();
        let (doubled, later, thrown, hello) = engine.block_on(async move {
            let doubled = js.invoke::<i32>("double", (21,)).await;
            let later = js.invoke::<String>("later", ("quiet",)).await;
            let thrown = js.invoke::<()>("thrower", ()).await;
            let thing = js.invoke::<JsObjectRef>("makeThing", ()).await.unwrap();
            let hello = thing.invoke::<String>("hello", ("there",)).await;
            (doubled, later, thrown, hello)
        });
        assert_eq!(doubled, Ok(42));
        assert_eq!(later, Ok("QUIET".to_owned()));
        let Err(JsError::Js(text)) = thrown else {
            panic!("expected a JS error, got {thrown:?}")
        };
        assert!(text.starts_with("broken on purpose"), "{text}");
        assert!(
            text.contains("setup.js"),
            "the stack names the file: {text}"
        );
        assert_eq!(hello, Ok("hello there".to_owned()));
        assert_eq!(engine.runtime().invoke_sync::<i32>("double", (5,)), Ok(10));
    }
}

#[test]
fn reentrant_calls_js_rust_js_rust_do_not_deadlock() {
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            "window.reenterJs = (depth) => depth <= 0 ? 0 : 1 + DotNet.invokeMethod('QuickJsTests', 'Reenter', depth - 1);
             window.fromRust = () => 'js answered';
             return [
               DotNet.invokeMethod('QuickJsTests', 'Reenter', 5),
               await DotNet.invokeMethodAsync('QuickJsTests', 'Reenter', 3),
               await DotNet.invokeMethodAsync('QuickJsTests', 'CallJsAsync', 'fromRust'),
             ];",
        );
        assert_eq!(got, r#"[5,3,"js answered"]"#, "{}", engine.client());
    }
}

#[test]
fn a_promise_that_never_settles_times_out() {
    let (engine, _) = engine_with(Client::Builtin, |options| {
        options.runtime =
            RuntimeOptions::default().js_call_timeout(Some(Duration::from_millis(50)));
    });
    engine
        .eval_script("never.js", "window.never = () => new Promise(() => {});")
        .unwrap();
    let js = engine.runtime().clone();
    let result = engine.block_on(async move { js.invoke::<i32>("never", ()).await });
    assert_eq!(
        result,
        Err(JsError::Timeout(
            "The JS interop call 'never' timed out after 50ms.".to_owned()
        ))
    );
    assert_eq!(engine.runtime().pending_js_call_count(), 0);
    assert_eq!(eval(&engine, "return 1 + 1"), "2");
}

/// A call started outside the engine's loop (its timer created on the embedder's stack) is
/// driven, and times out, on the engine's clock.
#[test]
fn a_call_started_outside_block_on_times_out_on_the_engine_clock() {
    let (engine, _) = engine_with(Client::Builtin, |options| {
        options.runtime =
            RuntimeOptions::default().js_call_timeout(Some(Duration::from_millis(20)));
    });
    engine
        .eval_script("never.js", "window.never = () => new Promise(() => {});")
        .unwrap();
    let call = engine.runtime().invoke::<i32>("never", ());
    assert_eq!(
        engine.block_on(call),
        Err(JsError::Timeout(
            "The JS interop call 'never' timed out after 20ms.".to_owned()
        ))
    );
    assert_eq!(engine.runtime().pending_js_call_count(), 0);
}

#[test]
fn a_runaway_script_is_interrupted_and_the_engine_keeps_working() {
    let (engine, _) = engine_with(Client::Builtin, |options| {
        options.script_budget = Some(Duration::from_millis(100));
    });
    let error = engine.eval_script("loop.js", "for (;;) {}").unwrap_err();
    assert_eq!(error, EngineError::Interrupted(Duration::from_millis(100)));
    assert_eq!(
        eval(
            &engine,
            "return await DotNet.invokeMethodAsync('QuickJsTests', 'Add', 1, 2)"
        ),
        "3"
    );
}

#[test]
fn the_heap_limit_stops_a_script_that_allocates_without_bound() {
    let (engine, _) = engine_with(Client::Builtin, |options| {
        options.memory_limit = Some(16 * 1024 * 1024);
    });
    let error = engine
        .eval_script(
            "hog.js",
            "const hog = []; for (;;) hog.push(new Array(100000).fill(1));",
        )
        .unwrap_err();
    let EngineError::Js(text) = &error else {
        panic!("expected a JS error, got {error:?}")
    };
    assert!(text.contains("out of memory"), "{text}");
}

#[test]
fn a_promise_nothing_can_settle_is_reported_not_awaited_forever() {
    let engine = engine(Client::Builtin);
    assert_eq!(
        engine.eval_json("await new Promise(() => {});"),
        Err(EngineError::Stalled)
    );
}

#[test]
fn console_and_alert_reach_the_embedder() {
    let (engine, lines) = engine_with(Client::Builtin, |_| {});
    engine
        .eval_script(
            "talk.js",
            "console.log('a', 1, [2], {b: 3}); console.warn('careful'); alert('hi');",
        )
        .unwrap();
    assert_eq!(
        *lines.lock().unwrap(),
        ["a 1 [2] {\"b\":3}", "warn: careful", "alert: hi"]
    );
}

#[test]
fn modules_import_relative_files_and_the_import_identifier_works() {
    for client in clients() {
        let engine = engine(client);
        let js = engine.runtime().clone();
        let greeting = engine.block_on(async move {
            let module = js.import("./modules/greeter.js").await?;
            module.invoke::<String>("greet", ("module",)).await
        });
        assert_eq!(
            greeting,
            Ok("greetings, module (from a nested import)".to_owned())
        );
    }
}

#[test]
fn dropping_the_engine_releases_everything_in_order() {
    let engine = engine(Client::Builtin);
    let js = engine.runtime().clone();
    let counter = ObjectRef::new(Counter {
        count: Mutex::new(0),
    });
    engine
        .eval_script("keep.js", "window.keep = (c) => { window.kept = c; };")
        .unwrap();
    let handed = counter.clone();
    engine
        .block_on(async move { js.invoke_void("keep", (&handed,)).await })
        .unwrap();
    assert_eq!(engine.runtime().tracked_object_count(), 1);
    let runtime = engine.runtime().clone();
    drop(engine);
    assert!(runtime.is_closed());
    assert!(counter.is_disposed());
    assert_eq!(runtime.tracked_object_count(), 0);
}

#[test]
fn async_calls_settle_asynchronously_and_in_the_same_order_with_both_clients() {
    for client in clients() {
        let engine = engine(client);
        // Ours takes the ready completions of 'Add' straight from the host; Microsoft's gets
        // them queued. Either way nothing settles before the calling code has finished.
        let got = eval(
            &engine,
            "const order = [];
             const calls = [
               DotNet.invokeMethodAsync('QuickJsTests', 'Add', 1, 1).then(v => order.push(['a', v])),
               DotNet.invokeMethodAsync('QuickJsTests', 'AddAsync', 2, 2).then(v => order.push(['b', v])),
               DotNet.invokeMethodAsync('QuickJsTests', 'Fail', 'no').catch(e => order.push(['c', e.message])),
               DotNet.invokeMethodAsync('QuickJsTests', 'Add', 3, 3).then(v => order.push(['d', v])),
             ];
             order.push('sync');
             await Promise.all(calls);
             return order;",
        );
        assert_eq!(
            got,
            r#"["sync",["a",2],["c","no"],["d",6],["b",4]]"#,
            "{}",
            engine.client()
        );
    }
}

#[test]
fn async_calls_made_while_rust_runs_inside_an_async_call_complete_each_their_own() {
    for client in clients() {
        let engine = engine(client);
        // The outer call is running in Rust when JavaScript starts the inner ones.
        let got = eval(
            &engine,
            "const inner = [];
             window.reenterJs = (depth) => {
               inner.push(DotNet.invokeMethodAsync('QuickJsTests', 'Add', depth, 100));
               inner.push(DotNet.invokeMethodAsync('QuickJsTests', 'AddAsync', depth, 200));
               return depth <= 0 ? 0 : 1 + DotNet.invokeMethod('QuickJsTests', 'Reenter', depth - 1);
             };
             const outer = await DotNet.invokeMethodAsync('QuickJsTests', 'Reenter', 2);
             return [outer, await Promise.all(inner)];",
        );
        assert_eq!(got, "[2,[102,202,101,201,100,200]]", "{}", engine.client());
    }
}

#[test]
fn results_read_the_same_whether_returned_directly_or_queued() {
    let mut seen = Vec::new();
    for client in clients() {
        let engine = engine(client);
        // Ours gets numbers, booleans and null as values and the rest as JSON text.
        let got = eval(
            &engine,
            "const values = [0, 1, -2, 1.5, 1e21, 2 ** 31, -(2 ** 31), 2 ** 53 + 2, true, false, null,
                             'text', '', [1, 'two'], { a: { b: null } }];
             const out = [];
             for (const value of values) {
               const back = await DotNet.invokeMethodAsync('QuickJsTests', 'Echo', value);
               out.push([typeof back, back]);
             }
             const [negativeZero, ...rest] = await DotNet.invokeMethodAsync('QuickJsTests', 'Numbers');
             const single = await DotNet.invokeMethodAsync('QuickJsTests', 'Echo', -0);
             out.push(Object.is(negativeZero, -0), rest.map(String), Object.is(single, 0));
             return out;",
        );
        seen.push(got);
    }
    assert_eq!(
        seen[0],
        r#"[["number",0],["number",1],["number",-2],["number",1.5],["number",1e+21],["number",2147483648],["number",-2147483648],["number",9007199254740994],["boolean",true],["boolean",false],["object",null],["string","text"],["string",""],["object",[1,"two"]],["object",{"a":{"b":null}}],true,["18446744073709552000","-9223372036854776000","0.30000000000000004","5e-324"],true]"#
    );
    assert_eq!(seen[0], seen[1], "the builtin and the npm client");
}

/// Calls the host's `beginInvokeDotNetFromJSDirect` by hand and records what it answers (the
/// tag, then the payload it put in `out[0]`, if any) and what reaches the dispatcher afterwards
/// (call ids from 9000 are the script's own).
const DIRECT_PROBE: &str = "
const counter = await DotNet.invokeMethodAsync('QuickJsTests', 'NewCounter');
const dispatcher = counter._callDispatcher;
const host = dispatcher.getDotNetCallDispatcher();
const log = [];
const end = dispatcher.endInvokeDotNetFromJS.bind(dispatcher);
const receive = dispatcher.receiveByteArray.bind(dispatcher);
dispatcher.endInvokeDotNetFromJS = (id, ok, text) =>
  id >= 9000 ? log.push(['end', id, ok, text]) : end(id, ok, text);
dispatcher.receiveByteArray = (id, bytes) => { log.push(['bytes', Array.from(bytes)]); receive(id, bytes); };
const out = [];
const direct = (id, identifier, args) => {
  const tag = host.beginInvokeDotNetFromJSDirect(id, 'QuickJsTests', identifier, null, JSON.stringify(args), out);
  log.push(['answered', id, tag, ...out.splice(0)]);
};
const settle = async (count) => {
  for (let i = 0; i < 20 && log.filter(e => e[0] === 'end').length < count; i++) {
    await DotNet.invokeMethodAsync('QuickJsTests', 'AddAsync', 0, 0);
  }
};
";

#[test]
fn the_host_answers_a_ready_completion_only_when_it_overtakes_nothing() {
    let engine = engine(Client::Builtin);
    let got = eval(
        &engine,
        &format!(
            "{DIRECT_PROBE}
             direct(9001, 'Add', [1, 2]);
             direct(9002, 'Fail', ['no luck']);
             direct(9003, 'Nope', []);
             // Queued: an earlier completion is waiting, so this one must follow it.
             host.beginInvokeDotNetFromJS(9004, 'QuickJsTests', 'Add', null, '[5,6]');
             direct(9005, 'Add', [7, 8]);
             direct(9006, 'Fail', ['late']);
             await settle(3);
             return log;"
        ),
    );
    assert_eq!(
        got,
        r#"[["answered",9001,1,3],["answered",9002,3,"no luck"],["answered",9003,3,"The assembly 'QuickJsTests' does not contain a public invokable method with [JSInvokableAttribute(\"Nope\")]."],["answered",9005,0],["answered",9006,0],["end",9004,true,"11"],["end",9005,true,"15"],["end",9006,false,"late"]]"#
    );
}

#[test]
fn byte_arrays_markers_and_async_methods_keep_the_queue() {
    let engine = engine(Client::Builtin);
    let got = eval(
        &engine,
        &format!(
            "{DIRECT_PROBE}
             // The result's byte arrays must reach JavaScript before its completion.
             host.sendByteArray(0, new Uint8Array([1, 2]));
             host.sendByteArray(1, new Uint8Array([3]));
             host.sendByteArray(2, new Uint8Array([4, 5]));
             direct(9001, 'SwapParcels', [
               {{ label: 'a', data: {{ '__byte[]': 0 }} }},
               {{ label: 'b', data: {{ '__byte[]': 1 }} }},
               {{ '__byte[]': 2 }},
             ]);
             direct(9002, 'NewCounter', []);
             direct(9003, 'AddAsync', [3, 4]);
             await settle(3);
             return log;"
        ),
    );
    let log: Vec<serde_json::Value> = serde_json::from_str(&got).expect("a JSON log");
    let kinds: Vec<String> = log
        .iter()
        .map(|entry| format!("{}:{}", entry[0], entry[1]))
        .collect();
    assert_eq!(
        kinds,
        [
            "\"answered\":9001",
            "\"answered\":9002",
            "\"answered\":9003",
            "\"bytes\":[3]",
            "\"bytes\":[1,2,4,5]",
            "\"end\":9001",
            "\"end\":9002",
            "\"end\":9003",
        ],
        "{got}"
    );
    for entry in &log[..3] {
        assert_eq!(entry.as_array().map(Vec::len), Some(3), "{got}");
        assert_eq!(entry[2], 0, "started, no payload: {got}");
    }
    assert!(
        log[5][3]
            .as_str()
            .is_some_and(|json| json.contains("__byte[]")),
        "{got}"
    );
    assert!(
        log[6][3]
            .as_str()
            .is_some_and(|json| json.contains("__dotNetObject")),
        "{got}"
    );
    assert_eq!(log[7][3], "7", "{got}");
}

#[test]
fn the_npm_client_never_calls_the_extension_and_gets_every_completion_queued() {
    let engine = engine(Client::File(npm_client()));
    let got = eval(
        &engine,
        "const counter = await DotNet.invokeMethodAsync('QuickJsTests', 'NewCounter');
         const host = counter._callDispatcher.getDotNetCallDispatcher();
         const calls = [];
         host.beginInvokeDotNetFromJSDirect = (...args) => { calls.push(args); };
         const results = [
           await DotNet.invokeMethodAsync('QuickJsTests', 'Add', 1, 2),
           await counter.invokeMethodAsync('Increment'),
           await DotNet.invokeMethodAsync('QuickJsTests', 'Fail', 'no').catch(e => e.message),
         ];
         return [results, calls.length];",
    );
    assert_eq!(got, r#"[[3,1,"no"],0]"#);
}

#[test]
fn the_clients_differ_where_intended_on_a_missing_byte_array() {
    for client in clients() {
        let builtin = client == Client::Builtin;
        let (engine, _) = engine_with(client, |_| {});
        engine
            .eval_script("describe.js", "window.describe = (value) => String(value);")
            .unwrap();
        let js = engine.runtime().clone();
        let result = engine.block_on(async move {
            js.invoke::<String>("describe", (serde_json::json!({ "__byte[]": 999 }),))
                .await
        });
        if builtin {
            let Err(JsError::Js(text)) = &result else {
                panic!("expected a JS error, got {result:?}")
            };
            assert!(
                text.starts_with("Byte array index '999' does not exist."),
                "{text}"
            );
        } else {
            // Microsoft's client revives a missing byte array as null (PROTOCOL.md §7).
            assert_eq!(result, Ok("null".to_owned()));
        }
    }
}

/// A hand-written "client" that exposes the raw host object, so a test can send what no
/// well-behaved client would.
fn raw_host_engine() -> Engine {
    let client = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/raw-host-client.js");
    engine(Client::File(client))
}

#[test]
fn hostile_input_through_a_hand_written_dispatcher_gets_clear_errors() {
    let engine = raw_host_engine();
    let got = eval(
        &engine,
        "const host = globalThis.rawHost;
         const replies = globalThis.replies;
         const results = [];
         const call = (id, ...args) => { try { host.beginInvokeDotNetFromJS(id, ...args); } catch (error) { results.push('threw: ' + error.message); } };
         call(1, 'QuickJsTests', 'Add', null, '[1, 2');
         call(2, 'QuickJsTests', 'Add', null, '{\"a\": 1}');
         call(3, 'QuickJsTests', 'Add', null, '[1, \"two\"]');
         call(4, 'QuickJsTests', 'Add', null, '[1, 2, 3]');
         call(5, 'NoSuchAssembly', 'Add', null, '[]');
         call(6, null, 'Add', 12345, '[]');
         call(7, null, '__Dispose', 777, 'null');
         call(8, 'QuickJsTests', 'Add', null, '[' + '['.repeat(40) + ']'.repeat(40) + ', 1]');
         call('not a number', 'QuickJsTests', 'Add', null, '[1, 2]');
         call(9, 42, 'Add', null, '[1, 2]');
         call(11, 'QuickJsTests\\ud800', 'Add', null, '[1, 2]');
         call(12, 'QuickJsTests', 'Add\\udc00', null, '[1, 2]');
         call(13, 'QuickJsTests', 'Echo', null, '[\"\\ud800\"]');
         call(14, 'QuickJsTests', 'Echo', null, '[\"\\ud83d\\ude00\"]');
         try { host.sendByteArray(0, 'not bytes'); } catch (error) { results.push('threw: ' + error.message); }
         host.endInvokeJSFromDotNet(99, true, 'garbage');
         call(10, 'QuickJsTests', 'Add', null, '[20, 22]');
         await null;
         return [results, replies.map(([id, ok, text]) => `${id} ${ok} ${text}`)];",
    );
    let expected = serde_json::json!([
        [
            "threw: callId must be a non-negative integer",
            "threw: assemblyName must be a string or null",
            "threw: assemblyName holds a lone surrogate: it is not well-formed Unicode",
            "threw: methodIdentifier holds a lone surrogate: it is not well-formed Unicode",
            "threw: argsJson holds a lone surrogate: it is not well-formed Unicode",
            "threw: sendByteArray expects a Uint8Array"
        ],
        [
            "1 false Invalid JSON: unexpected end of the array",
            "2 false Invalid JSON",
            "3 false The call to 'Add' could not bind argument 2: invalid type: string \"two\", expected i64",
            "4 false Unexpected JSON token Number. Ensure that the call to `Add' is supplied with exactly '2' parameters.",
            "5 false There is no loaded assembly with the name 'NoSuchAssembly'.",
            "6 false There is no tracked object with id '12345'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')",
            "7 false There is no tracked object with id '777'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')",
            "8 false The JSON value exceeds the maximum depth of 32.",
            "14 true \"\u{1F600}\"",
            "10 true 42"
        ]
    ]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&got).unwrap(),
        expected
    );
}

#[test]
fn the_direct_call_writes_primitive_arguments_and_answers_with_a_tag() {
    let engine = raw_host_engine();
    let got = eval(
        &engine,
        "const host = globalThis.rawHost;
         const results = [];
         const direct = (id, args, method = 'Add', out = []) => {
           try {
             const tag = host.beginInvokeDotNetFromJSDirect(id, 'QuickJsTests', method, null, args, out);
             results.push([tag, ...out]);
           } catch (error) {
             results.push('threw: ' + error.message);
           }
         };
         direct(1, [20, 22]);
         direct(2, [20.5, 1]);
         direct(3, [{ a: 1 }, 2]);
         direct(4, ['\\ud800', 2]);
         direct(5, [2 ** 53, 1]);
         direct(6, { length: 2 });
         direct(7, 42);
         direct(8, '[1, 2]');
         direct(9, [1]);
         direct(10, ['text'], 'Echo');
         direct(11, null, 'Add');
         direct(12, [1, 2], 'Add', null);
         direct(13, [1, 2], 'Add', {});
         // An out array that refuses the payload: the completion is queued instead.
         direct(14, [1, 2], 'Add', Object.freeze([]));
         await null;
         return [results, globalThis.replies];",
    );
    let expected = serde_json::json!([
        [
            [1, 42],
            [3, "The call to 'Add' could not bind argument 1: invalid type: floating point `20.5`, expected i64"],
            [4],
            [4],
            [4],
            [4],
            "threw: argsJson must be a string or null",
            [1, 3],
            [
                3,
                "The call to 'Add' expects '2' parameters, but received '1'."
            ],
            [2, "\"text\""],
            [3, "Invalid JSON"],
            "threw: out must be an array",
            "threw: out must be an array",
            [0]
        ],
        [[14, true, "3"]]
    ]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&got).unwrap(),
        expected
    );
}

use interop_testkit::fixtures::pattern;

const MAKE_PATTERN: &str = "const pattern = (n) => new Uint8Array(n).map((_, i) => i % 251);";

#[test]
fn streams_from_javascript_in_every_shape_of_data() {
    let bytes = pattern(100_000);
    let expected = serde_json::to_string(&[
        StreamSummary::of(&bytes),
        StreamSummary::of(&bytes),
        StreamSummary::of(&bytes[4..4_004]),
        StreamSummary::of(&bytes[..70_000]),
    ])
    .unwrap();
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            &format!(
                "{MAKE_PATTERN}
                 const bytes = pattern(100000);
                 const shapes = [bytes, bytes.buffer, new Float32Array(bytes.buffer, 4, 1000),
                                 new Blob([bytes.subarray(0, 70000)])];
                 const read = [];
                 for (const data of shapes) {{
                   read.push(await DotNet.invokeMethodAsync('QuickJsTests', 'ReadStream',
                     DotNet.createJSStreamReference(data), 100000));
                 }}
                 return read;"
            ),
        );
        assert_eq!(got, expected, "{}", engine.client());
    }
}

#[test]
fn a_stream_reference_disposed_by_javascript_fails_the_read_clearly() {
    for client in clients() {
        let engine = engine(client);
        let got = eval(
            &engine,
            "const data = DotNet.createJSStreamReference(new Uint8Array(10).fill(1));
             DotNet.disposeJSObjectReference(data);
             try {
               await DotNet.invokeMethodAsync('QuickJsTests', 'ReadStream', data, 100);
               return 'read';
             } catch (error) {
               return error.message;
             }",
        );
        assert!(
            got.starts_with("\"An error occurred while reading the remote stream: "),
            "{}: {got}",
            engine.client()
        );
        assert_eq!(eval(&engine, "return 1 + 1;"), "2");
    }
}

#[test]
fn rust_asks_javascript_for_a_stream_and_the_default_limit_refuses_large_data() {
    for client in clients() {
        let engine = engine(client);
        engine
            .eval_script(
                "setup.js",
                &format!("{MAKE_PATTERN} window.largeData = () => pattern(600000);"),
            )
            .unwrap();
        let js = engine.runtime().clone();
        let (refused, read, objects) = engine
            .block_on(async move {
                let data: JsStreamRef = js
                    .invoke("largeData", ())
                    .await
                    .map_err(|e| e.to_string())?;
                let refused = data
                    .open_read_stream(JsStreamRef::DEFAULT_MAX_ALLOWED_SIZE)
                    .map(|_| ());
                let read = read_whole_stream(&data, data.len()).await;
                Ok::<_, String>((refused, read, data.id()))
            })
            .unwrap();
        assert_eq!(
            refused.unwrap_err().to_string(),
            "The incoming data stream of length 600000 exceeds the maximum allowed length 512000. (Parameter 'maxAllowedSize')"
        );
        assert_eq!(read, Ok(StreamSummary::of(&pattern(600_000))));
        // The reader released the data: JavaScript no longer knows the id.
        engine.run_until_idle();
        let js = engine.runtime().clone();
        let released = engine.block_on(async move {
            let marker = serde_json::json!({ "__jsObjectId": objects });
            js.invoke::<Vec<ByteArray>>("jsinvokable.readStreamChunks", (marker, 0, 1, 1))
                .await
        });
        assert!(
            matches!(released, Err(JsError::Js(_))),
            "the data is still reachable: {released:?}"
        );
        assert_eq!(eval(&engine, "return 1 + 1;"), "2");
    }
}

#[test]
fn streams_from_rust_read_as_readable_streams_and_array_buffers() {
    let bytes = pattern(100_000);
    let summary = |bytes: &[u8]| serde_json::to_string(&StreamSummary::of(bytes)).unwrap();
    for client in clients() {
        let engine = engine(client);
        engine
            .eval_script(
                "setup.js",
                "const summary = (bytes) => ({ length: bytes.length, sum: bytes.reduce((a, b) => a + b, 0) });
                 window.viaArrayBuffer = async (data) => summary(new Uint8Array(await data.arrayBuffer()));
                 window.viaReader = async (data) => {
                   const reader = (await data.stream()).getReader();
                   const chunks = [];
                   for (;;) {
                     const { done, value } = await reader.read();
                     if (done) break;
                     if (value.length > 32768) throw new Error(`chunk of ${value.length} bytes`);
                     chunks.push(...value);
                   }
                   return summary(chunks);
                 };
                 window.readFailure = async (data) => {
                   try { await data.arrayBuffer(); return 'read'; } catch (error) { return error.message; }
                 };",
            )
            .unwrap();
        let js = engine.runtime().clone();
        let source = bytes.clone();
        let (whole, chunked, failed) = engine.block_on(async move {
            let stream = || StreamRef::new(futures_util::io::Cursor::new(source.clone()));
            let whole = js
                .invoke::<StreamSummary>("viaArrayBuffer", (stream(),))
                .await;
            let chunked = js.invoke::<StreamSummary>("viaReader", (stream(),)).await;
            let broken = interop_testkit::fixtures::broken_download(10);
            let failed = js.invoke::<String>("readFailure", (broken,)).await;
            (whole, chunked, failed)
        });
        let label = engine.client().to_owned();
        assert_eq!(
            serde_json::to_string(&whole.unwrap()).unwrap(),
            summary(&bytes),
            "{label}"
        );
        assert_eq!(
            serde_json::to_string(&chunked.unwrap()).unwrap(),
            summary(&bytes),
            "{label}"
        );
        assert_eq!(failed, Ok("disk on fire".to_owned()), "{label}");
        engine.run_until_idle();
        assert_eq!(engine.runtime().outgoing_stream_count(), 0, "{label}");
    }
}
