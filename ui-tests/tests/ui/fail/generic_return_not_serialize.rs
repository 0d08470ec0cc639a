use interop_runtime::jsinvokable;

pub struct Holder<T> {
    value: std::sync::Mutex<T>,
}

#[jsinvokable]
impl<T: Clone + Send + 'static> Holder<T> {
    #[jsinvokable("Get")]
    pub fn get(&self) -> T {
        self.value.lock().unwrap().clone()
    }
}

fn main() {}
