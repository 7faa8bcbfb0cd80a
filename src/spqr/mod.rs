//! SPQR, the Sparse Post-Quantum Ratchet (spqr.md, spqr-internals.md).
//!
//! Building blocks: the GF(2^16) erasure code, the KDF/MAC catalogue and the
//! Braid's authenticator. The state machine and its interface follow.

// The session layer does not call SPQR yet.
#![allow(dead_code)]

mod authenticator;
mod erasure;
mod error;
mod gf16;
mod kdf;
mod secret;

