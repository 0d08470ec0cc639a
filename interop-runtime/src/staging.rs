//! Byte arrays JavaScript sends beside the JSON (`sendByteArray`), staged in batches and matched
//! to the message each belongs to (docs/protocol.md, "Byte arrays from JavaScript").
//!
//! A batch is the arrays of one serialized payload: index 0 starts it, each index follows the
//! previous one. A message that carries its own arrays right after them (a JS→Rust call, the
//! return of a synchronous JS call) takes the *open* batch: the one nothing else from
//! JavaScript followed yet. Completions of Rust→JS calls take batches in the order the batches
//! arrived: Microsoft's clients of the .NET 8 and 9 lines serialize a result (sending its
//! arrays) one microtask before they send its completion, so other batches can come between,
//! but completions keep the order of their batches. A failed completion may have sent part of
//! a batch first; which batch is whose is then tracked as a range of possibilities, and a
//! completion that cannot be matched with certainty fails rather than take another's bytes.

use std::collections::VecDeque;

use bytes::Bytes;
use rustc_hash::FxHashSet;

use crate::error::texts;

/// What a message may read for its `{"__byte[]":n}` markers.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// No byte arrays are staged for it.
    None,
    /// Byte arrays came just before it but are not its own (it has no marker); .NET's texts for
    /// a value that is not a marker depend on whether anything is staged.
    Other,
    /// Its byte arrays, by index; each is taken once.
    Batch(Vec<Option<Bytes>>),
    /// Its byte arrays were refused, or cannot be told from others: a marker fails with this.
    Refused(String),
}

/// How many byte arrays a completion refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Markers {
    /// A success whose value holds this many markers.
    Exactly(usize),
    /// A failure, or a completion that could not be read: its client may have sent some arrays
    /// before it failed, or none.
    Unknown,
}

/// The arrays of one payload.
struct Batch {
    /// The arrays (emptied when the batch is refused).
    arrays: Vec<Bytes>,
    /// How many arrays it has; `None` when its numbering broke or a host dropped them uncounted.
    count: Option<usize>,
    /// Their size, each counted as `max(4, len)`.
    size: usize,
    /// Why the batch was refused: the message that takes it fails with this text.
    refused: Option<String>,
    /// Which batch this is (counts from 1).
    serial: u64,
}

impl Batch {
    fn refuse(&mut self, reason: String, count: Option<usize>) {
        self.arrays = Vec::new();
        self.count = count;
        self.refused = Some(reason);
    }

    fn matches(&self, markers: usize) -> bool {
        self.count.is_none_or(|count| count == markers)
    }

    fn into_incoming(self) -> Incoming {
        match self.refused {
            Some(reason) => Incoming::Refused(reason),
            None => Incoming::Batch(self.arrays.into_iter().map(Some).collect()),
        }
    }
}

/// The byte arrays one runtime has received and not yet handed to a message.
///
/// The entries waiting, oldest first, are `lost` batches dropped without their bytes, then
/// `batches`. Every entry belongs to a Rust→JS call that is still outstanding (its completion
/// has not arrived), or to no message at all: an *orphan*, sent by a completion's or a call's
/// serialization that failed. How many of the first entries are orphans is known as a range.
#[derive(Default)]
pub(crate) struct Staging {
    /// Batches dropped from the front with their bytes, because they could not be matched.
    lost: usize,
    /// Batches waiting for their message, oldest first; the last one is open while `open`.
    batches: VecDeque<Batch>,
    /// Nothing has come from JavaScript since the last batch started.
    open: bool,
    /// How many of the first entries may be orphans: at least `.0`, at most `.1`.
    orphans: (usize, usize),
    /// Orphans may be anywhere, not only first: JavaScript sent arrays no message claims (more
    /// waited than calls could claim, or a completion fitted no batch). Until nothing waits,
    /// a completion may take any entry that fits its count.
    scattered: bool,
    /// Rust→JS calls given up (timed out or dropped) whose completion may still arrive.
    late: FxHashSet<u64>,
    /// How many batches were started.
    serial: u64,
}

