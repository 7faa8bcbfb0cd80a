//! SPQR, the Sparse Post-Quantum Ratchet (spqr.md, spqr-internals.md):
//! the ML-KEM Braid, its symmetric chain, and version negotiation, wire
//! compatible with Signal's SPQR v1.5.3 as used by libsignal.
//!
//! # Interface (used by the session layer, `src/ratchet/pq.rs`)
//!
//! ```text
//! enum Direction { A2B, B2A }                // initiator = A2B, responder = B2A
//! enum Version { V0, V1 }
//! struct Params { auth_key: [u8; 32], direction, version, min_version, max_jump: u32, max_ooo_keys: u32 }
//!
//! SpqrState::initial(&Params) -> SpqrState
//! SpqrState::empty() -> SpqrState               // V0: "no SPQR"
//! SpqrState::is_empty(&self) -> bool
//! SpqrState::send(&self, &mut rng) -> Result<SpqrSend, SpqrError>     // SpqrSend { message, key, update }
//! SpqrState::recv(&self, &[u8]) -> Result<SpqrRecv, SpqrError>        // SpqrRecv { key, update }
//! SpqrState::apply(&mut self, SpqrUpdate)
//! SpqrState::serialize(&self) -> Vec<u8>         // PqRatchetState protobuf; empty for V0
//! SpqrState::deserialize(&[u8]) -> Result<SpqrState, SpqrError>
//! ```
//!
//! `send` and `recv` never change the state. They return the message bytes
//! (for `SignalMessage.pq_ratchet`, field 5; empty means "omit the field"),
//! the optional 32-byte key (the HKDF salt of that message's keys), and an
//! [`SpqrUpdate`]. The caller applies the update only once the whole message
//! has succeeded (for a receive: after the Double Ratchet MAC verified and
//! the body decrypted); dropping it discards the step. An update must be
//! applied to the state that produced it, before any other update; one that
//! no longer fits (checked by epoch, phase and counters) is ignored.
//!
//! Updates carry only what changes: the next chunk counter of an encoder, one
//! received chunk, a new chain key and counter, the skipped keys a forward
//! jump stores (at most `max_ooo_keys`), the index of a late key used up, or
//! the new data of a Braid transition (a fresh key pair, a decoded blob).
//! Secrets in states and updates are zeroized on drop. The returned key is a
//! plain array; the caller owns (and should zeroize) it.
//!
//! Randomness comes only from the `rng` argument: 64 bytes in one call when a
//! new ML-KEM key pair is sampled, 32 bytes in one call when encapsulating,
//! nothing otherwise.
//!
//! # Errors
//! [`SpqrError::StateDecode`] (from `deserialize`) and
//! [`SpqrError::CorruptState`] mean the stored state is unusable; every other
//! error rejects the message (libsignal: "invalid message"), and the caller
//! keeps its state.
//!
//! # Limits
//! Every count, length, index and epoch from the wire or from a stored state
//! is bounded: chunk indices ≤ 65535, key indices fit u32 and may jump at most
//! `max_jump` ahead (25 000 by default, u32::MAX for note-to-self sessions;
//! a receive may also be given a smaller walk limit, which the session layer
//! uses to bound the work one message can cause), at most `max_ooo_keys` (2 000) skipped keys are kept per chain epoch and
//! direction, and messages of epochs the state cannot reach are errors.

mod authenticator;
mod braid;
mod chain;
mod erasure;
mod error;
pub mod fuzzing;
mod gf16;
mod kdf;
mod kem;
mod negotiation;
mod secret;
mod state_codec;
mod wire;

#[cfg(test)]
mod conversation_tests;

use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use braid::{Braid, BraidUpdate};
use chain::{Chain, ChainParams, ChainUpdate};
pub(crate) use error::SpqrError;
use negotiation::Negotiation;
use secret::Secret;

/// Which side of the session this state belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The initiator (sent the PreKeySignalMessage).
    A2B,
    /// The responder.
    B2A,
}

/// SPQR protocol versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    /// SPQR off: empty state, empty messages, no keys.
    V0,
    /// The ML-KEM Braid.
    V1,
}

/// Parameters of a new SPQR state (spqr.md §4, §7.2).
pub(crate) struct Params {
    /// The PQXDH `spqr_auth_key`.
    pub(crate) auth_key: [u8; 32],
    /// A2B for the initiator, B2A for the responder.
    pub(crate) direction: Direction,
    /// The version this side starts with (V1; V0 yields the empty state).
    pub(crate) version: Version,
    /// The lowest version accepted from the peer (V1 since libsignal 0.92).
    pub(crate) min_version: Version,
    /// Forward-jump limit per chain epoch and direction (0 = 25 000;
    /// u32::MAX for note-to-self sessions).
    pub(crate) max_jump: u32,
    /// Out-of-order keys kept behind the newest (0 = 2 000).
    pub(crate) max_ooo_keys: u32,
}

