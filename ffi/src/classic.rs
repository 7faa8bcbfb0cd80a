//! Classic Signal (message version 3: X3DH without Kyber, the Double
//! Ratchet without SPQR), as libsignal-protocol-c, libomemo-c, OMEMO 0.3
//! clients and WhatsApp-protocol clients speak it. A separate choice, by
//! name: classic handles (`hush_classic_*`) never accept or produce
//! version-4 messages, and the version-4 API never version-3 ones.
//!
//! Same conventions as the version-4 session API (`session.rs`): state in,
//! state out, the record changes only when an operation succeeds, outputs
//! are written only on success, and no store callbacks: the application
//! checks trust, looks pre-keys up by the IDs a PreKey message names, and
//! deletes the one-time pre-key only when reported consumed (never the
//! last-resort ID `HUSH_CLASSIC_LAST_RESORT_PRE_KEY_ID`). Decryption takes
//! the trusted identity as `hush_session_decrypt` does: NULL accepts any.
//!
//! Device IDs of classic bundles go up to `2^31 − 1`
//! (`HUSH_CLASSIC_MAX_DEVICE_ID`; OMEMO device IDs are 31-bit). Records move
//! to and from libsignal-protocol-c's formats with the `_lspc` functions
//! (session records, pre-key, signed pre-key and identity key pair records).

use hush::address::{ClassicDeviceId, InvalidClassicDeviceId};
use hush::classic::{
    lspc, ClassicConsumedPreKeys, ClassicDecryptError, ClassicPreKeyBundle,
    ClassicPreKeySignalMessage, ClassicPreKeys, ClassicSessionRecord, ClassicSignalMessage,
    LAST_RESORT_PRE_KEY_ID,
};
use hush::keys::{IdentityKey, PreKeyId, SignedPreKeyId, Timestamp};
use zeroize::Zeroizing;

