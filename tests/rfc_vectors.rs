//! Published RFC test vectors, driven through hush's public API:
//! X25519 (RFC 7748 §5.2 and §6.1), HKDF-SHA-256 (RFC 5869 appendix A) and
//! HMAC-SHA-256 (RFC 4231 §4). The data lives in test-vectors/rfc*.json; see
//! test-vectors/README.md.

use hush::keys::{PrivateKey, PublicKey};
use hush::primitives::{hkdf_sha256, hmac_sha256};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/test-vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("valid JSON")
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn array32(v: &Value) -> [u8; 32] {
    bytes(v).try_into().expect("32 bytes")
}

/// A little-endian 256-bit number in base 10, the form RFC 7748 prints next to
/// each input ("as a number (base 10)").
fn le_decimal(le: &[u8; 32]) -> String {
    let mut be: Vec<u8> = le.iter().rev().copied().collect();
    let mut digits = Vec::new();
    while be.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for byte in be.iter_mut() {
            let cur = (rem << 8) | u32::from(*byte);
            *byte = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII digits")
}

/// Raw X25519(k, u) through hush's key types: hush clamps the scalar on load,
/// which is exactly the decodeScalar25519 step of RFC 7748 §5.
fn x25519(k: &[u8; 32], u: &[u8; 32]) -> [u8; 32] {
    let private = PrivateKey::deserialize(k).expect("32-byte scalar");
    let public = PublicKey::from_raw(u).expect("32-byte u-coordinate");
    *private.agree(&public).expect("non-zero shared secret")
}

#[test]
fn rfc7748_x25519_scalar_multiplication() {
    let file = load("rfc7748.json");
    let vectors = file["x25519"].as_array().expect("x25519 array");
    assert_eq!(vectors.len(), 2, "RFC 7748 §5.2 has two X25519 vectors");
    for v in vectors {
        let id = v["id"].as_str().expect("id");
        let scalar = array32(&v["scalar"]);
        let u = array32(&v["u"]);

        // The decimal forms are the clamped scalar and the u-coordinate with
        // bit 255 masked: this checks the typed-in hex against the RFC's
        // second rendering and hush's clamping against the RFC's.
        let clamped = PrivateKey::deserialize(&scalar)
            .expect("scalar")
            .serialize();
        assert_eq!(
            le_decimal(&clamped),
            v["scalar_decimal"].as_str().expect("decimal"),
            "{id}: clamped scalar"
        );
        let mut masked = u;
        masked[31] &= 0x7f;
        assert_eq!(
            le_decimal(&masked),
            v["u_decimal"].as_str().expect("decimal"),
            "{id}: masked u"
        );

        assert_eq!(x25519(&scalar, &u), array32(&v["output"]), "{id}: output");
        // The masked and unmasked u-coordinates are the same input to X25519.
        assert_eq!(
            x25519(&scalar, &masked),
            array32(&v["output"]),
            "{id}: output with bit 255 masked"
        );
    }
}

/// Runs the §5.2 iteration (k ← X25519(k, u), u ← old k) and checks every
/// listed result up to `max_iterations`. Returns how many results it checked.
fn run_iterated(max_iterations: u64) -> usize {
    let file = load("rfc7748.json");
    let initial = array32(&file["iterated"]["initial"]);
    let mut expected: Vec<(u64, [u8; 32])> = file["iterated"]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["iterations"].as_u64().expect("count"),
                array32(&r["output"]),
            )
        })
        .filter(|(n, _)| *n <= max_iterations)
        .collect();
    expected.sort_by_key(|(n, _)| *n);
    let (mut k, mut u) = (initial, initial);
    let mut checked = 0;
    for i in 1..=max_iterations {
        let next = x25519(&k, &u);
        u = k;
        k = next;
        if let Some((_, want)) = expected.iter().find(|(n, _)| *n == i) {
            assert_eq!(hex::encode(k), hex::encode(want), "after {i} iterations");
            checked += 1;
        }
    }
    checked
}

#[test]
fn rfc7748_x25519_iterated_1_and_1000() {
    assert_eq!(
        run_iterated(1000),
        2,
        "checked the 1 and 1 000 iteration results"
    );
}

#[test]
#[ignore = "one million X25519 operations; run with --ignored --release"]
fn rfc7748_x25519_iterated_1000000() {
    assert_eq!(
        run_iterated(1_000_000),
        3,
        "checked all three iteration results"
    );
}

