//! The README's main job: a whole 1:1 conversation, printed step by step.
//!
//! Bob publishes pre-keys; Alice fetches his bundle, checks it, runs PQXDH
//! and sends; Bob checks who sent it before committing, and answers; then
//! they talk with messages delivered out of order, a duplicate, a forgery
//! and a replayed first message on a last-resort Kyber pre-key rejected, and
//! both compare safety numbers. Then Carol joins and the three chat as a group with sender keys,
//! and Bob sends sealed-sender messages (v1 to Alice, v2 to the group).
//! Run it with `cargo run --example conversation`.

use std::collections::HashSet;

use hush::address::{DeviceId, ProtocolAddress};
use hush::fingerprint::{Fingerprint, FingerprintParty};
use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionId, GroupDecryptError, SenderKeyDistributionMessage, SenderKeyRecord,
};
use hush::keys::*;
use hush::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage,
};
use hush::sealed_sender::{
    receive, recipients_from_sessions, seal_v1, seal_v2, ContentHint, LocalAccount, Sender,
    SenderCertificate, SentMessage, ServerCertificate, Signer, UnidentifiedSenderMessageContent,
};
use hush::session::{
    Addresses, DecryptError, LocalIdentity, PreKeyDecryption, PreKeys, SessionRecord,
};

