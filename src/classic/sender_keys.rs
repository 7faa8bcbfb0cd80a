//! Classic sender keys in libsignal-protocol-c's format (classic-v3.md §10):
//! no distribution ID on the wire, the application names the group. Keys,
//! chains and signatures are version 4's ([`crate::groups`]); the protobufs
//! differ, and the forward-jump limit is libsignal-protocol-c's 2 000.
//!
//! Keep one [`ClassicSenderKeyRecord`] per (group ID chosen by the
//! application, sender address): libsignal-protocol-c's
//! `signal_protocol_sender_key_name`. Every operation succeeds or leaves the
//! record unchanged.

use core::fmt;
use std::collections::VecDeque;

use prost::Message;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::proto::{
    ClassicDistributionProto, ClassicSenderKeyMessageProto, LspcSenderChainKey,
    LspcSenderKeyRecord, LspcSenderKeyState, LspcSenderMessageKey, LspcSenderSigningKey,
};
use super::{CLASSIC_MAX_FORWARD_JUMPS, CLASSIC_VERSION, CLASSIC_VERSION_BYTE};
use crate::groups::message_keys::SenderMessageKeys;
use crate::groups::record::NewState;
use crate::groups::state::{ConsumeError, SenderKeyState};
use crate::groups::{SenderKeyRecord, MAX_MESSAGE_KEYS, MAX_SENDER_KEY_STATES};
use crate::keys::{KeyPair, PrivateKey, PublicKey, EC_PUBLIC_KEY_LEN, SIGNATURE_LEN};
use crate::messages::MessageError;
use crate::primitives::{aes256_cbc_decrypt, aes256_cbc_encrypt, CipherError};
use crate::ratchet::keys::ChainKey;
use crate::skipped_keys::SkippedKeyStore;
use crate::state::{unwrap, wrap, StateError, StateKind};

fn check_version(byte: u8) -> Result<(), MessageError> {
    let version = byte >> 4;
    if version < CLASSIC_VERSION {
        return Err(MessageError::LegacyCiphertextVersion(version));
    }
    if version > CLASSIC_VERSION {
        return Err(MessageError::UnrecognizedCiphertextVersion(version));
    }
    Ok(())
}

/// A classic `SenderKeyDistributionMessage`: `0x33 ‖ protobuf{1 id,
/// 2 iteration, 3 chainKey, 4 signingKey}`, unsigned (send it inside a 1:1
/// session message). No `PartialEq`: it holds a chain key; compare
/// [`Self::serialized`] if needed.
#[derive(Clone)]
pub struct ClassicSenderKeyDistributionMessage {
    chain_id: u32,
    iteration: u32,
    chain_key: Zeroizing<[u8; 32]>,
    signing_key: PublicKey,
    serialized: Zeroizing<Vec<u8>>,
}

impl ClassicSenderKeyDistributionMessage {
    fn new(chain_id: u32, iteration: u32, chain_key: &[u8; 32], signing_key: PublicKey) -> Self {
        let proto = ClassicDistributionProto {
            id: Some(chain_id),
            iteration: Some(iteration),
            chain_key: Some(chain_key.to_vec()),
            signing_key: Some(signing_key.serialize().to_vec()),
        };
        let mut serialized = Zeroizing::new(Vec::with_capacity(1 + proto.encoded_len()));
        serialized.push(CLASSIC_VERSION_BYTE);
        // Encoding into a Vec cannot run out of space.
        let _ = proto.encode(&mut *serialized);
        Self {
            chain_id,
            iteration,
            chain_key: Zeroizing::new(*chain_key),
            signing_key,
            serialized,
        }
    }

