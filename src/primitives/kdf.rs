//! HKDF-SHA-256 (RFC 5869) and HMAC-SHA-256 (RFC 2104).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The requested HKDF output was longer than RFC 5869 allows (255 × 32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("HKDF output length {0} exceeds 8160 bytes")]
pub struct HkdfError(pub usize);

/// HKDF-SHA-256: extract with `salt` (`None` is the RFC default of 32 zero
/// bytes), then expand with `info` into `out`.
///
/// # Errors
/// [`HkdfError`] when `out` is longer than 8160 bytes.
pub fn hkdf_sha256(
    salt: Option<&[u8]>,
    ikm: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<(), HkdfError> {
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, out)
        .map_err(|_| HkdfError(out.len()))
}

/// HMAC-SHA-256 of the concatenation of `parts` under `key`.
#[must_use]
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac_key(),
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cold]
fn unreachable_hmac_key() -> ! {
    // `Hmac::new_from_slice` is documented to accept every key length.
    unreachable!("HMAC accepts keys of any length")
}
