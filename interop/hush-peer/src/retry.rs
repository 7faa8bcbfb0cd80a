//! Retry receipts (interop/PROTOCOL.md, "Retry receipts"):
//! `decryption_error_create`, `decryption_error_parse`,
//! `session_ratchet_key_matches`, and `decrypt` of type-8 messages
//! (`PlaintextContent`, whose "plaintext" is its body). Other `decrypt`
//! types go on to `sessions::decrypt`.

use hush::messages::{
    CiphertextMessageType, DecryptionErrorMessage, PlaintextContent, RetryReceiptError,
};
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::message_info::type_name;
use crate::params::{Params, MAX_SAFE_INTEGER};
use crate::peer::Peer;

// libsignal reports every receipt failure with its generic class.
impl From<RetryReceiptError> for PeerError {
    fn from(e: RetryReceiptError) -> Self {
        Self::library(e)
    }
}

fn receipt_json(dem: &DecryptionErrorMessage) -> Value {
    json!({
        "timestamp_ms": dem.timestamp(),
        "device_id": dem.device_id(),
        "ratchet_key": dem.ratchet_key().map(|k| hex::encode(k.serialize())),
    })
}

/// `decryption_error_create`: `{original, original_type, timestamp_ms,
/// original_sender_device_id}` → `{decryption_error, plaintext_content,
/// ratchet_key, timestamp_ms, device_id}`.
pub fn decryption_error_create(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let original = p.hex("original")?;
    let kind = p
        .message_type("original_type")?
        .ok_or_else(|| PeerError::bad_request("missing parameter original_type"))?;
    let timestamp = p.int("timestamp_ms", 0, MAX_SAFE_INTEGER)?;
    let device = p.int("original_sender_device_id", 1, 127)?;
    let dem = DecryptionErrorMessage::for_original(&original, kind, timestamp, device as u32)?;
    let content = PlaintextContent::from_decryption_error(&dem);
    let mut out = json!({
        "decryption_error": hex::encode(dem.serialized()),
        "plaintext_content": hex::encode(content.serialized()),
    });
    if let (Value::Object(out), Value::Object(fields)) = (&mut out, receipt_json(&dem)) {
        out.extend(fields);
    }
    Ok(out)
}

/// `decryption_error_parse`: `{bytes, form?: "message" | "plaintext_content"
/// | "body"}` → `{ratchet_key, timestamp_ms, device_id}`.
pub fn decryption_error_parse(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let bytes = p.hex("bytes")?;
    let dem = match p.string_opt("form")?.unwrap_or("message") {
        "message" => DecryptionErrorMessage::deserialize(&bytes)?,
        "body" => DecryptionErrorMessage::from_content_body(&bytes)?,
        "plaintext_content" => PlaintextContent::deserialize(&bytes)?.decryption_error()?,
        _ => {
            return Err(PeerError::bad_request(
                r#"form must be "message", "body" or "plaintext_content""#,
            ))
        }
    };
    Ok(receipt_json(&dem))
}

/// `session_ratchet_key_matches`: `{address, ratchet_key}` → `{exists, matches}`.
pub fn session_ratchet_key_matches(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let key = p.public_key("ratchet_key")?;
    Ok(match peer.stores.sessions.get(&address) {
        None => json!({ "exists": false, "matches": false }),
        Some(record) => {
            json!({ "exists": true, "matches": record.current_ratchet_key_matches(&key) })
        }
    })
}

/// `decrypt`: type 8 gives the `PlaintextContent`'s body (nothing is
/// decrypted and no state changes, as in libsignal); every other type is
/// `sessions::decrypt`.
pub fn decrypt(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    if p.message_type("type")? != Some(CiphertextMessageType::Plaintext) {
        return crate::sessions::decrypt(peer, p);
    }
    peer.identity()?;
    p.address("address")?;
    let content = PlaintextContent::deserialize(&p.hex("ciphertext")?)?;
    let kind = CiphertextMessageType::Plaintext;
    Ok(json!({
        "plaintext": hex::encode(content.body()),
        "type": kind as u8,
        "type_name": type_name(kind),
    }))
}
