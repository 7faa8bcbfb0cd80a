//! Classic sender keys (libsignal-protocol-c's format, classic-v3.md §10):
//! layout, limits (2 000 ahead, 2 000 stored keys, 5 chains) and failure
//! atomicity. Interop with the C peer's group commands runs in the
//! interop-v3 matrix.

use hush::classic::*;
use hush::groups::{self, DistributionId, SenderKeyRecord};
use hush::messages::MessageError;
use hush::state::StateError;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn setup(seed: u64) -> (ClassicSenderKeyRecord, ClassicSenderKeyRecord, StdRng) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut alice = ClassicSenderKeyRecord::new();
    let distribution = alice.create_distribution_message(&mut rng).unwrap();
    let parsed =
        ClassicSenderKeyDistributionMessage::deserialize(distribution.serialized()).unwrap();
    assert_eq!(parsed.serialized(), distribution.serialized());
    assert_eq!(parsed.chain_key(), distribution.chain_key());
    let mut bob = ClassicSenderKeyRecord::new();
    bob.process_distribution_message(&parsed);
    (alice, bob, rng)
}

/// Reads the protobuf fields of a message body: (field number, wire type).
fn fields(mut body: &[u8]) -> Vec<(u64, u8)> {
    let mut out = Vec::new();
    let varint = |b: &mut &[u8]| {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = b[0];
            *b = &b[1..];
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        v
    };
    while !body.is_empty() {
        let key = varint(&mut body);
        let wire = (key & 7) as u8;
        out.push((key >> 3, wire));
        match wire {
            0 => {
                varint(&mut body);
            }
            2 => {
                let len = varint(&mut body) as usize;
                body = &body[len..];
            }
            other => panic!("wire type {other}"),
        }
    }
    out
}

#[test]
fn wire_layout_is_libsignal_protocol_c_s() {
    let (mut alice, _, mut rng) = setup(1);
    let distribution = alice.create_distribution_message(&mut rng).unwrap();
    let bytes = distribution.serialized();
    assert_eq!(bytes[0], 0x33);
    assert_eq!(fields(&bytes[1..]), [(1, 0), (2, 0), (3, 2), (4, 2)]);
    assert!(distribution.chain_id() < 0x7FFF_FFFF);
    let message = alice.encrypt(b"group hello", &mut rng).unwrap();
    let bytes = message.serialized();
    assert_eq!(bytes[0], 0x33);
    assert_eq!(
        fields(&bytes[1..bytes.len() - 64]),
        [(1, 0), (2, 0), (3, 2)]
    );
    assert!(message.verify_signature(distribution.signing_key()));
    assert_eq!(message.signature(), &bytes[bytes.len() - 64..]);
    assert_eq!(message.chain_id(), distribution.chain_id());
    assert_eq!(message.iteration(), 0);
    // A later distribution message carries the current iteration.
    assert_eq!(
        alice
            .create_distribution_message(&mut rng)
            .unwrap()
            .iteration(),
        1
    );
}

#[test]
fn members_decrypt_out_of_order_once() {
    let (mut alice, mut bob, mut rng) = setup(2);
    let sent: Vec<_> = (0..10u8)
        .map(|i| alice.encrypt(&[i], &mut rng).unwrap())
        .collect();
    for i in [3usize, 0, 9, 1, 2, 8, 4, 5, 7, 6] {
        let m = ClassicSenderKeyMessage::deserialize(sent[i].serialized()).unwrap();
        assert_eq!(bob.decrypt(&m).unwrap(), [i as u8]);
    }
    let before = bob.to_state();
    assert_eq!(
        bob.decrypt(&sent[4]),
        Err(ClassicGroupError::DuplicatedMessage {
            current: 10,
            received: 4
        })
    );
    assert_eq!(*bob.to_state(), *before);
    // Receivers cannot send on someone else's chain.
    assert_eq!(
        bob.encrypt(b"x", &mut rng).unwrap_err(),
        ClassicGroupError::NotOurSenderKey
    );
    assert_eq!(
        ClassicSenderKeyRecord::new()
            .encrypt(b"x", &mut rng)
            .unwrap_err(),
        ClassicGroupError::NoSenderKeyState
    );
}

