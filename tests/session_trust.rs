//! Trust on the PreKey path: the identity a PreKey message carries must be
//! the identity of the state it resumes (session-setup.md §4 step 2, as
//! libsignal 0.103 does), and what a PreKey message would consume is known
//! before anything is committed.

mod common;

use common::{rng, Party};
use hush::keys::IdentityKey;
use hush::messages::{CiphertextMessage, PreKeySignalMessage};
use hush::session::{Addresses, DecryptError, PreKeys};

const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

/// The text libsignal 0.103 gives for the refusal.
const INCONSISTENT: &str = "invalid PreKey message: remote identity key not consistent with previously-established session";

/// `message` with its identity field rewritten to `identity` (the field is
/// outside the inner MAC, so this is what an attacker can do).
fn with_identity(message: &PreKeySignalMessage, identity: &IdentityKey) -> PreKeySignalMessage {
    let old = message.identity_key().serialize();
    let new = identity.serialize();
    let mut bytes = message.serialized().to_vec();
    let at = bytes
        .windows(old.len())
        .position(|w| w == old.as_slice())
        .expect("the identity key is in the message");
    bytes[at..at + old.len()].copy_from_slice(&new);
    let swapped = PreKeySignalMessage::deserialize(&bytes).unwrap();
    assert_eq!(swapped.identity_key(), identity);
    assert_eq!(swapped.base_key(), message.base_key());
    swapped
}

fn prekey(message: CiphertextMessage) -> PreKeySignalMessage {
    match message {
        CiphertextMessage::PreKey(m) => m,
        CiphertextMessage::Whisper(_) => panic!("expected a PreKey message"),
    }
}

/// Mallory once had a session with Bob under Alice's address (an old
/// device, an old key). Alice has since started a new session, so Mallory's
/// state is archived. Mallory sends a PreKey message on the old session with
/// Alice's current identity written in it: it passes a trust check on
/// `identity_key()`, and must still be refused.
#[test]
fn identity_swap_on_an_archived_session_is_refused() {
    let mut r = rng(81);
    let mut alice = Party::new(ALICE, 1, &mut r);
    let mut mallory = Party::new(ALICE, 7, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());

    mallory.start_session(bob.bundle(false), &mut r);
    let old = mallory.encrypt(&b, b"from the old device", &mut r);
    bob.decrypt(&a, &old, &mut r).unwrap();
    alice.start_session(bob.bundle(false), &mut r);
    let fresh = alice.encrypt(&b, b"from alice", &mut r);
    bob.decrypt(&a, &fresh, &mut r).unwrap();
    assert_eq!(bob.record.archived_count(), 1);
    assert_eq!(
        bob.record.remote_identity(),
        Some(alice.local.key_pair.identity_key())
    );

    let attack = prekey(mallory.encrypt(&b, b"send your replies to me", &mut r));
    let attack = with_identity(&attack, alice.local.key_pair.identity_key());
    let before = bob.record.to_state();
    let to_alice = Addresses {
        local: &b,
        remote: &a,
    };
    let error = bob
        .record
        .decrypt_prekey(&attack, &bob.local, PreKeys::default(), to_alice, &mut r)
        .unwrap_err();
    assert_eq!(error.to_string(), INCONSISTENT);
    assert_eq!(error, DecryptError::InconsistentRemoteIdentity);
    assert_eq!(*bob.record.to_state(), *before, "the record changed");
    assert_eq!(
        bob.record.remote_identity(),
        Some(alice.local.key_pair.identity_key()),
        "Alice's session is still current"
    );

    // The same message with its true identity still resumes the old state.
    let honest = with_identity(&attack, mallory.local.key_pair.identity_key());
    let out = bob
        .record
        .decrypt_prekey(&honest, &bob.local, PreKeys::default(), to_alice, &mut r)
        .unwrap();
    assert_eq!(out.plaintext, b"send your replies to me");
    assert!(out.consumed.is_none());
}

