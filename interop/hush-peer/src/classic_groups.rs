//! Classic peer, groups: libsignal-protocol-c's sender keys, which carry no
//! distribution id. As the v3 variant says, `distribution_id` is the
//! application's group id string in every command; a record is kept per
//! (group id, sender). `group_decrypt` without `distribution_id` tries every
//! group holding a key of that sender, each on a copy, and keeps the one
//! that decrypts.

use hush::classic::{
    ClassicGroupError, ClassicSenderKeyDistributionMessage, ClassicSenderKeyMessage,
    ClassicSenderKeyRecord,
};
use serde_json::{json, Value};

use crate::classic::{self, ClassicAddress, ClassicPeer};
use crate::error::{PeerError, Result};
use crate::params::Params;

/// The group of a distribution message processed without `distribution_id`.
const DEFAULT_GROUP: &str = "default";

/// `group_create_distribution`: `{distribution_id}` → `{skdm,
/// distribution_id, chain_id, iteration, chain_key, signing_key}`: our
/// sender key for the group (created if needed), at its current iteration.
pub fn group_create_distribution(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let group = group_id(p, "distribution_id")?.to_owned();
    let own = peer.identity()?.address.clone();
    let key = (group.clone(), own);
    let mut record = peer
        .stores
        .sender_keys
        .get(&key)
        .cloned()
        .unwrap_or_else(ClassicSenderKeyRecord::new);
    let skdm = record
        .create_distribution_message(&mut peer.rng)
        .map_err(group_error)?;
    peer.stores.sender_keys.insert(key, record);
    Ok(json!({
        "skdm": hex::encode(skdm.serialized()),
        "distribution_id": group,
        "chain_id": skdm.chain_id(),
        "iteration": skdm.iteration(),
        "chain_key": hex::encode(skdm.chain_key()),
        "signing_key": hex::encode(skdm.signing_key().serialize()),
    }))
}

/// `group_process_distribution`: `{sender, skdm, distribution_id?
/// ("default")}` → `{distribution_id, chain_id, iteration}`.
pub fn group_process_distribution(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let sender = classic::address(p, "sender")?;
    let skdm = ClassicSenderKeyDistributionMessage::deserialize(&p.hex("skdm")?)
        .map_err(crate::classic_sessions::message_error)?;
    let group = match p.string_opt("distribution_id")? {
        Some(_) => group_id(p, "distribution_id")?.to_owned(),
        None => DEFAULT_GROUP.to_owned(),
    };
    let key = (group.clone(), sender);
    let mut record = peer
        .stores
        .sender_keys
        .get(&key)
        .cloned()
        .unwrap_or_else(ClassicSenderKeyRecord::new);
    record.process_distribution_message(&skdm);
    peer.stores.sender_keys.insert(key, record);
    Ok(json!({
        "distribution_id": group,
        "chain_id": skdm.chain_id(),
        "iteration": skdm.iteration(),
    }))
}

/// `group_encrypt`: `{distribution_id, plaintext}` → `{type: 7, type_name,
/// library_type: 4, ciphertext, info}` (4 is libsignal-protocol-c's number
/// for a sender-key message).
pub fn group_encrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let group = group_id(p, "distribution_id")?.to_owned();
    let plaintext = p.hex("plaintext")?;
    let own = peer.identity()?.address.clone();
    let key = (group.clone(), own);
    let mut record = peer.stores.sender_keys.get(&key).cloned().ok_or_else(|| {
        PeerError::new(
            "NoSession",
            format!("no sender key of ours for group {group}"),
        )
    })?;
    let message = record
        .encrypt(&plaintext, &mut peer.rng)
        .map_err(group_error)?;
    peer.stores.sender_keys.insert(key, record);
    Ok(json!({
        "type": 7,
        "type_name": "senderkey",
        "library_type": 4,
        "ciphertext": hex::encode(message.serialized()),
        "info": message_info(&message),
    }))
}

/// `group_decrypt`: `{sender, ciphertext, distribution_id?}` → `{plaintext}`.
pub fn group_decrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let sender = classic::address(p, "sender")?;
    let bytes = p.hex("ciphertext")?;
    let group = p.string_opt("distribution_id")?;
    let plaintext = decrypt_from(peer, &sender, group, &bytes)?;
    Ok(json!({ "plaintext": hex::encode(plaintext) }))
}

