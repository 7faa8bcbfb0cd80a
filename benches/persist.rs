//! The app's real path: load the record from bytes, run one operation, store
//! the record as bytes (issue 12). Records are realistic: a fresh session
//! (0.6 KB), Bob after 100 messages each way (5.8 KB), and Bob holding 2 000
//! skipped keys (150 KB). `interop/bench-libsignal.mjs` times the same
//! scenarios on libsignal. Run with `cargo bench --bench persist`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::*;
use hush::messages::{CiphertextMessage, SignalMessage};
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

struct Pair {
    alice: SessionRecord,
    bob: SessionRecord,
    alice_addr: ProtocolAddress,
    bob_addr: ProtocolAddress,
}

impl Pair {
    fn to_bob(&self) -> Addresses<'_> {
        Addresses {
            local: &self.alice_addr,
            remote: &self.bob_addr,
        }
    }
    fn to_alice(&self) -> Addresses<'_> {
        Addresses {
            local: &self.bob_addr,
            remote: &self.alice_addr,
        }
    }

    /// Alice to Bob, returned undelivered.
    fn alice_sends(&mut self, rng: &mut StdRng) -> SignalMessage {
        let to_bob = Addresses {
            local: &self.alice_addr,
            remote: &self.bob_addr,
        };
        match self.alice.encrypt(&[0x42; 160], to_bob, NOW, rng).unwrap() {
            CiphertextMessage::Whisper(m) => m,
            CiphertextMessage::PreKey(_) => unreachable!("acknowledged"),
        }
    }

    fn bob_sends(&mut self, rng: &mut StdRng) -> SignalMessage {
        let to_alice = Addresses {
            local: &self.bob_addr,
            remote: &self.alice_addr,
        };
        match self.bob.encrypt(&[0x42; 160], to_alice, NOW, rng).unwrap() {
            CiphertextMessage::Whisper(m) => m,
            CiphertextMessage::PreKey(_) => unreachable!("acknowledged"),
        }
    }

    fn bob_receives(&mut self, m: &SignalMessage, rng: &mut StdRng) {
        let to_alice = Addresses {
            local: &self.bob_addr,
            remote: &self.alice_addr,
        };
        self.bob.decrypt(m, to_alice, rng).unwrap();
    }

    fn alice_receives(&mut self, m: &SignalMessage, rng: &mut StdRng) {
        let to_bob = Addresses {
            local: &self.alice_addr,
            remote: &self.bob_addr,
        };
        self.alice.decrypt(m, to_bob, rng).unwrap();
    }
}

/// Alice and Bob with an acknowledged session.
fn established(rng: &mut StdRng) -> Pair {
    let alice_id = LocalIdentity {
        key_pair: IdentityKeyPair::generate(rng),
        registration_id: 1,
    };
    let bob_id = LocalIdentity {
        key_pair: IdentityKeyPair::generate(rng),
        registration_id: 2,
    };
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob_id.key_pair, rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &bob_id.key_pair, rng);
    let one_time = PreKeyRecord::generate(PreKeyId(1), rng);
    let bundle = PreKeyBundle::from_records(
        2,
        DeviceId::new(1).unwrap(),
        *bob_id.key_pair.identity_key(),
        &signed,
        &kyber,
        Some(&one_time),
    )
    .verify()
    .unwrap();
    let mut pair = Pair {
        alice: SessionRecord::new(),
        bob: SessionRecord::new(),
        alice_addr: ProtocolAddress::new(
            "9d0652a3-dcc3-4d11-975f-74d61598733f",
            DeviceId::new(1).unwrap(),
        ),
        bob_addr: ProtocolAddress::new(
            "796abedb-ca4e-4f18-8803-1fde5b921f9f",
            DeviceId::new(1).unwrap(),
        ),
    };
    pair.alice.initiate(&bundle, &alice_id, NOW, rng).unwrap();
    let to_bob = Addresses {
        local: &pair.alice_addr,
        remote: &pair.bob_addr,
    };
    let CiphertextMessage::PreKey(first) = pair.alice.encrypt(b"hi", to_bob, NOW, rng).unwrap()
    else {
        unreachable!()
    };
    let keys = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: Some(&one_time),
    };
    let to_alice = Addresses {
        local: &pair.bob_addr,
        remote: &pair.alice_addr,
    };
    pair.bob
        .decrypt_prekey(&first, &bob_id, keys, to_alice, rng)
        .unwrap();
    let reply = pair.bob_sends(rng);
    pair.alice_receives(&reply, rng);
    pair
}