    /// Parses a distribution message.
    ///
    /// # Errors
    /// [`MessageError`]: shorter than 2 bytes, version nibble other than 3,
    /// bad protobuf, a missing field, a chain key that is not 32 bytes or a
    /// signing key that is not 33 bytes of type `0x05`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() < 2 {
            return Err(MessageError::CiphertextMessageTooShort(bytes.len()));
        }
        check_version(bytes[0])?;
        let proto = ClassicDistributionProto::decode(&bytes[1..])
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(chain_id), Some(iteration), Some(chain_key), Some(signing_key)) = (
            proto.id,
            proto.iteration,
            proto.chain_key.as_deref(),
            proto.signing_key.as_deref(),
        ) else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        let chain_key: [u8; 32] = chain_key
            .try_into()
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        if signing_key.len() != EC_PUBLIC_KEY_LEN {
            return Err(crate::keys::KeyError::BadKeyLength(signing_key.len()).into());
        }
        Ok(Self {
            chain_id,
            iteration,
            chain_key: Zeroizing::new(chain_key),
            signing_key: PublicKey::deserialize(signing_key)?,
            serialized: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The chain ID (libsignal-protocol-c's `id`).
    #[must_use]
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The chain's iteration when the message was made.
    #[must_use]
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The chain key at that iteration.
    #[must_use]
    pub fn chain_key(&self) -> &[u8; 32] {
        &self.chain_key
    }

    /// The public key group messages of this chain are signed with.
    #[must_use]
    pub fn signing_key(&self) -> &PublicKey {
        &self.signing_key
    }

    /// The whole message as sent (it contains the chain key: a secret).
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

impl fmt::Debug for ClassicSenderKeyDistributionMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassicSenderKeyDistributionMessage")
            .field("chain_id", &self.chain_id)
            .field("iteration", &self.iteration)
            .field("signing_key", &self.signing_key)
            .finish_non_exhaustive()
    }
}

/// A classic `SenderKeyMessage`: `0x33 ‖ protobuf{1 id, 2 iteration,
/// 3 ciphertext} ‖ signature(64)`, the XEdDSA signature covering the version
/// byte and the protobuf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicSenderKeyMessage {
    chain_id: u32,
    iteration: u32,
    ciphertext: Vec<u8>,
    serialized: Vec<u8>,
}

impl ClassicSenderKeyMessage {
    /// Parses a group message; the signature is checked when decrypting.
    ///
    /// # Errors
    /// [`MessageError`]: 65 bytes or fewer, version nibble other than 3, bad
    /// protobuf or a missing field.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() <= 1 + SIGNATURE_LEN {
            return Err(MessageError::CiphertextMessageTooShort(bytes.len()));
        }
        check_version(bytes[0])?;
        let body = &bytes[1..bytes.len() - SIGNATURE_LEN];
        let proto = ClassicSenderKeyMessageProto::decode(body)
            .map_err(|_| MessageError::InvalidProtobufEncoding)?;
        let (Some(chain_id), Some(iteration), Some(ciphertext)) =
            (proto.id, proto.iteration, proto.ciphertext)
        else {
            return Err(MessageError::InvalidProtobufEncoding);
        };
        Ok(Self {
            chain_id,
            iteration,
            ciphertext,
            serialized: bytes.to_vec(),
        })
    }

    fn new<R: CryptoRng + ?Sized>(
        chain_id: u32,
        iteration: u32,
        ciphertext: Vec<u8>,
        signing_key: &PrivateKey,
        rng: &mut R,
    ) -> Self {
        let proto = ClassicSenderKeyMessageProto {
            id: Some(chain_id),
            iteration: Some(iteration),
            ciphertext: Some(ciphertext),
        };
        let mut serialized = Vec::with_capacity(1 + proto.encoded_len() + SIGNATURE_LEN);
        serialized.push(CLASSIC_VERSION_BYTE);
        let _ = proto.encode(&mut serialized);
        let signature = signing_key.calculate_signature(&serialized, rng);
        serialized.extend_from_slice(&signature);
        Self {
            chain_id,
            iteration,
            ciphertext: proto.ciphertext.clone().unwrap_or_default(),
            serialized,
        }
    }

    /// Whether the signature verifies under `signing_key`.
    #[must_use]
    pub fn verify_signature(&self, signing_key: &PublicKey) -> bool {
        let (signed, signature) = self
            .serialized
            .split_at(self.serialized.len() - SIGNATURE_LEN);
        signing_key.verify_signature(signed, signature)
    }

    /// The chain ID: picks the state in the record.
    #[must_use]
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The message's iteration in its chain.
    #[must_use]
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// The AES-256-CBC ciphertext.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The 64-byte signature.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.serialized[self.serialized.len() - SIGNATURE_LEN..]
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

