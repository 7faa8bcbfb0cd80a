//! Result codes (`hush_result`), their static descriptions, and the
//! per-thread message of the last failed call.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::c_char;

use hush::address::InvalidDeviceId;
use hush::fingerprint::FingerprintError;
use hush::keys::{BundleError, KeyError, RecordError};
use hush::messages::MessageError;
use hush::session::{DecryptError, EncryptError};
use hush::state::StateError;

/// The outcome of a call. Every fallible function returns one.
///
/// It is a plain 32-bit number rather than a C enum so that any value a
/// caller hands back (to `hush_result_str`) is valid. Values are never
/// reused: a code that is retired stays reserved.
#[allow(non_camel_case_types)]
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct hush_result(pub u32);

/// Success.
pub const HUSH_RESULT_OK: hush_result = hush_result(0);
/// A required pointer argument was NULL (or a NULL data pointer came with a
/// non-zero length).
pub const HUSH_RESULT_NULL_ARGUMENT: hush_result = hush_result(1);
/// An argument is out of range (for example a length above `PTRDIFF_MAX`).
pub const HUSH_RESULT_INVALID_ARGUMENT: hush_result = hush_result(2);
/// hush panicked. This is a bug in hush; the handles the call was modifying
/// are poisoned: still valid to free, but every other call with them fails
/// with `HUSH_RESULT_POISONED_HANDLE`.
pub const HUSH_RESULT_PANIC: hush_result = hush_result(3);
/// The random source failed: the OS could not supply randomness, or a
/// caller-supplied `hush_rng` callback returned non-zero. Nothing was
/// produced.
pub const HUSH_RESULT_RANDOM_SOURCE_FAILURE: hush_result = hush_result(4);
/// An output `hush_buffer` still owns bytes (its `ptr` is not NULL): free it
/// with `hush_buffer_free` (or start from `{0}`) before passing it again.
/// Nothing was done, and the buffer is untouched.
pub const HUSH_RESULT_OUTPUT_NOT_EMPTY: hush_result = hush_result(5);
/// A handle argument was being modified by a call that panicked
/// (`HUSH_RESULT_PANIC`), so its contents are unspecified: every later call
/// with it is refused with this code, except its `_free`. Nothing was done.
pub const HUSH_RESULT_POISONED_HANDLE: hush_result = hush_result(6);

/// A typed key or ciphertext was empty (no type byte).
pub const HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER: hush_result = hush_result(100);
/// An EC public key's type byte is not `0x05`.
pub const HUSH_RESULT_BAD_KEY_TYPE: hush_result = hush_result(101);
/// An EC key has the wrong length (33 bytes public, 32 bytes private).
pub const HUSH_RESULT_BAD_KEY_LENGTH: hush_result = hush_result(102);
/// A KEM key or ciphertext's type byte is not `0x08` (Kyber-1024).
pub const HUSH_RESULT_BAD_KEM_KEY_TYPE: hush_result = hush_result(103);
/// A KEM key has the wrong length (1569 bytes public, 3169 bytes secret).
pub const HUSH_RESULT_BAD_KEM_KEY_LENGTH: hush_result = hush_result(104);
/// A KEM ciphertext is not 1569 bytes long.
pub const HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH: hush_result = hush_result(105);
/// X25519 agreement gave the all-zero value: the other party's public key is
/// a low-order point.
pub const HUSH_RESULT_INVALID_KEY_AGREEMENT: hush_result = hush_result(106);
/// A stored public key does not belong to the stored private key.
pub const HUSH_RESULT_KEY_PAIR_MISMATCH: hush_result = hush_result(107);
/// Serialized bytes are not valid protobuf of the expected message.
pub const HUSH_RESULT_INVALID_PROTOBUF: hush_result = hush_result(108);

/// A stored signature is not 64 bytes long.
pub const HUSH_RESULT_BAD_SIGNATURE_LENGTH: hush_result = hush_result(200);
/// A signature does not verify (for a bundle: one of its pre-key signatures;
/// drop the bundle).
pub const HUSH_RESULT_SIGNATURE_VALIDATION_FAILED: hush_result = hush_result(201);

/// A device ID is outside `1..=127`.
pub const HUSH_RESULT_INVALID_DEVICE_ID: hush_result = hush_result(300);

/// A fingerprint iteration count is outside `2..=1000000`.
pub const HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT: hush_result = hush_result(400);
/// A scannable fingerprint is malformed or incomplete.
pub const HUSH_RESULT_FINGERPRINT_PARSING: hush_result = hush_result(401);
/// A scanned fingerprint has another version than ours.
pub const HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH: hush_result = hush_result(402);
/// A scanned fingerprint is well formed but does not match ours: the
/// identity keys differ.
pub const HUSH_RESULT_FINGERPRINT_MISMATCH: hush_result = hush_result(403);

