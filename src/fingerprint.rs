//! Safety numbers: the 60-digit displayable form and the scannable (QR code)
//! form, with libsignal's comparison rules (fingerprint.md).

use core::fmt;

use prost::Message;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use crate::keys::IdentityKey;
use crate::proto::{CombinedFingerprints, LogicalFingerprint};

/// Smallest accepted iteration count.
pub const MIN_ITERATIONS: u32 = 2;
/// Largest accepted iteration count.
pub const MAX_ITERATIONS: u32 = 1_000_000;
/// The iteration count Signal uses.
pub const DEFAULT_ITERATIONS: u32 = 5200;

/// Computing or comparing a fingerprint failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// The iteration count is outside `2..=1_000_000`.
    #[error("invalid fingerprint iteration count {0}")]
    InvalidIterationCount(u32),
    /// A scannable form is malformed or incomplete; the text says which part.
    #[error("fingerprint parsing error: {0}")]
    Parsing(&'static str),
    /// The scanned form has another version than ours (absent counts as 0).
    #[error("fingerprint version number mismatch them {theirs} us {ours}")]
    VersionMismatch {
        /// The scanned form's version.
        theirs: u32,
        /// Our version.
        ours: u32,
    },
}

/// One party's input to the safety number.
#[derive(Debug, Clone, Copy)]
pub struct FingerprintParty<'a> {
    /// An opaque stable identifier (16 raw ACI bytes for version 2).
    pub identifier: &'a [u8],
    /// The party's identity key.
    pub identity_key: &'a IdentityKey,
}

/// A safety number between the local and a remote party.
#[derive(Clone, PartialEq, Eq)]
pub struct Fingerprint {
    display: String,
    scannable: ScannableFingerprint,
}

impl Fingerprint {
    /// Computes the safety number: `iterations` SHA-512 rounds per party.
    ///
    /// # Errors
    /// [`FingerprintError::InvalidIterationCount`] outside `2..=1_000_000`.
    pub fn new(
        version: u32,
        iterations: u32,
        local: FingerprintParty<'_>,
        remote: FingerprintParty<'_>,
    ) -> Result<Self, FingerprintError> {
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(FingerprintError::InvalidIterationCount(iterations));
        }
        let local_hash = party_hash(iterations, local);
        let remote_hash = party_hash(iterations, remote);
        let local_digits = digits(&local_hash);
        let remote_digits = digits(&remote_hash);
        let display = if local_digits <= remote_digits {
            local_digits + &remote_digits
        } else {
            remote_digits + &local_digits
        };
        let mut local_fp = [0u8; 32];
        local_fp.copy_from_slice(&local_hash[..32]);
        let mut remote_fp = [0u8; 32];
        remote_fp.copy_from_slice(&remote_hash[..32]);
        Ok(Self {
            display,
            scannable: ScannableFingerprint {
                version,
                local: local_fp,
                remote: remote_fp,
            },
        })
    }

    /// The 60-digit safety number, the same on both sides.
    #[must_use]
    pub fn display_string(&self) -> &str {
        &self.display
    }

    /// The scannable form.
    #[must_use]
    pub fn scannable(&self) -> &ScannableFingerprint {
        &self.scannable
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fingerprint")
            .field("display", &self.display)
            .finish_non_exhaustive()
    }
}

/// The QR-code form: version and the first 32 bytes of each party's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannableFingerprint {
    version: u32,
    local: [u8; 32],
    remote: [u8; 32],
}

impl ScannableFingerprint {
    /// The version this form was made with.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The protobuf `CombinedFingerprints` bytes to put in a QR code.
    #[must_use]
    pub fn serialize(&self) -> Vec<u8> {
        CombinedFingerprints {
            version: Some(self.version),
            local_fingerprint: Some(LogicalFingerprint {
                content: Some(self.local.to_vec()),
            }),
            remote_fingerprint: Some(LogicalFingerprint {
                content: Some(self.remote.to_vec()),
            }),
        }
        .encode_to_vec()
    }

    /// Compares our form with one scanned from the peer's screen.
    ///
    /// # Errors
    /// As [`compare_scannable`].
    pub fn compare(&self, theirs: &[u8]) -> Result<bool, FingerprintError> {
        compare_scannable(&self.serialize(), theirs)
    }
}

/// Compares our serialized scannable form with a scanned one: `true` when the
/// scanned form is ours mirrored (their local is our remote and vice versa).
///
/// # Errors
/// [`FingerprintError::Parsing`] when either form is malformed or lacks a
/// part, [`FingerprintError::VersionMismatch`] when the versions differ.
pub fn compare_scannable(ours: &[u8], theirs: &[u8]) -> Result<bool, FingerprintError> {
    let ours = CombinedFingerprints::decode(ours)
        .map_err(|_| FingerprintError::Parsing("failed to decode protobuf"))?;
    let our_version = ours
        .version
        .ok_or(FingerprintError::Parsing("missing version"))?;
    let our_local = content(&ours.local_fingerprint)
        .ok_or(FingerprintError::Parsing("missing local fingerprint"))?;
    let our_remote = content(&ours.remote_fingerprint)
        .ok_or(FingerprintError::Parsing("missing remote fingerprint"))?;

    let theirs = CombinedFingerprints::decode(theirs)
        .map_err(|_| FingerprintError::Parsing("failed to decode their protobuf"))?;
    let their_version = theirs.version.unwrap_or(0);
    if their_version != our_version {
        return Err(FingerprintError::VersionMismatch {
            theirs: their_version,
            ours: our_version,
        });
    }
    let their_local = content(&theirs.local_fingerprint)
        .ok_or(FingerprintError::Parsing("missing their local fingerprint"))?;
    let their_remote = content(&theirs.remote_fingerprint).ok_or(FingerprintError::Parsing(
        "missing their remote fingerprint",
    ))?;
    // `ct_eq` on slices of different lengths is simply false.
    let same = their_local.ct_eq(our_remote) & their_remote.ct_eq(our_local);
    Ok(same.into())
}

fn content(fingerprint: &Option<LogicalFingerprint>) -> Option<&[u8]> {
    fingerprint.as_ref()?.content.as_deref()
}

fn party_hash(iterations: u32, party: FingerprintParty<'_>) -> [u8; 64] {
    let key = party.identity_key.serialize();
    let mut hash: [u8; 64] = Sha512::new()
        .chain_update([0u8, 0u8])
        .chain_update(key)
        .chain_update(party.identifier)
        .chain_update(key)
        .finalize()
        .into();
    for _ in 1..iterations {
        hash = Sha512::new()
            .chain_update(hash)
            .chain_update(key)
            .finalize()
            .into();
    }
    hash
}

fn digits(hash: &[u8; 64]) -> String {
    let mut out = String::with_capacity(30);
    for chunk in hash[..30].chunks_exact(5) {
        let value = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        out.push_str(&format!("{:05}", value % 100_000));
    }
    out
}
