use interop_runtime::jsinvokable;

pub struct Holder<T> {
    value: std::sync::Mutex<Option<T>>,
}

#[jsinvokable]
impl<T> Holder<T> {
    #[jsinvokable("Set")]
    pub fn set(&self, value: T) {
        *self.value.lock().unwrap() = Some(value);
    }
}

fn main() {}
