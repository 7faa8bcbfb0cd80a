//! Classic peer, 1:1 sessions: `process_bundle`, `encrypt`, `decrypt`,
//! `inspect`, `session_exists`, `archive_session`, `delete_session`,
//! `export_session`, `import_session`.
//!
//! Where hush is stricter than libsignal-protocol-c it stays so: the remote
//! identity is checked on encrypt and on every decryption (C checks only on
//! bundles and PreKey messages), a decryption is committed only after that
//! check, and nothing is stored for a message that fails (C saves the
//! identity of a PreKey message before its MAC is checked).

use hush::address::ClassicDeviceId;
use hush::classic::{
    ClassicCiphertextMessage, ClassicDecryptError, ClassicPreKeyBundle, ClassicPreKeySignalMessage,
    ClassicPreKeys, ClassicSessionRecord, ClassicSignalMessage, LAST_RESORT_PRE_KEY_ID,
};
use hush::keys::{IdentityKey, PreKeyId, PublicKey, SignedPreKeyId, Timestamp};
use hush::messages::{CiphertextMessageType, MessageError};
use hush::session::{EncryptError, LocalIdentity};
use serde_json::{json, Map, Value};

use crate::classic::{self, ClassicAddress, ClassicPeer};
use crate::classic_keys::{now, record_error};
use crate::error::{PeerError, Result};
use crate::params::{Params, MAX_SAFE_INTEGER};

/// `process_bundle`: `{address, bundle, now_ms?}` → `{session}`. Kyber
/// members of the bundle are ignored; the current session is archived.
pub fn process_bundle(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let local = local_identity(peer)?;
    let address = classic::address(p, "address")?;
    let bundle = bundle_from_json(p, &address)?;
    let now = match p.int_opt("now_ms", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => now(),
    };
    // As libsignal-protocol-c: the trust check first, then the signature.
    if !peer.is_trusted(&address, &bundle.identity_key) {
        return Err(untrusted(&address));
    }
    let identity_key = bundle.identity_key;
    let verified = bundle
        .verify()
        .map_err(|e| PeerError::new("InvalidKey", e.to_string()))?;
    let mut record = peer
        .stores
        .sessions
        .get(&address)
        .cloned()
        .unwrap_or_else(ClassicSessionRecord::new);
    record
        .initiate(&verified, &local, now, &mut peer.rng)
        .map_err(|e| PeerError::new("InvalidKey", e.to_string()))?;
    let record = persist(peer, record)?;
    peer.stores.identities.insert(address.clone(), identity_key);
    let info = session_info(Some(&record));
    peer.stores.sessions.insert(address, record);
    Ok(json!({ "session": info }))
}

/// `encrypt`: `{address, plaintext}` → `{type, type_name, ciphertext, info}`.
pub fn encrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    let plaintext = p.hex("plaintext")?;
    peer.identity()?;
    let mut record = peer
        .stores
        .sessions
        .get(&address)
        .cloned()
        .ok_or_else(|| no_session(&address))?;
    let message = record
        .encrypt(&plaintext)
        .map_err(|e| encrypt_error(e, &address))?;
    let remote = *record
        .remote_identity()
        .ok_or_else(|| no_session(&address))?;
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
        "info": ciphertext_info(&message),
    }))
}

/// `decrypt`: `{address, ciphertext, type?, distribution_id?}` →
/// `{plaintext, type, type_name}`. Without `type`: a PreKey message if the
/// bytes parse as one, else a SignalMessage. Type 7 is a group message from
/// `address`.
pub fn decrypt(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let address = classic::address(p, "address")?;
    let bytes = p.hex("ciphertext")?;
    let kind = match p.message_type("type")? {
        Some(kind) => kind,
        None if ClassicPreKeySignalMessage::deserialize(&bytes).is_ok() => {
            CiphertextMessageType::PreKey
        }
        None => CiphertextMessageType::Whisper,
    };
    let plaintext = match kind {
        CiphertextMessageType::Whisper => {
            let message = ClassicSignalMessage::deserialize(&bytes).map_err(message_error)?;
            decrypt_whisper(peer, &address, &message)?
        }
        CiphertextMessageType::PreKey => {
            let message = ClassicPreKeySignalMessage::deserialize(&bytes).map_err(message_error)?;
            decrypt_prekey(peer, &address, &message)?
        }
        CiphertextMessageType::SenderKey => {
            let group = p.string_opt("distribution_id")?;
            crate::classic_groups::decrypt_from(peer, &address, group, &bytes)?
        }
        CiphertextMessageType::Plaintext => {
            return Err(PeerError::unsupported(
                "version-3 peer: no PlaintextContent messages",
            ))
        }
    };
    Ok(json!({
        "plaintext": hex::encode(plaintext),
        "type": kind as u8,
        "type_name": type_name(kind),
    }))
}

