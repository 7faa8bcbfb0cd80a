//! Classic peer, OMEMO 0.3 (an extension of the v3 variant, for
//! interop-v3/scripts/oldmemo_matrix.py): the message layer of
//! `examples/omemo/omemo03.rs`, the same file the example runs, over the
//! peer's classic sessions.
//!
//! - `omemo_encrypt` `{recipients: [address], plaintext}` →
//!   `{iv, payload, keys: [{name, rid, prekey, type, data}]}`: the payload
//!   under AES-128-GCM with a fresh key and IV, `key ‖ tag` through one
//!   classic message per recipient device (each session must exist and its
//!   identity be trusted; on any failure no session changes).
//! - `omemo_decrypt` `{sender: address, iv, payload, data, prekey}` →
//!   `{plaintext, key_material}`: the Signal message `data` (a PreKey
//!   message if `prekey`) decrypted as `decrypt` does, then the payload.

#[path = "../../../examples/omemo/omemo03.rs"]
#[allow(dead_code)] // the example uses parts the peer does not
mod omemo03;

use rand::Rng;
use serde_json::{json, Value};

use crate::classic::{self, ClassicPeer};
use crate::classic_sessions::{decrypt_prekey, decrypt_whisper, no_session, untrusted};
use crate::error::{PeerError, Result};
use crate::params::Params;

/// Most recipient devices of one message.
const MAX_RECIPIENTS: usize = 1000;

pub fn omemo_encrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let plaintext = p.hex("plaintext")?;
    let Some(Value::Array(list)) = p.get("recipients") else {
        return Err(PeerError::bad_request(
            "recipients must be an array of addresses",
        ));
    };
    if list.is_empty() || list.len() > MAX_RECIPIENTS {
        return Err(PeerError::bad_request(format!(
            "recipients must hold 1..={MAX_RECIPIENTS} addresses"
        )));
    }
    let mut addresses = Vec::with_capacity(list.len());
    for item in list {
        let wrapper = serde_json::Map::from_iter([("address".to_owned(), item.clone())]);
        let address = classic::address(&Params::new(&wrapper), "address")?;
        if addresses.contains(&address) {
            return Err(PeerError::bad_request(format!("{address} is listed twice")));
        }
        let record = peer
            .stores
            .sessions
            .get(&address)
            .ok_or_else(|| no_session(&address))?;
        let remote = record
            .remote_identity()
            .ok_or_else(|| no_session(&address))?;
        if !peer.is_trusted(&address, remote) {
            return Err(untrusted(&address));
        }
        addresses.push(address);
    }
    let mut key = [0u8; omemo03::KEY_LEN];
    let mut iv = [0u8; omemo03::IV_LEN];
    peer.rng.fill_bytes(&mut key);
    peer.rng.fill_bytes(&mut iv);
    // Take the records out, encrypt (omemo03 commits all or none), put them back.
    let mut records: Vec<_> = addresses
        .iter()
        .map(|a| peer.stores.sessions.remove(a).map(|r| (a.device_id, r)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| PeerError::new("InternalError", "session vanished"))?;
    let outcome = {
        let mut recipients: Vec<_> = records.iter_mut().map(|(rid, r)| (*rid, r)).collect();
        omemo03::encrypt(&plaintext, &key, &iv, &mut recipients)
    };
    for (address, (_, record)) in addresses.iter().zip(records) {
        peer.stores.sessions.insert(address.clone(), record);
    }
    let message = outcome.map_err(|e| PeerError::new("SignalError", e.to_string()))?;
    let keys: Vec<Value> = addresses
        .iter()
        .zip(&message.keys)
        .map(|(address, k)| {
            json!({
                "name": address.name,
                "rid": k.rid,
                "prekey": k.prekey,
                "type": if k.prekey { 3 } else { 2 },
                "data": hex::encode(&k.data),
            })
        })
        .collect();
    Ok(json!({
        "iv": hex::encode(message.iv),
        "payload": hex::encode(&message.payload),
        "keys": keys,
    }))
}

pub fn omemo_decrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let sender = classic::address(p, "sender")?;
    let iv = p
        .hex_exact::<{ omemo03::IV_LEN }>("iv")?
        .ok_or_else(|| PeerError::bad_request("missing parameter iv"))?;
    let payload = p.hex("payload")?;
    let data = p.hex("data")?;
    let key_material = if p.bool_or("prekey", false)? {
        let message = hush::classic::ClassicPreKeySignalMessage::deserialize(&data)
            .map_err(crate::classic_sessions::message_error)?;
        decrypt_prekey(peer, &sender, &message)?
    } else {
        let message = hush::classic::ClassicSignalMessage::deserialize(&data)
            .map_err(crate::classic_sessions::message_error)?;
        decrypt_whisper(peer, &sender, &message)?
    };
    let plaintext = omemo03::decrypt_payload(&iv, &payload, &key_material)
        .map_err(|e| PeerError::new("InvalidMessage", e.to_string()))?;
    Ok(json!({
        "plaintext": hex::encode(plaintext),
        "key_material": hex::encode(&key_material),
    }))
}
