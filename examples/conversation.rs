//! The README's main job: a whole 1:1 conversation, printed step by step.
//!
//! Bob publishes pre-keys; Alice fetches his bundle, checks it, runs PQXDH
//! and sends; Bob answers; then they talk with messages delivered out of
//! order, a duplicate and a forgery rejected, and both compare safety
//! numbers. Run it with `cargo run --example conversation`.

use hush::address::{DeviceId, ProtocolAddress};
use hush::fingerprint::{Fingerprint, FingerprintParty};
use hush::keys::*;
use hush::messages::{CiphertextMessage, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError, LocalIdentity, PreKeys, SessionRecord};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    let now = Timestamp::from_millis(1_763_800_000_000);
    let alice_addr = ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
    let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);

    step("Bob creates an identity and uploads pre-keys to the server");
    let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 4242 };
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
    let mut one_time = vec![PreKeyRecord::generate(PreKeyId(7), &mut rng)];
    show("identity key", &bob.key_pair.identity_key().serialize());
    show("signed pre-key #1", &signed.public_key().serialize());
    println!("    Kyber-1024 pre-key #1: {} bytes, signed by the identity", kyber.public_key().serialize().len());

    step("Alice fetches Bob's bundle and verifies both pre-key signatures");
    let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1717 };
    let bundle = PreKeyBundle::from_records(
        bob.registration_id,
        bob_addr.device_id(),
        *bob.key_pair.identity_key(),
        &signed,
        &kyber,
        one_time.first(),
    );
    let verified = bundle.verify()?;
    println!("    signatures OK; Alice trusts Bob's identity on first use");

    step("Alice runs PQXDH (X25519 + Kyber-1024), starts SPQR, and encrypts her first message");
    let mut alice_record = SessionRecord::new();
    alice_record.initiate(&verified, &alice, now, &mut rng)?;
    let to_bob = Addresses { local: &alice_addr, remote: &bob_addr };
    let to_alice = Addresses { local: &bob_addr, remote: &alice_addr };
    let first = alice_record.encrypt(b"Hi Bob, it's Alice.", to_bob, now, &mut rng)?;
    describe("Alice -> Bob", &first);

    step("Bob sees a PreKey message, checks the sender's identity, and decrypts");
    let CiphertextMessage::PreKey(prekey_message) = &first else { unreachable!("first message is a PreKey message") };
    let parsed = PreKeySignalMessage::deserialize(prekey_message.serialized())?;
    println!("    from identity {}", hex(&parsed.identity_key().serialize()));
    let mut bob_record = SessionRecord::new();
    let pre_keys = PreKeys { signed: Some(&signed), kyber: Some(&kyber), one_time: one_time.first() };
    let result = bob_record.decrypt_prekey(&parsed, &bob, pre_keys, to_alice, &mut rng)?;
    println!("    plaintext: {:?}", String::from_utf8_lossy(&result.plaintext));
    if let Some(consumed) = result.consumed {
        one_time.retain(|k| Some(k.id()) != consumed.one_time);
        println!("    pre-keys used: one-time {:?}, signed {}, Kyber {} -> Bob deletes the one-time key", consumed.one_time.map(|k| k.0), consumed.signed, consumed.kyber);
    }

    step("Bob replies; Alice's session is now acknowledged");
    let reply = bob_record.encrypt(b"Hello Alice! Post-quantum hello.", to_alice, now, &mut rng)?;
    describe("Bob -> Alice", &reply);
    println!("    Alice reads: {:?}", String::from_utf8_lossy(&decrypt(&mut alice_record, &alice, &reply, to_bob, &mut rng)?));

    step("Alice sends three messages; the network delivers them 3, 1, 2");
    let batch: Vec<_> = ["one", "two", "three"]
        .iter()
        .map(|text| alice_record.encrypt(text.as_bytes(), to_bob, now, &mut rng))
        .collect::<Result<_, _>>()?;
    for index in [2, 0, 1] {
        describe("Alice -> Bob", &batch[index]);
        println!("    Bob reads: {:?}", String::from_utf8_lossy(&decrypt(&mut bob_record, &bob, &batch[index], to_alice, &mut rng)?));
    }

    step("A duplicate and a forged copy are rejected without changing Bob's state");
    let before = bob_record.to_state();
    match decrypt(&mut bob_record, &bob, &batch[0], to_alice, &mut rng) {
        Err(DecryptError::DuplicatedMessage { counter, .. }) => println!("    duplicate of counter {counter}: dropped"),
        other => return Err(format!("duplicate was not detected: {other:?}").into()),
    }
    let fresh = alice_record.encrypt(b"four", to_bob, now, &mut rng)?;
    let mut forged = fresh.serialized().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    let forged = CiphertextMessage::Whisper(SignalMessage::deserialize(&forged)?);
    match decrypt(&mut bob_record, &bob, &forged, to_alice, &mut rng) {
        Err(e @ DecryptError::DecryptionFailed { .. }) => println!("    forgery: {e}"),
        other => return Err(format!("forgery was not detected: {other:?}").into()),
    }
    assert_eq!(*before, *bob_record.to_state());
    println!("    Bob's stored session is byte-identical to before");
    println!("    the genuine message still decrypts: {:?}", String::from_utf8_lossy(&decrypt(&mut bob_record, &bob, &fresh, to_alice, &mut rng)?));

    step("A few ratchet turns back and forth");
    for turn in 0..4 {
        let (from, to, receiver, addresses, back, name) = if turn % 2 == 0 {
            (&mut bob_record, &mut alice_record, &alice, to_alice, to_bob, "Bob -> Alice")
        } else {
            (&mut alice_record, &mut bob_record, &bob, to_bob, to_alice, "Alice -> Bob")
        };
        let text = format!("turn {turn}");
        let message = from.encrypt(text.as_bytes(), addresses, now, &mut rng)?;
        describe(name, &message);
        println!("    reads: {:?}", String::from_utf8_lossy(&decrypt(to, receiver, &message, back, &mut rng)?));
    }

    step("Both save their sessions (versioned state format) and reload them");
    for (name, record) in [("Alice", &mut alice_record), ("Bob", &mut bob_record)] {
        let state = record.to_state();
        *record = SessionRecord::from_state(&state)?;
        println!("    {name}'s record: {} bytes", state.len());
    }
    let last = alice_record.encrypt(b"Still here after a restart.", to_bob, now, &mut rng)?;
    println!("    Bob reads: {:?}", String::from_utf8_lossy(&decrypt(&mut bob_record, &bob, &last, to_alice, &mut rng)?));

    step("They compare safety numbers in person");
    let a = FingerprintParty { identifier: b"alice-aci", identity_key: alice.key_pair.identity_key() };
    let b = FingerprintParty { identifier: b"bob-aci", identity_key: bob.key_pair.identity_key() };
    let alice_view = Fingerprint::new(2, 5200, a, b)?;
    let bob_view = Fingerprint::new(2, 5200, b, a)?;
    let digits = alice_view.display_string();
    let groups: Vec<_> = digits.as_bytes().chunks(5).map(|c| std::str::from_utf8(c).unwrap_or("?")).collect();
    println!("    safety number: {}", groups.join(" "));
    println!("    Bob scans Alice's QR code: match = {}", bob_view.scannable().compare(&alice_view.scannable().serialize())?);
    println!("\nDone.");
    Ok(())
}

