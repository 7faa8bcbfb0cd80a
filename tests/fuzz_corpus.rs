//! Replays every committed fuzz corpus file through the fuzz targets' own
//! bodies (fuzz/targets.rs), so `cargo test` runs the same invariants as
//! `cargo fuzz run` on stable. The ignored `generate_seed_corpus` test writes
//! the seed corpora: `cargo test --test fuzz_corpus -- --ignored`.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::fs;
use std::path::{Path, PathBuf};

use hush::address::DeviceId;
use hush::fingerprint::{Fingerprint, FingerprintParty};
use hush::keys::{
    IdentityKeyPair, KemKeyPair, KyberPreKeyId, KyberPreKeyRecord, PreKeyBundle, PreKeyId,
    PreKeyRecord, SignedPreKeyId, SignedPreKeyRecord, Timestamp,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
}

#[test]
fn replay_fuzz_corpus() {
    let root = corpus_root();
    let mut total = 0;
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let entries = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus directory {} is missing: {e}", dir.display()));
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "corpus directory {} is empty",
            dir.display()
        );
        for file in &files {
            let data = fs::read(file).expect("corpus file");
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                panic!("fuzz target {name} failed on {}", file.display());
            }
        }
        eprintln!("fuzz corpus {name}: {} inputs replayed", files.len());
        total += files.len();
    }
    // Every corpus directory belongs to a target (no stale or misspelt ones).
    for entry in fs::read_dir(&root).expect("fuzz/corpus") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            targets::TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/corpus/{name} has no target"
        );
    }
    assert!(
        total >= 5 * targets::TARGETS.len(),
        "only {total} corpus inputs"
    );
}

/// The fuzz binaries listed in fuzz/Cargo.toml are exactly the targets here.
#[test]
fn fuzz_manifest_lists_every_target() {
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .expect("fuzz/Cargo.toml");
    let bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"'))
        .filter(|n| *n != "hush-fuzz")
        .collect();
    let mut expected: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
    let mut found = bins.clone();
    expected.sort_unstable();
    found.sort_unstable();
    assert_eq!(found, expected);
    for name in bins {
        let source = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fuzz/fuzz_targets/{name}.rs")),
        )
        .expect("target source");
        assert!(
            source.contains(&format!("targets::{name}(data)")),
            "fuzz_targets/{name}.rs calls its own body"
        );
    }
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = corpus_root().join(target);
    fs::create_dir_all(&dir).expect("create corpus directory");
    fs::write(dir.join(name), data).expect("write corpus file");
}

/// Flips one bit of a copy of `data`.
fn flipped(data: &[u8], index: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    out[index % data.len()] ^= 0x01;
    out
}

