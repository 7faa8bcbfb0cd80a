//! Bodies of the fuzz targets, one `pub fn name(data: &[u8])` per target.
//!
//! This file is a plain module shared by two builds: every binary in
//! `fuzz/fuzz_targets/` includes it with `#[path = "../targets.rs"]`, and the
//! main crate's `tests/fuzz_corpus.rs` includes it with
//! `#[path = "../fuzz/targets.rs"]` to replay `fuzz/corpus/<target>/` under
//! `cargo test`. Every target checks invariants beyond "does not panic"; a
//! failed `assert!` is a finding.
//!
//! It depends on `hush` and `rand` only, so both builds can compile it.

#![allow(dead_code)]

use hush::address::DeviceId;
use hush::fingerprint::{compare_scannable, Fingerprint, FingerprintError, FingerprintParty};
use hush::keys::{
    BundleError, BundleSignature, IdentityKey, IdentityKeyPair, KemCiphertext, KemKeyPair,
    KemPublicKey, KemSecretKey, KeyError, KyberPreKeyId, KyberPreKeyRecord, PreKeyBundle, PreKeyId,
    PreKeyRecord, PrivateKey, PublicKey, RecordError, SignedPreKeyId, SignedPreKeyRecord,
    KYBER1024_CIPHERTEXT_LEN, KYBER1024_PUBLIC_KEY_LEN, KYBER1024_SECRET_KEY_LEN, KYBER1024_TYPE,
};
use hush::primitives::hmac_sha256;
use rand::rngs::StdRng;
use rand::SeedableRng;

#[path = "classic_targets.rs"]
pub mod classic;
pub use classic::{
    classic_lspc_record, classic_prekey_signal_message, classic_sender_key_distribution_message,
    classic_sender_key_message, classic_session_record_state, classic_signal_message,
};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and its corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("ec_public_key", ec_public_key),
    ("ec_private_key", ec_private_key),
    ("identity_key_pair", identity_key_pair),
    ("kem_public_key", kem_public_key),
    ("kem_secret_key", kem_secret_key),
    ("kem_ciphertext", kem_ciphertext),
    ("pre_key_record", pre_key_record),
    ("signed_pre_key_record", signed_pre_key_record),
    ("kyber_pre_key_record", kyber_pre_key_record),
    ("scannable_fingerprint", scannable_fingerprint),
    ("pre_key_bundle", pre_key_bundle),
    ("signal_message", signal_message),
    ("prekey_signal_message", prekey_signal_message),
    ("session_record_state", session_record_state),
    ("conversation", conversation),
    ("spqr_recv", spqr_recv),
    ("sender_key_message", sender_key_message),
    (
        "sender_key_distribution_message",
        sender_key_distribution_message,
    ),
    ("sender_key_record_state", sender_key_record_state),
    ("server_certificate", server_certificate),
    ("sender_certificate", sender_certificate),
    ("sealed_content", sealed_content),
    ("sealed_v1", sealed_v1),
    ("sealed_v2_received", sealed_v2_received),
    ("sealed_v2_sent", sealed_v2_sent),
    ("retry_receipt", retry_receipt),
    ("classic_signal_message", classic_signal_message),
    (
        "classic_prekey_signal_message",
        classic_prekey_signal_message,
    ),
    ("classic_lspc_record", classic_lspc_record),
    ("classic_session_record_state", classic_session_record_state),
    ("classic_sender_key_message", classic_sender_key_message),
    (
        "classic_sender_key_distribution_message",
        classic_sender_key_distribution_message,
    ),
];

/// A deterministic RNG derived from the input, so a crash reproduces.
fn rng_for(data: &[u8]) -> StdRng {
    StdRng::from_seed(hmac_sha256(b"hush-fuzz", &[data]))
}

fn clamped(scalar: &[u8]) -> bool {
    scalar.len() == 32 && scalar[0] & 0x07 == 0 && scalar[31] & 0xc0 == 0x40
}

// ---------------------------------------------------------------------------
// A strict reader for the flat protobuf messages hush stores, used to decide
// whether an input is *canonical*, i.e. exactly what hush's serializers emit.

/// One protobuf field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
}

fn read_varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let byte = *data.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            // Minimal: no trailing zero group (except the single byte 0x00),
            // and the tenth byte may only carry the top bit.
            if (i > 0 && byte == 0) || (i == 9 && byte > 1) {
                return None;
            }
            return Some(value);
        }
    }
    None
}

/// The fields of `data` if it is canonical proto3: field numbers strictly
/// increasing, minimal varints, wire types 0, 1 and 2 only, no field holding
/// its default value (0 or empty). `None` otherwise.
fn canonical_fields(data: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut pos = 0;
    let mut fields = Vec::new();
    let mut last_number = 0;
    while pos < data.len() {
        let key = read_varint(data, &mut pos)?;
        let number = key >> 3;
        if number <= last_number || number > u64::from(u32::MAX >> 3) {
            return None;
        }
        last_number = number;
        let field = match key & 7 {
            0 => Field::Varint(read_varint(data, &mut pos)?).nonzero()?,
            1 => {
                let raw: [u8; 8] = data.get(pos..pos + 8)?.try_into().ok()?;
                pos += 8;
                Field::Fixed64(u64::from_le_bytes(raw)).nonzero()?
            }
            2 => {
                let len = usize::try_from(read_varint(data, &mut pos)?).ok()?;
                let end = pos.checked_add(len)?;
                let bytes = data.get(pos..end)?;
                pos = end;
                Field::Bytes(bytes).nonzero()?
            }
            _ => return None,
        };
        fields.push((number, field));
    }
    Some(fields)
}

impl Field<'_> {
    fn nonzero(self) -> Option<Self> {
        match self {
            Field::Varint(0) | Field::Fixed64(0) => None,
            Field::Bytes([]) => None,
            other => Some(other),
        }
    }
}

/// What a field of a stored structure must look like to survive a
/// parse → serialize round trip unchanged.
#[derive(Clone, Copy)]
enum Expect {
    /// A `uint32` (the varint must fit in 32 bits).
    U32,
    /// A `fixed64`.
    Fixed64,
    /// Bytes of exactly this length.
    Bytes(usize),
    /// A 32-byte EC private key that is already clamped.
    ClampedScalar,
}

/// Whether `data` is canonical and its fields match `layout` (field number,
/// expectation); fields absent from `data` are allowed (they are defaults).
fn canonical_as(data: &[u8], layout: &[(u64, Expect)]) -> bool {
    let Some(fields) = canonical_fields(data) else {
        return false;
    };
    fields.iter().all(|(number, field)| {
        let Some((_, expect)) = layout.iter().find(|(n, _)| n == number) else {
            return false;
        };
        match (expect, field) {
            (Expect::U32, Field::Varint(v)) => *v <= u64::from(u32::MAX),
            (Expect::Fixed64, Field::Fixed64(_)) => true,
            (Expect::Bytes(len), Field::Bytes(b)) => b.len() == *len,
            (Expect::ClampedScalar, Field::Bytes(b)) => clamped(b),
            _ => false,
        }
    })
}

const EC_RECORD: &[(u64, Expect)] = &[
    (1, Expect::U32),
    (2, Expect::Bytes(33)),
    (3, Expect::ClampedScalar),
];
const SIGNED_EC_RECORD: &[(u64, Expect)] = &[
    (1, Expect::U32),
    (2, Expect::Bytes(33)),
    (3, Expect::ClampedScalar),
    (4, Expect::Bytes(64)),
    (5, Expect::Fixed64),
];
const KYBER_RECORD: &[(u64, Expect)] = &[
    (1, Expect::U32),
    (2, Expect::Bytes(1 + KYBER1024_PUBLIC_KEY_LEN)),
    (3, Expect::Bytes(1 + KYBER1024_SECRET_KEY_LEN)),
    (4, Expect::Bytes(64)),
    (5, Expect::Fixed64),
];
const IDENTITY_KEY_PAIR: &[(u64, Expect)] = &[(1, Expect::Bytes(33)), (2, Expect::ClampedScalar)];

