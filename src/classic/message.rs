//! Version-3 wire messages (classic-v3.md §4): `0x33` on the way out, a
//! high nibble of exactly 3 on the way in (the low nibble is ignored, so
//! libsignal's `0x34` for migrated sessions reads too). These types are
//! separate from the version-4 ones: a classic message can only reach a
//! [`super::ClassicSessionRecord`], a version-4 message only a
//! [`crate::session::SessionRecord`].

use prost::Message;

use super::proto::ClassicPreKeyMessageProto;
use super::CLASSIC_VERSION;
use crate::keys::{IdentityKey, PreKeyId, PublicKey, SignedPreKeyId};
use crate::messages::{CiphertextMessageType, MessageError, SignalMessage};

/// The version byte hush writes on classic messages.
pub const CLASSIC_VERSION_BYTE: u8 = (CLASSIC_VERSION << 4) | CLASSIC_VERSION;

fn check_classic_version(byte: u8) -> Result<(), MessageError> {
    let version = byte >> 4;
    if version < CLASSIC_VERSION {
        return Err(MessageError::LegacyCiphertextVersion(version));
    }
    if version > CLASSIC_VERSION {
        return Err(MessageError::UnrecognizedCiphertextVersion(version));
    }
    Ok(())
}

/// A version-3 `SignalMessage` (type 2): `0x33 ‖ protobuf{1..4} ‖ MAC(8)`.
/// Parsing checks structure only; the MAC is checked when decrypting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicSignalMessage {
    pub(crate) inner: SignalMessage,
}

impl ClassicSignalMessage {
    /// Parses a version-3 `SignalMessage`. Fields 5 and 6 (version 4's
    /// `pq_ratchet` and `addresses`) are ignored like any unknown field; they
    /// stay covered by the MAC.
    ///
    /// # Errors
    /// [`MessageError`]: too short, version nibble other than 3 (a version-4
    /// message is [`MessageError::UnrecognizedCiphertextVersion`]), bad
    /// protobuf, a missing ratchet key, counter or ciphertext, or a bad key.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if let Some(&first) = bytes.first() {
            check_classic_version(first)?;
        }
        let inner = SignalMessage::deserialize(bytes)?;
        Ok(Self {
            inner: inner.without_extensions(),
        })
    }

    /// Always 3.
    #[must_use]
    pub fn message_version(&self) -> u8 {
        CLASSIC_VERSION
    }

    /// The sender's current ratchet key.
    #[must_use]
    pub fn ratchet_key(&self) -> &PublicKey {
        self.inner.ratchet_key()
    }

    /// The message's index in its sending chain.
    #[must_use]
    pub fn counter(&self) -> u32 {
        self.inner.counter()
    }

    /// The sender's `previousCounter` (informational; ignored when
    /// receiving, as libsignal-protocol-c does).
    #[must_use]
    pub fn previous_counter(&self) -> u32 {
        self.inner.previous_counter()
    }

    /// The AES-256-CBC ciphertext.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.inner.body()
    }

    /// The truncated MAC (the last 8 bytes).
    #[must_use]
    pub fn mac(&self) -> &[u8] {
        let bytes = self.inner.serialized();
        &bytes[bytes.len().saturating_sub(crate::messages::MAC_LEN)..]
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        self.inner.serialized()
    }
}

/// A version-3 `PreKeySignalMessage` (type 3): `0x33 ‖ protobuf{1..6}`, no
/// Kyber fields. Its identity key is shown so that the caller can decide
/// whether to trust it before decrypting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicPreKeySignalMessage {
    registration_id: u32,
    pre_key_id: Option<PreKeyId>,
    signed_pre_key_id: SignedPreKeyId,
    base_key: PublicKey,
    identity_key: IdentityKey,
    message: ClassicSignalMessage,
    serialized: Vec<u8>,
}

/// What a sender puts around the inner message.
pub(crate) struct ClassicPreKeyParts {
    pub(crate) registration_id: u32,
    pub(crate) pre_key_id: Option<PreKeyId>,
    pub(crate) signed_pre_key_id: SignedPreKeyId,
    pub(crate) base_key: PublicKey,
    pub(crate) identity_key: IdentityKey,
}

