//! `SenderKeyRecord`: the sender-key states of one (sender, distribution),
//! newest first, at most [`MAX_SENDER_KEY_STATES`] (sender-keys.md §6), and
//! its stored form: hush's state header (see [`crate::state`]) and
//! libsignal's `SenderKeyRecordStructure` layout.

use core::fmt;
use std::collections::VecDeque;
use std::mem::take;

use prost::Message;
use zeroize::Zeroizing;

use super::proto::{
    SenderChainKeyStructure, SenderKeyRecordStructure, SenderKeyStateStructure,
    SenderMessageKeyStructure, SenderSigningKeyStructure,
};
use super::state::SenderKeyState;
use super::{MAX_MESSAGE_KEYS, MAX_SENDER_KEY_STATES};
use crate::keys::{PrivateKey, PublicKey, EC_PUBLIC_KEY_LEN};
use crate::ratchet::keys::ChainKey;
use crate::skipped_keys::SkippedKeyStore;
use crate::state::{unwrap, wrap, StateError, StateKind};

/// The sender keys of one sender device for one distribution: what
/// [`super::group_decrypt`] needs for that sender's messages, or, for our own
/// address, what [`super::group_encrypt`] sends with.
///
/// The application keeps one record per (sender address, distribution ID),
/// starting from [`SenderKeyRecord::new`] (an empty record is what libsignal
/// calls "no record"), and stores [`SenderKeyRecord::to_state`] after every
/// successful operation. A failed operation leaves the record unchanged.
#[derive(Clone, Default)]
pub struct SenderKeyRecord {
    /// Newest first; encryption uses the front.
    pub(crate) states: VecDeque<SenderKeyState>,
}

/// The inputs of `add_state` (sender-keys.md §6.3).
pub(crate) struct NewState {
    pub(crate) message_version: u32,
    pub(crate) chain_id: u32,
    pub(crate) chain_key: ChainKey,
    pub(crate) signing_public: PublicKey,
    pub(crate) signing_private: Option<PrivateKey>,
}

impl SenderKeyRecord {
    /// An empty record: no sender key yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the record holds no state.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// How many chains the record holds (at most 5).
    #[must_use]
    pub fn state_count(&self) -> usize {
        self.states.len()
    }

    /// The chain IDs of the states, newest first.
    #[must_use]
    pub fn chain_ids(&self) -> Vec<u32> {
        self.states.iter().map(|s| s.chain_id).collect()
    }

    /// The first state with this chain ID.
    pub(crate) fn state_index(&self, chain_id: u32) -> Option<usize> {
        self.states.iter().position(|s| s.chain_id == chain_id)
    }

    /// Adds a chain at the front (sender-keys.md §6.3): a state with the same
    /// chain ID and signing key is kept as it is (with its chain key and
    /// stored seeds) and moved to the front; other states with that chain
    /// ID are dropped; the oldest states go beyond five.
    pub(crate) fn add_state(&mut self, new: NewState) {
        let same = self
            .states
            .iter()
            .position(|s| s.chain_id == new.chain_id && s.signing_public == new.signing_public);
        let existing = same.and_then(|i| self.states.remove(i));
        self.states.retain(|s| s.chain_id != new.chain_id);
        let state = existing.unwrap_or_else(|| SenderKeyState {
            message_version: new.message_version,
            chain_id: new.chain_id,
            chain_key: new.chain_key,
            signing_public: new.signing_public,
            signing_private: new.signing_private,
            skipped: SkippedKeyStore::default(),
        });
        self.states.truncate(MAX_SENDER_KEY_STATES - 1);
        self.states.push_front(state);
    }

    /// The record in hush's versioned state format, in a buffer that
    /// zeroizes on drop. The same record always gives the same bytes.
    #[must_use]
    pub fn to_state(&self) -> Zeroizing<Vec<u8>> {
        let record = SenderKeyRecordStructure {
            sender_key_states: self.states.iter().map(encode_state).collect(),
        };
        let payload = Zeroizing::new(record.encode_to_vec());
        wrap(StateKind::SenderKeyRecord, &payload)
    }

