//! Sealed sender: certificates (`hush_server_certificate`,
//! `hush_sender_certificate`), the sealed content
//! (`hush_unidentified_content`), v1 and v2 sealing, the server's v2 fan-out
//! (`hush_sent_message`), and the receive path (`hush_sealed_sender_receive`
//! giving a `hush_verified_content`, whose 1:1 inner message
//! `hush_verified_content_decrypt` decrypts).
//!
//! Receiving: `hush_sealed_sender_receive` opens a v1 (`0x11`) or v2
//! (`0x22`) message with our identity key pair, validates the sender
//! certificate against one or several trust roots at the caller's time, and
//! refuses our own messages. The verified content names the sender
//! (`hush_verified_content_get_sender_address`): decrypt a 1:1 inner
//! message (type 2 or 3) with that sender's session record, or run group
//! decryption on the contents of a sender-key message (type 7). Like every
//! session operation, a failed decryption leaves the record unchanged.
//!
//! Result codes 900–949 are sealed sender's.

use hush::address::{DeviceId, ProtocolAddress, ServiceId};
use hush::keys::{IdentityKey, Timestamp};
use hush::messages::{CiphertextMessage, CiphertextMessageType};
use hush::sealed_sender::{
    self, CertificateError, ContentHint, LocalAccount, ReceiveError, SealError, Sender,
    SenderCertificate, SentMessage, SentMessageError, ServerCertificate, Signer,
    UnidentifiedSenderMessageContent, UnknownServerCertificateId, UnsealError, ValidationError,
    VerifiedContent,
};
use hush::session::{ConsumedPreKeys, PreKeys};
use zeroize::Zeroizing;

use crate::address::hush_protocol_address;
use crate::args::{borrow, borrow_mut, bytes, free_handle, write_handle, write_value};
use crate::buffer::{hush_buffer, write_buffer};
use crate::error::{
    hush_result, Failure, HUSH_RESULT_INVALID_ARGUMENT, HUSH_RESULT_INVALID_PROTOBUF,
    HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE, HUSH_RESULT_SESSION_NOT_FOUND,
};
use crate::keys::{hush_identity_key_pair, hush_private_key, hush_public_key};
use crate::messages::{hush_message_type, hush_prekey_message};
use crate::panic::ffi_boundary;
use crate::prekeys::{hush_kyber_prekey_record, hush_prekey_record, hush_signed_prekey_record};
use crate::rng::{hush_rng, with_rng};
use crate::session::{
    hush_consumed_prekeys, hush_local_identity, hush_session_record, trusts, untrusted_identity,
    HUSH_PUBLIC_KEY_LENGTH,
};

// ------------------------------------------------------------ result codes

/// The sealed-sender result codes (900–949) live in [`crate::error`].
pub use crate::error::{
    HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT, HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED,
    HUSH_RESULT_SEALED_SENDER_CONTENT_TOO_LARGE, HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE,
    HUSH_RESULT_SEALED_SENDER_INVALID_CERTIFICATE_SIGNATURE,
    HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID,
    HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID, HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT,
    HUSH_RESULT_SEALED_SENDER_REVOKED_SERVER_CERTIFICATE, HUSH_RESULT_SEALED_SENDER_SELF_SEND,
    HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH,
    HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH,
    HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS,
    HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID,
    HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION,
    HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE,
    HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED,
    HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED,
    HUSH_RESULT_SEALED_SENDER_V1_SENDER_KEY_MISMATCH,
    HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH,
    HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED,
    HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH,
};

impl From<CertificateError> for Failure {
    fn from(error: CertificateError) -> Self {
        match error {
            CertificateError::InvalidProtobufEncoding => {
                Self::new(HUSH_RESULT_INVALID_PROTOBUF, error.to_string())
            }
            CertificateError::Key(key) => key.into(),
        }
    }
}

impl From<UnknownServerCertificateId> for Failure {
    fn from(error: UnknownServerCertificateId) -> Self {
        Self::new(
            HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID,
            error.to_string(),
        )
    }
}

impl From<ValidationError> for Failure {
    fn from(error: ValidationError) -> Self {
        let code = match error {
            ValidationError::UnknownServerCertificateId(_) => {
                HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID
            }
            ValidationError::RevokedServerCertificate(_) => {
                HUSH_RESULT_SEALED_SENDER_REVOKED_SERVER_CERTIFICATE
            }
            ValidationError::UntrustedServerCertificate(_) => {
                HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE
            }
            ValidationError::InvalidSenderSignature => {
                HUSH_RESULT_SEALED_SENDER_INVALID_CERTIFICATE_SIGNATURE
            }
            ValidationError::Expired { .. } => HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED,
        };
        Self::new(code, error.to_string())
    }
}

impl From<UnsealError> for Failure {
    fn from(error: UnsealError) -> Self {
        let code = match error {
            UnsealError::EmptyMessage => HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE,
            UnsealError::UnknownVersion(_) => HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION,
            UnsealError::InvalidProtobufEncoding => HUSH_RESULT_INVALID_PROTOBUF,
            UnsealError::Key(key) => return key.into(),
            UnsealError::V1KeyDecryptionFailed => {
                HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED
            }
            UnsealError::V1ContentsDecryptionFailed => {
                HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED
            }
            UnsealError::V1SenderKeyMismatch => HUSH_RESULT_SEALED_SENDER_V1_SENDER_KEY_MISMATCH,
            UnsealError::V2EphemeralKeyMismatch => {
                HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH
            }
            UnsealError::V2DecryptionFailed => HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED,
            UnsealError::V2AuthenticationTagMismatch => {
                HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH
            }
        };
        Self::new(code, error.to_string())
    }
}

impl From<SentMessageError> for Failure {
    fn from(error: SentMessageError) -> Self {
        let code = match error {
            SentMessageError::EmptyMessage => HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE,
            SentMessageError::UnknownVersion(_) => HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION,
            SentMessageError::InvalidProtobufEncoding(_) => HUSH_RESULT_INVALID_PROTOBUF,
            SentMessageError::RedundantEmptyRecipient => {
                HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT
            }
            SentMessageError::TooManyRecipients { .. } => {
                HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS
            }
            SentMessageError::TooManyDevices { .. } => HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT,
        };
        Self::new(code, error.to_string())
    }
}

