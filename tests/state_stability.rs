//! Persisted state must keep loading across releases. test-vectors/state/
//! holds blobs written by each format version (see src/state.rs); this test
//! loads them, checks their contents, and continues the conversation the
//! saved sessions were in.
//!
//! To add samples for a new format version, run
//! `cargo test --test state_stability -- --ignored write_samples` and commit
//! the new file; never rewrite an existing one.

mod common;

use common::{rng, Party};
use hush::keys::*;
use hush::messages::{CiphertextMessage, SignalMessage};
use hush::session::{Addresses, SessionRecord};
use hush::state::{StateError, FORMAT_VERSION};
use serde_json::{json, Value};

fn path(version: u8) -> String {
    format!(
        "{}/test-vectors/state/v{version}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn h(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn b(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Writes samples for the current format version.
#[test]
#[ignore = "generator: writes test-vectors/state/v<N>.json for a new format version"]
fn write_samples() {
    let target = path(FORMAT_VERSION);
    assert!(
        !std::path::Path::new(&target).exists(),
        "{target} exists; samples of a released format are never rewritten"
    );
    let mut r = rng(2026);
    let mut alice = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", 11, &mut r);
    let mut bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", 22, &mut r);
    let (a, bb) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let m = alice.encrypt(&bb, b"first", &mut r);
    bob.decrypt(&a, &m, &mut r).unwrap();
    let m = bob.encrypt(&a, b"reply", &mut r);
    alice.decrypt(&bb, &m, &mut r).unwrap();
    let held = alice.encrypt(&bb, b"held back", &mut r);
    let skipped_after = alice.encrypt(&bb, b"skips one", &mut r);
    bob.decrypt(&a, &skipped_after, &mut r).unwrap();
    let sample = json!({
        "format_version": FORMAT_VERSION,
        "description": "Alice and Bob mid-conversation; Bob holds one skipped key for `pending_for_bob`.",
        "alice": { "identity": h(&alice.local.key_pair.to_state()), "session": h(&alice.record.to_state()), "address": a.name() },
        "bob": {
            "identity": h(&bob.local.key_pair.to_state()), "session": h(&bob.record.to_state()), "address": bb.name(),
            "signed_prekey": h(&bob.signed.to_state()), "kyber_prekey": h(&bob.kyber.to_state()), "prekey": h(&bob.one_time[0].to_state()),
            "signed_prekey_libsignal": h(&bob.signed.serialize()),
        },
        "pending_for_bob": { "ciphertext": h(held.serialized()), "plaintext": h(b"held back") },
    });
    std::fs::write(&target, serde_json::to_string_pretty(&sample).unwrap()).unwrap();
}

#[test]
fn every_committed_format_version_still_loads_and_works() {
    let mut versions = 0;
    for version in 1..=FORMAT_VERSION {
        let Ok(text) = std::fs::read_to_string(path(version)) else {
            continue;
        };
        versions += 1;
        let v: Value = serde_json::from_str(&text).unwrap();
        let alice_id = IdentityKeyPair::from_state(&b(&v["alice"]["identity"])).unwrap();
        let bob_id = IdentityKeyPair::from_state(&b(&v["bob"]["identity"])).unwrap();
        let mut alice = SessionRecord::from_state(&b(&v["alice"]["session"])).unwrap();
        let mut bob = SessionRecord::from_state(&b(&v["bob"]["session"])).unwrap();
        // Format version 1 samples predate SPQR in hush's records: they
        // load and continue, but are not usable (double-ratchet.md §7).
        if version == 1 {
            assert!(!alice.is_usable(common::NOW) && !bob.is_usable(common::NOW));
        }
        assert_eq!(alice.remote_identity(), Some(bob_id.identity_key()));
        assert_eq!(bob.remote_identity(), Some(alice_id.identity_key()));
        assert_eq!(
            (
                alice.local_registration_id(),
                alice.remote_registration_id()
            ),
            (Some(11), Some(22))
        );

        let signed = SignedPreKeyRecord::from_state(&b(&v["bob"]["signed_prekey"])).unwrap();
        assert!(bob_id
            .identity_key()
            .public_key()
            .verify_signature(&signed.public_key().serialize(), signed.signature()));
        assert_eq!(
            signed.serialize().to_vec(),
            b(&v["bob"]["signed_prekey_libsignal"])
        );
        let kyber = KyberPreKeyRecord::from_state(&b(&v["bob"]["kyber_prekey"])).unwrap();
        assert!(bob_id
            .identity_key()
            .public_key()
            .verify_signature(&kyber.public_key().serialize(), kyber.signature()));
        PreKeyRecord::from_state(&b(&v["bob"]["prekey"])).unwrap();

        let name = |who: &str| v[who]["address"].as_str().unwrap().to_owned();
        let a_addr = hush::address::ProtocolAddress::new(
            name("alice"),
            hush::address::DeviceId::new(1).unwrap(),
        );
        let b_addr = hush::address::ProtocolAddress::new(
            name("bob"),
            hush::address::DeviceId::new(1).unwrap(),
        );
        let to_alice = Addresses {
            local: &b_addr,
            remote: &a_addr,
        };
        let to_bob = Addresses {
            local: &a_addr,
            remote: &b_addr,
        };
        let mut r = rng(7);
        let pending = SignalMessage::deserialize(&b(&v["pending_for_bob"]["ciphertext"])).unwrap();
        assert_eq!(
            bob.decrypt(&pending, to_alice, &mut r).unwrap(),
            b(&v["pending_for_bob"]["plaintext"])
        );
        let CiphertextMessage::Whisper(m) = bob
            .encrypt(b"after reload", to_alice, common::NOW, &mut r)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(alice.decrypt(&m, to_bob, &mut r).unwrap(), b"after reload");
        let CiphertextMessage::Whisper(m) = alice
            .encrypt(b"and back", to_bob, common::NOW, &mut r)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(bob.decrypt(&m, to_alice, &mut r).unwrap(), b"and back");
    }
    assert!(versions >= 1, "no committed state samples found");
}

#[test]
fn headers_are_checked() {
    let mut r = rng(3);
    let identity = IdentityKeyPair::generate(&mut r);
    let state = identity.to_state();
    assert_eq!(state[0], FORMAT_VERSION);
    assert!(matches!(
        SessionRecord::from_state(&state),
        Err(StateError::WrongKind { .. })
    ));
    assert_eq!(
        SessionRecord::from_state(&[FORMAT_VERSION]).unwrap_err(),
        StateError::Truncated
    );
    let mut future = state.to_vec();
    future[0] = 0xee;
    assert_eq!(
        IdentityKeyPair::from_state(&future).unwrap_err(),
        StateError::UnsupportedVersion(0xee)
    );
    assert!(!SessionRecord::from_state(&SessionRecord::new().to_state())
        .unwrap()
        .has_current_state());
}

/// The committed records were written by the `prost` codec of format
/// version 1; the hand-written codec must reproduce them byte for byte
/// (libsignal import/export relies on the layout being libsignal's).
#[test]
fn committed_records_reencode_byte_for_byte() {
    for version in 1..=FORMAT_VERSION {
        let Ok(text) = std::fs::read_to_string(path(version)) else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        for who in ["alice", "bob"] {
            let stored = b(&v[who]["session"]);
            let record = SessionRecord::from_state(&stored).unwrap();
            assert_eq!(h(&record.to_state()), h(&stored), "{who} v{version}");
        }
    }
}
