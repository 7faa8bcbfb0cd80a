//! Classic peer: housekeeping, the local identity and its pre-keys, remote
//! identities and trust, primitives.

use std::time::{SystemTime, UNIX_EPOCH};

use hush::classic::lspc;
use hush::keys::{
    IdentityKey, IdentityKeyPair, KeyPair, PreKeyId, PreKeyRecord, PrivateKey, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp,
};
use hush::primitives::hkdf_sha256;
use rand::rngs::StdRng;
use rand::{Rng, RngExt};
use serde_json::{json, Map, Value};

use crate::classic::{self, ClassicAddress, ClassicIdentity, ClassicPeer, ClassicStores};
use crate::error::{PeerError, Result};
use crate::params::{Params, MAX_SAFE_INTEGER};
use crate::peer::TrustPolicy;

const HUSH_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Registration ids are drawn from `1..=16380`, as Signal clients do.
const MAX_REGISTRATION_ID: u32 = 16380;

/// HKDF-SHA-256's output limit (255 × 32 bytes).
const HKDF_MAX_LENGTH: u64 = 255 * 32;

pub fn ping(_: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    Ok(json!({ "pong": true }))
}

pub fn info(peer: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    let identity = peer.identity.as_ref().map(|id| {
        json!({
            "name": id.address.name,
            "device_id": id.address.device_id,
            "registration_id": id.registration_id,
        })
    });
    Ok(json!({
        "library": "hush",
        "version": HUSH_VERSION,
        "protocol_version": 3,
        "spqr": false,
        "kyber": false,
        "sealed_sender": false,
        "group_wire": "libsignal-protocol-c (no distribution id)",
        "roundtrip_state": peer.roundtrip_state,
        "commands": classic::names(),
        "identity": identity,
    }))
}

/// Clears everything: identity, stores and trust policy.
pub fn reset(peer: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    peer.identity = None;
    peer.stores = ClassicStores::default();
    peer.trust_policy = TrustPolicy::default();
    Ok(json!({}))
}

/// hush does not log.
pub fn logs(_: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    Ok(json!({ "logs": [] }))
}

pub fn quit(peer: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    peer.quit = true;
    Ok(json!({ "bye": true }))
}

/// `create_identity`: `{name?, device_id? (1..2^31-1), registration_id?,
/// identity_private? | identity_key_pair? (IdentityKeyPairStructure)}`.
/// Clears every store, keeps the trust policy.
pub fn create_identity(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let name = match p.string_opt("name")? {
        Some(name) => name.to_owned(),
        None => random_uuid(&mut peer.rng),
    };
    if name.is_empty() {
        return Err(PeerError::bad_request("name must not be empty"));
    }
    let device_id = classic::device_id(p, "device_id")?;
    let registration_id = match p.u32_opt("registration_id")? {
        Some(id) => id,
        None => peer.rng.random_range(1..=MAX_REGISTRATION_ID),
    };
    let key_pair = if let Some(serialized) = p.hex_opt("identity_key_pair")? {
        lspc::identity_key_pair_from_lspc(&serialized).map_err(record_error)?
    } else if let Some(private) = p.hex_exact::<32>("identity_private")? {
        IdentityKeyPair::from(PrivateKey::deserialize(&private)?)
    } else {
        IdentityKeyPair::generate(&mut peer.rng)
    };
    let out = json!({
        "name": name,
        "device_id": device_id,
        "registration_id": registration_id,
        "identity_public": hex::encode(key_pair.identity_key().serialize()),
        "identity_private": hex::encode(*key_pair.private_key().serialize()),
        "identity_key_pair": hex::encode(&*lspc::identity_key_pair_to_lspc(&key_pair)),
    });
    peer.stores = ClassicStores::default();
    peer.identity = Some(ClassicIdentity {
        key_pair,
        registration_id,
        address: ClassicAddress { name, device_id },
    });
    Ok(out)
}