impl Drop for Params {
    fn drop(&mut self) {
        self.auth_key.zeroize();
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("direction", &self.direction)
            .field("version", &self.version)
            .field("min_version", &self.min_version)
            .field("max_jump", &self.max_jump)
            .field("max_ooo_keys", &self.max_ooo_keys)
            .finish_non_exhaustive()
    }
}

/// An SPQR state. The empty state is V0 ("no SPQR").
#[derive(Clone)]
pub(crate) struct SpqrState(Option<Box<Active>>);

/// A V1 state: negotiation record (until the first V1 receive), chain (once
/// created), and the Braid.
#[derive(Clone)]
struct Active {
    negotiation: Option<Negotiation>,
    chain: Option<Chain>,
    braid: Braid,
}

/// The result of [`SpqrState::send`].
pub(crate) struct SpqrSend {
    /// Bytes for `SignalMessage.pq_ratchet` (empty: omit the field).
    pub(crate) message: Vec<u8>,
    /// The message-key salt, if any.
    pub(crate) key: Option<Zeroizing<[u8; 32]>>,
    /// What to apply once the message is committed.
    pub(crate) update: SpqrUpdate,
}

/// The result of [`SpqrState::recv`].
pub(crate) struct SpqrRecv {
    /// The message-key salt, if any.
    pub(crate) key: Option<Zeroizing<[u8; 32]>>,
    /// Steps the receiving chain walked forward to find the key.
    pub(crate) walked: u32,
    /// What to apply once the message has decrypted.
    pub(crate) update: SpqrUpdate,
}

/// The change one message makes to an [`SpqrState`] (see the module docs).
pub(crate) struct SpqrUpdate(UpdateKind);

enum UpdateKind {
    /// Nothing changes.
    Unchanged,
    /// Negotiated down to V0: the state becomes empty for good.
    Downgrade,
    /// A V1 step.
    Active(Box<ActiveUpdate>),
}

struct ActiveUpdate {
    /// Drop the negotiation record (after a successful V1 receive).
    end_negotiation: bool,
    /// The chain created from the negotiation record by this step.
    new_chain: Option<Chain>,
    /// The step's change to the chain (the new one, if created).
    chain: Option<ChainUpdate>,
    braid: BraidUpdate,
}

impl fmt::Debug for SpqrSend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpqrSend")
            .field("message_len", &self.message.len())
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("update", &self.update)
            .finish()
    }
}

impl fmt::Debug for SpqrRecv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpqrRecv")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("update", &self.update)
            .finish()
    }
}

impl fmt::Debug for SpqrUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            UpdateKind::Unchanged => f.write_str("SpqrUpdate::Unchanged"),
            UpdateKind::Downgrade => f.write_str("SpqrUpdate::Downgrade"),
            UpdateKind::Active(u) => f
                .debug_struct("SpqrUpdate")
                .field("end_negotiation", &u.end_negotiation)
                .field("new_chain", &u.new_chain.is_some())
                .field("chain", &u.chain)
                .field("braid", &u.braid)
                .finish(),
        }
    }
}

impl SpqrState {
    /// A new state (spqr.md §4): empty for version V0; otherwise the
    /// negotiation record, no chain yet, and the Braid in epoch 1
    /// (KeysUnsampled for A2B, NoHeaderReceived for B2A).
    pub(crate) fn initial(params: &Params) -> Self {
        if params.version == Version::V0 {
            return Self::empty();
        }
        let negotiation = Negotiation {
            auth_key: Secret::from_slice(&params.auth_key).unwrap_or_else(Secret::zero),
            direction: params.direction,
            min_version: params.min_version,
            params: ChainParams::new(params.max_jump, params.max_ooo_keys),
        };
        let braid = Braid::initial(params.direction, &params.auth_key);
        Self(Some(Box::new(Active {
            negotiation: Some(negotiation),
            chain: None,
            braid,
        })))
    }

    /// The empty (V0) state.
    pub(crate) fn empty() -> Self {
        Self(None)
    }

    /// Whether this is the empty (V0) state.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Computes the next outgoing SPQR message; does not change the state.
    ///
    /// # Errors
    /// Only with a corrupt or exhausted state ([`SpqrError::CorruptState`],
    /// [`SpqrError::ChainNotAvailable`], [`SpqrError::SendKeyEpochDecreased`]).
    pub(crate) fn send<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Result<SpqrSend, SpqrError> {
        negotiation::send(self.0.as_deref(), rng)
    }