impl ClassicPreKeySignalMessage {
    /// Parses a version-3 `PreKeySignalMessage`. An absent registration ID
    /// (oldmemo never writes it) reads as 0; Kyber fields, which no
    /// version-3 writer emits, are ignored as unknown.
    ///
    /// # Errors
    /// [`MessageError`]: empty, version nibble other than 3, bad protobuf,
    /// a missing base key, identity key, message or signed pre-key ID, a bad
    /// key, or a malformed inner message.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        let (&first, body) = bytes
            .split_first()
            .ok_or(MessageError::CiphertextMessageTooShort(0))?;
        check_classic_version(first)?;
        let proto = ClassicPreKeyMessageProto::decode(body)
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(base_key), Some(identity_key), Some(message), Some(signed_pre_key_id)) = (
            proto.base_key.as_deref(),
            proto.identity_key.as_deref(),
            proto.message.as_deref(),
            proto.signed_pre_key_id,
        ) else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        Ok(Self {
            registration_id: proto.registration_id.unwrap_or(0),
            pre_key_id: proto.pre_key_id.map(PreKeyId),
            signed_pre_key_id: SignedPreKeyId(signed_pre_key_id),
            base_key: PublicKey::deserialize(base_key)?,
            identity_key: IdentityKey::deserialize(identity_key)?,
            message: ClassicSignalMessage::deserialize(message)?,
            serialized: bytes.to_vec(),
        })
    }

    pub(crate) fn new(parts: ClassicPreKeyParts, message: ClassicSignalMessage) -> Self {
        let proto = ClassicPreKeyMessageProto {
            pre_key_id: parts.pre_key_id.map(|id| id.0),
            base_key: Some(parts.base_key.serialize().to_vec()),
            identity_key: Some(parts.identity_key.serialize().to_vec()),
            message: Some(message.serialized().to_vec()),
            registration_id: Some(parts.registration_id),
            signed_pre_key_id: Some(parts.signed_pre_key_id.0),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len());
        serialized.push(CLASSIC_VERSION_BYTE);
        // Encoding into a Vec cannot run out of space.
        let _ = proto.encode(&mut serialized);
        Self {
            registration_id: parts.registration_id,
            pre_key_id: parts.pre_key_id,
            signed_pre_key_id: parts.signed_pre_key_id,
            base_key: parts.base_key,
            identity_key: parts.identity_key,
            message,
            serialized,
        }
    }

    /// Always 3.
    #[must_use]
    pub fn message_version(&self) -> u8 {
        CLASSIC_VERSION
    }

    /// The sender's registration ID (0 when absent).
    #[must_use]
    pub fn registration_id(&self) -> u32 {
        self.registration_id
    }

    /// The one-time pre-key used, if any.
    #[must_use]
    pub fn pre_key_id(&self) -> Option<PreKeyId> {
        self.pre_key_id
    }

    /// The signed pre-key used.
    #[must_use]
    pub fn signed_pre_key_id(&self) -> SignedPreKeyId {
        self.signed_pre_key_id
    }

    /// The initiator's base key.
    #[must_use]
    pub fn base_key(&self) -> &PublicKey {
        &self.base_key
    }

    /// The sender's identity key: decide whether to trust it before
    /// decrypting.
    #[must_use]
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The inner `SignalMessage`.
    #[must_use]
    pub fn message(&self) -> &ClassicSignalMessage {
        &self.message
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

/// A classic message of either type, as [`super::ClassicSessionRecord::encrypt`]
/// returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassicCiphertextMessage {
    /// A `SignalMessage` (type 2).
    Whisper(ClassicSignalMessage),
    /// A `PreKeySignalMessage` (type 3).
    PreKey(ClassicPreKeySignalMessage),
}

impl ClassicCiphertextMessage {
    /// Parses bytes of the given transport type (2 or 3).
    ///
    /// # Errors
    /// [`MessageError`] as the type's parser reports it;
    /// [`MessageError::InvalidProtobufEncoding`] for another type.
    pub fn deserialize(
        message_type: CiphertextMessageType,
        bytes: &[u8],
    ) -> Result<Self, MessageError> {
        match message_type {
            CiphertextMessageType::Whisper => {
                ClassicSignalMessage::deserialize(bytes).map(Self::Whisper)
            }
            CiphertextMessageType::PreKey => {
                ClassicPreKeySignalMessage::deserialize(bytes).map(Self::PreKey)
            }
            _ => Err(MessageError::InvalidProtobufEncoding),
        }
    }

    /// The message type to send along with the bytes (2 or 3).
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