impl From<SealError> for Failure {
    fn from(error: SealError) -> Self {
        let code = match &error {
            SealError::Key(key) => return (*key).into(),
            SealError::ContentTooLarge(_) => HUSH_RESULT_SEALED_SENDER_CONTENT_TOO_LARGE,
            SealError::SenderIdentityMismatch => HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH,
            SealError::TooManyRecipients { .. } => HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS,
            SealError::BadDeviceCount { .. } => HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT,
            SealError::InvalidRegistrationId { .. } => {
                HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID
            }
            SealError::RedundantExcludedRecipient(_) => {
                HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT
            }
            SealError::InvalidServiceId(_) => HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID,
            SealError::SessionNotFound(_) => HUSH_RESULT_SESSION_NOT_FOUND,
        };
        Self::new(code, error.to_string())
    }
}

impl From<ReceiveError> for Failure {
    fn from(error: ReceiveError) -> Self {
        match error {
            ReceiveError::Unseal(e) => e.into(),
            ReceiveError::UnknownServerCertificateId(id) => {
                ValidationError::UnknownServerCertificateId(id).into()
            }
            ReceiveError::Untrusted(e) => e.into(),
            ReceiveError::SelfSend => {
                Self::new(HUSH_RESULT_SEALED_SENDER_SELF_SEND, error.to_string())
            }
            ReceiveError::UnexpectedMessageType(_) => {
                Self::new(HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE, error.to_string())
            }
            ReceiveError::Message(e) => e.into(),
            ReceiveError::Decrypt(e) => e.into(),
            ReceiveError::SenderIdentityMismatch => Self::new(
                HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH,
                error.to_string(),
            ),
        }
    }
}

// ----------------------------------------------------------------- helpers

/// Borrows `len` handles from a C array of pointers. NULL with `len == 0` is
/// the empty list; a NULL array or element otherwise is
/// `HUSH_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// Unless `len` is 0, `ptr` is NULL or valid for reads of `len` pointers,
/// each NULL or a live handle of type `T`.
unsafe fn handles<'a, T>(
    ptr: *const *const T,
    len: usize,
    name: &'static str,
) -> Result<Vec<&'a T>, Failure> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(Failure::null_argument(name));
    }
    if len > isize::MAX as usize / std::mem::size_of::<*const T>() {
        return Err(Failure::new(
            HUSH_RESULT_INVALID_ARGUMENT,
            format!("length of `{name}` is too large"),
        ));
    }
    // SAFETY: `ptr` is non-NULL and valid for `len` pointer reads by the
    // caller's guarantee; the byte size fits in isize (checked above).
    let pointers = unsafe { std::slice::from_raw_parts(ptr, len) };
    pointers
        .iter()
        // SAFETY: each element is NULL or a live handle by the caller's
        // guarantee; `borrow` maps NULL to an error.
        .map(|&p| unsafe { borrow(p, name) })
        .collect()
}

/// Views bytes as UTF-8 text.
fn utf8<'a>(data: &'a [u8], name: &'static str) -> Result<&'a str, Failure> {
    std::str::from_utf8(data).map_err(|e| {
        Failure::new(
            HUSH_RESULT_INVALID_ARGUMENT,
            format!(
                "`{name}` is not UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Optional bytes: NULL means absent; otherwise `len` bytes (possibly none).
///
/// # Safety
/// Unless `ptr` is NULL or `len` is 0, `ptr` is valid for `len` bytes.
unsafe fn optional_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<Option<&'a [u8]>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded caller guarantee.
    unsafe { bytes(ptr, len, name) }.map(Some)
}

fn public_keys(roots: &[&hush_public_key]) -> Vec<hush::keys::PublicKey> {
    roots.iter().map(|k| k.0).collect()
}

fn out_of_range(what: &str, index: usize, count: usize) -> Failure {
    Failure::new(
        HUSH_RESULT_INVALID_ARGUMENT,
        format!("{what} index {index} is out of range (count {count})"),
    )
}

// ------------------------------------------------------- server certificate

/// A server certificate: a key ID and a server key, signed by a trust root.
/// Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_server_certificate(pub(crate) ServerCertificate);

/// Issues a server certificate for `server_key` under `key_id`, signed by
/// `trust_root` (for servers and tests).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `server_key`, `trust_root` or `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `server_key` and `trust_root` are live handles; `rng` is NULL or a live
/// `hush_rng`; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_new(
    key_id: u32,
    server_key: *const hush_public_key,
    trust_root: *const hush_private_key,
    rng: *mut hush_rng,
    out: *mut *mut hush_server_certificate,
) -> hush_result {
    ffi_boundary!(server_key, trust_root, out => {
        // SAFETY: live handles by contract.
        let (server_key, trust_root) = unsafe { (borrow(server_key, "server_key")?, borrow(trust_root, "trust_root")?) };
        // SAFETY: `rng` is NULL or live by contract.
        let cert = unsafe { with_rng(rng, |rng| ServerCertificate::new(key_id, &server_key.0, &trust_root.0, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_server_certificate(cert)) }
    })
}

/// Parses a serialized server certificate. The signature is checked only
/// by validation.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error for a malformed key;
/// `HUSH_RESULT_NULL_ARGUMENT` if `out` is NULL, or `data` is NULL with
/// `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_server_certificate,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let cert = ServerCertificate::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_server_certificate(cert)) }
    })
}

/// Writes the serialized certificate to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_serialize(
    cert: *const hush_server_certificate,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_buffer(out, borrow(cert, "cert")?.0.serialized()) }
    })
}

/// Writes the key ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_get_key_id(
    cert: *const hush_server_certificate,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(cert, "cert")?.0.key_id()) }
    })
}

/// Copies out the server key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_get_key(
    cert: *const hush_server_certificate,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_handle(out, hush_public_key(*borrow(cert, "cert")?.0.key())) }
    })
}

/// Writes whether any of the `trust_roots_len` trust roots signed the
/// certificate to `*out` (false for a revoked ID). Every root is checked.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL, or `trust_roots` (or one of its elements) is NULL with
/// `trust_roots_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `trust_roots` holds `trust_roots_len` live
/// handles; `out` is valid for a `bool` write.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_validate(
    cert: *const hush_server_certificate,
    trust_roots: *const *const hush_public_key,
    trust_roots_len: usize,
    out: *mut bool,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handles by contract.
        let (cert, roots) = unsafe { (borrow(cert, "cert")?, handles(trust_roots, trust_roots_len, "trust_roots")?) };
        let valid = cert.0.validate(&public_keys(&roots));
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, valid) }
    })
}

/// Frees a server certificate. NULL does nothing.
///
/// # Safety
/// `cert` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_server_certificate_free(cert: *mut hush_server_certificate) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(cert) }
}

// ------------------------------------------------------- sender certificate

/// A sender certificate: a sender's UUID, optional phone number, device and
/// identity key, with an expiration time, signed by a server certificate's
/// key. Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_sender_certificate(pub(crate) SenderCertificate);

