//! Two hush parties holding 1:1 conversations: PQXDH both ways, the Double
//! Ratchet, out-of-order delivery, limits, and failure atomicity.

mod common;

use common::{rng, Party, NOW};
use hush::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage,
};
use hush::session::{Addresses, DecryptError, FailureReason, SessionRecord};

const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

fn pair(seed: u64) -> (Party, Party, rand::rngs::StdRng) {
    let mut r = rng(seed);
    let alice = Party::new(ALICE, 1111, &mut r);
    let bob = Party::new(BOB, 2222, &mut r);
    (alice, bob, r)
}

#[test]
fn first_contact_then_ratchet_both_ways() {
    let (mut alice, mut bob, mut r) = pair(1);
    alice.start_session(bob.bundle(true), &mut r);
    let m1 = alice.encrypt(&bob.address.clone(), b"hello bob", &mut r);
    let m2 = alice.encrypt(&bob.address.clone(), b"again", &mut r);
    assert_eq!(m1.message_type(), CiphertextMessageType::PreKey);
    assert_eq!(m2.message_type(), CiphertextMessageType::PreKey);
    assert_eq!(
        bob.decrypt(&alice.address.clone(), &m1, &mut r).unwrap(),
        b"hello bob"
    );
    assert_eq!(
        bob.one_time.len(),
        2,
        "the one-time pre-key is consumed once decryption succeeds"
    );
    assert_eq!(bob.record.remote_registration_id(), Some(1111));
    assert_eq!(alice.record.remote_registration_id(), Some(2222));
    assert_eq!(
        bob.decrypt(&alice.address.clone(), &m2, &mut r).unwrap(),
        b"again"
    );
    let reply = bob.encrypt(&alice.address.clone(), b"hi alice", &mut r);
    assert_eq!(reply.message_type(), CiphertextMessageType::Whisper);
    assert_eq!(
        alice.decrypt(&bob.address.clone(), &reply, &mut r).unwrap(),
        b"hi alice"
    );
    assert!(!alice.record.is_unacknowledged());
    for turn in 0..20u32 {
        let (from, to) = if turn % 2 == 0 {
            (&mut alice, &mut bob)
        } else {
            (&mut bob, &mut alice)
        };
        let to_addr = to.address.clone();
        let from_addr = from.address.clone();
        for i in 0..(turn % 4 + 1) {
            let text = format!("turn {turn} message {i}");
            let m = from.encrypt(&to_addr, text.as_bytes(), &mut r);
            assert_eq!(m.message_type(), CiphertextMessageType::Whisper);
            assert_eq!(to.decrypt(&from_addr, &m, &mut r).unwrap(), text.as_bytes());
        }
    }
}

