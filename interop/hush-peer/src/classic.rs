//! `hush-peer --classic`: hush's classic Signal (message version 3,
//! `hush::classic`) behind the version-3 variant of the peer protocol
//! (interop-v3/README.md, "The v3 variant of the peer protocol"), so that the
//! v3 harness drives hush against libsignal-protocol-c, libomemo-c, npm
//! `libsignal`, python-axolotl and oldmemo.
//!
//! The differences from the version-4 peer, as the variant prescribes:
//! - no Kyber and no SPQR: bundles carry `kyber_prekey_*: null`,
//!   `generate_prekeys` ignores `kyber_prekey_id` (`kyber_ignored: true`; a
//!   request for a Kyber key only is `Unsupported`), `process_bundle` ignores
//!   Kyber members;
//! - device ids 1..=2^31 − 1;
//! - `export_session`/`import_session` move libsignal-protocol-c records
//!   (`RecordStructure`); pre-key records and `identity_key_pair` are C's
//!   formats too;
//! - groups are C's sender keys without a distribution id: `distribution_id`
//!   is the application's group id string in every group command;
//! - error classes are libsignal-protocol-c's (`InvalidMessage`,
//!   `InvalidKeyId`, `NoSession`, ...);
//! - sealed sender, fingerprints and `kyber_keypair` are `UnknownCommand`;
//! - `omemo_encrypt`/`omemo_decrypt` add OMEMO 0.3 messages
//!   (`classic_omemo.rs`).
//!
//! Stores behave as PROTOCOL.md says: trust on first use by default, one-time
//! pre-keys removed when hush reports them consumed (except the last-resort
//! id 0xFFFFFF, kept as libsignal-protocol-c keeps it). Like the version-4
//! peer, a failed command changes nothing.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use hush::classic::{ClassicSenderKeyRecord, ClassicSessionRecord};
use hush::keys::{
    IdentityKey, IdentityKeyPair, PreKeyId, PreKeyRecord, SignedPreKeyId, SignedPreKeyRecord,
};
use rand::rngs::StdRng;
use serde_json::Value;

use crate::error::{PeerError, Result};
use crate::params::Params;
use crate::peer::TrustPolicy;
use crate::{classic_groups, classic_keys, classic_omemo, classic_sessions};

/// The largest classic (OMEMO, 31-bit) device id.
pub const MAX_CLASSIC_DEVICE_ID: u32 = 0x7FFF_FFFF;

/// A remote (or our own) device: a name and a 31-bit device id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassicAddress {
    pub name: String,
    pub device_id: u32,
}

impl fmt::Display for ClassicAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.name, self.device_id)
    }
}

/// The local device: `create_identity` replaces it.
pub struct ClassicIdentity {
    pub key_pair: IdentityKeyPair,
    pub registration_id: u32,
    pub address: ClassicAddress,
}

/// Everything `create_identity` clears.
#[derive(Default)]
pub struct ClassicStores {
    pub prekeys: BTreeMap<PreKeyId, PreKeyRecord>,
    pub signed_prekeys: BTreeMap<SignedPreKeyId, SignedPreKeyRecord>,
    /// One-time pre-keys spent by incoming sessions, in order.
    pub consumed_prekey_ids: Vec<PreKeyId>,
    pub last_signed_prekey_id: Option<SignedPreKeyId>,
    /// Remote identity keys by address.
    pub identities: HashMap<ClassicAddress, IdentityKey>,
    /// 1:1 session records by remote address.
    pub sessions: HashMap<ClassicAddress, ClassicSessionRecord>,
    /// Sender-key records by (group id, sender); ours under our own address.
    pub sender_keys: HashMap<(String, ClassicAddress), ClassicSenderKeyRecord>,
}

