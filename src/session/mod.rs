//! 1:1 sessions: a record holding the current session state and up to 40
//! archived ones, and the operations on it (session-setup.md,
//! double-ratchet.md §6–§7, session-record.md).
//!
//! Every operation takes the record by `&mut` and either succeeds or leaves
//! it exactly as it was. There are no store callbacks: the caller looks up
//! pre-keys by the IDs a message names, decides whether to trust an identity
//! (the sender is known once a message decrypts, so
//! [`SessionRecord::decrypt_pending`] and
//! [`SessionRecord::decrypt_prekey_pending`] show it, and the pre-keys a new
//! session would consume, before committing), and persists the record with
//! [`SessionRecord::to_state`]. A PreKey message that resumes a session must
//! carry that session's remote identity
//! ([`DecryptError::InconsistentRemoteIdentity`]).
//!
//! ```
//! use hush::address::{DeviceId, ProtocolAddress};
//! use hush::keys::*;
//! use hush::messages::CiphertextMessage;
//! use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(1); // use an OS-seeded RNG in production
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! let alice_addr = ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
//! let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);
//! let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
//! let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
//! let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
//! let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
//! // What the server hands Alice: Bob's published pre-keys.
//! let bundle = PreKeyBundle::from_records(2, bob_addr.device_id(), *bob.key_pair.identity_key(), &signed, &kyber, None);
//!
//! // Alice starts the session and sends.
//! let mut alice_record = SessionRecord::new();
//! alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
//! let to_bob = Addresses { local: &alice_addr, remote: &bob_addr };
//! let CiphertextMessage::PreKey(message) = alice_record.encrypt(b"hi", to_bob, now, &mut rng)? else { unreachable!() };
//!
//! // Bob decides to trust `message.identity_key()`, then decrypts.
//! let mut bob_record = SessionRecord::new();
//! let to_alice = Addresses { local: &bob_addr, remote: &alice_addr };
//! let keys = PreKeys { signed: Some(&signed), kyber: Some(&kyber), one_time: None };
//! let result = bob_record.decrypt_prekey(&message, &bob, keys, to_alice, &mut rng)?;
//! assert_eq!(result.plaintext, b"hi");
//!
//! // Both persist their records; the bytes reload into the same state.
//! let saved = bob_record.to_state();
//! assert_eq!(*SessionRecord::from_state(&saved)?.to_state(), *saved);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codec;
mod errors;
mod retry;

#[cfg(test)]
mod budget_tests;

use std::collections::VecDeque;
use std::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

pub use errors::{DecryptError, EncryptError, FailureReason};

use crate::address::{ProtocolAddress, ServiceId};
use crate::handshake::{self, InitiatorInputs, RecipientInputs};
use crate::keys::{
    IdentityKey, IdentityKeyPair, KemCiphertext, KeyError, KeyPair, KyberPreKeyId,
    KyberPreKeyRecord, PreKeyId, PreKeyRecord, PublicKey, SignedPreKeyId, SignedPreKeyRecord,
    Timestamp, VerifiedPreKeyBundle,
};
use crate::messages::prekey_message::PreKeyParts;
use crate::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage, X3DH_VERSION,
};
use crate::ratchet::budget::WalkBudget;
use crate::ratchet::chains::{ReceiverChain, SenderChain};
use crate::ratchet::pq::Direction;
use crate::ratchet::state::{
    DecryptContext, DecryptUpdate, NewState, PendingPreKey, RatchetError, SessionState,
};

/// Most archived states a record keeps.
pub const ARCHIVED_STATES_MAX_LENGTH: usize = 40;
/// An unacknowledged session stops encrypting this long after its creation.
pub const MAX_UNACKNOWLEDGED_SESSION_AGE_SECS: u64 = 30 * 24 * 60 * 60;

/// Our identity as a session participant.
#[derive(Clone, Debug)]
pub struct LocalIdentity {
    /// Our identity key pair.
    pub key_pair: IdentityKeyPair,
    /// Our registration ID.
    pub registration_id: u32,
}

/// The two ends of a session, as the application names them. They bind
/// messages to addresses (the `addresses` field) and detect self-sessions.
#[derive(Clone, Copy, Debug)]
pub struct Addresses<'a> {
    /// Our own address.
    pub local: &'a ProtocolAddress,
    /// The peer's address.
    pub remote: &'a ProtocolAddress,
}

