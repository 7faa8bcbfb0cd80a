//! The Braid's authenticator: a root key and a MAC key, updated with every
//! epoch secret (spqr-internals §3).

use core::fmt;

use subtle::ConstantTimeEq;

use super::kdf;
use super::secret::Secret;

/// `root_key` and `mac_key`, carried across epochs and role swaps.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Authenticator {
    root_key: Secret<32>,
    mac_key: Secret<32>,
}

impl Authenticator {
    /// `auth_new(auth_key, 1)`: zero keys, then the update for epoch 1.
    pub(super) fn new(auth_key: &[u8; 32]) -> Self {
        Self {
            root_key: Secret::zero(),
            mac_key: Secret::zero(),
        }
        .updated(1, auth_key)
    }

    /// From stored keys.
    pub(super) fn from_keys(root_key: Secret<32>, mac_key: Secret<32>) -> Self {
        Self { root_key, mac_key }
    }

    pub(super) fn root_key(&self) -> &[u8; 32] {
        self.root_key.as_bytes()
    }

    pub(super) fn mac_key(&self) -> &[u8; 32] {
        self.mac_key.as_bytes()
    }

    /// `auth_update(epoch, k)`, returning the new authenticator.
    pub(super) fn updated(&self, epoch: u64, k: &[u8; 32]) -> Self {
        let out = kdf::authenticator_update(self.root_key.as_bytes(), k, epoch);
        let root_key = Secret::from_part(&out[..], 0).unwrap_or_else(Secret::zero);
        let mac_key = Secret::from_part(&out[..], 32).unwrap_or_else(Secret::zero);
        Self { root_key, mac_key }
    }

    /// MAC over an encapsulation-key header.
    pub(super) fn header_mac(&self, epoch: u64, hdr: &[u8; 64]) -> [u8; 32] {
        kdf::header_mac(self.mac_key.as_bytes(), epoch, hdr)
    }

    /// MAC over a ciphertext `ct1 ‖ ct2`.
    pub(super) fn ciphertext_mac(&self, epoch: u64, ct1: &[u8], ct2: &[u8]) -> [u8; 32] {
        kdf::ciphertext_mac(self.mac_key.as_bytes(), epoch, ct1, ct2)
    }

    /// Whether `mac` is the header MAC (constant time).
    pub(super) fn verify_header(&self, epoch: u64, hdr: &[u8; 64], mac: &[u8]) -> bool {
        bool::from(self.header_mac(epoch, hdr).ct_eq(mac))
    }

    /// Whether `mac` is the ciphertext MAC (constant time).
    pub(super) fn verify_ciphertext(&self, epoch: u64, ct1: &[u8], ct2: &[u8], mac: &[u8]) -> bool {
        bool::from(self.ciphertext_mac(epoch, ct1, ct2).ct_eq(mac))
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Authenticator(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_keys_known_answer() {
        // spqr.md §8.2
        let auth = Authenticator::new(&[0x29; 32]);
        assert_eq!(
            hex::encode(auth.root_key()),
            "486eb283e739a2b7baea016d6a70df801616dfbf3f022b77a27cfaa3360348a0"
        );
        assert_eq!(
            hex::encode(auth.mac_key()),
            "5a368111ae4f8d5d407e4b9a369e67af9e01d9449cf2b5e50cede3f7ab525a1e"
        );
        assert_eq!(format!("{auth:?}"), "Authenticator(<redacted>)");
    }

    #[test]
    fn macs_verify_after_a_round_trip_through_stored_keys() {
        let auth = Authenticator::new(&[7; 32]).updated(1, &[9; 32]);
        let hdr = [5u8; 64];
        let mac = auth.header_mac(2, &hdr);
        let restored = Authenticator::from_keys(
            Secret::from_slice(auth.root_key()).expect("32"),
            Secret::from_slice(auth.mac_key()).expect("32"),
        );
        assert!(restored.verify_header(2, &hdr, &mac));
        assert!(!restored.verify_header(3, &hdr, &mac), "the epoch is bound");
        let mut bad = mac;
        bad[31] ^= 1;
        assert!(!restored.verify_header(2, &hdr, &bad));
        assert!(
            !restored.verify_header(2, &hdr, &mac[..31]),
            "short MACs never verify"
        );
        let ct_mac = auth.ciphertext_mac(2, &[1; 960], &[2; 128]);
        assert!(restored.verify_ciphertext(2, &[1; 960], &[2; 128], &ct_mac));
        assert!(!restored.verify_ciphertext(2, &[1; 960], &[3; 128], &ct_mac));
        assert_ne!(auth.updated(2, &[1; 32]), auth);
    }
}
