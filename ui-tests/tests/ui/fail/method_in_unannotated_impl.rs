use interop_runtime::jsinvokable;

pub struct Helper {
    name: String,
}

impl Helper {
    #[jsinvokable("GetName")]
    pub fn get_name(&self) -> String {
        self.name.clone()
    }
}

fn main() {}
