//! Retry receipts: `hush_decryption_error_message` (a receiver's "I could
//! not decrypt your message") and `hush_plaintext_content` (the unencrypted
//! type-8 message that carries it), plus the sender's check
//! `hush_session_record_current_ratchet_key_matches`.
//!
//! Receiver: `hush_decryption_error_message_for_original` on the message
//! that failed, `hush_plaintext_content_from_decryption_error`, send
//! `hush_plaintext_content_serialize` as type `HUSH_MESSAGE_TYPE_PLAINTEXT`.
//! Sender: `hush_plaintext_content_deserialize`,
//! `hush_decryption_error_message_from_plaintext_content` (or, from the body,
//! `hush_decryption_error_message_from_content_body`), then if the record's
//! current ratchet key matches, archive the state and start a new session.

use hush::messages::{
    CiphertextMessageType, DecryptionErrorMessage, PlaintextContent, RetryReceiptError,
};

use crate::args::{borrow, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{
    hush_result, Failure, HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE,
    HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED,
};
use crate::keys::hush_public_key;
use crate::messages::hush_message_type;
use crate::panic::ffi_boundary;
use crate::session::hush_session_record;

/// A `PlaintextContent` (type 8): unencrypted content, here a retry receipt.
pub const HUSH_MESSAGE_TYPE_PLAINTEXT: hush_message_type = hush_message_type(8);

impl From<RetryReceiptError> for Failure {
    fn from(error: RetryReceiptError) -> Self {
        let code = match &error {
            RetryReceiptError::CiphertextMessageTooShort(_) => {
                crate::error::HUSH_RESULT_MESSAGE_TOO_SHORT
            }
            RetryReceiptError::UnrecognizedMessageVersion(_) => {
                crate::error::HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION
            }
            RetryReceiptError::InvalidProtobufEncoding => {
                crate::error::HUSH_RESULT_INVALID_PROTOBUF
            }
            RetryReceiptError::Key(key) => return (*key).into(),
            RetryReceiptError::OriginalMessage(message) => return message.clone().into(),
            RetryReceiptError::PlaintextNotEncrypted => HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED,
            RetryReceiptError::NoDecryptionErrorMessage => HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE,
        };
        Self::new(code, error.to_string())
    }
}

/// A retry receipt: the ratchet key of the message that failed (none for
/// group messages), its timestamp and its sender's device. Public data
/// only. Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_decryption_error_message(pub(crate) DecryptionErrorMessage);

/// A type-8 message (`0xC0 || Content || 0x80`). Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_plaintext_content(pub(crate) PlaintextContent);

/// Makes the retry receipt for a message that could not be decrypted:
/// `original` is its bytes, `original_type` the type it arrived with
/// (`HUSH_MESSAGE_TYPE_WHISPER`, `HUSH_MESSAGE_TYPE_PREKEY` or
/// `HUSH_MESSAGE_TYPE_SENDER_KEY`), `timestamp_ms` its timestamp and
/// `original_sender_device_id` the device that sent it. Types 2 and 3 are
/// parsed for their ratchet key; type 7 is not parsed.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; for a type 2
/// or 3 message that does not parse, its parse error
/// (`HUSH_RESULT_MESSAGE_TOO_SHORT`, `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`, `HUSH_RESULT_INVALID_PROTOBUF`,
/// `HUSH_RESULT_MESSAGE_KYBER_MISSING`,
/// `HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT` or an EC key error);
/// `HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED` for type 8;
/// `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` for any other type;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `original` is NULL with
/// `original_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `original` is valid for `original_len` bytes; `out` is valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_for_original(
    original: *const u8,
    original_len: usize,
    original_type: hush_message_type,
    timestamp_ms: u64,
    original_sender_device_id: u32,
    out: *mut *mut hush_decryption_error_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `original` is valid for `original_len` bytes by contract.
        let original = unsafe { bytes(original, original_len, "original") }?;
        let kind = u8::try_from(original_type.0)
            .ok()
            .and_then(CiphertextMessageType::from_u8)
            .ok_or_else(|| {
                Failure::new(
                    crate::error::HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
                    format!("unknown message type {}", original_type.0),
                )
            })?;
        let message = DecryptionErrorMessage::for_original(
            original,
            kind,
            timestamp_ms,
            original_sender_device_id,
        )
        .map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_decryption_error_message(message)) }
    })
}

/// Parses a serialized `DecryptionErrorMessage`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF` (including a missing timestamp); an EC
/// key error for a malformed ratchet key (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`,
/// `HUSH_RESULT_BAD_KEY_TYPE`, `HUSH_RESULT_BAD_KEY_LENGTH`);
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_decryption_error_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let message = DecryptionErrorMessage::deserialize(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_decryption_error_message(message)) }
    })
}

