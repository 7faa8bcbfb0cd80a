//! `SenderKeyDistributionMessage` (sender-keys.md §5): a sender chain's ID,
//! current iteration and chain key, and its public signing key. Not signed
//! or encrypted by itself: deliver it inside a 1:1 session message.

use core::fmt;

use prost::Message;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::proto::SenderKeyDistributionMessageProto;
use super::{check_version, version_byte, DistributionId};
use crate::keys::{PublicKey, EC_PUBLIC_KEY_LEN};
use crate::messages::MessageError;

/// Shortest possible message (sender-keys.md §5.3: 1 + 32 + 32).
const MIN_LEN: usize = 65;
const CHAIN_KEY_LEN: usize = 32;

/// A distribution message. It holds a chain key, so it zeroizes on drop and
/// its `Debug` shows only public fields.
#[derive(Clone)]
pub struct SenderKeyDistributionMessage {
    version: u8,
    distribution_id: DistributionId,
    chain_id: u32,
    iteration: u32,
    chain_key: Box<[u8; CHAIN_KEY_LEN]>,
    signing_key: PublicKey,
    serialized: Zeroizing<Vec<u8>>,
}

/// Equal when the serialized bytes are (compared in constant time); the
/// fields are a function of them.
impl PartialEq for SenderKeyDistributionMessage {
    fn eq(&self, other: &Self) -> bool {
        self.serialized
            .as_slice()
            .ct_eq(other.serialized.as_slice())
            .into()
    }
}
impl Eq for SenderKeyDistributionMessage {}

impl Zeroize for SenderKeyDistributionMessage {
    fn zeroize(&mut self) {
        self.chain_key.zeroize();
        self.serialized.zeroize();
    }
}

impl Drop for SenderKeyDistributionMessage {
    fn drop(&mut self) {
        self.chain_key.zeroize();
    }
}

impl ZeroizeOnDrop for SenderKeyDistributionMessage {}

