//! Safety numbers (`hush_fingerprint`): the 60-digit display string and the
//! scannable (QR code) form.

use hush::fingerprint::{compare_scannable, Fingerprint, FingerprintParty};
use hush::keys::IdentityKey;

use crate::args::{borrow, bytes, free_handle, write_handle};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{hush_result, Failure, HUSH_RESULT_FINGERPRINT_MISMATCH};
use crate::keys::hush_public_key;
use crate::panic::ffi_boundary;

/// A safety number between a local and a remote party.
#[allow(non_camel_case_types)]
pub struct hush_fingerprint(pub(crate) Fingerprint);

/// Computes the safety number of two identities: `iterations` SHA-512
/// rounds per party (Signal uses 5200). `version` goes into the scannable
/// form (Signal uses 2, with 16-byte ACI identifiers; version 1 used phone
/// numbers). Identifiers are opaque bytes.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT` unless `iterations` is
/// in `2..=1000000`; `HUSH_RESULT_NULL_ARGUMENT` if a key or `out` is NULL,
/// or an identifier is NULL with a non-zero length; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// Both keys are live handles; each identifier is valid for its length;
/// `out` is valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_fingerprint_new(
    version: u32,
    iterations: u32,
    local_identifier: *const u8,
    local_identifier_len: usize,
    local_identity_key: *const hush_public_key,
    remote_identifier: *const u8,
    remote_identifier_len: usize,
    remote_identity_key: *const hush_public_key,
    out: *mut *mut hush_fingerprint,
) -> hush_result {
    ffi_boundary!(local_identity_key, remote_identity_key, out => {
        // SAFETY: keys are live handles; identifiers are valid for their lengths.
        let (local_id, local_key, remote_id, remote_key) = unsafe {
            (
                bytes(local_identifier, local_identifier_len, "local_identifier")?,
                borrow(local_identity_key, "local_identity_key")?,
                bytes(remote_identifier, remote_identifier_len, "remote_identifier")?,
                borrow(remote_identity_key, "remote_identity_key")?,
            )
        };
        let (local_key, remote_key) = (IdentityKey::new(local_key.0), IdentityKey::new(remote_key.0));
        let local = FingerprintParty { identifier: local_id, identity_key: &local_key };
        let remote = FingerprintParty { identifier: remote_id, identity_key: &remote_key };
        let fingerprint = Fingerprint::new(version, iterations, local, remote)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_fingerprint(fingerprint)) }
    })
}

/// Writes the 60-digit safety number, the same on both sides, to `*out` as
/// 60 ASCII digits (no NUL terminator).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `fingerprint` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `fingerprint` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_fingerprint_display_string(
    fingerprint: *const hush_fingerprint,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(fingerprint, out => {
        // SAFETY: `fingerprint` is a live handle by contract.
        let fingerprint = unsafe { borrow(fingerprint, "fingerprint") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, fingerprint.0.display_string().as_bytes()) }
    })
}

/// Writes the scannable form (protobuf `CombinedFingerprints`, to put in a
/// QR code) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `fingerprint` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `fingerprint` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_fingerprint_serialize_scannable(
    fingerprint: *const hush_fingerprint,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(fingerprint, out => {
        // SAFETY: `fingerprint` is a live handle by contract.
        let fingerprint = unsafe { borrow(fingerprint, "fingerprint") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &fingerprint.0.scannable().serialize()) }
    })
}

fn verdict(same: bool) -> Result<(), Failure> {
    if same {
        Ok(())
    } else {
        Err(Failure::new(
            HUSH_RESULT_FINGERPRINT_MISMATCH,
            "fingerprints do not match",
        ))
    }
}

/// Compares our scannable form with one scanned from the peer's screen.
///
/// Returns `HUSH_RESULT_OK` if they match (the peer's form is ours
/// mirrored); `HUSH_RESULT_FINGERPRINT_MISMATCH` if they do not;
/// `HUSH_RESULT_FINGERPRINT_PARSING` if the scanned form is malformed;
/// `HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH` if its version differs;
/// `HUSH_RESULT_NULL_ARGUMENT` if `fingerprint` is NULL, or `scanned` is
/// NULL with `scanned_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `fingerprint` is a live handle; `scanned` is valid for `scanned_len`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn hush_fingerprint_compare_scannable(
    fingerprint: *const hush_fingerprint,
    scanned: *const u8,
    scanned_len: usize,
) -> hush_result {
    ffi_boundary!(fingerprint => {
        // SAFETY: `fingerprint` is live; `scanned` is valid for its length.
        let (fingerprint, scanned) = unsafe { (borrow(fingerprint, "fingerprint")?, bytes(scanned, scanned_len, "scanned")?) };
        verdict(fingerprint.0.scannable().compare(scanned)?)
    })
}

/// Compares two serialized scannable forms: ours (as produced by
/// `hush_fingerprint_serialize_scannable`) and one scanned from the peer.
///
/// Returns `HUSH_RESULT_OK` if they match; `HUSH_RESULT_FINGERPRINT_MISMATCH`
/// if they do not; `HUSH_RESULT_FINGERPRINT_PARSING` if either form is
/// malformed; `HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH` if the versions
/// differ; `HUSH_RESULT_NULL_ARGUMENT` if a pointer is NULL with a non-zero
/// length; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `ours` and `scanned` are valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn hush_scannable_fingerprint_compare(
    ours: *const u8,
    ours_len: usize,
    scanned: *const u8,
    scanned_len: usize,
) -> hush_result {
    ffi_boundary!( => {
        // SAFETY: both pointers are valid for their lengths by contract.
        let (ours, scanned) = unsafe { (bytes(ours, ours_len, "ours")?, bytes(scanned, scanned_len, "scanned")?) };
        verdict(compare_scannable(ours, scanned)?)
    })
}

/// Frees a fingerprint. NULL does nothing.
///
/// # Safety
/// `fingerprint` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_fingerprint_free(fingerprint: *mut hush_fingerprint) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(fingerprint) }
}
