//! The conformance suite over the in-memory host, plus cases that need its controls (a sync
//! responder standing in for JavaScript, dropping the host's tasks).

use interop_runtime::{CallType, JsInvocation, ResultType, RuntimeOptions, SyncCallError, ToJs};
use interop_testkit::{Invoke, MemoryClient, WireClient, WireClientExt};

mod conformance {
    interop_testkit::conformance_tests!(interop_testkit::MemoryClient::new);
}

fn st<'a>(identifier: &'a str, args_json: &'a str) -> Invoke<'a> {
    Invoke::r#static("Conformance", identifier, args_json)
}

/// A sync `&mut self` method calls JavaScript synchronously and JavaScript calls back into the
/// same object: the re-entrant call fails at once with "object is busy", naming the method that
/// holds it, instead of deadlocking, while other objects stay reachable.
#[test]
fn reentrant_call_on_a_busy_object() {
    let mut client = MemoryClient::new(RuntimeOptions::default());
    assert_eq!(
        client.call_ok(st("NewCounter", "[1]")),
        r#"{"__dotNetObject":1}"#
    );
    assert_eq!(
        client.call_ok(st("NewCounter", "[10]")),
        r#"{"__dotNetObject":2}"#
    );
    let runtime = client.runtime();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    client
        .host
        .set_sync_responder(Box::new(move |call: &JsInvocation| {
            log.lock().unwrap().push(call.clone());
            let (object, identifier, args) = match call.identifier.as_str() {
                "reenterReset" => (1, "Reset", r#"["nested"]"#),
                "reenterAdd" => (1, "Add", "[1]"),
                "otherObject" => (2, "Add", "[1]"),
                "throws" => return Err(SyncCallError::Threw("Error: thrown in JS".to_owned())),
                other => panic!("unexpected sync call {other}"),
            };
            let result = match runtime.invoke_dotnet(None, Some(identifier), Some(object), args) {
                Ok(json) => format!("ok: {json}"),
                Err(text) => format!("err: {text}"),
            };
            Ok(Some(serde_json::to_string(&result).unwrap()))
        }));
    let run = |client: &mut MemoryClient, identifier: &str| {
        client.call_ok(Invoke::instance(
            1,
            "ExclusiveSyncCallBack",
            &format!(r#"["{identifier}"]"#),
        ))
    };
    assert_eq!(
        run(&mut client, "reenterReset"),
        r#""err: The object is busy: 'Reset' cannot run while the `&mut self` method 'ExclusiveSyncCallBack' runs on it (a re-entrant or concurrent call).""#
    );
    assert_eq!(
        run(&mut client, "reenterAdd"),
        r#""err: The object is busy: 'Add' cannot run while the `&mut self` method 'ExclusiveSyncCallBack' runs on it (a re-entrant or concurrent call).""#
    );
    assert_eq!(run(&mut client, "otherObject"), r#""ok: 11""#);
    assert_eq!(
        run(&mut client, "throws"),
        r#""threw: Error: thrown in JS""#
    );
    // The exclusive borrow ended with each call.
    assert_eq!(client.call_ok(Invoke::instance(1, "Add", "[0]")), "5");
    assert_eq!(
        seen.lock().unwrap()[0],
        JsInvocation {
            async_handle: 0,
            identifier: "reenterReset".to_owned(),
            args_json: "[]".to_owned(),
            result_type: ResultType::Json,
            target_instance_id: 0,
            call_type: CallType::Function,
        }
    );
    // An async call arriving while the object is held exclusively fails too.
    let runtime = client.runtime();
    client.host.set_sync_responder(Box::new(move |_| {
        runtime.begin_invoke_dotnet(77, None, Some("GetAsync"), Some(1), "[]");
        Ok(Some(r#""ok""#.to_owned()))
    }));
    assert_eq!(run(&mut client, "anything"), r#""ok""#);
    assert_eq!(
        client.completion_of(77),
        (
            false,
            "The object is busy: 'GetAsync' cannot run while the `&mut self` method 'ExclusiveSyncCallBack' runs on it (a re-entrant or concurrent call).".to_owned()
        )
    );
}

/// Without a sync responder the host cannot run synchronous Rust→JS calls.
#[test]
fn sync_js_call_unsupported() {
    let mut client = MemoryClient::new(RuntimeOptions::default());
    let runtime = client.runtime();
    assert_eq!(
        runtime
            .invoke_sync::<String>("f", ())
            .unwrap_err()
            .to_string(),
        "The call to 'f' is synchronous, which this host does not support. Use invoke instead."
    );
    client.assert_quiet();
}

/// Synchronous Rust→JS calls: the JSON of the value itself (no triple), `null`/`""` for null,
/// byte arrays staged before it returns, JS exceptions as `JsError::Js`.
#[test]
fn sync_js_calls() {
    let mut client = MemoryClient::new(RuntimeOptions::default());
    let runtime = client.runtime();
    let responder_runtime = runtime.clone();
    client
        .host
        .set_sync_responder(Box::new(move |call: &JsInvocation| {
            match call.identifier.as_str() {
                "answer" => Ok(Some("42".to_owned())),
                "nothing" => Ok(None),
                "empty" => Ok(Some(String::new())),
                "bytes" => {
                    responder_runtime.receive_byte_array(0, vec![4, 5]).unwrap();
                    Ok(Some(r#"{"__byte[]":0}"#.to_owned()))
                }
                _ => Err(SyncCallError::Threw("TypeError: nope".to_owned())),
            }
        }));
    assert_eq!(runtime.invoke_sync::<u32>("answer", ()), Ok(42));
    assert_eq!(runtime.invoke_sync::<Option<u32>>("nothing", ()), Ok(None));
    assert_eq!(runtime.invoke_sync::<Option<u32>>("empty", ()), Ok(None));
    assert_eq!(
        runtime
            .invoke_sync::<interop_runtime::ByteArray>("bytes", ())
            .map(|bytes| bytes.into_vec()),
        Ok(vec![4, 5])
    );
    assert_eq!(
        runtime.invoke_sync::<u32>("other", ()),
        Err(interop_runtime::JsError::Js("TypeError: nope".to_owned()))
    );
    client.assert_quiet();
}

/// A host dropping its tasks (shutting down) fails every unfinished async call with the
/// cancellation text, and the Rust→JS calls they waited on are forgotten.
#[test]
fn dropped_tasks_are_cancelled() {
    let mut client = MemoryClient::new(RuntimeOptions::default());
    assert_eq!(
        client.call_ok(st("NewCounter", "[1]")),
        r#"{"__dotNetObject":1}"#
    );
    let instance = client.begin_invoke(Invoke::instance(1, "AskJs", r#"["wait"]"#));
    let free = client.begin_invoke(st("CallBack", r#"["wait"]"#));
    client.next_js_call();
    client.next_js_call();
    let runtime = client.runtime();
    assert_eq!(
        (
            runtime.in_flight_call_count(),
            runtime.pending_js_call_count()
        ),
        (2, 2)
    );
    client.host.drop_tasks();
    assert_eq!(
        client.completion_of(instance),
        (false, "The call to 'AskJs' was cancelled.".to_owned())
    );
    assert_eq!(
        client.completion_of(free),
        (false, "The call to 'CallBack' was cancelled.".to_owned())
    );
    assert_eq!(
        (
            runtime.in_flight_call_count(),
            runtime.pending_js_call_count()
        ),
        (0, 0)
    );
    // Late completions are ignored, the runtime keeps serving.
    client.end_invoke_js(r#"[1,true,"late"]"#);
    client.assert_quiet();
    assert_eq!(client.call_ok(Invoke::instance(1, "Add", "[1]")), "2");
}

/// Cancellation is reported with detailed errors off too, and not at all for fire-and-forget.
#[test]
fn cancellation_text_is_not_hidden_and_fire_and_forget_stays_silent() {
    let mut client = MemoryClient::new(RuntimeOptions::default().detailed_errors(false));
    let id = client.begin_invoke(st("CallBack", r#"["wait"]"#));
    client.begin_invoke_with_id(0, st("CallBack", r#"["wait"]"#));
    client.next_js_call();
    client.next_js_call();
    client.host.drop_tasks();
    assert_eq!(
        client.messages(),
        vec![ToJs::EndInvokeDotNet {
            call_id: id,
            success: false,
            result_or_error: "The call to 'CallBack' was cancelled.".to_owned(),
        }]
    );
}

/// Messages that arrive after a call to JavaScript in the same pump are kept for later.
#[test]
fn helpers_keep_every_message() {
    let mut client = MemoryClient::new(RuntimeOptions::default());
    let waiting = client.begin_invoke(st("CallBack", r#"["first"]"#));
    let echo = client.begin_invoke(st("Echo", r#"["after"]"#));
    // The BeginInvokeJs and the Echo completion arrive in one pump.
    assert_eq!(client.next_js_call().0.identifier, "first");
    assert_eq!(client.completion_of(echo), (true, r#""after""#.to_owned()));
    client.end_invoke_js(r#"[1,true,"done"]"#);
    assert_eq!(
        client.completion_of(waiting),
        (true, r#""done""#.to_owned())
    );
    client.assert_quiet();
}
