//! The seed tour: runs the samples of "Call .NET methods from JavaScript functions" in the
//! embedded QuickJS engine, with the document's JavaScript as written (`examples/js/seed.js`),
//! against the Rust ports of `examples`. Every result checked is what JavaScript printed or
//! alerted; the tour exits with 1 if any differs from the expected one.
// A native program (it embeds QuickJS / serves over axum): on wasm32, where the samples library
// also builds (examples/wasm-app), it is empty.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use examples::{generics, greeting, hello, list_items, streams};
use interop_quickjs::{Client, Engine, EngineOptions, OutputKind};
use interop_runtime::{JsError, JsRuntime, JsStreamRef, ObjectRef, RuntimeOptions};
use parking_lot::Mutex;

const USAGE: &str = "\
seed-tour: runs the samples of \"Call .NET methods from JavaScript functions\" in an embedded
JavaScript engine (QuickJS) against their Rust ports, and checks every result

USAGE: seed-tour [--name NAME] [--client PATH]
       seed-tour --emit-dts DIR

OPTIONS:
    --name NAME     the name the name samples use (default: Amy Pond); also --name=NAME
    --client PATH   load this JS client instead of the built-in one, e.g. Microsoft's
                    node_modules/@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js;
                    also --client=PATH
    --emit-dts DIR  write the TypeScript declarations of every registered method to
                    DIR/jsinvokable.d.ts (the global `DotNet`, typed) and exit; also
                    --emit-dts=DIR
    -h, --help      this text

Exits with 1 if any result differs from the expected one, 2 on bad arguments or a --client
file that cannot be read or is not a JS client (an ES module exporting `DotNet`).";

/// The maximum message size and byte-array total of the tour's runtime (Blazor Server's
/// SignalR default is 32 KB), so the size-limit sample has something to hit.
const MAX_MESSAGE: usize = 64 * 1024;
const MAX_STAGED_BYTES: usize = 32 * 1024;

struct Arguments {
    name: String,
    client: Client,
    emit_dts: Option<PathBuf>,
}

fn parse_arguments() -> Result<Option<Arguments>, String> {
    let mut arguments = Arguments {
        name: "Amy Pond".to_owned(),
        client: Client::Builtin,
        emit_dts: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        // `--option=value` and `--option value` alike.
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{option} needs {what}"))
        };
        match option {
            "-h" | "--help" if inline.is_none() => return Ok(None),
            "--name" => arguments.name = value("a value")?,
            "--client" => arguments.client = Client::File(PathBuf::from(value("a path")?)),
            "--emit-dts" => arguments.emit_dts = Some(PathBuf::from(value("a directory")?)),
            _ => return Err(format!("unknown argument '{arg}'")),
        }
    }
    Ok(Some(arguments))
}

/// Starts the engine. A `--client` file that cannot be read or loaded is the user's to fix
/// (exit 2), and the message names that file; the engine declares the client under its module
/// specifier `@jsinvokable/client`, so its error text is given with the file's path instead.
fn start_engine(options: EngineOptions) -> Result<Engine, (String, ExitCode)> {
    let Client::File(path) = options.client.clone() else {
        return Engine::new(options).map_err(|error| {
            (
                format!("the JavaScript engine could not start: {error}"),
                ExitCode::FAILURE,
            )
        });
    };
    let unusable = |text: String| (text, ExitCode::from(2));
    if let Err(error) = std::fs::read_to_string(&path) {
        return Err(unusable(format!(
            "cannot read the JS client {}: {error}",
            path.display()
        )));
    }
    Engine::new(options).map_err(|error| {
        let shown = path.display().to_string();
        unusable(format!(
            "cannot load the JS client {shown}: {}\n(--client takes an ES module that exports `DotNet`, such as Microsoft's Microsoft.JSInterop.js)",
            error.to_string().replace("@jsinvokable/client", &shown)
        ))
    })
}

struct Tour {
    engine: Engine,
    output: Arc<Mutex<Vec<String>>>,
    passed: usize,
    failed: Vec<String>,
}

impl Tour {
    fn js(&self) -> JsRuntime {
        self.engine.runtime().clone()
    }

    /// What JavaScript printed (`console.*`) and alerted (`alert: …`) since the last call.
    fn output(&self) -> Vec<String> {
        std::mem::take(&mut *self.output.lock())
    }

    fn check(&mut self, sample: &str, got: &str, expected: &str) {
        if got == expected {
            println!("[ok  ] {sample}: {got}");
            self.passed += 1;
        } else {
            println!("[FAIL] {sample}: {got}\n       expected: {expected}");
            self.failed.push(sample.to_owned());
        }
    }

