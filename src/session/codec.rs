//! Session records in hush's versioned state format: a header (see
//! [`crate::state`]) and libsignal's `RecordStructure` layout
//! (session-record.md), written and read by hand with [`crate::protowire`].
//!
//! Writing goes straight from the live states into one pre-sized zeroizing
//! buffer; reading goes straight from the stored bytes into the live types,
//! without an intermediate protobuf struct or a per-field allocation. The
//! bytes are exactly what the `prost` layouts of [`crate::proto`] produce
//! (tests below compare the two on random conversations).
//!
//! # What loading checks
//! Every key has its exact length, counts are bounded (archived states,
//! receiver chains, skipped keys), skipped keys are ordered below their
//! chain, and the SPQR state passes its own checks (spqr-internals §9.4 plus
//! range and limit checks). Key pairs are not cross-checked (a scalar
//! multiplication per load); a record whose private key does not match its
//! public key fails to decrypt, it cannot be made to accept anything.
//!
//! Version rules (double-ratchet.md §7, §8): version 4 states load; version
//! 3 (classic Signal) states are refused, since this record type runs only
//! the version 4 protocol; a version 4 state with an empty SPQR state (as in
//! the format version 1 samples) loads and keeps working, but is not
//! [usable](SessionRecord::is_usable).

use std::collections::VecDeque;

use super::{SessionRecord, ARCHIVED_STATES_MAX_LENGTH};
use crate::keys::{
    IdentityKey, KeyPair, KyberPreKeyId, PreKeyId, PrivateKey, PublicKey, SignedPreKeyId,
};
use crate::protowire::{Malformed, Reader, Writer};
use crate::ratchet::chains::{
    ReceiverChain, SenderChain, MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, MAX_RECEIVER_CHAINS,
};
use crate::ratchet::keys::{ChainKey, RootKey};
use crate::ratchet::pq::SpqrState;
use crate::ratchet::state::{PendingPreKey, SessionState};
use crate::skipped_keys::SkippedKeyStore;
use crate::state::{StateBytes, StateError, StateKind, FORMAT_VERSION};

type Invalid = StateError;

/// The only session version a [`SessionRecord`] runs.
const SESSION_VERSION: u8 = 4;

impl SessionRecord {
    /// The record in hush's versioned state format, in a buffer that is
    /// wiped on drop.
    #[must_use]
    pub fn to_state(&self) -> StateBytes {
        let capacity = self
            .current
            .iter()
            .chain(&self.previous)
            .map(|s| size_hint(s) + 4)
            .sum();
        let mut w =
            Writer::with_prefix(&[FORMAT_VERSION, StateKind::SessionRecord as u8], capacity);
        if let Some(current) = &self.current {
            w.large_message(1, |w| encode_state(w, current));
        }
        for previous in &self.previous {
            w.large_message(2, |w| encode_state(w, previous));
        }
        w.finish()
    }

    /// Loads a record written by [`SessionRecord::to_state`] (or a
    /// libsignal record behind the same header). Every key, length and count
    /// is checked, so a record that loads is usable.
    ///
    /// # Errors
    /// [`StateError`] naming what is wrong.
    pub fn from_state(bytes: &[u8]) -> Result<Self, StateError> {
        let payload = crate::state::unwrap(StateKind::SessionRecord, bytes)?;
        let protobuf = |_: Malformed| Invalid::Invalid("session record protobuf");
        let mut current = None;
        let mut previous = VecDeque::new();
        let mut r = Reader::new(payload);
        while let Some((field, value)) = r.next_field().map_err(protobuf)? {
            match field {
                // A repeated singular message field is merged by protobuf;
                // no writer does that, so it is refused.
                1 if current.is_some() => return Err(Invalid::Invalid("two current states")),
                1 => current = Some(decode_state(value.bytes().map_err(protobuf)?)?),
                2 => {
                    if previous.len() == ARCHIVED_STATES_MAX_LENGTH {
                        return Err(Invalid::Invalid("too many archived states"));
                    }
                    let bytes = value.bytes().map_err(protobuf)?;
                    previous.push_back(decode_state(bytes)?);
                }
                _ => {}
            }
        }
        Ok(Self { current, previous })
    }
}