/// Issues a sender certificate (for servers and tests): `sender_uuid` (UTF-8
/// text, normally the sender's ACI) and, unless `sender_e164` is NULL, a
/// phone number (UTF-8); `device_id` in `1..=127`; the sender's identity
/// key; the expiration in milliseconds since the Unix epoch (valid up to and
/// including it). Embeds `signer` and signs with `server_key`, the private
/// key of `signer`'s server key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_DEVICE_ID`; `HUSH_RESULT_INVALID_ARGUMENT` if a text
/// is not UTF-8; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `identity_key`, `signer`, `server_key` or
/// `out` is NULL, or `sender_uuid` is NULL with `sender_uuid_len > 0`;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// The texts are valid for their lengths; the handles are live; `rng` is
/// NULL or a live `hush_rng`; `out` is valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_sender_certificate_new(
    sender_uuid: *const u8,
    sender_uuid_len: usize,
    sender_e164: *const u8,
    sender_e164_len: usize,
    device_id: u32,
    identity_key: *const hush_public_key,
    expiration_ms: u64,
    signer: *const hush_server_certificate,
    server_key: *const hush_private_key,
    rng: *mut hush_rng,
    out: *mut *mut hush_sender_certificate,
) -> hush_result {
    ffi_boundary!(identity_key, signer, server_key, out => {
        // SAFETY: the texts are valid for their lengths and the handles live,
        // by contract.
        let (uuid, e164, identity_key, signer, server_key) = unsafe {
            (
                bytes(sender_uuid, sender_uuid_len, "sender_uuid")?,
                optional_bytes(sender_e164, sender_e164_len, "sender_e164")?,
                borrow(identity_key, "identity_key")?,
                borrow(signer, "signer")?,
                borrow(server_key, "server_key")?,
            )
        };
        let sender = Sender {
            uuid: utf8(uuid, "sender_uuid")?.to_owned(),
            e164: e164.map(|e| utf8(e, "sender_e164")).transpose()?.map(str::to_owned),
            device_id: DeviceId::new(device_id)?,
            identity_key: IdentityKey::new(identity_key.0),
        };
        let expiration = Timestamp::from_millis(expiration_ms);
        let signer = Signer::Embedded(signer.0.clone());
        // SAFETY: `rng` is NULL or live by contract.
        let cert = unsafe { with_rng(rng, |rng| SenderCertificate::new(sender, expiration, signer, &server_key.0, rng)) }?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_certificate(cert)) }
    })
}

/// Parses a serialized sender certificate (not validated).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF` (also for a device ID outside `1..=127`);
/// an EC key error for a malformed key; `HUSH_RESULT_NULL_ARGUMENT` if `out`
/// is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sender_certificate,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let cert = SenderCertificate::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sender_certificate(cert)) }
    })
}

/// Writes the serialized certificate to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_serialize(
    cert: *const hush_sender_certificate,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_buffer(out, borrow(cert, "cert")?.0.serialized()) }
    })
}

/// Writes the sender's UUID text (UTF-8, no NUL) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_sender_uuid(
    cert: *const hush_sender_certificate,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_buffer(out, borrow(cert, "cert")?.0.sender_uuid().as_bytes()) }
    })
}

/// Writes whether the certificate carries a phone number to `*out_present`
/// and the number (UTF-8, no NUL; empty when absent) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert`,
/// `out_present` or `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out_present` is valid for a `bool` write and
/// `out` for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_sender_e164(
    cert: *const hush_sender_certificate,
    out_present: *mut bool,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(cert, out_present, out => {
        // SAFETY: live handle by contract.
        let e164 = unsafe { borrow(cert, "cert") }?.0.sender_e164();
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_buffer(out, e164.unwrap_or_default().as_bytes())?;
            write_value(out_present, e164.is_some())
        }
    })
}

/// Writes the sender's device ID to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_device_id(
    cert: *const hush_sender_certificate,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(cert, "cert")?.0.sender_device_id().get()) }
    })
}

/// Writes the expiration time (milliseconds since the Unix epoch) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out`
/// is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a `uint64_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_expiration(
    cert: *const hush_sender_certificate,
    out: *mut u64,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(cert, "cert")?.0.expiration().as_millis()) }
    })
}

/// Copies out the sender's identity key.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_identity_key(
    cert: *const hush_sender_certificate,
    out: *mut *mut hush_public_key,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_handle(out, hush_public_key(*borrow(cert, "cert")?.0.identity_key().public_key())) }
    })
}

/// Copies out the server certificate that signed this one (embedded, or the
/// built-in one it names).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `cert` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_get_server_certificate(
    cert: *const hush_sender_certificate,
    out: *mut *mut hush_server_certificate,
) -> hush_result {
    ffi_boundary!(cert, out => {
        // SAFETY: live handle by contract.
        let server = unsafe { borrow(cert, "cert") }?.0.server_certificate()?.into_owned();
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_server_certificate(server)) }
    })
}

/// Validates the certificate at `now_ms` (milliseconds since the Unix
/// epoch) against `trust_roots_len` trust roots: the server certificate must
/// be unrevoked and signed by one of them (every root is checked), the
/// sender certificate signed by the server key, and `now_ms` not after the
/// expiration.
///
/// Returns `HUSH_RESULT_OK` if it is valid; otherwise
/// `HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID`,
/// `HUSH_RESULT_SEALED_SENDER_REVOKED_SERVER_CERTIFICATE`,
/// `HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE`,
/// `HUSH_RESULT_SEALED_SENDER_INVALID_CERTIFICATE_SIGNATURE` or
/// `HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `cert` is NULL, or `trust_roots` (or an
/// element) is NULL with `trust_roots_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `cert` is a live handle; `trust_roots` holds `trust_roots_len` live
/// handles.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_validate(
    cert: *const hush_sender_certificate,
    trust_roots: *const *const hush_public_key,
    trust_roots_len: usize,
    now_ms: u64,
) -> hush_result {
    ffi_boundary!(cert => {
        // SAFETY: live handles by contract.
        let (cert, roots) = unsafe { (borrow(cert, "cert")?, handles(trust_roots, trust_roots_len, "trust_roots")?) };
        cert.0.validate(&public_keys(&roots), Timestamp::from_millis(now_ms))?;
        Ok(())
    })
}

/// Frees a sender certificate. NULL does nothing.
///
/// # Safety
/// `cert` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_sender_certificate_free(cert: *mut hush_sender_certificate) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(cert) }
}

// ------------------------------------------------------------------ content

/// The content of a sealed message: the inner message (bytes and type), the
/// sender certificate, a content hint and an optional group ID. Immutable
/// once made.
#[allow(non_camel_case_types)]
pub struct hush_unidentified_content(pub(crate) UnidentifiedSenderMessageContent);

