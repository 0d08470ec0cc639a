//! `ByteArray`: bytes that travel beside the JSON (`{"__byte[]":n}`), never as base64 or numbers.

use std::fmt;
use std::ops::{Deref, DerefMut};

use base64::Engine as _;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{self, Serialize, Serializer};

use crate::context::with_scope;
use crate::error::texts;
use crate::markers;

/// Bytes exchanged with JavaScript as a `Uint8Array`.
///
/// Both JS clients send a `Uint8Array` as `{"__byte[]":n}` with the bytes out of band; a plain
/// `Vec<u8>` would become (or expect) a JSON array of numbers. Use `ByteArray` for parameters
/// and results, and `#[serde(with = "interop_runtime::byte_array")]` for `Vec<u8>` fields.
/// A base64 string is also accepted on input, as .NET does.
///
/// ```
/// use interop_runtime::ByteArray;
/// let bytes = ByteArray::from(b"shiny".to_vec());
/// assert_eq!(std::str::from_utf8(&bytes).unwrap(), "shiny");
/// assert_eq!(bytes.into_vec().len(), 5);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ByteArray(Vec<u8>);

impl ByteArray {
    /// Wraps bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        ByteArray(bytes)
    }

    /// The bytes, without copying.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Debug for ByteArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ByteArray({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for ByteArray {
    fn from(bytes: Vec<u8>) -> Self {
        ByteArray(bytes)
    }
}

impl From<&[u8]> for ByteArray {
    fn from(bytes: &[u8]) -> Self {
        ByteArray(bytes.to_vec())
    }
}

impl From<ByteArray> for Vec<u8> {
    fn from(bytes: ByteArray) -> Self {
        bytes.0
    }
}

impl Deref for ByteArray {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for ByteArray {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl Serialize for ByteArray {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        byte_array::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for ByteArray {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        byte_array::deserialize(deserializer).map(ByteArray)
    }
}

/// `#[serde(with = "interop_runtime::byte_array")]` for `Vec<u8>` fields nested in your types.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Upload {
///     name: String,
///     #[serde(with = "interop_runtime::byte_array")]
///     data: Vec<u8>,
/// }
/// ```
pub mod byte_array {
    use super::*;

    /// Writes the bytes out of band and `{"__byte[]":id}` in the JSON.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        let id = stage_outgoing(bytes.to_vec()).map_err(ser::Error::custom)?;
        markers::serialize_id(serializer, markers::BYTE_ARRAY, id)
    }

    /// Reads `{"__byte[]":n}` (taking the staged bytes) or a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_any(ByteArrayVisitor)
    }
}

/// Moves `bytes` to the byte arrays of the value being serialized (no copy); the id its
/// `{"__byte[]":id}` marker names. For the runtime's own results, which own their bytes.
pub(crate) fn stage_outgoing(bytes: Vec<u8>) -> Result<u64, &'static str> {
    with_scope(|scope| {
        let id = scope.runtime.inner().next_byte_array_id();
        scope.push_outgoing_bytes(id, bytes);
        id
    })
}

struct ByteArrayVisitor;

fn unexpected<E: de::Error>(token: &str, expected: &str) -> E {
    E::custom(format!(
        "Unexpected JSON Token {token}, expected '{expected}'."
    ))
}

/// A value that is not a marker object. As in .NET, "nothing staged" is checked first.
fn not_an_object<E: de::Error>(token: &str) -> E {
    match with_scope(|scope| scope.has_incoming()) {
        Ok(true) => unexpected(token, "StartObject"),
        Ok(false) => E::custom(texts::UNEXPECTED_BYTE_ARRAY),
        Err(text) => E::custom(text),
    }
}

impl<'de> Visitor<'de> for ByteArrayVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte array marker {\"__byte[]\": n} or a base64 string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Vec<u8>, E> {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| not_an_object("String"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<u8>, A::Error> {
        let staged_any = with_scope(|scope| scope.has_incoming()).map_err(de::Error::custom)?;
        if !staged_any {
            return Err(de::Error::custom(texts::UNEXPECTED_BYTE_ARRAY));
        }
        let Some(name) = map.next_key::<String>()? else {
            return Err(unexpected("EndObject", "PropertyName"));
        };
        if name != markers::BYTE_ARRAY {
            return Err(de::Error::custom(format!(
                "Unexpected JSON Property {name}."
            )));
        }
        let index = match map.next_value::<serde_json::Value>()? {
            serde_json::Value::Number(number) => match number.as_i64() {
                Some(index) if i32::try_from(index).is_ok() => index,
                _ => {
                    return Err(de::Error::custom(
                        "Unexpected number, expected 32-bit integer.",
                    ))
                }
            },
            other => return Err(unexpected(value_token(&other), "Number")),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(unexpected("PropertyName", "EndObject"));
        }
        with_scope(|scope| scope.take_incoming(index))
            .map_err(de::Error::custom)?
            .map_err(de::Error::custom)
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

fn value_token(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "Null",
        serde_json::Value::Bool(true) => "True",
        serde_json::Value::Bool(false) => "False",
        serde_json::Value::Number(_) => "Number",
        serde_json::Value::String(_) => "String",
        serde_json::Value::Array(_) => "StartArray",
        serde_json::Value::Object(_) => "StartObject",
    }
}
