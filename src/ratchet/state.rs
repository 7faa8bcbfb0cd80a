//! One session state: the Double Ratchet between two identities, with its
//! SPQR hook. A state never changes on a failed decryption: `decrypt`
//! computes everything on the side and returns an update to apply.

use rand_core::CryptoRng;

use super::budget::{WalkBudget, MAX_SELF_SESSION_JUMPS};
use super::chains::{
    ConsumeError, Consumed, ReceiverChain, SenderChain, MAX_FORWARD_JUMPS, MAX_RECEIVER_CHAINS,
};
use super::keys::{MessageKeys, RootKey};
use super::pq::{self, Direction, SpqrState};
use crate::keys::{
    IdentityKey, KeyError, KeyPair, KyberPreKeyId, PreKeyId, PublicKey, SignedPreKeyId,
};
use crate::messages::signal_message::SignalMessageParts;
use crate::messages::{SignalMessage, CURRENT_VERSION};
use crate::primitives::{aes256_cbc_decrypt, aes256_cbc_encrypt};
use crate::spqr::SpqrUpdate;

/// Pre-key data an initiator keeps until the session is acknowledged.
#[derive(Clone)]
pub(crate) struct PendingPreKey {
    pub(crate) pre_key_id: Option<PreKeyId>,
    pub(crate) signed_pre_key_id: SignedPreKeyId,
    pub(crate) base_key: PublicKey,
    /// Seconds since the Unix epoch.
    pub(crate) timestamp_seconds: u64,
    pub(crate) kyber_pre_key_id: KyberPreKeyId,
    pub(crate) kyber_ciphertext: Vec<u8>,
}

impl core::fmt::Debug for PendingPreKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingPreKey")
            .field("pre_key_id", &self.pre_key_id)
            .field("signed_pre_key_id", &self.signed_pre_key_id)
            .field("base_key", &self.base_key)
            .field("timestamp_seconds", &self.timestamp_seconds)
            .field("kyber_pre_key_id", &self.kyber_pre_key_id)
            .field("kyber_ciphertext_len", &self.kyber_ciphertext.len())
            .finish()
    }
}

/// A Double Ratchet session state.
#[derive(Clone, Debug)]
pub(crate) struct SessionState {
    pub(crate) version: u8,
    pub(crate) local_identity: IdentityKey,
    pub(crate) remote_identity: IdentityKey,
    pub(crate) root_key: RootKey,
    pub(crate) previous_counter: u32,
    pub(crate) sender_chain: Option<SenderChain>,
    /// Oldest first; at most [`MAX_RECEIVER_CHAINS`].
    pub(crate) receiver_chains: Vec<ReceiverChain>,
    pub(crate) pending_pre_key: Option<PendingPreKey>,
    pub(crate) remote_registration_id: u32,
    pub(crate) local_registration_id: u32,
    pub(crate) alice_base_key: PublicKey,
    pub(crate) pq: SpqrState,
}

/// What a new session state is made of; the rest starts empty.
pub(crate) struct NewState<'a> {
    pub(crate) local_identity: IdentityKey,
    pub(crate) local_registration_id: u32,
    pub(crate) remote_identity: IdentityKey,
    pub(crate) remote_registration_id: u32,
    pub(crate) alice_base_key: PublicKey,
    pub(crate) root_key: RootKey,
    pub(crate) sender_chain: SenderChain,
    /// PQXDH's SPQR authentication key.
    pub(crate) spqr_auth: &'a [u8; 32],
    pub(crate) direction: Direction,
    pub(crate) self_session: bool,
}

impl SessionState {
    /// A version-4 state as PQXDH leaves it: no receiving chain, no pending
    /// pre-key, SPQR at its initial state.
    pub(crate) fn new(new: NewState<'_>) -> Self {
        Self {
            version: CURRENT_VERSION,
            local_identity: new.local_identity,
            remote_identity: new.remote_identity,
            root_key: new.root_key,
            previous_counter: 0,
            sender_chain: Some(new.sender_chain),
            receiver_chains: Vec::new(),
            pending_pre_key: None,
            remote_registration_id: new.remote_registration_id,
            local_registration_id: new.local_registration_id,
            alice_base_key: new.alice_base_key,
            pq: pq::initial_state(new.spqr_auth, new.direction, new.self_session),
        }
    }
}

