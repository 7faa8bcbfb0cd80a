//! Classic session records in two stored forms sharing one layout
//! (libsignal-protocol-c's `RecordStructure`, classic-v3.md §7):
//!
//! * hush's versioned state ([`StateKind::ClassicSessionRecord`]): skipped
//!   keys as seeds (field 5), the pending pre-key's timestamp (field 4);
//! * libsignal-protocol-c's own bytes ([`ClassicSessionRecord::to_lspc`],
//!   [`ClassicSessionRecord::from_lspc`]): skipped keys in the derived form,
//!   no timestamp, and an "empty" current state after an archive.

use std::collections::VecDeque;

use prost::Message;
use zeroize::Zeroizing;

use super::proto::{
    LspcChain, LspcChainKey, LspcMessageKey, LspcPendingPreKey, LspcRecord, LspcSession,
};
use super::session::ClassicSessionRecord;
use super::state::{ClassicState, LegacyKey};
use super::{
    CLASSIC_ARCHIVED_STATES_MAX, CLASSIC_MAX_MESSAGE_KEYS, CLASSIC_MAX_RECEIVER_CHAINS,
    CLASSIC_VERSION,
};
use crate::keys::{
    IdentityKey, KeyPair, KyberPreKeyId, PreKeyId, PrivateKey, PublicKey, SignedPreKeyId, Timestamp,
};
use crate::ratchet::chains::{ReceiverChain, SenderChain, SkippedKey};
use crate::ratchet::keys::{ChainKey, MessageKeySeed, MessageKeys, RootKey};
use crate::ratchet::pq::SpqrState;
use crate::ratchet::state::{PendingPreKey, SessionState};
use crate::state::{unwrap, wrap, StateError, StateKind};

/// Which of the two stored forms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Hush,
    Lspc,
}

impl ClassicSessionRecord {
    /// The record in hush's versioned state format (kind 7), in a buffer
    /// that zeroizes on drop.
    #[must_use]
    pub fn to_state(&self) -> Zeroizing<Vec<u8>> {
        let payload = Zeroizing::new(self.encode(Form::Hush).encode_to_vec());
        wrap(StateKind::ClassicSessionRecord, &payload)
    }

    /// Loads a record written by [`Self::to_state`]. Every key, length and
    /// count is checked.
    ///
    /// # Errors
    /// [`StateError`] naming what is wrong (a version-4 record is
    /// [`StateError::WrongKind`]).
    pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
        let payload = unwrap(StateKind::ClassicSessionRecord, bytes)?;
        Self::decode(payload, Form::Hush, None)
    }

    /// The record as libsignal-protocol-c stores it (`RecordStructure`,
    /// proto2 as protobuf-c writes it), so that the session can move back:
    /// skipped keys in the derived form, no pending timestamp, and the empty
    /// current state libsignal-protocol-c writes when there is none.
    #[must_use]
    pub fn to_lspc(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.encode(Form::Lspc).encode_to_vec())
    }

    /// Imports a session record written by libsignal-protocol-c (or
    /// libomemo-c, or python-axolotl: same layout). The empty state it
    /// writes after an archive (version 2, no keys) is read as "no state";
    /// skipped keys in the derived form are kept as such; an unacknowledged
    /// session gets `now` as its pending timestamp (libsignal-protocol-c
    /// stores none). Seed-form skipped keys and a timestamp, as libsignal
    /// writes them, are accepted too. Every key, length and count is
    /// checked; more skipped keys than 2 000 on a chain (python-axolotl
    /// never trims) keep the newest 2 000.
    ///
    /// # Errors
    /// [`StateError::Invalid`] naming the part that is wrong.
    pub fn from_lspc(bytes: &[u8], now: Timestamp) -> Result<Self, StateError> {
        Self::decode(bytes, Form::Lspc, Some(now))
    }

    fn encode(&self, form: Form) -> LspcRecord {
        let current = match (&self.current, form) {
            (Some(state), _) => Some(encode_state(state, form)),
            (None, Form::Lspc) => Some(empty_state()),
            (None, Form::Hush) => None,
        };
        LspcRecord {
            current_session: current,
            previous_sessions: self
                .previous
                .iter()
                .map(|s| encode_state(s, form))
                .collect(),
        }
    }

    fn decode(bytes: &[u8], form: Form, now: Option<Timestamp>) -> Result<Self, StateError> {
        let mut record = LspcRecord::decode(bytes)
            .map_err(|_| StateError::Invalid("classic session record protobuf"))?;
        if record.previous_sessions.len() > CLASSIC_ARCHIVED_STATES_MAX + 1 {
            return Err(StateError::Invalid("too many archived states"));
        }
        let current = match record.current_session.as_mut() {
            Some(s) => decode_state(s, form, now)?,
            None => None,
        };
        let mut previous = VecDeque::new();
        for s in &mut record.previous_sessions {
            if let Some(state) = decode_state(s, form, now)? {
                previous.push_back(state);
            }
        }
        if previous.len() > CLASSIC_ARCHIVED_STATES_MAX {
            return Err(StateError::Invalid("too many archived states"));
        }
        Ok(Self { current, previous })
    }
}

