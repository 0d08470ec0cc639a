//! Cases the fuzz targets found, kept as tests whatever the corpora keep.

use fuzz_harness::binding::{check, run, Case, PATHS};
use fuzz_harness::reference::SIGNATURES;

/// Every path and the reference give `expected` for `NoArgs` (not strict: it ignores its
/// arguments) called after byte arrays 0 and 2 (a batch refused: 2 is out of turn).
fn no_args_after_a_refused_batch(args_json: &str, expected: Result<&str, &str>) {
    let case = Case {
        signature: SIGNATURES
            .iter()
            .find(|signature| signature.identifier == "NoArgs")
            .expect("NoArgs"),
        staged: vec![(0, b"a".to_vec()), (2, b"b".to_vec())],
        strict: false,
        args_json: args_json.to_owned(),
    };
    let expected = expected.map(str::to_owned).map_err(str::to_owned);
    for path in PATHS {
        assert_eq!(run(&case, path), expected, "{path:?}: {args_json}");
    }
    assert_eq!(check(&case), expected, "{args_json}");
}

const REFUSED: &str =
    "Element id '2' cannot be added to the byte arrays to be revived with length '1'.";

/// Found by `binding` (crash-127d8504…): a text that is not JSON but shows a `"__byte[]"` key
/// takes the batch staged for the call, so a refused batch fails the call even when the method
/// ignores its arguments; the reference counted no marker in a text it could not parse.
#[test]
fn a_text_that_is_not_json_takes_the_batch_its_keys_show() {
    no_args_after_a_refused_batch(r#"yte[]"]":0},{"data":{"__byte[]":1}}]"#, Err(REFUSED));
    no_args_after_a_refused_batch(r#"x,{"__byte\u005b]" :0}]"#, Err(REFUSED));
    // Past serde_json's nesting limit the reference cannot parse it either.
    let deep = format!(r#"{}{{"__byte[]":0}}{}"#, "[".repeat(200), "]".repeat(200));
    no_args_after_a_refused_batch(&deep, Err(REFUSED));
    // No key shows (a string value, or a string that does not end): the batch is not its.
    no_args_after_a_refused_batch(r#"x["__byte[]"]"#, Ok("\"()\""));
    no_args_after_a_refused_batch(r#"x",{"__byte[]:0}]"#, Ok("\"()\""));
}

/// Found by `binding` (crash-e0de41b9…): a lone surrogate (`\ud800`) in a string the method
/// skips (a key inside the value of a field `Nest` does not know) is JSON in its grammar, and
/// the call binds, as serde skips what it does not read; the reference, which parses the whole
/// text first, took it for a text that is not JSON. Read, the same string fails the call.
#[test]
fn a_lone_surrogate_binds_where_it_is_skipped_and_fails_where_it_is_read() {
    let case = |args_json: &str| Case {
        signature: SIGNATURES
            .iter()
            .find(|signature| signature.identifier == "Nested")
            .expect("Nested"),
        staged: Vec::new(),
        strict: false,
        args_json: args_json.to_owned(),
    };
    let skipped = case(r#"[{"other":{"a\ud800":2},"points":[{"x":2,"y":null}]},[]]"#);
    let expected = check(&case(
        r#"[{"other":{"a\u00e9":2},"points":[{"x":2,"y":null}]},[]]"#,
    ));
    assert!(expected.is_ok(), "{expected:?}");
    assert_eq!(check(&skipped), expected);
    let read = case(r#"[{"points":[{"x":2,"y":null,"\ud800":1}]},[]]"#);
    assert!(check(&read).is_err());
    // A surrogate pair is a character: the text is JSON to the reference too.
    let pair = case(r#"[{"other":"\ud83d\ude00","points":[]},[]]"#);
    assert!(check(&pair).is_ok());
}
