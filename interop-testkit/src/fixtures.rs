//! The `#[jsinvokable]` items the conformance suite calls (assembly `Conformance`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use interop_runtime::{jsinvokable, ByteArray, JsRuntime, ObjectRef};
use serde::{Deserialize, Serialize};

/// A plain data type crossing the boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// Name.
    pub name: String,
    /// Age.
    pub age: u32,
}

/// Returns its argument.
#[jsinvokable("Echo", assembly = "Conformance")]
pub fn echo(text: String) -> String {
    text
}

/// Builds a person.
#[jsinvokable("AddPerson", assembly = "Conformance")]
pub fn add_person(name: String, age: u32) -> Person {
    Person { name, age }
}

/// Async, no result.
#[jsinvokable("AsyncVoid", assembly = "Conformance")]
pub async fn async_void() {}

/// Returns a new counter object.
#[jsinvokable("NewCounter", assembly = "Conformance")]
pub fn new_counter(start: u64) -> ObjectRef<Counter> {
    ObjectRef::new(Counter { value: AtomicU64::new(start), log: Mutex::new(Vec::new()) })
}

/// Bytes in, length and bytes out.
#[jsinvokable("ReverseBytes", assembly = "Conformance")]
pub fn reverse_bytes(bytes: ByteArray) -> ByteArray {
    let mut bytes = bytes.into_vec();
    bytes.reverse();
    ByteArray::from(bytes)
}

/// Calls JavaScript back with the runtime it was called from.
#[jsinvokable("CallBack", assembly = "Conformance")]
pub async fn call_back(runtime: JsRuntime, identifier: String) -> Result<String, interop_runtime::JsError> {
    runtime.invoke::<String>(&identifier, ()).await
}

/// An object with shared state.
pub struct Counter {
    value: AtomicU64,
    log: Mutex<Vec<String>>,
}

#[jsinvokable]
impl Counter {
    /// Adds and returns the new value.
    #[jsinvokable("Add")]
    pub fn add(&self, amount: u64) -> u64 {
        self.value.fetch_add(amount, Ordering::SeqCst) + amount
    }

    /// Async read.
    #[jsinvokable("GetAsync")]
    pub async fn get_async(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }

    /// Sync write through `&mut self`.
    #[jsinvokable("Reset")]
    pub fn reset(&mut self, note: String) {
        *self.value.get_mut() = 0;
        self.log.lock().unwrap().push(note);
    }
}
