//! Groups (sender keys): `group_create_distribution`,
//! `group_process_distribution`, `group_encrypt`, `group_decrypt`,
//! `group_forget`, plus type 7 for `decrypt` and the `senderkey` / `skdm`
//! MessageInfo of `inspect`.
//!
//! hush keeps no store, so this module is the sender-key store libsignal's
//! callbacks would be: one record per (sender address, distribution ID),
//! ours under our own address. Every command works on a copy of the record
//! and keeps it only when it succeeds.
//!
//! Error classes are the ones libsignal's Node binding reports for the same
//! failure (observed through `peer.mjs`): `DuplicatedMessage`,
//! `InvalidSenderKeySession`, and `LibSignalError` for the rest (a missing
//! record or chain is "missing sender key state for distribution ID …").

use hush::address::ProtocolAddress;
use hush::groups::{
    create_distribution_message, group_decrypt as hush_group_decrypt,
    group_encrypt as hush_group_encrypt, process_distribution_message, DistributionError,
    DistributionId, GroupDecryptError, GroupEncryptError, SenderKeyDistributionMessage,
    SenderKeyMessage, SenderKeyRecord,
};
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::Peer;

/// `group_create_distribution`: `{distribution_id}` →
/// `{skdm, distribution_id, chain_id, iteration, chain_key, signing_key}`.
/// Makes our sender key for the distribution if there is none.
pub fn group_create_distribution(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let own = peer.identity()?.address.clone();
    let distribution_id = distribution_id(p)?;
    let mut record = peer
        .stores
        .sender_keys
        .get(&(own.clone(), distribution_id))
        .cloned()
        .unwrap_or_default();
    let skdm =
        create_distribution_message(&mut record, distribution_id, &mut peer.rng).map_err(|e| {
            match e {
                DistributionError::InvalidSenderKeySession { .. } => invalid_session(e),
            }
        })?;
    keep(peer, own, distribution_id, record)?;
    Ok(json!({
        "skdm": hex::encode(skdm.serialized()),
        "distribution_id": skdm.distribution_id().to_string(),
        "chain_id": skdm.chain_id(),
        "iteration": skdm.iteration(),
        "chain_key": hex::encode(skdm.chain_key()),
        "signing_key": hex::encode(skdm.signing_key().serialize()),
    }))
}

/// `group_process_distribution`: `{sender, skdm}` →
/// `{distribution_id, chain_id, iteration}`.
pub fn group_process_distribution(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let sender = p.address("sender")?;
    let skdm = SenderKeyDistributionMessage::deserialize(&p.hex("skdm")?)?;
    let distribution_id = skdm.distribution_id();
    let mut record = peer
        .stores
        .sender_keys
        .get(&(sender.clone(), distribution_id))
        .cloned()
        .unwrap_or_default();
    process_distribution_message(&mut record, &skdm);
    keep(peer, sender, distribution_id, record)?;
    Ok(json!({
        "distribution_id": distribution_id.to_string(),
        "chain_id": skdm.chain_id(),
        "iteration": skdm.iteration(),
    }))
}

/// `group_encrypt`: `{distribution_id, plaintext}` →
/// `{type: 7, type_name: "senderkey", ciphertext, info}`.
pub fn group_encrypt(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let distribution_id = distribution_id(p)?;
    let plaintext = p.hex("plaintext")?;
    let message = encrypt_for(peer, distribution_id, &plaintext)?;
    Ok(json!({
        "type": 7,
        "type_name": "senderkey",
        "ciphertext": hex::encode(message.serialized()),
        "info": sender_key_info(&message),
    }))
}

/// Encrypts with our sender key for `distribution_id` and keeps the advanced
/// record (for `group_encrypt` and sealed sender's group messages).
pub fn encrypt_for(
    peer: &mut Peer,
    distribution_id: DistributionId,
    plaintext: &[u8],
) -> Result<SenderKeyMessage> {
    let own = peer.identity()?.address.clone();
    let Some(record) = peer.stores.sender_keys.get(&(own.clone(), distribution_id)) else {
        return Err(missing_state(distribution_id));
    };
    let mut record = record.clone();
    let message = hush_group_encrypt(&mut record, distribution_id, plaintext, &mut peer.rng)
        .map_err(|e| match e {
            GroupEncryptError::NoSenderKeyState { distribution_id } => {
                missing_state(distribution_id)
            }
            GroupEncryptError::InvalidSenderKeySession { .. } => invalid_session(e),
            GroupEncryptError::ChainExhausted => PeerError::library(e),
        })?;
    keep(peer, own, distribution_id, record)?;
    Ok(message)
}

/// `group_decrypt`: `{sender, ciphertext}` → `{plaintext}`.
pub fn group_decrypt(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let sender = p.address("sender")?;
    let plaintext = decrypt_from(peer, &sender, &p.hex("ciphertext")?)?;
    Ok(json!({ "plaintext": hex::encode(plaintext) }))
}

