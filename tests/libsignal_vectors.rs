//! libsignal's own behaviour, recorded from libsignal 0.103 (and identical in
//! 0.90): XEdDSA verification with every mutation, X25519 agreement and key
//! derivation, HKDF, and safety numbers. See test-vectors/libsignal/README.md.

use hush::fingerprint::{compare_scannable, Fingerprint, FingerprintError, FingerprintParty};
use hush::keys::{IdentityKey, PrivateKey, PublicKey};
use hush::primitives::hkdf_sha256;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/test-vectors/libsignal/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("valid JSON")
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

#[test]
fn signatures_match_libsignal_verdicts() {
    let file = load("signatures.json");
    let vectors = file["vectors"].as_array().unwrap();
    let (mut accepted, mut rejected) = (0, 0);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let expected = v["valid"].as_bool().unwrap();
        let verdict = match PublicKey::deserialize(&bytes(&v["public_key"])) {
            Ok(key) => key.verify_signature(&bytes(&v["message"]), &bytes(&v["signature"])),
            Err(_) => false,
        };
        assert_eq!(verdict, expected, "{id}: libsignal said {expected}");
        if let Some(private) = v.get("private_key").and_then(Value::as_str) {
            let private = PrivateKey::deserialize(&hex::decode(private).unwrap()).unwrap();
            assert_eq!(
                private.public_key().serialize().to_vec(),
                bytes(&v["public_key"]),
                "{id}: public key"
            );
        }
        if expected {
            accepted += 1
        } else {
            rejected += 1
        }
    }
    assert_eq!(
        (accepted, rejected),
        (14, 17),
        "every entry of signatures.json was checked"
    );
}

#[test]
fn primitives_match_libsignal() {
    let file = load("primitives.json");
    for v in file["hkdf"].as_array().unwrap() {
        let salt = v["salt"].as_str().map(|s| hex::decode(s).unwrap());
        let mut okm = vec![0u8; v["length"].as_u64().unwrap() as usize];
        hkdf_sha256(
            salt.as_deref(),
            &bytes(&v["ikm"]),
            &bytes(&v["info"]),
            &mut okm,
        )
        .unwrap();
        assert_eq!(okm, bytes(&v["okm"]), "{}", v["id"]);
    }
    for v in file["agreement"].as_array().unwrap() {
        let private = PrivateKey::deserialize(&bytes(&v["private"])).unwrap();
        let public = PublicKey::deserialize(&bytes(&v["public"])).unwrap();
        match v["expect"].as_str().unwrap() {
            "ok" => assert_eq!(
                private.agree(&public).unwrap().to_vec(),
                bytes(&v["shared"]),
                "{}",
                v["id"]
            ),
            _ => assert!(private.agree(&public).is_err(), "{}", v["id"]),
        }
    }
    for v in file["public_keys"].as_array().unwrap() {
        let private = PrivateKey::deserialize(&bytes(&v["private"])).unwrap();
        assert_eq!(
            private.serialize().to_vec(),
            bytes(&v["private_clamped"]),
            "{}",
            v["id"]
        );
        assert_eq!(
            private.public_key().serialize().to_vec(),
            bytes(&v["public"]),
            "{}",
            v["id"]
        );
    }
}

#[test]
fn fingerprints_match_libsignal() {
    let file = load("fingerprints.json");
    let vectors = file["vectors"].as_array().unwrap();
    for v in vectors {
        let local_key = IdentityKey::deserialize(&bytes(&v["local_key"])).unwrap();
        let remote_key = IdentityKey::deserialize(&bytes(&v["remote_key"])).unwrap();
        let local_id = bytes(&v["local_identifier"]);
        let remote_id = bytes(&v["remote_identifier"]);
        let fp = Fingerprint::new(
            v["version"].as_u64().unwrap() as u32,
            v["iterations"].as_u64().unwrap() as u32,
            FingerprintParty {
                identifier: &local_id,
                identity_key: &local_key,
            },
            FingerprintParty {
                identifier: &remote_id,
                identity_key: &remote_key,
            },
        )
        .unwrap();
        assert_eq!(
            fp.display_string(),
            v["displayable"].as_str().unwrap(),
            "{}",
            v["id"]
        );
        assert_eq!(
            fp.scannable().serialize(),
            bytes(&v["scannable"]),
            "{}",
            v["id"]
        );
    }
    let comparisons = file["comparisons"].as_array().unwrap();
    for c in comparisons {
        let result = compare_scannable(
            &bytes(&c["local_scannable"]),
            &bytes(&c["remote_scannable"]),
        );
        match c["expect"].as_str().unwrap() {
            "match" => assert_eq!(result, Ok(true), "{}", c["id"]),
            "no_match" => assert_eq!(result, Ok(false), "{}", c["id"]),
            _ => assert!(result.is_err(), "{}: {result:?}", c["id"]),
        }
    }
    assert_eq!((vectors.len(), comparisons.len()), (8, 7));
    // libsignal rejects iteration counts below 2.
    let key = IdentityKey::deserialize(&bytes(&vectors[0]["local_key"])).unwrap();
    let party = FingerprintParty {
        identifier: b"",
        identity_key: &key,
    };
    assert_eq!(
        Fingerprint::new(2, 1, party, party).unwrap_err(),
        FingerprintError::InvalidIterationCount(1)
    );
}
