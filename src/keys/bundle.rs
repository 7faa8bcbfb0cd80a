//! `PreKeyBundle`: what an initiator fetches from the server to start a
//! session (keys-and-signatures.md §7).

use super::{
    IdentityKey, KemPublicKey, KyberPreKeyId, KyberPreKeyRecord, PreKeyId, PreKeyRecord, PublicKey,
    SignedPreKeyId, SignedPreKeyRecord,
};
use crate::address::DeviceId;

/// Which signature in a bundle failed to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleSignature {
    /// The signed EC pre-key's signature.
    SignedPreKey,
    /// The Kyber pre-key's signature.
    KyberPreKey,
}

/// A bundle was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// A pre-key signature does not verify under the bundle's identity key.
    /// Drop the bundle; do not start a session with it.
    #[error("invalid signature detected on the {0:?}")]
    SignatureValidationFailed(BundleSignature),
}

/// A pre-key bundle as delivered by the server, not yet checked.
///
/// Every member is required except the one-time pre-key. libsignal defines no
/// wire encoding for bundles; the application fills this in from its server
/// API and calls [`PreKeyBundle::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreKeyBundle {
    /// The remote device's registration ID.
    pub registration_id: u32,
    /// The remote device's ID.
    pub device_id: DeviceId,
    /// The optional one-time EC pre-key.
    pub pre_key: Option<(PreKeyId, PublicKey)>,
    /// The signed EC pre-key's ID.
    pub signed_pre_key_id: SignedPreKeyId,
    /// The signed EC pre-key.
    pub signed_pre_key_public: PublicKey,
    /// XEdDSA signature over the 33-byte serialized signed pre-key.
    pub signed_pre_key_signature: Vec<u8>,
    /// The Kyber pre-key's ID.
    pub kyber_pre_key_id: KyberPreKeyId,
    /// The Kyber-1024 pre-key.
    pub kyber_pre_key_public: KemPublicKey,
    /// XEdDSA signature over the 1569-byte serialized Kyber pre-key.
    pub kyber_pre_key_signature: Vec<u8>,
    /// The remote identity key.
    pub identity_key: IdentityKey,
}

impl PreKeyBundle {
    /// The bundle a device publishes for its own pre-keys: what a server
    /// hands out, built from the device's records.
    #[must_use]
    pub fn from_records(
        registration_id: u32,
        device_id: DeviceId,
        identity_key: IdentityKey,
        signed: &SignedPreKeyRecord,
        kyber: &KyberPreKeyRecord,
        one_time: Option<&PreKeyRecord>,
    ) -> Self {
        Self {
            registration_id,
            device_id,
            pre_key: one_time.map(|r| (r.id(), *r.public_key())),
            signed_pre_key_id: signed.id(),
            signed_pre_key_public: *signed.public_key(),
            signed_pre_key_signature: signed.signature().to_vec(),
            kyber_pre_key_id: kyber.id(),
            kyber_pre_key_public: kyber.public_key().clone(),
            kyber_pre_key_signature: kyber.signature().to_vec(),
            identity_key,
        }
    }

    /// Checks both pre-key signatures against the bundle's identity key.
    ///
    /// Whether the identity itself is trusted is the caller's decision; this
    /// only proves that the pre-keys belong to that identity.
    ///
    /// # Errors
    /// [`BundleError::SignatureValidationFailed`] naming the failing signature.
    pub fn verify(self) -> Result<VerifiedPreKeyBundle, BundleError> {
        let identity = self.identity_key.public_key();
        if !identity.verify_signature(
            &self.signed_pre_key_public.serialize(),
            &self.signed_pre_key_signature,
        ) {
            return Err(BundleError::SignatureValidationFailed(
                BundleSignature::SignedPreKey,
            ));
        }
        if !identity.verify_signature(
            &self.kyber_pre_key_public.serialize(),
            &self.kyber_pre_key_signature,
        ) {
            return Err(BundleError::SignatureValidationFailed(
                BundleSignature::KyberPreKey,
            ));
        }
        Ok(VerifiedPreKeyBundle(self))
    }
}

/// A bundle whose pre-key signatures have been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPreKeyBundle(PreKeyBundle);

impl VerifiedPreKeyBundle {
    /// The checked bundle.
    #[must_use]
    pub fn bundle(&self) -> &PreKeyBundle {
        &self.0
    }

    /// Gives back the bundle (dropping the proof of verification).
    #[must_use]
    pub fn into_inner(self) -> PreKeyBundle {
        self.0
    }
}
