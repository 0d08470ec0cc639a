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
}

#[jsinvokable]
impl Helper {
    #[jsinvokable("GetLength")]
    pub fn get_length(&self) -> usize {
        self.name.len()
    }
}

fn main() {}