    /// Loads a record written by [`SenderKeyRecord::to_state`]. Every key,
    /// length and count is checked, so a record that loads is usable: at
    /// most 5 states and 2000 stored seeds per state, a 32-byte chain key,
    /// a 33-byte public signing key, a private signing key (if any) that
    /// belongs to it, 32-byte seeds.
    ///
    /// # Errors
    /// [`StateError`] naming what is wrong.
    pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
        let payload = unwrap(StateKind::SenderKeyRecord, bytes)?;
        let mut record = SenderKeyRecordStructure::decode(payload)
            .map_err(|_| StateError::Invalid("sender key record protobuf"))?;
        if record.sender_key_states.len() > MAX_SENDER_KEY_STATES {
            return Err(StateError::Invalid("too many sender key states"));
        }
        let states = record
            .sender_key_states
            .iter_mut()
            .map(decode_state)
            .collect::<Result<_, _>>()?;
        Ok(Self { states })
    }
}

fn encode_state(state: &SenderKeyState) -> SenderKeyStateStructure {
    SenderKeyStateStructure {
        chain_id: state.chain_id,
        sender_chain_key: Some(SenderChainKeyStructure {
            iteration: state.chain_key.index(),
            seed: state.chain_key.as_bytes().to_vec(),
        }),
        sender_signing_key: Some(SenderSigningKeyStructure {
            public: state.signing_public.serialize().to_vec(),
            private: state
                .signing_private
                .as_ref()
                .map(|k| k.serialize().to_vec())
                .unwrap_or_default(),
        }),
        sender_message_keys: state
            .skipped
            .iter()
            .map(|(iteration, seed)| SenderMessageKeyStructure {
                iteration,
                seed: seed.to_vec(),
            })
            .collect(),
        message_version: state.message_version,
    }
}

fn decode_state(s: &mut SenderKeyStateStructure) -> Result<SenderKeyState, StateError> {
    let chain = s
        .sender_chain_key
        .as_ref()
        .ok_or(StateError::Invalid("sender chain key missing"))?;
    let chain_key = ChainKey::new(key32(&chain.seed, "sender chain key")?, chain.iteration);
    let signing = s
        .sender_signing_key
        .as_mut()
        .ok_or(StateError::Invalid("sender signing key missing"))?;
    if signing.public.len() != EC_PUBLIC_KEY_LEN {
        return Err(StateError::Invalid("sender signing public key"));
    }
    let signing_public = PublicKey::deserialize(&signing.public)
        .map_err(|_| StateError::Invalid("sender signing public key"))?;
    let private = Zeroizing::new(take(&mut signing.private));
    let signing_private = if private.is_empty() {
        None
    } else {
        let key = PrivateKey::deserialize(&private)
            .map_err(|_| StateError::Invalid("sender signing private key"))?;
        if key.public_key() != signing_public {
            return Err(StateError::Invalid("sender signing key pair mismatch"));
        }
        Some(key)
    };
    if s.sender_message_keys.len() > MAX_MESSAGE_KEYS {
        return Err(StateError::Invalid("too many sender message keys"));
    }
    let mut skipped = SkippedKeyStore::with_capacity(s.sender_message_keys.len());
    for k in &s.sender_message_keys {
        let seed: &[u8; 32] = k.seed[..]
            .try_into()
            .map_err(|_| StateError::Invalid("sender message key seed"))?;
        skipped.push(k.iteration, seed);
    }
    Ok(SenderKeyState {
        message_version: s.message_version,
        chain_id: s.chain_id,
        chain_key,
        signing_public,
        signing_private,
        skipped,
    })
}

fn key32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], StateError> {
    bytes.try_into().map_err(|_| StateError::Invalid(what))
}

impl fmt::Debug for SenderKeyRecord {
    /// Chain IDs, iterations, versions, public signing keys and counts; no
    /// chain key, seed or private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderKeyRecord")
            .field("states", &self.states)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyPair;
    use rand::{rngs::StdRng, SeedableRng};

    fn new_state(chain_id: u32, signing: &KeyPair, with_private: bool, key_byte: u8) -> NewState {
        NewState {
            message_version: 3,
            chain_id,
            chain_key: ChainKey::new([key_byte; 32], 0),
            signing_public: signing.public_key,
            signing_private: with_private.then(|| signing.private_key.clone()),
        }
    }

    fn sample(rng: &mut StdRng) -> SenderKeyRecord {
        let ours = KeyPair::generate(rng);
        let theirs = KeyPair::generate(rng);
        let mut record = SenderKeyRecord::new();
        record.add_state(new_state(0, &theirs, false, 1));
        record.add_state(new_state(7, &ours, true, 2));
        let consumed = record.states[1].consume(3).unwrap();
        record.states[1].apply(consumed);
        record
    }

