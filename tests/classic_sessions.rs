//! Classic (version 3) session behaviour: conversations, limits, trial
//! decryption, simultaneous initiation, resets, two-phase decryption and
//! failure atomicity, and the wall between version 3 and version 4. The
//! limits are the ones observed with libsignal-protocol-c
//! (classic-v3.md §5.1); interop with the real libraries is in
//! tests/classic_vectors.rs and the interop-v3 matrix.

use hush::address::{ClassicDeviceId, DeviceId, ProtocolAddress};
use hush::classic::*;
use hush::keys::*;
use hush::messages::{CiphertextMessage, MessageError, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError, EncryptError, LocalIdentity, PreKeys, SessionRecord};
use hush::state::StateError;
use rand::rngs::StdRng;
use rand::SeedableRng;

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

struct Party {
    local: LocalIdentity,
    signed: SignedPreKeyRecord,
    one_time: Vec<PreKeyRecord>,
    record: ClassicSessionRecord,
}

impl Party {
    fn new(registration_id: u32, rng: &mut StdRng) -> Self {
        let key_pair = IdentityKeyPair::generate(rng);
        let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &key_pair, rng);
        let one_time = (1..=4)
            .map(|i| PreKeyRecord::generate(PreKeyId(i), rng))
            .collect();
        Self {
            local: LocalIdentity {
                key_pair,
                registration_id,
            },
            signed,
            one_time,
            record: ClassicSessionRecord::new(),
        }
    }

    fn bundle(&self, with_one_time: bool) -> VerifiedClassicPreKeyBundle {
        ClassicPreKeyBundle::from_records(
            self.local.registration_id,
            ClassicDeviceId::new(ClassicDeviceId::MAX).unwrap(),
            *self.local.key_pair.identity_key(),
            &self.signed,
            with_one_time.then(|| &self.one_time[0]),
        )
        .verify()
        .unwrap()
    }

    fn initiate(&mut self, bundle: &VerifiedClassicPreKeyBundle, rng: &mut StdRng) {
        self.record.initiate(bundle, &self.local, NOW, rng).unwrap();
    }

    fn send(&mut self, text: &[u8]) -> ClassicCiphertextMessage {
        let message = self.record.encrypt(text).unwrap();
        assert_eq!(message.serialized()[0], 0x33);
        message
    }

    fn receive(
        &mut self,
        message: &ClassicCiphertextMessage,
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, ClassicDecryptError> {
        match message {
            ClassicCiphertextMessage::Whisper(m) => self.record.decrypt(m, rng),
            ClassicCiphertextMessage::PreKey(m) => {
                let keys = ClassicPreKeys {
                    signed: Some(&self.signed),
                    one_time: m
                        .pre_key_id()
                        .and_then(|id| self.one_time.iter().find(|r| r.id() == id)),
                };
                let result = self.record.decrypt_prekey(m, &self.local, keys, rng)?;
                if let Some(ClassicConsumedPreKeys {
                    one_time: Some(id), ..
                }) = result.consumed
                {
                    self.one_time.retain(|r| r.id() != id);
                }
                Ok(result.plaintext)
            }
        }
    }

    /// Receives and asserts that a failure left the record unchanged.
    fn receive_checked(
        &mut self,
        message: &ClassicCiphertextMessage,
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, ClassicDecryptError> {
        let before = self.record.to_state();
        let result = self.receive(message, rng);
        if result.is_err() {
            assert_eq!(
                *self.record.to_state(),
                *before,
                "a failure changed the record"
            );
        }
        result
    }
}

fn pair(seed: u64) -> (Party, Party, StdRng) {
    let mut rng = StdRng::seed_from_u64(seed);
    let alice = Party::new(1001, &mut rng);
    let bob = Party::new(2002, &mut rng);
    (alice, bob, rng)
}

fn whisper(message: ClassicCiphertextMessage) -> ClassicSignalMessage {
    match message {
        ClassicCiphertextMessage::Whisper(m) => m,
        ClassicCiphertextMessage::PreKey(m) => m.message().clone(),
    }
}

#[test]
fn conversation_with_and_without_one_time_pre_key() {
    for with_one_time in [true, false] {
        let (mut alice, mut bob, mut rng) = pair(1);
        let bundle = bob.bundle(with_one_time);
        alice.initiate(&bundle, &mut rng);
        // Everything is a PreKey message until Alice hears back.
        let first = alice.send(b"one");
        let second = alice.send(b"two");
        assert!(matches!(first, ClassicCiphertextMessage::PreKey(_)));
        let ClassicCiphertextMessage::PreKey(p) = &second else {
            panic!("PreKey expected")
        };
        assert_eq!(p.pre_key_id().is_some(), with_one_time);
        assert_eq!(p.registration_id(), 1001);
        // Delivered in reverse order.
        assert_eq!(bob.receive_checked(&second, &mut rng).unwrap(), b"two");
        assert_eq!(bob.one_time.len(), if with_one_time { 3 } else { 4 });
        assert_eq!(bob.receive_checked(&first, &mut rng).unwrap(), b"one");
        assert_eq!(
            bob.receive_checked(&first, &mut rng),
            Err(ClassicDecryptError::DuplicatedMessage {
                chain_index: 2,
                counter: 0
            })
        );
        assert_eq!(bob.record.remote_registration_id(), Some(1001));
        for turn in 0..6u8 {
            let replies: Vec<_> = (0..3u8).map(|i| bob.send(&[turn, i])).collect();
            assert!(replies
                .iter()
                .all(|m| matches!(m, ClassicCiphertextMessage::Whisper(_))));
            for i in [2usize, 0, 1] {
                assert_eq!(
                    alice.receive_checked(&replies[i], &mut rng).unwrap(),
                    [turn, i as u8]
                );
            }
            assert!(!alice.record.is_unacknowledged());
            let back = alice.send(&[b'a', turn]);
            assert!(matches!(back, ClassicCiphertextMessage::Whisper(_)));
            assert_eq!(bob.receive_checked(&back, &mut rng).unwrap(), [b'a', turn]);
        }
        // Both records survive storage mid-conversation.
        for party in [&alice, &bob] {
            let saved = party.record.to_state();
            let loaded = ClassicSessionRecord::from_state(&saved).unwrap();
            assert_eq!(*loaded.to_state(), *saved);
        }
    }
}

#[test]
fn forward_jump_and_skipped_key_limits_match_libsignal_protocol_c() {
    let (mut alice, mut bob, mut rng) = pair(2);
    alice.initiate(&bob.bundle(true), &mut rng);
    let sent: Vec<_> = (0..=2_500u32)
        .map(|i| alice.send(&i.to_be_bytes()))
        .collect();
    // Counter 2001 on a fresh chain is refused; nothing is stored and the
    // one-time pre-key is not consumed.
    assert!(matches!(
        bob.receive_checked(&sent[2001], &mut rng),
        Err(ClassicDecryptError::DecryptionFailed {
            reason: hush::session::FailureReason::TooFarInFuture,
            ..
        })
    ));
    assert!(!bob.record.has_current_state());
    assert_eq!(bob.one_time.len(), 4);
    // 2000 is accepted (2 000 skipped keys), then 2500 (499 more): the
    // oldest 499 are dropped, as libsignal-protocol-c does (classic-v3.md
    // §5.1: counters 0..=498 duplicate, 499 and above decrypt).
    assert_eq!(
        bob.receive_checked(&sent[2000], &mut rng).unwrap(),
        2000u32.to_be_bytes()
    );
    assert_eq!(
        bob.receive_checked(&sent[2500], &mut rng).unwrap(),
        2500u32.to_be_bytes()
    );
    for i in [0usize, 1, 498] {
        assert!(
            matches!(
                bob.receive_checked(&sent[i], &mut rng),
                Err(ClassicDecryptError::DuplicatedMessage { .. })
            ),
            "counter {i}"
        );
    }
    for i in [499usize, 1999, 2001, 2499] {
        assert_eq!(
            bob.receive_checked(&sent[i], &mut rng).unwrap(),
            (i as u32).to_be_bytes(),
            "counter {i}"
        );
    }
    // On an existing chain the limit is relative to its next counter.
    let more: Vec<_> = (2_501..=4_502u32)
        .map(|i| alice.send(&i.to_be_bytes()))
        .collect();
    let at = |counter: u32| &more[(counter - 2_501) as usize];
    assert!(matches!(
        bob.receive_checked(at(4_502), &mut rng),
        Err(ClassicDecryptError::DecryptionFailed { .. })
    ));
    assert_eq!(
        bob.receive_checked(at(4_501), &mut rng).unwrap(),
        4_501u32.to_be_bytes()
    );
}

/// A version-4 setup for the cross-version tests.
struct V4 {
    alice: LocalIdentity,
    bob: LocalIdentity,
    alice_addr: ProtocolAddress,
    bob_addr: ProtocolAddress,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    alice_record: SessionRecord,
    bob_record: SessionRecord,
}

impl V4 {
    fn new(rng: &mut StdRng) -> Self {
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
        Self {
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
            alice_record: SessionRecord::new(),
            bob_record: SessionRecord::new(),
        }
    }
}

#[test]
fn version_3_and_version_4_never_mix() {
    let mut rng = StdRng::seed_from_u64(6);
    // A classic conversation, and a version-4 one between other parties.
    let (mut alice, mut bob, _) = pair(7);
    alice.initiate(&bob.bundle(true), &mut rng);
    let v3_prekey = alice.send(b"v3 first");
    bob.receive(&v3_prekey, &mut rng).unwrap();
    let v3_whisper = bob.send(b"v3 reply");

    let mut v4 = V4::new(&mut rng);
    let bundle = PreKeyBundle::from_records(
        2,
        v4.bob_addr.device_id(),
        *v4.bob.key_pair.identity_key(),
        &v4.signed,
        &v4.kyber,
        None,
    );
    v4.alice_record
        .initiate(&bundle.verify().unwrap(), &v4.alice, NOW, &mut rng)
        .unwrap();
    let to_bob = Addresses {
        local: &v4.alice_addr,
        remote: &v4.bob_addr,
    };
    let to_alice = Addresses {
        local: &v4.bob_addr,
        remote: &v4.alice_addr,
    };
    let CiphertextMessage::PreKey(v4_prekey) = v4
        .alice_record
        .encrypt(b"v4", to_bob, NOW, &mut rng)
        .unwrap()
    else {
        panic!("PreKey expected")
    };
    let keys = PreKeys {
        signed: Some(&v4.signed),
        kyber: Some(&v4.kyber),
        one_time: None,
    };
    v4.bob_record
        .decrypt_prekey(&v4_prekey, &v4.bob, keys, to_alice, &mut rng)
        .unwrap();
    let CiphertextMessage::Whisper(v4_whisper) = v4
        .bob_record
        .encrypt(b"v4 reply", to_alice, NOW, &mut rng)
        .unwrap()
    else {
        panic!("Whisper expected")
    };

    // Version-4 bytes never parse as classic messages.
    assert_eq!(
        ClassicSignalMessage::deserialize(v4_whisper.serialized()),
        Err(MessageError::UnrecognizedCiphertextVersion(4))
    );
    assert_eq!(
        ClassicPreKeySignalMessage::deserialize(v4_prekey.serialized()),
        Err(MessageError::UnrecognizedCiphertextVersion(4))
    );
    assert_eq!(
        ClassicSignalMessage::deserialize(v4_prekey.message().serialized()),
        Err(MessageError::UnrecognizedCiphertextVersion(4))
    );

    // Classic bytes parse as version-4 types (libsignal's parser reads
    // version 3), but a version-4 record refuses them and stays unchanged.
    let before = v4.bob_record.to_state();
    let as_v4 = PreKeySignalMessage::deserialize(v3_prekey.serialized()).unwrap();
    let keys = PreKeys {
        signed: Some(&v4.signed),
        kyber: Some(&v4.kyber),
        one_time: None,
    };
    assert_eq!(
        v4.bob_record
            .decrypt_prekey(&as_v4, &v4.bob, keys, to_alice, &mut rng)
            .unwrap_err(),
        DecryptError::X3dhNoLongerSupported
    );
    let as_v4 = SignalMessage::deserialize(v3_whisper.serialized()).unwrap();
    assert!(v4.alice_record.decrypt(&as_v4, to_bob, &mut rng).is_err());
    assert!(v4.bob_record.decrypt(&as_v4, to_alice, &mut rng).is_err());
    assert_eq!(*v4.bob_record.to_state(), *before);

    // Records do not load as each other's kind.
    assert!(matches!(
        ClassicSessionRecord::from_state(&v4.bob_record.to_state()),
        Err(StateError::WrongKind { .. })
    ));
    assert!(matches!(
        SessionRecord::from_state(&bob.record.to_state()),
        Err(StateError::WrongKind { .. })
    ));

    // Both conversations go on unaffected.
    assert_eq!(alice.receive(&v3_whisper, &mut rng).unwrap(), b"v3 reply");
    assert_eq!(
        v4.alice_record
            .decrypt(&v4_whisper, to_bob, &mut rng)
            .unwrap(),
        b"v4 reply"
    );
    // A classic session keeps writing 0x33 after the handshake.
    assert_eq!(alice.send(b"more").serialized()[0], 0x33);
}

#[test]
fn libsignal_version_byte_0x34_is_read_and_authenticated() {
    let (mut alice, mut bob, mut rng) = pair(8);
    alice.initiate(&bob.bundle(true), &mut rng);
    let first = alice.send(b"hi");
    bob.receive(&first, &mut rng).unwrap();
    let reply = bob.send(b"reply");
    let mut bytes = reply.serialized().to_vec();
    bytes[0] = 0x34;
    // Parses (the low nibble is ignored) but the version byte is MACed.
    let altered = ClassicSignalMessage::deserialize(&bytes).unwrap();
    let before = alice.record.to_state();
    assert!(alice.record.decrypt(&altered, &mut rng).is_err());
    assert_eq!(*alice.record.to_state(), *before);
    for (byte, error) in [
        (0x23, MessageError::LegacyCiphertextVersion(2)),
        (0x43, MessageError::UnrecognizedCiphertextVersion(4)),
    ] {
        bytes[0] = byte;
        assert_eq!(ClassicSignalMessage::deserialize(&bytes), Err(error));
    }
    assert_eq!(alice.receive(&reply, &mut rng).unwrap(), b"reply");
}

#[test]
fn two_phase_decryption_commits_or_leaves_the_record_unchanged() {
    let (mut alice, mut bob, mut rng) = pair(9);
    alice.initiate(&bob.bundle(true), &mut rng);
    let ClassicCiphertextMessage::PreKey(first) = alice.send(b"first") else {
        panic!("PreKey expected")
    };
    let keys = ClassicPreKeys {
        signed: Some(&bob.signed),
        one_time: Some(&bob.one_time[0]),
    };
    let empty = bob.record.to_state();
    {
        let pending = bob
            .record
            .decrypt_prekey_pending(&first, &bob.local, keys, &mut rng)
            .unwrap();
        assert_eq!(
            pending.remote_identity(),
            alice.local.key_pair.identity_key()
        );
        assert_eq!(pending.plaintext(), b"first");
        let consumed = pending.consumed().unwrap();
        assert_eq!(consumed.one_time, Some(PreKeyId(1)));
        assert_eq!(consumed.signed, SignedPreKeyId(1));
        assert_eq!(&consumed.base_key, first.base_key());
        // Dropped: not trusted.
    }
    assert_eq!(*bob.record.to_state(), *empty);
    let done = bob
        .record
        .decrypt_prekey_pending(&first, &bob.local, keys, &mut rng)
        .unwrap()
        .commit();
    assert_eq!(done.plaintext, b"first");
    assert!(bob.record.has_current_state());

    let ClassicCiphertextMessage::Whisper(reply) = bob.send(b"reply") else {
        panic!("Whisper expected")
    };
    let before = alice.record.to_state();
    {
        let pending = alice.record.decrypt_pending(&reply, &mut rng).unwrap();
        assert_eq!(pending.remote_identity(), bob.local.key_pair.identity_key());
        assert!(!pending.promotes_archived_state());
        assert!(format!("{pending:?}").contains("redacted"));
    }
    assert_eq!(*alice.record.to_state(), *before);
    assert!(alice.record.is_unacknowledged());
    assert_eq!(
        alice
            .record
            .decrypt_pending(&reply, &mut rng)
            .unwrap()
            .commit(),
        b"reply"
    );
    assert!(!alice.record.is_unacknowledged());
}

/// Replaces the sender identity inside a PreKey message (same length, so
/// the protobuf stays valid).
fn with_identity(
    message: &ClassicPreKeySignalMessage,
    identity: &IdentityKey,
) -> ClassicPreKeySignalMessage {
    let old = message.identity_key().serialize();
    let mut bytes = message.serialized().to_vec();
    let at = bytes.windows(33).position(|w| w == old).unwrap();
    bytes[at..at + 33].copy_from_slice(&identity.serialize());
    ClassicPreKeySignalMessage::deserialize(&bytes).unwrap()
}

#[test]
fn a_resumed_session_keeps_its_identity_and_failed_macs_store_nothing() {
    let (mut alice, mut bob, mut rng) = pair(10);
    let mallory = IdentityKeyPair::generate(&mut rng);
    alice.initiate(&bob.bundle(true), &mut rng);
    let ClassicCiphertextMessage::PreKey(first) = alice.send(b"one") else {
        panic!("PreKey expected")
    };
    let ClassicCiphertextMessage::PreKey(second) = alice.send(b"two") else {
        panic!("PreKey expected")
    };
    // Before the session exists, a swapped identity changes the X3DH
    // secret: the MAC fails, nothing is stored, no pre-key is consumed.
    let forged = with_identity(&first, mallory.identity_key());
    let forged = ClassicCiphertextMessage::PreKey(forged);
    assert!(matches!(
        bob.receive_checked(&forged, &mut rng),
        Err(ClassicDecryptError::DecryptionFailed { .. })
    ));
    assert!(!bob.record.has_current_state());
    assert_eq!(bob.one_time.len(), 4);
    bob.receive_checked(&ClassicCiphertextMessage::PreKey(first), &mut rng)
        .unwrap();
    // Resuming the session with another identity is refused outright.
    let forged = ClassicCiphertextMessage::PreKey(with_identity(&second, mallory.identity_key()));
    assert_eq!(
        bob.receive_checked(&forged, &mut rng),
        Err(ClassicDecryptError::IdentityMismatch)
    );
    assert_eq!(
        bob.receive_checked(&ClassicCiphertextMessage::PreKey(second), &mut rng)
            .unwrap(),
        b"two"
    );
    assert_eq!(
        bob.record.remote_identity(),
        Some(alice.local.key_pair.identity_key())
    );
}

#[test]
fn tampered_messages_fail_without_changing_anything() {
    let (mut alice, mut bob, mut rng) = pair(11);
    alice.initiate(&bob.bundle(true), &mut rng);
    let first = alice.send(b"first");
    let mut bytes = first.serialized().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1; // inner MAC
    let tampered =
        ClassicCiphertextMessage::PreKey(ClassicPreKeySignalMessage::deserialize(&bytes).unwrap());
    assert!(bob.receive_checked(&tampered, &mut rng).is_err());
    assert_eq!(bob.one_time.len(), 4);
    bob.receive_checked(&first, &mut rng).unwrap();
    let reply = bob.send(b"reply");
    let len = reply.serialized().len();
    for position in [len - 1, len - 9, 40] {
        let mut bytes = reply.serialized().to_vec();
        bytes[position] ^= 0x10;
        if let Ok(m) = ClassicSignalMessage::deserialize(&bytes) {
            let before = alice.record.to_state();
            assert!(alice.record.decrypt(&m, &mut rng).is_err());
            assert_eq!(*alice.record.to_state(), *before);
        }
    }
    assert_eq!(alice.receive_checked(&reply, &mut rng).unwrap(), b"reply");
}

#[test]
fn five_receiving_chains_and_forty_archived_states() {
    let (mut alice, mut bob, mut rng) = pair(12);
    alice.initiate(&bob.bundle(true), &mut rng);
    bob.receive(&alice.send(b"hi"), &mut rng).unwrap();
    // One message per Bob chain, held back by the network.
    let mut held = Vec::new();
    for turn in 0..6u8 {
        held.push(bob.send(&[turn]));
        let kick = bob.send(b"kick");
        alice.receive(&kick, &mut rng).unwrap();
        bob.receive(&alice.send(b"ack"), &mut rng).unwrap();
    }
    // Alice keeps the newest 5 receiving chains: the first chain is gone.
    assert!(alice.receive_checked(&held[0], &mut rng).is_err());
    for (turn, message) in held.iter().enumerate().skip(1) {
        assert_eq!(
            alice.receive_checked(message, &mut rng).unwrap(),
            [turn as u8]
        );
    }
    // Every initiate archives the former state; at most 40 are kept.
    for _ in 0..45 {
        alice.initiate(&bob.bundle(false), &mut rng);
    }
    assert_eq!(alice.record.archived_count(), CLASSIC_ARCHIVED_STATES_MAX);
    let saved = alice.record.to_state();
    assert_eq!(
        *ClassicSessionRecord::from_state(&saved).unwrap().to_state(),
        *saved
    );
}

#[test]
fn simultaneous_initiation_converges() {
    let (mut alice, mut bob, mut rng) = pair(13);
    let to_bob = bob.bundle(true);
    let to_alice = alice.bundle(true);
    alice.initiate(&to_bob, &mut rng);
    bob.initiate(&to_alice, &mut rng);
    let from_alice = alice.send(b"from alice");
    let from_bob = bob.send(b"from bob");
    assert_eq!(
        bob.receive_checked(&from_alice, &mut rng).unwrap(),
        b"from alice"
    );
    assert_eq!(
        alice.receive_checked(&from_bob, &mut rng).unwrap(),
        b"from bob"
    );
    assert_eq!(alice.record.archived_count(), 1);
    assert_eq!(bob.record.archived_count(), 1);
    // Each side now sends on the session the other one started; trial
    // decryption finds it in the archive and promotes it.
    for round in 0..3u8 {
        let a = alice.send(&[b'a', round]);
        assert_eq!(bob.receive_checked(&a, &mut rng).unwrap(), [b'a', round]);
        let b = bob.send(&[b'b', round]);
        assert_eq!(alice.receive_checked(&b, &mut rng).unwrap(), [b'b', round]);
    }
    assert_eq!(alice.record.alice_base_key(), bob.record.alice_base_key());
    assert!(!alice.record.is_unacknowledged() && !bob.record.is_unacknowledged());
}

#[test]
fn session_reset_with_a_message_in_flight() {
    let (mut alice, mut bob, mut rng) = pair(14);
    alice.initiate(&bob.bundle(true), &mut rng);
    bob.receive(&alice.send(b"hi"), &mut rng).unwrap();
    alice.receive(&bob.send(b"hello"), &mut rng).unwrap();
    let in_flight = alice.send(b"old session");
    // Alice resets: no current state, encrypting fails until a new start.
    assert!(alice.record.archive_current_state());
    assert_eq!(
        alice.record.encrypt(b"x").unwrap_err(),
        EncryptError::SessionNotFound
    );
    let bundle = ClassicPreKeyBundle::from_records(
        2002,
        ClassicDeviceId::new(7).unwrap(),
        *bob.local.key_pair.identity_key(),
        &bob.signed,
        Some(&bob.one_time[0]),
    )
    .verify()
    .unwrap();
    alice.initiate(&bundle, &mut rng);
    let fresh = alice.send(b"new session");
    assert!(matches!(fresh, ClassicCiphertextMessage::PreKey(_)));
    assert_eq!(
        bob.receive_checked(&fresh, &mut rng).unwrap(),
        b"new session"
    );
    assert_eq!(bob.record.archived_count(), 1);
    // The late message decrypts on the archived state, which becomes current
    // again; the new session is then promoted back by its next message.
    assert_eq!(
        bob.receive_checked(&in_flight, &mut rng).unwrap(),
        b"old session"
    );
    let reply = bob.send(b"on which?");
    assert_eq!(
        alice.receive_checked(&reply, &mut rng).unwrap(),
        b"on which?"
    );
    let next = alice.send(b"new again");
    assert_eq!(bob.receive_checked(&next, &mut rng).unwrap(), b"new again");
}

#[test]
fn skipped_keys_survive_export_to_libsignal_protocol_c_layout() {
    let (mut alice, mut bob, mut rng) = pair(15);
    alice.initiate(&bob.bundle(true), &mut rng);
    bob.receive(&alice.send(b"hi"), &mut rng).unwrap();
    let held: Vec<_> = (0..5u8).map(|i| bob.send(&[i])).collect();
    alice.receive(&held[4], &mut rng).unwrap();
    // Seeds leave as derived keys and come back as such.
    let exported = alice.record.to_lspc();
    let mut imported = ClassicSessionRecord::from_lspc(&exported, NOW).unwrap();
    assert_eq!(*imported.to_lspc(), *exported);
    for i in [2usize, 0, 3, 1] {
        assert_eq!(
            imported
                .decrypt(&whisper(held[i].clone()), &mut rng)
                .unwrap(),
            [i as u8]
        );
    }
    assert!(matches!(
        imported.decrypt(&whisper(held[1].clone()), &mut rng),
        Err(ClassicDecryptError::DuplicatedMessage { .. })
    ));
    // And in hush's own form the imported derived keys are kept too.
    let mut again = ClassicSessionRecord::from_lspc(&exported, NOW).unwrap();
    let mut reloaded = ClassicSessionRecord::from_state(&again.to_state()).unwrap();
    assert_eq!(
        reloaded
            .decrypt(&whisper(held[3].clone()), &mut rng)
            .unwrap(),
        [3]
    );
    assert_eq!(
        again.decrypt(&whisper(held[3].clone()), &mut rng).unwrap(),
        [3]
    );
}

#[test]
fn an_archived_state_with_a_known_chain_is_tried_first() {
    let (mut alice, mut bob, mut rng) = pair(16);
    alice.initiate(&bob.bundle(true), &mut rng);
    bob.receive(&alice.send(b"hi"), &mut rng).unwrap();
    // Bob sends 1 500 messages, Alice gets only the first.
    let burst: Vec<_> = (0..1_500u32).map(|i| bob.send(&i.to_be_bytes())).collect();
    alice.receive(&burst[0], &mut rng).unwrap();
    // Alice restarts 40 times (say, other devices' bundles): the session
    // with Bob is now the oldest archived state.
    for _ in 0..39 {
        alice.initiate(&bob.bundle(false), &mut rng);
    }
    assert_eq!(alice.record.archived_count(), 39);
    let pending = alice
        .record
        .decrypt_pending(&whisper(burst[1_499].clone()), &mut rng)
        .unwrap();
    assert!(pending.promotes_archived_state());
    assert_eq!(pending.commit(), 1_499u32.to_be_bytes());
    // A forged message (unknown ratchet key, counter 2 000) tries every
    // state within the shared walk budget and changes nothing.
    let mut eve = Party::new(1, &mut rng);
    eve.initiate(&bob.bundle(false), &mut rng);
    let forged: Vec<_> = (0..=2_000u32).map(|i| eve.send(&i.to_be_bytes())).collect();
    let before = alice.record.to_state();
    assert!(matches!(
        alice
            .record
            .decrypt(&whisper(forged[2_000].clone()), &mut rng),
        Err(ClassicDecryptError::DecryptionFailed { .. })
    ));
    assert_eq!(*alice.record.to_state(), *before);
}

#[test]
fn debug_output_shows_no_secrets() {
    let (mut alice, mut bob, mut rng) = pair(17);
    alice.initiate(&bob.bundle(true), &mut rng);
    bob.receive(&alice.send(b"hi"), &mut rng).unwrap();
    let held = bob.send(b"held");
    alice.receive(&bob.send(b"reply"), &mut rng).unwrap();
    // A record with an imported derived-form skipped key.
    let imported = ClassicSessionRecord::from_lspc(&alice.record.to_lspc(), NOW).unwrap();
    let exported = imported.to_lspc();
    let text = format!("{imported:?} {:?}", alice.record);
    // No 32-byte secret of the stored record (root, chain and skipped keys,
    // the private ratchet key: the length-32 bytes fields, public keys
    // being 33 bytes) appears in the Debug text, as bytes or as hex.
    let mut secrets = 0;
    for i in 2..exported.len().saturating_sub(32) {
        if exported[i - 1] == 0x20 && [0x12, 0x1a, 0x22].contains(&exported[i - 2]) {
            let secret = &exported[i..i + 32];
            assert!(!text.contains(&hex::encode(secret)));
            assert!(!text.contains(&format!("{secret:?}")[1..40]));
            secrets += 1;
        }
    }
    assert!(secrets >= 6, "{secrets}");
    assert!(text.contains("redacted") || text.contains(".."));
    let mut group = ClassicSenderKeyRecord::new();
    let distribution = group.create_distribution_message(&mut rng).unwrap();
    let text = format!("{group:?} {distribution:?}");
    assert!(!text.contains(&hex::encode(distribution.chain_key())));
    assert!(!text.contains(&format!("{:?}", distribution.chain_key())[1..40]));
    let _ = held;
}
