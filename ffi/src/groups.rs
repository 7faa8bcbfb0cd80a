//! Groups (sender keys): distribution IDs (`hush_distribution_id`), sender-key
//! records (`hush_sender_key_record`), distribution messages
//! (`hush_sender_key_distribution_message`), parsed group messages
//! (`hush_sender_key_message`), and the four operations: create and process
//! a distribution message, encrypt and decrypt.
//!
//! Keep one record per (sender address, distribution ID): ours to send, one
//! per other member to receive. Send our distribution message to each member
//! inside a 1:1 session message (`hush_session_encrypt`); encrypt each group
//! message once and send it to everyone as type
//! `HUSH_MESSAGE_TYPE_SENDER_KEY`; route an incoming one to its record by
//! the sender and `hush_sender_key_message_get_distribution_id`. An
//! operation changes the record only when it succeeds (a failed one, for any
//! reason, leaves it byte-for-byte as it was), so persist
//! `hush_sender_key_record_serialize` together with the operation's output.

use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionError, DistributionId, GroupDecryptError, GroupEncryptError,
    SenderKeyDistributionMessage, SenderKeyMessage, SenderKeyRecord,
};
use zeroize::Zeroizing;

use crate::args::{borrow, borrow_mut, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{
    hush_result, Failure, HUSH_RESULT_DUPLICATED_MESSAGE, HUSH_RESULT_INVALID_ARGUMENT,
    HUSH_RESULT_INVALID_SENDER_KEY_SESSION, HUSH_RESULT_NO_SENDER_KEY_STATE,
    HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED, HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
    HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE, HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH,
    HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
};
use crate::keys::hush_public_key;
use crate::messages::hush_message_type;
use crate::panic::ffi_boundary;
use crate::rng::{hush_rng, with_rng};

/// A group (sender-key) message: the type to send along with the bytes of
/// `hush_group_encrypt` (libsignal's `SenderKeyMessage`, type 7).
pub const HUSH_MESSAGE_TYPE_SENDER_KEY: hush_message_type = hush_message_type(7);

/// A distribution ID: the UUID the application picks for a group, as its 16
/// bytes in the order of the text form (`d1d1d1d1-7000-…` is
/// `{0xd1, 0xd1, 0xd1, 0xd1, 0x70, 0x00, …}`). Passed by value.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct hush_distribution_id {
    /// The UUID's bytes.
    pub bytes: [u8; 16],
}

impl From<hush_distribution_id> for DistributionId {
    fn from(id: hush_distribution_id) -> Self {
        DistributionId::from_bytes(id.bytes)
    }
}

impl From<DistributionId> for hush_distribution_id {
    fn from(id: DistributionId) -> Self {
        Self {
            bytes: *id.as_bytes(),
        }
    }
}

/// The sender keys of one sender device for one distribution: ours (for
/// `hush_group_encrypt` and `hush_group_create_distribution`), or another
/// member's (for `hush_group_decrypt`, filled by
/// `hush_group_process_distribution`). Up to five chains, newest first.
#[allow(non_camel_case_types)]
pub struct hush_sender_key_record(pub(crate) SenderKeyRecord);

/// A sender-key distribution message: a member's chain ID, current
/// iteration, chain key and public signing key. It contains a secret chain
/// key (zeroized when freed); send it only inside a 1:1 session message.
/// Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_sender_key_distribution_message(pub(crate) SenderKeyDistributionMessage);

/// A parsed group message, to read which distribution (and so which record)
/// it belongs to before decrypting. Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_sender_key_message(pub(crate) SenderKeyMessage);

impl From<DistributionError> for Failure {
    fn from(error: DistributionError) -> Self {
        let code = match error {
            DistributionError::InvalidSenderKeySession { .. } => {
                HUSH_RESULT_INVALID_SENDER_KEY_SESSION
            }
        };
        Self::new(code, error.to_string())
    }
}

