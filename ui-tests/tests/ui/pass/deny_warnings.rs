//! The expansion must stay clean in crates that deny warnings, missing docs and unreachable
//! `pub` items.
#![deny(warnings, missing_docs, unreachable_pub)]

use interop_runtime::{jsinvokable, ByteArray, JsRuntime, ObjectRef};

/// Adds two numbers.
#[jsinvokable("Add", assembly = "Clean")]
pub fn add(a: i32, b: i32) -> i32 {
    a + b
}

/// Waits, then answers.
#[jsinvokable("AnswerAsync", "Answer42", assembly = "Clean")]
pub async fn answer_async(_runtime: JsRuntime) -> Result<u32, String> {
    Ok(42)
}

/// Counts bytes.
#[jsinvokable(assembly = "Clean")]
pub fn count_bytes(bytes: ByteArray, _unused: Option<String>) -> usize {
    bytes.into_vec().len()
}

/// An object JavaScript can call.
pub struct Greeter {
    /// Who is greeted.
    pub name: String,
}

#[jsinvokable(assembly = "Clean")]
impl Greeter {
    /// Greets.
    #[jsinvokable("Greet")]
    pub fn greet(&self) -> String {
        format!("Hello, {}!", self.name)
    }

    /// Renames.
    #[jsinvokable("Rename")]
    pub fn rename(&mut self, name: String) {
        self.name = name;
    }

    /// Greets later.
    #[jsinvokable("GreetAsync")]
    pub async fn greet_async(&self, _runtime: &JsRuntime) -> String {
        self.greet()
    }

    /// Makes one.
    #[jsinvokable("NewGreeter")]
    pub fn new_greeter(name: String) -> ObjectRef<Greeter> {
        ObjectRef::new(Greeter { name })
    }
}

/// A generic object.
pub struct Holder<T> {
    /// The held value.
    pub value: std::sync::Mutex<T>,
}

#[jsinvokable]
impl<T> Holder<T>
where
    T: serde::de::DeserializeOwned + serde::Serialize + Clone + Send + 'static,
{
    /// Replaces the value.
    #[jsinvokable("Set")]
    pub fn set(&self, value: T) {
        *self.value.lock().unwrap() = value;
    }

    /// Reads the value.
    #[jsinvokable("Get")]
    pub async fn get(&self) -> T {
        self.value.lock().unwrap().clone()
    }
}

/// No exposed methods.
pub struct Empty;

#[jsinvokable]
impl Empty {}

fn main() {
    let _ = ObjectRef::new(Holder { value: std::sync::Mutex::new(1u8) });
    let _ = ObjectRef::new(Empty);
}
