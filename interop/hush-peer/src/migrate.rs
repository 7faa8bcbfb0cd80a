//! Moving a session between implementations (interop/PROTOCOL.md):
//! `export_session` and `import_session` carry libsignal's own
//! `SessionRecord` bytes, through hush's `to_libsignal_bytes` /
//! `from_libsignal_bytes`. (`create_identity` already takes and returns
//! libsignal's `IdentityKeyPair` serialization.) `export_sender_key` and
//! `import_sender_key` do the same for sender-key records; they are
//! hush-peer extensions, used by `interop/roundtrip-records.mjs`.

use hush::groups::{DistributionId, SenderKeyRecord};
use hush::session::SessionRecord;
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::Peer;

/// `export_session`: `{address}` → `{record: hex | null}`.
pub fn export_session(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let record = peer
        .stores
        .sessions
        .get(&address)
        .map(|r| hex::encode(&*r.to_libsignal_bytes()));
    Ok(json!({ "record": record }))
}

/// `import_session`: `{address, record}` → `{session: SessionInfo}`. A
/// record hush refuses changes nothing; the error says what was refused.
pub fn import_session(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let address = p.address("address")?;
    let bytes = p.hex("record")?;
    let record = SessionRecord::from_libsignal_bytes(&bytes)
        .map_err(|e| PeerError::library(format!("invalid session structure: {e}")))?;
    let record = crate::sessions::persist(peer, record)?;
    peer.stores.sessions.insert(address, record);
    Ok(json!({ "session": crate::sessions::session_exists(peer, p)? }))
}

fn distribution_id(p: &Params<'_>) -> Result<DistributionId> {
    p.string("distribution_id")?
        .parse()
        .map_err(|_| PeerError::bad_request("distribution_id must be a UUID string"))
}

/// `export_sender_key` (hush-peer only): `{sender: address,
/// distribution_id}` → `{record: hex | null}`, libsignal's `SenderKeyRecord`
/// bytes (ours under our own address).
pub fn export_sender_key(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let key = (p.address("sender")?, distribution_id(p)?);
    let record = peer
        .stores
        .sender_keys
        .get(&key)
        .map(|r| hex::encode(&*r.to_libsignal_bytes()));
    Ok(json!({ "record": record }))
}

/// `import_sender_key` (hush-peer only): `{sender, distribution_id, record}`
/// → `{state_count}`. A refused record changes nothing.
pub fn import_sender_key(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let key = (p.address("sender")?, distribution_id(p)?);
    let record = SenderKeyRecord::from_libsignal_bytes(&p.hex("record")?)
        .map_err(|e| PeerError::library(format!("invalid sender key session: {e}")))?;
    let count = record.state_count();
    peer.stores.sender_keys.insert(key, record);
    Ok(json!({ "state_count": count }))
}
