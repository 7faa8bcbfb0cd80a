//! Classic (version 3) sessions against recordings of the real libraries
//! (test-vectors/classic/, copied from the shared interop-v3 harness; see
//! test-vectors/README.md):
//!
//! * `lspc-records.json`: records written by libsignal-protocol-c 2.3.3 with
//!   the keys that made them; every record imports, re-exports byte for byte,
//!   and every message still in flight decrypts.
//! * `v3-oneway-*.json`: hush replays the receiver side (libsignal-protocol-c
//!   or npm `libsignal` was the sender) and must reach libsignal-protocol-c's
//!   outcome at every step.
//! * `v3-conversation-c-npm.json`: the libsignal-protocol-c side through the
//!   importer (each `receiver_record_before` imported, the message
//!   decrypted), the same side continued by hush alone from its first
//!   record (as long as the npm side keeps the ratchet key it had then: after
//!   that its chains derive from libsignal-protocol-c's private keys, which
//!   hush's own continuation replaced), and the npm side's first contact from
//!   scratch with its published pre-keys (its later chains derive from npm's
//!   private ratchet keys, which the transcript does not hold).

use std::collections::BTreeMap;
use std::path::Path;

use hush::classic::lspc;
use hush::classic::*;
use hush::keys::{
    IdentityKeyPair, KeyPair, PreKeyId, PreKeyRecord, PrivateKey, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp,
};
use hush::session::LocalIdentity;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

const NOW: Timestamp = Timestamp::from_millis(1_767_225_600_000);

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors/classic")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("json")
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("hex")
}

fn identity(private: &Value, public: &Value, registration_id: u32) -> LocalIdentity {
    let key_pair = IdentityKeyPair::from(PrivateKey::deserialize(&h(private)).unwrap());
    assert_eq!(key_pair.identity_key().serialize().to_vec(), h(public));
    LocalIdentity {
        key_pair,
        registration_id,
    }
}

/// The receiver's published keys, by ID.
struct Store {
    signed: BTreeMap<u32, SignedPreKeyRecord>,
    one_time: BTreeMap<u32, PreKeyRecord>,
}

impl Store {
    fn from_party(party: &Value) -> Self {
        let mut signed = BTreeMap::new();
        for s in party["signed_prekeys"].as_array().unwrap() {
            let key_pair =
                KeyPair::from_private(PrivateKey::deserialize(&h(&s["private"])).unwrap());
            assert_eq!(key_pair.public_key.serialize().to_vec(), h(&s["public"]));
            let id = s["id"].as_u64().unwrap() as u32;
            let record = SignedPreKeyRecord::new(
                SignedPreKeyId(id),
                Timestamp::from_millis(s["timestamp"].as_u64().unwrap()),
                key_pair,
                h(&s["signature"]).try_into().unwrap(),
            );
            if let Some(bytes) = s.get("record") {
                // libsignal-protocol-c's own record of this key: same keys.
                let imported = lspc::signed_pre_key_from_lspc(&h(bytes)).unwrap();
                assert_eq!(imported.public_key(), record.public_key());
                assert_eq!(*lspc::signed_pre_key_to_lspc(&imported), h(bytes));
            }
            signed.insert(id, record);
        }
        let mut one_time = BTreeMap::new();
        for p in party["prekeys"].as_array().unwrap() {
            let key_pair =
                KeyPair::from_private(PrivateKey::deserialize(&h(&p["private"])).unwrap());
            assert_eq!(key_pair.public_key.serialize().to_vec(), h(&p["public"]));
            let id = p["id"].as_u64().unwrap() as u32;
            one_time.insert(id, PreKeyRecord::new(PreKeyId(id), key_pair));
        }
        Self { signed, one_time }
    }

