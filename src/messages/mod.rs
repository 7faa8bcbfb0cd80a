//! 1:1 wire messages (messages.md): bytes become checked types here and
//! nowhere else. Parsing never panics and never trusts a length it has not
//! checked.

mod decryption_error;
mod plaintext_content;
pub(crate) mod prekey_message;
pub(crate) mod signal_message;

pub use decryption_error::{DecryptionErrorMessage, RetryReceiptError};
pub use plaintext_content::{PlaintextContent, PLAINTEXT_CONTENT_IDENTIFIER};
pub use prekey_message::PreKeySignalMessage;
pub use signal_message::{SignalMessage, MAC_LEN};

use crate::keys::KeyError;

/// The session version every new session uses (PQXDH).
pub const CURRENT_VERSION: u8 = 4;
/// The pre-Kyber (X3DH) version: still parsed, no longer accepted for new sessions.
pub const X3DH_VERSION: u8 = 3;

/// What kind of message some bytes are. The transport carries this next to
/// the bytes; it is not inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CiphertextMessageType {
    /// A `SignalMessage` ("whisper").
    Whisper = 2,
    /// A `PreKeySignalMessage`.
    PreKey = 3,
    /// A group `SenderKeyMessage`.
    SenderKey = 7,
    /// A `PlaintextContent`.
    Plaintext = 8,
}

impl CiphertextMessageType {
    /// Maps the transport's number to a type.
    #[must_use]
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            2 => Some(Self::Whisper),
            3 => Some(Self::PreKey),
            7 => Some(Self::SenderKey),
            8 => Some(Self::Plaintext),
            _ => None,
        }
    }
}

/// A parsed 1:1 message of either type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiphertextMessage {
    /// A `SignalMessage`.
    Whisper(SignalMessage),
    /// A `PreKeySignalMessage`.
    PreKey(PreKeySignalMessage),
}

impl CiphertextMessage {
    /// The message type to send along with the bytes.
    #[must_use]
    pub fn message_type(&self) -> CiphertextMessageType {
        match self {
            Self::Whisper(_) => CiphertextMessageType::Whisper,
            Self::PreKey(_) => CiphertextMessageType::PreKey,
        }
    }

    /// The serialized bytes.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        match self {
            Self::Whisper(m) => m.serialized(),
            Self::PreKey(m) => m.serialized(),
        }
    }
}

/// Bytes that are not a well-formed message. Drop the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Shorter than the minimum for its type.
    #[error("ciphertext serialized bytes were too short <{0}>")]
    CiphertextMessageTooShort(usize),
    /// Version nibble below 3.
    #[error("ciphertext version was too old <{0}>")]
    LegacyCiphertextVersion(u8),
    /// Version nibble above 4.
    #[error("ciphertext version was unrecognized <{0}>")]
    UnrecognizedCiphertextVersion(u8),
    /// Not valid protobuf, or a required field is missing.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
    /// A key field is malformed.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// A version-4 PreKey message without the Kyber fields.
    #[error("invalid PreKey message: Kyber pre key must be present for this session version")]
    KyberPreKeyMissing,
    /// Exactly one of the two Kyber fields is present.
    #[error("invalid PreKey message: Both or neither kyber pre_key_id and kyber_ciphertext can be present")]
    KyberFieldsInconsistent,
}

/// Checks the version byte's high nibble (the low nibble is ignored).
fn check_version(byte: u8) -> Result<u8, MessageError> {
    let version = byte >> 4;
    if version < X3DH_VERSION {
        return Err(MessageError::LegacyCiphertextVersion(version));
    }
    if version > CURRENT_VERSION {
        return Err(MessageError::UnrecognizedCiphertextVersion(version));
    }
    Ok(version)
}

/// The version byte written for a session of `version`.
fn version_byte(version: u8) -> u8 {
    (version << 4) | CURRENT_VERSION
}