/// Writes small, deterministic seed corpora (valid records made by hush, plus
/// a few invalid variants) into fuzz/corpus/. Existing seeds are overwritten;
/// inputs found by fuzzing live elsewhere (see fuzz/README.md).
#[test]
#[ignore = "writes fuzz/corpus/; run by hand to regenerate the seeds"]
fn generate_seed_corpus() {
    let mut rng = StdRng::seed_from_u64(0x6875_7368);
    let now = Timestamp::from_millis(1_700_000_000_000);
    let identity = IdentityKeyPair::generate(&mut rng);
    let other = IdentityKeyPair::generate(&mut rng);

    // EC public keys.
    let public = identity.identity_key().serialize();
    write("ec_public_key", "valid", &public);
    let mut trailing = public.to_vec();
    trailing.extend_from_slice(&[0xaa; 64]);
    write("ec_public_key", "valid-trailing-signature", &trailing);
    let mut high_bit = public;
    high_bit[32] |= 0x80;
    write("ec_public_key", "non-canonical-bit-255", &high_bit);
    write("ec_public_key", "truncated", &public[..32]);
    write("ec_public_key", "bad-type", &flipped(&public, 0));
    write("ec_public_key", "empty", &[]);

    // EC private keys.
    let private = identity.private_key().serialize();
    write("ec_private_key", "valid-clamped", &private[..]);
    write("ec_private_key", "unclamped", &[0xff; 32]);
    write("ec_private_key", "zero", &[0; 32]);
    write("ec_private_key", "short", &private[..31]);
    write(
        "ec_private_key",
        "long",
        &[private.as_slice(), &[0]].concat(),
    );

    // Identity key pairs.
    let pair = identity.serialize();
    write("identity_key_pair", "valid", &pair);
    write("identity_key_pair", "valid-other", &other.serialize());
    write(
        "identity_key_pair",
        "mismatched-public",
        &flipped(&pair, 10),
    );
    write("identity_key_pair", "truncated", &pair[..40]);
    write("identity_key_pair", "not-protobuf", &[0xff; 8]);

    // KEM keys and ciphertexts.
    let kem = KemKeyPair::generate(&mut rng);
    let kem_public = kem.public_key.serialize();
    let kem_secret = kem.secret_key.serialize();
    let (_, ciphertext) = kem.public_key.encapsulate(&mut rng);
    let ciphertext = ciphertext.serialize();
    write("kem_public_key", "valid", &kem_public);
    write("kem_public_key", "bad-type", &flipped(&kem_public, 0));
    write(
        "kem_public_key",
        "short",
        &kem_public[..kem_public.len() - 1],
    );
    write("kem_public_key", "type-only", &[0x08]);
    write("kem_public_key", "empty", &[]);
    write("kem_secret_key", "valid", &kem_secret);
    write("kem_secret_key", "corrupted", &flipped(&kem_secret, 100));
    write(
        "kem_secret_key",
        "short",
        &kem_secret[..kem_secret.len() - 1],
    );
    write("kem_secret_key", "bad-type", &flipped(&kem_secret, 0));
    write("kem_secret_key", "type-only", &[0x08]);
    write("kem_ciphertext", "valid", &ciphertext);
    write(
        "kem_ciphertext",
        "long",
        &[ciphertext.as_slice(), &[0]].concat(),
    );
    write("kem_ciphertext", "bad-type", &flipped(&ciphertext, 0));
    write("kem_ciphertext", "type-only", &[0x08]);
    write("kem_ciphertext", "empty", &[]);

    // Pre-key records.
    let pre_key = PreKeyRecord::generate(PreKeyId(7), &mut rng).serialize();
    write("pre_key_record", "valid", &pre_key);
    write(
        "pre_key_record",
        "valid-id-zero",
        &PreKeyRecord::generate(PreKeyId(0), &mut rng).serialize(),
    );
    write(
        "pre_key_record",
        "mismatched",
        &flipped(&pre_key, pre_key.len() - 1),
    );
    write("pre_key_record", "truncated", &pre_key[..pre_key.len() - 5]);
    write("pre_key_record", "empty", &[]);

    let signed =
        SignedPreKeyRecord::generate(SignedPreKeyId(3), now, &identity, &mut rng).serialize();
    write("signed_pre_key_record", "valid", &signed);
    write(
        "signed_pre_key_record",
        "valid-zero-timestamp",
        &SignedPreKeyRecord::generate(
            SignedPreKeyId(4),
            Timestamp::from_millis(0),
            &identity,
            &mut rng,
        )
        .serialize(),
    );
    write("signed_pre_key_record", "mismatched", &flipped(&signed, 10));
    write(
        "signed_pre_key_record",
        "truncated",
        &signed[..signed.len() - 9],
    );
    write("signed_pre_key_record", "empty", &[]);

    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(9), now, &identity, &mut rng);
    let kyber_bytes = kyber.serialize();
    write("kyber_pre_key_record", "valid", &kyber_bytes);
    write(
        "kyber_pre_key_record",
        "mismatched",
        &flipped(&kyber_bytes, 10),
    );
    write(
        "kyber_pre_key_record",
        "truncated",
        &kyber_bytes[..kyber_bytes.len() - 9],
    );
    write("kyber_pre_key_record", "ec-record", &signed);
    write("kyber_pre_key_record", "empty", &[]);

    // Scannable fingerprints: two real forms (mirror images) with a split
    // point in front, and real key material for the second half of the target.
    let alice = FingerprintParty {
        identifier: b"alice",
        identity_key: identity.identity_key(),
    };
    let bob = FingerprintParty {
        identifier: b"bob",
        identity_key: other.identity_key(),
    };
    let a = Fingerprint::new(2, 2, alice, bob)
        .expect("fingerprint")
        .scannable()
        .serialize();
    let b = Fingerprint::new(2, 2, bob, alice)
        .expect("fingerprint")
        .scannable()
        .serialize();
    let split = u16::try_from(a.len()).expect("small").to_le_bytes();
    write(
        "scannable_fingerprint",
        "mirror-pair",
        &[&split[..], &a, &b].concat(),
    );
    write(
        "scannable_fingerprint",
        "same-side",
        &[&split[..], &a, &a].concat(),
    );
    let c = Fingerprint::new(1, 2, alice, bob)
        .expect("fingerprint")
        .scannable()
        .serialize();
    write(
        "scannable_fingerprint",
        "version-mismatch",
        &[&split[..], &a, &c].concat(),
    );
    let keys = [
        &identity.private_key().serialize()[..],
        &other.private_key().serialize()[..],
        &[2u8, 5, 0],
        b"alicebob",
    ]
    .concat();
    write("scannable_fingerprint", "keys-and-identifiers", &keys);
    write(
        "scannable_fingerprint",
        "garbage",
        &[0x00, 0x00, 0x0a, 0x02, 0xff],
    );

    // Bundles in the fuzz layout (see targets::decode_bundle).
    let one_time = PreKeyRecord::generate(PreKeyId(1), &mut rng);
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &identity, &mut rng);
    let bundle = PreKeyBundle {
        registration_id: 42,
        device_id: DeviceId::new(1).expect("device"),
        pre_key: Some((one_time.id(), *one_time.public_key())),
        signed_pre_key_id: signed.id(),
        signed_pre_key_public: *signed.public_key(),
        signed_pre_key_signature: signed.signature().to_vec(),
        kyber_pre_key_id: kyber.id(),
        kyber_pre_key_public: kyber.public_key().clone(),
        kyber_pre_key_signature: kyber.signature().to_vec(),
        identity_key: *identity.identity_key(),
    };
    assert!(bundle.clone().verify().is_ok());
    let encoded = targets::encode_bundle(&bundle);
    write("pre_key_bundle", "valid", &encoded);
    let mut no_one_time = bundle.clone();
    no_one_time.pre_key = None;
    write(
        "pre_key_bundle",
        "valid-no-one-time",
        &targets::encode_bundle(&no_one_time),
    );
    let mut bad_signed = bundle.clone();
    bad_signed.signed_pre_key_signature[5] ^= 1;
    write(
        "pre_key_bundle",
        "bad-signed-pre-key-signature",
        &targets::encode_bundle(&bad_signed),
    );
    let mut bad_kyber = bundle.clone();
    bad_kyber.kyber_pre_key_signature.truncate(63);
    write(
        "pre_key_bundle",
        "short-kyber-signature",
        &targets::encode_bundle(&bad_kyber),
    );
    let mut wrong_identity = bundle;
    wrong_identity.identity_key = *other.identity_key();
    write(
        "pre_key_bundle",
        "wrong-identity",
        &targets::encode_bundle(&wrong_identity),
    );
}