/// The content hint of a message nobody will resend (the default).
pub const HUSH_CONTENT_HINT_DEFAULT: u32 = 0;
/// The content hint of a message the sender can resend.
pub const HUSH_CONTENT_HINT_RESENDABLE: u32 = 1;
/// The content hint of an implicit message (no error is shown if it fails).
pub const HUSH_CONTENT_HINT_IMPLICIT: u32 = 2;

fn parse_message_type(kind: hush_message_type) -> Result<CiphertextMessageType, Failure> {
    u8::try_from(kind.0)
        .ok()
        .and_then(CiphertextMessageType::from_u8)
        .ok_or_else(|| {
            Failure::new(
                HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
                format!("message type {} is not 2, 3, 7 or 8", kind.0),
            )
        })
}

/// Wraps an inner message for sealing: its type (2 whisper, 3 PreKey, 7
/// sender key, 8 plaintext content) and bytes (not checked), the sender
/// certificate, a content hint (`HUSH_CONTENT_HINT_*`; other values are
/// carried as they are) and, unless `group_id` is NULL, a group ID (an
/// empty one is not written).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` for another type;
/// `HUSH_RESULT_NULL_ARGUMENT` if `sender` or `out` is NULL, or `contents`
/// is NULL with `contents_len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `sender` is a live handle; `contents` and `group_id` are valid for their
/// lengths; `out` is valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_unidentified_content_new(
    message_type: hush_message_type,
    sender: *const hush_sender_certificate,
    contents: *const u8,
    contents_len: usize,
    content_hint: u32,
    group_id: *const u8,
    group_id_len: usize,
    out: *mut *mut hush_unidentified_content,
) -> hush_result {
    ffi_boundary!(sender, out => {
        // SAFETY: live handle and valid buffers by contract.
        let (sender, contents, group_id) = unsafe {
            (
                borrow(sender, "sender")?,
                bytes(contents, contents_len, "contents")?,
                optional_bytes(group_id, group_id_len, "group_id")?,
            )
        };
        let content = UnidentifiedSenderMessageContent::new(
            parse_message_type(message_type)?,
            sender.0.clone(),
            contents.to_vec(),
            ContentHint::from_u32(content_hint),
            group_id.map(<[u8]>::to_vec),
        );
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_unidentified_content(content)) }
    })
}

/// Parses a serialized content, including its sender certificate.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_INVALID_PROTOBUF` (also for an unknown type); an EC key
/// error for a malformed certificate key; `HUSH_RESULT_NULL_ARGUMENT` if
/// `out` is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_deserialize(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_unidentified_content,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let content = UnidentifiedSenderMessageContent::deserialize(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_unidentified_content(content)) }
    })
}

/// Writes the serialized content to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_serialize(
    content: *const hush_unidentified_content,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_buffer(out, borrow(content, "content")?.0.serialized()) }
    })
}

/// Writes the inner message's type (2, 3, 7 or 8) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `hush_message_type`
/// write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_get_message_type(
    content: *const hush_unidentified_content,
    out: *mut hush_message_type,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, hush_message_type::from(borrow(content, "content")?.0.message_type())) }
    })
}

/// Writes the inner message's bytes to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_get_contents(
    content: *const hush_unidentified_content,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_buffer(out, borrow(content, "content")?.0.contents()) }
    })
}

/// Writes the content hint (`HUSH_CONTENT_HINT_*`, or another value as
/// received) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a `uint32_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_get_content_hint(
    content: *const hush_unidentified_content,
    out: *mut u32,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(content, "content")?.0.content_hint().to_u32()) }
    })
}

/// Writes whether the content has a group ID to `*out_present`, and the ID
/// (possibly empty) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `content`,
/// `out_present` or `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out_present` is valid for a `bool` write and
/// `out` for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_get_group_id(
    content: *const hush_unidentified_content,
    out_present: *mut bool,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, out_present, out => {
        // SAFETY: live handle by contract.
        let group_id = unsafe { borrow(content, "content") }?.0.group_id();
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_buffer(out, group_id.unwrap_or_default())?;
            write_value(out_present, group_id.is_some())
        }
    })
}

/// Copies out the sender certificate (as carried; validate it, or use
/// `hush_sealed_sender_receive`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `content` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `content` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_get_sender_certificate(
    content: *const hush_unidentified_content,
    out: *mut *mut hush_sender_certificate,
) -> hush_result {
    ffi_boundary!(content, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_handle(out, hush_sender_certificate(borrow(content, "content")?.0.sender().clone())) }
    })
}

/// Frees a content. NULL does nothing.
///
/// # Safety
/// `content` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_unidentified_content_free(content: *mut hush_unidentified_content) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(content) }
}

// ------------------------------------------------------------------ sealing

/// Seals `content` with sealed sender v1 (`0x11`) for the holder of
/// `recipient_identity`. `sender` must be the identity key pair the
/// content's sender certificate names.
///
/// Returns `HUSH_RESULT_OK` and writes the message to `*out`;
/// `HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH`;
/// `HUSH_RESULT_INVALID_KEY_AGREEMENT` for a degenerate recipient key;
/// `HUSH_RESULT_SEALED_SENDER_CONTENT_TOO_LARGE`;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_NULL_ARGUMENT` if
/// `recipient_identity`, `content`, `sender` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// The handles are live; `rng` is NULL or a live `hush_rng`; `out` is valid
/// for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sealed_sender_seal_v1(
    recipient_identity: *const hush_public_key,
    content: *const hush_unidentified_content,
    sender: *const hush_identity_key_pair,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(recipient_identity, content, sender, out => {
        // SAFETY: live handles by contract.
        let (recipient, content, sender) =
            unsafe { (borrow(recipient_identity, "recipient_identity")?, borrow(content, "content")?, borrow(sender, "sender")?) };
        let recipient = IdentityKey::new(recipient.0);
        // SAFETY: `rng` is NULL or live by contract.
        let sealed = unsafe { with_rng(rng, |rng| sealed_sender::seal_v1(&recipient, &content.0, &sender.0, rng)) }??;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &sealed) }
    })
}

