//! libsignal-protocol-c's pre-key, signed pre-key and identity records
//! (classic-v3.md §8), for moving a device's keys into hush and back.
//! Session records: [`super::ClassicSessionRecord::from_lspc`] and
//! [`super::ClassicSessionRecord::to_lspc`].
//!
//! Importing checks that each public key belongs to its private key (a
//! private key is clamped on the way in, which libsignal-protocol-c does not
//! do for keys it is given). Exporting writes every field, even a zero ID,
//! in field order, as protobuf-c does.

use prost::Message;
use zeroize::Zeroizing;

use super::proto::{LspcIdentityKeyPair, LspcPreKeyRecord, LspcSignedPreKeyRecord};
use crate::keys::{
    IdentityKeyPair, KeyPair, PreKeyId, PreKeyRecord, PrivateKey, PublicKey, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp, SIGNATURE_LEN,
};
use crate::state::StateError;

/// Imports a `PreKeyRecordStructure` (an absent ID reads as 0).
///
/// # Errors
/// [`StateError::Invalid`] for bad protobuf, keys, or a key pair mismatch.
pub fn pre_key_from_lspc(bytes: &[u8]) -> Result<PreKeyRecord, StateError> {
    let r = LspcPreKeyRecord::decode(bytes)
        .map_err(|_| StateError::Invalid("pre-key record protobuf"))?;
    let key_pair = key_pair(r.public_key.as_deref(), r.private_key.as_deref())?;
    Ok(PreKeyRecord::new(PreKeyId(r.id.unwrap_or(0)), key_pair))
}

/// Exports a pre-key as a `PreKeyRecordStructure`.
#[must_use]
pub fn pre_key_to_lspc(record: &PreKeyRecord) -> Zeroizing<Vec<u8>> {
    let r = LspcPreKeyRecord {
        id: Some(record.id().0),
        public_key: Some(record.public_key().serialize().to_vec()),
        private_key: Some(record.key_pair().private_key.serialize().to_vec()),
    };
    Zeroizing::new(r.encode_to_vec())
}

/// Imports a `SignedPreKeyRecordStructure` (timestamp in milliseconds).
///
/// # Errors
/// [`StateError::Invalid`] for bad protobuf, keys, a key pair mismatch, or a
/// signature that is not 64 bytes.
pub fn signed_pre_key_from_lspc(bytes: &[u8]) -> Result<SignedPreKeyRecord, StateError> {
    let r = LspcSignedPreKeyRecord::decode(bytes)
        .map_err(|_| StateError::Invalid("signed pre-key record protobuf"))?;
    let key_pair = key_pair(r.public_key.as_deref(), r.private_key.as_deref())?;
    let signature: [u8; SIGNATURE_LEN] = r
        .signature
        .as_deref()
        .and_then(|s| s.try_into().ok())
        .ok_or(StateError::Invalid("signed pre-key signature"))?;
    Ok(SignedPreKeyRecord::new(
        SignedPreKeyId(r.id.unwrap_or(0)),
        Timestamp::from_millis(r.timestamp.unwrap_or(0)),
        key_pair,
        signature,
    ))
}

/// Exports a signed pre-key as a `SignedPreKeyRecordStructure`.
#[must_use]
pub fn signed_pre_key_to_lspc(record: &SignedPreKeyRecord) -> Zeroizing<Vec<u8>> {
    let r = LspcSignedPreKeyRecord {
        id: Some(record.id().0),
        public_key: Some(record.public_key().serialize().to_vec()),
        private_key: Some(record.key_pair().private_key.serialize().to_vec()),
        signature: Some(record.signature().to_vec()),
        timestamp: Some(record.timestamp().as_millis()),
    };
    Zeroizing::new(r.encode_to_vec())
}

/// Imports an `IdentityKeyPairStructure`.
///
/// # Errors
/// [`StateError::Invalid`] for bad protobuf, keys, or a key pair mismatch.
pub fn identity_key_pair_from_lspc(bytes: &[u8]) -> Result<IdentityKeyPair, StateError> {
    let r = LspcIdentityKeyPair::decode(bytes)
        .map_err(|_| StateError::Invalid("identity key pair protobuf"))?;
    Ok(IdentityKeyPair::from(key_pair(
        r.public_key.as_deref(),
        r.private_key.as_deref(),
    )?))
}

/// Exports an identity key pair as an `IdentityKeyPairStructure` (69 bytes).
#[must_use]
pub fn identity_key_pair_to_lspc(pair: &IdentityKeyPair) -> Zeroizing<Vec<u8>> {
    let r = LspcIdentityKeyPair {
        public_key: Some(pair.identity_key().serialize().to_vec()),
        private_key: Some(pair.private_key().serialize().to_vec()),
    };
    Zeroizing::new(r.encode_to_vec())
}

fn key_pair(public: Option<&[u8]>, private: Option<&[u8]>) -> Result<KeyPair, StateError> {
    let public = match public {
        Some(b) if b.len() == 33 => {
            PublicKey::deserialize(b).map_err(|_| StateError::Invalid("public key"))?
        }
        _ => return Err(StateError::Invalid("public key")),
    };
    let private = PrivateKey::deserialize(private.unwrap_or(&[]))
        .map_err(|_| StateError::Invalid("private key"))?;
    if private.public_key() != public {
        return Err(StateError::Invalid("public key does not match private key"));
    }
    Ok(KeyPair {
        public_key: public,
        private_key: private,
    })
}
