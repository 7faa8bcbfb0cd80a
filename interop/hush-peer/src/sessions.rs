//! 1:1 sessions: `process_bundle`, `encrypt`, `decrypt`, `session_exists`,
//! `archive_session`, `delete_session`.
//!
//! hush has no store callbacks, so this module is the "store" libsignal's
//! callbacks would be: it looks up pre-keys by the IDs a message names,
//! checks trust where libsignal's identity store is asked (session-setup.md
//! §7), and deletes or marks pre-keys only when hush reports them consumed.
//! A failed command changes nothing: decryption is committed only after the
//! trust check (`SessionRecord::decrypt_pending`), and the other commands
//! work on a copy of the record that is kept only when they succeed.
//!
//! Error classes are the ones libsignal 0.90's Node binding reports for the
//! same failure (observed through `peer.mjs`): `DuplicatedMessage`,
//! `UntrustedIdentity`, and `LibSignalError` for everything else, including
//! a missing session ("session with NAME.DEVICE not found"). Type-8
//! `decrypt`, `export_session` and `import_session` are in `retry` and
//! `migrate`.

use std::time::{SystemTime, UNIX_EPOCH};

use hush::address::ProtocolAddress;
use hush::keys::{
    IdentityKey, KemPublicKey, KyberPreKeyId, PreKeyBundle, PreKeyId, SignedPreKeyId, Timestamp,
};
use hush::messages::{CiphertextMessageType, PreKeySignalMessage, SignalMessage};
use hush::session::{
    Addresses, ConsumedPreKeys, DecryptError, EncryptError, PreKeys, SessionRecord,
};
use serde_json::{json, Map, Value};

use crate::error::{PeerError, Result};
use crate::message_info::{message_info, type_name};
use crate::params::{Params, MAX_SAFE_INTEGER};
use crate::peer::Peer;

/// `process_bundle`: `{address, bundle, now_ms?}` → `{session}`. Starts a
/// session as initiator; the current one, if any, is archived.
pub fn process_bundle(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let address = p.address("address")?;
    let bundle = bundle_from_json(p, &address)?;
    let now = now_param(p)?;
    let local = local_identity(peer)?;
    // libsignal asks the identity store first, before checking signatures.
    if !peer.is_trusted(&address, &bundle.identity_key) {
        return Err(untrusted(&address));
    }
    let identity_key = bundle.identity_key;
    let verified = bundle.verify()?;
    let mut record = peer
        .stores
        .sessions
        .get(&address)
        .cloned()
        .unwrap_or_default();
    record.initiate(&verified, &local, now, &mut peer.rng)?;
    let record = persist(peer, record)?;
    peer.stores.identities.insert(address.clone(), identity_key);
    let info = session_info(Some(&record));
    peer.stores.sessions.insert(address, record);
    Ok(json!({ "session": info }))
}

/// `encrypt`: `{address, plaintext, now_ms?}` →
/// `{type, type_name, ciphertext, info}`.
pub fn encrypt(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let plaintext = p.hex("plaintext")?;
    let now = now_param(p)?;
    let local_address = peer.identity()?.address.clone();
    let mut record = peer
        .stores
        .sessions
        .get(&address)
        .cloned()
        .ok_or_else(|| session_not_found(&address))?;
    let addresses = Addresses {
        local: &local_address,
        remote: &address,
    };
    let message = record
        .encrypt(&plaintext, addresses, now, &mut peer.rng)
        .map_err(|e| encrypt_error(e, &address))?;
    // libsignal checks the session's remote identity after encrypting,
    // before anything is stored.
    let remote = *record
        .remote_identity()
        .ok_or_else(|| session_not_found(&address))?;
    if !peer.is_trusted(&address, &remote) {
        return Err(untrusted(&address));
    }
    let record = persist(peer, record)?;
    peer.stores.identities.insert(address.clone(), remote);
    peer.stores.sessions.insert(address, record);
    let kind = message.message_type();
    Ok(json!({
        "type": kind as u8,
        "type_name": type_name(kind),
        "ciphertext": hex::encode(message.serialized()),
        "info": message_info(&message),
    }))
}

