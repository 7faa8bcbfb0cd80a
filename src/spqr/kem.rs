//! ML-KEM-768 with split ("incremental") encapsulation, through
//! libcrux-ml-kem's `mlkem768::incremental` API (spqr.md §3.2,
//! spqr-internals §8).
//!
//! * `generate`: FIPS 203 KeyGen_internal(d ‖ z) → header ρ ‖ H(ek), the
//!   1152-byte ek vector, and the standard 2400-byte decapsulation key.
//! * `encapsulate1`: from the header alone → ct1, the 2080-byte encapsulation
//!   state, and the shared secret.
//! * `validate_ek`: the ek vector matches the header hash and passes the
//!   FIPS 203 modulus check.
//! * `encapsulate2`: state + ek vector → ct2.
//! * `decapsulate`: standard ML-KEM-768 decapsulation of ct1 ‖ ct2.

use libcrux_ml_kem::mlkem768::incremental as incr;
use zeroize::{Zeroize, Zeroizing};

use super::secret::Secret;
use super::SpqrError;

/// Header: ρ ‖ SHA3-256(ek).
pub(super) const HDR_LEN: usize = 64;
/// The ek vector, ByteEncode12(t̂).
pub(super) const EK_LEN: usize = 1152;
/// The standard expanded decapsulation key.
pub(super) const DK_LEN: usize = 2400;
/// First ciphertext part, ByteEncode10(Compress10(u)).
pub(super) const CT1_LEN: usize = 960;
/// Second ciphertext part, ByteEncode4(Compress4(v)).
pub(super) const CT2_LEN: usize = 128;
/// Encapsulation state: r̂ (1536) ‖ e2 (512) ‖ m (32), 16-bit words little-endian.
pub(super) const ES_LEN: usize = 2080;

const Q: i32 = 3329;
/// End of the 16-bit words of the encapsulation state (before m).
const ES_WORDS_END: usize = 2048;
/// Start of e2 in the encapsulation state.
const ES_E2_START: usize = 1536;

const _: () = assert!(
    incr::pk1_len() == HDR_LEN
        && incr::pk2_len() == EK_LEN
        && incr::COMPRESSED_KEYPAIR_LEN == DK_LEN
        && incr::Ciphertext1::len() == CT1_LEN
        && incr::Ciphertext2::len() == CT2_LEN
        && incr::encaps_state_len() == ES_LEN
        && incr::shared_secret_size() == 32
);

/// A fresh key pair split for the Braid.
pub(super) struct SplitKemKeyPair {
    pub(super) hdr: [u8; HDR_LEN],
    pub(super) ek: Box<[u8; EK_LEN]>,
    pub(super) dk: Secret<DK_LEN>,
}

/// What the first half of encapsulation produces.
pub(super) struct Encapsulated1 {
    pub(super) ct1: Box<[u8; CT1_LEN]>,
    pub(super) state: Secret<ES_LEN>,
    pub(super) shared_secret: Secret<32>,
}

/// KeyGen from 64 random bytes d ‖ z.
pub(super) fn generate(seed: &Secret<64>) -> SplitKemKeyPair {
    let pair = incr::KeyPairCompressedBytes::from_seed(*seed.as_bytes());
    let hdr = *pair.pk1();
    let ek = Box::new(*pair.pk2());
    let mut dk = Secret::zero();
    dk.as_mut().copy_from_slice(pair.sk());
    pair.to_bytes().zeroize();
    SplitKemKeyPair { hdr, ek, dk }
}

/// Encaps1(hdr, m).
pub(super) fn encapsulate1(
    hdr: &[u8; HDR_LEN],
    m: &Secret<32>,
) -> Result<Encapsulated1, SpqrError> {
    let mut state = Secret::zero();
    let mut shared_secret = Secret::zero();
    // Fails only on wrong buffer sizes, which the types rule out.
    let ct1 = incr::encapsulate1(hdr, *m.as_bytes(), state.as_mut(), shared_secret.as_mut())
        .map_err(|_| SpqrError::CorruptState("ML-KEM encapsulation rejected its buffers"))?;
    Ok(Encapsulated1 {
        ct1: Box::new(ct1.value),
        state,
        shared_secret,
    })
}

/// ValidateEk(hdr, ek): hash and modulus checks.
pub(super) fn validate_ek(hdr: &[u8; HDR_LEN], ek: &[u8; EK_LEN]) -> bool {
    incr::validate_pk_bytes(hdr, ek).is_ok()
}

