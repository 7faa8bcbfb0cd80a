//! AES-256 in CBC mode with PKCS#7 padding (the Double Ratchet and sender-key
//! cipher) and AES-256-GCM.

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use aes_gcm::aead::{Aead, KeyInit, Payload};

/// A symmetric decryption failed. The variants carry no secret data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// CBC ciphertext length is zero or not a multiple of the 16-byte block.
    #[error("ciphertext length {0} is not a positive multiple of 16")]
    BadCiphertextLength(usize),
    /// CBC plaintext padding was malformed after decryption.
    #[error("invalid PKCS#7 padding")]
    BadPadding,
    /// The AEAD tag did not verify (or the input was shorter than the tag).
    #[error("AEAD authentication failed")]
    AuthenticationFailed,
}

const BLOCK: usize = 16;

/// AES-256-CBC encryption with PKCS#7 padding. The output is always a
/// positive multiple of 16 bytes.
#[must_use]
pub fn aes256_cbc_encrypt(key: &[u8; 32], iv: &[u8; 16], plaintext: &[u8]) -> Vec<u8> {
    let padded_len = (plaintext.len() / BLOCK + 1) * BLOCK;
    let mut buf = vec![0u8; padded_len];
    buf[..plaintext.len()].copy_from_slice(plaintext);
    let encryptor = cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into());
    // The buffer has room for a full block of padding, so padding cannot fail.
    match encryptor.encrypt_padded::<Pkcs7>(&mut buf, plaintext.len()) {
        Ok(ct) => debug_assert_eq!(ct.len(), padded_len),
        Err(_) => buf.clear(),
    }
    buf
}

/// AES-256-CBC decryption with PKCS#7 padding removal.
///
/// # Errors
/// [`CipherError::BadCiphertextLength`] or [`CipherError::BadPadding`].
pub fn aes256_cbc_decrypt(key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
    if ciphertext.is_empty() || ciphertext.len() % BLOCK != 0 {
        return Err(CipherError::BadCiphertextLength(ciphertext.len()));
    }
    let mut buf = ciphertext.to_vec();
    let decryptor = cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into());
    let len = match decryptor.decrypt_padded::<Pkcs7>(&mut buf) {
        Ok(pt) => pt.len(),
        Err(_) => {
            zeroize::Zeroize::zeroize(&mut buf);
            return Err(CipherError::BadPadding);
        }
    };
    buf.truncate(len);
    Ok(buf)
}

/// AES-256-GCM encryption with a 12-byte nonce; the 16-byte tag is appended.
#[must_use]
pub fn aes256_gcm_encrypt(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    // Encryption only fails for plaintexts over 64 GiB, which a `&[u8]` on
    // supported targets cannot reach in practice; return empty rather than panic.
    cipher
        .encrypt(nonce.into(), Payload { msg: plaintext, aad })
        .unwrap_or_default()
}

/// AES-256-GCM decryption of `ciphertext || tag` with a 12-byte nonce.
///
/// # Errors
/// [`CipherError::AuthenticationFailed`] when the tag does not verify.
pub fn aes256_gcm_decrypt(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    cipher
        .decrypt(nonce.into(), Payload { msg: ciphertext, aad })
        .map_err(|_| CipherError::AuthenticationFailed)
}
