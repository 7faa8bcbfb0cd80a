//! Retry receipts: `DecryptionErrorMessage` (messages.md §5.1).
//!
//! A receiver that cannot decrypt a message tells the sender so with a
//! `DecryptionErrorMessage` naming the failed message's ratchet key, its
//! timestamp and the sender's device. It travels unencrypted, wrapped in a
//! [`PlaintextContent`](super::PlaintextContent) (message type 8). The
//! sender compares the ratchet key with its current sending ratchet key
//! ([`SessionRecord::current_ratchet_key_matches`](crate::session::SessionRecord::current_ratchet_key_matches))
//! and, if it matches, archives the session and starts a new one.

use prost::Message;

use super::{CiphertextMessageType, MessageError, PreKeySignalMessage, SignalMessage};
use crate::keys::{KeyError, PublicKey};

/// The byte that ends a `Content` body without padding (messages.md §5.2).
pub(crate) const PADDING_BOUNDARY: u8 = 0x80;

/// `signalservice.DecryptionErrorMessage` (proto2).
#[derive(Clone, PartialEq, prost::Message)]
struct DecryptionErrorMessageProto {
    #[prost(bytes = "vec", optional, tag = "1")]
    ratchet_key: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "2")]
    timestamp: Option<u64>,
    #[prost(uint32, optional, tag = "3")]
    device_id: Option<u32>,
}

/// `signalservice.Content` (proto2), only the field a retry receipt uses;
/// fields 1–7 are skipped when reading and never written.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ContentProto {
    #[prost(bytes = "vec", optional, tag = "8")]
    pub decryption_error_message: Option<Vec<u8>>,
}

/// A retry receipt could not be made or read. Drop the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryReceiptError {
    /// A `PlaintextContent` with no bytes at all.
    #[error("ciphertext serialized bytes were too short <{0}>")]
    CiphertextMessageTooShort(usize),
    /// A `PlaintextContent` whose first byte is not `0xC0`.
    #[error("unrecognized message version <{0}>")]
    UnrecognizedMessageVersion(u8),
    /// Not valid protobuf, a required field (the timestamp) is missing, or a
    /// body does not end in the `0x80` boundary byte.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
    /// The receipt's ratchet key is malformed.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The original message (types 2 and 3) does not parse.
    #[error("{0}")]
    OriginalMessage(#[from] MessageError),
    /// A receipt was asked for a plaintext (type 8) message.
    #[error("invalid argument: cannot create a DecryptionErrorMessage for plaintext content; it is not encrypted")]
    PlaintextNotEncrypted,
    /// A `Content` body without a `DecryptionErrorMessage` (field 8).
    #[error("invalid argument: Content does not contain DecryptionErrorMessage")]
    NoDecryptionErrorMessage,
}

/// A parsed or freshly made retry receipt. Public data only.
///
/// # A retry-receipt round
///
/// ```
/// use hush::address::{DeviceId, ProtocolAddress};
/// use hush::keys::*;
/// use hush::messages::{CiphertextMessageType, DecryptionErrorMessage, PlaintextContent};
/// use hush::session::{Addresses, LocalIdentity, SessionRecord};
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut rng = StdRng::seed_from_u64(1); // use an OS-seeded RNG in production
/// let now = Timestamp::from_millis(1_700_000_000_000);
///
/// // Bob publishes pre-keys; Alice starts a session and sends a message.
/// let bob = IdentityKeyPair::generate(&mut rng);
/// let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob, &mut rng);
/// let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob, &mut rng);
/// let bundle = PreKeyBundle {
///     registration_id: 2,
///     device_id: DeviceId::new(1)?,
///     pre_key: None,
///     signed_pre_key_id: signed.id(),
///     signed_pre_key_public: *signed.public_key(),
///     signed_pre_key_signature: signed.signature().to_vec(),
///     kyber_pre_key_id: kyber.id(),
///     kyber_pre_key_public: kyber.public_key().clone(),
///     kyber_pre_key_signature: kyber.signature().to_vec(),
///     identity_key: *bob.identity_key(),
/// };
/// let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
/// let alice_addr = ProtocolAddress::new("alice", DeviceId::new(1)?);
/// let bob_addr = ProtocolAddress::new("bob", DeviceId::new(1)?);
/// let mut alice_record = SessionRecord::new();
/// alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
/// let sent = alice_record.encrypt(
///     b"hi",
///     Addresses { local: &alice_addr, remote: &bob_addr },
///     now,
///     &mut rng,
/// )?;
///
/// // Bob cannot decrypt it (say he lost his state). He sends back a
/// // receipt as an unencrypted type-8 message.
/// let receipt = DecryptionErrorMessage::for_original(
///     sent.serialized(),
///     sent.message_type(),
///     1_700_000_000_123, // the message's timestamp from the transport
///     1,                 // Alice's device
/// )?;
/// let wire = PlaintextContent::from_decryption_error(&receipt);
/// assert_eq!(wire.serialized()[0], 0xC0);
///
/// // Alice gets a type-8 message: she reads the receipt, and since it names
/// // the ratchet key she sends with now, she archives the session and will
/// // start a new one from a fresh bundle.
/// let content = PlaintextContent::deserialize(wire.serialized())?;
/// let receipt = content.decryption_error()?;
/// assert_eq!((receipt.timestamp(), receipt.device_id()), (1_700_000_000_123, 1));
/// let key = receipt.ratchet_key().expect("1:1 messages name their ratchet key");
/// if alice_record.current_ratchet_key_matches(key) {
///     alice_record.archive_current_state();
/// }
/// assert!(!alice_record.has_current_state());
/// # let _ = CiphertextMessageType::Plaintext;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptionErrorMessage {
    ratchet_key: Option<PublicKey>,
    timestamp: u64,
    device_id: u32,
    serialized: Vec<u8>,
}