use crate::args::{borrow, borrow_mut, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{
    hush_result, Failure, HUSH_RESULT_DECRYPTION_FAILED, HUSH_RESULT_DUPLICATED_MESSAGE,
    HUSH_RESULT_INVALID_BASE_KEY, HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE, HUSH_RESULT_MISSING_PREKEY,
    HUSH_RESULT_MISSING_SIGNED_PREKEY, HUSH_RESULT_SESSION_NOT_FOUND,
    HUSH_RESULT_UNTRUSTED_IDENTITY,
};
pub use crate::error::{
    HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH, HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID,
};
use crate::keys::{hush_identity_key_pair, hush_public_key};
use crate::messages::{hush_message_type, HUSH_MESSAGE_TYPE_PREKEY, HUSH_MESSAGE_TYPE_WHISPER};
use crate::panic::ffi_boundary;
use crate::prekeys::{hush_prekey_record, hush_signed_prekey_record};
use crate::rng::{hush_rng, with_rng};
use crate::session::{hush_local_identity, HUSH_PUBLIC_KEY_LENGTH};

impl From<InvalidClassicDeviceId> for Failure {
    fn from(error: InvalidClassicDeviceId) -> Self {
        Self::new(HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID, error.to_string())
    }
}

impl From<ClassicDecryptError> for Failure {
    fn from(error: ClassicDecryptError) -> Self {
        let code = match &error {
            ClassicDecryptError::SessionNotFound => HUSH_RESULT_SESSION_NOT_FOUND,
            ClassicDecryptError::DuplicatedMessage { .. } => HUSH_RESULT_DUPLICATED_MESSAGE,
            ClassicDecryptError::DecryptionFailed { .. } => HUSH_RESULT_DECRYPTION_FAILED,
            ClassicDecryptError::IdentityMismatch => HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH,
            ClassicDecryptError::InvalidBaseKey => HUSH_RESULT_INVALID_BASE_KEY,
            ClassicDecryptError::MissingSignedPreKey(_) => HUSH_RESULT_MISSING_SIGNED_PREKEY,
            ClassicDecryptError::MissingPreKey(_) => HUSH_RESULT_MISSING_PREKEY,
            ClassicDecryptError::Key(key) => return (*key).into(),
        };
        Self::new(code, error.to_string())
    }
}

/// The largest classic device ID (`2^31 − 1`).
pub const HUSH_CLASSIC_MAX_DEVICE_ID: u32 = 0x7FFF_FFFF;

/// The one-time pre-key ID libsignal-protocol-c and python-axolotl treat as
/// a last-resort key, never deleted after use (`0xFFFFFF`).
pub const HUSH_CLASSIC_LAST_RESORT_PRE_KEY_ID: u32 = 0x00FF_FFFF;
const _: () = assert!(HUSH_CLASSIC_LAST_RESORT_PRE_KEY_ID == LAST_RESORT_PRE_KEY_ID);
const _: () = assert!(HUSH_CLASSIC_MAX_DEVICE_ID == ClassicDeviceId::MAX);

/// A classic session record with one peer device: the current state and up
/// to 40 archived ones. Persist it with `hush_classic_session_record_serialize`
/// after every successful operation.
#[allow(non_camel_case_types)]
pub struct hush_classic_session_record(pub(crate) ClassicSessionRecord);

/// A classic pre-key bundle (no Kyber pre-key), not yet verified.
#[allow(non_camel_case_types)]
pub struct hush_classic_prekey_bundle(pub(crate) ClassicPreKeyBundle);

/// A parsed classic PreKeySignalMessage, for the two-step receive path.
#[allow(non_camel_case_types)]
pub struct hush_classic_prekey_message(pub(crate) ClassicPreKeySignalMessage);

/// The pre-keys a classic PreKey message used up when it created a new
/// session. When `new_session` is false the message belonged to a session
/// the record already had, and the other fields are zero. Otherwise delete
/// the one-time pre-key if `has_one_time_pre_key` (unless its ID is
/// `HUSH_CLASSIC_LAST_RESORT_PRE_KEY_ID`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct hush_classic_consumed_prekeys {
    /// Whether the message created a new session (and so consumed pre-keys).
    pub new_session: bool,
    /// Whether a one-time pre-key was used.
    pub has_one_time_pre_key: bool,
    /// The one-time pre-key's ID (0 unless `has_one_time_pre_key`).
    pub one_time_pre_key_id: u32,
    /// The signed pre-key's ID.
    pub signed_pre_key_id: u32,
    /// The initiator's serialized base key (`0x05` and 32 bytes).
    pub base_key: [u8; HUSH_PUBLIC_KEY_LENGTH],
}

impl hush_classic_consumed_prekeys {
    fn from_core(consumed: Option<&ClassicConsumedPreKeys>) -> Self {
        match consumed {
            None => Self {
                new_session: false,
                has_one_time_pre_key: false,
                one_time_pre_key_id: 0,
                signed_pre_key_id: 0,
                base_key: [0; HUSH_PUBLIC_KEY_LENGTH],
            },
            Some(c) => Self {
                new_session: true,
                has_one_time_pre_key: c.one_time.is_some(),
                one_time_pre_key_id: c.one_time.map_or(0, |id| id.0),
                signed_pre_key_id: c.signed.0,
                base_key: c.base_key.serialize(),
            },
        }
    }
}

// ------------------------------------------------------------------ bundle

