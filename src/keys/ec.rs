//! Curve25519 keys in libsignal's serialized forms, and X25519 agreement.

use core::fmt;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{xeddsa, KeyError};

/// The type byte that starts every serialized EC public key ("Djb").
pub const EC_KEY_TYPE: u8 = 0x05;
/// Length of a serialized EC public key: type byte and 32-byte u-coordinate.
pub const EC_PUBLIC_KEY_LEN: usize = 33;
/// Length of a serialized EC private key (clamped scalar, no type byte).
pub const EC_PRIVATE_KEY_LEN: usize = 32;
/// Length of an XEdDSA signature.
pub const SIGNATURE_LEN: usize = 64;

/// An X25519 public key (Montgomery u-coordinate).
///
/// Equality is constant time. Parsing follows libsignal: trailing bytes after
/// the 33rd are ignored and no point validation happens at parse time (use
/// [`PublicKey::is_canonical`] where the protocol asks for it).
// The manual `PartialEq` is byte equality in constant time, so the derived
// `Hash` (over the same bytes) agrees with it.
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Copy, Hash)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Parses the serialized form `0x05 || u`.
    ///
    /// # Errors
    /// [`KeyError::NoKeyTypeIdentifier`] for empty input,
    /// [`KeyError::BadKeyType`] for a type byte other than `0x05`,
    /// [`KeyError::BadKeyLength`] for fewer than 33 bytes.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let (&kind, rest) = bytes.split_first().ok_or(KeyError::NoKeyTypeIdentifier)?;
        if kind != EC_KEY_TYPE {
            return Err(KeyError::BadKeyType(kind));
        }
        let raw: &[u8; 32] = rest
            .get(..32)
            .and_then(|r| r.try_into().ok())
            .ok_or(KeyError::BadKeyLength(bytes.len()))?;
        Ok(Self(*raw))
    }

    /// Builds a key from exactly 32 raw bytes (no type byte).
    ///
    /// # Errors
    /// [`KeyError::BadKeyLength`] when `bytes` is not 32 bytes long.
    pub fn from_raw(bytes: &[u8]) -> Result<Self, KeyError> {
        let raw: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::BadKeyLength(bytes.len()))?;
        Ok(Self(raw))
    }

    /// The canonical 33-byte serialized form.
    #[must_use]
    pub fn serialize(&self) -> [u8; EC_PUBLIC_KEY_LEN] {
        let mut out = [0u8; EC_PUBLIC_KEY_LEN];
        out[0] = EC_KEY_TYPE;
        out[1..].copy_from_slice(&self.0);
        out
    }

    /// The 32-byte u-coordinate.
    #[must_use]
    pub fn raw(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether the key is canonical: below `p` with bit 255 clear, and a point
    /// of the prime-order subgroup. PQXDH requires this of the initiator's
    /// base key (session-setup.md).
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        let b = &self.0;
        if b[31] & 0x80 != 0 {
            return false;
        }
        let at_or_above_p = b[31] == 0x7f && b[1..31].iter().all(|&x| x == 0xff) && b[0] >= 0xed;
        if at_or_above_p {
            return false;
        }
        MontgomeryPoint(*b)
            .to_edwards(0)
            .is_some_and(|point| point.is_torsion_free())
    }

    /// Verifies an XEdDSA signature over `message` with libsignal's rules
    /// (keys-and-signatures.md §3.3). Returns `false` for any malformed
    /// signature; never errors.
    #[must_use]
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> bool {
        xeddsa::verify(&self.0, &[message], signature)
    }

    pub(crate) fn verify_signature_parts(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        xeddsa::verify(&self.0, parts, signature)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(05")?;
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

/// An X25519 private key: a clamped 32-byte scalar, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PrivateKey(Box<[u8; 32]>);

impl PrivateKey {
    /// Generates a key from 32 bytes of `rng` output, clamped.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Box::new([0u8; 32]);
        rng.fill_bytes(&mut bytes[..]);
        clamp(&mut bytes);
        Self(bytes)
    }

    /// Parses exactly 32 bytes and clamps them, as libsignal does on load.
    ///
    /// # Errors
    /// [`KeyError::BadKeyLength`] when `bytes` is not 32 bytes long.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let raw: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::BadKeyLength(bytes.len()))?;
        // Copied straight into the heap, not through a stack temporary.
        let mut owned = Box::new([0u8; 32]);
        owned.copy_from_slice(raw);
        clamp(&mut owned);
        Ok(Self(owned))
    }

    /// The clamped 32-byte scalar, in a buffer that zeroizes on drop.
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<[u8; EC_PRIVATE_KEY_LEN]> {
        Zeroizing::new(*self.0)
    }

    /// Derives the public key (X25519 of the base point).
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey(
            EdwardsPoint::mul_base_clamped(*self.0)
                .to_montgomery()
                .to_bytes(),
        )
    }

    /// X25519 agreement with `their` key.
    ///
    /// # Errors
    /// [`KeyError::InvalidKeyAgreement`] when the result is all zeros (a
    /// low-order or otherwise degenerate public key). The check is constant
    /// time.
    pub fn agree(&self, their: &PublicKey) -> Result<Zeroizing<[u8; 32]>, KeyError> {
        let shared = Zeroizing::new(MontgomeryPoint(their.0).mul_clamped(*self.0).to_bytes());
        if bool::from(shared.ct_eq(&[0u8; 32])) {
            return Err(KeyError::InvalidKeyAgreement);
        }
        Ok(shared)
    }

    /// Signs `message` with XEdDSA as libsignal does (Edwards sign bit in bit
    /// 511). Draws 64 bytes from `rng` in one call.
    pub fn calculate_signature<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> [u8; SIGNATURE_LEN] {
        xeddsa::sign(&self.0, &[message], rng)
    }

    pub(crate) fn calculate_signature_parts<R: CryptoRng + ?Sized>(
        &self,
        parts: &[&[u8]],
        rng: &mut R,
    ) -> [u8; SIGNATURE_LEN] {
        xeddsa::sign(&self.0, parts, rng)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

fn clamp(bytes: &mut [u8; 32]) {
    bytes[0] &= 0xf8;
    bytes[31] &= 0x7f;
    bytes[31] |= 0x40;
}

/// An EC key pair. The public half is derived once and cached.
#[derive(Clone)]
pub struct KeyPair {
    /// The public key.
    pub public_key: PublicKey,
    /// The private key.
    pub private_key: PrivateKey,
}

impl KeyPair {
    /// Generates a fresh key pair.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_private(PrivateKey::generate(rng))
    }

    /// Completes a key pair from its private key.
    #[must_use]
    pub fn from_private(private_key: PrivateKey) -> Self {
        Self {
            public_key: private_key.public_key(),
            private_key,
        }
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}
