//! The local identity and its prekeys: `create_identity`, `generate_prekeys`,
//! `get_bundle`, `remove_prekeys`, `list_prekeys`.

use std::time::{SystemTime, UNIX_EPOCH};

use hush::keys::{
    IdentityKeyPair, KemKeyPair, KemPublicKey, KemSecretKey, KeyPair, KyberPreKeyId,
    KyberPreKeyRecord, PreKeyBundle, PreKeyId, PreKeyRecord, PrivateKey, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp,
};
use rand::rngs::StdRng;
use rand::{Rng, RngExt};
use serde_json::{json, Map, Value};

use crate::error::{PeerError, Result};
use crate::params::{Params, MAX_SAFE_INTEGER};
use crate::peer::{KyberPreKey, LocalIdentity, Peer, Stores};

/// Registration ids are drawn from `1..=16380`, as Signal clients do.
const MAX_REGISTRATION_ID: u32 = 16380;

/// `create_identity`: a new (generated or imported) identity; clears every
/// store, keeps the trust policy.
pub fn create_identity(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let name = match p.string_opt("name")? {
        Some(name) => name.to_owned(),
        None => random_uuid(&mut peer.rng),
    };
    if name.is_empty() {
        return Err(PeerError::bad_request("name must not be empty"));
    }
    let device_id = p.device_id("device_id")?;
    let registration_id = match p.u32_opt("registration_id")? {
        Some(id) => id,
        None => peer.rng.random_range(1..=MAX_REGISTRATION_ID),
    };
    let key_pair = if let Some(serialized) = p.hex_opt("identity_key_pair")? {
        IdentityKeyPair::from_libsignal_bytes(&serialized)?
    } else if let Some(private) = p.hex_exact::<32>("identity_private")? {
        IdentityKeyPair::from(PrivateKey::deserialize(&private)?)
    } else {
        IdentityKeyPair::generate(&mut peer.rng)
    };

    let out = json!({
        "name": name,
        "device_id": device_id.get(),
        "registration_id": registration_id,
        "identity_public": hex::encode(key_pair.identity_key().serialize()),
        "identity_private": hex::encode(*key_pair.private_key().serialize()),
        "identity_key_pair": hex::encode(&*key_pair.to_libsignal_bytes()),
    });
    peer.stores = Stores::default();
    peer.identity = Some(LocalIdentity {
        key_pair,
        registration_id,
        address: hush::address::ProtocolAddress::new(name, device_id),
    });
    Ok(out)
}

