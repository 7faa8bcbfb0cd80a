//! Criterion benchmarks for the scenarios libsignal benchmarks: session
//! setup on both sides, messages within a chain, ratchet round trips,
//! signatures and the KEM. Run with `cargo bench --bench session`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::*;
use hush::messages::CiphertextMessage;
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

struct Setup {
    alice: LocalIdentity,
    bob: LocalIdentity,
    alice_addr: ProtocolAddress,
    bob_addr: ProtocolAddress,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    one_time: PreKeyRecord,
    bundle: VerifiedPreKeyBundle,
}

fn setup(rng: &mut StdRng) -> Setup {
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
    let one_time = PreKeyRecord::generate(PreKeyId(1), rng);
    let bundle = PreKeyBundle::from_records(
        2,
        DeviceId::new(1).unwrap(),
        *bob.key_pair.identity_key(),
        &signed,
        &kyber,
        Some(&one_time),
    )
    .verify()
    .unwrap();
    Setup {
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
        one_time,
        bundle,
    }
}

/// Alice and Bob with an acknowledged session.
fn established(s: &Setup, rng: &mut StdRng) -> (SessionRecord, SessionRecord) {
    let mut alice = SessionRecord::new();
    alice.initiate(&s.bundle, &s.alice, NOW, rng).unwrap();
    let to_bob = Addresses {
        local: &s.alice_addr,
        remote: &s.bob_addr,
    };
    let to_alice = Addresses {
        local: &s.bob_addr,
        remote: &s.alice_addr,
    };
    let CiphertextMessage::PreKey(first) = alice.encrypt(b"hi", to_bob, NOW, rng).unwrap() else {
        unreachable!()
    };
    let mut bob = SessionRecord::new();
    let keys = PreKeys {
        signed: Some(&s.signed),
        kyber: Some(&s.kyber),
        one_time: Some(&s.one_time),
    };
    bob.decrypt_prekey(&first, &s.bob, keys, to_alice, rng)
        .unwrap();
    let CiphertextMessage::Whisper(reply) = bob.encrypt(b"hello", to_alice, NOW, rng).unwrap()
    else {
        unreachable!()
    };
    alice.decrypt(&reply, to_bob, rng).unwrap();
    (alice, bob)
}

fn session(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let s = setup(&mut rng);
    let to_bob = Addresses {
        local: &s.alice_addr,
        remote: &s.bob_addr,
    };
    let to_alice = Addresses {
        local: &s.bob_addr,
        remote: &s.alice_addr,
    };

    c.bench_function("session/initiate_from_bundle", |b| {
        b.iter(|| {
            SessionRecord::new()
                .initiate(&s.bundle, &s.alice, NOW, &mut rng)
                .unwrap()
        })
    });

    let mut alice = SessionRecord::new();
    alice.initiate(&s.bundle, &s.alice, NOW, &mut rng).unwrap();
    let CiphertextMessage::PreKey(first) = alice.encrypt(b"hi", to_bob, NOW, &mut rng).unwrap()
    else {
        unreachable!()
    };
    c.bench_function("session/process_prekey_message", |b| {
        let keys = PreKeys {
            signed: Some(&s.signed),
            kyber: Some(&s.kyber),
            one_time: Some(&s.one_time),
        };
        b.iter(|| {
            SessionRecord::new()
                .decrypt_prekey(&first, &s.bob, keys, to_alice, &mut rng)
                .unwrap()
        })
    });

    let (mut alice, bob) = established(&s, &mut rng);
    let plaintext = vec![0x42u8; 160];
    c.bench_function("session/encrypt_160B_in_chain", |b| {
        b.iter(|| alice.encrypt(&plaintext, to_bob, NOW, &mut rng).unwrap())
    });

    c.bench_function("session/decrypt_160B_in_chain", |b| {
        // A fresh pair whose receiving chain Bob already knows, so no DH
        // ratchet step is measured; the cloned receiver is dropped untimed.
        let (mut alice, mut bob) = established(&s, &mut rng);
        let CiphertextMessage::Whisper(m) =
            alice.encrypt(&plaintext, to_bob, NOW, &mut rng).unwrap()
        else {
            unreachable!()
        };
        bob.decrypt(&m, to_alice, &mut rng).unwrap();
        let CiphertextMessage::Whisper(next) =
            alice.encrypt(&plaintext, to_bob, NOW, &mut rng).unwrap()
        else {
            unreachable!()
        };
        b.iter_batched_ref(
            || bob.clone(),
            |receiver| receiver.decrypt(&next, to_alice, &mut rng).unwrap(),
            BatchSize::SmallInput,
        )
    });

    c.bench_function("session/ratchet_round_trip", |b| {
        let (mut alice, mut bob) = established(&s, &mut rng);
        b.iter(|| {
            let CiphertextMessage::Whisper(m) =
                alice.encrypt(&plaintext, to_bob, NOW, &mut rng).unwrap()
            else {
                unreachable!()
            };
            bob.decrypt(&m, to_alice, &mut rng).unwrap();
            let CiphertextMessage::Whisper(m) =
                bob.encrypt(&plaintext, to_alice, NOW, &mut rng).unwrap()
            else {
                unreachable!()
            };
            alice.decrypt(&m, to_bob, &mut rng).unwrap();
        })
    });

    c.bench_function("session/record_to_state_and_back", |b| {
        b.iter(|| SessionRecord::from_state(&bob.to_state()).unwrap())
    });
}

fn primitives(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let identity = IdentityKeyPair::generate(&mut rng);
    let message = [7u8; 64];
    let signature = identity.sign(&message, &mut rng);
    c.bench_function("xeddsa/sign", |b| {
        b.iter(|| identity.sign(&message, &mut rng))
    });
    c.bench_function("xeddsa/verify", |b| {
        b.iter(|| {
            assert!(identity
                .identity_key()
                .public_key()
                .verify_signature(&message, &signature))
        })
    });
    let other = KeyPair::generate(&mut rng);
    c.bench_function("x25519/agree", |b| {
        b.iter(|| identity.private_key().agree(&other.public_key).unwrap())
    });
    c.bench_function("kyber1024/generate", |b| {
        b.iter(|| KemKeyPair::generate(&mut rng))
    });
    let kem = KemKeyPair::generate(&mut rng);
    c.bench_function("kyber1024/encapsulate", |b| {
        b.iter(|| kem.public_key.encapsulate(&mut rng))
    });
    let (_, ct) = kem.public_key.encapsulate(&mut rng);
    c.bench_function("kyber1024/decapsulate", |b| {
        b.iter(|| kem.secret_key.decapsulate(&ct))
    });
}

criterion_group!(benches, session, primitives);
criterion_main!(benches);
