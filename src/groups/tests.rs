//! Tests of the operations against sender-keys.md: the §10 vectors, every
//! error of §9, the limits of §8, and failure atomicity (§7.5).

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::keys::{KeyError, PrivateKey};
use crate::primitives::CipherError;
use crate::ratchet::keys::ChainKey;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn group() -> DistributionId {
    "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap()
}

/// A sender's own record and a receiver's record of it.
fn pair(seed: u64) -> (SenderKeyRecord, SenderKeyRecord, StdRng) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sender = SenderKeyRecord::new();
    let skdm = create_distribution_message(&mut sender, group(), &mut rng).unwrap();
    let mut receiver = SenderKeyRecord::new();
    process_distribution_message(
        &mut receiver,
        &SenderKeyDistributionMessage::deserialize(skdm.serialized()).unwrap(),
    );
    (sender, receiver, rng)
}

fn send(sender: &mut SenderKeyRecord, text: &[u8], rng: &mut StdRng) -> Vec<u8> {
    group_encrypt(sender, group(), text, rng)
        .unwrap()
        .serialized()
        .to_vec()
}

/// Decrypts and checks that a failure left the record byte-identical.
fn receive(record: &mut SenderKeyRecord, bytes: &[u8]) -> Result<Vec<u8>, GroupDecryptError> {
    let before = record.to_state();
    let result = group_decrypt(record, bytes);
    if result.is_err() {
        assert_eq!(
            *record.to_state(),
            *before,
            "a failed decrypt changed the record"
        );
    }
    result
}

#[test]
fn spec_vectors_decrypt() {
    let skdm = SenderKeyDistributionMessage::deserialize(&h(
        "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002220000102
        030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2a2105
        7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13",
    ))
    .unwrap();
    let mut record = SenderKeyRecord::new();
    process_distribution_message(&mut record, &skdm);
    let m1 = h(
        "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd19101180122206dd735
        610126664c0a25e224735211bcd790dc6dfe908e8ee43d4af5500b78be458485
        64c380edf173609ee0d26bcec5b8ff4e5ab0f2577022eb499b561b8409603131
        a48ffd75b70c4fc3ba7ad9e36e5549c753aaff217d5466499175092889",
    );
    let m0 = h(
        "330a10d1d1d1d1700011ebb32a33b8a8a487a610f8acd1910118002210835bfa
        a6529ae7c3b210fef835ea801c93003d6f0ff8cb5ac5e2798b19b25d226e61dd
        3735ae6e05fafd6b61942e835089ffb675da096507bd9e24f2fafbb4a5282dac
        546753547f71ef8189baa7158c",
    );
    assert_eq!(
        receive(&mut record, &m1).unwrap(),
        b"Signal group message #2"
    );
    assert_eq!(receive(&mut record, &m0).unwrap(), b"hello");
    assert_eq!(
        receive(&mut record, &m0),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 2,
            received: 0
        })
    );

    // The same chain as our own sending state encrypts the same bytes up to
    // the signature.
    let mut ours = SenderKeyRecord::new();
    process_distribution_message(&mut ours, &skdm);
    ours.states[0].signing_private = Some(PrivateKey::deserialize(&[0x11; 32]).unwrap());
    let mut rng = StdRng::seed_from_u64(3);
    let sent = send(&mut ours, b"hello", &mut rng);
    assert_eq!(sent[..sent.len() - 64], m0[..m0.len() - 64]);
    let sent = send(&mut ours, b"Signal group message #2", &mut rng);
    assert_eq!(sent[..sent.len() - 64], m1[..m1.len() - 64]);
}

