//! Bodies of the classic (version 3) fuzz targets, included by `targets.rs`
//! (`#[path = "classic_targets.rs"] mod classic;`): the version-3 message
//! parsers, the libsignal-protocol-c record importers, hush's stored form
//! of classic records, and the classic sender-key parsers. Each one also
//! drives what parses through a fixed party made from a fixed seed, so that
//! seed corpora can hold inputs the party accepts.

use hush::address::ClassicDeviceId;
use hush::classic::lspc;
use hush::classic::*;
use hush::keys::{
    IdentityKeyPair, PreKeyId, PreKeyRecord, SignedPreKeyId, SignedPreKeyRecord, Timestamp,
};
use hush::messages::MessageError;
use hush::session::LocalIdentity;
use hush::state::StateError;
use rand::rngs::StdRng;
use rand::SeedableRng;

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

/// Alice's record after one message from Bob, Bob's own record and keys,
/// and a message Alice has not yet received.
pub struct ClassicParties {
    pub alice: ClassicSessionRecord,
    pub bob: ClassicSessionRecord,
    pub bob_local: LocalIdentity,
    pub bob_signed: SignedPreKeyRecord,
    pub bob_one_time: PreKeyRecord,
    /// A PreKey message from Alice that Bob (fresh) accepts, as bytes.
    pub first_prekey: Vec<u8>,
    /// SignalMessages from Bob that `alice` has not received.
    pub to_alice: Vec<Vec<u8>>,
    pub group_sender: ClassicSenderKeyRecord,
    pub group_receiver: ClassicSenderKeyRecord,
    pub group_messages: Vec<Vec<u8>>,
    pub distribution: Vec<u8>,
}

pub fn classic_parties() -> &'static ClassicParties {
    static PARTIES: std::sync::OnceLock<ClassicParties> = std::sync::OnceLock::new();
    PARTIES.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x0063_6c61_7373);
        let alice_local = LocalIdentity {
            key_pair: IdentityKeyPair::generate(&mut rng),
            registration_id: 1,
        };
        let bob_local = LocalIdentity {
            key_pair: IdentityKeyPair::generate(&mut rng),
            registration_id: 2,
        };
        let bob_signed =
            SignedPreKeyRecord::generate(SignedPreKeyId(6), NOW, &bob_local.key_pair, &mut rng);
        let bob_one_time = PreKeyRecord::generate(PreKeyId(5), &mut rng);
        let bundle = ClassicPreKeyBundle::from_records(
            2,
            ClassicDeviceId::new(0x7FFF_FFFF).expect("device id"),
            *bob_local.key_pair.identity_key(),
            &bob_signed,
            Some(&bob_one_time),
        )
        .verify()
        .expect("bundle");
        let mut alice = ClassicSessionRecord::new();
        alice
            .initiate(&bundle, &alice_local, NOW, &mut rng)
            .expect("initiate");
        let first = alice.encrypt(b"first").expect("encrypt");
        let ClassicCiphertextMessage::PreKey(first_prekey) = &first else {
            unreachable!("unacknowledged sessions send PreKey messages")
        };
        let mut bob = ClassicSessionRecord::new();
        let keys = ClassicPreKeys {
            signed: Some(&bob_signed),
            one_time: Some(&bob_one_time),
        };
        bob.decrypt_prekey(first_prekey, &bob_local, keys, &mut rng)
            .expect("first message");
        let reply = bob.encrypt(b"reply").expect("reply");
        let ClassicCiphertextMessage::Whisper(reply) = reply else {
            unreachable!("Bob's session is acknowledged")
        };
        alice.decrypt(&reply, &mut rng).expect("reply decrypts");
        let to_alice = (0..4u8)
            .map(|i| bob.encrypt(&[i]).expect("encrypt").serialized().to_vec())
            .collect();
        let mut group_sender = ClassicSenderKeyRecord::new();
        let distribution = group_sender
            .create_distribution_message(&mut rng)
            .expect("distribution");
        let mut group_receiver = ClassicSenderKeyRecord::new();
        group_receiver.process_distribution_message(&distribution);
        let group_messages = (0..3u8)
            .map(|i| {
                group_sender
                    .encrypt(&[i], &mut rng)
                    .expect("group encrypt")
                    .serialized()
                    .to_vec()
            })
            .collect();
        ClassicParties {
            alice,
            bob: ClassicSessionRecord::new(),
            bob_local,
            bob_signed,
            bob_one_time,
            first_prekey: first.serialized().to_vec(),
            to_alice,
            group_sender,
            group_receiver,
            group_messages,
            distribution: distribution.serialized().to_vec(),
        }
    })
}