/// Seeds for the session-layer targets: real messages and records from a
/// hush conversation, and action scripts for the conversation fuzzer.
/// `cargo test --test fuzz_corpus -- --ignored generate_session_seed_corpus`
#[test]
#[ignore = "generator: rewrites fuzz/corpus/{signal_message,prekey_signal_message,session_record_state,conversation}"]
fn generate_session_seed_corpus() {
    use hush::address::ProtocolAddress;
    use hush::messages::CiphertextMessage;
    use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};

    let mut rng = StdRng::seed_from_u64(0x7365_7373);
    let now = Timestamp::from_millis(1_700_000_000_000);
    let alice = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 1,
    };
    let bob = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 2,
    };
    let a_addr = ProtocolAddress::new(
        "9d0652a3-dcc3-4d11-975f-74d61598733f",
        DeviceId::new(1).unwrap(),
    );
    let b_addr = ProtocolAddress::new(
        "796abedb-ca4e-4f18-8803-1fde5b921f9f",
        DeviceId::new(1).unwrap(),
    );
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
    let one_time = PreKeyRecord::generate(PreKeyId(1), &mut rng);
    let bundle = PreKeyBundle {
        registration_id: 2,
        device_id: DeviceId::new(1).unwrap(),
        pre_key: Some((one_time.id(), *one_time.public_key())),
        signed_pre_key_id: signed.id(),
        signed_pre_key_public: *signed.public_key(),
        signed_pre_key_signature: signed.signature().to_vec(),
        kyber_pre_key_id: kyber.id(),
        kyber_pre_key_public: kyber.public_key().clone(),
        kyber_pre_key_signature: kyber.signature().to_vec(),
        identity_key: *bob.key_pair.identity_key(),
    };
    let mut alice_record = SessionRecord::new();
    alice_record
        .initiate(&bundle.verify().unwrap(), &alice, now, &mut rng)
        .unwrap();
    let to_bob = Addresses {
        local: &a_addr,
        remote: &b_addr,
    };
    let to_alice = Addresses {
        local: &b_addr,
        remote: &a_addr,
    };
    let CiphertextMessage::PreKey(first) = alice_record
        .encrypt(b"first", to_bob, now, &mut rng)
        .unwrap()
    else {
        panic!()
    };
    write(
        "session_record_state",
        "unacknowledged-initiator",
        &alice_record.to_state(),
    );
    write("prekey_signal_message", "valid", first.serialized());
    write(
        "prekey_signal_message",
        "version-3",
        &[&[0x34u8][..], &first.serialized()[1..]].concat(),
    );
    write(
        "prekey_signal_message",
        "truncated",
        &first.serialized()[..100],
    );
    write("prekey_signal_message", "empty", &[]);
    write(
        "signal_message",
        "inner-with-addresses",
        first.message().serialized(),
    );
    let mut bob_record = SessionRecord::new();
    let keys = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: Some(&one_time),
    };
    bob_record
        .decrypt_prekey(&first, &bob, keys, to_alice, &mut rng)
        .unwrap();
    let CiphertextMessage::Whisper(reply) = bob_record
        .encrypt(b"reply", to_alice, now, &mut rng)
        .unwrap()
    else {
        panic!()
    };
    write("signal_message", "valid", reply.serialized());
    write(
        "signal_message",
        "bad-mac",
        &flipped(reply.serialized(), reply.serialized().len() - 1),
    );
    write(
        "signal_message",
        "legacy-version",
        &[&[0x24u8][..], &reply.serialized()[1..]].concat(),
    );
    write("signal_message", "too-short", &reply.serialized()[..8]);
    alice_record.decrypt(&reply, to_bob, &mut rng).unwrap();
    write(
        "session_record_state",
        "acknowledged-initiator",
        &alice_record.to_state(),
    );
    write("session_record_state", "recipient", &bob_record.to_state());
    write(
        "session_record_state",
        "empty-record",
        &SessionRecord::new().to_state(),
    );
    write("session_record_state", "bad-version", &[0xee, 1]);

    // Conversation scripts: (op, arg) pairs; op % 7: 0/1 send from Alice/Bob,
    // 2/3 deliver, 4 drop, 5 swap (+1 byte), 6 duplicate or tamper (+1 byte).
    write(
        "conversation",
        "ping-pong",
        &[0, 0, 2, 0, 1, 0, 2, 0, 0, 1, 2, 0, 1, 2, 2, 0],
    );
    write(
        "conversation",
        "burst-reversed",
        &[0, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 3, 2, 3, 2, 2, 2, 1, 2, 0],
    );
    write(
        "conversation",
        "duplicate-and-tamper",
        &[0, 0, 0, 0, 2, 0, 6, 0, 0, 6, 1, 9, 2, 0, 6, 0, 0],
    );
    write(
        "conversation",
        "drop-and-swap",
        &[0, 0, 0, 1, 0, 2, 4, 1, 5, 0, 1, 2, 0, 2, 0],
    );
    let mut long = Vec::new();
    for turn in 0..12u8 {
        long.extend_from_slice(&[turn % 2, turn, turn % 2, 0, 2, 1, 2, 0]);
    }
    write("conversation", "many-turns", &long);
}

