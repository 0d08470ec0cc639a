//! Byte arrays both ways (PROTOCOL.md §7): staging, markers, order and the staging limit.

use interop_runtime::{RuntimeOptions, ToJs};

use super::{completed, st, Factory};
use crate::wire::{WireClient, WireClientExt};

/// `sendByteArray(0..)` then `{"__byte[]":i}` in the args.
pub fn byte_arrays_in(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1, 2]);
    client.send_byte_array(1, vec![3]);
    let id = client.begin_invoke(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![1, 2, 3].into()
            },
            completed(id, true, r#"{"__byte[]":1}"#),
        ]
    );
    // Index 0 starts a new payload; an empty array is fine.
    client.send_byte_array(0, vec![]);
    client.send_byte_array(1, vec![9]);
    let id = client.begin_invoke(st("ConcatBytes", r#"[{"__byte[]":1},{"__byte[]":0}]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 2,
                bytes: vec![9].into()
            },
            completed(id, true, r#"{"__byte[]":2}"#)
        ]
    );
}

/// `#[serde(with = "interop_runtime::byte_array")]` fields, both ways.
pub fn nested_byte_arrays(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1, 2, 3]);
    let id = client.begin_invoke(st(
        "ReverseUpload",
        r#"[{"name":"n","data":{"__byte[]":0}}]"#,
    ));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![3, 2, 1].into()
            },
            completed(id, true, r#"{"name":"n","data":{"__byte[]":1}}"#),
        ]
    );
}

