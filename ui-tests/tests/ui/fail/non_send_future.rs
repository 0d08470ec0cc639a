use std::rc::Rc;

use interop_runtime::jsinvokable;

async fn tick() {}

#[jsinvokable("CountAsync")]
pub async fn count_async() -> usize {
    let shared = Rc::new(1);
    tick().await;
    Rc::strong_count(&shared)
}

fn main() {}