#[test]
fn a_new_sender_key_and_its_distribution_messages() {
    let mut rng = StdRng::seed_from_u64(10);
    let mut own = SenderKeyRecord::new();
    let first = create_distribution_message(&mut own, group(), &mut rng).unwrap();
    assert_eq!(first.serialized().len(), 96);
    assert_eq!(first.serialized()[0], 0x33);
    assert_eq!(first.iteration(), 0);
    assert!(first.chain_id() < 1 << 31);
    assert_eq!(first.distribution_id(), group());
    assert_eq!(own.state_count(), 1);
    assert!(own.states[0].signing_private.is_some());
    // Asking again gives the same chain; after three messages, iteration 3
    // and the current chain key.
    let again = create_distribution_message(&mut own, group(), &mut rng).unwrap();
    assert_eq!(again, first);
    for _ in 0..3 {
        send(&mut own, b"x", &mut rng);
    }
    let late = create_distribution_message(&mut own, group(), &mut rng).unwrap();
    assert_eq!((late.chain_id(), late.iteration()), (first.chain_id(), 3));
    let ck3 = ChainKey::new(*first.chain_key(), 0)
        .next()
        .unwrap()
        .next()
        .unwrap()
        .next()
        .unwrap();
    assert_eq!(late.chain_key(), ck3.as_bytes());
    assert_eq!(late.signing_key(), first.signing_key());
    // Chain IDs are 31-bit for any random source.
    for seed in 0..64 {
        let mut r = StdRng::seed_from_u64(seed);
        let m = create_distribution_message(&mut SenderKeyRecord::new(), group(), &mut r).unwrap();
        assert!(m.chain_id() < 1 << 31);
    }
}

#[test]
fn a_receive_only_record_is_redistributed_as_is_but_cannot_send() {
    let (_, mut receiver, mut rng) = pair(11);
    let before = receiver.to_state();
    let skdm = create_distribution_message(&mut receiver, group(), &mut rng).unwrap();
    assert_eq!(skdm.chain_id(), receiver.states[0].chain_id);
    assert_eq!(*receiver.to_state(), *before);
    assert!(matches!(
        group_encrypt(&mut receiver, group(), b"x", &mut rng),
        Err(GroupEncryptError::InvalidSenderKeySession {
            reason: "no private signing key",
            ..
        })
    ));
    assert_eq!(*receiver.to_state(), *before);
}

#[test]
fn encrypt_errors() {
    let mut rng = StdRng::seed_from_u64(12);
    let mut empty = SenderKeyRecord::new();
    assert_eq!(
        group_encrypt(&mut empty, group(), b"x", &mut rng).unwrap_err(),
        GroupEncryptError::NoSenderKeyState {
            distribution_id: group()
        }
    );
    assert!(empty.is_empty());

    let (mut sender, _, mut rng) = pair(13);
    sender.states[0].message_version = 4;
    let before = sender.to_state();
    assert!(matches!(
        group_encrypt(&mut sender, group(), b"x", &mut rng),
        Err(GroupEncryptError::InvalidSenderKeySession { .. })
    ));
    assert!(matches!(
        create_distribution_message(&mut sender, group(), &mut rng),
        Err(DistributionError::InvalidSenderKeySession { .. })
    ));
    assert_eq!(*sender.to_state(), *before);
    // A stored version of 0 means 3.
    sender.states[0].message_version = 0;
    assert!(group_encrypt(&mut sender, group(), b"x", &mut rng).is_ok());

    // The last iteration cannot be sent: the chain could not advance.
    let (mut sender, mut receiver, mut rng) = pair(14);
    let key = *sender.states[0].chain_key.as_bytes();
    sender.states[0].chain_key = ChainKey::new(key, u32::MAX - 1);
    receiver.states[0].chain_key = ChainKey::new(key, u32::MAX - 1);
    let last = send(&mut sender, b"last", &mut rng);
    let before = sender.to_state();
    assert_eq!(
        group_encrypt(&mut sender, group(), b"x", &mut rng).unwrap_err(),
        GroupEncryptError::ChainExhausted
    );
    assert_eq!(*sender.to_state(), *before);
    assert_eq!(receive(&mut receiver, &last).unwrap(), b"last");
    assert_eq!(receiver.states[0].chain_key.index(), u32::MAX);
}

#[test]
fn empty_plaintext_is_one_block() {
    let (mut sender, mut receiver, mut rng) = pair(15);
    let m = group_encrypt(&mut sender, group(), b"", &mut rng).unwrap();
    assert_eq!(m.ciphertext().len(), 16);
    assert_eq!(receive(&mut receiver, m.serialized()).unwrap(), b"");
}

