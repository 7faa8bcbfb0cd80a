//! Result codes (`hush_result`), their static descriptions, and the
//! per-thread message of the last failed call.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::c_char;

use hush::address::InvalidDeviceId;
use hush::fingerprint::FingerprintError;
use hush::keys::{BundleError, KeyError, RecordError};

/// The outcome of a call. Every fallible function returns one.
///
/// It is a plain 32-bit number rather than a C enum so that any value a
/// caller hands back (to `hush_result_str`) is valid. Values are never
/// reused: a code that is retired stays reserved.
#[allow(non_camel_case_types)]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct hush_result(pub u32);

/// Success.
pub const HUSH_RESULT_OK: hush_result = hush_result(0);
/// A required pointer argument was NULL (or a NULL data pointer came with a
/// non-zero length).
pub const HUSH_RESULT_NULL_ARGUMENT: hush_result = hush_result(1);
/// An argument is out of range (for example a length above `PTRDIFF_MAX`).
pub const HUSH_RESULT_INVALID_ARGUMENT: hush_result = hush_result(2);
/// hush panicked. This is a bug in hush; the handles passed to the call are
/// still valid to free but their contents are unspecified.
pub const HUSH_RESULT_PANIC: hush_result = hush_result(3);
/// The random source failed: the OS could not supply randomness, or a
/// caller-supplied `hush_rng` callback returned non-zero. Nothing was
/// produced.
pub const HUSH_RESULT_RANDOM_SOURCE_FAILURE: hush_result = hush_result(4);

/// A typed key or ciphertext was empty (no type byte).
pub const HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER: hush_result = hush_result(100);
/// An EC public key's type byte is not `0x05`.
pub const HUSH_RESULT_BAD_KEY_TYPE: hush_result = hush_result(101);
/// An EC key has the wrong length (33 bytes public, 32 bytes private).
pub const HUSH_RESULT_BAD_KEY_LENGTH: hush_result = hush_result(102);
/// A KEM key or ciphertext's type byte is not `0x08` (Kyber-1024).
pub const HUSH_RESULT_BAD_KEM_KEY_TYPE: hush_result = hush_result(103);
/// A KEM key has the wrong length (1569 bytes public, 3169 bytes secret).
pub const HUSH_RESULT_BAD_KEM_KEY_LENGTH: hush_result = hush_result(104);
/// A KEM ciphertext is not 1569 bytes long.
pub const HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH: hush_result = hush_result(105);
/// X25519 agreement gave the all-zero value: the other party's public key is
/// a low-order point.
pub const HUSH_RESULT_INVALID_KEY_AGREEMENT: hush_result = hush_result(106);
/// A stored public key does not belong to the stored private key.
pub const HUSH_RESULT_KEY_PAIR_MISMATCH: hush_result = hush_result(107);
/// Serialized bytes are not valid protobuf of the expected message.
pub const HUSH_RESULT_INVALID_PROTOBUF: hush_result = hush_result(108);

/// A stored signature is not 64 bytes long.
pub const HUSH_RESULT_BAD_SIGNATURE_LENGTH: hush_result = hush_result(200);
/// A signature does not verify (for a bundle: one of its pre-key signatures;
/// drop the bundle).
pub const HUSH_RESULT_SIGNATURE_VALIDATION_FAILED: hush_result = hush_result(201);

/// A device ID is outside `1..=127`.
pub const HUSH_RESULT_INVALID_DEVICE_ID: hush_result = hush_result(300);

/// A fingerprint iteration count is outside `2..=1000000`.
pub const HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT: hush_result = hush_result(400);
/// A scannable fingerprint is malformed or incomplete.
pub const HUSH_RESULT_FINGERPRINT_PARSING: hush_result = hush_result(401);
/// A scanned fingerprint has another version than ours.
pub const HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH: hush_result = hush_result(402);
/// A scanned fingerprint is well formed but does not match ours: the
/// identity keys differ.
pub const HUSH_RESULT_FINGERPRINT_MISMATCH: hush_result = hush_result(403);

