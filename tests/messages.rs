//! The malformed-input rules of messages.md §7 and the PreKey processing
//! rejections of session-setup.md §4, each with the error libsignal gives.

mod common;

use common::{rng, Party};
use hush::keys::KeyError;
use hush::messages::{CiphertextMessage, MessageError, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError, PreKeys};

const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

/// A PreKey message from Alice to Bob, and both parties.
fn first_message(seed: u64, one_time: bool) -> (Party, Party, PreKeySignalMessage) {
    let mut r = rng(seed);
    let mut alice = Party::new(ALICE, 1, &mut r);
    let bob = Party::new(BOB, 2, &mut r);
    alice.start_session(bob.bundle(one_time), &mut r);
    let CiphertextMessage::PreKey(m) = alice.encrypt(&bob.address.clone(), b"hi", &mut r) else {
        panic!("expected PreKey")
    };
    (alice, bob, m)
}

#[test]
fn signal_message_parse_errors() {
    let (_, _, m) = first_message(1, true);
    let inner = m.message().serialized().to_vec();
    assert_eq!(
        SignalMessage::deserialize(&inner[..8]).unwrap_err(),
        MessageError::CiphertextMessageTooShort(8)
    );
    let with_version = |v: u8| {
        let mut b = inner.clone();
        b[0] = v;
        b
    };
    assert_eq!(
        SignalMessage::deserialize(&with_version(0x24)).unwrap_err(),
        MessageError::LegacyCiphertextVersion(2)
    );
    assert_eq!(
        SignalMessage::deserialize(&with_version(0x54)).unwrap_err(),
        MessageError::UnrecognizedCiphertextVersion(5)
    );
    // The low nibble is ignored.
    assert!(SignalMessage::deserialize(&with_version(0x40)).is_ok());
    // A version byte and a MAC but no fields: required fields missing.
    assert_eq!(
        SignalMessage::deserialize(&[0x44; 9]).unwrap_err(),
        MessageError::InvalidProtobufEncoding
    );
    // Ratchet key with another type byte: field 1 is `0a 21 05…`.
    let mut bad_key = inner.clone();
    assert_eq!(&bad_key[1..4], &[0x0a, 0x21, 0x05]);
    bad_key[3] = 0x06;
    assert_eq!(
        SignalMessage::deserialize(&bad_key).unwrap_err(),
        MessageError::Key(KeyError::BadKeyType(6))
    );
}

#[test]
fn prekey_message_parse_errors() {
    let (_, _, m) = first_message(2, true);
    let bytes = m.serialized().to_vec();
    assert_eq!(
        PreKeySignalMessage::deserialize(&[]).unwrap_err(),
        MessageError::CiphertextMessageTooShort(0)
    );
    let mut old = bytes.clone();
    old[0] = 0x24;
    assert_eq!(
        PreKeySignalMessage::deserialize(&old).unwrap_err(),
        MessageError::LegacyCiphertextVersion(2)
    );
    assert_eq!(
        PreKeySignalMessage::deserialize(&[0x44]).unwrap_err(),
        MessageError::InvalidProtobufEncoding
    );
    assert_eq!(
        PreKeySignalMessage::deserialize(&[0x44, 0xff, 0xff]).unwrap_err(),
        MessageError::InvalidProtobufEncoding
    );
    // Round trip of the parsed fields.
    let parsed = PreKeySignalMessage::deserialize(&bytes).unwrap();
    assert_eq!(parsed, m);
    assert_eq!(parsed.registration_id(), 1);
    assert_eq!(parsed.kyber_ciphertext().map(<[u8]>::len), Some(1569));
}