/// The `(Kyber ID, signed pre-key ID, base key)` combinations a last-resort
/// Kyber pre-key has been used with; an application persists this set.
type LastResortUses = HashSet<(KyberPreKeyId, SignedPreKeyId, PublicKey)>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rng();
    let now = Timestamp::from_millis(1_763_800_000_000);
    let alice_addr =
        ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
    let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);

    step("Bob creates an identity and uploads pre-keys to the server");
    let bob = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 4242,
    };
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
    let mut one_time = vec![PreKeyRecord::generate(PreKeyId(7), &mut rng)];
    show("identity key", &bob.key_pair.identity_key().serialize());
    show("signed pre-key #1", &signed.public_key().serialize());
    println!(
        "    Kyber-1024 pre-key #1: {} bytes, signed by the identity",
        kyber.public_key().serialize().len()
    );

    step("Alice fetches Bob's bundle and verifies both pre-key signatures");
    let alice = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 1717,
    };
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
    let to_bob = Addresses {
        local: &alice_addr,
        remote: &bob_addr,
    };
    let to_alice = Addresses {
        local: &bob_addr,
        remote: &alice_addr,
    };
    let first = alice_record.encrypt(b"Hi Bob, it's Alice.", to_bob, now, &mut rng)?;
    describe("Alice -> Bob", &first);

    step("Bob sees a PreKey message, decrypts it, and checks it before committing");
    let CiphertextMessage::PreKey(prekey_message) = &first else {
        unreachable!("first message is a PreKey message")
    };
    let parsed = PreKeySignalMessage::deserialize(prekey_message.serialized())?;
    println!(
        "    from identity {}",
        hex(&parsed.identity_key().serialize())
    );
    // First contact: Bob trusts this identity on first use and stores it.
    let trusted_alice = *parsed.identity_key();
    // Bob's Kyber pre-key #1 is his last-resort key: he remembers each use.
    let mut last_resort_uses = LastResortUses::new();
    let mut bob_record = SessionRecord::new();
    let pre_keys = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: one_time.first(),
    };
    let result = receive_first(
        &mut bob_record,
        &parsed,
        &bob,
        pre_keys,
        to_alice,
        &trusted_alice,
        &mut last_resort_uses,
        &mut rng,
    )?;
    println!(
        "    plaintext: {:?}",
        String::from_utf8_lossy(&result.plaintext)
    );
    if let Some(consumed) = result.consumed {
        one_time.retain(|k| Some(k.id()) != consumed.one_time);
        println!(
            "    pre-keys used: one-time {:?}, signed {}, Kyber {} -> Bob deletes the one-time key",
            consumed.one_time.map(|k| k.0),
            consumed.signed,
            consumed.kyber
        );
    }

    step("Bob replies; Alice's session is now acknowledged");
    let reply = bob_record.encrypt(b"Hello Alice! Post-quantum hello.", to_alice, now, &mut rng)?;
    describe("Bob -> Alice", &reply);
    println!(
        "    Alice reads: {:?}",
        String::from_utf8_lossy(&decrypt(
            &mut alice_record,
            &alice,
            &reply,
            to_bob,
            &mut rng
        )?)
    );

    step("Alice sends three messages; the network delivers them 3, 1, 2");
    let batch: Vec<_> = ["one", "two", "three"]
        .iter()
        .map(|text| alice_record.encrypt(text.as_bytes(), to_bob, now, &mut rng))
        .collect::<Result<_, _>>()?;
    for index in [2, 0, 1] {
        describe("Alice -> Bob", &batch[index]);
        println!(
            "    Bob reads: {:?}",
            String::from_utf8_lossy(&decrypt(
                &mut bob_record,
                &bob,
                &batch[index],
                to_alice,
                &mut rng
            )?)
        );
    }

    step("A duplicate and a forged copy are rejected without changing Bob's state");
    let before = bob_record.to_state();
    match decrypt(&mut bob_record, &bob, &batch[0], to_alice, &mut rng) {
        Err(DecryptError::DuplicatedMessage { counter, .. }) => {
            println!("    duplicate of counter {counter}: dropped")
        }
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
    println!(
        "    the genuine message still decrypts: {:?}",
        String::from_utf8_lossy(&decrypt(&mut bob_record, &bob, &fresh, to_alice, &mut rng)?)
    );

    step("Bob's one-time pre-keys ran out; Alice's tablet starts a session on the last-resort Kyber key");
    let tablet_addr = ProtocolAddress::new(alice_addr.name(), DeviceId::new(2)?);
    let bundle = PreKeyBundle::from_records(
        bob.registration_id,
        bob_addr.device_id(),
        *bob.key_pair.identity_key(),
        &signed,
        &kyber,
        None,
    );
    let mut tablet_record = SessionRecord::new();
    tablet_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
    let tablet_to_bob = Addresses {
        local: &tablet_addr,
        remote: &bob_addr,
    };
    let bob_to_tablet = Addresses {
        local: &bob_addr,
        remote: &tablet_addr,
    };
    let CiphertextMessage::PreKey(hello) =
        tablet_record.encrypt(b"Hi Bob, from my tablet.", tablet_to_bob, now, &mut rng)?
    else {
        unreachable!("first message is a PreKey message")
    };
    let last_resort_only = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: None,
    };
    let mut bob_tablet_record = SessionRecord::new();
    let result = receive_first(
        &mut bob_tablet_record,
        &hello,
        &bob,
        last_resort_only,
        bob_to_tablet,
        &trusted_alice,
        &mut last_resort_uses,
        &mut rng,
    )?;
    println!(
        "    Bob reads: {:?}; remembers (Kyber {}, signed {}, base key {})",
        String::from_utf8_lossy(&result.plaintext),
        hello.kyber_pre_key_id().map_or(0, |k| k.0),
        hello.signed_pre_key_id(),
        hex(&hello.base_key().serialize()[..8])
    );

    step("Bob's device loses that session; an attacker replays the tablet's first message");
    let mut reset = SessionRecord::new();
    match receive_first(
        &mut reset,
        &hello,
        &bob,
        last_resort_only,
        bob_to_tablet,
        &trusted_alice,
        &mut last_resort_uses,
        &mut rng,
    ) {
        Err(e) => println!("    refused before committing: {e}"),
        Ok(_) => return Err("a replayed first message was accepted".into()),
    }
    assert!(!reset.has_current_state());
    println!("    nothing was stored: the attacker cannot replay the old conversation");

    step("A few ratchet turns back and forth");
    for turn in 0..4 {
        let (from, to, receiver, addresses, back, name) = if turn % 2 == 0 {
            (
                &mut bob_record,
                &mut alice_record,
                &alice,
                to_alice,
                to_bob,
                "Bob -> Alice",
            )
        } else {
            (
                &mut alice_record,
                &mut bob_record,
                &bob,
                to_bob,
                to_alice,
                "Alice -> Bob",
            )
        };
        let text = format!("turn {turn}");
        let message = from.encrypt(text.as_bytes(), addresses, now, &mut rng)?;
        describe(name, &message);
        println!(
            "    reads: {:?}",
            String::from_utf8_lossy(&decrypt(to, receiver, &message, back, &mut rng)?)
        );
    }

    step("Both save their sessions (versioned state format) and reload them");
    for (name, record) in [("Alice", &mut alice_record), ("Bob", &mut bob_record)] {
        let state = record.to_state();
        *record = SessionRecord::from_state(&state)?;
        println!("    {name}'s record: {} bytes", state.len());
    }
    let last = alice_record.encrypt(b"Still here after a restart.", to_bob, now, &mut rng)?;
    println!(
        "    Bob reads: {:?}",
        String::from_utf8_lossy(&decrypt(&mut bob_record, &bob, &last, to_alice, &mut rng)?)
    );

    step("They compare safety numbers in person");
    let a = FingerprintParty {
        identifier: b"alice-aci",
        identity_key: alice.key_pair.identity_key(),
    };
    let b = FingerprintParty {
        identifier: b"bob-aci",
        identity_key: bob.key_pair.identity_key(),
    };
    let alice_view = Fingerprint::new(2, 5200, a, b)?;
    let bob_view = Fingerprint::new(2, 5200, b, a)?;
    let digits = alice_view.display_string();
    let groups: Vec<_> = digits
        .as_bytes()
        .chunks(5)
        .map(|c| std::str::from_utf8(c).unwrap_or("?"))
        .collect();
    println!("    safety number: {}", groups.join(" "));
    println!(
        "    Bob scans Alice's QR code: match = {}",
        bob_view
            .scannable()
            .compare(&alice_view.scannable().serialize())?
    );

    step("Carol joins: Alice and Bob each start a 1:1 session with her");
    let carol_addr =
        ProtocolAddress::new("5f2b1c8e-3a4d-4e6f-8a9b-0c1d2e3f4a5b", DeviceId::new(1)?);
    let carol = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 3131,
    };
    let (mut alice_carol, mut carol_alice) =
        connect((&alice, &alice_addr), (&carol, &carol_addr), now, &mut rng)?;
    let (mut bob_carol, mut carol_bob) =
        connect((&bob, &bob_addr), (&carol, &carol_addr), now, &mut rng)?;
    println!("    sessions: Alice-Carol and Bob-Carol established (PQXDH + SPQR each)");

    step("Each member sends its sender key to the others, inside 1:1 messages");
    let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse()?;
    let (mut alice_key, mut bob_key, mut carol_key) = (
        SenderKeyRecord::new(),
        SenderKeyRecord::new(),
        SenderKeyRecord::new(),
    );
    // Each member's view of each other member's sender key.
    let mut bob_has_alice = SenderKeyRecord::new();
    let mut carol_has_alice = SenderKeyRecord::new();
    let mut alice_has_carol = SenderKeyRecord::new();
    let mut bob_has_carol = SenderKeyRecord::new();
    let mut alice_has_bob = SenderKeyRecord::new();
    let mut carol_has_bob = SenderKeyRecord::new();
    let skdm = create_distribution_message(&mut alice_key, group, &mut rng)?;
    deliver_sender_key(
        &skdm,
        &mut alice_record,
        &mut bob_record,
        (&alice_addr, &bob_addr),
        &bob,
        &mut bob_has_alice,
        now,
        &mut rng,
    )?;
    deliver_sender_key(
        &skdm,
        &mut alice_carol,
        &mut carol_alice,
        (&alice_addr, &carol_addr),
        &carol,
        &mut carol_has_alice,
        now,
        &mut rng,
    )?;
    let skdm = create_distribution_message(&mut bob_key, group, &mut rng)?;
    deliver_sender_key(
        &skdm,
        &mut bob_record,
        &mut alice_record,
        (&bob_addr, &alice_addr),
        &alice,
        &mut alice_has_bob,
        now,
        &mut rng,
    )?;
    deliver_sender_key(
        &skdm,
        &mut bob_carol,
        &mut carol_bob,
        (&bob_addr, &carol_addr),
        &carol,
        &mut carol_has_bob,
        now,
        &mut rng,
    )?;
    let skdm = create_distribution_message(&mut carol_key, group, &mut rng)?;
    deliver_sender_key(
        &skdm,
        &mut carol_alice,
        &mut alice_carol,
        (&carol_addr, &alice_addr),
        &alice,
        &mut alice_has_carol,
        now,
        &mut rng,
    )?;
    deliver_sender_key(
        &skdm,
        &mut carol_bob,
        &mut bob_carol,
        (&carol_addr, &bob_addr),
        &bob,
        &mut bob_has_carol,
        now,
        &mut rng,
    )?;
    println!(
        "    6 distribution messages delivered (chain ids: Alice {:?}, Bob {:?}, Carol {:?})",
        alice_key.chain_ids(),
        bob_key.chain_ids(),
        carol_key.chain_ids()
    );

    step("Group chat: each message is encrypted once and read by everyone");
    let a1 = group_encrypt(&mut alice_key, group, b"Welcome, Carol!", &mut rng)?;
    let a2 = group_encrypt(&mut alice_key, group, b"Lunch at noon?", &mut rng)?;
    println!(
        "    Alice -> group: SenderKeyMessage, {} bytes, iteration {}",
        a1.serialized().len(),
        a1.iteration()
    );
    println!(
        "    Bob reads:   {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut bob_has_alice, a1.serialized())?)
    );
    println!("    Carol gets them out of order:");
    println!(
        "    Carol reads: {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut carol_has_alice, a2.serialized())?)
    );
    println!(
        "    Carol reads: {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut carol_has_alice, a1.serialized())?)
    );
    println!(
        "    Bob reads:   {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut bob_has_alice, a2.serialized())?)
    );
    let c1 = group_encrypt(&mut carol_key, group, b"Thanks! Noon works.", &mut rng)?;
    println!(
        "    Carol -> group; Alice reads {:?}, Bob reads {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut alice_has_carol, c1.serialized())?),
        String::from_utf8_lossy(&group_decrypt(&mut bob_has_carol, c1.serialized())?)
    );
    let b1 = group_encrypt(&mut bob_key, group, b"See you there.", &mut rng)?;
    println!(
        "    Bob -> group; Alice reads {:?}, Carol reads {:?}",
        String::from_utf8_lossy(&group_decrypt(&mut alice_has_bob, b1.serialized())?),
        String::from_utf8_lossy(&group_decrypt(&mut carol_has_bob, b1.serialized())?)
    );
    let before = carol_has_alice.to_state();
    match group_decrypt(&mut carol_has_alice, a1.serialized()) {
        Err(e @ GroupDecryptError::DuplicatedMessage { .. }) => println!(
            "    a replayed group message: {e}; Carol's record unchanged: {}",
            *before == *carol_has_alice.to_state()
        ),
        other => return Err(format!("replay was not detected: {other:?}").into()),
    }

    step("Sealed sender: the service issues Bob a sender certificate");
    let trust_root = KeyPair::generate(&mut rng);
    let server_key = KeyPair::generate(&mut rng);
    let server =
        ServerCertificate::new(1, &server_key.public_key, &trust_root.private_key, &mut rng);
    let expires = Timestamp::from_millis(now.as_millis() + 24 * 3600 * 1000);
    let bob_sender = Sender {
        uuid: bob_addr.name().into(),
        e164: None,
        device_id: bob_addr.device_id(),
        identity_key: *bob.key_pair.identity_key(),
    };
    let certificate = SenderCertificate::new(
        bob_sender,
        expires,
        Signer::Embedded(server),
        &server_key.private_key,
        &mut rng,
    );
    println!(
        "    certificate for {} device {}, valid until {} ms",
        certificate.sender_uuid(),
        certificate.sender_device_id(),
        certificate.expiration().as_millis()
    );

    step("v1: Bob seals a 1:1 message to Alice; the server cannot see who sent it");
    let inner = bob_record.encrypt(b"sealed hello", to_alice, now, &mut rng)?;
    let content = UnidentifiedSenderMessageContent::from_message(
        &inner,
        certificate.clone(),
        ContentHint::Resendable,
        None,
    );
    let sealed = seal_v1(
        alice.key_pair.identity_key(),
        &content,
        &bob.key_pair,
        &mut rng,
    )?;
    println!(
        "    sealed v1 message: {} bytes, first byte {:#04x}",
        sealed.len(),
        sealed[0]
    );
    let me = LocalAccount {
        address: &alice_addr,
        e164: None,
    };
    let verified = receive(&sealed, &alice.key_pair, &[trust_root.public_key], now, me)?;
    println!(
        "    Alice unseals: sender {} (certificate valid)",
        verified.sender_address()
    );
    // Two phases: the session that decrypts must be the certificate's
    // identity (hush checks), and Alice checks it is the one she trusts.
    let pending = verified.decrypt_pending(
        &mut alice_record,
        &alice,
        &alice_addr,
        PreKeys::default(),
        &mut rng,
    )?;
    if pending.remote_identity() != bob.key_pair.identity_key() {
        return Err("untrusted sender".into());
    }
    let out = pending.commit();
    println!(
        "    Alice reads: {:?}",
        String::from_utf8_lossy(&out.plaintext)
    );
    let tomorrow = Timestamp::from_millis(expires.as_millis() + 1);
    println!(
        "    the same message after the certificate expires: {}",
        match receive(
            &sealed,
            &alice.key_pair,
            &[trust_root.public_key],
            tomorrow,
            me
        ) {
            Err(e) => format!("refused ({e})"),
            Ok(_) => return Err("an expired certificate was accepted".into()),
        }
    );

    step("v2: Bob sends one sealed group message to Alice and Carol");
    let group_message =
        group_encrypt(&mut bob_key, group, b"Sealed to the whole group.", &mut rng)?;
    let content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::SenderKey,
        certificate,
        group_message.serialized().to_vec(),
        ContentHint::Resendable,
        Some(b"lunch-group".to_vec()),
    );
    let recipients =
        recipients_from_sessions(&[(&alice_addr, &bob_record), (&carol_addr, &bob_carol)])?;
    let uploaded = seal_v2(&recipients, &[], &content, &bob.key_pair, &mut rng)?;
    println!(
        "    Bob uploads one SentMessage of {} bytes for {} recipients",
        uploaded.len(),
        recipients.len()
    );
    let sent = SentMessage::parse(&uploaded)?;
    for (recipient, delivered) in sent.fan_out() {
        let (name, local, address, record) =
            if recipient.service_id().to_string() == alice_addr.name() {
                ("Alice", &alice, &alice_addr, &mut alice_has_bob)
            } else {
                ("Carol", &carol, &carol_addr, &mut carol_has_bob)
            };
        let verified = receive(
            &delivered,
            &local.key_pair,
            &[trust_root.public_key],
            now,
            LocalAccount {
                address,
                e164: None,
            },
        )?;
        let text = group_decrypt(record, verified.contents())?;
        println!(
            "    server delivers {} bytes to {name}; sender {}, group {:?}: {:?}",
            delivered.len(),
            verified.sender_address(),
            verified.group_id().map(String::from_utf8_lossy),
            String::from_utf8_lossy(&text)
        );
    }
    println!("\nDone.");
    Ok(())
}