impl From<GroupEncryptError> for Failure {
    fn from(error: GroupEncryptError) -> Self {
        let code = match error {
            GroupEncryptError::NoSenderKeyState { .. } => HUSH_RESULT_NO_SENDER_KEY_STATE,
            GroupEncryptError::InvalidSenderKeySession { .. } => {
                HUSH_RESULT_INVALID_SENDER_KEY_SESSION
            }
            GroupEncryptError::ChainExhausted => HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
        };
        Self::new(code, error.to_string())
    }
}

impl From<GroupDecryptError> for Failure {
    fn from(error: GroupDecryptError) -> Self {
        let code = match error {
            GroupDecryptError::Message(message) => return message.into(),
            GroupDecryptError::NoSenderKeyState { .. } => HUSH_RESULT_NO_SENDER_KEY_STATE,
            GroupDecryptError::UnrecognizedMessageVersion(_) => {
                HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH
            }
            GroupDecryptError::SignatureValidationFailed => HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
            GroupDecryptError::DuplicatedMessage { .. } => HUSH_RESULT_DUPLICATED_MESSAGE,
            GroupDecryptError::TooFarInFuture { .. } => HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE,
            GroupDecryptError::DecryptionFailed(_) => HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
            GroupDecryptError::ChainExhausted => HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
        };
        Self::new(code, error.to_string())
    }
}

// ----------------------------------------------------------- distribution ID

/// Parses the text form of a distribution ID, a hyphenated UUID
/// (`d1d1d1d1-7000-11eb-b32a-33b8a8a487a6`, either case; `len` bytes at
/// `text`, no NUL needed), into `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if the text is
/// not a hyphenated UUID; `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or
/// `text` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `text` is valid for `len` bytes; `out` is valid for a
/// `hush_distribution_id` write.
#[no_mangle]
pub unsafe extern "C" fn hush_distribution_id_parse(
    text: *const u8,
    len: usize,
    out: *mut hush_distribution_id,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `text` is valid for `len` bytes by contract.
        let text = unsafe { bytes(text, len, "text") }?;
        let id: DistributionId = std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| Failure::new(HUSH_RESULT_INVALID_ARGUMENT, "not a hyphenated UUID"))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, hush_distribution_id::from(id)) }
    })
}

// ------------------------------------------------------------------ record

/// Makes an empty record: no sender key yet (what libsignal calls "no
/// record").
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_new(
    out: *mut *mut hush_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_record(SenderKeyRecord::new())) }
    })
}

/// Writes the record in hush's versioned storage format to `*out` (it
/// contains secret keys; `hush_buffer_free` zeroizes it). The same record
/// always gives the same bytes, so comparing serializations compares
/// records.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_serialize(
    record: *const hush_sender_key_record,
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

/// Loads a record written by `hush_sender_key_record_serialize` (by this or
/// an earlier release). Every key, length and count is checked, so a record
/// that loads is usable.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_STATE_TRUNCATED`; `HUSH_RESULT_STATE_UNSUPPORTED_VERSION`;
/// `HUSH_RESULT_STATE_WRONG_KIND`; `HUSH_RESULT_STATE_INVALID` (the last
/// error message names the part); `HUSH_RESULT_NULL_ARGUMENT` if `out` is
/// NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`. On failure
/// keep the stored bytes: they are corrupt or from a newer release.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sender_key_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = SenderKeyRecord::from_state(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_record(record)) }
    })
}

/// Writes the number of chains the record holds (0 to 5) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_get_state_count(
    record: *const hush_sender_key_record,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.state_count()) }
    })
}

/// Frees a record, zeroizing its keys. NULL does nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_record_free(record: *mut hush_sender_key_record) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

// ---------------------------------------------------- distribution message

/// Parses a distribution message received from a member (inside a 1:1
/// session message). Nothing is authenticated here: trust it as much as the
/// session it came over.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_TOO_SHORT` (under 65 bytes);
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION` /
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION` (version below / above 3);
/// `HUSH_RESULT_INVALID_PROTOBUF` (bad protobuf, a missing field, or a
/// distribution ID, chain key or signing key that is not 16, 32 or 33 bytes
/// long); `HUSH_RESULT_BAD_KEY_TYPE` (signing key type byte not `0x05`);
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sender_key_distribution_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let message = SenderKeyDistributionMessage::deserialize(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_distribution_message(message)) }
    })
}