/// Seals `content` with sealed sender v2 for several devices at once,
/// writing the SentMessage (`0x23`) to upload to `*out`. Destination `i` is
/// `addresses[i]` (its name must be a service ID string) with our session
/// `records[i]`, which supplies the identity key and registration ID;
/// consecutive destinations with the same name form one recipient.
/// `excluded` lists `excluded_count` service ID strings (`excluded_lens`
/// bytes each, UTF-8) of group members deliberately left out.
///
/// At most 10 000 recipients plus excluded, and 127 devices per recipient.
///
/// Returns `HUSH_RESULT_OK` and writes the SentMessage to `*out`;
/// `HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID`;
/// `HUSH_RESULT_SESSION_NOT_FOUND` for a record without a current session;
/// `HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID`;
/// `HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS`;
/// `HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT`;
/// `HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT`;
/// `HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH`;
/// `HUSH_RESULT_INVALID_KEY_AGREEMENT`; `HUSH_RESULT_INVALID_ARGUMENT` if an
/// excluded name is not UTF-8; `HUSH_RESULT_RANDOM_SOURCE_FAILURE`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `content`, `sender` or `out` is NULL, or
/// an array (or one of its elements) is NULL with a non-zero count;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `addresses` and `records` hold `count` live handles each; `excluded` and
/// `excluded_lens` hold `excluded_count` entries, each string valid for its
/// length; the other handles are live; `rng` is NULL or a live `hush_rng`;
/// `out` is valid for a `hush_buffer` write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_sealed_sender_seal_v2(
    addresses: *const *const hush_protocol_address,
    records: *const *const hush_session_record,
    count: usize,
    excluded: *const *const u8,
    excluded_lens: *const usize,
    excluded_count: usize,
    content: *const hush_unidentified_content,
    sender: *const hush_identity_key_pair,
    rng: *mut hush_rng,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(content, sender, out => {
        // SAFETY: live handles and arrays of `count` live handles by contract.
        let (addresses, records, content, sender) = unsafe {
            (handles(addresses, count, "addresses")?, handles(records, count, "records")?, borrow(content, "content")?, borrow(sender, "sender")?)
        };
        let mut excluded_ids = Vec::with_capacity(excluded_count.min(sealed_sender::MAX_RECIPIENTS + 1));
        if excluded_count > 0 {
            if excluded.is_null() {
                return Err(Failure::null_argument("excluded"));
            }
            if excluded_lens.is_null() {
                return Err(Failure::null_argument("excluded_lens"));
            }
            if excluded_count > sealed_sender::MAX_RECIPIENTS {
                return Err(SealError::TooManyRecipients { count: excluded_count, max: sealed_sender::MAX_RECIPIENTS }.into());
            }
            for i in 0..excluded_count {
                // SAFETY: both arrays hold `excluded_count` entries by
                // contract, and `i` is below it; each string is valid for its
                // length.
                let text = unsafe { bytes(*excluded.add(i), *excluded_lens.add(i), "excluded")? };
                let text = utf8(text, "excluded")?;
                excluded_ids.push(ServiceId::parse(text).ok_or_else(|| SealError::InvalidServiceId(text.to_owned()))?);
            }
        }
        let destinations: Vec<(&ProtocolAddress, &hush::session::SessionRecord)> =
            addresses.iter().zip(&records).map(|(a, r)| (&a.0, &r.0)).collect();
        let recipients = sealed_sender::recipients_from_sessions(&destinations)?;
        // SAFETY: `rng` is NULL or live by contract.
        let sent = unsafe { with_rng(rng, |rng| sealed_sender::seal_v2(&recipients, &excluded_ids, &content.0, &sender.0, rng)) }??;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &sent) }
    })
}

// ------------------------------------------------------------- sent message

/// A parsed v2 SentMessage, as the server sees an upload: the recipients
/// (in order of first appearance, each with its devices and registration
/// IDs), the excluded recipients, and each recipient's ReceivedMessage.
/// Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_sent_message(pub(crate) SentMessage);

/// Parses an uploaded SentMessage (`0x23`, or the legacy `0x22`).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE`;
/// `HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION`;
/// `HUSH_RESULT_INVALID_PROTOBUF` for malformed or truncated input;
/// `HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT`;
/// `HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS`;
/// `HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT`; `HUSH_RESULT_NULL_ARGUMENT`
/// if `out` is NULL, or `data` is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_parse(
    data: *const u8,
    len: usize,
    out: *mut *mut hush_sent_message,
) -> hush_result {
    ffi_boundary!(out => {
        // SAFETY: `data` is valid for `len` bytes by contract.
        let data = unsafe { bytes(data, len, "data") }?;
        let parsed = SentMessage::parse(data)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_sent_message(parsed)) }
    })
}

/// Writes the number of recipients (with devices) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_recipient_count(
    message: *const hush_sent_message,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(message, "message")?.0.recipients().len()) }
    })
}

/// Writes recipient `index`'s service ID as a string (an ACI UUID, or
/// `PNI:` and a UUID) to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if `index` is
/// out of range; `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_recipient_service_id(
    message: *const hush_sent_message,
    index: usize,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract.
        let recipients = unsafe { borrow(message, "message") }?.0.recipients();
        let recipient = recipients.get(index).ok_or_else(|| out_of_range("recipient", index, recipients.len()))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, recipient.service_id().to_string().as_bytes()) }
    })
}

/// Writes the number of devices of recipient `index` to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if `index` is
/// out of range; `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_recipient_device_count(
    message: *const hush_sent_message,
    index: usize,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract.
        let recipients = unsafe { borrow(message, "message") }?.0.recipients();
        let recipient = recipients.get(index).ok_or_else(|| out_of_range("recipient", index, recipients.len()))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_value(out, recipient.devices().len()) }
    })
}

/// Writes device `device_index` of recipient `index`: its device ID to
/// `*out_device_id` and the registration ID the sender's session has for it
/// (14 bits) to `*out_registration_id`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if an index is
/// out of range; `HUSH_RESULT_NULL_ARGUMENT` if `message` or an output is
/// NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; the outputs are valid for `uint32_t` writes.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_recipient_device(
    message: *const hush_sent_message,
    index: usize,
    device_index: usize,
    out_device_id: *mut u32,
    out_registration_id: *mut u32,
) -> hush_result {
    ffi_boundary!(message, out_device_id, out_registration_id => {
        // SAFETY: live handle by contract.
        let recipients = unsafe { borrow(message, "message") }?.0.recipients();
        let recipient = recipients.get(index).ok_or_else(|| out_of_range("recipient", index, recipients.len()))?;
        let device = recipient.devices().get(device_index).ok_or_else(|| out_of_range("device", device_index, recipient.devices().len()))?;
        // SAFETY: both outputs are non-NULL and writable by contract.
        unsafe {
            write_value(out_device_id, device.device_id.get())?;
            write_value(out_registration_id, u32::from(device.registration_id))
        }
    })
}

/// Writes the ReceivedMessage (`0x22`) every device of recipient `index`
/// gets to `*out`: this is the server's fan-out.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if `index` is
/// out of range; `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_received_message(
    message: *const hush_sent_message,
    index: usize,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract.
        let message = &unsafe { borrow(message, "message") }?.0;
        let recipient = message.recipients().get(index).ok_or_else(|| out_of_range("recipient", index, message.recipients().len()))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, &message.received_message(recipient)) }
    })
}