impl Addresses<'_> {
    /// `fixed_width(sender) || device || fixed_width(recipient) || device`,
    /// when both names are service IDs.
    fn binding(sender: &ProtocolAddress, recipient: &ProtocolAddress) -> Option<[u8; 36]> {
        let sender_id = ServiceId::parse(sender.name())?;
        let recipient_id = ServiceId::parse(recipient.name())?;
        let mut out = [0u8; 36];
        out[..17].copy_from_slice(&sender_id.fixed_width());
        out[17] = sender.device_id().get() as u8;
        out[18..35].copy_from_slice(&recipient_id.fixed_width());
        out[35] = recipient.device_id().get() as u8;
        Some(out)
    }

    fn same_service_id(&self) -> bool {
        matches!(
            (ServiceId::parse(self.local.name()), ServiceId::parse(self.remote.name())),
            (Some(a), Some(b)) if a == b
        )
    }
}

/// The pre-keys a PreKey message may need, looked up by the caller from the
/// IDs the message names ([`PreKeySignalMessage::signed_pre_key_id`] and
/// friends). Supply what you have; a missing one that turns out to be needed
/// is reported as an error. Records whose IDs differ from the message's are
/// treated as missing.
#[derive(Clone, Copy, Debug, Default)]
pub struct PreKeys<'a> {
    /// The signed pre-key.
    pub signed: Option<&'a SignedPreKeyRecord>,
    /// The Kyber pre-key.
    pub kyber: Option<&'a KyberPreKeyRecord>,
    /// The one-time pre-key, if the message names one.
    pub one_time: Option<&'a PreKeyRecord>,
}

/// Pre-keys a PreKey message used to create a new session. Delete the
/// one-time pre-key, and a one-time Kyber pre-key; for a last-resort Kyber
/// key, remember `(kyber, signed, base_key)` and refuse it a second time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumedPreKeys {
    /// The one-time EC pre-key, if one was used.
    pub one_time: Option<PreKeyId>,
    /// The signed pre-key.
    pub signed: SignedPreKeyId,
    /// The Kyber pre-key.
    pub kyber: KyberPreKeyId,
    /// The initiator's base key.
    pub base_key: PublicKey,
}

impl ConsumedPreKeys {
    /// The combination to remember when the Kyber pre-key is a last-resort
    /// key: `(kyber, signed, base_key)`. A PreKey message that would consume
    /// a combination already seen is a replay; refuse it before committing
    /// (libsignal's store fails with `reused base key`).
    #[must_use]
    pub fn last_resort_use(&self) -> (KyberPreKeyId, SignedPreKeyId, PublicKey) {
        (self.kyber, self.signed, self.base_key)
    }
}

/// The result of decrypting a PreKey message.
#[derive(Clone)]
pub struct PreKeyDecryption {
    /// The plaintext.
    pub plaintext: Vec<u8>,
    /// Set when a new session was created: the pre-keys now used up. `None`
    /// when the message belonged to a session the record already had.
    pub consumed: Option<ConsumedPreKeys>,
}

/// Shows the plaintext's length only.
impl fmt::Debug for PreKeyDecryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreKeyDecryption")
            .field(
                "plaintext",
                &format_args!("<{} bytes, redacted>", self.plaintext.len()),
            )
            .field("consumed", &self.consumed)
            .finish()
    }
}

/// A `SignalMessage` that decrypted and authenticated but is not yet applied
/// to its record (from [`SessionRecord::decrypt_pending`]). It holds the
/// record mutably borrowed; [`commit`](Self::commit) applies the change, and
/// dropping it leaves the record exactly as it was.
#[must_use = "dropping a PendingDecryption discards the decryption; call commit() to keep it"]
pub struct PendingDecryption<'r> {
    record: &'r mut SessionRecord,
    slot: Slot,
    update: DecryptUpdate,
    remote_identity: IdentityKey,
    plaintext: Zeroizing<Vec<u8>>,
}

impl PendingDecryption<'_> {
    /// The identity of whoever sent the message: the remote identity of the
    /// state that decrypted it. Commit only if you trust it.
    #[must_use]
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// Whether committing makes an archived state current again (the sender
    /// is still using a session this record had replaced).
    #[must_use]
    pub fn promotes_archived_state(&self) -> bool {
        matches!(self.slot, Slot::Previous(_))
    }

    /// The plaintext, readable before committing.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// Applies the decryption to the record (advancing its chains, storing
    /// skipped keys, promoting the state that decrypted) and returns the
    /// plaintext.
    pub fn commit(mut self) -> Vec<u8> {
        self.record.promote(self.slot);
        if let Some(current) = self.record.current.as_mut() {
            current.apply(self.update);
        }
        std::mem::take(&mut *self.plaintext)
    }
}

