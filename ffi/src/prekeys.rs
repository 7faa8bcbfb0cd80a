//! Pre-key records, in libsignal's stored byte format: one-time EC pre-keys
//! (`hush_prekey_record`), signed EC pre-keys (`hush_signed_prekey_record`)
//! and Kyber pre-keys (`hush_kyber_prekey_record`).

use hush::keys::{
    KeyPair, KyberPreKeyId, KyberPreKeyRecord, PreKeyId, PreKeyRecord, SignedPreKeyId,
    SignedPreKeyRecord, Timestamp,
};

use crate::args::{borrow, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::hush_result;
use crate::kem::{hush_kem_key_pair, hush_kem_public_key};
use crate::keys::{hush_identity_key_pair, hush_private_key, hush_public_key};
use crate::panic::ffi_boundary;
use crate::rng::{hush_rng, with_rng};

/// A one-time EC pre-key with its private key.
#[allow(non_camel_case_types)]
pub struct hush_prekey_record(pub(crate) PreKeyRecord);

/// A signed EC pre-key: key pair, identity signature, creation time.
#[allow(non_camel_case_types)]
pub struct hush_signed_prekey_record(pub(crate) SignedPreKeyRecord);

/// A Kyber-1024 pre-key: key pair, identity signature, creation time.
#[allow(non_camel_case_types)]
pub struct hush_kyber_prekey_record(pub(crate) KyberPreKeyRecord);

// ---------------------------------------------------------------- one-time

/// Generates a one-time pre-key with identifier `id`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `rng` is NULL (OS randomness) or a live `hush_rng`; `out` is valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_generate(
    id: u32,
    rng: *mut hush_rng,
    out: *mut *mut hush_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `rng` is NULL or live by contract.
        let record = unsafe { with_rng(rng, |rng| PreKeyRecord::generate(PreKeyId(id), rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_record(record)) }
    })
}

/// Makes a one-time pre-key record from an existing private key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `private_key` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `private_key` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_new(
    id: u32,
    private_key: *const hush_private_key,
    out: *mut *mut hush_prekey_record,
) -> hush_result {
    ffi_boundary!(private_key, out => {
        // SAFETY: `private_key` is a live handle by contract.
        let private_key = unsafe { borrow(private_key, "private_key") }?;
        let record = PreKeyRecord::new(PreKeyId(id), KeyPair::from_private(private_key.0.clone()));
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_record(record)) }
    })
}

/// Parses libsignal's `PreKeyRecordStructure` bytes, checking every key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error
/// (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`,
/// `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = PreKeyRecord::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_record(record)) }
    })
}

/// Writes libsignal's `PreKeyRecordStructure` bytes (they contain the
/// private key) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_serialize(
    record: *const hush_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &record.0.serialize()) }
    })
}

/// Writes the record's identifier to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_get_id(
    record: *const hush_prekey_record,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.id().0) }
    })
}

/// Copies out the public key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_get_public_key(
    record: *const hush_prekey_record,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*record.0.public_key())) }
    })
}

/// Copies out the private key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_get_private_key(
    record: *const hush_prekey_record,
    out: *mut *mut hush_private_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_private_key(record.0.key_pair().private_key.clone())) }
    })
}

/// Frees a one-time pre-key record, zeroizing its private key. NULL does
/// nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_record_free(record: *mut hush_prekey_record) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

// ------------------------------------------------------------------ signed

/// Generates a signed pre-key: a fresh key pair whose serialized public key
/// `identity` signs. `timestamp_ms` is the creation time in milliseconds
/// since the Unix epoch (hush never reads a clock).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `identity` or `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `identity` is a live handle; `rng` is NULL or a live `hush_rng`; `out` is
/// valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_generate(
    id: u32,
    timestamp_ms: u64,
    identity: *const hush_identity_key_pair,
    rng: *mut hush_rng,
    out: *mut *mut hush_signed_prekey_record,
) -> hush_result {
    ffi_boundary!(identity, out => {
        // SAFETY: `identity` is a live handle by contract.
        let identity = unsafe { borrow(identity, "identity") }?;
        let (id, now) = (SignedPreKeyId(id), Timestamp::from_millis(timestamp_ms));
        // SAFETY: `rng` is NULL or live by contract.
        let record = unsafe { with_rng(rng, |rng| SignedPreKeyRecord::generate(id, now, &identity.0, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_signed_prekey_record(record)) }
    })
}

/// Parses libsignal's `SignedPreKeyRecordStructure` bytes, checking every
/// key (the signature is not verified; it is the record's own).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error
/// (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEY_TYPE`,
/// `HUSH_RESULT_BAD_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`;
/// `HUSH_RESULT_BAD_SIGNATURE_LENGTH`; `HUSH_RESULT_NULL_ARGUMENT` if `out`
/// is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_signed_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = SignedPreKeyRecord::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_signed_prekey_record(record)) }
    })
}

