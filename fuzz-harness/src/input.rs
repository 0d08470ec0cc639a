//! Reads a fuzzer's bytes as a few choices followed by text.

/// A cursor over a fuzz input: each read takes bytes from the front; past the end every read
/// gives zeros, so any input decodes.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&byte, rest)) => {
                self.bytes = rest;
                byte
            }
            None => 0,
        }
    }

    /// A number below `bound` (which must not be 0), from one byte.
    pub fn below(&mut self, bound: u8) -> u8 {
        self.byte() % bound
    }

    /// A little-endian `u32` from the next four bytes.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// The next `len` bytes (fewer at the end).
    pub fn take(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.bytes.split_at(len.min(self.bytes.len()));
        self.bytes = rest;
        taken
    }

    /// A chunk of at most `max` bytes, its length given by the next byte.
    pub fn chunk(&mut self, max: usize) -> &'a [u8] {
        let len = usize::from(self.byte()) % (max + 1);
        self.take(len)
    }

    /// Text up to the next 0xff byte (or the end), lossily decoded.
    pub fn text(&mut self) -> String {
        let end = self
            .bytes
            .iter()
            .position(|&byte| byte == 0xff)
            .unwrap_or(self.bytes.len());
        let text = String::from_utf8_lossy(&self.bytes[..end]).into_owned();
        self.bytes = self.bytes.get(end + 1..).unwrap_or_default();
        text
    }

    /// Everything left, lossily decoded.
    pub fn rest_text(&mut self) -> String {
        let text = String::from_utf8_lossy(self.bytes).into_owned();
        self.bytes = &[];
        text
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}
