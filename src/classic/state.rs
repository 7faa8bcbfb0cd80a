//! One classic session state: hush's Double Ratchet state at session
//! version 3 with SPQR off, plus the skipped message keys imported from
//! libsignal-protocol-c in their derived ("legacy") form, which cannot be
//! turned back into seeds.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::message::{ClassicSignalMessage, CLASSIC_VERSION_BYTE};
use super::{CLASSIC_MAX_FORWARD_JUMPS, CLASSIC_MAX_MESSAGE_KEYS};
use crate::keys::PublicKey;
use crate::messages::signal_message::SignalMessageParts;
use crate::messages::SignalMessage;
use crate::primitives::{aes256_cbc_decrypt, aes256_cbc_encrypt};
use crate::ratchet::keys::MessageKeys;
use crate::ratchet::state::{DecryptContext, DecryptUpdate, RatchetError, SessionState};

/// A skipped message key in libsignal-protocol-c's derived form.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct LegacyKey {
    #[zeroize(skip)]
    pub(crate) ratchet_key: PublicKey,
    #[zeroize(skip)]
    pub(crate) index: u32,
    pub(crate) cipher_key: Box<[u8; 32]>,
    pub(crate) mac_key: Box<[u8; 32]>,
    pub(crate) iv: Box<[u8; 16]>,
}

impl fmt::Debug for LegacyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyKey")
            .field("ratchet_key", &self.ratchet_key)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// A classic session state.
#[derive(Clone, Debug)]
pub(crate) struct ClassicState {
    /// Version 3, SPQR empty.
    pub(crate) ratchet: SessionState,
    /// Imported derived-form skipped keys, ascending index per chain; only
    /// for chains in `ratchet.receiver_chains`, and with the chain's seeds
    /// at most [`CLASSIC_MAX_MESSAGE_KEYS`] per chain.
    pub(crate) legacy: Vec<LegacyKey>,
}

/// A decryption computed on a state, applied only on commit.
pub(crate) enum StateUpdate {
    Ratchet(Box<DecryptUpdate>),
    Legacy(usize),
}

impl ClassicState {
    pub(crate) fn new(ratchet: SessionState) -> Self {
        Self {
            ratchet,
            legacy: Vec::new(),
        }
    }

    /// Chain-key steps decrypting `message` would walk on this state, or
    /// [`RatchetError::TooFarInFuture`] beyond the version-3 limit (a counter
    /// more than 2 000 ahead of its chain, or a new chain starting above
    /// 2 000). Old counters cost nothing.
    pub(crate) fn walk_cost(&self, message: &ClassicSignalMessage) -> Result<u32, RatchetError> {
        let counter = message.counter();
        let next = self
            .ratchet
            .receiver_chains
            .iter()
            .find(|c| c.ratchet_key == *message.ratchet_key())
            .map_or(0, |c| c.chain_key.index());
        let jump = counter.saturating_sub(next);
        if jump > CLASSIC_MAX_FORWARD_JUMPS {
            return Err(RatchetError::TooFarInFuture);
        }
        Ok(jump)
    }

    /// Whether this state has a receiving chain for the message's ratchet key.
    pub(crate) fn knows_ratchet_key(&self, message: &ClassicSignalMessage) -> bool {
        self.ratchet
            .receiver_chains
            .iter()
            .any(|c| c.ratchet_key == *message.ratchet_key())
    }

    /// Decrypts without changing `self`.
    pub(crate) fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        message: &ClassicSignalMessage,
        rng: &mut R,
    ) -> Result<(Vec<u8>, StateUpdate), RatchetError> {
        self.walk_cost(message)?;
        if let Some(position) = self
            .legacy
            .iter()
            .position(|k| k.index == message.counter() && k.ratchet_key == *message.ratchet_key())
        {
            let key = &self.legacy[position];
            if !message.inner.verify_mac(
                &key.mac_key,
                &self.ratchet.remote_identity,
                &self.ratchet.local_identity,
            ) {
                return Err(RatchetError::MacMismatch);
            }
            let plaintext = aes256_cbc_decrypt(&key.cipher_key, &key.iv, message.body())
                .map_err(|_| RatchetError::BadCiphertext)?;
            return Ok((plaintext, StateUpdate::Legacy(position)));
        }
        // Version 3 has no address binding and no note-to-self exception:
        // the forward jump was checked against 2 000 above.
        let context = DecryptContext {
            expected_addresses: None,
            self_session: false,
        };
        let (plaintext, update) = self.ratchet.decrypt(&message.inner, &context, rng)?;
        Ok((plaintext, StateUpdate::Ratchet(Box::new(update))))
    }

    /// Commits a decryption computed by [`Self::decrypt`] on this state.
    pub(crate) fn apply(&mut self, update: StateUpdate) {
        match update {
            StateUpdate::Legacy(position) => {
                if position < self.legacy.len() {
                    self.legacy.remove(position);
                }
                self.ratchet.pending_pre_key = None;
            }
            StateUpdate::Ratchet(update) => {
                self.ratchet.apply(*update);
                self.trim_legacy();
            }
        }
    }

    /// Drops legacy keys of chains that are gone, and the oldest legacy keys
    /// of a chain whose seeds and legacy keys together exceed the limit.
    pub(crate) fn trim_legacy(&mut self) {
        if self.legacy.is_empty() {
            return;
        }
        let chains = &self.ratchet.receiver_chains;
        self.legacy
            .retain(|k| chains.iter().any(|c| c.ratchet_key == k.ratchet_key));
        for chain in chains {
            let legacy_count = self
                .legacy
                .iter()
                .filter(|k| k.ratchet_key == chain.ratchet_key)
                .count();
            let mut excess =
                (chain.skipped.len() + legacy_count).saturating_sub(CLASSIC_MAX_MESSAGE_KEYS);
            // Legacy keys are ascending per chain: the first ones are oldest.
            self.legacy.retain(|k| {
                if excess > 0 && k.ratchet_key == chain.ratchet_key {
                    excess -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }

    /// Encrypts with the sending chain and advances it. Fails only for a
    /// state without sending chain or with an exhausted one.
    pub(crate) fn encrypt(
        &mut self,
        plaintext: &[u8],
    ) -> Result<ClassicSignalMessage, RatchetError> {
        let state = &mut self.ratchet;
        let sender = state
            .sender_chain
            .as_ref()
            .ok_or(RatchetError::MissingSenderChain)?;
        let next_chain_key = sender
            .chain_key
            .next()
            .ok_or(RatchetError::ChainExhausted)?;
        let keys = MessageKeys::derive(&sender.chain_key.seed(), None);
        let ciphertext = aes256_cbc_encrypt(&keys.cipher_key, &keys.iv, plaintext);
        let message = SignalMessage::with_version_byte(
            SignalMessageParts {
                version: state.version,
                ratchet_key: sender.ratchet_key.public_key,
                counter: sender.chain_key.index(),
                previous_counter: state.previous_counter,
                ciphertext,
                pq_ratchet: Vec::new(),
                addresses: None,
                sender_identity: &state.local_identity,
                receiver_identity: &state.remote_identity,
            },
            &keys.mac_key,
            CLASSIC_VERSION_BYTE,
        );
        if let Some(sender) = state.sender_chain.as_mut() {
            sender.chain_key = next_chain_key;
        }
        Ok(ClassicSignalMessage { inner: message })
    }
}
