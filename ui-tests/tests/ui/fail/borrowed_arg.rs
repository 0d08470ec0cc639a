use interop_runtime::jsinvokable;

#[jsinvokable("Shout")]
pub fn shout(text: &str) -> String {
    text.to_uppercase()
}

fn main() {}
