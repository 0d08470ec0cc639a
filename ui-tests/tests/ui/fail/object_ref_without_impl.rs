use interop_runtime::ObjectRef;

pub struct Plain {
    pub name: String,
}

fn main() {
    let _helper = ObjectRef::new(Plain { name: "Amy".to_owned() });
}
