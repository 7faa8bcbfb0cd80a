//! The peer's state: one local account device (identity, registration id,
//! address) and its in-memory stores (interop/PROTOCOL.md, "State model").

use std::collections::{BTreeMap, HashMap};

use hush::address::ProtocolAddress;
use hush::groups::{DistributionId, SenderKeyRecord};
use hush::keys::{
    IdentityKey, IdentityKeyPair, KyberPreKeyId, KyberPreKeyRecord, PreKeyId, PreKeyRecord,
    SignedPreKeyId, SignedPreKeyRecord,
};
use hush::session::SessionRecord;
use rand::rngs::StdRng;

use crate::error::{PeerError, Result};

/// The local device: `create_identity` replaces it.
pub struct LocalIdentity {
    pub key_pair: IdentityKeyPair,
    pub registration_id: u32,
    pub address: ProtocolAddress,
}

/// Whether a remote identity key different from the stored one is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustPolicy {
    /// Trust on first use: a key different from the stored one is untrusted.
    #[default]
    Tofu,
    /// Every key is trusted.
    Always,
}

impl TrustPolicy {
    /// Whether `key` is trusted for `address`, given the stored identities.
    pub fn trusts(
        self,
        identities: &HashMap<ProtocolAddress, IdentityKey>,
        address: &ProtocolAddress,
        key: &IdentityKey,
    ) -> bool {
        match self {
            Self::Always => true,
            Self::Tofu => identities.get(address).is_none_or(|stored| stored == key),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "tofu" => Some(Self::Tofu),
            "always" => Some(Self::Always),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Tofu => "tofu",
            Self::Always => "always",
        }
    }
}

/// A stored Kyber prekey and whether it survives use.
pub struct KyberPreKey {
    pub record: KyberPreKeyRecord,
    pub last_resort: bool,
}

/// One use of a Kyber prekey by an incoming session (`list_prekeys.kyber_used`).
pub struct KyberUse {
    pub kyber_prekey_id: KyberPreKeyId,
    pub signed_prekey_id: SignedPreKeyId,
    /// The initiator's serialized base key.
    pub base_key: Vec<u8>,
    /// Whether the key was deleted (one-time) or kept (last resort).
    pub removed: bool,
}

/// Everything `create_identity` clears.
#[derive(Default)]
pub struct Stores {
    pub prekeys: BTreeMap<PreKeyId, PreKeyRecord>,
    pub signed_prekeys: BTreeMap<SignedPreKeyId, SignedPreKeyRecord>,
    pub kyber_prekeys: BTreeMap<KyberPreKeyId, KyberPreKey>,
    /// One-time EC prekeys spent by incoming sessions, in order.
    pub consumed_prekey_ids: Vec<PreKeyId>,
    pub kyber_used: Vec<KyberUse>,
    /// Remote identity keys by address.
    pub identities: HashMap<ProtocolAddress, IdentityKey>,
    /// 1:1 session records by remote address.
    pub sessions: HashMap<ProtocolAddress, SessionRecord>,
    /// Sender-key records by (sender address, distribution ID); ours under
    /// our own address.
    pub sender_keys: HashMap<(ProtocolAddress, DistributionId), SenderKeyRecord>,
    /// The most recently generated or imported keys, the defaults of bundles.
    pub last_signed_prekey_id: Option<SignedPreKeyId>,
    pub last_kyber_prekey_id: Option<KyberPreKeyId>,
}

impl Stores {
    /// Spends a one-time EC prekey (an incoming session used it).
    pub fn consume_prekey(&mut self, id: PreKeyId) -> Result<PreKeyRecord> {
        let record = self
            .prekeys
            .remove(&id)
            .ok_or_else(|| PeerError::no_such_prekey(format!("one-time prekey {id} not found")))?;
        self.consumed_prekey_ids.push(id);
        Ok(record)
    }

