//! Per-message keys of a sender chain (sender-keys.md §3): the seed
//! `HMAC(CK_i, 0x01)` expands into the IV and the AES-256 key. The chain key
//! itself is the Double Ratchet's ([`ChainKey`]): same HMAC steps, same
//! 32-bit iteration counter.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::ratchet::keys::{expand, MessageKeySeed};

#[cfg(doc)]
use crate::ratchet::keys::ChainKey;

const INFO: &[u8] = b"WhisperGroup";

/// IV and AES-256-CBC key of one group message.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct SenderMessageKeys {
    pub(crate) iv: [u8; 16],
    pub(crate) cipher_key: [u8; 32],
}

impl SenderMessageKeys {
    /// `HKDF(salt = none, ikm = seed, info = "WhisperGroup", 48)`: IV first,
    /// then the key.
    pub(crate) fn derive(seed: &MessageKeySeed) -> Self {
        let mut okm = Zeroizing::new([0u8; 48]);
        expand(None, &seed.0, INFO, &mut okm[..]);
        let mut keys = Self {
            iv: [0; 16],
            cipher_key: [0; 32],
        };
        keys.iv.copy_from_slice(&okm[..16]);
        keys.cipher_key.copy_from_slice(&okm[16..]);
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::aes256_cbc_encrypt;
    use crate::ratchet::keys::ChainKey;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// sender-keys.md §10, iterations 0 and 1.
    #[test]
    fn spec_vectors() {
        let ck0: [u8; 32] = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
            .try_into()
            .unwrap();
        let ck = ChainKey::new(ck0, 0);
        let seed = ck.seed();
        assert_eq!(
            seed.0.to_vec(),
            h("9b4c8120a4823a95f47cde17a244f4507244ee6e3957d1fab9fa29b44d3829b7")
        );
        let keys = SenderMessageKeys::derive(&seed);
        assert_eq!(keys.iv.to_vec(), h("ed1f5e26325b1399f6a34c76e47ff047"));
        assert_eq!(
            keys.cipher_key.to_vec(),
            h("d89f10a08215e845ceb4df3fc59c052ad09e01cd499650025ff83df48ed656e6")
        );
        assert_eq!(
            aes256_cbc_encrypt(&keys.cipher_key, &keys.iv, b"hello"),
            h("835bfaa6529ae7c3b210fef835ea801c")
        );
        let ck1 = ck.next().unwrap();
        assert_eq!(ck1.index(), 1);
        assert_eq!(
            ck1.as_bytes().to_vec(),
            h("4304c22c84a53755ab08ead8d97a8d429be5efa480682d7ad1da27f73e1fbe1d")
        );
        let seed1 = ck1.seed();
        assert_eq!(
            seed1.0.to_vec(),
            h("f7703c39dea9feb30cb6369304ad7b847b9aca58c1152af317aa78a91beddda1")
        );
        let keys1 = SenderMessageKeys::derive(&seed1);
        assert_eq!(keys1.iv.to_vec(), h("574f6661ef5e42e6d75902e5d361e82e"));
        assert_eq!(
            keys1.cipher_key.to_vec(),
            h("884e6819a3409f789eab3bf21b662b9263d03c62709a800906823961bd3dcb22")
        );
        assert_eq!(
            aes256_cbc_encrypt(&keys1.cipher_key, &keys1.iv, b"Signal group message #2"),
            h("6dd735610126664c0a25e224735211bcd790dc6dfe908e8ee43d4af5500b78be")
        );
        assert_eq!(
            ck1.next().unwrap().as_bytes().to_vec(),
            h("26fc86b9b1303ea2e66f53ed0f1de753407e5428caf5e440e6b51c48d4bd4949")
        );
    }
}
