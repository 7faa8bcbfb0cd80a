//! Fixed-size secret byte strings: boxed, zeroized on drop, redacted in
//! `Debug`.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `N` secret bytes on the heap (so moves do not leave copies on the stack),
/// wiped in bulk on drop ([`crate::state::wipe`]: a 2 400-byte decapsulation
/// key wiped byte by byte cost more than loading it).
#[derive(Clone)]
pub(super) struct Secret<const N: usize>(Box<[u8; N]>);

impl<const N: usize> Zeroize for Secret<N> {
    fn zeroize(&mut self) {
        crate::state::wipe(&mut self.0[..]);
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for Secret<N> {}

impl<const N: usize> Secret<N> {
    /// All-zero bytes, to be filled in place.
    pub(super) fn zero() -> Self {
        Self(Box::new([0u8; N]))
    }

    /// Copies `bytes` in; `None` unless it is exactly `N` bytes long.
    pub(super) fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != N {
            return None;
        }
        let mut out = Self::zero();
        out.0.copy_from_slice(bytes);
        Some(out)
    }

    /// Copies `bytes[at..at + N]` in (callers pass fixed-size buffers that are
    /// long enough; a short buffer yields `None`).
    pub(super) fn from_part(bytes: &[u8], at: usize) -> Option<Self> {
        bytes.get(at..at.checked_add(N)?).and_then(Self::from_slice)
    }

    pub(super) fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }

    pub(super) fn as_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

/// Constant-time comparison.
impl<const N: usize> PartialEq for Secret<N> {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0[..].ct_eq(&other.0[..]))
    }
}

impl<const N: usize> Eq for Secret<N> {}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret<{N}>(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_slices_are_checked() {
        let s = Secret::<4>::from_slice(&[1, 2, 3, 4]).expect("four bytes");
        assert_eq!(format!("{s:?}"), "Secret<4>(<redacted>)");
        assert!(Secret::<4>::from_slice(&[1, 2, 3]).is_none());
        assert_eq!(
            Secret::<2>::from_part(&[1, 2, 3, 4], 2).map(|s| *s.as_bytes()),
            Some([3, 4])
        );
        assert!(Secret::<2>::from_part(&[1, 2, 3, 4], 3).is_none());
        assert!(Secret::<2>::from_part(&[1, 2, 3, 4], usize::MAX).is_none());
    }
}
