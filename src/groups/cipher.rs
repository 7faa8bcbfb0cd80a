//! The four operations (sender-keys.md §7): create and process distribution
//! messages, encrypt and decrypt. Each takes the record of one (sender,
//! distribution) and changes it only when it succeeds: new values are
//! computed on the side, checked, and committed last.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::errors::{DistributionError, GroupDecryptError, GroupEncryptError};
use super::message_keys::SenderMessageKeys;
use super::record::NewState;
use super::state::ConsumeError;
use super::{
    DistributionId, SenderKeyDistributionMessage, SenderKeyMessage, SenderKeyRecord,
    SENDER_KEY_VERSION,
};
use crate::keys::KeyPair;
use crate::primitives::{aes256_cbc_decrypt, aes256_cbc_encrypt};
use crate::ratchet::keys::ChainKey;

/// Our distribution message for `distribution_id`, from `record`, the record
/// of **our own** address for that distribution (sender-keys.md §7.1).
///
/// An empty record first gets a new sender key: a 31-bit random chain ID, a
/// random chain key at iteration 0 and a new signing key pair, all from
/// `rng`. Otherwise the newest state is used as it is, and the message
/// carries its *current* iteration and chain key, so a member who joins now
/// cannot read earlier messages. Send the message to each member inside a
/// 1:1 session message, then store the record.
///
/// To rotate (after a member leaves), start again from an empty record.
///
/// # Errors
/// [`DistributionError::InvalidSenderKeySession`] when the newest state's
/// message version is not 3; the record is unchanged.
pub fn create_distribution_message<R: CryptoRng + ?Sized>(
    record: &mut SenderKeyRecord,
    distribution_id: DistributionId,
    rng: &mut R,
) -> Result<SenderKeyDistributionMessage, DistributionError> {
    if record.is_empty() {
        // Java clients expect a chain ID below 2^31.
        let chain_id = rng.next_u32() >> 1;
        let mut chain_key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut chain_key[..]);
        let signing = KeyPair::generate(rng);
        record.add_state(NewState {
            message_version: u32::from(SENDER_KEY_VERSION),
            chain_id,
            chain_key: ChainKey::new(*chain_key, 0),
            signing_public: signing.public_key,
            signing_private: Some(signing.private_key),
        });
    }
    let invalid = |reason| DistributionError::InvalidSenderKeySession {
        distribution_id,
        reason,
    };
    let state = record
        .states
        .front()
        .ok_or_else(|| invalid("the record has no state"))?;
    if state.version() != u32::from(SENDER_KEY_VERSION) {
        return Err(invalid("message version is not 3"));
    }
    Ok(SenderKeyDistributionMessage::new(
        SENDER_KEY_VERSION,
        distribution_id,
        state.chain_id,
        state.chain_key.index(),
        state.chain_key.as_bytes(),
        state.signing_public,
    ))
}

/// Takes in a member's distribution message (sender-keys.md §7.2) into
/// `record`, the record of (that member's address,
/// [`SenderKeyDistributionMessage::distribution_id`]). The chain becomes the
/// record's newest state; processing a distribution message of a chain the
/// record already has (same chain ID and signing key) keeps the state as it
/// is, so a repeated or late distribution message cannot roll a chain back.
/// At most five chains are kept, the oldest is dropped.
///
/// Check first that the message came from that member over an
/// authenticated 1:1 session; it is not signed by itself.
pub fn process_distribution_message(
    record: &mut SenderKeyRecord,
    message: &SenderKeyDistributionMessage,
) {
    record.add_state(NewState {
        message_version: u32::from(message.message_version()),
        chain_id: message.chain_id(),
        chain_key: ChainKey::new(*message.chain_key(), message.iteration()),
        signing_public: *message.signing_key(),
        signing_private: None,
    });
}