    /// Checks that JavaScript printed `expected` among its output lines since the last call.
    fn check_printed(&mut self, sample: &str, expected: &str) {
        let output = self.output();
        let got = output
            .iter()
            .find(|line| *line == expected)
            .cloned()
            .unwrap_or_else(|| output.join(" | "));
        self.check(sample, &got, expected);
    }

    fn script(&mut self, name: &str, source: &str) {
        if let Err(error) = self.engine.eval_script(name, source) {
            println!("       script {name} failed: {error}");
        }
    }

    fn eval(&mut self, body: &str) -> String {
        match self.engine.eval_json(body) {
            Ok(Some(json)) => serde_json::from_str::<String>(&json).unwrap_or(json),
            Ok(None) => "undefined".to_owned(),
            Err(error) => format!("error: {error}"),
        }
    }

    /// Shows a value in the page (`render`), as a component would.
    fn render<T: std::fmt::Display>(&self, sample: &str, result: Result<T, JsError>) {
        let text = match result {
            Ok(value) => value.to_string(),
            Err(error) => format!("error: {error}"),
        };
        let js = self.js();
        let sample = sample.to_owned();
        if let Err(error) = self
            .engine
            .block_on(async move { js.invoke_void("render", (sample, text)).await })
        {
            println!("       render failed: {error}");
        }
        self.engine.run_until_idle();
    }
}

fn main() -> ExitCode {
    let arguments = match parse_arguments() {
        Ok(Some(arguments)) => arguments,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("{error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(directory) = &arguments.emit_dts {
        return emit_dts(directory);
    }
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&output);
    let options = EngineOptions {
        runtime: RuntimeOptions::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_staged_bytes(Some(MAX_STAGED_BYTES)),
        client: arguments.client,
        module_root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/js")),
        output: Arc::new(move |kind, text| {
            let line = match kind {
                OutputKind::Alert => format!("alert: {text}"),
                OutputKind::Log | OutputKind::Warn | OutputKind::Error => text.to_owned(),
            };
            println!("    js> {line}");
            sink.lock().push(line);
        }),
        ..EngineOptions::default()
    };
    let engine = match start_engine(options) {
        Ok(engine) => engine,
        Err((message, code)) => {
            eprintln!("{message}");
            return code;
        }
    };
    println!("Seed tour in QuickJS, JS client: {}\n", engine.client());
    let mut tour = Tour {
        engine,
        output,
        passed: 0,
        failed: Vec::new(),
    };
    tour.script("seed.js", include_str!("../../js/seed.js"));
    tour.script("page.js", include_str!("../../js/page.js"));
    tour.output();
    run_samples(&mut tour, &arguments.name);

    println!("{} passed, {} failed", tour.passed, tour.failed.len());
    if tour.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("failed: {}", tour.failed.join(", "));
        ExitCode::FAILURE
    }
}

/// Writes `DIR/jsinvokable.d.ts`, creating `DIR`; exit 2 when that fails.
fn emit_dts(directory: &Path) -> ExitCode {
    let path = directory.join("jsinvokable.d.ts");
    let written = std::fs::create_dir_all(directory)
        .and_then(|()| std::fs::write(&path, interop_runtime::typescript_declarations()));
    match written {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot write {}: {error}", path.display());
            ExitCode::from(2)
        }
    }
}

