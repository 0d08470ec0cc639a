//! The reference binder's marker types: they read `{"__dotNetObject":n}`, `{"__byte[]":n}`,
//! `{"__jsObjectId":n}` and `{"__jsStreamReferenceLength":n,"__jsObjectId":m}` as
//! PROTOCOL.md §3 and the reference's texts (PROTOCOL.md §10) say, against a model of the
//! runtime's state (tracked objects, staged byte arrays) instead of the runtime itself.

use std::cell::RefCell;
use std::fmt;

use base64::Engine as _;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::methods::{
    describe_bytes, describe_js_object, describe_js_stream, describe_object, Describe, Family,
};

/// What the reference knows of the runtime: its objects and the byte arrays the call being
/// bound carries.
#[derive(Debug, Default, Clone)]
pub struct ModelState {
    /// Tracked objects: id and type name.
    pub objects: Vec<(u64, &'static str)>,
    /// The byte arrays of the call being bound (`None`: taken).
    pub staged: Vec<Option<Vec<u8>>>,
    /// Whether the call carries byte arrays (its own or not): .NET's texts for a value that is
    /// not a marker depend on it.
    pub has_staged: bool,
    /// The error the call fails with before it binds (its byte arrays were refused).
    pub staging_error: Option<String>,
    /// The batch of byte arrays received since the last message (docs/protocol.md, "Byte
    /// arrays from JavaScript"): a JS→Rust call with markers takes it.
    pub open: Option<Batch>,
}

/// The arrays of one payload, as received.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// The arrays, in order.
    pub arrays: Vec<Vec<u8>>,
    /// Why the batch was refused (an index out of turn).
    pub refused: Option<String>,
}

impl ModelState {
    /// `receive_byte_array(index, bytes)`: index 0, or an array with no batch open, starts a
    /// batch; an index out of turn refuses it (no size limit here).
    pub fn receive_byte_array(&mut self, index: u32, bytes: Vec<u8>) {
        if index == 0 || self.open.is_none() {
            self.open = Some(Batch::default());
        }
        let Some(batch) = self.open.as_mut() else {
            return;
        };
        if batch.refused.is_some() {
            return;
        }
        if index as usize != batch.arrays.len() {
            batch.refused = Some(format!(
                "Element id '{index}' cannot be added to the byte arrays to be revived with length '{}'.",
                batch.arrays.len()
            ));
            batch.arrays.clear();
            return;
        }
        batch.arrays.push(bytes);
    }

    /// A JS→Rust call whose arguments hold `markers` byte-array markers arrives: it takes the
    /// open batch if it has markers (a refused batch fails it), and sees that arrays were
    /// staged either way.
    pub fn claim_for_call(&mut self, markers: usize) {
        self.staged.clear();
        self.staging_error = None;
        self.has_staged = false;
        let Some(batch) = self.open.take() else {
            return;
        };
        self.has_staged = true;
        if markers == 0 {
            return;
        }
        match batch.refused {
            Some(reason) => self.staging_error = Some(reason),
            None => self.staged = batch.arrays.into_iter().map(Some).collect(),
        }
    }

    /// The end of a message: what it did not take is no longer the next call's.
    pub fn clear_staged(&mut self) {
        self.staged.clear();
        self.has_staged = false;
        self.staging_error = None;
        self.open = None;
    }
}

thread_local! {
    static STATE: RefCell<ModelState> = RefCell::new(ModelState::default());
}

