//! Classic groups: libsignal-protocol-c's sender keys (version byte `0x33`,
//! no distribution ID on the wire; not compatible with the version-4
//! `hush_sender_key_record`). The application names the group: keep one
//! `hush_classic_sender_key_record` per (group ID, sender device), your own
//! under your own address, as libsignal-protocol-c's sender key store does.
//!
//! The sender creates a distribution message from its own record and sends
//! it to every member over their 1:1 sessions; each member processes it into
//! the record it keeps for that sender; then group messages go to everyone.
//! Every operation changes the record only when it succeeds.

use hush::classic::{
    ClassicGroupError, ClassicSenderKeyDistributionMessage, ClassicSenderKeyMessage,
    ClassicSenderKeyRecord,
};
use zeroize::Zeroizing;

use crate::args::{borrow, borrow_mut, bytes, free_handle, write_handle};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{
    hush_result, Failure, HUSH_RESULT_DUPLICATED_MESSAGE, HUSH_RESULT_INVALID_SENDER_KEY_SESSION,
    HUSH_RESULT_NO_SENDER_KEY_STATE, HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
    HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED, HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE,
    HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
};
use crate::panic::ffi_boundary;
use crate::rng::{hush_rng, with_rng};

/// The sender-key states of one sender in one group (up to 5 chains), in
/// libsignal-protocol-c's format.
#[allow(non_camel_case_types)]
pub struct hush_classic_sender_key_record(pub(crate) ClassicSenderKeyRecord);

impl From<ClassicGroupError> for Failure {
    fn from(error: ClassicGroupError) -> Self {
        let code = match &error {
            ClassicGroupError::NoSenderKeyState | ClassicGroupError::UnknownChain(_) => {
                HUSH_RESULT_NO_SENDER_KEY_STATE
            }
            ClassicGroupError::NotOurSenderKey => HUSH_RESULT_INVALID_SENDER_KEY_SESSION,
            ClassicGroupError::SignatureValidationFailed => HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
            ClassicGroupError::DuplicatedMessage { .. } => HUSH_RESULT_DUPLICATED_MESSAGE,
            ClassicGroupError::TooFarInFuture { .. } => HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE,
            ClassicGroupError::DecryptionFailed(_) => HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
            ClassicGroupError::ChainExhausted => HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
        };
        Self::new(code, error.to_string())
    }
}

/// Makes an empty record.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_sender_key_record_new(
    out: *mut *mut hush_classic_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_sender_key_record(ClassicSenderKeyRecord::new())) }
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
pub unsafe extern "C" fn hush_classic_sender_key_record_serialize(
    record: *const hush_classic_sender_key_record,
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

/// Loads a record written by `hush_classic_sender_key_record_serialize`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_TRUNCATED`; `HUSH_RESULT_STATE_UNSUPPORTED_VERSION`;
/// `HUSH_RESULT_STATE_WRONG_KIND` (for example a version-4 sender-key
/// record); `HUSH_RESULT_STATE_INVALID`; `HUSH_RESULT_NULL_ARGUMENT` if `out`
/// is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_sender_key_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_classic_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = ClassicSenderKeyRecord::from_state(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_sender_key_record(record)) }
    })
}

/// Writes the record as libsignal-protocol-c stores it
/// (`SenderKeyRecordStructure`) to `*out` (secret; `hush_buffer_free`
/// zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if an argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_sender_key_record_to_lspc(
    record: *const hush_classic_sender_key_record,
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

/// Imports a sender-key record written by libsignal-protocol-c
/// (`SenderKeyRecordStructure`). Every key, length and count is checked.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_INVALID` or `HUSH_RESULT_STATE_TRUNCATED` for bytes
/// that are not such a record; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL,
/// or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_sender_key_record_from_lspc(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_classic_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = ClassicSenderKeyRecord::from_lspc(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_classic_sender_key_record(record)) }
    })
}

/// Frees a record; NULL does nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_sender_key_record_free(
    record: *mut hush_classic_sender_key_record,
) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

/// Makes a distribution message for our own sender key in this group
/// (`record` is the one we keep for ourselves), creating the key first if
/// the record is empty (31-bit chain ID, random chain key, new signing key).
/// A later call describes the current iteration. Send it to each member
/// over the 1:1 sessions.
///
/// Returns `HUSH_RESULT_OK` and writes the message to `*out`;
/// `HUSH_RESULT_INVALID_SENDER_KEY_SESSION` if the record's newest state is
/// someone else's; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`. On failure the record is unchanged.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `rng` is
/// NULL or a live `hush_rng`; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_group_create_distribution(
    record: *mut hush_classic_sender_key_record,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live, unaliased handle by contract.
        let record = unsafe { borrow_mut(record, "record") }?;
        let mut next = record.0.clone();
        // SAFETY: `rng` is NULL or live by contract.
        let message = unsafe { with_rng(rng, |rng| next.create_distribution_message(rng)) }??;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, message.serialized()) }?;
        record.0 = next;
        Ok(())
    })
}