/// Writes the number of excluded recipients to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `message` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `size_t` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_excluded_count(
    message: *const hush_sent_message,
    out: *mut usize,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_value(out, borrow(message, "message")?.0.excluded().len()) }
    })
}

/// Writes excluded recipient `index`'s service ID string to `*out`.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_INVALID_ARGUMENT` if `index` is
/// out of range; `HUSH_RESULT_NULL_ARGUMENT` if `message` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `message` is a live handle; `out` is valid for a `hush_buffer` write.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_get_excluded_service_id(
    message: *const hush_sent_message,
    index: usize,
    out: *mut hush_buffer,
) -> hush_result {
    ffi_boundary!(message, out => {
        // SAFETY: live handle by contract.
        let excluded = unsafe { borrow(message, "message") }?.0.excluded();
        let id = excluded.get(index).ok_or_else(|| out_of_range("excluded recipient", index, excluded.len()))?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_buffer(out, id.to_string().as_bytes()) }
    })
}

/// Frees a parsed SentMessage. NULL does nothing.
///
/// # Safety
/// `message` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_sent_message_free(message: *mut hush_sent_message) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(message) }
}

// ---------------------------------------------------------------- receiving

/// Sealed content whose sender certificate validated and that was not sent
/// by this device. Immutable once made.
#[allow(non_camel_case_types)]
pub struct hush_verified_content(pub(crate) VerifiedContent);

/// Opens a sealed message (v1 `0x11` or v2 ReceivedMessage `0x22`) with our
/// identity key pair, without validating the sender certificate (see
/// `hush_sealed_sender_receive`, which does).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE`;
/// `HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION`;
/// `HUSH_RESULT_INVALID_PROTOBUF`; an EC key error, including
/// `HUSH_RESULT_INVALID_KEY_AGREEMENT`;
/// `HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED`,
/// `HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED`,
/// `HUSH_RESULT_SEALED_SENDER_V1_SENDER_KEY_MISMATCH`,
/// `HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH`,
/// `HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED`,
/// `HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `local_keys` or `out` is NULL, or `data`
/// is NULL with `len > 0`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` is valid for `len` bytes; `local_keys` is a live handle; `out` is
/// valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_sealed_sender_unseal(
    data: *const u8,
    len: usize,
    local_keys: *const hush_identity_key_pair,
    out: *mut *mut hush_unidentified_content,
) -> hush_result {
    ffi_boundary!(local_keys, out => {
        // SAFETY: valid buffer and live handle by contract.
        let (data, local_keys) = unsafe { (bytes(data, len, "data")?, borrow(local_keys, "local_keys")?) };
        let content = sealed_sender::unseal(data, &local_keys.0)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_unidentified_content(content)) }
    })
}

/// The receive path: opens a sealed message (v1 or v2) with our identity
/// key pair, validates the sender certificate against `trust_roots_len`
/// trust roots at `now_ms`, and refuses a message from this very device
/// (same UUID as `local_address`'s name, or the same phone number as
/// `local_e164` unless that is NULL, and the same device ID).
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`; every error
/// of `hush_sealed_sender_unseal`; the validation errors of
/// `hush_sender_certificate_validate`; `HUSH_RESULT_SEALED_SENDER_SELF_SEND`;
/// `HUSH_RESULT_INVALID_ARGUMENT` if `local_e164` is not UTF-8;
/// `HUSH_RESULT_NULL_ARGUMENT` if `local_keys`, `local_address` or `out` is
/// NULL, or `data` or `trust_roots` (or an element) is NULL with a non-zero
/// length; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `data` and `local_e164` are valid for their lengths; `trust_roots` holds
/// `trust_roots_len` live handles; the other handles are live; `out` is
/// valid for a pointer write.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_sealed_sender_receive(
    data: *const u8,
    len: usize,
    local_keys: *const hush_identity_key_pair,
    trust_roots: *const *const hush_public_key,
    trust_roots_len: usize,
    now_ms: u64,
    local_address: *const hush_protocol_address,
    local_e164: *const u8,
    local_e164_len: usize,
    out: *mut *mut hush_verified_content,
) -> hush_result {
    ffi_boundary!(local_keys, local_address, out => {
        // SAFETY: valid buffers and live handles by contract.
        let (data, local_keys, roots, local_address, e164) = unsafe {
            (
                bytes(data, len, "data")?,
                borrow(local_keys, "local_keys")?,
                handles(trust_roots, trust_roots_len, "trust_roots")?,
                borrow(local_address, "local_address")?,
                optional_bytes(local_e164, local_e164_len, "local_e164")?,
            )
        };
        let e164 = e164.map(|e| utf8(e, "local_e164")).transpose()?;
        let local = LocalAccount { address: &local_address.0, e164 };
        let verified = sealed_sender::receive(data, &local_keys.0, &public_keys(&roots), Timestamp::from_millis(now_ms), local)?;
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_verified_content(verified)) }
    })
}

/// Copies out the verified content (type, contents, hint, group ID, sender
/// certificate), to read with the `hush_unidentified_content_get_*`
/// functions.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `verified` or `out` is NULL;
/// `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `verified` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_verified_content_get_content(
    verified: *const hush_verified_content,
    out: *mut *mut hush_unidentified_content,
) -> hush_result {
    ffi_boundary!(verified, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_handle(out, hush_unidentified_content(borrow(verified, "verified")?.0.content().clone())) }
    })
}

/// Writes the sender's address (the certificate's UUID and device) as a new
/// handle to `*out`: the session (or sender key) to decrypt with.
///
/// Returns `HUSH_RESULT_OK`; `HUSH_RESULT_NULL_ARGUMENT` if `verified` or
/// `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `verified` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_verified_content_get_sender_address(
    verified: *const hush_verified_content,
    out: *mut *mut hush_protocol_address,
) -> hush_result {
    ffi_boundary!(verified, out => {
        // SAFETY: live handle by contract; `out` is writable.
        unsafe { write_handle(out, hush_protocol_address(borrow(verified, "verified")?.0.sender_address())) }
    })
}

/// Parses the inner message as a PreKey message, to read the sender's
/// identity key (decide trust) and the pre-key IDs it names before
/// `hush_verified_content_decrypt`.
///
/// Returns `HUSH_RESULT_OK` and writes a new handle to `*out`;
/// `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` unless the inner message is a
/// PreKey message; a message parse error; `HUSH_RESULT_NULL_ARGUMENT` if
/// `verified` or `out` is NULL; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// `verified` is a live handle; `out` is valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn hush_verified_content_get_prekey_message(
    verified: *const hush_verified_content,
    out: *mut *mut hush_prekey_message,
) -> hush_result {
    ffi_boundary!(verified, out => {
        // SAFETY: live handle by contract.
        let verified = unsafe { borrow(verified, "verified") }?;
        let CiphertextMessage::PreKey(message) = verified.0.message()? else {
            return Err(Failure::new(HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE, "the inner message is not a PreKey message"));
        };
        // SAFETY: `out` is non-NULL and writable by contract.
        unsafe { write_handle(out, hush_prekey_message(message)) }
    })
}