fn rng_for(data: &[u8]) -> StdRng {
    let mut seed = [0u8; 32];
    for (i, b) in data.iter().enumerate() {
        seed[i % 32] ^= b.rotate_left((i / 32) as u32);
    }
    StdRng::from_seed(seed)
}

fn check_version_error(error: &MessageError, data: &[u8]) {
    match error {
        MessageError::LegacyCiphertextVersion(v) => assert!(*v == data[0] >> 4 && *v < 3),
        MessageError::UnrecognizedCiphertextVersion(v) => assert!(*v == data[0] >> 4 && *v > 3),
        _ => {}
    }
}

/// Version-3 `SignalMessage` parsing and decryption by the fixed Alice:
/// only a high nibble of 3 parses; a parsed message keeps its bytes and
/// re-parses to itself; a decryption that succeeds is a duplicate the second
/// time and (the MAC covering every byte) only happens for Bob's own
/// messages; a failed one leaves the record byte-identical.
pub fn classic_signal_message(data: &[u8]) {
    let parties = classic_parties();
    let message = match ClassicSignalMessage::deserialize(data) {
        Ok(m) => m,
        Err(e) => {
            check_version_error(&e, data);
            if !data.is_empty() && data[0] >> 4 != 3 {
                assert!(matches!(
                    e,
                    MessageError::LegacyCiphertextVersion(_)
                        | MessageError::UnrecognizedCiphertextVersion(_)
                ));
            }
            return;
        }
    };
    assert_eq!(data[0] >> 4, 3);
    assert_eq!(message.serialized(), data);
    assert_eq!(message.mac(), &data[data.len() - 8..]);
    assert_eq!(
        ClassicSignalMessage::deserialize(data).as_ref(),
        Ok(&message)
    );
    let mut record = parties.alice.clone();
    let before = record.to_state();
    let mut rng = rng_for(data);
    match record.decrypt_pending(&message, &mut rng) {
        Ok(pending) => {
            drop(pending);
            assert_eq!(
                *record.to_state(),
                *before,
                "a dropped pending decryption changed the record"
            );
            let plaintext = record.decrypt(&message, &mut rng).expect("decrypts again");
            assert!(parties.to_alice.iter().any(|m| m.as_slice() == data));
            assert_eq!(plaintext.len(), 1);
            assert!(matches!(
                record.decrypt(&message, &mut rng),
                Err(ClassicDecryptError::DuplicatedMessage { .. })
            ));
        }
        Err(_) => assert_eq!(*record.to_state(), *before, "a failure changed the record"),
    }
}