/// The checks shared by every stored structure: the serialized form is
/// canonical, no longer than the input, a fixed point of parse → serialize,
/// and equal to the input whenever the input was canonical.
fn check_stored_round_trip(
    data: &[u8],
    serialized: &[u8],
    layout: &[(u64, Expect)],
    reparse: impl Fn(&[u8]) -> Option<Vec<u8>>,
) {
    assert!(
        canonical_as(serialized, layout),
        "serializer output is not canonical"
    );
    assert!(
        serialized.len() <= data.len(),
        "serialized form grew: {} > {}",
        serialized.len(),
        data.len()
    );
    let again = reparse(serialized).expect("serialized form parses");
    assert_eq!(again, serialized, "parse → serialize is not a fixed point");
    if canonical_as(data, layout) {
        assert_eq!(
            serialized, data,
            "canonical input did not re-serialize identically"
        );
    }
}

// ---------------------------------------------------------------------------
// EC keys

/// `PublicKey::deserialize` (and `IdentityKey::deserialize`, the same parser).
pub fn ec_public_key(data: &[u8]) {
    let parsed = PublicKey::deserialize(data);
    assert_eq!(
        IdentityKey::deserialize(data).map(|k| *k.public_key()),
        parsed,
        "IdentityKey and PublicKey parse alike"
    );
    match parsed {
        Ok(key) => {
            let serialized = key.serialize();
            assert_eq!(serialized.len(), 33);
            assert_eq!(
                serialized[..],
                data[..33],
                "serialized form is the first 33 input bytes"
            );
            assert_eq!(
                PublicKey::deserialize(&serialized),
                Ok(key),
                "parse → serialize → parse"
            );
            assert_eq!(PublicKey::from_raw(&data[1..33]), Ok(key), "raw form");
            if key.is_canonical() {
                assert_eq!(data[32] & 0x80, 0, "a canonical key has bit 255 clear");
            }
            // Verifying an arbitrary signature (the bytes after the key) never
            // panics, whatever its length.
            let (signature, message) = data[33..].split_at((data.len() - 33).min(64));
            let _ = key.verify_signature(message, signature);
        }
        Err(KeyError::NoKeyTypeIdentifier) => assert!(data.is_empty()),
        Err(KeyError::BadKeyType(kind)) => assert!(kind == data[0] && kind != 0x05),
        Err(KeyError::BadKeyLength(len)) => {
            assert!(len == data.len() && len < 33 && data[0] == 0x05)
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// `PrivateKey::deserialize`: accepts exactly 32 bytes and clamps them.
pub fn ec_private_key(data: &[u8]) {
    match PrivateKey::deserialize(data) {
        Ok(key) => {
            assert_eq!(data.len(), 32);
            let serialized = key.serialize();
            assert!(clamped(&serialized[..]), "stored scalar is clamped");
            assert_eq!(
                serialized[1..31],
                data[1..31],
                "only the clamped bits change"
            );
            assert_eq!(serialized[0], data[0] & 0xf8);
            assert_eq!(serialized[31], (data[31] & 0x7f) | 0x40);
            let again = PrivateKey::deserialize(&serialized[..]).expect("serialized key parses");
            assert_eq!(
                again.serialize()[..],
                serialized[..],
                "clamping is idempotent"
            );
            let public = key.public_key();
            assert_eq!(again.public_key(), public);
            assert_eq!(public.serialize()[0], 0x05);
            // Agreement with a second key derived from the input is symmetric.
            let mut other_bytes = [0u8; 32];
            other_bytes.copy_from_slice(data);
            other_bytes.reverse();
            let other = PrivateKey::deserialize(&other_bytes).expect("32 bytes");
            let ab = key
                .agree(&other.public_key())
                .expect("prime-order public key");
            let ba = other.agree(&public).expect("prime-order public key");
            assert_eq!(ab[..], ba[..], "agreement is symmetric");
        }
        Err(KeyError::BadKeyLength(len)) => assert!(len == data.len() && len != 32),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// `IdentityKeyPair::deserialize`, then signing with the loaded key.
pub fn identity_key_pair(data: &[u8]) {
    let Ok(pair) = IdentityKeyPair::deserialize(data) else {
        return;
    };
    let serialized = pair.serialize();
    assert_eq!(
        serialized.len(),
        69,
        "protobuf of a 33-byte and a 32-byte key"
    );
    check_stored_round_trip(data, &serialized, IDENTITY_KEY_PAIR, |bytes| {
        IdentityKeyPair::deserialize(bytes)
            .ok()
            .map(|p| p.serialize().to_vec())
    });
    assert_eq!(
        pair.private_key().public_key(),
        *pair.identity_key().public_key(),
        "loaded pair matches"
    );
    let mut rng = rng_for(data);
    let mut signature = pair.sign(data, &mut rng);
    assert!(
        pair.identity_key()
            .public_key()
            .verify_signature(data, &signature),
        "own signature verifies"
    );
    signature[usize::from(data.first().copied().unwrap_or(0)) % 64] ^= 0x01;
    assert!(
        !pair
            .identity_key()
            .public_key()
            .verify_signature(data, &signature),
        "flipped signature is rejected"
    );
}

// ---------------------------------------------------------------------------
// KEM keys

fn check_kem_error(
    data: &[u8],
    error: KeyError,
    expected_len: usize,
    length_error: fn(usize) -> KeyError,
) {
    match error {
        KeyError::NoKeyTypeIdentifier => assert!(data.is_empty()),
        KeyError::BadKemKeyType(kind) => assert!(kind == data[0] && kind != KYBER1024_TYPE),
        other => {
            assert_eq!(other, length_error(data.len()));
            assert!(data[0] == KYBER1024_TYPE && data.len() != expected_len);
        }
    }
}

/// `KemPublicKey::deserialize`, then encapsulation to the parsed key.
pub fn kem_public_key(data: &[u8]) {
    match KemPublicKey::deserialize(data) {
        Ok(key) => {
            assert_eq!(
                key.serialize(),
                data,
                "a KEM public key re-serializes exactly"
            );
            let (shared, ciphertext) = key.encapsulate(&mut rng_for(data));
            let wire = ciphertext.serialize();
            assert_eq!(wire.len(), 1 + KYBER1024_CIPHERTEXT_LEN);
            assert_eq!(KemCiphertext::deserialize(&wire), Ok(ciphertext));
            let (again, _) = key.encapsulate(&mut rng_for(data));
            assert_eq!(
                shared[..],
                again[..],
                "encapsulation is a function of key and randomness"
            );
        }
        Err(e) => check_kem_error(
            data,
            e,
            1 + KYBER1024_PUBLIC_KEY_LEN,
            KeyError::BadKemKeyLength,
        ),
    }
}

/// `KemSecretKey::deserialize`, then decapsulation and pairing with the
/// public key embedded in it.
pub fn kem_secret_key(data: &[u8]) {
    match KemSecretKey::deserialize(data) {
        Ok(key) => {
            assert_eq!(
                key.serialize()[..],
                data[..],
                "a KEM secret key re-serializes exactly"
            );
            // The encapsulation key sits after the 1536-byte ŝ; pairing with
            // it must succeed, with anything else must fail.
            let mut embedded = vec![KYBER1024_TYPE];
            embedded.extend_from_slice(&data[1 + 1536..1 + 1536 + KYBER1024_PUBLIC_KEY_LEN]);
            let public = KemPublicKey::deserialize(&embedded).expect("typed 1568 bytes");
            assert!(
                KemKeyPair::from_parts(public.clone(), key.clone()).is_ok(),
                "embedded public key pairs"
            );
            embedded[1] ^= 0x01;
            let wrong = KemPublicKey::deserialize(&embedded).expect("typed 1568 bytes");
            assert_eq!(
                KemKeyPair::from_parts(wrong, key.clone()).err(),
                Some(KeyError::KeyPairMismatch)
            );
            // Decapsulation of a ciphertext taken from the input is deterministic.
            let mut ct = vec![KYBER1024_TYPE];
            ct.extend_from_slice(&data[1..1 + KYBER1024_CIPHERTEXT_LEN]);
            let first = key.decapsulate_serialized(&ct).expect("typed 1568 bytes");
            let second =
                key.decapsulate(&KemCiphertext::deserialize(&ct).expect("typed 1568 bytes"));
            assert_eq!(first[..], second[..]);
        }
        Err(e) => check_kem_error(
            data,
            e,
            1 + KYBER1024_SECRET_KEY_LEN,
            KeyError::BadKemKeyLength,
        ),
    }
}

/// `KemCiphertext::deserialize`.
pub fn kem_ciphertext(data: &[u8]) {
    match KemCiphertext::deserialize(data) {
        Ok(ct) => assert_eq!(ct.serialize(), data, "a ciphertext re-serializes exactly"),
        Err(e) => check_kem_error(
            data,
            e,
            1 + KYBER1024_CIPHERTEXT_LEN,
            KeyError::BadKemCiphertextLength,
        ),
    }
}

// ---------------------------------------------------------------------------
// Pre-key records

/// `PreKeyRecord::deserialize`.
pub fn pre_key_record(data: &[u8]) {
    let record = match PreKeyRecord::deserialize(data) {
        Ok(record) => record,
        Err(RecordError::InvalidProtobufEncoding | RecordError::Key(_)) => return,
        Err(other) => panic!("unexpected error {other:?}"),
    };
    assert_eq!(
        record.key_pair().private_key.public_key(),
        *record.public_key(),
        "key pair matches"
    );
    let serialized = record.serialize();
    check_stored_round_trip(data, &serialized, EC_RECORD, |bytes| {
        PreKeyRecord::deserialize(bytes)
            .ok()
            .map(|r| r.serialize().to_vec())
    });
    let again = PreKeyRecord::deserialize(&serialized).expect("round trip");
    assert_eq!(
        (again.id(), *again.public_key()),
        (record.id(), *record.public_key())
    );
}

/// `SignedPreKeyRecord::deserialize`.
pub fn signed_pre_key_record(data: &[u8]) {
    let record = match SignedPreKeyRecord::deserialize(data) {
        Ok(record) => record,
        Err(RecordError::InvalidProtobufEncoding | RecordError::Key(_)) => return,
        Err(RecordError::BadSignatureLength(len)) => {
            assert_ne!(len, 64);
            return;
        }
    };
    assert_eq!(
        record.key_pair().private_key.public_key(),
        *record.public_key(),
        "key pair matches"
    );
    let serialized = record.serialize();
    check_stored_round_trip(data, &serialized, SIGNED_EC_RECORD, |bytes| {
        SignedPreKeyRecord::deserialize(bytes)
            .ok()
            .map(|r| r.serialize().to_vec())
    });
    let again = SignedPreKeyRecord::deserialize(&serialized).expect("round trip");
    assert_eq!(
        (
            again.id(),
            *again.public_key(),
            *again.signature(),
            again.timestamp()
        ),
        (
            record.id(),
            *record.public_key(),
            *record.signature(),
            record.timestamp()
        )
    );
}

/// `KyberPreKeyRecord::deserialize`.
pub fn kyber_pre_key_record(data: &[u8]) {
    let record = match KyberPreKeyRecord::deserialize(data) {
        Ok(record) => record,
        Err(RecordError::InvalidProtobufEncoding | RecordError::Key(_)) => return,
        Err(RecordError::BadSignatureLength(len)) => {
            assert_ne!(len, 64);
            return;
        }
    };
    let pair = record.key_pair();
    assert!(
        KemKeyPair::from_parts(pair.public_key.clone(), pair.secret_key.clone()).is_ok(),
        "key pair matches"
    );
    let serialized = record.serialize();
    check_stored_round_trip(data, &serialized, KYBER_RECORD, |bytes| {
        KyberPreKeyRecord::deserialize(bytes)
            .ok()
            .map(|r| r.serialize().to_vec())
    });
    let again = KyberPreKeyRecord::deserialize(&serialized).expect("round trip");
    assert_eq!(
        (
            again.id(),
            again.public_key(),
            *again.signature(),
            again.timestamp()
        ),
        (
            record.id(),
            record.public_key(),
            *record.signature(),
            record.timestamp()
        )
    );
}

// ---------------------------------------------------------------------------
// Safety numbers

/// Splits `data` at a point given by its first two bytes.
fn split_in_two(data: &[u8]) -> (&[u8], &[u8]) {
    match data {
        [a, b, rest @ ..] => {
            rest.split_at(usize::from(u16::from_le_bytes([*a, *b])) % (rest.len() + 1))
        }
        _ => (data, &[]),
    }
}

/// `compare_scannable` on two arbitrary inputs, and on a real scannable
/// fingerprint (built from keys taken from the input) against arbitrary bytes.
pub fn scannable_fingerprint(data: &[u8]) {
    let (ours, theirs) = split_in_two(data);
    match compare_scannable(ours, theirs) {
        Ok(true) => {
            // Matching is mirror-symmetric, except that only *their* version
            // may be absent (it then counts as 0).
            match compare_scannable(theirs, ours) {
                Ok(true) | Err(FingerprintError::Parsing("missing version")) => {}
                other => panic!("match is not symmetric: {other:?}"),
            }
        }
        Ok(false)
        | Err(FingerprintError::Parsing(_) | FingerprintError::VersionMismatch { .. }) => {}
        Err(other) => panic!("unexpected error {other:?}"),
    }

    // A genuine pair of fingerprints: two identities from the input.
    if data.len() < 66 {
        return;
    }
    let alice = IdentityKeyPair::from(PrivateKey::deserialize(&data[..32]).expect("32 bytes"));
    let bob = IdentityKeyPair::from(PrivateKey::deserialize(&data[32..64]).expect("32 bytes"));
    let version = u32::from(data[64]);
    let (a_id, b_id) = split_in_two(&data[65..]);
    let a = FingerprintParty {
        identifier: a_id,
        identity_key: alice.identity_key(),
    };
    let b = FingerprintParty {
        identifier: b_id,
        identity_key: bob.identity_key(),
    };
    let seen_by_a = Fingerprint::new(version, 2, a, b).expect("valid iteration count");
    let seen_by_b = Fingerprint::new(version, 2, b, a).expect("valid iteration count");
    let display = seen_by_a.display_string();
    assert_eq!(
        display,
        seen_by_b.display_string(),
        "display string is symmetric"
    );
    assert!(
        display.len() == 60 && display.bytes().all(|c| c.is_ascii_digit()),
        "60 digits"
    );
    let scanned_by_a = seen_by_a.scannable().serialize();
    let scanned_by_b = seen_by_b.scannable().serialize();
    assert_eq!(
        seen_by_a.scannable().compare(&scanned_by_b),
        Ok(true),
        "mirror matches"
    );
    assert_eq!(
        seen_by_b.scannable().compare(&scanned_by_a),
        Ok(true),
        "mirror matches"
    );
    let same_keys = alice.identity_key() == bob.identity_key() && a_id == b_id;
    assert_eq!(
        seen_by_a.scannable().compare(&scanned_by_a),
        Ok(same_keys),
        "own form matches only itself mirrored"
    );
    // A real form against arbitrary bytes: any verdict, no panic.
    let _ = seen_by_a.scannable().compare(theirs);
}

// ---------------------------------------------------------------------------
// Bundles

/// Byte layout of a fuzzed bundle: fixed-size fields in the order below, each
/// signature preceded by a one-byte length. Keys are raw (any bytes make a
/// key), so every input that is long enough reaches `verify`.
///
/// registration_id u32le | device_id u8 | has_pre_key u8 | pre_key_id u32le |
/// pre_key 32 | signed_pre_key_id u32le | signed_pre_key 32 | len u8 | sig |
/// kyber_pre_key_id u32le | kyber_pre_key 1568 | len u8 | sig | identity 32
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn signature(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(self.u8()?);
        self.take(len)
    }
}

/// Decodes the fuzz layout into a bundle (`None` if the input is too short or
/// the device ID is out of range).
pub fn decode_bundle(data: &[u8]) -> Option<PreKeyBundle> {
    let mut r = Reader(data);
    let registration_id = r.u32()?;
    let device_id = DeviceId::new(u32::from(r.u8()?)).ok()?;
    let has_pre_key = r.u8()? & 1 == 1;
    let pre_key_id = r.u32()?;
    let pre_key = PublicKey::from_raw(r.take(32)?).ok()?;
    let signed_pre_key_id = r.u32()?;
    let signed_pre_key_public = PublicKey::from_raw(r.take(32)?).ok()?;
    let signed_pre_key_signature = r.signature()?.to_vec();
    let kyber_pre_key_id = r.u32()?;
    let mut kyber = vec![KYBER1024_TYPE];
    kyber.extend_from_slice(r.take(KYBER1024_PUBLIC_KEY_LEN)?);
    let kyber_pre_key_public = KemPublicKey::deserialize(&kyber).ok()?;
    let kyber_pre_key_signature = r.signature()?.to_vec();
    let identity_key = IdentityKey::new(PublicKey::from_raw(r.take(32)?).ok()?);
    Some(PreKeyBundle {
        registration_id,
        device_id,
        pre_key: has_pre_key.then_some((PreKeyId(pre_key_id), pre_key)),
        signed_pre_key_id: SignedPreKeyId(signed_pre_key_id),
        signed_pre_key_public,
        signed_pre_key_signature,
        kyber_pre_key_id: KyberPreKeyId(kyber_pre_key_id),
        kyber_pre_key_public,
        kyber_pre_key_signature,
        identity_key,
    })
}

/// Encodes a bundle in the fuzz layout (for seeding the corpus). Signatures
/// longer than 255 bytes are truncated.
pub fn encode_bundle(bundle: &PreKeyBundle) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&bundle.registration_id.to_le_bytes());
    out.push(u8::try_from(bundle.device_id.get()).unwrap_or(1));
    let (has, id, key) = match bundle.pre_key {
        Some((id, key)) => (1, id.0, *key.raw()),
        None => (0, 0, [0u8; 32]),
    };
    out.push(has);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&key);
    out.extend_from_slice(&bundle.signed_pre_key_id.0.to_le_bytes());
    out.extend_from_slice(bundle.signed_pre_key_public.raw());
    push_signature(&mut out, &bundle.signed_pre_key_signature);
    out.extend_from_slice(&bundle.kyber_pre_key_id.0.to_le_bytes());
    out.extend_from_slice(&bundle.kyber_pre_key_public.serialize()[1..]);
    push_signature(&mut out, &bundle.kyber_pre_key_signature);
    out.extend_from_slice(bundle.identity_key.public_key().raw());
    out
}

fn push_signature(out: &mut Vec<u8>, signature: &[u8]) {
    let signature = &signature[..signature.len().min(255)];
    out.push(u8::try_from(signature.len()).unwrap_or(255));
    out.extend_from_slice(signature);
}

/// Arbitrary bytes split into a bundle's fields, then `PreKeyBundle::verify`.
pub fn pre_key_bundle(data: &[u8]) {
    let Some(bundle) = decode_bundle(data) else {
        return;
    };
    assert_eq!(
        decode_bundle(&encode_bundle(&bundle)).as_ref(),
        Some(&bundle),
        "layout round trip"
    );
    let identity = *bundle.identity_key.public_key();
    let signed_ok = identity.verify_signature(
        &bundle.signed_pre_key_public.serialize(),
        &bundle.signed_pre_key_signature,
    );
    let kyber_ok = identity.verify_signature(
        &bundle.kyber_pre_key_public.serialize(),
        &bundle.kyber_pre_key_signature,
    );
    match bundle.clone().verify() {
        Ok(verified) => {
            assert!(signed_ok && kyber_ok, "verify accepted a bad signature");
            assert_eq!(
                verified.into_inner(),
                bundle,
                "verification does not change the bundle"
            );
        }
        Err(BundleError::SignatureValidationFailed(BundleSignature::SignedPreKey)) => {
            assert!(!signed_ok)
        }
        Err(BundleError::SignatureValidationFailed(BundleSignature::KyberPreKey)) => {
            assert!(signed_ok && !kyber_ok)
        }
    }
    // A signature is 64 bytes; anything else never verifies.
    if bundle.signed_pre_key_signature.len() != 64 {
        assert!(!signed_ok);
    }
}

// ---------------------------------------------------------------------------
// 1:1 messages, stored session records, and whole conversations.

use hush::address::ProtocolAddress;
use hush::messages::{CiphertextMessage, MessageError, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError, LocalIdentity, PreKeys, SessionRecord};
use hush::state::StateError;

/// `SignalMessage` parsing: never panics; a parsed message re-parses to
/// itself and its fields are within the rules of messages.md §3.4.
pub fn signal_message(data: &[u8]) {
    match SignalMessage::deserialize(data) {
        Ok(m) => {
            assert!(data.len() >= 9);
            assert!((3..=4).contains(&m.message_version()));
            assert_eq!(m.serialized(), data);
            assert_eq!(SignalMessage::deserialize(m.serialized()).as_ref(), Ok(&m));
            assert_eq!(m.ratchet_key().serialize().len(), 33);
        }
        Err(MessageError::CiphertextMessageTooShort(n)) => assert!(n < 9 && n == data.len()),
        Err(MessageError::LegacyCiphertextVersion(v)) => assert_eq!(v, data[0] >> 4),
        Err(MessageError::UnrecognizedCiphertextVersion(v)) => assert_eq!(v, data[0] >> 4),
        Err(_) => {}
    }
}

/// `PreKeySignalMessage` parsing: never panics; the inner message is a valid
/// `SignalMessage`; version-4 messages carry both Kyber fields.
pub fn prekey_signal_message(data: &[u8]) {
    match PreKeySignalMessage::deserialize(data) {
        Ok(m) => {
            assert_eq!(m.serialized(), data);
            assert_eq!(
                PreKeySignalMessage::deserialize(m.serialized()).as_ref(),
                Ok(&m)
            );
            assert_eq!(
                SignalMessage::deserialize(m.message().serialized()).as_ref(),
                Ok(m.message())
            );
            if m.message_version() == 4 {
                assert!(m.kyber_pre_key_id().is_some() && m.kyber_ciphertext().is_some());
            }
        }
        // Empty input, or an inner SignalMessage under 9 bytes (its parse
        // errors propagate unchanged, messages.md §4.3 step 8).
        Err(MessageError::CiphertextMessageTooShort(n)) => {
            assert!((n == 0 && data.is_empty()) || (n < 9 && !data.is_empty()))
        }
        Err(_) => {}
    }
}

/// Stored session records: never panics; a record that loads re-serializes
/// to a fixed point.
pub fn session_record_state(data: &[u8]) {
    match SessionRecord::from_state(data) {
        Ok(record) => {
            let again = record.to_state();
            let reloaded = SessionRecord::from_state(&again).expect("re-serialized record loads");
            assert_eq!(*reloaded.to_state(), *again);
        }
        Err(StateError::Truncated) => assert!(data.len() < 2),
        Err(_) => {}
    }
}

/// One party of the conversation fuzzer.
#[derive(Clone)]
struct Party {
    address: ProtocolAddress,
    local: LocalIdentity,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    one_time: PreKeyRecord,
    record: SessionRecord,
    /// The peer's sending chains this party has decrypted on, newest last
    /// (at most 5, like the receiver chains), and every one it ever had.
    known_chains: Vec<PublicKey>,
    ever_known: Vec<PublicKey>,
}

impl Party {
    fn new(name: &str, rng: &mut StdRng) -> Self {
        let key_pair = IdentityKeyPair::generate(rng);
        let now = hush::keys::Timestamp::from_millis(1_700_000_000_000);
        Party {
            address: ProtocolAddress::new(name, DeviceId::new(1).expect("valid device")),
            signed: SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &key_pair, rng),
            kyber: KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &key_pair, rng),
            one_time: PreKeyRecord::generate(PreKeyId(1), rng),
            local: LocalIdentity {
                key_pair,
                registration_id: 7,
            },
            record: SessionRecord::new(),
            known_chains: Vec::new(),
            ever_known: Vec::new(),
        }
    }

    fn decrypt(
        &mut self,
        from: &ProtocolAddress,
        message: &CiphertextMessage,
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, DecryptError> {
        let addresses = Addresses {
            local: &self.address,
            remote: from,
        };
        match message {
            CiphertextMessage::Whisper(m) => self.record.decrypt(m, addresses, rng),
            CiphertextMessage::PreKey(m) => {
                let keys = PreKeys {
                    signed: Some(&self.signed),
                    kyber: Some(&self.kyber),
                    one_time: Some(&self.one_time),
                };
                self.record
                    .decrypt_prekey(m, &self.local, keys, addresses, rng)
                    .map(|d| d.plaintext)
            }
        }
    }

    fn chain_trimmed(&self, key: &PublicKey) -> bool {
        self.ever_known.contains(key) && !self.known_chains.contains(key)
    }

    fn saw_chain(&mut self, key: PublicKey) {
        if !self.known_chains.contains(&key) {
            self.known_chains.push(key);
            self.ever_known.push(key);
            if self.known_chains.len() > 5 {
                self.known_chains.remove(0);
            }
        }
    }
}