#[test]
fn rfc7748_diffie_hellman() {
    let file = load("rfc7748.json");
    let dh = &file["diffie_hellman"];
    let alice = PrivateKey::deserialize(&bytes(&dh["alice_private"])).expect("Alice's key");
    let bob = PrivateKey::deserialize(&bytes(&dh["bob_private"])).expect("Bob's key");
    assert_eq!(
        alice.public_key().raw(),
        &array32(&dh["alice_public"]),
        "Alice's public key"
    );
    assert_eq!(
        bob.public_key().raw(),
        &array32(&dh["bob_public"]),
        "Bob's public key"
    );
    // Each side uses the *published* public key of the other, parsed the way
    // hush parses keys from the wire (type byte 0x05 in front).
    let mut alice_wire = vec![0x05];
    alice_wire.extend(bytes(&dh["alice_public"]));
    let mut bob_wire = vec![0x05];
    bob_wire.extend(bytes(&dh["bob_public"]));
    let alice_public = PublicKey::deserialize(&alice_wire).expect("Alice's public key");
    let bob_public = PublicKey::deserialize(&bob_wire).expect("Bob's public key");
    let shared = array32(&dh["shared"]);
    assert_eq!(
        *alice.agree(&bob_public).expect("agreement"),
        shared,
        "K computed by Alice"
    );
    assert_eq!(
        *bob.agree(&alice_public).expect("agreement"),
        shared,
        "K computed by Bob"
    );
}

#[test]
fn rfc5869_hkdf_sha256() {
    let file = load("rfc5869.json");
    let tests = file["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 3, "A.1 to A.3");
    for t in tests {
        let id = t["id"].as_str().expect("id");
        let (ikm, salt, info) = (bytes(&t["ikm"]), bytes(&t["salt"]), bytes(&t["info"]));
        let length = usize::try_from(t["length"].as_u64().expect("length")).expect("small");
        let okm = bytes(&t["okm"]);
        assert_eq!(okm.len(), length, "{id}: OKM length in the file");

        // HKDF-Extract is HMAC(salt, IKM) (RFC 5869 §2.2), with a zero-filled
        // HashLen salt when none is given.
        let extract_key = if salt.is_empty() {
            vec![0u8; 32]
        } else {
            salt.clone()
        };
        assert_eq!(
            hmac_sha256(&extract_key, &[&ikm]).to_vec(),
            bytes(&t["prk"]),
            "{id}: PRK"
        );

        let mut out = vec![0u8; length];
        hkdf_sha256(Some(&salt), &ikm, &info, &mut out).expect("length within limit");
        assert_eq!(out, okm, "{id}: OKM");
        if salt.is_empty() {
            // "salt not provided" must equal the explicit empty salt.
            let mut out = vec![0u8; length];
            hkdf_sha256(None, &ikm, &info, &mut out).expect("length within limit");
            assert_eq!(out, okm, "{id}: OKM with salt = None");
        }
    }
}

#[test]
fn rfc4231_hmac_sha256() {
    let file = load("rfc4231.json");
    let tests = file["tests"].as_array().expect("tests");
    assert_eq!(tests.len(), 7, "test cases 1 to 7");
    let mut truncated = 0;
    for t in tests {
        let id = t["id"].as_str().expect("id");
        let (key, data, tag) = (bytes(&t["key"]), bytes(&t["data"]), bytes(&t["tag"]));
        if let Some(text) = t.get("data_text").and_then(Value::as_str) {
            assert_eq!(
                data,
                text.as_bytes(),
                "{id}: data hex matches the RFC's text"
            );
        }
        let expected_len = match t.get("truncated_to_bits").and_then(Value::as_u64) {
            Some(bits) => {
                truncated += 1;
                usize::try_from(bits / 8).expect("small")
            }
            None => 32,
        };
        assert_eq!(tag.len(), expected_len, "{id}: tag length in the file");
        // Feed the data in two parts to cover the multi-part API as well.
        let mac = hmac_sha256(&key, &[&data[..data.len() / 2], &data[data.len() / 2..]]);
        assert_eq!(mac[..tag.len()], tag[..], "{id}");
        assert_eq!(
            hmac_sha256(&key, &[&data]),
            mac,
            "{id}: one part = two parts"
        );
    }
    assert_eq!(truncated, 1, "test case 5 is the truncated one");
}
