//! The errors of the group operations, one enum per operation, grouped by
//! what the caller should do. Texts follow libsignal's; no variant carries
//! key material.

use super::DistributionId;
use crate::messages::MessageError;
use crate::primitives::CipherError;

/// [`super::create_distribution_message`] failed; the record is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DistributionError {
    /// The record's newest state cannot be distributed: its message version
    /// is not 3 (only a hand-made record can hold such a state). Drop the
    /// record and start a new sender key.
    #[error("invalid sender key session with distribution ID {distribution_id}")]
    InvalidSenderKeySession {
        /// The distribution asked for.
        distribution_id: DistributionId,
        /// What is wrong with the state.
        reason: &'static str,
    },
}

/// [`super::group_encrypt`] failed; the record is unchanged and nothing was
/// sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupEncryptError {
    /// The record holds no sender key. Create one with
    /// [`super::create_distribution_message`] and distribute it first.
    /// (libsignal reports a missing record this way; hush has no difference
    /// between a missing and an empty record.)
    #[error("missing sender key state for distribution ID {distribution_id}")]
    NoSenderKeyState {
        /// The distribution asked for.
        distribution_id: DistributionId,
    },
    /// The newest state cannot send: it has no private signing key (it is
    /// another sender's key, received in a distribution message) or its
    /// message version is not 3. Use the record of our own sender key.
    #[error("invalid sender key session with distribution ID {distribution_id}")]
    InvalidSenderKeySession {
        /// The distribution asked for.
        distribution_id: DistributionId,
        /// What is wrong with the state.
        reason: &'static str,
    },
    /// The sending chain reached iteration 2³² − 1 and cannot advance (the
    /// state libsignal calls `InvalidState`). Forget the record and create a
    /// new sender key.
    #[error("invalid state for call to group_encrypt to succeed: sender chain is too long")]
    ChainExhausted,
}

/// [`super::group_decrypt`] failed; the record is unchanged. Every variant
/// means "drop the message"; [`Self::DuplicatedMessage`] can be dropped
/// silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupDecryptError {
    /// The bytes are not a well-formed `SenderKeyMessage` (too short, wrong
    /// version, bad protobuf, missing field).
    #[error("{0}")]
    Message(#[from] MessageError),
    /// No state of the record has the message's chain ID: the sender's
    /// distribution message for this chain has not been processed (or the
    /// state was evicted). Ask the sender to redistribute.
    #[error("missing sender key state for distribution ID {distribution_id}")]
    NoSenderKeyState {
        /// The message's distribution ID.
        distribution_id: DistributionId,
        /// The message's chain ID.
        chain_id: u32,
    },
    /// The message's version differs from the state's.
    #[error("unrecognized message version <{0}>")]
    UnrecognizedMessageVersion(u8),
    /// The signature does not verify under the chain's signing key: forged or
    /// corrupted.
    #[error("invalid signature detected")]
    SignatureValidationFailed,
    /// The iteration is below the chain's and its key is not stored: already
    /// decrypted, from before the distribution message, or its key was
    /// evicted. Drop it silently.
    #[error("message with old counter {current} / {received}")]
    DuplicatedMessage {
        /// The chain's next iteration.
        current: u32,
        /// The message's iteration.
        received: u32,
    },
    /// The iteration is more than [`super::MAX_FORWARD_JUMPS`] ahead of the
    /// chain.
    #[error("invalid SenderKey message: message from too far into the future")]
    TooFarInFuture {
        /// The chain's next iteration.
        current: u32,
        /// The message's iteration.
        received: u32,
    },
    /// The signature verified but the AES-256-CBC ciphertext does not
    /// decrypt (empty, not whole blocks, or bad padding).
    #[error("invalid SenderKey message: decryption failed: {0}")]
    DecryptionFailed(CipherError),
    /// The message is at iteration 2³² − 1, past which the chain cannot
    /// advance (libsignal's `InvalidState`).
    #[error("invalid state for call to group_decrypt to succeed: sender chain is too long")]
    ChainExhausted,
}