/// A SignalMessage: committed only if the identity of the state that
/// decrypted it is trusted.
pub(crate) fn decrypt_whisper(
    peer: &mut ClassicPeer,
    address: &ClassicAddress,
    message: &ClassicSignalMessage,
) -> Result<Vec<u8>> {
    let ClassicPeer {
        rng,
        stores,
        trust_policy,
        ..
    } = peer;
    let record = stores
        .sessions
        .get_mut(address)
        .ok_or_else(|| no_session(address))?;
    let pending = record
        .decrypt_pending(message, rng)
        .map_err(decrypt_error)?;
    let remote = *pending.remote_identity();
    let trusted = match trust_policy {
        crate::peer::TrustPolicy::Always => true,
        crate::peer::TrustPolicy::Tofu => stores
            .identities
            .get(address)
            .is_none_or(|stored| *stored == remote),
    };
    if !trusted {
        return Err(untrusted(address));
    }
    let plaintext = pending.commit();
    stores.identities.insert(address.clone(), remote);
    if peer.roundtrip_state {
        if let Some(record) = peer.stores.sessions.remove(address) {
            let reloaded = persist(peer, record)?;
            peer.stores.sessions.insert(address.clone(), reloaded);
        }
    }
    Ok(plaintext)
}

/// A PreKey message: trust first; pre-keys looked up by the ids the message
/// names and spent only when hush reports them consumed (the last-resort id
/// 0xFFFFFF is kept, as libsignal-protocol-c keeps it).
pub(crate) fn decrypt_prekey(
    peer: &mut ClassicPeer,
    address: &ClassicAddress,
    message: &ClassicPreKeySignalMessage,
) -> Result<Vec<u8>> {
    if !peer.is_trusted(address, message.identity_key()) {
        return Err(untrusted(address));
    }
    let local = local_identity(peer)?;
    let mut record = peer
        .stores
        .sessions
        .get(address)
        .cloned()
        .unwrap_or_else(ClassicSessionRecord::new);
    let stores = &peer.stores;
    let pre_keys = ClassicPreKeys {
        signed: stores.signed_prekeys.get(&message.signed_pre_key_id()),
        one_time: message.pre_key_id().and_then(|id| stores.prekeys.get(&id)),
    };
    let decryption = record
        .decrypt_prekey(message, &local, pre_keys, &mut peer.rng)
        .map_err(decrypt_error)?;
    let record = persist(peer, record)?;
    if let Some(id) = decryption.consumed.as_ref().and_then(|c| c.one_time) {
        if id.0 != LAST_RESORT_PRE_KEY_ID && peer.stores.prekeys.remove(&id).is_some() {
            peer.stores.consumed_prekey_ids.push(id);
        }
    }
    peer.stores
        .identities
        .insert(address.clone(), *message.identity_key());
    peer.stores.sessions.insert(address.clone(), record);
    Ok(decryption.plaintext)
}

