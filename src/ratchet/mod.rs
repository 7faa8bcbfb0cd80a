//! The Double Ratchet with libsignal's parameters and the SPQR hook. This
//! layer knows nothing of addresses, records or storage.

pub(crate) mod budget;
pub(crate) mod chains;
pub(crate) mod keys;
pub(crate) mod pq;
pub(crate) mod state;

pub use budget::{MAX_SELF_SESSION_JUMPS, WALK_ALLOWANCE_PER_STATE};
pub use chains::{MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS};
