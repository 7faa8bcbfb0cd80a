//! KEM keys: round-3 CRYSTALS-Kyber-1024 (type byte `0x08`), the only KEM
//! libsignal generates and accepts (keys-and-signatures.md §5).

use core::fmt;

use libcrux_ml_kem::kyber1024;
use libcrux_ml_kem::mlkem1024::{MlKem1024Ciphertext, MlKem1024PrivateKey, MlKem1024PublicKey};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::KeyError;

/// Type byte of a Kyber-1024 key or ciphertext.
pub const KYBER1024_TYPE: u8 = 0x08;
/// Raw Kyber-1024 public key length.
pub const KYBER1024_PUBLIC_KEY_LEN: usize = 1568;
/// Raw Kyber-1024 secret key length.
pub const KYBER1024_SECRET_KEY_LEN: usize = 3168;
/// Raw Kyber-1024 ciphertext length.
pub const KYBER1024_CIPHERTEXT_LEN: usize = 1568;
/// Offset of the encapsulation key inside a Kyber secret key (after ŝ).
const EMBEDDED_PUBLIC_KEY_OFFSET: usize = 1536;

/// A KEM shared secret, zeroized on drop.
pub type KemSharedSecret = Zeroizing<[u8; 32]>;

fn parse_typed(
    bytes: &[u8],
    raw_len: usize,
    length_error: fn(usize) -> KeyError,
) -> Result<&[u8], KeyError> {
    let (&kind, rest) = bytes.split_first().ok_or(KeyError::NoKeyTypeIdentifier)?;
    if kind != KYBER1024_TYPE {
        return Err(KeyError::BadKemKeyType(kind));
    }
    if rest.len() != raw_len {
        return Err(length_error(bytes.len()));
    }
    Ok(rest)
}

fn serialize_typed(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    out.push(KYBER1024_TYPE);
    out.extend_from_slice(raw);
    out
}

/// A Kyber-1024 public (encapsulation) key.
#[derive(Clone, PartialEq, Eq)]
pub struct KemPublicKey(Box<[u8; KYBER1024_PUBLIC_KEY_LEN]>);

impl KemPublicKey {
    /// Parses `0x08 || 1568 bytes`. No trailing bytes are allowed.
    ///
    /// # Errors
    /// [`KeyError::NoKeyTypeIdentifier`], [`KeyError::BadKemKeyType`] or
    /// [`KeyError::BadKemKeyLength`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let raw = parse_typed(bytes, KYBER1024_PUBLIC_KEY_LEN, KeyError::BadKemKeyLength)?;
        let mut key = Box::new([0u8; KYBER1024_PUBLIC_KEY_LEN]);
        key.copy_from_slice(raw);
        Ok(Self(key))
    }

    /// The 1569-byte serialized form (type byte included).
    #[must_use]
    pub fn serialize(&self) -> Vec<u8> {
        serialize_typed(&self.0[..])
    }

    /// Encapsulates a fresh shared secret to this key, drawing 32 bytes from
    /// `rng` in one call.
    pub fn encapsulate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> (KemSharedSecret, KemCiphertext) {
        let mut randomness = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut randomness[..]);
        let public = MlKem1024PublicKey::from(&*self.0);
        let (ciphertext, shared) = kyber1024::encapsulate(&public, *randomness);
        let mut ct = Box::new([0u8; KYBER1024_CIPHERTEXT_LEN]);
        ct.copy_from_slice(ciphertext.as_ref());
        (Zeroizing::new(shared), KemCiphertext(ct))
    }
}

