//! Sealed sender v1: one recipient, an ephemeral X25519 key, two HKDF
//! stages, AES-256-CTR with a 10-byte HMAC-SHA256 tag (sealed-sender.md §5).

use prost::Message;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::content::UnidentifiedSenderMessageContent;
use super::errors::{SealError, UnsealError};
use super::hkdf;
use super::proto::V1Envelope;
use crate::keys::{IdentityKey, IdentityKeyPair, KeyError, KeyPair, PrivateKey, PublicKey};
use crate::primitives::{aes256_ctr, hmac_sha256, CipherError};

/// The version byte v1 writes.
pub const V1_VERSION_BYTE: u8 = 0x11;
/// The prefix of both v1 salts.
pub(super) const SALT_PREFIX: &[u8] = b"UnidentifiedDelivery";
/// Length of the truncated HMAC tag.
const MAC_LEN: usize = 10;

/// The three 32-byte keys of one HKDF stage.
pub(super) struct StageKeys {
    pub(super) chain: Zeroizing<[u8; 32]>,
    pub(super) cipher: Zeroizing<[u8; 32]>,
    pub(super) mac: Zeroizing<[u8; 32]>,
}

/// HKDF(salt, DH(private, public), "", 96), split in three.
pub(super) fn stage(
    salt: &[&[u8]],
    private: &PrivateKey,
    public: &PublicKey,
) -> Result<StageKeys, KeyError> {
    let shared = private.agree(public)?;
    let okm = hkdf::<96>(Some(&salt.concat()), &[&shared[..]], b"");
    let mut keys = StageKeys {
        chain: Zeroizing::new([0; 32]),
        cipher: Zeroizing::new([0; 32]),
        mac: Zeroizing::new([0; 32]),
    };
    keys.chain.copy_from_slice(&okm[..32]);
    keys.cipher.copy_from_slice(&okm[32..64]);
    keys.mac.copy_from_slice(&okm[64..]);
    Ok(keys)
}

/// `CTR_HMAC` (§5.2): AES-256-CTR from a zero counter block, then the first
/// ten bytes of HMAC-SHA256 over the ciphertext.
pub(super) fn ctr_hmac_seal(
    cipher_key: &[u8; 32],
    mac_key: &[u8; 32],
    plaintext: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let mut out = plaintext.to_vec();
    aes256_ctr(cipher_key, &[0; 16], &mut out)?;
    let tag = hmac_sha256(mac_key, &[&out]);
    out.extend_from_slice(&tag[..MAC_LEN]);
    Ok(out)
}

/// Opens `CTR_HMAC` output: `None` if it is shorter than the tag or the tag
/// differs (compared in constant time).
pub(super) fn ctr_hmac_open(
    cipher_key: &[u8; 32],
    mac_key: &[u8; 32],
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let split = sealed.len().checked_sub(MAC_LEN)?;
    let (ciphertext, tag) = sealed.split_at(split);
    let expected = hmac_sha256(mac_key, &[ciphertext]);
    if !bool::from(expected[..MAC_LEN].ct_eq(tag)) {
        return None;
    }
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    aes256_ctr(cipher_key, &[0; 16], &mut plaintext).ok()?;
    Some(plaintext)
}

/// Seals `content` for the holder of `recipient` (§5.3). `sender` must be
/// the identity key pair the content's sender certificate names. Draws one
/// ephemeral key from `rng`.
///
/// # Errors
/// [`SealError::SenderIdentityMismatch`]; [`SealError::Key`] when the
/// recipient key is degenerate; [`SealError::ContentTooLarge`] for a
/// content beyond AES-CTR's 64 GiB.
pub fn seal_v1<R: CryptoRng + ?Sized>(
    recipient: &IdentityKey,
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    rng: &mut R,
) -> Result<Vec<u8>, SealError> {
    let ephemeral = KeyPair::generate(rng);
    seal_with_ephemeral(recipient, content, sender, &ephemeral)
}

/// [`seal_v1`] with a given ephemeral key pair (for known-answer tests).
pub(crate) fn seal_with_ephemeral(
    recipient: &IdentityKey,
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    ephemeral: &KeyPair,
) -> Result<Vec<u8>, SealError> {
    if content.sender().identity_key() != sender.identity_key() {
        return Err(SealError::SenderIdentityMismatch);
    }
    let recipient_public = recipient.public_key();
    let recipient_bytes = recipient.serialize();
    let ephemeral_bytes = ephemeral.public_key.serialize();
    let first = stage(
        &[SALT_PREFIX, &recipient_bytes, &ephemeral_bytes],
        &ephemeral.private_key,
        recipient_public,
    )?;
    let sender_bytes = sender.identity_key().serialize();
    let too_large = |_| SealError::ContentTooLarge(content.serialized().len());
    let encrypted_static =
        ctr_hmac_seal(&first.cipher, &first.mac, &sender_bytes).map_err(too_large)?;
    let second = stage(
        &[&first.chain[..], &encrypted_static],
        sender.private_key(),
        recipient_public,
    )?;
    let encrypted_message =
        ctr_hmac_seal(&second.cipher, &second.mac, content.serialized()).map_err(too_large)?;
    let envelope = V1Envelope {
        ephemeral_public: Some(ephemeral_bytes.to_vec()),
        encrypted_static: Some(encrypted_static),
        encrypted_message: Some(encrypted_message),
    };
    let mut out = vec![V1_VERSION_BYTE];
    out.extend_from_slice(&envelope.encode_to_vec());
    Ok(out)
}

/// Opens a v1 message (everything after the version byte) with our
/// identity key pair (§5.4). The certificate is not validated here.
pub(crate) fn unseal(
    body: &[u8],
    local: &IdentityKeyPair,
) -> Result<UnidentifiedSenderMessageContent, UnsealError> {
    let envelope = V1Envelope::decode(body).map_err(|_| UnsealError::InvalidProtobufEncoding)?;
    let (Some(ephemeral), Some(encrypted_static), Some(encrypted_message)) = (
        envelope.ephemeral_public,
        envelope.encrypted_static,
        envelope.encrypted_message,
    ) else {
        return Err(UnsealError::InvalidProtobufEncoding);
    };
    let ephemeral = PublicKey::deserialize(&ephemeral)?;
    let local_bytes = local.identity_key().serialize();
    let first = stage(
        &[SALT_PREFIX, &local_bytes, &ephemeral.serialize()],
        local.private_key(),
        &ephemeral,
    )?;
    let static_bytes = ctr_hmac_open(&first.cipher, &first.mac, &encrypted_static)
        .ok_or(UnsealError::V1KeyDecryptionFailed)?;
    let sender_key = PublicKey::deserialize(&static_bytes)?;
    let second = stage(
        &[&first.chain[..], &encrypted_static],
        local.private_key(),
        &sender_key,
    )?;
    let message = ctr_hmac_open(&second.cipher, &second.mac, &encrypted_message)
        .ok_or(UnsealError::V1ContentsDecryptionFailed)?;
    let content = UnidentifiedSenderMessageContent::deserialize(&message)?;
    let certified = content.sender().identity_key().serialize();
    if !bool::from(static_bytes.as_slice().ct_eq(&certified[..])) {
        return Err(UnsealError::V1SenderKeyMismatch);
    }
    Ok(content)
}
