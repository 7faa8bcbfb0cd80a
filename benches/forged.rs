//! What a message that fails to authenticate can cost the receiver, next to
//! the most a legitimate message can cost (a maximum forward jump). Run with
//! `cargo bench --bench forged`.
//!
//! The forged message names an unknown ratchet key, the largest allowed
//! counter and the largest allowed SPQR key index, so every state the record
//! tries does a DH ratchet step and walks both chains as far as it may
//! before the MAC fails.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::*;
use hush::messages::{CiphertextMessage, SignalMessage};
use hush::ratchet::MAX_FORWARD_JUMPS;
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord, ARCHIVED_STATES_MAX_LENGTH};
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

struct Peers {
    alice: LocalIdentity,
    bob: LocalIdentity,
    alice_addr: ProtocolAddress,
    bob_addr: ProtocolAddress,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    bundle: VerifiedPreKeyBundle,
}

fn peers(rng: &mut StdRng) -> Peers {
    let alice = LocalIdentity {
        key_pair: IdentityKeyPair::generate(rng),
        registration_id: 1,
    };
    let bob = LocalIdentity {
        key_pair: IdentityKeyPair::generate(rng),
        registration_id: 2,
    };
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob.key_pair, rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &bob.key_pair, rng);
    let bundle = PreKeyBundle::from_records(
        2,
        DeviceId::new(1).unwrap(),
        *bob.key_pair.identity_key(),
        &signed,
        &kyber,
        None,
    )
    .verify()
    .unwrap();
    Peers {
        alice,
        bob,
        alice_addr: ProtocolAddress::new(
            "9d0652a3-dcc3-4d11-975f-74d61598733f",
            DeviceId::new(1).unwrap(),
        ),
        bob_addr: ProtocolAddress::new(
            "796abedb-ca4e-4f18-8803-1fde5b921f9f",
            DeviceId::new(1).unwrap(),
        ),
        signed,
        kyber,
        bundle,
    }
}

/// Alice starts a fresh session and Bob accepts it: Bob's former current
/// state is archived. Returns Alice's record.
fn new_session(p: &Peers, bob: &mut SessionRecord, rng: &mut StdRng) -> SessionRecord {
    let mut alice = SessionRecord::new();
    alice.initiate(&p.bundle, &p.alice, NOW, rng).unwrap();
    let to_bob = Addresses {
        local: &p.alice_addr,
        remote: &p.bob_addr,
    };
    let to_alice = Addresses {
        local: &p.bob_addr,
        remote: &p.alice_addr,
    };
    let CiphertextMessage::PreKey(first) = alice.encrypt(b"hi", to_bob, NOW, rng).unwrap() else {
        unreachable!()
    };
    let keys = PreKeys {
        signed: Some(&p.signed),
        kyber: Some(&p.kyber),
        one_time: None,
    };
    bob.decrypt_prekey(&first, &p.bob, keys, to_alice, rng)
        .unwrap();
    alice
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A version-4 `SignalMessage` from nobody: a fresh ratchet key, counter
/// `MAX_FORWARD_JUMPS`, an SPQR part asking for key index
/// `MAX_FORWARD_JUMPS` of epoch 0, and a MAC that cannot match.
fn forged(rng: &mut StdRng) -> SignalMessage {
    let ratchet = KeyPair::generate(rng).public_key.serialize();
    let mut pq = vec![0x01]; // SPQR V1
    varint(&mut pq, 1); // epoch 1: keys of chain epoch 0
    varint(&mut pq, u64::from(MAX_FORWARD_JUMPS));
    pq.push(0); // no payload
    let mut bytes = vec![0x44];
    bytes.push(0x0a);
    bytes.push(ratchet.len() as u8);
    bytes.extend_from_slice(&ratchet);
    bytes.push(0x10);
    varint(&mut bytes, u64::from(MAX_FORWARD_JUMPS));
    bytes.extend_from_slice(&[0x18, 0x00]);
    bytes.extend_from_slice(&[0x22, 16]);
    bytes.extend_from_slice(&[0u8; 16]);
    bytes.push(0x2a);
    bytes.push(pq.len() as u8);
    bytes.extend_from_slice(&pq);
    bytes.extend_from_slice(&[0u8; 8]);
    SignalMessage::deserialize(&bytes).unwrap()
}

fn forged_message(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(7);
    let p = peers(&mut rng);
    let to_alice = Addresses {
        local: &p.bob_addr,
        remote: &p.alice_addr,
    };
    let to_bob = Addresses {
        local: &p.alice_addr,
        remote: &p.bob_addr,
    };

    // A full record: a current state and 40 archived ones.
    let mut full = SessionRecord::new();
    for _ in 0..=ARCHIVED_STATES_MAX_LENGTH {
        new_session(&p, &mut full, &mut rng);
    }
    assert_eq!(full.archived_count(), ARCHIVED_STATES_MAX_LENGTH);
    let message = forged(&mut rng);
    c.bench_function(
        "forged message against a full record (40 archived states)",
        |b| {
            b.iter(|| {
                assert!(full.decrypt(&message, to_alice, &mut rng).is_err());
            })
        },
    );

    // Bob's current state receives Alice's message number 24 999 of a new
    // chain: the largest jump a peer may make (25 000 SPQR keys).
    let mut bob = SessionRecord::new();
    let mut alice = new_session(&p, &mut bob, &mut rng);
    let CiphertextMessage::Whisper(reply) = bob.encrypt(b"hello", to_alice, NOW, &mut rng).unwrap()
    else {
        unreachable!()
    };
    alice.decrypt(&reply, to_bob, &mut rng).unwrap();
    let mut last = None;
    // Alice's first message used SPQR key 1, so her message number 24 999
    // on this chain uses key 25 001: the largest SPQR jump as well.
    for _ in 0..MAX_FORWARD_JUMPS {
        let CiphertextMessage::Whisper(m) = alice.encrypt(b"x", to_bob, NOW, &mut rng).unwrap()
        else {
            unreachable!()
        };
        last = Some(m);
    }
    let far = last.unwrap();
    c.bench_function("legitimate 25 000 jump", |b| {
        b.iter_batched(
            || bob.clone(),
            |mut bob| {
                bob.decrypt(&far, to_alice, &mut rng).unwrap();
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = forged_message
}
criterion_main!(benches);