/// Seeds for `spqr_recv` (input format in `hush::spqr_fuzzing`): byte 0 mod 3
/// = 0: messages into a state (role, warm-up rounds, then `len ‖ bytes`
/// messages); 1: a two-party script of (op, arg) pairs, op: 0/1 send from
/// A/B, 4/5 deliver in order, 6/7 deliver out of order, 8/9 re-deliver or
/// drop, 10/11 tamper (+1 byte); 2: a stored state (role, warm-up rounds,
/// bytes cut off the end, then (offset_hi, offset_lo, xor) edits).
/// `cargo test --test fuzz_corpus -- --ignored generate_spqr_seed_corpus`
#[test]
#[ignore = "generator: rewrites fuzz/corpus/spqr_recv"]
fn generate_spqr_seed_corpus() {
    let script =
        |ops: &[u8], rounds: usize| -> Vec<u8> { [&[1u8][..], &ops.repeat(rounds)].concat() };
    // Lockstep through epoch 1 (43 rounds) and into epoch 2.
    write(
        "spqr_recv",
        "lockstep",
        &script(&[0, 0, 4, 0, 1, 0, 5, 0], 45),
    );
    // A bursts ten messages, B gets them newest first; then B answers.
    let mut burst = vec![1u8];
    burst.extend([0u8, 0].repeat(10));
    for arg in (0..10u8).rev() {
        burst.extend([6, arg]);
    }
    burst.extend([1, 0, 1, 0, 5, 0, 7, 1]);
    write("spqr_recv", "burst-reversed", &burst);
    // Two sends, one dropped, per turn and direction.
    write(
        "spqr_recv",
        "lossy",
        &script(&[0, 0, 0, 0, 8, 1, 4, 0, 1, 0, 1, 0, 9, 1, 5, 0], 30),
    );
    // Every message re-delivered once after its first delivery.
    write(
        "spqr_recv",
        "duplicates",
        &script(&[0, 0, 4, 0, 8, 0, 1, 0, 5, 0, 9, 0], 20),
    );
    // Tampered copies of pending messages, then the originals.
    write(
        "spqr_recv",
        "tampered",
        &script(&[0, 0, 10, 7, 0x40, 4, 0, 1, 0, 11, 40, 0x01, 5, 0], 12),
    );
    write("spqr_recv", "empty-script", &[1]);
    // Messages into a state.
    write(
        "spqr_recv",
        "garbage-into-b",
        &[
            0, 1, 0, 4, 0x01, 0x01, 0x01, 0x00, 3, 0xff, 0xff, 0xff, 0, 2, 0x02, 0x01,
        ],
    );
    let mut ct1 = vec![0u8, 0, 3, 37, 0x01, 0x01, 0x04, 0x05, 0x05];
    ct1.extend([0x11; 32]);
    write("spqr_recv", "forged-ct1-chunk-into-a", &ct1);
    write(
        "spqr_recv",
        "old-epoch-and-jump",
        &[
            0, 1, 45, 4, 0x01, 0x01, 0x05, 0x00, 6, 0x01, 0x02, 0xb0, 0xea, 0x01, 0x00,
        ],
    );
    write("spqr_recv", "empty-message", &[0, 0, 0, 0]);
    // Stored states, cut and edited.
    write(
        "spqr_recv",
        "state-flip-ct1-sampled",
        &[2, 1, 5, 0, 0x00, 0x40, 0x01, 0x01, 0x00, 0x80],
    );
    write("spqr_recv", "state-truncated-header-sent", &[2, 0, 10, 7]);
    write("spqr_recv", "state-unchanged-epoch-2", &[2, 0, 44, 0]);
}

