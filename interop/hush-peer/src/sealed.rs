//! Sealed sender: `sealed_create_trust_root`,
//! `sealed_create_server_certificate`, `sealed_create_sender_certificate`,
//! `seal` (v1), `seal_multi` (v2 with the server's fan-out) and `unseal`
//! (interop/PROTOCOL.md, "Sealed sender").
//!
//! As everywhere in this peer, hush keeps no store: this module looks up the
//! destination's identity key and sessions, the pre-keys a sealed PreKey
//! message names, and the sender keys of group messages, and commits the
//! changed records only when the whole command succeeds (a group message's
//! sender key advances before sealing, as in libsignal).
//!
//! `unseal` follows `peer.mjs`: it opens the message, validates the sender
//! certificate against `trust_root` at `timestamp` (class
//! `InvalidSenderCertificate` when it does not validate, unless
//! `skip_validation`), then decrypts the inner message by type from the
//! certificate's sender. With `library_path: true`, a 1:1 inner message goes
//! through hush's whole receive pipeline instead (`VerifiedContent`:
//! validation and the self-send check, then its `decrypt`), which is what
//! libsignal's `sealedSenderDecryptMessage` does.

use hush::address::{ProtocolAddress, ServiceId};
use hush::groups::DistributionId;
use hush::keys::{IdentityKey, PrivateKey, Timestamp};
use hush::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage,
};
use hush::sealed_sender::{
    self, ContentHint, LocalAccount, ReceiveError, Sender, SenderCertificate, SentMessage,
    ServerCertificate, Signer, UnidentifiedSenderMessageContent, VerifiedContent,
};
use hush::session::{Addresses, PreKeyDecryption, PreKeys};
use serde_json::{json, Map, Value};

use crate::error::{PeerError, Result};
use crate::message_info::type_name;
use crate::params::{Params, MAX_SAFE_INTEGER};
use crate::peer::Peer;
use crate::sessions::{
    check_before_commit, decrypt_error, encrypt_error, persist, session_not_found, untrusted,
    wall_clock,
};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// `sealed_create_trust_root`: `{private?}` → `{trust_root_public, trust_root_private}`.
pub fn sealed_create_trust_root(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let key = match p.private_key_opt("private")? {
        Some(key) => key,
        None => PrivateKey::generate(&mut peer.rng),
    };
    Ok(json!({
        "trust_root_public": hex::encode(key.public_key().serialize()),
        "trust_root_private": hex::encode(*key.serialize()),
    }))
}

/// `sealed_create_server_certificate`: `{trust_root_private, key_id? (1),
/// server_private? (generated)}` → `{server_certificate, server_public,
/// server_private, key_id}`.
pub fn sealed_create_server_certificate(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let root = p
        .private_key_opt("trust_root_private")?
        .ok_or_else(|| PeerError::bad_request("missing parameter trust_root_private"))?;
    let key_id = p.u32_opt("key_id")?.unwrap_or(1);
    let server = match p.private_key_opt("server_private")? {
        Some(key) => key,
        None => PrivateKey::generate(&mut peer.rng),
    };
    let cert = ServerCertificate::new(key_id, &server.public_key(), &root, &mut peer.rng);
    Ok(json!({
        "server_certificate": hex::encode(cert.serialized()),
        "server_public": hex::encode(server.public_key().serialize()),
        "server_private": hex::encode(*server.serialize()),
        "key_id": cert.key_id(),
    }))
}

