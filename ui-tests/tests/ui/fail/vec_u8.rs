use interop_runtime::jsinvokable;

#[jsinvokable("ReceiveBytes")]
pub fn receive_bytes(bytes: Vec<u8>) -> usize {
    bytes.len()
}

#[jsinvokable("SendBytes")]
pub fn send_bytes() -> Vec<u8> {
    vec![1, 2, 3]
}

fn main() {}