/// `n` messages each way, alternating, all delivered.
fn converse(pair: &mut Pair, n: usize, rng: &mut StdRng) {
    for _ in 0..n {
        let m = pair.alice_sends(rng);
        pair.bob_receives(&m, rng);
        let m = pair.bob_sends(rng);
        pair.alice_receives(&m, rng);
    }
}

/// The three records of issue 12, as Bob holds them.
fn records(rng: &mut StdRng) -> Vec<(&'static str, Pair)> {
    let fresh = established(rng);
    let mut talked = established(rng);
    converse(&mut talked, 100, rng);
    let mut skipped = established(rng);
    converse(&mut skipped, 100, rng);
    // 2 000 messages Bob never sees, then one he does.
    for _ in 0..2_000 {
        skipped.alice_sends(rng);
    }
    let m = skipped.alice_sends(rng);
    skipped.bob_receives(&m, rng);
    vec![
        ("fresh", fresh),
        ("100_each_way", talked),
        ("2000_skipped", skipped),
    ]
}

fn persist(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(12);
    for (name, pair) in records(&mut rng) {
        let stored = pair.bob.to_state();
        println!("record {name}: {} bytes", stored.len());

        c.bench_function(&format!("record/{name}/serialize"), |b| {
            b.iter(|| pair.bob.to_state())
        });
        c.bench_function(&format!("record/{name}/deserialize"), |b| {
            b.iter(|| SessionRecord::from_state(&stored).unwrap())
        });
        c.bench_function(&format!("record/{name}/round_trip"), |b| {
            b.iter(|| SessionRecord::from_state(&pair.bob.to_state()).unwrap())
        });

        if name == "fresh" {
            continue;
        }
        let plaintext = [0x42u8; 160];
        let to_alice = pair.to_alice();
        c.bench_function(&format!("persisted/{name}/encrypt_160B"), |b| {
            b.iter(|| {
                let mut record = SessionRecord::from_state(&stored).unwrap();
                record.encrypt(&plaintext, to_alice, NOW, &mut rng).unwrap();
                record.to_state()
            })
        });
        c.bench_function(&format!("in_memory/{name}/encrypt_160B"), |b| {
            b.iter_batched_ref(
                || pair.bob.clone(),
                |record| record.encrypt(&plaintext, to_alice, NOW, &mut rng).unwrap(),
                BatchSize::SmallInput,
            )
        });
        // Decryption on Bob's current receiving chain: Alice sends one
        // message that Bob takes in (a DH ratchet step, not measured), and
        // the next one is measured against Bob's stored record.
        let mut sender_rng = StdRng::seed_from_u64(99);
        let mut alice = pair.alice.clone();
        let mut bob = pair.bob.clone();
        let mut send = |alice: &mut SessionRecord| match alice
            .encrypt(&plaintext, pair.to_bob(), NOW, &mut sender_rng)
            .unwrap()
        {
            CiphertextMessage::Whisper(m) => m,
            CiphertextMessage::PreKey(_) => unreachable!(),
        };
        let first = send(&mut alice);
        bob.decrypt(&first, to_alice, &mut rng).unwrap();
        let m = send(&mut alice);
        let stored = bob.to_state();
        c.bench_function(&format!("persisted/{name}/decrypt_160B"), |b| {
            b.iter(|| {
                let mut record = SessionRecord::from_state(&stored).unwrap();
                record.decrypt(&m, to_alice, &mut rng).unwrap();
                record.to_state()
            })
        });
        c.bench_function(&format!("in_memory/{name}/decrypt_160B"), |b| {
            b.iter_batched_ref(
                || bob.clone(),
                |record| record.decrypt(&m, to_alice, &mut rng).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, persist);
criterion_main!(benches);
