//! Replays the group transcripts recorded from the real libsignal 0.90.0 and
//! 0.103.0 (test-vectors/libsignal/README.md, "kind = group"): each
//! receiver starts with no sender keys, processes the distribution messages
//! and decrypts the group messages in the recorded order, and every step
//! must have the recorded outcome (`ok` with the plaintext, `duplicate`, or
//! `invalid`), with libsignal's error text. Rejected steps must leave the
//! record byte-identical, and every record goes through
//! `to_state`/`from_state` between steps, as an application would store it.

mod common;

use common::vectors::{bytes, load};

use std::collections::BTreeMap;

use hush::groups::{
    group_decrypt, process_distribution_message, DistributionId, GroupDecryptError,
    SenderKeyDistributionMessage, SenderKeyMessage, SenderKeyRecord,
};
use serde_json::Value;

fn number(v: &Value) -> u32 {
    u32::try_from(v.as_u64().unwrap()).unwrap()
}

/// Outcome counts of one file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    distributions: usize,
    ok: usize,
    duplicate: usize,
    invalid: usize,
}

fn replay(name: &str) -> Tally {
    let t = load(name);
    assert_eq!(t["kind"], "group");
    let distribution_id: DistributionId = t["distribution_id"].as_str().unwrap().parse().unwrap();

    // The distribution messages say what they hold.
    for (which, d) in t["distribution_messages"].as_object().unwrap() {
        let skdm = SenderKeyDistributionMessage::deserialize(&bytes(&d["skdm"])).unwrap();
        assert_eq!(skdm.distribution_id(), distribution_id, "{which}");
        assert_eq!(skdm.chain_id(), number(&d["chain_id"]), "{which}");
        assert_eq!(skdm.iteration(), number(&d["iteration"]), "{which}");
        assert_eq!(skdm.chain_key().to_vec(), bytes(&d["chain_key"]), "{which}");
        assert_eq!(
            skdm.signing_key().serialize().to_vec(),
            bytes(&d["signing_key"]),
            "{which}"
        );
        assert_eq!(skdm.serialized(), bytes(&d["skdm"]), "{which}");
    }

    let mut tally = Tally::default();
    for receiver in t["receivers"].as_array().unwrap() {
        let who = receiver["name"].as_str().unwrap();
        // The receiver's sender-key store: one sender, so keyed by
        // distribution ID only. Records are kept as stored bytes.
        let mut store: BTreeMap<DistributionId, Vec<u8>> = BTreeMap::new();
        let load_record = |store: &BTreeMap<DistributionId, Vec<u8>>, id| {
            store.get(&id).map_or_else(SenderKeyRecord::new, |b| {
                SenderKeyRecord::from_state(b).unwrap()
            })
        };
        for (n, step) in receiver["steps"].as_array().unwrap().iter().enumerate() {
            let at = format!("{name} {who} step {n} ({})", step["id"].as_str().unwrap());
            match step["op"].as_str().unwrap() {
                "process_distribution" => {
                    assert_eq!(step["expect"], "ok", "{at}");
                    let skdm =
                        SenderKeyDistributionMessage::deserialize(&bytes(&step["skdm"])).unwrap();
                    assert_eq!(
                        (skdm.chain_id(), skdm.iteration()),
                        (number(&step["chain_id"]), number(&step["iteration"])),
                        "{at}"
                    );
                    let mut record = load_record(&store, skdm.distribution_id());
                    process_distribution_message(&mut record, &skdm);
                    store.insert(skdm.distribution_id(), record.to_state().to_vec());
                    tally.distributions += 1;
                }
                "group_decrypt" => {
                    let ciphertext = bytes(&step["ciphertext"]);
                    let parsed = SenderKeyMessage::deserialize(&ciphertext).unwrap();
                    assert_eq!(
                        (parsed.chain_id(), parsed.iteration()),
                        (number(&step["chain_id"]), number(&step["iteration"])),
                        "{at}"
                    );
                    let id = parsed.distribution_id();
                    let mut record = load_record(&store, id);
                    let before = record.to_state();
                    let result = group_decrypt(&mut record, &ciphertext);
                    match (step["expect"].as_str().unwrap(), &result) {
                        ("ok", Ok(plaintext)) => {
                            assert_eq!(*plaintext, bytes(&step["plaintext"]), "{at}");
                            store.insert(id, record.to_state().to_vec());
                            tally.ok += 1;
                        }
                        ("duplicate", Err(e @ GroupDecryptError::DuplicatedMessage { .. })) => {
                            assert_eq!(
                                format!("DuplicatedMessage: {e}"),
                                step["libsignal_error"].as_str().unwrap(),
                                "{at}"
                            );
                            tally.duplicate += 1;
                        }
                        ("invalid", Err(e))
                            if !matches!(e, GroupDecryptError::DuplicatedMessage { .. }) =>
                        {
                            assert_eq!(
                                format!("LibSignalError: {e}"),
                                step["libsignal_error"].as_str().unwrap(),
                                "{at}"
                            );
                            tally.invalid += 1;
                        }
                        (expect, _) => panic!("{at}: expected {expect}, got {result:?}"),
                    }
                    if result.is_err() {
                        assert_eq!(
                            *record.to_state(),
                            *before,
                            "{at}: a rejected step changed the record"
                        );
                    }
                }
                other => panic!("{at}: unknown op {other}"),
            }
        }
    }
    tally
}

#[test]
fn libsignal_0_90_group_transcript() {
    let tally = replay("group-v0.90.0.json");
    eprintln!("group-v0.90.0: {tally:?}");
    assert_eq!(
        tally,
        Tally {
            distributions: 3,
            ok: 20,
            duplicate: 5,
            invalid: 3
        }
    );
}

#[test]
fn libsignal_0_103_group_transcript() {
    let tally = replay("group-v0.103.0.json");
    eprintln!("group-v0.103.0: {tally:?}");
    assert_eq!(
        tally,
        Tally {
            distributions: 3,
            ok: 20,
            duplicate: 5,
            invalid: 3
        }
    );
}
