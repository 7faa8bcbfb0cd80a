//! Moving a session between implementations (interop/PROTOCOL.md):
//! `export_session` and `import_session` carry libsignal's own
//! `SessionRecord` bytes, through hush's `to_libsignal_bytes` /
//! `from_libsignal_bytes`. (`create_identity` already takes and returns
//! libsignal's `IdentityKeyPair` serialization.)

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