/// The whole classic peer.
pub struct ClassicPeer {
    pub rng: StdRng,
    pub identity: Option<ClassicIdentity>,
    pub stores: ClassicStores,
    /// Kept by `create_identity`, reset by `reset`.
    pub trust_policy: TrustPolicy,
    pub quit: bool,
    /// `HUSH_PEER_ROUNDTRIP_STATE=1`: every session record a command changes
    /// goes through `to_state`/`from_state` before it is kept.
    pub roundtrip_state: bool,
}

impl ClassicPeer {
    pub fn new(rng: StdRng) -> Self {
        Self {
            rng,
            identity: None,
            stores: ClassicStores::default(),
            trust_policy: TrustPolicy::default(),
            quit: false,
            roundtrip_state: false,
        }
    }

    /// The local identity, or `NoIdentity`.
    pub fn identity(&self) -> Result<&ClassicIdentity> {
        self.identity.as_ref().ok_or_else(PeerError::no_identity)
    }

    /// Whether `key` is trusted for `address` (the same answer for sending
    /// and receiving).
    pub fn is_trusted(&self, address: &ClassicAddress, key: &IdentityKey) -> bool {
        match self.trust_policy {
            TrustPolicy::Always => true,
            TrustPolicy::Tofu => self
                .stores
                .identities
                .get(address)
                .is_none_or(|stored| stored == key),
        }
    }
}

