//! The hook where the post-quantum ratchet (SPQR) plugs into each message.
//!
//! Every encryption calls [`PqState::send`] and every decryption
//! [`PqState::recv`]; the key either returns is the HKDF salt of the message
//! keys, and the bytes travel in `SignalMessage` field 5. The new state is
//! committed together with the ratchet state, only on success.
//!
//! This release runs sessions without SPQR (libsignal's "V0"): the state is
//! empty, sending yields no bytes and no key, and receiving yields no key
//! whatever the message carries. libsignal 0.90 accepts this and negotiates
//! down; the SPQR implementation replaces these bodies without changing the
//! session's shape.

/// SPQR state as stored with a session: empty means SPQR is off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PqState(Vec<u8>);

/// What a send or receive step produced.
pub(crate) struct PqStep {
    /// Bytes for `SignalMessage.pq_ratchet` (send only; empty for none).
    pub(crate) message: Vec<u8>,
    /// The message-key salt, if any.
    pub(crate) key: Option<[u8; 32]>,
    /// The state to commit on success.
    pub(crate) next: PqState,
}

impl PqState {
    /// A state for a new session. Without SPQR it is empty whatever the inputs.
    pub(crate) fn disabled() -> Self {
        Self(Vec::new())
    }

    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn send(&self) -> PqStep {
        PqStep { message: Vec::new(), key: None, next: self.clone() }
    }

    pub(crate) fn recv(&self, _message: &[u8]) -> PqStep {
        PqStep { message: Vec::new(), key: None, next: self.clone() }
    }
}