/// Later PreKey messages (before the first reply) belong to the session
/// that already exists, so they need no pre-keys.
fn decrypt(
    record: &mut SessionRecord,
    local: &LocalIdentity,
    message: &CiphertextMessage,
    addresses: Addresses<'_>,
    rng: &mut impl rand::CryptoRng,
) -> Result<Vec<u8>, DecryptError> {
    match message {
        CiphertextMessage::Whisper(m) => record.decrypt(m, addresses, rng),
        CiphertextMessage::PreKey(m) => Ok(record.decrypt_prekey(m, local, PreKeys::default(), addresses, rng)?.plaintext),
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn describe(direction: &str, message: &CiphertextMessage) {
    let (kind, inner) = match message {
        CiphertextMessage::PreKey(m) => ("PreKeySignalMessage", m.message()),
        CiphertextMessage::Whisper(m) => ("SignalMessage", m),
    };
    println!(
        "    {direction}: {kind}, {} bytes, ratchet key {}…, counter {}, SPQR field {} bytes",
        message.serialized().len(),
        &hex(&inner.ratchet_key().serialize())[..12],
        inner.counter(),
        inner.pq_ratchet().len()
    );
}

fn show(label: &str, bytes: &[u8]) {
    println!("    {label}: {}", hex(bytes));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
