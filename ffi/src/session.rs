//! 1:1 sessions: the record (`hush_session_record`), our identity as a
//! participant (`hush_local_identity`), and the operations: start a session
//! from a bundle, encrypt, decrypt either message type, and the two-step
//! PreKey path that reports which pre-keys were consumed.
//!
//! State in, state out: an operation mutates the record handle only when it
//! succeeds, and writes no output otherwise. The core computes every change
//! on the side and commits it last; randomness is drawn as one seed before
//! the operation starts (see `rng.rs`), and output pointers are checked
//! before it, so nothing can fail after the commit and no copy of the
//! record is needed. There are no
//! store callbacks: the application persists the record
//! (`hush_session_record_serialize`), checks trust, looks pre-keys up by the
//! IDs a PreKey message names, and deletes them only when reported consumed.

use hush::keys::{IdentityKey, Timestamp, EC_PUBLIC_KEY_LEN};
use hush::messages::{CiphertextMessageType, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, ConsumedPreKeys, LocalIdentity, PreKeys, SessionRecord};
use zeroize::Zeroizing;

use crate::address::hush_protocol_address;
use crate::args::{borrow, borrow_mut, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::bundle::hush_prekey_bundle;
use crate::error::{
    hush_result, Failure, HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE, HUSH_RESULT_SESSION_NOT_FOUND,
    HUSH_RESULT_UNTRUSTED_IDENTITY,
};
use crate::keys::{hush_identity_key_pair, hush_public_key};
use crate::messages::{
    hush_message_type, hush_prekey_message, HUSH_MESSAGE_TYPE_PREKEY, HUSH_MESSAGE_TYPE_WHISPER,
};
use crate::panic::ffi_boundary;
use crate::prekeys::{hush_kyber_prekey_record, hush_prekey_record, hush_signed_prekey_record};
use crate::rng::{hush_rng, with_rng};

/// Length of a serialized EC public key (`0x05` and 32 bytes).
pub const HUSH_PUBLIC_KEY_LENGTH: usize = 33;
const _: () = assert!(HUSH_PUBLIC_KEY_LENGTH == EC_PUBLIC_KEY_LEN);

/// A 1:1 session record with one peer device: the current session state and
/// up to 40 archived ones. Persist it with `hush_session_record_serialize`
/// after every successful operation, in the same transaction as the
/// operation's output.
#[allow(non_camel_case_types)]
pub struct hush_session_record(pub(crate) SessionRecord);

/// Our identity as a session participant: the identity key pair and our
/// registration ID. Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_local_identity(pub(crate) LocalIdentity);

/// The pre-keys a PreKey message used up when it created a new session.
///
/// When `new_session` is false the message belonged to a session the record
/// already had, nothing was consumed, and the other fields are zero.
/// Otherwise delete the one-time pre-key (if `has_one_time_pre_key`) and a
/// one-time Kyber pre-key; for a last-resort Kyber pre-key, remember
/// `(kyber_pre_key_id, signed_pre_key_id, base_key)` and refuse that
/// combination a second time.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct hush_consumed_prekeys {
    /// Whether the message created a new session (and so consumed pre-keys).
    pub new_session: bool,
    /// Whether a one-time EC pre-key was used.
    pub has_one_time_pre_key: bool,
    /// The one-time EC pre-key's ID (0 unless `has_one_time_pre_key`).
    pub one_time_pre_key_id: u32,
    /// The signed pre-key's ID.
    pub signed_pre_key_id: u32,
    /// The Kyber pre-key's ID.
    pub kyber_pre_key_id: u32,
    /// The initiator's serialized base key (`0x05` and 32 bytes).
    pub base_key: [u8; HUSH_PUBLIC_KEY_LENGTH],
}

impl hush_consumed_prekeys {
    fn from_core(consumed: Option<&ConsumedPreKeys>) -> Self {
        match consumed {
            None => Self {
                new_session: false,
                has_one_time_pre_key: false,
                one_time_pre_key_id: 0,
                signed_pre_key_id: 0,
                kyber_pre_key_id: 0,
                base_key: [0; HUSH_PUBLIC_KEY_LENGTH],
            },
            Some(c) => Self {
                new_session: true,
                has_one_time_pre_key: c.one_time.is_some(),
                one_time_pre_key_id: c.one_time.map_or(0, |id| id.0),
                signed_pre_key_id: c.signed.0,
                kyber_pre_key_id: c.kyber.0,
                base_key: c.base_key.serialize(),
            },
        }
    }
}

// ------------------------------------------------------------ local identity

/// Makes our participant identity from an identity key pair (copied; the
/// caller still owns it) and our registration ID.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `key_pair` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `key_pair` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_local_identity_new(
    key_pair: *const hush_identity_key_pair,
    registration_id: u32,
    out: *mut *mut hush_local_identity,
) -> hush_result {
    ffi_boundary!(key_pair, out => {
        // SAFETY: `key_pair` is a live handle by contract.
        let key_pair = unsafe { borrow(key_pair, "key_pair") }?;
        let local = LocalIdentity { key_pair: key_pair.0.clone(), registration_id };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_local_identity(local)) }
    })
}

/// Writes our registration ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `local` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `local` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_local_identity_get_registration_id(
    local: *const hush_local_identity,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(local, out => {
        // SAFETY: `local` is a live handle by contract.
        let local = unsafe { borrow(local, "local") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, local.0.registration_id) }
    })
}

/// Copies out our public identity key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `local` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `local` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_local_identity_get_identity_key(
    local: *const hush_local_identity,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(local, out => {
        // SAFETY: `local` is a live handle by contract.
        let local = unsafe { borrow(local, "local") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*local.0.key_pair.identity_key().public_key())) }
    })
}

/// Frees a local identity, zeroizing its private key. NULL does nothing.
///
/// # Safety
/// `local` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_local_identity_free(local: *mut hush_local_identity) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(local) }
}

// ------------------------------------------------------------------- record

/// Makes an empty record (no session yet).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_new(
    out: *mut *mut hush_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_session_record(SessionRecord::new())) }
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
pub unsafe extern "C" fn hush_session_record_serialize(
    record: *const hush_session_record,
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

/// Loads a record written by `hush_session_record_serialize` (by this or an
/// earlier release). Every key, length and count is checked, so a record
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
pub unsafe extern "C" fn hush_session_record_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_session_record,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let record = SessionRecord::from_state(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_session_record(record)) }
    })
}

