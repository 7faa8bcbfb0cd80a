//! The KDF and MAC catalogue of SPQR (spqr-internals §2), byte-exact.
//!
//! Every HKDF here is HKDF-SHA256 with an explicit salt (32 zero bytes unless
//! stated); every MAC is the full 32-byte HMAC-SHA256.

use zeroize::Zeroizing;

use super::secret::Secret;
use crate::primitives::{hkdf_sha256, hmac_sha256};

/// `Signal PQ Ratchet V1 Chain  Start` — note the two spaces.
pub(super) const CHAIN_START: &[u8] = b"Signal PQ Ratchet V1 Chain  Start";
/// Label for adding an epoch secret to the chain.
pub(super) const CHAIN_ADD_EPOCH: &[u8] = b"Signal PQ Ratchet V1 Chain Add Epoch";
/// Label for one chain step (preceded by the big-endian counter).
pub(super) const CHAIN_NEXT: &[u8] = b"Signal PQ Ratchet V1 Chain Next";
/// Label for the epoch secret (followed by the big-endian epoch).
pub(super) const SCKA_KEY: &[u8] = b"Signal_PQCKA_V1_MLKEM768:SCKA Key";
/// Label for the authenticator update (followed by the big-endian epoch).
pub(super) const AUTH_UPDATE: &[u8] = b"Signal_PQCKA_V1_MLKEM768:Authenticator Update";
/// Prefix of the header MAC input.
pub(super) const EK_HEADER: &[u8] = b"Signal_PQCKA_V1_MLKEM768:ekheader";
/// Prefix of the ciphertext MAC input.
pub(super) const CIPHERTEXT: &[u8] = b"Signal_PQCKA_V1_MLKEM768:ciphertext";

const ZERO_SALT: [u8; 32] = [0u8; 32];

/// HKDF-SHA256 into a fixed-size, zeroizing buffer.
fn hkdf<const L: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; L]> {
    const { assert!(L <= 255 * 32, "HKDF-SHA256 output is at most 8160 bytes") }
    let mut out = Zeroizing::new([0u8; L]);
    if hkdf_sha256(Some(salt), ikm, info, &mut out[..]).is_err() {
        // Unreachable: the length is checked at compile time.
        out.fill(0);
    }
    out
}

/// Chain start: 96 bytes = next_root ‖ A2B seed ‖ B2A seed.
pub(super) fn chain_start(auth_key: &[u8; 32]) -> Zeroizing<[u8; 96]> {
    hkdf(&ZERO_SALT, auth_key, CHAIN_START)
}

/// Chain add epoch: 96 bytes, split like [`chain_start`].
pub(super) fn chain_add_epoch(
    next_root: &[u8; 32],
    epoch_secret: &[u8; 32],
) -> Zeroizing<[u8; 96]> {
    hkdf(next_root, epoch_secret, CHAIN_ADD_EPOCH)
}

/// One chain step to counter `ctr`: 64 bytes = new `next` ‖ message key.
pub(super) fn chain_step(next: &[u8; 32], ctr: u32) -> Zeroizing<[u8; 64]> {
    let mut info = [0u8; 4 + CHAIN_NEXT.len()];
    info[..4].copy_from_slice(&ctr.to_be_bytes());
    info[4..].copy_from_slice(CHAIN_NEXT);
    hkdf(&ZERO_SALT, next, &info)
}

/// The epoch secret of SCKA epoch `epoch` from the ML-KEM shared secret.
pub(super) fn epoch_secret(shared_secret: &[u8; 32], epoch: u64) -> Secret<32> {
    let mut info = [0u8; SCKA_KEY.len() + 8];
    info[..SCKA_KEY.len()].copy_from_slice(SCKA_KEY);
    info[SCKA_KEY.len()..].copy_from_slice(&epoch.to_be_bytes());
    let out: Zeroizing<[u8; 32]> = hkdf(&ZERO_SALT, shared_secret, &info);
    let mut secret = Secret::zero();
    secret.as_mut().copy_from_slice(&out[..]);
    secret
}

/// Authenticator update: 64 bytes = root_key ‖ mac_key.
pub(super) fn authenticator_update(
    root_key: &[u8; 32],
    k: &[u8; 32],
    epoch: u64,
) -> Zeroizing<[u8; 64]> {
    let mut ikm = Zeroizing::new([0u8; 64]);
    ikm[..32].copy_from_slice(root_key);
    ikm[32..].copy_from_slice(k);
    let mut info = [0u8; AUTH_UPDATE.len() + 8];
    info[..AUTH_UPDATE.len()].copy_from_slice(AUTH_UPDATE);
    info[AUTH_UPDATE.len()..].copy_from_slice(&epoch.to_be_bytes());
    hkdf(&ZERO_SALT, &ikm[..], &info)
}

/// `HMAC(mac_key, "…:ekheader" ‖ BE64(epoch) ‖ hdr)`.
pub(super) fn header_mac(mac_key: &[u8; 32], epoch: u64, hdr: &[u8; 64]) -> [u8; 32] {
    hmac_sha256(mac_key, &[EK_HEADER, &epoch.to_be_bytes(), hdr])
}

/// `HMAC(mac_key, "…:ciphertext" ‖ BE64(epoch) ‖ ct1 ‖ ct2)`.
pub(super) fn ciphertext_mac(mac_key: &[u8; 32], epoch: u64, ct1: &[u8], ct2: &[u8]) -> [u8; 32] {
    hmac_sha256(mac_key, &[CIPHERTEXT, &epoch.to_be_bytes(), ct1, ct2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_byte_exact() {
        assert_eq!(
            hex::encode(CHAIN_START),
            "5369676e616c205051205261746368657420563120436861696e20205374617274"
        );
        let lengths = [
            (CHAIN_START, 33),
            (CHAIN_ADD_EPOCH, 36),
            (CHAIN_NEXT, 31),
            (SCKA_KEY, 33),
            (AUTH_UPDATE, 45),
            (EK_HEADER, 33),
            (CIPHERTEXT, 35),
        ];
        for (label, len) in lengths {
            assert_eq!(label.len(), len, "{}", String::from_utf8_lossy(label));
        }
    }

    #[test]
    fn chain_start_known_answer() {
        // spqr.md §8.2, auth key 32 × 0x29.
        let g = chain_start(&[0x29; 32]);
        assert_eq!(
            hex::encode(&g[..32]),
            "c6f396ad3b038d7bb7eedbabd7c45c83eef0c9c42fca9f44d6f056e4b68be30c"
        );
        assert_eq!(
            hex::encode(&g[32..64]),
            "d45d5d9ebca8f45f591019cfe4231f37663b50de7c9d419e8eb4dd50f3726384"
        );
        assert_eq!(
            hex::encode(&g[64..]),
            "598c199754146d732fe1bf89926833f0ed44b8a5220b662bdf0398c28c4f49ab"
        );
        // First step of each direction.
        let a2b: [u8; 32] = g[32..64].try_into().expect("32");
        let b2a: [u8; 32] = g[64..].try_into().expect("32");
        assert_eq!(
            hex::encode(&chain_step(&a2b, 1)[32..]),
            "9bcdfae095d09aa8ab367dd231d1d271fe580b555bcc6f64ff079d53d9a9db5d"
        );
        assert_eq!(
            hex::encode(&chain_step(&b2a, 1)[32..]),
            "8ede114ee798830a3d35a383e72e96d82a9adca0ac699c12fdf99069220e2da8"
        );
    }
}