/// Writes libsignal's `SignedPreKeyRecordStructure` bytes (they contain the
/// private key) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_serialize(
    record: *const hush_signed_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &record.0.serialize()) }
    })
}

/// Writes the record's identifier to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_get_id(
    record: *const hush_signed_prekey_record,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.id().0) }
    })
}

/// Writes the creation time (milliseconds since the Unix epoch) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint64_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_get_timestamp(
    record: *const hush_signed_prekey_record,
    out: *mut u64,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.timestamp().as_millis()) }
    })
}

/// Copies out the public key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_get_public_key(
    record: *const hush_signed_prekey_record,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*record.0.public_key())) }
    })
}

/// Copies out the private key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_get_private_key(
    record: *const hush_signed_prekey_record,
    out: *mut *mut hush_private_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_private_key(record.0.key_pair().private_key.clone())) }
    })
}

/// Writes the identity's 64-byte signature over the serialized public key
/// to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_get_signature(
    record: *const hush_signed_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, record.0.signature()) }
    })
}

/// Frees a signed pre-key record, zeroizing its private key. NULL does
/// nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_signed_prekey_record_free(record: *mut hush_signed_prekey_record) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

// ------------------------------------------------------------------- Kyber

/// Generates a Kyber pre-key: a fresh Kyber-1024 key pair whose serialized
/// public key `identity` signs. `timestamp_ms` is the creation time in
/// milliseconds since the Unix epoch. Whether it is one-time or last resort
/// is the caller's bookkeeping.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `identity` or `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `identity` is a live handle; `rng` is NULL or a live `hush_rng`; `out` is
/// valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_generate(
    id: u32,
    timestamp_ms: u64,
    identity: *const hush_identity_key_pair,
    rng: *mut hush_rng,
    out: *mut *mut hush_kyber_prekey_record,
) -> hush_result {
    ffi_boundary!(identity, out => {
        // SAFETY: `identity` is a live handle by contract.
        let identity = unsafe { borrow(identity, "identity") }?;
        let (id, now) = (KyberPreKeyId(id), Timestamp::from_millis(timestamp_ms));
        // SAFETY: `rng` is NULL or live by contract.
        let record = unsafe { with_rng(rng, |rng| KyberPreKeyRecord::generate(id, now, &identity.0, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kyber_prekey_record(record)) }
    })
}

/// Parses libsignal's Kyber pre-key record bytes, checking every key
/// (including that the public key belongs to the secret key).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF`; a KEM key error
/// (`HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER`, `HUSH_RESULT_BAD_KEM_KEY_TYPE`,
/// `HUSH_RESULT_BAD_KEM_KEY_LENGTH`); `HUSH_RESULT_KEY_PAIR_MISMATCH`;
/// `HUSH_RESULT_BAD_SIGNATURE_LENGTH`; `HUSH_RESULT_NULL_ARGUMENT` if `out`
/// is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_kyber_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = KyberPreKeyRecord::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kyber_prekey_record(record)) }
    })
}

/// Writes libsignal's Kyber pre-key record bytes (they contain the secret
/// key) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_serialize(
    record: *const hush_kyber_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &record.0.serialize()) }
    })
}

/// Writes the record's identifier to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_get_id(
    record: *const hush_kyber_prekey_record,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.id().0) }
    })
}

/// Writes the creation time (milliseconds since the Unix epoch) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint64_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_get_timestamp(
    record: *const hush_kyber_prekey_record,
    out: *mut u64,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.timestamp().as_millis()) }
    })
}

/// Copies out the KEM public key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_get_public_key(
    record: *const hush_kyber_prekey_record,
    out: *mut *mut hush_kem_public_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_public_key(record.0.public_key().clone())) }
    })
}

/// Copies out the KEM key pair.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_get_key_pair(
    record: *const hush_kyber_prekey_record,
    out: *mut *mut hush_kem_key_pair,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_key_pair(record.0.key_pair().clone())) }
    })
}

/// Writes the identity's 64-byte signature over the serialized KEM public
/// key to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_get_signature(
    record: *const hush_kyber_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, record.0.signature()) }
    })
}

/// Frees a Kyber pre-key record, zeroizing its secret key. NULL does
/// nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_kyber_prekey_record_free(record: *mut hush_kyber_prekey_record) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}