/// Roughly the encoded size of `state`, so the buffer seldom grows.
fn size_hint(state: &SessionState) -> usize {
    let chains: usize = state
        .receiver_chains
        .iter()
        .map(|c| 80 + 42 * c.skipped.len())
        .sum();
    let pending = state
        .pending_pre_key
        .as_ref()
        .map_or(0, |p| 64 + p.kyber_ciphertext.len());
    320 + chains + pending + state.pq.size_hint()
}

fn encode_state(w: &mut Writer, state: &SessionState) {
    w.uint(1, u64::from(state.version));
    w.bytes(2, &state.local_identity.serialize());
    w.bytes(3, &state.remote_identity.serialize());
    w.bytes(4, state.root_key.as_bytes());
    w.uint(5, u64::from(state.previous_counter));
    if let Some(chain) = &state.sender_chain {
        w.message(6, |w| {
            w.bytes(1, &chain.ratchet_key.public_key.serialize());
            w.bytes(2, &chain.ratchet_key.private_key.serialize()[..]);
            encode_chain_key(w, &chain.chain_key);
        });
    }
    for chain in &state.receiver_chains {
        w.message(7, |w| {
            w.bytes(1, &chain.ratchet_key.serialize());
            encode_chain_key(w, &chain.chain_key);
            // Newest first, as libsignal stores them.
            for (index, seed) in chain.skipped.iter().rev() {
                w.message(4, |w| {
                    w.uint(1, u64::from(index));
                    w.bytes(5, seed);
                });
            }
        });
    }
    let pending = state.pending_pre_key.as_ref();
    if let Some(p) = pending {
        w.message(9, |w| {
            if let Some(id) = p.pre_key_id {
                w.optional_uint(1, u64::from(id.0));
            }
            w.bytes(2, &p.base_key.serialize());
            // libsignal stores the u32 reinterpreted as i32.
            w.int32(3, p.signed_pre_key_id.0 as i32);
            w.uint(4, p.timestamp_seconds);
        });
    }
    w.uint(10, u64::from(state.remote_registration_id));
    w.uint(11, u64::from(state.local_registration_id));
    w.bytes(13, &state.alice_base_key.serialize());
    if let Some(p) = pending {
        w.message(14, |w| {
            w.uint(1, u64::from(p.kyber_pre_key_id.0));
            w.bytes(2, &p.kyber_ciphertext);
        });
    }
    if !state.pq.is_empty() {
        w.large_message(15, |w| state.pq.write_to(w));
    }
}

fn encode_chain_key(w: &mut Writer, key: &ChainKey) {
    w.message(3, |w| {
        w.uint(1, u64::from(key.index()));
        w.bytes(2, key.as_bytes());
    });
}

/// The fields of one `SessionStructure`, borrowed from the stored bytes.
#[derive(Default)]
struct RawState<'a> {
    version: u32,
    local_identity: &'a [u8],
    remote_identity: &'a [u8],
    root_key: &'a [u8],
    previous_counter: u32,
    sender_chain: Option<&'a [u8]>,
    receiver_chains: [&'a [u8]; MAX_RECEIVER_CHAINS],
    receiver_count: usize,
    pending_pre_key: Option<&'a [u8]>,
    remote_registration_id: u32,
    local_registration_id: u32,
    alice_base_key: &'a [u8],
    pending_kyber: Option<&'a [u8]>,
    pq: &'a [u8],
}

fn protobuf(_: Malformed) -> StateError {
    Invalid::Invalid("session state protobuf")
}