/// libsignal-protocol-c's empty state: version 2, zero counters and
/// registration IDs, `needsRefresh` false (classic-v3.md §7.2).
fn empty_state() -> LspcSession {
    LspcSession {
        session_version: Some(2),
        local_identity_public: None,
        remote_identity_public: None,
        root_key: None,
        previous_counter: Some(0),
        sender_chain: None,
        receiver_chains: Vec::new(),
        pending_pre_key: None,
        remote_registration_id: Some(0),
        local_registration_id: Some(0),
        needs_refresh: Some(false),
        alice_base_key: None,
    }
}

fn encode_state(state: &ClassicState, form: Form) -> LspcSession {
    let s = &state.ratchet;
    LspcSession {
        session_version: Some(u32::from(CLASSIC_VERSION)),
        local_identity_public: Some(s.local_identity.serialize().to_vec()),
        remote_identity_public: Some(s.remote_identity.serialize().to_vec()),
        root_key: Some(s.root_key.as_bytes().to_vec()),
        previous_counter: Some(s.previous_counter),
        sender_chain: s.sender_chain.as_ref().map(|c| LspcChain {
            sender_ratchet_key: Some(c.ratchet_key.public_key.serialize().to_vec()),
            sender_ratchet_key_private: Some(c.ratchet_key.private_key.serialize().to_vec()),
            chain_key: Some(encode_chain_key(&c.chain_key)),
            message_keys: Vec::new(),
        }),
        receiver_chains: s
            .receiver_chains
            .iter()
            .map(|c| encode_receiver_chain(c, &state.legacy, form))
            .collect(),
        pending_pre_key: s.pending_pre_key.as_ref().map(|p| LspcPendingPreKey {
            pre_key_id: p.pre_key_id.map(|id| id.0),
            base_key: Some(p.base_key.serialize().to_vec()),
            // Stored as int32, the u32 reinterpreted.
            signed_pre_key_id: Some(p.signed_pre_key_id.0 as i32),
            timestamp: (form == Form::Hush).then_some(p.timestamp_seconds),
        }),
        remote_registration_id: Some(s.remote_registration_id),
        local_registration_id: Some(s.local_registration_id),
        needs_refresh: Some(false),
        alice_base_key: Some(s.alice_base_key.serialize().to_vec()),
    }
}

fn encode_chain_key(key: &ChainKey) -> LspcChainKey {
    LspcChainKey {
        index: Some(key.index()),
        key: Some(key.as_bytes().to_vec()),
    }
}

/// Skipped keys oldest first, as libsignal-protocol-c keeps them: the
/// imported derived-form keys, then the seeds (stored newest first).
fn encode_receiver_chain(chain: &ReceiverChain, legacy: &[LegacyKey], form: Form) -> LspcChain {
    let mut message_keys: Vec<LspcMessageKey> = legacy
        .iter()
        .filter(|k| k.ratchet_key == chain.ratchet_key)
        .map(|k| LspcMessageKey {
            index: Some(k.index),
            cipher_key: Some(k.cipher_key.to_vec()),
            mac_key: Some(k.mac_key.to_vec()),
            iv: Some(k.iv.to_vec()),
            seed: None,
        })
        .collect();
    // The store is oldest first, which is the order on the wire here.
    message_keys.extend(chain.skipped.iter().map(|(index, seed)| match form {
        Form::Hush => LspcMessageKey {
            index: Some(index),
            cipher_key: None,
            mac_key: None,
            iv: None,
            seed: Some(seed.to_vec()),
        },
        Form::Lspc => {
            let keys = MessageKeys::derive(&MessageKeySeed(*seed), None);
            LspcMessageKey {
                index: Some(index),
                cipher_key: Some(keys.cipher_key.to_vec()),
                mac_key: Some(keys.mac_key.to_vec()),
                iv: Some(keys.iv.to_vec()),
                seed: None,
            }
        }
    }));
    LspcChain {
        sender_ratchet_key: Some(chain.ratchet_key.serialize().to_vec()),
        sender_ratchet_key_private: None,
        chain_key: Some(encode_chain_key(&chain.chain_key)),
        message_keys,
    }
}