fn consumed_to_c(consumed: Option<&ConsumedPreKeys>) -> hush_consumed_prekeys {
    match consumed {
        None => hush_consumed_prekeys {
            new_session: false,
            has_one_time_pre_key: false,
            one_time_pre_key_id: 0,
            signed_pre_key_id: 0,
            kyber_pre_key_id: 0,
            base_key: [0; HUSH_PUBLIC_KEY_LENGTH],
        },
        Some(c) => hush_consumed_prekeys {
            new_session: true,
            has_one_time_pre_key: c.one_time.is_some(),
            one_time_pre_key_id: c.one_time.map_or(0, |id| id.0),
            signed_pre_key_id: c.signed.0,
            kyber_pre_key_id: c.kyber.0,
            base_key: c.base_key.serialize(),
        },
    }
}

/// Decrypts a verified content's 1:1 inner message (type 2 or 3) with
/// `record`, the session record of the sender's address (an empty record
/// for a first PreKey message), exactly as `hush_session_decrypt` and
/// `hush_session_decrypt_prekey` do: for a PreKey message pass the pre-keys
/// it names (`hush_verified_content_get_prekey_message`; NULL for ones you
/// do not have), and delete those `*out_consumed` reports. On failure the
/// record is unchanged and nothing is written.
///
/// Trust, checked after decrypting and before anything is committed: the
/// state that decrypts must belong to the sender certificate's identity key
/// (else `HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH`), and, as for
/// every decrypt function (crate documentation, "Trust"), to
/// `trusted_identity`, the key you trust for the sender (else
/// `HUSH_RESULT_UNTRUSTED_IDENTITY`); NULL accepts any identity (first
/// contact). A replayed first message on a last-resort Kyber pre-key is
/// refused by the caller as for `hush_session_decrypt_prekey`.
///
/// Returns `HUSH_RESULT_OK`, writing the plaintext to `*out_plaintext` and
/// what was consumed to `*out_consumed`;
/// `HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH`;
/// `HUSH_RESULT_UNTRUSTED_IDENTITY`;
/// `HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE` for sender-key and plaintext
/// contents (decrypt those with the group functions, from
/// `hush_unidentified_content_get_contents`); the errors of
/// `hush_session_decrypt` and `hush_session_decrypt_prekey`;
/// `HUSH_RESULT_NULL_ARGUMENT` if `verified`, `record`, `local`,
/// `local_address`, `out_plaintext` or `out_consumed` is NULL;
/// `HUSH_RESULT_RANDOM_SOURCE_FAILURE`; `HUSH_RESULT_PANIC`.
///
/// # Safety
/// The handles are live (the pre-key records and `trusted_identity` may be
/// NULL); `record` is not used elsewhere during the call; `rng` is NULL or a
/// live `hush_rng`; the outputs are valid for writes.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn hush_verified_content_decrypt(
    verified: *const hush_verified_content,
    record: *mut hush_session_record,
    local: *const hush_local_identity,
    local_address: *const hush_protocol_address,
    signed_pre_key: *const hush_signed_prekey_record,
    kyber_pre_key: *const hush_kyber_prekey_record,
    one_time_pre_key: *const hush_prekey_record,
    trusted_identity: *const hush_public_key,
    rng: *mut hush_rng,
    out_plaintext: *mut hush_buffer,
    out_consumed: *mut hush_consumed_prekeys,
) -> hush_result {
    ffi_boundary!(verified, record, local, local_address, out_plaintext, out_consumed => {
        // SAFETY: live handles (the pre-keys and `trusted_identity` NULL or
        // live) by contract; `record` is not aliased during the call.
        let (verified, record, local, local_address, pre_keys, trusted) = unsafe {
            (
                borrow(verified, "verified")?,
                borrow_mut(record, "record")?,
                borrow(local, "local")?,
                borrow(local_address, "local_address")?,
                PreKeys {
                    signed: signed_pre_key.as_ref().map(|r| &r.0),
                    kyber: kyber_pre_key.as_ref().map(|r| &r.0),
                    one_time: one_time_pre_key.as_ref().map(|r| &r.0),
                },
                trusted_identity.as_ref().map(|key| &key.0),
            )
        };
        // libsignal's order: a PreKey message from an untrusted identity is
        // refused before any work (the check after decrypting is the binding
        // one).
        if let Ok(CiphertextMessage::PreKey(message)) = verified.0.message() {
            if !trusts(trusted, message.identity_key()) {
                return Err(untrusted_identity());
            }
        }
        // Nothing is applied to the record before `commit`.
        // SAFETY: `rng` is NULL or live by contract.
        let pending = unsafe { with_rng(rng, |rng| verified.0.decrypt_pending(&mut record.0, &local.0, &local_address.0, pre_keys, rng)) }??;
        if !trusts(trusted, pending.remote_identity()) {
            return Err(untrusted_identity());
        }
        let consumed = consumed_to_c(pending.consumed());
        // Written before committing, so a failed write changes nothing.
        // SAFETY: both outputs are non-NULL (checked on entry) and writable.
        unsafe {
            write_buffer(out_plaintext, pending.plaintext())?;
            write_value(out_consumed, consumed)?;
        }
        drop(Zeroizing::new(pending.commit().plaintext));
        Ok(())
    })
}

/// Frees a verified content. NULL does nothing.
///
/// # Safety
/// `verified` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn hush_verified_content_free(verified: *mut hush_verified_content) {
    // SAFETY: forwarded caller guarantee.
    unsafe { free_handle(verified) }
}

#[cfg(test)]
mod tests {
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::buffer::hush_buffer_free;
    use crate::error::{
        hush_result_str, HUSH_RESULT_NULL_ARGUMENT, HUSH_RESULT_OK, SEALED_SENDER_DESCRIPTIONS,
    };
    use crate::keys::{
        hush_identity_key_pair_free, hush_identity_key_pair_generate,
        hush_identity_key_pair_get_public_key, hush_private_key_free, hush_private_key_generate,
        hush_private_key_get_public_key, hush_public_key_free,
    };

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

    fn empty() -> hush_buffer {
        hush_buffer {
            ptr: null_mut(),
            len: 0,
        }
    }

