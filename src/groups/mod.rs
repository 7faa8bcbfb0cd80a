//! Group messaging with sender keys, wire compatible with libsignal
//! (sender-keys.md).
//!
//! Every group member has a **sender key** per distribution (group): a chain
//! of message keys and a signing key pair. A member announces it once to
//! each other member with a [`SenderKeyDistributionMessage`], sent inside a
//! 1:1 session message, and then encrypts each group message once, as a
//! [`SenderKeyMessage`] (ciphertext type 7) that every member decrypts.
//!
//! State lives in [`SenderKeyRecord`]s, one per (sender address,
//! [`DistributionId`]): ours for sending, one per other member for
//! receiving. hush keeps no store and calls no callbacks: the application
//! passes the right record in, and stores it ([`SenderKeyRecord::to_state`])
//! after each successful call. A failed call changes nothing.
//!
//! | Operation | Record to pass |
//! |---|---|
//! | [`create_distribution_message`] | (our address, distribution) |
//! | [`process_distribution_message`] | (the sender's address, the message's distribution ID) |
//! | [`group_encrypt`] | (our address, distribution) |
//! | [`group_decrypt`] | (the sender's address, the message's distribution ID) |
//!
//! Limits (as libsignal): 5 chains per record ([`MAX_SENDER_KEY_STATES`]),
//! a forward jump of at most 25 000 iterations ([`MAX_FORWARD_JUMPS`]), 2000
//! stored keys of skipped messages per chain ([`MAX_MESSAGE_KEYS`], the
//! oldest are evicted).
//!
//! ## Example
//!
//! ```
//! use hush::groups::*;
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(1); // use an OS-seeded RNG in production
//! let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse()?;
//!
//! // Alice makes her sender key and sends the distribution message to Bob
//! // (over their 1:1 session, not shown).
//! let mut alice_own = SenderKeyRecord::new();
//! let skdm = create_distribution_message(&mut alice_own, group, &mut rng)?;
//! let wire = skdm.serialized().to_vec();
//!
//! // Bob keeps a record for (Alice's address, group).
//! let skdm = SenderKeyDistributionMessage::deserialize(&wire)?;
//! let mut bob_from_alice = SenderKeyRecord::new();
//! process_distribution_message(&mut bob_from_alice, &skdm);
//!
//! // Alice encrypts once for everyone; Bob decrypts.
//! let first = group_encrypt(&mut alice_own, group, b"hello group", &mut rng)?;
//! let second = group_encrypt(&mut alice_own, group, b"second", &mut rng)?;
//! assert_eq!(group_decrypt(&mut bob_from_alice, second.serialized())?, b"second");
//! assert_eq!(group_decrypt(&mut bob_from_alice, first.serialized())?, b"hello group");
//!
//! // A replay is refused, and the record stays as it was.
//! let before = bob_from_alice.to_state();
//! assert!(matches!(
//!     group_decrypt(&mut bob_from_alice, first.serialized()),
//!     Err(GroupDecryptError::DuplicatedMessage { current: 2, received: 0 })
//! ));
//! assert_eq!(*bob_from_alice.to_state(), *before);
//!
//! // Records are stored in hush's versioned format.
//! let reloaded = SenderKeyRecord::from_state(&before)?;
//! assert_eq!(*reloaded.to_state(), *before);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cipher;
mod distribution_id;
mod distribution_message;
mod errors;
pub(crate) mod message_keys;
mod proto;
pub(crate) mod record;
mod sender_key_message;
pub(crate) mod state;

pub use cipher::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
};
pub use distribution_id::{DistributionId, InvalidDistributionId};
pub use distribution_message::SenderKeyDistributionMessage;
pub use errors::{DistributionError, GroupDecryptError, GroupEncryptError};
pub use record::SenderKeyRecord;
pub use sender_key_message::SenderKeyMessage;

use crate::messages::MessageError;

/// The sender-key message version: the high nibble of `0x33`, the only one
/// sent or accepted.
pub const SENDER_KEY_VERSION: u8 = 3;
/// Most chains (states) a [`SenderKeyRecord`] keeps; adding a sixth drops
/// the oldest.
pub const MAX_SENDER_KEY_STATES: usize = 5;
/// Largest allowed distance from a chain's next iteration to a message's.
pub const MAX_FORWARD_JUMPS: u32 = 25_000;
/// Most stored keys of skipped messages per chain; the oldest are evicted.
pub const MAX_MESSAGE_KEYS: usize = 2_000;

/// Checks a version byte's high nibble: exactly 3 (the low nibble is
/// ignored, as libsignal does).
fn check_version(byte: u8) -> Result<u8, MessageError> {
    let version = byte >> 4;
    if version < SENDER_KEY_VERSION {
        return Err(MessageError::LegacyCiphertextVersion(version));
    }
    if version > SENDER_KEY_VERSION {
        return Err(MessageError::UnrecognizedCiphertextVersion(version));
    }
    Ok(version)
}

/// The version byte for `version`: the version in the high nibble, 3 in the
/// low one.
fn version_byte(version: u8) -> u8 {
    (version << 4) | SENDER_KEY_VERSION
}

#[cfg(test)]
mod tests;