impl SenderKeyDistributionMessage {
    /// Parses a distribution message (sender-keys.md §5.3).
    ///
    /// # Errors
    /// [`MessageError::CiphertextMessageTooShort`] under 65 bytes;
    /// [`MessageError::LegacyCiphertextVersion`] /
    /// [`MessageError::UnrecognizedCiphertextVersion`] for a version nibble
    /// below / above 3; [`MessageError::InvalidProtobufEncoding`] for bad
    /// protobuf, a missing field, or a distribution ID, chain key or signing
    /// key of the wrong length (16, 32, 33 bytes); [`MessageError::Key`]
    /// with [`crate::keys::KeyError::BadKeyType`] for a signing key whose
    /// type byte is not `0x05`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() < MIN_LEN {
            return Err(MessageError::CiphertextMessageTooShort(bytes.len()));
        }
        let version = check_version(bytes[0])?;
        let mut proto = SenderKeyDistributionMessageProto::decode(&bytes[1..])
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(uuid), Some(chain_id), Some(iteration), Some(chain_key), Some(signing_key)) = (
            proto.distribution_uuid.take(),
            proto.chain_id,
            proto.iteration,
            proto.chain_key.take().map(Zeroizing::new),
            proto.signing_key.take(),
        ) else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        let distribution_id =
            DistributionId::from_slice(&uuid).ok_or(MessageError::InvalidProtobufEncoding)?;
        let chain_key: [u8; CHAIN_KEY_LEN] = chain_key
            .as_slice()
            .try_into()
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        if signing_key.len() != EC_PUBLIC_KEY_LEN {
            return Err(MessageError::InvalidProtobufEncoding);
        }
        let signing_key = PublicKey::deserialize(&signing_key)?;
        Ok(Self {
            version,
            distribution_id,
            chain_id,
            iteration,
            chain_key: Box::new(chain_key),
            signing_key,
            serialized: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// Builds a message from a sender chain's public parts.
    pub(crate) fn new(
        version: u8,
        distribution_id: DistributionId,
        chain_id: u32,
        iteration: u32,
        chain_key: &[u8; CHAIN_KEY_LEN],
        signing_key: PublicKey,
    ) -> Self {
        let proto = SenderKeyDistributionMessageProto {
            distribution_uuid: Some(distribution_id.as_bytes().to_vec()),
            chain_id: Some(chain_id),
            iteration: Some(iteration),
            chain_key: Some(chain_key.to_vec()),
            signing_key: Some(signing_key.serialize().to_vec()),
        };
        let mut serialized = Zeroizing::new(Vec::with_capacity(1 + proto.encoded_len()));
        serialized.push(version_byte(version));
        // Encoding into a Vec cannot run out of space.
        let _ = proto.encode(&mut *serialized);
        Self {
            version,
            distribution_id,
            chain_id,
            iteration,
            chain_key: Box::new(*chain_key),
            signing_key,
            serialized,
        }
    }

    /// The message version (high nibble of the first byte; always 3).
    #[must_use]
    pub fn message_version(&self) -> u8 {
        self.version
    }

    /// The distribution (group) the sender key is for.
    #[must_use]
    pub fn distribution_id(&self) -> DistributionId {
        self.distribution_id
    }

    /// The sender chain's ID.
    #[must_use]
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The iteration of [`Self::chain_key`]: the first message a receiver of
    /// this distribution message can decrypt.
    #[must_use]
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The chain key at [`Self::iteration`]. Secret.
    #[must_use]
    pub fn chain_key(&self) -> &[u8; CHAIN_KEY_LEN] {
        &self.chain_key
    }

    /// The chain's public signing key.
    #[must_use]
    pub fn signing_key(&self) -> &PublicKey {
        &self.signing_key
    }

    /// The whole message as on the wire (contains the chain key).
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

impl fmt::Debug for SenderKeyDistributionMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderKeyDistributionMessage")
            .field("version", &self.version)
            .field("distribution_id", &self.distribution_id)
            .field("chain_id", &self.chain_id)
            .field("iteration", &self.iteration)
            .field("signing_key", &self.signing_key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyError, PrivateKey};

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// sender-keys.md §10.
    const SPEC_SKDM: &str = "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002220000102\
        030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2a2105\
        7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13";

    fn spec_skdm() -> Vec<u8> {
        h(&SPEC_SKDM.replace(' ', ""))
    }

    #[test]
    fn spec_vector_parses_and_rebuilds_byte_for_byte() {
        let bytes = spec_skdm();
        assert_eq!(bytes.len(), 96);
        let m = SenderKeyDistributionMessage::deserialize(&bytes).unwrap();
        assert_eq!(m.message_version(), 3);
        assert_eq!(
            m.distribution_id().to_string(),
            "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6"
        );
        assert_eq!(m.chain_id(), 0x1234_5678);
        assert_eq!(m.iteration(), 0);
        assert_eq!(m.chain_key().to_vec(), (0u8..32).collect::<Vec<_>>());
        assert_eq!(
            *m.signing_key(),
            PrivateKey::deserialize(&[0x11; 32]).unwrap().public_key()
        );
        assert_eq!(m.serialized(), bytes);
        let rebuilt = SenderKeyDistributionMessage::new(
            3,
            m.distribution_id(),
            m.chain_id(),
            0,
            m.chain_key(),
            *m.signing_key(),
        );
        assert_eq!(rebuilt.serialized(), bytes);
        assert_eq!(rebuilt, m);
    }

    #[test]
    fn debug_shows_no_chain_key() {
        let m = SenderKeyDistributionMessage::deserialize(&spec_skdm()).unwrap();
        let debug = format!("{m:?}");
        assert!(
            debug.contains("chain_id: 305419896") && debug.contains("d1d1d1d1-7000"),
            "{debug}"
        );
        assert!(
            !debug.contains("000102030405") && !debug.contains("chain_key"),
            "{debug}"
        );
    }

    #[test]
    fn parse_errors_in_spec_order() {
        let good = spec_skdm();
        let body = &good[1..];
        let with = |first: u8, body: &[u8]| [&[first][..], body].concat();
        let parse =
            |bytes: &[u8]| SenderKeyDistributionMessage::deserialize(bytes).map(|m| m.iteration());
        // 1. Length.
        assert_eq!(parse(&[]), Err(MessageError::CiphertextMessageTooShort(0)));
        assert_eq!(
            parse(&good[..64]),
            Err(MessageError::CiphertextMessageTooShort(64))
        );
        assert_eq!(
            parse(&[0x13; 64]),
            Err(MessageError::CiphertextMessageTooShort(64))
        );
        // 2. Version nibble (low nibble ignored).
        assert_eq!(
            parse(&with(0x23, body)),
            Err(MessageError::LegacyCiphertextVersion(2))
        );
        assert_eq!(
            parse(&with(0x43, body)),
            Err(MessageError::UnrecognizedCiphertextVersion(4))
        );
        assert_eq!(parse(&with(0x30, body)), Ok(0));
        // 3. Protobuf: 64 bytes of 0xff are no protobuf.
        assert_eq!(
            parse(&with(0x33, &[0xff; 64])),
            Err(MessageError::InvalidProtobufEncoding)
        );
        // 4. Each field missing; 5. wrong lengths; 6. key type.
        let uuid = [&[0x0a, 0x10][..], &[7u8; 16]].concat();
        let chain_key = [&[0x22, 0x20][..], &[9u8; 32]].concat();
        let signing = [&[0x2a, 0x21, 0x05][..], &[3u8; 32]].concat();
        let fields: [Vec<u8>; 5] = [
            uuid.clone(),
            vec![0x10, 0x01],
            vec![0x18, 0x02],
            chain_key.clone(),
            signing.clone(),
        ];
        for missing in 0..5 {
            let body: Vec<u8> = (0..5)
                .filter(|&i| i != missing)
                .flat_map(|i| fields[i].clone())
                .collect();
            // Pad with an unknown field so the length check passes.
            let body = [body, vec![0x3a, 0x20], vec![0; 32]].concat();
            assert_eq!(
                parse(&with(0x33, &body)),
                Err(MessageError::InvalidProtobufEncoding),
                "missing field {missing}"
            );
        }
        let replace = |index: usize, field: Vec<u8>| {
            let mut f = fields.clone();
            f[index] = field;
            with(0x33, &f.concat())
        };
        assert_eq!(parse(&with(0x33, &fields.concat())), Ok(2));
        assert_eq!(
            parse(&replace(0, [&[0x0a, 0x11][..], &[7u8; 17]].concat())),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            parse(&replace(3, [&[0x22, 0x1f][..], &[9u8; 31]].concat())),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            parse(&replace(3, [&[0x22, 0x21][..], &[9u8; 33]].concat())),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            parse(&replace(4, [&[0x2a, 0x20, 0x05][..], &[3u8; 31]].concat())),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            parse(&replace(4, [&[0x2a, 0x22, 0x05][..], &[3u8; 33]].concat())),
            Err(MessageError::InvalidProtobufEncoding)
        );
        assert_eq!(
            parse(&replace(4, [&[0x2a, 0x21, 0x06][..], &[3u8; 32]].concat())),
            Err(MessageError::Key(KeyError::BadKeyType(0x06)))
        );
    }
}