/// Writes the message as on the wire to `*out` (it contains the chain key;
/// `hush_buffer_free` zeroizes it).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_serialize(
    message: *const hush_sender_key_distribution_message,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, message.0.serialized()) }
    })
}

/// Writes the distribution ID the sender key is for to `*out`: with the
/// sender's address, it names the record to process the message into.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_distribution_id`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_get_distribution_id(
    message: *const hush_sender_key_distribution_message,
    out: *mut hush_distribution_id,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.distribution_id().into()) }
    })
}

/// Writes the sender chain's ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_get_chain_id(
    message: *const hush_sender_key_distribution_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.chain_id()) }
    })
}

/// Writes the iteration the message starts at to `*out`: a member who
/// processes it can decrypt messages from that iteration on.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_get_iteration(
    message: *const hush_sender_key_distribution_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.iteration()) }
    })
}

/// Copies out the chain's public signing key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_get_signing_key(
    message: *const hush_sender_key_distribution_message,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*message.0.signing_key())) }
    })
}

/// Frees a distribution message, zeroizing its chain key. NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_distribution_message_free(
    message: *mut hush_sender_key_distribution_message,
) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

// ------------------------------------------------------------ group message

/// Parses a group message (type `HUSH_MESSAGE_TYPE_SENDER_KEY`), to read its
/// distribution ID, chain ID and iteration. Structure only: the signature is
/// checked by `hush_group_decrypt`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_TOO_SHORT` (under 65 bytes);
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION` /
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION` (version below / above 3);
/// `HUSH_RESULT_INVALID_PROTOBUF` (bad protobuf, a missing field, a
/// distribution ID that is not 16 bytes); `HUSH_RESULT_NULL_ARGUMENT` if
/// `out` is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_message_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sender_key_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let message = SenderKeyMessage::deserialize(data).map_err(Failure::from)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_message(message)) }
    })
}

/// Writes the message's distribution ID to `*out`: with the sender's
/// address, it names the record to decrypt it with.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_distribution_id`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_message_get_distribution_id(
    message: *const hush_sender_key_message,
    out: *mut hush_distribution_id,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.distribution_id().into()) }
    })
}

/// Writes the sender chain's ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_message_get_chain_id(
    message: *const hush_sender_key_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.chain_id()) }
    })
}

/// Writes the iteration of the message key used to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_message_get_iteration(
    message: *const hush_sender_key_message,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: `message` is a live handle by contract.
        let message = unsafe { borrow(message, "message") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, message.0.iteration()) }
    })
}

/// Frees a parsed group message. NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_key_message_free(message: *mut hush_sender_key_message) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

// --------------------------------------------------------------- operations

/// Our distribution message for `distribution_id`, from `record`, the record
/// of **our own** address for that distribution; writes a new handle to
/// `*out`. An empty record first gets a new sender key (a random 31-bit
/// chain ID, chain key and signing key pair from `rng`); otherwise the
/// newest chain is used as it is, at its *current* iteration, so a member
/// who joins now cannot read earlier messages. Send the serialized message
/// to each member inside a 1:1 session message, and persist the record. To
/// rotate the sender key (after a member leaves), start from a new, empty
/// record.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_SENDER_KEY_SESSION` if the
/// newest chain's message version is not 3;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record` or `out` is NULL; `HUSH_RESULT_PANIC`. On failure the record is
/// unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `rng` is
/// NULL (OS randomness) or a live `hush_rng`; `out` is valid for a pointer
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_group_create_distribution(
    record: *mut hush_sender_key_record,
    distribution_id: hush_distribution_id,
    rng: *mut hush_rng,
    out: *mut *mut hush_sender_key_distribution_message,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live, unaliased handle by contract.
        let record = unsafe { borrow_mut(record, "record") }?;
        // SAFETY: `rng` is NULL or live by contract.
        let message = unsafe { with_rng(rng, |rng| create_distribution_message(&mut record.0, distribution_id.into(), rng)) }??;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_key_distribution_message(message)) }
    })
}

