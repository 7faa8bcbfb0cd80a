//! The classic session record: a current state and up to 40 archived ones,
//! with hush's two-phase decryption.

use std::collections::VecDeque;
use std::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::bundle::VerifiedClassicPreKeyBundle;
use super::errors::ClassicDecryptError;
use super::message::{
    ClassicCiphertextMessage, ClassicPreKeyParts, ClassicPreKeySignalMessage, ClassicSignalMessage,
};
use super::state::{ClassicState, StateUpdate};
use super::x3dh;
use super::{CLASSIC_ARCHIVED_STATES_MAX, CLASSIC_VERSION, CLASSIC_WALK_BUDGET};
use crate::keys::{
    IdentityKey, KeyError, KeyPair, KyberPreKeyId, PreKeyId, PreKeyRecord, PublicKey,
    SignedPreKeyId, SignedPreKeyRecord, Timestamp,
};
use crate::messages::CiphertextMessageType;
use crate::ratchet::chains::{ReceiverChain, SenderChain};
use crate::ratchet::pq::SpqrState;
use crate::ratchet::state::{PendingPreKey, RatchetError, SessionState};
use crate::session::reason;
use crate::session::{EncryptError, FailureReason, LocalIdentity};

/// The pre-keys a classic PreKey message may need, looked up by the caller
/// from the IDs the message names. Records whose IDs differ from the
/// message's are treated as missing.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClassicPreKeys<'a> {
    /// The signed pre-key.
    pub signed: Option<&'a SignedPreKeyRecord>,
    /// The one-time pre-key, if the message names one.
    pub one_time: Option<&'a PreKeyRecord>,
}

/// Pre-keys a PreKey message used to create a new session. Delete the
/// one-time pre-key once committed (libsignal-protocol-c keeps ID
/// [`super::LAST_RESORT_PRE_KEY_ID`] as a last-resort key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassicConsumedPreKeys {
    /// The one-time pre-key, if one was used.
    pub one_time: Option<PreKeyId>,
    /// The signed pre-key.
    pub signed: SignedPreKeyId,
    /// The initiator's base key.
    pub base_key: PublicKey,
}

/// The result of a committed PreKey decryption.
#[derive(Clone, Debug)]
pub struct ClassicPreKeyDecryption {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// Set when a new session was created: the pre-keys now used up. `None`
    /// when the message belonged to a session the record already had.
    pub consumed: Option<ClassicConsumedPreKeys>,
}

/// Where a state sits in a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Current,
    Previous(usize),
}

/// A classic `SignalMessage` that decrypted and authenticated but is not yet
/// applied (from [`ClassicSessionRecord::decrypt_pending`]). Commit to apply;
/// drop to leave the record exactly as it was.
#[must_use = "dropping a pending decryption discards it; call commit() to keep it"]
pub struct ClassicPendingDecryption<'r> {
    record: &'r mut ClassicSessionRecord,
    slot: Slot,
    update: StateUpdate,
    remote_identity: IdentityKey,
    plaintext: Zeroizing<Vec<u8>>,
}

impl ClassicPendingDecryption<'_> {
    /// The sender's identity: the remote identity of the state that
    /// decrypted. Commit only if you trust it.
    #[must_use]
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// Whether committing makes an archived state current again.
    #[must_use]
    pub fn promotes_archived_state(&self) -> bool {
        matches!(self.slot, Slot::Previous(_))
    }

    /// The plaintext, readable before committing.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// Applies the decryption to the record and returns the plaintext.
    pub fn commit(mut self) -> Vec<u8> {
        self.record.promote(self.slot);
        if let Some(current) = self.record.current.as_mut() {
            current.apply(self.update);
        }
        std::mem::take(&mut *self.plaintext)
    }
}

impl fmt::Debug for ClassicPendingDecryption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassicPendingDecryption")
            .field("remote_identity", &self.remote_identity)
            .field("promotes_archived_state", &self.promotes_archived_state())
            .field(
                "plaintext",
                &format_args!("<{} bytes, redacted>", self.plaintext.len()),
            )
            .finish_non_exhaustive()
    }
}

enum PreKeyOutcome {
    Resume { slot: Slot, update: StateUpdate },
    New(Box<ClassicState>),
}

