//! Errors of the sealed-sender operations, one enum per family, grouped by
//! what the caller should do. Texts follow libsignal's where it has one
//! (sealed-sender.md §8); no variant carries key material.

use crate::address::{ProtocolAddress, ServiceId};
use crate::keys::KeyError;
use crate::messages::{CiphertextMessageType, MessageError};
use crate::session::DecryptError;

/// A certificate's bytes are malformed (sealed-sender.md §2.1–§2.2). Drop
/// the certificate (or the message carrying it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// Not valid protobuf, a required field is missing, the sender device is
    /// outside `1..=127`, or `uuidBytes` is not 16 bytes.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
    /// The certificate's key (server key or sender identity key) is not a
    /// valid serialized public key.
    #[error("{0}")]
    Key(#[from] KeyError),
}

/// A sender certificate names a built-in server certificate by an ID hush
/// does not know (sealed-sender.md §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown server certificate ID: {0}")]
pub struct UnknownServerCertificateId(pub u32);

/// A certificate did not validate (sealed-sender.md §2.5). Every variant
/// means "do not trust this sender"; they say why, for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The sender certificate references a server certificate ID that is not
    /// built in. Unlike the other variants, libsignal's full decryption
    /// reports this one as its own error.
    #[error("unknown server certificate ID: {0}")]
    UnknownServerCertificateId(u32),
    /// The server certificate's ID is on the revoked list.
    #[error("server certificate {0} is revoked")]
    RevokedServerCertificate(u32),
    /// No supplied trust root signed the server certificate.
    #[error("server certificate {0} is not signed by any trust root")]
    UntrustedServerCertificate(u32),
    /// The server certificate's key did not sign the sender certificate.
    #[error("sender certificate signature is invalid")]
    InvalidSenderSignature,
    /// The sender certificate expired before `now` (both in milliseconds
    /// since the Unix epoch; valid up to and including `expiration`).
    #[error("sender certificate expired at {expiration}, now is {now}")]
    Expired {
        /// The certificate's expiration time.
        expiration: u64,
        /// The time it was checked at.
        now: u64,
    },
}

impl From<UnknownServerCertificateId> for ValidationError {
    fn from(error: UnknownServerCertificateId) -> Self {
        Self::UnknownServerCertificateId(error.0)
    }
}

/// Sealing a message failed; nothing was produced. These are caller bugs or
/// unusable recipient keys, never conditions of the network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// A recipient identity key is degenerate (X25519 gave all zeros).
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The content is too large for its cipher (over 64 GiB).
    #[error("content of {0} bytes is too large to seal")]
    ContentTooLarge(usize),
    /// The sender identity key pair is not the one the content's sender
    /// certificate names, so no recipient would accept the message.
    #[error("sender identity key does not match the sender certificate")]
    SenderIdentityMismatch,
    /// More recipient entries (recipients plus excluded) than
    /// [`super::MAX_RECIPIENTS`].
    #[error("{count} recipient entries exceed the limit of {max}")]
    TooManyRecipients {
        /// The number of entries asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A recipient has no devices, or more than
    /// [`super::MAX_DEVICES_PER_RECIPIENT`].
    #[error("recipient {service_id} has {count} devices (must be 1..={max})")]
    BadDeviceCount {
        /// The recipient.
        service_id: ServiceId,
        /// Its number of devices.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A device's registration ID does not fit in 14 bits
    /// (`id & 0x3FFF != id`).
    #[error(
        "session for {service_id}.{device_id} has invalid registration ID {registration_id:X}"
    )]
    InvalidRegistrationId {
        /// The recipient.
        service_id: ServiceId,
        /// The device.
        device_id: u32,
        /// The registration ID.
        registration_id: u32,
    },
    /// An excluded service ID is also a recipient, or is excluded twice; the
    /// server would reject the message ("recipient redundantly encoded as
    /// empty").
    #[error("recipient {0} redundantly encoded as empty")]
    RedundantExcludedRecipient(ServiceId),
    /// A destination name is not a service ID string (libsignal:
    /// InvalidArgument).
    #[error("invalid argument: destination name {0:?} is not a service ID")]
    InvalidServiceId(String),
    /// A destination's session record has no current state, so no identity
    /// key or registration ID (libsignal: InvalidState / SessionNotFound).
    #[error("session with {0} not found")]
    SessionNotFound(ProtocolAddress),
}