fn decode_state(bytes: &[u8]) -> Result<SessionState, StateError> {
    let mut s = RawState::default();
    let mut r = Reader::new(bytes);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        match field {
            1 => s.version = v.uint32().map_err(protobuf)?,
            2 => s.local_identity = v.bytes().map_err(protobuf)?,
            3 => s.remote_identity = v.bytes().map_err(protobuf)?,
            4 => s.root_key = v.bytes().map_err(protobuf)?,
            5 => s.previous_counter = v.uint32().map_err(protobuf)?,
            6 => s.sender_chain = Some(single(s.sender_chain, v.bytes())?),
            7 => {
                let slot = s
                    .receiver_chains
                    .get_mut(s.receiver_count)
                    .ok_or(Invalid::Invalid("too many receiver chains"))?;
                *slot = v.bytes().map_err(protobuf)?;
                s.receiver_count += 1;
            }
            9 => s.pending_pre_key = Some(single(s.pending_pre_key, v.bytes())?),
            10 => s.remote_registration_id = v.uint32().map_err(protobuf)?,
            11 => s.local_registration_id = v.uint32().map_err(protobuf)?,
            13 => s.alice_base_key = v.bytes().map_err(protobuf)?,
            14 => s.pending_kyber = Some(single(s.pending_kyber, v.bytes())?),
            15 => s.pq = v.bytes().map_err(protobuf)?,
            _ => {}
        }
    }
    let version = match s.version {
        4 => SESSION_VERSION,
        3 => {
            return Err(Invalid::Invalid(
                "session version 3 (classic) in a version 4 record",
            ))
        }
        _ => return Err(Invalid::Invalid("unsupported session version")),
    };
    let local_identity = IdentityKey::new(public_key(s.local_identity, "local identity")?);
    let remote_identity = IdentityKey::new(public_key(s.remote_identity, "remote identity")?);
    let sender_chain = s.sender_chain.map(decode_sender_chain).transpose()?;
    let receiver_chains = s.receiver_chains[..s.receiver_count]
        .iter()
        .map(|c| decode_receiver_chain(c))
        .collect::<Result<Vec<_>, _>>()?;
    let pending_pre_key = match (s.pending_pre_key, s.pending_kyber) {
        (None, None) => None,
        (Some(p), Some(k)) => Some(decode_pending(p, k)?),
        _ => return Err(Invalid::Invalid("pending pre-key without Kyber data")),
    };
    let pq = SpqrState::deserialize(s.pq).map_err(|_| Invalid::Invalid("SPQR state"))?;
    // The SPQR forward-jump limit is only unlimited for note-to-self
    // sessions (double-ratchet.md §9); a stored state cannot raise it.
    if local_identity != remote_identity
        && pq
            .limits()
            .is_some_and(|(max_jump, _)| max_jump > MAX_FORWARD_JUMPS)
    {
        return Err(Invalid::Invalid("SPQR forward-jump limit"));
    }
    Ok(SessionState {
        version,
        local_identity,
        remote_identity,
        root_key: RootKey::new(key32(s.root_key, "root key")?),
        previous_counter: s.previous_counter,
        sender_chain,
        receiver_chains,
        pending_pre_key,
        remote_registration_id: s.remote_registration_id,
        local_registration_id: s.local_registration_id,
        alice_base_key: public_key(s.alice_base_key, "base key")?,
        pq,
    })
}

/// A singular message field seen once (see `from_state`).
fn single<'a>(
    seen: Option<&'a [u8]>,
    value: Result<&'a [u8], Malformed>,
) -> Result<&'a [u8], StateError> {
    if seen.is_some() {
        return Err(Invalid::Invalid("repeated singular field"));
    }
    value.map_err(protobuf)
}

fn decode_pending(p: &[u8], k: &[u8]) -> Result<PendingPreKey, StateError> {
    let (mut pre_key_id, mut base_key, mut signed, mut timestamp) = (None, &[][..], 0i32, 0u64);
    let mut r = Reader::new(p);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        match field {
            1 => pre_key_id = Some(PreKeyId(v.uint32().map_err(protobuf)?)),
            2 => base_key = v.bytes().map_err(protobuf)?,
            3 => signed = v.int32().map_err(protobuf)?,
            4 => timestamp = v.varint().map_err(protobuf)?,
            _ => {}
        }
    }
    let (mut kyber_id, mut ciphertext) = (0u32, &[][..]);
    let mut r = Reader::new(k);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        match field {
            1 => kyber_id = v.uint32().map_err(protobuf)?,
            2 => ciphertext = v.bytes().map_err(protobuf)?,
            _ => {}
        }
    }
    Ok(PendingPreKey {
        pre_key_id,
        signed_pre_key_id: SignedPreKeyId(signed as u32),
        base_key: public_key(base_key, "pending base key")?,
        timestamp_seconds: timestamp,
        kyber_pre_key_id: KyberPreKeyId(kyber_id),
        kyber_ciphertext: ciphertext.to_vec(),
    })
}

