//! Property tests of group messaging (sender keys) over random schedules.
//!
//! * Any delivery order, with replays, decrypts every message exactly once
//!   (replays are `DuplicatedMessage`) as long as no more than 2000 keys
//!   must be held at once; beyond that exactly the messages whose keys were
//!   evicted (more than 2000 behind the newest one seen) fail, as
//!   duplicates.
//! * Every failed operation (tampered, truncated or garbage messages,
//!   replays, unknown chains, sending with a receive-only record) leaves the
//!   record byte-identical, and records survive `to_state`/`from_state` at
//!   any point.
//! * Several senders in one group: each member's records for each sender
//!   stay independent, whatever the interleaving.

use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionId, GroupDecryptError, GroupEncryptError, SenderKeyDistributionMessage,
    SenderKeyRecord, MAX_MESSAGE_KEYS,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const GROUP: DistributionId = DistributionId::from_bytes([0x42; 16]);

/// A sender's record and a receiver's, and the SKDM that links them.
fn setup(
    seed: u64,
) -> (
    SenderKeyRecord,
    SenderKeyRecord,
    SenderKeyDistributionMessage,
    StdRng,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sender = SenderKeyRecord::new();
    let skdm = create_distribution_message(&mut sender, GROUP, &mut rng).unwrap();
    let mut receiver = SenderKeyRecord::new();
    process_distribution_message(&mut receiver, &skdm);
    (sender, receiver, skdm, rng)
}

fn reload(record: &SenderKeyRecord) -> SenderKeyRecord {
    let stored = record.to_state();
    let loaded = SenderKeyRecord::from_state(&stored).unwrap();
    assert_eq!(*loaded.to_state(), *stored);
    loaded
}

