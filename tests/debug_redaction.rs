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
