use interop_runtime::jsinvokable;

pub struct Helper;

#[jsinvokable]
impl Helper {
    #[jsinvokable("Greet", assembly = "Elsewhere", crate = "interop_runtime")]
    pub fn greet(&self) -> String {
        "hi".to_owned()
    }
}

fn main() {}