/// `sealed_create_sender_certificate`: `{server_certificate, server_private,
/// sender_uuid? (our name), sender_device_id? (ours), sender_identity? (our
/// identity key), sender_e164?, expiration? (now + 24 h)}` →
/// `{sender_certificate, sender_uuid, sender_e164, sender_device_id,
/// sender_identity, expiration, server_key_id}`.
pub fn sealed_create_sender_certificate(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let server = ServerCertificate::deserialize(&p.hex("server_certificate")?)
        .map_err(PeerError::library)?;
    let server_key = p
        .private_key_opt("server_private")?
        .ok_or_else(|| PeerError::bad_request("missing parameter server_private"))?;
    let uuid = p.string_opt("sender_uuid")?;
    let device = if p.has("sender_device_id") {
        Some(p.device_id("sender_device_id")?)
    } else {
        None
    };
    let identity = if p.has("sender_identity") {
        Some(IdentityKey::new(p.public_key("sender_identity")?))
    } else {
        None
    };
    let (uuid, device_id, identity_key) = match (uuid, device, identity) {
        (Some(uuid), Some(device), Some(identity)) => (uuid.to_owned(), device, identity),
        (uuid, device, identity) => {
            let me = peer.identity()?;
            (
                uuid.map_or_else(|| me.address.name().to_owned(), str::to_owned),
                device.unwrap_or(me.address.device_id()),
                identity.unwrap_or(*me.key_pair.identity_key()),
            )
        }
    };
    let expiration = match p.int_opt("expiration", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => Timestamp::from_millis(wall_clock().as_millis() + DAY_MS),
    };
    let sender = Sender {
        uuid,
        e164: p.string_opt("sender_e164")?.map(str::to_owned),
        device_id,
        identity_key,
    };
    let cert = SenderCertificate::new(
        sender,
        expiration,
        Signer::Embedded(server),
        &server_key,
        &mut peer.rng,
    );
    let mut out = Map::new();
    out.insert(
        "sender_certificate".into(),
        hex::encode(cert.serialized()).into(),
    );
    out.extend(certificate_json(&cert));
    Ok(Value::Object(out))
}

/// `seal` (v1): `{address, sender_certificate, plaintext, content_hint? (0),
/// group_id?, distribution_id?, now_ms?}` → `{ciphertext, sealed_version,
/// inner_type, inner_type_name}`. The inner message is a 1:1 message to
/// `address`, or with `distribution_id` our group message.
pub fn seal(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let local_address = peer.identity()?.address.clone();
    let address = p.address("address")?;
    let cert = SenderCertificate::deserialize(&p.hex("sender_certificate")?)
        .map_err(PeerError::library)?;
    let plaintext = p.hex("plaintext")?;
    let hint = content_hint(p)?;
    let group_id = p.hex_opt("group_id")?;
    let distribution = distribution_id_opt(p)?;
    let now = match p.int_opt("now_ms", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => wall_clock(),
    };
    let key_pair = peer.identity()?.key_pair.clone();
    if let Some(distribution) = distribution {
        // libsignal looks the destination's identity up after encrypting;
        // checking first keeps our sender key unchanged when it is unknown.
        let recipient = *peer
            .stores
            .identities
            .get(&address)
            .ok_or_else(|| session_not_found(&address))?;
        let message = crate::groups::encrypt_for(peer, distribution, &plaintext)?;
        let content = UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::SenderKey,
            cert,
            message.serialized().to_vec(),
            hint,
            group_id,
        );
        let sealed = sealed_sender::seal_v1(&recipient, &content, &key_pair, &mut peer.rng)
            .map_err(PeerError::library)?;
        return Ok(seal_result(&sealed, CiphertextMessageType::SenderKey));
    }
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
    let remote = *record
        .remote_identity()
        .ok_or_else(|| session_not_found(&address))?;
    if !peer.is_trusted(&address, &remote) {
        return Err(untrusted(&address));
    }
    let kind = message.message_type();
    let content = UnidentifiedSenderMessageContent::from_message(&message, cert, hint, group_id);
    let sealed = sealed_sender::seal_v1(&remote, &content, &key_pair, &mut peer.rng)
        .map_err(PeerError::library)?;
    let record = persist(peer, record)?;
    peer.stores.identities.insert(address.clone(), remote);
    peer.stores.sessions.insert(address, record);
    Ok(seal_result(&sealed, kind))
}