/// Decrypts a group message from `sender` in `group`, or, without a group,
/// in whichever group holding a key of `sender` decrypts it (each tried on a
/// copy; only the one that succeeds is kept).
pub fn decrypt_from(
    peer: &mut ClassicPeer,
    sender: &ClassicAddress,
    group: Option<&str>,
    bytes: &[u8],
) -> Result<Vec<u8>> {
    let message = ClassicSenderKeyMessage::deserialize(bytes)
        .map_err(crate::classic_sessions::message_error)?;
    let mut candidates: Vec<(String, ClassicAddress)> = peer
        .stores
        .sender_keys
        .keys()
        .filter(|(g, s)| s == sender && group.is_none_or(|want| want == g))
        .cloned()
        .collect();
    candidates.sort();
    if candidates.is_empty() {
        return Err(PeerError::new(
            "NoSession",
            format!(
                "no sender key from {sender}{}",
                group.map(|g| format!(" in group {g}")).unwrap_or_default()
            ),
        ));
    }
    let mut first_error = None;
    for key in candidates {
        let Some(record) = peer.stores.sender_keys.get(&key) else {
            continue;
        };
        let mut copy = record.clone();
        match copy.decrypt(&message) {
            Ok(plaintext) => {
                peer.stores.sender_keys.insert(key, copy);
                return Ok(plaintext);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.map_or_else(
        || PeerError::new("NoSession", format!("no sender key from {sender}")),
        group_error,
    ))
}

/// `group_forget`: `{distribution_id, sender? (ourselves)}` → `{deleted}`.
pub fn group_forget(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let group = group_id(p, "distribution_id")?.to_owned();
    let sender = if p.has("sender") {
        classic::address(p, "sender")?
    } else {
        peer.identity()?.address.clone()
    };
    let deleted = peer.stores.sender_keys.remove(&(group, sender)).is_some();
    Ok(json!({ "deleted": deleted }))
}

/// MessageInfo of a sender-key message (no distribution id in version 3).
pub fn message_info(m: &ClassicSenderKeyMessage) -> Value {
    let bytes = m.serialized();
    json!({
        "kind": "senderkey",
        "version_byte": bytes.first().copied(),
        "message_version": bytes.first().map(|b| b >> 4),
        "distribution_id": null,
        "chain_id": m.chain_id(),
        "iteration": m.iteration(),
        "ciphertext_length": m.body().len(),
        "signature": hex::encode(m.signature()),
    })
}

/// `inspect` of type 7.
pub fn sender_key_info(bytes: &[u8]) -> Result<Value> {
    let m = ClassicSenderKeyMessage::deserialize(bytes).map_err(PeerError::parse)?;
    Ok(message_info(&m))
}

/// `inspect` of type `"skdm"`.
pub fn skdm_info(bytes: &[u8]) -> Result<Value> {
    let m = ClassicSenderKeyDistributionMessage::deserialize(bytes).map_err(PeerError::parse)?;
    let serialized = m.serialized();
    Ok(json!({
        "kind": "skdm",
        "version_byte": serialized.first().copied(),
        "message_version": serialized.first().map(|b| b >> 4),
        "distribution_id": null,
        "chain_id": m.chain_id(),
        "iteration": m.iteration(),
        "chain_key": hex::encode(m.chain_key()),
        "signing_key": hex::encode(m.signing_key().serialize()),
    }))
}

/// A non-empty group id string.
fn group_id<'a>(p: &Params<'a>, name: &str) -> Result<&'a str> {
    let group = p.string(name)?;
    if group.is_empty() {
        return Err(PeerError::bad_request(format!("{name} must not be empty")));
    }
    Ok(group)
}

/// libsignal-protocol-c's classes for sender-key failures.
fn group_error(e: ClassicGroupError) -> PeerError {
    let class = match &e {
        ClassicGroupError::DuplicatedMessage { .. } => "DuplicatedMessage",
        ClassicGroupError::NoSenderKeyState | ClassicGroupError::UnknownChain(_) => "NoSession",
        _ => "InvalidMessage",
    };
    PeerError::new(class, e.to_string())
}
