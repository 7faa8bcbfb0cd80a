//! EC keys (`hush_private_key`, `hush_public_key`) and identity key pairs.
//!
//! An identity key is an EC public key, so identity keys are
//! `hush_public_key` handles too.

use hush::keys::{IdentityKey, IdentityKeyPair, PrivateKey, PublicKey};

use crate::args::{borrow, bytes, free_handle, write_handle};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{hush_result, Failure, HUSH_RESULT_SIGNATURE_VALIDATION_FAILED};
use crate::panic::ffi_boundary;
use crate::rng::{hush_rng, with_rng};

/// An X25519 private key (a clamped 32-byte scalar), zeroized when freed.
#[allow(non_camel_case_types)]
pub struct hush_private_key(pub(crate) PrivateKey);

/// An X25519 public key, serialized as `0x05 || u` (33 bytes). Also used for
/// identity keys.
#[allow(non_camel_case_types)]
pub struct hush_public_key(pub(crate) PublicKey);

/// A device's long-term identity key pair.
#[allow(non_camel_case_types)]
pub struct hush_identity_key_pair(pub(crate) IdentityKeyPair);

/// Generates a private key from 32 random bytes.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `rng` is NULL (OS randomness) or a live `hush_rng`; `out` is valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_generate(
    rng: *mut hush_rng,
    out: *mut *mut hush_private_key,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `rng` is NULL or live by contract.
        let key = unsafe { with_rng(rng, PrivateKey::generate) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_private_key(key)) }
    })
}

/// Parses a 32-byte private key (clamping it, as libsignal does).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_BAD_KEY_LENGTH` unless `len` is 32;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_private_key,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let key = PrivateKey::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_private_key(key)) }
    })
}

/// Writes the 32-byte private key to `*out` (free it with
/// `hush_buffer_free`, which zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `key` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_serialize(
    key: *const hush_private_key,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, out => {
        // SAFETY: `key` is a live handle by contract.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &key.0.serialize()[..]) }
    })
}

/// Derives the public key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `key` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_get_public_key(
    key: *const hush_private_key,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(key, out => {
        // SAFETY: `key` is a live handle by contract.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(key.0.public_key())) }
    })
}

/// Signs `message` with XEdDSA (libsignal's signature scheme), drawing 64
/// random bytes. Writes the 64-byte signature to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `key` or `out`
/// is NULL, or `message` is NULL with `message_len > 0`;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `message` is valid for `message_len` bytes; `rng`
/// is NULL or a live `hush_rng`; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_sign(
    key: *const hush_private_key,
    message: *const u8,
    message_len: usize,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, out => {
        // SAFETY: `key` is live and `message` valid for `message_len` bytes by contract.
        let (key, message) = unsafe { (borrow(key, "key")?, bytes(message, message_len, "message")?) };
        // SAFETY: `rng` is NULL or live by contract.
        let signature = unsafe { with_rng(rng, |rng| key.0.calculate_signature(message, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &signature) }
    })
}

/// X25519 agreement between `key` and `their_key`. Writes the 32-byte
/// shared secret to `*out` (free it with `hush_buffer_free`, which zeroizes
/// it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_KEY_AGREEMENT` if the
/// result is all zeros (`their_key` is a low-order point);
/// `HUSH_RESULT_NULL_ARGUMENT` if any argument is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` and `their_key` are live handles; `out` is valid for a
/// `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_agree(
    key: *const hush_private_key,
    their_key: *const hush_public_key,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, their_key, out => {
        // SAFETY: both are live handles by contract.
        let (key, their_key) = unsafe { (borrow(key, "key")?, borrow(their_key, "their_key")?) };
        let shared = key.0.agree(&their_key.0)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &shared[..]) }
    })
}

/// Frees a private key, zeroizing it. NULL does nothing.
///
/// # Safety
/// `key` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_private_key_free(key: *mut hush_private_key) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(key) }
}

