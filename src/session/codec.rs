//! Session records in hush's versioned state format: a header (see
//! [`crate::state`]) and libsignal's `RecordStructure` layout.

use std::collections::VecDeque;
use std::mem::take;

use prost::Message;
use zeroize::Zeroizing;

use super::{SessionRecord, ARCHIVED_STATES_MAX_LENGTH};
use crate::keys::{
    IdentityKey, KeyPair, KyberPreKeyId, PreKeyId, PrivateKey, PublicKey, SignedPreKeyId,
};
use crate::proto::{
    ChainKeyStructure, ChainStructure, MessageKeyStructure, PendingKyberPreKeyStructure,
    PendingPreKeyStructure, RecordStructure, SessionStructure,
};
use crate::ratchet::chains::{
    ReceiverChain, SenderChain, SkippedKey, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS,
};
use crate::ratchet::keys::{ChainKey, MessageKeySeed, RootKey};
use crate::ratchet::pq::SpqrState;
use crate::ratchet::state::{PendingPreKey, SessionState};
use crate::state::{unwrap, wrap, StateError, StateKind};

type Invalid = StateError;

impl SessionRecord {
    /// The record in hush's versioned state format, in a buffer that
    /// zeroizes on drop.
    #[must_use]
    pub fn to_state(&self) -> Zeroizing<Vec<u8>> {
        let record = RecordStructure {
            current_session: self.current.as_ref().map(encode_state),
            previous_sessions: self
                .previous
                .iter()
                .map(|s| encode_state(s).encode_to_vec())
                .collect(),
        };
        let payload = Zeroizing::new(record.encode_to_vec());
        wrap(StateKind::SessionRecord, &payload)
    }

    /// Loads a record written by [`SessionRecord::to_state`]. Every key,
    /// length and count is checked, so a record that loads is usable.
    ///
    /// # Errors
    /// [`StateError`] naming what is wrong.
    pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
        let payload = unwrap(StateKind::SessionRecord, bytes)?;
        let mut record = RecordStructure::decode(payload)
            .map_err(|_| Invalid::Invalid("session record protobuf"))?;
        if record.previous_sessions.len() > ARCHIVED_STATES_MAX_LENGTH {
            return Err(Invalid::Invalid("too many archived states"));
        }
        let current = record
            .current_session
            .take()
            .map(decode_state)
            .transpose()?;
        let previous = record
            .previous_sessions
            .iter()
            .map(|bytes| {
                let structure = SessionStructure::decode(bytes.as_slice())
                    .map_err(|_| Invalid::Invalid("archived state protobuf"))?;
                decode_state(structure)
            })
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(Self { current, previous })
    }
}

fn encode_state(state: &SessionState) -> SessionStructure {
    let pending = state.pending_pre_key.as_ref();
    SessionStructure {
        session_version: u32::from(state.version),
        local_identity_public: state.local_identity.serialize().to_vec(),
        remote_identity_public: state.remote_identity.serialize().to_vec(),
        root_key: state.root_key.as_bytes().to_vec(),
        previous_counter: state.previous_counter,
        sender_chain: state.sender_chain.as_ref().map(|c| ChainStructure {
            sender_ratchet_key: c.ratchet_key.public_key.serialize().to_vec(),
            sender_ratchet_key_private: c.ratchet_key.private_key.serialize().to_vec(),
            chain_key: Some(encode_chain_key(&c.chain_key)),
            message_keys: Vec::new(),
        }),
        receiver_chains: state
            .receiver_chains
            .iter()
            .map(|c| ChainStructure {
                sender_ratchet_key: c.ratchet_key.serialize().to_vec(),
                sender_ratchet_key_private: Vec::new(),
                chain_key: Some(encode_chain_key(&c.chain_key)),
                message_keys: c
                    .skipped
                    .iter()
                    .map(|k| MessageKeyStructure {
                        index: k.index,
                        seed: k.seed.0.to_vec(),
                    })
                    .collect(),
            })
            .collect(),
        pending_pre_key: pending.map(|p| PendingPreKeyStructure {
            pre_key_id: p.pre_key_id.map(|id| id.0),
            base_key: p.base_key.serialize().to_vec(),
            // libsignal stores the u32 reinterpreted as i32.
            signed_pre_key_id: p.signed_pre_key_id.0 as i32,
            timestamp: p.timestamp_seconds,
        }),
        remote_registration_id: state.remote_registration_id,
        local_registration_id: state.local_registration_id,
        alice_base_key: state.alice_base_key.serialize().to_vec(),
        pending_kyber_pre_key: pending.map(|p| PendingKyberPreKeyStructure {
            pre_key_id: p.kyber_pre_key_id.0,
            ciphertext: p.kyber_ciphertext.clone(),
        }),
        pq_ratchet_state: state.pq.serialize(),
    }
}