struct Envelope {
    to_alice: bool,
    message: CiphertextMessage,
    plaintext: Vec<u8>,
    ratchet_key: PublicKey,
}

fn parties() -> &'static (Party, Party) {
    static PARTIES: std::sync::OnceLock<(Party, Party)> = std::sync::OnceLock::new();
    PARTIES.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let mut alice = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", &mut rng);
        let bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", &mut rng);
        let bundle = PreKeyBundle {
            registration_id: bob.local.registration_id,
            device_id: bob.address.device_id(),
            pre_key: Some((bob.one_time.id(), *bob.one_time.public_key())),
            signed_pre_key_id: bob.signed.id(),
            signed_pre_key_public: *bob.signed.public_key(),
            signed_pre_key_signature: bob.signed.signature().to_vec(),
            kyber_pre_key_id: bob.kyber.id(),
            kyber_pre_key_public: bob.kyber.public_key().clone(),
            kyber_pre_key_signature: bob.kyber.signature().to_vec(),
            identity_key: *bob.local.key_pair.identity_key(),
        };
        let verified = bundle.verify().expect("bundle verifies");
        let now = hush::keys::Timestamp::from_millis(1_700_000_000_000);
        alice
            .record
            .initiate(&verified, &alice.local, now, &mut rng)
            .expect("initiate");
        (alice, bob)
    })
}