/// `decrypt`: `{address, ciphertext, type?}` → `{plaintext, type, type_name}`.
/// Without `type`: a PreKey message if the bytes parse as one, else a
/// `SignalMessage`.
pub fn decrypt(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let address = p.address("address")?;
    let bytes = p.hex("ciphertext")?;
    let kind = match p.message_type("type")? {
        Some(kind) => kind,
        None if PreKeySignalMessage::deserialize(&bytes).is_ok() => CiphertextMessageType::PreKey,
        None => CiphertextMessageType::Whisper,
    };
    let plaintext = match kind {
        CiphertextMessageType::Whisper => {
            decrypt_whisper(peer, &address, &SignalMessage::deserialize(&bytes)?)?
        }
        CiphertextMessageType::PreKey => {
            decrypt_prekey(peer, &address, &PreKeySignalMessage::deserialize(&bytes)?)?
        }
        CiphertextMessageType::SenderKey => crate::groups::decrypt_from(peer, &address, &bytes)?,
        CiphertextMessageType::Plaintext => {
            return Err(PeerError::unsupported(
                "hush has no PlaintextContent messages yet",
            ));
        }
    };
    Ok(
        json!({ "plaintext": hex::encode(plaintext), "type": kind as u8, "type_name": type_name(kind) }),
    )
}

/// A `SignalMessage`: the sender's identity is checked after decrypting
/// (it is the identity of whichever state decrypted it), and the decryption
/// is committed only if it is trusted, so an untrusted message leaves the
/// record as it was and can be decrypted again later.
fn decrypt_whisper(
    peer: &mut Peer,
    address: &ProtocolAddress,
    message: &SignalMessage,
) -> Result<Vec<u8>> {
    let local_address = peer.identity()?.address.clone();
    let addresses = Addresses {
        local: &local_address,
        remote: address,
    };
    let record = peer
        .stores
        .sessions
        .get_mut(address)
        .ok_or_else(|| session_not_found(address))?;
    let pending = record
        .decrypt_pending(message, addresses, &mut peer.rng)
        .map_err(|e| decrypt_error(e, address))?;
    let remote = *pending.remote_identity();
    if !peer
        .trust_policy
        .trusts(&peer.stores.identities, address, &remote)
    {
        return Err(untrusted(address));
    }
    let plaintext = pending.commit();
    peer.stores.identities.insert(address.clone(), remote);
    if peer.roundtrip_state {
        // Test mode: the committed record is kept as it reloads from its
        // bytes. A failure here is a hush bug, reported as InternalError.
        if let Some(record) = peer.stores.sessions.remove(address) {
            let reloaded = persist(peer, record)?;
            peer.stores.sessions.insert(address.clone(), reloaded);
        }
    }
    Ok(plaintext)
}

/// A PreKey message: trust is checked first (as libsignal asks its identity
/// store), then the message is decrypted in two phases: before committing,
/// the authenticated sender identity is checked again and a new session on
/// a last-resort Kyber key is refused if its (Kyber ID, signed pre-key ID,
/// base key) was seen; nothing is changed then. Pre-keys are looked up by
/// the IDs the message names and spent only if the commit consumed them.
fn decrypt_prekey(
    peer: &mut Peer,
    address: &ProtocolAddress,
    message: &PreKeySignalMessage,
) -> Result<Vec<u8>> {
    if !peer.is_trusted(address, message.identity_key()) {
        return Err(untrusted(address));
    }
    let local = local_identity(peer)?;
    let local_address = peer.identity()?.address.clone();
    let mut record = peer
        .stores
        .sessions
        .get(address)
        .cloned()
        .unwrap_or_default();
    let stores = &peer.stores;
    let pre_keys = PreKeys {
        signed: stores.signed_prekeys.get(&message.signed_pre_key_id()),
        kyber: message
            .kyber_pre_key_id()
            .and_then(|id| stores.kyber_prekeys.get(&id))
            .map(|k| &k.record),
        one_time: message.pre_key_id().and_then(|id| stores.prekeys.get(&id)),
    };
    let addresses = Addresses {
        local: &local_address,
        remote: address,
    };
    let pending = record
        .decrypt_prekey_pending(message, &local, pre_keys, addresses, &mut peer.rng)
        .map_err(|e| decrypt_error(e, address))?;
    check_before_commit(peer, address, pending.remote_identity(), pending.consumed())?;
    let decryption = pending.commit();
    let record = persist(peer, record)?;
    if let Some(consumed) = &decryption.consumed {
        // The only step that can still fail; it changes nothing when it does.
        peer.stores.mark_kyber_used(
            consumed.kyber,
            consumed.signed,
            &consumed.base_key.serialize(),
        )?;
        if let Some(id) = consumed.one_time {
            peer.stores.consume_prekey(id)?;
        }
    }
    peer.stores
        .identities
        .insert(address.clone(), *message.identity_key());
    peer.stores.sessions.insert(address.clone(), record);
    Ok(decryption.plaintext)
}