/// Encaps2(state, ek), after the compatibility rules of spqr-internals §8.3
/// and a reduction of every coefficient to its centred representative
/// (arithmetic mod q is unchanged; a state read from storage cannot push
/// out-of-range values into the ML-KEM arithmetic).
pub(super) fn encapsulate2(state: &Secret<ES_LEN>, ek: &[u8; EK_LEN]) -> [u8; CT2_LEN] {
    let mut state = Zeroizing::new(*state.as_bytes());
    repair_byte_order(&mut state);
    for word in state[..ES_WORDS_END].chunks_exact_mut(2) {
        let v = i32::from(i16::from_le_bytes([word[0], word[1]]));
        let mut r = v.rem_euclid(Q);
        if r > Q / 2 {
            r -= Q;
        }
        // |r| ≤ 1664, so it fits.
        word.copy_from_slice(&(r as i16).to_le_bytes());
    }
    incr::encapsulate2(&state, ek).value
}

/// Older libcrux builds stored the 16-bit words of the state byte-swapped.
/// The e2 words (noise in [−2, 2]) tell: the first word that is neither 0
/// nor −1 decides (spqr-internals §8.3).
fn repair_byte_order(state: &mut [u8; ES_LEN]) {
    for word in state[ES_E2_START..ES_WORDS_END].chunks_exact(2) {
        match u16::from_le_bytes([word[0], word[1]]) {
            0x0000 | 0xFFFF => continue,
            0x0100 | 0x0200 | 0xFEFF => {
                for w in state[..ES_WORDS_END].chunks_exact_mut(2) {
                    w.swap(0, 1);
                }
                return;
            }
            _ => return,
        }
    }
}

/// Standard ML-KEM-768 decapsulation of ct1 ‖ ct2 (implicit rejection).
pub(super) fn decapsulate(
    dk: &Secret<DK_LEN>,
    ct1: &[u8; CT1_LEN],
    ct2: &[u8; CT2_LEN],
) -> Secret<32> {
    let c1 = incr::Ciphertext1 { value: *ct1 };
    let c2 = incr::Ciphertext2 { value: *ct2 };
    let mut k = incr::decapsulate_compressed_key(dk.as_bytes(), &c1, &c2);
    let out = Secret::from_slice(&k).unwrap_or_else(Secret::zero);
    k.zeroize();
    out
}

/// Whether every 12-bit coefficient of a ByteEncode12 string is below q.
fn coefficients_below_q(bytes: &[u8]) -> bool {
    bytes.chunks_exact(3).all(|b| {
        let c0 = u16::from(b[0]) | (u16::from(b[1] & 0x0F) << 8);
        let c1 = u16::from(b[1] >> 4) | (u16::from(b[2]) << 4);
        i32::from(c0) < Q && i32::from(c1) < Q
    })
}

/// Whether a stored decapsulation key has in-range ŝ and t̂ (a check on
/// load; honest keys always pass).
pub(super) fn dk_is_well_formed(dk: &[u8; DK_LEN]) -> bool {
    coefficients_below_q(&dk[..2 * EK_LEN])
}

/// Whether a stored ek vector has in-range coefficients.
pub(super) fn ek_is_well_formed(ek: &[u8; EK_LEN]) -> bool {
    coefficients_below_q(ek)
}

#[cfg(test)]
mod tests {
    use libcrux_ml_kem::mlkem768;
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::spqr::kdf;

    fn seed() -> Secret<64> {
        let bytes: [u8; 64] = core::array::from_fn(|i| i as u8);
        Secret::from_slice(&bytes).expect("64")
    }

    fn m() -> Secret<32> {
        let bytes: [u8; 32] = core::array::from_fn(|i| 0x80 + i as u8);
        Secret::from_slice(&bytes).expect("32")
    }

    #[test]
    fn split_known_answers() {
        // spqr.md §8.2: seed 0x00…0x3f, m 0x80…0x9f.
        let pair = generate(&seed());
        assert_eq!(
            hex::encode(pair.hdr),
            "5e43481c3eeb397eb192505229b67a201ea893c3e2cb32da8bc342fa4dea0578a24e16d8f8f9383a95b77050f4d9fd2f5733eec1d63ef3c23ebf9918173669a7"
        );
        let mut ek = pair.ek.to_vec();
        ek.extend_from_slice(&pair.hdr[..32]);
        assert_eq!(
            hex::encode(Sha256::digest(&ek)),
            "0b7934c83125c788995e2ba6bd761e33046b3e40571be53e023309a29f398cc9"
        );

        let e1 = encapsulate1(&pair.hdr, &m()).expect("encaps1");
        assert_eq!(
            hex::encode(e1.shared_secret.as_bytes()),
            "ef91db44b6cd5b2c50f483481a3d6e2a08cc149764fcb8dc568851332da45ed9"
        );
        assert_eq!(
            hex::encode(kdf::epoch_secret(e1.shared_secret.as_bytes(), 1).as_bytes()),
            "c3faa56b42ef9e2734a8404c1781fd03ee34bca3b63c4a7a1d9caab480305109"
        );
        assert!(validate_ek(&pair.hdr, &pair.ek));
        let ct2 = encapsulate2(&e1.state, &pair.ek);
        let mut ct = e1.ct1.to_vec();
        ct.extend_from_slice(&ct2);
        assert_eq!(
            hex::encode(Sha256::digest(&ct)),
            "1f16e217ad23771f7f72522c602dcf10cd1e2eea2648e72d29c1255a3949c33e"
        );
        assert_eq!(
            decapsulate(&pair.dk, &e1.ct1, &ct2).as_bytes(),
            e1.shared_secret.as_bytes()
        );
    }

