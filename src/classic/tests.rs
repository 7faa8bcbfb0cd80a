//! Unit tests against libsignal-protocol-c's recorded keys
//! (test-vectors/classic/lspc-records.json).

use super::x3dh;
use super::*;
use crate::keys::{IdentityKey, IdentityKeyPair, PrivateKey, PublicKey, Timestamp};

fn h(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn samples() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors/classic/lspc-records.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// classic-v3.md §3: Bob's X3DH (with one-time pre-key 31 and signed
/// pre-key 11) gives the chain key libsignal-protocol-c's Alice stored on
/// her receiving chain, and Alice's first DH-ratchet step from the X3DH
/// root key gives the root key she stored.
#[test]
fn x3dh_matches_libsignal_protocol_c() {
    let v = samples();
    let key = |name: &str| PrivateKey::deserialize(&h(&v["private_keys"][name])).unwrap();
    let session = &v["sessions"][0];
    assert_eq!(session["name"], "alice-after-bundle");
    let record =
        ClassicSessionRecord::from_lspc(&h(&session["record"]), Timestamp::from_millis(1_000))
            .unwrap();
    let state = &record.current.as_ref().unwrap().ratchet;
    let base_key = state.alice_base_key;
    let alice_identity =
        IdentityKey::new(PublicKey::deserialize(&h(&v["public_keys"]["alice_identity"])).unwrap());
    let bob = IdentityKeyPair::from(key("bob_identity"));
    let secrets = x3dh::respond(
        &bob,
        &key("bob_signed_prekey_11"),
        Some(&key("bob_prekey_31")),
        &alice_identity,
        &base_key,
    )
    .unwrap();
    let chain = &state.receiver_chains[0];
    assert_eq!(chain.chain_key.as_bytes(), secrets.chain_key.as_bytes());
    assert_eq!(chain.chain_key.index(), 0);
    let sender = state.sender_chain.as_ref().unwrap();
    let (root, send_chain) = secrets
        .root_key
        .create_chain(&chain.ratchet_key, &sender.ratchet_key.private_key)
        .unwrap();
    assert_eq!(root.as_bytes(), state.root_key.as_bytes());
    assert_eq!(send_chain.as_bytes(), sender.chain_key.as_bytes());
    // Without the one-time pre-key the secret differs.
    let without = x3dh::respond(
        &bob,
        &key("bob_signed_prekey_11"),
        None,
        &alice_identity,
        &base_key,
    )
    .unwrap();
    assert_ne!(without.chain_key.as_bytes(), secrets.chain_key.as_bytes());
}

/// classic-v3.md §7.2: the skipped key libsignal-protocol-c stored in the
/// derived form is exactly what hush derives from the chain (HKDF with a
/// zero salt, no SPQR key).
#[test]
fn legacy_skipped_key_is_kept_in_derived_form() {
    let v = samples();
    let session = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "alice-established")
        .unwrap();
    let record =
        ClassicSessionRecord::from_lspc(&h(&session["record"]), Timestamp::from_millis(0)).unwrap();
    let state = record.current.as_ref().unwrap();
    assert_eq!(state.legacy.len(), 1);
    assert!(state
        .ratchet
        .receiver_chains
        .iter()
        .all(|c| c.skipped.is_empty()));
}
