use interop_runtime::jsinvokable;

#[jsinvokable]
pub fn echo<T: serde::de::DeserializeOwned + serde::Serialize>(value: T) -> T {
    value
}

fn main() {}
