//! # hush
//!
//! The Signal protocol as pure state transitions, wire compatible with
//! libsignal: XEdDSA identity keys, EC and Kyber-1024 pre-keys, pre-key
//! bundles, safety numbers, 1:1 sessions (PQXDH, the Double Ratchet and the
//! SPQR post-quantum ratchet, in [`session`]), group messaging with sender
//! keys ([`groups`]) and sealed sender v1/v2 ([`sealed_sender`]). Classic
//! Signal (message version 3: X3DH without Kyber, no SPQR), for OMEMO 0.3
//! and WhatsApp-protocol clients, is a separate, explicit API in
//! [`classic`]. See the README's status table.
//!
//! hush does no I/O: it never reads clocks, files, the network or global
//! state. Randomness comes in as a [`rand_core::CryptoRng`], time as a
//! [`keys::Timestamp`], stored state as bytes.
//!
//! ## Example: publish pre-keys, check a bundle, compare safety numbers
//!
//! ```
//! use hush::address::DeviceId;
//! use hush::fingerprint::{Fingerprint, FingerprintParty};
//! use hush::keys::*;
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(7); // use an OS-seeded RNG in production
//!
//! // Bob makes an identity and the pre-keys he uploads to the server.
//! let bob = IdentityKeyPair::generate(&mut rng);
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob, &mut rng);
//! let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob, &mut rng);
//! let one_time = PreKeyRecord::generate(PreKeyId(1), &mut rng);
//!
//! // Alice fetches his bundle and checks both pre-key signatures.
//! let bundle = PreKeyBundle {
//!     registration_id: 42,
//!     device_id: DeviceId::new(1)?,
//!     pre_key: Some((one_time.id(), *one_time.public_key())),
//!     signed_pre_key_id: signed.id(),
//!     signed_pre_key_public: *signed.public_key(),
//!     signed_pre_key_signature: signed.signature().to_vec(),
//!     kyber_pre_key_id: kyber.id(),
//!     kyber_pre_key_public: kyber.public_key().clone(),
//!     kyber_pre_key_signature: kyber.signature().to_vec(),
//!     identity_key: *bob.identity_key(),
//! };
//! let verified = bundle.verify()?;
//!
//! // Both compute the same safety number.
//! let alice = IdentityKeyPair::generate(&mut rng);
//! let a = FingerprintParty { identifier: b"alice", identity_key: alice.identity_key() };
//! let b = FingerprintParty { identifier: b"bob", identity_key: &verified.bundle().identity_key };
//! let seen_by_alice = Fingerprint::new(2, 5200, a, b)?;
//! let seen_by_bob = Fingerprint::new(2, 5200, b, a)?;
//! assert_eq!(seen_by_alice.display_string(), seen_by_bob.display_string());
//! assert!(seen_by_alice.scannable().compare(&seen_by_bob.scannable().serialize())?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The [`manual`] covers what an integrator decides: storing state in one
//! transaction with each result, trust decisions, the pre-key and sender-key
//! lifecycles, multi-device addressing, and hush's deliberate differences
//! from libsignal.
//!
//! ## Secrets
//! Private keys live in boxed arrays that zeroize on drop, never appear in
//! `Debug` output, and serialize into `Zeroizing` buffers. MACs and keys are
//! compared in constant time.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(unreachable_pub)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod address;
pub mod classic;
pub mod fingerprint;
pub mod groups;
mod handshake;
pub mod keys;
pub mod libsignal_records;
#[doc = include_str!("../docs/manual.md")]
pub mod manual {}
pub mod messages;
pub mod primitives;
mod proto;
mod protowire;
pub mod ratchet;
pub mod sealed_sender;
pub mod session;
mod skipped_keys;
mod spqr;
#[doc(hidden)]
pub use spqr::fuzzing as spqr_fuzzing;
pub mod state;

pub use rand_core;
