//! Replays the session transcripts recorded from the real libsignal (see
//! test-vectors/libsignal/README.md): a libsignal sender's PreKey messages,
//! their inner SignalMessages, tampered and duplicated deliveries, all
//! decrypted by a hush receiver built from the recorded private keys. A
//! rejected step must leave the receiver unchanged, since later steps
//! depend on it.

mod common;

use common::vectors::{address, bytes, id, load};

use std::collections::{BTreeMap, BTreeSet};

use hush::address::ProtocolAddress;
use hush::keys::*;
use hush::messages::{PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError, LocalIdentity, PreKeys, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};
use serde_json::Value;

/// A receiver as an application would keep it: stores and one session record.
struct Receiver {
    local: LocalIdentity,
    address: ProtocolAddress,
    signed: BTreeMap<u32, SignedPreKeyRecord>,
    one_time: BTreeMap<u32, PreKeyRecord>,
    kyber: BTreeMap<u32, (KyberPreKeyRecord, bool)>,
    kyber_used: BTreeSet<(u32, u32, Vec<u8>)>,
    record: SessionRecord,
}

impl Receiver {
    fn from_transcript(r: &Value) -> Self {
        let private = PrivateKey::deserialize(&bytes(&r["identity"]["private"])).unwrap();
        let key_pair = IdentityKeyPair::from(private);
        assert_eq!(
            key_pair.identity_key().serialize().to_vec(),
            bytes(&r["identity"]["public"])
        );
        let signed = r["signed_prekeys"].as_array().unwrap().iter().map(|k| {
            let pair =
                KeyPair::from_private(PrivateKey::deserialize(&bytes(&k["private"])).unwrap());
            assert_eq!(pair.public_key.serialize().to_vec(), bytes(&k["public"]));
            let signature: [u8; 64] = bytes(&k["signature"]).try_into().unwrap();
            let ts = Timestamp::from_millis(k["timestamp"].as_u64().unwrap());
            (
                id(&k["id"]),
                SignedPreKeyRecord::new(SignedPreKeyId(id(&k["id"])), ts, pair, signature),
            )
        });
        let one_time = r["prekeys"].as_array().unwrap().iter().map(|k| {
            let pair =
                KeyPair::from_private(PrivateKey::deserialize(&bytes(&k["private"])).unwrap());
            (
                id(&k["id"]),
                PreKeyRecord::new(PreKeyId(id(&k["id"])), pair),
            )
        });
        let kyber = r["kyber_prekeys"].as_array().unwrap().iter().map(|k| {
            let pair = KemKeyPair::from_parts(
                KemPublicKey::deserialize(&bytes(&k["public"])).unwrap(),
                KemSecretKey::deserialize(&bytes(&k["secret"])).unwrap(),
            )
            .unwrap();
            let signature: [u8; 64] = bytes(&k["signature"]).try_into().unwrap();
            let ts = Timestamp::from_millis(k["timestamp"].as_u64().unwrap());
            let record = KyberPreKeyRecord::new(KyberPreKeyId(id(&k["id"])), ts, pair, signature);
            (id(&k["id"]), (record, k["last_resort"].as_bool().unwrap()))
        });
        Self {
            local: LocalIdentity {
                key_pair,
                registration_id: id(&r["registration_id"]),
            },
            address: address(&r["address"]),
            signed: signed.collect(),
            one_time: one_time.collect(),
            kyber: kyber.collect(),
            kyber_used: BTreeSet::new(),
            record: SessionRecord::new(),
        }
    }