/// `generate_prekeys`: a one-time and/or a signed pre-key, generated or
/// imported (C record formats); `kyber_prekey_id` is ignored
/// (`kyber_ignored: true`), a request for a Kyber key only is `Unsupported`.
pub fn generate_prekeys(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let ClassicPeer {
        rng,
        identity,
        stores,
        ..
    } = peer;
    let identity = identity.as_ref().ok_or_else(PeerError::no_identity)?;
    let timestamp = match p.int_opt("timestamp", 0, MAX_SAFE_INTEGER)? {
        Some(ms) => Timestamp::from_millis(ms),
        None => now(),
    };
    let prekey_id = p.u32_opt("prekey_id")?.map(PreKeyId);
    let signed_id = p.u32_opt("signed_prekey_id")?.map(SignedPreKeyId);
    let kyber_asked = p.has("kyber_prekey_id") || p.has("kyber_prekey_record");
    let ec_asked = prekey_id.is_some()
        || signed_id.is_some()
        || p.has("prekey_record")
        || p.has("signed_prekey_record");
    if !ec_asked {
        return Err(if kyber_asked {
            PeerError::unsupported(
                "version-3 peer: no Kyber prekeys (asked for kyber_prekey_id only)",
            )
        } else {
            PeerError::bad_request("give at least one of prekey_id, signed_prekey_id (or *_record)")
        });
    }

    // Build and check everything first: a failed request stores nothing.
    let prekey = match p.hex_opt("prekey_record")? {
        Some(bytes) => Some(lspc::pre_key_from_lspc(&bytes).map_err(record_error)?),
        None => prekey_id
            .map(|id| {
                Ok::<_, PeerError>(PreKeyRecord::new(id, key_pair(p, "prekey_private", rng)?))
            })
            .transpose()?,
    };
    let signed = match p.hex_opt("signed_prekey_record")? {
        Some(bytes) => Some(lspc::signed_pre_key_from_lspc(&bytes).map_err(record_error)?),
        None => match signed_id {
            Some(id) => {
                let pair = key_pair(p, "signed_prekey_private", rng)?;
                let signature = match p.hex_exact::<64>("signed_prekey_signature")? {
                    Some(signature) => signature,
                    None => identity.key_pair.sign(&pair.public_key.serialize(), rng),
                };
                Some(SignedPreKeyRecord::new(id, timestamp, pair, signature))
            }
            None => None,
        },
    };

    let mut private = Map::new();
    let new_prekey_id = prekey.map(|record| {
        private.insert(
            "prekey_private".into(),
            hex::encode(*record.key_pair().private_key.serialize()).into(),
        );
        private.insert(
            "prekey_record".into(),
            hex::encode(&*lspc::pre_key_to_lspc(&record)).into(),
        );
        let id = record.id();
        stores.prekeys.insert(id, record);
        id
    });
    if let Some(record) = signed {
        private.insert(
            "signed_prekey_private".into(),
            hex::encode(*record.key_pair().private_key.serialize()).into(),
        );
        private.insert(
            "signed_prekey_signature".into(),
            hex::encode(record.signature()).into(),
        );
        private.insert(
            "signed_prekey_record".into(),
            hex::encode(&*lspc::signed_pre_key_to_lspc(&record)).into(),
        );
        stores.last_signed_prekey_id = Some(record.id());
        stores.signed_prekeys.insert(record.id(), record);
    }
    let mut out = json!({ "timestamp": timestamp.as_millis(), "private": private });
    if kyber_asked {
        out["kyber_ignored"] = true.into();
    }
    if let Some(signed_id) = stores.last_signed_prekey_id {
        if let Ok(bundle) = bundle_json(identity, stores, new_prekey_id, signed_id) {
            out["bundle"] = bundle;
        }
    }
    Ok(out)
}

/// The EC key pair from the 32-byte private key `name`, else a new one.
fn key_pair(p: &Params<'_>, name: &str, rng: &mut StdRng) -> Result<KeyPair> {
    Ok(match p.private_key_opt(name)? {
        Some(private) => KeyPair::from_private(private),
        None => KeyPair::generate(rng),
    })
}

/// `get_bundle`: `{prekey_id? (none), signed_prekey_id? (latest)}` → `{bundle}`.
pub fn get_bundle(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let identity = peer.identity()?;
    let stores = &peer.stores;
    let prekey_id = p.u32_opt("prekey_id")?.map(PreKeyId);
    let signed_id = match p.u32_opt("signed_prekey_id")? {
        Some(id) => SignedPreKeyId(id),
        None => stores
            .last_signed_prekey_id
            .ok_or_else(|| PeerError::no_such_prekey("no signed prekey generated yet"))?,
    };
    Ok(json!({ "bundle": bundle_json(identity, stores, prekey_id, signed_id)? }))
}

/// The version-3 Bundle object: the Kyber members are `null`.
fn bundle_json(
    identity: &ClassicIdentity,
    stores: &ClassicStores,
    prekey_id: Option<PreKeyId>,
    signed_id: SignedPreKeyId,
) -> Result<Value> {
    let signed = stores.signed_prekeys.get(&signed_id).ok_or_else(|| {
        PeerError::no_such_prekey(format!("signed prekey {signed_id} not in store"))
    })?;
    let prekey = prekey_id
        .map(|id| {
            stores.prekeys.get(&id).ok_or_else(|| {
                PeerError::no_such_prekey(format!("one-time prekey {id} not in store"))
            })
        })
        .transpose()?;
    Ok(json!({
        "registration_id": identity.registration_id,
        "device_id": identity.address.device_id,
        "identity_key": hex::encode(identity.key_pair.identity_key().serialize()),
        "prekey_id": prekey.map(|r| r.id().0),
        "prekey_public": prekey.map(|r| hex::encode(r.public_key().serialize())),
        "signed_prekey_id": signed.id().0,
        "signed_prekey_public": hex::encode(signed.public_key().serialize()),
        "signed_prekey_signature": hex::encode(signed.signature()),
        "kyber_prekey_id": null,
        "kyber_prekey_public": null,
        "kyber_prekey_signature": null,
    }))
}