/// `None` for libsignal-protocol-c's empty state.
fn decode_state(
    s: &mut LspcSession,
    form: Form,
    now: Option<Timestamp>,
) -> Result<Option<ClassicState>, StateError> {
    let version = s.session_version.unwrap_or(0);
    let is_empty = s.root_key.is_none()
        && s.sender_chain.is_none()
        && s.receiver_chains.is_empty()
        && s.pending_pre_key.is_none();
    if version != u32::from(CLASSIC_VERSION) {
        if is_empty && form == Form::Lspc {
            return Ok(None);
        }
        return Err(StateError::Invalid("unsupported session version"));
    }
    if s.receiver_chains.len() > CLASSIC_MAX_RECEIVER_CHAINS {
        return Err(StateError::Invalid("too many receiver chains"));
    }
    let sender_chain = s
        .sender_chain
        .as_ref()
        .map(|c| decode_sender_chain(c, form))
        .transpose()?;
    let mut legacy = Vec::new();
    let mut receiver_chains = Vec::with_capacity(s.receiver_chains.len());
    for chain in &s.receiver_chains {
        receiver_chains.push(decode_receiver_chain(chain, form, &mut legacy)?);
    }
    let mut seen = Vec::with_capacity(receiver_chains.len());
    for chain in &receiver_chains {
        if seen.contains(&chain.ratchet_key) {
            return Err(StateError::Invalid(
                "two receiver chains with one ratchet key",
            ));
        }
        seen.push(chain.ratchet_key);
    }
    let pending_pre_key = match s.pending_pre_key.as_ref() {
        None => None,
        Some(p) => {
            let timestamp_seconds = match (p.timestamp, form, now) {
                (Some(t), _, _) => t,
                (None, Form::Lspc, Some(now)) => now.as_millis() / 1000,
                (None, _, _) => return Err(StateError::Invalid("pending pre-key timestamp")),
            };
            Some(PendingPreKey {
                pre_key_id: p.pre_key_id.map(PreKeyId),
                signed_pre_key_id: SignedPreKeyId(
                    p.signed_pre_key_id
                        .ok_or(StateError::Invalid("pending signed pre-key id"))?
                        as u32,
                ),
                base_key: public_key(p.base_key.as_deref(), "pending base key")?,
                timestamp_seconds,
                kyber_pre_key_id: KyberPreKeyId(0),
                kyber_ciphertext: Vec::new(),
            })
        }
    };
    let ratchet = SessionState {
        version: CLASSIC_VERSION,
        local_identity: IdentityKey::new(public_key(
            s.local_identity_public.as_deref(),
            "local identity",
        )?),
        remote_identity: IdentityKey::new(public_key(
            s.remote_identity_public.as_deref(),
            "remote identity",
        )?),
        root_key: RootKey::new(key32(s.root_key.as_deref(), "root key")?),
        previous_counter: s.previous_counter.unwrap_or(0),
        sender_chain,
        receiver_chains,
        pending_pre_key,
        remote_registration_id: s.remote_registration_id.unwrap_or(0),
        local_registration_id: s.local_registration_id.unwrap_or(0),
        alice_base_key: public_key(s.alice_base_key.as_deref(), "base key")?,
        pq: SpqrState::empty(),
    };
    let mut state = ClassicState { ratchet, legacy };
    state.trim_legacy();
    Ok(Some(state))
}