/// `seal_multi` (v2): `{recipients: [address], sender_certificate,
/// distribution_id, plaintext, content_hint? (0), group_id?, excluded?:
/// [service id string]}` → `{sent_message, sealed_version, received:
/// [{service_id, device_ids, registration_ids, ciphertext}], excluded,
/// inner_type: 7}`. `received` is the server's fan-out of `sent_message`,
/// done with hush's SentMessage parser.
pub fn seal_multi(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    peer.identity()?;
    let Some(Value::Array(list)) = p.get("recipients") else {
        return Err(PeerError::bad_request(
            "recipients must be a non-empty array of addresses",
        ));
    };
    if list.is_empty() {
        return Err(PeerError::bad_request(
            "recipients must be a non-empty array of addresses",
        ));
    }
    let mut addresses = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let name = format!("recipients[{i}]");
        let mut wrapper = Map::new();
        wrapper.insert(name.clone(), entry.clone());
        addresses.push(Params::new(&wrapper).address(&name)?);
    }
    let cert = SenderCertificate::deserialize(&p.hex("sender_certificate")?)
        .map_err(PeerError::library)?;
    let distribution = distribution_id_opt(p)?
        .ok_or_else(|| PeerError::bad_request("missing parameter distribution_id"))?;
    let plaintext = p.hex("plaintext")?;
    let hint = content_hint(p)?;
    let group_id = p.hex_opt("group_id")?;
    let excluded = match p.get("excluded") {
        None => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| {
                v.as_str().and_then(ServiceId::parse).ok_or_else(|| {
                    PeerError::bad_request(format!("excluded: {v} is not a service id string"))
                })
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => {
            return Err(PeerError::bad_request(
                "excluded must be an array of service id strings",
            ))
        }
    };
    // Everything that can fail for want of a session before the sender key
    // advances.
    let mut destinations = Vec::with_capacity(addresses.len());
    for address in &addresses {
        let record = peer
            .stores
            .sessions
            .get(address)
            .ok_or_else(|| PeerError::new("NoSession", format!("no session for {address}")))?;
        destinations.push((address, record));
    }
    let recipients =
        sealed_sender::recipients_from_sessions(&destinations).map_err(PeerError::library)?;
    let key_pair = peer.identity()?.key_pair.clone();
    let message = crate::groups::encrypt_for(peer, distribution, &plaintext)?;
    let content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::SenderKey,
        cert,
        message.serialized().to_vec(),
        hint,
        group_id,
    );
    let sent = sealed_sender::seal_v2(&recipients, &excluded, &content, &key_pair, &mut peer.rng)
        .map_err(PeerError::library)?;
    let parsed = SentMessage::parse(&sent).map_err(PeerError::library)?;
    let received: Vec<Value> = parsed
        .fan_out()
        .into_iter()
        .map(|(recipient, bytes)| {
            json!({
                "service_id": recipient.service_id().to_string(),
                "device_ids": recipient.devices().iter().map(|d| d.device_id.get()).collect::<Vec<_>>(),
                "registration_ids": recipient.devices().iter().map(|d| d.registration_id).collect::<Vec<_>>(),
                "ciphertext": hex::encode(bytes),
            })
        })
        .collect();
    Ok(json!({
        "sent_message": hex::encode(&sent),
        "sealed_version": sent[0],
        "received": received,
        "excluded": parsed.excluded().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "inner_type": 7,
    }))
}