/// What an application checks on a pending PreKey decryption before it
/// commits: that it trusts the authenticated sender identity, and, when the
/// message would create a session on a last-resort Kyber pre-key, that its
/// (Kyber ID, signed pre-key ID, base key) was not used before (libsignal's
/// store: `reused base key`).
pub(crate) fn check_before_commit(
    peer: &Peer,
    address: &ProtocolAddress,
    identity: &IdentityKey,
    consumed: Option<&ConsumedPreKeys>,
) -> Result<()> {
    if !peer.is_trusted(address, identity) {
        return Err(untrusted(address));
    }
    if let Some(consumed) = consumed {
        let stores = &peer.stores;
        let last_resort = stores
            .kyber_prekeys
            .get(&consumed.kyber)
            .is_some_and(|k| k.last_resort);
        let base_key = consumed.base_key.serialize();
        let reused = stores.kyber_used.iter().any(|u| {
            u.kyber_prekey_id == consumed.kyber
                && u.signed_prekey_id == consumed.signed
                && u.base_key == base_key
        });
        if last_resort && reused {
            return Err(PeerError::library(
                "invalid PreKey message: reused base key",
            ));
        }
    }
    Ok(())
}

/// `session_exists`: `{address}` → SessionInfo.
pub fn session_exists(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    Ok(session_info(peer.stores.sessions.get(&address)))
}

/// `archive_session`: `{address}` → `{archived, session}`. Like libsignal,
/// `archived` is true whenever a record exists (even one with no current
/// state left to archive).
pub fn archive_session(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let Some(record) = peer.stores.sessions.get(&address) else {
        return Ok(json!({ "archived": false, "session": session_info(None) }));
    };
    let mut record = record.clone();
    record.archive_current_state();
    let record = persist(peer, record)?;
    let info = session_info(Some(&record));
    peer.stores.sessions.insert(address, record);
    Ok(json!({ "archived": true, "session": info }))
}

/// `delete_session`: `{address}` → `{deleted}`.
pub fn delete_session(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    Ok(json!({ "deleted": peer.stores.sessions.remove(&address).is_some() }))
}

/// SessionInfo: `{exists, has_current_state, local_registration_id?, remote_registration_id?}`.
/// As in libsignal's `hasCurrentState()`, `has_current_state` means a
/// current state that can send now (by the wall clock): a stale
/// unacknowledged session counts as none.
fn session_info(record: Option<&SessionRecord>) -> Value {
    let Some(record) = record else {
        return json!({ "exists": false, "has_current_state": false });
    };
    let usable = record.is_usable(wall_clock());
    let mut out = Map::new();
    out.insert("exists".into(), true.into());
    out.insert("has_current_state".into(), usable.into());
    if let (true, Some(local), Some(remote)) = (
        usable,
        record.local_registration_id(),
        record.remote_registration_id(),
    ) {
        out.insert("local_registration_id".into(), local.into());
        out.insert("remote_registration_id".into(), remote.into());
    }
    Value::Object(out)
}

