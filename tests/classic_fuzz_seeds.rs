//! Writes the seed corpora of the classic fuzz targets (fuzz/classic_targets.rs)
//! from the recorded vectors in test-vectors/classic/ (messages and records
//! made by libsignal-protocol-c and npm `libsignal`) and from the fuzz
//! targets' own fixed parties (inputs they accept), plus truncated and
//! bit-flipped variants. `tests/fuzz_corpus.rs` replays them under
//! `cargo test`. Regenerate with
//! `cargo test --test classic_fuzz_seeds -- --ignored`.

#[path = "../fuzz/classic_targets.rs"]
#[allow(dead_code)]
mod classic_targets;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = root().join("fuzz/corpus").join(target);
    fs::create_dir_all(&dir).expect("create corpus directory");
    fs::write(dir.join(name), data).expect("write corpus file");
}

fn with_variants(target: &str, name: &str, data: &[u8]) {
    write(target, name, data);
    if data.len() > 4 {
        write(
            target,
            &format!("{name}-truncated"),
            &data[..data.len() / 2],
        );
        let mut flipped = data.to_vec();
        flipped[data.len() / 3] ^= 0x04;
        write(target, &format!("{name}-flipped"), &flipped);
    }
}

fn load(name: &str) -> Value {
    let text = fs::read_to_string(root().join("test-vectors/classic").join(name)).expect("vector");
    serde_json::from_str(&text).expect("json")
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex")).expect("hex")
}

#[test]
#[ignore = "writes fuzz/corpus/; run by hand to regenerate the seeds"]
fn generate_classic_seed_corpus() {
    let parties = classic_targets::classic_parties();
    // Messages recorded from the real libraries, and ones the party accepts.
    let oneway = load("v3-oneway-c-to-npm.json");
    let mut whisper = 0;
    let mut prekey = 0;
    for step in oneway["steps"].as_array().unwrap() {
        let bytes = h(&step["ciphertext"]);
        match step["type"].as_u64().unwrap() {
            2 if whisper < 2 => {
                with_variants("classic_signal_message", &format!("c-{whisper}"), &bytes);
                whisper += 1;
            }
            3 if prekey < 2 => {
                with_variants(
                    "classic_prekey_signal_message",
                    &format!("c-{prekey}"),
                    &bytes,
                );
                prekey += 1;
            }
            _ => {}
        }
    }
    for (i, m) in parties.to_alice.iter().enumerate().take(2) {
        write("classic_signal_message", &format!("accepted-{i}"), m);
    }
    let mut v34 = parties.to_alice[0].clone();
    v34[0] = 0x34;
    write("classic_signal_message", "version-0x34", &v34);
    v34[0] = 0x44;
    write("classic_signal_message", "version-0x44", &v34);
    write(
        "classic_prekey_signal_message",
        "accepted",
        &parties.first_prekey,
    );
    write("classic_prekey_signal_message", "empty", &[]);

    // libsignal-protocol-c records: sessions and keys.
    let records = load("lspc-records.json");
    for s in records["sessions"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let data = [&[0u8][..], &h(&s["record"])].concat();
        write("classic_lspc_record", &format!("session-{name}"), &data);
    }
    let record = h(&records["sessions"][3]["record"]);
    write(
        "classic_lspc_record",
        "session-truncated",
        &[&[0u8][..], &record[..record.len() / 2]].concat(),
    );
    for (name, r) in records["records"].as_object().unwrap() {
        let kind = if name.ends_with("identity_key_pair") {
            3u8
        } else if name.contains("signed_prekey") {
            2
        } else {
            1
        };
        with_variants(
            "classic_lspc_record",
            name,
            &[&[kind][..], &h(&r["hex"])].concat(),
        );
    }

    // hush's stored form.
    write(
        "classic_session_record_state",
        "alice",
        &parties.alice.to_state(),
    );
    let established = hush::classic::ClassicSessionRecord::from_lspc(
        &h(&records["sessions"][3]["record"]),
        hush::keys::Timestamp::from_millis(1_700_000_000_000),
    )
    .unwrap();
    with_variants(
        "classic_session_record_state",
        "imported-legacy-keys",
        &established.to_state(),
    );
    write(
        "classic_session_record_state",
        "empty-record",
        &hush::classic::ClassicSessionRecord::new().to_state(),
    );

    // Sender keys.
    for (i, m) in parties.group_messages.iter().enumerate() {
        write("classic_sender_key_message", &format!("accepted-{i}"), m);
    }
    let m = &parties.group_messages[0];
    with_variants("classic_sender_key_message", "variant", m);
    write("classic_sender_key_message", "short", &m[..65]);
    with_variants(
        "classic_sender_key_distribution_message",
        "valid",
        &parties.distribution,
    );
    let mut v4 = parties.distribution.clone();
    v4[0] = 0x43;
    write("classic_sender_key_distribution_message", "version-4", &v4);
    write(
        "classic_sender_key_distribution_message",
        "only-id",
        &[0x33, 0x08, 0x01],
    );
    write(
        "classic_sender_key_distribution_message",
        "one-byte",
        &[0x33],
    );
}

/// The fixed parties accept their own inputs, so the "accepted" seeds reach
/// the success paths of the targets.
#[test]
fn fixed_parties_accept_the_accepted_seeds() {
    use hush::classic::*;
    let parties = classic_targets::classic_parties();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let mut alice = parties.alice.clone();
    for m in &parties.to_alice {
        let m = ClassicSignalMessage::deserialize(m).unwrap();
        assert_eq!(alice.decrypt(&m, &mut rng).unwrap().len(), 1);
    }
    let first = ClassicPreKeySignalMessage::deserialize(&parties.first_prekey).unwrap();
    let keys = ClassicPreKeys {
        signed: Some(&parties.bob_signed),
        one_time: Some(&parties.bob_one_time),
    };
    let mut bob = parties.bob.clone();
    let done = bob
        .decrypt_prekey(&first, &parties.bob_local, keys, &mut rng)
        .unwrap();
    assert_eq!(done.plaintext, b"first");
    let mut group = parties.group_receiver.clone();
    for m in &parties.group_messages {
        group
            .decrypt(&ClassicSenderKeyMessage::deserialize(m).unwrap())
            .unwrap();
    }
    for target in [
        "classic_signal_message",
        "classic_prekey_signal_message",
        "classic_lspc_record",
        "classic_session_record_state",
        "classic_sender_key_message",
        "classic_sender_key_distribution_message",
    ] {
        let dir = root().join("fuzz/corpus").join(target);
        assert!(
            fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0) >= 5,
            "{target}"
        );
    }
}