fn ratchet_key_of(message: &CiphertextMessage) -> PublicKey {
    match message {
        CiphertextMessage::Whisper(m) => *m.ratchet_key(),
        CiphertextMessage::PreKey(m) => *m.message().ratchet_key(),
    }
}

/// The conversation fuzzer: bytes become actions between Alice and Bob
/// (send, deliver, drop, reorder, duplicate, tamper). Every delivered
/// untampered message decrypts exactly once (unless its chain was trimmed
/// at the receiver, as libsignal's 5-chain limit does), a failed decryption
/// leaves the record byte-identical, tampering never yields another
/// plaintext, and nothing panics.
pub fn conversation(data: &[u8]) {
    let (alice, bob) = parties();
    let (mut alice, mut bob) = (alice.clone(), bob.clone());
    let mut rng = rng_for(data);
    let now = hush::keys::Timestamp::from_millis(1_700_000_000_000);
    let (a_addr, b_addr) = (alice.address.clone(), bob.address.clone());
    let mut pending: Vec<Envelope> = Vec::new();
    let mut delivered: Vec<Envelope> = Vec::new();
    let mut bytes = data.iter().copied();
    let mut sent = 0u32;
    while let Some(op) = bytes.next() {
        let arg = usize::from(bytes.next().unwrap_or(0));
        match op % 7 {
            0 | 1 => {
                let from_alice = op % 7 == 0;
                if !from_alice && !bob.record.has_current_state() {
                    continue;
                }
                sent += 1;
                let plaintext = sent.to_le_bytes().repeat(1 + arg % 8);
                let (sender, to) = if from_alice {
                    (&mut alice, &b_addr)
                } else {
                    (&mut bob, &a_addr)
                };
                let addresses = Addresses {
                    local: &sender.address,
                    remote: to,
                };
                let message = sender
                    .record
                    .encrypt(&plaintext, addresses, now, &mut rng)
                    .expect("encrypt");
                let ratchet_key = ratchet_key_of(&message);
                pending.push(Envelope {
                    to_alice: !from_alice,
                    message,
                    plaintext,
                    ratchet_key,
                });
            }
            2 | 3 if !pending.is_empty() => {
                let item = pending.remove(arg % pending.len());
                let (receiver, from) = if item.to_alice {
                    (&mut alice, &b_addr)
                } else {
                    (&mut bob, &a_addr)
                };
                let before = receiver.record.to_state();
                let result = receiver.decrypt(from, &item.message, &mut rng);
                if receiver.chain_trimmed(&item.ratchet_key) {
                    assert!(
                        matches!(result, Err(DecryptError::DecryptionFailed { .. })),
                        "{result:?}"
                    );
                    assert_eq!(*before, *receiver.record.to_state());
                } else {
                    assert_eq!(
                        result.as_deref().ok(),
                        Some(item.plaintext.as_slice()),
                        "{result:?}"
                    );
                    receiver.saw_chain(item.ratchet_key);
                    delivered.push(item);
                }
            }
            4 if !pending.is_empty() => {
                pending.remove(arg % pending.len());
            }
            5 if pending.len() > 1 => {
                let len = pending.len();
                let other = usize::from(bytes.next().unwrap_or(0)) % len;
                pending.swap(arg % len, other);
            }
            6 if !delivered.is_empty() || !pending.is_empty() => {
                let tamper = arg % 2 == 1 && !pending.is_empty();
                let position = usize::from(bytes.next().unwrap_or(0)) * 7 + arg;
                let item = if tamper {
                    &pending[arg % pending.len()]
                } else if delivered.is_empty() {
                    continue;
                } else {
                    &delivered[arg % delivered.len()]
                };
                let mut wire = item.message.serialized().to_vec();
                if tamper {
                    let at = position % wire.len();
                    wire[at] ^= 1 << (arg % 8);
                }
                let reparsed = match &item.message {
                    CiphertextMessage::Whisper(_) => {
                        SignalMessage::deserialize(&wire).map(CiphertextMessage::Whisper)
                    }
                    CiphertextMessage::PreKey(_) => {
                        PreKeySignalMessage::deserialize(&wire).map(CiphertextMessage::PreKey)
                    }
                };
                let Ok(copy) = reparsed else { continue };
                let to_alice = item.to_alice;
                let original = item.plaintext.clone();
                let is_prekey = matches!(item.message, CiphertextMessage::PreKey(_));
                let (receiver, from) = if to_alice {
                    (&mut alice, &b_addr)
                } else {
                    (&mut bob, &a_addr)
                };
                let before = receiver.record.to_state();
                match receiver.decrypt(from, &copy, &mut rng) {
                    Err(_) => assert_eq!(
                        *before,
                        *receiver.record.to_state(),
                        "failed decryption changed state"
                    ),
                    Ok(plaintext) => {
                        // Only a tampered PreKey message whose unauthenticated
                        // outer fields changed can still decrypt, and then to
                        // the original plaintext; it now counts as delivered.
                        assert!(
                            tamper && is_prekey,
                            "a duplicate or tampered message decrypted"
                        );
                        assert_eq!(plaintext, original);
                        let item = pending.remove(arg % pending.len());
                        receiver.saw_chain(item.ratchet_key);
                        delivered.push(item);
                    }
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// SPQR

/// SPQR's message parser, state machine and state decoder, through
/// `hush::spqr_fuzzing`: arbitrary bytes as SPQR messages into a state at a
/// chosen phase, a byte-driven two-party conversation (sends, in-order and
/// out-of-order deliveries, drops, duplicates, tampering) followed by
/// lossless lockstep, or a cut and bit-flipped stored state. The invariants
/// (keys agree, nothing accepted twice, failed receives leave the state
/// byte-identical, states round-trip through their stored form, epochs
/// complete) are listed in that module.
pub fn spqr_recv(data: &[u8]) {
    if let Err(finding) = hush::spqr_fuzzing::spqr_recv(data) {
        panic!("spqr_recv: {finding:?}");
    }
}

// ---------------------------------------------------------------------------
// Groups (sender keys)

use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionError, DistributionId, GroupDecryptError, GroupEncryptError,
    SenderKeyDistributionMessage, SenderKeyMessage, SenderKeyRecord,
};

/// The distribution of the group fuzz targets and their seeds.
pub const FUZZ_GROUP: DistributionId = DistributionId::from_bytes(*b"hush-fuzz-group!");

/// A fixed sender of [`FUZZ_GROUP`]: its own record, a receiver's record of
/// its chain, and its distribution message. Made from a fixed seed, so seed
/// corpora can hold messages the receiver accepts.
pub struct GroupParties {
    pub sender: SenderKeyRecord,
    pub receiver: SenderKeyRecord,
    pub distribution: SenderKeyDistributionMessage,
}

pub fn group_parties() -> &'static GroupParties {
    static PARTIES: std::sync::OnceLock<GroupParties> = std::sync::OnceLock::new();
    PARTIES.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x0067_726f_7570);
        let mut sender = SenderKeyRecord::new();
        let distribution =
            create_distribution_message(&mut sender, FUZZ_GROUP, &mut rng).expect("new sender key");
        let mut receiver = SenderKeyRecord::new();
        process_distribution_message(&mut receiver, &distribution);
        GroupParties {
            sender,
            receiver,
            distribution,
        }
    })
}