/// `unseal`: `{ciphertext, trust_root, timestamp? (now), skip_validation?
/// (false), library_path? (false)}` → `{plaintext, sealed_version, msg_type,
/// msg_type_name, content_hint, group_id|null, sender_certificate_valid,
/// sender, sender_uuid, sender_e164, sender_device_id, sender_identity,
/// expiration, server_key_id}`.
pub fn unseal(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let identity = peer.identity()?;
    let key_pair = identity.key_pair.clone();
    let local_address = identity.address.clone();
    let bytes = p.hex("ciphertext")?;
    let trust_root = p.public_key("trust_root")?;
    let now = match p.int_opt("timestamp", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => wall_clock(),
    };
    let skip_validation = p.bool_or("skip_validation", false)?;
    let library_path = p.bool_or("library_path", false)?;
    let content = sealed_sender::unseal(&bytes, &key_pair).map_err(PeerError::library)?;
    let cert = content.sender().clone();
    // libsignal's bindings turn a validation error (an unknown server
    // certificate ID) into `false` too.
    let valid = cert.validate(&[trust_root], now).is_ok();
    if !valid && !skip_validation {
        return Err(PeerError::new(
            "InvalidSenderCertificate",
            "sender certificate does not validate against trust root at timestamp",
        ));
    }
    let sender = cert.sender_address();
    let kind = content.message_type();
    let plaintext = match kind {
        CiphertextMessageType::Whisper | CiphertextMessageType::PreKey if library_path => {
            let local = LocalAccount {
                address: &local_address,
                e164: None,
            };
            let verified = VerifiedContent::verify(content.clone(), &[trust_root], now, local)
                .map_err(|e| receive_error(e, &sender))?;
            let message = verified.message().map_err(|e| receive_error(e, &sender))?;
            decrypt_session(peer, &sender, &message, Some(&verified))?
        }
        CiphertextMessageType::Whisper => {
            let message =
                CiphertextMessage::Whisper(SignalMessage::deserialize(content.contents())?);
            decrypt_session(peer, &sender, &message, None)?
        }
        CiphertextMessageType::PreKey => {
            let message =
                CiphertextMessage::PreKey(PreKeySignalMessage::deserialize(content.contents())?);
            decrypt_session(peer, &sender, &message, None)?
        }
        CiphertextMessageType::SenderKey => {
            crate::groups::decrypt_from(peer, &sender, content.contents())?
        }
        CiphertextMessageType::Plaintext => plaintext_body(content.contents())?,
    };
    let mut out = Map::new();
    out.insert("plaintext".into(), hex::encode(plaintext).into());
    out.insert("sealed_version".into(), bytes[0].into());
    out.insert("msg_type".into(), (kind as u8).into());
    out.insert("msg_type_name".into(), type_name(kind).into());
    out.insert(
        "content_hint".into(),
        content.content_hint().to_u32().into(),
    );
    out.insert(
        "group_id".into(),
        content
            .group_id()
            .map_or(Value::Null, |g| hex::encode(g).into()),
    );
    out.insert("sender_certificate_valid".into(), valid.into());
    out.insert(
        "sender".into(),
        json!({ "name": sender.name(), "device_id": sender.device_id().get() }),
    );
    out.extend(certificate_json(&cert));
    Ok(Value::Object(out))
}

