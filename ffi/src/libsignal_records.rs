//! libsignal's own record bytes in and out (`hush_x_from_libsignal` /
//! `hush_x_to_libsignal`), for applications moving stored sessions,
//! pre-keys, sender keys and identities from libsignal to hush or back.
//! `hush_x_serialize` / `hush_x_deserialize` stay the default storage
//! format; these read and write exactly the payload of that format, with
//! the same checks (see the Rust docs of `hush::libsignal_records` for what
//! does not carry over).

use hush::groups::SenderKeyRecord;
use hush::keys::{IdentityKeyPair, KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord};
use hush::session::SessionRecord;

use crate::args::{borrow, bytes, write_handle};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{hush_result, Failure};
use crate::groups::hush_sender_key_record;
use crate::keys::hush_identity_key_pair;
use crate::panic::ffi_boundary;
use crate::prekeys::{hush_kyber_prekey_record, hush_prekey_record, hush_signed_prekey_record};
use crate::session::hush_session_record;

/// Loads libsignal's serialized `SessionRecord` (what its `SessionRecord::serialize` returns), with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_STATE_INVALID` (the last error message names the refused part, for example "too many archived states" or "skipped key seed");
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = SessionRecord::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_session_record(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `SessionRecord` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_to_libsignal(
    value: *const hush_session_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Loads libsignal's serialized `PreKeyRecord`, with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`, `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = PreKeyRecord::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_record(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `PreKeyRecord` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_to_libsignal(
    value: *const hush_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Loads libsignal's serialized `SignedPreKeyRecord`, with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`, `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`; `HUSH_RESULT_BAD_SIGNATURE_LENGTH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_signed_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = SignedPreKeyRecord::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_signed_prekey_record(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `SignedPreKeyRecord` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_to_libsignal(
    value: *const hush_signed_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Loads libsignal's serialized `KyberPreKeyRecord`, with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_INVALID_PROTOBUF`; a KEM key error (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEM_KEY_TYPE`, `HUSH_RESULT_BAD_KEM_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`; `HUSH_RESULT_BAD_SIGNATURE_LENGTH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_kyber_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = KyberPreKeyRecord::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kyber_prekey_record(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `KyberPreKeyRecord` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_to_libsignal(
    value: *const hush_kyber_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Loads libsignal's serialized `SenderKeyRecord`, with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_STATE_INVALID` (the last error message names the refused part);
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = SenderKeyRecord::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_record(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `SenderKeyRecord` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_to_libsignal(
    value: *const hush_sender_key_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Loads libsignal's serialized `IdentityKeyPair`, with the same checks and bounds as loading hush's own
/// format.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`, `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH` (the public key does not belong to the private key);
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_from_libsignal(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_identity_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let value = IdentityKeyPair::from_libsignal_bytes(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_identity_key_pair(value)) }
    })
}

/// Writes the value as libsignal serializes it (its `IdentityKeyPair` bytes; secret
/// keys inside, `hush_buffer_free` zeroizes) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `value` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `value` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_to_libsignal(
    value: *const hush_identity_key_pair,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(value, out => {
        // SAFETY: `value` is a live handle by contract.
        let value = unsafe { borrow(value, "value") }?;
        let bytes = value.0.to_libsignal_bytes();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}