impl DecryptionErrorMessage {
    /// Makes the receipt for a message that could not be decrypted:
    /// `original` is its serialized bytes and `original_type` the type it
    /// arrived with, `timestamp` the message's timestamp (milliseconds since
    /// the Unix epoch, as the transport gave it) and
    /// `original_sender_device_id` the sending device. For `SignalMessage`s
    /// and `PreKeySignalMessage`s the receipt names the message's ratchet key;
    /// sender-key messages are not parsed and get none.
    ///
    /// # Errors
    /// [`RetryReceiptError::OriginalMessage`] if a type 2 or 3 message does
    /// not parse; [`RetryReceiptError::PlaintextNotEncrypted`] for type 8.
    pub fn for_original(
        original: &[u8],
        original_type: CiphertextMessageType,
        timestamp: u64,
        original_sender_device_id: u32,
    ) -> Result<Self, RetryReceiptError> {
        let ratchet_key = match original_type {
            CiphertextMessageType::Whisper => {
                Some(*SignalMessage::deserialize(original)?.ratchet_key())
            }
            CiphertextMessageType::PreKey => Some(
                *PreKeySignalMessage::deserialize(original)?
                    .message()
                    .ratchet_key(),
            ),
            CiphertextMessageType::SenderKey => None,
            CiphertextMessageType::Plaintext => {
                return Err(RetryReceiptError::PlaintextNotEncrypted)
            }
        };
        let proto = DecryptionErrorMessageProto {
            ratchet_key: ratchet_key.map(|k| k.serialize().to_vec()),
            timestamp: Some(timestamp),
            device_id: Some(original_sender_device_id),
        };
        Ok(Self {
            ratchet_key,
            timestamp,
            device_id: original_sender_device_id,
            serialized: proto.encode_to_vec(),
        })
    }

