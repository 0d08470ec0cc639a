use interop_runtime::jsinvokable;

#[jsinvokable]
pub struct Helper {
    pub name: String,
}

fn main() {}