/// There is no session to use: the record is empty (encrypt, decrypt a
/// `SignalMessage`, read a field of the current state), or holds only
/// archived states (encrypt). Start one from a bundle, or ask the sender to
/// start over.
pub const HUSH_RESULT_SESSION_NOT_FOUND: hush_result = hush_result(500);
/// The message was already decrypted, or its key was discarded. Drop it
/// silently; the record is unchanged.
pub const HUSH_RESULT_DUPLICATED_MESSAGE: hush_result = hush_result(501);
/// No session state could decrypt the message: forged, corrupted, or from a
/// session the record no longer has. Drop it; the record is unchanged.
pub const HUSH_RESULT_DECRYPTION_FAILED: hush_result = hush_result(502);
/// A version-3 (X3DH, pre-Kyber) PreKey message for no existing session.
/// Drop it.
pub const HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED: hush_result = hush_result(503);
/// A PreKey message's base key is not canonical. Drop it.
pub const HUSH_RESULT_INVALID_BASE_KEY: hush_result = hush_result(504);
/// The signed pre-key a PreKey message names was not supplied (or a record
/// with another ID was). Drop the message if the key is gone.
pub const HUSH_RESULT_MISSING_SIGNED_PREKEY: hush_result = hush_result(505);
/// The Kyber pre-key a PreKey message names was not supplied (or a record
/// with another ID was).
pub const HUSH_RESULT_MISSING_KYBER_PREKEY: hush_result = hush_result(506);
/// The one-time pre-key a PreKey message names was not supplied (it may have
/// been used already).
pub const HUSH_RESULT_MISSING_PREKEY: hush_result = hush_result(507);
/// The current session was never acknowledged and is more than 30 days old:
/// fetch a new bundle and start over.
pub const HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION: hush_result = hush_result(508);
/// The current session state cannot send (no sending chain, or the chain is
/// exhausted): start a new session.
pub const HUSH_RESULT_INVALID_SESSION_STATE: hush_result = hush_result(509);
/// The message decrypts, but with a session state whose remote identity is
/// not the one the caller said it trusts. The record is unchanged (the
/// message can be decrypted again once the new identity is accepted).
pub const HUSH_RESULT_UNTRUSTED_IDENTITY: hush_result = hush_result(510);
/// A PreKey message resumes a session the record has but carries another
/// identity key than that session's peer (libsignal: "remote identity key
/// not consistent with previously-established session"). Its identity field
/// may have been rewritten to pass a trust check: drop it. The record is
/// unchanged.
pub const HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY: hush_result = hush_result(511);

/// Message bytes are shorter than the minimum for their type. Drop them.
pub const HUSH_RESULT_MESSAGE_TOO_SHORT: hush_result = hush_result(600);
/// A message's version is below 3 (pre-X3DH). Drop it.
pub const HUSH_RESULT_MESSAGE_LEGACY_VERSION: hush_result = hush_result(601);
/// A message's version is above 4 (from a newer protocol). Drop it.
pub const HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION: hush_result = hush_result(602);
/// A version-4 PreKey message lacks the Kyber pre-key ID and ciphertext.
pub const HUSH_RESULT_MESSAGE_KYBER_MISSING: hush_result = hush_result(603);
/// A PreKey message has exactly one of the Kyber pre-key ID and ciphertext.
pub const HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT: hush_result = hush_result(604);
/// A message type other than `HUSH_MESSAGE_TYPE_WHISPER` (2) or
/// `HUSH_MESSAGE_TYPE_PREKEY` (3) was given for a 1:1 session.
pub const HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE: hush_result = hush_result(605);

/// Stored state is shorter than its two header bytes. Keep the bytes; do not
/// overwrite them.
pub const HUSH_RESULT_STATE_TRUNCATED: hush_result = hush_result(700);
/// Stored state has a format version this release does not know (written by
/// a newer one). Keep the bytes.
pub const HUSH_RESULT_STATE_UNSUPPORTED_VERSION: hush_result = hush_result(701);
/// Stored state holds another kind of object than the one asked for.
pub const HUSH_RESULT_STATE_WRONG_KIND: hush_result = hush_result(702);
/// Stored state has a valid header but a malformed payload; the last error
/// message names the part. Keep the bytes.
pub const HUSH_RESULT_STATE_INVALID: hush_result = hush_result(703);