    fn decrypt(
        &mut self,
        sender: &ProtocolAddress,
        kind: u64,
        ciphertext: &[u8],
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, String> {
        let addresses = Addresses {
            local: &self.address,
            remote: sender,
        };
        if kind == 2 {
            let message = SignalMessage::deserialize(ciphertext).map_err(|e| e.to_string())?;
            return self
                .record
                .decrypt(&message, addresses, rng)
                .map_err(describe);
        }
        let message = PreKeySignalMessage::deserialize(ciphertext).map_err(|e| e.to_string())?;
        let kyber_id = message.kyber_pre_key_id().map(|k| k.0);
        let triple = (
            kyber_id.unwrap_or(0),
            message.signed_pre_key_id().0,
            message.base_key().serialize().to_vec(),
        );
        let creates_session = !self.record.has_session_for(&message);
        if creates_session && self.kyber_used.contains(&triple) {
            return Err("reused base key".into());
        }
        let pre_keys = PreKeys {
            signed: self.signed.get(&message.signed_pre_key_id().0),
            kyber: kyber_id.and_then(|k| self.kyber.get(&k)).map(|(r, _)| r),
            one_time: message.pre_key_id().and_then(|k| self.one_time.get(&k.0)),
        };
        let result = self
            .record
            .decrypt_prekey(&message, &self.local, pre_keys, addresses, rng)
            .map_err(describe)?;
        if let Some(consumed) = result.consumed {
            assert_eq!(triple.0, consumed.kyber.0);
            self.kyber_used.insert(triple);
            if self
                .kyber
                .get(&consumed.kyber.0)
                .is_some_and(|(_, last_resort)| !last_resort)
            {
                self.kyber.remove(&consumed.kyber.0);
            }
            if let Some(one_time) = consumed.one_time {
                self.one_time.remove(&one_time.0);
            }
        }
        Ok(result.plaintext)
    }
}

fn describe(e: DecryptError) -> String {
    match e {
        DecryptError::DuplicatedMessage { .. } => "duplicate".into(),
        other => other.to_string(),
    }
}

fn replay(name: &str) -> usize {
    let file = load(name);
    let mut receiver = Receiver::from_transcript(&file["receiver"]);
    let sender = address(&file["sender"]["address"]);
    let mut rng = StdRng::seed_from_u64(9);
    let steps = file["steps"].as_array().unwrap();
    for step in steps {
        let label = format!("{name} {} ({})", step["id"], step["variant"]);
        let before = receiver.record.to_state();
        let outcome = receiver.decrypt(
            &sender,
            step["type"].as_u64().unwrap(),
            &bytes(&step["ciphertext"]),
            &mut rng,
        );
        match (step["expect"].as_str().unwrap(), outcome) {
            ("ok", Ok(plaintext)) => assert_eq!(plaintext, bytes(&step["plaintext"]), "{label}"),
            ("duplicate", Err(e)) => {
                assert_eq!(e, "duplicate", "{label}");
                assert_eq!(
                    *before,
                    *receiver.record.to_state(),
                    "{label}: state changed"
                );
            }
            ("invalid", Err(e)) => {
                assert_ne!(e, "duplicate", "{label}");
                assert_eq!(
                    *before,
                    *receiver.record.to_state(),
                    "{label}: state changed"
                );
            }
            (expected, got) => panic!("{label}: expected {expected}, got {got:?}"),
        }
    }
    let after = &file["expected_after"];
    let ids = |v: &Value| v.as_array().unwrap().iter().map(id).collect::<Vec<_>>();
    assert_eq!(
        receiver.one_time.keys().copied().collect::<Vec<_>>(),
        ids(&after["remaining_prekey_ids"]),
        "{name}"
    );
    assert_eq!(
        receiver.signed.keys().copied().collect::<Vec<_>>(),
        ids(&after["remaining_signed_prekey_ids"]),
        "{name}"
    );
    assert_eq!(
        receiver.kyber.keys().copied().collect::<Vec<_>>(),
        ids(&after["remaining_kyber_prekey_ids"]),
        "{name}"
    );
    steps.len()
}

#[test]
fn libsignal_0_90_session_basic() {
    assert_eq!(replay("session-basic-v0.90.0.json"), 25);
}

#[test]
fn libsignal_0_90_session_multi() {
    assert_eq!(replay("session-multi-v0.90.0.json"), 15);
}

/// 0.103 mixes an SPQR key into every message's keys from the first message
/// on, so these only replay with SPQR working (a receiver without it gets
/// 0 of 13, see MANIFEST.json).
#[test]
fn libsignal_0_103_session_basic() {
    assert_eq!(replay("session-basic-v0.103.0.json"), 25);
}

#[test]
fn libsignal_0_103_session_multi() {
    assert_eq!(replay("session-multi-v0.103.0.json"), 15);
}
