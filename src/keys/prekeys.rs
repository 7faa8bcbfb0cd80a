//! Pre-key records: one-time EC pre-keys, signed pre-keys and Kyber pre-keys,
//! serialized exactly as libsignal stores them (keys-and-signatures.md §8).
//!
//! Unlike libsignal, which defers key checks until the key pair is used,
//! parsing here validates every key, so a record that loads is usable.

use core::fmt;

use prost::Message;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{
    IdentityKeyPair, KemKeyPair, KemPublicKey, KemSecretKey, KeyError, KeyPair, PrivateKey,
    PublicKey, SIGNATURE_LEN,
};
use crate::proto::{PreKeyRecordStructure, SignedPreKeyRecordStructure};

/// A stored pre-key record could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The bytes are not a valid protobuf of the expected message.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
    /// A key inside the record is malformed.
    #[error("invalid key in record: {0}")]
    Key(#[from] KeyError),
    /// The stored signature is not 64 bytes long.
    #[error("bad signature length {0}")]
    BadSignatureLength(usize),
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl From<u32> for $name {
            fn from(id: u32) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifier of a one-time EC pre-key.
    PreKeyId
);
id_type!(
    /// Identifier of a signed EC pre-key.
    SignedPreKeyId
);
id_type!(
    /// Identifier of a Kyber pre-key.
    KyberPreKeyId
);

/// A point in time: milliseconds since the Unix epoch. hush never reads a
/// clock; the caller supplies every timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// From milliseconds since the Unix epoch.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }
}

/// A one-time EC pre-key with its private key.
#[derive(Clone)]
pub struct PreKeyRecord {
    id: PreKeyId,
    key_pair: KeyPair,
}

impl PreKeyRecord {
    /// Wraps an existing key pair.
    #[must_use]
    pub fn new(id: PreKeyId, key_pair: KeyPair) -> Self {
        Self { id, key_pair }
    }

    /// Generates a fresh one-time pre-key.
    pub fn generate<R: CryptoRng + ?Sized>(id: PreKeyId, rng: &mut R) -> Self {
        Self::new(id, KeyPair::generate(rng))
    }

    /// The pre-key's identifier.
    #[must_use]
    pub fn id(&self) -> PreKeyId {
        self.id
    }

    /// The key pair.
    #[must_use]
    pub fn key_pair(&self) -> &KeyPair {
        &self.key_pair
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key_pair.public_key
    }

    /// libsignal's `PreKeyRecordStructure` bytes.
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        let structure = PreKeyRecordStructure {
            id: self.id.0,
            public_key: self.key_pair.public_key.serialize().to_vec(),
            private_key: self.key_pair.private_key.serialize().to_vec(),
        };
        Zeroizing::new(structure.encode_to_vec())
    }

    /// Parses libsignal's `PreKeyRecordStructure` bytes.
    ///
    /// # Errors
    /// [`RecordError::InvalidProtobufEncoding`] or [`RecordError::Key`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, RecordError> {
        let structure = PreKeyRecordStructure::decode(bytes)
            .map_err(|_| RecordError::InvalidProtobufEncoding)?;
        let key_pair = ec_key_pair(&structure.public_key, &structure.private_key)?;
        Ok(Self {
            id: PreKeyId(structure.id),
            key_pair,
        })
    }
}

impl fmt::Debug for PreKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreKeyRecord")
            .field("id", &self.id)
            .field("public_key", &self.key_pair.public_key)
            .finish_non_exhaustive()
    }
}

/// A signed EC pre-key: the key pair, the identity's signature over the
/// serialized public key, and its creation time.
#[derive(Clone)]
pub struct SignedPreKeyRecord {
    id: SignedPreKeyId,
    key_pair: KeyPair,
    signature: [u8; SIGNATURE_LEN],
    timestamp: Timestamp,
}

impl SignedPreKeyRecord {
    /// Generates a key pair and signs its serialized public key with `identity`.
    pub fn generate<R: CryptoRng + ?Sized>(
        id: SignedPreKeyId,
        timestamp: Timestamp,
        identity: &IdentityKeyPair,
        rng: &mut R,
    ) -> Self {
        let key_pair = KeyPair::generate(rng);
        let signature = identity.sign(&key_pair.public_key.serialize(), rng);
        Self {
            id,
            key_pair,
            signature,
            timestamp,
        }
    }

    /// Assembles a record from existing parts (the signature is not checked).
    #[must_use]
    pub fn new(
        id: SignedPreKeyId,
        timestamp: Timestamp,
        key_pair: KeyPair,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            id,
            key_pair,
            signature,
            timestamp,
        }
    }

    /// The identifier.
    #[must_use]
    pub fn id(&self) -> SignedPreKeyId {
        self.id
    }

    /// The key pair.
    #[must_use]
    pub fn key_pair(&self) -> &KeyPair {
        &self.key_pair
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key_pair.public_key
    }

    /// The identity's XEdDSA signature over the serialized public key.
    #[must_use]
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The creation time.
    #[must_use]
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// libsignal's `SignedPreKeyRecordStructure` bytes.
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        encode_signed(
            self.id.0,
            self.key_pair.public_key.serialize().to_vec(),
            self.key_pair.private_key.serialize().to_vec(),
            &self.signature,
            self.timestamp,
        )
    }

    /// Parses libsignal's `SignedPreKeyRecordStructure` bytes.
    ///
    /// # Errors
    /// [`RecordError`] for bad protobuf, keys or signature length.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, RecordError> {
        let structure = decode_signed(bytes)?;
        let key_pair = ec_key_pair(&structure.public_key, &structure.private_key)?;
        Ok(Self {
            id: SignedPreKeyId(structure.id),
            key_pair,
            signature: signature_of(&structure)?,
            timestamp: Timestamp(structure.timestamp),
        })
    }
}