/// Decrypts a `SenderKeyMessage` from `sender` with the record of (sender,
/// the message's distribution ID), keeping the record only on success (for
/// `group_decrypt`, `decrypt` type 7 and sealed sender).
pub fn decrypt_from(peer: &mut Peer, sender: &ProtocolAddress, bytes: &[u8]) -> Result<Vec<u8>> {
    let distribution_id = SenderKeyMessage::deserialize(bytes)?.distribution_id();
    let Some(record) = peer
        .stores
        .sender_keys
        .get(&(sender.clone(), distribution_id))
    else {
        return Err(missing_state(distribution_id));
    };
    let mut record = record.clone();
    let plaintext = hush_group_decrypt(&mut record, bytes).map_err(|e| match e {
        GroupDecryptError::DuplicatedMessage { .. } => {
            PeerError::new("DuplicatedMessage", e.to_string())
        }
        other => PeerError::library(other),
    })?;
    keep(peer, sender.clone(), distribution_id, record)?;
    Ok(plaintext)
}

/// `group_forget`: `{distribution_id, sender? (ourselves)}` → `{deleted}`.
pub fn group_forget(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let distribution_id = distribution_id(p)?;
    let who = if p.has("sender") {
        p.address("sender")?
    } else {
        peer.identity()?.address.clone()
    };
    Ok(json!({ "deleted": peer.stores.sender_keys.remove(&(who, distribution_id)).is_some() }))
}

/// MessageInfo of a group message.
pub fn sender_key_info(m: &SenderKeyMessage) -> Value {
    json!({
        "kind": "senderkey",
        "version_byte": m.serialized()[0],
        "message_version": m.message_version(),
        "distribution_id": m.distribution_id().to_string(),
        "chain_id": m.chain_id(),
        "iteration": m.iteration(),
        "ciphertext_length": m.ciphertext().len(),
        "signature": hex::encode(m.signature()),
    })
}

/// MessageInfo of a distribution message.
pub fn skdm_info(m: &SenderKeyDistributionMessage) -> Value {
    json!({
        "kind": "skdm",
        "version_byte": m.serialized()[0],
        "message_version": m.message_version(),
        "distribution_id": m.distribution_id().to_string(),
        "chain_id": m.chain_id(),
        "iteration": m.iteration(),
        "chain_key": hex::encode(m.chain_key()),
        "signing_key": hex::encode(m.signing_key().serialize()),
    })
}

/// Stores a record; in test mode (`HUSH_PEER_ROUNDTRIP_STATE=1`) as it
/// comes back from `to_state`/`from_state`, which must write the same bytes
/// again.
fn keep(
    peer: &mut Peer,
    address: ProtocolAddress,
    distribution_id: DistributionId,
    record: SenderKeyRecord,
) -> Result<()> {
    let record = if peer.roundtrip_state {
        let stored = record.to_state();
        let loaded = SenderKeyRecord::from_state(&stored).map_err(|e| {
            PeerError::new(
                "InternalError",
                format!("sender key record did not reload from to_state: {e}"),
            )
        })?;
        if *loaded.to_state() != *stored {
            return Err(PeerError::new(
                "InternalError",
                "sender key record changed across to_state/from_state",
            ));
        }
        loaded
    } else {
        record
    };
    peer.stores
        .sender_keys
        .insert((address, distribution_id), record);
    Ok(())
}

/// A UUID parameter (either case).
fn distribution_id(p: &Params<'_>) -> Result<DistributionId> {
    p.string("distribution_id")?
        .parse()
        .map_err(|_| PeerError::bad_request("distribution_id must be a UUID string"))
}

/// libsignal reports no record, or no chain, as its generic error.
fn missing_state(distribution_id: DistributionId) -> PeerError {
    PeerError::library(format!(
        "missing sender key state for distribution ID {distribution_id}"
    ))
}

