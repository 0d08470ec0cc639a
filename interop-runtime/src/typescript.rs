//! TypeScript declarations of every registered method (feature `typescript`).
//!
//! With the feature on, `#[jsinvokable]` submits one [`TsStatic`] per static function and one
//! [`TsImpl`] per annotated impl block; [`typescript_declarations`] turns them into one
//! self-contained `.d.ts` text declaring the global `DotNet`. Parameter and result types come
//! from [`ts_rs::TS`]: a type that does not implement it is `unknown` (the macro picks by
//! autoref specialization, as for the argument fast path), never a compile error.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::marker::PhantomData;

use ts_rs::{TypeVisitor, TS};

use crate::object_ref::JsInvokable;
use crate::{ByteArray, JsStreamRef, ObjectRef, StreamRef};

/// The TypeScript types of one method: its JavaScript parameters and its result.
#[doc(hidden)]
#[derive(Clone)]
pub struct TsSignature {
    /// `(label, type)` of every parameter JavaScript sends.
    pub params: Vec<(&'static str, String)>,
    /// What the promise resolves with (`null` for `()`).
    pub result: String,
}

/// A static `#[jsinvokable]` function, as the macro submits it for declarations.
#[doc(hidden)]
pub struct TsStatic {
    /// The namespace JavaScript names.
    pub assembly: &'static str,
    /// Every identifier the function answers to.
    pub identifiers: &'static [&'static str],
    /// `async fn`: not callable with `invokeMethod`.
    pub is_async: bool,
    /// Its types; adds the declarations of named types it uses.
    pub signature: fn(&mut Declarations) -> TsSignature,
}

inventory::collect!(TsStatic);

/// An instance method of a [`TsImpl`].
#[doc(hidden)]
pub struct TsMethod {
    /// Every identifier the method answers to.
    pub identifiers: &'static [&'static str],
    /// `async fn`: not callable with `invokeMethod`.
    pub is_async: bool,
    /// Its types; adds the declarations of named types it uses.
    pub signature: fn(&mut Declarations) -> TsSignature,
}

/// An annotated impl block: the methods JavaScript calls on a `DotNetObject` of this type.
#[doc(hidden)]
pub struct TsImpl {
    /// The type's name (`JsInvokable::TYPE_NAME`).
    pub name: &'static str,
    /// The impl's type parameters, declared generic in TypeScript.
    pub generics: &'static [&'static str],
    /// Its instance methods.
    pub methods: &'static [TsMethod],
}

inventory::collect!(TsImpl);

/// The named types (structs, enums) that signatures use, declared once each.
#[doc(hidden)]
#[derive(Default)]
pub struct Declarations {
    declared: BTreeMap<String, String>,
}

impl Declarations {
    /// Declares `T` (when it is a named type) and every named type it depends on.
    fn add<T: TS + 'static + ?Sized>(&mut self) {
        self.visit::<T>();
    }
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only derived types have a file of their own, and so a declaration; the others
        // (`Vec<T>`, `Option<T>`, maps) lead to their type arguments.
        if T::output_path().is_none() {
            T::visit_generics(self);
            T::visit_dependencies(self);
            return;
        }
        if self.declared.contains_key(&T::ident()) {
            return;
        }
        self.declared.insert(T::ident(), T::decl());
        T::visit_dependencies(self);
    }
}

/// Stands for the type `T` in the autoref probe below.
#[doc(hidden)]
pub struct TsProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> TsProbe<T> {
    /// The probe of `T`.
    pub fn new() -> Self {
        TsProbe(PhantomData)
    }
}

impl<T: ?Sized> Default for TsProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen for a type that implements `TS`: its TypeScript name, its declarations added.
#[doc(hidden)]
pub trait TsKnown {
    /// The TypeScript type.
    fn ts(&self, declarations: &mut Declarations) -> String;
}

impl<T: TS + 'static + ?Sized> TsKnown for &TsProbe<T> {
    fn ts(&self, declarations: &mut Declarations) -> String {
        declarations.add::<T>();
        T::name()
    }
}

