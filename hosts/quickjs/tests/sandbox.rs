//! The QuickJS host as a sandbox: the script budget covers every entry into JavaScript, modules
//! are read only below their roots, the queue of messages for JavaScript is bounded, and deep
//! recursion throws instead of overflowing the thread's stack.
//!
//! Tests that could hang without the limit they check run the engine on a thread of their own
//! and fail when it has not returned within [`WATCHDOG`].

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::task::Poll;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::FutureExt;
use interop_quickjs::{Client, Engine, EngineError, EngineOptions, DEFAULT_MAX_STACK_SIZE};
use interop_runtime::{jsinvokable, ByteArray, JsError, JsRuntime};

// --- Rust items the scripts call (assembly "SandboxTests") ---

/// Returns to the executor once, then goes on: code after it runs when tokio polls the task
/// again, between two turns of the engine's loop.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |context| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            context.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// Calls the JS function `spin` synchronously from a spawned task, after yielding once.
#[jsinvokable("SpinLater", assembly = "SandboxTests")]
async fn spin_later(runtime: JsRuntime) -> Result<i32, String> {
    yield_once().await;
    runtime
        .invoke_sync::<i32>("spin", ())
        .map_err(|error| error.to_string())
}

/// JS → Rust → JS → … as deep as the stack allows.
#[jsinvokable("Reenter", assembly = "SandboxTests")]
fn reenter(runtime: JsRuntime, depth: i32) -> Result<i32, JsError> {
    runtime.invoke_sync::<i32>("reenterJs", (depth,))
}

/// `n` bytes of value `n`: a result whose byte array and completion both wait in the queue.
#[jsinvokable("Bytes", assembly = "SandboxTests")]
fn bytes(n: u8) -> ByteArray {
    ByteArray::from(vec![n; usize::from(n)])
}

#[jsinvokable("AddAsync", assembly = "SandboxTests")]
async fn add_async(a: i64, b: i64) -> i64 {
    yield_once().await;
    a + b
}

// --- Helpers ---

/// How long a test that could hang may take before it counts as hung.
const WATCHDOG: Duration = Duration::from_secs(20);

/// Runs `test` on a new thread with a stack of `stack_size` bytes and returns what it returns;
/// panics (instead of waiting forever) when it has not returned within [`WATCHDOG`].
fn on_thread<T: Send + 'static>(stack_size: usize, test: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(stack_size)
        .spawn(move || {
            let _ = sender.send(test());
        })
        .expect("the test thread starts");
    match receiver.recv_timeout(WATCHDOG) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the engine did not return within {WATCHDOG:?}: it hangs")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test thread panicked"),
    }
}

/// The std default for spawned threads, and tokio's for its workers.
const TWO_MIB: usize = 2 << 20;

fn engine_with(configure: impl FnOnce(&mut EngineOptions)) -> Engine {
    let mut options = EngineOptions {
        module_root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests"),
        output: std::sync::Arc::new(|_, _| {}),
        ..EngineOptions::default()
    };
    configure(&mut options);
    Engine::new(options).expect("the engine starts")
}

fn eval(engine: &Engine, body: &str) -> String {
    engine
        .eval_json(body)
        .expect("the script runs")
        .unwrap_or_default()
}

fn npm_client() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let node_modules = interop_testkit::npm::install(
        &manifest.join("npm-client"),
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("npm-client"),
    )
    .expect("the pinned npm client installs");
    node_modules.join("@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js")
}

// --- The script budget covers every entry into JavaScript ---

const SPIN: &str = "window.spin = () => { for (;;) {} };";

fn spin_text(budget_ms: u64) -> String {
    format!(
        "The JS interop call 'spin' ran past the script budget of {budget_ms} ms and was \
         interrupted."
    )
}

#[test]
fn a_sync_call_from_top_level_rust_is_interrupted() {
    let (result, after) = on_thread(TWO_MIB, || {
        let engine =
            engine_with(|options| options.script_budget = Some(Duration::from_millis(200)));
        engine.eval_script("spin.js", SPIN).unwrap();
        let result = engine.runtime().invoke_sync::<i32>("spin", ());
        (result, eval(&engine, "return 1 + 1"))
    });
    assert_eq!(result, Err(JsError::Js(spin_text(200))));
    assert_eq!(after, "2", "the engine keeps serving");
}

#[test]
fn a_sync_call_from_an_async_task_polled_between_turns_is_interrupted() {
    let got = on_thread(TWO_MIB, || {
        let engine =
            engine_with(|options| options.script_budget = Some(Duration::from_millis(200)));
        engine.eval_script("spin.js", SPIN).unwrap();
        // The task spawned for an async method JavaScript called runs between turns of the loop.
        eval(
            &engine,
            "try { return await DotNet.invokeMethodAsync('SandboxTests', 'SpinLater'); } \
             catch (error) { return error.message; }",
        )
    });
    assert_eq!(got, format!("{:?}", spin_text(200)));
}