/// In test mode, the record as it would come back from storage: written
/// with `to_state`, read with `from_state`, and required to write the same
/// bytes again. Otherwise the record itself.
pub(crate) fn persist(peer: &Peer, record: SessionRecord) -> Result<SessionRecord> {
    if !peer.roundtrip_state {
        return Ok(record);
    }
    let stored = record.to_state();
    let loaded = SessionRecord::from_state(&stored).map_err(|e| {
        PeerError::new(
            "InternalError",
            format!("session record did not reload from to_state: {e}"),
        )
    })?;
    if *loaded.to_state() != *stored {
        return Err(PeerError::new(
            "InternalError",
            "session record changed across to_state/from_state",
        ));
    }
    Ok(loaded)
}

/// The session layer's view of our identity.
fn local_identity(peer: &Peer) -> Result<hush::session::LocalIdentity> {
    let identity = peer.identity()?;
    Ok(hush::session::LocalIdentity {
        key_pair: identity.key_pair.clone(),
        registration_id: identity.registration_id,
    })
}

/// The protocol's Bundle object; `device_id` defaults to the address's.
fn bundle_from_json(p: &Params<'_>, address: &ProtocolAddress) -> Result<PreKeyBundle> {
    let Some(Value::Object(members)) = p.get("bundle") else {
        return Err(PeerError::bad_request("bundle must be an object"));
    };
    let b = Params::new(members);
    let prekey_id = b.u32_opt("prekey_id")?;
    let prekey_public = b.hex_opt("prekey_public")?;
    let pre_key = match (prekey_id, prekey_public) {
        (Some(id), Some(public)) => {
            Some((PreKeyId(id), hush::keys::PublicKey::deserialize(&public)?))
        }
        (None, None) => None,
        _ => {
            return Err(PeerError::bad_request(
                "bundle.prekey_id and bundle.prekey_public go together",
            ))
        }
    };
    let required = |name: &str| {
        b.u32_opt(name)?
            .ok_or_else(|| PeerError::bad_request(format!("missing parameter {name}")))
    };
    let device_id = if b.has("device_id") {
        b.device_id("device_id")?
    } else {
        address.device_id()
    };
    Ok(PreKeyBundle {
        registration_id: required("registration_id")?,
        device_id,
        pre_key,
        signed_pre_key_id: SignedPreKeyId(required("signed_prekey_id")?),
        signed_pre_key_public: b.public_key("signed_prekey_public")?,
        signed_pre_key_signature: b.hex("signed_prekey_signature")?,
        kyber_pre_key_id: KyberPreKeyId(required("kyber_prekey_id")?),
        kyber_pre_key_public: KemPublicKey::deserialize(&b.hex("kyber_prekey_public")?)?,
        kyber_pre_key_signature: b.hex("kyber_prekey_signature")?,
        identity_key: IdentityKey::new(b.public_key("identity_key")?),
    })
}

/// `now_ms`, else the wall clock.
fn now_param(p: &Params<'_>) -> Result<Timestamp> {
    Ok(p.int_opt("now_ms", 0, MAX_SAFE_INTEGER)?
        .map_or_else(wall_clock, Timestamp::from_millis))
}

pub(crate) fn wall_clock() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// libsignal 0.90 reports a missing session as its generic error.
pub(crate) fn session_not_found(address: &ProtocolAddress) -> PeerError {
    PeerError::library(format!("session with {address} not found"))
}

pub(crate) fn untrusted(address: &ProtocolAddress) -> PeerError {
    PeerError::new(
        "UntrustedIdentity",
        format!("untrusted identity for address {address}"),
    )
}

pub(crate) fn encrypt_error(e: EncryptError, address: &ProtocolAddress) -> PeerError {
    match e {
        // libsignal reports a stale unacknowledged session as not found too.
        EncryptError::SessionNotFound | EncryptError::StaleUnacknowledgedSession => {
            session_not_found(address)
        }
        other => PeerError::library(other),
    }
}