#[test]
fn parse_errors_pass_through() {
    let (_, mut receiver, _) = pair(16);
    assert_eq!(
        receive(&mut receiver, &[0x33; 10]),
        Err(GroupDecryptError::Message(
            MessageError::CiphertextMessageTooShort(10)
        ))
    );
    assert_eq!(
        receive(&mut receiver, &[0x43; 80]),
        Err(GroupDecryptError::Message(
            MessageError::UnrecognizedCiphertextVersion(4)
        ))
    );
    assert_eq!(
        receive(&mut receiver, &[0x33; 80]),
        Err(GroupDecryptError::Message(
            MessageError::InvalidProtobufEncoding
        ))
    );
}

#[test]
fn unknown_chain_or_wrong_version_or_signature() {
    let (mut sender, mut receiver, mut rng) = pair(17);
    let m = send(&mut sender, b"hi", &mut rng);
    // Another sender's chain.
    let (mut stranger, _, mut rng2) = pair(18);
    let other = send(&mut stranger, b"who", &mut rng2);
    let chain_id = stranger.states[0].chain_id;
    assert_eq!(
        receive(&mut receiver, &other),
        Err(GroupDecryptError::NoSenderKeyState {
            distribution_id: group(),
            chain_id
        })
    );
    // An empty record.
    assert!(matches!(
        receive(&mut SenderKeyRecord::new(), &m),
        Err(GroupDecryptError::NoSenderKeyState { .. })
    ));
    // A message claiming our chain ID, signed with another key.
    let chain = sender.states[0].chain_id;
    let forged = SenderKeyMessage::new(
        group(),
        chain,
        0,
        vec![0; 16],
        stranger.states[0].signing_private.as_ref().unwrap(),
        &mut rng,
    );
    assert_eq!(
        receive(&mut receiver, forged.serialized()),
        Err(GroupDecryptError::SignatureValidationFailed)
    );
    // Any flipped bit, signature included.
    for index in [0, 5, 20, m.len() - 70, m.len() - 64, m.len() - 1] {
        let mut tampered = m.clone();
        tampered[index] ^= 0x01;
        let result = receive(&mut receiver, &tampered);
        assert!(
            matches!(
                result,
                Err(GroupDecryptError::SignatureValidationFailed
                    | GroupDecryptError::NoSenderKeyState { .. })
            ),
            "byte {index}: {result:?}"
        );
    }
    // A state of another version refuses version-3 messages; absent (0)
    // means 3.
    receiver.states[0].message_version = 4;
    assert_eq!(
        receive(&mut receiver, &m),
        Err(GroupDecryptError::UnrecognizedMessageVersion(3))
    );
    receiver.states[0].message_version = 0;
    assert_eq!(receive(&mut receiver, &m).unwrap(), b"hi");
}

#[test]
fn duplicates_and_limits() {
    let (mut sender, mut receiver, mut rng) = pair(19);
    let messages: Vec<Vec<u8>> = (0..6).map(|i| send(&mut sender, &[i], &mut rng)).collect();
    assert_eq!(receive(&mut receiver, &messages[4]).unwrap(), [4]);
    assert_eq!(
        receive(&mut receiver, &messages[4]),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 5,
            received: 4
        })
    );
    assert_eq!(receive(&mut receiver, &messages[1]).unwrap(), [1]);
    assert_eq!(
        receive(&mut receiver, &messages[1]),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 5,
            received: 1
        })
    );
    assert_eq!(receiver.states[0].skipped.len(), 3);

    // A forward jump of exactly 25 000 is accepted, one more is not.
    let (mut sender, receiver, mut rng) = pair(20);
    let key = *sender.states[0].chain_key.as_bytes();
    let mut far = ChainKey::new(key, 0);
    for _ in 0..=MAX_FORWARD_JUMPS {
        far.advance();
    }
    sender.states[0].chain_key = ChainKey::new(*far.as_bytes(), MAX_FORWARD_JUMPS + 1);
    let too_far = send(&mut sender, b"too far", &mut rng);
    let mut r1 = receiver.clone();
    assert_eq!(
        receive(&mut r1, &too_far),
        Err(GroupDecryptError::TooFarInFuture {
            current: 0,
            received: 25_001
        })
    );
    r1.states[0].chain_key = ChainKey::new(key, 0).next().unwrap();
    let skipped_before = r1.states[0].skipped.len();
    assert_eq!(receive(&mut r1, &too_far).unwrap(), b"too far");
    // Only the newest 2000 skipped keys are kept.
    assert_eq!(
        r1.states[0].skipped.len(),
        skipped_before + MAX_MESSAGE_KEYS
    );
    assert_eq!(
        r1.states[0].skipped.indices().next().unwrap(),
        25_001 - 2_000
    );
}

