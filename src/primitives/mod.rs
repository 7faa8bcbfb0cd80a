//! Thin wrappers over the RustCrypto, dalek and libcrux crates.
//!
//! Everything above this module speaks in fixed-size arrays and typed keys; this
//! module is the only place that touches the primitive crates' generic APIs.

mod cipher;
mod kdf;

pub use cipher::{
    aes256_cbc_decrypt, aes256_cbc_encrypt, aes256_ctr, aes256_gcm_decrypt, aes256_gcm_encrypt,
    aes256_gcm_siv_decrypt, aes256_gcm_siv_encrypt, CipherError,
};
pub use kdf::{hkdf_sha256, hmac_sha256, HkdfError};

use sha2::{Digest, Sha512};

/// SHA-512 over the concatenation of `parts`.
pub(crate) fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut hasher = Sha512::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}
