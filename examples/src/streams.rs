//! Stream JS → Rust: JavaScript's data copied to a file as a stream (sample 11).

use std::path::Path;

use interop_runtime::{JsRuntime, JsStreamRef};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The `max_allowed_size` the sample opens the stream with: the 10,000,000 bytes of
/// `streamToDotNet()`.
pub const SAMPLE_MAX_ALLOWED_SIZE: u64 = 10_000_000;

/// What was written: the byte count and the SHA-256 of the bytes, in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of the file's content, lowercase hex.
    pub sha256: String,
}

/// Calls `streamToDotNet()` asking for a stream reference, opens it with `max_allowed_size`
/// and copies it into `path` (the reference's `OpenReadStream` + `CopyToAsync`).
pub async fn stream_to_file(
    js: &JsRuntime,
    path: &Path,
    max_allowed_size: u64,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let data: JsStreamRef = js.invoke("streamToDotNet", ()).await?;
    let mut reader = data.open_read_stream(max_allowed_size)?;
    let mut file = tokio::fs::File::create(path).await?;
    let copied = tokio::io::copy(&mut reader, &mut file).await?;
    file.flush().await?;
    Ok(copied)
}

/// The byte count and SHA-256 of a file.
pub fn file_summary(path: &Path) -> std::io::Result<Written> {
    let content = std::fs::read(path)?;
    Ok(Written {
        bytes: content.len() as u64,
        sha256: sha256_hex(&content),
    })
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
