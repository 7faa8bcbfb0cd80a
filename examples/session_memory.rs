//! Resident memory of 10 000 established sessions, held as live
//! `SessionRecord`s and as stored bytes (issue 12). Not a test: run it in
//! release and read the figures.
//!
//! ```text
//! cargo run --release --example session_memory
//! ```
//!
//! Each session is Bob's record after 100 messages each way (about 5.8 KB
//! stored). The records are clones of one conversation's record (a clone
//! allocates everything anew, so the memory is the same as for distinct
//! sessions); the resident size comes from `/proc/self/statm`, so the
//! figures are Linux-only.

use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::*;
use hush::messages::CiphertextMessage;
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const SESSIONS: usize = 10_000;

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

fn bob_after_100_each_way(rng: &mut StdRng) -> SessionRecord {
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
    let bundle = PreKeyBundle::from_records(
        2,
        DeviceId::new(1).expect("device"),
        *bob_id.key_pair.identity_key(),
        &signed,
        &kyber,
        None,
    )
    .verify()
    .expect("bundle");
    let a = ProtocolAddress::new(
        "9d0652a3-dcc3-4d11-975f-74d61598733f",
        DeviceId::new(1).expect("device"),
    );
    let b = ProtocolAddress::new(
        "796abedb-ca4e-4f18-8803-1fde5b921f9f",
        DeviceId::new(1).expect("device"),
    );
    let to_bob = Addresses {
        local: &a,
        remote: &b,
    };
    let to_alice = Addresses {
        local: &b,
        remote: &a,
    };
    let mut alice = SessionRecord::new();
    alice
        .initiate(&bundle, &alice_id, NOW, rng)
        .expect("initiate");
    let CiphertextMessage::PreKey(first) = alice.encrypt(b"hi", to_bob, NOW, rng).expect("encrypt")
    else {
        unreachable!("first message")
    };
    let mut bob = SessionRecord::new();
    let keys = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: None,
    };
    bob.decrypt_prekey(&first, &bob_id, keys, to_alice, rng)
        .expect("first");
    let whisper = |m| match m {
        CiphertextMessage::Whisper(m) => m,
        CiphertextMessage::PreKey(m) => m.message().clone(),
    };
    for _ in 0..100 {
        let m = whisper(
            bob.encrypt(&[0x42; 160], to_alice, NOW, rng)
                .expect("encrypt"),
        );
        alice.decrypt(&m, to_bob, rng).expect("decrypt");
        let m = whisper(
            alice
                .encrypt(&[0x42; 160], to_bob, NOW, rng)
                .expect("encrypt"),
        );
        bob.decrypt(&m, to_alice, rng).expect("decrypt");
    }
    bob
}

fn main() {
    let mut rng = StdRng::seed_from_u64(12);
    let bob = bob_after_100_each_way(&mut rng);
    let stored = bob.to_state();
    println!("one record: {} bytes stored", stored.len());

    let before = resident_bytes();
    let live: Vec<SessionRecord> = (0..SESSIONS).map(|_| bob.clone()).collect();
    let after_live = resident_bytes();
    let bytes: Vec<Vec<u8>> = (0..SESSIONS).map(|_| stored.to_vec()).collect();
    let after_bytes = resident_bytes();
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "{SESSIONS} SessionRecords: {:.1} MiB resident ({:.0} bytes each)",
        mib(after_live - before),
        (after_live - before) as f64 / SESSIONS as f64
    );
    println!(
        "{SESSIONS} stored records: {:.1} MiB resident ({:.0} bytes each)",
        mib(after_bytes - after_live),
        (after_bytes - after_live) as f64 / SESSIONS as f64
    );
    drop((live, bytes));
}
