//! PQXDH as libsignal deploys it (session-setup.md §1): X25519 with
//! Kyber-1024. Returns the secrets for the ratchet; building the session
//! state and the wire message is the session layer's job.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::keys::{
    IdentityKey, IdentityKeyPair, KemCiphertext, KemPublicKey, KemSecretKey, KeyError, KeyPair,
    PrivateKey, PublicKey,
};
use crate::ratchet::keys::{expand, ChainKey, RootKey};

const INFO: &[u8] = b"WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024";
const DISCONTINUITY: [u8; 32] = [0xff; 32];

/// The three PQXDH outputs.
pub(crate) struct PqxdhSecrets {
    pub(crate) root_key: RootKey,
    pub(crate) chain_key: ChainKey,
    /// Seeds the SPQR state (the post-quantum ratchet).
    pub(crate) spqr_auth: Zeroizing<[u8; 32]>,
}

/// The initiator's public inputs: the verified bundle's keys.
pub(crate) struct InitiatorInputs<'a> {
    pub(crate) their_identity: &'a IdentityKey,
    pub(crate) their_signed_pre_key: &'a PublicKey,
    pub(crate) their_one_time_pre_key: Option<&'a PublicKey>,
    pub(crate) their_kyber_pre_key: &'a KemPublicKey,
}

/// Alice's side: DH1..DH4 and a Kyber encapsulation.
pub(crate) fn initiate<R: CryptoRng + ?Sized>(
    our_identity: &IdentityKeyPair,
    base_key: &KeyPair,
    inputs: &InitiatorInputs<'_>,
    rng: &mut R,
) -> Result<(PqxdhSecrets, KemCiphertext), KeyError> {
    let dh1 = our_identity
        .private_key()
        .agree(inputs.their_signed_pre_key)?;
    let dh2 = base_key
        .private_key
        .agree(inputs.their_identity.public_key())?;
    let dh3 = base_key.private_key.agree(inputs.their_signed_pre_key)?;
    let dh4 = inputs
        .their_one_time_pre_key
        .map(|opk| base_key.private_key.agree(opk))
        .transpose()?;
    let (shared, ciphertext) = inputs.their_kyber_pre_key.encapsulate(rng);
    Ok((
        derive(&dh1, &dh2, &dh3, dh4.as_deref(), &shared),
        ciphertext,
    ))
}

/// Bob's side: the mirrored DHs and a Kyber decapsulation.
pub(crate) struct RecipientInputs<'a> {
    pub(crate) our_signed_pre_key: &'a PrivateKey,
    pub(crate) our_one_time_pre_key: Option<&'a PrivateKey>,
    pub(crate) our_kyber_pre_key: &'a KemSecretKey,
    pub(crate) kyber_ciphertext: &'a KemCiphertext,
    pub(crate) their_identity: &'a IdentityKey,
    pub(crate) their_base_key: &'a PublicKey,
}

pub(crate) fn respond(
    our_identity: &IdentityKeyPair,
    inputs: &RecipientInputs<'_>,
) -> Result<PqxdhSecrets, KeyError> {
    let dh1 = inputs
        .our_signed_pre_key
        .agree(inputs.their_identity.public_key())?;
    let dh2 = our_identity.private_key().agree(inputs.their_base_key)?;
    let dh3 = inputs.our_signed_pre_key.agree(inputs.their_base_key)?;
    let dh4 = inputs
        .our_one_time_pre_key
        .map(|opk| opk.agree(inputs.their_base_key))
        .transpose()?;
    let shared = inputs
        .our_kyber_pre_key
        .decapsulate(inputs.kyber_ciphertext);
    Ok(derive(&dh1, &dh2, &dh3, dh4.as_deref(), &shared))
}

