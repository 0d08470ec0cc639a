use interop_runtime::jsinvokable;

#[jsinvokable(Name)]
pub fn by_path() -> u32 {
    1
}

#[jsinvokable(42)]
pub fn by_number() -> u32 {
    2
}

fn main() {}
