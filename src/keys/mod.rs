//! Key material: EC keys and XEdDSA, identity keys, KEM keys, pre-key records
//! and pre-key bundles.

mod bundle;
mod ec;
mod identity;
mod kem;
mod prekeys;
mod xeddsa;

pub use bundle::{BundleError, BundleSignature, PreKeyBundle, VerifiedPreKeyBundle};
pub use ec::{
    KeyPair, PrivateKey, PublicKey, EC_KEY_TYPE, EC_PRIVATE_KEY_LEN, EC_PUBLIC_KEY_LEN,
    SIGNATURE_LEN,
};
pub use identity::{IdentityKey, IdentityKeyPair};
pub use kem::{
    KemCiphertext, KemKeyPair, KemPublicKey, KemSecretKey, KemSharedSecret,
    KYBER1024_CIPHERTEXT_LEN, KYBER1024_PUBLIC_KEY_LEN, KYBER1024_SECRET_KEY_LEN, KYBER1024_TYPE,
};
pub use prekeys::{
    KyberPreKeyId, KyberPreKeyRecord, PreKeyId, PreKeyRecord, RecordError, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp,
};

/// A key could not be parsed or used. Texts follow libsignal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Empty input where a typed key or ciphertext was expected.
    #[error("no key type identifier")]
    NoKeyTypeIdentifier,
    /// An EC key's type byte is not `0x05`.
    #[error("bad key type <{0:#04x}>")]
    BadKeyType(u8),
    /// An EC key has the wrong length (the whole input's length).
    #[error("bad key length <{0}> for key with type <Djb>")]
    BadKeyLength(usize),
    /// A KEM key or ciphertext's type byte is not `0x08` (Kyber-1024).
    #[error("bad KEM key type <{0:#04x}>")]
    BadKemKeyType(u8),
    /// A KEM key's length (type byte included) is wrong.
    #[error("bad KEM key length <{0}> for key with type <Kyber1024 key>")]
    BadKemKeyLength(usize),
    /// A KEM ciphertext's length (type byte included) is not 1569.
    #[error("bad KEM ciphertext length <{0}> for key with type <Kyber1024 key>")]
    BadKemCiphertextLength(usize),
    /// X25519 produced the all-zero value (a degenerate public key).
    #[error("invalid key agreement")]
    InvalidKeyAgreement,
    /// A stored public key does not belong to the stored private key.
    #[error("public key does not match private key")]
    KeyPairMismatch,
    /// A serialized key structure is not valid protobuf.
    #[error("protobuf encoding was invalid")]
    InvalidProtobufEncoding,
}