/// Reads the receipt out of a type-8 body (a serialized `Content` and the
/// `0x80` boundary byte, as `hush_plaintext_content_get_body` gives it).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF` (no boundary byte, or the `Content` or
/// the receipt does not decode); `HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE`;
/// an EC key error for a malformed ratchet key; `HUSH_RESULT_NULL_ARGUMENT`
/// if `out` is NULL, or `body` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `body` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_from_content_body(
    body: *const u8,
    len: usize,
    out: *mut *mut hush_decryption_error_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `body` is valid for `len` bytes by contract.
        let body = unsafe { bytes(body, len, "body") }?;
        let message = DecryptionErrorMessage::from_content_body(body).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_decryption_error_message(message)) }
    })
}

/// Reads the receipt a type-8 message carries.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; the errors
/// of `hush_decryption_error_message_from_content_body`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `content` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_from_plaintext_content(
    content: *const hush_plaintext_content,
    out: *mut *mut hush_decryption_error_message,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: `content` is a live handle by contract.
        let content = unsafe { borrow(content, "content") }?;
        let message = content.0.decryption_error().map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_decryption_error_message(message)) }
    })
}

/// Writes the serialized receipt to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_serialize(
    message: *const hush_decryption_error_message,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, message.0.serialized()) }
    })
}

/// Writes the failed message's timestamp (milliseconds since the Unix
/// epoch) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint64_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_get_timestamp(
    message: *const hush_decryption_error_message,
    out: *mut u64,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.timestamp()) }
    })
}

/// Writes the device that sent the failed message (0 if the receipt does
/// not say) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_get_device_id(
    message: *const hush_decryption_error_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.device_id()) }
    })
}

/// Copies out the failed message's ratchet key, or writes NULL to `*out`
/// when the receipt names none (receipts for group messages).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle or NULL to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_get_ratchet_key(
    message: *const hush_decryption_error_message,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        match message.0.ratchet_key() {
            // SAFETY: `out` is non-NULL and writable by contract.
            Some(key) => unsafe { write_handle(out, hush_public_key(*key)) },
            // SAFETY: `out` is non-NULL and writable by contract.
            None => unsafe { write_value(out, std::ptr::null_mut()) },
        }
    })
}

/// Frees a receipt. NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_decryption_error_message_free(
    message: *mut hush_decryption_error_message,
) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

/// Wraps a receipt in a type-8 message.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_plaintext_content_from_decryption_error(
    message: *const hush_decryption_error_message,
    out: *mut *mut hush_plaintext_content,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        let content = PlaintextContent::from_decryption_error(&message.0);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_plaintext_content(content)) }
    })
}

/// Parses a type-8 message (only its first byte is checked here).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_TOO_SHORT` for empty input;
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION` if the first byte is not
/// `0xC0`; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL
/// with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_plaintext_content_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_plaintext_content,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let content = PlaintextContent::deserialize(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_plaintext_content(content)) }
    })
}

/// Writes the message as sent on the wire (type 8) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_plaintext_content_serialize(
    content: *const hush_plaintext_content,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: `content` is a live handle by contract.
        let content = unsafe { borrow(content, "content") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, content.0.serialized()) }
    })
}

/// Writes the body (everything after the first byte: what "decrypting" a
/// type-8 message gives) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_plaintext_content_get_body(
    content: *const hush_plaintext_content,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: `content` is a live handle by contract.
        let content = unsafe { borrow(content, "content") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, content.0.body()) }
    })
}

/// Frees a type-8 message. NULL does nothing.
///
/// # Safety
/// `content` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_plaintext_content_free(content: *mut hush_plaintext_content) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(content) }
}

/// Writes to `*out` whether `ratchet_key` (from a receipt) is the current
/// state's sending ratchet key. If it is, the peer could not decrypt what
/// this session sends now: archive the state
/// (`hush_session_record_archive_current_state`) and start a new session
/// from a fresh bundle. False when there is no current state.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record`,
/// `ratchet_key` or `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` and `ratchet_key` are live handles; `out` is valid for a
/// `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_current_ratchet_key_matches(
    record: *const hush_session_record,
    ratchet_key: *const hush_public_key,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, ratchet_key, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `ratchet_key` is a live handle by contract.
        let key = unsafe { borrow(ratchet_key, "ratchet_key") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.current_ratchet_key_matches(&key.0)) }
    })
}
