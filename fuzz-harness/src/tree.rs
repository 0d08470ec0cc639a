//! The reference binder's view of a JSON text: the whole text parsed first into a tree of
//! `serde_json::Value` leaves whose objects keep their keys in text order, duplicates
//! included (the runtime binds from the text, so the order of keys decides which error
//! comes first and which marker key a reader sees first).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    /// `null`, a boolean, a number or a string.
    Leaf(Value),
    /// An array.
    Array(Vec<Tree>),
    /// An object, its entries in text order.
    Object(Vec<(String, Tree)>),
}

impl Tree {
    /// Parses a whole JSON text (serde_json's grammar and recursion limit).
    pub fn parse(text: &str) -> Result<Tree, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// How deeply arrays and objects nest (a scalar: 0).
    pub fn depth(&self) -> usize {
        match self {
            Tree::Leaf(_) => 0,
            Tree::Array(items) => 1 + items.iter().map(Tree::depth).max().unwrap_or(0),
            Tree::Object(entries) => {
                1 + entries
                    .iter()
                    .map(|(_, value)| value.depth())
                    .max()
                    .unwrap_or(0)
            }
        }
    }

    /// The .NET token name of the value (`StartObject`, `Number`, …).
    pub fn token_name(&self) -> &'static str {
        match self {
            Tree::Object(_) => "StartObject",
            Tree::Array(_) => "StartArray",
            Tree::Leaf(Value::String(_)) => "String",
            Tree::Leaf(Value::Bool(true)) => "True",
            Tree::Leaf(Value::Bool(false)) => "False",
            Tree::Leaf(Value::Null) => "Null",
            Tree::Leaf(_) => "Number",
        }
    }

    /// How many keys `key` the tree holds, at any depth.
    pub fn count_keys(&self, key: &str) -> usize {
        match self {
            Tree::Leaf(_) => 0,
            Tree::Array(items) => items.iter().map(|item| item.count_keys(key)).sum(),
            Tree::Object(entries) => entries
                .iter()
                .map(|(name, value)| usize::from(name == key) + value.count_keys(key))
                .sum(),
        }
    }

    /// Whether any object in the tree has a key twice.
    pub fn has_duplicate_keys(&self) -> bool {
        match self {
            Tree::Leaf(_) => false,
            Tree::Array(items) => items.iter().any(Tree::has_duplicate_keys),
            Tree::Object(entries) => {
                entries
                    .iter()
                    .enumerate()
                    .any(|(index, (key, _))| entries[..index].iter().any(|(other, _)| other == key))
                    || entries.iter().any(|(_, value)| value.has_duplicate_keys())
            }
        }
    }
}

impl<'de> de::Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tree, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, value: bool) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::Bool(value)))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::from(value)))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::from(value)))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::from(value)))
    }
    fn visit_str<E>(self, value: &str) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::String(value.to_owned())))
    }
    fn visit_string<E>(self, value: String) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::String(value)))
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Leaf(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Tree>()? {
            entries.push((key, value));
        }
        Ok(Tree::Object(entries))
    }
}

/// Binds a Rust value from a tree, as `serde_json::from_value` binds one from a `Value`.
pub fn from_tree<T: de::DeserializeOwned>(tree: &Tree) -> Result<T, serde_json::Error> {
    T::deserialize(tree)
}

impl<'de> Deserializer<'de> for &'de Tree {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Tree::Leaf(value) => value.deserialize_any(visitor),
            Tree::Array(items) => {
                let mut seq = Items(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                // What `serde_json::from_str` says of elements a visitor left (the runtime
                // binds from the text); its position is not compared.
                match seq.0.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::custom("trailing characters")),
                }
            }
            Tree::Object(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Tree::Leaf(Value::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            Tree::Leaf(value) => value.deserialize_enum(name, variants, visitor),
            _ => Err(de::Error::custom(
                "the reference binder reads enums only from strings",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct Items<'de>(std::slice::Iter<'de, Tree>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'de> {
    entries: std::slice::Iter<'de, (String, Tree)>,
    value: Option<&'de Tree>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let key = de::value::BorrowedStrDeserializer::<serde_json::Error>::new(key);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}