/// `SenderKeyMessage` parsing, and decryption of whatever parses by the
/// fixed receiver: every error matches the input (sender-keys.md §4.3); a
/// parsed message keeps the input bytes and re-parses to itself; a message
/// that decrypts carries a valid signature by the sender's key and is a
/// duplicate the second time; a failed decryption leaves the record
/// byte-identical.
pub fn sender_key_message(data: &[u8]) {
    let parsed = SenderKeyMessage::deserialize(data);
    match &parsed {
        Ok(m) => {
            assert!(data.len() >= 65);
            assert_eq!(data[0] >> 4, 3);
            assert_eq!(m.message_version(), 3);
            assert_eq!(m.serialized(), data);
            assert_eq!(m.signature(), &data[data.len() - 64..]);
            assert!(m.ciphertext().len() < data.len());
            assert_eq!(
                SenderKeyMessage::deserialize(m.serialized()).as_ref(),
                Ok(m)
            );
        }
        Err(MessageError::CiphertextMessageTooShort(n)) => assert!(*n == data.len() && *n < 65),
        Err(MessageError::LegacyCiphertextVersion(v)) => assert!(*v == data[0] >> 4 && *v < 3),
        Err(MessageError::UnrecognizedCiphertextVersion(v)) => {
            assert!(*v == data[0] >> 4 && *v > 3)
        }
        Err(MessageError::InvalidProtobufEncoding) => assert!(data.len() >= 65),
        Err(e) => panic!("unexpected parse error {e:?}"),
    }
    let parties = group_parties();
    let mut record = parties.receiver.clone();
    let before = record.to_state();
    match group_decrypt(&mut record, data) {
        Ok(_) => {
            let m = parsed.expect("a decrypted message parses");
            assert!(m.verify_signature(parties.distribution.signing_key()));
            assert_eq!(m.chain_id(), parties.distribution.chain_id());
            assert_ne!(*record.to_state(), *before);
            let again = group_decrypt(&mut record, data);
            assert!(
                matches!(again, Err(GroupDecryptError::DuplicatedMessage { .. })),
                "{again:?}"
            );
        }
        Err(e) => {
            assert_eq!(
                *record.to_state(),
                *before,
                "failed decryption changed the record"
            );
            assert_eq!(matches!(e, GroupDecryptError::Message(_)), parsed.is_err());
        }
    }
}