#[test]
fn limits_and_failure_atomicity() {
    let (mut alice, mut bob, mut rng) = setup(3);
    let sent: Vec<_> = (0..=2_600u32)
        .map(|i| alice.encrypt(&i.to_be_bytes(), &mut rng).unwrap())
        .collect();
    let before = bob.to_state();
    assert_eq!(
        bob.decrypt(&sent[2_001]),
        Err(ClassicGroupError::TooFarInFuture {
            current: 0,
            received: 2_001
        })
    );
    // A bad signature and an unknown chain change nothing either.
    let mut forged = sent[5].serialized().to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let forged = ClassicSenderKeyMessage::deserialize(&forged).unwrap();
    assert_eq!(
        bob.decrypt(&forged),
        Err(ClassicGroupError::SignatureValidationFailed)
    );
    let (mut other, _, mut rng2) = setup(4);
    let stranger = other.encrypt(b"?", &mut rng2).unwrap();
    assert!(matches!(
        bob.decrypt(&stranger),
        Err(ClassicGroupError::UnknownChain(_))
    ));
    assert_eq!(*bob.to_state(), *before);
    // 2000 ahead is fine; then 600 more: the oldest stored keys go.
    assert_eq!(bob.decrypt(&sent[2_000]).unwrap(), 2_000u32.to_be_bytes());
    assert_eq!(bob.decrypt(&sent[2_600]).unwrap(), 2_600u32.to_be_bytes());
    assert!(matches!(
        bob.decrypt(&sent[598]),
        Err(ClassicGroupError::DuplicatedMessage { .. })
    ));
    assert_eq!(bob.decrypt(&sent[599]).unwrap(), 599u32.to_be_bytes());
    assert_eq!(bob.decrypt(&sent[2_599]).unwrap(), 2_599u32.to_be_bytes());
}

#[test]
fn five_chains_and_no_rollback() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut bob = ClassicSenderKeyRecord::new();
    let mut senders = Vec::new();
    for _ in 0..6 {
        let mut alice = ClassicSenderKeyRecord::new();
        bob.process_distribution_message(&alice.create_distribution_message(&mut rng).unwrap());
        senders.push(alice);
    }
    assert_eq!(bob.chain_ids().len(), 5);
    let oldest = senders[0].encrypt(b"old", &mut rng).unwrap();
    assert!(matches!(
        bob.decrypt(&oldest),
        Err(ClassicGroupError::UnknownChain(_))
    ));
    // Re-processing the same distribution message keeps the chain position.
    let (mut alice, mut bob, mut rng) = setup(6);
    let first = alice.create_distribution_message(&mut rng).unwrap();
    let m0 = alice.encrypt(b"0", &mut rng).unwrap();
    assert_eq!(bob.decrypt(&m0).unwrap(), b"0");
    bob.process_distribution_message(&first);
    assert!(matches!(
        bob.decrypt(&m0),
        Err(ClassicGroupError::DuplicatedMessage { .. })
    ));
}

#[test]
fn records_round_trip_in_both_stored_forms() {
    let (mut alice, mut bob, mut rng) = setup(7);
    let sent: Vec<_> = (0..6u8)
        .map(|i| alice.encrypt(&[i], &mut rng).unwrap())
        .collect();
    bob.decrypt(&sent[5]).unwrap();
    for record in [&alice, &bob] {
        let lspc = record.to_lspc();
        assert_eq!(
            *ClassicSenderKeyRecord::from_lspc(&lspc).unwrap().to_lspc(),
            *lspc
        );
        let state = record.to_state();
        assert_eq!(
            *ClassicSenderKeyRecord::from_state(&state)
                .unwrap()
                .to_state(),
            *state
        );
    }
    let mut reloaded = ClassicSenderKeyRecord::from_state(&bob.to_state()).unwrap();
    assert_eq!(reloaded.decrypt(&sent[2]).unwrap(), [2]);
    let mut alice2 = ClassicSenderKeyRecord::from_lspc(&alice.to_lspc()).unwrap();
    assert_eq!(
        reloaded
            .decrypt(&alice2.encrypt(b"on", &mut rng).unwrap())
            .unwrap(),
        b"on"
    );
    // Bad records are refused.
    assert!(ClassicSenderKeyRecord::from_lspc(&[0x0a, 0x03, 0x08]).is_err());
    assert!(matches!(
        ClassicSenderKeyRecord::from_state(&SenderKeyRecord::new().to_state()),
        Err(StateError::WrongKind { .. })
    ));
}

#[test]
fn version_4_group_messages_are_not_classic_ones() {
    let mut rng = StdRng::seed_from_u64(8);
    let id = DistributionId::from_bytes([7u8; 16]);
    let mut v4 = SenderKeyRecord::new();
    let distribution = groups::create_distribution_message(&mut v4, id, &mut rng).unwrap();
    let message = groups::group_encrypt(&mut v4, id, b"v4", &mut rng).unwrap();
    // Both write 0x33, but the layouts differ (field 1 is the 16-byte
    // distribution ID): libsignal-protocol-c refuses them, and so does hush.
    assert_eq!(
        ClassicSenderKeyDistributionMessage::deserialize(distribution.serialized()).unwrap_err(),
        MessageError::InvalidProtobufEncoding
    );
    assert_eq!(
        ClassicSenderKeyMessage::deserialize(message.serialized()).unwrap_err(),
        MessageError::InvalidProtobufEncoding
    );
    let (mut alice, _, mut rng) = setup(9);
    let classic = alice.encrypt(b"v3", &mut rng).unwrap();
    assert!(hush::groups::SenderKeyMessage::deserialize(classic.serialized()).is_err());
}
