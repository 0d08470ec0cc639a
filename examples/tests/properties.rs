//! Property tests over the seed's samples: any JSON value tree sent as the arguments of a
//! sample method binds or fails with an error naming the method (or one of the reference's
//! verbatim texts); nesting past the depth limit is refused; and values of the samples' types
//! survive Rust → JSON → our client in QuickJS → JSON → Rust unchanged.

use examples as _;
use interop_quickjs::{Engine, EngineOptions};
use interop_runtime::{registered_methods, ByteArray, RuntimeOptions, ToJs};
use interop_testkit::{Invoke, MemoryClient, WireClient};
use proptest::prelude::*;
use serde_json::Value;

/// Static sample methods the property calls. Left out: the stream samples, which write files
/// or wait for a page's streams, and `CountUntilCancelled`, which runs until the page aborts it
/// (they are covered by the tour and the browser test).
fn sample_methods() -> Vec<&'static str> {
    let mut identifiers: Vec<&'static str> = registered_methods()
        .into_iter()
        .filter(|method| method.assembly == "BlazorSample")
        .map(|method| method.identifier)
        .filter(|identifier| {
            !matches!(
                *identifier,
                "StreamToFile" | "UploadFile" | "DownloadStream" | "CountUntilCancelled"
            )
        })
        .collect();
    identifiers.sort_unstable();
    assert!(
        identifiers.len() >= 10,
        "the samples are linked: {identifiers:?}"
    );
    identifiers
}

/// Object keys: ordinary ones and every marker key, so that markers (valid or not) turn up.
const KEYS: [&str; 8] = [
    "name",
    "value",
    "a",
    "__byte[]",
    "__dotNetObject",
    "__jsObjectId",
    "__jsStreamReferenceLength",
    "__dotNetStream",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u8>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..4).prop_map(
                |pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            ),
        ]
    })
}

/// The reference's verbatim caller texts, which do not name the method.
const REFERENCE_TEXTS: [&str; 12] = [
    "Invalid JSON",
    "The JSON value exceeds the maximum depth of",
    "Unexpected JSON Token",
    "Unexpected JSON Property",
    "JSON serialization is attempting to deserialize an unexpected byte array.",
    "Byte array ",
    "Required property ",
    "There is no tracked object with id",
    "The object with id",
    "Exceeded the maximum byte array transfer limit for a call.",
    "The JS value was null or undefined",
    "JS stream references",
];

/// Sends `args` to `identifier` and returns its completion, if it has completed.
fn call(client: &mut MemoryClient, identifier: &str, args: &str) -> Option<(bool, String)> {
    let call_id = client.begin_invoke(Invoke::r#static("BlazorSample", identifier, args));
    client.pump().into_iter().find_map(|message| match message {
        ToJs::EndInvokeDotNet {
            call_id: id,
            success,
            result_or_error,
        } if id == call_id => Some((success, result_or_error)),
        _ => None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any argument array binds (the call completes or is still running: it may be waiting for
    /// JavaScript), or fails with a text naming the method or a reference text.
    #[test]
    fn any_json_arguments_bind_or_fail_naming_the_method(
        method in prop::sample::select(sample_methods()),
        args in prop::collection::vec(json_value(), 0..4),
    ) {
        let mut client = MemoryClient::new(RuntimeOptions::default().detailed_errors(false));
        let args = Value::Array(args).to_string();
        if let Some((false, text)) = call(&mut client, method, &args) {
            // The reference quotes it 'X' or, in its arity text, `X'.
            let names_the_method = text.contains(&format!("'{method}'"))
                || text.contains(&format!("`{method}'"));
            let reference = REFERENCE_TEXTS.iter().any(|prefix| text.starts_with(prefix));
            prop_assert!(names_the_method || reference, "{method}({args}) failed with: {text}");
        }
        client.runtime().close();
    }

    /// An argument nested past the limit is refused with the depth text, by every sample
    /// method that takes one.
    #[test]
    fn nesting_past_the_depth_limit_is_refused(
        method in prop::sample::select(sample_methods()),
        extra in 1usize..8,
        limit in prop::sample::select(vec![4usize, 32]),
    ) {
        let mut client = MemoryClient::new(RuntimeOptions::default().max_json_depth(limit));
        let takes_arguments = match call(&mut client, method, "[]") {
            Some((false, text)) => text.contains("expects"),
            _ => false,
        };
        if takes_arguments {
            let depth = limit + extra;
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let completion = call(&mut client, method, &format!("[{nested}]"));
            prop_assert_eq!(
                completion,
                Some((false, format!("The JSON value exceeds the maximum depth of {limit}.")))
            );
        }
        client.runtime().close();
    }
}

/// Rust → JSON → our client in QuickJS (parsed with its revivers, handed to a JS function,
/// stringified back) → JSON → Rust.
fn round_trip<T>(engine: &Engine, value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + 'static,
{
    let js = engine.runtime().clone();
    let value = value.clone();
    engine
        .block_on(async move { js.invoke::<T>("echo", (value,)).await })
        .expect("JavaScript echoes the value")
}

fn echo_engine() -> Engine {
    let engine = Engine::new(EngineOptions::default()).expect("an engine");
    engine
        .eval_script("echo.js", "globalThis.echo = (value) => value;")
        .expect("the echo function");
    engine
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    /// The samples' value types, through our client and back, unchanged.
    #[test]
    fn sample_values_survive_a_round_trip_through_our_client(
        text in any::<String>(),
        numbers in prop::collection::vec(any::<i32>(), 0..20),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        count in any::<u32>(),
        flag in any::<bool>(),
        index in 0usize..(1 << 53),
    ) {
        thread_local! {
            static ENGINE: Engine = echo_engine();
        }
        ENGINE.with(|engine| -> Result<(), TestCaseError> {
            prop_assert_eq!(&round_trip(engine, &text), &text);
            prop_assert_eq!(&round_trip(engine, &numbers), &numbers);
            let array = ByteArray::from(bytes.clone());
            prop_assert_eq!(&round_trip(engine, &array), &array);
            prop_assert_eq!(round_trip(engine, &count), count);
            prop_assert_eq!(round_trip(engine, &flag), flag);
            prop_assert_eq!(round_trip(engine, &index), index);
            let mixed = (text.clone(), numbers.clone(), array, Some(count), flag);
            prop_assert_eq!(&round_trip(engine, &mixed), &mixed);
            Ok(())
        })?;
    }
}
