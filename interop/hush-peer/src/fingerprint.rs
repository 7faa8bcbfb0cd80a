//! Safety numbers: `fingerprint`, `fingerprint_compare`.

use hush::fingerprint::{compare_scannable, Fingerprint, FingerprintParty, DEFAULT_ITERATIONS};
use hush::keys::IdentityKey;
use serde_json::{json, Value};

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::Peer;

/// Signal's current fingerprint version (16-byte ACI identifiers).
const DEFAULT_VERSION: u64 = 2;

/// An identifier given as hex (`<name>`) or UTF-8 text (`<name>_text`).
fn identifier(p: &Params<'_>, name: &str) -> Result<Vec<u8>> {
    let text = format!("{name}_text");
    if let Some(bytes) = p.hex_opt(name)? {
        return Ok(bytes);
    }
    match p.string_opt(&text)? {
        Some(s) => Ok(s.as_bytes().to_vec()),
        None => Err(PeerError::bad_request(format!(
            "missing parameter {name} (hex) or {text} (utf-8 text)"
        ))),
    }
}

pub fn fingerprint(peer: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let remote_key = IdentityKey::new(p.public_key("remote_key")?);
    let local_key = if p.has("local_key") {
        IdentityKey::new(p.public_key("local_key")?)
    } else {
        *peer.identity()?.key_pair.identity_key()
    };
    let local_identifier = identifier(p, "local_identifier")?;
    let remote_identifier = identifier(p, "remote_identifier")?;
    let version = p.int_opt("version", 0, 0xffff)?.unwrap_or(DEFAULT_VERSION) as u32;
    // hush checks the range (2..=1_000_000) itself.
    let iterations = p.u32_opt("iterations")?.unwrap_or(DEFAULT_ITERATIONS);
    let fp = Fingerprint::new(
        version,
        iterations,
        FingerprintParty {
            identifier: &local_identifier,
            identity_key: &local_key,
        },
        FingerprintParty {
            identifier: &remote_identifier,
            identity_key: &remote_key,
        },
    )?;
    Ok(json!({
        "displayable": fp.display_string(),
        "scannable": hex::encode(fp.scannable().serialize()),
    }))
}

/// Our scannable form against the scanned one; fails (rather than answering
/// `match: false`) on a version mismatch or unparseable input, as libsignal does.
pub fn fingerprint_compare(_: &mut Peer, p: &Params<'_>) -> Result<Value> {
    let ours = p.hex("local_scannable")?;
    let theirs = p.hex("remote_scannable")?;
    Ok(json!({ "match": compare_scannable(&ours, &theirs)? }))
}
