//! Cancellation from JavaScript in the engine, with the project's client: the prelude's
//! `AbortController`, and `invokeMethodWithSignalAsync` end to end.

use std::time::Duration;

use interop_quickjs::{Client, Engine, EngineOptions};
use interop_runtime::RuntimeOptions;
use interop_testkit::fixtures::cancel_events;

/// Links the test kit's fixtures (assembly "Conformance") into this test binary.
const _: fn(String) -> String = interop_testkit::fixtures::echo;

fn engine(grace: Duration) -> Engine {
    Engine::new(EngineOptions {
        client: Client::Builtin,
        runtime: RuntimeOptions::default().cancellation_grace(grace),
        ..EngineOptions::default()
    })
    .expect("the engine starts")
}

fn eval(engine: &Engine, body: &str) -> serde_json::Value {
    let json = engine
        .eval_json(body)
        .expect("the script runs")
        .unwrap_or_else(|| "null".to_owned());
    serde_json::from_str(&json).expect("JSON from the script")
}

#[test]
fn the_prelude_has_a_standard_abort_controller() {
    let engine = engine(Duration::from_secs(5));
    let seen = eval(
        &engine,
        "const controller = new AbortController();
         const signal = controller.signal;
         const calls = [];
         const listener = (event) => calls.push(event.type);
         signal.addEventListener('abort', listener);
         signal.addEventListener('abort', listener);
         signal.addEventListener('abort', () => calls.push('once'), { once: true });
         signal.onabort = () => calls.push('onabort');
         const before = signal.aborted;
         controller.abort();
         controller.abort();
         let thrown;
         try { signal.throwIfAborted(); } catch (error) { thrown = error.name; }
         let illegal;
         try { new AbortSignal(); } catch (error) { illegal = error instanceof TypeError; }
         const custom = AbortSignal.abort('why');
         const any = AbortSignal.any([new AbortController().signal, custom]);
         return {
           before, after: signal.aborted, calls, thrown, illegal,
           reason: [signal.reason instanceof DOMException, signal.reason instanceof Error,
                    signal.reason.name, signal.reason.message],
           custom: [custom.aborted, custom.reason], any: [any.aborted, any.reason],
         };",
    );
    assert_eq!(
        seen,
        serde_json::json!({
            "before": false, "after": true, "calls": ["onabort", "abort", "once"],
            "thrown": "AbortError", "illegal": true,
            "reason": [true, true, "AbortError", "This operation was aborted"],
            "custom": [true, "why"], "any": [true, "why"],
        })
    );
}

#[test]
fn an_aborted_signal_sends_nothing() {
    let engine = engine(Duration::from_secs(5));
    let seen = eval(
        &engine,
        "try {
           await DotNet.invokeMethodWithSignalAsync(AbortSignal.abort(), 'Conformance', 'RunUntilCancelled', 'qjs-before');
           return 'resolved';
         } catch (error) { return error.name; }",
    );
    assert_eq!(seen, "AbortError");
    assert!(
        cancel_events("qjs-before").is_empty(),
        "nothing reached Rust"
    );
}

#[test]
fn aborting_rejects_at_once_and_drops_the_rust_future() {
    let engine = engine(Duration::from_secs(5));
    let runtime = engine.runtime().clone();
    // A few round trips through Rust: the engine's loop runs Rust's tasks meanwhile.
    eval(
        &engine,
        "globalThis.ticks = async () => {
           for (let i = 0; i < 3; i++) await DotNet.invokeMethodAsync('Conformance', 'AsyncVoid');
         };",
    );
    let seen = eval(
        &engine,
        "const controller = new AbortController();
         const call = DotNet.invokeMethodWithSignalAsync(controller.signal, 'Conformance', 'RunUntilCancelled', 'qjs-running');
         await ticks();
         controller.abort();
         try { await call; return 'resolved'; } catch (error) { return [error.name, error === controller.signal.reason]; }",
    );
    assert_eq!(seen, serde_json::json!(["AbortError", true]));
    // The cancel reaches Rust as the loop runs: the future is dropped, the budget given back.
    eval(&engine, "await ticks();");
    assert_eq!(cancel_events("qjs-running"), ["started", "dropped"]);
    assert_eq!(runtime.in_flight_call_count(), 0);

    // A method with a CancellationToken is signalled, returns, and is dropped.
    let seen = eval(
        &engine,
        "const controller = new AbortController();
         const object = DotNet.invokeMethodWithSignalAsync(controller.signal, 'Conformance', 'WaitForCancel', 'qjs-token', true);
         await ticks();
         controller.abort('stop');
         try { await object; return 'resolved'; } catch (reason) { return reason; }",
    );
    assert_eq!(seen, "stop");
    eval(&engine, "await ticks();");
    assert_eq!(
        cancel_events("qjs-token"),
        ["started", "signalled", "dropped"]
    );
    assert_eq!(runtime.in_flight_call_count(), 0);
}

#[test]
fn a_completion_crossing_the_abort_is_released() {
    let engine = engine(Duration::from_secs(5));
    let runtime = engine.runtime().clone();
    // Rust answers `NewCounter` at once, but the page aborts before the answer is delivered:
    // the client ignores it and disposes the object it carries; the same for byte arrays.
    let seen = eval(
        &engine,
        "const first = new AbortController();
         const counter = DotNet.invokeMethodWithSignalAsync(first.signal, 'Conformance', 'NewCounter', 1);
         first.abort();
         const second = new AbortController();
         const bytes = DotNet.invokeMethodWithSignalAsync(second.signal, 'Conformance', 'ReverseBytes', new Uint8Array([1, 2, 3]));
         second.abort();
         const outcomes = await Promise.allSettled([counter, bytes]);
         // Let the completions and the disposal run.
         for (let i = 0; i < 3; i++) await DotNet.invokeMethodAsync('Conformance', 'AsyncVoid');
         // The aborted call did make an object (ids are never reused): this one is the second.
         const next = await DotNet.invokeMethodAsync('Conformance', 'NewCounter', 1);
         next.dispose();
         for (let i = 0; i < 3; i++) await DotNet.invokeMethodAsync('Conformance', 'AsyncVoid');
         return [outcomes.map((outcome) => [outcome.status, outcome.reason.name]), next._id];",
    );
    assert_eq!(
        seen,
        serde_json::json!([[["rejected", "AbortError"], ["rejected", "AbortError"]], 2])
    );
    assert_eq!(
        runtime.tracked_object_count(),
        0,
        "the crossing object was disposed"
    );
    assert_eq!(runtime.in_flight_call_count(), 0);
}
