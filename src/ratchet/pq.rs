//! The hook where the post-quantum ratchet (SPQR, [`crate::spqr`]) plugs
//! into each message (double-ratchet.md §9).
//!
//! Every encryption calls `send` and every decryption `recv` on the
//! session's SPQR state; the key either returns is the HKDF salt of that
//! message's keys, and the bytes travel in `SignalMessage` field 5. The SPQR
//! update is applied together with the ratchet update, only on success.
//!
//! New sessions start at version V1 with minimum version V1, as libsignal
//! does since 0.92: a peer that omits the field is refused, never silently
//! downgraded. States stored before SPQR (empty, V0) keep running the
//! classic Double Ratchet.

use crate::ratchet::chains::{MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS};
pub(crate) use crate::spqr::{Direction, SpqrState};
use crate::spqr::{Params, Version};

/// The SPQR state of a new session, from the PQXDH `spqr_auth` key. Note-to-
/// self sessions store no forward-jump limit, as libsignal does; hush caps
/// their walks per call instead ([`crate::ratchet::MAX_SELF_SESSION_JUMPS`]).
pub(crate) fn initial_state(
    auth_key: &[u8; 32],
    direction: Direction,
    self_session: bool,
) -> SpqrState {
    SpqrState::initial(&Params {
        auth_key: *auth_key,
        direction,
        version: Version::V1,
        min_version: Version::V1,
        max_jump: if self_session {
            u32::MAX
        } else {
            MAX_FORWARD_JUMPS
        },
        max_ooo_keys: MAX_MESSAGE_KEYS as u32,
    })
}
