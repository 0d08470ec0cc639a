//! Sample 10: a byte array sent by JavaScript arrives as bytes, never as base64.

use interop_runtime::{jsinvokable, ByteArray};

/// `DotNet.invokeMethodAsync('BlazorSample', 'ReceiveByteArray', data)` → the UTF-8 text.
#[jsinvokable("ReceiveByteArray", assembly = "BlazorSample")]
pub async fn receive_byte_array(received_bytes: ByteArray) -> String {
    String::from_utf8_lossy(&received_bytes).into_owned()
}

/// The bytes of the seed's `sendByteArray` (they spell "Captian").
pub const SEED_BYTES: [u8; 41] = *b"Everything's shiny, Captian. Not to fret.";