/// Version-3 `PreKeySignalMessage` parsing and decryption by the fixed,
/// session-less Bob: the inner message is a valid classic message; a failed
/// decryption leaves the record empty; a successful one reports the
/// message's identity and the pre-keys it names, and is only possible for
/// Alice's genuine first message.
pub fn classic_prekey_signal_message(data: &[u8]) {
    let parties = classic_parties();
    let message = match ClassicPreKeySignalMessage::deserialize(data) {
        Ok(m) => m,
        // A version error names the outer byte, or else comes unchanged from
        // the inner message's parser.
        Err(e) if !data.is_empty() && data[0] >> 4 != 3 => return check_version_error(&e, data),
        Err(_) => return,
    };
    assert_eq!(data[0] >> 4, 3);
    assert_eq!(message.serialized(), data);
    assert_eq!(
        ClassicSignalMessage::deserialize(message.message().serialized()).as_ref(),
        Ok(message.message())
    );
    let mut record = parties.bob.clone();
    let before = record.to_state();
    let keys = ClassicPreKeys {
        signed: Some(&parties.bob_signed),
        one_time: Some(&parties.bob_one_time),
    };
    let mut rng = rng_for(data);
    match record.decrypt_prekey_pending(&message, &parties.bob_local, keys, &mut rng) {
        Ok(pending) => {
            assert_eq!(pending.remote_identity(), message.identity_key());
            let consumed = pending.consumed().expect("a new session").clone();
            assert_eq!(consumed.signed, message.signed_pre_key_id());
            assert_eq!(consumed.one_time, message.pre_key_id());
            assert_eq!(pending.plaintext(), b"first");
            drop(pending);
            assert_eq!(*record.to_state(), *before);
        }
        Err(_) => assert_eq!(*record.to_state(), *before, "a failure changed the record"),
    }
    let _ = &parties.first_prekey;
}

/// The libsignal-protocol-c importers; the first byte picks the record
/// (0 session, 1 pre-key, 2 signed pre-key, 3 identity key pair), the rest
/// is the record. What imports exports to bytes that import to the same
/// record (a fixed point after one round); a session record also survives
/// hush's own stored form, encrypts or fails cleanly, and a failed
/// decryption leaves it unchanged.
pub fn classic_lspc_record(data: &[u8]) {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    match kind % 4 {
        0 => {
            let Ok(record) = ClassicSessionRecord::from_lspc(bytes, NOW) else {
                return;
            };
            let exported = record.to_lspc();
            let again = ClassicSessionRecord::from_lspc(&exported, NOW).expect("export imports");
            assert_eq!(*again.to_lspc(), *exported);
            assert!(record.archived_count() <= CLASSIC_ARCHIVED_STATES_MAX);
            let stored = record.to_state();
            let reloaded = ClassicSessionRecord::from_state(&stored).expect("stored form loads");
            assert_eq!(*reloaded.to_state(), *stored);
            let mut sender = record.clone();
            match sender.encrypt(b"x") {
                Ok(m) => {
                    assert_eq!(m.serialized()[0], 0x33);
                    assert!(record.is_usable());
                }
                Err(_) => assert_eq!(*sender.to_state(), *stored),
            }
            let mut receiver = record;
            let mut rng = rng_for(data);
            for m in &classic_parties().to_alice {
                let m = ClassicSignalMessage::deserialize(m).expect("valid");
                if receiver.decrypt(&m, &mut rng).is_err() {
                    assert_eq!(*receiver.to_state(), *stored);
                }
            }
        }
        1 => {
            if let Ok(r) = lspc::pre_key_from_lspc(bytes) {
                let out = lspc::pre_key_to_lspc(&r);
                let again = lspc::pre_key_from_lspc(&out).expect("export imports");
                assert_eq!((again.id(), again.public_key()), (r.id(), r.public_key()));
                assert_eq!(*lspc::pre_key_to_lspc(&again), *out);
            }
        }
        2 => {
            if let Ok(r) = lspc::signed_pre_key_from_lspc(bytes) {
                let out = lspc::signed_pre_key_to_lspc(&r);
                let again = lspc::signed_pre_key_from_lspc(&out).expect("export imports");
                assert_eq!(
                    (
                        again.id(),
                        again.public_key(),
                        again.signature(),
                        again.timestamp()
                    ),
                    (r.id(), r.public_key(), r.signature(), r.timestamp())
                );
                assert_eq!(*lspc::signed_pre_key_to_lspc(&again), *out);
            }
        }
        _ => {
            if let Ok(pair) = lspc::identity_key_pair_from_lspc(bytes) {
                let out = lspc::identity_key_pair_to_lspc(&pair);
                assert_eq!(out.len(), 69);
                let again = lspc::identity_key_pair_from_lspc(&out).expect("export imports");
                assert_eq!(again.identity_key(), pair.identity_key());
            }
        }
    }
}