fn run_samples(tour: &mut Tour, name: &str) {
    // 1. A static method, by its default identifier.
    tour.script("sample 1", "returnArrayAsync();");
    tour.check_printed("1 ReturnArrayAsync", "[1,2,3]");

    // 2. The same array under a different identifier, asynchronously and synchronously.
    let got = tour.eval("return JSON.stringify([await DotNet.invokeMethodAsync('BlazorSample', 'DifferentMethodName'), DotNet.invokeMethod('BlazorSample', 'DifferentMethodName')]);");
    tour.check(
        "2 DifferentMethodName (async, sync)",
        &got,
        "[[1,2,3],[1,2,3]]",
    );
    let got = tour.eval("try { DotNet.invokeMethod('BlazorSample', 'ReturnArrayAsync'); return 'no error'; } catch (error) { return error.message; }");
    tour.check(
        "2 invokeMethod of an async method",
        &got,
        "The method 'ReturnArrayAsync' is async and cannot be invoked synchronously. Use invokeMethodAsync instead.",
    );

    // 3, 4. An object handed to one function, without and with an argument.
    let js = tour.js();
    let owned = name.to_owned();
    let result = tour
        .engine
        .block_on(async move { hello::trigger_dotnet_instance_method(&js, &owned).await });
    tour.render("3", result);
    tour.check_printed("3 sayHello1", &format!("[3] Hello, {name}!"));
    let js = tour.js();
    let owned = name.to_owned();
    let result = tour
        .engine
        .block_on(async move { hello::trigger_say_hello2(&js, &owned).await });
    tour.render("4", result);
    tour.check_printed("4 sayHello2", &format!("[4] Hello, {name}!"));

    // 5. One reference held by a JS class with two functions (the page's two buttons).
    let helper = ObjectRef::new(greeting::GreetingHelper::default());
    helper.borrow().set_name(name);
    let (js, handed) = (tour.js(), helper.clone());
    if let Err(error) = tour
        .engine
        .block_on(async move { greeting::set_dot_net_helper(&js, &handed).await })
    {
        println!("       setDotNetHelper failed: {error}");
    }
    tour.script("sample 5 buttons", "GreetingHelpers.sayHello();");
    tour.check_printed(
        "5 GreetingHelpers.sayHello",
        &format!("alert: Message from .NET: \"Hello, {name}!\""),
    );
    tour.script("sample 5 buttons", "GreetingHelpers.welcomeVisitor();");
    tour.check_printed(
        "5 GreetingHelpers.welcomeVisitor",
        &format!("alert: Message from .NET: \"Welcome, {name}!\""),
    );
    helper.dispose();

    // 6. Methods of GenericType<String> and GenericType<i32>, synchronous calls included.
    let js = tour.js();
    let values = tour
        .engine
        .block_on(async move { generics::invoke_interop(&js, true).await });
    let console = tour.output();
    let last_sent = |prefix: &str| {
        console
            .iter()
            .rev()
            .find_map(|line| line.strip_prefix(prefix))
            .map(|value| value.trim_end_matches(')').trim_matches('\'').to_owned())
            .unwrap_or_default()
    };
    let expected = format!(
        "genericType1: {}, genericType2: {}",
        last_sent("JS: invokeMethod:Update('"),
        last_sent("JS: invokeMethod:Update(")
    );
    let shown =
        values.map(|(text, number)| format!("genericType1: {text}, genericType2: {number}"));
    tour.render("6", shown);
    tour.check_printed(
        "6 GenericType values after invokeMethodsAsync",
        &format!("[6] {expected}"),
    );

    // 7. A class instance calls JavaScript with a new helper and disposes it.
    let js = tour.js();
    let owned = name.to_owned();
    let result = tour.engine.block_on(async move {
        hello::JsInteropClasses3::new(js)
            .call_hello_helper_get_hello_message(&owned)
            .await
    });
    tour.render("7", result);
    tour.check_printed("7 JsInteropClasses3", &format!("[7] Hello, {name}!"));

    // 8. JavaScript calls the object and disposes it, back to back: the call runs first.
    let called = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&called);
    let helper = ObjectRef::new(list_items::MessageUpdateInvokeHelper::new(move || {
        *flag.lock() = true
    }));
    let (js, handed) = (tour.js(), helper.clone());
    let later = tour.engine.block_on(async move {
        js.invoke_void("keepReference", (&handed,)).await?;
        js.invoke_void("jsFunction", (&handed,)).await?;
        js.invoke::<String>("callKeptReference", ()).await
    });
    let id = helper
        .id()
        .map_or_else(|| "<disposed>".to_owned(), |id| id.to_string());
    tour.render(
        "8",
        later.map(|text| {
            format!(
                "called: {}, disposed: {}, a later call: {text}",
                *called.lock(),
                helper.is_disposed()
            )
        }),
    );
    let output = tour
        .output()
        .join(" | ")
        .replace(&format!("'{id}'"), "'<id>'");
    let expected = "[8] called: true, disposed: true, a later call: There is no tracked object with id '<id>'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')";
    let got = output
        .split(" | ")
        .find(|line| line.starts_with("[8]"))
        .unwrap_or(&output)
        .to_owned();
    let got = redact_ids(&got);
    tour.check(
        "8 jsFunction: call, dispose, then a later call",
        &got,
        expected,
    );

    // 9. Four list items, each with its own helper; the second one is clicked.
    let items = Arc::new(list_items::ListItems::default());
    let (js, clicked) = (tour.js(), Arc::clone(&items));
    let result = tour
        .engine
        .block_on(async move { clicked.click(&js, 1).await });
    tour.engine.run_until_idle();
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
        .join(" / ");
    tour.render("9", result.map(|()| states));
    let untouched = "Select one of these list items. [InteropCall]";
    tour.check_printed(
        "9 ListItems after clicking the second",
        &format!("[9] {untouched} / UpdateMessage Called! / {untouched} / {untouched}"),
    );

    // 10. A byte array from JavaScript.
    tour.script("sample 10", "sendByteArray();");
    tour.check_printed(
        "10 sendByteArray",
        "alert: Everything's shiny, Captian. Not to fret.",
    );

    // 11. A stream from JavaScript, copied to a file.
    stream_sample(tour);

    // 12. JS isolation: a module imported by Rust, called through its reference.
    let js = tour.js();
    let owned = name.to_owned();
    let result = tour.engine.block_on(async move {
        let module = js.import("./scripts/isolation.js").await?;
        let greeting = module.invoke::<String>("greet", ("Rust",)).await?;
        let helper = ObjectRef::new(hello::HelloHelper::new(owned));
        let hello = module.invoke::<String>("callRust", (&helper,)).await;
        helper.dispose();
        Ok::<_, JsError>(format!("{greeting} / {}", hello?))
    });
    tour.render("12", result);
    tour.check_printed(
        "12 JS isolation",
        &format!("[12] Hello from a JS module, Rust! / Hello, {name}!"),
    );
    let got = tour.eval("return typeof greet;");
    tour.check("12 the module defines no global", &got, "undefined");

    // 13. A circular value cannot be sent; the engine keeps working.
    let got = tour.eval("const value = { name: 'loop' }; value.self = value; try { await DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', value); return 'sent'; } catch (error) { return error.message; }");
    let verdict = if got.to_lowercase().contains("circular") {
        "rejected: circular value".to_owned()
    } else {
        got
    };
    tour.check("13 circular value", &verdict, "rejected: circular value");

    // 14. Payloads over the limits fail clearly; the page keeps working.
    let got = tour.eval(&format!("try {{ await DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', new Uint8Array({})); return 'sent'; }} catch (error) {{ return error.message; }}", MAX_STAGED_BYTES + 1));
    tour.check(
        "14 byte arrays over the limit",
        &got,
        "Exceeded the maximum byte array transfer limit for a call.",
    );
    let got = tour.eval("try { await DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', 'x'.repeat(100000)); return 'sent'; } catch (error) { return error.message; }");
    tour.check(
        "14 message over the limit",
        &got,
        &format!(
            "The message of 100004 bytes exceeds the maximum message size of {MAX_MESSAGE} bytes."
        ),
    );
    let got = tour.eval("return JSON.stringify(await DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync'));");
    tour.check("14 the page keeps working", &got, "[1,2,3]");
}

