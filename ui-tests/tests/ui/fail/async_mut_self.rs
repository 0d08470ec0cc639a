use interop_runtime::jsinvokable;

pub struct Counter {
    value: u64,
}

#[jsinvokable]
impl Counter {
    #[jsinvokable("IncrementAsync")]
    pub async fn increment_async(&mut self) -> u64 {
        self.value += 1;
        self.value
    }
}

fn main() {}