/// `SenderKeyDistributionMessage` parsing: every error matches the input
/// (sender-keys.md §5.3); a parsed message re-parses to itself; processing
/// it gives a record whose distribution message is the canonical encoding
/// of the same chain (never longer than the input) and which decrypts what
/// the holder of that chain would send.
pub fn sender_key_distribution_message(data: &[u8]) {
    let m = match SenderKeyDistributionMessage::deserialize(data) {
        Ok(m) => m,
        Err(MessageError::CiphertextMessageTooShort(n)) => {
            return assert!(n == data.len() && n < 65)
        }
        Err(MessageError::LegacyCiphertextVersion(v)) => {
            return assert!(v == data[0] >> 4 && v < 3)
        }
        Err(MessageError::UnrecognizedCiphertextVersion(v)) => {
            return assert!(v == data[0] >> 4 && v > 3)
        }
        Err(MessageError::InvalidProtobufEncoding) => return assert!(data.len() >= 65),
        Err(MessageError::Key(KeyError::BadKeyType(b))) => return assert_ne!(b, 0x05),
        Err(e) => panic!("unexpected parse error {e:?}"),
    };
    assert!(data.len() >= 65);
    assert_eq!(m.message_version(), 3);
    assert_eq!(m.serialized(), data);
    assert_eq!(
        SenderKeyDistributionMessage::deserialize(data).as_ref(),
        Ok(&m)
    );
    let mut record = SenderKeyRecord::new();
    process_distribution_message(&mut record, &m);
    assert_eq!(record.chain_ids(), [m.chain_id()]);
    let mut rng = rng_for(data);
    let canonical = create_distribution_message(&mut record, m.distribution_id(), &mut rng)
        .expect("a processed chain redistributes");
    assert_eq!(
        (
            canonical.distribution_id(),
            canonical.chain_id(),
            canonical.iteration(),
            canonical.chain_key(),
            canonical.signing_key()
        ),
        (
            m.distribution_id(),
            m.chain_id(),
            m.iteration(),
            m.chain_key(),
            m.signing_key()
        )
    );
    assert!(canonical.serialized().len() <= data.len());
    assert_eq!(
        SenderKeyDistributionMessage::deserialize(canonical.serialized()).as_ref(),
        Ok(&canonical)
    );
    // The record is receive-only.
    let refused = group_encrypt(&mut record, m.distribution_id(), b"x", &mut rng);
    assert!(
        matches!(
            refused,
            Err(GroupEncryptError::InvalidSenderKeySession { .. })
        ),
        "{refused:?}"
    );
    // A stored record of it loads back to the same bytes.
    let stored = record.to_state();
    assert_eq!(
        *SenderKeyRecord::from_state(&stored)
            .expect("reload")
            .to_state(),
        *stored
    );
}

/// Stored sender-key records: loading never panics; a loaded record has at
/// most 5 states and re-serializes to a fixed point; its newest state
/// either distributes and encrypts, and the receiver of that distribution
/// message decrypts the result, or fails with the documented error (not
/// ours, not version 3, chain exhausted) leaving the record unchanged; a
/// failed decryption leaves it byte-identical.
pub fn sender_key_record_state(data: &[u8]) {
    let record = match SenderKeyRecord::from_state(data) {
        Ok(record) => record,
        Err(StateError::Truncated) => return assert!(data.len() < 2),
        Err(_) => return,
    };
    assert!(record.state_count() <= 5);
    let stored = record.to_state();
    let reloaded = SenderKeyRecord::from_state(&stored).expect("re-serialized record loads");
    assert_eq!(*reloaded.to_state(), *stored);

    let mut rng = rng_for(data);
    let mut own = record.clone();
    let skdm = match create_distribution_message(&mut own, FUZZ_GROUP, &mut rng) {
        Ok(skdm) => skdm,
        Err(DistributionError::InvalidSenderKeySession { .. }) => {
            assert_eq!(*own.to_state(), *stored);
            return;
        }
    };
    if !record.is_empty() {
        assert_eq!(
            *own.to_state(),
            *stored,
            "distributing an existing sender key changed it"
        );
    }
    let mut receiver = SenderKeyRecord::new();
    process_distribution_message(&mut receiver, &skdm);
    let before = own.to_state();
    match group_encrypt(&mut own, FUZZ_GROUP, b"fuzz", &mut rng) {
        Ok(message) => {
            assert_eq!(
                (message.chain_id(), message.iteration()),
                (skdm.chain_id(), skdm.iteration())
            );
            assert_eq!(
                group_decrypt(&mut receiver, message.serialized()).as_deref(),
                Ok(&b"fuzz"[..])
            );
        }
        Err(GroupEncryptError::ChainExhausted) => {
            assert_eq!(skdm.iteration(), u32::MAX);
            assert_eq!(*own.to_state(), *before);
        }
        Err(GroupEncryptError::InvalidSenderKeySession { .. }) => {
            assert_eq!(*own.to_state(), *before)
        }
        Err(GroupEncryptError::NoSenderKeyState { .. }) => {
            panic!("a record that distributed has a state")
        }
    }
    // A message of the fixed sender, into the loaded record.
    let mut fixed = group_parties().sender.clone();
    let message = group_encrypt(&mut fixed, FUZZ_GROUP, b"probe", &mut rng).expect("fixed sender");
    let mut target = record.clone();
    if group_decrypt(&mut target, message.serialized()).is_err() {
        assert_eq!(
            *target.to_state(),
            *stored,
            "failed decryption changed the record"
        );
    }
}

// ---------------------------------------------------------------------------
// Sealed sender

use hush::keys::Timestamp;
use hush::sealed_sender::{
    seal_v1, seal_v2, seal_v2_single, Recipient, RecipientDevice, SenderCertificate, SentMessage,
    SentMessageError, ServerCertificate, Signer, UnidentifiedSenderMessageContent, UnsealError,
    ValidationError, MAX_DEVICES_PER_RECIPIENT, MAX_RECIPIENTS,
};