    /// Records that an incoming session used a Kyber prekey: a one-time key
    /// is deleted; a last-resort key stays but refuses the same (kyber id,
    /// signed prekey id, base key) twice, like libsignal's test store.
    pub fn mark_kyber_used(
        &mut self,
        id: KyberPreKeyId,
        signed_prekey_id: SignedPreKeyId,
        base_key: &[u8],
    ) -> Result<()> {
        let last_resort = self
            .kyber_prekeys
            .get(&id)
            .ok_or_else(|| PeerError::no_such_prekey(format!("kyber prekey {id} not found")))?
            .last_resort;
        if last_resort {
            let reused = self.kyber_used.iter().any(|u| {
                u.kyber_prekey_id == id
                    && u.signed_prekey_id == signed_prekey_id
                    && u.base_key == base_key
            });
            if reused {
                return Err(PeerError::library(
                    "invalid PreKey message: reused base key",
                ));
            }
        } else {
            self.kyber_prekeys.remove(&id);
        }
        self.kyber_used.push(KyberUse {
            kyber_prekey_id: id,
            signed_prekey_id,
            base_key: base_key.to_vec(),
            removed: !last_resort,
        });
        Ok(())
    }
}

/// The whole peer.
pub struct Peer {
    pub rng: StdRng,
    pub identity: Option<LocalIdentity>,
    pub stores: Stores,
    /// Kept by `create_identity`, reset by `reset`.
    pub trust_policy: TrustPolicy,
    /// Set by `quit`: the main loop exits after answering.
    pub quit: bool,
    /// Test mode (`HUSH_PEER_ROUNDTRIP_STATE=1`): every session record a
    /// command changes goes through `to_state`/`from_state` before it is
    /// kept, and must serialize to the same bytes again.
    pub roundtrip_state: bool,
}

impl Peer {
    pub fn new(rng: StdRng) -> Self {
        Self {
            rng,
            identity: None,
            stores: Stores::default(),
            trust_policy: TrustPolicy::default(),
            quit: false,
            roundtrip_state: false,
        }
    }

    /// The local identity, or `NoIdentity`.
    pub fn identity(&self) -> Result<&LocalIdentity> {
        self.identity.as_ref().ok_or_else(PeerError::no_identity)
    }

    /// Whether `key` is trusted for `address` under the trust policy (the
    /// same answer for sending and receiving, like libsignal's test store).
    pub fn is_trusted(&self, address: &ProtocolAddress, key: &IdentityKey) -> bool {
        self.trust_policy
            .trusts(&self.stores.identities, address, key)
    }
}

#[cfg(test)]
mod tests {
    use hush::keys::Timestamp;
    use rand::SeedableRng;

    use super::*;

    fn stores_with_kyber(last_resort: bool) -> (Stores, StdRng) {
        let mut rng = StdRng::seed_from_u64(1);
        let identity = IdentityKeyPair::generate(&mut rng);
        let record = KyberPreKeyRecord::generate(
            KyberPreKeyId(7),
            Timestamp::from_millis(1),
            &identity,
            &mut rng,
        );
        let mut stores = Stores::default();
        stores.kyber_prekeys.insert(
            KyberPreKeyId(7),
            KyberPreKey {
                record,
                last_resort,
            },
        );
        (stores, rng)
    }

    #[test]
    fn one_time_kyber_key_is_removed_after_use() {
        let (mut stores, _) = stores_with_kyber(false);
        stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(1), b"base")
            .unwrap();
        assert!(stores.kyber_prekeys.is_empty());
        assert!(stores.kyber_used[0].removed);
        assert!(stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(1), b"other")
            .is_err());
    }

    #[test]
    fn last_resort_kyber_key_refuses_a_reused_base_key() {
        let (mut stores, _) = stores_with_kyber(true);
        stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(1), b"base")
            .unwrap();
        stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(1), b"other")
            .unwrap();
        stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(2), b"base")
            .unwrap();
        assert!(stores
            .mark_kyber_used(KyberPreKeyId(7), SignedPreKeyId(1), b"base")
            .is_err());
        assert_eq!(stores.kyber_used.len(), 3);
        assert!(stores.kyber_prekeys.contains_key(&KyberPreKeyId(7)));
    }

    #[test]
    fn consumed_prekeys_are_listed() {
        let (mut stores, mut rng) = stores_with_kyber(false);
        stores
            .prekeys
            .insert(PreKeyId(3), PreKeyRecord::generate(PreKeyId(3), &mut rng));
        stores.consume_prekey(PreKeyId(3)).unwrap();
        assert!(stores.consume_prekey(PreKeyId(3)).is_err());
        assert_eq!(stores.consumed_prekey_ids, [PreKeyId(3)]);
    }
}
