//! `keypair`, `kyber_keypair`, `sign`, `verify`, `hkdf`, `agree`.

use hush::keys::{KemKeyPair, PrivateKey};
use hush::primitives::hkdf_sha256;
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::Peer;

/// HKDF-SHA-256's output limit (255 × 32 bytes).
const HKDF_MAX_LENGTH: u64 = 255 * 32;

/// `private` if given, else the identity's private key.
fn private_or_identity(peer: &Peer, p: &Params<'_>) -> Result<PrivateKey> {
    match p.private_key_opt("private")? {
        Some(key) => Ok(key),
        None => Ok(peer.identity()?.key_pair.private_key().clone()),
    }
}

pub fn keypair(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let private = match p.private_key_opt("private")? {
        Some(key) => key,
        None => PrivateKey::generate(&mut peer.rng),
    };
    Ok(json!({
        "private": hex::encode(*private.serialize()),
        "public": hex::encode(private.public_key().serialize()),
    }))
}

pub fn kyber_keypair(peer: &mut Peer, _: &Params<'_>) -> Result<Value> {
    let pair = KemKeyPair::generate(&mut peer.rng);
    Ok(json!({
        "public": hex::encode(pair.public_key.serialize()),
        "secret": hex::encode(&*pair.secret_key.serialize()),
    }))
}

/// XEdDSA, randomized.
pub fn sign(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let private = private_or_identity(peer, p)?;
    let message = p.hex("message")?;
    let signature = private.calculate_signature(&message, &mut peer.rng);
    Ok(json!({
        "signature": hex::encode(signature),
        "public_key": hex::encode(private.public_key().serialize()),
    }))
}

pub fn verify(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let public = p.public_key("public_key")?;
    let valid = public.verify_signature(&p.hex("message")?, &p.hex("signature")?);
    Ok(json!({ "valid": valid }))
}

/// HKDF-SHA-256; no `salt` means RFC 5869's default.
pub fn hkdf(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
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
pub fn agree(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let private = private_or_identity(peer, p)?;
    let shared = private.agree(&p.public_key("public")?)?;
    Ok(json!({ "shared": hex::encode(*shared) }))
}