/// Parses a public key: `0x05` then the 32-byte u-coordinate. As in
/// libsignal, bytes after the 33rd are ignored.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER` if `len` is 0;
/// `HUSH_RESULT_BAD_KEY_TYPE` if the first byte is not `0x05`;
/// `HUSH_RESULT_BAD_KEY_LENGTH` if `len < 33`; `HUSH_RESULT_NULL_ARGUMENT`
/// if `out` is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_public_key_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let key = PublicKey::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(key)) }
    })
}

/// Writes the 33-byte serialized public key to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `key` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_public_key_serialize(
    key: *const hush_public_key,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, out => {
        // SAFETY: `key` is a live handle by contract.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &key.0.serialize()) }
    })
}

/// Verifies an XEdDSA signature over `message` with libsignal's rules.
///
/// Returns `HUSH_RESULT_OK` if the signature is valid;
/// `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` if it is not (including a
/// signature that is not 64 bytes); `HUSH_RESULT_NULL_ARGUMENT` if `key` is
/// NULL, or a data pointer is NULL with a non-zero length;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `message` and `signature` are valid for their
/// lengths.
#[no_mangle]
pub unsafe extern "C" fn hush_public_key_verify_signature(
    key: *const hush_public_key,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
) -> hush_result {
    ffi_boundary!(key => {
        // SAFETY: `key` is live; the data pointers are valid for their lengths.
        let (key, message, signature) = unsafe {
            (borrow(key, "key")?, bytes(message, message_len, "message")?, bytes(signature, signature_len, "signature")?)
        };
        if key.0.verify_signature(message, signature) {
            Ok(())
        } else {
            Err(Failure::new(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED, "signature validation failed"))
        }
    })
}

/// Verifies that `signature` is `identity_key`'s alternate-identity (PNI)
/// signature over `other_identity_key`.
///
/// Returns `HUSH_RESULT_OK` if valid; `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED`
/// if not; `HUSH_RESULT_NULL_ARGUMENT` if a handle is NULL, or `signature` is
/// NULL with `signature_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// Both keys are live handles; `signature` is valid for `signature_len`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn hush_public_key_verify_alternate_identity(
    identity_key: *const hush_public_key,
    other_identity_key: *const hush_public_key,
    signature: *const u8,
    signature_len: usize,
) -> hush_result {
    ffi_boundary!(identity_key, other_identity_key => {
        // SAFETY: both keys are live; `signature` is valid for its length.
        let (identity, other, signature) = unsafe {
            (
                borrow(identity_key, "identity_key")?,
                borrow(other_identity_key, "other_identity_key")?,
                bytes(signature, signature_len, "signature")?,
            )
        };
        if IdentityKey::new(identity.0).verify_alternate_identity(&IdentityKey::new(other.0), signature) {
            Ok(())
        } else {
            Err(Failure::new(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED, "alternate identity signature validation failed"))
        }
    })
}

/// Frees a public key. NULL does nothing.
///
/// # Safety
/// `key` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_public_key_free(key: *mut hush_public_key) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(key) }
}

/// Generates an identity key pair.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `rng` is NULL (OS randomness) or a live `hush_rng`; `out` is valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_generate(
    rng: *mut hush_rng,
    out: *mut *mut hush_identity_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `rng` is NULL or live by contract.
        let pair = unsafe { with_rng(rng, IdentityKeyPair::generate) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_identity_key_pair(pair)) }
    })
}

/// Parses libsignal's serialized identity key pair (protobuf
/// `IdentityKeyPairStructure`, 69 bytes), checking that the public key
/// belongs to the private key.
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
pub unsafe extern "C" fn hush_identity_key_pair_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_identity_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let pair = IdentityKeyPair::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_identity_key_pair(pair)) }
    })
}

/// Writes libsignal's serialized identity key pair (69 bytes, contains the
/// private key) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_serialize(
    pair: *const hush_identity_key_pair,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &pair.0.serialize()) }
    })
}

/// Copies out the public identity key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_get_public_key(
    pair: *const hush_identity_key_pair,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*pair.0.identity_key().public_key())) }
    })
}

/// Copies out the private key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_get_private_key(
    pair: *const hush_identity_key_pair,
    out: *mut *mut hush_private_key,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_private_key(pair.0.private_key().clone())) }
    })
}

