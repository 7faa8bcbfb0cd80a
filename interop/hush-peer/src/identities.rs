//! Remote identities and the trust policy: `save_identity`, `get_identity`,
//! `set_trust_policy`.

use hush::keys::IdentityKey;
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::{Peer, TrustPolicy};

/// Stores `identity_key` for `address`, replacing any other key.
pub fn save_identity(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let key = IdentityKey::new(p.public_key("identity_key")?);
    let previous = peer.stores.identities.insert(address, key);
    Ok(json!({ "replaced_existing": previous.is_some_and(|old| old != key) }))
}

pub fn get_identity(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let key = peer
        .stores
        .identities
        .get(&address)
        .map(|k| hex::encode(k.serialize()));
    Ok(json!({ "identity_key": key }))
}

pub fn set_trust_policy(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let policy = TrustPolicy::parse(p.string("policy")?)
        .ok_or_else(|| PeerError::bad_request(r#"policy must be "tofu" or "always""#))?;
    peer.trust_policy = policy;
    Ok(json!({ "policy": peer.trust_policy.name() }))
}