    /// Decrypts a type-2 or type-3 message; consumed one-time keys are
    /// deleted from the store, as an application does.
    fn decrypt(
        &mut self,
        record: &mut ClassicSessionRecord,
        local: &LocalIdentity,
        message_type: u64,
        bytes: &[u8],
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, ClassicDecryptError> {
        match message_type {
            2 => record.decrypt(&ClassicSignalMessage::deserialize(bytes).unwrap(), rng),
            3 => {
                let message = ClassicPreKeySignalMessage::deserialize(bytes).unwrap();
                let keys = ClassicPreKeys {
                    signed: self.signed.get(&message.signed_pre_key_id().0),
                    one_time: message.pre_key_id().and_then(|id| self.one_time.get(&id.0)),
                };
                let result = record.decrypt_prekey(&message, local, keys, rng)?;
                if let Some(ClassicConsumedPreKeys {
                    one_time: Some(id), ..
                }) = result.consumed
                {
                    self.one_time.remove(&id.0);
                }
                Ok(result.plaintext)
            }
            other => panic!("message type {other}"),
        }
    }
}

fn outcome(result: &Result<Vec<u8>, ClassicDecryptError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(ClassicDecryptError::DuplicatedMessage { .. }) => "duplicate",
        Err(_) => "invalid",
    }
}