/// Outgoing bytes precede the completion that refers to them; Rust→JS ids count from 1 and
/// never restart.
pub fn byte_arrays_out_precede_their_json(factory: &Factory) {
    let mut client = factory.default_client();
    for round in 1..=3u64 {
        client.send_byte_array(0, vec![round as u8, 0]);
        let id = client.begin_invoke(st("ReverseBytes", r#"[{"__byte[]":0}]"#));
        assert_eq!(
            client.messages(),
            vec![
                ToJs::ReceiveByteArray {
                    id: round,
                    bytes: vec![0, round as u8].into()
                },
                completed(id, true, &format!(r#"{{"__byte[]":{round}}}"#)),
            ]
        );
    }
}

/// Staged bytes are consumed on first use and cleared after each call.
pub fn byte_arrays_are_used_once(factory: &Factory) {
    let mut client = factory.default_client();
    let unexpected = "JSON serialization is attempting to deserialize an unexpected byte array.";
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":0}]"#)),
        "Byte array 0 not found."
    );
    // Cleared at the end of that call.
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        unexpected
    );
    // A call that does not use them clears them too.
    client.send_byte_array(0, vec![1]);
    assert_eq!(client.call_ok(st("Echo", r#"["x"]"#)), r#""x""#);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        unexpected
    );
    client.assert_quiet();
}

/// A base64 string stands for a byte array (pre-.NET 6 clients).
pub fn byte_arrays_as_base64(factory: &Factory) {
    let mut client = factory.default_client();
    let id = client.begin_invoke(st("ReverseBytes", r#"["AQID"]"#));
    assert_eq!(
        client.messages(),
        vec![
            ToJs::ReceiveByteArray {
                id: 1,
                bytes: vec![3, 2, 1].into()
            },
            completed(id, true, r#"{"__byte[]":1}"#),
        ]
    );
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"["not base64!"]"#)),
        "JSON serialization is attempting to deserialize an unexpected byte array."
    );
}

/// Indexes must follow each other from 0; the refusal is reported to the next call.
pub fn byte_array_index_out_of_order(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(1, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":1}]"#)),
        "Element id '1' cannot be added to the byte arrays to be revived with length '0'."
    );
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(2, vec![2]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        "Element id '2' cannot be added to the byte arrays to be revived with length '1'."
    );
    // Index 0 starts over.
    client.send_byte_array(0, vec![1, 2]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":1}"#
    );
}

/// A marker naming an index that was not staged.
pub fn missing_byte_array(factory: &Factory) {
    let mut client = factory.default_client();
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":5}]"#)),
        "Byte array 5 not found."
    );
    client.send_byte_array(0, vec![1]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":-1}]"#)),
        "Byte array -1 not found."
    );
}

/// The marker reader's texts, in .NET's check order.
pub fn byte_array_marker_errors(factory: &Factory) {
    let mut client = factory.default_client();
    let unexpected = "JSON serialization is attempting to deserialize an unexpected byte array.";
    // Nothing staged: every non-base64 value is unexpected.
    for args in [
        r#"[{"__byte[]":0}]"#,
        "[true]",
        "[1]",
        "[[1]]",
        "[null]",
        "[{}]",
    ] {
        assert_eq!(
            client.call_err(st("ReverseBytes", args)),
            unexpected,
            "args {args}"
        );
    }
    let cases = [
        (
            "[true]",
            "Unexpected JSON Token True, expected 'StartObject'.",
        ),
        (
            "[false]",
            "Unexpected JSON Token False, expected 'StartObject'.",
        ),
        (
            "[null]",
            "Unexpected JSON Token Null, expected 'StartObject'.",
        ),
        (
            "[7]",
            "Unexpected JSON Token Number, expected 'StartObject'.",
        ),
        (
            "[[0]]",
            "Unexpected JSON Token StartArray, expected 'StartObject'.",
        ),
        (
            r#"["not base64!"]"#,
            "Unexpected JSON Token String, expected 'StartObject'.",
        ),
        (
            "[{}]",
            "Unexpected JSON Token EndObject, expected 'PropertyName'.",
        ),
        (r#"[{"x":0}]"#, "Unexpected JSON Property x."),
        (
            r#"[{"__byte[]":"0"}]"#,
            "Unexpected JSON Token String, expected 'Number'.",
        ),
        (
            r#"[{"__byte[]":null}]"#,
            "Unexpected JSON Token Null, expected 'Number'.",
        ),
        (
            r#"[{"__byte[]":1.5}]"#,
            "Unexpected number, expected 32-bit integer.",
        ),
        (
            r#"[{"__byte[]":2147483648}]"#,
            "Unexpected number, expected 32-bit integer.",
        ),
        (
            r#"[{"__byte[]":0,"x":1}]"#,
            "Unexpected JSON Token PropertyName, expected 'EndObject'.",
        ),
    ];
    for (args, text) in cases {
        client.send_byte_array(0, vec![1]);
        assert_eq!(
            client.call_err(st("ReverseBytes", args)),
            text,
            "args {args}"
        );
    }
}

/// `max_staged_bytes` counts each array as `max(4, len)`; the limit itself is allowed.
pub fn max_staged_bytes_edge(factory: &Factory) {
    let limit = "Exceeded the maximum byte array transfer limit for a call.";
    let mut client = factory.client(RuntimeOptions::default().max_staged_bytes(Some(8)));
    client.send_byte_array(0, vec![7; 8]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":1}"#
    );
    client.send_byte_array(0, vec![7; 9]);
    assert_eq!(
        client.call_err(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        limit
    );
    // Two 1-byte arrays count 4 each: exactly 8.
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(1, vec![2]);
    assert_eq!(
        client.call_ok(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#)),
        r#"{"__byte[]":2}"#
    );
    // A third one is 12: the call that follows is refused.
    client.send_byte_array(0, vec![1]);
    client.send_byte_array(1, vec![2]);
    client.send_byte_array(2, vec![3]);
    assert_eq!(
        client.call_err(st("ConcatBytes", r#"[{"__byte[]":0},{"__byte[]":1}]"#)),
        limit
    );
    // The runtime keeps serving.
    client.send_byte_array(0, vec![1, 2, 3]);
    assert_eq!(
        client.call_ok(st("ReverseBytes", r#"[{"__byte[]":0}]"#)),
        r#"{"__byte[]":3}"#
    );
}
