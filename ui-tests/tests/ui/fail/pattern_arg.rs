use interop_runtime::jsinvokable;

#[jsinvokable("Sum")]
pub fn sum((a, b): (i32, i32)) -> i32 {
    a + b
}

fn main() {}