    #[test]
    fn add_state_keeps_a_known_chain_and_evicts_the_oldest() {
        let mut rng = StdRng::seed_from_u64(5);
        let key = KeyPair::generate(&mut rng);
        let mut record = SenderKeyRecord::new();
        record.add_state(new_state(1, &key, false, 1));
        let c = record.states[0].consume(2).unwrap();
        record.states[0].apply(c);
        record.add_state(new_state(2, &key, false, 2));
        // Same chain and key again: the old state (iteration 3, two stored
        // seeds) moves to the front unchanged.
        record.add_state(new_state(1, &key, false, 9));
        assert_eq!(record.chain_ids(), [1, 2]);
        assert_eq!(record.states[0].chain_key.index(), 3);
        assert_eq!(
            record.states[0].chain_key.as_bytes(),
            ChainKey::new([1; 32], 0)
                .next()
                .unwrap()
                .next()
                .unwrap()
                .next()
                .unwrap()
                .as_bytes()
        );
        assert_eq!(record.states[0].skipped.len(), 2);
        // Same chain, another signing key: replaced.
        let other = KeyPair::generate(&mut rng);
        record.add_state(new_state(1, &other, false, 9));
        assert_eq!(record.chain_ids(), [1, 2]);
        assert_eq!(record.states[0].chain_key.index(), 0);
        assert!(record.states[0].skipped.is_empty());
        // Five distinct chains, then a sixth evicts the oldest (2).
        for id in 3..=6 {
            record.add_state(new_state(id, &key, false, 3));
        }
        assert_eq!(record.chain_ids(), [6, 5, 4, 3, 1]);
        record.add_state(new_state(7, &key, false, 3));
        assert_eq!(record.chain_ids(), [7, 6, 5, 4, 3]);
        assert_eq!(record.state_count(), MAX_SENDER_KEY_STATES);
    }

    #[test]
    fn stored_form_round_trips_and_follows_the_libsignal_layout() {
        let mut rng = StdRng::seed_from_u64(6);
        let record = sample(&mut rng);
        let stored = record.to_state();
        assert_eq!(
            stored[..2],
            [
                crate::state::FORMAT_VERSION,
                StateKind::SenderKeyRecord as u8
            ]
        );
        let loaded = SenderKeyRecord::from_state(&stored).unwrap();
        assert_eq!(*loaded.to_state(), *stored);
        assert_eq!(loaded.chain_ids(), [7, 0]);
        // proto3 defaults are omitted: the new state's chain key at
        // iteration 0 has only its seed; the state with chain ID 0 starts
        // with its chain key (field 2, iteration 4); a stored seed for
        // iteration 0 has only its seed field; the version (field 5) comes
        // after the seeds.
        let payload = &stored[2..];
        let decoded = SenderKeyRecordStructure::decode(payload).unwrap();
        assert_eq!(decoded.encode_to_vec(), payload);
        let first = decoded.sender_key_states[0].encode_to_vec();
        assert_eq!(first[..6], [0x08, 0x07, 0x12, 0x22, 0x12, 0x20]);
        let second = decoded.sender_key_states[1].encode_to_vec();
        assert_eq!(second[..4], [0x12, 0x24, 0x08, 0x04]);
        assert_eq!(second[second.len() - 2..], [0x28, 0x03]);
        let seed0 = decoded.sender_key_states[1].sender_message_keys[0].encode_to_vec();
        assert_eq!(seed0[..2], [0x12, 0x20]);
        assert_eq!(seed0.len(), 34);
        // An empty payload is a record without states.
        let empty = SenderKeyRecord::from_state(&[
            crate::state::FORMAT_VERSION,
            StateKind::SenderKeyRecord as u8,
        ])
        .unwrap();
        assert!(empty.is_empty());
        assert_eq!(*empty.to_state(), *SenderKeyRecord::new().to_state());
    }

    /// The sample with its first state (ours) edited.
    fn with_state(
        edit: impl FnOnce(&mut SenderKeyStateStructure),
    ) -> Result<SenderKeyRecord, StateError> {
        with_nth_state(0, edit)
    }

    /// The sample with its second state (a receiver's, with stored seeds) edited.
    fn with_seeds(
        edit: impl FnOnce(&mut SenderKeyStateStructure),
    ) -> Result<SenderKeyRecord, StateError> {
        with_nth_state(1, edit)
    }

    fn with_nth_state(
        n: usize,
        edit: impl FnOnce(&mut SenderKeyStateStructure),
    ) -> Result<SenderKeyRecord, StateError> {
        let mut rng = StdRng::seed_from_u64(7);
        let record = sample(&mut rng);
        let mut structure = SenderKeyRecordStructure::decode(&record.to_state()[2..]).unwrap();
        edit(&mut structure.sender_key_states[n]);
        SenderKeyRecord::from_state(&wrap(
            StateKind::SenderKeyRecord,
            &structure.encode_to_vec(),
        ))
    }

