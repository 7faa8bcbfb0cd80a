//! Property tests of classic (version 3) sessions: over random schedules
//! (turns, messages per turn, delivery order, messages held back until the
//! end, duplicates, tampering), every genuine message decrypts exactly
//! once, a replay is reported as a duplicate, and every failure leaves the
//! record byte-identical.

use hush::address::ClassicDeviceId;
use hush::classic::*;
use hush::keys::*;
use hush::session::LocalIdentity;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

struct Side {
    local: LocalIdentity,
    record: ClassicSessionRecord,
}

fn decrypt(
    side: &mut Side,
    message: &ClassicCiphertextMessage,
    keys: ClassicPreKeys<'_>,
    rng: &mut StdRng,
) -> Result<Vec<u8>, ClassicDecryptError> {
    let before = side.record.to_state();
    let result = match message {
        ClassicCiphertextMessage::Whisper(m) => side.record.decrypt(m, rng),
        ClassicCiphertextMessage::PreKey(m) => side
            .record
            .decrypt_prekey(m, &side.local, keys, rng)
            .map(|d| d.plaintext),
    };
    if result.is_err() {
        assert_eq!(
            *side.record.to_state(),
            *before,
            "a failure changed the record"
        );
    }
    result
}

/// One turn: how many messages, which ones are delivered at once (in this
/// order), the rest held back until the end.
#[derive(Debug, Clone)]
struct Turn {
    count: usize,
    order: Vec<usize>,
    hold: Vec<bool>,
}

fn turn() -> impl Strategy<Value = Turn> {
    (1usize..5).prop_flat_map(|count| {
        (
            Just(count),
            Just((0..count).collect::<Vec<_>>()).prop_shuffle(),
            proptest::collection::vec(any::<bool>(), count),
        )
            .prop_map(|(count, order, hold)| Turn { count, order, hold })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_schedule_decrypts_each_message_once(
        seed in any::<u64>(),
        turns in proptest::collection::vec(turn(), 1..8),
        final_order_seed in any::<u64>(),
        tamper_at in any::<prop::sample::Index>(),
        with_one_time in any::<bool>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut alice = Side {
            local: LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 },
            record: ClassicSessionRecord::new(),
        };
        let mut bob = Side {
            local: LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 },
            record: ClassicSessionRecord::new(),
        };
        let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob.local.key_pair, &mut rng);
        let one_time = PreKeyRecord::generate(PreKeyId(1), &mut rng);
        let bundle = ClassicPreKeyBundle::from_records(
            2,
            ClassicDeviceId::new(1).unwrap(),
            *bob.local.key_pair.identity_key(),
            &signed,
            with_one_time.then_some(&one_time),
        );
        alice.record.initiate(&bundle.verify().unwrap(), &alice.local, NOW, &mut rng).unwrap();
        let keys = ClassicPreKeys { signed: Some(&signed), one_time: Some(&one_time) };
        // (to_bob, message, plaintext)
        let mut held: Vec<(bool, ClassicCiphertextMessage, Vec<u8>)> = Vec::new();
        let mut delivered: Vec<(bool, ClassicCiphertextMessage)> = Vec::new();
        for (t, turn) in turns.iter().enumerate() {
            let to_bob = t % 2 == 0;
            let (sender, receiver) = if to_bob { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
            let sent: Vec<_> = (0..turn.count)
                .map(|i| {
                    let text = vec![t as u8, i as u8];
                    (sender.record.encrypt(&text).unwrap(), text)
                })
                .collect();
            // One message of every turn arrives at once, so the next turn's
            // sender has ratcheted.
            let mut first = true;
            for &i in &turn.order {
                let (message, text) = &sent[i];
                if turn.hold[i] && !first {
                    held.push((to_bob, message.clone(), text.clone()));
                    continue;
                }
                first = false;
                prop_assert_eq!(&decrypt(receiver, message, keys, &mut rng).unwrap(), text);
                delivered.push((to_bob, message.clone()));
            }
        }
        // Late messages, in a shuffled order.
        let mut order_rng = StdRng::seed_from_u64(final_order_seed);
        for i in (1..held.len()).rev() {
            let j = rand::RngExt::random_range(&mut order_rng, 0..=i);
            held.swap(i, j);
        }
        for (to_bob, message, text) in &held {
            let receiver = if *to_bob { &mut bob } else { &mut alice };
            prop_assert_eq!(&decrypt(receiver, message, keys, &mut rng).unwrap(), text);
            delivered.push((*to_bob, message.clone()));
        }
        // Replays are duplicates; tampered copies fail; nothing changes.
        if !delivered.is_empty() {
            let (to_bob, message) = &delivered[tamper_at.index(delivered.len())];
            let receiver = if *to_bob { &mut bob } else { &mut alice };
            let again = decrypt(receiver, message, keys, &mut rng);
            prop_assert!(matches!(again, Err(ClassicDecryptError::DuplicatedMessage { .. })), "{:?}", again);
            let mut bytes = message.serialized().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 0x01;
            let tampered = ClassicCiphertextMessage::deserialize(message.message_type(), &bytes).unwrap();
            prop_assert!(decrypt(receiver, &tampered, keys, &mut rng).is_err());
        }
        // Both records survive both stored forms.
        for side in [&alice, &bob] {
            let stored = side.record.to_state();
            prop_assert_eq!(&*ClassicSessionRecord::from_state(&stored).unwrap().to_state(), &*stored);
            let lspc = side.record.to_lspc();
            prop_assert_eq!(&*ClassicSessionRecord::from_lspc(&lspc, NOW).unwrap().to_lspc(), &*lspc);
        }
    }
}
