//! Import and export of libsignal's own record bytes, for apps moving their
//! stored sessions, pre-keys, sender keys and identity from libsignal to
//! hush (or back).
//!
//! hush's default storage format stays its own versioned one
//! ([`crate::state`]): two header bytes (format version, kind) and then the
//! payload. The payload of every kind *is* libsignal's protobuf layout, so
//! these functions are thin, named entry points over the same codecs:
//! importing runs exactly the loader `from_state` runs, with the same
//! bounds and checks, and exporting writes exactly the payload `to_state`
//! writes.
//!
//! | hush type | libsignal record | import | export |
//! |---|---|---|---|
//! | [`SessionRecord`] | `SessionRecord` (`RecordStructure`) | [`SessionRecord::from_libsignal_bytes`] | [`SessionRecord::to_libsignal_bytes`] |
//! | [`PreKeyRecord`] | `PreKeyRecord` | [`PreKeyRecord::from_libsignal_bytes`] | [`PreKeyRecord::to_libsignal_bytes`] |
//! | [`SignedPreKeyRecord`] | `SignedPreKeyRecord` | [`SignedPreKeyRecord::from_libsignal_bytes`] | [`SignedPreKeyRecord::to_libsignal_bytes`] |
//! | [`KyberPreKeyRecord`] | `KyberPreKeyRecord` | [`KyberPreKeyRecord::from_libsignal_bytes`] | [`KyberPreKeyRecord::to_libsignal_bytes`] |
//! | [`SenderKeyRecord`] | `SenderKeyRecord` | [`SenderKeyRecord::from_libsignal_bytes`] | [`SenderKeyRecord::to_libsignal_bytes`] |
//! | [`IdentityKeyPair`] | `IdentityKeyPair` | [`IdentityKeyPair::from_libsignal_bytes`] | [`IdentityKeyPair::to_libsignal_bytes`] |
//!
//! Everything a current libsignal (0.90 to 0.103 were tested) writes carries
//! over, byte for byte in both directions: the current session state, up to
//! 40 archived states, up to 5 receiving chains with up to 2 000 skipped
//! keys each, the pending pre-key of an unacknowledged session, the SPQR
//! state (field 15, re-encoded from hush's parsed form), every sender-key
//! state and the pre-key and identity records
//! (`test-vectors/libsignal-records/` holds the recordings the tests check
//! this against).
//!
//! What does not carry over; hush refuses such a record and says why:
//!
//! * skipped message keys in the legacy form (cipher key, MAC key and IV
//!   instead of a seed), which libsignal has not written since 0.67.2:
//!   "skipped key seed";
//! * session states of versions other than 3 and 4 ("unsupported session
//!   version"), states without a remote identity key, and a pending pre-key
//!   without the Kyber part (an unacknowledged X3DH session);
//! * more states, chains or skipped keys than the bounds above, which
//!   libsignal never writes either;
//! * identity key pairs, pre-key and Kyber pre-key records whose public key
//!   does not belong to the private key (libsignal loads those; hush checks).
//!
//! One thing is not byte-preserving: fields libsignal no longer declares
//! (session field 8, `pending_key_exchange`, from very old releases) are
//! read and ignored, as libsignal does, and so are absent on export.
//! Archived states are re-encoded rather than kept as stored, which gives
//! the same bytes for every state libsignal writes (it encodes them the same
//! way).
//!
//! ## Migrating an app's store
//!
//! Load every stored libsignal blob with the matching `from_libsignal_bytes`
//! and store hush's own form; keep the old blob until the new one is
//! written. Here with records libsignal 0.103 stored (from the test vectors):
//!
//! ```
//! use hush::keys::{IdentityKeyPair, KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord};
//! use hush::session::SessionRecord;
//! # let json: serde_json::Value = serde_json::from_str(include_str!(concat!(
//! #     env!("CARGO_MANIFEST_DIR"),
//! #     "/test-vectors/libsignal-records/records-v0.103.0.json"
//! # )))?;
//! # let blob = |v: &serde_json::Value| hex::decode(v.as_str().unwrap()).unwrap();
//! # let s = &json["sessions"];
//! // What libsignal's stores held (SessionStore, IdentityKeyStore, ...):
//! let libsignal_session = blob(&s["conversation"]["bob_record"]);
//! let libsignal_identity = blob(&s["bob"]["identity_key_pair"]);
//! let libsignal_kyber = blob(&s["unacknowledged"]["bob_kyber_prekey_record"]);
//!
//! let session = SessionRecord::from_libsignal_bytes(&libsignal_session)?;
//! let identity = IdentityKeyPair::from_libsignal_bytes(&libsignal_identity)?;
//! let kyber = KyberPreKeyRecord::from_libsignal_bytes(&libsignal_kyber)?;
//! assert_eq!(session.archived_count(), 2); // archived states come along
//!
//! // From now on, store hush's versioned form...
//! let stored = session.to_state();
//! let _ = (identity.to_state(), kyber.to_state());
//! // ...and going back is one call: the same bytes libsignal wrote.
//! let back = SessionRecord::from_state(&stored)?.to_libsignal_bytes();
//! assert_eq!(*back, libsignal_session);
//! # let _ = (PreKeyRecord::from_libsignal_bytes, SignedPreKeyRecord::from_libsignal_bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use zeroize::Zeroizing;

