//! `SenderKeyMessage` (ciphertext type 7, sender-keys.md §4):
//! `0x33 || protobuf || 64-byte XEdDSA signature` by the chain's signing key
//! over everything before it.

use prost::Message;
use rand_core::CryptoRng;

use super::proto::SenderKeyMessageProto;
use super::{check_version, version_byte, DistributionId, SENDER_KEY_VERSION};
use crate::keys::{PrivateKey, PublicKey, SIGNATURE_LEN};
use crate::messages::MessageError;

/// Shortest possible message: the version byte and the signature.
const MIN_LEN: usize = 1 + SIGNATURE_LEN;

/// A parsed group message. Parsing checks the structure only; the signature
/// is checked by [`super::group_decrypt`], which knows the signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderKeyMessage {
    version: u8,
    distribution_id: DistributionId,
    chain_id: u32,
    iteration: u32,
    ciphertext: Vec<u8>,
    serialized: Vec<u8>,
}

impl SenderKeyMessage {
    /// Parses a `SenderKeyMessage` (sender-keys.md §4.3). The bytes are kept
    /// as received: the signature is verified over them, not over a
    /// re-encoding.
    ///
    /// # Errors
    /// [`MessageError::CiphertextMessageTooShort`] under 65 bytes;
    /// [`MessageError::LegacyCiphertextVersion`] /
    /// [`MessageError::UnrecognizedCiphertextVersion`] for a version nibble
    /// below / above 3; [`MessageError::InvalidProtobufEncoding`] for bad
    /// protobuf, a missing field or a distribution ID that is not 16 bytes.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() < MIN_LEN {
            return Err(MessageError::CiphertextMessageTooShort(bytes.len()));
        }
        let version = check_version(bytes[0])?;
        let body = &bytes[1..bytes.len() - SIGNATURE_LEN];
        let proto = SenderKeyMessageProto::decode(body)
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(uuid), Some(chain_id), Some(iteration), Some(ciphertext)) = (
            proto.distribution_uuid,
            proto.chain_id,
            proto.iteration,
            proto.ciphertext,
        ) else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        let distribution_id =
            DistributionId::from_slice(&uuid).ok_or(MessageError::InvalidProtobufEncoding)?;
        Ok(Self {
            version,
            distribution_id,
            chain_id,
            iteration,
            ciphertext,
            serialized: bytes.to_vec(),
        })
    }

    /// Builds and signs a message (version 3).
    pub(crate) fn new<R: CryptoRng + ?Sized>(
        distribution_id: DistributionId,
        chain_id: u32,
        iteration: u32,
        ciphertext: Vec<u8>,
        signing_key: &PrivateKey,
        rng: &mut R,
    ) -> Self {
        let proto = SenderKeyMessageProto {
            distribution_uuid: Some(distribution_id.as_bytes().to_vec()),
            chain_id: Some(chain_id),
            iteration: Some(iteration),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len() + SIGNATURE_LEN);
        serialized.push(version_byte(SENDER_KEY_VERSION));
        // Encoding into a Vec cannot run out of space.
        let _ = proto.encode(&mut serialized);
        let signature = signing_key.calculate_signature(&serialized, rng);
        serialized.extend_from_slice(&signature);
        Self {
            version: SENDER_KEY_VERSION,
            distribution_id,
            chain_id,
            iteration,
            ciphertext: proto.ciphertext.unwrap_or_default(),
            serialized,
        }
    }

    /// Whether the signature verifies under `signing_key`, over the bytes as
    /// received.
    #[must_use]
    pub fn verify_signature(&self, signing_key: &PublicKey) -> bool {
        let (signed, signature) = self
            .serialized
            .split_at(self.serialized.len() - SIGNATURE_LEN);
        signing_key.verify_signature(signed, signature)
    }

    /// The message version (high nibble of the first byte; always 3).
    #[must_use]
    pub fn message_version(&self) -> u8 {
        self.version
    }

    /// The distribution (group) this message belongs to: with the sender's
    /// address, it names the record to decrypt it with.
    #[must_use]
    pub fn distribution_id(&self) -> DistributionId {
        self.distribution_id
    }

    /// The sender chain's ID.
    #[must_use]
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The iteration of the message key used.
    #[must_use]
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The AES-256-CBC ciphertext.
    #[must_use]
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The 64-byte signature at the end.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.serialized[self.serialized.len() - SIGNATURE_LEN..]
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// sender-keys.md §10, iteration 0.
    const SPEC_MESSAGE: &str = "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002210835bfa\
        a6529ae7c3b210fef835ea801c93003d6f0ff8cb5ac5e2798b19b25d226e61dd\
        3735ae6e05fafd6b61942e835089ffb675da096507bd9e24f2fafbb4a5282dac\
        546753547f71ef8189baa7158c";

    fn spec_message() -> Vec<u8> {
        h(&SPEC_MESSAGE.replace(' ', ""))
    }

    fn signing_key() -> PrivateKey {
        PrivateKey::deserialize(&[0x11; 32]).unwrap()
    }

    #[test]
    fn parses_the_spec_vector_and_verifies_its_signature() {
        let bytes = spec_message();
        assert_eq!(bytes.len(), 109);
        let m = SenderKeyMessage::deserialize(&bytes).unwrap();
        assert_eq!(m.message_version(), 3);
        assert_eq!(
            m.distribution_id().to_string(),
            "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6"
        );
        assert_eq!(m.chain_id(), 0x1234_5678);
        assert_eq!(m.iteration(), 0);
        assert_eq!(m.ciphertext(), h("835bfaa6529ae7c3b210fef835ea801c"));
        assert_eq!(m.serialized(), bytes);
        let public = signing_key().public_key();
        assert_eq!(
            public.serialize().to_vec(),
            h("057b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13")
        );
        assert!(m.verify_signature(&public));
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(!SenderKeyMessage::deserialize(&flipped)
            .unwrap()
            .verify_signature(&public));
    }

    #[test]
    fn builds_the_spec_layout() {
        let bytes = spec_message();
        let m = SenderKeyMessage::deserialize(&bytes).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let built = SenderKeyMessage::new(
            m.distribution_id(),
            m.chain_id(),
            0,
            m.ciphertext().to_vec(),
            &signing_key(),
            &mut rng,
        );
        // Signing is randomized: everything but the signature is equal.
        assert_eq!(
            built.serialized()[..bytes.len() - 64],
            bytes[..bytes.len() - 64]
        );
        assert!(built.verify_signature(&signing_key().public_key()));
        assert_eq!(SenderKeyMessage::deserialize(built.serialized()), Ok(built));
    }

    use rand::SeedableRng;

    #[test]
    fn parse_errors_in_spec_order() {
        let good = spec_message();
        let sig = &good[good.len() - 64..];
        let with_body = |first: u8, body: &[u8]| [&[first][..], body, sig].concat();
        // 1. Length.
        assert_eq!(
            SenderKeyMessage::deserialize(&[]),
            Err(MessageError::CiphertextMessageTooShort(0))
        );
        assert_eq!(
            SenderKeyMessage::deserialize(&good[..64]),
            Err(MessageError::CiphertextMessageTooShort(64))
        );
        // Exactly 65 bytes: a version byte, an empty protobuf, a signature.
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x33, &[])),
            Err(MessageError::InvalidProtobufEncoding)
        );
        // 2. Version nibble; the low nibble is ignored.
        let body = &good[1..good.len() - 64];
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x23, body)),
            Err(MessageError::LegacyCiphertextVersion(2))
        );
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x03, body)),
            Err(MessageError::LegacyCiphertextVersion(0))
        );
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x43, body)),
            Err(MessageError::UnrecognizedCiphertextVersion(4))
        );
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0xf3, body)),
            Err(MessageError::UnrecognizedCiphertextVersion(15))
        );
        for low in [0x30, 0x34, 0x3f] {
            assert_eq!(
                SenderKeyMessage::deserialize(&with_body(low, body))
                    .unwrap()
                    .message_version(),
                3
            );
        }
        // A too-short message with a bad version reports the length.
        assert_eq!(
            SenderKeyMessage::deserialize(&[0x13; 10]),
            Err(MessageError::CiphertextMessageTooShort(10))
        );
        // 3. Protobuf.
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x33, &[0x0a, 0x20, 0x00])),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x33, &[0xff])),
            Err(MessageError::InvalidProtobufEncoding)
        );
        // 4. Missing fields and a wrong UUID length.
        let uuid = [
            0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        ];
        let fields: [&[u8]; 4] = [&uuid, &[0x10, 0x05], &[0x18, 0x00], &[0x22, 0x00]];
        for missing in 0..4 {
            let body: Vec<u8> = (0..4)
                .filter(|&i| i != missing)
                .flat_map(|i| fields[i].to_vec())
                .collect();
            assert_eq!(
                SenderKeyMessage::deserialize(&with_body(0x33, &body)),
                Err(MessageError::InvalidProtobufEncoding),
                "missing {missing}"
            );
        }
        let all: Vec<u8> = fields.concat();
        let m = SenderKeyMessage::deserialize(&with_body(0x33, &all)).unwrap();
        assert_eq!(
            (m.chain_id(), m.iteration(), m.ciphertext()),
            (5, 0, &[][..])
        );
        let short_uuid = [&[0x0a, 0x0f][..], &uuid[2..17], &fields[1..].concat()].concat();
        assert_eq!(
            SenderKeyMessage::deserialize(&with_body(0x33, &short_uuid)),
            Err(MessageError::InvalidProtobufEncoding)
        );
    }

    #[test]
    fn protobuf_decoding_follows_the_ordinary_rules() {
        let sig = [0u8; 64];
        let uuid = [
            0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
        ];
        // Fields out of order, an unknown field, a repeated field (last
        // wins), and a chain ID of 2^32 + 5 (truncated to 5).
        let body = [
            &[0x22, 0x01, 0xaa][..],
            &[0x18, 0x07],
            &[0x10, 0x85, 0x80, 0x80, 0x80, 0x10],
            &[0x3a, 0x02, 0xbe, 0xef],
            &uuid,
            &[0x18, 0x09],
        ]
        .concat();
        let m = SenderKeyMessage::deserialize(&[&[0x33][..], &body, &sig].concat()).unwrap();
        assert_eq!(
            (m.chain_id(), m.iteration(), m.ciphertext()),
            (5, 9, &[0xaa][..])
        );
        assert_eq!(m.distribution_id().as_bytes()[..3], [1, 2, 3]);
    }
}
