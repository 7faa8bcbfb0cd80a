//! `SignalMessage` (type 2): version byte, protobuf, truncated MAC.

use prost::Message;
use subtle::ConstantTimeEq;

use super::{check_version, version_byte, MessageError};
use crate::keys::{IdentityKey, PublicKey};
use crate::primitives::hmac_sha256;
use crate::proto::SignalMessageProto;

/// Length of the truncated HMAC-SHA-256 at the end of a `SignalMessage`.
pub const MAC_LEN: usize = 8;
const MIN_LEN: usize = 1 + MAC_LEN;

/// A parsed `SignalMessage`. Parsing checks structure only; the MAC is checked
/// during decryption, when the key is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalMessage {
    version: u8,
    ratchet_key: PublicKey,
    counter: u32,
    previous_counter: u32,
    ciphertext: Vec<u8>,
    pq_ratchet: Vec<u8>,
    addresses: Option<Vec<u8>>,
    serialized: Vec<u8>,
}

/// The parts of a message to be built and MACed.
pub(crate) struct SignalMessageParts<'a> {
    pub version: u8,
    pub ratchet_key: PublicKey,
    pub counter: u32,
    pub previous_counter: u32,
    pub ciphertext: Vec<u8>,
    pub pq_ratchet: Vec<u8>,
    pub addresses: Option<Vec<u8>>,
    pub sender_identity: &'a IdentityKey,
    pub receiver_identity: &'a IdentityKey,
}

impl SignalMessage {
    /// Parses a `SignalMessage` (messages.md §3.4).
    ///
    /// # Errors
    /// [`MessageError`] for short input, bad version, bad protobuf, missing
    /// fields or a malformed ratchet key.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() < MIN_LEN {
            return Err(MessageError::CiphertextMessageTooShort(bytes.len()));
        }
        let version = check_version(bytes[0])?;
        let body = &bytes[1..bytes.len() - MAC_LEN];
        let proto =
            SignalMessageProto::decode(body).map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(ratchet_key), Some(counter), Some(ciphertext)) =
            (proto.ratchet_key, proto.counter, proto.ciphertext)
        else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        Ok(Self {
            version,
            ratchet_key: PublicKey::deserialize(&ratchet_key)?,
            counter,
            previous_counter: proto.previous_counter.unwrap_or(0),
            ciphertext,
            pq_ratchet: proto.pq_ratchet.unwrap_or_default(),
            addresses: proto.addresses,
            serialized: bytes.to_vec(),
        })
    }

    /// Builds and MACs a message.
    pub(crate) fn new(parts: SignalMessageParts<'_>, mac_key: &[u8; 32]) -> Self {
        let version_byte = version_byte(parts.version);
        Self::with_version_byte(parts, mac_key, version_byte)
    }

    /// Builds and MACs a message with an explicit first byte (classic
    /// sessions write `0x33`, see [`crate::classic`]).
    pub(crate) fn with_version_byte(
        parts: SignalMessageParts<'_>,
        mac_key: &[u8; 32],
        version_byte: u8,
    ) -> Self {
        let proto = SignalMessageProto {
            ratchet_key: Some(parts.ratchet_key.serialize().to_vec()),
            counter: Some(parts.counter),
            previous_counter: Some(parts.previous_counter),
            ciphertext: Some(parts.ciphertext),
            pq_ratchet: (!parts.pq_ratchet.is_empty()).then_some(parts.pq_ratchet),
            addresses: parts.addresses,
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len() + MAC_LEN);
        serialized.push(version_byte);
        // Encoding into a Vec cannot run out of space.
        let _ = proto.encode(&mut serialized);
        let mac = compute_mac(
            mac_key,
            parts.sender_identity,
            parts.receiver_identity,
            &serialized,
        );
        serialized.extend_from_slice(&mac);
        let SignalMessageProto {
            ciphertext,
            pq_ratchet,
            addresses,
            ..
        } = proto;
        Self {
            version: parts.version,
            ratchet_key: parts.ratchet_key,
            counter: parts.counter,
            previous_counter: parts.previous_counter,
            ciphertext: ciphertext.unwrap_or_default(),
            pq_ratchet: pq_ratchet.unwrap_or_default(),
            addresses,
            serialized,
        }
    }

    /// The same message with fields 5 (`pq_ratchet`) and 6 (`addresses`)
    /// ignored, as a version-3 reader ignores unknown fields; they stay
    /// covered by the MAC through the serialized bytes.
    pub(crate) fn without_extensions(mut self) -> Self {
        self.pq_ratchet = Vec::new();
        self.addresses = None;
        self
    }

    /// Checks the truncated MAC in constant time.
    pub(crate) fn verify_mac(
        &self,
        mac_key: &[u8; 32],
        sender: &IdentityKey,
        receiver: &IdentityKey,
    ) -> bool {
        let split = self.serialized.len() - MAC_LEN;
        let expected = compute_mac(mac_key, sender, receiver, &self.serialized[..split]);
        expected.ct_eq(&self.serialized[split..]).into()
    }

    /// The session version (high nibble of the first byte).
    #[must_use]
    pub fn message_version(&self) -> u8 {
        self.version
    }

    /// The sender's current ratchet key.
    #[must_use]
    pub fn ratchet_key(&self) -> &PublicKey {
        &self.ratchet_key
    }

    /// The message's index in its sending chain.
    #[must_use]
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// The last counter of the sender's previous chain (informational).
    #[must_use]
    pub fn previous_counter(&self) -> u32 {
        self.previous_counter
    }

    /// The AES-256-CBC ciphertext.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The SPQR bytes (field 5); empty when absent.
    #[must_use]
    pub fn pq_ratchet(&self) -> &[u8] {
        &self.pq_ratchet
    }

    /// The `addresses` field, when present (36 bytes if well formed).
    #[must_use]
    pub fn addresses(&self) -> Option<&[u8]> {
        self.addresses.as_deref()
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

fn compute_mac(
    mac_key: &[u8; 32],
    sender: &IdentityKey,
    receiver: &IdentityKey,
    message: &[u8],
) -> [u8; MAC_LEN] {
    let full = hmac_sha256(
        mac_key,
        &[&sender.serialize(), &receiver.serialize(), message],
    );
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(&full[..MAC_LEN]);
    mac
}