/// SHA-256 of the 10,000,000 zero bytes `streamToDotNet()` returns (`head -c 10000000
/// /dev/zero | sha256sum`).
const TEN_MILLION_ZEROS_SHA256: &str =
    "f5e02aa71e67f41d79023a128ca35bad86cf7b6656967bfe0884b3a3c4325eaf";

/// Sample 11: `streamToDotNet()` copied to `file.txt` in a directory of its own under the temp
/// directory (so concurrent tours do not share a file), then refused under the default limit.
fn stream_sample(tour: &mut Tour) {
    let directory = std::env::temp_dir().join(format!("seed-tour-{}", std::process::id()));
    let path = directory.join("file.txt");
    let js = tour.js();
    let target = path.clone();
    let written = std::fs::create_dir_all(&directory)
        .map_err(|error| error.to_string())
        .and_then(|()| {
            tour.engine
                .block_on(async move {
                    streams::stream_to_file(&js, &target, streams::SAMPLE_MAX_ALLOWED_SIZE).await
                })
                .map_err(|error| error.to_string())
        })
        .and_then(|_| streams::file_summary(&path).map_err(|error| error.to_string()));
    let _ = std::fs::remove_dir_all(&directory);
    tour.render(
        "11",
        written
            .map(|written| {
                format!(
                    "file.txt: {} bytes, sha256 {}",
                    written.bytes, written.sha256
                )
            })
            .map_err(JsError::Stream),
    );
    tour.check_printed(
        "11 streamToDotNet copied to file.txt",
        &format!("[11] file.txt: 10000000 bytes, sha256 {TEN_MILLION_ZEROS_SHA256}"),
    );

    let js = tour.js();
    let refused = tour.engine.block_on(async move {
        let data: JsStreamRef = js.invoke("streamToDotNet", ()).await?;
        data.open_read_stream(JsStreamRef::DEFAULT_MAX_ALLOWED_SIZE)
            .map(|_| "opened")
    });
    tour.render("11", refused);
    tour.check_printed(
        "11 the default limit refuses it",
        "[11] error: The incoming data stream of length 10000000 exceeds the maximum allowed length 512000. (Parameter 'maxAllowedSize')",
    );
}

/// Replaces object ids in a text by `<id>`, so runs compare equal.
fn redact_ids(text: &str) -> String {
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("with id '") {
        let (head, tail) = rest.split_at(start + "with id '".len());
        redacted.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        redacted.push_str(if digits > 0 { "<id>" } else { "" });
        rest = &tail[digits..];
    }
    redacted.push_str(rest);
    redacted
}