    /// Processes an incoming SPQR message (`pq_ratchet`, empty if absent);
    /// does not change the state.
    ///
    /// # Errors
    /// Any [`SpqrError`] except `StateDecode`: the message must be rejected.
    pub(crate) fn recv(&self, message: &[u8]) -> Result<SpqrRecv, SpqrError> {
        self.recv_limited(message, u32::MAX)
    }

    /// [`SpqrState::recv`], walking the receiving chain at most `max_walk`
    /// steps forward (besides the session's own `max_jump`).
    ///
    /// # Errors
    /// As [`SpqrState::recv`], and [`SpqrError::WalkLimit`].
    pub(crate) fn recv_limited(
        &self,
        message: &[u8],
        max_walk: u32,
    ) -> Result<SpqrRecv, SpqrError> {
        negotiation::recv(self.0.as_deref(), message, max_walk)
    }

    /// Commits an update returned by [`SpqrState::send`] or
    /// [`SpqrState::recv`] on this state. An update that does not fit the
    /// state (already applied, or planned on another state) changes nothing.
    pub(crate) fn apply(&mut self, update: SpqrUpdate) {
        match update.0 {
            UpdateKind::Unchanged => {}
            UpdateKind::Downgrade => {
                if self.0.as_ref().is_some_and(|a| a.negotiation.is_some()) {
                    self.0 = None;
                }
            }
            UpdateKind::Active(update) => {
                if let Some(active) = self.0.as_deref_mut() {
                    active.apply(*update);
                }
            }
        }
    }

    /// The stored form: the `PqRatchetState` protobuf of spqr-internals §9,
    /// or nothing for the empty state. The bytes contain the state's secrets.
    pub(crate) fn serialize(&self) -> Vec<u8> {
        state_codec::serialize(self)
    }

    /// Writes the stored form's fields into `w` (nothing for the empty
    /// state): what [`SpqrState::serialize`] returns, without a buffer of
    /// its own.
    pub(crate) fn write_to(&self, w: &mut crate::protowire::Writer) {
        state_codec::write(self, w);
    }

    /// The stored form as the `prost` layout writes it (the reference the
    /// hand-written codec is checked against).
    #[cfg(test)]
    pub(crate) fn serialize_with_prost(&self) -> Vec<u8> {
        state_codec::prost_reference::serialize(self)
    }

    /// Roughly the size of the stored form, to size buffers.
    pub(crate) fn size_hint(&self) -> usize {
        state_codec::size_hint(self)
    }

    /// The largest chain limits `(max_jump, max_ooo_keys)` the state holds
    /// (chain and negotiation record); `None` for the empty state.
    pub(crate) fn limits(&self) -> Option<(u32, u32)> {
        state_codec::limits(self)
    }

    /// Reads a stored state; empty bytes are the empty state.
    ///
    /// # Errors
    /// [`SpqrError::StateDecode`] for bytes that are not a valid state
    /// (spqr-internals §9.4, plus range checks on lengths, counters and
    /// stored keys).
    pub(crate) fn deserialize(bytes: &[u8]) -> Result<Self, SpqrError> {
        state_codec::deserialize(bytes)
    }
}

impl Active {
    fn apply(&mut self, update: ActiveUpdate) {
        let ActiveUpdate {
            end_negotiation,
            new_chain,
            chain,
            braid,
        } = update;
        // Check every part before changing anything.
        let chain_fits = match (&new_chain, &self.chain, &chain) {
            (Some(_), Some(_), _) => false,
            (Some(created), None, Some(u)) => u.fits(created),
            (None, Some(existing), Some(u)) => u.fits(existing),
            (None, None, Some(_)) => false,
            (_, _, None) => true,
        };
        if !chain_fits || !braid.fits(&self.braid) {
            return;
        }
        if let Some(created) = new_chain {
            self.chain = Some(created);
        }
        if let (Some(existing), Some(u)) = (self.chain.as_mut(), chain) {
            existing.apply(u);
        }
        self.braid.apply(braid);
        if end_negotiation {
            self.negotiation = None;
        }
    }
}

impl fmt::Debug for SpqrState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("SpqrState(V0)"),
            Some(active) => f
                .debug_struct("SpqrState")
                .field("negotiation", &active.negotiation)
                .field("chain", &active.chain)
                .field("braid", &active.braid)
                .finish(),
        }
    }
}
