//! The reference binder: parses the whole argument text first ([`Tree`]), then binds each
//! parameter from its tree with the model's marker types, applying the protocol's checks in
//! the reference's order (PROTOCOL.md §4.3): array, count, depth, object references given
//! to plain parameters, extra arguments.

use serde::de::IgnoredAny;

use crate::methods::{Describe, Nest, Point, Upload, ASSEMBLY};
use crate::model::{with_state, Model, ModelBytes, ModelJsObject, ModelJsStream, ModelObject};
use crate::tree::{from_tree, Tree};

/// The runtime's default `max_json_depth`.
pub const MAX_DEPTH: usize = 32;

/// A method the binding targets call, with its reference binder.
pub struct Signature {
    /// Its identifier (assembly [`ASSEMBLY`]).
    pub identifier: &'static str,
    /// How many arguments it takes.
    pub count: usize,
    reference: fn(&mut Args<'_>) -> Result<String, String>,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", ASSEMBLY, self.identifier)
    }
}

/// The arguments being bound by the reference, in order.
pub struct Args<'a> {
    identifier: &'static str,
    count: usize,
    items: &'a [Tree],
    next: usize,
}

impl Args<'_> {
    /// Binds the next argument, of the type named `type_name` in error texts;
    /// `accepts_object_ref`: the type is `ObjectRef<T>` or `Option<ObjectRef<T>>`.
    fn arg<T: serde::de::DeserializeOwned>(
        &mut self,
        type_name: &str,
        accepts_object_ref: bool,
    ) -> Result<T, String> {
        let index = self.next;
        let Some(item) = self.items.get(index) else {
            return Err(format!(
                "The call to '{}' expects '{}' parameters, but received '{index}'.",
                self.identifier, self.count
            ));
        };
        check_depth(item)?;
        if !accepts_object_ref && first_key(item) == Some("__dotNetObject") {
            return Err(format!(
                "In call to '{}', parameter of type '{type_name}' at index {} must be declared as type 'DotNetObjectRef<{type_name}>' to receive the incoming value.",
                self.identifier,
                index + 1
            ));
        }
        self.next += 1;
        from_tree(item).map_err(|error| {
            // serde's account of a mismatch names the call and the argument; a marker's
            // text stays verbatim.
            let text = error.to_string();
            const MISMATCHES: [&str; 7] = [
                "invalid type:",
                "invalid value:",
                "invalid length",
                "missing field",
                "unknown field",
                "unknown variant",
                "duplicate field",
            ];
            if MISMATCHES.iter().any(|prefix| text.starts_with(prefix)) {
                format!(
                    "The call to '{}' could not bind argument {}: {text}",
                    self.identifier,
                    index + 1
                )
            } else {
                text
            }
        })
    }

    /// Checks that no argument is left over.
    fn end(&self) -> Result<(), String> {
        match self.items.get(self.count) {
            None => Ok(()),
            Some(extra) => {
                check_depth(extra)?;
                Err(format!(
                    "Unexpected JSON token {}. Ensure that the call to `{}' is supplied with exactly '{}' parameters.",
                    extra.token_name(),
                    self.identifier,
                    self.count
                ))
            }
        }
    }
}

fn check_depth(item: &Tree) -> Result<(), String> {
    if item.depth() > MAX_DEPTH {
        return Err(format!(
            "The JSON value exceeds the maximum depth of {MAX_DEPTH}."
        ));
    }
    Ok(())
}

fn first_key(item: &Tree) -> Option<&str> {
    match item {
        Tree::Object(entries) => entries.first().map(|(key, _)| key.as_str()),
        _ => None,
    }
}

/// What the reference says of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The result JSON or the error text.
    Judged(Result<String, String>),
    /// The text is not JSON: the reference only says the call must fail.
    Fails,
    /// JSON in its grammar, but a string holds a lone surrogate (`"\ud800"`), which a Rust
    /// string cannot: a call that reads that string fails (with serde's text, or an earlier
    /// error), one that skips it (the value of a field it does not know) binds as the text with
    /// every lone surrogate written as another character would: this outcome.
    Unreadable(Result<String, String>),
}

fn described<T: Describe>(value: T) -> Result<String, String> {
    let mut out = String::new();
    value.describe(&mut out);
    serde_json::to_string(&out).map_err(|error| error.to_string())
}

/// Binds `args_json` for `signature` by the reference, against the model's state (which it
/// changes: byte arrays are taken). `strict`: `strict_arguments`.
pub fn bind(signature: &Signature, args_json: &str, strict: bool) -> Verdict {
    let before = with_state(|state| state.clone());
    let parsed = Tree::parse(args_json);
    let markers = match &parsed {
        Ok(tree) => tree.count_keys("__byte[]"),
        Err(_) => spelled_keys(args_json, "__byte[]"),
    };
    with_state(|state| state.claim_for_call(markers));
    if let Some(text) = with_state(|state| state.staging_error.clone()) {
        return Verdict::Judged(Err(text));
    }
    if signature.count == 0 && !strict {
        return Verdict::Judged((signature.reference)(&mut Args {
            identifier: signature.identifier,
            count: 0,
            items: &[],
            next: 0,
        }));
    }
    let Ok(tree) = parsed else {
        let repaired = without_lone_surrogates(args_json);
        if repaired == args_json || serde_json::from_str::<IgnoredAny>(args_json).is_err() {
            return Verdict::Fails;
        }
        with_state(|state| *state = before);
        return match bind(signature, &repaired, strict) {
            Verdict::Judged(outcome) => Verdict::Unreadable(outcome),
            _ => Verdict::Fails,
        };
    };
    let Tree::Array(items) = &tree else {
        return Verdict::Judged(Err("Invalid JSON".to_owned()));
    };
    let mut args = Args {
        identifier: signature.identifier,
        count: signature.count,
        items,
        next: 0,
    };
    Verdict::Judged((signature.reference)(&mut args))
}