/// A classic group operation failed; the record is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassicGroupError {
    /// Encrypting with an empty record: create a distribution message first.
    #[error("no sender key state")]
    NoSenderKeyState,
    /// Encrypting with a record whose newest state is someone else's (no
    /// private signing key).
    #[error("the newest sender key state is not ours")]
    NotOurSenderKey,
    /// No state has the message's chain ID: its distribution message has not
    /// been processed (or the chain was dropped).
    #[error("no sender key state for chain ID {0}")]
    UnknownChain(u32),
    /// The signature does not verify under the chain's signing key.
    #[error("invalid signature detected")]
    SignatureValidationFailed,
    /// The iteration was already decrypted, or its key was evicted. Drop the
    /// message silently.
    #[error("message with old counter {current} / {received}")]
    DuplicatedMessage {
        /// The chain's next iteration.
        current: u32,
        /// The message's iteration.
        received: u32,
    },
    /// The iteration is more than 2 000 ahead of the chain.
    #[error("message from too far into the future ({received}, chain at {current})")]
    TooFarInFuture {
        /// The chain's next iteration.
        current: u32,
        /// The message's iteration.
        received: u32,
    },
    /// The ciphertext is not valid AES-256-CBC with PKCS#7 padding.
    #[error("decryption failed: {0}")]
    DecryptionFailed(CipherError),
    /// The 32-bit iteration counter is exhausted.
    #[error("sender chain is too long")]
    ChainExhausted,
}

/// A classic sender-key record: up to five chains, newest first.
#[derive(Clone, Default)]
pub struct ClassicSenderKeyRecord {
    inner: SenderKeyRecord,
}

impl ClassicSenderKeyRecord {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the record holds no chain.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The chain IDs, newest first.
    #[must_use]
    pub fn chain_ids(&self) -> Vec<u32> {
        self.inner.chain_ids()
    }

