//! `PreKeySignalMessage` (type 3): the first messages of a session, carrying
//! what the recipient needs to run PQXDH, around an ordinary `SignalMessage`.

use prost::Message;

use super::{check_version, version_byte, MessageError, SignalMessage, CURRENT_VERSION};
use crate::keys::{IdentityKey, KyberPreKeyId, PreKeyId, PublicKey, SignedPreKeyId};
use crate::proto::PreKeySignalMessageProto;

/// A parsed `PreKeySignalMessage`.
///
/// The sender's identity key is exposed so the caller can decide whether to
/// trust it before decrypting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeySignalMessage {
    version: u8,
    registration_id: u32,
    pre_key_id: Option<PreKeyId>,
    signed_pre_key_id: SignedPreKeyId,
    kyber: Option<(KyberPreKeyId, Vec<u8>)>,
    base_key: PublicKey,
    identity_key: IdentityKey,
    message: SignalMessage,
    serialized: Vec<u8>,
}

/// The fields a sender puts around an inner message.
pub(crate) struct PreKeyParts {
    pub version: u8,
    pub registration_id: u32,
    pub pre_key_id: Option<PreKeyId>,
    pub signed_pre_key_id: SignedPreKeyId,
    pub kyber_pre_key_id: KyberPreKeyId,
    pub kyber_ciphertext: Vec<u8>,
    pub base_key: PublicKey,
    pub identity_key: IdentityKey,
}

impl PreKeySignalMessage {
    /// Parses a `PreKeySignalMessage` (messages.md §4.3).
    ///
    /// # Errors
    /// [`MessageError`] for every malformed case, in libsignal's order.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        let (&first, body) = bytes
            .split_first()
            .ok_or(MessageError::CiphertextMessageTooShort(0))?;
        let version = check_version(first)?;
        let proto = PreKeySignalMessageProto::decode(body)
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(base_key), Some(identity_key), Some(message), Some(signed_pre_key_id)) = (
            proto.base_key,
            proto.identity_key,
            proto.message,
            proto.signed_pre_key_id,
        ) else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        let base_key = PublicKey::deserialize(&base_key)?;
        let kyber = match (proto.kyber_pre_key_id, proto.kyber_ciphertext) {
            (Some(id), Some(ciphertext)) => Some((KyberPreKeyId(id), ciphertext)),
            (None, None) if version <= 3 => None,
            (None, None) => return Err(MessageError::KyberPreKeyMissing),
            _ => return Err(MessageError::KyberFieldsInconsistent),
        };
        let identity_key = IdentityKey::deserialize(&identity_key)?;
        let message = SignalMessage::deserialize(&message)?;
        Ok(Self {
            version,
            registration_id: proto.registration_id.unwrap_or(0),
            pre_key_id: proto.pre_key_id.map(PreKeyId),
            signed_pre_key_id: SignedPreKeyId(signed_pre_key_id),
            kyber,
            base_key,
            identity_key,
            message,
            serialized: bytes.to_vec(),
        })
    }

    pub(crate) fn new(parts: PreKeyParts, message: SignalMessage) -> Self {
        let proto = PreKeySignalMessageProto {
            pre_key_id: parts.pre_key_id.map(|id| id.0),
            base_key: Some(parts.base_key.serialize().to_vec()),
            identity_key: Some(parts.identity_key.serialize().to_vec()),
            message: Some(message.serialized().to_vec()),
            registration_id: Some(parts.registration_id),
            signed_pre_key_id: Some(parts.signed_pre_key_id.0),
            kyber_pre_key_id: Some(parts.kyber_pre_key_id.0),
            kyber_ciphertext: Some(parts.kyber_ciphertext),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len());
        serialized.push(version_byte(parts.version));
        let _ = proto.encode(&mut serialized);
        Self {
            version: parts.version,
            registration_id: parts.registration_id,
            pre_key_id: parts.pre_key_id,
            signed_pre_key_id: parts.signed_pre_key_id,
            kyber: proto
                .kyber_ciphertext
                .map(|ct| (parts.kyber_pre_key_id, ct)),
            base_key: parts.base_key,
            identity_key: parts.identity_key,
            message,
            serialized,
        }
    }

    /// The session version.
    #[must_use]
    pub fn message_version(&self) -> u8 {
        self.version
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

    /// The Kyber pre-key used (always present for version 4).
    #[must_use]
    pub fn kyber_pre_key_id(&self) -> Option<KyberPreKeyId> {
        self.kyber.as_ref().map(|(id, _)| *id)
    }

    /// The serialized Kyber ciphertext (not validated until processing).
    #[must_use]
    pub fn kyber_ciphertext(&self) -> Option<&[u8]> {
        self.kyber.as_ref().map(|(_, ct)| ct.as_slice())
    }

    /// The initiator's base key.
    #[must_use]
    pub fn base_key(&self) -> &PublicKey {
        &self.base_key
    }

    /// The sender's identity key: decide whether to trust it before decrypting.
    #[must_use]
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The inner `SignalMessage`.
    #[must_use]
    pub fn message(&self) -> &SignalMessage {
        &self.message
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// Whether the version is the current (PQXDH) one.
    #[must_use]
    pub fn is_current_version(&self) -> bool {
        self.version == CURRENT_VERSION
    }
}