/// Every defined code with its description. Descriptions end in NUL so that
/// `hush_result_str` can hand them out as C strings.
const DESCRIPTIONS: &[(hush_result, &str)] = &[
    (HUSH_RESULT_OK, "success\0"),
    (HUSH_RESULT_NULL_ARGUMENT, "a required pointer argument was NULL\0"),
    (HUSH_RESULT_INVALID_ARGUMENT, "an argument is out of range\0"),
    (HUSH_RESULT_PANIC, "hush panicked (a bug in hush)\0"),
    (HUSH_RESULT_RANDOM_SOURCE_FAILURE, "the random source failed\0"),
    (HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER, "no key type identifier\0"),
    (HUSH_RESULT_BAD_KEY_TYPE, "bad key type\0"),
    (HUSH_RESULT_BAD_KEY_LENGTH, "bad key length\0"),
    (HUSH_RESULT_BAD_KEM_KEY_TYPE, "bad KEM key type\0"),
    (HUSH_RESULT_BAD_KEM_KEY_LENGTH, "bad KEM key length\0"),
    (HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH, "bad KEM ciphertext length\0"),
    (HUSH_RESULT_INVALID_KEY_AGREEMENT, "invalid key agreement\0"),
    (HUSH_RESULT_KEY_PAIR_MISMATCH, "public key does not match private key\0"),
    (HUSH_RESULT_INVALID_PROTOBUF, "protobuf encoding was invalid\0"),
    (HUSH_RESULT_BAD_SIGNATURE_LENGTH, "bad signature length\0"),
    (HUSH_RESULT_SIGNATURE_VALIDATION_FAILED, "signature validation failed\0"),
    (HUSH_RESULT_INVALID_DEVICE_ID, "invalid device ID\0"),
    (HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT, "invalid fingerprint iteration count\0"),
    (HUSH_RESULT_FINGERPRINT_PARSING, "fingerprint parsing error\0"),
    (HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH, "fingerprint version number mismatch\0"),
    (HUSH_RESULT_FINGERPRINT_MISMATCH, "fingerprints do not match\0"),
];

const UNKNOWN: &str = "unknown hush_result\0";

fn description(result: hush_result) -> &'static str {
    DESCRIPTIONS
        .iter()
        .find(|(code, _)| *code == result)
        .map_or(UNKNOWN, |(_, text)| text)
}

/// Describes a result code. Any value is accepted; an undefined one gives
/// "unknown hush_result".
///
/// Returns a static NUL-terminated string that is never NULL and must not be
/// freed.
#[no_mangle]
pub extern "C" fn hush_result_str(result: hush_result) -> *const c_char {
    // Looking up a constant table cannot panic.
    description(result).as_ptr().cast()
}

/// Why a call failed: a code and a message (numbers only, never secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: hush_result,
    pub(crate) message: Cow<'static, str>,
}

impl Failure {
    pub(crate) fn new(code: hush_result, message: impl Into<Cow<'static, str>>) -> Self {
        Self { code, message: message.into() }
    }

    pub(crate) fn null_argument(name: &'static str) -> Self {
        Self::new(HUSH_RESULT_NULL_ARGUMENT, format!("argument `{name}` is NULL"))
    }

    pub(crate) fn random_source() -> Self {
        Self::new(HUSH_RESULT_RANDOM_SOURCE_FAILURE, "the random source failed")
    }
}

impl From<KeyError> for Failure {
    fn from(error: KeyError) -> Self {
        let code = match error {
            KeyError::NoKeyTypeIdentifier => HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER,
            KeyError::BadKeyType(_) => HUSH_RESULT_BAD_KEY_TYPE,
            KeyError::BadKeyLength(_) => HUSH_RESULT_BAD_KEY_LENGTH,
            KeyError::BadKemKeyType(_) => HUSH_RESULT_BAD_KEM_KEY_TYPE,
            KeyError::BadKemKeyLength(_) => HUSH_RESULT_BAD_KEM_KEY_LENGTH,
            KeyError::BadKemCiphertextLength(_) => HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH,
            KeyError::InvalidKeyAgreement => HUSH_RESULT_INVALID_KEY_AGREEMENT,
            KeyError::KeyPairMismatch => HUSH_RESULT_KEY_PAIR_MISMATCH,
            KeyError::InvalidProtobufEncoding => HUSH_RESULT_INVALID_PROTOBUF,
        };
        Self::new(code, error.to_string())
    }
}

impl From<RecordError> for Failure {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::InvalidProtobufEncoding => Self::new(HUSH_RESULT_INVALID_PROTOBUF, error.to_string()),
            RecordError::Key(key) => key.into(),
            RecordError::BadSignatureLength(_) => Self::new(HUSH_RESULT_BAD_SIGNATURE_LENGTH, error.to_string()),
        }
    }
}

impl From<BundleError> for Failure {
    fn from(error: BundleError) -> Self {
        match error {
            BundleError::SignatureValidationFailed(_) => Self::new(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED, error.to_string()),
        }
    }
}

impl From<InvalidDeviceId> for Failure {
    fn from(error: InvalidDeviceId) -> Self {
        Self::new(HUSH_RESULT_INVALID_DEVICE_ID, error.to_string())
    }
}