/// A delivery order: a permutation of `0..n` with replays mixed in.
fn schedule(max: usize) -> impl Strategy<Value = (usize, Vec<usize>, Vec<(usize, usize)>)> {
    (1..=max).prop_flat_map(|n| {
        let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        let replays = prop::collection::vec((0..n, 0..=n), 0..n.min(20));
        (Just(n), order, replays)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any order within the limits: every message decrypts exactly once.
    #[test]
    fn any_order_decrypts_exactly_once((n, order, replays) in schedule(60), seed in any::<u64>(), reload_every in 1usize..8) {
        let (mut sender, mut receiver, _, mut rng) = setup(seed);
        let messages: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
            .map(|i| {
                let text = format!("message {i}").into_bytes();
                (group_encrypt(&mut sender, GROUP, &text, &mut rng).unwrap().serialized().to_vec(), text)
            })
            .collect();
        // Replays are inserted after position `at` of the order.
        let mut deliveries: Vec<usize> = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            deliveries.push(i);
            deliveries.extend(replays.iter().filter(|(_, at)| *at == k).map(|(r, _)| *r));
        }
        let mut decrypted = vec![false; n];
        for (step, &i) in deliveries.iter().enumerate() {
            let before = receiver.to_state();
            match group_decrypt(&mut receiver, &messages[i].0) {
                Ok(plaintext) => {
                    prop_assert!(!decrypted[i], "message {} decrypted twice", i);
                    prop_assert_eq!(&plaintext, &messages[i].1);
                    decrypted[i] = true;
                }
                Err(GroupDecryptError::DuplicatedMessage { received, .. }) => {
                    prop_assert!(decrypted[i], "message {} refused as a duplicate before it was decrypted", i);
                    prop_assert_eq!(received as usize, i);
                    prop_assert_eq!(&*receiver.to_state(), &*before);
                }
                Err(e) => prop_assert!(false, "message {}: {}", i, e),
            }
            if step % reload_every == 0 {
                receiver = reload(&receiver);
            }
        }
        prop_assert!(decrypted.iter().all(|&d| d));
    }

    /// Every failed operation leaves the record byte-identical; the
    /// untouched messages still decrypt afterwards.
    #[test]
    fn failures_change_nothing(
        n in 1usize..12,
        attacks in prop::collection::vec((any::<usize>(), any::<usize>(), 0u8..8, 0u8..6), 1..40),
        seed in any::<u64>(),
    ) {
        let (mut sender, mut receiver, skdm, mut rng) = setup(seed);
        let (mut stranger, _, _, _) = setup(seed ^ 0x5555);
        // A receiver with the right signing key but a wrong chain key:
        // signatures verify, then the key derivation runs and AES fails.
        let mut wrong_key = skdm.serialized().to_vec();
        let at = wrong_key.windows(32).position(|w| w == skdm.chain_key()).unwrap();
        wrong_key[at] ^= 0x80;
        let mut confused = SenderKeyRecord::new();
        process_distribution_message(&mut confused, &SenderKeyDistributionMessage::deserialize(&wrong_key).unwrap());
        let messages: Vec<Vec<u8>> = (0..n).map(|i| group_encrypt(&mut sender, GROUP, &[i as u8], &mut rng).unwrap().serialized().to_vec()).collect();
        let foreign = group_encrypt(&mut stranger, GROUP, b"not for you", &mut rng).unwrap().serialized().to_vec();
        let mut delivered = vec![false; n];
        for (pick, position, bit, kind) in attacks {
            let i = pick % n;
            let original = &messages[i];
            // The confused receiver fails after verifying the signature (in
            // rare cases the wrong key yields valid padding and "decrypts").
            let before = confused.to_state();
            if let Err(e) = group_decrypt(&mut confused, original) {
                let expected = matches!(e, GroupDecryptError::DecryptionFailed(_) | GroupDecryptError::DuplicatedMessage { .. });
                prop_assert!(expected, "{}", e);
                prop_assert_eq!(&*confused.to_state(), &*before);
            }
            let bad: Vec<u8> = match kind {
                0 => {
                    let mut m = original.clone();
                    let at = position % m.len();
                    m[at] ^= 1 << bit;
                    m
                }
                1 => original[..position % original.len()].to_vec(),
                2 => [original.as_slice(), &[bit]].concat(),
                3 => foreign.clone(),
                4 => (0..position % 200).map(|x| (x as u8).wrapping_mul(bit | 1)).collect(),
                _ => {
                    // A replay, or the first delivery.
                    if !delivered[i] {
                        prop_assert_eq!(group_decrypt(&mut receiver, original).unwrap(), vec![i as u8]);
                        delivered[i] = true;
                    }
                    original.clone()
                }
            };
            let before = receiver.to_state();
            match group_decrypt(&mut receiver, &bad) {
                // Only a flip of the ignored low nibble of the version byte
                // (or of nothing) leaves a valid message.
                Ok(plaintext) => {
                    prop_assert_eq!(&bad[1..], &original[1..]);
                    prop_assert!(!delivered[i]);
                    prop_assert_eq!(plaintext, vec![i as u8]);
                    delivered[i] = true;
                }
                Err(_) => prop_assert_eq!(&*receiver.to_state(), &*before),
            }
            // Sending with a receive-only record fails and changes nothing.
            let before = receiver.to_state();
            let refused = group_encrypt(&mut receiver, GROUP, b"x", &mut rng).map(|m| m.iteration());
            let invalid_session = matches!(refused, Err(GroupEncryptError::InvalidSenderKeySession { .. }));
            prop_assert!(invalid_session, "{:?}", refused);
            prop_assert_eq!(&*receiver.to_state(), &*before);
            receiver = reload(&receiver);
        }
        for (i, m) in messages.iter().enumerate() {
            match group_decrypt(&mut receiver, m) {
                Ok(plaintext) => {
                    prop_assert!(!delivered[i]);
                    prop_assert_eq!(plaintext, vec![i as u8]);
                }
                Err(e) => {
                    let duplicate = matches!(e, GroupDecryptError::DuplicatedMessage { .. });
                    prop_assert!(delivered[i] && duplicate, "message {}: {}", i, e);
                }
            }
        }
    }

    /// Three senders, each member keeps one record per sender; messages of
    /// all senders interleaved in any order decrypt exactly once each.
    #[test]
    fn senders_are_independent(order in Just((0..24usize).collect::<Vec<_>>()).prop_shuffle(), seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut own: Vec<SenderKeyRecord> = (0..3).map(|_| SenderKeyRecord::new()).collect();
        let mut theirs: Vec<SenderKeyRecord> = (0..3).map(|_| SenderKeyRecord::new()).collect();
        for (mine, receiving) in own.iter_mut().zip(&mut theirs) {
            let skdm = create_distribution_message(mine, GROUP, &mut rng).unwrap();
            process_distribution_message(receiving, &SenderKeyDistributionMessage::deserialize(skdm.serialized()).unwrap());
        }
        // Message k is the (k / 3)-th of sender k % 3.
        let messages: Vec<Vec<u8>> = (0..24).map(|k| group_encrypt(&mut own[k % 3], GROUP, &[k as u8], &mut rng).unwrap().serialized().to_vec()).collect();
        for &k in &order {
            let sender = k % 3;
            prop_assert_eq!(group_decrypt(&mut theirs[sender], &messages[k]).unwrap(), vec![k as u8]);
            // Another sender's record has no such chain.
            let before = theirs[(sender + 1) % 3].to_state();
            let wrong = group_decrypt(&mut theirs[(sender + 1) % 3], &messages[k]);
            let no_state = matches!(wrong, Err(GroupDecryptError::NoSenderKeyState { .. }));
            prop_assert!(no_state, "{:?}", wrong);
            prop_assert_eq!(&*theirs[(sender + 1) % 3].to_state(), &*before);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Beyond 2000 held keys: after the newest message of a burst of up to
    /// 2100, exactly the ones more than 2000 behind it fail (as duplicates);
    /// the rest decrypt once, in any order.
    #[test]
    fn evicted_keys_fail_as_duplicates(n in 1990usize..2100, seed in any::<u64>(), order_seed in any::<u64>()) {
        let (mut sender, mut receiver, _, mut rng) = setup(seed);
        let messages: Vec<Vec<u8>> = (0..n)
            .map(|i| group_encrypt(&mut sender, GROUP, &(i as u32).to_le_bytes(), &mut rng).unwrap().serialized().to_vec())
            .collect();
        let newest = n - 1;
        prop_assert!(group_decrypt(&mut receiver, &messages[newest]).is_ok());
        let mut rest: Vec<usize> = (0..newest).collect();
        let mut order_rng = StdRng::seed_from_u64(order_seed);
        rand::seq::SliceRandom::shuffle(rest.as_mut_slice(), &mut order_rng);
        for i in rest {
            let result = group_decrypt(&mut receiver, &messages[i]);
            if newest - i > MAX_MESSAGE_KEYS {
                let expected = GroupDecryptError::DuplicatedMessage { current: n as u32, received: i as u32 };
                prop_assert_eq!(result, Err(expected));
            } else {
                prop_assert_eq!(result.unwrap(), (i as u32).to_le_bytes().to_vec());
            }
        }
    }
}