#[test]
fn out_of_order_duplicates_and_tampering_leave_state_unchanged() {
    let (mut alice, mut bob, mut r) = pair(2);
    alice.start_session(bob.bundle(false), &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let first = alice.encrypt(&b, b"first", &mut r);
    bob.decrypt(&a, &first, &mut r).unwrap();
    let reply = bob.encrypt(&a, b"ack", &mut r);
    alice.decrypt(&b, &reply, &mut r).unwrap();
    let batch: Vec<_> = (0..30)
        .map(|i| alice.encrypt(&b, format!("m{i}").as_bytes(), &mut r))
        .collect();
    for i in (0..30).rev() {
        // Tampered copy first: rejected, and the record is byte-identical.
        let before = bob.record.to_state();
        let mut bytes = batch[i].serialized().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = match &batch[i] {
            CiphertextMessage::PreKey(_) => {
                CiphertextMessage::PreKey(PreKeySignalMessage::deserialize(&bytes).unwrap())
            }
            CiphertextMessage::Whisper(_) => {
                CiphertextMessage::Whisper(SignalMessage::deserialize(&bytes).unwrap())
            }
        };
        assert!(matches!(
            bob.decrypt(&a, &tampered, &mut r),
            Err(DecryptError::DecryptionFailed { .. })
        ));
        assert_eq!(
            *before,
            *bob.record.to_state(),
            "failed decryption changed the record"
        );
        assert_eq!(
            bob.decrypt(&a, &batch[i], &mut r).unwrap(),
            format!("m{i}").as_bytes()
        );
        let before = bob.record.to_state();
        assert!(matches!(
            bob.decrypt(&a, &batch[i], &mut r),
            Err(DecryptError::DuplicatedMessage { .. })
        ));
        assert_eq!(*before, *bob.record.to_state());
    }
}

#[test]
fn persisted_records_round_trip_mid_conversation() {
    let (mut alice, mut bob, mut r) = pair(3);
    alice.start_session(bob.bundle(true), &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    let held = alice.encrypt(&b, b"held back", &mut r);
    let m = alice.encrypt(&b, b"delivered", &mut r);
    bob.decrypt(&a, &m, &mut r).unwrap();
    for party in [&mut alice, &mut bob] {
        let state = party.record.to_state();
        party.record = SessionRecord::from_state(&state).unwrap();
        assert_eq!(*state, *party.record.to_state());
    }
    assert_eq!(bob.decrypt(&a, &held, &mut r).unwrap(), b"held back");
    let reply = bob.encrypt(&a, b"reply", &mut r);
    assert_eq!(alice.decrypt(&b, &reply, &mut r).unwrap(), b"reply");
}

#[test]
fn simultaneous_initiation_converges() {
    let (mut alice, mut bob, mut r) = pair(4);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    bob.start_session(alice.bundle(true), &mut r);
    let from_alice = alice.encrypt(&b, b"from alice", &mut r);
    let from_bob = bob.encrypt(&a, b"from bob", &mut r);
    assert_eq!(bob.decrypt(&a, &from_alice, &mut r).unwrap(), b"from alice");
    assert_eq!(alice.decrypt(&b, &from_bob, &mut r).unwrap(), b"from bob");
    for round in 0..3 {
        let m = alice.encrypt(&b, format!("a{round}").as_bytes(), &mut r);
        assert_eq!(m.message_type(), CiphertextMessageType::Whisper);
        assert_eq!(
            bob.decrypt(&a, &m, &mut r).unwrap(),
            format!("a{round}").as_bytes()
        );
        let m = bob.encrypt(&a, format!("b{round}").as_bytes(), &mut r);
        assert_eq!(m.message_type(), CiphertextMessageType::Whisper);
        assert_eq!(
            alice.decrypt(&b, &m, &mut r).unwrap(),
            format!("b{round}").as_bytes()
        );
    }
}

#[test]
fn receiver_chain_limit_and_stale_sessions() {
    let (mut alice, mut bob, mut r) = pair(5);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let m = alice.encrypt(&b, b"0", &mut r);
    bob.decrypt(&a, &m, &mut r).unwrap();
    // Bob holds back one message per turn; after 5 more turns its chain is gone.
    let mut held = Vec::new();
    for turn in 0..6 {
        let reply = bob.encrypt(&a, b"r", &mut r);
        alice.decrypt(&b, &reply, &mut r).unwrap();
        held.push(alice.encrypt(&b, format!("held {turn}").as_bytes(), &mut r));
        let m = alice.encrypt(&b, b"x", &mut r);
        bob.decrypt(&a, &m, &mut r).unwrap();
    }
    assert!(matches!(
        bob.decrypt(&a, &held[0], &mut r),
        Err(DecryptError::DecryptionFailed {
            reason: FailureReason::MacMismatch,
            ..
        })
    ));
    assert_eq!(bob.decrypt(&a, &held[1], &mut r).unwrap(), b"held 1");

    let (mut carol, dave, mut r) = pair(6);
    carol.start_session(dave.bundle(true), &mut r);
    let thirty_days_ms = 30 * 24 * 3600 * 1000;
    let at = |ms| hush::keys::Timestamp::from_millis(ms);
    let addresses = hush::session::Addresses {
        local: &carol.address,
        remote: &dave.address,
    };
    let created = NOW.as_millis() / 1000 * 1000;
    assert!(carol
        .record
        .clone()
        .encrypt(b"ok", addresses, at(created + thirty_days_ms), &mut r)
        .is_ok());
    assert_eq!(
        carol
            .record
            .encrypt(b"late", addresses, at(created + thirty_days_ms + 1), &mut r)
            .unwrap_err(),
        hush::session::EncryptError::StaleUnacknowledgedSession
    );
}

#[test]
fn pending_decryption_commits_or_leaves_the_record_untouched() {
    let (mut alice, mut bob, mut r) = pair(21);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let first = alice.encrypt(&b, b"hi bob", &mut r);
    bob.decrypt(&a, &first, &mut r).unwrap();
    let CiphertextMessage::Whisper(reply) = bob.encrypt(&a, b"hi alice", &mut r) else {
        panic!("expected a SignalMessage")
    };

    let to_bob = Addresses {
        local: &a,
        remote: &b,
    };
    let before = alice.record.to_state();
    let pending = alice
        .record
        .decrypt_pending(&reply, to_bob, &mut r)
        .unwrap();
    assert_eq!(pending.remote_identity(), bob.local.key_pair.identity_key());
    assert_eq!(pending.plaintext(), b"hi alice");
    assert!(!pending.promotes_archived_state());
    let debug = format!("{pending:?}");
    // Neither as text nor as the byte list a derived Debug would print.
    let as_bytes = format!("{:?}", b"hi alice".to_vec());
    assert!(
        debug.contains("redacted")
            && !debug.contains("hi alice")
            && !debug.contains(&as_bytes[1..as_bytes.len() - 1]),
        "{debug}"
    );
    drop(pending);
    assert_eq!(
        *alice.record.to_state(),
        *before,
        "a dropped pending decryption changes nothing"
    );
    assert!(alice.record.is_unacknowledged());

    let pending = alice
        .record
        .decrypt_pending(&reply, to_bob, &mut r)
        .unwrap();
    assert_eq!(pending.commit(), b"hi alice");
    assert_ne!(*alice.record.to_state(), *before);
    assert!(!alice.record.is_unacknowledged());
    assert!(matches!(
        alice.record.decrypt_pending(&reply, to_bob, &mut r),
        Err(DecryptError::DuplicatedMessage { .. })
    ));
}

#[test]
fn pending_decryption_reports_and_applies_promotion_of_an_archived_state() {
    let (mut alice, mut bob, mut r) = pair(22);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let first = alice.encrypt(&b, b"hi bob", &mut r);
    bob.decrypt(&a, &first, &mut r).unwrap();
    // Alice starts over from a fresh bundle; Bob keeps using the old session.
    alice.start_session(bob.bundle(false), &mut r);
    assert_eq!(alice.record.archived_count(), 1);
    let CiphertextMessage::Whisper(old) = bob.encrypt(&a, b"still the old session", &mut r) else {
        panic!("expected a SignalMessage")
    };

    let to_bob = Addresses {
        local: &a,
        remote: &b,
    };
    let before = alice.record.to_state();
    let pending = alice.record.decrypt_pending(&old, to_bob, &mut r).unwrap();
    assert!(pending.promotes_archived_state());
    assert_eq!(pending.remote_identity(), bob.local.key_pair.identity_key());
    drop(pending);
    assert_eq!(*alice.record.to_state(), *before);
    assert_eq!(
        alice.encrypt(&b, b"x", &mut r).message_type(),
        CiphertextMessageType::PreKey,
        "the new session is still current"
    );

    let before = alice.record.to_state();
    let pending = alice.record.decrypt_pending(&old, to_bob, &mut r).unwrap();
    assert_eq!(pending.commit(), b"still the old session");
    assert_ne!(*alice.record.to_state(), *before);
    assert_eq!(
        alice.encrypt(&b, b"y", &mut r).message_type(),
        CiphertextMessageType::Whisper,
        "the old session is current again"
    );
}
