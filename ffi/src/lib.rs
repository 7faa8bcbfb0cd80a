//! # hush-ffi: the C ABI of hush
//!
//! The header is `include/hush.h`, generated from this crate by cbindgen
//! (pinned; `tests/header.rs` keeps it current). Link `libhush.a` or
//! `libhush.so`. `ffi/tests/run-c-tests.sh` builds and runs the C test
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
//! it) and, given the identity key the caller trusts for the sender,
//! refuses a message from any other identity with the record unchanged
//! (`HUSH_RESULT_UNTRUSTED_IDENTITY`). A PreKey message that starts a session takes two steps:
//! `hush_prekey_message_deserialize` to read the sender's identity and the
//! pre-key IDs it names, then `hush_session_decrypt_prekey` with those
//! pre-keys, which reports what was consumed. There are no store callbacks;
//! every operation changes the record only when it succeeds, so the
//! application persists `hush_session_record_serialize` together with the
//! operation's output.

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
pub mod messages;
mod panic;
pub mod prekeys;
pub mod rng;
pub mod sealed_sender;
pub mod session;

use std::ffi::c_char;

/// This library's version, `MAJOR.MINOR.PATCH`, as a static NUL-terminated
/// string equal to `HUSH_VERSION_STRING` of the header it was built with.
/// Never NULL; do not free.
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