/// Archives the current session state (for a session reset: the next
/// message will need a new session, while late messages of the old one
/// still decrypt). Writes whether there was a current state to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `out` is
/// valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_archive_current_state(
    record: *mut hush_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live, unaliased handle by contract.
        let record = unsafe { borrow_mut(record, "record") }?;
        // Cannot fail: `out` was checked before the record is touched.
        let archived = record.0.archive_current_state();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, archived) }
    })
}

/// Writes whether the record has a current session state to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_has_current_state(
    record: *const hush_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.has_current_state()) }
    })
}

/// Writes whether the current state can encrypt at `now_ms` (milliseconds
/// since the Unix epoch) to `*out`: it exists, can send, and is not an
/// unacknowledged session older than 30 days.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_is_usable(
    record: *const hush_session_record,
    now_ms: u64,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.is_usable(Timestamp::from_millis(now_ms))) }
    })
}

/// Writes whether the current state is still unacknowledged (it sends PreKey
/// messages because nothing has been received on it yet) to `*out`; false
/// when there is no current state.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_is_unacknowledged(
    record: *const hush_session_record,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.is_unacknowledged()) }
    })
}

/// Writes the number of archived states (0 to 40) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `record` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_get_archived_count(
    record: *const hush_session_record,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.archived_count()) }
    })
}

pub(crate) fn untrusted_identity() -> Failure {
    Failure::new(
        HUSH_RESULT_UNTRUSTED_IDENTITY,
        "the message comes from an identity other than the trusted one",
    )
}

fn no_current_state() -> Failure {
    Failure::new(
        HUSH_RESULT_SESSION_NOT_FOUND,
        "the record has no current session state",
    )
}

/// Copies out the peer's identity key in the current state. After
/// decrypting, check that you still trust it.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SESSION_NOT_FOUND` if there is no current state;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_get_remote_identity_key(
    record: *const hush_session_record,
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

/// Copies out our own identity key in the current state.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SESSION_NOT_FOUND` if there is no current state;
/// `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_get_local_identity_key(
    record: *const hush_session_record,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let key = record.0.local_identity().ok_or_else(no_current_state)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_public_key(*key.public_key())) }
    })
}

/// Writes the peer's registration ID in the current state to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SESSION_NOT_FOUND` if there is no
/// current state; `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_get_remote_registration_id(
    record: *const hush_session_record,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let id = record.0.remote_registration_id().ok_or_else(no_current_state)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, id) }
    })
}

/// Writes our registration ID in the current state to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SESSION_NOT_FOUND` if there is no
/// current state; `HUSH_RESULT_NULL_ARGUMENT` if `record` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_get_local_registration_id(
    record: *const hush_session_record,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(record, out => {
        // SAFETY: `record` is a live handle by contract.
        let record = unsafe { borrow(record, "record") }?;
        let id = record.0.local_registration_id().ok_or_else(no_current_state)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, id) }
    })
}

/// Frees a record, zeroizing its keys. NULL does nothing.
///
/// # Safety
/// `record` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_session_record_free(record: *mut hush_session_record) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(record) }
}

// --------------------------------------------------------------- operations

/// Borrows the two addresses of a session.
///
/// # Safety
/// Both pointers are NULL or live handles.
unsafe fn addresses<'a>(
    local_address: *const hush_protocol_address,
    remote_address: *const hush_protocol_address,
) -> Result<Addresses<'a>, Failure> {
    // SAFETY: forwarded caller guarantee.
    let (local, remote) = unsafe {
        (
            borrow(local_address, "local_address")?,
            borrow(remote_address, "remote_address")?,
        )
    };
    Ok(Addresses {
        local: &local.0,
        remote: &remote.0,
    })
}

/// Starts a session with the owner of `bundle`, as initiator (PQXDH): checks
/// both pre-key signatures, then makes the new session the record's current
/// state (archiving the old one). Messages encrypted next are PreKey messages
/// until the peer replies. Decide whether to trust the bundle's identity key
/// (`hush_prekey_bundle_get_identity_key`) before calling. `now_ms` is the
/// current time in milliseconds since the Unix epoch; an unacknowledged
/// session stops encrypting 30 days after it.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SIGNATURE_VALIDATION_FAILED` if a
/// pre-key signature does not verify (drop the bundle);
/// `HUSH_RESULT_INVALID_KEY_AGREEMENT` if a bundle key is degenerate;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record`, `bundle` or `local` is NULL; `HUSH_RESULT_PANIC`. On failure
/// the record is unchanged.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `bundle`
/// and `local` are live handles; `rng` is NULL (OS randomness) or a live
/// `hush_rng`.
#[no_mangle]
pub unsafe extern "C" fn hush_session_initiate(
    record: *mut hush_session_record,
    bundle: *const hush_prekey_bundle,
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

/// Encrypts `plaintext` with the current session state. Writes the message
/// type to `*out_type` and the message to `*out_ciphertext`: a PreKey
/// message (`HUSH_MESSAGE_TYPE_PREKEY`) while the session is
/// unacknowledged, a `SignalMessage` (`HUSH_MESSAGE_TYPE_WHISPER`) after.
/// Send both. `local_address` is ours and `remote_address` the peer's (when
/// both names are service IDs, a PreKey message is bound to them); `now_ms`
/// is the current time in milliseconds since the Unix epoch.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_SESSION_NOT_FOUND` if there is no
/// current state; `HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION` if the session
/// was never acknowledged and is more than 30 days old (fetch a new
/// bundle); `HUSH_RESULT_INVALID_SESSION_STATE` if the state cannot send;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if a
/// handle or output is NULL, or `plaintext` is NULL with
/// `plaintext_len > 0`; `HUSH_RESULT_PANIC`. On failure the record is
/// unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; the
/// addresses are live handles; `plaintext` is valid for `plaintext_len`
/// bytes; `rng` is NULL or a live `hush_rng`; the outputs are valid for
/// writes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_session_encrypt(
    record: *mut hush_session_record,
    plaintext: *const u8,
    plaintext_len: usize,
    local_address: *const hush_protocol_address,
    remote_address: *const hush_protocol_address,
    now_ms: u64,
    rng: *mut hush_rng,
    out_type: *mut hush_message_type,
    out_ciphertext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, local_address, remote_address, out_type, out_ciphertext => {
        // SAFETY: handles are live (`record` unaliased) and `plaintext` valid
        // for its length, by contract.
        let (record, plaintext, addresses) = unsafe {
            (
                borrow_mut(record, "record")?,
                bytes(plaintext, plaintext_len, "plaintext")?,
                addresses(local_address, remote_address)?,
            )
        };
        let next = &mut record.0;
        let now = Timestamp::from_millis(now_ms);
        // SAFETY: `rng` is NULL or live by contract.
        let message = unsafe { with_rng(rng, |rng| next.encrypt(plaintext, addresses, now, rng)) }??;
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_buffer(out_ciphertext, message.serialized())?;
            write_value(out_type, hush_message_type::from(message.message_type()))?;
        }
        Ok(())
    })
}