/// A classic PreKey message that decrypted and authenticated but is not yet
/// applied (from [`ClassicSessionRecord::decrypt_prekey_pending`]). Commit
/// to apply it (and then delete the consumed pre-keys); drop it to leave
/// the record exactly as it was, with no pre-key consumed.
#[must_use = "dropping a pending decryption discards it; call commit() to keep it"]
pub struct ClassicPendingPreKeyDecryption<'r> {
    record: &'r mut ClassicSessionRecord,
    outcome: PreKeyOutcome,
    consumed: Option<ClassicConsumedPreKeys>,
    remote_identity: IdentityKey,
    plaintext: Zeroizing<Vec<u8>>,
}

impl ClassicPendingPreKeyDecryption<'_> {
    /// The sender's authenticated identity (the message's identity key,
    /// which the inner message's MAC has now confirmed).
    #[must_use]
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// The pre-keys committing will use up (`None` when the message
    /// resumes an existing session).
    #[must_use]
    pub fn consumed(&self) -> Option<&ClassicConsumedPreKeys> {
        self.consumed.as_ref()
    }

    /// The plaintext, readable before committing.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// Applies the decryption: a new session becomes current (the former
    /// current state is archived), a resumed one is advanced and made
    /// current.
    pub fn commit(mut self) -> ClassicPreKeyDecryption {
        match self.outcome {
            PreKeyOutcome::Resume { slot, update } => {
                self.record.promote(slot);
                if let Some(current) = self.record.current.as_mut() {
                    current.apply(update);
                }
            }
            PreKeyOutcome::New(state) => self.record.install(*state),
        }
        ClassicPreKeyDecryption {
            plaintext: std::mem::take(&mut *self.plaintext),
            consumed: self.consumed,
        }
    }
}

