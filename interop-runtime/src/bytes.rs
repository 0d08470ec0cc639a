//! `ByteArray`: bytes that travel beside the JSON (`{"__byte[]":n}`), never as base64 or numbers.

use std::fmt;
use std::ops::Deref;

use base64::Engine as _;
use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{self, Serialize, Serializer};

use crate::context::with_scope;
use crate::error::texts;
use crate::markers;

/// Bytes exchanged with JavaScript as a `Uint8Array`.
///
/// Both JS clients send a `Uint8Array` as `{"__byte[]":n}` with the bytes out of band; a plain
/// `Vec<u8>` would become (or expect) a JSON array of numbers. Use `ByteArray` for parameters
/// and results, at any depth of your types, and `#[serde(with = "interop_runtime::byte_array")]`
/// for `Vec<u8>` fields. A base64 string is also accepted on input, as .NET does.
///
/// It holds a [`Bytes`] buffer, shared rather than copied: a received `ByteArray` is the
/// buffer the host read the bytes into, and sending one hands that buffer to the host (a host
/// copies it once at most, into its frame or the JavaScript heap). It reads as a `&[u8]`;
/// [`into_vec`](Self::into_vec) gives a `Vec<u8>`, and [`into_bytes`](Self::into_bytes) the
/// buffer itself.
///
/// ```
/// use interop_runtime::ByteArray;
/// let bytes = ByteArray::from(b"shiny".to_vec());
/// assert_eq!(std::str::from_utf8(&bytes).unwrap(), "shiny");
/// assert_eq!(bytes.into_vec().len(), 5);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ByteArray(Bytes);

impl ByteArray {
    /// Wraps bytes (no copy).
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        ByteArray(bytes.into())
    }

    /// The bytes as a `Vec<u8>`: without a copy when this array is the only owner of a buffer
    /// that started as a `Vec<u8>`, else a copy.
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into()
    }

    /// The buffer, without copying.
    pub fn into_bytes(self) -> Bytes {
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
        ByteArray(bytes.into())
    }
}

impl From<Bytes> for ByteArray {
    fn from(bytes: Bytes) -> Self {
        ByteArray(bytes)
    }
}

impl From<&[u8]> for ByteArray {
    /// Copies the bytes.
    fn from(bytes: &[u8]) -> Self {
        ByteArray(Bytes::copy_from_slice(bytes))
    }
}

impl From<ByteArray> for Vec<u8> {
    fn from(bytes: ByteArray) -> Self {
        bytes.into_vec()
    }
}

impl From<ByteArray> for Bytes {
    fn from(bytes: ByteArray) -> Self {
        bytes.0
    }
}

impl Deref for ByteArray {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for ByteArray {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for ByteArray {
    /// Hands the buffer to the byte arrays of the value being serialized (no copy).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_staged(self.0.clone(), serializer)
    }
}

impl<'de> Deserialize<'de> for ByteArray {
    /// Takes the staged buffer (no copy), or decodes a base64 string.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ByteArrayVisitor)
            .map(ByteArray)
    }
}

/// `#[serde(with = "interop_runtime::byte_array")]` for `Vec<u8>` fields nested in your types.
///
/// The field is borrowed while it is serialized, so its bytes are copied once into the buffer
/// sent; a [`ByteArray`] field is sent without that copy.
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

    /// Writes the bytes out of band (one copy) and `{"__byte[]":id}` in the JSON.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serialize_staged(Bytes::copy_from_slice(bytes), serializer)
    }

    /// Reads `{"__byte[]":n}` (taking the staged bytes) or a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer
            .deserialize_any(ByteArrayVisitor)
            .map(Vec::from)
    }
}

/// Stages `bytes` and writes the marker that refers to them.
fn serialize_staged<S: Serializer>(bytes: Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    let id = stage_outgoing(bytes).map_err(ser::Error::custom)?;
    markers::serialize_id(serializer, markers::BYTE_ARRAY, id)
}

/// Moves `bytes` to the byte arrays of the value being serialized (no copy); the id its
/// `{"__byte[]":id}` marker names.
pub(crate) fn stage_outgoing(bytes: impl Into<Bytes>) -> Result<u64, &'static str> {
    let bytes = bytes.into();
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
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte array marker {\"__byte[]\": n} or a base64 string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Bytes, E> {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(|_| not_an_object("String"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bytes, A::Error> {
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

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Bytes, A::Error> {
        Err(not_an_object("StartArray"))
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Bytes, E> {
        Err(not_an_object(if value { "True" } else { "False" }))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Bytes, E> {
        Err(not_an_object("Null"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Bytes, E> {
        Err(not_an_object("Number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Bytes, E> {
        Err(not_an_object("Number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Bytes, E> {
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