/// `generate_prekeys`: generates or imports any of a one-time EC prekey, a
/// signed prekey and a Kyber prekey, stores them, and returns their private
/// parts and (when a signed and a Kyber prekey are known) a bundle.
pub fn generate_prekeys(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let Peer {
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
    let kyber_id = p.u32_opt("kyber_prekey_id")?.map(KyberPreKeyId);
    let any_record = [
        "prekey_record",
        "signed_prekey_record",
        "kyber_prekey_record",
    ]
    .iter()
    .any(|r| p.has(r));
    if prekey_id.is_none() && signed_id.is_none() && kyber_id.is_none() && !any_record {
        return Err(PeerError::bad_request(
            "give at least one of prekey_id, signed_prekey_id, kyber_prekey_id (or *_record)",
        ));
    }

    // Build and check everything first: a failed request stores nothing.
    let prekey = one_time_prekey(p, prekey_id, rng)?;
    let signed = signed_prekey(p, signed_id, timestamp, &identity.key_pair, rng)?;
    let kyber = kyber_prekey(p, kyber_id, timestamp, &identity.key_pair, rng)?;
    let last_resort = p.bool_or("kyber_last_resort", false)?;

    let mut private = Map::new();
    let prekey_id = prekey.map(|record| {
        private.insert(
            "prekey_private".into(),
            hex::encode(*record.key_pair().private_key.serialize()).into(),
        );
        private.insert(
            "prekey_record".into(),
            hex::encode(&*record.serialize()).into(),
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
            "signed_prekey_record".into(),
            hex::encode(&*record.serialize()).into(),
        );
        stores.last_signed_prekey_id = Some(record.id());
        stores.signed_prekeys.insert(record.id(), record);
    }
    if let Some(record) = kyber {
        private.insert(
            "kyber_public".into(),
            hex::encode(record.public_key().serialize()).into(),
        );
        private.insert(
            "kyber_secret".into(),
            hex::encode(&*record.key_pair().secret_key.serialize()).into(),
        );
        private.insert(
            "kyber_prekey_record".into(),
            hex::encode(&*record.serialize()).into(),
        );
        stores.last_kyber_prekey_id = Some(record.id());
        stores.kyber_prekeys.insert(
            record.id(),
            KyberPreKey {
                record,
                last_resort,
            },
        );
    }

    let mut out = json!({ "timestamp": timestamp.as_millis(), "private": private });
    // The bundle uses the keys just made, else the latest ones still stored.
    if let (Some(signed_id), Some(kyber_id)) =
        (stores.last_signed_prekey_id, stores.last_kyber_prekey_id)
    {
        if let Ok(bundle) = bundle(identity, stores, prekey_id, signed_id, kyber_id) {
            out["bundle"] = bundle_json(&bundle);
        }
    }
    Ok(out)
}

fn one_time_prekey(
    p: &Params<'_>,
    id: Option<PreKeyId>,
    rng: &mut StdRng,
) -> Result<Option<PreKeyRecord>> {
    if let Some(serialized) = p.hex_opt("prekey_record")? {
        return Ok(Some(PreKeyRecord::deserialize(&serialized)?));
    }
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(Some(PreKeyRecord::new(
        id,
        ec_key_pair(p, "prekey_private", rng)?,
    )))
}

fn signed_prekey(
    p: &Params<'_>,
    id: Option<SignedPreKeyId>,
    timestamp: Timestamp,
    identity: &IdentityKeyPair,
    rng: &mut StdRng,
) -> Result<Option<SignedPreKeyRecord>> {
    if let Some(serialized) = p.hex_opt("signed_prekey_record")? {
        return Ok(Some(SignedPreKeyRecord::deserialize(&serialized)?));
    }
    let Some(id) = id else {
        return Ok(None);
    };
    let key_pair = ec_key_pair(p, "signed_prekey_private", rng)?;
    let signature = match p.hex_exact::<64>("signed_prekey_signature")? {
        Some(signature) => signature,
        None => identity.sign(&key_pair.public_key.serialize(), rng),
    };
    Ok(Some(SignedPreKeyRecord::new(
        id, timestamp, key_pair, signature,
    )))
}

fn kyber_prekey(
    p: &Params<'_>,
    id: Option<KyberPreKeyId>,
    timestamp: Timestamp,
    identity: &IdentityKeyPair,
    rng: &mut StdRng,
) -> Result<Option<KyberPreKeyRecord>> {
    if let Some(serialized) = p.hex_opt("kyber_prekey_record")? {
        return Ok(Some(KyberPreKeyRecord::deserialize(&serialized)?));
    }
    let Some(id) = id else {
        return Ok(None);
    };
    let key_pair = if p.has("kyber_public") || p.has("kyber_secret") {
        let public = KemPublicKey::deserialize(&p.hex("kyber_public")?)?;
        let secret = KemSecretKey::deserialize(&p.hex("kyber_secret")?)?;
        KemKeyPair::from_parts(public, secret)?
    } else {
        KemKeyPair::generate(rng)
    };
    let signature = match p.hex_exact::<64>("kyber_prekey_signature")? {
        Some(signature) => signature,
        None => identity.sign(&key_pair.public_key.serialize(), rng),
    };
    Ok(Some(KyberPreKeyRecord::new(
        id, timestamp, key_pair, signature,
    )))
}

/// The EC key pair from the 32-byte private key `name`, else a new one.
fn ec_key_pair(p: &Params<'_>, name: &str, rng: &mut StdRng) -> Result<KeyPair> {
    Ok(match p.private_key_opt(name)? {
        Some(private) => KeyPair::from_private(private),
        None => KeyPair::generate(rng),
    })
}

/// `get_bundle`: a bundle from stored keys (signed and Kyber: the latest by default).
pub fn get_bundle(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let identity = peer.identity()?;
    let stores = &peer.stores;
    let prekey_id = p.u32_opt("prekey_id")?.map(PreKeyId);
    let signed_id = match p.u32_opt("signed_prekey_id")? {
        Some(id) => SignedPreKeyId(id),
        None => stores
            .last_signed_prekey_id
            .ok_or_else(|| PeerError::no_such_prekey("no signed prekey generated yet"))?,
    };
    let kyber_id = match p.u32_opt("kyber_prekey_id")? {
        Some(id) => KyberPreKeyId(id),
        None => stores
            .last_kyber_prekey_id
            .ok_or_else(|| PeerError::no_such_prekey("no kyber prekey generated yet"))?,
    };
    Ok(json!({ "bundle": bundle_json(&bundle(identity, stores, prekey_id, signed_id, kyber_id)?) }))
}

/// The bundle a server would hand out for these stored keys.
fn bundle(
    identity: &LocalIdentity,
    stores: &Stores,
    prekey_id: Option<PreKeyId>,
    signed_id: SignedPreKeyId,
    kyber_id: KyberPreKeyId,
) -> Result<PreKeyBundle> {
    let signed = stores.signed_prekeys.get(&signed_id).ok_or_else(|| {
        PeerError::no_such_prekey(format!("signed prekey {signed_id} not in store"))
    })?;
    let kyber = &stores
        .kyber_prekeys
        .get(&kyber_id)
        .ok_or_else(|| PeerError::no_such_prekey(format!("kyber prekey {kyber_id} not in store")))?
        .record;
    let pre_key = prekey_id
        .map(|id| {
            let record = stores.prekeys.get(&id).ok_or_else(|| {
                PeerError::no_such_prekey(format!("one-time prekey {id} not in store"))
            })?;
            Ok::<_, PeerError>((id, *record.public_key()))
        })
        .transpose()?;
    Ok(PreKeyBundle {
        registration_id: identity.registration_id,
        device_id: identity.address.device_id(),
        pre_key,
        signed_pre_key_id: signed.id(),
        signed_pre_key_public: *signed.public_key(),
        signed_pre_key_signature: signed.signature().to_vec(),
        kyber_pre_key_id: kyber.id(),
        kyber_pre_key_public: kyber.public_key().clone(),
        kyber_pre_key_signature: kyber.signature().to_vec(),
        identity_key: *identity.key_pair.identity_key(),
    })
}

/// The protocol's Bundle object.
pub fn bundle_json(bundle: &PreKeyBundle) -> Value {
    json!({
        "registration_id": bundle.registration_id,
        "device_id": bundle.device_id.get(),
        "identity_key": hex::encode(bundle.identity_key.serialize()),
        "prekey_id": bundle.pre_key.map(|(id, _)| id.0),
        "prekey_public": bundle.pre_key.map(|(_, key)| hex::encode(key.serialize())),
        "signed_prekey_id": bundle.signed_pre_key_id.0,
        "signed_prekey_public": hex::encode(bundle.signed_pre_key_public.serialize()),
        "signed_prekey_signature": hex::encode(&bundle.signed_pre_key_signature),
        "kyber_prekey_id": bundle.kyber_pre_key_id.0,
        "kyber_prekey_public": hex::encode(bundle.kyber_pre_key_public.serialize()),
        "kyber_prekey_signature": hex::encode(&bundle.kyber_pre_key_signature),
    })
}

/// `remove_prekeys`: deletes stored keys (simulates lost keys).
pub fn remove_prekeys(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let prekey_id = p.u32_opt("prekey_id")?;
    let signed_id = p.u32_opt("signed_prekey_id")?;
    let kyber_id = p.u32_opt("kyber_prekey_id")?;
    let stores = &mut peer.stores;
    let mut removed = Map::new();
    if let Some(id) = prekey_id {
        removed.insert(
            "prekey_id".into(),
            stores.prekeys.remove(&PreKeyId(id)).is_some().into(),
        );
    }
    if let Some(id) = signed_id {
        removed.insert(
            "signed_prekey_id".into(),
            stores
                .signed_prekeys
                .remove(&SignedPreKeyId(id))
                .is_some()
                .into(),
        );
    }
    if let Some(id) = kyber_id {
        removed.insert(
            "kyber_prekey_id".into(),
            stores
                .kyber_prekeys
                .remove(&KyberPreKeyId(id))
                .is_some()
                .into(),
        );
    }
    Ok(json!({ "removed": removed }))
}

pub fn list_prekeys(peer: &mut Peer, _: &Params<'_>) -> Result<Value> {
    let stores = &peer.stores;
    let kyber_used: Vec<Value> = stores
        .kyber_used
        .iter()
        .map(|u| {
            json!({
                "kyber_prekey_id": u.kyber_prekey_id.0,
                "signed_prekey_id": u.signed_prekey_id.0,
                "base_key": hex::encode(&u.base_key),
                "removed": u.removed,
            })
        })
        .collect();
    Ok(json!({
        "prekey_ids": stores.prekeys.keys().map(|id| id.0).collect::<Vec<_>>(),
        "signed_prekey_ids": stores.signed_prekeys.keys().map(|id| id.0).collect::<Vec<_>>(),
        "kyber_prekey_ids": stores.kyber_prekeys.keys().map(|id| id.0).collect::<Vec<_>>(),
        "consumed_prekey_ids": stores.consumed_prekey_ids.iter().map(|id| id.0).collect::<Vec<_>>(),
        "kyber_used": kyber_used,
    }))
}

/// The wall clock, for default timestamps.
fn now() -> Timestamp {
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