    /// Our distribution message for this group. An empty record first gets a
    /// new sender key (a random chain ID below 2³¹ − 1, a random chain key, a
    /// new signing key pair); the message carries the newest chain's
    /// *current* iteration and chain key. Send it over 1:1 sessions, then
    /// store the record.
    pub fn create_distribution_message<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
    ) -> Result<ClassicSenderKeyDistributionMessage, ClassicGroupError> {
        if self.inner.is_empty() {
            let chain_id = (rng.next_u32() & 0x7FFF_FFFF) % 0x7FFF_FFFF;
            let mut chain_key = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(&mut chain_key[..]);
            let signing = KeyPair::generate(rng);
            self.inner.add_state(NewState {
                message_version: u32::from(CLASSIC_VERSION),
                chain_id,
                chain_key: ChainKey::new(*chain_key, 0),
                signing_public: signing.public_key,
                signing_private: Some(signing.private_key),
            });
        }
        let state = self
            .inner
            .states
            .front()
            .ok_or(ClassicGroupError::NoSenderKeyState)?;
        Ok(ClassicSenderKeyDistributionMessage::new(
            state.chain_id,
            state.chain_key.index(),
            state.chain_key.as_bytes(),
            state.signing_public,
        ))
    }

    /// Takes in a member's distribution message: its chain becomes the
    /// newest state; at most five are kept. A chain the record already has
    /// (same ID and signing key) is kept as it is, so a repeated or late
    /// distribution message cannot roll it back (libsignal-protocol-c would
    /// add a second copy). Check first that the message came from that member
    /// over an authenticated 1:1 session.
    pub fn process_distribution_message(&mut self, message: &ClassicSenderKeyDistributionMessage) {
        self.inner.add_state(NewState {
            message_version: u32::from(CLASSIC_VERSION),
            chain_id: message.chain_id(),
            chain_key: ChainKey::new(*message.chain_key(), message.iteration()),
            signing_public: *message.signing_key(),
            signing_private: None,
        });
    }

    /// Encrypts for the group with our newest chain and signs the message
    /// (64 random bytes from `rng`). Store the record afterwards.
    ///
    /// # Errors
    /// [`ClassicGroupError::NoSenderKeyState`], [`ClassicGroupError::NotOurSenderKey`],
    /// [`ClassicGroupError::ChainExhausted`]; the record is unchanged.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<ClassicSenderKeyMessage, ClassicGroupError> {
        let state = self
            .inner
            .states
            .front_mut()
            .ok_or(ClassicGroupError::NoSenderKeyState)?;
        let signing_key = state
            .signing_private
            .as_ref()
            .ok_or(ClassicGroupError::NotOurSenderKey)?;
        let iteration = state.chain_key.index();
        let next = state
            .chain_key
            .next()
            .ok_or(ClassicGroupError::ChainExhausted)?;
        let keys = SenderMessageKeys::derive(&state.chain_key.seed());
        let ciphertext = aes256_cbc_encrypt(&keys.cipher_key, &keys.iv, plaintext);
        let message =
            ClassicSenderKeyMessage::new(state.chain_id, iteration, ciphertext, signing_key, rng);
        state.chain_key = next;
        Ok(message)
    }

    /// Decrypts a member's group message: the chain by ID, then the
    /// signature, then the key (at most 2 000 ahead; skipped keys stored, the
    /// oldest evicted above 2 000).
    ///
    /// # Errors
    /// [`ClassicGroupError`]; the record is unchanged.
    pub fn decrypt(
        &mut self,
        message: &ClassicSenderKeyMessage,
    ) -> Result<Vec<u8>, ClassicGroupError> {
        let index = self
            .inner
            .state_index(message.chain_id())
            .ok_or(ClassicGroupError::UnknownChain(message.chain_id()))?;
        let state = &mut self.inner.states[index];
        if !message.verify_signature(&state.signing_public) {
            return Err(ClassicGroupError::SignatureValidationFailed);
        }
        let current = state.chain_key.index();
        let received = message.iteration();
        if received.saturating_sub(current) > CLASSIC_MAX_FORWARD_JUMPS {
            return Err(ClassicGroupError::TooFarInFuture { current, received });
        }
        let consumed = state.consume(received).map_err(|e| match e {
            ConsumeError::Duplicate { current, received } => {
                ClassicGroupError::DuplicatedMessage { current, received }
            }
            ConsumeError::TooFarInFuture { current, received } => {
                ClassicGroupError::TooFarInFuture { current, received }
            }
            ConsumeError::ChainExhausted => ClassicGroupError::ChainExhausted,
        })?;
        let keys = SenderMessageKeys::derive(consumed.seed());
        let plaintext = aes256_cbc_decrypt(&keys.cipher_key, &keys.iv, message.body())
            .map_err(ClassicGroupError::DecryptionFailed)?;
        state.apply(consumed);
        Ok(plaintext)
    }

    /// hush's versioned state form (kind 8; the payload is the
    /// libsignal-protocol-c layout).
    #[must_use]
    pub fn to_state(&self) -> Zeroizing<Vec<u8>> {
        wrap(StateKind::ClassicSenderKeyRecord, &self.to_lspc())
    }

    /// Loads [`Self::to_state`]'s form.
    ///
    /// # Errors
    /// [`StateError`] for a bad header or payload.
    pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
        Self::from_lspc(unwrap(StateKind::ClassicSenderKeyRecord, bytes)?)
    }

    /// The record as libsignal-protocol-c stores it
    /// (`SenderKeyRecordStructure`).
    #[must_use]
    pub fn to_lspc(&self) -> Zeroizing<Vec<u8>> {
        let record = LspcSenderKeyRecord {
            sender_key_states: self.inner.states.iter().map(encode_state).collect(),
        };
        Zeroizing::new(record.encode_to_vec())
    }

    /// Imports a libsignal-protocol-c (or python-axolotl) sender-key record.
    /// At most five states and 2 000 stored keys per state; every key length
    /// is checked, and a private signing key must match its public key.
    ///
    /// # Errors
    /// [`StateError::Invalid`] naming the part that is wrong.
    pub fn from_lspc(bytes: &[u8]) -> Result<Self, StateError> {
        let record = LspcSenderKeyRecord::decode(bytes)
            .map_err(|_| StateError::Invalid("sender key record protobuf"))?;
        if record.sender_key_states.len() > MAX_SENDER_KEY_STATES {
            return Err(StateError::Invalid("too many sender key states"));
        }
        let states = record
            .sender_key_states
            .iter()
            .map(decode_state)
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(Self {
            inner: SenderKeyRecord { states },
        })
    }
}

