//! SPQR, the Sparse Post-Quantum Ratchet (spqr.md, spqr-internals.md).
//!
//! Building blocks: the GF(2^16) erasure code, the KDF/MAC catalogue, the
//! Braid's authenticator, the symmetric chain, ML-KEM-768 with split
//! encapsulation, and the wire format. The state machine and its interface
//! follow.

// The session layer does not call SPQR yet.
#![allow(dead_code)]

mod authenticator;
mod chain;
mod erasure;
mod error;
mod gf16;
mod kdf;
mod kem;
mod secret;
mod wire;

pub(crate) use error::SpqrError;

/// Which side of the session this state belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The initiator (sent the PreKeySignalMessage).
    A2B,
    /// The responder.
    B2A,
}