/// A full first contact between two devices: B publishes pre-keys, A
/// initiates from the bundle and sends, B decrypts and replies, A reads the
/// reply. Returns (A's record, B's record), both acknowledged.
fn connect(
    (a, a_addr): (&LocalIdentity, &ProtocolAddress),
    (b, b_addr): (&LocalIdentity, &ProtocolAddress),
    now: Timestamp,
    rng: &mut impl rand::CryptoRng,
) -> Result<(SessionRecord, SessionRecord), Box<dyn std::error::Error>> {
    let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &b.key_pair, rng);
    let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &b.key_pair, rng);
    let bundle = PreKeyBundle::from_records(
        b.registration_id,
        b_addr.device_id(),
        *b.key_pair.identity_key(),
        &signed,
        &kyber,
        None,
    );
    let mut a_record = SessionRecord::new();
    a_record.initiate(&bundle.verify()?, a, now, rng)?;
    let to_b = Addresses {
        local: a_addr,
        remote: b_addr,
    };
    let to_a = Addresses {
        local: b_addr,
        remote: a_addr,
    };
    let CiphertextMessage::PreKey(hello) = a_record.encrypt(b"hello", to_b, now, rng)? else {
        return Err("expected a PreKey message".into());
    };
    let mut b_record = SessionRecord::new();
    b_record.decrypt_prekey(
        &hello,
        b,
        PreKeys {
            signed: Some(&signed),
            kyber: Some(&kyber),
            one_time: None,
        },
        to_a,
        rng,
    )?;
    let reply = b_record.encrypt(b"hi", to_a, now, rng)?;
    decrypt(&mut a_record, a, &reply, to_b, rng)?;
    Ok((a_record, b_record))
}