#[test]
fn prekey_rejections_change_nothing_and_consume_nothing() {
    let (alice, bob, m) = first_message(3, true);
    let mut r = rng(33);
    let Party {
        address,
        local,
        signed,
        kyber,
        one_time,
        mut record,
    } = bob;
    let addresses = Addresses {
        local: &address,
        remote: &alice.address,
    };
    let all = PreKeys {
        signed: Some(&signed),
        kyber: Some(&kyber),
        one_time: Some(&one_time[0]),
    };
    let before = record.to_state();

    // X3DH: the same message claiming version 3 (its Kyber fields still parse).
    let mut v3 = m.serialized().to_vec();
    v3[0] = 0x34;
    let v3 = PreKeySignalMessage::deserialize(&v3).unwrap();
    assert_eq!(
        record
            .decrypt_prekey(&v3, &local, all, addresses, &mut r)
            .unwrap_err(),
        DecryptError::X3dhNoLongerSupported
    );

    // Missing pre-keys, each reported by ID.
    let e = record
        .decrypt_prekey(
            &m,
            &local,
            PreKeys {
                signed: None,
                ..all
            },
            addresses,
            &mut r,
        )
        .unwrap_err();
    assert_eq!(e, DecryptError::MissingSignedPreKey(m.signed_pre_key_id()));
    let e = record
        .decrypt_prekey(
            &m,
            &local,
            PreKeys { kyber: None, ..all },
            addresses,
            &mut r,
        )
        .unwrap_err();
    assert_eq!(
        e,
        DecryptError::MissingKyberPreKey(m.kyber_pre_key_id().unwrap())
    );
    let e = record
        .decrypt_prekey(
            &m,
            &local,
            PreKeys {
                one_time: Some(&one_time[1]),
                ..all
            },
            addresses,
            &mut r,
        )
        .unwrap_err();
    assert_eq!(e, DecryptError::MissingPreKey(m.pre_key_id().unwrap()));

    // Non-canonical base keys: u = 0, and bit 255 set. Field 2 is `12 21 05…`.
    let at = m
        .serialized()
        .windows(3)
        .position(|w| w == [0x12, 0x21, 0x05])
        .unwrap()
        + 3;
    let mut high_bit = *m.base_key().raw();
    high_bit[31] |= 0x80;
    for (label, patch) in [("u = 0", [0u8; 32]), ("bit 255", high_bit)] {
        let mut bytes = m.serialized().to_vec();
        bytes[at..at + 32].copy_from_slice(&patch);
        let bad = PreKeySignalMessage::deserialize(&bytes).unwrap();
        assert_eq!(
            record
                .decrypt_prekey(&bad, &local, all, addresses, &mut r)
                .unwrap_err(),
            DecryptError::InvalidBaseKey,
            "{label}"
        );
    }

    // A bad Kyber ciphertext length, found while processing (field 8 is last).
    let ct_at = m
        .serialized()
        .windows(3)
        .position(|w| w == [0x42, 0xa1, 0x0c])
        .unwrap();
    let mut short = m.serialized()[..ct_at].to_vec();
    short.extend_from_slice(&[0x42, 0x03, 0x08, 0x00, 0x00]);
    let short = PreKeySignalMessage::deserialize(&short).unwrap();
    assert_eq!(
        record
            .decrypt_prekey(&short, &local, all, addresses, &mut r)
            .unwrap_err(),
        DecryptError::Key(KeyError::BadKemCiphertextLength(3))
    );

    assert_eq!(
        *before,
        *record.to_state(),
        "a rejected PreKey message changed the record"
    );
    // The genuine message still works afterwards and reports its pre-keys.
    let out = record
        .decrypt_prekey(&m, &local, all, addresses, &mut r)
        .unwrap();
    assert_eq!(out.plaintext, b"hi");
    assert_eq!(out.consumed.unwrap().one_time, m.pre_key_id());
}

#[test]
fn self_sessions_lift_the_forward_jump_limit() {
    let mut r = rng(4);
    // Two devices of one account: same identity, same service ID.
    let mut phone = Party::new(ALICE, 1, &mut r);
    let mut laptop = Party::new(ALICE, 1, &mut r);
    laptop.local = phone.local.clone();
    laptop.signed = hush::keys::SignedPreKeyRecord::generate(
        hush::keys::SignedPreKeyId(1),
        common::NOW,
        &laptop.local.key_pair,
        &mut r,
    );
    laptop.kyber = hush::keys::KyberPreKeyRecord::generate(
        hush::keys::KyberPreKeyId(1),
        common::NOW,
        &laptop.local.key_pair,
        &mut r,
    );
    laptop.address =
        hush::address::ProtocolAddress::new(ALICE, hush::address::DeviceId::new(2).unwrap());
    phone.start_session(laptop.bundle(true), &mut r);
    let first = phone.encrypt(&laptop.address.clone(), b"first", &mut r);
    laptop
        .decrypt(&phone.address.clone(), &first, &mut r)
        .unwrap();
    for _ in 0..25_001 {
        phone.encrypt(&laptop.address.clone(), b"skipped", &mut r);
    }
    let far = phone.encrypt(&laptop.address.clone(), b"far ahead", &mut r);
    assert_eq!(
        laptop
            .decrypt(&phone.address.clone(), &far, &mut r)
            .unwrap(),
        b"far ahead"
    );

    // The same jump between different accounts is refused.
    let (mut alice, mut bob, _) = first_message(5, true);
    let mut r = rng(55);
    alice.record = hush::session::SessionRecord::new();
    alice.start_session(bob.bundle(true), &mut r);
    let first = alice.encrypt(&bob.address.clone(), b"first", &mut r);
    bob.decrypt(&alice.address.clone(), &first, &mut r).unwrap();
    for _ in 0..25_001 {
        alice.encrypt(&bob.address.clone(), b"skipped", &mut r);
    }
    let far = alice.encrypt(&bob.address.clone(), b"far ahead", &mut r);
    assert!(matches!(
        bob.decrypt(&alice.address.clone(), &far, &mut r),
        Err(DecryptError::DecryptionFailed {
            reason: hush::session::FailureReason::TooFarInFuture,
            ..
        })
    ));
}
