//! Classic Signal: message version 3 (X3DH and the Double Ratchet without
//! Kyber or SPQR), for the software that still speaks it: OMEMO 0.3 XMPP
//! clients and WhatsApp-protocol clients, whose libraries are
//! libsignal-protocol-c, libomemo-c, python-axolotl and npm `libsignal`
//! (classic-v3.md).
//!
//! Version 3 is an **explicit, separate choice**. It has its own bundle
//! ([`ClassicPreKeyBundle`], no Kyber members), its own messages
//! ([`ClassicSignalMessage`], [`ClassicPreKeySignalMessage`]: `0x33`) and its
//! own record ([`ClassicSessionRecord`], stored as its own
//! [`crate::state::StateKind`]). None of them converts into the version-4
//! types of [`crate::session`], so a version-4 bundle that lost its Kyber
//! key cannot downgrade, and no message can move a session from one version
//! to the other: a version-4 record refuses `0x33` messages and a classic
//! record cannot even be handed a `0x44` one (its parser rejects them).
//!
//! The rules are hush's, as in version 4: every operation succeeds or
//! leaves the record byte-identical; decryption is two-phase
//! ([`ClassicSessionRecord::decrypt_pending`],
//! [`ClassicSessionRecord::decrypt_prekey_pending`]) so that the caller sees
//! the authenticated identity and the consumed pre-keys before anything is
//! stored; a PreKey message that resumes a state must carry that state's
//! identity; the limits are version 3's (a forward jump of at most 2 000,
//! 2 000 skipped keys per chain, 5 receiving chains, 40 archived states) and
//! the work a forged message can cause is bounded.
//!
//! ```
//! use hush::address::ClassicDeviceId;
//! use hush::classic::*;
//! use hush::keys::*;
//! use hush::session::LocalIdentity;
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(1); // use an OS-seeded RNG in production
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
//! let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
//! let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
//! let one_time = PreKeyRecord::generate(PreKeyId(7), &mut rng);
//! // Bob's OMEMO device ID is 31-bit.
//! let bundle = ClassicPreKeyBundle::from_records(
//!     2, ClassicDeviceId::new(1_234_567_890)?, *bob.key_pair.identity_key(), &signed, Some(&one_time));
//!
//! let mut alice_record = ClassicSessionRecord::new();
//! alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
//! let ClassicCiphertextMessage::PreKey(first) = alice_record.encrypt(b"hi")? else { unreachable!() };
//! assert_eq!(first.serialized()[0], 0x33);
//!
//! // Bob decides to trust first.identity_key(), then decrypts in two phases.
//! let mut bob_record = ClassicSessionRecord::new();
//! let keys = ClassicPreKeys { signed: Some(&signed), one_time: Some(&one_time) };
//! let pending = bob_record.decrypt_prekey_pending(&first, &bob, keys, &mut rng)?;
//! assert_eq!(pending.remote_identity(), alice.key_pair.identity_key());
//! let done = pending.commit();
//! assert_eq!(done.plaintext, b"hi");
//! assert_eq!(done.consumed.unwrap().one_time, Some(PreKeyId(7))); // delete it now
//!
//! let ClassicCiphertextMessage::Whisper(reply) = bob_record.encrypt(b"hello")? else { unreachable!() };
//! assert_eq!(alice_record.decrypt(&reply, &mut rng)?, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bundle;
mod codec;
mod errors;
pub mod lspc;
mod message;
pub mod migration;
pub(crate) mod proto;
mod sender_keys;
mod session;
mod state;
#[cfg(test)]
mod tests;
mod x3dh;

pub use crate::address::{ClassicDeviceId, InvalidClassicDeviceId};
pub use bundle::{ClassicPreKeyBundle, VerifiedClassicPreKeyBundle};
pub use errors::ClassicDecryptError;
pub use message::{
    ClassicCiphertextMessage, ClassicPreKeySignalMessage, ClassicSignalMessage,
    CLASSIC_VERSION_BYTE,
};
pub use sender_keys::{
    ClassicGroupError, ClassicSenderKeyDistributionMessage, ClassicSenderKeyMessage,
    ClassicSenderKeyRecord,
};
pub use session::{
    ClassicConsumedPreKeys, ClassicPendingDecryption, ClassicPendingPreKeyDecryption,
    ClassicPreKeyDecryption, ClassicPreKeys, ClassicSessionRecord,
};

/// The session and message version of classic Signal.
pub const CLASSIC_VERSION: u8 = 3;
/// Largest allowed `counter − next index` on a receiving chain (on a new
/// chain: the counter itself), as libsignal-protocol-c.
pub const CLASSIC_MAX_FORWARD_JUMPS: u32 = 2_000;
/// Most skipped message keys kept per receiving chain (oldest dropped).
pub const CLASSIC_MAX_MESSAGE_KEYS: usize = 2_000;
/// Most receiving chains per state (oldest dropped).
pub const CLASSIC_MAX_RECEIVER_CHAINS: usize = 5;
/// Most archived states per record (oldest dropped).
pub const CLASSIC_ARCHIVED_STATES_MAX: usize = 40;
/// Chain-key steps one `SignalMessage` decryption may walk across all the
/// states it tries: one maximal jump. States whose receiving chain knows
/// the message's ratchet key are tried first, so the budget only limits the
/// speculative walks on states where the message would start a new chain.
pub const CLASSIC_WALK_BUDGET: u32 = CLASSIC_MAX_FORWARD_JUMPS;
/// The one-time pre-key ID libsignal-protocol-c and python-axolotl treat as
/// a last-resort key and never delete (`0xFFFFFF`).
pub const LAST_RESORT_PRE_KEY_ID: u32 = 0x00FF_FFFF;