impl fmt::Debug for SignedPreKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPreKeyRecord")
            .field("id", &self.id)
            .field("public_key", &self.key_pair.public_key)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// A Kyber pre-key: a Kyber-1024 key pair, the identity's signature over the
/// serialized public key, and its creation time.
///
/// libsignal's record does not say whether the key is one-time or last
/// resort; that is the caller's bookkeeping.
#[derive(Clone)]
pub struct KyberPreKeyRecord {
    id: KyberPreKeyId,
    key_pair: KemKeyPair,
    signature: [u8; SIGNATURE_LEN],
    timestamp: Timestamp,
}

impl KyberPreKeyRecord {
    /// Generates a Kyber-1024 key pair and signs its serialized public key.
    pub fn generate<R: CryptoRng + ?Sized>(
        id: KyberPreKeyId,
        timestamp: Timestamp,
        identity: &IdentityKeyPair,
        rng: &mut R,
    ) -> Self {
        let key_pair = KemKeyPair::generate(rng);
        let signature = identity.sign(&key_pair.public_key.serialize(), rng);
        Self {
            id,
            key_pair,
            signature,
            timestamp,
        }
    }

    /// Assembles a record from existing parts (the signature is not checked).
    #[must_use]
    pub fn new(
        id: KyberPreKeyId,
        timestamp: Timestamp,
        key_pair: KemKeyPair,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            id,
            key_pair,
            signature,
            timestamp,
        }
    }

    /// The identifier.
    #[must_use]
    pub fn id(&self) -> KyberPreKeyId {
        self.id
    }

    /// The key pair.
    #[must_use]
    pub fn key_pair(&self) -> &KemKeyPair {
        &self.key_pair
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &KemPublicKey {
        &self.key_pair.public_key
    }

    /// The identity's XEdDSA signature over the serialized public key.
    #[must_use]
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The creation time.
    #[must_use]
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// libsignal's record bytes (`SignedPreKeyRecordStructure` with KEM keys).
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        let secret = self.key_pair.secret_key.serialize();
        encode_signed(
            self.id.0,
            self.key_pair.public_key.serialize(),
            secret.to_vec(),
            &self.signature,
            self.timestamp,
        )
    }

    /// Parses libsignal's Kyber pre-key record bytes.
    ///
    /// # Errors
    /// [`RecordError`] for bad protobuf, keys (including a public key that
    /// does not belong to the secret key) or signature length.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, RecordError> {
        let structure = decode_signed(bytes)?;
        let public_key = KemPublicKey::deserialize(&structure.public_key)?;
        let secret_key = KemSecretKey::deserialize(&structure.private_key)?;
        Ok(Self {
            id: KyberPreKeyId(structure.id),
            key_pair: KemKeyPair::from_parts(public_key, secret_key)?,
            signature: signature_of(&structure)?,
            timestamp: Timestamp(structure.timestamp),
        })
    }
}

impl fmt::Debug for KyberPreKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KyberPreKeyRecord")
            .field("id", &self.id)
            .field("public_key", &self.key_pair.public_key)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

fn ec_key_pair(public: &[u8], private: &[u8]) -> Result<KeyPair, KeyError> {
    let public_key = PublicKey::deserialize(public)?;
    let private_key = PrivateKey::deserialize(private)?;
    if private_key.public_key() != public_key {
        return Err(KeyError::KeyPairMismatch);
    }
    Ok(KeyPair {
        public_key,
        private_key,
    })
}

fn encode_signed(
    id: u32,
    public_key: Vec<u8>,
    private_key: Vec<u8>,
    signature: &[u8; SIGNATURE_LEN],
    timestamp: Timestamp,
) -> Zeroizing<Vec<u8>> {
    let structure = SignedPreKeyRecordStructure {
        id,
        public_key,
        private_key,
        signature: signature.to_vec(),
        timestamp: timestamp.0,
    };
    Zeroizing::new(structure.encode_to_vec())
}

fn decode_signed(bytes: &[u8]) -> Result<SignedPreKeyRecordStructure, RecordError> {
    SignedPreKeyRecordStructure::decode(bytes).map_err(|_| RecordError::InvalidProtobufEncoding)
}

fn signature_of(
    structure: &SignedPreKeyRecordStructure,
) -> Result<[u8; SIGNATURE_LEN], RecordError> {
    structure
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| RecordError::BadSignatureLength(structure.signature.len()))
}
