use interop_runtime::jsinvokable;

pub struct Helper {
    name: String,
}

#[jsinvokable]
impl Helper {
    #[jsinvokable("IntoName")]
    pub fn into_name(self) -> String {
        self.name
    }
}

fn main() {}
