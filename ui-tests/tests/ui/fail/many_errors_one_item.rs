use interop_runtime::jsinvokable;

#[jsinvokable("Mangle")]
pub unsafe fn mangle(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

fn main() {}