#[test]
fn a_sync_call_from_the_future_block_on_drives_is_interrupted() {
    let (result, after) = on_thread(TWO_MIB, || {
        let engine =
            engine_with(|options| options.script_budget = Some(Duration::from_millis(200)));
        engine.eval_script("spin.js", SPIN).unwrap();
        let js = engine.runtime().clone();
        let result = engine.block_on(async move {
            yield_once().await;
            js.invoke_sync::<i32>("spin", ())
        });
        (result, eval(&engine, "return 1 + 1"))
    });
    assert_eq!(result, Err(JsError::Js(spin_text(200))));
    assert_eq!(after, "2");
}

#[test]
fn reading_a_rejection_whose_text_never_ends_is_interrupted() {
    let (result, after) = on_thread(TWO_MIB, || {
        let engine =
            engine_with(|options| options.script_budget = Some(Duration::from_millis(200)));
        let result = engine.run_module(
            "reject.js",
            "await Promise.reject({ toString() { for (;;) {} } });",
        );
        (result, eval(&engine, "return 1 + 1"))
    });
    assert!(result.is_err(), "{result:?}");
    assert_eq!(after, "2");
}

// --- The JS stack ---

const RECURSE: &str = "let depth = 0; function f() { depth++; f(); } \
                       try { f(); } catch (error) { return [String(error), depth]; }";

fn recursion(engine: &Engine) -> (String, u64) {
    serde_json::from_str(&eval(engine, RECURSE)).expect("[text, depth]")
}

#[test]
fn deep_recursion_throws_a_range_error_on_a_2_mib_thread() {
    const REENTER: &str =
        "window.reenterJs = (depth) => DotNet.invokeMethod('SandboxTests', 'Reenter', depth + 1); \
         try { return reenterJs(0); } catch (error) { return error.message; }";
    let (plain, uncaught, reentrant, nested) = on_thread(TWO_MIB, || {
        // No nesting limit: the JS stack's own limit is what stops JS → Rust → JS → ….
        let engine = engine_with(|options| options.runtime.max_nested_calls = usize::MAX);
        let plain = recursion(&engine);
        let uncaught = engine.eval_script("f.js", "function f() { f(); } f();");
        // JS → Rust → JS → …: every level also holds the Rust frames between.
        let reentrant = eval(&engine, REENTER);
        // With the default limit (32), the runtime refuses the 33rd call first.
        let nested = eval(&engine_with(|_| {}), REENTER);
        (plain, uncaught, reentrant, nested)
    });
    assert_eq!(plain.0, "RangeError: Maximum call stack size exceeded");
    assert!(plain.1 > 1000, "{plain:?}");
    let Err(EngineError::Js(text)) = uncaught else {
        panic!("expected a JS error, got {uncaught:?}")
    };
    assert!(
        text.starts_with("Maximum call stack size exceeded"),
        "{text}"
    );
    assert!(
        reentrant.contains("Maximum call stack size exceeded"),
        "{reentrant}"
    );
    assert!(
        nested.contains(
            "The call to 'Reenter' was refused: 32 calls from JavaScript are already nested"
        ),
        "{nested}"
    );
}

/// Uses about `levels` × 64 KiB of stack, then runs `f`.
fn deep_in_the_stack<T>(levels: usize, f: impl FnOnce() -> T) -> T {
    let padding = std::hint::black_box([0u8; 64 * 1024]);
    let result = if levels == 0 {
        f()
    } else {
        deep_in_the_stack(levels - 1, f)
    };
    std::hint::black_box(&padding);
    result
}

/// QuickJS counts the stack from where its runtime was created unless told otherwise: an engine
/// created 640 KiB down a 2 MiB thread and used from the top would let JavaScript run past the
/// thread's end. The limit is counted from where Rust enters.
#[test]
fn the_stack_limit_counts_from_where_rust_enters_not_where_the_engine_was_made() {
    let (text, _) = on_thread(TWO_MIB, || {
        let engine = deep_in_the_stack(10, || engine_with(|_| {}));
        recursion(&engine)
    });
    assert_eq!(text, "RangeError: Maximum call stack size exceeded");
}

