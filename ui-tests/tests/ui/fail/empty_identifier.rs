use interop_runtime::jsinvokable;

#[jsinvokable("")]
pub fn nameless() -> u32 {
    1
}

fn main() {}