/// Takes a member's distribution message into `record`, the record of (that
/// member's address, the message's distribution ID). The chain becomes the
/// record's newest; a distribution message of a chain the record already
/// has (same chain ID and signing key) keeps that chain's progress, so it
/// cannot roll it back; beyond five chains the oldest is dropped. Check
/// first that it came from that member over your 1:1 session with them.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `message` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `message`
/// is a live handle.
#[no_mangle]
pub unsafe extern "C" fn hush_group_process_distribution(
    record: *mut hush_sender_key_record,
    message: *const hush_sender_key_distribution_message,
) -> hush_result {
    ffi_boundary!(record, message => {
        // SAFETY: both are live handles by contract; `record` is unaliased.
        let (record, message) = unsafe { (borrow_mut(record, "record")?, borrow(message, "message")?) };
        process_distribution_message(&mut record.0, &message.0);
        Ok(())
    })
}

/// Encrypts `plaintext` for the group with our sender key for
/// `distribution_id`; `record` is the record of our own address for it.
/// Writes the group message to `*out_ciphertext`: send it to every member
/// as type `HUSH_MESSAGE_TYPE_SENDER_KEY`, and persist the record.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NO_SENDER_KEY_STATE` if the record
/// is empty (call `hush_group_create_distribution` first);
/// `HUSH_RESULT_INVALID_SENDER_KEY_SESSION` if its newest chain is not ours
/// (no private signing key: a record filled by
/// `hush_group_process_distribution`) or not version 3;
/// `HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED` after 2^32 - 1 messages (start a
/// new sender key); `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out_ciphertext` is NULL, or
/// `plaintext` is NULL with `plaintext_len > 0`; `HUSH_RESULT_PANIC`. On
/// failure the record is unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call;
/// `plaintext` is valid for `plaintext_len` bytes; `rng` is NULL or a live
/// `hush_rng`; `out_ciphertext` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_group_encrypt(
    record: *mut hush_sender_key_record,
    distribution_id: hush_distribution_id,
    plaintext: *const u8,
    plaintext_len: usize,
    rng: *mut hush_rng,
    out_ciphertext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out_ciphertext => {
        // SAFETY: `record` is live and unaliased, `plaintext` valid for its
        // length, by contract.
        let (record, plaintext) = unsafe { (borrow_mut(record, "record")?, bytes(plaintext, plaintext_len, "plaintext")?) };
        // SAFETY: `rng` is NULL or live by contract.
        let message = unsafe { with_rng(rng, |rng| group_encrypt(&mut record.0, distribution_id.into(), plaintext, rng)) }??;
        // SAFETY: `out_ciphertext` is non-NULL and writable by contract.
        unsafe { write_buffer(out_ciphertext, message.serialized()) }
    })
}