    /// The codes are in 900–949, distinct from each other and from every
    /// other table, and `hush_result_str` knows them.
    #[test]
    fn result_codes() {
        for (i, (code, text)) in SEALED_SENDER_DESCRIPTIONS.iter().enumerate() {
            assert!((900..950).contains(&code.0), "{code:?}");
            assert!(text.ends_with('\0') && text.find('\0') == Some(text.len() - 1));
            assert!(SEALED_SENDER_DESCRIPTIONS[i + 1..]
                .iter()
                .all(|(other, _)| other != code));
            // SAFETY: hush_result_str returns a static C string.
            let described = unsafe { std::ffi::CStr::from_ptr(hush_result_str(*code)) }
                .to_str()
                .unwrap();
            assert_eq!(described, &text[..text.len() - 1]);
        }
        assert_eq!(
            Failure::from(ReceiveError::SelfSend).code,
            HUSH_RESULT_SEALED_SENDER_SELF_SEND
        );
        assert_eq!(
            Failure::from(ReceiveError::Untrusted(ValidationError::Expired {
                expiration: 1,
                now: 2
            }))
            .code,
            HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED
        );
        assert_eq!(
            Failure::from(ReceiveError::UnknownServerCertificateId(5)).code,
            HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID
        );
        assert_eq!(
            Failure::from(UnsealError::Key(hush::keys::KeyError::InvalidKeyAgreement)).code,
            crate::error::HUSH_RESULT_INVALID_KEY_AGREEMENT
        );
        assert_eq!(
            Failure::from(SentMessageError::InvalidProtobufEncoding("x")).code,
            HUSH_RESULT_INVALID_PROTOBUF
        );
    }

    /// Certificates, v1 seal and the receive path through the C functions;
    /// failures write nothing.
    #[test]
    fn certificates_and_v1_round_trip() {
        // SAFETY: every handle below is made by the library and freed once.
        unsafe {
            let (mut root, mut server_private, mut root_public, mut server_public) =
                (null_mut(), null_mut(), null_mut(), null_mut());
            ok(hush_private_key_generate(null_mut(), &mut root));
            ok(hush_private_key_generate(null_mut(), &mut server_private));
            ok(hush_private_key_get_public_key(root, &mut root_public));
            ok(hush_private_key_get_public_key(
                server_private,
                &mut server_public,
            ));
            let mut server = null_mut();
            ok(hush_server_certificate_new(
                7,
                server_public,
                root,
                null_mut(),
                &mut server,
            ));
            let mut valid = false;
            let roots = [root_public.cast_const()];
            ok(hush_server_certificate_validate(
                server,
                roots.as_ptr(),
                1,
                &mut valid,
            ));
            assert!(valid);

            let (mut alice, mut bob, mut alice_key, mut bob_key) =
                (null_mut(), null_mut(), null_mut(), null_mut());
            ok(hush_identity_key_pair_generate(null_mut(), &mut alice));
            ok(hush_identity_key_pair_generate(null_mut(), &mut bob));
            ok(hush_identity_key_pair_get_public_key(alice, &mut alice_key));
            ok(hush_identity_key_pair_get_public_key(bob, &mut bob_key));
            let uuid = "9d0652a3-dcc3-4d11-975f-74d61598733f";
            let mut cert = null_mut();
            ok(hush_sender_certificate_new(
                uuid.as_ptr(),
                uuid.len(),
                b"+1".as_ptr(),
                2,
                3,
                alice_key,
                1000,
                server,
                server_private,
                null_mut(),
                &mut cert,
            ));
            ok(hush_sender_certificate_validate(
                cert,
                roots.as_ptr(),
                1,
                1000,
            ));
            assert_eq!(
                hush_sender_certificate_validate(cert, roots.as_ptr(), 1, 1001),
                HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED
            );
            assert_eq!(
                hush_sender_certificate_validate(cert, null(), 0, 0),
                HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE
            );
            assert_eq!(
                hush_sender_certificate_validate(cert, null(), 1, 0),
                HUSH_RESULT_NULL_ARGUMENT
            );
            let (mut present, mut e164) = (false, empty());
            ok(hush_sender_certificate_get_sender_e164(
                cert,
                &mut present,
                &mut e164,
            ));
            assert!(present);
            assert_eq!(take(e164), b"+1");

            let mut content = null_mut();
            ok(hush_unidentified_content_new(
                hush_message_type(8),
                cert,
                [0xc0, 0x80].as_ptr(),
                2,
                1,
                b"g".as_ptr(),
                1,
                &mut content,
            ));
            let mut sealed = empty();
            ok(hush_sealed_sender_seal_v1(
                bob_key,
                content,
                alice,
                null_mut(),
                &mut sealed,
            ));
            let sealed = take(sealed);
            assert_eq!(sealed[0], 0x11);
            // Sealing with the wrong identity is refused and writes nothing.
            let mut nothing = empty();
            assert_eq!(
                hush_sealed_sender_seal_v1(bob_key, content, bob, null_mut(), &mut nothing),
                HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH
            );
            assert!(nothing.ptr.is_null());

            let bob_name = "796abedb-ca4e-4f18-8803-1fde5b921f9f";
            let mut bob_address = null_mut();
            ok(crate::address::hush_protocol_address_new(
                bob_name.as_ptr(),
                bob_name.len(),
                1,
                &mut bob_address,
            ));
            let mut verified = null_mut();
            ok(hush_sealed_sender_receive(
                sealed.as_ptr(),
                sealed.len(),
                bob,
                roots.as_ptr(),
                1,
                999,
                bob_address,
                null(),
                0,
                &mut verified,
            ));
            let mut got = null_mut();
            ok(hush_verified_content_get_content(verified, &mut got));
            let mut contents = empty();
            ok(hush_unidentified_content_get_contents(got, &mut contents));
            assert_eq!(take(contents), [0xc0, 0x80]);
            let mut unverified = std::ptr::dangling_mut::<hush_verified_content>();
            let rc = hush_sealed_sender_receive(
                sealed.as_ptr(),
                sealed.len(),
                bob,
                roots.as_ptr(),
                1,
                1001,
                bob_address,
                null(),
                0,
                &mut unverified,
            );
            assert_eq!(rc, HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED);
            assert_eq!(unverified, std::ptr::dangling_mut());

            hush_verified_content_free(verified);
            hush_unidentified_content_free(got);
            hush_unidentified_content_free(content);
            crate::address::hush_protocol_address_free(bob_address);
            hush_sender_certificate_free(cert);
            hush_server_certificate_free(server);
            hush_identity_key_pair_free(alice);
            hush_identity_key_pair_free(bob);
            for key in [alice_key, bob_key, root_public, server_public] {
                hush_public_key_free(key);
            }
            hush_private_key_free(root);
            hush_private_key_free(server_private);
            hush_sender_certificate_free(null_mut());
            hush_verified_content_free(null_mut());
            hush_sent_message_free(null_mut());
        }
    }
}