/// Decrypts a message of either type, dispatching on `message_type` as the
/// transport delivered it (if it does not carry the type, get it from
/// `hush_message_detect_type`). Writes the plaintext to `*out_plaintext`.
///
/// - `HUSH_MESSAGE_TYPE_WHISPER`: a `SignalMessage`, tried against the
///   current state and then the archived ones (one that works becomes
///   current).
/// - `HUSH_MESSAGE_TYPE_PREKEY`: a PreKey message of a session the record
///   already has (a sender keeps sending PreKey messages until it hears
///   back). This consumes no pre-keys. A PreKey message that would create a
///   new session fails with `HUSH_RESULT_MISSING_SIGNED_PREKEY`, the record
///   unchanged: use `hush_prekey_message_deserialize`, check the identity,
///   and `hush_session_decrypt_prekey` with the pre-keys it names.
///
/// `local` is our identity (used for PreKey messages), `local_address` ours
/// and `remote_address` the sender's. `trusted_identity` follows the rule
/// of every decrypt function (see the crate documentation, "Trust"): the
/// identity key you trust for the sender, compared with the authenticated
/// sender identity (the remote identity of the state that decrypts) before
/// anything is committed; on a mismatch the call fails with
/// `HUSH_RESULT_UNTRUSTED_IDENTITY`, the record unchanged. NULL accepts any
/// identity (trust on first use: only when you hold no identity for the
/// sender yet).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` for any
/// other type; a parse error (`HUSH_RESULT_MESSAGE_TOO_SHORT`,
/// `HUSH_RESULT_MESSAGE_LEGACY_VERSION`,
/// `HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION`, `HUSH_RESULT_INVALID_PROTOBUF`,
/// `HUSH_RESULT_MESSAGE_KYBER_MISSING`,
/// `HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT`, or an EC key error);
/// `HUSH_RESULT_SESSION_NOT_FOUND` (a `SignalMessage` for an empty record);
/// `HUSH_RESULT_DUPLICATED_MESSAGE` (drop it silently);
/// `HUSH_RESULT_DECRYPTION_FAILED` (drop it);
/// `HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED`;
/// `HUSH_RESULT_MISSING_SIGNED_PREKEY` (see above);
/// `HUSH_RESULT_UNTRUSTED_IDENTITY` (see above);
/// `HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY` (a PreKey message that names
/// an existing session but carries another identity: drop it);
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if a
/// handle or `out_plaintext` is NULL, or `ciphertext` is NULL with
/// `ciphertext_len > 0`; `HUSH_RESULT_PANIC`. On failure the record is
/// unchanged and nothing is written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `local`
/// and the addresses are live handles; `trusted_identity` is NULL or a live
/// handle; `ciphertext` is valid for `ciphertext_len` bytes; `rng` is NULL
/// or a live `hush_rng`;
/// `out_plaintext` is valid for a `hush_buffer` write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_session_decrypt(
    record: *mut hush_session_record,
    local: *const hush_local_identity,
    message_type: hush_message_type,
    ciphertext: *const u8,
    ciphertext_len: usize,
    local_address: *const hush_protocol_address,
    remote_address: *const hush_protocol_address,
    trusted_identity: *const hush_public_key,
    rng: *mut hush_rng,
    out_plaintext: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(record, local, local_address, remote_address, out_plaintext => {
        // SAFETY: handles are live (`record` unaliased), `trusted_identity`
        // NULL or live, and `ciphertext` valid for its length, by contract.
        let (record, local, ciphertext, addresses, trusted) = unsafe {
            (
                borrow_mut(record, "record")?,
                borrow(local, "local")?,
                bytes(ciphertext, ciphertext_len, "ciphertext")?,
                addresses(local_address, remote_address)?,
                trusted_identity.as_ref().map(|key| &key.0),
            )
        };
        let trusts = |identity: &IdentityKey| trusts(trusted, identity);
        let next = &mut record.0;
        match message_type {
            HUSH_MESSAGE_TYPE_WHISPER => {
                let message = SignalMessage::deserialize(ciphertext)?;
                // SAFETY: `rng` is NULL or live by contract.
                let pending = unsafe { with_rng(rng, |rng| next.decrypt_pending(&message, addresses, rng)) }??;
                if !trusts(pending.remote_identity()) {
                    return Err(untrusted_identity());
                }
                // Written before committing, so a failed write changes nothing.
                // SAFETY: `out_plaintext` is non-NULL and writable by contract.
                unsafe { write_buffer(out_plaintext, pending.plaintext()) }?;
                drop(Zeroizing::new(pending.commit()));
                Ok(())
            }
            HUSH_MESSAGE_TYPE_PREKEY => {
                let message = PreKeySignalMessage::deserialize(ciphertext)?;
                // SAFETY: `rng` is NULL or live by contract.
                let pending =
                    unsafe { with_rng(rng, |rng| next.decrypt_prekey_pending(&message, &local.0, PreKeys::default(), addresses, rng)) }??;
                if !trusts(pending.remote_identity()) {
                    return Err(untrusted_identity());
                }
                // SAFETY: `out_plaintext` is non-NULL and writable by contract.
                unsafe { write_buffer(out_plaintext, pending.plaintext()) }?;
                drop(Zeroizing::new(pending.commit().plaintext));
                Ok(())
            }
            hush_message_type(other) => Err(Failure::new(
                HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
                format!("message type {other} is not a 1:1 session message (2 or 3)"),
            )),
        }
    })
}