impl fmt::Debug for PendingDecryption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingDecryption")
            .field("remote_identity", &self.remote_identity)
            .field("promotes_archived_state", &self.promotes_archived_state())
            .field(
                "plaintext",
                &format_args!("<{} bytes, redacted>", self.plaintext.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A PreKey message that decrypted and authenticated but is not yet applied
/// to its record (from [`SessionRecord::decrypt_prekey_pending`]). Before
/// committing, it tells who sent the message, whether it creates a new
/// session, and which pre-keys that would consume, so the caller can decide
/// trust and refuse a replayed last-resort Kyber pre-key.
/// [`commit`](Self::commit) applies the change; dropping it leaves the
/// record exactly as it was and consumes nothing.
#[must_use = "dropping a PendingPreKeyDecryption discards the decryption; call commit() to keep it"]
pub struct PendingPreKeyDecryption<'r> {
    record: &'r mut SessionRecord,
    change: PreKeyChange,
    remote_identity: IdentityKey,
    consumed: Option<ConsumedPreKeys>,
    plaintext: Zeroizing<Vec<u8>>,
}

/// What committing a PreKey decryption does to the record.
enum PreKeyChange {
    /// Advance the existing state in `slot` (promoting it if archived).
    Resume {
        slot: Slot,
        update: Box<DecryptUpdate>,
    },
    /// Install a new state (already advanced past the message).
    Create(Box<SessionState>),
}

impl PendingPreKeyDecryption<'_> {
    /// The identity of whoever sent the message: for a new session, the
    /// message's identity key, which the key agreement and the inner MAC
    /// authenticated; for a resumed session, that state's remote identity
    /// (which the message's identity key must equal). Commit only if you
    /// trust it.
    #[must_use]
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// Whether committing creates a new session (and so consumes the
    /// pre-keys of [`Self::consumed`]).
    #[must_use]
    pub fn creates_session(&self) -> bool {
        matches!(self.change, PreKeyChange::Create(_))
    }

    /// Whether committing makes an archived state current again.
    #[must_use]
    pub fn promotes_archived_state(&self) -> bool {
        matches!(
            self.change,
            PreKeyChange::Resume {
                slot: Slot::Previous(_),
                ..
            }
        )
    }

    /// The pre-keys committing would use up: `Some` exactly when
    /// [`Self::creates_session`]. For a last-resort Kyber pre-key, check
    /// [`ConsumedPreKeys::last_resort_use`] against the combinations you
    /// have seen before committing.
    #[must_use]
    pub fn consumed(&self) -> Option<&ConsumedPreKeys> {
        self.consumed.as_ref()
    }

    /// The plaintext, readable before committing.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// Applies the decryption to the record (installing the new session,
    /// archiving the former current state, or advancing and promoting the
    /// resumed one) and returns the plaintext and what was consumed.
    pub fn commit(mut self) -> PreKeyDecryption {
        match self.change {
            PreKeyChange::Resume { slot, update } => {
                self.record.promote(slot);
                if let Some(current) = self.record.current.as_mut() {
                    current.apply(*update);
                }
            }
            PreKeyChange::Create(state) => self.record.install(*state),
        }
        PreKeyDecryption {
            plaintext: std::mem::take(&mut *self.plaintext),
            consumed: self.consumed,
        }
    }
}