#[test]
fn an_evicted_skipped_key_is_a_duplicate() {
    let (mut sender, mut receiver, mut rng) = pair(21);
    let first = send(&mut sender, b"first", &mut rng);
    let second = send(&mut sender, b"second", &mut rng);
    for _ in 0..1999 {
        group_encrypt(&mut sender, group(), b"", &mut rng).unwrap();
    }
    let last = send(&mut sender, b"last", &mut rng);
    assert_eq!(receive(&mut receiver, &last).unwrap(), b"last");
    assert_eq!(receiver.states[0].skipped.len(), MAX_MESSAGE_KEYS);
    assert_eq!(
        receive(&mut receiver, &first),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 2002,
            received: 0
        })
    );
    assert_eq!(receive(&mut receiver, &second).unwrap(), b"second");
}

#[test]
fn bad_ciphertexts_with_valid_signatures_change_nothing() {
    let (sender, mut receiver, mut rng) = pair(22);
    let chain = sender.states[0].chain_id;
    let key = sender.states[0].signing_private.clone().unwrap();
    let forged = |iteration: u32, ciphertext: Vec<u8>, rng: &mut StdRng| {
        SenderKeyMessage::new(group(), chain, iteration, ciphertext, &key, rng)
            .serialized()
            .to_vec()
    };
    let bad_padding = forged(3, vec![0x5a; 32], &mut rng);
    assert!(matches!(
        receive(&mut receiver, &bad_padding),
        Err(GroupDecryptError::DecryptionFailed(CipherError::BadPadding))
    ));
    assert_eq!(
        receive(&mut receiver, &forged(3, Vec::new(), &mut rng)),
        Err(GroupDecryptError::DecryptionFailed(
            CipherError::BadCiphertextLength(0)
        ))
    );
    assert_eq!(
        receive(&mut receiver, &forged(3, vec![1; 17], &mut rng)),
        Err(GroupDecryptError::DecryptionFailed(
            CipherError::BadCiphertextLength(17)
        ))
    );
    // Nothing was stored, so the real message at iteration 3 still decrypts
    // (sender-keys.md §7.5), and so do 0..2.
    let mut sender = sender;
    let real: Vec<Vec<u8>> = (0..4).map(|i| send(&mut sender, &[i], &mut rng)).collect();
    assert_eq!(receive(&mut receiver, &real[3]).unwrap(), [3]);
    for (i, m) in real.iter().enumerate().take(3) {
        assert_eq!(receive(&mut receiver, m).unwrap(), [i as u8]);
    }
}

#[test]
fn the_last_iteration_cannot_be_received() {
    let (sender, mut receiver, mut rng) = pair(23);
    let chain = sender.states[0].chain_id;
    let key = sender.states[0].signing_private.clone().unwrap();
    let k = *receiver.states[0].chain_key.as_bytes();
    receiver.states[0].chain_key = ChainKey::new(k, u32::MAX - 5);
    let m = SenderKeyMessage::new(group(), chain, u32::MAX, vec![0; 16], &key, &mut rng);
    assert_eq!(
        receive(&mut receiver, m.serialized()),
        Err(GroupDecryptError::ChainExhausted)
    );
}

