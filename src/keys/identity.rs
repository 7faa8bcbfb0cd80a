//! Identity keys: a long-term EC key pair per device.

use core::fmt;

use prost::Message;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{KeyError, KeyPair, PrivateKey, PublicKey, SIGNATURE_LEN};
use crate::proto::IdentityKeyPairStructure;

/// Prefix of the alternate-identity (PNI) signature input.
const ALTERNATE_IDENTITY_PREFIX: &[u8] = b"Signal_PNI_Signature";

/// A device's public identity key (an EC public key).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityKey(PublicKey);

impl IdentityKey {
    /// Wraps an EC public key.
    #[must_use]
    pub fn new(public_key: PublicKey) -> Self {
        Self(public_key)
    }

    /// Parses the 33-byte form (trailing bytes are ignored, as in libsignal).
    ///
    /// # Errors
    /// The EC public key errors of [`PublicKey::deserialize`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        PublicKey::deserialize(bytes).map(Self)
    }

    /// The 33-byte serialized form.
    #[must_use]
    pub fn serialize(&self) -> [u8; 33] {
        self.0.serialize()
    }

    /// The underlying EC public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.0
    }

    /// Verifies that `signature` is this identity's alternate-identity (PNI)
    /// signature over `other`.
    #[must_use]
    pub fn verify_alternate_identity(&self, other: &IdentityKey, signature: &[u8]) -> bool {
        let other = other.serialize();
        self.0
            .verify_signature_parts(&[&[0xff; 32], ALTERNATE_IDENTITY_PREFIX, &other], signature)
    }
}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdentityKey").field(&self.0).finish()
    }
}

impl From<PublicKey> for IdentityKey {
    fn from(key: PublicKey) -> Self {
        Self(key)
    }
}

/// A device's identity key pair.
#[derive(Clone)]
pub struct IdentityKeyPair {
    identity_key: IdentityKey,
    private_key: PrivateKey,
}

impl IdentityKeyPair {
    /// Generates a new identity.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        KeyPair::generate(rng).into()
    }

    /// The public identity key.
    #[must_use]
    pub fn identity_key(&self) -> &IdentityKey {
        &self.identity_key
    }

    /// The private key.
    #[must_use]
    pub fn private_key(&self) -> &PrivateKey {
        &self.private_key
    }

    /// Signs `message` with XEdDSA.
    pub fn sign<R: CryptoRng + ?Sized>(&self, message: &[u8], rng: &mut R) -> [u8; SIGNATURE_LEN] {
        self.private_key.calculate_signature(message, rng)
    }

    /// Signs `other` as this identity's alternate identity (PNI signature).
    pub fn sign_alternate_identity<R: CryptoRng + ?Sized>(
        &self,
        other: &IdentityKey,
        rng: &mut R,
    ) -> [u8; SIGNATURE_LEN] {
        let other = other.serialize();
        self.private_key
            .calculate_signature_parts(&[&[0xff; 32], ALTERNATE_IDENTITY_PREFIX, &other], rng)
    }

    /// libsignal's serialized form: protobuf `IdentityKeyPairStructure`
    /// (69 bytes), in a buffer that zeroizes on drop.
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        let structure = IdentityKeyPairStructure {
            public_key: self.identity_key.serialize().to_vec(),
            private_key: self.private_key.serialize().to_vec(),
        };
        Zeroizing::new(structure.encode_to_vec())
    }

    /// Parses libsignal's serialized form. Unlike libsignal, hush also checks
    /// that the stored public key belongs to the private key, so a corrupted
    /// identity is caught on load rather than by peers rejecting signatures.
    ///
    /// # Errors
    /// [`KeyError::InvalidProtobufEncoding`], then the EC key errors, then
    /// [`KeyError::KeyPairMismatch`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let structure = IdentityKeyPairStructure::decode(bytes)
            .map_err(|_| KeyError::InvalidProtobufEncoding)?;
        let identity_key = IdentityKey::deserialize(&structure.public_key)?;
        let private_key = PrivateKey::deserialize(&structure.private_key)?;
        if private_key.public_key() != identity_key.0 {
            return Err(KeyError::KeyPairMismatch);
        }
        Ok(Self {
            identity_key,
            private_key,
        })
    }
}

impl From<KeyPair> for IdentityKeyPair {
    fn from(pair: KeyPair) -> Self {
        Self {
            identity_key: IdentityKey(pair.public_key),
            private_key: pair.private_key,
        }
    }
}

impl From<PrivateKey> for IdentityKeyPair {
    fn from(private_key: PrivateKey) -> Self {
        KeyPair::from_private(private_key).into()
    }
}

impl fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("identity_key", &self.identity_key)
            .finish_non_exhaustive()
    }
}