/// Seeds for the group targets: messages and distribution messages of the
/// targets' fixed sender (so the fuzzer starts from inputs the fixed
/// receiver accepts), the spec's vectors, stored records in several shapes,
/// and invalid variants of each.
/// `cargo test --test fuzz_corpus -- --ignored generate_group_seed_corpus`
#[test]
#[ignore = "generator: rewrites fuzz/corpus/{sender_key_message,sender_key_distribution_message,sender_key_record_state}"]
fn generate_group_seed_corpus() {
    use hush::groups::{
        create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
        SenderKeyRecord,
    };

    let mut rng = StdRng::seed_from_u64(0x0067_726f_7570);
    let parties = targets::group_parties();
    let group = targets::FUZZ_GROUP;
    let mut sender = parties.sender.clone();
    let messages: Vec<Vec<u8>> = (0..5u8)
        .map(|i| {
            group_encrypt(&mut sender, group, &[i; 20][..usize::from(i) * 5], &mut rng)
                .unwrap()
                .serialized()
                .to_vec()
        })
        .collect();

    // Group messages.
    let m = "sender_key_message";
    write(m, "valid-iteration-0-empty", &messages[0]);
    write(m, "valid-iteration-3", &messages[3]);
    write(
        m,
        "low-nibble-0",
        &[&[0x30u8][..], &messages[1][1..]].concat(),
    );
    write(
        m,
        "tampered-signature",
        &flipped(&messages[2], messages[2].len() - 1),
    );
    write(m, "tampered-body", &flipped(&messages[2], 30));
    write(
        m,
        "legacy-version",
        &[&[0x23u8][..], &messages[1][1..]].concat(),
    );
    write(
        m,
        "unrecognized-version",
        &[&[0x43u8][..], &messages[1][1..]].concat(),
    );
    write(m, "too-short", &messages[1][..64]);
    // version byte, protobuf without the ciphertext field, signature.
    let no_ciphertext = [
        &[0x33u8, 0x0a, 0x10][..],
        group.as_bytes(),
        &[0x10, 0x01, 0x18, 0x00],
        &[0u8; 64],
    ]
    .concat();
    write(m, "missing-ciphertext", &no_ciphertext);
    let mut stranger = SenderKeyRecord::new();
    create_distribution_message(&mut stranger, group, &mut rng).unwrap();
    write(
        m,
        "unknown-chain",
        group_encrypt(&mut stranger, group, b"stranger", &mut rng)
            .unwrap()
            .serialized(),
    );
    let spec_message = hex::decode(concat!(
        "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002210835bfa",
        "a6529ae7c3b210fef835ea801c93003d6f0ff8cb5ac5e2798b19b25d226e61dd",
        "3735ae6e05fafd6b61942e835089ffb675da096507bd9e24f2fafbb4a5282dac",
        "546753547f71ef8189baa7158c"
    ))
    .unwrap();
    write(m, "spec-vector", &spec_message);

    // Distribution messages.
    let d = "sender_key_distribution_message";
    let skdm = parties.distribution.serialized().to_vec();
    write(d, "valid", &skdm);
    let late = create_distribution_message(&mut sender, group, &mut rng).unwrap();
    write(d, "valid-late-iteration-5", late.serialized());
    let spec_skdm = hex::decode(concat!(
        "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002220000102",
        "030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2a2105",
        "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13"
    ))
    .unwrap();
    write(d, "spec-vector", &spec_skdm);
    let key_type_at = skdm.len() - 33;
    let mut bad_type = skdm.clone();
    bad_type[key_type_at] = 0x06;
    write(d, "bad-signing-key-type", &bad_type);
    // The chain key field shortened by one byte (its length byte and data).
    let chain_key_at = key_type_at - 2 - 32;
    assert_eq!(skdm[chain_key_at - 2..chain_key_at], [0x22, 0x20]);
    let short_key = [
        &skdm[..chain_key_at - 1],
        &[0x1f],
        &skdm[chain_key_at..chain_key_at + 31],
        &skdm[chain_key_at + 32..],
    ]
    .concat();
    write(d, "short-chain-key", &short_key);
    write(
        d,
        "missing-signing-key",
        &[
            &skdm[..key_type_at - 2],
            &[0x3a, 0x04, 0xbe, 0xef, 0xbe, 0xef][..],
        ]
        .concat(),
    );
    write(d, "too-short", &skdm[..64]);
    write(
        d,
        "unrecognized-version",
        &[&[0x43u8][..], &skdm[1..]].concat(),
    );

    // Stored records.
    let r = "sender_key_record_state";
    write(r, "own-sender-key", &sender.to_state());
    let mut receiver = parties.receiver.clone();
    write(r, "fresh-receiver", &receiver.to_state());
    group_decrypt(&mut receiver, &messages[3]).unwrap();
    group_decrypt(&mut receiver, &messages[1]).unwrap();
    write(r, "receiver-with-skipped-keys", &receiver.to_state());
    let mut five = receiver.clone();
    for _ in 0..4 {
        let mut other = SenderKeyRecord::new();
        process_distribution_message(
            &mut five,
            &create_distribution_message(&mut other, group, &mut rng).unwrap(),
        );
    }
    assert_eq!(five.state_count(), 5);
    write(r, "five-chains", &five.to_state());
    write(r, "empty-record", &SenderKeyRecord::new().to_state());
    let own = sender.to_state();
    write(r, "corrupted", &flipped(&own, own.len() / 2));
    write(r, "truncated", &own[..own.len() - 10]);
    write(r, "session-record-kind", &[1, 1]);
    write(r, "bad-version", &[0xee, 6]);
}

