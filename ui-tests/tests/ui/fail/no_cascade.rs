// A mistake inside an annotated impl is reported once: the type still gets an (empty) method
// table, so its uses elsewhere raise no further errors.
use interop_runtime::{jsinvokable, ObjectRef};

pub struct Helper {
    name: String,
}

#[jsinvokable]
impl Helper {
    #[jsinvokable("GetName")]
    pub fn get_name(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.name)
    }
}

pub fn hand_out() -> ObjectRef<Helper> {
    ObjectRef::new(Helper { name: "Amy".to_owned() })
}

fn main() {}
