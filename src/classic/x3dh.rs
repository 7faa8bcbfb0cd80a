//! X3DH as version 3 deploys it (classic-v3.md §3): the PQXDH DHs without
//! Kyber, `info = "WhisperText"`, 64 bytes of output.

use zeroize::Zeroizing;

use crate::keys::{IdentityKey, IdentityKeyPair, KeyError, KeyPair, PrivateKey, PublicKey};
use crate::ratchet::keys::{expand, split32, ChainKey, RootKey};

const INFO: &[u8] = b"WhisperText";
const DISCONTINUITY: [u8; 32] = [0xff; 32];

/// The X3DH outputs: the first root key and chain key.
pub(crate) struct X3dhSecrets {
    pub(crate) root_key: RootKey,
    pub(crate) chain_key: ChainKey,
}

/// Alice's side: `DH(IK_A, SPK_B) ‖ DH(EK_A, IK_B) ‖ DH(EK_A, SPK_B) [‖ DH(EK_A, OPK_B)]`.
pub(crate) fn initiate(
    our_identity: &IdentityKeyPair,
    base_key: &KeyPair,
    their_identity: &IdentityKey,
    their_signed_pre_key: &PublicKey,
    their_one_time_pre_key: Option<&PublicKey>,
) -> Result<X3dhSecrets, KeyError> {
    let dh1 = our_identity.private_key().agree(their_signed_pre_key)?;
    let dh2 = base_key.private_key.agree(their_identity.public_key())?;
    let dh3 = base_key.private_key.agree(their_signed_pre_key)?;
    let dh4 = their_one_time_pre_key
        .map(|opk| base_key.private_key.agree(opk))
        .transpose()?;
    Ok(derive(&dh1, &dh2, &dh3, dh4.as_deref()))
}

/// Bob's side, with the mirrored DHs.
pub(crate) fn respond(
    our_identity: &IdentityKeyPair,
    our_signed_pre_key: &PrivateKey,
    our_one_time_pre_key: Option<&PrivateKey>,
    their_identity: &IdentityKey,
    their_base_key: &PublicKey,
) -> Result<X3dhSecrets, KeyError> {
    let dh1 = our_signed_pre_key.agree(their_identity.public_key())?;
    let dh2 = our_identity.private_key().agree(their_base_key)?;
    let dh3 = our_signed_pre_key.agree(their_base_key)?;
    let dh4 = our_one_time_pre_key
        .map(|opk| opk.agree(their_base_key))
        .transpose()?;
    Ok(derive(&dh1, &dh2, &dh3, dh4.as_deref()))
}

fn derive(dh1: &[u8; 32], dh2: &[u8; 32], dh3: &[u8; 32], dh4: Option<&[u8; 32]>) -> X3dhSecrets {
    let mut input = Zeroizing::new(Vec::with_capacity(160));
    input.extend_from_slice(&DISCONTINUITY);
    input.extend_from_slice(dh1);
    input.extend_from_slice(dh2);
    input.extend_from_slice(dh3);
    if let Some(dh4) = dh4 {
        input.extend_from_slice(dh4);
    }
    let mut okm = Zeroizing::new([0u8; 64]);
    // Salt: none, i.e. 32 zero bytes (RFC 5869).
    expand(None, &input, INFO, &mut okm[..]);
    X3dhSecrets {
        root_key: RootKey::new(*split32(&okm[..], 0)),
        chain_key: ChainKey::new(*split32(&okm[..], 32), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn both_sides_agree_with_and_without_one_time_pre_key() {
        let mut rng = StdRng::seed_from_u64(3);
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let spk = KeyPair::generate(&mut rng);
        let opk = KeyPair::generate(&mut rng);
        let mut roots = Vec::new();
        for use_opk in [true, false] {
            let base = KeyPair::generate(&mut rng);
            let a = initiate(
                &alice,
                &base,
                bob.identity_key(),
                &spk.public_key,
                use_opk.then_some(&opk.public_key),
            )
            .unwrap();
            let b = respond(
                &bob,
                &spk.private_key,
                use_opk.then_some(&opk.private_key),
                alice.identity_key(),
                &base.public_key,
            )
            .unwrap();
            assert_eq!(a.root_key.as_bytes(), b.root_key.as_bytes());
            assert_eq!(a.chain_key.as_bytes(), b.chain_key.as_bytes());
            roots.push(*a.root_key.as_bytes());
        }
        assert_ne!(roots[0], roots[1]);
    }
}