/// hush's stored form of classic records (kind 7): loading never panics; a
/// loaded record is a fixed point of store∘load and of the lspc export
/// (which refuses only a sending ratchet key pair that does not match).
pub fn classic_session_record_state(data: &[u8]) {
    match ClassicSessionRecord::from_state(data) {
        Ok(record) => {
            let stored = record.to_state();
            let reloaded = ClassicSessionRecord::from_state(&stored).expect("reloads");
            assert_eq!(*reloaded.to_state(), *stored);
            // The export imports again, unless the stored sending ratchet key
            // pair is inconsistent: hush's own form does not check it on
            // every load (a scalar multiplication), the importer does.
            let lspc = record.to_lspc();
            match ClassicSessionRecord::from_lspc(&lspc, NOW) {
                Ok(imported) => assert_eq!(*imported.to_lspc(), *lspc),
                Err(e) => assert_eq!(e, StateError::Invalid("sender ratchet key pair mismatch")),
            }
        }
        Err(StateError::Truncated) => assert!(data.len() < 2),
        Err(_) => {}
    }
}

/// Classic group messages: parsing (errors match the input) and decryption
/// by the fixed receiver (a success is signed by the fixed sender and a
/// duplicate the second time; a failure leaves the record byte-identical).
pub fn classic_sender_key_message(data: &[u8]) {
    let parties = classic_parties();
    let message = match ClassicSenderKeyMessage::deserialize(data) {
        Ok(m) => m,
        Err(MessageError::CiphertextMessageTooShort(n)) => {
            return assert!(n == data.len() && n <= 65)
        }
        Err(e) => return check_version_error(&e, data),
    };
    assert!(data.len() > 65);
    assert_eq!(data[0] >> 4, 3);
    assert_eq!(message.serialized(), data);
    assert_eq!(message.signature(), &data[data.len() - 64..]);
    let mut record = parties.group_receiver.clone();
    let before = record.to_state();
    match record.decrypt(&message) {
        Ok(_) => {
            assert!(parties.group_messages.iter().any(|m| m.as_slice() == data));
            assert!(matches!(
                record.decrypt(&message),
                Err(ClassicGroupError::DuplicatedMessage { .. })
            ));
        }
        Err(_) => assert_eq!(*record.to_state(), *before),
    }
}

/// Classic distribution messages: parsing (errors match the input); a
/// processed one gives a receive-only record that redistributes the same
/// chain and survives both stored forms.
pub fn classic_sender_key_distribution_message(data: &[u8]) {
    let message = match ClassicSenderKeyDistributionMessage::deserialize(data) {
        Ok(m) => m,
        Err(MessageError::CiphertextMessageTooShort(n)) => {
            return assert!(n == data.len() && n < 2)
        }
        Err(e) => return check_version_error(&e, data),
    };
    assert_eq!(data[0] >> 4, 3);
    assert_eq!(message.serialized(), data);
    let mut record = ClassicSenderKeyRecord::new();
    record.process_distribution_message(&message);
    assert_eq!(record.chain_ids(), [message.chain_id()]);
    let mut rng = rng_for(data);
    let again = record
        .create_distribution_message(&mut rng)
        .expect("redistributes");
    assert_eq!(
        (
            again.chain_id(),
            again.iteration(),
            again.chain_key(),
            again.signing_key()
        ),
        (
            message.chain_id(),
            message.iteration(),
            message.chain_key(),
            message.signing_key()
        )
    );
    assert!(matches!(
        record.encrypt(b"x", &mut rng),
        Err(ClassicGroupError::NotOurSenderKey)
    ));
    let stored = record.to_state();
    assert_eq!(
        *ClassicSenderKeyRecord::from_state(&stored)
            .expect("reload")
            .to_state(),
        *stored
    );
    let lspc = record.to_lspc();
    assert_eq!(
        *ClassicSenderKeyRecord::from_lspc(&lspc)
            .expect("reload")
            .to_lspc(),
        *lspc
    );
    let _ = &classic_parties().distribution;
}