/// A classic command handler; a failed command leaves the peer unchanged.
pub type ClassicHandler = fn(&mut ClassicPeer, &Params<'_>) -> Result<Value>;

pub const COMMANDS: &[(&str, ClassicHandler)] = &[
    // Housekeeping.
    ("ping", classic_keys::ping),
    ("info", classic_keys::info),
    ("reset", classic_keys::reset),
    ("logs", classic_keys::logs),
    ("quit", classic_keys::quit),
    // Identity and pre-keys.
    ("create_identity", classic_keys::create_identity),
    ("generate_prekeys", classic_keys::generate_prekeys),
    ("get_bundle", classic_keys::get_bundle),
    ("remove_prekeys", classic_keys::remove_prekeys),
    ("list_prekeys", classic_keys::list_prekeys),
    // 1:1 sessions.
    ("process_bundle", classic_sessions::process_bundle),
    ("encrypt", classic_sessions::encrypt),
    ("decrypt", classic_sessions::decrypt),
    ("inspect", classic_sessions::inspect),
    ("session_exists", classic_sessions::session_exists),
    ("archive_session", classic_sessions::archive_session),
    ("delete_session", classic_sessions::delete_session),
    ("export_session", classic_sessions::export_session),
    ("import_session", classic_sessions::import_session),
    // Remote identities and trust.
    ("get_identity", classic_keys::get_identity),
    ("save_identity", classic_keys::save_identity),
    ("set_trust_policy", classic_keys::set_trust_policy),
    // Groups (libsignal-protocol-c sender keys).
    (
        "group_create_distribution",
        classic_groups::group_create_distribution,
    ),
    (
        "group_process_distribution",
        classic_groups::group_process_distribution,
    ),
    ("group_encrypt", classic_groups::group_encrypt),
    ("group_decrypt", classic_groups::group_decrypt),
    ("group_forget", classic_groups::group_forget),
    // OMEMO 0.3 messages (examples/omemo/omemo03.rs).
    ("omemo_encrypt", classic_omemo::omemo_encrypt),
    ("omemo_decrypt", classic_omemo::omemo_decrypt),
    // Primitives.
    ("keypair", classic_keys::keypair),
    ("sign", classic_keys::sign),
    ("verify", classic_keys::verify),
    ("agree", classic_keys::agree),
    ("hkdf", classic_keys::hkdf),
];

pub fn find(name: &str) -> Option<ClassicHandler> {
    COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// Command names in table order (for `info`).
pub fn names() -> Vec<&'static str> {
    COMMANDS.iter().map(|(n, _)| *n).collect()
}

/// Answers one input line; `None` for a blank line.
pub fn handle_line(peer: &mut ClassicPeer, line: &str) -> Option<Value> {
    crate::handle_line_with(peer, line, find)
}

/// An address object `{name, device_id? (1)}` with a 31-bit device id.
pub fn address(p: &Params<'_>, name: &str) -> Result<ClassicAddress> {
    let Some(Value::Object(members)) = p.get(name) else {
        return Err(PeerError::bad_request(format!(
            "{name} must be an object {{name, device_id}}"
        )));
    };
    let inner = Params::new(members);
    let who = inner.string("name")?;
    if who.is_empty() {
        return Err(PeerError::bad_request(format!(
            "{name}.name must not be empty"
        )));
    }
    Ok(ClassicAddress {
        name: who.to_owned(),
        device_id: device_id(&inner, "device_id")?,
    })
}

/// A device id in `1..=2^31 − 1`, default 1.
pub fn device_id(p: &Params<'_>, name: &str) -> Result<u32> {
    // The range check makes the narrowing lossless.
    Ok(p.int_opt(name, 1, u64::from(MAX_CLASSIC_DEVICE_ID))?
        .unwrap_or(1) as u32)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use serde_json::json;

    use super::*;

    fn peer(seed: u64, name: &str, device_id: u32) -> ClassicPeer {
        let mut p = ClassicPeer::new(StdRng::seed_from_u64(seed));
        p.roundtrip_state = true;
        must(
            &mut p,
            "create_identity",
            json!({ "name": name, "device_id": device_id }),
        );
        p
    }

    fn call(peer: &mut ClassicPeer, cmd: &str, params: Value) -> Value {
        let Value::Object(members) = params else {
            panic!("params must be an object")
        };
        match find(cmd).expect("known command")(peer, &Params::new(&members)) {
            Ok(v) => v,
            Err(e) => json!({ "error_class": e.class(), "error": e.to_string() }),
        }
    }

    fn must(peer: &mut ClassicPeer, cmd: &str, params: Value) -> Value {
        let r = call(peer, cmd, params);
        assert!(r.get("error_class").is_none(), "{cmd}: {r}");
        r
    }

    const MAX: u32 = MAX_CLASSIC_DEVICE_ID;

    #[test]
    fn variant_rules_and_a_conversation() {
        let mut alice = peer(1, "alice@example.org", MAX);
        let mut bob = peer(2, "bob@example.org", 1_000_000);
        // Device ids: 31-bit.
        let over = call(
            &mut alice,
            "create_identity",
            json!({ "name": "x", "device_id": u64::from(MAX) + 1 }),
        );
        assert_eq!(over["error_class"], "BadRequest");
        // Kyber is ignored; a Kyber key alone is Unsupported.
        assert_eq!(
            call(
                &mut bob,
                "generate_prekeys",
                json!({ "kyber_prekey_id": 1 })
            )["error_class"],
            "Unsupported"
        );
        let keys = must(
            &mut bob,
            "generate_prekeys",
            json!({ "prekey_id": 31, "signed_prekey_id": 11, "kyber_prekey_id": 1 }),
        );
        assert_eq!(keys["kyber_ignored"], true);
        let bundle = &keys["bundle"];
        assert_eq!(bundle["kyber_prekey_id"], Value::Null);
        assert_eq!(bundle["kyber_prekey_public"], Value::Null);
        assert_eq!(bundle["device_id"], 1_000_000);
        let bob_addr = json!({ "name": "bob@example.org", "device_id": 1_000_000 });
        let alice_addr = json!({ "name": "alice@example.org", "device_id": MAX });
        let s = must(
            &mut alice,
            "process_bundle",
            json!({ "address": bob_addr, "bundle": bundle }),
        );
        assert_eq!(s["session"]["session_version"], 3);
        assert_eq!(s["session"]["unacknowledged"], true);
        let m = must(
            &mut alice,
            "encrypt",
            json!({ "address": bob_addr, "plaintext": "6869" }),
        );
        assert_eq!(m["type"], 3);
        assert_eq!(m["info"]["version_byte"], 0x33);
        assert_eq!(m["info"]["kyber_prekey_id"], Value::Null);
        assert_eq!(m["info"]["inner"]["spqr"]["present"], false);
        let d = must(
            &mut bob,
            "decrypt",
            json!({ "address": alice_addr, "ciphertext": m["ciphertext"] }),
        );
        assert_eq!(d["plaintext"], "6869");
        assert_eq!(
            must(&mut bob, "list_prekeys", json!({}))["consumed_prekey_ids"],
            json!([31])
        );
        let dup = call(
            &mut bob,
            "decrypt",
            json!({ "address": alice_addr, "ciphertext": m["ciphertext"], "type": 3 }),
        );
        assert_eq!(dup["error_class"], "DuplicatedMessage");
        let r = must(
            &mut bob,
            "encrypt",
            json!({ "address": alice_addr, "plaintext": "6f6b" }),
        );
        assert_eq!(r["type"], 2);
        let d = must(
            &mut alice,
            "decrypt",
            json!({ "address": bob_addr, "ciphertext": r["ciphertext"], "type": 2 }),
        );
        assert_eq!(d["plaintext"], "6f6b");
        // Export in libsignal-protocol-c's format and import it again.
        let record =
            must(&mut bob, "export_session", json!({ "address": alice_addr }))["record"].clone();
        must(&mut bob, "delete_session", json!({ "address": alice_addr }));
        let imported = must(
            &mut bob,
            "import_session",
            json!({ "address": alice_addr, "record": record }),
        );
        assert_eq!(imported["session"]["has_current_state"], true);
        let m = must(
            &mut alice,
            "encrypt",
            json!({ "address": bob_addr, "plaintext": "00" }),
        );
        must(
            &mut bob,
            "decrypt",
            json!({ "address": alice_addr, "ciphertext": m["ciphertext"], "type": 2 }),
        );
        // OMEMO 0.3 messages both ways.
        let o = must(
            &mut alice,
            "omemo_encrypt",
            json!({ "recipients": [bob_addr], "plaintext": "6f6d656d6f" }),
        );
        let k = &o["keys"][0];
        assert_eq!(
            (k["rid"].as_u64(), k["prekey"].as_bool()),
            (Some(1_000_000), Some(false))
        );
        let opened = must(
            &mut bob,
            "omemo_decrypt",
            json!({ "sender": alice_addr, "iv": o["iv"], "payload": o["payload"], "data": k["data"], "prekey": false }),
        );
        assert_eq!(opened["plaintext"], "6f6d656d6f");
        // Unknown in the classic variant.
        assert!(find("seal").is_none() && find("kyber_keypair").is_none());
    }

    #[test]
    fn groups_by_group_id() {
        let mut alice = peer(3, "alice", 7);
        let mut bob = peer(4, "bob", 8);
        let alice_addr = json!({ "name": "alice", "device_id": 7 });
        let skdm = must(
            &mut alice,
            "group_create_distribution",
            json!({ "distribution_id": "room@muc" }),
        );
        must(
            &mut bob,
            "group_process_distribution",
            json!({ "sender": alice_addr, "skdm": skdm["skdm"], "distribution_id": "room@muc" }),
        );
        let m = must(
            &mut alice,
            "group_encrypt",
            json!({ "distribution_id": "room@muc", "plaintext": "6869" }),
        );
        assert_eq!(
            (m["type"].as_u64(), m["library_type"].as_u64()),
            (Some(7), Some(4))
        );
        assert_eq!(m["info"]["distribution_id"], Value::Null);
        // Without distribution_id every group of that sender is tried.
        let d = must(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": m["ciphertext"] }),
        );
        assert_eq!(d["plaintext"], "6869");
        let dup = call(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": m["ciphertext"] }),
        );
        assert_eq!(dup["error_class"], "DuplicatedMessage");
        let other = call(
            &mut bob,
            "group_decrypt",
            json!({ "sender": alice_addr, "ciphertext": m["ciphertext"], "distribution_id": "other" }),
        );
        assert_eq!(other["error_class"], "NoSession");
    }
}
