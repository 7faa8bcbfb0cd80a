//! hush's persisted-state format: every stored object starts with a format
//! version byte and a kind byte, followed by the object's payload.
//!
//! | kind | payload |
//! |---|---|
//! | 1 session record | libsignal's `RecordStructure` protobuf layout (session-record.md), SPQR state in field 15 |
//! | 2 identity key pair | libsignal's `IdentityKeyPairStructure` |
//! | 3 one-time pre-key | libsignal's `PreKeyRecordStructure` |
//! | 4 signed pre-key | libsignal's `SignedPreKeyRecordStructure` |
//! | 5 Kyber pre-key | libsignal's `SignedPreKeyRecordStructure` with KEM keys |
//! | 6 sender-key record | libsignal's `SenderKeyRecordStructure` (sender-keys.md §6.2) |
//! | 7 classic session record | libsignal-protocol-c's `RecordStructure` (classic-v3.md §7), plus seed-form skipped keys (`MessageKey` field 5) and the pending pre-key timestamp (field 4) |
//! | 8 classic sender-key record | libsignal-protocol-c's `SenderKeyRecordStructure` (classic-v3.md §10) |
//!
//! Format version 1 is the first. Later versions must keep reading every
//! earlier one; samples of each are committed under `test-vectors/state/`
//! and reloaded by the tests.

use core::fmt;
use core::ops::Deref;

use zeroize::Zeroizing;

/// The format version this release writes.
pub const FORMAT_VERSION: u8 = 1;

/// What a stored blob holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum StateKind {
    /// A [`crate::session::SessionRecord`].
    SessionRecord = 1,
    /// A [`crate::keys::IdentityKeyPair`].
    IdentityKeyPair = 2,
    /// A [`crate::keys::PreKeyRecord`].
    PreKey = 3,
    /// A [`crate::keys::SignedPreKeyRecord`].
    SignedPreKey = 4,
    /// A [`crate::keys::KyberPreKeyRecord`].
    KyberPreKey = 5,
    /// A [`crate::groups::SenderKeyRecord`].
    SenderKeyRecord = 6,
    /// A [`crate::classic::ClassicSessionRecord`].
    ClassicSessionRecord = 7,
    /// A [`crate::classic::ClassicSenderKeyRecord`].
    ClassicSenderKeyRecord = 8,
}

/// Stored state could not be loaded. The stored bytes are corrupt or from
/// an unknown release: keep them, do not overwrite them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Fewer than the two header bytes.
    #[error("stored state is truncated")]
    Truncated,
    /// A format version this release does not know.
    #[error("unsupported state format version {0}")]
    UnsupportedVersion(u8),
    /// A blob of another kind.
    #[error("stored state holds kind {found}, expected {expected:?}")]
    WrongKind {
        /// The kind asked for.
        expected: StateKind,
        /// The kind byte found.
        found: u8,
    },
    /// The payload is malformed; the text names the part.
    #[error("invalid stored state: {0}")]
    Invalid(&'static str),
}

/// Overwrites `bytes` with zeros in one pass (a `memset`), then hides the
/// buffer from the optimizer so the stores cannot be dropped
/// ([`zeroize::optimization_barrier`], the zeroize crate's way to wipe in
/// bulk). `Zeroizing` wipes byte by byte with volatile writes, which costs
/// about as much as encoding a whole session record; state buffers use this.
pub(crate) fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    zeroize::optimization_barrier(bytes);
}

/// Stored state as written by `to_state`: the bytes, wiped in bulk when
/// dropped (by `wipe` in this module). Dereferences to `Vec<u8>`, so it reads
/// like the `Zeroizing<Vec<u8>>` it replaces (`&bytes[..]`, `bytes.len()`,
/// `bytes.to_vec()`).
#[derive(Clone, Default)]
pub struct StateBytes(Vec<u8>);

impl StateBytes {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// Appends bytes; growth copies into a new buffer and wipes the old one,
    /// so no copy is left in freed memory.
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        let needed = self.0.len().saturating_add(bytes.len());
        if needed > self.0.capacity() {
            let mut grown = Vec::with_capacity(needed.max(2 * self.0.capacity()));
            grown.extend_from_slice(&self.0);
            let mut old = Self(core::mem::replace(&mut self.0, grown));
            old.0.clear();
        }
        self.0.extend_from_slice(bytes);
    }

    /// The bytes as a mutable slice (to patch in place).
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Shortens to `len` bytes, wiping the bytes cut off.
    pub(crate) fn truncate_wiped(&mut self, len: usize) {
        if let Some(tail) = self.0.get_mut(len..) {
            wipe(tail);
        }
        self.0.truncate(len);
    }

    /// Grows by `additional` zero bytes (growth as in `extend_from_slice`).
    pub(crate) fn extend_zeros(&mut self, additional: usize) {
        let needed = self.0.len().saturating_add(additional);
        if needed > self.0.capacity() {
            let mut grown = Vec::with_capacity(needed.max(2 * self.0.capacity()));
            grown.extend_from_slice(&self.0);
            let mut old = Self(core::mem::replace(&mut self.0, grown));
            old.0.clear();
        }
        self.0.resize(needed, 0);
    }
}

impl Drop for StateBytes {
    fn drop(&mut self) {
        // Wipe the whole allocation: bytes past the length may have held
        // data before a `clear`.
        let len = self.0.capacity();
        self.0.resize(len, 0);
        wipe(&mut self.0);
    }
}

impl Deref for StateBytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl AsRef<[u8]> for StateBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Redacted: only the length.
impl fmt::Debug for StateBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateBytes({} bytes)", self.0.len())
    }
}

pub(crate) fn wrap(kind: StateKind, payload: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(payload.len() + 2));
    out.push(FORMAT_VERSION);
    out.push(kind as u8);
    out.extend_from_slice(payload);
    out
}

pub(crate) fn unwrap(kind: StateKind, bytes: &[u8]) -> Result<&[u8], StateError> {
    let [version, found, payload @ ..] = bytes else {
        return Err(StateError::Truncated);
    };
    if *version != FORMAT_VERSION {
        return Err(StateError::UnsupportedVersion(*version));
    }
    if *found != kind as u8 {
        return Err(StateError::WrongKind {
            expected: kind,
            found: *found,
        });
    }
    Ok(payload)
}

macro_rules! libsignal_layout_state {
    ($ty:ty, $kind:expr) => {
        impl $ty {
            /// hush's versioned storage form (see [`crate::state`]).
            #[must_use]
            pub fn to_state(&self) -> Zeroizing<Vec<u8>> {
                wrap($kind, &self.serialize())
            }

            /// Loads the versioned storage form.
            ///
            /// # Errors
            /// [`StateError`] for a bad header or payload.
            pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
                Self::deserialize(unwrap($kind, bytes)?)
                    .map_err(|_| StateError::Invalid(stringify!($ty)))
            }
        }
    };
}

libsignal_layout_state!(crate::keys::IdentityKeyPair, StateKind::IdentityKeyPair);
libsignal_layout_state!(crate::keys::PreKeyRecord, StateKind::PreKey);
libsignal_layout_state!(crate::keys::SignedPreKeyRecord, StateKind::SignedPreKey);
libsignal_layout_state!(crate::keys::KyberPreKeyRecord, StateKind::KyberPreKey);
