//! Escaped marker keys bind as the keys themselves on every binding path (PROTOCOL notes,
//! "Markers"): `{"\u005f_dotNetObject":1}` is an object reference, `{"__byte\u005b]":0}` takes
//! the staged bytes, and a plain parameter refuses an escaped object reference as it refuses a
//! plain one.

use fuzz_harness::binding::{check, run, Case, PATHS};
use fuzz_harness::reference::{Signature, SIGNATURES};

fn signature(identifier: &str) -> &'static Signature {
    SIGNATURES
        .iter()
        .find(|signature| signature.identifier == identifier)
        .expect("a signature of the harness")
}

/// Every path gives `expected` (and agrees with the reference).
fn binds(identifier: &str, staged: &[&[u8]], args_json: &str, expected: Result<&str, &str>) {
    let case = Case {
        signature: signature(identifier),
        staged: staged
            .iter()
            .enumerate()
            .map(|(index, bytes)| (index as u32, bytes.to_vec()))
            .collect(),
        strict: false,
        args_json: args_json.to_owned(),
    };
    let expected = expected
        .map(|text| serde_json::to_string(text).unwrap())
        .map_err(str::to_owned);
    for path in PATHS {
        assert_eq!(run(&case, path), expected, "{path:?}: {args_json}");
    }
    assert_eq!(check(&case), expected);
}

#[test]
fn escaped_object_references_are_object_references() {
    for key in [
        r"\u005f_dotNetObject",
        r"_\u005FdotNetObject",
        r"\u005f\u005f\u0064otNetObject",
        r"__dotNetObjec\u0074",
    ] {
        binds(
            "Refs",
            &[],
            &format!(r#"[{{"{key}":1}},{{"{key}":1}}]"#),
            Ok("(object Counter #Some(1);Some(object Counter #Some(1));)"),
        );
        binds(
            "OneValue",
            &[],
            &format!(r#"[{{"{key}":1}}]"#),
            Err("In call to 'OneValue', parameter of type 'Value' at index 1 must be declared as type 'DotNetObjectRef<Value>' to receive the incoming value."),
        );
        binds(
            "Others",
            &[],
            &format!(r#"[{{"{key}":1}},{{"x":1}}]"#),
            Err("The object with id '1' is not of type 'Other'."),
        );
    }
}

#[test]
fn escaped_byte_array_keys_take_the_staged_bytes_once() {
    binds(
        "OneBytes",
        &[b"abc"],
        r#"[{"__byte\u005b]":0}]"#,
        Ok("(bytes [97, 98, 99];)"),
    );
    binds(
        "Bytes",
        &[b"abc", b"de"],
        r#"[{"\u005f_byte[]":0},{"name":"n","data":{"__byte\u005B\u005D":1}}]"#,
        Ok("(bytes [97, 98, 99];Upload{\"n\",bytes [100, 101]};)"),
    );
    // The same array twice: the second marker finds it taken, on every path (the one-pass
    // bind must not take it first and leave the per-argument path without it).
    binds(
        "Bytes",
        &[b"abc"],
        r#"[{"\u005f_byte[]":0},{"name":"n","data":{"__byte[]":0}}]"#,
        Err("Byte array 0 not found."),
    );
    binds(
        "Bytes",
        &[b"abc"],
        r#"[{"\u005f_byte[]":0},{"name":7,"data":"YQ=="}]"#,
        Err("The call to 'Bytes' could not bind argument 2: invalid type: integer `7`, expected a string"),
    );
}
