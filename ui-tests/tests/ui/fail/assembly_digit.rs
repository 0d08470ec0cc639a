use interop_runtime::jsinvokable;

#[jsinvokable("Greet", assembly = "1Sample")]
pub fn greet() -> String {
    "hi".to_owned()
}

fn main() {}