/// Seeds of the sealed-sender targets: the spec's certificates and messages
/// (sealed-sender.md §9, for the targets' fixed keys), messages made by
/// hush, and malformed variants.
/// `cargo test --test fuzz_corpus -- --ignored generate_sealed_sender_seed_corpus`
#[test]
#[ignore = "generator: rewrites fuzz/corpus/{server_certificate,sender_certificate,sealed_content,sealed_v1,sealed_v2_received,sealed_v2_sent}"]
fn generate_sealed_sender_seed_corpus() {
    use hush::address::{ServiceId, ServiceIdKind};
    use hush::keys::{IdentityKey, PrivateKey, PublicKey};
    use hush::messages::CiphertextMessageType;
    use hush::sealed_sender::*;

    let hex = |s: &str| hex::decode(s).unwrap();
    let keys = targets::sealed_keys();
    let mut rng = StdRng::seed_from_u64(0x005e_a1ed);

    // Server certificates.
    let d = "server_certificate";
    let spec_server = hex(concat!(
        "0a25080112210559d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01d06418124020",
        "6dba9c09b2efa41d888aaec6e0721bf04339516302fc1468d6ac0a87fbe95cad17d01ce6ceb20b264d0b",
        "18e852072af2cd917503ddd9fdd5310af8ce928683"
    ));
    write(d, "spec", &spec_server);
    write(
        d,
        "built-in-test",
        ServerCertificate::built_in(TEST_SERVER_CERTIFICATE_ID)
            .unwrap()
            .serialized(),
    );
    write(
        d,
        "built-in-production",
        ServerCertificate::built_in(PRODUCTION_SERVER_CERTIFICATE_ID)
            .unwrap()
            .serialized(),
    );
    let revoked = ServerCertificate::new(
        0xDEAD_C357,
        &keys.server_key.public_key(),
        &keys.root,
        &mut rng,
    );
    write(d, "revoked", revoked.serialized());
    write(
        d,
        "bad-signature",
        &flipped(&spec_server, spec_server.len() - 3),
    );
    write(d, "truncated", &spec_server[..40]);
    let bad_key = [&spec_server[..6], &[0x06], &spec_server[7..]].concat();
    write(d, "bad-key-type", &bad_key);

    // Sender certificates.
    let d = "sender_certificate";
    let spec_sender = hex(concat!(
        "0abf0110011900204aa9d10100002221050faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf",
        "2678570f202a690a25080112210559d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01",
        "d064181240206dba9c09b2efa41d888aaec6e0721bf04339516302fc1468d6ac0a87fbe95cad17d01ce6ce",
        "b20b264d0b18e852072af2cd917503ddd9fdd5310af8ce92868332243964303635326133",
        "2d646363332d346431312d393735662d37346436313539383733336612409668f725ceefd14ef612b5f5",
        "b49cf02fafe251e7f9e599532f088c4911d349c5a4a4ae6abece8324330fd141932630532a7b6ca1dc2d",
        "da2472c925eb14181880"
    ));
    write(d, "spec", &spec_sender);
    let sender = Sender {
        uuid: "9d0652a3-dcc3-4d11-975f-74d61598733f".into(),
        e164: Some("+14155550100".into()),
        device_id: DeviceId::new(127).unwrap(),
        identity_key: *keys.sender.identity_key(),
    };
    let expires = hush::keys::Timestamp::from_millis(2_000_000_000_000);
    let with_phone = SenderCertificate::new(
        sender.clone(),
        expires,
        Signer::Embedded(keys.server.clone()),
        &keys.server_key,
        &mut rng,
    );
    write(d, "with-e164", with_phone.serialized());
    let ff = PrivateKey::deserialize(&[0xff; 32]).unwrap();
    let built_in = SenderCertificate::new(
        sender.clone(),
        expires,
        Signer::BuiltIn(TEST_SERVER_CERTIFICATE_ID),
        &ff,
        &mut rng,
    );
    write(d, "built-in-signer", built_in.serialized());
    let unknown =
        SenderCertificate::new(sender.clone(), expires, Signer::BuiltIn(9), &ff, &mut rng);
    write(d, "unknown-built-in", unknown.serialized());
    let never = SenderCertificate::new(
        sender.clone(),
        hush::keys::Timestamp::from_millis(u64::MAX),
        Signer::Embedded(keys.server.clone()),
        &keys.server_key,
        &mut rng,
    );
    write(d, "never-expires", never.serialized());
    write(
        d,
        "bad-signature",
        &flipped(&spec_sender, spec_sender.len() - 2),
    );
    write(d, "truncated", &spec_sender[..100]);

    // Contents.
    let d = "sealed_content";
    let spec_content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::Plaintext,
        SenderCertificate::deserialize(&spec_sender).unwrap(),
        vec![0xc0, 0x80],
        ContentHint::Default,
        None,
    );
    write(d, "spec", spec_content.serialized());
    let cert = SenderCertificate::deserialize(&spec_sender).unwrap();
    let content = |kind, hint, group: Option<Vec<u8>>| {
        UnidentifiedSenderMessageContent::new(kind, cert.clone(), vec![0x33; 80], hint, group)
    };
    let sender_key = content(
        CiphertextMessageType::SenderKey,
        ContentHint::Implicit,
        Some(vec![0x47; 32]),
    );
    write(d, "sender-key-with-group", sender_key.serialized());
    write(
        d,
        "unknown-hint",
        content(
            CiphertextMessageType::Whisper,
            ContentHint::Unknown(7),
            None,
        )
        .serialized(),
    );
    write(
        d,
        "prekey-empty-group",
        &[
            content(CiphertextMessageType::PreKey, ContentHint::Resendable, None).serialized(),
            &[0x2a, 0x00][..],
        ]
        .concat(),
    );
    write(
        d,
        "unknown-type",
        &[&[0x08, 0x03][..], &spec_content.serialized()[2..]].concat(),
    );
    write(d, "truncated", &spec_content.serialized()[..50]);

    // v1 messages for the fixed recipient.
    let d = "sealed_v1";
    let spec_v1 = hex(concat!(
        "110a21059a4503a98ab10fe8d354c9c42cbd0c9d7944f52e7d14d8ea59775e7dc9e3bf4b122b6179a769d6",
        "56c02471cba62ca7b77cf442b235548c2233952fb3613a61490e990a9adcf793e004f32be67e1a9702b399",
        "ddacdd2d40f3bfb1b3e4891129ba7d9ba33e0671bb383f19c16328ab6662c4e9ece862ca92c4bdf5632084",
        "1ad58f10d6cc1c59b377ffdb19673f94ac109734f35a613f8a3b3a47992112812e9a35c856d29b83bd3fb6",
        "53dfbd007f943b9df79d66bcfdfbdf0b727e9503966eb684a2922330404ac5002347d862bdefda80bc0969",
        "c267b454dc2d0ec92a5910116c38fecc3f1e07d5c8cf05dc428109450aafd38f6d8216f7ccf52c736b8ce0",
        "0656c49e95f771be10ede7e41d93ffb63643ef73d27dc81c5de0962ef919b755bf271775a8b9b039f6f155",
        "9f4c1cf7ceb15daf655e8e50f148db202fc879e3bf7a0bc306aa6d19f3b6367a495120fe4241649235603",
        "7025a63a6d2be3fbe08174ca566113ecff772e8"
    ));
    assert_eq!(unseal(&spec_v1, &keys.recipient).unwrap(), spec_content);
    write(d, "spec", &spec_v1);
    let fresh_v1 = seal_v1(
        keys.recipient.identity_key(),
        &sender_key,
        &keys.sender,
        &mut rng,
    )
    .unwrap();
    write(d, "sender-key-content", &fresh_v1);
    write(d, "tampered-static", &flipped(&spec_v1, 45));
    write(d, "tampered-content", &flipped(&spec_v1, 200));
    write(d, "version-01", &[&[0x01][..], &spec_v1[1..]].concat());
    write(d, "version-3", &[&[0x31][..], &spec_v1[1..]].concat());
    write(d, "truncated", &spec_v1[..120]);

    // v2 ReceivedMessages for the fixed recipient.
    let d = "sealed_v2_received";
    let spec_received = hex(concat!(
        "22de7a88efad3727eb478668e600662903b3cac8e3174daf93d12a7cb5974ec0c4964192941c56eaefdb3c",
        "a380b37a70b33ef387eca8d19edd718118c1d39911c529e9f03b7765a4ccc5b3f3392609ce6dd005e6a434",
        "65018c6cafbde264640f8740215a876d2d4ea57baefd74b978132a1f5f773e5d6b16c4ac06e6e5a057fcb1",
        "bebe84cbbbc980300f45ef1bba35f4e7038a2842ff544a7a6414392e3f3d11653869781ec9b7a2b7af7c02",
        "21b4bd2a7086ff848afb86e5b21ba357244fb823c77d36c4d26192e3f2f15de095a4aee640fa9996d6176b",
        "60123738d8172ddad07d23b6273d930ae9b5be7c4d6e8bf38f25542201b6d3a74ab9271b7be49a0ccfc9b8",
        "44b212db4170949b644bd219540b8327bb4c974fd982bc5000ba3cb09d790bf6fe1c0d58163d0cf89fc32e",
        "d818ca5c08c937358f7af5e5a4c66c74e1a3d91227daa50b36e983162da4f3c5369e2819a7d9c84afaabc8",
        "9be4a809a79c18c81811c3c9f21964127db1bcd83c8d"
    ));
    assert_eq!(
        unseal(&spec_received, &keys.recipient).unwrap(),
        spec_content
    );
    write(d, "spec", &spec_received);
    let fresh_v2 = seal_v2_single(
        keys.recipient.identity_key(),
        &sender_key,
        &keys.sender,
        &mut rng,
    )
    .unwrap();
    write(d, "sender-key-content", &fresh_v2);
    write(d, "tampered-wrapped-key", &flipped(&spec_received, 5));
    write(d, "tampered-tag", &flipped(&spec_received, 40));
    write(d, "tampered-payload", &flipped(&spec_received, 300));
    write(
        d,
        "zero-ephemeral",
        &[&spec_received[..49], &[0; 32], &spec_received[81..]].concat(),
    );
    write(d, "too-short", &spec_received[..80]);

    // v2 SentMessages.
    let d = "sealed_v2_sent";
    let spec_sent = [
        hex(concat!(
        "230200796abedbca4e4f1888031fde5b921f9f019234020005de7a88efad3727eb478668e600662903b3ca",
        "c8e3174daf93d12a7cb5974ec0c4964192941c56eaefdb3ca380b37a70b301aaaaaaaabbbb4ccc8dddeeee",
        "eeeeeeee003ef387eca8d19edd718118c1d39911c529e9f03b7765a4ccc5b3f3392609ce6d"
    )),
        spec_received[81..].to_vec(),
    ]
    .concat();
    write(d, "spec", &spec_sent);
    let id = |kind, byte| ServiceId::new(kind, [byte; 16]);
    let device = |d, r| RecipientDevice {
        device_id: DeviceId::new(d).unwrap(),
        registration_id: r,
    };
    let other = IdentityKey::new(
        PublicKey::deserialize(&keys.server_key.public_key().serialize()).unwrap(),
    );
    let recipients = [
        Recipient {
            service_id: id(ServiceIdKind::Aci, 1),
            identity_key: *keys.recipient.identity_key(),
            devices: vec![device(1, 1), device(2, 0x3FFF)],
        },
        Recipient {
            service_id: id(ServiceIdKind::Pni, 2),
            identity_key: other,
            devices: vec![device(127, 5)],
        },
        Recipient {
            service_id: id(ServiceIdKind::Aci, 1),
            identity_key: *keys.recipient.identity_key(),
            devices: vec![device(3, 7)],
        },
    ];
    let split = seal_v2(
        &recipients,
        &[id(ServiceIdKind::Aci, 9)],
        &sender_key,
        &keys.sender,
        &mut rng,
    )
    .unwrap();
    write(d, "split-recipient-and-excluded", &split);
    let legacy = [
        &[0x22, 0x01][..],
        &[0x79; 16],
        &[0x01, 0x00, 0x05],
        &[0x11; 48],
        &[0xee; 48],
    ]
    .concat();
    write(d, "legacy-0x22", &legacy);
    let redundant = [
        &[0x23, 0x02][..],
        &id(ServiceIdKind::Aci, 4).fixed_width(),
        &[0],
        &id(ServiceIdKind::Aci, 4).fixed_width(),
        &[0],
        &[0; 32],
    ]
    .concat();
    write(d, "redundant-empty", &redundant);
    write(d, "truncated", &spec_sent[..60]);
    write(
        d,
        "bad-kind",
        &[&[0x23, 0x01, 0x02][..], &spec_sent[3..]].concat(),
    );
    write(d, "version-24", &[&[0x24][..], &spec_sent[1..]].concat());
}