/// The 1:1 inner message from `sender`, decrypted with the stored session
/// (through `verified` when given). Trust is checked where libsignal asks
/// its identity store: before a PreKey message, after a `SignalMessage`.
/// Pre-keys are spent only when hush reports them consumed.
fn decrypt_session(
    peer: &mut Peer,
    sender: &ProtocolAddress,
    message: &CiphertextMessage,
    verified: Option<&VerifiedContent>,
) -> Result<Vec<u8>> {
    let local_address = peer.identity()?.address.clone();
    let identity = peer.identity()?;
    let local = hush::session::LocalIdentity {
        key_pair: identity.key_pair.clone(),
        registration_id: identity.registration_id,
    };
    let (mut record, pre_keys) = match message {
        CiphertextMessage::PreKey(m) => {
            if !peer.is_trusted(sender, m.identity_key()) {
                return Err(untrusted(sender));
            }
            let stores = &peer.stores;
            let pre_keys = PreKeys {
                signed: stores.signed_prekeys.get(&m.signed_pre_key_id()),
                kyber: m
                    .kyber_pre_key_id()
                    .and_then(|id| stores.kyber_prekeys.get(&id))
                    .map(|k| &k.record),
                one_time: m.pre_key_id().and_then(|id| stores.prekeys.get(&id)),
            };
            (
                stores.sessions.get(sender).cloned().unwrap_or_default(),
                pre_keys,
            )
        }
        CiphertextMessage::Whisper(_) => (
            peer.stores
                .sessions
                .get(sender)
                .cloned()
                .ok_or_else(|| session_not_found(sender))?,
            PreKeys::default(),
        ),
    };
    let addresses = Addresses {
        local: &local_address,
        remote: sender,
    };
    // Two phases: decrypt without committing, check the sender identity
    // (and a last-resort Kyber pre-key's reuse), then commit.
    let rng = &mut peer.rng;
    let (remote, decryption) = match (verified, message) {
        (Some(v), _) => {
            let pending = v
                .decrypt_pending(&mut record, &local, &local_address, pre_keys, rng)
                .map_err(|e| receive_error(e, sender))?;
            let remote = *pending.remote_identity();
            check_before_commit(peer, sender, &remote, pending.consumed())?;
            (remote, pending.commit())
        }
        (None, CiphertextMessage::Whisper(m)) => {
            let pending = record
                .decrypt_pending(m, addresses, rng)
                .map_err(|e| decrypt_error(e, sender))?;
            let remote = *pending.remote_identity();
            check_before_commit(peer, sender, &remote, None)?;
            let plaintext = pending.commit();
            (
                remote,
                PreKeyDecryption {
                    plaintext,
                    consumed: None,
                },
            )
        }
        (None, CiphertextMessage::PreKey(m)) => {
            let pending = record
                .decrypt_prekey_pending(m, &local, pre_keys, addresses, rng)
                .map_err(|e| decrypt_error(e, sender))?;
            let remote = *pending.remote_identity();
            check_before_commit(peer, sender, &remote, pending.consumed())?;
            (remote, pending.commit())
        }
    };
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
    peer.stores.identities.insert(sender.clone(), remote);
    peer.stores.sessions.insert(sender.clone(), record);
    Ok(decryption.plaintext)
}

/// A PlaintextContent's body: everything after its `0xC0` marker, as
/// libsignal's `PlaintextContent.body()` returns it.
fn plaintext_body(bytes: &[u8]) -> Result<Vec<u8>> {
    match bytes.split_first() {
        None => Err(PeerError::library(
            "ciphertext serialized bytes were too short <0>",
        )),
        Some((0xc0, body)) => Ok(body.to_vec()),
        Some((other, _)) => Err(PeerError::library(format!(
            "unrecognized message version <{other}>"
        ))),
    }
}

/// The certificate members of `sealed_create_sender_certificate` and
/// `unseal`.
fn certificate_json(cert: &SenderCertificate) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("sender_uuid".into(), cert.sender_uuid().into());
    out.insert(
        "sender_e164".into(),
        cert.sender_e164().map_or(Value::Null, Into::into),
    );
    out.insert(
        "sender_device_id".into(),
        cert.sender_device_id().get().into(),
    );
    out.insert(
        "sender_identity".into(),
        hex::encode(cert.identity_key().serialize()).into(),
    );
    out.insert("expiration".into(), cert.expiration().as_millis().into());
    out.insert(
        "server_key_id".into(),
        cert.server_certificate()
            .map_or(Value::Null, |s| s.key_id().into()),
    );
    out
}

fn seal_result(sealed: &[u8], inner: CiphertextMessageType) -> Value {
    json!({
        "ciphertext": hex::encode(sealed),
        "sealed_version": sealed[0],
        "inner_type": inner as u8,
        "inner_type_name": type_name(inner),
    })
}

fn content_hint(p: &Params<'_>) -> Result<ContentHint> {
    Ok(ContentHint::from_u32(
        p.u32_opt("content_hint")?.unwrap_or(0),
    ))
}

fn distribution_id_opt(p: &Params<'_>) -> Result<Option<DistributionId>> {
    p.string_opt("distribution_id")?
        .map(|s| {
            s.parse()
                .map_err(|_| PeerError::bad_request("distribution_id must be a UUID string"))
        })
        .transpose()
}

