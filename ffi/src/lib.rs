//! # hush-ffi: the C ABI of hush
//!
//! The header is `include/hush.h`, generated from this crate by cbindgen
//! (pinned; `tests/header.rs` keeps it current). The C library is installed
//! with cargo-c (`cargo cinstall -p hush-ffi --release --prefix=/usr`):
//! `libhush.so` with the SONAME `libhush.so.0.MINOR` (a new one for every
//! minor release before 1.0), `libhush.a`, `hush.pc` and `<hush.h>`; C code
//! builds with `pkg-config --cflags --libs hush`. This crate's Rust library
//! is named `hush_ffi` so that it does not collide with the core crate.
//! `ffi/tests/run-c-tests.sh` builds and runs the C test
//! programs under ASan/UBSan, against the shared library and under Valgrind;
//! `ffi/tests/c/test_session.c` doubles as an example of a whole
//! conversation driven from C.
//!
//! Conventions (modelled on rustls-ffi):
//! - Every fallible function returns a `hush_result`; `HUSH_RESULT_OK` is 0.
//!   `hush_result_str` describes a code, `hush_last_error_message` gives the
//!   detail of the last call on this thread.
//! - Inputs come first, as handles or `const uint8_t *ptr, size_t len`
//!   (NULL with length 0 is the empty string). Outputs come last and are
//!   written only on success.
//! - Handles are opaque and owned by the caller once returned; each type has
//!   one `_free`, and `_free(NULL)` does nothing. A `const` handle argument
//!   is not modified.
//! - Library-owned bytes come back in a `hush_buffer`, freed (and zeroized)
//!   with `hush_buffer_free`.
//! - Randomness comes from a `hush_rng *` argument: NULL means the operating
//!   system's generator, or make one from a callback with `hush_rng_new`.
//! - No panic crosses the boundary: it becomes `HUSH_RESULT_PANIC`.
//! - A handle is not synchronized; different handles are independent.
//!
//! Sessions ([`session`]): a `hush_session_record` per peer device holds the
//! session state. `hush_session_initiate` starts one from a
//! `hush_prekey_bundle`; `hush_session_encrypt` returns the message and its
//! type; `hush_session_decrypt` dispatches on the type (2 or 3;
//! `hush_message_detect_type` finds it when the transport does not carry
//! it). A PreKey message that starts a session takes two steps:
//! `hush_prekey_message_deserialize` to read the sender's identity and the
//! pre-key IDs it names, then `hush_session_decrypt_prekey` with those
//! pre-keys, which reports what was consumed. There are no store callbacks;
//! every operation changes the record only when it succeeds, so the
//! application persists `hush_session_record_serialize` together with the
//! operation's output.
//!
//! **Trust.** One rule holds for every function that decrypts a 1:1 message
//! (`hush_session_decrypt`, `hush_session_decrypt_prekey`,
//! `hush_verified_content_decrypt`): it takes `const hush_public_key
//! *trusted_identity`, the identity key the caller trusts for the sender (as
//! libsignal's identity store would answer). The call decrypts and
//! authenticates on the side, then compares the authenticated sender
//! identity with it *before* anything is committed: the remote identity of
//! the state that decrypted (for a PreKey message that resumes a session,
//! that state's peer, which the message must repeat, else
//! `HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY`; for one that starts a session,
//! the identity it carries, bound by the key agreement). On a mismatch it
//! returns `HUSH_RESULT_UNTRUSTED_IDENTITY`: the record is unchanged, no
//! output is written, no pre-key is consumed, and the message can be
//! decrypted again once the new identity is accepted. NULL accepts any
//! identity (first contact, when no identity is stored for the sender).
//! Sealed sender adds a check that is always on: the state that decrypts
//! must belong to the sender certificate's identity key
//! (`HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH`). A replayed first
//! message on a last-resort Kyber pre-key is the caller's to refuse before
//! calling: if `hush_session_has_session_for` is false, the message would
//! consume its (Kyber ID, signed ID, base key), all readable from the
//! `hush_prekey_message`.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]

pub mod address;
mod args;
pub mod buffer;
pub mod bundle;
pub mod classic;
pub mod classic_groups;
pub mod error;
pub mod fingerprint;
pub mod groups;
pub mod kem;
pub mod keys;
pub mod libsignal_records;
pub mod messages;
mod panic;
pub mod prekeys;
pub mod retry;
pub mod rng;
pub mod sealed_sender;
pub mod session;

use std::ffi::c_char;

/// Returns this library's version, `MAJOR.MINOR.PATCH`, as a static
/// NUL-terminated string equal to `HUSH_VERSION_STRING` of the header it was
/// built with. Never NULL; do not free.
#[no_mangle]
pub extern "C" fn hush_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    #[test]
    fn version_matches_cargo() {
        // SAFETY: hush_version returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(super::hush_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