/// Decrypts a group message with `record`, the record of (its sender's
/// address, its distribution ID; see
/// `hush_sender_key_message_get_distribution_id`). Writes the plaintext to
/// `*out_plaintext`; persist the record. Messages may arrive in any order:
/// up to 25 000 iterations ahead, and 2000 skipped ones are kept per chain.
///
/// Returns `HUSH_RESULT_OK`; a parse error (`HUSH_RESULT_MESSAGE_TOO_SHORT`,
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION` for a version above 3,
/// `HUSH_RESULT_INVALID_PROTOBUF`); `HUSH_RESULT_NO_SENDER_KEY_STATE` (the
/// record has no chain with the message's chain ID: ask the sender for its
/// distribution message); `HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH`;
/// `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` (forged or corrupted);
/// `HUSH_RESULT_DUPLICATED_MESSAGE` (already decrypted, from before the
/// distribution message, or its key was evicted: drop it silently);
/// `HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE`;
/// `HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED`;
/// `HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record` or `out_plaintext` is NULL, or `ciphertext` is NULL with
/// `ciphertext_len > 0`; `HUSH_RESULT_PANIC`. On failure the record is
/// byte-for-byte unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call;
/// `ciphertext` is valid for `ciphertext_len` bytes; `out_plaintext` is
/// valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_group_decrypt(
    record: *mut hush_sender_key_record,
    ciphertext: *const u8,
    ciphertext_len: usize,
    out_plaintext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, out_plaintext => {
        // SAFETY: `record` is live and unaliased, `ciphertext` valid for its
        // length, by contract.
        let (record, ciphertext) = unsafe { (borrow_mut(record, "record")?, bytes(ciphertext, ciphertext_len, "ciphertext")?) };
        let plaintext = Zeroizing::new(group_decrypt(&mut record.0, ciphertext)?);
        // SAFETY: `out_plaintext` is non-NULL and writable by contract.
        unsafe { write_buffer(out_plaintext, &plaintext) }
    })
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::buffer::hush_buffer_free;
    use crate::error::*;

    const GROUP: hush_distribution_id = hush_distribution_id { bytes: [0x42; 16] };

    fn ok(rc: hush_result) {
        assert_eq!(rc, HUSH_RESULT_OK);
    }

    fn take(mut buf: hush_buffer) -> Vec<u8> {
        // SAFETY: `buf` was filled by the library (or is empty).
        unsafe {
            let bytes = if buf.ptr.is_null() {
                Vec::new()
            } else {
                std::slice::from_raw_parts(buf.ptr, buf.len).to_vec()
            };
            hush_buffer_free(&mut buf);
            bytes
        }
    }

    fn serialized(record: *const hush_sender_key_record) -> Vec<u8> {
        let mut out = hush_buffer {
            ptr: null_mut(),
            len: 0,
        };
        // SAFETY: `record` is live; `out` is writable.
        ok(unsafe { hush_sender_key_record_serialize(record, &mut out) });
        take(out)
    }

    #[test]
    fn errors_map_to_their_codes() {
        use hush::messages::MessageError;
        use hush::primitives::CipherError;
        let id = DistributionId::from_bytes([1; 16]);
        let decrypt = [
            (
                GroupDecryptError::Message(MessageError::CiphertextMessageTooShort(3)),
                HUSH_RESULT_MESSAGE_TOO_SHORT,
            ),
            (
                GroupDecryptError::NoSenderKeyState {
                    distribution_id: id,
                    chain_id: 1,
                },
                HUSH_RESULT_NO_SENDER_KEY_STATE,
            ),
            (
                GroupDecryptError::UnrecognizedMessageVersion(3),
                HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH,
            ),
            (
                GroupDecryptError::SignatureValidationFailed,
                HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
            ),
            (
                GroupDecryptError::DuplicatedMessage {
                    current: 2,
                    received: 1,
                },
                HUSH_RESULT_DUPLICATED_MESSAGE,
            ),
            (
                GroupDecryptError::TooFarInFuture {
                    current: 0,
                    received: 25_001,
                },
                HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE,
            ),
            (
                GroupDecryptError::DecryptionFailed(CipherError::BadPadding),
                HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
            ),
            (
                GroupDecryptError::ChainExhausted,
                HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
            ),
        ];
        for (error, code) in decrypt {
            assert_eq!(Failure::from(error).code, code);
        }
        assert_eq!(
            Failure::from(GroupEncryptError::NoSenderKeyState {
                distribution_id: id
            })
            .code,
            HUSH_RESULT_NO_SENDER_KEY_STATE
        );
        let invalid = GroupEncryptError::InvalidSenderKeySession {
            distribution_id: id,
            reason: "x",
        };
        assert_eq!(
            Failure::from(invalid).code,
            HUSH_RESULT_INVALID_SENDER_KEY_SESSION
        );
        assert_eq!(
            Failure::from(GroupEncryptError::ChainExhausted).code,
            HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED
        );
        let invalid = DistributionError::InvalidSenderKeySession {
            distribution_id: id,
            reason: "x",
        };
        assert_eq!(
            Failure::from(invalid).code,
            HUSH_RESULT_INVALID_SENDER_KEY_SESSION
        );
    }

    #[test]
    fn distribute_encrypt_decrypt_and_failures_change_nothing() {
        // SAFETY: every handle passed is live and every output writable.
        unsafe {
            let (mut own, mut theirs, mut skdm) = (null_mut(), null_mut(), null_mut());
            ok(hush_sender_key_record_new(&mut own));
            ok(hush_sender_key_record_new(&mut theirs));
            let mut empty = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            assert_eq!(
                hush_group_encrypt(own, GROUP, b"x".as_ptr(), 1, null_mut(), &mut empty),
                HUSH_RESULT_NO_SENDER_KEY_STATE
            );
            assert!(empty.ptr.is_null());
            ok(hush_group_create_distribution(
                own,
                GROUP,
                null_mut(),
                &mut skdm,
            ));
            let mut wire = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            ok(hush_sender_key_distribution_message_serialize(
                skdm, &mut wire,
            ));
            let wire = take(wire);
            let mut parsed = null_mut();
            ok(hush_sender_key_distribution_message_deserialize(
                wire.as_ptr(),
                wire.len(),
                &mut parsed,
            ));
            let mut id = hush_distribution_id { bytes: [0; 16] };
            ok(hush_sender_key_distribution_message_get_distribution_id(
                parsed, &mut id,
            ));
            assert_eq!(id, GROUP);
            ok(hush_group_process_distribution(theirs, parsed));

            let mut ct = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            ok(hush_group_encrypt(
                own,
                GROUP,
                b"hello".as_ptr(),
                5,
                null_mut(),
                &mut ct,
            ));
            let ct = take(ct);
            let mut message = null_mut();
            ok(hush_sender_key_message_deserialize(
                ct.as_ptr(),
                ct.len(),
                &mut message,
            ));
            let (mut iteration, mut chain) = (9, 0);
            ok(hush_sender_key_message_get_iteration(
                message,
                &mut iteration,
            ));
            ok(hush_sender_key_message_get_chain_id(message, &mut chain));
            ok(hush_sender_key_distribution_message_get_chain_id(
                parsed,
                &mut iteration,
            ));
            assert_eq!(iteration, chain);
            let mut pt = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            ok(hush_group_decrypt(theirs, ct.as_ptr(), ct.len(), &mut pt));
            assert_eq!(take(pt), b"hello");
            let before = serialized(theirs);
            let mut pt = hush_buffer {
                ptr: null_mut(),
                len: 0,
            };
            assert_eq!(
                hush_group_decrypt(theirs, ct.as_ptr(), ct.len(), &mut pt),
                HUSH_RESULT_DUPLICATED_MESSAGE
            );
            assert!(pt.ptr.is_null());
            assert_eq!(serialized(theirs), before);
            assert_eq!(
                hush_group_decrypt(theirs, null(), 3, &mut pt),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_group_decrypt(null_mut(), ct.as_ptr(), ct.len(), &mut pt),
                HUSH_RESULT_NULL_ARGUMENT
            );

            // Reload both records.
            let stored = serialized(own);
            let mut reloaded = null_mut();
            ok(hush_sender_key_record_deserialize(
                stored.as_ptr(),
                stored.len(),
                &mut reloaded,
            ));
            assert_eq!(serialized(reloaded), stored);
            let mut count = 0;
            ok(hush_sender_key_record_get_state_count(reloaded, &mut count));
            assert_eq!(count, 1);
            assert_eq!(
                hush_sender_key_record_deserialize(stored.as_ptr(), 1, &mut reloaded),
                HUSH_RESULT_STATE_TRUNCATED
            );

            let text = "D1D1D1D1-7000-11eb-b32a-33b8a8a487a6";
            ok(hush_distribution_id_parse(
                text.as_ptr(),
                text.len(),
                &mut id,
            ));
            assert_eq!(id.bytes[..5], [0xd1, 0xd1, 0xd1, 0xd1, 0x70]);
            assert_eq!(
                hush_distribution_id_parse(text.as_ptr(), 35, &mut id),
                HUSH_RESULT_INVALID_ARGUMENT
            );

            hush_sender_key_message_free(message);
            hush_sender_key_distribution_message_free(parsed);
            hush_sender_key_distribution_message_free(skdm);
            hush_sender_key_record_free(reloaded);
            hush_sender_key_record_free(own);
            hush_sender_key_record_free(theirs);
            hush_sender_key_record_free(null_mut());
        }
    }
}