/// The record has no sender key to use: encrypting with an empty record
/// (create a distribution message first), or decrypting a group message
/// whose chain the record does not have (ask the sender for its
/// distribution message). The record is unchanged.
pub const HUSH_RESULT_NO_SENDER_KEY_STATE: hush_result = hush_result(800);
/// The record's newest sender key cannot be used: it is another member's
/// (no private signing key) when encrypting, or its message version is not
/// 3. Use the record of our own address, or start a new sender key.
pub const HUSH_RESULT_INVALID_SENDER_KEY_SESSION: hush_result = hush_result(801);
/// A sender-key chain reached iteration 2^32 - 1 and cannot advance. Start a
/// new sender key (a new, empty record) and distribute it.
pub const HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED: hush_result = hush_result(802);
/// A group message's version differs from its chain's. Drop it.
pub const HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH: hush_result = hush_result(803);
/// A group message is more than 25 000 iterations ahead of its chain. Drop
/// it; the record is unchanged.
pub const HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE: hush_result = hush_result(804);
/// A group message's signature verified but its ciphertext did not decrypt
/// (bad length or padding). Drop it; the record is unchanged.
pub const HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED: hush_result = hush_result(805);

/// Every defined code with its description. Descriptions end in NUL so that
/// `hush_result_str` can hand them out as C strings.
const DESCRIPTIONS: &[(hush_result, &str)] = &[
    (HUSH_RESULT_OK, "success\0"),
    (
        HUSH_RESULT_NULL_ARGUMENT,
        "a required pointer argument was NULL\0",
    ),
    (
        HUSH_RESULT_INVALID_ARGUMENT,
        "an argument is out of range\0",
    ),
    (HUSH_RESULT_PANIC, "hush panicked (a bug in hush)\0"),
    (
        HUSH_RESULT_RANDOM_SOURCE_FAILURE,
        "the random source failed\0",
    ),
    (
        HUSH_RESULT_OUTPUT_NOT_EMPTY,
        "an output hush_buffer was not empty\0",
    ),
    (
        HUSH_RESULT_POISONED_HANDLE,
        "the handle was poisoned by a panic\0",
    ),
    (
        HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER,
        "no key type identifier\0",
    ),
    (HUSH_RESULT_BAD_KEY_TYPE, "bad key type\0"),
    (HUSH_RESULT_BAD_KEY_LENGTH, "bad key length\0"),
    (HUSH_RESULT_BAD_KEM_KEY_TYPE, "bad KEM key type\0"),
    (HUSH_RESULT_BAD_KEM_KEY_LENGTH, "bad KEM key length\0"),
    (
        HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH,
        "bad KEM ciphertext length\0",
    ),
    (HUSH_RESULT_INVALID_KEY_AGREEMENT, "invalid key agreement\0"),
    (
        HUSH_RESULT_KEY_PAIR_MISMATCH,
        "public key does not match private key\0",
    ),
    (
        HUSH_RESULT_INVALID_PROTOBUF,
        "protobuf encoding was invalid\0",
    ),
    (HUSH_RESULT_BAD_SIGNATURE_LENGTH, "bad signature length\0"),
    (
        HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
        "signature validation failed\0",
    ),
    (HUSH_RESULT_INVALID_DEVICE_ID, "invalid device ID\0"),
    (
        HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT,
        "invalid fingerprint iteration count\0",
    ),
    (
        HUSH_RESULT_FINGERPRINT_PARSING,
        "fingerprint parsing error\0",
    ),
    (
        HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH,
        "fingerprint version number mismatch\0",
    ),
    (
        HUSH_RESULT_FINGERPRINT_MISMATCH,
        "fingerprints do not match\0",
    ),
    (HUSH_RESULT_SESSION_NOT_FOUND, "session not found\0"),
    (HUSH_RESULT_DUPLICATED_MESSAGE, "duplicated message\0"),
    (HUSH_RESULT_DECRYPTION_FAILED, "decryption failed\0"),
    (
        HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED,
        "X3DH no longer supported\0",
    ),
    (HUSH_RESULT_INVALID_BASE_KEY, "invalid base key\0"),
    (
        HUSH_RESULT_MISSING_SIGNED_PREKEY,
        "signed pre-key not supplied\0",
    ),
    (
        HUSH_RESULT_MISSING_KYBER_PREKEY,
        "Kyber pre-key not supplied\0",
    ),
    (
        HUSH_RESULT_MISSING_PREKEY,
        "one-time pre-key not supplied\0",
    ),
    (
        HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION,
        "unacknowledged session is stale\0",
    ),
    (HUSH_RESULT_INVALID_SESSION_STATE, "invalid session state\0"),
    (HUSH_RESULT_UNTRUSTED_IDENTITY, "untrusted identity\0"),
    (
        HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY,
        "remote identity key not consistent with previously-established session\0",
    ),
    (HUSH_RESULT_MESSAGE_TOO_SHORT, "message too short\0"),
    (
        HUSH_RESULT_MESSAGE_LEGACY_VERSION,
        "message version too old\0",
    ),
    (
        HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION,
        "message version unrecognized\0",
    ),
    (
        HUSH_RESULT_MESSAGE_KYBER_MISSING,
        "PreKey message lacks Kyber fields\0",
    ),
    (
        HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT,
        "PreKey message has inconsistent Kyber fields\0",
    ),
    (
        HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
        "unsupported message type\0",
    ),
    (HUSH_RESULT_STATE_TRUNCATED, "stored state is truncated\0"),
    (
        HUSH_RESULT_STATE_UNSUPPORTED_VERSION,
        "unsupported stored state version\0",
    ),
    (
        HUSH_RESULT_STATE_WRONG_KIND,
        "stored state is of another kind\0",
    ),
    (HUSH_RESULT_STATE_INVALID, "invalid stored state\0"),
    (HUSH_RESULT_NO_SENDER_KEY_STATE, "no sender key state\0"),
    (
        HUSH_RESULT_INVALID_SENDER_KEY_SESSION,
        "invalid sender key session\0",
    ),
    (
        HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,
        "sender key chain exhausted\0",
    ),
    (
        HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH,
        "sender key message version mismatch\0",
    ),
    (
        HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE,
        "sender key message too far in the future\0",
    ),
    (
        HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
        "sender key message decryption failed\0",
    ),
];

