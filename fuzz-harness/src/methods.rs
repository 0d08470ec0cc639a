//! The `#[jsinvokable]` signatures the binding targets call (assembly `Fuzz`), each written
//! once over a [`Family`] of marker types: the runtime's own (`Real`) for the methods, the
//! reference binder's ([`crate::model`]) for the reference.

use std::fmt::Write as _;

use interop_runtime::{jsinvokable, ByteArray, JsObjectRef, JsStreamRef, ObjectRef};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The assembly of every method here.
pub const ASSEMBLY: &str = "Fuzz";

/// Writes what a bound value holds, the same way for the runtime's types and the model's.
pub trait Describe {
    /// Appends the description to `out`.
    fn describe(&self, out: &mut String);
}

macro_rules! describe_debug {
    ($($ty:ty),*) => {$(
        impl Describe for $ty {
            fn describe(&self, out: &mut String) {
                let _ = write!(out, "{self:?}");
            }
        }
    )*};
}
describe_debug!(i32, i64, u8, bool, char, f64, String, serde_json::Value);

impl<T: Describe> Describe for Option<T> {
    fn describe(&self, out: &mut String) {
        match self {
            None => out.push_str("None"),
            Some(value) => {
                out.push_str("Some(");
                value.describe(out);
                out.push(')');
            }
        }
    }
}

impl<T: Describe> Describe for Vec<T> {
    fn describe(&self, out: &mut String) {
        out.push('[');
        for (index, item) in self.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            item.describe(out);
        }
        out.push(']');
    }
}

macro_rules! describe_tuple {
    ($($name:ident),*) => {
        impl<$($name: Describe),*> Describe for ($($name,)*) {
            #[allow(non_snake_case)]
            fn describe(&self, out: &mut String) {
                let ($($name,)*) = self;
                out.push('(');
                $( $name.describe(out); out.push(';'); )*
                out.push(')');
            }
        }
    };
}
describe_tuple!();
describe_tuple!(A);
describe_tuple!(A, B);
describe_tuple!(A, B, C);

/// Describes an object reference (type and id).
pub fn describe_object(out: &mut String, type_name: &str, id: Option<u64>) {
    let _ = write!(out, "object {type_name} #{id:?}");
}

/// Describes bytes.
pub fn describe_bytes(out: &mut String, bytes: &[u8]) {
    let _ = write!(out, "bytes {bytes:?}");
}

/// Describes a JS object reference.
pub fn describe_js_object(out: &mut String, id: u64) {
    let _ = write!(out, "js object #{id}");
}

/// Describes a JS stream reference.
pub fn describe_js_stream(out: &mut String, id: u64, length: u64) {
    let _ = write!(out, "js stream #{id} of {length} bytes");
}

impl Describe for ObjectRef<Counter> {
    fn describe(&self, out: &mut String) {
        describe_object(out, "Counter", self.id());
    }
}

impl Describe for ObjectRef<Other> {
    fn describe(&self, out: &mut String) {
        describe_object(out, "Other", self.id());
    }
}

impl Describe for ByteArray {
    fn describe(&self, out: &mut String) {
        describe_bytes(out, self);
    }
}

impl Describe for JsObjectRef {
    fn describe(&self, out: &mut String) {
        describe_js_object(out, self.id());
    }
}

impl Describe for JsStreamRef {
    fn describe(&self, out: &mut String) {
        describe_js_stream(out, self.id(), self.len());
    }
}

/// A value a binding target binds: deserializable and describable.
pub trait Arg: DeserializeOwned + Describe {}
impl<T: DeserializeOwned + Describe> Arg for T {}

/// The marker types a signature's structs hold.
pub trait Family: 'static {
    /// `ObjectRef<Counter>`.
    type Counter: Arg;
    /// `ByteArray`.
    type Bytes: Arg;
    /// `JsObjectRef`.
    type JsObject: Arg;
}

/// The runtime's marker types.
#[derive(Debug)]
pub enum Real {}

impl Family for Real {
    type Counter = ObjectRef<Counter>;
    type Bytes = ByteArray;
    type JsObject = JsObjectRef;
}

/// A plain struct.
#[derive(Debug, Deserialize)]
pub struct Point {
    /// A number.
    pub x: i32,
    /// An optional text.
    pub y: Option<String>,
}

impl Describe for Point {
    fn describe(&self, out: &mut String) {
        out.push_str("Point{");
        self.x.describe(out);
        out.push(',');
        self.y.describe(out);
        out.push('}');
    }
}

/// A struct holding a byte array.
#[derive(Deserialize)]
#[serde(bound = "")]
pub struct Upload<F: Family> {
    /// A name.
    pub name: String,
    /// The bytes.
    pub data: F::Bytes,
}

impl<F: Family> Describe for Upload<F> {
    fn describe(&self, out: &mut String) {
        out.push_str("Upload{");
        self.name.describe(out);
        out.push(',');
        self.data.describe(out);
        out.push('}');
    }
}