    /// Parses a serialized `DecryptionErrorMessage` (no version byte, no MAC).
    ///
    /// # Errors
    /// [`RetryReceiptError::InvalidProtobufEncoding`] for bad protobuf or a
    /// missing timestamp; [`RetryReceiptError::Key`] for a malformed ratchet
    /// key.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, RetryReceiptError> {
        let proto = DecryptionErrorMessageProto::decode(bytes)
            .map_err(|_| RetryReceiptError::InvalidProtobufEncoding)?;
        let timestamp = proto
            .timestamp
            .ok_or(RetryReceiptError::InvalidProtobufEncoding)?;
        let ratchet_key = proto
            .ratchet_key
            .as_deref()
            .map(PublicKey::deserialize)
            .transpose()?;
        Ok(Self {
            ratchet_key,
            timestamp,
            device_id: proto.device_id.unwrap_or(0),
            serialized: bytes.to_vec(),
        })
    }

    /// Reads the receipt out of a decrypted type-8 body (what
    /// [`PlaintextContent::body`](super::PlaintextContent::body) returns: a
    /// serialized `Content` followed by the `0x80` boundary byte).
    ///
    /// # Errors
    /// [`RetryReceiptError::InvalidProtobufEncoding`] if the boundary byte is
    /// missing or the `Content` does not decode;
    /// [`RetryReceiptError::NoDecryptionErrorMessage`] if it carries no
    /// receipt; otherwise as [`DecryptionErrorMessage::deserialize`].
    pub fn from_content_body(body: &[u8]) -> Result<Self, RetryReceiptError> {
        let Some((&PADDING_BOUNDARY, content)) = body.split_last() else {
            return Err(RetryReceiptError::InvalidProtobufEncoding);
        };
        let content = ContentProto::decode(content)
            .map_err(|_| RetryReceiptError::InvalidProtobufEncoding)?;
        let inner = content
            .decryption_error_message
            .ok_or(RetryReceiptError::NoDecryptionErrorMessage)?;
        Self::deserialize(&inner)
    }

    /// The failed message's ratchet key (none for sender-key messages).
    #[must_use]
    pub fn ratchet_key(&self) -> Option<&PublicKey> {
        self.ratchet_key.as_ref()
    }

    /// The failed message's timestamp, milliseconds since the Unix epoch.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The device that sent the failed message (0 when the receipt omits it).
    #[must_use]
    pub fn device_id(&self) -> u32 {
        self.device_id
    }

    /// The serialized receipt.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_key_receipt_matches_the_spec_example() {
        let dem = DecryptionErrorMessage::for_original(
            b"not parsed",
            CiphertextMessageType::SenderKey,
            5,
            7,
        )
        .unwrap();
        assert_eq!(dem.serialized(), [0x10, 0x05, 0x18, 0x07]);
        assert_eq!(dem.ratchet_key(), None);
        let parsed = DecryptionErrorMessage::deserialize(dem.serialized()).unwrap();
        assert_eq!(parsed, dem);
    }

    #[test]
    fn plaintext_original_is_refused() {
        assert_eq!(
            DecryptionErrorMessage::for_original(&[0xC0], CiphertextMessageType::Plaintext, 1, 1),
            Err(RetryReceiptError::PlaintextNotEncrypted)
        );
    }

    #[test]
    fn malformed_receipts_are_refused() {
        // No timestamp.
        assert_eq!(
            DecryptionErrorMessage::deserialize(&[0x18, 0x07]),
            Err(RetryReceiptError::InvalidProtobufEncoding)
        );
        // Truncated field.
        assert_eq!(
            DecryptionErrorMessage::deserialize(&[0x0a, 0x21, 0x05]),
            Err(RetryReceiptError::InvalidProtobufEncoding)
        );
        // A ratchet key of the wrong type.
        let mut key = vec![0x0a, 0x21, 0x06];
        key.extend_from_slice(&[1; 32]);
        key.extend_from_slice(&[0x10, 0x01]);
        assert_eq!(
            DecryptionErrorMessage::deserialize(&key),
            Err(RetryReceiptError::Key(KeyError::BadKeyType(6)))
        );
        // Device id defaults to 0.
        assert_eq!(
            DecryptionErrorMessage::deserialize(&[0x10, 0x01])
                .unwrap()
                .device_id(),
            0
        );
    }

    #[test]
    fn body_extraction_checks_boundary_and_field() {
        assert_eq!(
            DecryptionErrorMessage::from_content_body(&[]),
            Err(RetryReceiptError::InvalidProtobufEncoding)
        );
        assert_eq!(
            DecryptionErrorMessage::from_content_body(&[0x42, 0x02, 0x10, 0x05]),
            Err(RetryReceiptError::InvalidProtobufEncoding)
        );
        // A Content with only field 1 (opaque here).
        assert_eq!(
            DecryptionErrorMessage::from_content_body(&[0x0a, 0x01, 0x00, 0x80]),
            Err(RetryReceiptError::NoDecryptionErrorMessage)
        );
        let dem =
            DecryptionErrorMessage::from_content_body(&[0x42, 0x04, 0x10, 0x05, 0x18, 0x07, 0x80])
                .unwrap();
        assert_eq!((dem.timestamp(), dem.device_id()), (5, 7));
    }
}