fn replay_one_way(name: &str) {
    let t = load(name);
    assert_eq!(t["protocol_version"], 3);
    let receiver = &t["receiver"];
    let local = identity(
        &receiver["identity"]["private"],
        &receiver["identity"]["public"],
        receiver["registration_id"].as_u64().unwrap() as u32,
    );
    let mut store = Store::from_party(receiver);
    let mut record = ClassicSessionRecord::new();
    let mut rng = StdRng::seed_from_u64(11);
    let sender_identity = h(&t["sender"]["identity_public"]);
    for (i, step) in t["steps"].as_array().unwrap().iter().enumerate() {
        let before = record.to_state();
        let result = store.decrypt(
            &mut record,
            &local,
            step["type"].as_u64().unwrap(),
            &h(&step["ciphertext"]),
            &mut rng,
        );
        let expect = step["expect"].as_str().unwrap();
        assert_eq!(
            outcome(&result),
            expect,
            "{name} step {i} ({}): {result:?}",
            step["id"]
        );
        match result {
            Ok(plaintext) => assert_eq!(plaintext, h(&step["plaintext"]), "{name} step {i}"),
            Err(_) => assert_eq!(
                *record.to_state(),
                *before,
                "{name} step {i} changed the record"
            ),
        }
        assert_eq!(
            record.remote_identity().unwrap().serialize().to_vec(),
            sender_identity
        );
    }
    let remaining: Vec<u64> = store.one_time.keys().map(|&id| u64::from(id)).collect();
    let expected: Vec<u64> = t["expected_after"]["remaining_prekey_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(remaining, expected, "{name}: one-time pre-keys left");
    // Both sessions are in the record, and it survives storage.
    assert_eq!(record.archived_count(), 1);
    let reloaded = ClassicSessionRecord::from_state(&record.to_state()).unwrap();
    assert_eq!(*reloaded.to_state(), *record.to_state());
}

#[test]
fn one_way_transcript_from_libsignal_protocol_c() {
    replay_one_way("v3-oneway-c-to-npm.json");
}

#[test]
fn one_way_transcript_from_npm_libsignal() {
    replay_one_way("v3-oneway-npm-to-c.json");
}

#[test]
fn two_way_conversation_through_the_importer() {
    let t = load("v3-conversation-c-npm.json");
    let a = &t["parties"]["A"];
    let b = &t["parties"]["B"];
    let a_local = identity(
        &a["identity"]["private"],
        &a["identity"]["public"],
        a["registration_id"].as_u64().unwrap() as u32,
    );
    let b_local = identity(
        &b["identity"]["private"],
        &b["identity"]["public"],
        b["registration_id"].as_u64().unwrap() as u32,
    );
    let mut b_store = Store::from_party(b);
    let mut b_record = ClassicSessionRecord::new();
    // A continued by hush alone, from the first record libsignal-protocol-c
    // handed over.
    let mut a_continued: Option<(ClassicSessionRecord, Vec<u8>)> = None;
    let mut rng = StdRng::seed_from_u64(12);
    let (mut imported, mut continued, mut from_scratch) = (0, 0, 0);
    for (i, event) in t["events"].as_array().unwrap().iter().enumerate() {
        if event["op"] != "decrypt" {
            continue;
        }
        assert_eq!(event["expect"], "ok");
        let bytes = h(&event["ciphertext"]);
        let plaintext = h(&event["plaintext"]);
        let message_type = event["type"].as_u64().unwrap();
        match event["receiver"].as_str().unwrap() {
            "A" => {
                let before = h(&event["receiver_record_before"]);
                let mut record = ClassicSessionRecord::from_lspc(&before, NOW).unwrap();
                // The importer keeps everything libsignal-protocol-c wrote.
                assert_eq!(*record.to_lspc(), before, "event {i}: export differs");
                let mut store = Store {
                    signed: BTreeMap::new(),
                    one_time: BTreeMap::new(),
                };
                let got = store
                    .decrypt(&mut record, &a_local, message_type, &bytes, &mut rng)
                    .unwrap_or_else(|e| panic!("event {i}: {e}"));
                assert_eq!(got, plaintext, "event {i}");
                imported += 1;
                let ratchet_key = ClassicSignalMessage::deserialize(&bytes)
                    .unwrap()
                    .ratchet_key()
                    .serialize()
                    .to_vec();
                let (hushs, first_chain) = a_continued.get_or_insert_with(|| {
                    let record = ClassicSessionRecord::from_lspc(&before, NOW).unwrap();
                    (record, ratchet_key.clone())
                });
                if *first_chain == ratchet_key {
                    let got = store
                        .decrypt(hushs, &a_local, message_type, &bytes, &mut rng)
                        .unwrap_or_else(|e| panic!("event {i} (continued): {e}"));
                    assert_eq!(got, plaintext, "event {i} (continued)");
                    continued += 1;
                }
            }
            "B" if message_type == 3 => {
                let got = b_store
                    .decrypt(&mut b_record, &b_local, message_type, &bytes, &mut rng)
                    .unwrap_or_else(|e| panic!("event {i}: {e}"));
                assert_eq!(got, plaintext, "event {i}");
                from_scratch += 1;
            }
            "B" => {}
            other => panic!("receiver {other}"),
        }
    }
    assert_eq!((imported, continued, from_scratch), (9, 3, 2));
    assert!(b_store.one_time.is_empty(), "B's one-time pre-key was used");
}

#[test]
fn lspc_key_records_import_and_export_byte_for_byte() {
    let v = load("lspc-records.json");
    let records = v["records"].as_object().unwrap();
    let mut checked = 0;
    for (name, r) in records {
        let bytes = h(&r["hex"]);
        let d = &r["decoded"];
        if name.ends_with("identity_key_pair") {
            let pair = lspc::identity_key_pair_from_lspc(&bytes).unwrap();
            assert_eq!(pair.identity_key().serialize().to_vec(), h(&d["publicKey"]));
            assert_eq!(*lspc::identity_key_pair_to_lspc(&pair), bytes, "{name}");
        } else if name.contains("signed_prekey") {
            let record = lspc::signed_pre_key_from_lspc(&bytes).unwrap();
            assert_eq!(u64::from(record.id().0), d["id"].as_u64().unwrap());
            assert_eq!(
                record.timestamp().as_millis(),
                d["timestamp"].as_u64().unwrap()
            );
            // The signature verifies under the owner's identity key.
            let owner = &v["public_keys"]["bob_identity"];
            let identity = hush::keys::PublicKey::deserialize(&h(owner)).unwrap();
            assert!(identity.verify_signature(&record.public_key().serialize(), record.signature()));
            assert_eq!(*lspc::signed_pre_key_to_lspc(&record), bytes, "{name}");
        } else if name.contains("prekey") {
            let record = lspc::pre_key_from_lspc(&bytes).unwrap();
            assert_eq!(u64::from(record.id().0), d["id"].as_u64().unwrap());
            assert_eq!(*lspc::pre_key_to_lspc(&record), bytes, "{name}");
        } else {
            panic!("unknown record {name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn lspc_session_records_import_and_pending_messages_decrypt() {
    let v = load("lspc-records.json");
    let regs = &v["registration_ids"];
    let alice = identity(
        &v["private_keys"]["alice_identity"],
        &v["public_keys"]["alice_identity"],
        regs["alice"].as_u64().unwrap() as u32,
    );
    let bob = identity(
        &v["private_keys"]["bob_identity"],
        &v["public_keys"]["bob_identity"],
        regs["bob"].as_u64().unwrap() as u32,
    );
    let mut rng = StdRng::seed_from_u64(13);
    let mut decrypted = 0;
    for s in v["sessions"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let bytes = h(&s["record"]);
        let mut record =
            ClassicSessionRecord::from_lspc(&bytes, NOW).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (local, remote) = match s["owner"].as_str().unwrap() {
            "alice" => (&alice, &bob),
            _ => (&bob, &alice),
        };
        let archived_empty = name == "alice-new-session-with-archive";
        if !archived_empty {
            assert_eq!(*record.to_lspc(), bytes, "{name}: export differs");
        }
        match name {
            "alice-archived" => assert!(!record.has_current_state()),
            _ => {
                assert_eq!(record.local_identity(), Some(local.key_pair.identity_key()));
                assert_eq!(
                    record.remote_identity(),
                    Some(remote.key_pair.identity_key())
                );
                assert_eq!(record.session_version(), Some(3));
            }
        }
        if name.starts_with("alice-after") || name.starts_with("alice-two") {
            assert!(record.is_unacknowledged(), "{name}");
        }
        // hush's own form keeps everything, including the import timestamp.
        let reloaded = ClassicSessionRecord::from_state(&record.to_state()).unwrap();
        assert_eq!(*reloaded.to_lspc(), *record.to_lspc());
        let mut store = Store {
            signed: BTreeMap::new(),
            one_time: BTreeMap::new(),
        };
        for m in s["pending_messages"].as_array().into_iter().flatten() {
            let got = store
                .decrypt(
                    &mut record,
                    local,
                    m["type"].as_u64().unwrap(),
                    &h(&m["ciphertext"]),
                    &mut rng,
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, h(&m["plaintext"]), "{name}");
            decrypted += 1;
        }
    }
    assert_eq!(decrypted, 4);
}

#[test]
fn lspc_live_records_continue_the_conversation_in_hush() {
    let v = load("lspc-records.json");
    let live = &v["live_records_for_conversation_continuation"];
    let mut alice = ClassicSessionRecord::from_lspc(&h(&live["alice"]), NOW).unwrap();
    let mut bob = ClassicSessionRecord::from_lspc(&h(&live["bob"]), NOW).unwrap();
    let mut rng = StdRng::seed_from_u64(14);
    for turn in 0..4u8 {
        for n in 0..3u8 {
            let text = [b'a', turn, n];
            let ClassicCiphertextMessage::Whisper(m) = alice.encrypt(&text).unwrap() else {
                panic!("acknowledged sessions send SignalMessages")
            };
            assert_eq!(m.serialized()[0], 0x33);
            assert_eq!(bob.decrypt(&m, &mut rng).unwrap(), text);
        }
        let text = [b'b', turn];
        let ClassicCiphertextMessage::Whisper(m) = bob.encrypt(&text).unwrap() else {
            panic!("acknowledged sessions send SignalMessages")
        };
        assert_eq!(alice.decrypt(&m, &mut rng).unwrap(), text);
    }
    // And back out to libsignal-protocol-c's layout and in again.
    let again = ClassicSessionRecord::from_lspc(&alice.to_lspc(), NOW).unwrap();
    assert_eq!(*again.to_lspc(), *alice.to_lspc());
}