/// Assembles a classic bundle from the fields the application got from its
/// server (for OMEMO 0.3: the PEP bundle node). Pass NULL as `pre_key` for a
/// bundle without a one-time pre-key (`pre_key_id` is then ignored). Key
/// handles are copied.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID` unless `device_id` is in
/// `1..=HUSH_CLASSIC_MAX_DEVICE_ID`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `signed_pre_key`, `identity_key` or `out` is NULL, or the signature
/// pointer is NULL with a non-zero length; `HUSH_RESULT_PANIC`. The
/// signature is checked by `hush_classic_prekey_bundle_verify` and
/// `hush_classic_session_initiate`.
///
/// # Safety
/// Every non-NULL handle is live; `signed_pre_key_signature` is valid for
/// its length; `out` is valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_classic_prekey_bundle_new(
    registration_id: u32,
    device_id: u32,
    pre_key_id: u32,
    pre_key: *const hush_public_key,
    signed_pre_key_id: u32,
    signed_pre_key: *const hush_public_key,
    signed_pre_key_signature: *const u8,
    signed_pre_key_signature_len: usize,
    identity_key: *const hush_public_key,
    out: *mut *mut hush_classic_prekey_bundle,
) -> hush_result {
    ffi_boundary!(signed_pre_key, identity_key, out => {
        // SAFETY: each handle is NULL (only `pre_key` may be) or live, and the
        // signature pointer is valid for its length, by contract.
        let (pre_key, signed_pre_key, signature, identity_key) = unsafe {
            (
                pre_key.as_ref(),
                borrow(signed_pre_key, "signed_pre_key")?,
                bytes(signed_pre_key_signature, signed_pre_key_signature_len, "signed_pre_key_signature")?,
                borrow(identity_key, "identity_key")?,
            )
        };
        let bundle = ClassicPreKeyBundle {
            registration_id,
            device_id: ClassicDeviceId::new(device_id)?,
            pre_key: pre_key.map(|key| (PreKeyId(pre_key_id), key.0)),
            signed_pre_key_id: SignedPreKeyId(signed_pre_key_id),
            signed_pre_key_public: signed_pre_key.0,
            signed_pre_key_signature: signature.to_vec(),
            identity_key: identity_key.0.into(),
        };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_prekey_bundle(bundle)) }
    })
}

/// Checks the signed pre-key's signature against the bundle's identity key.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` (drop
/// the bundle); `HUSH_RESULT_NULL_ARGUMENT` if `bundle` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_bundle_verify(
    bundle: *const hush_classic_prekey_bundle,
) -> hush_result {
    ffi_boundary!(bundle => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        bundle.0.clone().verify()?;
        Ok(())
    })
}

/// Copies out the bundle's identity key (decide whether to trust it before
/// `hush_classic_session_initiate`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if an argument is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `bundle` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_bundle_get_identity_key(
    bundle: *const hush_classic_prekey_bundle,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(bundle, out => {
        // SAFETY: `bundle` is a live handle by contract.
        let bundle = unsafe { borrow(bundle, "bundle") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*bundle.0.identity_key.public_key())) }
    })
}

/// Frees a bundle; NULL does nothing.
///
/// # Safety
/// `bundle` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_bundle_free(bundle: *mut hush_classic_prekey_bundle) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(bundle) }
}

// ------------------------------------------------------------------ record

/// Makes an empty classic record (no session yet).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_new(
    out: *mut *mut hush_classic_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_session_record(ClassicSessionRecord::new())) }
    })
}

/// Writes the record in hush's versioned storage format to `*out` (secret;
/// `hush_buffer_free` zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_serialize(
    record: *const hush_classic_session_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let state = record.0.to_state();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &state) }
    })
}

/// Loads a record written by `hush_classic_session_record_serialize`. A
/// version-4 record is refused (`HUSH_RESULT_STATE_WRONG_KIND`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_TRUNCATED`; `HUSH_RESULT_STATE_UNSUPPORTED_VERSION`;
/// `HUSH_RESULT_STATE_WRONG_KIND`; `HUSH_RESULT_STATE_INVALID`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_classic_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = ClassicSessionRecord::from_state(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_session_record(record)) }
    })
}

/// Writes the record as libsignal-protocol-c stores it (`RecordStructure`,
/// what its session store callbacks receive; libomemo-c and python-axolotl
/// read it too) to `*out`. Secret; `hush_buffer_free` zeroizes it.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_to_lspc(
    record: *const hush_classic_session_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let lspc = record.0.to_lspc();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &lspc) }
    })
}