    #[test]
    fn loading_checks_every_key_length_and_count() {
        assert!(with_state(|_| {}).is_ok());
        let invalid = |what| Err::<(), _>(StateError::Invalid(what));
        assert_eq!(
            with_state(|s| s.sender_chain_key = None).map(drop),
            invalid("sender chain key missing")
        );
        assert_eq!(
            with_state(|s| s
                .sender_chain_key
                .as_mut()
                .unwrap()
                .seed
                .pop()
                .map(drop)
                .unwrap())
            .map(drop),
            invalid("sender chain key")
        );
        assert_eq!(
            with_state(|s| s.sender_signing_key = None).map(drop),
            invalid("sender signing key missing")
        );
        assert_eq!(
            with_state(|s| s.sender_signing_key.as_mut().unwrap().public.push(0)).map(drop),
            invalid("sender signing public key")
        );
        assert_eq!(
            with_state(|s| s.sender_signing_key.as_mut().unwrap().public[0] = 6).map(drop),
            invalid("sender signing public key")
        );
        assert_eq!(
            with_state(|s| s.sender_signing_key.as_mut().unwrap().private.push(0)).map(drop),
            invalid("sender signing private key")
        );
        assert_eq!(
            with_state(|s| s.sender_signing_key.as_mut().unwrap().private[5] ^= 1).map(drop),
            invalid("sender signing key pair mismatch")
        );
        assert_eq!(
            with_seeds(|s| s.sender_message_keys[0].seed.clear()).map(drop),
            invalid("sender message key seed")
        );
        let too_many = |s: &mut SenderKeyStateStructure| {
            let key = s.sender_message_keys[0].clone();
            s.sender_message_keys = vec![key; MAX_MESSAGE_KEYS + 1];
        };
        assert_eq!(
            with_seeds(too_many).map(drop),
            invalid("too many sender message keys")
        );
        // Exactly the limit loads; so does a receive-only state and a
        // version that is not 3 (checked when used).
        assert!(with_seeds(|s| {
            let key = s.sender_message_keys[0].clone();
            s.sender_message_keys = vec![key; MAX_MESSAGE_KEYS];
        })
        .is_ok());
        assert!(
            with_state(|s| s.sender_signing_key.as_mut().unwrap().private.clear())
                .unwrap()
                .states[0]
                .signing_private
                .is_none()
        );
        assert_eq!(
            with_state(|s| s.message_version = 0).unwrap().states[0].version(),
            3
        );
        assert_eq!(
            with_state(|s| s.message_version = 4).unwrap().states[0].version(),
            4
        );

        let six = SenderKeyRecordStructure {
            sender_key_states: vec![SenderKeyStateStructure::default(); 6],
        };
        assert_eq!(
            SenderKeyRecord::from_state(&wrap(StateKind::SenderKeyRecord, &six.encode_to_vec()))
                .map(drop),
            invalid("too many sender key states")
        );
        assert_eq!(
            SenderKeyRecord::from_state(&wrap(StateKind::SenderKeyRecord, &[0xff])).map(drop),
            invalid("sender key record protobuf")
        );
        assert_eq!(
            SenderKeyRecord::from_state(&[1]).map(drop),
            Err(StateError::Truncated)
        );
        assert_eq!(
            SenderKeyRecord::from_state(&wrap(StateKind::SessionRecord, &[])).map(drop),
            Err(StateError::WrongKind {
                expected: StateKind::SenderKeyRecord,
                found: StateKind::SessionRecord as u8
            })
        );
    }

    #[test]
    fn debug_shows_public_parts_only() {
        let mut rng = StdRng::seed_from_u64(8);
        let record = sample(&mut rng);
        let debug = format!("{record:?}");
        assert!(
            debug.contains("chain_id: 7")
                && debug.contains("iteration: 4")
                && debug.contains("skipped_seeds: 3"),
            "{debug}"
        );
        assert!(debug.contains("has_private_signing_key: true"), "{debug}");
        let state = &record.states[0];
        let secrets = [
            hex(state.chain_key.as_bytes()),
            hex(&state.signing_private.as_ref().unwrap().serialize()[..]),
            hex(record.states[1].skipped.get(0).unwrap().1),
            hex(record.states[1].chain_key.as_bytes()),
        ];
        for secret in secrets {
            assert!(!debug.contains(&secret[..16]), "{debug}");
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