fn invalid_session(e: impl std::fmt::Display) -> PeerError {
    PeerError::new("InvalidSenderKeySession", e.to_string())
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::{json, Value};

    use crate::commands;
    use crate::params::Params;
    use crate::peer::Peer;

    const GROUP: &str = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";

    fn peer(seed: u64, name: &str) -> Peer {
        let mut p = Peer::new(StdRng::seed_from_u64(seed));
        p.roundtrip_state = true;
        must(&mut p, "create_identity", json!({ "name": name }));
        p
    }

    fn call(peer: &mut Peer, cmd: &str, params: Value) -> Value {
        let Value::Object(members) = params else {
            panic!("params must be an object")
        };
        let handler = commands::find(cmd).expect("known command");
        match handler(peer, &Params::new(&members)) {
            Ok(v) => v,
            Err(e) => json!({ "error_class": e.class(), "error": e.to_string() }),
        }
    }

    fn must(peer: &mut Peer, cmd: &str, params: Value) -> Value {
        let r = call(peer, cmd, params);
        assert!(r.get("error").is_none(), "{cmd}: {r}");
        r
    }

    #[test]
    fn a_group_of_two_with_libsignal_error_classes() {
        let alice_name = "9d0652a3-dcc3-4d11-975f-74d61598733f";
        let mut alice = peer(1, alice_name);
        let mut bob = peer(2, "796abedb-ca4e-4f18-8803-1fde5b921f9f");
        let alice_addr = json!({ "name": alice_name, "device_id": 1 });

        let r = call(
            &mut alice,
            "group_encrypt",
            json!({ "distribution_id": GROUP, "plaintext": "00" }),
        );
        assert_eq!(
            r["error"],
            format!("LibSignalError: missing sender key state for distribution ID {GROUP}")
        );
        let skdm = must(
            &mut alice,
            "group_create_distribution",
            json!({ "distribution_id": GROUP.to_uppercase() }),
        );
        assert_eq!(skdm["distribution_id"], GROUP);
        assert_eq!(skdm["iteration"], 0);
        let processed = must(
            &mut bob,
            "group_process_distribution",
            json!({ "sender": alice_addr, "skdm": skdm["skdm"] }),
        );
        assert_eq!(processed["chain_id"], skdm["chain_id"]);
        let info = must(
            &mut bob,
            "inspect",
            json!({ "type": "skdm", "ciphertext": skdm["skdm"] }),
        )["info"]
            .clone();
        assert_eq!(info["signing_key"], skdm["signing_key"]);

        let m0 = must(
            &mut alice,
            "group_encrypt",
            json!({ "distribution_id": GROUP, "plaintext": "68656c6c6f" }),
        );
        assert_eq!(
            (m0["type"].clone(), m0["info"]["iteration"].clone()),
            (json!(7), json!(0))
        );
        let m1 = must(
            &mut alice,
            "group_encrypt",
            json!({ "distribution_id": GROUP, "plaintext": "" }),
        );
        let r = must(
            &mut bob,
            "decrypt",
            json!({ "address": alice_addr, "type": 7, "ciphertext": m1["ciphertext"] }),
        );
        assert_eq!(
            (r["plaintext"].clone(), r["type_name"].clone()),
            (json!(""), json!("senderkey"))
        );
        assert_eq!(
            must(
                &mut bob,
                "group_decrypt",
                json!({ "sender": alice_addr, "ciphertext": m0["ciphertext"] })
            )["plaintext"],
            "68656c6c6f"
        );
        let dup = call(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": m0["ciphertext"] }),
        );
        assert_eq!(
            dup["error"],
            "DuplicatedMessage: message with old counter 2 / 0"
        );
        let mut tampered = hex::decode(m1["ciphertext"].as_str().unwrap()).unwrap();
        tampered[30] ^= 1;
        let tampered = hex::encode(tampered);
        let bad = call(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": tampered }),
        );
        assert_eq!(bad["error"], "LibSignalError: invalid signature detected");
        let inspected = must(
            &mut bob,
            "inspect",
            json!({ "type": 7, "ciphertext": m1["ciphertext"] }),
        );
        assert_eq!(inspected["info"]["iteration"], 1);

        // Bob's record of Alice cannot send for Alice's address; Bob's own
        // record does not exist yet.
        let r = call(
            &mut bob,
            "group_encrypt",
            json!({ "distribution_id": GROUP, "plaintext": "00" }),
        );
        assert_eq!(r["error_class"], "LibSignalError");
        must(
            &mut bob,
            "group_process_distribution",
            json!({ "sender": { "name": "796abedb-ca4e-4f18-8803-1fde5b921f9f" }, "skdm": skdm["skdm"] }),
        );
        let r = call(
            &mut bob,
            "group_encrypt",
            json!({ "distribution_id": GROUP, "plaintext": "00" }),
        );
        assert_eq!(
            r["error"],
            format!(
                "InvalidSenderKeySession: invalid sender key session with distribution ID {GROUP}"
            )
        );

        assert_eq!(
            must(
                &mut alice,
                "group_forget",
                json!({ "distribution_id": GROUP })
            )["deleted"],
            true
        );
        assert_eq!(
            must(
                &mut alice,
                "group_forget",
                json!({ "distribution_id": GROUP })
            )["deleted"],
            false
        );
        let rotated = must(
            &mut alice,
            "group_create_distribution",
            json!({ "distribution_id": GROUP }),
        );
        assert_ne!(rotated["chain_id"], skdm["chain_id"]);
        assert_eq!(
            call(
                &mut alice,
                "group_create_distribution",
                json!({ "distribution_id": "nope" })
            )["error_class"],
            "BadRequest"
        );
        let r = call(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": "00" }),
        );
        assert_eq!(
            r["error"],
            "LibSignalError: ciphertext serialized bytes were too short <1>"
        );
    }
}
