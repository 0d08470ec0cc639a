use interop_runtime::jsinvokable;

#[jsinvokable]
pub trait Greeter {
    fn greet(&self) -> String;
}

fn main() {}
