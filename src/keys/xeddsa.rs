//! XEdDSA over Curve25519 as libsignal implements it (keys-and-signatures.md §3).
//!
//! libsignal deviates from the published scheme in one way: it never negates
//! the private scalar, and carries the Edwards public key's sign bit in bit 511
//! of the signature instead. Everything else follows "The XEdDSA and VXEdDSA
//! Signature Schemes", revision 1.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::primitives::sha512;

/// `hash_1` domain separator: 2^256 − 2 as 32 little-endian bytes.
const NONCE_PREFIX: [u8; 32] = {
    let mut prefix = [0xffu8; 32];
    prefix[0] = 0xfe;
    prefix
};

pub(super) fn sign<R: CryptoRng + ?Sized>(
    private: &[u8; 32],
    parts: &[&[u8]],
    rng: &mut R,
) -> [u8; 64] {
    let mut z = Zeroizing::new([0u8; 64]);
    rng.fill_bytes(&mut z[..]);

    let a = Zeroizing::new(Scalar::from_bytes_mod_order(*private));
    let a_enc = EdwardsPoint::mul_base(&a).compress().to_bytes();

    let mut nonce_input: Vec<&[u8]> = Vec::with_capacity(parts.len() + 3);
    nonce_input.push(&NONCE_PREFIX);
    nonce_input.push(private);
    nonce_input.extend_from_slice(parts);
    nonce_input.push(&z[..]);
    let nonce_hash = Zeroizing::new(sha512(&nonce_input));
    let r = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&nonce_hash));
    let r_enc = EdwardsPoint::mul_base(&r).compress().to_bytes();

    let h = challenge(&r_enc, &a_enc, parts);
    let s = h * *a + *r;

    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&r_enc);
    signature[32..].copy_from_slice(s.as_bytes());
    // s < 2^253, so bit 511 is free for the Edwards sign bit.
    signature[63] |= a_enc[31] & 0x80;
    signature
}

pub(super) fn verify(public_u: &[u8; 32], parts: &[&[u8]], signature: &[u8]) -> bool {
    let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
        return false;
    };
    let sign_bit = signature[63] >> 7;
    // `to_edwards` masks bit 255 of u, reduces it mod p, rejects u = −1 and
    // ignores the sign bit when x = 0, exactly as libsignal does.
    let Some(a_point) = MontgomeryPoint(*public_u).to_edwards(sign_bit) else {
        return false;
    };
    let a_enc = a_point.compress().to_bytes();

    let mut r_enc = [0u8; 32];
    r_enc.copy_from_slice(&signature[..32]);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&signature[32..]);
    s_bytes[31] &= 0x7f;
    if s_bytes[31] & 0xe0 != 0 {
        return false;
    }
    // Values in [ℓ, 2^253) are accepted and reduced, like libsignal.
    let s = Scalar::from_bytes_mod_order(s_bytes);

    let h = challenge(&r_enc, &a_enc, parts);
    let r_check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&-h, &a_point, &s);
    r_check.compress().as_bytes().ct_eq(&r_enc).into()
}

fn challenge(r_enc: &[u8; 32], a_enc: &[u8; 32], parts: &[&[u8]]) -> Scalar {
    let mut input: Vec<&[u8]> = Vec::with_capacity(parts.len() + 2);
    input.push(r_enc);
    input.push(a_enc);
    input.extend_from_slice(parts);
    Scalar::from_bytes_mod_order_wide(&sha512(&input))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{PrivateKey, PublicKey};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The two vectors of keys-and-signatures.md §3.4 (made by libsignal 0.103).
    #[test]
    fn spec_vectors_verify_and_derive() {
        let cases = [
            (
                "c8fe80d4974e32ac7832c6f1250a0a6a6b121dbfa1e19ffd9485c1390baa1163",
                "056e440ef72d2b275ead6103b3b1ae088f9c5f97004307f82d9c53f63c322f4d29",
                "bc26279eaeb6fefa1867de41866f0a4c5ff7605b12b26ebd9a373416e17d3982",
                "e80d7f3ac3e91126374707b83d19571665b7eb00a14f1b37cf7bc88bffc0dda6f722227842da2114",
                "ee88ad0a15fd50edabc14a3fbd19444b102a5982351400fb84d00c21c6e37d2e0338a97fc9b254826b0d357ecbd87bc125df89559e3fcf51adb7852ab48fdb82",
            ),
            (
                "90dea930e5d36b89c240d026b6753246ea6e25ab36b6da1310265828bfd94d79",
                "0562bd201e2e769603e44a09141ca864fe439f61e083e36515d18f57f0ecd0a434",
                "782279603f3fdcd58ed6d3ea5012c2ad9994ebdb4c113c823a14a138d3aed604",
                "afc12e63829e540dcc34988dba1d9a446ffd68b4dfa1c471cce9683f1c172ef90900bd39d5ddda4a",
                "3c56f1e5f36065cac5830ba18d1e0c6fd78abc2f3d588d50a110c347a7dc76ea8168cd87a101d9e5ed09ae40ac7e41b284134cc8d9613fa85674fd80882b190d",
            ),
        ];
        for (private, public, edwards, message, signature) in cases {
            let private = PrivateKey::deserialize(&hex(private)).unwrap();
            let public = PublicKey::deserialize(&hex(public)).unwrap();
            assert_eq!(private.public_key(), public);
            let a = Scalar::from_bytes_mod_order(*private.serialize());
            assert_eq!(
                EdwardsPoint::mul_base(&a).compress().to_bytes().to_vec(),
                hex(edwards)
            );
            let sig = hex(signature);
            assert!(public.verify_signature(&hex(message), &sig));
            let mut flipped = sig.clone();
            flipped[63] ^= 0x80;
            assert!(!public.verify_signature(&hex(message), &flipped));
        }
    }
}
