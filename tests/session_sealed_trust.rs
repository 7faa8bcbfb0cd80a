//! Sealed sender's receive path decides trust before committing: the state
//! that decrypts the inner message must belong to the sender certificate's
//! identity key, and nothing is applied to the record until the caller
//! commits.

mod common;

use common::{rng, Party, NOW};
use hush::keys::{KeyPair, PublicKey, Timestamp};
use hush::messages::CiphertextMessage;
use hush::sealed_sender::{
    receive, seal_v1, ContentHint, LocalAccount, ReceiveError, Sender, SenderCertificate,
    ServerCertificate, Signer, UnidentifiedSenderMessageContent,
};
use hush::session::PreKeys;
use rand::rngs::StdRng;

const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

struct Service {
    trust_root: KeyPair,
    server_key: KeyPair,
    server: ServerCertificate,
}

impl Service {
    fn new(r: &mut StdRng) -> Self {
        let trust_root = KeyPair::generate(r);
        let server_key = KeyPair::generate(r);
        let server = ServerCertificate::new(1, &server_key.public_key, &trust_root.private_key, r);
        Self {
            trust_root,
            server_key,
            server,
        }
    }

    /// A certificate for `party`'s address and identity key.
    fn certify(&self, party: &Party, r: &mut StdRng) -> SenderCertificate {
        let sender = Sender {
            uuid: party.address.name().into(),
            e164: None,
            device_id: party.address.device_id(),
            identity_key: *party.local.key_pair.identity_key(),
        };
        let expires = Timestamp::from_millis(NOW.as_millis() + 86_400_000);
        SenderCertificate::new(
            sender,
            expires,
            Signer::Embedded(self.server.clone()),
            &self.server_key.private_key,
            r,
        )
    }

    fn roots(&self) -> [PublicKey; 1] {
        [self.trust_root.public_key]
    }
}

fn seal(
    message: &CiphertextMessage,
    certificate: SenderCertificate,
    sealer: &Party,
    to: &Party,
    r: &mut StdRng,
) -> Vec<u8> {
    let content = UnidentifiedSenderMessageContent::from_message(
        message,
        certificate,
        ContentHint::Resendable,
        None,
    );
    seal_v1(
        to.local.key_pair.identity_key(),
        &content,
        &sealer.local.key_pair,
        r,
    )
    .unwrap()
    .to_vec()
}

/// Bob's record for Alice's address holds a state of another identity
/// (Mallory's: an old device, an old key). A sealed message whose
/// certificate vouches for Alice's identity but whose inner message belongs
/// to Mallory's state is refused, whichever message type, and the record
/// is unchanged.
#[test]
fn an_inner_message_from_a_state_of_another_identity_is_refused() {
    let mut r = rng(91);
    let service = Service::new(&mut r);
    let alice = Party::new(ALICE, 1, &mut r);
    let mut mallory = Party::new(ALICE, 7, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let (a, b) = (alice.address.clone(), bob.address.clone());
    mallory.start_session(bob.bundle(false), &mut r);
    let first = mallory.encrypt(&b, b"first", &mut r);
    bob.decrypt(&a, &first, &mut r).unwrap();

    // Still a PreKey message (Bob never replied), then a SignalMessage.
    let prekey = mallory.encrypt(&b, b"as alice", &mut r);
    assert!(matches!(prekey, CiphertextMessage::PreKey(_)));
    let reply = bob.encrypt(&a, b"ack", &mut r);
    mallory.decrypt(&b, &reply, &mut r).unwrap();
    let whisper = mallory.encrypt(&b, b"as alice again", &mut r);
    assert!(matches!(whisper, CiphertextMessage::Whisper(_)));

    let me = LocalAccount {
        address: &b,
        e164: None,
    };
    for inner in [&prekey, &whisper] {
        let sealed = seal(inner, service.certify(&alice, &mut r), &alice, &bob, &mut r);
        let verified = receive(&sealed, &bob.local.key_pair, &service.roots(), NOW, me).unwrap();
        assert_eq!(
            verified.sender().identity_key(),
            alice.local.key_pair.identity_key()
        );
        let before = bob.record.to_state();
        let result =
            verified.decrypt_pending(&mut bob.record, &bob.local, &b, PreKeys::default(), &mut r);
        assert_eq!(result.unwrap_err(), ReceiveError::SenderIdentityMismatch);
        assert_eq!(*bob.record.to_state(), *before, "the record changed");
        let result = verified.decrypt(&mut bob.record, &bob.local, &b, PreKeys::default(), &mut r);
        assert_eq!(result.unwrap_err(), ReceiveError::SenderIdentityMismatch);
        assert_eq!(*bob.record.to_state(), *before, "the record changed");
    }

    // With Mallory's own certificate the same message is hers, and decrypts.
    let sealed = seal(
        &whisper,
        service.certify(&mallory, &mut r),
        &mallory,
        &bob,
        &mut r,
    );
    let verified = receive(&sealed, &bob.local.key_pair, &service.roots(), NOW, me).unwrap();
    let out = verified
        .decrypt(&mut bob.record, &bob.local, &b, PreKeys::default(), &mut r)
        .unwrap();
    assert_eq!(out.plaintext, b"as alice again");
}

/// The accepted case: the identity and what a new session would consume are
/// shown before committing; dropping leaves the record byte-identical.
#[test]
fn a_first_sealed_message_is_shown_before_it_is_committed() {
    let mut r = rng(92);
    let service = Service::new(&mut r);
    let mut alice = Party::new(ALICE, 1, &mut r);
    let mut bob = Party::new(BOB, 2, &mut r);
    let b = bob.address.clone();
    alice.start_session(bob.bundle(true), &mut r);
    let first = alice.encrypt(&b, b"hello", &mut r);
    let sealed = seal(
        &first,
        service.certify(&alice, &mut r),
        &alice,
        &bob,
        &mut r,
    );
    let me = LocalAccount {
        address: &b,
        e164: None,
    };
    let verified = receive(&sealed, &bob.local.key_pair, &service.roots(), NOW, me).unwrap();
    let keys = PreKeys {
        signed: Some(&bob.signed),
        kyber: Some(&bob.kyber),
        one_time: bob.one_time.first(),
    };

    let before = bob.record.to_state();
    let pending = verified
        .decrypt_pending(&mut bob.record, &bob.local, &b, keys, &mut r)
        .unwrap();
    assert_eq!(
        pending.remote_identity(),
        alice.local.key_pair.identity_key()
    );
    assert!(pending.creates_session());
    assert_eq!(pending.plaintext(), b"hello");
    let consumed = pending.consumed().unwrap().clone();
    assert_eq!(consumed.one_time, Some(bob.one_time[0].id()));
    let debug = format!("{pending:?}");
    assert!(!debug.contains("hello"), "{debug}");
    drop(pending);
    assert_eq!(*bob.record.to_state(), *before);

    let out = verified
        .decrypt_pending(&mut bob.record, &bob.local, &b, keys, &mut r)
        .unwrap()
        .commit();
    assert_eq!(out.plaintext, b"hello");
    assert_eq!(out.consumed, Some(consumed));
    assert_eq!(
        bob.record.remote_identity(),
        Some(alice.local.key_pair.identity_key())
    );
}