#[test]
fn the_stack_size_is_an_option_checked_at_its_edge() {
    let (default, half, quarter) = on_thread(TWO_MIB, || {
        let depth = |size| recursion(&engine_with(|options| options.max_stack_size = Some(size))).1;
        (
            depth(DEFAULT_MAX_STACK_SIZE),
            depth(DEFAULT_MAX_STACK_SIZE / 2),
            depth(DEFAULT_MAX_STACK_SIZE / 4),
        )
    });
    // The depth reached follows the limit (the Rust frames below the script take a fixed part).
    assert!(
        default > half && half > quarter,
        "{default} {half} {quarter}"
    );
    assert!(
        default - half > (half - quarter) * 3 / 2,
        "{default} {half} {quarter}"
    );
    let refused = |size: Option<usize>| match Engine::new(EngineOptions {
        max_stack_size: size,
        ..EngineOptions::default()
    }) {
        Err(EngineError::Setup(text)) => Some(text),
        Err(other) => panic!("{other:?}"),
        Ok(_) => None,
    };
    assert_eq!(refused(Some(16 << 20)), None);
    assert_eq!(refused(None), None);
    assert_eq!(
        refused(Some((16 << 20) + 1)).as_deref(),
        Some(
            "max_stack_size must be between 1 and 16777216 bytes (None turns the check off), \
             not 16777217"
        )
    );
    assert!(refused(Some(0)).is_some());
}

// --- The queue of messages for JavaScript ---

#[test]
fn a_rust_call_fails_clearly_when_the_queue_is_full() {
    let engine = engine_with(|options| options.max_queued_messages = 3);
    engine
        .eval_script("echo.js", "window.echo = (x) => x;")
        .unwrap();
    let js = engine.runtime().clone();
    // Nothing runs JavaScript until `block_on`: the three calls wait in the queue.
    let queued: Vec<_> = (0..3).map(|i| js.invoke::<i32>("echo", (i,))).collect();
    // Refused at once: the future is ready before anything runs.
    let refused = js.invoke::<i32>("echo", (3,)).now_or_never();
    assert_eq!(
        refused,
        Some(Err(JsError::Arguments(
            "Cannot start the JS interop call 'echo': the queue of messages for JavaScript is \
             full (max_queued_messages = 3)."
                .to_owned()
        )))
    );
    assert_eq!(engine.runtime().pending_js_call_count(), 3);
    let results = engine.block_on(join_all(queued));
    assert_eq!(results, [Ok(0), Ok(1), Ok(2)]);
    assert_eq!(engine.block_on(js.invoke::<i32>("echo", (4,))), Ok(4));
}

/// Each `Bytes` call queues its byte array and its completion: with 4 messages allowed, the
/// third call of one synchronous block finds the queue full and is rejected; the others
/// complete with their bytes. Then the queue is delivered and calls start again.
#[test]
fn a_js_call_is_refused_when_the_queue_is_full_with_both_clients() {
    for client in [Client::Builtin, Client::File(npm_client())] {
        let engine = engine_with(|options| {
            options.client = client.clone();
            options.max_queued_messages = 4;
        });
        let got = eval(
            &engine,
            "const call = (n) => DotNet.invokeMethodAsync('SandboxTests', 'Bytes', n)
                 .then((bytes) => Array.from(bytes), (error) => error.message);
             const first = await Promise.all([call(1), call(2), call(3)]);
             return [...first, await call(3)];",
        );
        let got: Vec<serde_json::Value> = serde_json::from_str(&got).unwrap();
        assert_eq!(got[0], serde_json::json!([1]), "{client:?}");
        assert_eq!(got[1], serde_json::json!([2, 2]), "{client:?}");
        assert_eq!(
            got[2],
            "Cannot start the call to 'Bytes': the queue of messages for JavaScript is full \
             (max_queued_messages = 4).",
            "{client:?}"
        );
        assert_eq!(got[3], serde_json::json!([3, 3, 3]), "{client:?}");
    }
}

/// Completions are never refused: async calls admitted while the queue had room all complete,
/// though together they queue more completions than the bound.
#[test]
fn completions_of_started_calls_are_queued_past_the_bound_never_lost() {
    let engine = engine_with(|options| options.max_queued_messages = 2);
    let got = eval(
        &engine,
        "return await Promise.all([1, 2, 3, 4, 5].map((n) =>
             DotNet.invokeMethodAsync('SandboxTests', 'AddAsync', n, 10)));",
    );
    assert_eq!(got, "[11,12,13,14,15]");
}

// --- Modules are read only below their roots ---