/// Why one state could not decrypt a message. Folded into "decryption
/// failed" by the record, except duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RatchetError {
    Duplicate {
        chain_index: u32,
        counter: u32,
    },
    TooFarInFuture,
    /// The call's walk budget is spent (see [`WalkBudget`]).
    OverBudget,
    ChainExhausted,
    VersionMismatch,
    MissingSenderChain,
    InvalidKeyAgreement,
    MacMismatch,
    AddressMismatch,
    BadCiphertext,
    PqRatchet,
}

impl From<ConsumeError> for RatchetError {
    fn from(e: ConsumeError) -> Self {
        match e {
            ConsumeError::Duplicate {
                chain_index,
                counter,
            } => Self::Duplicate {
                chain_index,
                counter,
            },
            ConsumeError::TooFarInFuture => Self::TooFarInFuture,
            ConsumeError::OverBudget => Self::OverBudget,
            ConsumeError::ChainExhausted => Self::ChainExhausted,
        }
    }
}

impl From<KeyError> for RatchetError {
    fn from(_: KeyError) -> Self {
        Self::InvalidKeyAgreement
    }
}

/// A receiving-side change, computed by [`SessionState::decrypt`] and applied
/// only once the message has authenticated.
pub(crate) struct DecryptUpdate {
    chain: ReceivingUpdate,
    pq: SpqrUpdate,
}

enum ReceivingUpdate {
    Existing {
        chain: usize,
        consumed: Consumed,
    },
    Ratchet {
        root_key: RootKey,
        receiver: ReceiverChain,
        consumed: Consumed,
        sender: SenderChain,
        previous_counter: u32,
    },
}

/// The session-independent context of a decryption.
pub(crate) struct DecryptContext<'a> {
    /// The expected `addresses` field (sender then recipient), when both
    /// addresses are service IDs.
    pub(crate) expected_addresses: Option<&'a [u8; 36]>,
    /// Self-sessions have a larger forward-jump limit
    /// ([`MAX_SELF_SESSION_JUMPS`]).
    pub(crate) self_session: bool,
}

