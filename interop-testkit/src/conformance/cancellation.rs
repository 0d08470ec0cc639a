//! Cancelling JS→Rust calls from JavaScript (`cancelInvokeDotNetFromJS`, sent by our client
//! when the page aborts a call made with `invokeMethodWithSignalAsync`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use interop_runtime::{RuntimeOptions, ToJs};

use super::{assert_virtual_clock, st, Factory};
use crate::fixtures::cancel_events;
use crate::wire::{Invoke, WireClient, WireClientExt};

/// A tag no other case (nor another run of this one in the same process) uses.
fn tag(case: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{case}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn args(tag: &str) -> String {
    serde_json::to_string(&[tag]).expect("a JSON array")
}

fn wait_args(tag: &str, stop: bool) -> String {
    serde_json::to_string(&(tag, stop)).expect("a JSON array")
}

fn cancelled(identifier: &str) -> (bool, String) {
    (false, format!("The call to '{identifier}' was cancelled."))
}

/// A cancel that arrives before its call (the page aborted before it sent anything, and sent
/// a cancel anyway) is forgotten: the call that later takes the id runs normally.
pub fn cancel_before_the_call_is_ignored(factory: &Factory) {
    let mut client = factory.default_client();
    client.cancel_invoke(4_000_001);
    client.assert_quiet();
    client.begin_invoke_with_id(4_000_001, st("Echo", r#"["after"]"#));
    assert_eq!(
        client.completion_of(4_000_001),
        (true, r#""after""#.to_owned())
    );
    let tag = tag("before");
    client.cancel_invoke(4_000_002);
    client.begin_invoke_with_id(4_000_002, st("RunUntilCancelled", &args(&tag)));
    client.assert_quiet();
    assert_eq!(
        cancel_events(&tag),
        ["started"],
        "an earlier cancel does not reach the call"
    );
    client.cancel_invoke(4_000_002);
    assert_eq!(
        client.completion_of(4_000_002),
        cancelled("RunUntilCancelled")
    );
}

/// A running method without a `CancellationToken` is dropped when JavaScript cancels it: its
/// future (and what it holds) is dropped, the call completes once as cancelled, and its place
/// among the in-flight calls is given back once.
pub fn cancel_drops_a_running_call(factory: &Factory) {
    let mut client = factory.client(RuntimeOptions::default().max_in_flight_calls(1));
    let runtime = client.runtime();
    let tag = tag("drop");
    let id = client.begin_invoke(st("RunUntilCancelled", &args(&tag)));
    client.assert_quiet();
    assert_eq!(cancel_events(&tag), ["started"]);
    assert_eq!(runtime.in_flight_call_count(), 1);
    let (ok, text) = client.call(st("AsyncVoid", "[]"));
    assert!(!ok, "the only in-flight place is taken: {text}");

    client.cancel_invoke(id);
    assert_eq!(client.completion_of(id), cancelled("RunUntilCancelled"));
    assert_eq!(cancel_events(&tag), ["started", "dropped"]);
    assert_eq!(runtime.in_flight_call_count(), 0);
    client.cancel_invoke(id);
    client.assert_quiet();
    assert_eq!(client.call_ok(st("AsyncVoid", "[]")), "null");
    assert_eq!(runtime.in_flight_call_count(), 0);
}

/// A method taking a `CancellationToken` is signalled first. If it returns, it is dropped at
/// once; if not, it is dropped when `cancellation_grace` has passed, to the millisecond. The
/// call completes as cancelled either way (what the method returned is dropped), after the drop.
pub fn cancellation_token_is_signalled_then_grace(factory: &Factory) {
    let grace = Duration::from_millis(100);
    let mut client = factory.client(RuntimeOptions::default().cancellation_grace(grace));
    assert_virtual_clock(client.as_ref());
    let runtime = client.runtime();

    let stops = tag("stops");
    let id = client.begin_invoke(st("WaitForCancel", &wait_args(&stops, true)));
    client.assert_quiet();
    client.cancel_invoke(id);
    assert_eq!(client.completion_of(id), cancelled("WaitForCancel"));
    assert_eq!(cancel_events(&stops), ["started", "signalled", "dropped"]);

    let keeps_going = tag("grace");
    let id = client.begin_invoke(st("WaitForCancel", &wait_args(&keeps_going, false)));
    client.assert_quiet();
    client.cancel_invoke(id);
    client.assert_quiet();
    assert_eq!(cancel_events(&keeps_going), ["started", "signalled"]);
    client.advance(grace - Duration::from_millis(1));
    client.assert_quiet();
    assert_eq!(cancel_events(&keeps_going), ["started", "signalled"]);
    assert_eq!(
        runtime.in_flight_call_count(),
        1,
        "still running in its grace period"
    );
    client.advance(Duration::from_millis(1));
    assert_eq!(client.completion_of(id), cancelled("WaitForCancel"));
    assert_eq!(
        cancel_events(&keeps_going),
        ["started", "signalled", "dropped"]
    );
    assert_eq!(runtime.in_flight_call_count(), 0);

    // No grace: signalled (polled once more, to see it), then dropped without waiting.
    let mut client = factory.client(RuntimeOptions::default().cancellation_grace(Duration::ZERO));
    let no_grace = tag("no-grace");
    let id = client.begin_invoke(st("WaitForCancel", &wait_args(&no_grace, false)));
    client.assert_quiet();
    client.cancel_invoke(id);
    assert_eq!(client.completion_of(id), cancelled("WaitForCancel"));
    assert_eq!(
        cancel_events(&no_grace),
        ["started", "signalled", "dropped"]
    );
}

/// The grace period on whatever clock the host has: a method that ignores its token is
/// dropped once it has passed.
pub fn cancellation_grace_elapses(factory: &Factory) {
    let mut client =
        factory.client(RuntimeOptions::default().cancellation_grace(Duration::from_millis(20)));
    let tag = tag("elapses");
    let id = client.begin_invoke(st("WaitForCancel", &wait_args(&tag, false)));
    client.assert_quiet();
    client.cancel_invoke(id);
    // The grace period starts when the call's task sees the cancel (on a real clock it may
    // even have passed by the time the pump returns).
    let seen = client.pump();
    client.inbox().extend(seen);
    client.advance(Duration::from_millis(20));
    assert_eq!(client.completion_of(id), cancelled("WaitForCancel"));
    assert_eq!(cancel_events(&tag), ["started", "signalled", "dropped"]);
    assert_eq!(client.runtime().in_flight_call_count(), 0);
}

/// A cancel that crosses the completion on the wire finds nothing to cancel: no second
/// completion. The client ignores the completion and releases what it carried (it disposes the
/// object, drops the byte arrays), and the object table is as it was.
pub fn completion_crossing_a_cancel_is_released(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let before = runtime.tracked_object_count();
    let id = client.begin_invoke(st("NewCounter", "[1]"));
    client.cancel_invoke(id);
    let (ok, json) = client.completion_of(id);
    assert!(
        ok,
        "the completion was sent before the cancel arrived: {json}"
    );
    client.assert_quiet();
    assert_eq!(runtime.tracked_object_count(), before + 1);
    let value: serde_json::Value = serde_json::from_str(&json).expect("the result JSON");
    let object_id = value["__dotNetObject"]
        .as_u64()
        .unwrap_or_else(|| panic!("not an object reference: {json}"));
    // What the client sends for an object in a completion it ignores.
    client.begin_invoke_with_id(0, Invoke::dispose(object_id));
    client.assert_quiet();
    assert_eq!(runtime.tracked_object_count(), before);

    client.send_byte_array(0, vec![1, 2, 3]);
    let id = client.begin_invoke(st("ReverseBytes", r#"[{"__byte[]":0}]"#));
    client.cancel_invoke(id);
    assert!(client.completion_of(id).0);
    let rest = client.messages();
    assert!(
        matches!(rest.as_slice(), [ToJs::ReceiveByteArray { bytes, .. }] if bytes[..] == [3, 2, 1]),
        "only the result's bytes, which the client drops: {rest:?}"
    );
    assert_eq!(
        client.call_ok(st("Echo", r#"["still here"]"#)),
        r#""still here""#
    );
}

/// Cancels that name no running call (unknown ids, 0, finished and sync calls, a
/// fire-and-forget call) change nothing, for that call or any other.
pub fn cancel_of_unknown_calls_is_ignored(factory: &Factory) {
    let mut client = factory.default_client();
    let runtime = client.runtime();
    let running = tag("other");
    let id = client.begin_invoke(st("RunUntilCancelled", &args(&running)));
    let forgotten = tag("fire-and-forget");
    client.begin_invoke_with_id(0, st("RunUntilCancelled", &args(&forgotten)));
    let finished = client.begin_invoke(st("Echo", r#"["done"]"#));
    assert_eq!(
        client.completion_of(finished),
        (true, r#""done""#.to_owned())
    );
    for unknown in [0, finished, id + 1_000, 9_007_199_254_740_991] {
        client.cancel_invoke(unknown);
    }
    client.assert_quiet();
    assert_eq!(cancel_events(&running), ["started"]);
    assert_eq!(cancel_events(&forgotten), ["started"]);
    assert_eq!(runtime.in_flight_call_count(), 2);
    assert_eq!(client.call_ok(st("Echo", r#"["others"]"#)), r#""others""#);

    client.cancel_invoke(id);
    assert_eq!(client.completion_of(id), cancelled("RunUntilCancelled"));
    assert_eq!(cancel_events(&forgotten), ["started"]);
    assert_eq!(
        runtime.in_flight_call_count(),
        1,
        "the fire-and-forget call still runs"
    );
}