// ------------------------------------------------------ sealed sender (900–949)

/// A sender certificate names a built-in server certificate by an ID hush
/// does not know. Drop the message.
pub const HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID: hush_result = hush_result(900);
/// The server certificate's ID is revoked. The sender is not vouched for.
pub const HUSH_RESULT_SEALED_SENDER_REVOKED_SERVER_CERTIFICATE: hush_result = hush_result(901);
/// No supplied trust root signed the server certificate. The sender is not
/// vouched for.
pub const HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE: hush_result = hush_result(902);
/// The server certificate's key did not sign the sender certificate.
pub const HUSH_RESULT_SEALED_SENDER_INVALID_CERTIFICATE_SIGNATURE: hush_result = hush_result(903);
/// The sender certificate expired before the time given.
pub const HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED: hush_result = hush_result(904);

/// A sealed message or SentMessage is empty. Drop it.
pub const HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE: hush_result = hush_result(910);
/// A sealed message's version is unknown (high nibble not 0, 1 or 2), or a
/// SentMessage does not start with `0x22`/`0x23`. Drop it.
pub const HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION: hush_result = hush_result(911);
/// v1: the sender key block did not authenticate (not for us, or
/// tampered). Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED: hush_result = hush_result(912);
/// v1: the content did not authenticate. Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED: hush_result = hush_result(913);
/// v1: the sender key in the message is not the sender certificate's key.
/// Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V1_SENDER_KEY_MISMATCH: hush_result = hush_result(914);
/// v2: the derived ephemeral key does not match the message's (not for us,
/// or tampered). Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH: hush_result = hush_result(915);
/// v2: the payload did not authenticate. Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED: hush_result = hush_result(916);
/// v2: the authentication tag does not bind the sender certificate's key.
/// Drop it.
pub const HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH: hush_result = hush_result(917);

/// A recipient appears twice in a SentMessage with one occurrence empty
/// (excluded), or an excluded recipient is also a recipient or excluded
/// twice.
pub const HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT: hush_result = hush_result(920);
/// More than 10 000 recipient entries (recipients plus excluded) in one
/// multi-recipient message.
pub const HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS: hush_result = hush_result(921);
/// A recipient has no devices, or more than 127.
pub const HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT: hush_result = hush_result(922);
/// A recipient session's registration ID does not fit in 14 bits.
pub const HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID: hush_result = hush_result(923);
/// A recipient name is not a service ID string (`PNI:` and/or a hyphenated
/// UUID).
pub const HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID: hush_result = hush_result(924);
/// The sender identity key pair is not the one the sender certificate names.
pub const HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH: hush_result = hush_result(925);
/// The content is too large to seal (over 64 GiB).
pub const HUSH_RESULT_SEALED_SENDER_CONTENT_TOO_LARGE: hush_result = hush_result(926);

