use interop_runtime::jsinvokable;

#[jsinvokable("Greet", assembly = "First", assembly = "Second")]
pub fn greet() -> String {
    "hi".to_owned()
}

fn main() {}
