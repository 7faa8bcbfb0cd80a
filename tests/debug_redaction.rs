//! `Debug` output shows public data only. Snapshots (tests/snapshots/) pin
//! the exact output of deterministic objects so a change is reviewed; the
//! assertions check that no private bytes appear.

mod common;

use common::{rng, Party};
use hush::keys::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn keys_redact_private_material() {
    let mut r = rng(42);
    let pair = KeyPair::generate(&mut r);
    let identity = IdentityKeyPair::generate(&mut r);
    let kem = KemKeyPair::generate(&mut r);
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(5), common::NOW, &identity, &mut r);
    let shown = format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        pair.private_key, pair, identity, kem.secret_key, kem, signed
    );
    for secret in [
        hex(&pair.private_key.serialize()[..]),
        hex(&identity.private_key().serialize()[..]),
        hex(&signed.key_pair().private_key.serialize()[..]),
    ] {
        assert!(
            !shown.contains(&secret),
            "a private key leaked into Debug output"
        );
    }
    assert!(
        !shown.contains(&hex(&kem.secret_key.serialize()[1..33])),
        "KEM secret leaked"
    );
    insta::assert_snapshot!(shown);
}

#[test]
fn session_records_redact_secrets() {
    let mut r = rng(43);
    let mut alice = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", 1, &mut r);
    let bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", 2, &mut r);
    alice.start_session(bob.bundle(true), &mut r);
    let shown = format!("{:#?}", alice.record);
    assert!(shown.contains("<redacted>"));
    // The stored form holds the root and chain keys; none of its 32-byte
    // windows that are not public keys may show up in Debug output.
    let public: Vec<String> = shown
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 64)
        .map(str::to_owned)
        .collect();
    let state = alice.record.to_state();
    for window in state.windows(32) {
        let h = hex(window);
        if shown.contains(&h) {
            assert!(
                public.iter().any(|p| p.contains(&h)),
                "secret bytes in Debug output"
            );
        }
    }
    insta::assert_snapshot!(shown);
}

/// No 32-byte window of `record`'s stored form (root, chain, skipped and
/// SPQR keys) shows in `shown` unless it is part of a public key or other
/// public hex printed there.
fn assert_no_stored_secret(shown: &str, record: &hush::session::SessionRecord) {
    let public: Vec<&str> = shown
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 64)
        .collect();
    let state = record.to_state();
    for window in state.windows(32) {
        let h = hex(window);
        if shown.contains(&h) {
            assert!(
                public.iter().any(|p| p.contains(&h)),
                "secret bytes in Debug output"
            );
        }
    }
}

/// Records in the middle of a conversation: several receiving chains,
/// skipped message keys in both ratchets, an archived state, and SPQR part
/// way through an epoch (a chain, a braid mid-transfer). Also the results of
/// decrypting, which hold plaintext.
#[test]
fn mid_conversation_records_redact_secrets() {
    use hush::messages::CiphertextMessage;
    use hush::session::{Addresses, PreKeys};

    let mut r = rng(44);
    let mut alice = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", 1, &mut r);
    let mut bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", 2, &mut r);
    let secret_text = b"the plaintext must never be shown";
    let secret_hex = hex(secret_text);

    // An earlier session Bob accepted, then replaced: an archived state.
    let mut earlier = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", 1, &mut r);
    earlier.local = alice.local.clone();
    earlier.start_session(bob.bundle(true), &mut r);
    let first = earlier.encrypt(&bob.address, b"old", &mut r);
    bob.decrypt(&earlier.address, &first, &mut r).unwrap();

    alice.start_session(bob.bundle(false), &mut r);
    let CiphertextMessage::PreKey(first) = alice.encrypt(&bob.address, secret_text, &mut r) else {
        panic!("expected a PreKey message")
    };
    let pre_keys = PreKeys {
        signed: Some(&bob.signed),
        kyber: Some(&bob.kyber),
        one_time: None,
    };
    let to_alice = Addresses {
        local: &bob.address,
        remote: &alice.address,
    };
    let result = bob
        .record
        .decrypt_prekey(&first, &bob.local, pre_keys, to_alice, &mut r)
        .unwrap();
    let shown_result = format!("{result:#?}");
    assert!(!shown_result.contains("the plaintext"));

    // Round trips with gaps: each side skips messages of several chains.
    for round in 0..4 {
        let mut from_alice = Vec::new();
        for _ in 0..3 {
            from_alice.push(alice.encrypt(&bob.address, secret_text, &mut r));
        }
        // Deliver only the last: two skipped keys on this chain.
        bob.decrypt(&alice.address, &from_alice[2], &mut r).unwrap();
        let mut from_bob = Vec::new();
        for _ in 0..2 + round {
            from_bob.push(bob.encrypt(&alice.address, secret_text, &mut r));
        }
        alice
            .decrypt(&bob.address, from_bob.last().unwrap(), &mut r)
            .unwrap();
    }
    let pending_message = match alice.encrypt(&bob.address, secret_text, &mut r) {
        CiphertextMessage::Whisper(m) => m,
        CiphertextMessage::PreKey(_) => panic!("acknowledged session"),
    };
    let to_alice = Addresses {
        local: &bob.address,
        remote: &alice.address,
    };
    let pending = bob
        .record
        .decrypt_pending(&pending_message, to_alice, &mut r)
        .unwrap();
    let shown_pending = format!("{pending:#?}");
    drop(pending);

    assert!(bob.record.archived_count() >= 1);
    let shown = format!(
        "{shown_result}\n{shown_pending}\nalice: {:#?}\nbob: {:#?}",
        alice.record, bob.record
    );
    assert!(shown.contains("skipped: [\n"), "no skipped keys shown");
    assert!(!shown.contains("chain: None"), "SPQR chain not started");
    assert!(!shown.contains(&secret_hex) && !shown.contains("the plaintext"));
    assert_no_stored_secret(&shown, &alice.record);
    assert_no_stored_secret(&shown, &bob.record);
    insta::assert_snapshot!(shown);
}
