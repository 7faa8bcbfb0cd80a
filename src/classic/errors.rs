//! Errors of the classic session operations.

use crate::keys::{KeyError, PreKeyId, SignedPreKeyId};
use crate::messages::CiphertextMessageType;
use crate::session::FailureReason;

/// Decrypting a classic message failed; the record is unchanged and no
/// pre-key is consumed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicDecryptError {
    /// There is no session to decrypt a `SignalMessage` with.
    #[error("session not found")]
    SessionNotFound,
    /// The message was already decrypted, or its key was discarded. Drop it
    /// silently.
    #[error("message with old counter {chain_index} / {counter}")]
    DuplicatedMessage {
        /// The chain's next expected counter.
        chain_index: u32,
        /// The message's counter.
        counter: u32,
    },
    /// No state could decrypt the message: forged, corrupted, too far ahead
    /// (more than 2 000), or from a session the record no longer has.
    #[error("invalid {message_type:?} message: decryption failed ({reason:?})")]
    DecryptionFailed {
        /// The type being decrypted.
        message_type: CiphertextMessageType,
        /// Why the most relevant state failed.
        reason: FailureReason,
    },
    /// A PreKey message names the base key of an existing state but carries
    /// a different identity key than that state's: refused without trying
    /// to decrypt (libsignal-protocol-c would decrypt it).
    #[error("PreKey message identity does not match its session")]
    IdentityMismatch,
    /// The PreKey message's base key is not a canonical public key.
    #[error("invalid PreKey message: incoming base key is invalid")]
    InvalidBaseKey,
    /// The signed pre-key the message names was not supplied.
    #[error("invalid signed prekey identifier {0}")]
    MissingSignedPreKey(SignedPreKeyId),
    /// The one-time pre-key the message names was not supplied (used
    /// already, or never published).
    #[error("invalid prekey identifier {0}")]
    MissingPreKey(PreKeyId),
    /// A key in the PreKey message gives a degenerate agreement.
    #[error("{0}")]
    Key(#[from] KeyError),
}