fn derive(
    dh1: &[u8; 32],
    dh2: &[u8; 32],
    dh3: &[u8; 32],
    dh4: Option<&[u8; 32]>,
    kem: &[u8; 32],
) -> PqxdhSecrets {
    let mut input = Zeroizing::new(Vec::with_capacity(192));
    input.extend_from_slice(&DISCONTINUITY);
    input.extend_from_slice(dh1);
    input.extend_from_slice(dh2);
    input.extend_from_slice(dh3);
    if let Some(dh4) = dh4 {
        input.extend_from_slice(dh4);
    }
    input.extend_from_slice(kem);
    let mut okm = Zeroizing::new([0u8; 96]);
    expand(None, &input, INFO, &mut okm[..]);
    let mut spqr_auth = Zeroizing::new([0u8; 32]);
    spqr_auth.copy_from_slice(&okm[64..96]);
    PqxdhSecrets {
        root_key: RootKey::from_okm(&okm[..], 0),
        chain_key: ChainKey::from_okm(&okm[..], 32),
        spqr_auth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// session-setup.md §1.3: a real libsignal 0.103 session with a one-time pre-key.
    #[test]
    fn libsignal_pqxdh_vector() {
        let ik_a = PublicKey::deserialize(&h(
            "05eea93c648e190a76f911867dca21795cbcc58aabb445cab1c09f293ca58e4a2c",
        ))
        .unwrap();
        let ek_a = PublicKey::deserialize(&h(
            "0545f4bce5f109d975399d0c49ab550f0e9c89e9f140f7b81ad638a9520a530f5f",
        ))
        .unwrap();
        let ik_b = PrivateKey::deserialize(&h(
            "48707df79eb1b8e582176057ac176fd0df263cb9cfdd1d0e94e8e3d16a061668",
        ))
        .unwrap();
        let spk_b = PrivateKey::deserialize(&h(
            "c02086a3e39567b734ae4ae71193996d53b2caab9cd4704ac12ebf6032f5757d",
        ))
        .unwrap();
        let opk_b = PrivateKey::deserialize(&h(
            "d873140f87f59ae42b380ba1492c4326b8f468244205f71518f716bda8969b55",
        ))
        .unwrap();
        let dh1 = spk_b.agree(&ik_a).unwrap();
        let dh2 = ik_b.agree(&ek_a).unwrap();
        let dh3 = spk_b.agree(&ek_a).unwrap();
        let dh4 = opk_b.agree(&ek_a).unwrap();
        assert_eq!(
            dh1.to_vec(),
            h("1207bae441938d856190e405a901d9a29436efb115836efeeb9a105633496574")
        );
        assert_eq!(
            dh2.to_vec(),
            h("4c2b72fa1e5ea974b37152630d416d033dbe0c5b13ffdabc905ee737325ae93d")
        );
        assert_eq!(
            dh3.to_vec(),
            h("81f459e0c5190cd189076504c8fea25ff40bf30c6437ce7c4d46b71e173ad507")
        );
        assert_eq!(
            dh4.to_vec(),
            h("f000dbde668fe4a1c836418cc042f94f89a635eaef8ab9bf7a6029bd3653c802")
        );
        let kem: [u8; 32] = h("3ab6f47c53724a9ad10254eb1d008046764b8e57ace0952f33bf8d078e4e2ed0")
            .try_into()
            .unwrap();
        let secrets = derive(&dh1, &dh2, &dh3, Some(&dh4), &kem);
        assert_eq!(
            secrets.root_key.as_bytes().to_vec(),
            h("dda149fb90e44532eae6bbda2c423ff0f89ad079498ba81fd794676153b37e28")
        );
        assert_eq!(
            secrets.chain_key.as_bytes().to_vec(),
            h("1ee21af4b0154ec41b4e967953c3192eb08d347379f5d5b293fce037ca699319")
        );
        assert_eq!(
            secrets.spqr_auth.to_vec(),
            h("63ae028a74ebc766f5fa3c08809dfe2927287a18d1c9a929517b39ebee09f5d7")
        );
    }

    #[test]
    fn both_sides_agree_with_and_without_one_time_pre_key() {
        use rand::{rngs::StdRng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(1);
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let spk = KeyPair::generate(&mut rng);
        let opk = KeyPair::generate(&mut rng);
        let kyber = crate::keys::KemKeyPair::generate(&mut rng);
        for use_opk in [true, false] {
            let base = KeyPair::generate(&mut rng);
            let inputs = InitiatorInputs {
                their_identity: bob.identity_key(),
                their_signed_pre_key: &spk.public_key,
                their_one_time_pre_key: use_opk.then_some(&opk.public_key),
                their_kyber_pre_key: &kyber.public_key,
            };
            let (a, ct) = initiate(&alice, &base, &inputs, &mut rng).unwrap();
            let b = respond(
                &bob,
                &RecipientInputs {
                    our_signed_pre_key: &spk.private_key,
                    our_one_time_pre_key: use_opk.then_some(&opk.private_key),
                    our_kyber_pre_key: &kyber.secret_key,
                    kyber_ciphertext: &ct,
                    their_identity: alice.identity_key(),
                    their_base_key: &base.public_key,
                },
            )
            .unwrap();
            assert_eq!(a.root_key.as_bytes(), b.root_key.as_bytes());
            assert_eq!(a.chain_key.as_bytes(), b.chain_key.as_bytes());
            assert_eq!(*a.spqr_auth, *b.spqr_auth);
        }
    }
}