impl fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemPublicKey(Kyber1024, ")?;
        for byte in &self.0[..8] {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A Kyber-1024 secret (decapsulation) key, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct KemSecretKey(Box<[u8; KYBER1024_SECRET_KEY_LEN]>);

impl KemSecretKey {
    /// Parses `0x08 || 3168 bytes`.
    ///
    /// # Errors
    /// [`KeyError::NoKeyTypeIdentifier`], [`KeyError::BadKemKeyType`] or
    /// [`KeyError::BadKemKeyLength`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let raw = parse_typed(bytes, KYBER1024_SECRET_KEY_LEN, KeyError::BadKemKeyLength)?;
        let mut key = Box::new([0u8; KYBER1024_SECRET_KEY_LEN]);
        key.copy_from_slice(raw);
        Ok(Self(key))
    }

    /// The 3169-byte serialized form, in a buffer that zeroizes on drop.
    #[must_use]
    pub fn serialize(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(serialize_typed(&self.0[..]))
    }

    /// Decapsulates `ciphertext`. An invalid ciphertext yields Kyber's
    /// implicit-rejection value (a secret unrelated to the sender's), never an
    /// error, so the failure shows up later as a MAC failure.
    #[must_use]
    pub fn decapsulate(&self, ciphertext: &KemCiphertext) -> KemSharedSecret {
        let mut secret = MlKem1024PrivateKey::from(&*self.0);
        let ct = MlKem1024Ciphertext::from(&*ciphertext.0);
        let shared = Zeroizing::new(kyber1024::decapsulate(&secret, &ct));
        secret[0..].zeroize();
        shared
    }

    /// Parses a serialized ciphertext, then decapsulates it.
    ///
    /// # Errors
    /// The ciphertext parsing errors of [`KemCiphertext::deserialize`].
    pub fn decapsulate_serialized(&self, ciphertext: &[u8]) -> Result<KemSharedSecret, KeyError> {
        Ok(self.decapsulate(&KemCiphertext::deserialize(ciphertext)?))
    }

    fn embedded_public_key(&self) -> &[u8] {
        &self.0[EMBEDDED_PUBLIC_KEY_OFFSET..EMBEDDED_PUBLIC_KEY_OFFSET + KYBER1024_PUBLIC_KEY_LEN]
    }
}

impl fmt::Debug for KemSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KemSecretKey(Kyber1024, <redacted>)")
    }
}

/// A Kyber-1024 ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct KemCiphertext(Box<[u8; KYBER1024_CIPHERTEXT_LEN]>);

impl KemCiphertext {
    /// Parses `0x08 || 1568 bytes`.
    ///
    /// # Errors
    /// [`KeyError::NoKeyTypeIdentifier`], [`KeyError::BadKemKeyType`] or
    /// [`KeyError::BadKemCiphertextLength`].
    pub fn deserialize(bytes: &[u8]) -> Result<Self, KeyError> {
        let raw = parse_typed(
            bytes,
            KYBER1024_CIPHERTEXT_LEN,
            KeyError::BadKemCiphertextLength,
        )?;
        let mut ct = Box::new([0u8; KYBER1024_CIPHERTEXT_LEN]);
        ct.copy_from_slice(raw);
        Ok(Self(ct))
    }

    /// The 1569-byte serialized form.
    #[must_use]
    pub fn serialize(&self) -> Vec<u8> {
        serialize_typed(&self.0[..])
    }
}

impl fmt::Debug for KemCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KemCiphertext(Kyber1024, {} bytes)",
            KYBER1024_CIPHERTEXT_LEN
        )
    }
}

/// A Kyber-1024 key pair.
#[derive(Clone)]
pub struct KemKeyPair {
    /// The public (encapsulation) key.
    pub public_key: KemPublicKey,
    /// The secret (decapsulation) key.
    pub secret_key: KemSecretKey,
}

impl KemKeyPair {
    /// Generates a key pair from 64 bytes of `rng` output drawn in one call.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 64]);
        rng.fill_bytes(&mut seed[..]);
        let pair = kyber1024::generate_key_pair(*seed);
        let mut public = Box::new([0u8; KYBER1024_PUBLIC_KEY_LEN]);
        public.copy_from_slice(pair.pk());
        let mut secret = Box::new([0u8; KYBER1024_SECRET_KEY_LEN]);
        secret.copy_from_slice(pair.sk());
        let (mut libcrux_secret, _) = pair.into_parts();
        libcrux_secret[0..].zeroize();
        Self {
            public_key: KemPublicKey(public),
            secret_key: KemSecretKey(secret),
        }
    }

    /// Pairs a public and a secret key, checking that the public key is the
    /// one embedded in the secret key (which catches corrupted state).
    ///
    /// # Errors
    /// [`KeyError::KeyPairMismatch`] when the two keys do not belong together.
    pub fn from_parts(
        public_key: KemPublicKey,
        secret_key: KemSecretKey,
    ) -> Result<Self, KeyError> {
        if !bool::from(secret_key.embedded_public_key().ct_eq(&public_key.0[..])) {
            return Err(KeyError::KeyPairMismatch);
        }
        Ok(Self {
            public_key,
            secret_key,
        })
    }
}

impl fmt::Debug for KemKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KemKeyPair")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}