/// Imports a session record written by libsignal-protocol-c (or
/// libomemo-c, python-axolotl, hush). libsignal-protocol-c stores no time
/// for an unacknowledged session: `now_ms` (milliseconds since the Unix
/// epoch) becomes its pending timestamp. Every key, length and count is
/// checked.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_INVALID` (the last error message names the part) or
/// `HUSH_RESULT_STATE_TRUNCATED` for bytes that are not such a record;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_from_lspc(
    data: *const u8,
    len: usize,
    now_ms: u64,
    out: *mut *mut hush_classic_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = ClassicSessionRecord::from_lspc(data, Timestamp::from_millis(now_ms))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_session_record(record)) }
    })
}

/// Archives the current state (session reset). Writes whether there was one
/// to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `out` is
/// valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_archive_current_state(
    record: *mut hush_classic_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live, unaliased handle by contract.
        let record = unsafe { borrow_mut(record, "record") }?;
        let archived = record.0.archive_current_state();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, archived) }
    })
}

/// Writes whether the record has a current state (one that can encrypt) to
/// `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_has_current_state(
    record: *const hush_classic_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.has_current_state()) }
    })
}

/// Writes whether the current state is unacknowledged (we started it and
/// have not heard back yet: encrypt makes PreKey messages) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_is_unacknowledged(
    record: *const hush_classic_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.is_unacknowledged()) }
    })
}

/// Writes the number of archived states (at most 40) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_get_archived_count(
    record: *const hush_classic_session_record,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.archived_count()) }
    })
}

/// Copies out the current state's remote identity key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SESSION_NOT_FOUND` without a current state;
/// `HUSH_RESULT_NULL_ARGUMENT` if an argument is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_get_remote_identity_key(
    record: *const hush_classic_session_record,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let key = record.0.remote_identity().ok_or_else(no_current_state)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*key.public_key())) }
    })
}

/// Frees a record; NULL does nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_record_free(
    record: *mut hush_classic_session_record,
) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

fn no_current_state() -> Failure {
    Failure::new(
        HUSH_RESULT_SESSION_NOT_FOUND,
        "the record has no current session state",
    )
}

fn untrusted_identity() -> Failure {
    Failure::new(
        HUSH_RESULT_UNTRUSTED_IDENTITY,
        "the message comes from another identity than the trusted one",
    )
}

// -------------------------------------------------------------- operations

/// Starts a classic session (X3DH) with the owner of `bundle`, as initiator:
/// checks the signed pre-key's signature, then makes the new session the
/// current state (archiving the old one). Messages encrypted next are
/// PreKey messages until the peer replies. Decide whether to trust the
/// bundle's identity before calling. `now_ms` is recorded as the pending
/// pre-key's time (libsignal's record format wants one; classic sessions do
/// not expire).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` (drop
/// the bundle); `HUSH_RESULT_INVALID_KEY_AGREEMENT` if a bundle key is
/// degenerate; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record`, `bundle` or `local` is NULL;
/// `HUSH_RESULT_PANIC`. On failure the record is unchanged.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `bundle`
/// and `local` are live handles; `rng` is NULL (OS randomness) or a live
/// `hush_rng`.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_initiate(
    record: *mut hush_classic_session_record,
    bundle: *const hush_classic_prekey_bundle,
    local: *const hush_local_identity,
    now_ms: u64,
    rng: *mut hush_rng,
) -> hush_result {
    ffi_boundary!(record, bundle, local => {
        // SAFETY: all three are live handles by contract; `record` is unaliased.
        let (record, bundle, local) =
            unsafe { (borrow_mut(record, "record")?, borrow(bundle, "bundle")?, borrow(local, "local")?) };
        let verified = bundle.0.clone().verify()?;
        let next = &mut record.0;
        // SAFETY: `rng` is NULL or live by contract.
        unsafe { with_rng(rng, |rng| next.initiate(&verified, &local.0, Timestamp::from_millis(now_ms), rng)) }??;
        Ok(())
    })
}