/// A struct holding markers of every kind, nested.
#[derive(Deserialize)]
#[serde(bound = "")]
pub struct Nest<F: Family> {
    /// Object references, maybe.
    pub refs: Option<Vec<F::Counter>>,
    /// A JS object, maybe.
    pub js: Option<F::JsObject>,
    /// Plain structs.
    #[serde(default)]
    pub points: Vec<Point>,
}

impl<F: Family> Describe for Nest<F> {
    fn describe(&self, out: &mut String) {
        out.push_str("Nest{");
        self.refs.describe(out);
        out.push(',');
        self.js.describe(out);
        out.push(',');
        self.points.describe(out);
        out.push('}');
    }
}

/// The object type most signatures take references to.
#[derive(Debug, Default)]
pub struct Counter {
    count: u64,
}

#[jsinvokable]
impl Counter {
    /// Counts one more.
    #[jsinvokable("Increment")]
    pub fn increment(&mut self) -> u64 {
        self.count += 1;
        self.count
    }
}

/// Another object type (a reference to it given for a `Counter` is refused).
#[derive(Debug, Default)]
pub struct Other;

#[jsinvokable]
impl Other {
    /// Names the type.
    #[jsinvokable("Name")]
    pub fn name(&self) -> &'static str {
        "Other"
    }
}

/// Creates the objects every binding run starts with: two counters and one other.
#[jsinvokable("Setup", assembly = "Fuzz")]
pub fn setup() -> (ObjectRef<Counter>, ObjectRef<Counter>, ObjectRef<Other>) {
    (
        ObjectRef::new(Counter::default()),
        ObjectRef::new(Counter::default()),
        ObjectRef::new(Other),
    )
}

fn described<T: Describe>(value: T) -> String {
    let mut out = String::new();
    value.describe(&mut out);
    out
}

/// Scalars only: the one-pass tuple bind without a survey.
#[jsinvokable("Scalars", assembly = "Fuzz")]
pub fn scalars(a: i32, b: String, c: bool) -> String {
    described((a, b, c))
}

/// Optional scalars: the scalar path too.
#[jsinvokable("Options", assembly = "Fuzz")]
pub fn options(a: Option<f64>, b: Option<u8>, c: char) -> String {
    described((a, b, c))
}

/// A struct and a vector: the surveyed one-pass bind.
#[jsinvokable("Structs", assembly = "Fuzz")]
pub fn structs(a: Point, b: Vec<i64>) -> String {
    described((a, b))
}

/// Object references.
#[jsinvokable("Refs", assembly = "Fuzz")]
pub fn refs(a: ObjectRef<Counter>, b: Option<ObjectRef<Counter>>) -> String {
    described((a, b))
}

/// A byte array, and one nested in a struct.
#[jsinvokable("Bytes", assembly = "Fuzz")]
pub fn bytes(a: ByteArray, b: Upload<Real>) -> String {
    described((a, b))
}

/// A JS object and a JS stream.
#[jsinvokable("JsRefs", assembly = "Fuzz")]
pub fn js_refs(a: JsObjectRef, b: Option<JsStreamRef>) -> String {
    described((a, b))
}

/// Structs holding byte arrays, and any JSON value.
#[jsinvokable("Mixed", assembly = "Fuzz")]
pub fn mixed(a: Vec<Upload<Real>>, b: serde_json::Value) -> String {
    described((a, b))
}

/// Markers nested in a struct, and a vector of object references.
#[jsinvokable("Nested", assembly = "Fuzz")]
pub fn nested(a: Nest<Real>, b: Vec<ObjectRef<Counter>>) -> String {
    described((a, b))
}

/// A reference to another type, and a plain struct.
#[jsinvokable("Others", assembly = "Fuzz")]
pub fn others(a: ObjectRef<Other>, b: Point) -> String {
    described((a, b))
}

/// No parameters (extra arguments ignored unless `strict_arguments`).
#[jsinvokable("NoArgs", assembly = "Fuzz")]
pub fn no_args() -> String {
    described(())
}

/// One `ObjectRef<Counter>`.
#[jsinvokable("OneRef", assembly = "Fuzz")]
pub fn one_ref(a: ObjectRef<Counter>) -> String {
    described((a,))
}

/// One optional `ObjectRef<Counter>`.
#[jsinvokable("MaybeRef", assembly = "Fuzz")]
pub fn maybe_ref(a: Option<ObjectRef<Counter>>) -> String {
    described((a,))
}

/// One byte array.
#[jsinvokable("OneBytes", assembly = "Fuzz")]
pub fn one_bytes(a: ByteArray) -> String {
    described((a,))
}

/// One JS object.
#[jsinvokable("OneJsObject", assembly = "Fuzz")]
pub fn one_js_object(a: Option<JsObjectRef>) -> String {
    described((a,))
}