/// How many keys `key` a text that is not JSON (or nests past serde_json's limit) shows: the
/// strings read from the left, each from a `"` to the next `"` not escaped by a `\\`, that
/// read as `key` and are followed (after spaces) by a `:`; counting stops at a string that does
/// not end. How many byte arrays the client sent for such a text is not the protocol's to say:
/// the runtime counts the keys it sees this way (a method that ignores its arguments still
/// takes, or is failed by, the batch staged for it).
fn spelled_keys(text: &str, key: &str) -> usize {
    let mut count = 0;
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let body = &rest[open + 1..];
        let mut escaped = false;
        let Some(close) = body.char_indices().find_map(|(at, ch)| {
            let end = ch == '"' && !escaped;
            escaped = ch == '\\' && !escaped;
            end.then_some(at)
        }) else {
            break;
        };
        let literal = &rest[open..open + 1 + close + 1];
        rest = &body[close + 1..];
        let is_key = rest
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with(':');
        if is_key && serde_json::from_str::<String>(literal).is_ok_and(|name| name == key) {
            count += 1;
        }
    }
    count
}

/// `json` with every escape of a lone surrogate (`\ud800` not followed by an escape of a
/// trailing surrogate, or a trailing one alone) written `\u00e9` (no key of the protocol or of
/// the harness's types holds an `é`).
fn without_lone_surrogates(json: &str) -> String {
    fn escaped_unit(text: &str) -> Option<u16> {
        let hex = text.strip_prefix("\\u")?.get(..4)?;
        u16::from_str_radix(hex, 16).ok()
    }
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut rest = json;
    while let Some(ch) = rest.chars().next() {
        let unit = if in_string { escaped_unit(rest) } else { None };
        let (take, lone) = match unit {
            Some(0xD800..=0xDBFF) => match escaped_unit(&rest[6..]) {
                Some(0xDC00..=0xDFFF) => (12, false),
                _ => (6, true),
            },
            Some(0xDC00..=0xDFFF) => (6, true),
            Some(_) => (6, false),
            None if in_string && ch == '\\' => (
                1 + rest[1..].chars().next().map_or(0, char::len_utf8),
                false,
            ),
            None => {
                if ch == '"' {
                    in_string = !in_string;
                }
                (ch.len_utf8(), false)
            }
        };
        if lone {
            out.push_str("\\u00e9");
        } else {
            out.push_str(&rest[..take]);
        }
        rest = &rest[take..];
    }
    out
}

macro_rules! signature {
    ($identifier:literal, $($ty:ty => $name:literal $accepts:literal),*) => {
        Signature {
            identifier: $identifier,
            count: [$($name),*].len(),
            reference: |args| {
                let value = ($(args.arg::<$ty>($name, $accepts)?,)*);
                args.end()?;
                described(value)
            },
        }
    };
}

/// Every signature of [`crate::methods`] the binding targets call.
pub static SIGNATURES: &[Signature] = &[
    signature!("Scalars", i32 => "i32" false, String => "String" false, bool => "bool" false),
    signature!("Options", Option<f64> => "Option<f64>" false, Option<u8> => "Option<u8>" false, char => "char" false),
    signature!("Structs", Point => "Point" false, Vec<i64> => "Vec<i64>" false),
    signature!("Refs", ModelObject<true> => "ObjectRef<Counter>" true, Option<ModelObject<true>> => "Option<ObjectRef<Counter>>" true),
    signature!("Bytes", ModelBytes => "ByteArray" false, Upload<Model> => "Upload<Real>" false),
    signature!("JsRefs", ModelJsObject => "JsObjectRef" false, Option<ModelJsStream> => "Option<JsStreamRef>" false),
    signature!("Mixed", Vec<Upload<Model>> => "Vec<Upload<Real>>" false, serde_json::Value => "Value" false),
    signature!("Nested", Nest<Model> => "Nest<Real>" false, Vec<ModelObject<true>> => "Vec<ObjectRef<Counter>>" false),
    signature!("Others", ModelObject<false> => "ObjectRef<Other>" true, Point => "Point" false),
    Signature {
        identifier: "NoArgs",
        count: 0,
        reference: |args| {
            args.end()?;
            described(())
        },
    },
    signature!("OneRef", ModelObject<true> => "ObjectRef<Counter>" true),
    signature!("MaybeRef", Option<ModelObject<true>> => "Option<ObjectRef<Counter>>" true),
    signature!("OneBytes", ModelBytes => "ByteArray" false),
    signature!("OneJsObject", Option<ModelJsObject> => "Option<JsObjectRef>" false),
    signature!("OneJsStream", ModelJsStream => "JsStreamRef" false),
    signature!("OneValue", serde_json::Value => "Value" false),
];

/// The signatures taking one marker (the marker-reader target).
pub fn marker_signatures() -> impl Iterator<Item = &'static Signature> {
    SIGNATURES.iter().filter(|signature| {
        signature.identifier.starts_with("One") || signature.identifier == "MaybeRef"
    })
}