/// Encrypts `plaintext` with the current state. Writes the message type to
/// `*out_type` (`HUSH_MESSAGE_TYPE_PREKEY` while the session is
/// unacknowledged, else `HUSH_MESSAGE_TYPE_WHISPER`) and the message (version
/// byte `0x33`) to `*out_ciphertext`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SESSION_NOT_FOUND` without a
/// current state; `HUSH_RESULT_INVALID_SESSION_STATE` if the state cannot
/// send; `HUSH_RESULT_NULL_ARGUMENT` if `record` or an output is NULL, or
/// `plaintext` is NULL with `plaintext_len > 0`; `HUSH_RESULT_PANIC`. On
/// failure the record is unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call;
/// `plaintext` is valid for `plaintext_len` bytes; the outputs are valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_encrypt(
    record: *mut hush_classic_session_record,
    plaintext: *const u8,
    plaintext_len: usize,
    out_type: *mut hush_message_type,
    out_ciphertext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out_type, out_ciphertext => {
        // SAFETY: `record` is live and unaliased, `plaintext` valid for its
        // length, by contract.
        let (record, plaintext) =
            unsafe { (borrow_mut(record, "record")?, bytes(plaintext, plaintext_len, "plaintext")?) };
        // Encrypt on a copy: the outputs are written before the record changes.
        let mut next = record.0.clone();
        let message = next.encrypt(plaintext)?;
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_buffer(out_ciphertext, message.serialized())?;
            write_value(out_type, hush_message_type::from(message.message_type()))?;
        }
        record.0 = next;
        Ok(())
    })
}

/// Decrypts a classic message of either type, dispatching on `message_type`
/// (from the transport; for OMEMO 0.3 the `prekey` attribute; else
/// `hush_classic_message_detect_type`). Writes the plaintext to
/// `*out_plaintext`.
///
/// - `HUSH_MESSAGE_TYPE_WHISPER`: a SignalMessage, tried against the current
///   state and then the archived ones (one that works becomes current).
/// - `HUSH_MESSAGE_TYPE_PREKEY`: a PreKey message of a session the record
///   already has. One that would create a new session fails with
///   `HUSH_RESULT_MISSING_SIGNED_PREKEY`, the record unchanged: use
///   `hush_classic_prekey_message_deserialize` and
///   `hush_classic_session_decrypt_prekey` with the pre-keys it names.
///
/// `trusted_identity` is the identity key you trust for the sender: the
/// call fails with `HUSH_RESULT_UNTRUSTED_IDENTITY`, the record unchanged, if
/// the message comes from another identity (for a SignalMessage, the remote
/// identity of the state that decrypts it; for a PreKey message, the
/// identity it carries). NULL accepts any identity.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` for any
/// other type; a parse error (`HUSH_RESULT_MESSAGE_TOO_SHORT`,
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION` — also for a version-4
/// message —, `HUSH_RESULT_INVALID_PROTOBUF`, or an EC key error);
/// `HUSH_RESULT_SESSION_NOT_FOUND`; `HUSH_RESULT_DUPLICATED_MESSAGE` (drop it
/// silently); `HUSH_RESULT_DECRYPTION_FAILED` (drop it);
/// `HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH`;
/// `HUSH_RESULT_MISSING_SIGNED_PREKEY` (see above);
/// `HUSH_RESULT_UNTRUSTED_IDENTITY`; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record`, `local` or `out_plaintext` is
/// NULL, or `ciphertext` is NULL with `ciphertext_len > 0`;
/// `HUSH_RESULT_PANIC`. On failure the record is unchanged and nothing is
/// written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `local` is
/// a live handle; `trusted_identity` is NULL or a live handle; `ciphertext`
/// is valid for `ciphertext_len` bytes; `rng` is NULL or a live `hush_rng`;
/// `out_plaintext` is valid for a `hush_buffer` write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_classic_session_decrypt(
    record: *mut hush_classic_session_record,
    local: *const hush_local_identity,
    message_type: hush_message_type,
    ciphertext: *const u8,
    ciphertext_len: usize,
    trusted_identity: *const hush_public_key,
    rng: *mut hush_rng,
    out_plaintext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, local, out_plaintext => {
        // SAFETY: handles are live (`record` unaliased), `trusted_identity`
        // NULL or live, and `ciphertext` valid for its length, by contract.
        let (record, local, ciphertext, trusted) = unsafe {
            (
                borrow_mut(record, "record")?,
                borrow(local, "local")?,
                bytes(ciphertext, ciphertext_len, "ciphertext")?,
                trusted_identity.as_ref().map(|key| &key.0),
            )
        };
        let trusts = |identity: &IdentityKey| trusted.is_none_or(|key| identity.public_key() == key);
        let next = &mut record.0;
        match message_type {
            HUSH_MESSAGE_TYPE_WHISPER => {
                let message = ClassicSignalMessage::deserialize(ciphertext)?;
                // SAFETY: `rng` is NULL or live by contract.
                let pending = unsafe { with_rng(rng, |rng| next.decrypt_pending(&message, rng)) }??;
                if !trusts(pending.remote_identity()) {
                    return Err(untrusted_identity());
                }
                // Written before committing, so a failed write changes nothing.
                // SAFETY: `out_plaintext` is non-NULL and writable by contract.
                unsafe { write_buffer(out_plaintext, pending.plaintext()) }?;
                drop(Zeroizing::new(pending.commit()));
            }
            HUSH_MESSAGE_TYPE_PREKEY => {
                let message = ClassicPreKeySignalMessage::deserialize(ciphertext)?;
                if !trusts(message.identity_key()) {
                    return Err(untrusted_identity());
                }
                // SAFETY: `rng` is NULL or live by contract.
                let pending = unsafe {
                    with_rng(rng, |rng| next.decrypt_prekey_pending(&message, &local.0, ClassicPreKeys::default(), rng))
                }??;
                // SAFETY: `out_plaintext` is non-NULL and writable by contract.
                unsafe { write_buffer(out_plaintext, pending.plaintext()) }?;
                drop(Zeroizing::new(pending.commit().plaintext));
            }
            hush_message_type(other) => {
                return Err(Failure::new(
                    HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
                    format!("message type {other} is not a 1:1 session message (2 or 3)"),
                ));
            }
        }
        Ok(())
    })
}