fn decode_sender_chain(c: &LspcChain, form: Form) -> Result<SenderChain, StateError> {
    let public = public_key(c.sender_ratchet_key.as_deref(), "sender ratchet key")?;
    let private = PrivateKey::deserialize(c.sender_ratchet_key_private.as_deref().unwrap_or(&[]))
        .map_err(|_| StateError::Invalid("sender ratchet private key"))?;
    // An imported record is checked once; hush's own form is trusted (it
    // may be loaded for every message and the check costs a scalar
    // multiplication).
    if form == Form::Lspc && private.public_key() != public {
        return Err(StateError::Invalid("sender ratchet key pair mismatch"));
    }
    Ok(SenderChain {
        ratchet_key: KeyPair {
            public_key: public,
            private_key: private,
        },
        chain_key: chain_key(c)?,
    })
}

fn decode_receiver_chain(
    c: &LspcChain,
    form: Form,
    legacy: &mut Vec<LegacyKey>,
) -> Result<ReceiverChain, StateError> {
    let ratchet_key = public_key(c.sender_ratchet_key.as_deref(), "receiver ratchet key")?;
    let mut chain = ReceiverChain::new(ratchet_key, chain_key(c)?);
    let next = chain.chain_key.index();
    let mut seeds: Vec<SkippedKey> = Vec::new();
    let mut derived: Vec<LegacyKey> = Vec::new();
    if form == Form::Hush && c.message_keys.len() > CLASSIC_MAX_MESSAGE_KEYS {
        return Err(StateError::Invalid("too many skipped message keys"));
    }
    for key in &c.message_keys {
        let index = key
            .index
            .ok_or(StateError::Invalid("skipped key without index"))?;
        if index >= next {
            return Err(StateError::Invalid("skipped key at or above its chain"));
        }
        match (&key.seed, &key.cipher_key, &key.mac_key, &key.iv) {
            (Some(seed), None, None, None) => seeds.push(SkippedKey {
                index,
                seed: MessageKeySeed(key32(Some(seed), "skipped key seed")?),
            }),
            (None, Some(cipher), Some(mac), Some(iv)) => {
                let iv: [u8; 16] = iv
                    .as_slice()
                    .try_into()
                    .map_err(|_| StateError::Invalid("skipped key iv"))?;
                derived.push(LegacyKey {
                    ratchet_key,
                    index,
                    cipher_key: Box::new(key32(Some(cipher), "skipped cipher key")?),
                    mac_key: Box::new(key32(Some(mac), "skipped mac key")?),
                    iv: Box::new(iv),
                });
            }
            _ => return Err(StateError::Invalid("skipped key form")),
        }
    }
    seeds.sort_by_key(|k| k.index);
    derived.sort_by_key(|k| k.index);
    let mut indices: Vec<u32> = seeds
        .iter()
        .map(|k| k.index)
        .chain(derived.iter().map(|k| k.index))
        .collect();
    indices.sort_unstable();
    if indices.windows(2).any(|w| w[0] == w[1]) {
        return Err(StateError::Invalid("skipped key stored twice"));
    }
    // Keep the newest keys within the limit (seeds are newer than imported
    // derived keys, which only come from an import).
    let excess = indices.len().saturating_sub(CLASSIC_MAX_MESSAGE_KEYS);
    if excess > 0 {
        let cutoff = indices[excess];
        seeds.retain(|k| k.index >= cutoff);
        derived.retain(|k| k.index >= cutoff);
    }
    for key in &seeds {
        chain.skipped.push(key.index, &key.seed.0);
    }
    legacy.extend(derived);
    Ok(chain)
}

fn chain_key(c: &LspcChain) -> Result<ChainKey, StateError> {
    let structure = c
        .chain_key
        .as_ref()
        .ok_or(StateError::Invalid("missing chain key"))?;
    Ok(ChainKey::new(
        key32(structure.key.as_deref(), "chain key")?,
        structure.index.unwrap_or(0),
    ))
}

/// Exactly 33 bytes with type `0x05`, as libsignal-protocol-c requires.
fn public_key(bytes: Option<&[u8]>, what: &'static str) -> Result<PublicKey, StateError> {
    match bytes {
        Some(b) if b.len() == 33 => {
            PublicKey::deserialize(b).map_err(|_| StateError::Invalid(what))
        }
        _ => Err(StateError::Invalid(what)),
    }
}

fn key32(bytes: Option<&[u8]>, what: &'static str) -> Result<[u8; 32], StateError> {
    bytes
        .and_then(|b| b.try_into().ok())
        .ok_or(StateError::Invalid(what))
}