/// The fields of a `Chain` other than its message keys.
struct RawChain<'a> {
    ratchet_key: &'a [u8],
    private_key: &'a [u8],
    chain_key: Option<&'a [u8]>,
    message_keys: usize,
}

fn raw_chain(bytes: &[u8]) -> Result<RawChain<'_>, StateError> {
    let mut c = RawChain {
        ratchet_key: &[],
        private_key: &[],
        chain_key: None,
        message_keys: 0,
    };
    let mut r = Reader::new(bytes);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        match field {
            1 => c.ratchet_key = v.bytes().map_err(protobuf)?,
            2 => c.private_key = v.bytes().map_err(protobuf)?,
            3 => c.chain_key = Some(single(c.chain_key, v.bytes())?),
            4 => {
                v.bytes().map_err(protobuf)?;
                c.message_keys += 1;
            }
            _ => {}
        }
    }
    Ok(c)
}

fn decode_sender_chain(bytes: &[u8]) -> Result<SenderChain, StateError> {
    let c = raw_chain(bytes)?;
    let public = public_key(c.ratchet_key, "sender ratchet key")?;
    // Not cross-checked against the public key: records may be loaded for
    // every message, and the check would cost a scalar multiplication.
    let private = PrivateKey::deserialize(c.private_key)
        .map_err(|_| Invalid::Invalid("sender ratchet private key"))?;
    Ok(SenderChain {
        ratchet_key: KeyPair {
            public_key: public,
            private_key: private,
        },
        chain_key: chain_key(c.chain_key)?,
    })
}

fn decode_receiver_chain(bytes: &[u8]) -> Result<ReceiverChain, StateError> {
    let c = raw_chain(bytes)?;
    if c.message_keys > MAX_MESSAGE_KEYS {
        return Err(Invalid::Invalid("too many skipped message keys"));
    }
    let mut chain = ReceiverChain::new(
        public_key(c.ratchet_key, "receiver ratchet key")?,
        chain_key(c.chain_key)?,
    );
    if c.message_keys == 0 {
        return Ok(chain);
    }
    chain.skipped = SkippedKeyStore::with_capacity(c.message_keys);
    let mut previous_index = None;
    let mut r = Reader::new(bytes);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        if field != 4 {
            continue;
        }
        let (mut index, mut seed) = (0u32, &[][..]);
        let mut key = Reader::new(v.bytes().map_err(protobuf)?);
        while let Some((field, v)) = key.next_field().map_err(protobuf)? {
            match field {
                1 => index = v.uint32().map_err(protobuf)?,
                5 => seed = v.bytes().map_err(protobuf)?,
                _ => {}
            }
        }
        // Newest first: indices strictly decrease and stay below the chain.
        let in_order = previous_index.is_none_or(|p| index < p) && index < chain.chain_key.index();
        if !in_order {
            return Err(Invalid::Invalid("skipped message keys out of order"));
        }
        previous_index = Some(index);
        let seed: &[u8; 32] = seed
            .try_into()
            .map_err(|_| Invalid::Invalid("skipped key seed"))?;
        chain.skipped.push(index, seed);
    }
    // Stored newest first, held oldest first.
    chain.skipped.reverse();
    Ok(chain)
}

fn chain_key(bytes: Option<&[u8]>) -> Result<ChainKey, StateError> {
    let bytes = bytes.ok_or(Invalid::Invalid("missing chain key"))?;
    let (mut index, mut key) = (0u32, &[][..]);
    let mut r = Reader::new(bytes);
    while let Some((field, v)) = r.next_field().map_err(protobuf)? {
        match field {
            1 => index = v.uint32().map_err(protobuf)?,
            2 => key = v.bytes().map_err(protobuf)?,
            _ => {}
        }
    }
    Ok(ChainKey::new(key32(key, "chain key")?, index))
}

