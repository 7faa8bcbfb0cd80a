//! Root, chain and message keys (double-ratchet.md §1).

use core::fmt;

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::{KeyError, PrivateKey, PublicKey};
use crate::primitives::{hkdf_sha256, hmac_sha256};

const ROOT_INFO: &[u8] = b"WhisperRatchet";
const MESSAGE_KEYS_INFO: &[u8] = b"WhisperMessageKeys";

/// The root key, from which each DH ratchet step derives a new chain.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct RootKey(Box<[u8; 32]>);

impl RootKey {
    pub(crate) fn new(key: [u8; 32]) -> Self {
        Self(Box::new(key))
    }

    /// The 32 bytes of `okm` at `at`, copied straight into the key's own
    /// (zeroized) allocation.
    pub(crate) fn from_okm(okm: &[u8], at: usize) -> Self {
        Self(split32(okm, at))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// KDF_RK: mixes `DH(ours, theirs)` into the root key.
    pub(crate) fn create_chain(
        &self,
        theirs: &PublicKey,
        ours: &PrivateKey,
    ) -> Result<(RootKey, ChainKey), KeyError> {
        let shared = ours.agree(theirs)?;
        let mut okm = Zeroizing::new([0u8; 64]);
        expand(Some(&self.0[..]), &shared[..], ROOT_INFO, &mut okm[..]);
        Ok((
            RootKey::from_okm(&okm[..], 0),
            ChainKey::from_okm(&okm[..], 32),
        ))
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

/// A symmetric chain key and the counter of the next message it keys.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct ChainKey {
    key: Box<[u8; 32]>,
    #[zeroize(skip)]
    index: u32,
}

impl ChainKey {
    pub(crate) fn new(key: [u8; 32], index: u32) -> Self {
        Self {
            key: Box::new(key),
            index,
        }
    }

    /// Index 0 of a chain whose key is the 32 bytes of `okm` at `at`,
    /// copied straight into the key's own (zeroized) allocation.
    pub(crate) fn from_okm(okm: &[u8], at: usize) -> Self {
        Self {
            key: split32(okm, at),
            index: 0,
        }
    }

    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// The message-key seed for this index: `HMAC(ck, 0x01)`.
    pub(crate) fn seed(&self) -> MessageKeySeed {
        MessageKeySeed(hmac_sha256(&self.key[..], &[&[0x01]]))
    }

    /// The chain key for the next index: `HMAC(ck, 0x02)`. `None` once the
    /// 32-bit counter is exhausted.
    pub(crate) fn next(&self) -> Option<ChainKey> {
        let index = self.index.checked_add(1)?;
        #[cfg(test)]
        super::budget::step_counter::ratchet_step();
        let next = Zeroizing::new(hmac_sha256(&self.key[..], &[&[0x02]]));
        Some(ChainKey {
            key: split32(&next[..], 0),
            index,
        })
    }

    /// Advances in place (used where the intermediate keys are not kept).
    pub(crate) fn advance(&mut self) -> bool {
        let Some(index) = self.index.checked_add(1) else {
            return false;
        };
        #[cfg(test)]
        super::budget::step_counter::ratchet_step();
        let next = Zeroizing::new(hmac_sha256(&self.key[..], &[&[0x02]]));
        self.key.copy_from_slice(&next[..]);
        self.index = index;
        true
    }
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainKey")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// The result of [`ChainKey::walk_to`].
pub(crate) struct Walk {
    /// The seed for the target index.
    pub(crate) seed: MessageKeySeed,
    /// The chain key for the index after the target.
    pub(crate) next: ChainKey,
    /// Seeds of the indices skipped on the way, ascending, limited to the
    /// newest `keep` (older ones would be trimmed anyway, so they are never
    /// materialized).
    pub(crate) skipped: Vec<(u32, MessageKeySeed)>,
}

impl ChainKey {
    /// Walks the chain forward to `target` without changing it. `None` if
    /// `target` is below this key's index or the 32-bit counter would
    /// overflow.
    pub(crate) fn walk_to(&self, target: u32, keep: usize) -> Option<Walk> {
        if target < self.index {
            return None;
        }
        let first_kept = target
            .saturating_sub(u32::try_from(keep).unwrap_or(u32::MAX))
            .max(self.index);
        let mut skipped = Vec::with_capacity((target - first_kept) as usize);
        let mut chain_key = self.clone();
        while chain_key.index() < target {
            if chain_key.index() >= first_kept {
                skipped.push((chain_key.index(), chain_key.seed()));
            }
            if !chain_key.advance() {
                return None;
            }
        }
        let seed = chain_key.seed();
        let next = chain_key.next()?;
        Some(Walk {
            seed,
            next,
            skipped,
        })
    }
}

/// The 32-byte seed from which a message's keys are derived once the SPQR
/// salt is known. Skipped keys are stored in this form.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKeySeed(pub(crate) [u8; 32]);

impl ConstantTimeEq for MessageKeySeed {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl fmt::Debug for MessageKeySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageKeySeed(<redacted>)")
    }
}

/// AES-256-CBC key, HMAC key and IV for one message.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct MessageKeys {
    pub(crate) cipher_key: [u8; 32],
    pub(crate) mac_key: [u8; 32],
    pub(crate) iv: [u8; 16],
}

impl MessageKeys {
    /// `HKDF(salt = spqr_key or none, ikm = seed, "WhisperMessageKeys", 80)`.
    pub(crate) fn derive(seed: &MessageKeySeed, spqr_key: Option<&[u8; 32]>) -> Self {
        let mut okm = Zeroizing::new([0u8; 80]);
        expand(
            spqr_key.map(|k| &k[..]),
            &seed.0,
            MESSAGE_KEYS_INFO,
            &mut okm[..],
        );
        let mut keys = MessageKeys {
            cipher_key: [0; 32],
            mac_key: [0; 32],
            iv: [0; 16],
        };
        keys.cipher_key.copy_from_slice(&okm[..32]);
        keys.mac_key.copy_from_slice(&okm[32..64]);
        keys.iv.copy_from_slice(&okm[64..80]);
        keys
    }
}

/// HKDF-SHA-256 for outputs of at most 80 bytes, which cannot fail.
pub(crate) fn expand(salt: Option<&[u8]>, ikm: &[u8], info: &[u8], out: &mut [u8]) {
    debug_assert!(out.len() <= 255 * 32);
    if hkdf_sha256(salt, ikm, info, out).is_err() {
        out.zeroize();
    }
}

/// The 32 bytes of `okm` at `at` in a new allocation, written in place (no
/// copy passes through the stack). Wrap the result in a zeroizing owner.
pub(crate) fn split32(okm: &[u8], at: usize) -> Box<[u8; 32]> {
    let mut out = Box::new([0u8; 32]);
    out.copy_from_slice(&okm[at..at + 32]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(s: &str) -> [u8; 32] {
        let v: Vec<u8> = (0..64)
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect();
        v.try_into().unwrap()
    }

    /// double-ratchet.md §10, recorded from libsignal 0.103: Bob's DH ratchet
    /// step and the keys of his first reply.
    #[test]
    fn libsignal_ratchet_vector() {
        let root = RootKey::new(hex32(
            "dda149fb90e44532eae6bbda2c423ff0f89ad079498ba81fd794676153b37e28",
        ));
        let alice_ratchet = PublicKey::from_raw(&hex32(
            "d87d266676caa3f60f3077ba24ef6fcdc52524f23124886f0ad45251d297cc76",
        ))
        .unwrap();
        let spk = PrivateKey::deserialize(&hex32(
            "c02086a3e39567b734ae4ae71193996d53b2caab9cd4704ac12ebf6032f5757d",
        ))
        .unwrap();
        let (rk1, recv) = root.create_chain(&alice_ratchet, &spk).unwrap();
        assert_eq!(
            *rk1.as_bytes(),
            hex32("03a754f7c02a51dab0d4be31ca691f85f88847b5802735d0569d95647ae894b9")
        );
        assert_eq!(
            *recv.as_bytes(),
            hex32("e99ec3d694d26fe5a0319cebcb64be75a3f64f65473fd992afdba190481de6c9")
        );
        let new_ratchet = PrivateKey::deserialize(&hex32(
            "f0a0df3fa008aa236278572941c20b55ff210a5915adda6dd173902ce43bc85b",
        ))
        .unwrap();
        let (rk2, send) = rk1.create_chain(&alice_ratchet, &new_ratchet).unwrap();
        assert_eq!(
            *rk2.as_bytes(),
            hex32("06d10bc3ddb5b55869b84ad3fb6f61e27b427e3717056225bbfb12b818ff09a1")
        );
        assert_eq!(
            *send.as_bytes(),
            hex32("0b9d3e51210c7c662309040dcfa3a1c4c7a3be937dcd2a180dec5746376a7223")
        );

        let seed = send.seed();
        assert_eq!(
            seed.0,
            hex32("aa266b33112a7662bf945840e58e3b778bbde957fdb8604943c0e2ee13516452")
        );
        assert_eq!(
            *send.next().unwrap().as_bytes(),
            hex32("185fcd2395fade7133ffa99d73b8b73fa88dba9d0c08d22f1b0f81a80c40bd4a")
        );
        let spqr = hex32("7bee0e8fce77932c8c719fac644bc355cb3c39bc1ef162cd71932e0c88df6c79");
        let keys = MessageKeys::derive(&seed, Some(&spqr));
        assert_eq!(
            keys.cipher_key,
            hex32("8daaeb9100117cfd19d04a802b4622148c75ba7f41beed4803d7c60e57fabb7b")
        );
        assert_eq!(
            keys.mac_key,
            hex32("0446ef15eb1c3962d6890a5fbf0fe0cb7b1875fe73ec80d2ab406eeb00b14254")
        );
        assert_eq!(
            keys.iv.to_vec(),
            (0..32)
                .step_by(2)
                .map(
                    |i| u8::from_str_radix(&"b3d589e9ba0f8ec8acd0bba6afa69bc6"[i..i + 2], 16)
                        .unwrap()
                )
                .collect::<Vec<_>>()
        );
        let classic = MessageKeys::derive(&seed, None);
        assert_eq!(
            classic.cipher_key,
            hex32("bf2d63cc1a765c167a37fa11c5419eed45698f70b6df593dd2d857735f8fa74e")
        );
    }
}
