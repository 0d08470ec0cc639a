use interop_runtime::jsinvokable;

pub trait Greeter {
    fn greet(&self) -> String;
}

pub struct Helper;

#[jsinvokable]
impl Greeter for Helper {
    #[jsinvokable("Greet")]
    fn greet(&self) -> String {
        "hi".to_owned()
    }
}

fn main() {}