/// A sealed message could not be opened (sealed-sender.md §4, §5.4, §6.7).
/// Drop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsealError {
    /// The input is empty.
    #[error("invalid sealed sender message: Message was empty")]
    EmptyMessage,
    /// The version nibble is not 0, 1 or 2.
    #[error("unknown sealed sender message version {0}")]
    UnknownVersion(u8),
    /// Malformed protobuf, a missing field, an unknown content type, or a
    /// v2 message shorter than 81 bytes.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
    /// A key in the message or certificate is malformed, or an X25519
    /// agreement gave all zeros.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// v1: the sender key block did not authenticate (wrong recipient, or
    /// tampered).
    #[error("invalid sealed sender message: failed to decrypt sealed sender v1 message key")]
    V1KeyDecryptionFailed,
    /// v1: the content block did not authenticate.
    #[error("invalid sealed sender message: failed to decrypt sealed sender v1 message contents")]
    V1ContentsDecryptionFailed,
    /// v1: the sender key in the message is not the certificate's key.
    #[error("invalid sealed sender message: sender certificate key does not match message key")]
    V1SenderKeyMismatch,
    /// v2: the ephemeral key derived from the unwrapped secret is not the
    /// one in the message (wrong recipient, or tampered).
    #[error("invalid sealed sender message: derived ephemeral key did not match key provided in message")]
    V2EphemeralKeyMismatch,
    /// v2: the payload did not authenticate.
    #[error("invalid sealed sender message: failed to decrypt inner message")]
    V2DecryptionFailed,
    /// v2: the authentication tag does not bind the certificate's key.
    #[error(
        "invalid sealed sender message: sender certificate key does not match authentication tag"
    )]
    V2AuthenticationTagMismatch,
}

impl From<CertificateError> for UnsealError {
    fn from(error: CertificateError) -> Self {
        match error {
            CertificateError::InvalidProtobufEncoding => Self::InvalidProtobufEncoding,
            CertificateError::Key(key) => Self::Key(key),
        }
    }
}

/// A v2 SentMessage could not be parsed (sealed-sender.md §6.5). The server
/// should refuse the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SentMessageError {
    /// The input is empty.
    #[error("invalid sealed sender message: Message was empty")]
    EmptyMessage,
    /// The first byte is not `0x22` or `0x23`.
    #[error("unknown sealed sender message version {0}")]
    UnknownVersion(u8),
    /// Truncated, a bad count varint, a bad service ID kind, a device ID
    /// above 127, a device 0 after a has-more flag, or fewer than 32
    /// trailing bytes (libsignal: InvalidProtobufEncoding). The text says
    /// which.
    #[error("protobuf encoding was invalid ({0})")]
    InvalidProtobufEncoding(&'static str),
    /// A recipient appears twice and one occurrence has no devices.
    #[error("invalid sealed sender message: recipient redundantly encoded as empty")]
    RedundantEmptyRecipient,
    /// The count exceeds [`super::MAX_RECIPIENTS`].
    #[error("{count} recipient entries exceed the limit of {max}")]
    TooManyRecipients {
        /// The count on the wire.
        count: u64,
        /// The limit.
        max: usize,
    },
    /// One recipient has more than [`super::MAX_DEVICES_PER_RECIPIENT`]
    /// device entries.
    #[error("a recipient has more than {max} devices")]
    TooManyDevices {
        /// The limit.
        max: usize,
    },
}

/// The full receive path failed (sealed-sender.md §7): unseal, validate,
/// self-send check, inner decryption. Drop the message; any session record
/// involved is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// The outer layer could not be opened.
    #[error("{0}")]
    Unseal(#[from] UnsealError),
    /// The sender certificate references an unknown server certificate ID.
    #[error("unknown server certificate ID: {0}")]
    UnknownServerCertificateId(u32),
    /// The sender certificate did not validate against the trust roots at
    /// the given time (untrusted, revoked, bad signature or expired).
    #[error("invalid sealed sender message: trust root validation failed ({0})")]
    Untrusted(ValidationError),
    /// The message was sent by this very device.
    #[error("self send of a sealed sender message")]
    SelfSend,
    /// A sender-key or plaintext inner message was handed to the 1:1
    /// decryption; run group decryption (or read the plaintext content) on
    /// [`super::VerifiedContent::contents`] instead.
    #[error("invalid {0:?} message: unexpected message type for sealed_sender_decrypt")]
    UnexpectedMessageType(CiphertextMessageType),
    /// The inner 1:1 message is malformed.
    #[error("{0}")]
    Message(#[from] MessageError),
    /// The inner 1:1 message did not decrypt (the session record is
    /// unchanged; a duplicate is reported as such).
    #[error("{0}")]
    Decrypt(#[from] DecryptError),
    /// The inner message decrypted with a session state whose remote
    /// identity is not the sender certificate's identity key: the
    /// certificate does not vouch for whoever holds that session. Drop the
    /// message; nothing was committed.
    #[error("invalid sealed sender message: sender certificate identity does not match the session's remote identity")]
    SenderIdentityMismatch,
}

impl From<ValidationError> for ReceiveError {
    fn from(error: ValidationError) -> Self {
        match error {
            ValidationError::UnknownServerCertificateId(id) => Self::UnknownServerCertificateId(id),
            other => Self::Untrusted(other),
        }
    }
}
