//! SPQR errors (spqr.md §4), grouped by what the caller should do.

/// Why an SPQR operation failed. Variants carry numbers, never secrets.
///
/// * [`SpqrError::StateDecode`] and [`SpqrError::CorruptState`]: the stored
///   state is unusable (libsignal reports "invalid state").
/// * Every other variant: the message is rejected (libsignal reports
///   "invalid message"); the state stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SpqrError {
    /// The serialized state could not be decoded or failed validation.
    #[error("SPQR state decode failed: {0}")]
    StateDecode(&'static str),
    /// The state decoded but is internally inconsistent (only reachable with
    /// a state that was not produced by an honest run).
    #[error("SPQR state is inconsistent: {0}")]
    CorruptState(&'static str),
    /// The SPQR message bytes could not be parsed.
    #[error("SPQR message decode failed: {0}")]
    MessageDecode(&'static str),
    /// A header or ciphertext MAC did not verify.
    #[error("SPQR MAC verification failed in epoch {epoch}")]
    MacVerification {
        /// SCKA epoch of the MAC.
        epoch: u64,
    },
    /// The message's epoch is newer than this state can handle, or its chain
    /// epoch is no longer (or not yet) available.
    #[error("SPQR epoch {epoch} out of range (current epoch {current})")]
    EpochOutOfRange {
        /// Epoch asked for.
        epoch: u64,
        /// The state's current epoch.
        current: u64,
    },
    /// An empty (V0) message arrived after negotiation settled on V1.
    #[error("SPQR version mismatch after negotiation")]
    VersionMismatch,
    /// An empty (V0) message arrived, but this session requires V1.
    #[error("SPQR message version below the minimum version")]
    MinimumVersion,
    /// The message's key index is too far ahead of the chain.
    #[error("SPQR key jump from {from} to {to} exceeds {max_jump}")]
    KeyJump {
        /// Current counter of the receiving chain.
        from: u32,
        /// Index asked for.
        to: u32,
        /// The session's limit.
        max_jump: u32,
    },
    /// The message's key index is further ahead than this decryption call
    /// may still walk (its share of the per-call work budget).
    #[error("SPQR key walk of {steps} steps exceeds the remaining budget of {limit}")]
    WalkLimit {
        /// Steps the message would need.
        steps: u32,
        /// Steps left for this state.
        limit: u32,
    },
    /// The message's key is older than the kept out-of-order keys.
    #[error("SPQR key {index} was trimmed (chain at {ctr})")]
    KeyTrimmed {
        /// Index asked for.
        index: u32,
        /// Current counter of the receiving chain.
        ctr: u32,
    },
    /// The message's key was already handed out (a duplicate or replay).
    #[error("SPQR key {index} was already requested")]
    KeyAlreadyRequested {
        /// Index asked for.
        index: u32,
    },
    /// The peer's encapsulation key does not match its header or is not a
    /// valid ML-KEM-768 key.
    #[error("SPQR peer sent an invalid encapsulation key in epoch {epoch}")]
    ErroneousDataReceived {
        /// SCKA epoch.
        epoch: u64,
    },
    /// A send was asked for in an older chain epoch than the last one.
    #[error("SPQR send epoch decreased from {send_epoch} to {epoch}")]
    SendKeyEpochDecreased {
        /// Chain epoch asked for.
        epoch: u64,
        /// Chain epoch of the previous send.
        send_epoch: u64,
    },
    /// Neither a chain nor negotiation parameters to create one exist.
    #[error("SPQR chain not available")]
    ChainNotAvailable,
}

impl SpqrError {
    /// Whether the stored state (rather than the message) is at fault.
    pub(crate) fn is_state_error(&self) -> bool {
        matches!(self, Self::StateDecode(_) | Self::CorruptState(_))
    }
}