/// Sends a sender-key distribution message over a 1:1 session and processes
/// it into the receiver's record for (sender, group).
#[allow(clippy::too_many_arguments)]
fn deliver_sender_key(
    skdm: &SenderKeyDistributionMessage,
    sender_session: &mut SessionRecord,
    receiver_session: &mut SessionRecord,
    (from, to): (&ProtocolAddress, &ProtocolAddress),
    receiver: &LocalIdentity,
    receiver_record: &mut SenderKeyRecord,
    now: Timestamp,
    rng: &mut impl rand::CryptoRng,
) -> Result<(), Box<dyn std::error::Error>> {
    let envelope = sender_session.encrypt(
        skdm.serialized(),
        Addresses {
            local: from,
            remote: to,
        },
        now,
        rng,
    )?;
    let bytes = decrypt(
        receiver_session,
        receiver,
        &envelope,
        Addresses {
            local: to,
            remote: from,
        },
        rng,
    )?;
    process_distribution_message(
        receiver_record,
        &SenderKeyDistributionMessage::deserialize(&bytes)?,
    );
    Ok(())
}

/// The receive path for a PreKey message that may start a session: decrypt
/// without committing, then check the authenticated sender identity and,
/// when a session would be created, that its last-resort Kyber use is new;
/// only then commit (and remember the use). A refused message changes
/// nothing.
#[allow(clippy::too_many_arguments)]
fn receive_first(
    record: &mut SessionRecord,
    message: &PreKeySignalMessage,
    local: &LocalIdentity,
    pre_keys: PreKeys<'_>,
    addresses: Addresses<'_>,
    trusted: &IdentityKey,
    last_resort_uses: &mut LastResortUses,
    rng: &mut impl rand::CryptoRng,
) -> Result<PreKeyDecryption, Box<dyn std::error::Error>> {
    let pending = record.decrypt_prekey_pending(message, local, pre_keys, addresses, rng)?;
    if pending.remote_identity() != trusted {
        return Err("untrusted identity".into());
    }
    if pending
        .consumed()
        .is_some_and(|c| last_resort_uses.contains(&c.last_resort_use()))
    {
        return Err(
            "reused base key: a replayed first message on a last-resort Kyber pre-key".into(),
        );
    }
    let out = pending.commit();
    if let Some(consumed) = &out.consumed {
        last_resort_uses.insert(consumed.last_resort_use());
    }
    Ok(out)
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
        CiphertextMessage::PreKey(m) => Ok(record
            .decrypt_prekey(m, local, PreKeys::default(), addresses, rng)?
            .plaintext),
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
