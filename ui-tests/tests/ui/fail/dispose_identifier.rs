use interop_runtime::jsinvokable;

pub struct Helper;

#[jsinvokable]
impl Helper {
    #[jsinvokable("__Dispose")]
    pub fn dispose(&self) {}
}

fn main() {}