impl fmt::Debug for ClassicPendingPreKeyDecryption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassicPendingPreKeyDecryption")
            .field("remote_identity", &self.remote_identity)
            .field("consumed", &self.consumed)
            .field(
                "plaintext",
                &format_args!("<{} bytes, redacted>", self.plaintext.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A classic (version 3) session record: the current state and up to
/// [`CLASSIC_ARCHIVED_STATES_MAX`] archived ones, newest first. It is a
/// different type from [`crate::session::SessionRecord`] and takes only
/// classic messages, so no message can move a session between versions.
#[derive(Clone, Debug, Default)]
pub struct ClassicSessionRecord {
    pub(crate) current: Option<ClassicState>,
    pub(crate) previous: VecDeque<ClassicState>,
}

impl ClassicSessionRecord {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a session from a verified classic bundle, as initiator (X3DH).
    /// The current state, if any, is archived. `now` is kept as the pending
    /// pre-key's timestamp (written when exporting to libsignal's layout;
    /// classic sessions do not expire). Trusting the bundle's identity is the
    /// caller's decision, made before calling.
    ///
    /// # Errors
    /// [`KeyError::InvalidKeyAgreement`] for a degenerate bundle key; the
    /// record is unchanged.
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        bundle: &VerifiedClassicPreKeyBundle,
        local: &LocalIdentity,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<(), KeyError> {
        let bundle = bundle.bundle();
        let base_key = KeyPair::generate(rng);
        let secrets = x3dh::initiate(
            &local.key_pair,
            &base_key,
            &bundle.identity_key,
            &bundle.signed_pre_key_public,
            bundle.pre_key.as_ref().map(|(_, key)| key),
        )?;
        let sending = KeyPair::generate(rng);
        let (root_key, sending_chain) = secrets
            .root_key
            .create_chain(&bundle.signed_pre_key_public, &sending.private_key)?;
        let state = SessionState {
            version: CLASSIC_VERSION,
            local_identity: *local.key_pair.identity_key(),
            remote_identity: bundle.identity_key,
            root_key,
            previous_counter: 0,
            sender_chain: Some(SenderChain {
                ratchet_key: sending,
                chain_key: sending_chain,
            }),
            receiver_chains: vec![ReceiverChain::new(
                bundle.signed_pre_key_public,
                secrets.chain_key,
            )],
            pending_pre_key: Some(PendingPreKey {
                pre_key_id: bundle.pre_key.as_ref().map(|(id, _)| *id),
                signed_pre_key_id: bundle.signed_pre_key_id,
                base_key: base_key.public_key,
                timestamp_seconds: now.as_millis() / 1000,
                kyber_pre_key_id: KyberPreKeyId(0),
                kyber_ciphertext: Vec::new(),
            }),
            remote_registration_id: bundle.registration_id,
            local_registration_id: local.registration_id,
            alice_base_key: base_key.public_key,
            pq: SpqrState::empty(),
        };
        self.install(ClassicState::new(state));
        Ok(())
    }

    /// Encrypts with the current state: a PreKey message while the session
    /// is unacknowledged, a `SignalMessage` after. Both carry `0x33`.
    ///
    /// # Errors
    /// [`EncryptError::SessionNotFound`] without a current state (also after
    /// [`Self::archive_current_state`]); [`EncryptError::InvalidSessionState`]
    /// for a state that cannot send. The record is unchanged.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<ClassicCiphertextMessage, EncryptError> {
        let state = self.current.as_mut().ok_or(EncryptError::SessionNotFound)?;
        let message = state.encrypt(plaintext).map_err(|e| match e {
            RatchetError::ChainExhausted => {
                EncryptError::InvalidSessionState("sending chain exhausted")
            }
            _ => EncryptError::InvalidSessionState("missing sender chain"),
        })?;
        let ratchet = &state.ratchet;
        Ok(match ratchet.pending_pre_key.as_ref() {
            Some(pending) => ClassicCiphertextMessage::PreKey(ClassicPreKeySignalMessage::new(
                ClassicPreKeyParts {
                    registration_id: ratchet.local_registration_id,
                    pre_key_id: pending.pre_key_id,
                    signed_pre_key_id: pending.signed_pre_key_id,
                    base_key: pending.base_key,
                    identity_key: ratchet.local_identity,
                },
                message,
            )),
            None => ClassicCiphertextMessage::Whisper(message),
        })
    }

    /// Decrypts and commits a `SignalMessage` without a trust decision (the
    /// sender is the remote identity of the state that decrypted). Prefer
    /// [`Self::decrypt_pending`] when the identity matters.
    ///
    /// # Errors
    /// As [`Self::decrypt_pending`].
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        message: &ClassicSignalMessage,
        rng: &mut R,
    ) -> Result<Vec<u8>, ClassicDecryptError> {
        Ok(self.decrypt_pending(message, rng)?.commit())
    }

    /// Decrypts a `SignalMessage` with trial decryption (the current state,
    /// then the archived ones, newest first), without changing the record;
    /// [`ClassicPendingDecryption::commit`] applies it. States whose
    /// receiving chain already knows the message's ratchet key are tried
    /// first, and the chain-key walking of all states together is bounded by
    /// [`CLASSIC_WALK_BUDGET`] steps, so a forged message costs at most that
    /// many HMACs plus a DH ratchet step per state.
    ///
    /// # Errors
    /// [`ClassicDecryptError::SessionNotFound`] for an empty record,
    /// [`ClassicDecryptError::DuplicatedMessage`] (which ends the search at
    /// once, as in libsignal-protocol-c), otherwise
    /// [`ClassicDecryptError::DecryptionFailed`]. The record is unchanged.
    pub fn decrypt_pending<R: CryptoRng + ?Sized>(
        &mut self,
        message: &ClassicSignalMessage,
        rng: &mut R,
    ) -> Result<ClassicPendingDecryption<'_>, ClassicDecryptError> {
        if self.current.is_none() && self.previous.is_empty() {
            return Err(ClassicDecryptError::SessionNotFound);
        }
        let slots: Vec<Slot> = self
            .current
            .iter()
            .map(|_| Slot::Current)
            .chain((0..self.previous.len()).map(Slot::Previous))
            .collect();
        let (known, unknown): (Vec<Slot>, Vec<Slot>) = slots.into_iter().partition(|&slot| {
            self.state(slot)
                .is_some_and(|s| s.knows_ratchet_key(message))
        });
        let mut budget = CLASSIC_WALK_BUDGET;
        let mut current_reason = None;
        let mut first_reason = None;
        for slot in known.into_iter().chain(unknown) {
            let Some(state) = self.state(slot) else {
                continue;
            };
            let attempt = state.walk_cost(message).and_then(|cost| {
                if cost > budget {
                    return Err(RatchetError::TooFarInFuture);
                }
                budget -= cost;
                state.decrypt(message, rng)
            });
            match attempt {
                Ok((plaintext, update)) => {
                    let remote_identity = state.ratchet.remote_identity;
                    return Ok(ClassicPendingDecryption {
                        record: self,
                        slot,
                        update,
                        remote_identity,
                        plaintext: Zeroizing::new(plaintext),
                    });
                }
                Err(RatchetError::Duplicate {
                    chain_index,
                    counter,
                }) => {
                    return Err(ClassicDecryptError::DuplicatedMessage {
                        chain_index,
                        counter,
                    });
                }
                Err(e) => {
                    if slot == Slot::Current {
                        current_reason = Some(reason(e));
                    }
                    first_reason.get_or_insert(reason(e));
                }
            }
        }
        Err(ClassicDecryptError::DecryptionFailed {
            message_type: CiphertextMessageType::Whisper,
            reason: current_reason
                .or(first_reason)
                .unwrap_or(FailureReason::NoState),
        })
    }

    /// Whether `message` belongs to a state this record already has (its
    /// base key matches, current or archived): decrypting it then consumes
    /// no pre-keys.
    #[must_use]
    pub fn has_session_for(&self, message: &ClassicPreKeySignalMessage) -> bool {
        self.find_base_key(message.base_key()).is_some()
    }

    /// Decrypts and commits a PreKey message. Decide whether to trust
    /// [`ClassicPreKeySignalMessage::identity_key`] before calling; delete
    /// the pre-keys the result reports consumed.
    ///
    /// # Errors
    /// As [`Self::decrypt_prekey_pending`].
    pub fn decrypt_prekey<R: CryptoRng + ?Sized>(
        &mut self,
        message: &ClassicPreKeySignalMessage,
        local: &LocalIdentity,
        pre_keys: ClassicPreKeys<'_>,
        rng: &mut R,
    ) -> Result<ClassicPreKeyDecryption, ClassicDecryptError> {
        Ok(self
            .decrypt_prekey_pending(message, local, pre_keys, rng)?
            .commit())
    }

    /// Decrypts a PreKey message without changing the record. If a state
    /// (current or archived) has the message's base key, the message
    /// resumes that state, and must carry that state's identity key;
    /// otherwise X3DH runs as recipient with `pre_keys` and the new state is
    /// tried alone. Nothing is stored, and no identity is reported, unless
    /// the inner message authenticates.
    ///
    /// # Errors
    /// [`ClassicDecryptError`]; the record is unchanged and no pre-key is
    /// consumed.
    pub fn decrypt_prekey_pending<R: CryptoRng + ?Sized>(
        &mut self,
        message: &ClassicPreKeySignalMessage,
        local: &LocalIdentity,
        pre_keys: ClassicPreKeys<'_>,
        rng: &mut R,
    ) -> Result<ClassicPendingPreKeyDecryption<'_>, ClassicDecryptError> {
        if let Some(slot) = self.find_base_key(message.base_key()) {
            let state = self
                .state(slot)
                .ok_or(ClassicDecryptError::SessionNotFound)?;
            if state.ratchet.remote_identity != *message.identity_key() {
                return Err(ClassicDecryptError::IdentityMismatch);
            }
            let (plaintext, update) = state
                .decrypt(message.message(), rng)
                .map_err(prekey_failure)?;
            return Ok(ClassicPendingPreKeyDecryption {
                record: self,
                outcome: PreKeyOutcome::Resume { slot, update },
                consumed: None,
                remote_identity: *message.identity_key(),
                plaintext: Zeroizing::new(plaintext),
            });
        }
        let signed_id = message.signed_pre_key_id();
        let signed = pre_keys
            .signed
            .filter(|r| r.id() == signed_id)
            .ok_or(ClassicDecryptError::MissingSignedPreKey(signed_id))?;
        let one_time = match message.pre_key_id() {
            Some(id) => Some(
                pre_keys
                    .one_time
                    .filter(|r| r.id() == id)
                    .ok_or(ClassicDecryptError::MissingPreKey(id))?,
            ),
            None => None,
        };
        if !message.base_key().is_canonical() {
            return Err(ClassicDecryptError::InvalidBaseKey);
        }
        let secrets = x3dh::respond(
            &local.key_pair,
            &signed.key_pair().private_key,
            one_time.map(|r| &r.key_pair().private_key),
            message.identity_key(),
            message.base_key(),
        )?;
        let mut state = ClassicState::new(SessionState {
            version: CLASSIC_VERSION,
            local_identity: *local.key_pair.identity_key(),
            remote_identity: *message.identity_key(),
            root_key: secrets.root_key,
            previous_counter: 0,
            sender_chain: Some(SenderChain {
                ratchet_key: signed.key_pair().clone(),
                chain_key: secrets.chain_key,
            }),
            receiver_chains: Vec::new(),
            pending_pre_key: None,
            remote_registration_id: message.registration_id(),
            local_registration_id: local.registration_id,
            alice_base_key: *message.base_key(),
            pq: SpqrState::empty(),
        });
        let (plaintext, update) = state
            .decrypt(message.message(), rng)
            .map_err(prekey_failure)?;
        state.apply(update);
        Ok(ClassicPendingPreKeyDecryption {
            record: self,
            outcome: PreKeyOutcome::New(Box::new(state)),
            consumed: Some(ClassicConsumedPreKeys {
                one_time: message.pre_key_id(),
                signed: signed_id,
                base_key: *message.base_key(),
            }),
            remote_identity: *message.identity_key(),
            plaintext: Zeroizing::new(plaintext),
        })
    }

    /// Archives the current state (session reset: the next message needs a
    /// new bundle or an incoming PreKey message). Returns whether there was
    /// one.
    pub fn archive_current_state(&mut self) -> bool {
        match self.current.take() {
            Some(state) => {
                self.archive(state);
                true
            }
            None => false,
        }
    }

    /// Whether there is a current state.
    #[must_use]
    pub fn has_current_state(&self) -> bool {
        self.current.is_some()
    }

    /// Whether the current state can encrypt (it has a sending chain).
    #[must_use]
    pub fn is_usable(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|s| s.ratchet.sender_chain.is_some())
    }

    /// Whether the current state still wraps messages as PreKey messages.
    #[must_use]
    pub fn is_unacknowledged(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|s| s.ratchet.pending_pre_key.is_some())
    }

    /// The session version of the current state (always 3).
    #[must_use]
    pub fn session_version(&self) -> Option<u8> {
        self.current.as_ref().map(|s| s.ratchet.version)
    }

    /// The peer's identity key in the current state.
    #[must_use]
    pub fn remote_identity(&self) -> Option<&IdentityKey> {
        self.current.as_ref().map(|s| &s.ratchet.remote_identity)
    }

    /// Our identity key in the current state.
    #[must_use]
    pub fn local_identity(&self) -> Option<&IdentityKey> {
        self.current.as_ref().map(|s| &s.ratchet.local_identity)
    }

    /// The peer's registration ID in the current state.
    #[must_use]
    pub fn remote_registration_id(&self) -> Option<u32> {
        self.current
            .as_ref()
            .map(|s| s.ratchet.remote_registration_id)
    }

    /// Our registration ID in the current state.
    #[must_use]
    pub fn local_registration_id(&self) -> Option<u32> {
        self.current
            .as_ref()
            .map(|s| s.ratchet.local_registration_id)
    }

    /// The initiator's base key of the current state.
    #[must_use]
    pub fn alice_base_key(&self) -> Option<&PublicKey> {
        self.current.as_ref().map(|s| &s.ratchet.alice_base_key)
    }

    /// The number of archived states.
    #[must_use]
    pub fn archived_count(&self) -> usize {
        self.previous.len()
    }

    /// The current state's sending ratchet key and next counter.
    #[must_use]
    pub fn sender_ratchet(&self) -> Option<(PublicKey, u32)> {
        let chain = self.current.as_ref()?.ratchet.sender_chain.as_ref()?;
        Some((chain.ratchet_key.public_key, chain.chain_key.index()))
    }

    fn state(&self, slot: Slot) -> Option<&ClassicState> {
        match slot {
            Slot::Current => self.current.as_ref(),
            Slot::Previous(i) => self.previous.get(i),
        }
    }

    fn find_base_key(&self, base_key: &PublicKey) -> Option<Slot> {
        let matches = |s: &ClassicState| s.ratchet.alice_base_key == *base_key;
        if self.current.as_ref().is_some_and(matches) {
            return Some(Slot::Current);
        }
        self.previous.iter().position(matches).map(Slot::Previous)
    }

    fn promote(&mut self, slot: Slot) {
        if let Slot::Previous(i) = slot {
            if let Some(state) = self.previous.remove(i) {
                self.install(state);
            }
        }
    }

    fn install(&mut self, state: ClassicState) {
        if let Some(old) = self.current.replace(state) {
            self.archive(old);
        }
    }

    fn archive(&mut self, mut state: ClassicState) {
        state.ratchet.pending_pre_key = None;
        if self.previous.len() >= CLASSIC_ARCHIVED_STATES_MAX {
            self.previous.truncate(CLASSIC_ARCHIVED_STATES_MAX - 1);
        }
        self.previous.push_front(state);
    }
}

fn prekey_failure(error: RatchetError) -> ClassicDecryptError {
    match error {
        RatchetError::Duplicate {
            chain_index,
            counter,
        } => ClassicDecryptError::DuplicatedMessage {
            chain_index,
            counter,
        },
        other => ClassicDecryptError::DecryptionFailed {
            message_type: CiphertextMessageType::PreKey,
            reason: reason(other),
        },
    }
}