/// Chosen for any other type: `unknown`.
#[doc(hidden)]
pub trait TsUnknown {
    /// `unknown`.
    fn ts(&self, _declarations: &mut Declarations) -> String {
        "unknown".to_owned()
    }
}

impl<T: ?Sized> TsUnknown for TsProbe<T> {}

/// `TS` for the crate's own wire types, which JavaScript sees as the client's classes.
macro_rules! named {
    ($($ty:ty => $name:expr),* $(,)?) => {$(
        impl TS for $ty {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn name() -> String {
                $name
            }
            fn inline() -> String {
                <Self as TS>::name()
            }
            fn inline_flattened() -> String {
                <Self as TS>::name()
            }
            fn decl() -> String {
                <Self as TS>::name()
            }
            fn decl_concrete() -> String {
                <Self as TS>::name()
            }
        }
    )*};
}

named! {
    ByteArray => "Uint8Array".to_owned(),
    JsStreamRef => "JSStreamReference".to_owned(),
    StreamRef => "DotNetStream".to_owned(),
}

/// `DotNetObject<HelloHelper>`; a generic impl's interface defaults its parameters to `unknown`.
impl<T: JsInvokable> TS for ObjectRef<T> {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name() -> String {
        format!("DotNetObject<{}>", T::TYPE_NAME)
    }
    fn inline() -> String {
        <Self as TS>::name()
    }
    fn inline_flattened() -> String {
        <Self as TS>::name()
    }
    fn decl() -> String {
        <Self as TS>::name()
    }
    fn decl_concrete() -> String {
        <Self as TS>::name()
    }
}

/// The part of the declarations that does not depend on the registry: the global `DotNet`
/// with its typed calls, the object and stream classes, and the client's other functions.
const PRELUDE: &str = include_str!("../js/typescript-prelude.d.ts");

/// One method's entry in a method table: `Name: { args: [...]; result: ...; async: ... };`.
fn method_entry(out: &mut String, identifier: &str, is_async: bool, signature: &TsSignature) {
    let args: Vec<String> = signature
        .params
        .iter()
        .map(|(label, ty)| format!("{label}: {ty}"))
        .collect();
    let _ = writeln!(
        out,
        "        {}: {{ args: [{}]; result: {}; async: {} }};",
        quoted(identifier),
        args.join(", "),
        signature.result,
        is_async
    );
}

/// The static methods of one assembly: every definition of each identifier (`async`, types);
/// an identifier defined twice is left out.
type StaticTable = BTreeMap<&'static str, Vec<(bool, TsSignature)>>;