impl fmt::Debug for ClassicSenderKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassicSenderKeyRecord")
            .field("states", &self.inner.states)
            .finish()
    }
}

fn encode_state(state: &SenderKeyState) -> LspcSenderKeyState {
    LspcSenderKeyState {
        sender_key_id: Some(state.chain_id),
        sender_chain_key: Some(LspcSenderChainKey {
            iteration: Some(state.chain_key.index()),
            seed: Some(state.chain_key.as_bytes().to_vec()),
        }),
        sender_signing_key: Some(LspcSenderSigningKey {
            public: Some(state.signing_public.serialize().to_vec()),
            private: state
                .signing_private
                .as_ref()
                .map(|k| k.serialize().to_vec()),
        }),
        sender_message_keys: state
            .skipped
            .iter()
            .map(|(iteration, seed)| LspcSenderMessageKey {
                iteration: Some(iteration),
                seed: Some(seed.to_vec()),
            })
            .collect(),
    }
}

fn decode_state(s: &LspcSenderKeyState) -> Result<SenderKeyState, StateError> {
    let chain = s
        .sender_chain_key
        .as_ref()
        .ok_or(StateError::Invalid("sender chain key"))?;
    let signing = s
        .sender_signing_key
        .as_ref()
        .ok_or(StateError::Invalid("sender signing key"))?;
    let public = match signing.public.as_deref() {
        Some(b) if b.len() == EC_PUBLIC_KEY_LEN => PublicKey::deserialize(b)
            .map_err(|_| StateError::Invalid("sender signing public key"))?,
        _ => return Err(StateError::Invalid("sender signing public key")),
    };
    let private = match signing.private.as_deref() {
        None => None,
        Some(b) => {
            let key = PrivateKey::deserialize(b)
                .map_err(|_| StateError::Invalid("sender signing private key"))?;
            if key.public_key() != public {
                return Err(StateError::Invalid("sender signing key pair mismatch"));
            }
            Some(key)
        }
    };
    if s.sender_message_keys.len() > MAX_MESSAGE_KEYS {
        return Err(StateError::Invalid("too many sender message keys"));
    }
    let chain_key = ChainKey::new(
        key32(chain.seed.as_deref(), "sender chain key")?,
        chain.iteration.unwrap_or(0),
    );
    let mut skipped = SkippedKeyStore::with_capacity(s.sender_message_keys.len());
    for k in &s.sender_message_keys {
        let iteration = k.iteration.unwrap_or(0);
        if iteration >= chain_key.index() || skipped.position(iteration).is_some() {
            return Err(StateError::Invalid("sender message key iteration"));
        }
        let seed = Zeroizing::new(key32(k.seed.as_deref(), "sender message key")?);
        skipped.push(iteration, &seed);
    }
    Ok(SenderKeyState {
        message_version: u32::from(CLASSIC_VERSION),
        chain_id: s.sender_key_id.unwrap_or(0),
        chain_key,
        signing_public: public,
        signing_private: private,
        skipped,
    })
}

fn key32(bytes: Option<&[u8]>, what: &'static str) -> Result<[u8; 32], StateError> {
    bytes
        .and_then(|b| b.try_into().ok())
        .ok_or(StateError::Invalid(what))
}
