//! OMEMO 0.3 (`eu.siacs.conversations.axolotl`, XEP-0384 version 0.3) on top
//! of hush's classic Signal sessions: the message layer only, as XMPP
//! clients (Conversations, Dino, Gajim, ...) build it.
//!
//! - The body is encrypted once with AES-128-GCM under a fresh 16-byte key
//!   and 12-byte IV; `<payload>` carries the ciphertext without the tag,
//!   `<iv>` the IV.
//! - The 32 bytes `key ‖ tag` are the plaintext of one classic Signal
//!   message per recipient device (`<key rid="…">`, with `prekey="true"`
//!   for a PreKeySignalMessage).
//!
//! Shared by `examples/omemo.rs` and the interop peer
//! (`hush-peer --classic`, commands `omemo_encrypt`/`omemo_decrypt`), which
//! the harness drives against oldmemo (interop-v3/scripts/oldmemo_matrix.py).
//! Randomness comes from the caller, like everywhere in hush.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::Aes128Gcm;
use hush::classic::{ClassicCiphertextMessage, ClassicSessionRecord};
use hush::messages::CiphertextMessageType;
use hush::session::EncryptError;
use zeroize::Zeroizing;

/// AES-128 key length.
pub const KEY_LEN: usize = 16;
/// GCM tag length.
pub const TAG_LEN: usize = 16;
/// GCM IV length used by OMEMO 0.3 clients.
pub const IV_LEN: usize = 12;
/// The key material a Signal message carries: key ‖ tag.
pub const KEY_MATERIAL_LEN: usize = KEY_LEN + TAG_LEN;

/// One `<key>` element: the Signal message for one recipient device.
#[derive(Clone, Debug)]
pub struct OmemoKey {
    /// The recipient's device id (`rid`, 31-bit).
    pub rid: u32,
    /// `prekey="true"`: a PreKeySignalMessage (type 3), else a SignalMessage.
    pub prekey: bool,
    /// The serialized Signal message.
    pub data: Vec<u8>,
}

/// An OMEMO 0.3 `<encrypted>` element, without the XML.
#[derive(Clone, Debug)]
pub struct OmemoMessage {
    /// One key per recipient device.
    pub keys: Vec<OmemoKey>,
    /// The GCM IV.
    pub iv: [u8; IV_LEN],
    /// The GCM ciphertext without its tag.
    pub payload: Vec<u8>,
}

/// What can go wrong in the OMEMO layer (the Signal layer has its own errors).
#[derive(Debug, PartialEq, Eq)]
pub enum OmemoError {
    /// A recipient's session cannot encrypt.
    Session(EncryptError),
    /// The decrypted key material is not 32 bytes.
    BadKeyMaterial(usize),
    /// The payload did not authenticate under the key and tag.
    PayloadAuthentication,
    /// No `<key>` for this device.
    NotForThisDevice,
}

impl std::fmt::Display for OmemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Session(e) => write!(f, "session: {e}"),
            Self::BadKeyMaterial(n) => write!(f, "key material is {n} bytes, not 32"),
            Self::PayloadAuthentication => f.write_str("payload did not authenticate"),
            Self::NotForThisDevice => f.write_str("no key for this device"),
        }
    }
}

impl std::error::Error for OmemoError {}

/// Encrypts `plaintext` for every recipient device: the payload once with
/// AES-128-GCM (`key`, `iv` fresh random values from the caller), then
/// `key ‖ tag` through each device's classic session. Only sessions that
/// encrypted are changed; on an error none is (each is encrypted on a copy
/// and committed at the end).
pub fn encrypt(
    plaintext: &[u8],
    key: &[u8; KEY_LEN],
    iv: &[u8; IV_LEN],
    recipients: &mut [(u32, &mut ClassicSessionRecord)],
) -> Result<OmemoMessage, OmemoError> {
    let cipher = Aes128Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            iv.into(),
            Payload {
                msg: plaintext,
                aad: b"",
            },
        )
        .map_err(|_| OmemoError::PayloadAuthentication)?;
    let (payload, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    let mut key_material = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
    key_material[..KEY_LEN].copy_from_slice(key);
    key_material[KEY_LEN..].copy_from_slice(tag);

    let mut updated = Vec::with_capacity(recipients.len());
    let mut keys = Vec::with_capacity(recipients.len());
    for (rid, record) in recipients.iter() {
        let mut next = (**record).clone();
        let message = next.encrypt(&*key_material).map_err(OmemoError::Session)?;
        keys.push(OmemoKey {
            rid: *rid,
            prekey: matches!(message, ClassicCiphertextMessage::PreKey(_)),
            data: message.serialized().to_vec(),
        });
        updated.push(next);
    }
    for ((_, record), next) in recipients.iter_mut().zip(updated) {
        **record = next;
    }
    Ok(OmemoMessage {
        keys,
        iv: *iv,
        payload: payload.to_vec(),
    })
}

/// The `<key>` addressed to device `rid`, and its Signal message type.
pub fn key_for(
    message: &OmemoMessage,
    rid: u32,
) -> Result<(&OmemoKey, CiphertextMessageType), OmemoError> {
    let key = message
        .keys
        .iter()
        .find(|k| k.rid == rid)
        .ok_or(OmemoError::NotForThisDevice)?;
    let kind = if key.prekey {
        CiphertextMessageType::PreKey
    } else {
        CiphertextMessageType::Whisper
    };
    Ok((key, kind))
}

/// Decrypts the payload with the key material a Signal message delivered
/// (`key ‖ tag`).
pub fn decrypt_payload(
    iv: &[u8; IV_LEN],
    payload: &[u8],
    key_material: &[u8],
) -> Result<Vec<u8>, OmemoError> {
    if key_material.len() != KEY_MATERIAL_LEN {
        return Err(OmemoError::BadKeyMaterial(key_material.len()));
    }
    let (key, tag) = key_material.split_at(KEY_LEN);
    let key: &[u8; KEY_LEN] = key
        .try_into()
        .map_err(|_| OmemoError::BadKeyMaterial(key_material.len()))?;
    let mut sealed = Zeroizing::new(Vec::with_capacity(payload.len() + TAG_LEN));
    sealed.extend_from_slice(payload);
    sealed.extend_from_slice(tag);
    let cipher = Aes128Gcm::new(key.into());
    cipher
        .decrypt(
            iv.into(),
            Payload {
                msg: &sealed,
                aad: b"",
            },
        )
        .map_err(|_| OmemoError::PayloadAuthentication)
}