#[test]
fn distribution_messages_rotate_replace_and_never_roll_back() {
    let mut rng = StdRng::seed_from_u64(24);
    let mut receiver = SenderKeyRecord::new();
    // Six senders' chains (or six rotations): the first is evicted.
    let mut senders: Vec<SenderKeyRecord> = Vec::new();
    for _ in 0..6 {
        let mut own = SenderKeyRecord::new();
        let skdm = create_distribution_message(&mut own, group(), &mut rng).unwrap();
        process_distribution_message(&mut receiver, &skdm);
        senders.push(own);
    }
    assert_eq!(receiver.state_count(), MAX_SENDER_KEY_STATES);
    let evicted = send(&mut senders[0], b"old", &mut rng);
    assert!(matches!(
        receive(&mut receiver, &evicted),
        Err(GroupDecryptError::NoSenderKeyState { .. })
    ));
    for own in &mut senders[1..] {
        let m = send(own, b"current", &mut rng);
        assert_eq!(receive(&mut receiver, &m).unwrap(), b"current");
    }

    // Processing a chain's distribution message again keeps the progress.
    let (mut sender, mut receiver, mut rng) = pair(25);
    let initial = create_distribution_message(&mut sender, group(), &mut rng).unwrap();
    let m0 = send(&mut sender, b"0", &mut rng);
    let m1 = send(&mut sender, b"1", &mut rng);
    assert_eq!(receive(&mut receiver, &m1).unwrap(), b"1");
    process_distribution_message(&mut receiver, &initial);
    assert_eq!(
        receive(&mut receiver, &m1),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 2,
            received: 1
        })
    );
    assert_eq!(receive(&mut receiver, &m0).unwrap(), b"0");

    // Same chain ID with a new signing key replaces the state.
    let replacement = SenderKeyDistributionMessage::new(
        3,
        group(),
        initial.chain_id(),
        0,
        &[7; 32],
        PrivateKey::deserialize(&[9; 32]).unwrap().public_key(),
    );
    process_distribution_message(&mut receiver, &replacement);
    assert_eq!(receiver.state_count(), 1);
    assert_eq!(receiver.states[0].chain_key.index(), 0);
    let m2 = send(&mut sender, b"2", &mut rng);
    assert_eq!(
        receive(&mut receiver, &m2),
        Err(GroupDecryptError::SignatureValidationFailed)
    );
}

#[test]
fn a_late_joiner_reads_from_the_distribution_on() {
    let (mut sender, _, mut rng) = pair(26);
    let early: Vec<Vec<u8>> = (0..3).map(|i| send(&mut sender, &[i], &mut rng)).collect();
    let late = create_distribution_message(&mut sender, group(), &mut rng).unwrap();
    let mut joiner = SenderKeyRecord::new();
    process_distribution_message(&mut joiner, &late);
    let fresh = send(&mut sender, b"welcome", &mut rng);
    assert_eq!(
        receive(&mut joiner, &early[1]),
        Err(GroupDecryptError::DuplicatedMessage {
            current: 3,
            received: 1
        })
    );
    assert_eq!(receive(&mut joiner, &fresh).unwrap(), b"welcome");
}

#[test]
fn a_bad_signing_key_type_in_a_distribution_message() {
    let skdm = SenderKeyDistributionMessage::new(
        3,
        group(),
        1,
        0,
        &[1; 32],
        PrivateKey::deserialize(&[2; 32]).unwrap().public_key(),
    );
    let mut bytes = skdm.serialized().to_vec();
    let at = bytes.len() - 33;
    bytes[at] = 0x06;
    assert_eq!(
        SenderKeyDistributionMessage::deserialize(&bytes).unwrap_err(),
        MessageError::Key(KeyError::BadKeyType(6))
    );
}

#[test]
fn error_texts_follow_libsignal() {
    let id = group();
    assert_eq!(
        GroupDecryptError::NoSenderKeyState {
            distribution_id: id,
            chain_id: 1
        }
        .to_string(),
        "missing sender key state for distribution ID d1d1d1d1-7000-11eb-b32a-33b8a8a487a6"
    );
    assert_eq!(
        GroupDecryptError::DuplicatedMessage {
            current: 5,
            received: 4
        }
        .to_string(),
        "message with old counter 5 / 4"
    );
    assert_eq!(
        GroupDecryptError::SignatureValidationFailed.to_string(),
        "invalid signature detected"
    );
    assert_eq!(
        GroupDecryptError::TooFarInFuture {
            current: 0,
            received: 25_001
        }
        .to_string(),
        "invalid SenderKey message: message from too far into the future"
    );
    assert_eq!(
        GroupDecryptError::UnrecognizedMessageVersion(3).to_string(),
        "unrecognized message version <3>"
    );
    assert_eq!(
        GroupDecryptError::Message(MessageError::CiphertextMessageTooShort(3)).to_string(),
        "ciphertext serialized bytes were too short <3>"
    );
}
