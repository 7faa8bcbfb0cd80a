//! `ping`, `info`, `reset`, `logs`, `quit`.

use serde_json::{json, Value};

use crate::commands;
use crate::error::Result;
use crate::params::Params;
use crate::peer::Peer;

/// hush's version. The peer shares the workspace version with hush (both
/// take `version.workspace = true`); hush exports no version constant.
const HUSH_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn ping(_: &mut Peer, _: &Params<'_>) -> Result<Value> {
    Ok(json!({ "pong": true }))
}

pub fn info(peer: &mut Peer, _: &Params<'_>) -> Result<Value> {
    let identity = peer.identity.as_ref().map(|id| {
        json!({
            "name": id.address.name(),
            "device_id": id.address.device_id().get(),
            "registration_id": id.registration_id,
        })
    });
    Ok(json!({
        "library": "hush",
        "version": HUSH_VERSION,
        "spqr": true,
        "roundtrip_state": peer.roundtrip_state,
        "commands": commands::names(),
        "identity": identity,
    }))
}

/// Clears everything: identity, stores and trust policy.
pub fn reset(peer: &mut Peer, _: &Params<'_>) -> Result<Value> {
    peer.identity = None;
    peer.stores = Default::default();
    peer.trust_policy = Default::default();
    Ok(json!({}))
}

/// hush does not log.
pub fn logs(_: &mut Peer, _: &Params<'_>) -> Result<Value> {
    Ok(json!({ "logs": [] }))
}

pub fn quit(peer: &mut Peer, _: &Params<'_>) -> Result<Value> {
    peer.quit = true;
    Ok(json!({ "bye": true }))
}
