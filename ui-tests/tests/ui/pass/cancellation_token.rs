// A `CancellationToken` parameter, owned or borrowed, anywhere among the arguments of an
// `async fn`, free or a method, with a `JsRuntime` beside it.

use interop_runtime::{jsinvokable, CancellationToken, JsRuntime};

#[jsinvokable("Owned", assembly = "UiTests")]
pub async fn owned(cancel: CancellationToken, text: String) -> String {
    cancel.cancelled().await;
    text
}

#[jsinvokable("Borrowed", assembly = "UiTests")]
pub async fn borrowed(count: u32, cancel: &CancellationToken, js: &JsRuntime) -> u32 {
    let _ = js.is_closed();
    if cancel.is_cancelled() { 0 } else { count }
}

pub struct Worker;

#[jsinvokable]
impl Worker {
    #[jsinvokable("Step")]
    pub async fn step(&self, cancel: CancellationToken) -> bool {
        cancel.is_cancelled()
    }
}

pub struct Generic<T>(T);

#[jsinvokable]
impl<T: Clone + serde::Serialize + Send + Sync + 'static> Generic<T> {
    #[jsinvokable("Value")]
    pub async fn value(&self, cancel: &CancellationToken) -> Option<T> {
        (!cancel.is_cancelled()).then(|| self.0.clone())
    }
}

fn main() {}