/// `remove_prekeys`: `{prekey_id?, signed_prekey_id?, kyber_prekey_id?}`.
pub fn remove_prekeys(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let prekey_id = p.u32_opt("prekey_id")?;
    let signed_id = p.u32_opt("signed_prekey_id")?;
    let kyber_id = p.u32_opt("kyber_prekey_id")?;
    let stores = &mut peer.stores;
    let mut removed = Map::new();
    if let Some(id) = prekey_id {
        let gone = stores.prekeys.remove(&PreKeyId(id)).is_some();
        removed.insert("prekey_id".into(), gone.into());
    }
    if let Some(id) = signed_id {
        let gone = stores.signed_prekeys.remove(&SignedPreKeyId(id)).is_some();
        removed.insert("signed_prekey_id".into(), gone.into());
    }
    if kyber_id.is_some() {
        removed.insert("kyber_prekey_id".into(), false.into());
    }
    Ok(json!({ "removed": removed }))
}

pub fn list_prekeys(peer: &mut ClassicPeer, _: &Params<'_>) -> Result<Value> {
    let stores = &peer.stores;
    Ok(json!({
        "prekey_ids": stores.prekeys.keys().map(|id| id.0).collect::<Vec<_>>(),
        "signed_prekey_ids": stores.signed_prekeys.keys().map(|id| id.0).collect::<Vec<_>>(),
        "kyber_prekey_ids": [],
        "consumed_prekey_ids": stores.consumed_prekey_ids.iter().map(|id| id.0).collect::<Vec<_>>(),
        "kyber_used": [],
    }))
}

/// Stores `identity_key` for `address`, replacing any other key.
pub fn save_identity(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    let key = IdentityKey::new(p.public_key("identity_key")?);
    let previous = peer.stores.identities.insert(address, key);
    Ok(json!({ "replaced_existing": previous.is_some_and(|old| old != key) }))
}

pub fn get_identity(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let address = classic::address(p, "address")?;
    let key = peer
        .stores
        .identities
        .get(&address)
        .map(|k| hex::encode(k.serialize()));
    Ok(json!({ "identity_key": key }))
}

pub fn set_trust_policy(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let policy = TrustPolicy::parse(p.string("policy")?)
        .ok_or_else(|| PeerError::bad_request(r#"policy must be "tofu" or "always""#))?;
    peer.trust_policy = policy;
    Ok(json!({ "policy": policy.name() }))
}

/// `private` if given, else the identity's private key.
fn private_or_identity(peer: &ClassicPeer, p: &Params<'_>) -> Result<PrivateKey> {
    match p.private_key_opt("private")? {
        Some(key) => Ok(key),
        None => Ok(peer.identity()?.key_pair.private_key().clone()),
    }
}

pub fn keypair(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let private = match p.private_key_opt("private")? {
        Some(key) => key,
        None => PrivateKey::generate(&mut peer.rng),
    };
    Ok(json!({
        "private": hex::encode(*private.serialize()),
        "public": hex::encode(private.public_key().serialize()),
    }))
}

/// XEdDSA, randomized.
pub fn sign(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let private = private_or_identity(peer, p)?;
    let message = p.hex("message")?;
    let signature = private.calculate_signature(&message, &mut peer.rng);
    Ok(json!({
        "signature": hex::encode(signature),
        "public_key": hex::encode(private.public_key().serialize()),
    }))
}

pub fn verify(_: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let public = p.public_key("public_key")?;
    let valid = public.verify_signature(&p.hex("message")?, &p.hex("signature")?);
    Ok(json!({ "valid": valid }))
}

/// HKDF-SHA-256; no `salt` means RFC 5869's default.
pub fn hkdf(_: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let length = p.int("length", 1, HKDF_MAX_LENGTH)?;
    let ikm = p.hex("ikm")?;
    let info = p.hex_opt("info")?.unwrap_or_default();
    let salt = p.hex_opt("salt")?;
    let mut okm = vec![0u8; length as usize];
    hkdf_sha256(salt.as_deref(), &ikm, &info, &mut okm)
        .map_err(|e| PeerError::bad_request(e.to_string()))?;
    Ok(json!({ "okm": hex::encode(okm) }))
}

/// X25519; a degenerate (e.g. low-order) public key fails.
pub fn agree(peer: &mut ClassicPeer, p: &Params<'_>) -> Result<Value> {
    let private = private_or_identity(peer, p)?;
    let shared = private.agree(&p.public_key("public")?)?;
    Ok(json!({ "shared": hex::encode(*shared) }))
}

/// A libsignal-protocol-c record that did not import.
pub fn record_error(e: impl std::fmt::Display) -> PeerError {
    PeerError::new("InvalidProtobuf", e.to_string())
}

/// The wall clock, for default timestamps.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

/// A random (version 4) UUID string, the default account name.
fn random_uuid(rng: &mut StdRng) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