impl From<FingerprintError> for Failure {
    fn from(error: FingerprintError) -> Self {
        let code = match error {
            FingerprintError::InvalidIterationCount(_) => HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT,
            FingerprintError::Parsing(_) => HUSH_RESULT_FINGERPRINT_PARSING,
            FingerprintError::VersionMismatch { .. } => HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH,
        };
        Self::new(code, error.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the message of the call that is finishing on this thread (empty
/// on success).
pub(crate) fn set_last_error(message: &str) {
    // `try_with` fails only while the thread is being torn down; then there
    // is nobody left to read the message.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.clear();
            last.push_str(message);
        }
    });
}

fn last_error() -> String {
    LAST_ERROR
        .try_with(|last| last.try_borrow().map(|m| m.clone()).unwrap_or_default())
        .unwrap_or_default()
}

/// Copies the message of the most recent call on this thread that returned
/// a `hush_result` into `buf`, like `snprintf`: at most `len - 1` bytes and a
/// terminating NUL are written (nothing if `buf` is NULL or `len` is 0).
///
/// The message is empty after a successful call. It carries numbers (lengths,
/// type bytes, versions) but never key material.
///
/// Returns the full length of the message, excluding the NUL; a value of
/// `len` or more means the copy was truncated.
///
/// # Safety
/// `buf`, if not NULL, must be valid for writes of `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn hush_last_error_message(buf: *mut c_char, len: usize) -> usize {
    crate::panic::run_or(0, || {
        let message = last_error();
        if !buf.is_null() && len > 0 {
            let n = message.len().min(len - 1);
            // SAFETY: the caller guarantees `buf` is valid for `len` bytes and
            // `n + 1 <= len`; `message` is a separate Rust allocation.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        message.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_a_distinct_nul_terminated_description() {
        for (i, (code, text)) in DESCRIPTIONS.iter().enumerate() {
            assert!(text.ends_with('\0') && text.len() > 1, "{code:?}");
            assert_eq!(text.find('\0'), Some(text.len() - 1), "{code:?}");
            for (other, _) in &DESCRIPTIONS[i + 1..] {
                assert_ne!(code, other, "code value reused");
            }
        }
    }

    #[test]
    fn result_str_handles_unknown_values() {
        // SAFETY: hush_result_str always returns a static NUL-terminated string.
        let text = |r| unsafe { CStr::from_ptr(hush_result_str(r)) }.to_str().unwrap().to_owned();
        assert_eq!(text(HUSH_RESULT_OK), "success");
        assert_eq!(text(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED), "signature validation failed");
        assert_eq!(text(hush_result(9999)), "unknown hush_result");
        assert_eq!(text(hush_result(u32::MAX)), "unknown hush_result");
    }

    #[test]
    fn core_errors_map_to_their_codes() {
        assert_eq!(Failure::from(KeyError::BadKeyType(7)).code, HUSH_RESULT_BAD_KEY_TYPE);
        assert_eq!(Failure::from(RecordError::Key(KeyError::KeyPairMismatch)).code, HUSH_RESULT_KEY_PAIR_MISMATCH);
        assert_eq!(Failure::from(RecordError::InvalidProtobufEncoding).code, HUSH_RESULT_INVALID_PROTOBUF);
        assert_eq!(Failure::from(RecordError::BadSignatureLength(3)).code, HUSH_RESULT_BAD_SIGNATURE_LENGTH);
        assert_eq!(Failure::from(InvalidDeviceId(0)).code, HUSH_RESULT_INVALID_DEVICE_ID);
        let mismatch = FingerprintError::VersionMismatch { theirs: 1, ours: 2 };
        assert_eq!(Failure::from(mismatch).code, HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH);
    }

    #[test]
    fn last_error_message_is_copied_like_snprintf() {
        set_last_error("bad key length <3>");
        let mut buf = [0x55 as c_char; 8];
        // SAFETY: `buf` is 8 writable bytes.
        let n = unsafe { hush_last_error_message(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, "bad key length <3>".len());
        // SAFETY: the function NUL-terminated `buf`.
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(), "bad key");
        // SAFETY: NULL with length 0 is allowed and writes nothing.
        assert_eq!(unsafe { hush_last_error_message(std::ptr::null_mut(), 0) }, n);
        set_last_error("");
        // SAFETY: as above.
        assert_eq!(unsafe { hush_last_error_message(buf.as_mut_ptr(), buf.len()) }, 0);
        assert_eq!(buf[0], 0);
    }
}
