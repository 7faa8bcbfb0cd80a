//! Property tests for keys, records, signatures, agreement, the KEM and safety
//! numbers. Case counts are kept modest so the file runs in seconds in debug
//! builds; Kyber key generation is the expensive part.

use hush::fingerprint::{Fingerprint, FingerprintParty};
use hush::keys::{
    IdentityKey, IdentityKeyPair, KemCiphertext, KemKeyPair, KemPublicKey, KemSecretKey, KeyError,
    KyberPreKeyId, KyberPreKeyRecord, PreKeyId, PreKeyRecord, PrivateKey, PublicKey,
    SignedPreKeyId, SignedPreKeyRecord, Timestamp,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn flip_bit(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// Bytes that are mostly short, but sometimes exactly the length of a stored
/// structure or KEM key, so length checks are exercised from both sides.
fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..128),
        1 => prop::collection::vec(any::<u8>(), 1568..1571),
        1 => prop::collection::vec(any::<u8>(), 3168..3171),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ec_private_key_round_trip(bytes in any::<[u8; 32]>()) {
        let key = PrivateKey::deserialize(&bytes).unwrap();
        let serialized = key.serialize();
        prop_assert_eq!(serialized[0] & 0x07, 0);
        prop_assert_eq!(serialized[31] & 0xc0, 0x40);
        prop_assert_eq!(&serialized[1..31], &bytes[1..31]);
        let again = PrivateKey::deserialize(&serialized[..]).unwrap();
        prop_assert_eq!(&again.serialize()[..], &serialized[..]);
        prop_assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn ec_public_key_round_trip_with_trailing_bytes(raw in any::<[u8; 32]>(), trailing in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut wire = vec![0x05];
        wire.extend_from_slice(&raw);
        let canonical = wire.clone();
        wire.extend_from_slice(&trailing);
        let key = PublicKey::deserialize(&wire).unwrap();
        // Trailing bytes are ignored and dropped: the key re-serializes as
        // the canonical 33 bytes.
        prop_assert_eq!(key.serialize().to_vec(), canonical);
        prop_assert_eq!(PublicKey::deserialize(&key.serialize()).unwrap(), key);
        prop_assert_eq!(PublicKey::from_raw(&raw).unwrap(), key);
        prop_assert_eq!(*IdentityKey::deserialize(&wire).unwrap().public_key(), key);
    }

    #[test]
    fn ec_key_parsers_accept_exactly_their_format(data in arbitrary_bytes()) {
        match PublicKey::deserialize(&data) {
            Ok(_) => prop_assert!(data.len() >= 33 && data[0] == 0x05),
            Err(KeyError::NoKeyTypeIdentifier) => prop_assert!(data.is_empty()),
            Err(KeyError::BadKeyType(t)) => prop_assert!(t == data[0] && t != 0x05),
            Err(KeyError::BadKeyLength(n)) => prop_assert!(n == data.len() && n < 33),
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
        prop_assert_eq!(PrivateKey::deserialize(&data).is_ok(), data.len() == 32);
        prop_assert_eq!(PublicKey::from_raw(&data).is_ok(), data.len() == 32);
    }

    #[test]
    fn structured_parsers_reject_arbitrary_bytes(data in arbitrary_bytes()) {
        // A key pair or record needs a public key that matches its private
        // key, and KEM encodings need the 0x08 type byte and an exact length;
        // random bytes (of any of these lengths) never qualify.
        prop_assert!(IdentityKeyPair::deserialize(&data).is_err());
        prop_assert!(PreKeyRecord::deserialize(&data).is_err());
        prop_assert!(SignedPreKeyRecord::deserialize(&data).is_err());
        prop_assert!(KyberPreKeyRecord::deserialize(&data).is_err());
        let typed = data.first() == Some(&0x08);
        prop_assert_eq!(KemPublicKey::deserialize(&data).is_ok(), typed && data.len() == 1569);
        prop_assert_eq!(KemCiphertext::deserialize(&data).is_ok(), typed && data.len() == 1569);
        prop_assert_eq!(KemSecretKey::deserialize(&data).is_ok(), typed && data.len() == 3169);
    }

    #[test]
    fn agreement_is_symmetric(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
        let a = PrivateKey::deserialize(&a).unwrap();
        let b = PrivateKey::deserialize(&b).unwrap();
        let ab = a.agree(&b.public_key()).unwrap();
        let ba = b.agree(&a.public_key()).unwrap();
        prop_assert_eq!(&ab[..], &ba[..]);
    }

    #[test]
    fn identity_key_pair_round_trip(seed in any::<u64>()) {
        let pair = IdentityKeyPair::generate(&mut rng(seed));
        let serialized = pair.serialize();
        prop_assert_eq!(serialized.len(), 69);
        let again = IdentityKeyPair::deserialize(&serialized).unwrap();
        prop_assert_eq!(again.identity_key(), pair.identity_key());
        prop_assert_eq!(&again.serialize()[..], &serialized[..]);
        prop_assert_eq!(IdentityKey::deserialize(&pair.identity_key().serialize()).unwrap(), *pair.identity_key());
    }

    #[test]
    fn pre_key_record_round_trip(seed in any::<u64>(), id in any::<u32>()) {
        let record = PreKeyRecord::generate(PreKeyId(id), &mut rng(seed));
        let serialized = record.serialize();
        let again = PreKeyRecord::deserialize(&serialized).unwrap();
        prop_assert_eq!(again.id(), PreKeyId(id));
        prop_assert_eq!(again.public_key(), record.public_key());
        prop_assert_eq!(&again.serialize()[..], &serialized[..]);
    }

    #[test]
    fn signed_pre_key_record_round_trip(seed in any::<u64>(), id in any::<u32>(), ms in any::<u64>()) {
        let mut rng = rng(seed);
        let identity = IdentityKeyPair::generate(&mut rng);
        let record = SignedPreKeyRecord::generate(SignedPreKeyId(id), Timestamp::from_millis(ms), &identity, &mut rng);
        let serialized = record.serialize();
        let again = SignedPreKeyRecord::deserialize(&serialized).unwrap();
        prop_assert_eq!(again.id(), SignedPreKeyId(id));
        prop_assert_eq!(again.timestamp(), Timestamp::from_millis(ms));
        prop_assert_eq!(again.public_key(), record.public_key());
        prop_assert_eq!(again.signature(), record.signature());
        prop_assert_eq!(&again.serialize()[..], &serialized[..]);
        prop_assert!(identity.identity_key().public_key().verify_signature(&again.public_key().serialize(), again.signature()));
    }

    #[test]
    fn mutated_records_fail_cleanly_or_round_trip(seed in any::<u64>(), index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut rng = rng(seed);
        let identity = IdentityKeyPair::generate(&mut rng);
        let record = SignedPreKeyRecord::generate(SignedPreKeyId(1), Timestamp::from_millis(5), &identity, &mut rng);
        let mut bytes = record.serialize().to_vec();
        let i = index.index(bytes.len());
        bytes[i] = byte;
        // Whatever the damage: an error, or a record that round-trips.
        if let Ok(parsed) = SignedPreKeyRecord::deserialize(&bytes) {
            let serialized = parsed.serialize();
            prop_assert_eq!(&SignedPreKeyRecord::deserialize(&serialized).unwrap().serialize()[..], &serialized[..]);
        }
        if let Ok(parsed) = IdentityKeyPair::deserialize(&bytes) {
            let serialized = parsed.serialize();
            prop_assert_eq!(&IdentityKeyPair::deserialize(&serialized).unwrap().serialize()[..], &serialized[..]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signatures_verify_and_single_bit_flips_fail(
        seed in any::<u64>(),
        message in prop::collection::vec(any::<u8>(), 0..256),
        sig_bit in 0usize..512,
        msg_bit in any::<prop::sample::Index>(),
    ) {
        let mut rng = rng(seed);
        let key = PrivateKey::generate(&mut rng);
        let public = key.public_key();
        let signature = key.calculate_signature(&message, &mut rng);
        prop_assert!(public.verify_signature(&message, &signature));

        let mut bad_signature = signature;
        flip_bit(&mut bad_signature, sig_bit);
        prop_assert!(!public.verify_signature(&message, &bad_signature), "signature bit {} flipped", sig_bit);

        if !message.is_empty() {
            let bit = msg_bit.index(message.len() * 8);
            let mut bad_message = message.clone();
            flip_bit(&mut bad_message, bit);
            prop_assert!(!public.verify_signature(&bad_message, &signature), "message bit {} flipped", bit);
        }
        // Truncated or extended signatures never verify.
        prop_assert!(!public.verify_signature(&message, &signature[..63]));
        prop_assert!(!public.verify_signature(&message, &[&signature[..], &[0]].concat()));
    }

    #[test]
    fn fingerprint_display_is_symmetric_sixty_digits(
        a_seed in any::<u64>(),
        b_seed in any::<u64>(),
        a_id in prop::collection::vec(any::<u8>(), 0..32),
        b_id in prop::collection::vec(any::<u8>(), 0..32),
        version in 0u32..4,
        iterations in 2u32..64,
    ) {
        let a_key = IdentityKeyPair::generate(&mut rng(a_seed));
        let b_key = IdentityKeyPair::generate(&mut rng(b_seed ^ 0x5555_5555));
        let a = FingerprintParty { identifier: &a_id, identity_key: a_key.identity_key() };
        let b = FingerprintParty { identifier: &b_id, identity_key: b_key.identity_key() };
        let ab = Fingerprint::new(version, iterations, a, b).unwrap();
        let ba = Fingerprint::new(version, iterations, b, a).unwrap();
        let display = ab.display_string();
        prop_assert_eq!(display, ba.display_string());
        prop_assert_eq!(display.len(), 60);
        prop_assert!(display.bytes().all(|c| c.is_ascii_digit()), "{}", display);
        prop_assert_eq!(ab.scannable().compare(&ba.scannable().serialize()), Ok(true));
        prop_assert_eq!(ba.scannable().compare(&ab.scannable().serialize()), Ok(true));
    }
}

proptest! {
    // Kyber-1024 key generation and encapsulation dominate the run time.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn signatures_fail_for_every_single_bit_flip(seed in any::<u64>(), message in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut rng = rng(seed);
        let key = PrivateKey::generate(&mut rng);
        let public = key.public_key();
        let signature = key.calculate_signature(&message, &mut rng);
        prop_assert!(public.verify_signature(&message, &signature));
        for bit in 0..512 {
            let mut bad = signature;
            flip_bit(&mut bad, bit);
            prop_assert!(!public.verify_signature(&message, &bad), "signature bit {} flipped", bit);
        }
    }

    #[test]
    fn kem_keys_round_trip_and_encapsulation_agrees(seed in any::<u64>()) {
        let mut rng = rng(seed);
        let pair = KemKeyPair::generate(&mut rng);
        let public = pair.public_key.serialize();
        let secret = pair.secret_key.serialize();
        prop_assert_eq!(public.len(), 1569);
        prop_assert_eq!(secret.len(), 3169);
        let public_again = KemPublicKey::deserialize(&public).unwrap();
        let secret_again = KemSecretKey::deserialize(&secret).unwrap();
        prop_assert_eq!(&public_again.serialize(), &public);
        prop_assert_eq!(&secret_again.serialize()[..], &secret[..]);
        prop_assert!(KemKeyPair::from_parts(public_again.clone(), secret_again.clone()).is_ok());

        let (sent, ciphertext) = public_again.encapsulate(&mut rng);
        let wire = ciphertext.serialize();
        prop_assert_eq!(wire.len(), 1569);
        prop_assert_eq!(&KemCiphertext::deserialize(&wire).unwrap(), &ciphertext);
        let received = secret_again.decapsulate_serialized(&wire).unwrap();
        prop_assert_eq!(&sent[..], &received[..]);

        // A damaged ciphertext decapsulates to an unrelated secret (implicit
        // rejection), not an error.
        let mut damaged = wire.clone();
        damaged[1 + (seed as usize % 1568)] ^= 0x01;
        let rejected = secret_again.decapsulate_serialized(&damaged).unwrap();
        prop_assert_ne!(&sent[..], &rejected[..]);
    }

    #[test]
    fn kyber_pre_key_record_round_trip(seed in any::<u64>(), id in any::<u32>(), ms in any::<u64>()) {
        let mut rng = rng(seed);
        let identity = IdentityKeyPair::generate(&mut rng);
        let record = KyberPreKeyRecord::generate(KyberPreKeyId(id), Timestamp::from_millis(ms), &identity, &mut rng);
        let serialized = record.serialize();
        let again = KyberPreKeyRecord::deserialize(&serialized).unwrap();
        prop_assert_eq!(again.id(), KyberPreKeyId(id));
        prop_assert_eq!(again.timestamp(), Timestamp::from_millis(ms));
        prop_assert_eq!(again.public_key(), record.public_key());
        prop_assert_eq!(again.signature(), record.signature());
        prop_assert_eq!(&again.serialize()[..], &serialized[..]);
        prop_assert!(identity.identity_key().public_key().verify_signature(&again.public_key().serialize(), again.signature()));
        let (sent, ciphertext) = again.public_key().encapsulate(&mut rng);
        prop_assert_eq!(&record.key_pair().secret_key.decapsulate(&ciphertext)[..], &sent[..]);
    }
}
