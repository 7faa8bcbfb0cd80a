//! The one skipped-key container of the crate: message keys (or seeds) kept
//! for messages that have not arrived yet, in the Double Ratchet
//! ([`crate::ratchet`]), sender keys ([`crate::groups`]) and SPQR.
//!
//! Records are `BE32(index) ‖ key` (36 bytes), consecutive in one buffer
//! (SPQR's stored form, spqr-internals §5.3), a [`StateBytes`]. One
//! zeroizing strategy covers every change: the buffer is wiped in bulk when
//! dropped; growth copies into a new buffer and wipes the old one (never a
//! `realloc` that frees keys); removal moves records inside the buffer and
//! wipes the freed tail. So no key is
//! ever left in freed memory, and there is no per-key allocation.

use core::fmt;

use zeroize::Zeroizing;

use crate::state::StateBytes;

/// Bytes per record: `BE32(index) ‖ 32-byte key`.
pub(crate) const RECORD_LEN: usize = 36;

/// Skipped keys in insertion order (see the module docs).
#[derive(Clone, Default)]
pub(crate) struct SkippedKeyStore(StateBytes);

impl SkippedKeyStore {
    /// From the stored form; `None` unless whole records.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() % RECORD_LEN == 0).then(|| {
            let mut buf = StateBytes::with_capacity(bytes.len());
            buf.extend_from_slice(bytes);
            Self(buf)
        })
    }

    /// An empty store with room for `records` records.
    pub(crate) fn with_capacity(records: usize) -> Self {
        Self(StateBytes::with_capacity(
            records.saturating_mul(RECORD_LEN),
        ))
    }

    /// The stored form (consecutive records).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len() / RECORD_LEN
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(index, key)` of every record, in order (reversible).
    pub(crate) fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (u32, &[u8; 32])> + ExactSizeIterator + '_ {
        self.0.chunks_exact(RECORD_LEN).map(split)
    }

    /// The indices, in order.
    pub(crate) fn indices(&self) -> impl DoubleEndedIterator<Item = u32> + '_ {
        self.iter().map(|(index, _)| index)
    }

    /// The record at `position`.
    pub(crate) fn get(&self, position: usize) -> Option<(u32, &[u8; 32])> {
        let start = position.checked_mul(RECORD_LEN)?;
        self.0.get(start..start.checked_add(RECORD_LEN)?).map(split)
    }

    /// Position of the first record with `index` (linear scan).
    pub(crate) fn position(&self, index: u32) -> Option<usize> {
        self.indices().position(|i| i == index)
    }

    /// Position of `index` in a store whose indices strictly increase.
    pub(crate) fn binary_search(&self, index: u32) -> Option<usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let (at, _) = self.get(mid)?;
            match at.cmp(&index) {
                core::cmp::Ordering::Less => low = mid + 1,
                core::cmp::Ordering::Greater => high = mid,
                core::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// Appends a record.
    pub(crate) fn push(&mut self, index: u32, key: &[u8; 32]) {
        let mut record = Zeroizing::new([0u8; RECORD_LEN]);
        record[..4].copy_from_slice(&index.to_be_bytes());
        record[4..].copy_from_slice(key);
        self.0.extend_from_slice(&record[..]);
    }

    /// Appends every record of `other`.
    pub(crate) fn append(&mut self, other: &SkippedKeyStore) {
        self.0.extend_from_slice(&other.0);
    }

    /// Removes the record at `position`, keeping the order of the others.
    pub(crate) fn remove(&mut self, position: usize) {
        if position >= self.len() {
            return;
        }
        let start = position * RECORD_LEN;
        self.0
            .as_mut_slice()
            .copy_within(start + RECORD_LEN.., start);
        self.truncate_bytes(self.0.len() - RECORD_LEN);
    }

    /// Removes the record at `position` by moving the last record into its
    /// place (SPQR's order).
    pub(crate) fn swap_remove(&mut self, position: usize) {
        let len = self.len();
        if position >= len {
            return;
        }
        let last = (len - 1) * RECORD_LEN;
        if position != len - 1 {
            self.0
                .as_mut_slice()
                .copy_within(last..last + RECORD_LEN, position * RECORD_LEN);
        }
        self.truncate_bytes(last);
    }

    /// Removes the first `count` records (the oldest).
    pub(crate) fn remove_first(&mut self, count: usize) {
        let bytes = count.min(self.len()) * RECORD_LEN;
        if bytes == 0 {
            return;
        }
        self.0.as_mut_slice().copy_within(bytes.., 0);
        self.truncate_bytes(self.0.len() - bytes);
    }

    /// Reverses the order of the records in place.
    pub(crate) fn reverse(&mut self) {
        let len = self.len();
        let mut scratch = Zeroizing::new([0u8; RECORD_LEN]);
        for i in 0..len / 2 {
            let (a, b) = (i * RECORD_LEN, (len - 1 - i) * RECORD_LEN);
            let bytes = self.0.as_mut_slice();
            scratch.copy_from_slice(&bytes[a..a + RECORD_LEN]);
            bytes.copy_within(b..b + RECORD_LEN, a);
            bytes[b..b + RECORD_LEN].copy_from_slice(&scratch[..]);
        }
    }

    /// Removes every record.
    pub(crate) fn clear(&mut self) {
        self.truncate_bytes(0);
    }

    fn truncate_bytes(&mut self, len: usize) {
        self.0.truncate_wiped(len);
    }
}

fn split(record: &[u8]) -> (u32, &[u8; 32]) {
    let (index, key) = record.split_at(4);
    let index = u32::from_be_bytes([index[0], index[1], index[2], index[3]]);
    // `chunks_exact(RECORD_LEN)` and `get` only yield whole records.
    let key: &[u8; 32] = key.try_into().unwrap_or(&[0; 32]);
    (index, key)
}

/// Shows the indices only, as a list.
impl fmt::Debug for SkippedKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entry(u32);
        impl fmt::Debug for Entry {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "SkippedKey {{ index: {}, key: <redacted> }}", self.0)
            }
        }
        f.debug_list().entries(self.indices().map(Entry)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(indices: &[u32]) -> SkippedKeyStore {
        let mut s = SkippedKeyStore::default();
        for &i in indices {
            s.push(i, &[i as u8; 32]);
        }
        s
    }

    fn indices(s: &SkippedKeyStore) -> Vec<u32> {
        s.indices().collect()
    }

    #[test]
    fn edits_keep_records_whole_and_in_order() {
        let mut s = store(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(s.len(), 6);
        assert_eq!(s.get(2), Some((3, &[3u8; 32])));
        assert_eq!(s.get(6), None);
        assert_eq!(s.position(4), Some(3));
        assert_eq!(s.binary_search(5), Some(4));
        assert_eq!(s.binary_search(7), None);
        s.remove(1);
        assert_eq!(indices(&s), [1, 3, 4, 5, 6]);
        s.swap_remove(0);
        assert_eq!(indices(&s), [6, 3, 4, 5]);
        s.remove_first(2);
        assert_eq!(indices(&s), [4, 5]);
        s.append(&store(&[9]));
        s.reverse();
        assert_eq!(indices(&s), [9, 5, 4]);
        assert!(s.iter().all(|(i, k)| *k == [i as u8; 32]));
        s.remove(7);
        s.swap_remove(7);
        s.remove_first(100);
        assert!(s.is_empty());
        assert!(SkippedKeyStore::from_bytes(&[0; 35]).is_none());
        assert_eq!(
            SkippedKeyStore::from_bytes(store(&[1, 2]).as_bytes()).map(|s| indices(&s)),
            Some(vec![1, 2])
        );
        assert_eq!(
            format!("{:?}", store(&[7])),
            "[SkippedKey { index: 7, key: <redacted> }]"
        );
    }
}