/// The message was sent by this very device. Drop it.
pub const HUSH_RESULT_SEALED_SENDER_SELF_SEND: hush_result = hush_result(930);

/// The inner 1:1 message decrypted with a session state whose remote
/// identity is not the sender certificate's identity key: the certificate
/// does not vouch for whoever holds that session. Drop the message; the
/// record is unchanged.
pub const HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH: hush_result = hush_result(940);

/// The descriptions of the sealed-sender codes, for `hush_result_str`.
pub(crate) const SEALED_SENDER_DESCRIPTIONS: &[(hush_result, &str)] = &[
    (
        HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID,
        "unknown server certificate ID\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_REVOKED_SERVER_CERTIFICATE,
        "server certificate is revoked\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE,
        "server certificate is not signed by a trust root\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_INVALID_CERTIFICATE_SIGNATURE,
        "sender certificate signature is invalid\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED,
        "sender certificate expired\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE,
        "sealed sender message is empty\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION,
        "unknown sealed sender message version\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED,
        "failed to decrypt sealed sender v1 message key\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED,
        "failed to decrypt sealed sender v1 message contents\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V1_SENDER_KEY_MISMATCH,
        "sender certificate key does not match message key\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH,
        "derived ephemeral key did not match key provided in message\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED,
        "failed to decrypt sealed sender v2 message\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH,
        "sender certificate key does not match authentication tag\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT,
        "recipient redundantly encoded as empty\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_TOO_MANY_RECIPIENTS,
        "too many recipients\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_BAD_DEVICE_COUNT,
        "recipient has no devices or too many\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID,
        "registration ID does not fit in 14 bits\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID,
        "not a service ID\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH,
        "sender identity does not match the sender certificate\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_CONTENT_TOO_LARGE,
        "content too large to seal\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_SELF_SEND,
        "sealed sender message from this device\0",
    ),
    (
        HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH,
        "sender certificate identity does not match the session's remote identity\0",
    ),
];

/// A retry receipt was asked for a plaintext (type 8) message: it is not
/// encrypted, so there is nothing to retry.
pub const HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED: hush_result = hush_result(1100);
/// A `Content` body carries no `DecryptionErrorMessage`.
pub const HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE: hush_result = hush_result(1101);

/// The descriptions of the retry-receipt codes, for `hush_result_str`.
pub(crate) const RETRY_DESCRIPTIONS: &[(hush_result, &str)] = &[
    (
        HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED,
        "plaintext content is not encrypted; no retry receipt for it\0",
    ),
    (
        HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE,
        "content does not contain a DecryptionErrorMessage\0",
    ),
];

/// A classic device ID is outside `1..=HUSH_CLASSIC_MAX_DEVICE_ID`.
pub const HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID: hush_result = hush_result(1200);
/// A classic PreKey message names the base key of a session the record has,
/// but carries another identity key than that session's: refused without
/// decrypting (libsignal-protocol-c would try it). Drop it.
pub const HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH: hush_result = hush_result(1201);

/// The descriptions of the classic codes, for `hush_result_str`.
pub(crate) const CLASSIC_DESCRIPTIONS: &[(hush_result, &str)] = &[
    (
        HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID,
        "classic device ID is outside 1..=2^31-1\0",
    ),
    (
        HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH,
        "classic PreKey message carries another identity than its session\0",
    ),
];

const UNKNOWN: &str = "unknown hush_result\0";

fn description(result: hush_result) -> &'static str {
    DESCRIPTIONS
        .iter()
        .chain(SEALED_SENDER_DESCRIPTIONS)
        .chain(RETRY_DESCRIPTIONS)
        .chain(CLASSIC_DESCRIPTIONS)
        .find(|(code, _)| *code == result)
        .map_or(UNKNOWN, |(_, text)| text)
}

/// Describes a result code. Any value is accepted; an undefined one gives
/// "unknown hush_result".
///
/// Returns a static NUL-terminated string that is never NULL and must not be
/// freed.
#[no_mangle]
pub extern "C" fn hush_result_str(result: hush_result) -> *const c_char {
    // Looking up a constant table cannot panic.
    description(result).as_ptr().cast()
}

/// Why a call failed: a code and a message (numbers only, never secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: hush_result,
    pub(crate) message: Cow<'static, str>,
}