fn receive_error(e: ReceiveError, address: &ProtocolAddress) -> PeerError {
    match e {
        ReceiveError::Decrypt(inner) => decrypt_error(inner, address),
        ReceiveError::SelfSend => PeerError::new("SealedSenderSelfSend", e.to_string()),
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

    const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

    fn call(peer: &mut Peer, cmd: &str, params: Value) -> Value {
        let Value::Object(members) = params else {
            panic!("params must be an object")
        };
        let handler = commands::find(cmd).unwrap_or_else(|| panic!("no command {cmd}"));
        match handler(peer, &Params::new(&members)) {
            Ok(v) => v,
            Err(e) => json!({ "error": e.to_string(), "error_class": e.class() }),
        }
    }

    fn must(peer: &mut Peer, cmd: &str, params: Value) -> Value {
        let r = call(peer, cmd, params);
        assert!(r.get("error").is_none(), "{cmd}: {r}");
        r
    }

    fn party(name: &str, seed: u64) -> Peer {
        let mut peer = Peer::new(StdRng::seed_from_u64(seed));
        must(
            &mut peer,
            "create_identity",
            json!({ "name": name, "device_id": 1 }),
        );
        peer
    }

    /// Certificates issued by one peer, a v1 message both ways, expiry and
    /// the wrong root refused with the session unchanged.
    #[test]
    fn v1_round_trip_through_the_commands() {
        let mut alice = party(ALICE, 1);
        let mut bob = party(BOB, 2);
        let root = must(&mut bob, "sealed_create_trust_root", json!({}));
        let server = must(
            &mut bob,
            "sealed_create_server_certificate",
            json!({ "trust_root_private": root["trust_root_private"], "key_id": 9 }),
        );
        let cert = must(
            &mut alice,
            "sealed_create_sender_certificate",
            json!({
                "server_certificate": server["server_certificate"],
                "server_private": server["server_private"],
                "sender_e164": "+14155550100",
                "expiration": 2_000_000_000_000u64,
            }),
        );
        assert_eq!(cert["server_key_id"], 9);
        assert_eq!(cert["sender_uuid"], ALICE);
        let bundle = must(
            &mut bob,
            "generate_prekeys",
            json!({ "prekey_id": 1, "signed_prekey_id": 1, "kyber_prekey_id": 1 }),
        )["bundle"]
            .clone();
        must(
            &mut alice,
            "process_bundle",
            json!({ "address": { "name": BOB }, "bundle": bundle }),
        );
        let sealed = must(
            &mut alice,
            "seal",
            json!({
                "address": { "name": BOB }, "sender_certificate": cert["sender_certificate"], "plaintext": "6869", "content_hint": 1,
            }),
        );
        assert_eq!(sealed["sealed_version"], 0x11);
        assert_eq!(sealed["inner_type"], 3);
        let expired = call(
            &mut bob,
            "unseal",
            json!({
                "ciphertext": sealed["ciphertext"], "trust_root": root["trust_root_public"], "timestamp": 2_000_000_000_001u64,
            }),
        );
        assert_eq!(expired["error_class"], "InvalidSenderCertificate");
        let wrong = must(&mut bob, "sealed_create_trust_root", json!({}));
        let refused = call(
            &mut bob,
            "unseal",
            json!({ "ciphertext": sealed["ciphertext"], "trust_root": wrong["trust_root_public"], "timestamp": 1 }),
        );
        assert_eq!(refused["error_class"], "InvalidSenderCertificate");
        let opened = must(
            &mut bob,
            "unseal",
            json!({
                "ciphertext": sealed["ciphertext"], "trust_root": root["trust_root_public"], "timestamp": 1, "library_path": true,
            }),
        );
        assert_eq!(opened["plaintext"], "6869");
        assert_eq!(opened["sender"], json!({ "name": ALICE, "device_id": 1 }));
        assert_eq!(
            (
                opened["content_hint"].clone(),
                opened["sender_e164"].clone()
            ),
            (json!(1), json!("+14155550100"))
        );
        let again = call(
            &mut bob,
            "unseal",
            json!({ "ciphertext": sealed["ciphertext"], "trust_root": root["trust_root_public"], "timestamp": 1 }),
        );
        assert_eq!(again["error_class"], "DuplicatedMessage");
    }
}
