//! The JSON markers of PROTOCOL.md §3 (`{"__dotNetObject":7}`, `{"__jsObjectId":3}`, …) and
//! the .NET marker reader's error texts.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

pub(crate) const DOTNET_OBJECT: &str = "__dotNetObject";
pub(crate) const JS_OBJECT: &str = "__jsObjectId";
pub(crate) const BYTE_ARRAY: &str = "__byte[]";
pub(crate) const DOTNET_STREAM: &str = "__dotNetStream";
pub(crate) const JS_STREAM_LENGTH: &str = "__jsStreamReferenceLength";

/// Writes `{"<key>":id}`.
pub(crate) fn serialize_id<S: Serializer>(
    serializer: S,
    key: &'static str,
    id: u64,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, &id)?;
    map.end()
}

/// Reads `{"<key>":id}`: a missing key, an unknown key or a repeated key is an error with the
/// reference's text.
pub(crate) fn deserialize_id<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &'static str,
) -> Result<i64, D::Error> {
    deserializer.deserialize_map(IdVisitor { key })
}

struct IdVisitor {
    key: &'static str,
}

impl<'de> Visitor<'de> for IdVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object {{\"{}\": <id>}}", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<i64, A::Error> {
        let mut id = None;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if name != self.key {
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
        id.ok_or_else(|| de::Error::custom(format!("Required property {} not found.", self.key)))
    }
}
