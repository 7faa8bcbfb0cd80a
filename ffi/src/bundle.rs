//! `hush_prekey_bundle`: the keys an initiator fetches from the server.

use hush::address::DeviceId;
use hush::keys::{KyberPreKeyId, PreKeyBundle, PreKeyId, SignedPreKeyId};

use crate::args::{borrow, bytes, free_handle, write_handle, write_value};
use crate::error::hush_result;
use crate::kem::hush_kem_public_key;
use crate::keys::hush_public_key;
use crate::panic::ffi_boundary;

/// A pre-key bundle as delivered by the server, not yet verified. Immutable
/// once made.
#[allow(non_camel_case_types)]
pub struct hush_prekey_bundle(pub(crate) PreKeyBundle);

/// Assembles a bundle from the fields the application got from its server.
/// Every field is required except the one-time pre-key: pass NULL as
/// `pre_key` for a bundle without one (`pre_key_id` is then ignored). The key
/// handles are copied; the caller still owns them.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_DEVICE_ID` unless `device_id` is in `1..=127`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `signed_pre_key`, `kyber_pre_key`,
/// `identity_key` or `out` is NULL, or a signature pointer is NULL with a
/// non-zero length; `HUSH_RESULT_PANIC`. Signatures are checked by
/// `hush_prekey_bundle_verify`, not here.
///
/// # Safety
/// Every non-NULL handle is live; each signature pointer is valid for its
/// length; `out` is valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_prekey_bundle_new(
    registration_id: u32,
    device_id: u32,
    pre_key_id: u32,
    pre_key: *const hush_public_key,
    signed_pre_key_id: u32,
    signed_pre_key: *const hush_public_key,
    signed_pre_key_signature: *const u8,
    signed_pre_key_signature_len: usize,
    kyber_pre_key_id: u32,
    kyber_pre_key: *const hush_kem_public_key,
    kyber_pre_key_signature: *const u8,
    kyber_pre_key_signature_len: usize,
    identity_key: *const hush_public_key,
    out: *mut *mut hush_prekey_bundle,
) -> hush_result {
    ffi_boundary!(signed_pre_key, kyber_pre_key, identity_key, out => {
        // SAFETY: each handle is NULL (only `pre_key` may be) or live, and the
        // signature pointers are valid for their lengths, by contract.
        let (pre_key, signed_pre_key, signed_sig, kyber_pre_key, kyber_sig, identity_key) = unsafe {
            (
                pre_key.as_ref(),
                borrow(signed_pre_key, "signed_pre_key")?,
                bytes(signed_pre_key_signature, signed_pre_key_signature_len, "signed_pre_key_signature")?,
                borrow(kyber_pre_key, "kyber_pre_key")?,
                bytes(kyber_pre_key_signature, kyber_pre_key_signature_len, "kyber_pre_key_signature")?,
                borrow(identity_key, "identity_key")?,
            )
        };
        let bundle = PreKeyBundle {
            registration_id,
            device_id: DeviceId::new(device_id)?,
            pre_key: pre_key.map(|key| (PreKeyId(pre_key_id), key.0)),
            signed_pre_key_id: SignedPreKeyId(signed_pre_key_id),
            signed_pre_key_public: signed_pre_key.0,
            signed_pre_key_signature: signed_sig.to_vec(),
            kyber_pre_key_id: KyberPreKeyId(kyber_pre_key_id),
            kyber_pre_key_public: kyber_pre_key.0.clone(),
            kyber_pre_key_signature: kyber_sig.to_vec(),
            identity_key: identity_key.0.into(),
        };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_bundle(bundle)) }
    })
}

/// Checks both pre-key signatures against the bundle's identity key. Whether
/// to trust that identity is the application's decision.
///
/// Returns `HUSH_RESULT_OK` if both verify;
/// `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` if either does not (the last
/// error message says which; drop the bundle); `HUSH_RESULT_NULL_ARGUMENT`
/// if `bundle` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_bundle_verify(
    bundle: *const hush_prekey_bundle,
) -> hush_result {
    ffi_boundary!(bundle => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        bundle.0.clone().verify()?;
        Ok(())
    })
}

/// Writes the remote registration ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `bundle` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_bundle_get_registration_id(
    bundle: *const hush_prekey_bundle,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(bundle, out => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, bundle.0.registration_id) }
    })
}

/// Writes the remote device ID (`1..=127`) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `bundle` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_bundle_get_device_id(
    bundle: *const hush_prekey_bundle,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(bundle, out => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, bundle.0.device_id.get()) }
    })
}

/// Copies out the remote identity key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `bundle` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_bundle_get_identity_key(
    bundle: *const hush_prekey_bundle,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(bundle, out => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*bundle.0.identity_key.public_key())) }
    })
}

/// Frees a bundle. NULL does nothing.
///
/// # Safety
/// `bundle` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_prekey_bundle_free(bundle: *mut hush_prekey_bundle) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(bundle) }
}