impl SessionState {
    /// Encrypts with the sender chain, advancing it and the SPQR state.
    /// Every random draw happens before anything is committed.
    pub(crate) fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        addresses: Option<Vec<u8>>,
        rng: &mut R,
    ) -> Result<SignalMessage, RatchetError> {
        let sender = self
            .sender_chain
            .as_ref()
            .ok_or(RatchetError::MissingSenderChain)?;
        let next_chain_key = sender
            .chain_key
            .next()
            .ok_or(RatchetError::ChainExhausted)?;
        let pq = self.pq.send(rng).map_err(|_| RatchetError::PqRatchet)?;
        let pq_key = pq.key;
        let keys = MessageKeys::derive(&sender.chain_key.seed(), pq_key.as_deref());
        let ciphertext = aes256_cbc_encrypt(&keys.cipher_key, &keys.iv, plaintext);
        let message = SignalMessage::new(
            SignalMessageParts {
                version: self.version,
                ratchet_key: sender.ratchet_key.public_key,
                counter: sender.chain_key.index(),
                previous_counter: self.previous_counter,
                ciphertext,
                pq_ratchet: pq.message,
                addresses,
                sender_identity: &self.local_identity,
                receiver_identity: &self.remote_identity,
            },
            &keys.mac_key,
        );
        if let Some(sender) = self.sender_chain.as_mut() {
            sender.chain_key = next_chain_key;
        }
        self.pq.apply(pq.update);
        Ok(message)
    }

    /// Decrypts `message` without changing `self`; apply the returned update
    /// with [`Self::apply`] to commit. The only state tried: it gets a whole
    /// [`WalkBudget`].
    pub(crate) fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        message: &SignalMessage,
        context: &DecryptContext<'_>,
        rng: &mut R,
    ) -> Result<(Vec<u8>, DecryptUpdate), RatchetError> {
        let mut budget = WalkBudget::new(context.self_session);
        self.decrypt_within(message, context, &mut budget, rng)
    }

    /// [`Self::decrypt`], one of several states tried for one message:
    /// chain walks are limited by, and charged to, the call's `budget`,
    /// whether or not the message then authenticates.
    pub(crate) fn decrypt_within<R: CryptoRng + ?Sized>(
        &self,
        message: &SignalMessage,
        context: &DecryptContext<'_>,
        budget: &mut WalkBudget,
        rng: &mut R,
    ) -> Result<(Vec<u8>, DecryptUpdate), RatchetError> {
        if message.message_version() != self.version {
            return Err(RatchetError::VersionMismatch);
        }
        let max_jump = if context.self_session {
            MAX_SELF_SESSION_JUMPS
        } else {
            MAX_FORWARD_JUMPS
        };
        let their_ratchet = message.ratchet_key();
        let (chain, seed) = match self
            .receiver_chains
            .iter()
            .position(|c| c.ratchet_key == *their_ratchet)
        {
            Some(index) => {
                let consumed = self.receiver_chains[index].consume(
                    message.counter(),
                    max_jump,
                    budget.ratchet_limit(),
                )?;
                budget.spend_ratchet(consumed_jump(&consumed));
                let seed = consumed_seed(&consumed);
                (
                    ReceivingUpdate::Existing {
                        chain: index,
                        consumed,
                    },
                    seed,
                )
            }
            None => {
                let sender = self
                    .sender_chain
                    .as_ref()
                    .ok_or(RatchetError::MissingSenderChain)?;
                let (root_key, receive_key) = self
                    .root_key
                    .create_chain(their_ratchet, &sender.ratchet_key.private_key)?;
                let new_ratchet = KeyPair::generate(rng);
                let (root_key, send_key) =
                    root_key.create_chain(their_ratchet, &new_ratchet.private_key)?;
                let receiver = ReceiverChain::new(*their_ratchet, receive_key);
                let consumed =
                    receiver.consume(message.counter(), max_jump, budget.ratchet_limit())?;
                budget.spend_ratchet(consumed_jump(&consumed));
                let seed = consumed_seed(&consumed);
                let previous_counter = sender.chain_key.index().saturating_sub(1);
                let sender = SenderChain {
                    ratchet_key: new_ratchet,
                    chain_key: send_key,
                };
                (
                    ReceivingUpdate::Ratchet {
                        root_key,
                        receiver,
                        consumed,
                        sender,
                        previous_counter,
                    },
                    seed,
                )
            }
        };
        let pq = self
            .pq
            .recv_limited(message.pq_ratchet(), budget.spqr_limit().min(max_jump))
            .map_err(|_| RatchetError::PqRatchet)?;
        budget.spend_spqr(pq.walked);
        let pq_key = pq.key;
        let keys = MessageKeys::derive(&seed, pq_key.as_deref());
        if !message.verify_mac(&keys.mac_key, &self.remote_identity, &self.local_identity) {
            return Err(RatchetError::MacMismatch);
        }
        if let Some(addresses) = message.addresses() {
            // A message that binds addresses must name exactly these two.
            let matches = context
                .expected_addresses
                .is_some_and(|expected| addresses == expected.as_slice());
            if !matches {
                return Err(RatchetError::AddressMismatch);
            }
        }
        let plaintext = aes256_cbc_decrypt(&keys.cipher_key, &keys.iv, message.body())
            .map_err(|_| RatchetError::BadCiphertext)?;
        Ok((
            plaintext,
            DecryptUpdate {
                chain,
                pq: pq.update,
            },
        ))
    }

    /// Commits a successful decryption; the session is now acknowledged.
    pub(crate) fn apply(&mut self, update: DecryptUpdate) {
        match update.chain {
            ReceivingUpdate::Existing { chain, consumed } => {
                if let Some(receiver) = self.receiver_chains.get_mut(chain) {
                    receiver.apply(consumed);
                }
            }
            ReceivingUpdate::Ratchet {
                root_key,
                mut receiver,
                consumed,
                sender,
                previous_counter,
            } => {
                receiver.apply(consumed);
                self.receiver_chains.push(receiver);
                if self.receiver_chains.len() > MAX_RECEIVER_CHAINS {
                    let excess = self.receiver_chains.len() - MAX_RECEIVER_CHAINS;
                    self.receiver_chains.drain(..excess);
                }
                self.root_key = root_key;
                self.sender_chain = Some(sender);
                self.previous_counter = previous_counter;
            }
        }
        self.pq.apply(update.pq);
        self.pending_pre_key = None;
    }
}

fn consumed_jump(consumed: &Consumed) -> u32 {
    match consumed {
        Consumed::Skipped { .. } => 0,
        Consumed::Advanced { jump, .. } => *jump,
    }
}

fn consumed_seed(consumed: &Consumed) -> super::keys::MessageKeySeed {
    match consumed {
        Consumed::Skipped { seed, .. } | Consumed::Advanced { seed, .. } => seed.clone(),
    }
}
