//! The sender's half of a retry receipt: does a receipt name the ratchet key
//! this record currently sends with?

use super::SessionRecord;
use crate::keys::PublicKey;

impl SessionRecord {
    /// Whether `ratchet_key` (from a
    /// [`DecryptionErrorMessage`](crate::messages::DecryptionErrorMessage))
    /// is the current state's sending ratchet key. If it is, the peer could
    /// not decrypt what this session sends now: archive the state
    /// ([`SessionRecord::archive_current_state`]) and start a new session
    /// from a fresh bundle. False when there is no current state or sending
    /// chain. Ratchet keys are public; the comparison is constant-time anyway.
    #[must_use]
    pub fn current_ratchet_key_matches(&self, ratchet_key: &PublicKey) -> bool {
        self.sender_ratchet()
            .is_some_and(|(current, _)| current == *ratchet_key)
    }
}
