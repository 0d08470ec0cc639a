use interop_runtime::jsinvokable;

pub struct Helper {
    name: String,
}

#[jsinvokable]
impl Helper {
    #[jsinvokable("GetName")]
    pub fn get_name(&self) -> String {
        self.name.clone()
    }

    #[jsinvokable("GetName")]
    pub fn get_upper_name(&self) -> String {
        self.name.to_uppercase()
    }
}

fn main() {}