use crate::groups::SenderKeyRecord;
use crate::keys::{
    IdentityKeyPair, KeyError, KyberPreKeyRecord, PreKeyRecord, RecordError, SignedPreKeyRecord,
};
use crate::session::SessionRecord;
use crate::state::{unwrap, wrap, StateError, StateKind};

/// Runs the loader of hush's own format over a libsignal payload, so both
/// apply the same checks.
fn via_state<T>(
    kind: StateKind,
    bytes: &[u8],
    load: impl FnOnce(&[u8]) -> Result<T, StateError>,
) -> Result<T, StateError> {
    load(&wrap(kind, bytes))
}

/// The payload of a blob that `to_state` just wrote.
fn payload(kind: StateKind, state: &[u8]) -> Zeroizing<Vec<u8>> {
    // `to_state` always writes the current header for its own kind, so the
    // fallback (an empty payload) is unreachable; it only avoids a panic path.
    Zeroizing::new(unwrap(kind, state).map(<[u8]>::to_vec).unwrap_or_default())
}

impl SessionRecord {
    /// Loads libsignal's serialized `SessionRecord` (what its
    /// `SessionRecord::serialize` returns). The same checks and bounds as
    /// [`SessionRecord::from_state`] apply. Zero bytes is a fresh record, as
    /// in libsignal.
    ///
    /// # Errors
    /// [`StateError::Invalid`] naming the part that is refused (for example
    /// "too many archived states", "skipped key seed", "SPQR state").
    pub fn from_libsignal_bytes(bytes: &[u8]) -> Result<Self, StateError> {
        via_state(StateKind::SessionRecord, bytes, Self::from_state)
    }

    /// The record as libsignal serializes it, loadable by libsignal's
    /// `SessionRecord::deserialize`.
    #[must_use]
    pub fn to_libsignal_bytes(&self) -> Zeroizing<Vec<u8>> {
        payload(StateKind::SessionRecord, &self.to_state())
    }
}

impl SenderKeyRecord {
    /// Loads libsignal's serialized `SenderKeyRecord`, with the same checks
    /// and bounds as [`SenderKeyRecord::from_state`].
    ///
    /// # Errors
    /// [`StateError::Invalid`] naming the part that is refused.
    pub fn from_libsignal_bytes(bytes: &[u8]) -> Result<Self, StateError> {
        via_state(StateKind::SenderKeyRecord, bytes, Self::from_state)
    }

    /// The record as libsignal serializes it.
    #[must_use]
    pub fn to_libsignal_bytes(&self) -> Zeroizing<Vec<u8>> {
        payload(StateKind::SenderKeyRecord, &self.to_state())
    }
}

macro_rules! libsignal_key_record {
    ($ty:ty, $err:ty, $what:literal) => {
        impl $ty {
            #[doc = concat!("Loads libsignal's serialized `", $what, "`; the same parser as")]
            /// `deserialize` (and `from_state`), including the check that the
            /// public key belongs to the private key.
            ///
            /// # Errors
            #[doc = concat!("[`", stringify!($err), "`] saying what is wrong.")]
            pub fn from_libsignal_bytes(bytes: &[u8]) -> Result<Self, $err> {
                Self::deserialize(bytes)
            }

            #[doc = concat!("The record as libsignal serializes a `", $what, "`.")]
            #[must_use]
            pub fn to_libsignal_bytes(&self) -> Zeroizing<Vec<u8>> {
                self.serialize()
            }
        }
    };
}

libsignal_key_record!(PreKeyRecord, RecordError, "PreKeyRecord");
libsignal_key_record!(SignedPreKeyRecord, RecordError, "SignedPreKeyRecord");
libsignal_key_record!(KyberPreKeyRecord, RecordError, "KyberPreKeyRecord");
libsignal_key_record!(IdentityKeyPair, KeyError, "IdentityKeyPair");
