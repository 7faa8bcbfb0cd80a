//! The Double Ratchet with libsignal's parameters and the SPQR hook. This
//! layer knows nothing of addresses, records or storage.

pub(crate) mod chains;
pub(crate) mod keys;
pub(crate) mod pq;
pub(crate) mod state;

pub use chains::{MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS};