/// One JS stream.
#[jsinvokable("OneJsStream", assembly = "Fuzz")]
pub fn one_js_stream(a: JsStreamRef) -> String {
    described((a,))
}

/// One JSON value (a plain parameter: a top-level object reference is refused).
#[jsinvokable("OneValue", assembly = "Fuzz")]
pub fn one_value(a: serde_json::Value) -> String {
    described((a,))
}

/// An object whose methods are the signatures above again (the instance-call path).
#[derive(Debug, Default)]
pub struct Binder;

#[jsinvokable]
impl Binder {
    /// Scalars only: the one-pass tuple bind without a survey.
    #[jsinvokable("Scalars")]
    pub fn scalars(&self, a: i32, b: String, c: bool) -> String {
        described((a, b, c))
    }

    /// Optional scalars: the scalar path too.
    #[jsinvokable("Options")]
    pub fn options(&self, a: Option<f64>, b: Option<u8>, c: char) -> String {
        described((a, b, c))
    }

    /// A struct and a vector: the surveyed one-pass bind.
    #[jsinvokable("Structs")]
    pub fn structs(&self, a: Point, b: Vec<i64>) -> String {
        described((a, b))
    }

    /// Object references.
    #[jsinvokable("Refs")]
    pub fn refs(&self, a: ObjectRef<Counter>, b: Option<ObjectRef<Counter>>) -> String {
        described((a, b))
    }

    /// A byte array, and one nested in a struct.
    #[jsinvokable("Bytes")]
    pub fn bytes(&self, a: ByteArray, b: Upload<Real>) -> String {
        described((a, b))
    }

    /// A JS object and a JS stream.
    #[jsinvokable("JsRefs")]
    pub fn js_refs(&self, a: JsObjectRef, b: Option<JsStreamRef>) -> String {
        described((a, b))
    }

    /// Structs holding byte arrays, and any JSON value.
    #[jsinvokable("Mixed")]
    pub fn mixed(&self, a: Vec<Upload<Real>>, b: serde_json::Value) -> String {
        described((a, b))
    }

    /// Markers nested in a struct, and a vector of object references.
    #[jsinvokable("Nested")]
    pub fn nested(&self, a: Nest<Real>, b: Vec<ObjectRef<Counter>>) -> String {
        described((a, b))
    }

    /// A reference to another type, and a plain struct.
    #[jsinvokable("Others")]
    pub fn others(&self, a: ObjectRef<Other>, b: Point) -> String {
        described((a, b))
    }

    /// No parameters (extra arguments ignored unless `strict_arguments`).
    #[jsinvokable("NoArgs")]
    pub fn no_args(&self) -> String {
        described(())
    }

    /// One `ObjectRef<Counter>`.
    #[jsinvokable("OneRef")]
    pub fn one_ref(&self, a: ObjectRef<Counter>) -> String {
        described((a,))
    }

    /// One optional `ObjectRef<Counter>`.
    #[jsinvokable("MaybeRef")]
    pub fn maybe_ref(&self, a: Option<ObjectRef<Counter>>) -> String {
        described((a,))
    }

    /// One byte array.
    #[jsinvokable("OneBytes")]
    pub fn one_bytes(&self, a: ByteArray) -> String {
        described((a,))
    }

    /// One JS object.
    #[jsinvokable("OneJsObject")]
    pub fn one_js_object(&self, a: Option<JsObjectRef>) -> String {
        described((a,))
    }

    /// One JS stream.
    #[jsinvokable("OneJsStream")]
    pub fn one_js_stream(&self, a: JsStreamRef) -> String {
        described((a,))
    }

    /// One JSON value (a plain parameter: a top-level object reference is refused).
    #[jsinvokable("OneValue")]
    pub fn one_value(&self, a: serde_json::Value) -> String {
        described((a,))
    }
}

/// The object the instance-call path calls (tracked as id 4 after [`setup`]).
#[jsinvokable("NewBinder", assembly = "Fuzz")]
pub fn new_binder() -> ObjectRef<Binder> {
    ObjectRef::new(Binder)
}

/// Async: asks JavaScript (`answer`) and returns what it said.
#[jsinvokable("Ask", assembly = "Fuzz")]
pub async fn ask(runtime: interop_runtime::JsRuntime) -> Result<String, interop_runtime::JsError> {
    runtime.invoke::<String>("answer", ()).await
}

/// Async: reads a JS stream to its end (at most 4 KiB) and describes its bytes.
#[jsinvokable("ReadStream", assembly = "Fuzz")]
pub async fn read_stream(stream: JsStreamRef) -> Result<String, std::io::Error> {
    use futures_util::AsyncReadExt as _;
    let mut reader = stream
        .open_read_stream(4096)
        .map_err(std::io::Error::other)?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).await?;
    Ok(described((ByteArray::from(bytes),)))
}