pub(crate) fn decrypt_error(e: DecryptError, address: &ProtocolAddress) -> PeerError {
    match e {
        DecryptError::DuplicatedMessage { .. } => {
            PeerError::new("DuplicatedMessage", e.to_string())
        }
        DecryptError::SessionNotFound => session_not_found(address),
        other => PeerError::library(other),
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::{json, Value};

    use crate::commands;
    use crate::params::Params;
    use crate::peer::Peer;

    fn peer(seed: u64, name: &str) -> Peer {
        let mut p = Peer::new(StdRng::seed_from_u64(seed));
        p.roundtrip_state = true;
        must(&mut p, "create_identity", json!({ "name": name }));
        p
    }

    /// The response members, or the error as `{"error_class", "error"}`.
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
        assert!(r.get("error_class").is_none(), "{cmd}: {r}");
        r
    }

    const ALICE: &str = "9f0e6c55-2a41-4c7e-8d0b-6e3a5b2f1c00";
    const BOB: &str = "1b7c3e0a-5d2f-4e61-9a8b-0c3d4e5f6a7b";

    fn addr(name: &str) -> Value {
        json!({ "name": name, "device_id": 1 })
    }

    fn send(from: &mut Peer, to: &str, text: &str) -> Value {
        must(
            from,
            "encrypt",
            json!({ "address": addr(to), "plaintext": hex::encode(text) }),
        )
    }

    fn receive(at: &mut Peer, from: &str, m: &Value) -> Value {
        call(
            at,
            "decrypt",
            json!({ "address": addr(from), "type": m["type"], "ciphertext": m["ciphertext"] }),
        )
    }

    /// Alice has a session with Bob from a bundle with a last-resort Kyber key.
    fn pair(otpk: bool) -> (Peer, Peer) {
        let mut alice = peer(1, ALICE);
        let mut bob = peer(2, BOB);
        let mut keys =
            json!({ "signed_prekey_id": 1, "kyber_prekey_id": 9, "kyber_last_resort": true });
        if otpk {
            keys["prekey_id"] = json!(4);
        }
        let bundle = must(&mut bob, "generate_prekeys", keys)["bundle"].clone();
        must(
            &mut alice,
            "process_bundle",
            json!({ "address": addr(BOB), "bundle": bundle }),
        );
        (alice, bob)
    }

    #[test]
    fn conversation_with_types_info_and_prekeys() {
        let (mut alice, mut bob) = pair(true);
        let first = send(&mut alice, BOB, "hello");
        assert_eq!(
            (first["type"].as_u64(), first["type_name"].as_str()),
            (Some(3), Some("prekey"))
        );
        assert_eq!(first["info"]["prekey_id"], 4);
        assert_eq!(first["info"]["kyber_prekey_id"], 9);
        assert_eq!(first["info"]["inner"]["counter"], 0);
        // SPQR V1 from the very first message, with its key mixed in.
        assert_eq!(first["info"]["inner"]["spqr"]["present"], true);
        assert_eq!(first["info"]["inner"]["spqr"]["version"], 1);
        assert_eq!(first["info"]["inner"]["spqr"]["key_used"], true);
        // Type-less: detected as PreKey.
        let r = call(
            &mut bob,
            "decrypt",
            json!({ "address": addr(ALICE), "ciphertext": first["ciphertext"] }),
        );
        assert_eq!(
            (r["plaintext"].as_str(), r["type"].as_u64()),
            (Some(hex::encode("hello").as_str()), Some(3))
        );
        let listed = must(&mut bob, "list_prekeys", json!({}));
        assert_eq!(listed["prekey_ids"], json!([]));
        assert_eq!(listed["consumed_prekey_ids"], json!([4]));
        assert_eq!(listed["kyber_used"][0]["removed"], false);
        let dup = receive(&mut bob, ALICE, &first);
        assert_eq!(dup["error_class"], "DuplicatedMessage");

        let reply = send(&mut bob, ALICE, "hi");
        assert_eq!(reply["type"], 2);
        assert_eq!(
            receive(&mut alice, BOB, &reply)["plaintext"],
            hex::encode("hi")
        );
        let next = send(&mut alice, BOB, "again");
        assert_eq!(next["type"], 2);
        assert_eq!(next["info"]["counter"], 0);
        assert_ne!(
            next["info"]["ratchet_key"],
            first["info"]["inner"]["ratchet_key"]
        );
        assert_eq!(receive(&mut bob, ALICE, &next)["type_name"], "whisper");
        let info = must(
            &mut bob,
            "session_exists",
            json!({ "address": addr(ALICE) }),
        );
        assert_eq!(info["has_current_state"], true);
        assert_eq!(
            info["remote_registration_id"],
            alice.identity.as_ref().unwrap().registration_id
        );
        let inspected = must(
            &mut bob,
            "inspect",
            json!({ "type": "whisper", "ciphertext": next["ciphertext"] }),
        );
        assert_eq!(inspected["info"], next["info"]);
    }

    #[test]
    fn untrusted_sender_leaves_the_session_as_it_was() {
        let (mut alice, mut bob) = pair(false);
        let first = send(&mut alice, BOB, "hello");
        receive(&mut bob, ALICE, &first);
        let reply = send(&mut bob, ALICE, "hi");
        let stranger = must(&mut alice, "keypair", json!({}))["public"].clone();
        must(
            &mut alice,
            "save_identity",
            json!({ "address": addr(BOB), "identity_key": stranger }),
        );
        let before = alice.stores.sessions.values().next().unwrap().to_state();
        assert_eq!(
            receive(&mut alice, BOB, &reply)["error_class"],
            "UntrustedIdentity"
        );
        let e = call(
            &mut alice,
            "encrypt",
            json!({ "address": addr(BOB), "plaintext": "00" }),
        );
        assert_eq!(e["error_class"], "UntrustedIdentity");
        assert_eq!(
            *before,
            *alice.stores.sessions.values().next().unwrap().to_state()
        );
        must(
            &mut alice,
            "set_trust_policy",
            json!({ "policy": "always" }),
        );
        assert_eq!(
            receive(&mut alice, BOB, &reply)["plaintext"],
            hex::encode("hi")
        );
    }

    #[test]
    fn last_resort_kyber_key_refuses_a_reused_base_key_only_for_new_sessions() {
        let (mut alice, mut bob) = pair(false);
        let first = send(&mut alice, BOB, "one");
        receive(&mut bob, ALICE, &first);
        // The session still has the base key: a duplicate, not a reuse.
        assert_eq!(
            receive(&mut bob, ALICE, &first)["error_class"],
            "DuplicatedMessage"
        );
        must(
            &mut bob,
            "delete_session",
            json!({ "address": addr(ALICE) }),
        );
        let second = send(&mut alice, BOB, "two");
        let r = receive(&mut bob, ALICE, &second);
        assert_eq!(r["error_class"], "LibSignalError");
        assert!(
            r["error"].as_str().unwrap().ends_with("reused base key"),
            "{r}"
        );
        assert_eq!(
            must(
                &mut bob,
                "session_exists",
                json!({ "address": addr(ALICE) })
            )["exists"],
            false
        );
        assert_eq!(
            must(&mut bob, "list_prekeys", json!({}))["kyber_used"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn missing_sessions_and_archives() {
        let (mut alice, mut bob) = pair(false);
        let none = call(
            &mut bob,
            "encrypt",
            json!({ "address": addr(ALICE), "plaintext": "00" }),
        );
        assert_eq!(
            none["error"],
            format!("LibSignalError: session with {ALICE}.1 not found")
        );
        let first = send(&mut alice, BOB, "one");
        let inner = json!({ "type": 2, "ciphertext": first["info"]["inner_message"] });
        assert_eq!(
            receive(&mut bob, ALICE, &inner)["error_class"],
            "LibSignalError"
        );
        let archived = must(
            &mut alice,
            "archive_session",
            json!({ "address": addr(BOB) }),
        );
        assert_eq!(
            archived,
            json!({ "archived": true, "session": { "exists": true, "has_current_state": false } })
        );
        let e = call(
            &mut alice,
            "encrypt",
            json!({ "address": addr(BOB), "plaintext": "00" }),
        );
        assert_eq!(e["error_class"], "LibSignalError");
        assert_eq!(
            must(
                &mut alice,
                "delete_session",
                json!({ "address": addr(BOB) })
            )["deleted"],
            true
        );
        assert_eq!(
            must(
                &mut alice,
                "delete_session",
                json!({ "address": addr(BOB) })
            )["deleted"],
            false
        );
        let r = call(
            &mut bob,
            "decrypt",
            json!({ "address": addr(ALICE), "type": "plaintext", "ciphertext": "00" }),
        );
        assert_eq!(
            r["error"],
            "LibSignalError: unrecognized message version <0>"
        );
        // Type 7 is group decryption: too short, like libsignal.
        let r = call(
            &mut bob,
            "decrypt",
            json!({ "address": addr(ALICE), "type": 7, "ciphertext": "00" }),
        );
        assert_eq!(
            r["error"],
            "LibSignalError: ciphertext serialized bytes were too short <1>"
        );
        let r = call(
            &mut bob,
            "decrypt",
            json!({ "address": addr(ALICE), "type": 5, "ciphertext": "00" }),
        );
        assert_eq!(r["error_class"], "BadRequest");
    }

    #[test]
    fn stale_unacknowledged_session_has_no_current_state() {
        let mut alice = peer(1, ALICE);
        let mut bob = peer(2, BOB);
        let bundle = must(
            &mut bob,
            "generate_prekeys",
            json!({ "signed_prekey_id": 1, "kyber_prekey_id": 1 }),
        )["bundle"]
            .clone();
        let t0 = 1_700_000_000_000u64;
        let r = must(
            &mut alice,
            "process_bundle",
            json!({ "address": addr(BOB), "bundle": bundle, "now_ms": t0 }),
        );
        // Created long ago (by the wall clock): unusable, like libsignal's hasCurrentState().
        assert_eq!(
            r["session"],
            json!({ "exists": true, "has_current_state": false })
        );
        let day = 86_400_000u64;
        must(
            &mut alice,
            "encrypt",
            json!({ "address": addr(BOB), "plaintext": "00", "now_ms": t0 + 30 * day }),
        );
        let e = call(
            &mut alice,
            "encrypt",
            json!({ "address": addr(BOB), "plaintext": "00", "now_ms": t0 + 30 * day + 1 }),
        );
        assert_eq!(e["error_class"], "LibSignalError");
    }

    #[test]
    fn bad_bundles_are_refused() {
        let mut alice = peer(1, ALICE);
        let mut bob = peer(2, BOB);
        let bundle = must(
            &mut bob,
            "generate_prekeys",
            json!({ "signed_prekey_id": 1, "kyber_prekey_id": 1 }),
        )["bundle"]
            .clone();
        let mut forged = bundle.clone();
        forged["kyber_prekey_signature"] = bundle["signed_prekey_signature"].clone();
        let r = call(
            &mut alice,
            "process_bundle",
            json!({ "address": addr(BOB), "bundle": forged }),
        );
        assert_eq!(r["error_class"], "LibSignalError");
        let mut half = bundle.clone();
        half["prekey_id"] = json!(3);
        let r = call(
            &mut alice,
            "process_bundle",
            json!({ "address": addr(BOB), "bundle": half }),
        );
        assert_eq!(r["error_class"], "BadRequest");
        let r = call(
            &mut alice,
            "process_bundle",
            json!({ "address": addr(BOB), "bundle": { "registration_id": "x" } }),
        );
        assert_eq!(r["error_class"], "BadRequest");
        assert!(alice.stores.sessions.is_empty());
        assert!(alice.stores.identities.is_empty());
    }
}