impl Staging {
    /// Nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.lost == 0 && self.batches.is_empty()
    }

    /// The last batch can still take arrays, or a message that carries its own.
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    /// The serial of the last batch started (a synchronous call records it before it runs).
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    fn entries(&self) -> usize {
        self.lost + self.batches.len()
    }

    /// Whether entry `at` can hold the arrays of a completion with `markers` markers.
    fn matches(&self, at: usize, markers: usize) -> bool {
        at < self.lost || self.batches[at - self.lost].matches(markers)
    }

    /// Removes the entries up to and including `at`; the one at `at`, unless it was lost.
    fn remove_through(&mut self, at: usize) -> Option<Batch> {
        if at < self.lost {
            self.lost -= at + 1;
            return None;
        }
        self.batches.drain(..at - self.lost);
        self.lost = 0;
        self.batches.pop_front()
    }

    /// Keeps the orphan range within the entries (a range left empty means the sequence did
    /// not fit); with nothing waiting, nothing is uncertain any more.
    fn normalize(&mut self) {
        let entries = self.entries();
        self.orphans.1 = self.orphans.1.min(entries);
        if self.orphans.0 > self.orphans.1 {
            self.orphans = (0, entries);
            self.scattered = true;
        }
        if entries == 0 {
            self.orphans = (0, 0);
            self.scattered = false;
        }
    }

    /// With no Rust→JS call outstanding, no completion can claim what waits: it goes.
    pub(crate) fn settle(&mut self, outstanding: usize) {
        if outstanding == 0 && !self.open && !self.is_empty() {
            tracing::debug!(
                batches = self.entries(),
                "byte arrays no message claimed were dropped"
            );
            self.lost = 0;
            self.batches.clear();
            self.normalize();
        }
    }

    /// Starts a batch. Every entry waiting belongs to an outstanding call or is an orphan, and
    /// orphans come first: at least `entries - outstanding` of them. More than the orphan range
    /// allows means JavaScript sent arrays no message claims, wherever they are. The bytes
    /// kept are bounded: past `outstanding` batches, the oldest are dropped (orphans, unless
    /// scattered; a completion that takes one fails).
    fn start(&mut self, outstanding: usize) {
        self.open = false;
        self.settle(outstanding);
        let entries = self.entries();
        if !self.scattered && entries.saturating_sub(self.orphans.1) > outstanding {
            tracing::warn!(
                batches = entries,
                outstanding,
                "more batches of byte arrays wait than calls can claim; JavaScript sent byte arrays no message claims"
            );
            self.scattered = true;
        }
        while self.batches.len() > outstanding {
            self.batches.pop_front();
            self.lost += 1;
        }
        self.serial += 1;
        self.batches.push_back(Batch {
            arrays: Vec::new(),
            count: Some(0),
            size: 0,
            refused: None,
            serial: self.serial,
        });
        self.open = true;
    }

    /// `sendByteArray(index, bytes)`. Index 0, or an array with no batch open, starts a batch;
    /// an index out of turn or a batch over `max_bytes` refuses the batch, and the message that
    /// takes it fails with the text returned. `outstanding`: the Rust→JS calls whose completion
    /// may still arrive.
    pub(crate) fn receive(
        &mut self,
        index: u32,
        bytes: impl Into<Bytes>,
        max_bytes: Option<usize>,
        outstanding: usize,
    ) -> Result<(), String> {
        let bytes = bytes.into();
        if index == 0 || !self.open {
            self.start(outstanding);
        }
        let Some(batch) = self.batches.back_mut() else {
            unreachable!("a batch was started");
        };
        if let Some(reason) = &batch.refused {
            let reason = reason.clone();
            batch.count = batch
                .count
                .filter(|&count| count == index as usize)
                .map(|count| count + 1);
            return Err(reason);
        }
        let expected = batch.arrays.len();
        if index as usize != expected {
            let text = texts::byte_array_out_of_order(index, expected);
            batch.refuse(text.clone(), None);
            return Err(text);
        }
        let size = batch.size + bytes.len().max(4);
        if max_bytes.is_some_and(|max| size > max) {
            batch.refuse(texts::BYTE_LIMIT.to_owned(), Some(expected + 1));
            return Err(texts::BYTE_LIMIT.to_owned());
        }
        batch.size = size;
        batch.arrays.push(bytes);
        batch.count = Some(expected + 1);
        Ok(())
    }

    /// A host dropped the arrays of one payload (over a limit of its own, or broken in
    /// transit): a batch that fails the message that takes it with `reason`.
    pub(crate) fn refuse(&mut self, reason: String, outstanding: usize) {
        self.start(outstanding);
        if let Some(batch) = self.batches.back_mut() {
            batch.refuse(reason, None);
        }
    }

    /// A message that carries its own arrays right after them, with `markers` markers: a
    /// JS→Rust call, or the return of a synchronous JS call (`since`: only a batch started
    /// after that serial can be its own). It takes the open batch if it has markers; without
    /// markers, the open batch stays for a completion still to come.
    pub(crate) fn claim_open(
        &mut self,
        markers: usize,
        since: u64,
        outstanding: usize,
    ) -> Incoming {
        let was_open = std::mem::replace(&mut self.open, false);
        let own = was_open
            && self
                .batches
                .back()
                .is_some_and(|batch| batch.serial > since);
        let incoming = match (own, markers) {
            (false, _) => Incoming::None,
            (true, 0) => Incoming::Other,
            (true, _) => match self.batches.pop_back() {
                Some(batch) => {
                    // It was no orphan, whatever the range said.
                    self.normalize();
                    batch.into_incoming()
                }
                None => Incoming::None,
            },
        };
        self.settle(outstanding);
        incoming
    }

    /// A completion (`endInvokeJSFromDotNet`) with `markers` markers: the batch it takes.
    /// `outstanding`: the Rust→JS calls whose completion may still arrive, this one included.
    ///
    /// A completion's batch is the first entry that is not an orphan. When a failed completion
    /// may have left an orphan, or more batches wait than calls that can claim them, the entry
    /// can be one of several: if more than one of them has as many arrays as the completion
    /// has markers, the completion fails instead of guessing.
    pub(crate) fn claim_for_completion(
        &mut self,
        markers: Markers,
        outstanding: usize,
    ) -> Incoming {
        let was_open = std::mem::replace(&mut self.open, false);
        let entries = self.entries();
        let markers = match markers {
            Markers::Unknown => {
                // Its client may have sent part of its payload before failing: the first entry
                // after the orphans may be one more.
                self.orphans.1 = (self.orphans.1 + 1).min(entries);
                return Incoming::None;
            }
            Markers::Exactly(0) if was_open => return Incoming::Other,
            Markers::Exactly(0) => return Incoming::None,
            Markers::Exactly(_) if entries == 0 => return Incoming::None,
            Markers::Exactly(count) => count,
        };
        // Entries after this completion's own belong to other outstanding calls, so at least
        // `entries - outstanding` orphans lead.
        let (mut low, mut high) = (
            self.orphans.0.max(entries.saturating_sub(outstanding)),
            self.orphans.1.min(entries - 1),
        );
        if low > high {
            // Arrays arrived that no message claims, and where they are is unknown.
            self.scattered = true;
        }
        if self.scattered {
            (low, high) = (0, entries - 1);
        }
        let Some(first) = (low..=high).find(|&at| self.matches(at, markers)) else {
            // No batch that can be its own has its count: the sequence does not fit.
            self.orphans = (0, entries);
            self.scattered = true;
            return Incoming::Refused(texts::byte_arrays_mismatch(markers));
        };
        let last = (first..=high)
            .rev()
            .find(|&at| self.matches(at, markers))
            .unwrap_or(first);
        let taken = self.remove_through(first);
        if first == last {
            self.orphans = (0, 0);
            self.normalize();
            return taken.map_or_else(
                || Incoming::Refused(texts::BYTE_ARRAYS_DROPPED.to_owned()),
                Batch::into_incoming,
            );
        }
        // Which one was its own stays unknown: whichever it was, it is gone with the
        // entries before it, and up to `last - first` of those left are orphans.
        self.orphans = (0, last - first);
        self.normalize();
        Incoming::Refused(texts::BYTE_ARRAYS_AMBIGUOUS.to_owned())
    }

    /// A Rust→JS call was given up before its completion arrived; it may still arrive (and
    /// take its batch). At most `max` such calls are remembered.
    pub(crate) fn note_late(&mut self, handle: u64, max: usize) {
        if self.late.len() < max {
            self.late.insert(handle);
        }
    }

    /// The completion of a call given up arrived: whether it was one.
    pub(crate) fn forget_late(&mut self, handle: u64) -> bool {
        self.late.remove(&handle)
    }

    /// How many calls given up may still complete.
    pub(crate) fn late_count(&self) -> usize {
        self.late.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_LIMIT: Option<usize> = None;

    /// Sends a batch of one array per byte in `bytes`, each array holding that byte.
    fn send(staging: &mut Staging, bytes: &[u8], outstanding: usize) {
        for (index, &byte) in bytes.iter().enumerate() {
            staging
                .receive(index as u32, vec![byte], NO_LIMIT, outstanding)
                .expect("accepted");
        }
    }

    fn batch(bytes: &[u8]) -> Incoming {
        Incoming::Batch(bytes.iter().map(|&byte| Some(vec![byte].into())).collect())
    }

    fn ambiguous() -> Incoming {
        Incoming::Refused(texts::BYTE_ARRAYS_AMBIGUOUS.to_owned())
    }

    /// .NET 8/9: A and B stringify (bytes A, bytes B), then complete (end A, end B).
    #[test]
    fn completions_take_batches_in_arrival_order() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 2);
        send(&mut staging, &[2], 2);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 2),
            batch(&[1])
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[2])
        );
        assert!(staging.is_empty());
    }

    /// .NET 10: each batch right before its completion; a completion without markers in
    /// between takes nothing.
    #[test]
    fn a_batch_right_before_its_completion() {
        let mut staging = Staging::default();
        send(&mut staging, &[1, 2], 3);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(2), 3),
            batch(&[1, 2])
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(0), 2),
            Incoming::None
        );
        send(&mut staging, &[3], 1);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[3])
        );
    }

    /// A call between a batch and its completion keeps its own batch and leaves the other.
    #[test]
    fn calls_take_the_open_batch_only() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 1);
        assert_eq!(staging.claim_open(0, 0, 1), Incoming::Other);
        send(&mut staging, &[7, 8], 1);
        assert_eq!(staging.claim_open(2, 0, 1), batch(&[7, 8]));
        assert_eq!(staging.claim_open(1, 0, 1), Incoming::None);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[1])
        );
    }

    /// A failure may have sent part of a batch: when the next completion's count fits two
    /// batches it fails; when only one fits, it takes that one.
    #[test]
    fn a_failure_that_may_have_sent_arrays() {
        // A fails (its stringify may have sent [1]); B's and C's batches are [1] and [2], or
        // [2] and one still to come.
        let mut staging = Staging::default();
        send(&mut staging, &[1], 3);
        send(&mut staging, &[2], 3);
        assert_eq!(
            staging.claim_for_completion(Markers::Unknown, 3),
            Incoming::None
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 2),
            ambiguous()
        );
        // C's batch came before its completion: the one left is C's.
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[2])
        );
        assert!(staging.is_empty());

        // With B the only call left, one of the two batches is an orphan: A's, the first.
        let mut staging = Staging::default();
        send(&mut staging, &[1], 2);
        send(&mut staging, &[2], 2);
        assert_eq!(
            staging.claim_for_completion(Markers::Unknown, 2),
            Incoming::None
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[2])
        );
        assert!(staging.is_empty());

        // The same, but B has two arrays: only the second batch fits.
        let mut staging = Staging::default();
        send(&mut staging, &[1], 2);
        send(&mut staging, &[2, 3], 2);
        assert_eq!(
            staging.claim_for_completion(Markers::Unknown, 2),
            Incoming::None
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(2), 1),
            batch(&[2, 3])
        );
        assert!(staging.is_empty());

        // A failure with nothing before the next batch: the batch is B's for certain when it
        // came after the failure.
        let mut staging = Staging::default();
        assert_eq!(
            staging.claim_for_completion(Markers::Unknown, 2),
            Incoming::None
        );
        send(&mut staging, &[2], 1);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[2])
        );
    }

    /// Only one call outstanding but two batches: one is an orphan, and which is unknown.
    #[test]
    fn more_batches_than_calls() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 1);
        send(&mut staging, &[2], 1);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            ambiguous()
        );
        // Counts that differ tell them apart.
        let mut staging = Staging::default();
        send(&mut staging, &[1, 1], 1);
        send(&mut staging, &[2], 1);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[2])
        );
    }

    /// A count no waiting batch has fails the completion.
    #[test]
    fn a_count_that_fits_no_batch() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 1);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(2), 1),
            Incoming::Refused(texts::byte_arrays_mismatch(2))
        );
    }

    /// With no call outstanding, what waits is dropped at the next message.
    #[test]
    fn unclaimed_arrays_go_when_no_call_can_claim_them() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 0);
        assert_eq!(staging.claim_open(0, 0, 0), Incoming::Other);
        assert!(staging.is_empty());
    }

    /// Past the calls that can claim them, the batches waiting are dropped and the
    /// completions that would take them fail.
    #[test]
    fn batches_past_the_outstanding_calls_are_dropped() {
        let mut staging = Staging::default();
        for byte in 1..=3 {
            send(&mut staging, &[byte], 1);
        }
        assert_eq!(staging.entries(), 3);
        assert!(staging.batches.len() <= 2, "the bytes kept are bounded");
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            ambiguous()
        );
    }

    /// Refused batches keep their place and fail the message that takes them.
    #[test]
    fn refused_batches() {
        let mut staging = Staging::default();
        assert_eq!(
            staging.receive(1, vec![1], NO_LIMIT, 1),
            Err(texts::byte_array_out_of_order(1, 0))
        );
        assert_eq!(
            staging.claim_open(1, 0, 1),
            Incoming::Refused(texts::byte_array_out_of_order(1, 0))
        );
        assert_eq!(
            staging.receive(0, vec![1; 9], Some(8), 2),
            Err(texts::BYTE_LIMIT.to_owned())
        );
        assert_eq!(
            staging.receive(1, vec![1], Some(8), 2),
            Err(texts::BYTE_LIMIT.to_owned())
        );
        staging.refuse("gone".to_owned(), 2);
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(2), 2),
            Incoming::Refused(texts::BYTE_LIMIT.to_owned())
        );
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(5), 1),
            Incoming::Refused("gone".to_owned())
        );
    }

    /// A synchronous call's return takes only a batch started during the call.
    #[test]
    fn a_sync_return_takes_a_batch_of_its_own() {
        let mut staging = Staging::default();
        send(&mut staging, &[1], 1);
        let since = staging.serial();
        assert_eq!(staging.claim_open(1, since, 1), Incoming::None);
        let since = staging.serial();
        send(&mut staging, &[2], 1);
        assert_eq!(staging.claim_open(1, since, 1), batch(&[2]));
        assert_eq!(
            staging.claim_for_completion(Markers::Exactly(1), 1),
            batch(&[1])
        );
    }
}