/// An impl type and its instance methods: `(identifier, async, types)`.
type TypeTable = (&'static TsImpl, Vec<(String, bool, TsSignature)>);

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// The TypeScript declarations of every registered static method and every `#[jsinvokable]`
/// impl type: one self-contained `.d.ts` text declaring the global `DotNet`, so that page code
/// is typed by including only it. `DotNet.invokeMethodAsync('BlazorSample', 'ReturnArrayAsync')`
/// is then a `Promise<Array<number>>`, its arguments are checked, `invokeMethod` accepts only
/// sync methods, and `DotNet.DotNetObject<HelloHelper>` knows the methods of `HelloHelper`.
/// Duplicated `(assembly, identifier)` keys are left out, as calls to them fail.
pub fn typescript_declarations() -> String {
    let mut declarations = Declarations::default();
    let mut assemblies: BTreeMap<&str, StaticTable> = BTreeMap::new();
    for entry in inventory::iter::<TsStatic> {
        let signature = (entry.signature)(&mut declarations);
        for &identifier in entry.identifiers {
            let methods = assemblies.entry(entry.assembly).or_default();
            methods
                .entry(identifier)
                .or_default()
                .push((entry.is_async, signature.clone()));
        }
    }
    let mut types: BTreeMap<&str, TypeTable> = BTreeMap::new();
    for entry in inventory::iter::<TsImpl> {
        let methods = entry
            .methods
            .iter()
            .flat_map(|method| {
                let signature = (method.signature)(&mut declarations);
                method.identifiers.iter().map(move |identifier| {
                    ((*identifier).to_owned(), method.is_async, signature.clone())
                })
            })
            .collect();
        types.entry(entry.name).or_insert((entry, methods));
    }

    let mut out = String::from(PRELUDE);
    out.push_str("\ndeclare namespace DotNet {\n");
    out.push_str("    /** Every static method, by assembly and identifier. */\n");
    out.push_str("    interface StaticMethods {\n");
    for (assembly, methods) in &assemblies {
        let _ = writeln!(out, "    {}: {{", quoted(assembly));
        for (identifier, definitions) in methods {
            if let [(is_async, signature)] = definitions.as_slice() {
                method_entry(&mut out, identifier, *is_async, signature);
            }
        }
        out.push_str("    };\n");
    }
    out.push_str("    }\n");
    for (name, (entry, methods)) in &types {
        let generics = if entry.generics.is_empty() {
            String::new()
        } else {
            let defaults: Vec<String> = entry
                .generics
                .iter()
                .map(|name| format!("{name} = unknown"))
                .collect();
            format!("<{}>", defaults.join(", "))
        };
        let _ = writeln!(
            out,
            "    /** The methods of a `DotNetObject<{name}>`. */\n    interface {name}{generics} {{"
        );
        for (identifier, is_async, signature) in methods {
            method_entry(&mut out, identifier, *is_async, signature);
        }
        out.push_str("    }\n");
    }
    for declaration in declarations.declared.values() {
        let _ = writeln!(out, "    {declaration}");
    }
    out.push_str("}\n");
    // serde_json writes 64- and 128-bit integers as JSON numbers, which ts-rs calls `bigint`.
    out.replace("bigint", "number")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::{Deserialize, Serialize};
    use ts_rs::TS;

    use crate::{jsinvokable, ByteArray};

    #[derive(Serialize, Deserialize, TS)]
    #[serde(rename_all = "camelCase")]
    struct Renamed {
        first_name: String,
        #[serde(rename = "AGE")]
        age: u64,
        nickname: Option<String>,
        scores: HashMap<String, Vec<i32>>,
    }

    #[derive(Serialize, Deserialize, TS)]
    enum External {
        Unit,
        Pair(i32, String),
    }

    #[derive(Serialize, Deserialize, TS)]
    #[serde(tag = "kind")]
    enum Internal {
        Circle { radius: f64 },
    }

    #[derive(Serialize, Deserialize, TS)]
    #[serde(tag = "t", content = "c")]
    enum Adjacent {
        Number(i32),
    }

    #[derive(Serialize, Deserialize, TS)]
    #[serde(untagged)]
    enum Untagged {
        Text(String),
        Flag(bool),
    }

    #[derive(Serialize, Deserialize)]
    struct Opaque;

    #[jsinvokable("TsShapes", assembly = "TsTests", crate = "crate")]
    fn shapes(
        renamed: Renamed,
        external: External,
        internal: Internal,
        adjacent: Adjacent,
    ) -> Untagged {
        let _ = (renamed, external, internal, adjacent);
        Untagged::Flag(true)
    }

    #[jsinvokable("TsOpaque", assembly = "TsTests", crate = "crate")]
    async fn opaque(value: Opaque, bytes: ByteArray) -> Result<Vec<Opaque>, String> {
        let _ = bytes;
        Ok(vec![value])
    }

    #[test]
    fn serde_attributes_shape_the_declared_types() {
        let text = super::typescript_declarations();
        for expected in [
            r#""TsShapes": { args: [renamed: Renamed, external: External, internal: Internal, adjacent: Adjacent]; result: Untagged; async: false };"#,
            "type Renamed = { firstName: string, AGE: number, nickname: string | null, scores: { [key in string]?: Array<number> }, };",
            r#"type External = "Unit" | { "Pair": [number, string] };"#,
            r#"type Internal = { "kind": "Circle", radius: number, };"#,
            r#"type Adjacent = { "t": "Number", "c": number };"#,
            "type Untagged = string | boolean;",
            // No `TS`: `unknown`, also inside a `Vec`, and no compile error.
            r#""TsOpaque": { args: [value: unknown, bytes: Uint8Array]; result: unknown; async: true };"#,
        ] {
            assert!(text.contains(expected), "missing {expected} in\n{text}");
        }
    }
}
