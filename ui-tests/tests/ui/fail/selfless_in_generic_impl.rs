use interop_runtime::jsinvokable;

pub struct Wrapper<T> {
    value: T,
}

#[jsinvokable]
impl<T: serde::Serialize + Clone + Send + Sync + 'static> Wrapper<T> {
    #[jsinvokable("Get")]
    pub fn get(&self) -> T {
        self.value.clone()
    }

    #[jsinvokable("Create")]
    pub fn create() -> u32 {
        0
    }
}

fn main() {}