impl Failure {
    pub(crate) fn new(code: hush_result, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null_argument(name: &'static str) -> Self {
        Self::new(
            HUSH_RESULT_NULL_ARGUMENT,
            format!("argument `{name}` is NULL"),
        )
    }

    pub(crate) fn random_source() -> Self {
        Self::new(
            HUSH_RESULT_RANDOM_SOURCE_FAILURE,
            "the random source failed",
        )
    }
}

impl From<KeyError> for Failure {
    fn from(error: KeyError) -> Self {
        let code = match error {
            KeyError::NoKeyTypeIdentifier => HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER,
            KeyError::BadKeyType(_) => HUSH_RESULT_BAD_KEY_TYPE,
            KeyError::BadKeyLength(_) => HUSH_RESULT_BAD_KEY_LENGTH,
            KeyError::BadKemKeyType(_) => HUSH_RESULT_BAD_KEM_KEY_TYPE,
            KeyError::BadKemKeyLength(_) => HUSH_RESULT_BAD_KEM_KEY_LENGTH,
            KeyError::BadKemCiphertextLength(_) => HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH,
            KeyError::InvalidKeyAgreement => HUSH_RESULT_INVALID_KEY_AGREEMENT,
            KeyError::KeyPairMismatch => HUSH_RESULT_KEY_PAIR_MISMATCH,
            KeyError::InvalidProtobufEncoding => HUSH_RESULT_INVALID_PROTOBUF,
        };
        Self::new(code, error.to_string())
    }
}

impl From<RecordError> for Failure {
    fn from(error: RecordError) -> Self {
        match error {
            RecordError::InvalidProtobufEncoding => {
                Self::new(HUSH_RESULT_INVALID_PROTOBUF, error.to_string())
            }
            RecordError::Key(key) => key.into(),
            RecordError::BadSignatureLength(_) => {
                Self::new(HUSH_RESULT_BAD_SIGNATURE_LENGTH, error.to_string())
            }
        }
    }
}

impl From<BundleError> for Failure {
    fn from(error: BundleError) -> Self {
        match error {
            BundleError::SignatureValidationFailed(_) => {
                Self::new(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED, error.to_string())
            }
        }
    }
}

impl From<InvalidDeviceId> for Failure {
    fn from(error: InvalidDeviceId) -> Self {
        Self::new(HUSH_RESULT_INVALID_DEVICE_ID, error.to_string())
    }
}

impl From<FingerprintError> for Failure {
    fn from(error: FingerprintError) -> Self {
        let code = match error {
            FingerprintError::InvalidIterationCount(_) => {
                HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT
            }
            FingerprintError::Parsing(_) => HUSH_RESULT_FINGERPRINT_PARSING,
            FingerprintError::VersionMismatch { .. } => HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH,
        };
        Self::new(code, error.to_string())
    }
}

impl From<DecryptError> for Failure {
    fn from(error: DecryptError) -> Self {
        let code = match &error {
            DecryptError::SessionNotFound => HUSH_RESULT_SESSION_NOT_FOUND,
            DecryptError::DuplicatedMessage { .. } => HUSH_RESULT_DUPLICATED_MESSAGE,
            DecryptError::DecryptionFailed { .. } => HUSH_RESULT_DECRYPTION_FAILED,
            DecryptError::X3dhNoLongerSupported => HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED,
            DecryptError::InvalidBaseKey => HUSH_RESULT_INVALID_BASE_KEY,
            DecryptError::MissingSignedPreKey(_) => HUSH_RESULT_MISSING_SIGNED_PREKEY,
            DecryptError::MissingKyberPreKey(_) => HUSH_RESULT_MISSING_KYBER_PREKEY,
            DecryptError::MissingPreKey(_) => HUSH_RESULT_MISSING_PREKEY,
            DecryptError::InconsistentRemoteIdentity => HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY,
            DecryptError::Key(key) => return (*key).into(),
        };
        Self::new(code, error.to_string())
    }
}

impl From<EncryptError> for Failure {
    fn from(error: EncryptError) -> Self {
        let code = match error {
            EncryptError::SessionNotFound => HUSH_RESULT_SESSION_NOT_FOUND,
            EncryptError::StaleUnacknowledgedSession => HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION,
            EncryptError::InvalidSessionState(_) => HUSH_RESULT_INVALID_SESSION_STATE,
        };
        Self::new(code, error.to_string())
    }
}

impl From<MessageError> for Failure {
    fn from(error: MessageError) -> Self {
        let code = match &error {
            MessageError::CiphertextMessageTooShort(_) => HUSH_RESULT_MESSAGE_TOO_SHORT,
            MessageError::LegacyCiphertextVersion(_) => HUSH_RESULT_MESSAGE_LEGACY_VERSION,
            MessageError::UnrecognizedCiphertextVersion(_) => {
                HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION
            }
            MessageError::InvalidProtobufEncoding => HUSH_RESULT_INVALID_PROTOBUF,
            MessageError::KyberPreKeyMissing => HUSH_RESULT_MESSAGE_KYBER_MISSING,
            MessageError::KyberFieldsInconsistent => HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT,
            MessageError::Key(key) => return (*key).into(),
        };
        Self::new(code, error.to_string())
    }
}

impl From<StateError> for Failure {
    fn from(error: StateError) -> Self {
        let code = match error {
            StateError::Truncated => HUSH_RESULT_STATE_TRUNCATED,
            StateError::UnsupportedVersion(_) => HUSH_RESULT_STATE_UNSUPPORTED_VERSION,
            StateError::WrongKind { .. } => HUSH_RESULT_STATE_WRONG_KIND,
            StateError::Invalid(_) => HUSH_RESULT_STATE_INVALID,
        };
        Self::new(code, error.to_string())
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the message of the call that is finishing on this thread (empty
/// on success).
pub(crate) fn set_last_error(message: &str) {
    // `try_with` fails only while the thread is being torn down; then there
    // is nobody left to read the message.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.clear();
            last.push_str(message);
        }
    });
}

fn last_error() -> String {
    LAST_ERROR
        .try_with(|last| last.try_borrow().map(|m| m.clone()).unwrap_or_default())
        .unwrap_or_default()
}

/// Copies the message of the most recent call on this thread that returned
/// a `hush_result` into `buf`, like `snprintf`: at most `len - 1` bytes and a
/// terminating NUL are written (nothing if `buf` is NULL or `len` is 0).
///
/// The message is empty after a successful call. It carries numbers (lengths,
/// type bytes, versions) but never key material.
///
/// Returns the full length of the message, excluding the NUL; a value of
/// `len` or more means the copy was truncated.
///
/// # Safety
/// `buf`, if not NULL, must be valid for writes of `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn hush_last_error_message(buf: *mut c_char, len: usize) -> usize {
    crate::panic::run_or(0, || {
        let message = last_error();
        if !buf.is_null() && len > 0 {
            let n = message.len().min(len - 1);
            // SAFETY: the caller guarantees `buf` is valid for `len` bytes and
            // `n + 1 <= len`; `message` is a separate Rust allocation.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        message.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_a_distinct_nul_terminated_description() {
        for (i, (code, text)) in DESCRIPTIONS.iter().enumerate() {
            assert!(text.ends_with('\0') && text.len() > 1, "{code:?}");
            assert_eq!(text.find('\0'), Some(text.len() - 1), "{code:?}");
            for (other, _) in &DESCRIPTIONS[i + 1..] {
                assert_ne!(code, other, "code value reused");
            }
        }
    }

    #[test]
    fn result_str_handles_unknown_values() {
        let text = |r| {
            // SAFETY: hush_result_str always returns a static NUL-terminated string.
            unsafe { CStr::from_ptr(hush_result_str(r)) }
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(text(HUSH_RESULT_OK), "success");
        assert_eq!(
            text(HUSH_RESULT_SIGNATURE_VALIDATION_FAILED),
            "signature validation failed"
        );
        assert_eq!(text(hush_result(9999)), "unknown hush_result");
        assert_eq!(text(hush_result(u32::MAX)), "unknown hush_result");
    }

    #[test]
    fn core_errors_map_to_their_codes() {
        assert_eq!(
            Failure::from(KeyError::BadKeyType(7)).code,
            HUSH_RESULT_BAD_KEY_TYPE
        );
        assert_eq!(
            Failure::from(RecordError::Key(KeyError::KeyPairMismatch)).code,
            HUSH_RESULT_KEY_PAIR_MISMATCH
        );
        assert_eq!(
            Failure::from(RecordError::InvalidProtobufEncoding).code,
            HUSH_RESULT_INVALID_PROTOBUF
        );
        assert_eq!(
            Failure::from(RecordError::BadSignatureLength(3)).code,
            HUSH_RESULT_BAD_SIGNATURE_LENGTH
        );
        assert_eq!(
            Failure::from(InvalidDeviceId(0)).code,
            HUSH_RESULT_INVALID_DEVICE_ID
        );
        let mismatch = FingerprintError::VersionMismatch { theirs: 1, ours: 2 };
        assert_eq!(
            Failure::from(mismatch).code,
            HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH
        );
    }

    #[test]
    fn session_message_and_state_errors_map_to_their_codes() {
        use hush::keys::{KyberPreKeyId, PreKeyId, SignedPreKeyId};
        use hush::messages::CiphertextMessageType;
        use hush::session::FailureReason;
        use hush::state::StateKind;

        let failed = DecryptError::DecryptionFailed {
            message_type: CiphertextMessageType::Whisper,
            reason: FailureReason::MacMismatch,
        };
        let decrypt = [
            (DecryptError::SessionNotFound, HUSH_RESULT_SESSION_NOT_FOUND),
            (
                DecryptError::DuplicatedMessage {
                    chain_index: 3,
                    counter: 1,
                },
                HUSH_RESULT_DUPLICATED_MESSAGE,
            ),
            (failed, HUSH_RESULT_DECRYPTION_FAILED),
            (
                DecryptError::X3dhNoLongerSupported,
                HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED,
            ),
            (DecryptError::InvalidBaseKey, HUSH_RESULT_INVALID_BASE_KEY),
            (
                DecryptError::MissingSignedPreKey(SignedPreKeyId(1)),
                HUSH_RESULT_MISSING_SIGNED_PREKEY,
            ),
            (
                DecryptError::MissingKyberPreKey(KyberPreKeyId(1)),
                HUSH_RESULT_MISSING_KYBER_PREKEY,
            ),
            (
                DecryptError::MissingPreKey(PreKeyId(1)),
                HUSH_RESULT_MISSING_PREKEY,
            ),
            (
                DecryptError::InconsistentRemoteIdentity,
                HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY,
            ),
            (
                DecryptError::Key(KeyError::BadKemCiphertextLength(3)),
                HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH,
            ),
        ];
        for (error, code) in decrypt {
            assert_eq!(Failure::from(error).code, code);
        }
        let failure = Failure::from(DecryptError::DuplicatedMessage {
            chain_index: 3,
            counter: 1,
        });
        assert_eq!(failure.message, "message with old counter 3 / 1");
        assert_eq!(
            Failure::from(EncryptError::SessionNotFound).code,
            HUSH_RESULT_SESSION_NOT_FOUND
        );
        assert_eq!(
            Failure::from(EncryptError::StaleUnacknowledgedSession).code,
            HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION
        );
        assert_eq!(
            Failure::from(EncryptError::InvalidSessionState("x")).code,
            HUSH_RESULT_INVALID_SESSION_STATE
        );

        let message = [
            (
                MessageError::CiphertextMessageTooShort(2),
                HUSH_RESULT_MESSAGE_TOO_SHORT,
            ),
            (
                MessageError::LegacyCiphertextVersion(2),
                HUSH_RESULT_MESSAGE_LEGACY_VERSION,
            ),
            (
                MessageError::UnrecognizedCiphertextVersion(5),
                HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION,
            ),
            (
                MessageError::InvalidProtobufEncoding,
                HUSH_RESULT_INVALID_PROTOBUF,
            ),
            (
                MessageError::KyberPreKeyMissing,
                HUSH_RESULT_MESSAGE_KYBER_MISSING,
            ),
            (
                MessageError::KyberFieldsInconsistent,
                HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT,
            ),
            (
                MessageError::Key(KeyError::BadKeyType(6)),
                HUSH_RESULT_BAD_KEY_TYPE,
            ),
        ];
        for (error, code) in message {
            assert_eq!(Failure::from(error).code, code);
        }

        let state = [
            (StateError::Truncated, HUSH_RESULT_STATE_TRUNCATED),
            (
                StateError::UnsupportedVersion(9),
                HUSH_RESULT_STATE_UNSUPPORTED_VERSION,
            ),
            (
                StateError::WrongKind {
                    expected: StateKind::SessionRecord,
                    found: 3,
                },
                HUSH_RESULT_STATE_WRONG_KIND,
            ),
            (StateError::Invalid("root key"), HUSH_RESULT_STATE_INVALID),
        ];
        for (error, code) in state {
            assert_eq!(Failure::from(error).code, code);
        }
    }

    #[test]
    fn last_error_message_is_copied_like_snprintf() {
        set_last_error("bad key length <3>");
        let mut buf = [0x55 as c_char; 8];
        // SAFETY: `buf` is 8 writable bytes.
        let n = unsafe { hush_last_error_message(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, "bad key length <3>".len());
        assert_eq!(
            // SAFETY: the function NUL-terminated `buf`.
            unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(),
            "bad key"
        );
        assert_eq!(
            // SAFETY: NULL with length 0 is allowed and writes nothing.
            unsafe { hush_last_error_message(std::ptr::null_mut(), 0) },
            n
        );
        set_last_error("");
        assert_eq!(
            // SAFETY: as above.
            unsafe { hush_last_error_message(buf.as_mut_ptr(), buf.len()) },
            0
        );
        assert_eq!(buf[0], 0);
    }
}
