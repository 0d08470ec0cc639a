use interop_runtime::jsinvokable;

#[jsinvokable]
pub const ANSWER: u32 = 42;

fn main() {}
