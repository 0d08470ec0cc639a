// Compiles with the runtime's feature `typescript` on and off. With it on, the declarations
// hold every method: a type without `ts_rs::TS` is `unknown` (no compile error), a generic
// impl is declared generic, `Self` and types built from a type parameter are `unknown`.
use interop_runtime::{jsinvokable, ByteArray, ObjectRef};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct NotExported {
    pub value: i32,
}

#[jsinvokable("Echo", "EchoAlias", assembly = "Ts")]
pub fn echo(value: NotExported, bytes: ByteArray, count: Option<u32>) -> Result<NotExported, String> {
    let _ = (bytes, count);
    Ok(value)
}

#[jsinvokable(assembly = "Ts")]
pub async fn nothing() {}

pub struct Holder<T> {
    value: T,
}

#[jsinvokable]
impl<T: serde::de::DeserializeOwned + Serialize + Clone + Send + Sync + 'static> Holder<T> {
    #[jsinvokable("Get")]
    pub fn get(&self) -> T {
        self.value.clone()
    }

    #[jsinvokable("Wrap")]
    pub fn wrap(&self, values: Vec<T>) -> Vec<T> {
        values
    }
}

pub struct Plain;

#[jsinvokable(assembly = "Ts")]
impl Plain {
    #[jsinvokable("Make")]
    pub fn make() -> ObjectRef<Plain> {
        ObjectRef::new(Plain)
    }

    #[jsinvokable("Me")]
    pub fn me(&self, other: Option<String>) -> bool {
        other.is_some()
    }
}

fn main() {
    #[cfg(feature = "typescript")]
    {
        let text = interop_runtime::typescript_declarations();
        for expected in [
            r#""Echo": { args: [value: unknown, bytes: Uint8Array, count: number | null]; result: unknown; async: false };"#,
            r#""EchoAlias": { args: [value: unknown, bytes: Uint8Array, count: number | null]; result: unknown; async: false };"#,
            r#""nothing": { args: []; result: null; async: true };"#,
            r#""Make": { args: []; result: DotNetObject<Plain>; async: false };"#,
            "interface Holder<T = unknown> {",
            r#""Get": { args: []; result: T; async: false };"#,
            r#""Wrap": { args: [values: unknown]; result: unknown; async: false };"#,
            r#""Me": { args: [other: string | null]; result: boolean; async: false };"#,
        ] {
            assert!(text.contains(expected), "missing {expected} in\n{text}");
        }
    }
}
