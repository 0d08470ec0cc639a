use std::cell::Cell;

use interop_runtime::jsinvokable;

pub struct Counter {
    value: Cell<u64>,
}

#[jsinvokable]
impl Counter {
    #[jsinvokable("Get")]
    pub fn get(&self) -> u64 {
        self.value.get()
    }
}

fn main() {}
