//! Records stored by the real libsignal (0.90 and 0.103), imported into hush
//! and continued from; and libsignal's retry receipts
//! (test-vectors/libsignal-records/, test-vectors/retry-receipts/, recorded
//! by interop/record-libsignal-records.mjs; schema in test-vectors/README.md).
//!
//! Every imported record must export to exactly the bytes libsignal stored
//! (libsignal → hush → libsignal), and the conversation must go on: the
//! messages that were in flight when the records were taken decrypt, and
//! the two imported parties keep talking (DH steps, SPQR) in hush.

mod common;

use common::vectors::{address, bytes, id};

use hush::address::ProtocolAddress;
use hush::groups::{group_decrypt, group_encrypt, DistributionId, SenderKeyRecord};
use hush::keys::*;
use hush::messages::{
    CiphertextMessage, CiphertextMessageType, DecryptionErrorMessage, PlaintextContent,
    PreKeySignalMessage, RetryReceiptError, SignalMessage,
};
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
use hush::state::StateError;
use rand::{rngs::StdRng, SeedableRng};
use serde_json::Value;

const VERSIONS: [&str; 2] = ["0.90.0", "0.103.0"];

fn load(dir: &str, name: &str) -> Value {
    let path = format!("{}/test-vectors/{dir}/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("valid JSON")
}

fn records(version: &str) -> Value {
    load("libsignal-records", &format!("records-v{version}.json"))
}

/// Imports a session record and checks it exports to the same bytes.
fn import_session(v: &Value) -> SessionRecord {
    let stored = bytes(v);
    let record = SessionRecord::from_libsignal_bytes(&stored).expect("libsignal record loads");
    assert_eq!(
        *record.to_libsignal_bytes(),
        stored,
        "session record must export byte for byte"
    );
    // And hush's own format around the same payload.
    assert_eq!(record.to_state()[2..], stored[..]);
    record
}

struct Party {
    identity: LocalIdentity,
    address: ProtocolAddress,
}

fn party(v: &Value) -> Party {
    let stored = bytes(&v["identity_key_pair"]);
    let key_pair = IdentityKeyPair::from_libsignal_bytes(&stored).expect("identity loads");
    assert_eq!(*key_pair.to_libsignal_bytes(), stored);
    Party {
        identity: LocalIdentity {
            key_pair,
            registration_id: id(&v["registration_id"]),
        },
        address: address(v),
    }
}

fn addrs<'a>(me: &'a Party, peer: &'a Party) -> Addresses<'a> {
    Addresses {
        local: &me.address,
        remote: &peer.address,
    }
}

fn decrypt_whisper(record: &mut SessionRecord, me: &Party, from: &Party, m: &Value) {
    assert_eq!(m["type"], 2);
    let message = SignalMessage::deserialize(&bytes(&m["ciphertext"])).unwrap();
    let plaintext = record
        .decrypt(&message, addrs(me, from), &mut StdRng::seed_from_u64(1))
        .expect("in-flight message decrypts");
    assert_eq!(plaintext, bytes(&m["plaintext"]));
}

/// One burst of `count` messages from `from` to `to`, all delivered in order.
fn burst(
    from_rec: &mut SessionRecord,
    from: &Party,
    to_rec: &mut SessionRecord,
    to: &Party,
    count: usize,
    now: Timestamp,
    rng: &mut StdRng,
) {
    for k in 0..count {
        let text = format!("message {k} of {count}");
        let message = from_rec
            .encrypt(text.as_bytes(), addrs(from, to), now, rng)
            .unwrap();
        let CiphertextMessage::Whisper(message) = message else {
            panic!("an acknowledged session sends SignalMessages")
        };
        let out = to_rec.decrypt(&message, addrs(to, from), rng).unwrap();
        assert_eq!(out, text.as_bytes());
    }
}

/// Hush-to-hush rounds between two imported records.
fn talk(
    a_record: &mut SessionRecord,
    a: &Party,
    b_record: &mut SessionRecord,
    b: &Party,
    rounds: usize,
    now: Timestamp,
) {
    let mut rng = StdRng::seed_from_u64(7);
    for round in 0..rounds {
        burst(a_record, a, b_record, b, 1 + round % 3, now, &mut rng);
        burst(b_record, b, a_record, a, 1 + round % 2, now, &mut rng);
    }
}

#[test]
fn long_conversation_records_import_and_continue() {
    for version in VERSIONS {
        let r = records(version);
        let s = &r["sessions"];
        let now = Timestamp::from_millis(s["now_ms"].as_u64().unwrap());
        let alice = party(&s["alice"]);
        let bob = party(&s["bob"]);
        let c = &s["conversation"];
        let mut bob_record = import_session(&c["bob_record"]);
        let mut alice_record = import_session(&c["alice_record"]);
        // Two earlier sessions are archived on both sides.
        assert_eq!(bob_record.archived_count(), 2, "{version}");
        assert_eq!(alice_record.archived_count(), 2, "{version}");
        assert_eq!(
            bob_record.remote_identity(),
            Some(alice.identity.key_pair.identity_key())
        );
        // The in-flight messages, out of order, exactly as libsignal read them.
        for i in c["to_bob_delivery_order"].as_array().unwrap() {
            let m = &c["to_bob"][i.as_u64().unwrap() as usize];
            decrypt_whisper(&mut bob_record, &bob, &alice, m);
        }
        for m in c["to_alice"].as_array().unwrap() {
            decrypt_whisper(&mut alice_record, &alice, &bob, m);
        }
        // From here hush alone: DH steps and SPQR epochs continue.
        talk(&mut alice_record, &alice, &mut bob_record, &bob, 30, now);
        // hush → libsignal form → hush keeps the bytes too.
        let exported = bob_record.to_libsignal_bytes();
        let again = SessionRecord::from_libsignal_bytes(&exported).unwrap();
        assert_eq!(*again.to_libsignal_bytes(), *exported);
    }
}

#[test]
fn unacknowledged_session_and_prekey_records_import_and_continue() {
    for version in VERSIONS {
        let r = records(version);
        let s = &r["sessions"];
        let now = Timestamp::from_millis(s["now_ms"].as_u64().unwrap());
        let alice = party(&s["alice"]);
        let bob = party(&s["bob"]);
        let u = &s["unacknowledged"];
        let mut alice_record = import_session(&u["alice_record"]);
        assert!(
            alice_record.is_unacknowledged(),
            "{version}: pending pre-key"
        );
        let mut bob_record = import_session(&u["bob_record"]);

        let one_time_bytes = bytes(&u["bob_prekey_record"]);
        let signed_bytes = bytes(&u["bob_signed_prekey_record"]);
        let kyber_bytes = bytes(&u["bob_kyber_prekey_record"]);
        let one_time = PreKeyRecord::from_libsignal_bytes(&one_time_bytes).unwrap();
        let signed = SignedPreKeyRecord::from_libsignal_bytes(&signed_bytes).unwrap();
        let kyber = KyberPreKeyRecord::from_libsignal_bytes(&kyber_bytes).unwrap();
        assert_eq!(*one_time.to_libsignal_bytes(), one_time_bytes);
        assert_eq!(*signed.to_libsignal_bytes(), signed_bytes);
        assert_eq!(*kyber.to_libsignal_bytes(), kyber_bytes);

        // Alice's two PreKey messages, second first.
        let mut rng = StdRng::seed_from_u64(3);
        for (n, i) in [1usize, 0].into_iter().enumerate() {
            let m = &u["to_bob"][i];
            assert_eq!(m["type"], 3);
            let message = PreKeySignalMessage::deserialize(&bytes(&m["ciphertext"])).unwrap();
            let keys = PreKeys {
                signed: Some(&signed),
                kyber: Some(&kyber),
                one_time: Some(&one_time),
            };
            let out = bob_record
                .decrypt_prekey(&message, &bob.identity, keys, addrs(&bob, &alice), &mut rng)
                .expect("PreKey message decrypts with imported records");
            assert_eq!(out.plaintext, bytes(&m["plaintext"]));
            // The first creates the session (and spends the keys), the second
            // belongs to it.
            assert_eq!(out.consumed.is_some(), n == 0, "{version}");
        }
        // The session the PreKey message made; the libsignal-era one is archived.
        assert_eq!(bob_record.archived_count(), 3, "{version}");
        let reply = bob_record
            .encrypt(b"acknowledged", addrs(&bob, &alice), now, &mut rng)
            .unwrap();
        let CiphertextMessage::Whisper(reply) = reply else {
            panic!("the recipient answers with a SignalMessage")
        };
        assert_eq!(
            alice_record
                .decrypt(&reply, addrs(&alice, &bob), &mut rng)
                .unwrap(),
            b"acknowledged"
        );
        assert!(!alice_record.is_unacknowledged());
        talk(&mut alice_record, &alice, &mut bob_record, &bob, 10, now);
    }
}

#[test]
fn sender_key_records_import_and_continue() {
    for version in VERSIONS {
        let r = records(version);
        let g = &r["sender_keys"];
        let distribution_id: DistributionId =
            g["distribution_id"].as_str().unwrap().parse().unwrap();
        let receiver_bytes = bytes(&g["receiver_record"]);
        let sender_bytes = bytes(&g["sender_record"]);
        let mut receiver = SenderKeyRecord::from_libsignal_bytes(&receiver_bytes).unwrap();
        let mut sender = SenderKeyRecord::from_libsignal_bytes(&sender_bytes).unwrap();
        assert_eq!(*receiver.to_libsignal_bytes(), receiver_bytes);
        assert_eq!(*sender.to_libsignal_bytes(), sender_bytes);
        assert_eq!(receiver.state_count(), 3, "{version}: three chains");
        for i in g["delivery_order"].as_array().unwrap() {
            let m = &g["in_flight"][i.as_u64().unwrap() as usize];
            let out = group_decrypt(&mut receiver, &bytes(&m["ciphertext"])).unwrap();
            assert_eq!(out, bytes(&m["plaintext"]));
        }
        let mut rng = StdRng::seed_from_u64(5);
        for n in 0..20 {
            let text = format!("hush group message {n}");
            let message =
                group_encrypt(&mut sender, distribution_id, text.as_bytes(), &mut rng).unwrap();
            let out = group_decrypt(&mut receiver, message.serialized()).unwrap();
            assert_eq!(out, text.as_bytes());
        }
    }
}

#[test]
fn refused_records_say_why_and_match_from_state() {
    let r = records("0.103.0");
    let stored = bytes(&r["sessions"]["conversation"]["bob_record"]);
    // Any single-byte truncation: the two loaders agree on every verdict.
    for cut in [1usize, 7, 100, stored.len() / 2, stored.len() - 1] {
        let lib = SessionRecord::from_libsignal_bytes(&stored[..cut]).map(|r| r.to_state());
        let mut own = vec![hush::state::FORMAT_VERSION, 1];
        own.extend_from_slice(&stored[..cut]);
        let state = SessionRecord::from_state(&own).map(|r| r.to_state());
        assert_eq!(lib.is_ok(), state.is_ok(), "cut at {cut}");
        if let (Err(a), Err(b)) = (lib, state) {
            assert_eq!(a, b);
        }
    }
    // A legacy skipped key (cipher key, MAC key, IV; no seed) is refused by name.
    let legacy = handmade_record(true, false);
    assert_eq!(
        SessionRecord::from_libsignal_bytes(&legacy).unwrap_err(),
        StateError::Invalid("skipped key seed")
    );
    // The same state without the legacy key loads and exports as built; with
    // the removed field 8 it loads too (ignored, as libsignal does) and
    // exports without it: the one field that does not survive.
    let plain = handmade_record(false, false);
    let record = SessionRecord::from_libsignal_bytes(&plain).unwrap();
    assert_eq!(*record.to_libsignal_bytes(), plain);
    let old = handmade_record(false, true);
    assert_ne!(old, plain);
    let record = SessionRecord::from_libsignal_bytes(&old).unwrap();
    assert_eq!(*record.to_libsignal_bytes(), plain);
    // An identity key pair whose halves do not belong together.
    let a = bytes(&r["sessions"]["alice"]["identity_key_pair"]);
    let b = bytes(&r["sessions"]["bob"]["identity_key_pair"]);
    let mut mixed = a[..35].to_vec(); // field 1: Alice's public key
    mixed.extend_from_slice(&b[35..]); // field 2: Bob's private key
    assert_eq!(
        IdentityKeyPair::from_libsignal_bytes(&mixed).unwrap_err(),
        KeyError::KeyPairMismatch
    );
    // A fresh (empty) record, as libsignal serializes it.
    let fresh = SessionRecord::from_libsignal_bytes(&[]).unwrap();
    assert!(!fresh.has_current_state());
    assert!(fresh.to_libsignal_bytes().is_empty());
}

/// A minimal current state, built field by field: one receiver chain at
/// index 5, optionally with a skipped key in the legacy form
/// (session-record.md §3), optionally with the long-removed field 8
/// (`pending_key_exchange`, §2).
fn handmade_record(legacy_skipped_key: bool, field_8: bool) -> Vec<u8> {
    fn field(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let mut len = body.len();
        while len >= 0x80 {
            out.push(u8::try_from(len & 0x7f).unwrap() | 0x80);
            len >>= 7;
        }
        out.push(u8::try_from(len).unwrap());
        out.extend_from_slice(body);
        out
    }
    let key = |b: u8| {
        let mut k = vec![0x05];
        k.extend_from_slice(&[b; 32]);
        k
    };
    let chain_key = [vec![0x08, 0x05], field(0x12, &[9; 32])].concat(); // index 5, key
    let message_key = [
        vec![0x08, 0x02],      // index 2
        field(0x12, &[1; 32]), // cipher key
        field(0x1a, &[2; 32]), // MAC key
        field(0x22, &[3; 16]), // IV
    ]
    .concat();
    let mut chain = [field(0x0a, &key(9)), field(0x1a, &chain_key)].concat();
    if legacy_skipped_key {
        chain.extend_from_slice(&field(0x22, &message_key));
    }
    let state = [
        vec![0x08, 0x04],      // session version 4
        field(0x12, &key(1)),  // local identity
        field(0x1a, &key(2)),  // remote identity
        field(0x22, &[4; 32]), // root key
        field(0x3a, &chain),   // receiver chain
        if field_8 {
            field(0x42, &[0x08, 0x01]) // pending_key_exchange
        } else {
            vec![]
        },
        field(0x6a, &key(3)), // alice base key
    ]
    .concat();
    field(0x0a, &state)
}

#[test]
fn retry_receipts_match_libsignal_byte_for_byte() {
    for version in VERSIONS {
        let v = load("retry-receipts", &format!("retry-receipts-v{version}.json"));
        let vectors = v["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 9);
        for t in vectors {
            let kind = CiphertextMessageType::from_u8(
                u8::try_from(t["original_type"].as_u64().unwrap()).unwrap(),
            )
            .unwrap();
            let timestamp = t["timestamp_ms"].as_u64().unwrap();
            let device = id(&t["original_sender_device_id"]);
            let dem = DecryptionErrorMessage::for_original(
                &bytes(&t["original"]),
                kind,
                timestamp,
                device,
            )
            .unwrap();
            assert_eq!(
                dem.serialized(),
                bytes(&t["decryption_error"]),
                "{}",
                t["name"]
            );
            let ratchet_key = dem.ratchet_key().map(|k| hex::encode(k.serialize()));
            assert_eq!(ratchet_key.as_deref(), t["ratchet_key"].as_str());
            let content = PlaintextContent::from_decryption_error(&dem);
            assert_eq!(content.serialized(), bytes(&t["plaintext_content"]));
            assert_eq!(content.body(), bytes(&t["body"]));
            // Reading libsignal's bytes gives the same fields.
            for parsed in [
                DecryptionErrorMessage::deserialize(&bytes(&t["decryption_error"])).unwrap(),
                DecryptionErrorMessage::from_content_body(&bytes(&t["body"])).unwrap(),
                PlaintextContent::deserialize(&bytes(&t["plaintext_content"]))
                    .unwrap()
                    .decryption_error()
                    .unwrap(),
            ] {
                assert_eq!(parsed.timestamp(), timestamp);
                assert_eq!(parsed.device_id(), device);
                assert_eq!(
                    parsed.ratchet_key().map(|k| hex::encode(k.serialize())),
                    ratchet_key
                );
            }
        }
        // libsignal's error texts for the malformed cases are hush's too.
        let e = &v["errors"];
        let text = |r: RetryReceiptError| r.to_string();
        assert_eq!(
            text(
                DecryptionErrorMessage::for_original(
                    &[0xc0],
                    CiphertextMessageType::Plaintext,
                    1,
                    1
                )
                .unwrap_err()
            ),
            e["plaintext_original"]
        );
        assert_eq!(
            text(PlaintextContent::deserialize(&[]).unwrap_err()),
            e["plaintext_content_empty"]
        );
        assert_eq!(
            text(
                PlaintextContent::deserialize(&hex::decode("c1420410051807").unwrap()).unwrap_err()
            ),
            e["plaintext_content_wrong_first_byte"]
        );
        assert_eq!(
            text(
                DecryptionErrorMessage::from_content_body(&hex::decode("420410051807").unwrap())
                    .unwrap_err()
            ),
            e["body_without_boundary"]
        );
        assert_eq!(
            text(
                DecryptionErrorMessage::from_content_body(&hex::decode("0a010080").unwrap())
                    .unwrap_err()
            ),
            e["body_without_receipt"]
        );
        assert_eq!(
            text(DecryptionErrorMessage::deserialize(&[0x18, 0x07]).unwrap_err()),
            e["receipt_without_timestamp"]
        );
    }
}

#[test]
fn a_receipt_names_the_senders_current_ratchet_key() {
    // Bob's imported record: a receipt for a message Bob sent last matches
    // Bob's current sending ratchet key; one for an older message does not.
    let r = records("0.103.0");
    let s = &r["sessions"];
    let c = &s["conversation"];
    let alice_record = import_session(&c["alice_record"]);
    let bob_record = import_session(&c["bob_record"]);
    let to_alice = &c["to_alice"][0];
    let dem = DecryptionErrorMessage::for_original(
        &bytes(&to_alice["ciphertext"]),
        CiphertextMessageType::Whisper,
        1,
        1,
    )
    .unwrap();
    let key = dem.ratchet_key().unwrap();
    assert!(bob_record.current_ratchet_key_matches(key));
    assert!(!alice_record.current_ratchet_key_matches(key));
    let mut archived = bob_record.clone();
    archived.archive_current_state();
    assert!(!archived.current_ratchet_key_matches(key));
}

#[test]
fn hush_records_come_back_from_libsignal_unchanged() {
    // Records hush made, read and re-serialized by libsignal at recording
    // time: libsignal's bytes must be hush's, and load back to the same bytes.
    for version in VERSIONS {
        let r = records(version);
        let entries = r["hush_through_libsignal"]
            .as_array()
            .expect("recorded with --hush");
        assert_eq!(entries.len(), 8);
        for e in entries {
            let (kind, ours, theirs) = (
                e["kind"].as_str().unwrap(),
                bytes(&e["hush"]),
                bytes(&e["libsignal"]),
            );
            assert_eq!(ours, theirs, "{version}: libsignal changed hush's {kind}");
            let back = match kind {
                "session_record" | "session_record_pending_pre_key" => {
                    SessionRecord::from_libsignal_bytes(&theirs)
                        .unwrap()
                        .to_libsignal_bytes()
                }
                "pre_key_record" => PreKeyRecord::from_libsignal_bytes(&theirs)
                    .unwrap()
                    .to_libsignal_bytes(),
                "signed_pre_key_record" => SignedPreKeyRecord::from_libsignal_bytes(&theirs)
                    .unwrap()
                    .to_libsignal_bytes(),
                "kyber_pre_key_record" => KyberPreKeyRecord::from_libsignal_bytes(&theirs)
                    .unwrap()
                    .to_libsignal_bytes(),
                "sender_key_record" | "sender_key_record_own" => {
                    SenderKeyRecord::from_libsignal_bytes(&theirs)
                        .unwrap()
                        .to_libsignal_bytes()
                }
                "identity_key_pair" => IdentityKeyPair::from_libsignal_bytes(&theirs)
                    .unwrap()
                    .to_libsignal_bytes(),
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(*back, ours, "{version}: {kind}");
        }
    }
}