/// Tells the two classic message types apart from the bytes alone (for a
/// transport that does not carry the type): writes
/// `HUSH_MESSAGE_TYPE_PREKEY` if the bytes parse as a classic PreKey message,
/// else `HUSH_MESSAGE_TYPE_WHISPER`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL,
/// or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_message_detect_type(
    data: *const u8,
    len: usize,
    out: *mut hush_message_type,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let kind = if ClassicPreKeySignalMessage::deserialize(data).is_ok() {
            HUSH_MESSAGE_TYPE_PREKEY
        } else {
            HUSH_MESSAGE_TYPE_WHISPER
        };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, kind) }
    })
}

// ---------------------------------------------------- PreKey receive path

/// Parses a classic PreKey message (version byte high nibble 3; a version-4
/// message is refused).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; a parse error
/// (`HUSH_RESULT_MESSAGE_TOO_SHORT`, `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`, `HUSH_RESULT_INVALID_PROTOBUF`,
/// an EC key error); `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data`
/// is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_classic_prekey_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let message = ClassicPreKeySignalMessage::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_prekey_message(message)) }
    })
}

/// Copies out the sender's identity key (decide whether to trust it before
/// `hush_classic_session_decrypt_prekey`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if an argument is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_get_identity_key(
    message: *const hush_classic_prekey_message,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*message.0.identity_key().public_key())) }
    })
}

/// Writes whether the message names a one-time pre-key to `*out_has` and its
/// ID (0 when none) to `*out_id`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; the outputs are valid for writes.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_get_pre_key_id(
    message: *const hush_classic_prekey_message,
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
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_get_signed_pre_key_id(
    message: *const hush_classic_prekey_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.signed_pre_key_id().0) }
    })
}

/// Writes the sender's registration ID (0 when absent; OMEMO 0.3 senders
/// never write one) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_get_registration_id(
    message: *const hush_classic_prekey_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.registration_id()) }
    })
}

