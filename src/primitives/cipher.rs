//! AES-256 in CBC mode with PKCS#7 padding (the Double Ratchet and sender-key
//! cipher), AES-256-GCM, AES-256-CTR (sealed sender v1) and AES-256-GCM-SIV
//! (sealed sender v2).

use aes::cipher::{
    block_padding::Pkcs7, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, StreamCipher,
};
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
    /// A CTR input is longer than the 32-bit block counter can cover
    /// (2^32 blocks, 64 GiB).
    #[error("CTR input of {0} bytes exceeds the keystream")]
    KeystreamExhausted(usize),
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
pub fn aes256_cbc_decrypt(
    key: &[u8; 32],
    iv: &[u8; 16],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CipherError> {
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
pub fn aes256_gcm_encrypt(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    // Encryption only fails for plaintexts over 64 GiB, which a `&[u8]` on
    // supported targets cannot reach in practice; return empty rather than panic.
    cipher
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default()
}

/// AES-256-GCM decryption of `ciphertext || tag` with a 12-byte nonce.
///
/// # Errors
/// [`CipherError::AuthenticationFailed`] when the tag does not verify.
pub fn aes256_gcm_decrypt(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| CipherError::AuthenticationFailed)
}

/// AES-256 in counter mode with a 32-bit big-endian block counter in the
/// last four bytes of `initial_block` (sealed-sender.md §1; with a zero
/// initial block this equals a 128-bit counter for inputs under 64 GiB).
/// Encryption and decryption are the same operation; `data` is transformed
/// in place.
///
/// # Errors
/// [`CipherError::KeystreamExhausted`] when `data` needs more blocks than the
/// counter has left; `data` is then unchanged.
pub fn aes256_ctr(
    key: &[u8; 32],
    initial_block: &[u8; 16],
    data: &mut [u8],
) -> Result<(), CipherError> {
    let mut cipher = ctr::Ctr32BE::<aes::Aes256>::new(key.into(), initial_block.into());
    // `try_apply_keystream` checks the remaining keystream before touching
    // the buffer.
    cipher
        .try_apply_keystream(data)
        .map_err(|_| CipherError::KeystreamExhausted(data.len()))
}

/// AES-256-GCM-SIV (RFC 8452) encryption with a 12-byte nonce; the 16-byte
/// tag is appended.
#[must_use]
pub fn aes256_gcm_siv_encrypt(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let cipher = aes_gcm_siv::Aes256GcmSiv::new(key.into());
    // Encryption only fails for inputs over 2^36 bytes (RFC 8452 §6), which
    // no caller reaches; return empty rather than panic.
    cipher
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default()
}

/// AES-256-GCM-SIV (RFC 8452) decryption of `ciphertext || tag` with a
/// 12-byte nonce.
///
/// # Errors
/// [`CipherError::AuthenticationFailed`] when the tag does not verify or the
/// input is shorter than the tag.
pub fn aes256_gcm_siv_decrypt(
    key: &[u8; 32],
    nonce: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let cipher = aes_gcm_siv::Aes256GcmSiv::new(key.into());
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| CipherError::AuthenticationFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// NIST SP 800-38A F.5.5 (CTR-AES256.Encrypt): a counter block whose
    /// low 32 bits do not wrap within the four blocks, so 32- and 128-bit
    /// counters agree.
    #[test]
    fn ctr_matches_sp800_38a() {
        let key: [u8; 32] = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .try_into()
            .unwrap();
        let iv: [u8; 16] = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").try_into().unwrap();
        let plaintext = hex(concat!(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
            "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
        ));
        let expected = hex(concat!(
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5",
            "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"
        ));
        let mut data = plaintext.clone();
        aes256_ctr(&key, &iv, &mut data).unwrap();
        assert_eq!(data, expected);
        aes256_ctr(&key, &iv, &mut data).unwrap();
        assert_eq!(data, plaintext);
    }

    /// The 32-bit counter wraps within the last four bytes only: block
    /// `ff..ff` is followed by `ff..ff 00000000`, not by all zeros.
    #[test]
    fn ctr_counter_is_the_last_32_bits() {
        let key = [7u8; 32];
        let mut start = [0xffu8; 16];
        let mut two_blocks = [0u8; 32];
        aes256_ctr(&key, &start, &mut two_blocks).unwrap();
        start[12..].copy_from_slice(&[0; 4]);
        let mut second = [0u8; 16];
        aes256_ctr(&key, &start, &mut second).unwrap();
        assert_eq!(two_blocks[16..], second);
    }

    /// sealed-sender.md §9.4: the GCM-SIV known answer with the v2 key `K`.
    #[test]
    fn gcm_siv_matches_the_sealed_sender_kat() {
        let key: [u8; 32] = hex("ce00d80680b96e4a2732b84bb85a9c28283ef1d6719aaad38f7d282aca0f7674")
            .try_into()
            .unwrap();
        let plaintext = hex("00112233445566778899aabbccddeeff0011");
        let sealed = aes256_gcm_siv_encrypt(&key, &[0; 12], b"", &plaintext);
        assert_eq!(
            sealed,
            hex("764a6a6f8aaba4e15b60c053dba31608b8a6b4a9de005520ae3b77840352296ddefd")
        );
        assert_eq!(
            aes256_gcm_siv_decrypt(&key, &[0; 12], b"", &sealed).unwrap(),
            plaintext
        );
        let mut bad = sealed.clone();
        bad[0] ^= 1;
        assert_eq!(
            aes256_gcm_siv_decrypt(&key, &[0; 12], b"", &bad),
            Err(CipherError::AuthenticationFailed)
        );
        assert_eq!(
            aes256_gcm_siv_decrypt(&key, &[0; 12], b"", &sealed[..15]),
            Err(CipherError::AuthenticationFailed)
        );
    }
}