/// Writes whether `message` belongs to a session `record` already has to
/// `*out` (then decrypting it needs and consumes no pre-keys).
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if any argument is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `record` and `message` are live handles; `out` is valid for a `bool`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_session_has_session_for(
    record: *const hush_session_record,
    message: *const hush_prekey_message,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(record, message, out => {
        // SAFETY: both are live handles by contract.
        let (record, message) = unsafe { (borrow(record, "record")?, borrow(message, "message")?) };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, record.0.has_session_for(&message.0)) }
    })
}

/// Decrypts a parsed PreKey message: resumes the session it belongs to, or
/// runs PQXDH as recipient with the pre-keys supplied and makes the new
/// session current. Writes the plaintext to `*out_plaintext` and what was
/// consumed to `*out_consumed` (`new_session` false when the message belonged
/// to an existing session).
///
/// Before calling, read the sender's identity
/// (`hush_prekey_message_get_identity_key`) and pass the key you trust for
/// the sender as `trusted_identity` (the rule of every decrypt function, see
/// the crate documentation, "Trust"): the call compares it with the
/// authenticated sender identity before committing, and fails with
/// `HUSH_RESULT_UNTRUSTED_IDENTITY`, nothing changed or consumed, on a
/// mismatch; NULL accepts any identity (first contact). Look up the
/// pre-keys by the IDs the message names. Each pre-key argument may be NULL:
/// a missing one (or one with another ID) that turns out to be needed is an
/// error, and none is needed when `hush_session_has_session_for` is true.
///
/// Last-resort Kyber pre-keys: when `hush_session_has_session_for` is false
/// the call would create a session and consume
/// `(hush_prekey_message_get_kyber_pre_key_id,
/// hush_prekey_message_get_signed_pre_key_id,
/// hush_prekey_message_get_base_key)`; refuse a combination you have seen
/// before calling (a replayed first message), and remember the one
/// `*out_consumed` reports. Delete pre-keys only as `*out_consumed` reports;
/// after a failure nothing was consumed.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_UNTRUSTED_IDENTITY`;
/// `HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY` (the message names an existing
/// session but carries another identity: drop it);
/// `HUSH_RESULT_MISSING_SIGNED_PREKEY`,
/// `HUSH_RESULT_MISSING_KYBER_PREKEY`, `HUSH_RESULT_MISSING_PREKEY` for a
/// needed pre-key not supplied; `HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED`;
/// `HUSH_RESULT_INVALID_BASE_KEY`; `HUSH_RESULT_DUPLICATED_MESSAGE` (drop it
/// silently); `HUSH_RESULT_DECRYPTION_FAILED` (drop it); a key error
/// (`HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH`,
/// `HUSH_RESULT_BAD_KEM_KEY_TYPE`, `HUSH_RESULT_INVALID_KEY_AGREEMENT`, …);
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `record`, `message`, `local`, an address or an output is NULL;
/// `HUSH_RESULT_PANIC`. On failure the record is unchanged and nothing is
/// written.
///
/// # Safety
/// `record` is a live handle not used elsewhere during the call; `message`,
/// `local` and the addresses are live handles; each pre-key record and
/// `trusted_identity` is NULL or live; `rng` is NULL or a live `hush_rng`;
/// the outputs are valid for writes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_session_decrypt_prekey(
    record: *mut hush_session_record,
    message: *const hush_prekey_message,
    local: *const hush_local_identity,
    signed_pre_key: *const hush_signed_prekey_record,
    kyber_pre_key: *const hush_kyber_prekey_record,
    one_time_pre_key: *const hush_prekey_record,
    local_address: *const hush_protocol_address,
    remote_address: *const hush_protocol_address,
    trusted_identity: *const hush_public_key,
    rng: *mut hush_rng,
    out_plaintext: *mut hush_buffer,
    out_consumed: *mut hush_consumed_prekeys,
) -> hush_result {
    ffi_boundary!(record, message, local, local_address, remote_address, out_plaintext, out_consumed => {
        // SAFETY: required handles are live (`record` unaliased); the pre-key
        // records and `trusted_identity` are NULL or live, by contract.
        let (record, message, local, addresses, pre_keys, trusted) = unsafe {
            (
                borrow_mut(record, "record")?,
                borrow(message, "message")?,
                borrow(local, "local")?,
                addresses(local_address, remote_address)?,
                PreKeys {
                    signed: signed_pre_key.as_ref().map(|r| &r.0),
                    kyber: kyber_pre_key.as_ref().map(|r| &r.0),
                    one_time: one_time_pre_key.as_ref().map(|r| &r.0),
                },
                trusted_identity.as_ref().map(|key| &key.0),
            )
        };
        let next = &mut record.0;
        // SAFETY: `rng` is NULL or live by contract.
        let pending = unsafe { with_rng(rng, |rng| next.decrypt_prekey_pending(&message.0, &local.0, pre_keys, addresses, rng)) }??;
        if !trusts(trusted, pending.remote_identity()) {
            return Err(untrusted_identity());
        }
        let consumed = hush_consumed_prekeys::from_core(pending.consumed());
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

/// The trust rule of every decrypt function: `trusted` (NULL: any identity)
/// must be the authenticated sender identity.
pub(crate) fn trusts(trusted: Option<&hush::keys::PublicKey>, identity: &IdentityKey) -> bool {
    trusted.is_none_or(|key| identity.public_key() == key)
}

// Keeps the type-number mapping in one place: the core's enum and ours.
const _: () = assert!(CiphertextMessageType::Whisper as u32 == HUSH_MESSAGE_TYPE_WHISPER.0);
const _: () = assert!(CiphertextMessageType::PreKey as u32 == HUSH_MESSAGE_TYPE_PREKEY.0);

#[cfg(test)]
mod tests {
    use std::ffi::{c_int, c_void};
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::address::{hush_protocol_address_free, hush_protocol_address_new};
    use crate::buffer::hush_buffer_free;
    use crate::bundle::{hush_prekey_bundle_free, hush_prekey_bundle_new};
    use crate::error::*;
    use crate::kem::hush_kem_public_key_free;
    use crate::keys::{
        hush_identity_key_pair_free, hush_identity_key_pair_generate, hush_public_key_free,
    };
    use crate::messages::{hush_prekey_message_deserialize, hush_prekey_message_free};
    use crate::prekeys::*;
    use crate::rng::{hush_rng_free, hush_rng_new};

    const NOW: u64 = 1_763_800_000_000;
    const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

    fn ok(rc: hush_result) {
        assert_eq!(rc, HUSH_RESULT_OK);
    }

    fn buffer() -> hush_buffer {
        hush_buffer {
            ptr: null_mut(),
            len: 0,
        }
    }

    /// Takes the bytes out of a library buffer and frees it.
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

    fn address(name: &str) -> *mut hush_protocol_address {
        let mut out = null_mut();
        // SAFETY: `name` is a live string; `out` is writable.
        ok(unsafe { hush_protocol_address_new(name.as_ptr(), name.len(), 1, &mut out) });
        out
    }

    fn record_bytes(record: *const hush_session_record) -> Vec<u8> {
        let mut out = buffer();
        // SAFETY: `record` is live; `out` is writable.
        ok(unsafe { hush_session_record_serialize(record, &mut out) });
        take(out)
    }

    /// Bob's keys, Alice's identity and both records.
    struct Pair {
        alice: *mut hush_local_identity,
        bob: *mut hush_local_identity,
        alice_addr: *mut hush_protocol_address,
        bob_addr: *mut hush_protocol_address,
        signed: *mut hush_signed_prekey_record,
        kyber: *mut hush_kyber_prekey_record,
        one_time: *mut hush_prekey_record,
        bundle: *mut hush_prekey_bundle,
        alice_record: *mut hush_session_record,
        bob_record: *mut hush_session_record,
    }

    impl Pair {
        fn new() -> Self {
            // SAFETY: every handle passed is live and every output writable.
            unsafe {
                let identity = |registration_id| {
                    let mut pair = null_mut();
                    ok(hush_identity_key_pair_generate(null_mut(), &mut pair));
                    let mut local = null_mut();
                    ok(hush_local_identity_new(pair, registration_id, &mut local));
                    (pair, local)
                };
                let (alice_pair, alice) = identity(1717);
                let (bob_pair, bob) = identity(4242);
                let (mut signed, mut kyber, mut one_time) = (null_mut(), null_mut(), null_mut());
                ok(hush_signed_prekey_record_generate(
                    1,
                    NOW,
                    bob_pair,
                    null_mut(),
                    &mut signed,
                ));
                ok(hush_kyber_prekey_record_generate(
                    2,
                    NOW,
                    bob_pair,
                    null_mut(),
                    &mut kyber,
                ));
                ok(hush_prekey_record_generate(3, null_mut(), &mut one_time));
                let (mut spk, mut kpk, mut opk, mut ik) =
                    (null_mut(), null_mut(), null_mut(), null_mut());
                let (mut spk_sig, mut kpk_sig) = (buffer(), buffer());
                ok(hush_signed_prekey_record_get_public_key(signed, &mut spk));
                ok(hush_signed_prekey_record_get_signature(
                    signed,
                    &mut spk_sig,
                ));
                ok(hush_kyber_prekey_record_get_public_key(kyber, &mut kpk));
                ok(hush_kyber_prekey_record_get_signature(kyber, &mut kpk_sig));
                ok(hush_prekey_record_get_public_key(one_time, &mut opk));
                ok(hush_local_identity_get_identity_key(bob, &mut ik));
                let mut bundle = null_mut();
                ok(hush_prekey_bundle_new(
                    4242,
                    1,
                    3,
                    opk,
                    1,
                    spk,
                    spk_sig.ptr,
                    spk_sig.len,
                    2,
                    kpk,
                    kpk_sig.ptr,
                    kpk_sig.len,
                    ik,
                    &mut bundle,
                ));
                take(spk_sig);
                take(kpk_sig);
                hush_public_key_free(spk);
                hush_public_key_free(opk);
                hush_public_key_free(ik);
                hush_kem_public_key_free(kpk);
                hush_identity_key_pair_free(alice_pair);
                hush_identity_key_pair_free(bob_pair);
                let (mut alice_record, mut bob_record) = (null_mut(), null_mut());
                ok(hush_session_record_new(&mut alice_record));
                ok(hush_session_record_new(&mut bob_record));
                Self {
                    alice,
                    bob,
                    alice_addr: address(ALICE),
                    bob_addr: address(BOB),
                    signed,
                    kyber,
                    one_time,
                    bundle,
                    alice_record,
                    bob_record,
                }
            }
        }

        fn alice_sends(&self, text: &[u8]) -> (hush_message_type, Vec<u8>) {
            let (mut kind, mut out) = (hush_message_type(0), buffer());
            // SAFETY: the handles are live; outputs are writable.
            ok(unsafe {
                hush_session_encrypt(
                    self.alice_record,
                    text.as_ptr(),
                    text.len(),
                    self.alice_addr,
                    self.bob_addr,
                    NOW,
                    null_mut(),
                    &mut kind,
                    &mut out,
                )
            });
            (kind, take(out))
        }
    }

    impl Drop for Pair {
        fn drop(&mut self) {
            // SAFETY: every handle is live and freed once.
            unsafe {
                hush_local_identity_free(self.alice);
                hush_local_identity_free(self.bob);
                hush_protocol_address_free(self.alice_addr);
                hush_protocol_address_free(self.bob_addr);
                hush_signed_prekey_record_free(self.signed);
                hush_kyber_prekey_record_free(self.kyber);
                hush_prekey_record_free(self.one_time);
                hush_prekey_bundle_free(self.bundle);
                hush_session_record_free(self.alice_record);
                hush_session_record_free(self.bob_record);
            }
        }
    }

    fn parse(bytes: &[u8]) -> *mut hush_prekey_message {
        let mut message = null_mut();
        // SAFETY: `bytes` is live; `message` is writable.
        ok(unsafe { hush_prekey_message_deserialize(bytes.as_ptr(), bytes.len(), &mut message) });
        message
    }

    unsafe extern "C" fn failing(_: *mut c_void, buf: *mut u8, len: usize) -> c_int {
        // SAFETY: hush passes a buffer valid for `len` bytes.
        unsafe { std::ptr::write_bytes(buf, 0xee, len) };
        -1
    }

    fn failing_rng() -> *mut hush_rng {
        let mut rng = null_mut();
        // SAFETY: `failing` ignores its context; `rng` is writable.
        ok(unsafe { hush_rng_new(Some(failing), null_mut(), &mut rng) });
        rng
    }

    #[test]
    fn an_empty_record_has_no_session() {
        let pair = Pair::new();
        let empty = record_bytes(pair.alice_record);
        let mut out = buffer();
        let mut kind = hush_message_type(77);
        let mut id = 5u32;
        let mut key = std::ptr::dangling_mut::<hush_public_key>();
        // SAFETY: handles are live; outputs are writable.
        unsafe {
            let rc = hush_session_encrypt(
                pair.alice_record,
                b"hi".as_ptr(),
                2,
                pair.alice_addr,
                pair.bob_addr,
                NOW,
                null_mut(),
                &mut kind,
                &mut out,
            );
            assert_eq!(rc, HUSH_RESULT_SESSION_NOT_FOUND);
            assert_eq!(
                hush_session_record_get_remote_registration_id(pair.alice_record, &mut id),
                HUSH_RESULT_SESSION_NOT_FOUND
            );
            assert_eq!(
                hush_session_record_get_local_registration_id(pair.alice_record, &mut id),
                HUSH_RESULT_SESSION_NOT_FOUND
            );
            assert_eq!(
                hush_session_record_get_remote_identity_key(pair.alice_record, &mut key),
                HUSH_RESULT_SESSION_NOT_FOUND
            );
            assert_eq!(
                hush_session_record_get_local_identity_key(pair.alice_record, &mut key),
                HUSH_RESULT_SESSION_NOT_FOUND
            );
            let mut archived = true;
            ok(hush_session_record_archive_current_state(
                pair.alice_record,
                &mut archived,
            ));
            assert!(!archived);
        }
        assert_eq!((kind, id, out.len), (hush_message_type(77), 5, 0));
        assert_eq!(key, std::ptr::dangling_mut());
        assert_eq!(record_bytes(pair.alice_record), empty);

        // A well-formed SignalMessage for an empty record.
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let (first, bytes) = pair.alice_sends(b"hi");
        assert_eq!(first, HUSH_MESSAGE_TYPE_PREKEY);
        let message = parse(&bytes);
        let mut inner = buffer();
        // SAFETY: live handles; writable output.
        unsafe {
            ok(crate::messages::hush_prekey_message_serialize(
                message, &mut inner,
            ));
            hush_prekey_message_free(message);
        }
        assert_eq!(take(inner), bytes);
    }

    #[test]
    fn decrypt_rejects_unknown_types_and_garbage_without_touching_the_record() {
        let pair = Pair::new();
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let before = record_bytes(pair.alice_record);
        let mut out = buffer();
        let decrypt = |kind: u32, bytes: &[u8], out: &mut hush_buffer| {
            // SAFETY: live handles; `bytes` is a live slice.
            unsafe {
                hush_session_decrypt(
                    pair.alice_record,
                    pair.alice,
                    hush_message_type(kind),
                    bytes.as_ptr(),
                    bytes.len(),
                    pair.alice_addr,
                    pair.bob_addr,
                    null(),
                    null_mut(),
                    out,
                )
            }
        };
        assert_eq!(
            decrypt(7, &[0x44; 40], &mut out),
            HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE
        );
        assert_eq!(
            decrypt(0, &[], &mut out),
            HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE
        );
        assert_eq!(decrypt(2, b"tiny", &mut out), HUSH_RESULT_MESSAGE_TOO_SHORT);
        assert_eq!(
            decrypt(2, &[0x14; 20], &mut out),
            HUSH_RESULT_MESSAGE_LEGACY_VERSION
        );
        assert_eq!(
            decrypt(3, &[0x64; 20], &mut out),
            HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION
        );
        assert_eq!(decrypt(3, &[], &mut out), HUSH_RESULT_MESSAGE_TOO_SHORT);
        assert!(out.ptr.is_null() && out.len == 0);
        assert_eq!(record_bytes(pair.alice_record), before);
    }

    #[test]
    fn prekey_path_reports_missing_keys_then_consumption() {
        let pair = Pair::new();
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let (_, bytes) = pair.alice_sends(b"first");
        let message = parse(&bytes);
        let empty = record_bytes(pair.bob_record);
        let sentinel = hush_consumed_prekeys {
            new_session: true,
            ..hush_consumed_prekeys::from_core(None)
        };
        let mut consumed = sentinel;
        let mut out = buffer();
        let bob = |signed,
                   kyber,
                   one_time,
                   out: &mut hush_buffer,
                   consumed: &mut hush_consumed_prekeys| {
            // SAFETY: live or NULL handles; writable outputs.
            unsafe {
                hush_session_decrypt_prekey(
                    pair.bob_record,
                    message,
                    pair.bob,
                    signed,
                    kyber,
                    one_time,
                    pair.bob_addr,
                    pair.alice_addr,
                    null(),
                    null_mut(),
                    out,
                    consumed,
                )
            }
        };
        let (signed, kyber, one_time) = (
            pair.signed.cast_const(),
            pair.kyber.cast_const(),
            pair.one_time.cast_const(),
        );
        assert_eq!(
            bob(null(), kyber, one_time, &mut out, &mut consumed),
            HUSH_RESULT_MISSING_SIGNED_PREKEY
        );
        assert_eq!(
            bob(signed, null(), one_time, &mut out, &mut consumed),
            HUSH_RESULT_MISSING_KYBER_PREKEY
        );
        assert_eq!(
            bob(signed, kyber, null(), &mut out, &mut consumed),
            HUSH_RESULT_MISSING_PREKEY
        );
        // The one-call decrypt cannot start a session.
        // SAFETY: live handles.
        let rc = unsafe {
            hush_session_decrypt(
                pair.bob_record,
                pair.bob,
                HUSH_MESSAGE_TYPE_PREKEY,
                bytes.as_ptr(),
                bytes.len(),
                pair.bob_addr,
                pair.alice_addr,
                null(),
                null_mut(),
                &mut out,
            )
        };
        assert_eq!(rc, HUSH_RESULT_MISSING_SIGNED_PREKEY);
        assert!(out.ptr.is_null());
        assert_eq!(consumed, sentinel);
        assert_eq!(record_bytes(pair.bob_record), empty);

        ok(bob(signed, kyber, one_time, &mut out, &mut consumed));
        assert_eq!(take(out), b"first");
        assert!(consumed.new_session && consumed.has_one_time_pre_key);
        assert_eq!(
            (
                consumed.one_time_pre_key_id,
                consumed.signed_pre_key_id,
                consumed.kyber_pre_key_id
            ),
            (3, 1, 2)
        );
        assert_eq!(consumed.base_key[0], 0x05);

        // Again: a duplicate, and nothing is consumed.
        let after = record_bytes(pair.bob_record);
        let mut out = buffer();
        let mut again = sentinel;
        assert_eq!(
            bob(signed, kyber, one_time, &mut out, &mut again),
            HUSH_RESULT_DUPLICATED_MESSAGE
        );
        assert_eq!(again, sentinel);
        assert_eq!(record_bytes(pair.bob_record), after);

        // A second PreKey message of the same session needs no pre-keys.
        let (_, second) = pair.alice_sends(b"second");
        let second_message = parse(&second);
        let mut has = false;
        // SAFETY: live handles.
        ok(unsafe { hush_session_has_session_for(pair.bob_record, second_message, &mut has) });
        assert!(has);
        // SAFETY: live or NULL handles; writable outputs.
        ok(unsafe {
            hush_session_decrypt_prekey(
                pair.bob_record,
                second_message,
                pair.bob,
                null(),
                null(),
                null(),
                pair.bob_addr,
                pair.alice_addr,
                null(),
                null_mut(),
                &mut out,
                &mut again,
            )
        });
        assert_eq!(take(out), b"second");
        assert!(!again.new_session && !again.has_one_time_pre_key && again.base_key == [0; 33]);
        // SAFETY: freed once.
        unsafe {
            hush_prekey_message_free(message);
            hush_prekey_message_free(second_message);
        }
    }

    #[test]
    fn a_failing_random_source_leaves_the_record_unchanged() {
        let pair = Pair::new();
        let rng = failing_rng();
        let empty = record_bytes(pair.alice_record);
        // SAFETY: live handles.
        let rc =
            unsafe { hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, rng) };
        assert_eq!(rc, HUSH_RESULT_RANDOM_SOURCE_FAILURE);
        assert_eq!(record_bytes(pair.alice_record), empty);

        // Bob replies; Alice's decryption ratchets, which needs a new key.
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let (_, first) = pair.alice_sends(b"first");
        let message = parse(&first);
        let (mut out, mut consumed) = (buffer(), hush_consumed_prekeys::from_core(None));
        // SAFETY: live handles; writable outputs.
        ok(unsafe {
            hush_session_decrypt_prekey(
                pair.bob_record,
                message,
                pair.bob,
                pair.signed,
                pair.kyber,
                pair.one_time,
                pair.bob_addr,
                pair.alice_addr,
                null(),
                null_mut(),
                &mut out,
                &mut consumed,
            )
        });
        take(out);
        let (mut kind, mut reply) = (hush_message_type(0), buffer());
        // SAFETY: live handles; writable outputs.
        ok(unsafe {
            hush_session_encrypt(
                pair.bob_record,
                b"re".as_ptr(),
                2,
                pair.bob_addr,
                pair.alice_addr,
                NOW,
                null_mut(),
                &mut kind,
                &mut reply,
            )
        });
        assert_eq!(kind, HUSH_MESSAGE_TYPE_WHISPER);
        let reply = take(reply);
        let before = record_bytes(pair.alice_record);
        let mut plain = buffer();
        // SAFETY: live handles; writable output.
        let decrypt = |rng, plain: &mut hush_buffer| unsafe {
            hush_session_decrypt(
                pair.alice_record,
                pair.alice,
                kind,
                reply.as_ptr(),
                reply.len(),
                pair.alice_addr,
                pair.bob_addr,
                null(),
                rng,
                plain,
            )
        };
        assert_eq!(decrypt(rng, &mut plain), HUSH_RESULT_RANDOM_SOURCE_FAILURE);
        assert!(plain.ptr.is_null());
        assert_eq!(record_bytes(pair.alice_record), before);
        ok(decrypt(null_mut(), &mut plain));
        assert_eq!(take(plain), b"re");
        // SAFETY: freed once.
        unsafe {
            hush_prekey_message_free(message);
            hush_rng_free(rng);
        }
    }

    #[test]
    fn stale_sessions_and_bad_bundles() {
        let pair = Pair::new();
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let (mut usable, mut unacknowledged) = (false, false);
        let thirty_one_days = 31 * 24 * 60 * 60 * 1000;
        // SAFETY: live handles; writable outputs.
        unsafe {
            ok(hush_session_record_is_usable(
                pair.alice_record,
                NOW,
                &mut usable,
            ));
            ok(hush_session_record_is_unacknowledged(
                pair.alice_record,
                &mut unacknowledged,
            ));
            assert!(usable && unacknowledged);
            ok(hush_session_record_is_usable(
                pair.alice_record,
                NOW + thirty_one_days,
                &mut usable,
            ));
            assert!(!usable);
            let (mut kind, mut out) = (hush_message_type(0), buffer());
            let rc = hush_session_encrypt(
                pair.alice_record,
                null(),
                0,
                pair.alice_addr,
                pair.bob_addr,
                NOW + thirty_one_days,
                null_mut(),
                &mut kind,
                &mut out,
            );
            assert_eq!(rc, HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION);
            assert!(out.ptr.is_null());
        }

        // A bundle whose signed pre-key signature is another key's.
        let mut spk = null_mut();
        let mut kpk = null_mut();
        let mut ik = null_mut();
        let mut sig = buffer();
        let mut forged = null_mut();
        // SAFETY: live handles; writable outputs.
        unsafe {
            ok(hush_signed_prekey_record_get_public_key(
                pair.signed,
                &mut spk,
            ));
            ok(hush_kyber_prekey_record_get_signature(pair.kyber, &mut sig));
            ok(hush_kyber_prekey_record_get_public_key(
                pair.kyber, &mut kpk,
            ));
            ok(hush_local_identity_get_identity_key(pair.bob, &mut ik));
            ok(hush_prekey_bundle_new(
                1,
                1,
                0,
                null(),
                1,
                spk,
                sig.ptr,
                sig.len,
                2,
                kpk,
                sig.ptr,
                sig.len,
                ik,
                &mut forged,
            ));
            let before = record_bytes(pair.alice_record);
            assert_eq!(
                hush_session_initiate(pair.alice_record, forged, pair.alice, NOW, null_mut()),
                HUSH_RESULT_SIGNATURE_VALIDATION_FAILED
            );
            assert_eq!(record_bytes(pair.alice_record), before);
            hush_prekey_bundle_free(forged);
            hush_public_key_free(spk);
            hush_public_key_free(ik);
            hush_kem_public_key_free(kpk);
        }
        take(sig);
    }

    #[test]
    fn null_arguments_are_reported_and_nothing_changes() {
        let pair = Pair::new();
        // SAFETY: live or NULL handles; NULLs are rejected before use.
        unsafe {
            ok(hush_session_initiate(
                pair.alice_record,
                pair.bundle,
                pair.alice,
                NOW,
                null_mut(),
            ));
            let before = record_bytes(pair.alice_record);
            let (mut kind, mut out) = (hush_message_type(0), buffer());
            let (r, a, b) = (pair.alice_record, pair.alice_addr, pair.bob_addr);
            assert_eq!(
                hush_session_initiate(null_mut(), pair.bundle, pair.alice, NOW, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_initiate(r, null(), pair.alice, NOW, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_initiate(r, pair.bundle, null(), NOW, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_encrypt(
                    r,
                    b"x".as_ptr(),
                    1,
                    null(),
                    b,
                    NOW,
                    null_mut(),
                    &mut kind,
                    &mut out
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_encrypt(
                    r,
                    b"x".as_ptr(),
                    1,
                    a,
                    null(),
                    NOW,
                    null_mut(),
                    &mut kind,
                    &mut out
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_encrypt(r, null(), 1, a, b, NOW, null_mut(), &mut kind, &mut out),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_encrypt(
                    r,
                    b"x".as_ptr(),
                    1,
                    a,
                    b,
                    NOW,
                    null_mut(),
                    null_mut(),
                    &mut out
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_encrypt(
                    r,
                    b"x".as_ptr(),
                    1,
                    a,
                    b,
                    NOW,
                    null_mut(),
                    &mut kind,
                    null_mut()
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_decrypt(
                    r,
                    null(),
                    HUSH_MESSAGE_TYPE_WHISPER,
                    null(),
                    0,
                    a,
                    b,
                    null(),
                    null_mut(),
                    &mut out
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_decrypt(
                    r,
                    pair.alice,
                    HUSH_MESSAGE_TYPE_WHISPER,
                    null(),
                    0,
                    a,
                    b,
                    null(),
                    null_mut(),
                    null_mut()
                ),
                HUSH_RESULT_NULL_ARGUMENT
            );
            let mut consumed = hush_consumed_prekeys::from_core(None);
            let rc = hush_session_decrypt_prekey(
                r,
                null(),
                pair.alice,
                null(),
                null(),
                null(),
                a,
                b,
                null(),
                null_mut(),
                &mut out,
                &mut consumed,
            );
            assert_eq!(rc, HUSH_RESULT_NULL_ARGUMENT);
            let mut flag = false;
            assert_eq!(
                hush_session_has_session_for(r, null(), &mut flag),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_record_archive_current_state(r, null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_session_record_has_current_state(null(), &mut flag),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!(
                hush_local_identity_new(null(), 1, &mut null_mut()),
                HUSH_RESULT_NULL_ARGUMENT
            );
            assert_eq!((kind, out.len), (hush_message_type(0), 0));
            assert_eq!(
                record_bytes(r),
                before,
                "a rejected call changed the record"
            );
            hush_session_record_free(null_mut());
            hush_local_identity_free(null_mut());
        }
    }

    #[test]
    fn records_round_trip_and_bad_state_maps_to_state_codes() {
        let pair = Pair::new();
        // SAFETY: live handles.
        ok(unsafe {
            hush_session_initiate(pair.alice_record, pair.bundle, pair.alice, NOW, null_mut())
        });
        let bytes = record_bytes(pair.alice_record);
        let load = |data: &[u8]| {
            let sentinel = std::ptr::dangling_mut::<hush_session_record>();
            let mut out = sentinel;
            // SAFETY: `data` is live; `out` is writable.
            let rc =
                unsafe { hush_session_record_deserialize(data.as_ptr(), data.len(), &mut out) };
            if rc != HUSH_RESULT_OK {
                assert_eq!(out, sentinel);
            }
            (rc, out)
        };
        let (rc, copy) = load(&bytes);
        ok(rc);
        assert_eq!(record_bytes(copy), bytes);
        let mut archived = false;
        let mut count = 9usize;
        // SAFETY: live handle; writable outputs.
        unsafe {
            ok(hush_session_record_archive_current_state(
                copy,
                &mut archived,
            ));
            ok(hush_session_record_get_archived_count(copy, &mut count));
            hush_session_record_free(copy);
        }
        assert!(archived);
        assert_eq!(count, 1);

        assert_eq!(load(&bytes[..1]).0, HUSH_RESULT_STATE_TRUNCATED);
        assert_eq!(load(&[]).0, HUSH_RESULT_STATE_TRUNCATED);
        assert_eq!(load(&[99, 1]).0, HUSH_RESULT_STATE_UNSUPPORTED_VERSION);
        assert_eq!(load(&[bytes[0], 3]).0, HUSH_RESULT_STATE_WRONG_KIND);
        assert_eq!(
            load(&[bytes[0], bytes[1], 0xff, 0xff]).0,
            HUSH_RESULT_STATE_INVALID
        );
        assert_eq!(load(&bytes[..bytes.len() - 1]).0, HUSH_RESULT_STATE_INVALID);
    }
}
