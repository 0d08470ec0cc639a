//! Stream JS → Rust: JavaScript's data copied to a file as a stream (sample 11).

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;

use interop_runtime::{JsRuntime, JsStreamRef};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
#[cfg(not(target_arch = "wasm32"))]
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
/// and copies it into `path` (the reference's `OpenReadStream` + `CopyToAsync`). Native only:
/// in the page, see [`stream_to_memory`].
#[cfg(not(target_arch = "wasm32"))]
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

/// Calls `streamToDotNet()` asking for a stream reference, opens it with `max_allowed_size`
/// and reads all of it into memory: sample 11 where there is no file system (in the page).
pub async fn stream_to_memory(
    js: &JsRuntime,
    max_allowed_size: u64,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let data: JsStreamRef = js.invoke("streamToDotNet", ()).await?;
    let mut reader = data.open_read_stream(max_allowed_size)?;
    let mut content = Vec::with_capacity(usize::try_from(data.len()).unwrap_or(0));
    reader.read_to_end(&mut content).await?;
    Ok(content)
}

/// The byte count and SHA-256 of `content`.
pub fn summary(content: &[u8]) -> Written {
    Written {
        bytes: content.len() as u64,
        sha256: sha256_hex(content),
    }
}

/// The byte count and SHA-256 of a file.
#[cfg(not(target_arch = "wasm32"))]
pub fn file_summary(path: &Path) -> std::io::Result<Written> {
    Ok(summary(&std::fs::read(path)?))
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The fewest bytes read between two progress reports of [`read_and_hash`]: 256 KiB.
pub const MIN_PROGRESS_STEP: u64 = 256 * 1024;

/// Opens `data` with `max_allowed_size` and reads all of it, hashing as it goes; the byte
/// count and SHA-256 of what arrived.
///
/// `progress(read, total)` is called as the bytes arrive: each time another hundredth of the
/// data (at least [`MIN_PROGRESS_STEP`] bytes) was read, and once with `read == total` at the
/// end, so at most about 100 times however large the data. It runs between reads, so it should
/// not wait (a fire-and-forget call to the page is fine).
///
/// Fails with the reference's text when the data is longer than `max_allowed_size` (before any
/// byte moves), and with the stream's error when a chunk fails.
pub async fn read_and_hash(
    data: &JsStreamRef,
    max_allowed_size: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<Written, Box<dyn std::error::Error + Send + Sync>> {
    let total = data.len();
    let step = (total / 100).max(MIN_PROGRESS_STEP);
    let mut reader = data.open_read_stream(max_allowed_size)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    let (mut read, mut reported) = (0u64, 0u64);
    loop {
        let count = reader.read(&mut buffer).await?;
        if count == 0 {
            break;
        }
        hasher.update(&buffer[..count]);
        read += count as u64;
        if read - reported >= step && read < total {
            progress(read, total);
            reported = read;
        }
    }
    progress(read, total);
    Ok(Written {
        bytes: read,
        sha256: hex(&hasher.finalize()),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use interop_quickjs::{Engine, EngineOptions};

    /// Reads JavaScript's `data()` (created by `setup`) with `read_and_hash`, recording every
    /// progress report.
    fn read(setup: &str, max_allowed_size: u64) -> (Result<Written, String>, Vec<(u64, u64)>) {
        let engine = Engine::new(EngineOptions::default()).expect("the engine starts");
        engine
            .eval_script("setup.js", setup)
            .expect("the setup runs");
        let js = engine.runtime().clone();
        engine
            .block_on(async move {
                let data: JsStreamRef = js.invoke("data", ()).await.map_err(|e| e.to_string())?;
                let mut reports = Vec::new();
                let written = read_and_hash(&data, max_allowed_size, |read, total| {
                    reports.push((read, total));
                })
                .await
                .map_err(|error| error.to_string());
                Ok::<_, String>((written, reports))
            })
            .expect("JavaScript offers the data")
    }

    #[test]
    fn progress_is_reported_in_steps_then_once_at_the_end() {
        let (written, reports) = read(
            "window.data = () => { const d = new Uint8Array(3000000); for (let i = 0; i < d.length; i++) d[i] = i % 251; return d; };",
            3_000_000,
        );
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            written,
            Ok(Written {
                bytes: 3_000_000,
                sha256: sha256_hex(&bytes)
            })
        );
        // 3,000,000 / 100 is under the minimum step: one report per 256 KiB, then the end.
        assert_eq!(reports.len(), 12, "{reports:?}");
        assert!(reports
            .windows(2)
            .all(|pair| pair[1].0 - pair[0].0 >= MIN_PROGRESS_STEP || pair[1].0 == 3_000_000));
        assert!(reports.iter().all(|&(_, total)| total == 3_000_000));
        assert_eq!(reports.last(), Some(&(3_000_000, 3_000_000)));
    }

    #[test]
    fn small_data_is_reported_once_and_data_over_the_limit_never() {
        let (written, reports) = read("window.data = () => new Uint8Array(1000).fill(7);", 1000);
        assert_eq!(written.map(|w| w.bytes), Ok(1000));
        assert_eq!(reports, [(1000, 1000)]);

        let (written, reports) = read("window.data = () => new Uint8Array(1001);", 1000);
        assert_eq!(
            written,
            Err("The incoming data stream of length 1001 exceeds the maximum allowed length 1000. (Parameter 'maxAllowedSize')".to_owned())
        );
        assert_eq!(reports, []);
    }
}

/// The byte at `position` of the downloads Rust generates: a pattern, so a misplaced chunk
/// changes the hash.
pub fn pattern_byte(position: u64) -> u8 {
    (position % 251) as u8
}

/// An async reader of `length` [`pattern_byte`]s, generated as they are read (nothing is held
/// in memory): the source of the web app's download sample.
#[derive(Debug)]
pub struct PatternReader {
    position: u64,
    length: u64,
}

impl PatternReader {
    /// A reader of `length` bytes.
    pub fn new(length: u64) -> Self {
        PatternReader {
            position: 0,
            length,
        }
    }
}

impl futures_io::AsyncRead for PatternReader {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let left = usize::try_from(self.length - self.position).unwrap_or(usize::MAX);
        let count = buf.len().min(left);
        for (offset, byte) in buf[..count].iter_mut().enumerate() {
            *byte = pattern_byte(self.position + offset as u64);
        }
        self.position += count as u64;
        std::task::Poll::Ready(Ok(count))
    }
}