/// Frees a parsed PreKey message; NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_message_free(
    message: *mut hush_classic_prekey_message,
) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

/// Writes whether `message` belongs to a state `record` already has (then
/// decrypting it needs and consumes no pre-keys) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` and `message` are live handles; `out` is valid for a `bool`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_session_has_session_for(
    record: *const hush_classic_session_record,
    message: *const hush_classic_prekey_message,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, message, out => {
        // SAFETY: both are live handles by contract.
        let (record, message) = unsafe { (borrow(record, "record")?, borrow(message, "message")?) };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.has_session_for(&message.0)) }
    })
}

/// Decrypts a parsed classic PreKey message: resumes the state it belongs
/// to, or runs X3DH as recipient with the pre-keys supplied and makes the
/// new session current. Writes the plaintext to `*out_plaintext` and what
/// was consumed to `*out_consumed`.
///
/// Before calling, decide whether to trust
/// `hush_classic_prekey_message_get_identity_key`, and look the pre-keys up
/// by the IDs the message names; either may be NULL (an error only if it is
/// needed). Delete pre-keys only as `*out_consumed` reports.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_MISSING_SIGNED_PREKEY`,
/// `HUSH_RESULT_MISSING_PREKEY` for a needed pre-key not supplied;
/// `HUSH_RESULT_INVALID_BASE_KEY`; `HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH`
/// (the base key of an existing state with another identity key);
/// `HUSH_RESULT_DUPLICATED_MESSAGE` (drop it silently);
/// `HUSH_RESULT_DECRYPTION_FAILED` (drop it);
/// `HUSH_RESULT_INVALID_KEY_AGREEMENT`; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record`, `message`, `local` or an output
/// is NULL; `HUSH_RESULT_PANIC`. On failure the record is unchanged and
/// nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `message`
/// and `local` are live handles; each pre-key record is NULL or live; `rng`
/// is NULL or a live `hush_rng`; the outputs are valid for writes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_classic_session_decrypt_prekey(
    record: *mut hush_classic_session_record,
    message: *const hush_classic_prekey_message,
    local: *const hush_local_identity,
    signed_pre_key: *const hush_signed_prekey_record,
    one_time_pre_key: *const hush_prekey_record,
    rng: *mut hush_rng,
    out_plaintext: *mut hush_buffer,
    out_consumed: *mut hush_classic_consumed_prekeys,
) -> hush_result {
    ffi_boundary!(record, message, local, out_plaintext, out_consumed => {
        // SAFETY: required handles are live (`record` unaliased); the pre-key
        // records are NULL or live, by contract.
        let (record, message, local, pre_keys) = unsafe {
            (
                borrow_mut(record, "record")?,
                borrow(message, "message")?,
                borrow(local, "local")?,
                ClassicPreKeys {
                    signed: signed_pre_key.as_ref().map(|r| &r.0),
                    one_time: one_time_pre_key.as_ref().map(|r| &r.0),
                },
            )
        };
        let next = &mut record.0;
        // SAFETY: `rng` is NULL or live by contract.
        let pending =
            unsafe { with_rng(rng, |rng| next.decrypt_prekey_pending(&message.0, &local.0, pre_keys, rng)) }??;
        let consumed = hush_classic_consumed_prekeys::from_core(pending.consumed());
        // Written before committing, so a failed write changes nothing.
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_buffer(out_plaintext, pending.plaintext())?;
            write_value(out_consumed, consumed)?;
        }
        drop(Zeroizing::new(pending.commit().plaintext));
        Ok(())
    })
}

// ------------------------------------------- libsignal-protocol-c key records

/// Imports a one-time pre-key record written by libsignal-protocol-c
/// (`PreKeyRecordStructure`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_INVALID` or `HUSH_RESULT_STATE_TRUNCATED` for bytes
/// that are not such a record; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL,
/// or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_record_from_lspc(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = lspc::pre_key_from_lspc(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_record(record)) }
    })
}