fn public_key(bytes: &[u8], what: &'static str) -> Result<PublicKey, StateError> {
    PublicKey::deserialize(bytes).map_err(|_| Invalid::Invalid(what))
}

fn key32(bytes: &[u8], what: &'static str) -> Result<[u8; 32], StateError> {
    bytes.try_into().map_err(|_| Invalid::Invalid(what))
}

#[cfg(test)]
mod tests {
    use prost::Message as _;
    use rand::{rngs::StdRng, RngExt, SeedableRng};

    use super::*;
    use crate::address::{DeviceId, ProtocolAddress};
    use crate::keys::{
        IdentityKeyPair, KyberPreKeyRecord, PreKeyBundle, PreKeyRecord, SignedPreKeyRecord,
        Timestamp,
    };
    use crate::messages::CiphertextMessage;
    use crate::proto::{
        ChainKeyStructure, ChainStructure, MessageKeyStructure, PendingKyberPreKeyStructure,
        PendingPreKeyStructure, RecordStructure, SessionStructure,
    };
    use crate::session::{Addresses, LocalIdentity, PreKeys};

    /// The `prost` encoder this module used before the hand-written one,
    /// kept as the reference the stored bytes must match.
    fn reference_to_state(record: &SessionRecord) -> Vec<u8> {
        let encoded = RecordStructure {
            current_session: record.current.as_ref().map(reference_state),
            previous_sessions: record
                .previous
                .iter()
                .map(|s| reference_state(s).encode_to_vec())
                .collect(),
        }
        .encode_to_vec();
        [
            &[FORMAT_VERSION, StateKind::SessionRecord as u8][..],
            &encoded,
        ]
        .concat()
    }