/// Runs `f` with the model the reference's marker types read.
pub fn with_state<R>(f: impl FnOnce(&mut ModelState) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

/// The reference's text for an unknown object id.
pub fn unknown_object(id: u64) -> String {
    format!("There is no tracked object with id '{id}'. Perhaps the DotNetObjectReference instance was already disposed. (Parameter 'dotNetObjectId')")
}

const UNEXPECTED_BYTE_ARRAY: &str =
    "JSON serialization is attempting to deserialize an unexpected byte array.";

/// Reads `{"<key>":id}` with the reference's texts.
fn read_id<'de, D: Deserializer<'de>>(deserializer: D, key: &'static str) -> Result<i64, D::Error> {
    struct IdVisitor(&'static str);
    impl<'de> Visitor<'de> for IdVisitor {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object {{\"{}\": <id>}}", self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<i64, A::Error> {
            let mut id = None;
            while let Some(name) = map.next_key::<String>()? {
                if name != self.0 {
                    return Err(de::Error::custom(format!(
                        "Unexpected JSON property {name}."
                    )));
                }
                if id.is_some() {
                    return Err(de::Error::custom(format!(
                        "Duplicate JSON property {name}."
                    )));
                }
                id = Some(map.next_value::<i64>()?);
            }
            id.ok_or_else(|| de::Error::custom(format!("Required property {} not found.", self.0)))
        }
    }
    deserializer.deserialize_map(IdVisitor(key))
}

/// The model's `ObjectRef<T>`: an id of a tracked object of type `NAME`.
#[derive(Debug)]
pub struct ModelObject<const COUNTER: bool>(u64);

impl<const COUNTER: bool> ModelObject<COUNTER> {
    const NAME: &'static str = if COUNTER { "Counter" } else { "Other" };
}

impl<'de, const COUNTER: bool> Deserialize<'de> for ModelObject<COUNTER> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = read_id(deserializer, "__dotNetObject")?;
        let id = u64::try_from(id).map_err(|_| de::Error::custom(unknown_object(0)))?;
        let found = with_state(|state| {
            state
                .objects
                .iter()
                .find(|(tracked, _)| *tracked == id)
                .map(|(_, name)| *name)
        });
        match found {
            None => Err(de::Error::custom(unknown_object(id))),
            Some(name) if name != Self::NAME => Err(de::Error::custom(format!(
                "The object with id '{id}' is not of type '{}'.",
                Self::NAME
            ))),
            Some(_) => Ok(ModelObject(id)),
        }
    }
}

impl<const COUNTER: bool> Describe for ModelObject<COUNTER> {
    fn describe(&self, out: &mut String) {
        describe_object(out, Self::NAME, Some(self.0));
    }
}

/// The model's `ByteArray`.
#[derive(Debug)]
pub struct ModelBytes(Vec<u8>);

fn unexpected<E: de::Error>(token: &str, expected: &str) -> E {
    E::custom(format!(
        "Unexpected JSON Token {token}, expected '{expected}'."
    ))
}

fn not_an_object<E: de::Error>(token: &str) -> E {
    if with_state(|state| state.has_staged) {
        unexpected(token, "StartObject")
    } else {
        E::custom(UNEXPECTED_BYTE_ARRAY)
    }
}

fn value_token(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(true) => "True",
        Value::Bool(false) => "False",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "StartArray",
        Value::Object(_) => "StartObject",
    }
}

impl<'de> Deserialize<'de> for ModelBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte array marker or a base64 string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| not_an_object("String"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<u8>, A::Error> {
                if !with_state(|state| state.has_staged) {
                    return Err(de::Error::custom(UNEXPECTED_BYTE_ARRAY));
                }
                let Some(name) = map.next_key::<String>()? else {
                    return Err(unexpected("EndObject", "PropertyName"));
                };
                if name != "__byte[]" {
                    return Err(de::Error::custom(format!(
                        "Unexpected JSON Property {name}."
                    )));
                }
                let index = match map.next_value::<Value>()? {
                    Value::Number(number) => match number.as_i64() {
                        Some(index) if i32::try_from(index).is_ok() => index,
                        _ => {
                            return Err(de::Error::custom(
                                "Unexpected number, expected 32-bit integer.",
                            ))
                        }
                    },
                    other => return Err(unexpected(value_token(&other), "Number")),
                };
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(unexpected("PropertyName", "EndObject"));
                }
                let bytes = with_state(|state| {
                    usize::try_from(index)
                        .ok()
                        .and_then(|index| state.staged.get_mut(index))
                        .and_then(Option::take)
                });
                bytes.ok_or_else(|| de::Error::custom(format!("Byte array {index} not found.")))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Vec<u8>, A::Error> {
                Err(not_an_object("StartArray"))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Vec<u8>, E> {
                Err(not_an_object(if value { "True" } else { "False" }))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Vec<u8>, E> {
                Err(not_an_object("Null"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<u8>, E> {
                Err(not_an_object("Number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<u8>, E> {
                Err(not_an_object("Number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<u8>, E> {
                Err(not_an_object("Number"))
            }
        }
        deserializer.deserialize_any(BytesVisitor).map(ModelBytes)
    }
}

impl Describe for ModelBytes {
    fn describe(&self, out: &mut String) {
        describe_bytes(out, &self.0);
    }
}

/// The model's `JsObjectRef`.
#[derive(Debug)]
pub struct ModelJsObject(u64);

impl<'de> Deserialize<'de> for ModelJsObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = read_id(deserializer, "__jsObjectId")?;
        u64::try_from(id).map(ModelJsObject).map_err(|_| {
            de::Error::custom("The JS value was null or undefined: receive an Option<JsObjectRef>.")
        })
    }
}

impl Describe for ModelJsObject {
    fn describe(&self, out: &mut String) {
        describe_js_object(out, self.0);
    }
}

/// The model's `JsStreamRef`.
#[derive(Debug)]
pub struct ModelJsStream {
    id: u64,
    length: u64,
}

impl<'de> Deserialize<'de> for ModelJsStream {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StreamVisitor;
        impl<'de> Visitor<'de> for StreamVisitor {
            type Value = (i64, i64);
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a JS stream reference {\"__jsStreamReferenceLength\": <n>, \"__jsObjectId\": <id>}",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(i64, i64), A::Error> {
                let (mut length, mut id) = (None, None);
                while let Some(name) = map.next_key::<String>()? {
                    let slot = match name.as_str() {
                        "__jsStreamReferenceLength" => &mut length,
                        "__jsObjectId" => &mut id,
                        _ => {
                            return Err(de::Error::custom(format!(
                                "Unexpected JSON property {name}."
                            )))
                        }
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom(format!(
                            "Duplicate JSON property {name}."
                        )));
                    }
                    *slot = Some(map.next_value::<i64>()?);
                }
                let required =
                    |key: &str| de::Error::custom(format!("Required property {key} not found."));
                Ok((
                    length.ok_or_else(|| required("__jsStreamReferenceLength"))?,
                    id.ok_or_else(|| required("__jsObjectId"))?,
                ))
            }
        }
        let (length, id) = deserializer.deserialize_map(StreamVisitor)?;
        if length <= 0 {
            return Err(de::Error::custom(
                "Length must be a positive value. (Parameter 'totalLength')",
            ));
        }
        let id = u64::try_from(id).map_err(|_| {
            de::Error::custom("The JS value was null or undefined: receive an Option<JsStreamRef>.")
        })?;
        Ok(ModelJsStream {
            id,
            length: length.unsigned_abs(),
        })
    }
}

impl Describe for ModelJsStream {
    fn describe(&self, out: &mut String) {
        describe_js_stream(out, self.id, self.length);
    }
}

/// The reference's marker types.
#[derive(Debug)]
pub enum Model {}

impl Family for Model {
    type Counter = ModelObject<true>;
    type Bytes = ModelBytes;
    type JsObject = ModelJsObject;
}