/// The fixed keys of the sealed-sender targets: those of sealed-sender.md
/// §9.1, so the spec's messages and certificates are valid seeds.
pub struct SealedKeys {
    /// The recipient `R` (private key 32 × `0x21`), who opens every input.
    pub recipient: IdentityKeyPair,
    /// The sender `S` (32 × `0x22`).
    pub sender: IdentityKeyPair,
    /// The trust root (32 × `0x31`).
    pub root: PrivateKey,
    /// The server key (32 × `0x32`).
    pub server_key: PrivateKey,
    /// A server certificate for the server key (ID 1) under the root.
    pub server: ServerCertificate,
}

pub fn sealed_keys() -> &'static SealedKeys {
    static KEYS: std::sync::OnceLock<SealedKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let key = |byte: u8| PrivateKey::deserialize(&[byte; 32]).expect("32 bytes");
        let (root, server_key) = (key(0x31), key(0x32));
        let mut rng = StdRng::seed_from_u64(0x5ea1);
        let server = ServerCertificate::new(1, &server_key.public_key(), &root, &mut rng);
        SealedKeys {
            recipient: key(0x21).into(),
            sender: key(0x22).into(),
            root,
            server_key,
            server,
        }
    })
}

/// `ServerCertificate::deserialize`: a parsed certificate keeps the input
/// bytes and re-parses to itself; validation against the fixed root is the
/// signature check (false for the revoked ID), does not depend on the order
/// or on other roots, and fails with no root; a certificate re-issued for
/// the same ID and key validates.
pub fn server_certificate(data: &[u8]) {
    let Ok(cert) = ServerCertificate::deserialize(data) else {
        return;
    };
    assert_eq!(cert.serialized(), data);
    assert_eq!(
        ServerCertificate::deserialize(cert.serialized()).as_ref(),
        Ok(&cert)
    );
    assert_eq!(cert.is_revoked(), cert.key_id() == 0xDEAD_C357);
    let keys = sealed_keys();
    let root = keys.root.public_key();
    let other = keys.server_key.public_key();
    let valid = cert.validate(&[root]);
    assert_eq!(
        valid,
        !cert.is_revoked() && root.verify_signature(cert.certificate(), cert.signature())
    );
    assert_eq!(
        cert.validate(&[other, root]),
        valid || cert.validate(&[other])
    );
    assert_eq!(cert.validate(&[root, other]), cert.validate(&[other, root]));
    assert!(!cert.validate(&[]));
    let mut rng = rng_for(data);
    let fresh = ServerCertificate::new(cert.key_id(), cert.key(), &keys.root, &mut rng);
    assert_eq!(
        ServerCertificate::deserialize(fresh.serialized()).as_ref(),
        Ok(&fresh)
    );
    assert_eq!(fresh.validate(&[root]), !fresh.is_revoked());
}

/// `SenderCertificate::deserialize`: a parsed certificate keeps the input
/// bytes and re-parses to itself with a device in 1..=127; validation at the
/// expiration succeeds exactly when it does at time 0, and never one
/// millisecond later; an unknown built-in ID is reported as such; the same
/// sender re-certified by the fixed server parses back to the same sender
/// and validates.
pub fn sender_certificate(data: &[u8]) {
    let Ok(cert) = SenderCertificate::deserialize(data) else {
        return;
    };
    assert_eq!(cert.serialized(), data);
    assert_eq!(
        SenderCertificate::deserialize(cert.serialized()).as_ref(),
        Ok(&cert)
    );
    assert!((1..=127).contains(&cert.sender_device_id().get()));
    assert_eq!(cert.sender_address().name(), cert.sender_uuid());
    let keys = sealed_keys();
    let roots = [keys.root.public_key()];
    let expiration = cert.expiration();
    let at_expiry = cert.validate(&roots, expiration);
    match at_expiry {
        Ok(()) => {
            assert_eq!(cert.validate(&roots, Timestamp::from_millis(0)), Ok(()));
            if let Some(later) = expiration.as_millis().checked_add(1) {
                let expired = ValidationError::Expired {
                    expiration: expiration.as_millis(),
                    now: later,
                };
                assert_eq!(
                    cert.validate(&roots, Timestamp::from_millis(later)),
                    Err(expired)
                );
            }
        }
        Err(ValidationError::Expired { .. }) => {
            panic!("a certificate expired at its own expiration time")
        }
        Err(ValidationError::UnknownServerCertificateId(id)) => {
            assert_eq!(cert.signer(), &Signer::BuiltIn(id));
            assert!(ServerCertificate::built_in(id).is_err());
        }
        Err(other) => assert_eq!(cert.validate(&roots, Timestamp::from_millis(0)), Err(other)),
    }
    let mut rng = rng_for(data);
    let fresh = SenderCertificate::new(
        cert.sender().clone(),
        expiration,
        Signer::Embedded(keys.server.clone()),
        &keys.server_key,
        &mut rng,
    );
    let parsed =
        SenderCertificate::deserialize(fresh.serialized()).expect("a new certificate parses");
    assert_eq!(parsed.sender(), cert.sender());
    assert_eq!(parsed.validate(&roots, expiration), Ok(()));
}

/// `UnidentifiedSenderMessageContent::deserialize`: a parsed content keeps
/// the input bytes and re-parses to itself; `new` with its fields gives a
/// content that parses back to the same fields (an empty group ID becomes
/// absent).
pub fn sealed_content(data: &[u8]) {
    let Ok(content) = UnidentifiedSenderMessageContent::deserialize(data) else {
        return;
    };
    assert_eq!(content.serialized(), data);
    assert_eq!(
        UnidentifiedSenderMessageContent::deserialize(content.serialized()).as_ref(),
        Ok(&content)
    );
    let made = UnidentifiedSenderMessageContent::new(
        content.message_type(),
        content.sender().clone(),
        content.contents().to_vec(),
        content.content_hint(),
        content.group_id().map(<[u8]>::to_vec),
    );
    let again = UnidentifiedSenderMessageContent::deserialize(made.serialized())
        .expect("a new content parses");
    assert_eq!(again.message_type(), content.message_type());
    assert_eq!(again.sender(), content.sender());
    assert_eq!(again.contents(), content.contents());
    assert_eq!(again.content_hint(), content.content_hint());
    assert_eq!(
        again.group_id(),
        content.group_id().filter(|g| !g.is_empty())
    );
}

/// The checks common to both versions of `unseal`: the version errors match
/// the first byte, the result is deterministic, and opened content is
/// well formed and names a key that parses.
fn check_unseal(data: &[u8]) -> Option<UnidentifiedSenderMessageContent> {
    let keys = sealed_keys();
    let result = hush::sealed_sender::unseal(data, &keys.recipient);
    assert_eq!(
        hush::sealed_sender::unseal(data, &keys.recipient),
        result,
        "unseal is deterministic"
    );
    match result {
        Ok(content) => {
            assert_eq!(
                UnidentifiedSenderMessageContent::deserialize(content.serialized()).as_ref(),
                Ok(&content)
            );
            Some(content)
        }
        Err(UnsealError::EmptyMessage) => {
            assert!(data.is_empty());
            None
        }
        Err(UnsealError::UnknownVersion(v)) => {
            assert!(v > 2 && v == data[0] >> 4);
            None
        }
        Err(_) => {
            assert!(!data.is_empty() && data[0] >> 4 <= 2);
            None
        }
    }
}

/// Sealed sender v1 (`unseal` of inputs whose version nibble is 0 or 1, or
/// not a version at all): see `check_unseal`; content that opens is at
/// least as long as the v1 framing, and when it names the fixed sender it
/// seals again to the fixed recipient and opens to the same content.
pub fn sealed_v1(data: &[u8]) {
    if data.first().is_some_and(|b| b >> 4 == 2) {
        return; // sealed_v2_received's
    }
    let Some(content) = check_unseal(data) else {
        return;
    };
    assert!(data.len() >= 1 + 2 + 33 + 2 + 43 + 2 + 10 + content.serialized().len());
    let keys = sealed_keys();
    if content.sender().identity_key() == keys.sender.identity_key() {
        let mut rng = rng_for(data);
        let again = seal_v1(
            keys.recipient.identity_key(),
            &content,
            &keys.sender,
            &mut rng,
        )
        .expect("reseal");
        assert_eq!(
            hush::sealed_sender::unseal(&again, &keys.recipient).as_ref(),
            Ok(&content)
        );
    } else {
        assert!(seal_v1(
            keys.recipient.identity_key(),
            &content,
            &keys.sender,
            &mut rng_for(data)
        )
        .is_err());
    }
}