fn encode_chain_key(key: &ChainKey) -> ChainKeyStructure {
    ChainKeyStructure {
        index: key.index(),
        key: key.as_bytes().to_vec(),
    }
}

fn decode_state(mut s: SessionStructure) -> Result<SessionState, StateError> {
    let version = match s.session_version {
        3 | 4 => s.session_version as u8,
        _ => return Err(Invalid::Invalid("unsupported session version")),
    };
    if s.receiver_chains.len() > MAX_RECEIVER_CHAINS {
        return Err(Invalid::Invalid("too many receiver chains"));
    }
    let sender_chain = s
        .sender_chain
        .as_mut()
        .map(decode_sender_chain)
        .transpose()?;
    let receiver_chains = s
        .receiver_chains
        .iter_mut()
        .map(decode_receiver_chain)
        .collect::<Result<Vec<_>, _>>()?;
    let pending_pre_key = match (s.pending_pre_key.as_ref(), s.pending_kyber_pre_key.as_mut()) {
        (None, None) => None,
        (Some(p), Some(k)) => Some(PendingPreKey {
            pre_key_id: p.pre_key_id.map(PreKeyId),
            signed_pre_key_id: SignedPreKeyId(p.signed_pre_key_id as u32),
            base_key: public_key(&p.base_key, "pending base key")?,
            timestamp_seconds: p.timestamp,
            kyber_pre_key_id: KyberPreKeyId(k.pre_key_id),
            kyber_ciphertext: take(&mut k.ciphertext),
        }),
        _ => return Err(Invalid::Invalid("pending pre-key without Kyber data")),
    };
    Ok(SessionState {
        version,
        local_identity: IdentityKey::new(public_key(&s.local_identity_public, "local identity")?),
        remote_identity: IdentityKey::new(public_key(
            &s.remote_identity_public,
            "remote identity",
        )?),
        root_key: RootKey::new(key32(&s.root_key, "root key")?),
        previous_counter: s.previous_counter,
        sender_chain,
        receiver_chains,
        pending_pre_key,
        remote_registration_id: s.remote_registration_id,
        local_registration_id: s.local_registration_id,
        alice_base_key: public_key(&s.alice_base_key, "base key")?,
        pq: SpqrState::deserialize(&s.pq_ratchet_state)
            .map_err(|_| Invalid::Invalid("SPQR state"))?,
    })
}

fn decode_sender_chain(c: &mut ChainStructure) -> Result<SenderChain, StateError> {
    let public = public_key(&c.sender_ratchet_key, "sender ratchet key")?;
    // Not cross-checked against the public key: records may be loaded for
    // every message, and the check would cost a scalar multiplication.
    let private = PrivateKey::deserialize(&c.sender_ratchet_key_private)
        .map_err(|_| Invalid::Invalid("sender ratchet private key"))?;
    Ok(SenderChain {
        ratchet_key: KeyPair {
            public_key: public,
            private_key: private,
        },
        chain_key: chain_key(c)?,
    })
}

fn decode_receiver_chain(c: &mut ChainStructure) -> Result<ReceiverChain, StateError> {
    if c.message_keys.len() > MAX_MESSAGE_KEYS {
        return Err(Invalid::Invalid("too many skipped message keys"));
    }
    let mut chain = ReceiverChain::new(
        public_key(&c.sender_ratchet_key, "receiver ratchet key")?,
        chain_key(c)?,
    );
    let mut previous_index = None;
    for key in &c.message_keys {
        // Newest first: indices strictly decrease and stay below the chain.
        let in_order =
            previous_index.is_none_or(|p| key.index < p) && key.index < chain.chain_key.index();
        if !in_order {
            return Err(Invalid::Invalid("skipped message keys out of order"));
        }
        previous_index = Some(key.index);
        chain.skipped.push_back(SkippedKey {
            index: key.index,
            seed: MessageKeySeed(key32(&key.seed, "skipped key seed")?),
        });
    }
    Ok(chain)
}

fn chain_key(c: &ChainStructure) -> Result<ChainKey, StateError> {
    let structure = c
        .chain_key
        .as_ref()
        .ok_or(Invalid::Invalid("missing chain key"))?;
    Ok(ChainKey::new(
        key32(&structure.key, "chain key")?,
        structure.index,
    ))
}

fn public_key(bytes: &[u8], what: &'static str) -> Result<PublicKey, StateError> {
    PublicKey::deserialize(bytes).map_err(|_| Invalid::Invalid(what))
}

fn key32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], StateError> {
    bytes.try_into().map_err(|_| Invalid::Invalid(what))
}