    #[test]
    fn split_pieces_equal_the_standard_kem() {
        let pair = generate(&seed());
        let standard = mlkem768::generate_key_pair(*seed().as_bytes());
        let pk = standard.pk();
        assert_eq!(&pk[..EK_LEN], &pair.ek[..]);
        assert_eq!(&pk[EK_LEN..], &pair.hdr[..32]);
        assert_eq!(standard.sk(), pair.dk.as_bytes());
        assert_eq!(&pair.dk.as_bytes()[2304..2368], &pair.hdr[..]);
        let (ct, k) = mlkem768::encapsulate(standard.public_key(), *m().as_bytes());
        let e1 = encapsulate1(&pair.hdr, &m()).expect("encaps1");
        let ct2 = encapsulate2(&e1.state, &pair.ek);
        assert_eq!(&ct.as_ref()[..CT1_LEN], &e1.ct1[..]);
        assert_eq!(&ct.as_ref()[CT1_LEN..], &ct2[..]);
        assert_eq!(&k, e1.shared_secret.as_bytes());
        assert!(dk_is_well_formed(pair.dk.as_bytes()));
        assert!(ek_is_well_formed(&pair.ek));
    }

    #[test]
    fn byte_swapped_state_is_repaired() {
        // spqr-internals §8.3: a state written with swapped 16-bit words
        // yields the same ct2.
        let pair = generate(&seed());
        let e1 = encapsulate1(&pair.hdr, &m()).expect("encaps1");
        let good = encapsulate2(&e1.state, &pair.ek);
        assert_eq!(
            good,
            incr::encapsulate2(e1.state.as_bytes(), &pair.ek).value,
            "normalising changes nothing"
        );
        let mut swapped = e1.state.clone();
        for w in swapped.as_mut()[..ES_WORDS_END].chunks_exact_mut(2) {
            w.swap(0, 1);
        }
        assert_ne!(swapped.as_bytes(), e1.state.as_bytes());
        assert_eq!(encapsulate2(&swapped, &pair.ek), good);
    }

    #[test]
    fn byte_order_rule_word_by_word() {
        let mut state = [0u8; ES_LEN];
        state[0] = 0x12; // an r̂ byte, to see whether a swap happened
                         // All ambiguous: unchanged.
        let mut s = state;
        repair_byte_order(&mut s);
        assert_eq!(s, state);
        // 0xFFFF then 0x0200 (= 2 swapped): swapped.
        state[ES_E2_START..ES_E2_START + 4].copy_from_slice(&[0xFF, 0xFF, 0x00, 0x02]);
        let mut s = state;
        repair_byte_order(&mut s);
        assert_eq!((s[0], s[1]), (0x00, 0x12));
        assert_eq!(&s[ES_E2_START + 2..ES_E2_START + 4], &[0x02, 0x00]);
        // 0x0000 then 0xFFFE (−2, correct): unchanged.
        state[ES_E2_START..ES_E2_START + 4].copy_from_slice(&[0x00, 0x00, 0xFE, 0xFF]);
        let mut s = state;
        repair_byte_order(&mut s);
        assert_eq!(s, state);
        // 0x1234: unknown, unchanged.
        state[ES_E2_START..ES_E2_START + 2].copy_from_slice(&[0x34, 0x12]);
        let mut s = state;
        repair_byte_order(&mut s);
        assert_eq!(s, state);
    }

    #[test]
    fn ek_validation_checks_hash_and_modulus() {
        let pair = generate(&seed());
        let mut wrong = *pair.ek;
        wrong[0] ^= 1;
        assert!(!validate_ek(&pair.hdr, &wrong));
        // A vector with a coefficient ≥ q fails the modulus check (the hash
        // check is libcrux's, exercised above).
        let mut big = *pair.ek;
        big[0] = 0xFF;
        big[1] |= 0x0F; // c0 = 0xFFF
        assert!(!ek_is_well_formed(&big));
        assert!(!validate_ek(&pair.hdr, &big));
        let mut dk = pair.dk.clone();
        dk.as_mut()[1] |= 0xF0;
        dk.as_mut()[2] = 0xFF;
        assert!(!dk_is_well_formed(dk.as_bytes()));
    }

    #[test]
    fn out_of_range_state_words_do_not_panic() {
        let pair = generate(&seed());
        let mut state = Secret::<ES_LEN>::zero();
        state.as_mut().fill(0x7F);
        let _ = encapsulate2(&state, &pair.ek);
        state.as_mut().fill(0x80);
        let _ = encapsulate2(&state, &pair.ek);
    }
}
