//! MessageInfo (interop/PROTOCOL.md, `inspect`): what a 1:1 message says on
//! the wire, read through hush's parsers. `encrypt` attaches it to every
//! ciphertext; the harness reads counters, ratchet keys, pre-key IDs and the
//! SPQR header from it.

use hush::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage, MAC_LEN,
};
use serde_json::{json, Map, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::Peer;

/// The protocol's name for a message type.
pub fn type_name(kind: CiphertextMessageType) -> &'static str {
    match kind {
        CiphertextMessageType::Whisper => "whisper",
        CiphertextMessageType::PreKey => "prekey",
        CiphertextMessageType::SenderKey => "senderkey",
        CiphertextMessageType::Plaintext => "plaintext",
    }
}

/// MessageInfo of either 1:1 message.
pub fn message_info(message: &CiphertextMessage) -> Value {
    match message {
        CiphertextMessage::Whisper(m) => whisper_info(m),
        CiphertextMessage::PreKey(m) => prekey_info(m),
    }
}

pub fn whisper_info(m: &SignalMessage) -> Value {
    let bytes = m.serialized();
    // A parsed message is at least version byte + MAC long.
    let mac = &bytes[bytes.len() - MAC_LEN..];
    json!({
        "kind": "whisper",
        "version_byte": bytes[0],
        "message_version": m.message_version(),
        "ratchet_key": hex::encode(m.ratchet_key().serialize()),
        "counter": m.counter(),
        "previous_counter": m.previous_counter(),
        "ciphertext_length": m.body().len(),
        "pq_ratchet": hex::encode(m.pq_ratchet()),
        "spqr": spqr_info(m.pq_ratchet()),
        "mac": hex::encode(mac),
    })
}

pub fn prekey_info(m: &PreKeySignalMessage) -> Value {
    json!({
        "kind": "prekey",
        "version_byte": m.serialized()[0],
        "message_version": m.message_version(),
        "registration_id": m.registration_id(),
        "prekey_id": m.pre_key_id().map(|id| id.0),
        "signed_prekey_id": m.signed_pre_key_id().0,
        "kyber_prekey_id": m.kyber_pre_key_id().map(|id| id.0),
        "kyber_ciphertext_length": m.kyber_ciphertext().map(<[u8]>::len),
        "base_key": hex::encode(m.base_key().serialize()),
        "identity_key": hex::encode(m.identity_key().serialize()),
        "inner_message": hex::encode(m.message().serialized()),
        "inner": whisper_info(m.message()),
    })
}

/// SPQR message types, by their byte in the spqr crate's V1 encoding.
const SPQR_TYPES: [&str; 7] = ["None", "Hdr", "Ek", "EkCt1Ack", "Ct1Ack", "Ct1", "Ct2"];

/// SpqrInfo: the header of a `pq_ratchet` field in the spqr crate's V1
/// encoding, `[version u8][epoch varint][index varint][msg_type u8][chunk]`.
/// hush sends no SPQR yet, but reports what a libsignal peer sent.
pub fn spqr_info(pq: &[u8]) -> Value {
    let Some((&version, rest)) = pq.split_first() else {
        return json!({ "present": false, "version": 0 });
    };
    let mut out = Map::new();
    out.insert("present".into(), true.into());
    out.insert("version".into(), version.into());
    out.insert("length".into(), pq.len().into());
    if version != 1 {
        return Value::Object(out);
    }
    let mut pos = 0;
    let header = (|| {
        let epoch = varint(rest, &mut pos)?;
        let index = varint(rest, &mut pos)?;
        let kind = *rest.get(pos)?;
        Some((epoch, index, kind))
    })();
    match header {
        Some((epoch, index, kind)) => {
            out.insert("epoch".into(), epoch.into());
            out.insert("index".into(), index.into());
            let kind = SPQR_TYPES
                .get(usize::from(kind))
                .map_or_else(|| Value::from(kind), |name| Value::from(*name));
            out.insert("msg_type".into(), kind);
            // The spqr crate mixes no key into (epoch 1, index 0) only.
            out.insert("key_used".into(), (!(epoch == 1 && index == 0)).into());
        }
        None => {
            out.insert("malformed".into(), true.into());
        }
    }
    Value::Object(out)
}

/// An unsigned LEB128 varint of at most 10 bytes.
fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// `inspect`: `{type: 2|3|7|"whisper"|"prekey"|"senderkey"|"skdm", ciphertext}`
/// → `{info}`. Pure parsing, no state.
pub fn inspect(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let bytes = p.hex("ciphertext")?;
    if p.string_opt("type")
        .ok()
        .flatten()
        .is_some_and(|t| t.eq_ignore_ascii_case("skdm"))
    {
        let skdm = hush::groups::SenderKeyDistributionMessage::deserialize(&bytes)
            .map_err(PeerError::parse)?;
        return Ok(json!({ "info": crate::groups::skdm_info(&skdm) }));
    }
    let kind = p
        .message_type("type")?
        .ok_or_else(|| PeerError::bad_request("missing parameter type"))?;
    let info = match kind {
        CiphertextMessageType::Whisper => {
            whisper_info(&SignalMessage::deserialize(&bytes).map_err(PeerError::parse)?)
        }
        CiphertextMessageType::PreKey => {
            prekey_info(&PreKeySignalMessage::deserialize(&bytes).map_err(PeerError::parse)?)
        }
        CiphertextMessageType::SenderKey => crate::groups::sender_key_info(
            &hush::groups::SenderKeyMessage::deserialize(&bytes).map_err(PeerError::parse)?,
        ),
        CiphertextMessageType::Plaintext => {
            let content =
                hush::messages::PlaintextContent::deserialize(&bytes).map_err(PeerError::parse)?;
            json!({ "kind": "plaintext", "length": content.serialized().len() })
        }
    };
    Ok(json!({ "info": info }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spqr_headers() {
        assert_eq!(spqr_info(&[]), json!({"present": false, "version": 0}));
        // A 0.90 initiator's first message: epoch 1, index 0, Hdr.
        let first = spqr_info(&hex::decode("010100010002da").unwrap());
        assert_eq!(first["epoch"], 1);
        assert_eq!(first["index"], 0);
        assert_eq!(first["msg_type"], "Hdr");
        assert_eq!(first["key_used"], false);
        assert_eq!(first["length"], 7);
        // Multi-byte varints.
        let later = spqr_info(&[1, 0x82, 0x01, 0x05, 6]);
        assert_eq!(
            (later["epoch"].as_u64(), later["index"].as_u64()),
            (Some(130), Some(5))
        );
        assert_eq!(later["msg_type"], "Ct2");
        assert_eq!(later["key_used"], true);
        assert_eq!(spqr_info(&[1, 2, 3, 9])["msg_type"], 9);
        assert_eq!(spqr_info(&[1, 0x80])["malformed"], true);
        assert_eq!(spqr_info(&[1, 1, 1])["malformed"], true);
        assert_eq!(
            spqr_info(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
                ["malformed"],
            true
        );
        let v2 = spqr_info(&[2, 1]);
        assert_eq!(v2, json!({"present": true, "version": 2, "length": 2}));
    }
}
