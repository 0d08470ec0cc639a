use interop_runtime::jsinvokable;

#[jsinvokable("Greet", foo = "x")]
pub fn greet() -> String {
    "hi".to_owned()
}

fn main() {}