/// A sealed sender v2 ReceivedMessage (`unseal` of inputs whose version
/// nibble is 2): see `check_unseal`; fewer than 81 bytes is malformed;
/// content that opens names the fixed sender only if it seals again, both
/// directly and through a SentMessage and the server's fan-out, to the
/// same content.
pub fn sealed_v2_received(data: &[u8]) {
    if data.first().is_some_and(|b| b >> 4 != 2) {
        return; // sealed_v1's
    }
    let opened = check_unseal(data);
    if data.len() < 81 && !data.is_empty() {
        assert_eq!(
            hush::sealed_sender::unseal(data, &sealed_keys().recipient),
            Err(UnsealError::InvalidProtobufEncoding)
        );
    }
    let Some(content) = opened else { return };
    assert_eq!(data.len(), 81 + content.serialized().len() + 16);
    let keys = sealed_keys();
    if content.sender().identity_key() != keys.sender.identity_key() {
        return;
    }
    let mut rng = rng_for(data);
    let direct = seal_v2_single(
        keys.recipient.identity_key(),
        &content,
        &keys.sender,
        &mut rng,
    )
    .expect("reseal");
    assert_eq!(
        hush::sealed_sender::unseal(&direct, &keys.recipient).as_ref(),
        Ok(&content)
    );
    let recipient = Recipient {
        service_id: hush::address::ServiceId::new(hush::address::ServiceIdKind::Aci, [7; 16]),
        identity_key: *keys.recipient.identity_key(),
        devices: vec![RecipientDevice {
            device_id: DeviceId::new(1).expect("device 1"),
            registration_id: 0x3FFF,
        }],
    };
    let sent = seal_v2(&[recipient], &[], &content, &keys.sender, &mut rng).expect("reseal");
    let parsed = SentMessage::parse(&sent).expect("own SentMessage parses");
    let received = parsed.received_message(&parsed.recipients()[0]);
    assert_eq!(
        hush::sealed_sender::unseal(&received, &keys.recipient).as_ref(),
        Ok(&content)
    );
}

/// `SentMessage::parse`: errors match the input; a parsed message respects
/// the bounds, has distinct recipients and excluded IDs (disjoint), 14-bit
/// registration IDs and devices in 1..=127; every ReceivedMessage is
/// `0x22 || 48 bytes || the input's tail`; a canonical re-encoding (`0x23`,
/// merged recipients) parses to the same recipients, excluded IDs and
/// fan-out; a ReceivedMessage opened by the fixed recipient is well formed.
pub fn sealed_v2_sent(data: &[u8]) {
    let parsed = match SentMessage::parse(data) {
        Ok(parsed) => parsed,
        Err(SentMessageError::EmptyMessage) => return assert!(data.is_empty()),
        Err(SentMessageError::UnknownVersion(v)) => {
            return assert!(v == data[0] && v != 0x22 && v != 0x23)
        }
        Err(_) => return assert!(data[0] == 0x22 || data[0] == 0x23),
    };
    assert_eq!(parsed.version(), data[0]);
    let recipients = parsed.recipients();
    let excluded = parsed.excluded();
    assert!(recipients.len() + excluded.len() <= MAX_RECIPIENTS);
    for (i, r) in recipients.iter().enumerate() {
        assert!(recipients[..i]
            .iter()
            .all(|o| o.service_id() != r.service_id()));
        assert!(!excluded.contains(&r.service_id()));
        assert!(!r.devices().is_empty() && r.devices().len() <= MAX_DEVICES_PER_RECIPIENT);
        assert!(r
            .devices()
            .iter()
            .all(|d| d.registration_id <= 0x3FFF && (1..=127).contains(&d.device_id.get())));
    }
    for (i, e) in excluded.iter().enumerate() {
        assert!(!excluded[..i].contains(e));
    }
    let fan_out = parsed.fan_out();
    let Some((_, first)) = fan_out.first() else {
        return;
    };
    let shared = &first[49..];
    assert!(shared.len() >= 32 && data.ends_with(shared));
    let mut canonical = vec![0x23];
    let count = recipients.len() + excluded.len();
    let mut n = count;
    while n >= 0x80 {
        canonical.push((n as u8) | 0x80);
        n >>= 7;
    }
    canonical.push(n as u8);
    for (r, bytes) in &fan_out {
        assert_eq!(bytes[0], 0x22);
        assert_eq!(&bytes[49..], shared);
        canonical.extend_from_slice(&r.service_id().fixed_width());
        for (i, d) in r.devices().iter().enumerate() {
            canonical.push(d.device_id.get() as u8);
            let more = if i + 1 < r.devices().len() { 0x8000 } else { 0 };
            canonical.extend_from_slice(&(d.registration_id | more).to_be_bytes());
        }
        canonical.extend_from_slice(&bytes[1..49]);
    }
    for e in excluded {
        canonical.extend_from_slice(&e.fixed_width());
        canonical.push(0);
    }
    canonical.extend_from_slice(shared);
    let again = SentMessage::parse(&canonical).expect("canonical re-encoding parses");
    assert_eq!(again.recipients(), recipients);
    assert_eq!(again.excluded(), excluded);
    assert_eq!(again.fan_out(), fan_out);
    let keys = sealed_keys();
    for (_, bytes) in &fan_out {
        if let Ok(content) = hush::sealed_sender::unseal(bytes, &keys.recipient) {
            assert_eq!(
                UnidentifiedSenderMessageContent::deserialize(content.serialized()).as_ref(),
                Ok(&content)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Retry receipts (messages.md §5).

/// `DecryptionErrorMessage` and `PlaintextContent` parsing and creation:
/// never panics; a parsed receipt keeps its bytes and survives wrapping in a
/// `PlaintextContent` and reading back; a `PlaintextContent` parses exactly
/// when the first byte is `0xC0`; a receipt for bytes that parse as a
/// `SignalMessage` names that message's ratchet key.
pub fn retry_receipt(data: &[u8]) {
    use hush::messages::{
        CiphertextMessageType, DecryptionErrorMessage, PlaintextContent, RetryReceiptError,
    };
    if let Ok(dem) = DecryptionErrorMessage::deserialize(data) {
        assert_eq!(dem.serialized(), data);
        let wrapped = PlaintextContent::from_decryption_error(&dem);
        let back = PlaintextContent::deserialize(wrapped.serialized())
            .and_then(|c| c.decryption_error())
            .expect("a wrapped receipt reads back");
        assert_eq!(
            (back.timestamp(), back.device_id(), back.ratchet_key()),
            (dem.timestamp(), dem.device_id(), dem.ratchet_key())
        );
    }
    match PlaintextContent::deserialize(data) {
        Ok(content) => {
            assert_eq!(data[0], 0xC0);
            assert_eq!(content.body(), &data[1..]);
            assert_eq!(
                content.decryption_error(),
                DecryptionErrorMessage::from_content_body(&data[1..])
            );
        }
        Err(RetryReceiptError::CiphertextMessageTooShort(0)) => assert!(data.is_empty()),
        Err(RetryReceiptError::UnrecognizedMessageVersion(b)) => assert_eq!(b, data[0]),
        Err(e) => panic!("unexpected PlaintextContent error {e:?}"),
    }
    let _ = DecryptionErrorMessage::from_content_body(data);
    let whisper = DecryptionErrorMessage::for_original(data, CiphertextMessageType::Whisper, 1, 2);
    match SignalMessage::deserialize(data) {
        Ok(m) => assert_eq!(
            whisper
                .expect("a parsed message gets a receipt")
                .ratchet_key(),
            Some(m.ratchet_key())
        ),
        Err(e) => assert_eq!(whisper, Err(RetryReceiptError::OriginalMessage(e))),
    }
    let _ = DecryptionErrorMessage::for_original(data, CiphertextMessageType::PreKey, 1, 2);
    let group = DecryptionErrorMessage::for_original(data, CiphertextMessageType::SenderKey, 3, 4)
        .expect("sender-key originals are not parsed");
    assert_eq!(group.ratchet_key(), None);
}
