//! Kyber-1024 KEM keys (`hush_kem_key_pair`, `hush_kem_public_key`).
//! Ciphertexts travel as bytes (`0x08` then 1568 bytes).

use hush::keys::{KemKeyPair, KemPublicKey, KemSecretKey};

use crate::args::{borrow, bytes, free_handle, write_handle};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::hush_result;
use crate::panic::ffi_boundary;
use crate::rng::{hush_rng, with_rng};

/// A Kyber-1024 key pair; the secret key is zeroized when freed.
#[allow(non_camel_case_types)]
pub struct hush_kem_key_pair(pub(crate) KemKeyPair);

/// A Kyber-1024 public (encapsulation) key, serialized as `0x08` then 1568
/// bytes.
#[allow(non_camel_case_types)]
pub struct hush_kem_public_key(pub(crate) KemPublicKey);

/// Generates a Kyber-1024 key pair from 64 random bytes.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `rng` is NULL (OS randomness) or a live `hush_rng`; `out` is valid for a
/// pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_generate(
    rng: *mut hush_rng,
    out: *mut *mut hush_kem_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `rng` is NULL or live by contract.
        let pair = unsafe { with_rng(rng, KemKeyPair::generate) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_key_pair(pair)) }
    })
}

/// Rebuilds a key pair from its serialized public key (1569 bytes) and
/// secret key (3169 bytes), checking that they belong together.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER` for an empty key;
/// `HUSH_RESULT_BAD_KEM_KEY_TYPE`; `HUSH_RESULT_BAD_KEM_KEY_LENGTH`;
/// `HUSH_RESULT_KEY_PAIR_MISMATCH`; `HUSH_RESULT_NULL_ARGUMENT` if `out` is
/// NULL, or a data pointer is NULL with a non-zero length;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `public_key` and `secret_key` are valid for their lengths; `out` is valid
/// for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_deserialize(
    public_key: *const u8,
    public_key_len: usize,
    secret_key: *const u8,
    secret_key_len: usize,
    out: *mut *mut hush_kem_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: both data pointers are valid for their lengths by contract.
        let (public_key, secret_key) = unsafe {
            (bytes(public_key, public_key_len, "public_key")?, bytes(secret_key, secret_key_len, "secret_key")?)
        };
        let pair = KemKeyPair::from_parts(KemPublicKey::deserialize(public_key)?, KemSecretKey::deserialize(secret_key)?)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_key_pair(pair)) }
    })
}

/// Writes the serialized secret key (3169 bytes) to `*out` (free it with
/// `hush_buffer_free`, which zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_serialize_secret_key(
    pair: *const hush_kem_key_pair,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &pair.0.secret_key.serialize()) }
    })
}

/// Copies out the public key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `pair` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_get_public_key(
    pair: *const hush_kem_key_pair,
    out: *mut *mut hush_kem_public_key,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_public_key(pair.0.public_key.clone())) }
    })
}

/// Decapsulates a serialized ciphertext (1569 bytes) and writes the 32-byte
/// shared secret to `*out`. A ciphertext that was not made for this key
/// still gives a secret (Kyber's implicit rejection), just not the sender's.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER` for an
/// empty ciphertext; `HUSH_RESULT_BAD_KEM_KEY_TYPE`;
/// `HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `pair` or `out` is NULL, or `ciphertext` is NULL with a non-zero length;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `ciphertext` is valid for `ciphertext_len`
/// bytes; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_decapsulate(
    pair: *const hush_kem_key_pair,
    ciphertext: *const u8,
    ciphertext_len: usize,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is live and `ciphertext` valid for its length by contract.
        let (pair, ciphertext) = unsafe { (borrow(pair, "pair")?, bytes(ciphertext, ciphertext_len, "ciphertext")?) };
        let shared = pair.0.secret_key.decapsulate_serialized(ciphertext)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &shared[..]) }
    })
}

/// Frees a KEM key pair, zeroizing the secret key. NULL does nothing.
///
/// # Safety
/// `pair` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_key_pair_free(pair: *mut hush_kem_key_pair) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(pair) }
}

/// Parses a KEM public key: `0x08` then exactly 1568 bytes.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER` if `len` is 0;
/// `HUSH_RESULT_BAD_KEM_KEY_TYPE`; `HUSH_RESULT_BAD_KEM_KEY_LENGTH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_public_key_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_kem_public_key,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let key = KemPublicKey::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_kem_public_key(key)) }
    })
}

/// Writes the 1569-byte serialized public key to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `key` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_public_key_serialize(
    key: *const hush_kem_public_key,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, out => {
        // SAFETY: `key` is a live handle by contract.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &key.0.serialize()) }
    })
}

/// Encapsulates a fresh shared secret to `key`, drawing 32 random bytes.
/// Writes the 32-byte secret to `*out_shared_secret` and the 1569-byte
/// serialized ciphertext to `*out_ciphertext`; both or neither.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `key` or an
/// output is NULL; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key` is a live handle; `rng` is NULL or a live `hush_rng`; both outputs
/// are valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_public_key_encapsulate(
    key: *const hush_kem_public_key,
    rng: *mut hush_rng,
    out_shared_secret: *mut hush_buffer,
    out_ciphertext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(key, out_shared_secret, out_ciphertext => {
        // SAFETY: `key` is a live handle by contract.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: `rng` is NULL or live by contract.
        let (shared, ciphertext) = unsafe { with_rng(rng, |rng| key.0.encapsulate(rng)) }?;
        // SAFETY: both outputs were checked non-NULL above, so neither write
        // can fail and the pair is written together.
        unsafe {
            write_buffer(out_shared_secret, &shared[..])?;
            write_buffer(out_ciphertext, &ciphertext.serialize())
        }
    })
}

/// Frees a KEM public key. NULL does nothing.
///
/// # Safety
/// `key` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_kem_public_key_free(key: *mut hush_kem_public_key) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(key) }
}