/// `inspect`: `{type: 2|3|7|"skdm", ciphertext}` → `{info}`; no state.
pub fn inspect(_: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let bytes = p.hex("ciphertext")?;
    let parse = |e: MessageError| PeerError::parse(e);
    let info = match p.get("type") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("skdm") => {
            crate::classic_groups::skdm_info(&bytes)?
        }
        _ => match p.message_type("type")? {
            Some(CiphertextMessageType::Whisper) => {
                whisper_info(&ClassicSignalMessage::deserialize(&bytes).map_err(parse)?)
            }
            Some(CiphertextMessageType::PreKey) => {
                prekey_info(&ClassicPreKeySignalMessage::deserialize(&bytes).map_err(parse)?)
            }
            Some(CiphertextMessageType::SenderKey) => {
                crate::classic_groups::sender_key_info(&bytes)?
            }
            _ => return Err(PeerError::bad_request(r#"type must be 2, 3, 7 or "skdm""#)),
        },
    };
    Ok(json!({ "info": info }))
}

/// `session_exists`: `{address}` → SessionInfo with the v3 extras.
pub fn session_exists(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    Ok(session_info(peer.stores.sessions.get(&address)))
}

/// `archive_session`: `{address}` → `{archived, session}` (`archived` is true
/// whenever a record exists, as in libsignal-protocol-c).
pub fn archive_session(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
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

pub fn delete_session(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    Ok(json!({ "deleted": peer.stores.sessions.remove(&address).is_some() }))
}

/// `export_session`: `{address}` → `{record}`: libsignal-protocol-c's
/// `RecordStructure`, or `null` without a session.
pub fn export_session(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    let record = peer
        .stores
        .sessions
        .get(&address)
        .map(|r| hex::encode(&*r.to_lspc()));
    Ok(json!({ "record": record }))
}

/// `import_session`: `{address, record, now_ms?}` → `{session}`. An
/// unacknowledged record gets `now_ms` (else the wall clock) as its pending
/// timestamp.
pub fn import_session(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    let bytes = p.hex("record")?;
    let now = match p.int_opt("now_ms", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => now(),
    };
    let record = ClassicSessionRecord::from_lspc(&bytes, now).map_err(record_error)?;
    let record = persist(peer, record)?;
    let info = session_info(Some(&record));
    peer.stores.sessions.insert(address, record);
    Ok(json!({ "session": info }))
}

/// SessionInfo: `{exists, has_current_state, local_registration_id,
/// remote_registration_id, session_version, unacknowledged, previous_states}`
/// (the ids, version and flag only with a current state).
fn session_info(record: Option<&ClassicSessionRecord>) -> Value {
    let Some(record) = record else {
        return json!({ "exists": false, "has_current_state": false });
    };
    let mut out = Map::new();
    out.insert("exists".into(), true.into());
    out.insert(
        "has_current_state".into(),
        record.has_current_state().into(),
    );
    if record.has_current_state() {
        if let Some(id) = record.local_registration_id() {
            out.insert("local_registration_id".into(), id.into());
        }
        if let Some(id) = record.remote_registration_id() {
            out.insert("remote_registration_id".into(), id.into());
        }
        if let Some(version) = record.session_version() {
            out.insert("session_version".into(), version.into());
        }
        out.insert("unacknowledged".into(), record.is_unacknowledged().into());
    }
    out.insert("previous_states".into(), record.archived_count().into());
    Value::Object(out)
}

/// In test mode (`HUSH_PEER_ROUNDTRIP_STATE=1`) the record as it comes back
/// from `to_state`/`from_state`, required to write the same bytes again.
fn persist(peer: &ClassicPeer, record: ClassicSessionRecord) -> Result<ClassicSessionRecord> {
    if !peer.roundtrip_state {
        return Ok(record);
    }
    let stored = record.to_state();
    let loaded = ClassicSessionRecord::from_state(&stored).map_err(|e| {
        PeerError::new(
            "InternalError",
            format!("classic record did not reload from to_state: {e}"),
        )
    })?;
    if *loaded.to_state() != *stored {
        return Err(PeerError::new(
            "InternalError",
            "classic record changed across to_state/from_state",
        ));
    }
    Ok(loaded)
}

fn local_identity(peer: &ClassicPeer) -> Result<LocalIdentity> {
    let identity = peer.identity()?;
    Ok(LocalIdentity {
        key_pair: identity.key_pair.clone(),
        registration_id: identity.registration_id,
    })
}

/// The version-3 Bundle object; Kyber members are ignored, `device_id`
/// defaults to the address's.
fn bundle_from_json(p: &Params<'_>, address: &ClassicAddress) -> Result<ClassicPreKeyBundle> {
    let Some(Value::Object(members)) = p.get("bundle") else {
        return Err(PeerError::bad_request("bundle must be an object"));
    };
    let b = Params::new(members);
    let key = |name: &str| -> Result<PublicKey> {
        PublicKey::deserialize(&b.hex(name)?)
            .map_err(|e| PeerError::new("InvalidKey", e.to_string()))
    };
    let pre_key = match (b.u32_opt("prekey_id")?, b.has("prekey_public")) {
        (Some(id), true) => Some((PreKeyId(id), key("prekey_public")?)),
        (None, false) => None,
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
        classic::device_id(&b, "device_id")?
    } else {
        address.device_id
    };
    let device_id =
        ClassicDeviceId::new(device_id).map_err(|e| PeerError::bad_request(e.to_string()))?;
    Ok(ClassicPreKeyBundle {
        registration_id: required("registration_id")?,
        device_id,
        pre_key,
        signed_pre_key_id: SignedPreKeyId(required("signed_prekey_id")?),
        signed_pre_key_public: key("signed_prekey_public")?,
        signed_pre_key_signature: b.hex("signed_prekey_signature")?,
        identity_key: IdentityKey::new(key("identity_key")?),
    })
}

/// MessageInfo of a message hush just made.
fn ciphertext_info(message: &ClassicCiphertextMessage) -> Value {
    match message {
        ClassicCiphertextMessage::Whisper(m) => whisper_info(m),
        ClassicCiphertextMessage::PreKey(m) => prekey_info(m),
    }
}

/// MessageInfo of a SignalMessage (version 3: no SPQR).
pub fn whisper_info(m: &ClassicSignalMessage) -> Value {
    let bytes = m.serialized();
    json!({
        "kind": "whisper",
        "version_byte": bytes.first().copied(),
        "message_version": m.message_version(),
        "previous_counter": m.previous_counter(),
        "ratchet_key": hex::encode(m.ratchet_key().serialize()),
        "counter": m.counter(),
        "ciphertext_length": m.body().len(),
        "pq_ratchet": "",
        "spqr": { "present": false, "version": 0 },
        // The MAC is the last 8 bytes of the serialized message.
        "mac": hex::encode(&bytes[bytes.len().saturating_sub(8)..]),
    })
}

/// MessageInfo of a PreKeySignalMessage (version 3: no Kyber fields).
pub fn prekey_info(m: &ClassicPreKeySignalMessage) -> Value {
    let bytes = m.serialized();
    json!({
        "kind": "prekey",
        "version_byte": bytes.first().copied(),
        "message_version": m.message().message_version(),
        "registration_id": m.registration_id(),
        "prekey_id": m.pre_key_id().map(|id| id.0),
        "base_key": hex::encode(m.base_key().serialize()),
        "identity_key": hex::encode(m.identity_key().serialize()),
        "signed_prekey_id": m.signed_pre_key_id().0,
        "kyber_prekey_id": null,
        "kyber_ciphertext_length": 0,
        "inner_message": hex::encode(m.message().serialized()),
        "inner": whisper_info(m.message()),
    })
}

pub fn type_name(kind: CiphertextMessageType) -> &'static str {
    match kind {
        CiphertextMessageType::Whisper => "whisper",
        CiphertextMessageType::PreKey => "prekey",
        CiphertextMessageType::SenderKey => "senderkey",
        CiphertextMessageType::Plaintext => "plaintext",
    }
}

pub(crate) fn no_session(address: &ClassicAddress) -> PeerError {
    PeerError::new("NoSession", format!("no session with {address}"))
}

pub(crate) fn untrusted(address: &ClassicAddress) -> PeerError {
    PeerError::new(
        "UntrustedIdentity",
        format!("untrusted identity for address {address}"),
    )
}

fn encrypt_error(e: EncryptError, address: &ClassicAddress) -> PeerError {
    match e {
        EncryptError::SessionNotFound => no_session(address),
        other => PeerError::new("SignalError", other.to_string()),
    }
}

/// libsignal-protocol-c's error classes for hush's decryption errors.
pub fn decrypt_error(e: ClassicDecryptError) -> PeerError {
    let class = match &e {
        ClassicDecryptError::DuplicatedMessage { .. } => "DuplicatedMessage",
        ClassicDecryptError::SessionNotFound => "NoSession",
        ClassicDecryptError::MissingSignedPreKey(_) | ClassicDecryptError::MissingPreKey(_) => {
            "InvalidKeyId"
        }
        ClassicDecryptError::InvalidBaseKey | ClassicDecryptError::Key(_) => "InvalidKey",
        _ => "InvalidMessage",
    };
    PeerError::new(class, e.to_string())
}

/// libsignal-protocol-c's error classes for unparseable messages.
pub fn message_error(e: MessageError) -> PeerError {
    let class = match &e {
        MessageError::LegacyCiphertextVersion(_) => "LegacyMessage",
        MessageError::UnrecognizedCiphertextVersion(_) => "InvalidVersion",
        MessageError::InvalidProtobufEncoding => "InvalidProtobuf",
        MessageError::Key(_) => "InvalidKey",
        _ => "InvalidMessage",
    };
    PeerError::new(class, e.to_string())
}