/// Processes a distribution message from a sender into the record we keep
/// for that sender in this group (up to 5 chains, oldest dropped).
///
/// Returns `HUSH_RESULT_OK`; a parse error (`HUSH_RESULT_MESSAGE_TOO_SHORT`,
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`, `HUSH_RESULT_INVALID_PROTOBUF`,
/// an EC key error); `HUSH_RESULT_NULL_ARGUMENT` if `record` is NULL, or
/// `skdm` is NULL with `skdm_len > 0`; `HUSH_RESULT_PANIC`. On failure the
/// record is unchanged.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `skdm` is
/// valid for `skdm_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_group_process_distribution(
    record: *mut hush_classic_sender_key_record,
    skdm: *const u8,
    skdm_len: usize,
) -> hush_result {
    ffi_boundary!(record => {
        // SAFETY: `record` is live and unaliased, `skdm` valid for its length, by contract.
        let (record, skdm) = unsafe { (borrow_mut(record, "record")?, bytes(skdm, skdm_len, "skdm")?) };
        let message = ClassicSenderKeyDistributionMessage::deserialize(skdm)?;
        record.0.process_distribution_message(&message);
        Ok(())
    })
}

/// Encrypts a group message with our sender key (`record` is our own for the
/// group) and writes it to `*out` (version byte `0x33`, signed).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NO_SENDER_KEY_STATE` if the record
/// is empty (create a distribution message first);
/// `HUSH_RESULT_INVALID_SENDER_KEY_SESSION` if its newest state is not ours;
/// `HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED`;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record` or `out` is NULL, or `plaintext` is NULL with
/// `plaintext_len > 0`; `HUSH_RESULT_PANIC`. On failure the record is
/// unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call;
/// `plaintext` is valid for `plaintext_len` bytes; `rng` is NULL or a live
/// `hush_rng`; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_group_encrypt(
    record: *mut hush_classic_sender_key_record,
    plaintext: *const u8,
    plaintext_len: usize,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is live and unaliased, `plaintext` valid for its length, by contract.
        let (record, plaintext) =
            unsafe { (borrow_mut(record, "record")?, bytes(plaintext, plaintext_len, "plaintext")?) };
        let mut next = record.0.clone();
        // SAFETY: `rng` is NULL or live by contract.
        let message = unsafe { with_rng(rng, |rng| next.encrypt(plaintext, rng)) }??;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, message.serialized()) }?;
        record.0 = next;
        Ok(())
    })
}

/// Decrypts a group message with the record we keep for its sender in this
/// group (version-3 messages name no group: the transport must say which).
/// Writes the plaintext to `*out`.
///
/// Returns `HUSH_RESULT_OK`; a parse error (see
/// `hush_classic_group_process_distribution`);
/// `HUSH_RESULT_NO_SENDER_KEY_STATE` (no state for the message's chain ID);
/// `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` (drop it);
/// `HUSH_RESULT_DUPLICATED_MESSAGE` (already decrypted, or from before the
/// distribution message: drop it silently);
/// `HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE` (more than 2 000 ahead);
/// `HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED`;
/// `HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record` or `out` is NULL, or `ciphertext` is NULL with
/// `ciphertext_len > 0`; `HUSH_RESULT_PANIC`. On failure the record is
/// unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call;
/// `ciphertext` is valid for `ciphertext_len` bytes; `out` is valid for a
/// `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_classic_group_decrypt(
    record: *mut hush_classic_sender_key_record,
    ciphertext: *const u8,
    ciphertext_len: usize,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is live and unaliased, `ciphertext` valid for its length, by contract.
        let (record, ciphertext) =
            unsafe { (borrow_mut(record, "record")?, bytes(ciphertext, ciphertext_len, "ciphertext")?) };
        let message = ClassicSenderKeyMessage::deserialize(ciphertext)?;
        let mut next = record.0.clone();
        let plaintext = Zeroizing::new(next.decrypt(&message)?);
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &plaintext) }?;
        record.0 = next;
        Ok(())
    })
}