/// The same swap against the current state.
#[test]
fn identity_swap_on_the_current_session_is_refused() {
    let mut r = rng(82);
    let alice = Party::new(ALICE, 1, &mut r);
    let mut mallory = Party::new(ALICE, 7, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    mallory.start_session(bob.bundle(true), &mut r);
    let first = mallory.encrypt(&b, b"one", &mut r);
    bob.decrypt(&a, &first, &mut r).unwrap();

    let second = prekey(mallory.encrypt(&b, b"two", &mut r));
    let swapped = with_identity(&second, alice.local.key_pair.identity_key());
    let before = bob.record.to_state();
    let to_alice = Addresses {
        local: &b,
        remote: &a,
    };
    let error = bob
        .record
        .decrypt_prekey(&swapped, &bob.local, PreKeys::default(), to_alice, &mut r)
        .unwrap_err();
    assert_eq!(error.to_string(), INCONSISTENT);
    assert_eq!(*bob.record.to_state(), *before);
}

/// Pending PreKey decryption: everything is known before the commit, and a
/// dropped one leaves the record byte-identical.
#[test]
fn pending_prekey_decryption_reports_before_committing() {
    let mut r = rng(83);
    let mut alice = Party::new(ALICE, 1, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let first = prekey(alice.encrypt(&b, b"first", &mut r));
    let to_alice = Addresses {
        local: &b,
        remote: &a,
    };
    let keys = PreKeys {
        signed: Some(&bob.signed),
        kyber: Some(&bob.kyber),
        one_time: bob.one_time.first(),
    };

    let before = bob.record.to_state();
    let pending = bob
        .record
        .decrypt_prekey_pending(&first, &bob.local, keys, to_alice, &mut r)
        .unwrap();
    assert_eq!(
        pending.remote_identity(),
        alice.local.key_pair.identity_key()
    );
    assert!(pending.creates_session());
    assert!(!pending.promotes_archived_state());
    assert_eq!(pending.plaintext(), b"first");
    let consumed = pending.consumed().unwrap().clone();
    assert_eq!(consumed.one_time, Some(bob.one_time[0].id()));
    assert_eq!(
        consumed.last_resort_use(),
        (bob.kyber.id(), bob.signed.id(), *first.base_key())
    );
    let debug = format!("{pending:?}");
    assert!(
        debug.contains("redacted") && !debug.contains("first"),
        "{debug}"
    );
    drop(pending);
    assert_eq!(
        *bob.record.to_state(),
        *before,
        "a dropped pending changed the record"
    );
    assert!(!bob.record.has_current_state());

    let out = bob
        .record
        .decrypt_prekey_pending(&first, &bob.local, keys, to_alice, &mut r)
        .unwrap()
        .commit();
    assert_eq!(out.plaintext, b"first");
    assert_eq!(out.consumed, Some(consumed));

    // A later PreKey message of the same session consumes nothing.
    let second = prekey(alice.encrypt(&b, b"second", &mut r));
    let before = bob.record.to_state();
    let pending = bob
        .record
        .decrypt_prekey_pending(&second, &bob.local, PreKeys::default(), to_alice, &mut r)
        .unwrap();
    assert!(!pending.creates_session() && pending.consumed().is_none());
    drop(pending);
    assert_eq!(*bob.record.to_state(), *before);
}

/// A first message on a last-resort Kyber pre-key (no one-time pre-key),
/// replayed once the record no longer has its session (reset, or archived
/// out), would create the session again. A caller that keeps the
/// `(kyber, signed, base key)` combinations it has seen refuses it before
/// anything is committed.
#[test]
fn a_replayed_first_message_on_a_last_resort_key_is_refused() {
    use std::collections::HashSet;

    let mut r = rng(84);
    let mut alice = Party::new(ALICE, 1, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(false), &mut r);
    let first = prekey(alice.encrypt(&b, b"pay 10 to carol", &mut r));
    let to_alice = Addresses {
        local: &b,
        remote: &a,
    };
    let keys = PreKeys {
        signed: Some(&bob.signed),
        kyber: Some(&bob.kyber),
        one_time: None,
    };

    // What an application does: refuse a combination seen before, remember
    // the ones it commits.
    let mut seen = HashSet::new();
    let mut receive = |record: &mut hush::session::SessionRecord, r: &mut _| {
        let pending = record.decrypt_prekey_pending(&first, &bob.local, keys, to_alice, r)?;
        if pending
            .consumed()
            .is_some_and(|c| seen.contains(&c.last_resort_use()))
        {
            return Ok(None);
        }
        let out = pending.commit();
        if let Some(used) = &out.consumed {
            seen.insert(used.last_resort_use());
        }
        Ok::<_, DecryptError>(Some(out.plaintext))
    };
    assert_eq!(
        receive(&mut bob.record, &mut r).unwrap().as_deref(),
        Some(&b"pay 10 to carol"[..])
    );
    // Replayed to the same record: a duplicate.
    assert!(matches!(
        receive(&mut bob.record, &mut r),
        Err(DecryptError::DuplicatedMessage { .. })
    ));
    // Replayed after the session is gone: it would decrypt again...
    let mut reset = hush::session::SessionRecord::new();
    let replay = reset
        .clone()
        .decrypt_prekey(&first, &bob.local, keys, to_alice, &mut r)
        .unwrap();
    assert_eq!(replay.plaintext, b"pay 10 to carol");
    // ...but the caller's check refuses it, and nothing is committed.
    let before = reset.to_state();
    assert_eq!(receive(&mut reset, &mut r).unwrap(), None);
    assert_eq!(*reset.to_state(), *before);
    assert!(!reset.has_current_state());
}
