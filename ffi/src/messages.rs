//! 1:1 wire messages: their type numbers (`hush_message_type`), telling the
//! types apart, and parsed PreKey messages (`hush_prekey_message`), whose
//! fields a recipient reads before deciding which pre-keys to supply.

use hush::messages::{CiphertextMessageType, MessageError, PreKeySignalMessage, SignalMessage};

use crate::args::{borrow, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{hush_result, Failure};
use crate::keys::hush_public_key;
use crate::panic::ffi_boundary;

/// The type of a 1:1 message, as the transport carries it next to the bytes
/// (`HUSH_MESSAGE_TYPE_WHISPER` or `HUSH_MESSAGE_TYPE_PREKEY`). A plain
/// 32-bit number, like `hush_result`, so any value a caller passes is
/// representable; functions reject the ones they do not handle.
#[allow(non_camel_case_types)]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct hush_message_type(pub u32);

/// A `SignalMessage`: an ordinary message of an established session
/// (libsignal's "whisper" type, 2).
pub const HUSH_MESSAGE_TYPE_WHISPER: hush_message_type = hush_message_type(2);
/// A `PreKeySignalMessage`: a message of a session the recipient may not
/// have yet, carrying what it needs to create it (type 3).
pub const HUSH_MESSAGE_TYPE_PREKEY: hush_message_type = hush_message_type(3);

impl From<CiphertextMessageType> for hush_message_type {
    fn from(value: CiphertextMessageType) -> Self {
        Self(u32::from(value as u8))
    }
}

/// A parsed `PreKeySignalMessage`. Read the sender's identity key and the
/// pre-key IDs it names, then pass it to `hush_session_decrypt_prekey`.
/// Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_prekey_message(pub(crate) PreKeySignalMessage);

/// Tells the two 1:1 message types apart from the bytes alone, for a
/// transport that does not carry the type: writes `HUSH_MESSAGE_TYPE_PREKEY`
/// if `data` parses as a PreKey message, else `HUSH_MESSAGE_TYPE_WHISPER` if
/// it parses as a `SignalMessage`. A well-formed message of one type never
/// parses as the other (their first protobuf fields have different wire
/// types), so the answer is exact; pass it to `hush_session_decrypt`, or
/// for a PreKey message go on with `hush_prekey_message_deserialize`.
/// Nothing is decrypted or authenticated here.
///
/// Returns `HUSH_RESULT_OK`; when `data` is neither, the `SignalMessage`
/// parse error: `HUSH_RESULT_MESSAGE_TOO_SHORT`,
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`, `HUSH_RESULT_INVALID_PROTOBUF`
/// or an EC key error (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`,
/// `HUSH_RESULT_BAD_KEY_TYPE`, `HUSH_RESULT_BAD_KEY_LENGTH`);
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a
/// `hush_message_type` write.
#[no_mangle]
pub unsafe extern "C" fn hush_message_detect_type(
    data: *const u8,
    len: usize,
    out: *mut hush_message_type,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let detected = detect_type(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, detected) }
    })
}

fn detect_type(data: &[u8]) -> Result<hush_message_type, MessageError> {
    if PreKeySignalMessage::deserialize(data).is_ok() {
        return Ok(HUSH_MESSAGE_TYPE_PREKEY);
    }
    SignalMessage::deserialize(data).map(|_| HUSH_MESSAGE_TYPE_WHISPER)
}

/// Parses a PreKey message (type 3). Structure only: nothing is decrypted or
/// authenticated until `hush_session_decrypt_prekey`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_TOO_SHORT` (empty, or an inner message too short);
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`;
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`; `HUSH_RESULT_INVALID_PROTOBUF`
/// (including a missing required field); `HUSH_RESULT_MESSAGE_KYBER_MISSING`;
/// `HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT`; an EC key error
/// (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`,
/// `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_NULL_ARGUMENT` if `out` is
/// NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_prekey_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let message = PreKeySignalMessage::deserialize(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_message(message)) }
    })
}

/// Writes the message as it was on the wire to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_serialize(
    message: *const hush_prekey_message,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, message.0.serialized()) }
    })
}

/// Writes the session version (3 for X3DH, 4 for PQXDH) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_version(
    message: *const hush_prekey_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, u32::from(message.0.message_version())) }
    })
}

/// Copies out the sender's identity key. Decide whether to trust it before
/// calling `hush_session_decrypt_prekey`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_identity_key(
    message: *const hush_prekey_message,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*message.0.identity_key().public_key())) }
    })
}

/// Copies out the sender's base key (it identifies the session the message
/// belongs to).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_base_key(
    message: *const hush_prekey_message,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*message.0.base_key())) }
    })
}

/// Writes the sender's registration ID (0 when the message has none) to
/// `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_registration_id(
    message: *const hush_prekey_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.registration_id()) }
    })
}

