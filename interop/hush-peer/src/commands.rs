//! The dispatch table: every command the peer answers, by family.
//!
//! A command missing here gets `UnknownCommand`: every command family of
//! interop/PROTOCOL.md has a module and is listed below.

use serde_json::Value;

use crate::error::Result;
use crate::params::Params;
use crate::peer::Peer;
use crate::{
    fingerprint, groups, housekeeping, identities, identity_prekeys, message_info, migrate,
    primitives, retry, sealed, sessions,
};

/// A command handler: the result members of a successful response (an
/// object), or the error to report. A failed command leaves `Peer` unchanged.
pub type Handler = fn(&mut Peer, &Params<'_>) -> Result<Value>;

pub const COMMANDS: &[(&str, Handler)] = &[
    // Housekeeping.
    ("ping", housekeeping::ping),
    ("info", housekeeping::info),
    ("reset", housekeeping::reset),
    ("logs", housekeeping::logs),
    ("quit", housekeeping::quit),
    // Identity and prekeys.
    ("create_identity", identity_prekeys::create_identity),
    ("generate_prekeys", identity_prekeys::generate_prekeys),
    ("get_bundle", identity_prekeys::get_bundle),
    ("remove_prekeys", identity_prekeys::remove_prekeys),
    ("list_prekeys", identity_prekeys::list_prekeys),
    // 1:1 sessions.
    ("process_bundle", sessions::process_bundle),
    ("encrypt", sessions::encrypt),
    ("decrypt", retry::decrypt),
    ("inspect", message_info::inspect),
    ("session_exists", sessions::session_exists),
    ("archive_session", sessions::archive_session),
    ("delete_session", sessions::delete_session),
    ("export_session", migrate::export_session),
    ("import_session", migrate::import_session),
    // Retry receipts.
    ("decryption_error_create", retry::decryption_error_create),
    ("decryption_error_parse", retry::decryption_error_parse),
    (
        "session_ratchet_key_matches",
        retry::session_ratchet_key_matches,
    ),
    // Groups (sender keys).
    (
        "group_create_distribution",
        groups::group_create_distribution,
    ),
    (
        "group_process_distribution",
        groups::group_process_distribution,
    ),
    ("group_encrypt", groups::group_encrypt),
    ("group_decrypt", groups::group_decrypt),
    ("group_forget", groups::group_forget),
    ("export_sender_key", migrate::export_sender_key),
    ("import_sender_key", migrate::import_sender_key),
    // Sealed sender.
    ("sealed_create_trust_root", sealed::sealed_create_trust_root),
    (
        "sealed_create_server_certificate",
        sealed::sealed_create_server_certificate,
    ),
    (
        "sealed_create_sender_certificate",
        sealed::sealed_create_sender_certificate,
    ),
    ("seal", sealed::seal),
    ("seal_multi", sealed::seal_multi),
    ("unseal", sealed::unseal),
    // Remote identities and trust.
    ("save_identity", identities::save_identity),
    ("get_identity", identities::get_identity),
    ("set_trust_policy", identities::set_trust_policy),
    // Fingerprints (safety numbers).
    ("fingerprint", fingerprint::fingerprint),
    ("fingerprint_compare", fingerprint::fingerprint_compare),
    // Primitives.
    ("keypair", primitives::keypair),
    ("kyber_keypair", primitives::kyber_keypair),
    ("sign", primitives::sign),
    ("verify", primitives::verify),
    ("hkdf", primitives::hkdf),
    ("agree", primitives::agree),
];

pub fn find(name: &str) -> Option<Handler> {
    COMMANDS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// Command names, sorted (for `info`).
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<_> = COMMANDS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names
}