    fn reference_state(state: &SessionState) -> SessionStructure {
        let chain_key = |key: &ChainKey| ChainKeyStructure {
            index: key.index(),
            key: key.as_bytes().to_vec(),
        };
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
                chain_key: Some(chain_key(&c.chain_key)),
                message_keys: Vec::new(),
            }),
            receiver_chains: state
                .receiver_chains
                .iter()
                .map(|c| ChainStructure {
                    sender_ratchet_key: c.ratchet_key.serialize().to_vec(),
                    sender_ratchet_key_private: Vec::new(),
                    chain_key: Some(chain_key(&c.chain_key)),
                    message_keys: c
                        .skipped
                        .iter()
                        .rev()
                        .map(|(index, seed)| MessageKeyStructure {
                            index,
                            seed: seed.to_vec(),
                        })
                        .collect(),
                })
                .collect(),
            pending_pre_key: pending.map(|p| PendingPreKeyStructure {
                pre_key_id: p.pre_key_id.map(|id| id.0),
                base_key: p.base_key.serialize().to_vec(),
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
            pq_ratchet_state: state.pq.serialize_with_prost(),
        }
    }

    const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

    struct Side {
        local: LocalIdentity,
        address: ProtocolAddress,
        record: SessionRecord,
    }

    /// Alice and Bob after Alice's first message reached Bob, with
    /// `signed_id` as Bob's signed pre-key id (above 2^31 it is stored as
    /// a negative int32).
    fn pair(rng: &mut StdRng, signed_id: u32) -> (Side, Side) {
        let side = |name: &str, id: u32, rng: &mut StdRng| Side {
            local: LocalIdentity {
                key_pair: IdentityKeyPair::generate(rng),
                registration_id: id,
            },
            address: ProtocolAddress::new(name, DeviceId::new(1).expect("device")),
            record: SessionRecord::new(),
        };
        let mut alice = side("alice", 1, rng);
        let mut bob = side("bob", 2, rng);
        let signed = SignedPreKeyRecord::generate(
            crate::keys::SignedPreKeyId(signed_id),
            NOW,
            &bob.local.key_pair,
            rng,
        );
        let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(7), NOW, &bob.local.key_pair, rng);
        let one_time = PreKeyRecord::generate(PreKeyId(9), rng);
        let bundle = PreKeyBundle::from_records(
            2,
            bob.address.device_id(),
            *bob.local.key_pair.identity_key(),
            &signed,
            &kyber,
            Some(&one_time),
        )
        .verify()
        .expect("bundle");
        alice
            .record
            .initiate(&bundle, &alice.local, NOW, rng)
            .expect("initiate");
        let to_bob = Addresses {
            local: &alice.address,
            remote: &bob.address,
        };
        let Ok(CiphertextMessage::PreKey(first)) = alice.record.encrypt(b"hi", to_bob, NOW, rng)
        else {
            panic!("a PreKey message")
        };
        let keys = PreKeys {
            signed: Some(&signed),
            kyber: Some(&kyber),
            one_time: Some(&one_time),
        };
        let to_alice = Addresses {
            local: &bob.address,
            remote: &alice.address,
        };
        bob.record
            .decrypt_prekey(&first, &bob.local, keys, to_alice, rng)
            .expect("first message");
        (alice, bob)
    }

    fn check(record: &SessionRecord) {
        let stored = record.to_state();
        assert_eq!(
            hex::encode(&stored[..]),
            hex::encode(reference_to_state(record)),
            "hand-written and prost encodings differ"
        );
        let loaded = SessionRecord::from_state(&stored).expect("loads");
        assert_eq!(loaded.to_state()[..], stored[..], "round trip");
    }

    #[test]
    fn stored_bytes_match_the_prost_layout_on_random_conversations() {
        for seed in 0..6u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let signed_id = if seed % 2 == 0 { 5 } else { 0x9000_0000 };
            let (mut alice, mut bob) = pair(&mut rng, signed_id);
            check(&alice.record);
            check(&bob.record);
            let mut in_flight: Vec<(bool, crate::messages::SignalMessage)> = Vec::new();
            for step in 0..120 {
                let choice = rng.random_range(0..10u8);
                let from_alice = rng.random_bool(0.5);
                let (sender, receiver) = if from_alice {
                    (&mut alice, &mut bob)
                } else {
                    (&mut bob, &mut alice)
                };
                if choice < 6 || in_flight.is_empty() {
                    let to = Addresses {
                        local: &sender.address,
                        remote: &receiver.address,
                    };
                    match sender.record.encrypt(&[step as u8; 40], to, NOW, &mut rng) {
                        Ok(CiphertextMessage::Whisper(m)) => in_flight.push((from_alice, m)),
                        Ok(CiphertextMessage::PreKey(m)) => {
                            // Unacknowledged: deliver the inner message later.
                            in_flight.push((from_alice, m.message().clone()))
                        }
                        Err(e) => panic!("encrypt: {e}"),
                    }
                    check(&sender.record);
                } else {
                    // Deliver a random message in flight (out of order), or
                    // drop it now and then.
                    let at = rng.random_range(0..in_flight.len());
                    let (by_alice, m) = in_flight.swap_remove(at);
                    if choice == 9 {
                        continue;
                    }
                    let (sender, receiver) = if by_alice {
                        (&alice, &mut bob)
                    } else {
                        (&bob, &mut alice)
                    };
                    let to = Addresses {
                        local: &receiver.address,
                        remote: &sender.address,
                    };
                    // Messages of the unacknowledged phase may fail on the
                    // responder's side; only the bytes matter here.
                    let _ = receiver.record.decrypt(&m, to, &mut rng);
                    check(&receiver.record);
                }
            }
            // Archived states too.
            alice.record.archive_current_state();
            check(&alice.record);
        }
    }

    fn state_bytes(record: &SessionRecord) -> Vec<u8> {
        record.to_state().to_vec()
    }

    /// Rewrites the current state of a stored record through `edit`.
    fn edited(stored: &[u8], edit: impl FnOnce(&mut SessionStructure)) -> Vec<u8> {
        let mut record = RecordStructure::decode(&stored[2..]).expect("decode");
        edit(record.current_session.as_mut().expect("current"));
        [&stored[..2], &record.encode_to_vec()[..]].concat()
    }

    #[test]
    fn states_without_spqr_load_but_are_not_usable() {
        let mut rng = StdRng::seed_from_u64(8);
        let (alice, bob) = pair(&mut rng, 5);
        let stored = state_bytes(&bob.record);
        assert!(SessionRecord::from_state(&stored)
            .expect("loads")
            .is_usable(NOW));
        let without_spqr = edited(&stored, |s| s.pq_ratchet_state.clear());
        let loaded = SessionRecord::from_state(&without_spqr).expect("loads");
        assert!(!loaded.is_usable(NOW));
        assert_eq!(state_bytes(&loaded), without_spqr);
        // A V0 SPQR record (negotiation part, no V1 member) is empty too.
        let v0 = edited(&stored, |s| {
            let pq = &s.pq_ratchet_state;
            // Field 1 (the negotiation record) only: key, length, body.
            let len = usize::from(pq[1]) + 2;
            s.pq_ratchet_state = pq[..len].to_vec();
        });
        assert!(!SessionRecord::from_state(&v0)
            .expect("loads")
            .is_usable(NOW));
        // Alice's record (unacknowledged, with SPQR) is usable.
        assert!(SessionRecord::from_state(&state_bytes(&alice.record))
            .expect("loads")
            .is_usable(NOW));
    }

    #[test]
    fn stored_spqr_limits_are_bounded() {
        let mut rng = StdRng::seed_from_u64(9);
        let (alice, _) = pair(&mut rng, 5);
        let record = &alice.record;
        let state = record.current.as_ref().expect("current");
        assert_eq!(state.pq.limits(), Some((MAX_FORWARD_JUMPS, 2000)));
        let stored = state_bytes(record);
        // Alice's SPQR state is the initial A2B one: field 1 holds the
        // negotiation record, whose field 4 holds the chain parameters
        // (both 0 = defaults, so empty). Raise them.
        let with_params = |max_jump: u32, max_ooo: u32| {
            edited(&stored, |s| {
                let pq = s.pq_ratchet_state.clone();
                let vn_len = usize::from(pq[1]);
                let mut vn = pq[2..2 + vn_len].to_vec();
                let at = vn
                    .windows(2)
                    .rposition(|w| w == [0x22, 0x00])
                    .expect("empty chain params");
                let mut params = Vec::new();
                for (field, value) in [(0x08u8, max_jump), (0x10, max_ooo)] {
                    params.push(field);
                    let mut v = value;
                    while v >= 0x80 {
                        params.push(v as u8 | 0x80);
                        v >>= 7;
                    }
                    params.push(v as u8);
                }
                vn.splice(
                    at + 1..at + 2,
                    [params.len() as u8].into_iter().chain(params),
                );
                let mut out = vec![0x0a, vn.len() as u8];
                out.extend_from_slice(&vn);
                out.extend_from_slice(&pq[2 + vn_len..]);
                s.pq_ratchet_state = out;
            })
        };
        let load = |bytes: Vec<u8>| SessionRecord::from_state(&bytes);
        assert!(load(with_params(25_000, 2_000)).is_ok());
        assert!(load(with_params(100, 10)).is_ok());
        assert_eq!(
            load(with_params(25_001, 2_000)).unwrap_err(),
            StateError::Invalid("SPQR forward-jump limit")
        );
        assert_eq!(
            load(with_params(u32::MAX, 2_000)).unwrap_err(),
            StateError::Invalid("SPQR forward-jump limit")
        );
        assert_eq!(
            load(with_params(100, 2_001)).unwrap_err(),
            StateError::Invalid("SPQR state")
        );
    }

    #[test]
    fn corrupt_records_are_refused_with_a_typed_error() {
        let mut rng = StdRng::seed_from_u64(42);
        let (_, bob) = pair(&mut rng, 5);
        let stored = state_bytes(&bob.record);
        let invalid = |bytes: &[u8]| {
            matches!(
                SessionRecord::from_state(bytes),
                Err(StateError::Invalid(_))
            )
        };
        assert!(SessionRecord::from_state(&stored).is_ok());
        // Every truncation is refused, none panics.
        for len in 2..stored.len() {
            let _ = SessionRecord::from_state(&stored[..len]);
        }
        assert!(invalid(&stored[..stored.len() - 1]));
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("version 3", edited(&stored, |s| s.session_version = 3)),
            ("version 0", edited(&stored, |s| s.session_version = 0)),
            ("version 5", edited(&stored, |s| s.session_version = 5)),
            (
                "short root key",
                edited(&stored, |s| s.root_key.truncate(31)),
            ),
            (
                "bad identity",
                edited(&stored, |s| s.remote_identity_public[0] = 6),
            ),
            (
                "six receiver chains",
                edited(&stored, |s| {
                    let chain = s.receiver_chains[0].clone();
                    s.receiver_chains = vec![chain; 6];
                }),
            ),
            (
                "skipped keys out of order",
                edited(&stored, |s| {
                    let chain = &mut s.receiver_chains[0];
                    chain.chain_key.as_mut().expect("ck").index = 10;
                    chain.message_keys = vec![
                        MessageKeyStructure {
                            index: 3,
                            seed: vec![1; 32],
                        },
                        MessageKeyStructure {
                            index: 4,
                            seed: vec![1; 32],
                        },
                    ];
                }),
            ),
            (
                "skipped key at the chain",
                edited(&stored, |s| {
                    let chain = &mut s.receiver_chains[0];
                    let index = chain.chain_key.as_ref().expect("ck").index;
                    chain.message_keys = vec![MessageKeyStructure {
                        index,
                        seed: vec![1; 32],
                    }];
                }),
            ),
            (
                "2001 skipped keys",
                edited(&stored, |s| {
                    let chain = &mut s.receiver_chains[0];
                    chain.chain_key.as_mut().expect("ck").index = 5000;
                    chain.message_keys = (0..2001)
                        .rev()
                        .map(|index| MessageKeyStructure {
                            index,
                            seed: vec![1; 32],
                        })
                        .collect();
                }),
            ),
            (
                "short seed",
                edited(&stored, |s| {
                    let chain = &mut s.receiver_chains[0];
                    chain.message_keys = vec![MessageKeyStructure {
                        index: 0,
                        seed: vec![1; 31],
                    }];
                }),
            ),
            (
                "missing chain key",
                edited(&stored, |s| s.receiver_chains[0].chain_key = None),
            ),
            (
                "short private key",
                edited(&stored, |s| {
                    s.sender_chain
                        .as_mut()
                        .expect("sender")
                        .sender_ratchet_key_private
                        .pop();
                }),
            ),
            (
                "kyber part without pre-key part",
                edited(&stored, |s| {
                    s.pending_kyber_pre_key = Some(PendingKyberPreKeyStructure {
                        pre_key_id: 1,
                        ciphertext: vec![1; 4],
                    })
                }),
            ),
            (
                "garbage SPQR state",
                edited(&stored, |s| s.pq_ratchet_state = vec![0xff; 3]),
            ),
            (
                "truncated SPQR state",
                edited(&stored, |s| {
                    let len = s.pq_ratchet_state.len();
                    s.pq_ratchet_state.truncate(len - 1);
                }),
            ),
        ];
        for (name, bytes) in cases {
            assert!(invalid(&bytes), "{name}");
        }
        // Forty archived states load, forty-one do not.
        let current = RecordStructure::decode(&stored[2..])
            .expect("decode")
            .current_session
            .as_ref()
            .expect("current")
            .encode_to_vec();
        let archive = |n: usize| {
            let record = RecordStructure {
                current_session: None,
                previous_sessions: vec![current.clone(); n],
            };
            [&stored[..2], &record.encode_to_vec()[..]].concat()
        };
        assert_eq!(
            SessionRecord::from_state(&archive(ARCHIVED_STATES_MAX_LENGTH))
                .expect("40 archived")
                .archived_count(),
            ARCHIVED_STATES_MAX_LENGTH
        );
        assert!(invalid(&archive(ARCHIVED_STATES_MAX_LENGTH + 1)));
    }
}