/// Writes a one-time pre-key record in libsignal-protocol-c's format to
/// `*out` (secret; `hush_buffer_free` zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_prekey_record_to_lspc(
    record: *const hush_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let bytes = lspc::pre_key_to_lspc(&record.0);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Imports a signed pre-key record written by libsignal-protocol-c
/// (`SignedPreKeyRecordStructure`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_INVALID` or `HUSH_RESULT_STATE_TRUNCATED` for bytes
/// that are not such a record; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL,
/// or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_signed_prekey_record_from_lspc(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_signed_prekey_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = lspc::signed_pre_key_from_lspc(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_signed_prekey_record(record)) }
    })
}

/// Writes a signed pre-key record in libsignal-protocol-c's format to
/// `*out` (secret; `hush_buffer_free` zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_signed_prekey_record_to_lspc(
    record: *const hush_signed_prekey_record,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let bytes = lspc::signed_pre_key_to_lspc(&record.0);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

/// Imports an identity key pair written by libsignal-protocol-c
/// (`IdentityKeyPairStructure`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_INVALID` or `HUSH_RESULT_STATE_TRUNCATED` for bytes
/// that are not such a record; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL,
/// or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_identity_key_pair_from_lspc(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_identity_key_pair,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let pair = lspc::identity_key_pair_from_lspc(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_identity_key_pair(pair)) }
    })
}

/// Writes an identity key pair in libsignal-protocol-c's format to `*out`
/// (secret; `hush_buffer_free` zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `pair` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_identity_key_pair_to_lspc(
    pair: *const hush_identity_key_pair,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(pair, out => {
        // SAFETY: `pair` is a live handle by contract.
        let pair = unsafe { borrow(pair, "pair") }?;
        let bytes = lspc::identity_key_pair_to_lspc(&pair.0);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &bytes) }
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use hush::classic::ClassicDecryptError;
    use hush::messages::CiphertextMessageType;
    use hush::session::FailureReason;

    use super::*;
    use crate::error::{hush_result_str, CLASSIC_DESCRIPTIONS as DESCRIPTIONS};

    #[test]
    fn classic_codes_are_described_and_distinct() {
        for (code, text) in DESCRIPTIONS {
            assert!(text.ends_with('\0') && text.find('\0') == Some(text.len() - 1));
            assert!(
                (1200..1300).contains(&code.0),
                "{code:?} outside the classic range"
            );
            // SAFETY: hush_result_str returns a static NUL-terminated string.
            let shown = unsafe { CStr::from_ptr(hush_result_str(*code)) };
            assert_eq!(shown.to_bytes_with_nul(), text.as_bytes());
        }
        assert_ne!(DESCRIPTIONS[0].0, DESCRIPTIONS[1].0);
    }

    #[test]
    fn classic_errors_map_to_their_codes() {
        let cases = [
            (
                ClassicDecryptError::IdentityMismatch,
                HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH,
            ),
            (
                ClassicDecryptError::DuplicatedMessage {
                    chain_index: 2,
                    counter: 1,
                },
                HUSH_RESULT_DUPLICATED_MESSAGE,
            ),
            (
                ClassicDecryptError::DecryptionFailed {
                    message_type: CiphertextMessageType::Whisper,
                    reason: FailureReason::MacMismatch,
                },
                HUSH_RESULT_DECRYPTION_FAILED,
            ),
            (
                ClassicDecryptError::SessionNotFound,
                HUSH_RESULT_SESSION_NOT_FOUND,
            ),
            (
                ClassicDecryptError::MissingPreKey(PreKeyId(3)),
                HUSH_RESULT_MISSING_PREKEY,
            ),
            (
                ClassicDecryptError::MissingSignedPreKey(SignedPreKeyId(3)),
                HUSH_RESULT_MISSING_SIGNED_PREKEY,
            ),
            (
                ClassicDecryptError::InvalidBaseKey,
                HUSH_RESULT_INVALID_BASE_KEY,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(Failure::from(error).code, code);
        }
        assert_eq!(
            Failure::from(InvalidClassicDeviceId(0)).code,
            HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID
        );
    }
}
