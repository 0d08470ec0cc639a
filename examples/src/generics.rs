//! Sample 6: methods of a generic type, one method table per instance type.

use std::fmt::Debug;
use std::sync::Mutex;

use interop_runtime::{jsinvokable, JsError, JsRuntime, ObjectRef};
use serde::de::DeserializeOwned;

/// `GenericType<TValue>` with a value JavaScript updates.
pub struct GenericType<T> {
    value: Mutex<T>,
}

impl<T: Clone> GenericType<T> {
    /// A holder of `value`.
    pub fn new(value: T) -> Self {
        GenericType {
            value: Mutex::new(value),
        }
    }

    /// The current value.
    pub fn value(&self) -> T {
        self.value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set(&self, value: T) {
        *self
            .value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = value;
    }
}

#[jsinvokable]
impl<T: DeserializeOwned + Debug + Clone + Send + Sync + 'static> GenericType<T> {
    /// Sets the value synchronously.
    #[jsinvokable("Update")]
    pub fn update(&self, new_value: T) {
        println!(
            "Update: GenericType<{}>: {new_value:?}",
            std::any::type_name::<T>()
        );
        self.set(new_value);
    }

    /// Sets the value asynchronously.
    #[jsinvokable("UpdateAsync")]
    pub async fn update_async(&self, new_value: T) {
        println!(
            "UpdateAsync: GenericType<{}>: {new_value:?}",
            std::any::type_name::<T>()
        );
        self.set(new_value);
    }
}

/// The component's `InvokeInterop`: hands a `GenericType<String>` ("string 0") and a
/// `GenericType<i32>` (0) to `invokeMethodsAsync` and returns both values afterwards.
pub async fn invoke_interop(js: &JsRuntime, sync_interop: bool) -> Result<(String, i32), JsError> {
    let generic_type1 = ObjectRef::new(GenericType::new("string 0".to_owned()));
    let generic_type2 = ObjectRef::new(GenericType::new(0i32));
    let result = js
        .invoke_void(
            "invokeMethodsAsync",
            (sync_interop, &generic_type1, &generic_type2),
        )
        .await;
    let values =
        value_of(&generic_type1).and_then(|one| value_of(&generic_type2).map(|two| (one, two)));
    generic_type1.dispose();
    generic_type2.dispose();
    result.and(values)
}

/// The value of `holder` now. The page may keep the reference and call it again at any time
/// (on a multi-threaded host, while this runs): `try_borrow` reports a call holding the object
/// exclusively as an error, where `borrow` would panic.
fn value_of<T>(holder: &ObjectRef<GenericType<T>>) -> Result<T, JsError>
where
    T: DeserializeOwned + Debug + Clone + Send + Sync + 'static,
{
    let holder = holder.try_borrow().ok_or_else(|| {
        JsError::Result(format!(
            "The GenericType<{}> is busy with a call from the page; try again.",
            std::any::type_name::<T>()
        ))
    })?;
    Ok(holder.value())
}
