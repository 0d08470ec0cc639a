use interop_runtime::jsinvokable;

pub struct Helper;

impl Helper {
    #[jsinvokable("Create")]
    pub fn create() -> u32 {
        0
    }
}

fn main() {}