/// Writes whether the message names a one-time pre-key to `*out_has` and its
/// ID (0 when there is none) to `*out_id`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if any argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out_has` and `out_id` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_pre_key_id(
    message: *const hush_prekey_message,
    out_has: *mut bool,
    out_id: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out_has, out_id => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        let id = message.0.pre_key_id();
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_value(out_has, id.is_some())?;
            write_value(out_id, id.map_or(0, |id| id.0))
        }
    })
}

/// Writes the ID of the signed pre-key the message names to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_signed_pre_key_id(
    message: *const hush_prekey_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.signed_pre_key_id().0) }
    })
}

/// Writes whether the message names a Kyber pre-key to `*out_has` (always
/// true for version 4; false only for an X3DH message, which cannot start a
/// session any more) and its ID (0 when there is none) to `*out_id`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if any argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out_has` and `out_id` are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_get_kyber_pre_key_id(
    message: *const hush_prekey_message,
    out_has: *mut bool,
    out_id: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out_has, out_id => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        let id = message.0.kyber_pre_key_id();
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_value(out_has, id.is_some())?;
            write_value(out_id, id.map_or(0, |id| id.0))
        }
    })
}

/// Frees a PreKey message. NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_message_free(message: *mut hush_prekey_message) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::error::{
        HUSH_RESULT_INVALID_PROTOBUF, HUSH_RESULT_MESSAGE_LEGACY_VERSION,
        HUSH_RESULT_MESSAGE_TOO_SHORT, HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION,
        HUSH_RESULT_NULL_ARGUMENT,
    };

    fn parse(data: &[u8]) -> hush_result {
        let sentinel = std::ptr::dangling_mut::<hush_prekey_message>();
        let mut out = sentinel;
        // SAFETY: `data` is a live slice; `out` is writable.
        let rc = unsafe { hush_prekey_message_deserialize(data.as_ptr(), data.len(), &mut out) };
        assert_eq!(out, sentinel, "output written on failure");
        rc
    }

    fn detect(data: &[u8]) -> hush_result {
        let mut out = hush_message_type(99);
        // SAFETY: `data` is a live slice; `out` is writable.
        let rc = unsafe { hush_message_detect_type(data.as_ptr(), data.len(), &mut out) };
        assert_eq!(out, hush_message_type(99), "output written on failure");
        rc
    }

    #[test]
    fn malformed_prekey_messages_map_to_message_codes() {
        assert_eq!(parse(b""), HUSH_RESULT_MESSAGE_TOO_SHORT);
        assert_eq!(parse(&[0x22, 0x00]), HUSH_RESULT_MESSAGE_LEGACY_VERSION);
        assert_eq!(
            parse(&[0x54, 0x00]),
            HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION
        );
        assert_eq!(parse(&[0x44, 0xff, 0xff]), HUSH_RESULT_INVALID_PROTOBUF);
        assert_eq!(
            parse(&[0x44]),
            HUSH_RESULT_INVALID_PROTOBUF,
            "required fields missing"
        );
    }

    #[test]
    fn detection_reports_the_signal_message_error() {
        assert_eq!(detect(b"short"), HUSH_RESULT_MESSAGE_TOO_SHORT);
        assert_eq!(detect(&[0x24; 20]), HUSH_RESULT_MESSAGE_LEGACY_VERSION);
        assert_eq!(detect(&[0x44; 20]), HUSH_RESULT_INVALID_PROTOBUF);
        // SAFETY: NULL with a length is rejected before reading.
        unsafe {
            assert_eq!(
                hush_message_detect_type(null(), 4, &mut hush_message_type(0)),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_message_detect_type(b"x".as_ptr(), 1, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
        }
    }

    #[test]
    fn getters_reject_null() {
        let mut has = false;
        let mut id = 7u32;
        // SAFETY: NULL handles are rejected before use.
        unsafe {
            assert_eq!(
                hush_prekey_message_get_pre_key_id(null(), &mut has, &mut id),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_prekey_message_get_kyber_pre_key_id(null(), &mut has, &mut id),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_prekey_message_get_signed_pre_key_id(null(), &mut id),
                HUSH_RESULT_NULL_ARGUMENT
            );
            hush_prekey_message_free(null_mut());
        }
        assert_eq!((has, id), (false, 7));
    }

    #[test]
    fn message_type_numbers_match_the_core() {
        assert_eq!(
            hush_message_type::from(CiphertextMessageType::Whisper),
            HUSH_MESSAGE_TYPE_WHISPER
        );
        assert_eq!(
            hush_message_type::from(CiphertextMessageType::PreKey),
            HUSH_MESSAGE_TYPE_PREKEY
        );
    }
}
