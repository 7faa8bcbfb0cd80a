//! Error responses: `{"id", "ok": false, "error": "<Class>: <message>", "error_class"}`.
//!
//! Classes follow interop/PROTOCOL.md. For a failure inside hush the class is
//! the one libsignal's Node binding reports for the same failure (observed
//! black-box through `peer.mjs`), so results of both peers compare like for
//! like; hush's error texts already follow libsignal's.

use std::fmt;

use hush::fingerprint::FingerprintError;
use hush::keys::{BundleError, KeyError, RecordError};
use hush::messages::MessageError;

/// A request failed; the peer answers with an error line and keeps its state.
#[derive(Debug)]
pub struct PeerError {
    class: &'static str,
    message: String,
}

impl PeerError {
    pub fn new(class: &'static str, message: impl Into<String>) -> Self {
        Self {
            class,
            message: message.into(),
        }
    }

    /// Missing or ill-typed parameter, bad hex, out-of-range integer, bad JSON.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new("BadRequest", message)
    }

    /// A command needing the local identity before `create_identity`.
    pub fn no_identity() -> Self {
        Self::new("NoIdentity", "call create_identity first")
    }

    /// `get_bundle`/`generate_prekeys` refers to a prekey not in the store.
    pub fn no_such_prekey(message: impl Into<String>) -> Self {
        Self::new("NoSuchPreKey", message)
    }

    /// `inspect` could not parse the bytes.
    pub fn parse(error: impl fmt::Display) -> Self {
        Self::new("ParseError", error.to_string())
    }

    /// A well-formed request for something hush does not implement yet
    /// (sender-key and plaintext-content messages).
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new("Unsupported", message)
    }

    /// libsignal's generic class: the message says what went wrong.
    pub fn library(error: impl fmt::Display) -> Self {
        Self::new("LibSignalError", error.to_string())
    }

    pub fn class(&self) -> &'static str {
        self.class
    }
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

// libsignal reports bad keys, failed agreement, bad records and fingerprint
// problems (iteration count, parse failure, version mismatch) all as its
// generic LibSignalError.
impl From<KeyError> for PeerError {
    fn from(e: KeyError) -> Self {
        Self::library(e)
    }
}

impl From<RecordError> for PeerError {
    fn from(e: RecordError) -> Self {
        Self::library(e)
    }
}

// libsignal: "invalid signature detected".
impl From<BundleError> for PeerError {
    fn from(e: BundleError) -> Self {
        Self::library(e)
    }
}

// Unparseable ciphertexts: "protobuf encoding was invalid" and friends.
impl From<MessageError> for PeerError {
    fn from(e: MessageError) -> Self {
        Self::library(e)
    }
}

impl From<FingerprintError> for PeerError {
    fn from(e: FingerprintError) -> Self {
        Self::library(e)
    }
}

pub type Result<T> = std::result::Result<T, PeerError>;
