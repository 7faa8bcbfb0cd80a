//! Sender-key records written by this release must keep loading in later
//! ones. test-vectors/state/sender-keys-v1.json holds records of format
//! version 1 (state kind 6): a sender's own record, a receiver's record with
//! stored skipped keys and two chains, and messages still in flight for it.
//! This test loads them, checks what they hold, and continues the group.
//!
//! The file is written once by the ignored generator
//! (`cargo test --test group_state_stability -- --ignored write_sender_key_samples`)
//! and never rewritten; a later format version adds its own file.

use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionId, GroupDecryptError, SenderKeyRecord,
};
use hush::state::FORMAT_VERSION;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};

const GROUP: &str = "b33401f7-c14a-4891-93f9-54f1e372e76f";

fn path() -> String {
    format!(
        "{}/test-vectors/state/sender-keys-v1.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn b(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

#[test]
#[ignore = "generator: writes test-vectors/state/sender-keys-v1.json once"]
fn write_sender_key_samples() {
    assert_eq!(
        FORMAT_VERSION, 1,
        "samples of a new format version go into a new file"
    );
    assert!(
        !std::path::Path::new(&path()).exists(),
        "{} exists; released samples are never rewritten",
        path()
    );
    let group: DistributionId = GROUP.parse().unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    // An old chain of the sender, then its current one.
    let mut old = SenderKeyRecord::new();
    let old_skdm = create_distribution_message(&mut old, group, &mut rng).unwrap();
    let mut own = SenderKeyRecord::new();
    let skdm = create_distribution_message(&mut own, group, &mut rng).unwrap();
    let mut receiver = SenderKeyRecord::new();
    process_distribution_message(&mut receiver, &old_skdm);
    process_distribution_message(&mut receiver, &skdm);
    let messages: Vec<Vec<u8>> = (0..4)
        .map(|i| {
            group_encrypt(&mut own, group, format!("message {i}").as_bytes(), &mut rng)
                .unwrap()
                .serialized()
                .to_vec()
        })
        .collect();
    // The receiver got 3 first (so 0..2 are stored skipped keys), then 1.
    group_decrypt(&mut receiver, &messages[3]).unwrap();
    group_decrypt(&mut receiver, &messages[1]).unwrap();
    let old_message = group_encrypt(&mut old, group, b"from the old chain", &mut rng).unwrap();
    let sample = json!({
        "format_version": FORMAT_VERSION,
        "description": "A sender's own record (4 messages sent) and a receiver's record of it (2 chains; iterations 0 and 2 held as skipped keys), with the messages still in flight.",
        "distribution_id": GROUP,
        "own": hex::encode(&*own.to_state()),
        "receiver": hex::encode(&*receiver.to_state()),
        "receiver_chain_ids": receiver.chain_ids(),
        "pending": [
            { "ciphertext": hex::encode(&messages[0]), "plaintext": hex::encode(b"message 0") },
            { "ciphertext": hex::encode(&messages[2]), "plaintext": hex::encode(b"message 2") },
            { "ciphertext": hex::encode(old_message.serialized()), "plaintext": hex::encode(b"from the old chain") },
        ],
        "already_received": hex::encode(&messages[3]),
    });
    std::fs::write(
        path(),
        serde_json::to_string_pretty(&sample).unwrap() + "\n",
    )
    .unwrap();
}

#[test]
fn committed_sender_key_records_still_load_and_work() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path()).unwrap()).unwrap();
    assert_eq!(v["format_version"], 1);
    let group: DistributionId = v["distribution_id"].as_str().unwrap().parse().unwrap();
    let mut own = SenderKeyRecord::from_state(&b(&v["own"])).unwrap();
    let mut receiver = SenderKeyRecord::from_state(&b(&v["receiver"])).unwrap();
    // Reloaded records write the same bytes again.
    assert_eq!(own.to_state().to_vec(), b(&v["own"]));
    assert_eq!(receiver.to_state().to_vec(), b(&v["receiver"]));
    let chains: Vec<u32> = v["receiver_chain_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(receiver.chain_ids(), chains);
    assert_eq!(own.chain_ids(), chains[..1]);

    // The messages in flight decrypt; the one already received is a duplicate.
    for pending in v["pending"].as_array().unwrap() {
        assert_eq!(
            group_decrypt(&mut receiver, &b(&pending["ciphertext"])).unwrap(),
            b(&pending["plaintext"])
        );
    }
    assert!(matches!(
        group_decrypt(&mut receiver, &b(&v["already_received"])),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 4,
            received: 3
        })
    ));
    // The sender goes on at iteration 4.
    let mut rng = StdRng::seed_from_u64(9);
    let next = group_encrypt(&mut own, group, b"after reload", &mut rng).unwrap();
    assert_eq!(next.iteration(), 4);
    assert_eq!(
        group_decrypt(&mut receiver, next.serialized()).unwrap(),
        b"after reload"
    );
}