/// Encrypts `plaintext` for the group with our sender key for
/// `distribution_id` (sender-keys.md §7.3): AES-256-CBC under the chain's
/// next message key, signed with the chain's signing key (64 random bytes
/// from `rng`). `record` is the record of our own address for that
/// distribution. Send the message (type 7) to every member and store the
/// record.
///
/// # Errors
/// [`GroupEncryptError::NoSenderKeyState`] for an empty record,
/// [`GroupEncryptError::InvalidSenderKeySession`] when the newest state is
/// not ours (no private signing key) or not version 3,
/// [`GroupEncryptError::ChainExhausted`] after 2³² − 1 messages. The record
/// is then unchanged.
pub fn group_encrypt<R: CryptoRng + ?Sized>(
    record: &mut SenderKeyRecord,
    distribution_id: DistributionId,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<SenderKeyMessage, GroupEncryptError> {
    let state = record
        .states
        .front_mut()
        .ok_or(GroupEncryptError::NoSenderKeyState { distribution_id })?;
    let invalid = |reason| GroupEncryptError::InvalidSenderKeySession {
        distribution_id,
        reason,
    };
    if state.version() != u32::from(SENDER_KEY_VERSION) {
        return Err(invalid("message version is not 3"));
    }
    let signing_key = state
        .signing_private
        .as_ref()
        .ok_or_else(|| invalid("no private signing key"))?;
    let iteration = state.chain_key.index();
    let next = state
        .chain_key
        .next()
        .ok_or(GroupEncryptError::ChainExhausted)?;
    let keys = SenderMessageKeys::derive(&state.chain_key.seed());
    let ciphertext = aes256_cbc_encrypt(&keys.cipher_key, &keys.iv, plaintext);
    let message = SenderKeyMessage::new(
        distribution_id,
        state.chain_id,
        iteration,
        ciphertext,
        signing_key,
        rng,
    );
    state.chain_key = next;
    Ok(message)
}

/// Decrypts a group message (sender-keys.md §7.4) with `record`, the record
/// of (its sender's address, its distribution ID): parse the message first
/// with [`SenderKeyMessage::deserialize`] to learn
/// [`SenderKeyMessage::distribution_id`] if you keep several records.
///
/// The message's chain is looked up by chain ID, its signature verified,
/// then its message key taken from the chain (moving forward and storing
/// the seeds of skipped iterations, at most 25 000 ahead and 2000 kept) or
/// from the stored seeds. On success store the record.
///
/// # Errors
/// [`GroupDecryptError`]; the record is then byte-for-byte unchanged.
pub fn group_decrypt(
    record: &mut SenderKeyRecord,
    message: &[u8],
) -> Result<Vec<u8>, GroupDecryptError> {
    let message = SenderKeyMessage::deserialize(message)?;
    let index =
        record
            .state_index(message.chain_id())
            .ok_or(GroupDecryptError::NoSenderKeyState {
                distribution_id: message.distribution_id(),
                chain_id: message.chain_id(),
            })?;
    let state = &mut record.states[index];
    if u32::from(message.message_version()) != state.version() {
        return Err(GroupDecryptError::UnrecognizedMessageVersion(
            message.message_version(),
        ));
    }
    if !message.verify_signature(&state.signing_public) {
        return Err(GroupDecryptError::SignatureValidationFailed);
    }
    let consumed = state.consume(message.iteration()).map_err(|e| match e {
        ConsumeError::Duplicate { current, received } => {
            GroupDecryptError::DuplicatedMessage { current, received }
        }
        ConsumeError::TooFarInFuture { current, received } => {
            GroupDecryptError::TooFarInFuture { current, received }
        }
        ConsumeError::ChainExhausted => GroupDecryptError::ChainExhausted,
    })?;
    let keys = SenderMessageKeys::derive(consumed.seed());
    let plaintext = aes256_cbc_decrypt(&keys.cipher_key, &keys.iv, message.ciphertext())
        .map_err(GroupDecryptError::DecryptionFailed)?;
    state.apply(consumed);
    Ok(plaintext)
}