impl fmt::Debug for PendingPreKeyDecryption<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingPreKeyDecryption")
            .field("remote_identity", &self.remote_identity)
            .field("creates_session", &self.creates_session())
            .field("promotes_archived_state", &self.promotes_archived_state())
            .field("consumed", &self.consumed)
            .field(
                "plaintext",
                &format_args!("<{} bytes, redacted>", self.plaintext.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Where a state sits in a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Current,
    Previous(usize),
}

/// A 1:1 session record: the current state and up to
/// [`ARCHIVED_STATES_MAX_LENGTH`] archived ones, newest first.
#[derive(Clone, Debug, Default)]
pub struct SessionRecord {
    current: Option<SessionState>,
    previous: VecDeque<SessionState>,
}

impl SessionRecord {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a session from a verified bundle, as initiator (PQXDH). The
    /// current state, if any, is archived. Whether to trust the bundle's
    /// identity is the caller's decision, made before calling.
    ///
    /// # Errors
    /// [`KeyError::InvalidKeyAgreement`] when a bundle key is degenerate; the
    /// record is unchanged.
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        bundle: &VerifiedPreKeyBundle,
        local: &LocalIdentity,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<(), KeyError> {
        let bundle = bundle.bundle();
        let base_key = KeyPair::generate(rng);
        let inputs = InitiatorInputs {
            their_identity: &bundle.identity_key,
            their_signed_pre_key: &bundle.signed_pre_key_public,
            their_one_time_pre_key: bundle.pre_key.as_ref().map(|(_, key)| key),
            their_kyber_pre_key: &bundle.kyber_pre_key_public,
        };
        let (secrets, kyber_ciphertext) =
            handshake::initiate(&local.key_pair, &base_key, &inputs, rng)?;
        let sending = KeyPair::generate(rng);
        let (root_key, sending_chain) = secrets
            .root_key
            .create_chain(&bundle.signed_pre_key_public, &sending.private_key)?;
        // `initiate` has no addresses, so a note-to-self session is
        // recognized by the identity key alone here (as libsignal did before
        // 0.92.2); `decrypt_prekey` also compares the service IDs.
        let self_session = local.key_pair.identity_key() == &bundle.identity_key;
        let mut state = SessionState::new(NewState {
            local_identity: *local.key_pair.identity_key(),
            local_registration_id: local.registration_id,
            remote_identity: bundle.identity_key,
            remote_registration_id: bundle.registration_id,
            alice_base_key: base_key.public_key,
            root_key,
            sender_chain: SenderChain {
                ratchet_key: sending,
                chain_key: sending_chain,
            },
            spqr_auth: &secrets.spqr_auth,
            direction: Direction::A2B,
            self_session,
        });
        state.receiver_chains.push(ReceiverChain::new(
            bundle.signed_pre_key_public,
            secrets.chain_key,
        ));
        state.pending_pre_key = Some(PendingPreKey {
            pre_key_id: bundle.pre_key.as_ref().map(|(id, _)| *id),
            signed_pre_key_id: bundle.signed_pre_key_id,
            base_key: base_key.public_key,
            timestamp_seconds: now.as_millis() / 1000,
            kyber_pre_key_id: bundle.kyber_pre_key_id,
            kyber_ciphertext: kyber_ciphertext.serialize(),
        });
        self.install(state);
        Ok(())
    }

    /// Encrypts with the current state: a PreKey message while the session
    /// is unacknowledged, a `SignalMessage` afterwards.
    ///
    /// # Errors
    /// [`EncryptError`]; the record is unchanged.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        addresses: Addresses<'_>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<CiphertextMessage, EncryptError> {
        let state = self.current.as_mut().ok_or(EncryptError::SessionNotFound)?;
        let Some(pending) = state.pending_pre_key.clone() else {
            let message = state
                .encrypt(plaintext, None, rng)
                .map_err(state_encrypt_error)?;
            return Ok(CiphertextMessage::Whisper(message));
        };
        if is_stale(&pending, now) {
            return Err(EncryptError::StaleUnacknowledgedSession);
        }
        let binding = Addresses::binding(addresses.local, addresses.remote).map(|b| b.to_vec());
        let message = state
            .encrypt(plaintext, binding, rng)
            .map_err(state_encrypt_error)?;
        let parts = PreKeyParts {
            version: state.version,
            registration_id: state.local_registration_id,
            pre_key_id: pending.pre_key_id,
            signed_pre_key_id: pending.signed_pre_key_id,
            kyber_pre_key_id: pending.kyber_pre_key_id,
            kyber_ciphertext: pending.kyber_ciphertext,
            base_key: pending.base_key,
            identity_key: state.local_identity,
        };
        Ok(CiphertextMessage::PreKey(PreKeySignalMessage::new(
            parts, message,
        )))
    }

    /// Decrypts a `SignalMessage`, trying the current state, then the
    /// archived ones newest first; an archived state that succeeds becomes
    /// current.
    ///
    /// libsignal checks the sender's identity after decrypting, since which
    /// state decrypts decides whose message it is. To do the same without
    /// copying the record, use [`SessionRecord::decrypt_pending`], check
    /// [`PendingDecryption::remote_identity`], then commit.
    ///
    /// # Errors
    /// [`DecryptError::SessionNotFound`], [`DecryptError::DuplicatedMessage`]
    /// or [`DecryptError::DecryptionFailed`]; the record is unchanged.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        message: &SignalMessage,
        addresses: Addresses<'_>,
        rng: &mut R,
    ) -> Result<Vec<u8>, DecryptError> {
        Ok(self.decrypt_pending(message, addresses, rng)?.commit())
    }

    /// Decrypts and authenticates a `SignalMessage` as
    /// [`SessionRecord::decrypt`] does, but leaves the record untouched until
    /// [`PendingDecryption::commit`]. Dropping the result instead (say, when
    /// [`PendingDecryption::remote_identity`] is not trusted) leaves the
    /// record exactly as it was, and the message can be decrypted again later.
    ///
    /// ```
    /// # use hush::address::{DeviceId, ProtocolAddress};
    /// # use hush::keys::*;
    /// # use hush::messages::CiphertextMessage;
    /// # use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
    /// # use rand::{rngs::StdRng, SeedableRng};
    /// # let mut rng = StdRng::seed_from_u64(1);
    /// # let now = Timestamp::from_millis(1_700_000_000_000);
    /// # let alice_addr = ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
    /// # let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);
    /// # let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
    /// # let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
    /// # let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
    /// # let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
    /// # let bundle = PreKeyBundle::from_records(2, bob_addr.device_id(), *bob.key_pair.identity_key(), &signed, &kyber, None);
    /// # let mut alice_record = SessionRecord::new();
    /// # alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
    /// # let to_bob = Addresses { local: &alice_addr, remote: &bob_addr };
    /// # let to_alice = Addresses { local: &bob_addr, remote: &alice_addr };
    /// # let CiphertextMessage::PreKey(first) = alice_record.encrypt(b"hi", to_bob, now, &mut rng)? else { unreachable!() };
    /// # let mut bob_record = SessionRecord::new();
    /// # let keys = PreKeys { signed: Some(&signed), kyber: Some(&kyber), one_time: None };
    /// # bob_record.decrypt_prekey(&first, &bob, keys, to_alice, &mut rng)?;
    /// # let CiphertextMessage::Whisper(reply) = bob_record.encrypt(b"hello", to_alice, now, &mut rng)? else { unreachable!() };
    /// let trusted_bob = *bob.key_pair.identity_key(); // what Alice's identity store holds
    /// let pending = alice_record.decrypt_pending(&reply, to_bob, &mut rng)?;
    /// if *pending.remote_identity() == trusted_bob {
    ///     assert_eq!(pending.commit(), b"hello");
    /// } // else: drop `pending`; `alice_record` is unchanged
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionRecord::decrypt`]; the record is unchanged.
    pub fn decrypt_pending<R: CryptoRng + ?Sized>(
        &mut self,
        message: &SignalMessage,
        addresses: Addresses<'_>,
        rng: &mut R,
    ) -> Result<PendingDecryption<'_>, DecryptError> {
        if self.current.is_none() && self.previous.is_empty() {
            return Err(DecryptError::SessionNotFound);
        }
        let expected = Addresses::binding(addresses.remote, addresses.local);
        // One walk budget for every state tried: a message that fails to
        // authenticate costs at most about one maximum jump, whatever the
        // record holds (see `ratchet::budget`).
        let mut budget = WalkBudget::new(addresses.same_service_id());
        let mut first_reason = None;
        let slots = self
            .current
            .iter()
            .map(|_| Slot::Current)
            .chain((0..self.previous.len()).map(Slot::Previous));
        for slot in slots {
            let Some(state) = self.state(slot) else {
                continue;
            };
            let context = DecryptContext {
                expected_addresses: expected.as_ref(),
                self_session: is_self_session(state, &addresses),
            };
            match state.decrypt_within(message, &context, &mut budget, rng) {
                Ok((plaintext, update)) => {
                    let remote_identity = state.remote_identity;
                    return Ok(PendingDecryption {
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
                    return Err(DecryptError::DuplicatedMessage {
                        chain_index,
                        counter,
                    });
                }
                Err(e) => {
                    first_reason.get_or_insert(reason(e));
                }
            }
        }
        Err(DecryptError::DecryptionFailed {
            message_type: CiphertextMessageType::Whisper,
            reason: first_reason.unwrap_or(FailureReason::NoState),
        })
    }

    /// Whether `message` belongs to a session this record already has (then
    /// decrypting it consumes no pre-keys).
    #[must_use]
    pub fn has_session_for(&self, message: &PreKeySignalMessage) -> bool {
        self.find_base_key(message).is_some()
    }

    /// Decrypts a PreKey message: resumes the session it belongs to, or runs
    /// PQXDH as recipient with `pre_keys` and makes the new session current.
    /// Only the current (new or resumed) state is tried. This is
    /// [`SessionRecord::decrypt_prekey_pending`] followed by
    /// [`PendingPreKeyDecryption::commit`].
    ///
    /// Decide whether to trust [`PreKeySignalMessage::identity_key`] before
    /// calling (a message that resumes a session must carry that session's
    /// remote identity, so the key is the sender's either way). Delete
    /// pre-keys only when the result reports them consumed. To refuse a
    /// replayed last-resort Kyber pre-key, use the pending form and check
    /// before committing.
    ///
    /// # Errors
    /// [`DecryptError`]; the record is unchanged and no pre-key is consumed.
    pub fn decrypt_prekey<R: CryptoRng + ?Sized>(
        &mut self,
        message: &PreKeySignalMessage,
        local: &LocalIdentity,
        pre_keys: PreKeys<'_>,
        addresses: Addresses<'_>,
        rng: &mut R,
    ) -> Result<PreKeyDecryption, DecryptError> {
        Ok(self
            .decrypt_prekey_pending(message, local, pre_keys, addresses, rng)?
            .commit())
    }

    /// Decrypts and authenticates a PreKey message as
    /// [`SessionRecord::decrypt_prekey`] does, but leaves the record
    /// untouched until [`PendingPreKeyDecryption::commit`]: check
    /// [`PendingPreKeyDecryption::remote_identity`] and, when it
    /// [creates a session](PendingPreKeyDecryption::creates_session), the
    /// pre-keys it [would consume](PendingPreKeyDecryption::consumed), then
    /// commit or drop. A message whose base key matches a state of the record
    /// but whose identity key is not that state's remote identity is refused
    /// with [`DecryptError::InconsistentRemoteIdentity`].
    ///
    /// ```
    /// # use std::collections::HashSet;
    /// # use hush::address::{DeviceId, ProtocolAddress};
    /// # use hush::keys::*;
    /// # use hush::messages::CiphertextMessage;
    /// # use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
    /// # use rand::{rngs::StdRng, SeedableRng};
    /// # let mut rng = StdRng::seed_from_u64(1);
    /// # let now = Timestamp::from_millis(1_700_000_000_000);
    /// # let alice_addr = ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
    /// # let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);
    /// # let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
    /// # let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
    /// # let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
    /// # let last_resort = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
    /// # let bundle = PreKeyBundle::from_records(2, bob_addr.device_id(), *bob.key_pair.identity_key(), &signed, &last_resort, None);
    /// # let mut alice_record = SessionRecord::new();
    /// # alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
    /// # let to_bob = Addresses { local: &alice_addr, remote: &bob_addr };
    /// # let to_alice = Addresses { local: &bob_addr, remote: &alice_addr };
    /// # let CiphertextMessage::PreKey(message) = alice_record.encrypt(b"hi", to_bob, now, &mut rng)? else { unreachable!() };
    /// let trusted_alice = *alice.key_pair.identity_key(); // what Bob's identity store holds
    /// let mut seen = HashSet::new(); // last-resort uses, persisted with the record
    /// let mut bob_record = SessionRecord::new();
    /// let keys = PreKeys { signed: Some(&signed), kyber: Some(&last_resort), one_time: None };
    /// let pending = bob_record.decrypt_prekey_pending(&message, &bob, keys, to_alice, &mut rng)?;
    /// let replayed = pending.consumed().is_some_and(|c| seen.contains(&c.last_resort_use()));
    /// if *pending.remote_identity() == trusted_alice && !replayed {
    ///     let out = pending.commit();
    ///     if let Some(used) = out.consumed { seen.insert(used.last_resort_use()); }
    ///     assert_eq!(out.plaintext, b"hi");
    /// } // else: drop `pending`; `bob_record` is unchanged, nothing consumed
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`SessionRecord::decrypt_prekey`]; the record is unchanged.
    pub fn decrypt_prekey_pending<R: CryptoRng + ?Sized>(
        &mut self,
        message: &PreKeySignalMessage,
        local: &LocalIdentity,
        pre_keys: PreKeys<'_>,
        addresses: Addresses<'_>,
        rng: &mut R,
    ) -> Result<PendingPreKeyDecryption<'_>, DecryptError> {
        let expected = Addresses::binding(addresses.remote, addresses.local);
        if let Some(slot) = self.find_base_key(message) {
            let Some(state) = self.state(slot) else {
                return Err(DecryptError::SessionNotFound);
            };
            // The identity field is outside the inner MAC (which uses the
            // state's identity): it must name the state's peer.
            if state.remote_identity != *message.identity_key() {
                return Err(DecryptError::InconsistentRemoteIdentity);
            }
            let context = DecryptContext {
                expected_addresses: expected.as_ref(),
                self_session: is_self_session(state, &addresses),
            };
            let (plaintext, update) = state
                .decrypt(message.message(), &context, rng)
                .map_err(prekey_failure)?;
            let remote_identity = state.remote_identity;
            return Ok(PendingPreKeyDecryption {
                record: self,
                change: PreKeyChange::Resume {
                    slot,
                    update: Box::new(update),
                },
                remote_identity,
                consumed: None,
                plaintext: Zeroizing::new(plaintext),
            });
        }
        if message.message_version() <= X3DH_VERSION {
            return Err(DecryptError::X3dhNoLongerSupported);
        }
        let signed_id = message.signed_pre_key_id();
        let signed = pre_keys
            .signed
            .filter(|r| r.id() == signed_id)
            .ok_or(DecryptError::MissingSignedPreKey(signed_id))?;
        // Version-4 messages always carry both Kyber fields (the parser checks).
        let (Some(kyber_id), Some(kyber_ciphertext)) =
            (message.kyber_pre_key_id(), message.kyber_ciphertext())
        else {
            return Err(DecryptError::DecryptionFailed {
                message_type: CiphertextMessageType::PreKey,
                reason: FailureReason::VersionMismatch,
            });
        };
        let kyber = pre_keys
            .kyber
            .filter(|r| r.id() == kyber_id)
            .ok_or(DecryptError::MissingKyberPreKey(kyber_id))?;
        let one_time = match message.pre_key_id() {
            Some(id) => Some(
                pre_keys
                    .one_time
                    .filter(|r| r.id() == id)
                    .ok_or(DecryptError::MissingPreKey(id))?,
            ),
            None => None,
        };
        if !message.base_key().is_canonical() {
            return Err(DecryptError::InvalidBaseKey);
        }
        let kyber_ciphertext = KemCiphertext::deserialize(kyber_ciphertext)?;
        let secrets = handshake::respond(
            &local.key_pair,
            &RecipientInputs {
                our_signed_pre_key: &signed.key_pair().private_key,
                our_one_time_pre_key: one_time.map(|r| &r.key_pair().private_key),
                our_kyber_pre_key: &kyber.key_pair().secret_key,
                kyber_ciphertext: &kyber_ciphertext,
                their_identity: message.identity_key(),
                their_base_key: message.base_key(),
            },
        )?;
        let self_session =
            local.key_pair.identity_key() == message.identity_key() && addresses.same_service_id();
        let mut state = SessionState::new(NewState {
            local_identity: *local.key_pair.identity_key(),
            local_registration_id: local.registration_id,
            remote_identity: *message.identity_key(),
            remote_registration_id: message.registration_id(),
            alice_base_key: *message.base_key(),
            root_key: secrets.root_key,
            sender_chain: SenderChain {
                ratchet_key: signed.key_pair().clone(),
                chain_key: secrets.chain_key,
            },
            spqr_auth: &secrets.spqr_auth,
            direction: Direction::B2A,
            self_session,
        });
        let context = DecryptContext {
            expected_addresses: expected.as_ref(),
            self_session: is_self_session(&state, &addresses),
        };
        let (plaintext, update) = state
            .decrypt(message.message(), &context, rng)
            .map_err(prekey_failure)?;
        state.apply(update);
        Ok(PendingPreKeyDecryption {
            record: self,
            remote_identity: state.remote_identity,
            change: PreKeyChange::Create(Box::new(state)),
            consumed: Some(ConsumedPreKeys {
                one_time: message.pre_key_id(),
                signed: signed_id,
                kyber: kyber_id,
                base_key: *message.base_key(),
            }),
            plaintext: Zeroizing::new(plaintext),
        })
    }

    /// Archives the current state (for a session reset). Returns whether
    /// there was one.
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

    /// Whether the current state is usable at `now` (double-ratchet.md §7):
    /// it exists, has a sending chain, is not a stale unacknowledged
    /// session, is session version 4 or later, and has a non-empty SPQR
    /// state. States stored without SPQR (such as format version 1 samples)
    /// still encrypt and decrypt, as libsignal's do, but are not usable:
    /// start a new session.
    #[must_use]
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.current.as_ref().is_some_and(|s| {
            s.sender_chain.is_some()
                && s.version > 3
                && !s.pq.is_empty()
                && s.pending_pre_key.as_ref().is_none_or(|p| !is_stale(p, now))
        })
    }

    /// Whether the current state still wraps messages as PreKey messages
    /// (nothing has been received on it yet).
    #[must_use]
    pub fn is_unacknowledged(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|s| s.pending_pre_key.is_some())
    }

    /// The peer's identity key in the current state.
    #[must_use]
    pub fn remote_identity(&self) -> Option<&IdentityKey> {
        self.current.as_ref().map(|s| &s.remote_identity)
    }

    /// Our identity key in the current state.
    #[must_use]
    pub fn local_identity(&self) -> Option<&IdentityKey> {
        self.current.as_ref().map(|s| &s.local_identity)
    }

    /// The peer's registration ID in the current state.
    #[must_use]
    pub fn remote_registration_id(&self) -> Option<u32> {
        self.current.as_ref().map(|s| s.remote_registration_id)
    }

    /// Our registration ID in the current state.
    #[must_use]
    pub fn local_registration_id(&self) -> Option<u32> {
        self.current.as_ref().map(|s| s.local_registration_id)
    }

    /// The number of archived states.
    #[must_use]
    pub fn archived_count(&self) -> usize {
        self.previous.len()
    }

    /// The current state's sending ratchet key and next counter (for
    /// diagnostics and tests).
    #[must_use]
    pub fn sender_ratchet(&self) -> Option<(PublicKey, u32)> {
        let chain = self.current.as_ref()?.sender_chain.as_ref()?;
        Some((chain.ratchet_key.public_key, chain.chain_key.index()))
    }

    fn state(&self, slot: Slot) -> Option<&SessionState> {
        match slot {
            Slot::Current => self.current.as_ref(),
            Slot::Previous(i) => self.previous.get(i),
        }
    }

    fn find_base_key(&self, message: &PreKeySignalMessage) -> Option<Slot> {
        let matches = |s: &SessionState| {
            s.version == message.message_version() && s.alice_base_key == *message.base_key()
        };
        if self.current.as_ref().is_some_and(matches) {
            return Some(Slot::Current);
        }
        self.previous.iter().position(matches).map(Slot::Previous)
    }

    /// Makes the state in `slot` current, archiving the former current state.
    fn promote(&mut self, slot: Slot) {
        if let Slot::Previous(i) = slot {
            if let Some(state) = self.previous.remove(i) {
                self.install(state);
            }
        }
    }

    /// Makes `state` current, archiving the former current state.
    fn install(&mut self, state: SessionState) {
        if let Some(old) = self.current.replace(state) {
            self.archive(old);
        }
    }

    fn archive(&mut self, mut state: SessionState) {
        state.pending_pre_key = None;
        if self.previous.len() >= ARCHIVED_STATES_MAX_LENGTH {
            self.previous.truncate(ARCHIVED_STATES_MAX_LENGTH - 1);
        }
        self.previous.push_front(state);
    }
}