/// Signs `message` with the identity's private key (XEdDSA). Writes the
/// 64-byte signature to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out`
/// is NULL, or `message` is NULL with `message_len > 0`;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `message` is valid for `message_len` bytes;
/// `rng` is NULL or a live `hush_rng`; `out` is valid for a `hush_buffer`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_sign(
    pair: *const hush_identity_key_pair,
    message: *const u8,
    message_len: usize,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is live and `message` valid for `message_len` bytes by contract.
        let (pair, message) = unsafe { (borrow(pair, "pair")?, bytes(message, message_len, "message")?) };
        // SAFETY: `rng` is NULL or live by contract.
        let signature = unsafe { with_rng(rng, |rng| pair.0.sign(message, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &signature) }
    })
}

/// Signs `other_identity_key` as this identity's alternate identity (the PNI
/// signature). Writes the 64-byte signature to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `pair`,
/// `other_identity_key` or `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` and `other_identity_key` are live handles; `rng` is NULL or a
/// live `hush_rng`; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_sign_alternate_identity(
    pair: *const hush_identity_key_pair,
    other_identity_key: *const hush_public_key,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, other_identity_key, out => {
        // SAFETY: both are live handles by contract.
        let (pair, other) = unsafe { (borrow(pair, "pair")?, borrow(other_identity_key, "other_identity_key")?) };
        let other = IdentityKey::new(other.0);
        // SAFETY: `rng` is NULL or live by contract.
        let signature = unsafe { with_rng(rng, |rng| pair.0.sign_alternate_identity(&other, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &signature) }
    })
}

/// Frees an identity key pair, zeroizing its private key. NULL does nothing.
///
/// # Safety
/// `pair` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_identity_key_pair_free(pair: *mut hush_identity_key_pair) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(pair) }
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::error::{
        HUSH_RESULT_BAD_KEY_TYPE, HUSH_RESULT_INVALID_KEY_AGREEMENT, HUSH_RESULT_NULL_ARGUMENT,
        HUSH_RESULT_OK,
    };

    fn public(bytes: &[u8]) -> *mut hush_public_key {
        let mut key = null_mut();
        assert_eq!(
            // SAFETY: `bytes` is a live slice and `key` a writable pointer.
            unsafe { hush_public_key_deserialize(bytes.as_ptr(), bytes.len(), &mut key) },
            HUSH_RESULT_OK
        );
        key
    }

    #[test]
    fn agreement_checks_every_pointer_and_writes_only_on_success() {
        let mut private = null_mut();
        assert_eq!(
            // SAFETY: NULL rng selects the OS; `private` is writable.
            unsafe { hush_private_key_generate(null_mut(), &mut private) },
            HUSH_RESULT_OK
        );
        let mut low_order = [0u8; 33];
        low_order[0] = 0x05;
        let zero = public(&low_order);
        let mut out = hush_buffer {
            ptr: null_mut(),
            len: 99,
        };
        // SAFETY: handles are live or NULL; `out` is a live hush_buffer.
        unsafe {
            assert_eq!(
                hush_private_key_agree(null(), zero, &mut out),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_private_key_agree(private, null(), &mut out),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_private_key_agree(private, zero, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_private_key_agree(private, zero, &mut out),
                HUSH_RESULT_INVALID_KEY_AGREEMENT
            );
            assert_eq!(out.len, 99, "output written on failure");
            hush_public_key_free(zero);
            hush_private_key_free(private);
        }
    }

    #[test]
    fn parse_errors_leave_the_output_alone() {
        let mut key = null_mut();
        let mut bytes = [0x11u8; 33];
        bytes[0] = 0x06;
        // SAFETY: `bytes` is live; NULL with a non-zero length is reported.
        unsafe {
            assert_eq!(
                hush_public_key_deserialize(bytes.as_ptr(), 33, &mut key),
                HUSH_RESULT_BAD_KEY_TYPE
            );
            assert_eq!(
                hush_public_key_deserialize(null(), 33, &mut key),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_public_key_deserialize(bytes.as_ptr(), 33, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
        }
        assert!(key.is_null());
    }
}