/// A module tree with ways out of it:
///
/// ```text
/// root/ok.js, root/inner/uses-ok.js (../ok.js), root/inner/importer.js (../../outside/secret.js)
/// root/link-in.js -> ok.js, root/link-out.js -> ../outside/secret.js, root/dir-out -> ../outside
/// outside/secret.js
/// extra/lib.js
/// ```
struct Tree {
    root: PathBuf,
    outside: PathBuf,
    extra: PathBuf,
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox-modules");
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        let outside = base.join("outside");
        let extra = base.join("extra");
        for directory in [root.join("inner"), outside.clone(), extra.clone()] {
            std::fs::create_dir_all(directory).unwrap();
        }
        let write = |path: PathBuf, text: &str| std::fs::write(path, text).unwrap();
        write(root.join("ok.js"), "export const value = 'ok';");
        write(
            root.join("inner/uses-ok.js"),
            "export { value } from '../ok.js';",
        );
        write(
            root.join("inner/importer.js"),
            "export { value } from '../../outside/secret.js';",
        );
        write(outside.join("secret.js"), "export const value = 'secret';");
        write(extra.join("lib.js"), "export const value = 'extra';");
        std::os::unix::fs::symlink("ok.js", root.join("link-in.js")).unwrap();
        std::os::unix::fs::symlink("../outside/secret.js", root.join("link-out.js")).unwrap();
        std::os::unix::fs::symlink("../outside", root.join("dir-out")).unwrap();
        Tree {
            root: root.canonicalize().unwrap(),
            outside: outside.canonicalize().unwrap(),
            extra: extra.canonicalize().unwrap(),
        }
    })
}

/// What `import(specifier)` gives: the module's `value`, or the error's message.
fn import(engine: &Engine, specifier: &str) -> String {
    let body = format!(
        "try {{ return (await import({specifier:?})).value; }} \
         catch (error) {{ return error.message; }}"
    );
    serde_json::from_str(&eval(engine, &body)).expect("a string")
}

fn tree_engine() -> Engine {
    let tree = tree();
    engine_with(|options| {
        options.module_root = tree.root.clone();
        options.extra_module_roots = vec![tree.extra.clone()];
    })
}

#[test]
fn modules_below_the_roots_load_by_every_kind_of_specifier() {
    let tree = tree();
    let engine = tree_engine();
    let root = tree.root.display();
    for (specifier, value) in [
        ("./ok.js".to_owned(), "ok"),
        ("./inner/uses-ok.js".to_owned(), "ok"),
        ("./inner/../ok.js".to_owned(), "ok"),
        ("./link-in.js".to_owned(), "ok"),
        (format!("{root}/ok.js"), "ok"),
        (format!("file://{root}/ok.js"), "ok"),
        (format!("file://{}/lib.js", tree.extra.display()), "extra"),
    ] {
        assert_eq!(import(&engine, &specifier), value, "{specifier}");
    }
    // The seed's way: the client resolves `./` against document.baseURI, a file:// URL.
    let js = engine.runtime().clone();
    let module = engine.block_on(async move { js.import("./ok.js").await });
    assert!(module.is_ok(), "{module:?}");
}

#[test]
fn every_way_out_of_the_roots_is_refused_naming_the_module() {
    let tree = tree();
    let engine = tree_engine();
    let outside = |specifier: &str, base: &str| {
        format!(
            "Error resolving module '{specifier}' from '{base}': it is outside the module \
             roots, where modules are read from"
        )
    };
    let root = tree.root.display();
    let secret = format!("{}/secret.js", tree.outside.display());
    for specifier in [
        "../outside/secret.js".to_owned(),
        "./inner/../../outside/secret.js".to_owned(),
        "./link-out.js".to_owned(),
        "./dir-out/secret.js".to_owned(),
        secret.clone(),
        format!("file://{secret}"),
        format!("file://{root}/../outside/secret.js"),
        format!("{root}/../outside/secret.js"),
        // Outside whether or not the file exists: JavaScript cannot probe the file system.
        "/etc/passwd".to_owned(),
        "/no/such/file.js".to_owned(),
    ] {
        assert_eq!(
            import(&engine, &specifier),
            outside(&specifier, "<eval>"),
            "{specifier}"
        );
    }
    // A module inside the root reaching out.
    let importer = format!("{root}/inner/importer.js");
    assert_eq!(
        import(&engine, "./inner/importer.js"),
        outside("../../outside/secret.js", &importer)
    );
    assert_eq!(
        import(&engine, "file://outside/secret.js"),
        "Error resolving module 'file://outside/secret.js' from '<eval>': a file:// URL must \
         hold an absolute path"
    );
    assert_eq!(
        import(&engine, "secret"),
        "Error resolving module 'secret' from '<eval>': only ./ and ../ paths, absolute paths \
         and file:// URLs are resolved"
    );
    assert!(
        import(&engine, "./missing.js").starts_with(
            "Error resolving module './missing.js' from '<eval>': No such file or directory"
        ),
        "a missing file below the root says so"
    );
}