/// Whether an unacknowledged session created at `pending.timestamp_seconds`
/// is too old to encrypt at `now`.
fn is_stale(pending: &PendingPreKey, now: Timestamp) -> bool {
    let age_limit_ms = pending
        .timestamp_seconds
        .saturating_add(MAX_UNACKNOWLEDGED_SESSION_AGE_SECS)
        .saturating_mul(1000);
    age_limit_ms < now.as_millis()
}

/// Same identity key and the same service ID on both ends (device IDs are
/// ignored): note-to-self and our own other devices.
fn is_self_session(state: &SessionState, addresses: &Addresses<'_>) -> bool {
    state.local_identity == state.remote_identity && addresses.same_service_id()
}

pub(crate) fn reason(error: RatchetError) -> FailureReason {
    match error {
        RatchetError::VersionMismatch => FailureReason::VersionMismatch,
        RatchetError::MacMismatch => FailureReason::MacMismatch,
        RatchetError::AddressMismatch => FailureReason::AddressMismatch,
        RatchetError::TooFarInFuture => FailureReason::TooFarInFuture,
        // A refusal to walk further than the call's budget allows looks the
        // same to the caller as a jump over the limit.
        RatchetError::OverBudget => FailureReason::TooFarInFuture,
        RatchetError::ChainExhausted => FailureReason::ChainExhausted,
        RatchetError::BadCiphertext => FailureReason::BadCiphertext,
        RatchetError::InvalidKeyAgreement => FailureReason::InvalidKeyAgreement,
        RatchetError::MissingSenderChain => FailureReason::MissingSenderChain,
        RatchetError::PqRatchet => FailureReason::PqRatchet,
        // Duplicates are reported before folding; keep a total mapping.
        RatchetError::Duplicate { .. } => FailureReason::NoState,
    }
}

fn prekey_failure(error: RatchetError) -> DecryptError {
    match error {
        RatchetError::Duplicate {
            chain_index,
            counter,
        } => DecryptError::DuplicatedMessage {
            chain_index,
            counter,
        },
        other => DecryptError::DecryptionFailed {
            message_type: CiphertextMessageType::PreKey,
            reason: reason(other),
        },
    }
}

fn state_encrypt_error(error: RatchetError) -> EncryptError {
    match error {
        RatchetError::ChainExhausted => {
            EncryptError::InvalidSessionState("sending chain exhausted")
        }
        RatchetError::PqRatchet => {
            EncryptError::InvalidSessionState("post-quantum ratchet send error")
        }
        _ => EncryptError::InvalidSessionState("missing sender chain"),
    }
}
