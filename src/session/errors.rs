//! Errors of the session operations, grouped by what the caller should do.

use crate::keys::{KeyError, KyberPreKeyId, PreKeyId, SignedPreKeyId};
use crate::messages::CiphertextMessageType;

/// Why a session state could not decrypt a message. Informational: every
/// reason means the same to the caller (drop the message); libsignal only
/// logs these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// No state with the message's session version.
    VersionMismatch,
    /// The MAC did not verify.
    MacMismatch,
    /// The `addresses` field names other parties.
    AddressMismatch,
    /// The counter is more than 25 000 ahead of its chain.
    TooFarInFuture,
    /// The 32-bit chain counter would overflow.
    ChainExhausted,
    /// The ciphertext is not valid AES-256-CBC with PKCS#7 padding.
    BadCiphertext,
    /// The message's ratchet key gave a degenerate agreement.
    InvalidKeyAgreement,
    /// The state has no sending chain to ratchet from (corrupt state).
    MissingSenderChain,
    /// The post-quantum ratchet (SPQR) rejected the message's `pq_ratchet`
    /// bytes: malformed, a bad MAC, out of range, or missing where the
    /// session requires SPQR.
    PqRatchet,
    /// The record holds no state to try.
    NoState,
}

/// Decrypting a message failed; the record is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// There is no session to decrypt a `SignalMessage` with. Ask the sender
    /// to start over (a new PreKey message).
    #[error("session not found")]
    SessionNotFound,
    /// The message was already decrypted, or its key was discarded. Drop it
    /// silently; it is never folded into [`DecryptError::DecryptionFailed`].
    #[error("message with old counter {chain_index} / {counter}")]
    DuplicatedMessage {
        /// The chain's next expected counter.
        chain_index: u32,
        /// The message's counter.
        counter: u32,
    },
    /// No session state could decrypt the message: forged, corrupted, or from
    /// a session we no longer have. Drop it.
    #[error("invalid {message_type:?} message: decryption failed ({reason:?})")]
    DecryptionFailed {
        /// The type being decrypted (the inner message of a PreKey message
        /// reports `PreKey`).
        message_type: CiphertextMessageType,
        /// Why the most relevant state failed (the current state's reason
        /// when it was tried).
        reason: FailureReason,
    },
    /// A PreKey message names the base key of a session the record has, but
    /// carries another identity key than that session's remote identity
    /// (session-setup.md §4 step 2, as libsignal 0.103). Its identity field
    /// is not covered by the inner MAC, so it may have been rewritten to pass
    /// a trust check: drop the message.
    #[error("invalid PreKey message: remote identity key not consistent with previously-established session")]
    InconsistentRemoteIdentity,
    /// A version-3 (X3DH) PreKey message for no existing session.
    #[error("invalid PreKey message: X3DH no longer supported")]
    X3dhNoLongerSupported,
    /// The PreKey message's base key is not canonical.
    #[error("invalid PreKey message: incoming base key is invalid")]
    InvalidBaseKey,
    /// The signed pre-key the message names was not supplied.
    #[error("invalid signed prekey identifier {0}")]
    MissingSignedPreKey(SignedPreKeyId),
    /// The Kyber pre-key the message names was not supplied.
    #[error("invalid Kyber prekey identifier {0}")]
    MissingKyberPreKey(KyberPreKeyId),
    /// The one-time pre-key the message names was not supplied (it may have
    /// been used already).
    #[error("invalid prekey identifier {0}")]
    MissingPreKey(PreKeyId),
    /// A key in the PreKey message is unusable (bad Kyber ciphertext,
    /// degenerate agreement).
    #[error("{0}")]
    Key(#[from] KeyError),
}

/// Encrypting failed; the record is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncryptError {
    /// No current state: start a session from a bundle first.
    #[error("session not found")]
    SessionNotFound,
    /// The current state was never acknowledged and is more than 30 days
    /// old: fetch a new bundle (libsignal reports this as session not found).
    #[error("unacknowledged session is stale")]
    StaleUnacknowledgedSession,
    /// The current state cannot send (corrupt state, an exhausted chain, or
    /// an SPQR send failure).
    #[error("invalid session state: {0}")]
    InvalidSessionState(&'static str),
}
