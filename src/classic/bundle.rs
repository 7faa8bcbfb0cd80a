//! The version-3 pre-key bundle (classic-v3.md §2): no Kyber members.

use crate::address::ClassicDeviceId;
use crate::keys::{
    BundleError, BundleSignature, IdentityKey, PreKeyId, PreKeyRecord, PublicKey, SignedPreKeyId,
    SignedPreKeyRecord,
};

/// A version-3 pre-key bundle as the application received it, not yet
/// checked. Only [`super::ClassicSessionRecord::initiate`] takes it: a
/// version-4 bundle that lacks its Kyber key is not one of these, so it can
/// never fall back to version 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicPreKeyBundle {
    /// The remote device's registration ID.
    pub registration_id: u32,
    /// The remote device's ID (31-bit for OMEMO).
    pub device_id: ClassicDeviceId,
    /// The optional one-time pre-key. Do not publish ID 0 to npm
    /// `libsignal` peers (they drop it from their messages).
    pub pre_key: Option<(PreKeyId, PublicKey)>,
    /// The signed pre-key's ID.
    pub signed_pre_key_id: SignedPreKeyId,
    /// The signed pre-key.
    pub signed_pre_key_public: PublicKey,
    /// XEdDSA signature over the 33-byte serialized signed pre-key.
    pub signed_pre_key_signature: Vec<u8>,
    /// The remote identity key.
    pub identity_key: IdentityKey,
}

impl ClassicPreKeyBundle {
    /// The bundle a device publishes for its own pre-keys.
    #[must_use]
    pub fn from_records(
        registration_id: u32,
        device_id: ClassicDeviceId,
        identity_key: IdentityKey,
        signed: &SignedPreKeyRecord,
        one_time: Option<&PreKeyRecord>,
    ) -> Self {
        Self {
            registration_id,
            device_id,
            pre_key: one_time.map(|r| (r.id(), *r.public_key())),
            signed_pre_key_id: signed.id(),
            signed_pre_key_public: *signed.public_key(),
            signed_pre_key_signature: signed.signature().to_vec(),
            identity_key,
        }
    }

    /// Checks the signed pre-key's signature against the bundle's identity
    /// key (npm `libsignal` skips this check; hush, libsignal-protocol-c and
    /// python-axolotl do not). Whether to trust the identity is the caller's
    /// decision.
    ///
    /// # Errors
    /// [`BundleError::SignatureValidationFailed`] for a bad signature.
    pub fn verify(self) -> Result<VerifiedClassicPreKeyBundle, BundleError> {
        if !self.identity_key.public_key().verify_signature(
            &self.signed_pre_key_public.serialize(),
            &self.signed_pre_key_signature,
        ) {
            return Err(BundleError::SignatureValidationFailed(
                BundleSignature::SignedPreKey,
            ));
        }
        Ok(VerifiedClassicPreKeyBundle(self))
    }
}

/// A classic bundle whose signed pre-key signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClassicPreKeyBundle(ClassicPreKeyBundle);

impl VerifiedClassicPreKeyBundle {
    /// The checked bundle.
    #[must_use]
    pub fn bundle(&self) -> &ClassicPreKeyBundle {
        &self.0
    }

    /// Gives back the bundle (dropping the proof of verification).
    #[must_use]
    pub fn into_inner(self) -> ClassicPreKeyBundle {
        self.0
    }
}
