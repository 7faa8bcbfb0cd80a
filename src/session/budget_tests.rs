//! The work a `SignalMessage` can cause before it authenticates, counted in
//! chain steps (see `ratchet::budget`), never timed.

use rand::{rngs::StdRng, SeedableRng};

use super::*;
use crate::address::DeviceId;
use crate::keys::{KyberPreKeyRecord, PreKeyBundle, SignedPreKeyRecord};
use crate::ratchet::budget::step_counter;
use crate::ratchet::{MAX_FORWARD_JUMPS, WALK_ALLOWANCE_PER_STATE};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const STATES: u64 = ARCHIVED_STATES_MAX_LENGTH as u64 + 1;

struct Peers {
    alice: LocalIdentity,
    bob: LocalIdentity,
    alice_addr: ProtocolAddress,
    bob_addr: ProtocolAddress,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    bundle: VerifiedPreKeyBundle,
}

impl Peers {
    fn new(rng: &mut StdRng) -> Self {
        let alice = LocalIdentity {
            key_pair: IdentityKeyPair::generate(rng),
            registration_id: 1,
        };
        let bob = LocalIdentity {
            key_pair: IdentityKeyPair::generate(rng),
            registration_id: 2,
        };
        let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob.key_pair, rng);
        let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &bob.key_pair, rng);
        let device = DeviceId::new(1).unwrap();
        let bundle = PreKeyBundle::from_records(
            2,
            device,
            *bob.key_pair.identity_key(),
            &signed,
            &kyber,
            None,
        )
        .verify()
        .unwrap();
        Self {
            alice,
            bob,
            alice_addr: ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", device),
            bob_addr: ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", device),
            signed,
            kyber,
            bundle,
        }
    }

    fn to_bob(&self) -> Addresses<'_> {
        Addresses {
            local: &self.alice_addr,
            remote: &self.bob_addr,
        }
    }

    fn to_alice(&self) -> Addresses<'_> {
        Addresses {
            local: &self.bob_addr,
            remote: &self.alice_addr,
        }
    }

    /// A new session that Bob accepts (archiving his current state).
    /// Returns Alice's record.
    fn new_session(&self, bob: &mut SessionRecord, rng: &mut StdRng) -> SessionRecord {
        let mut alice = SessionRecord::new();
        alice.initiate(&self.bundle, &self.alice, NOW, rng).unwrap();
        let CiphertextMessage::PreKey(first) =
            alice.encrypt(b"hi", self.to_bob(), NOW, rng).unwrap()
        else {
            panic!("expected a PreKey message")
        };
        let keys = PreKeys {
            signed: Some(&self.signed),
            kyber: Some(&self.kyber),
            one_time: None,
        };
        bob.decrypt_prekey(&first, &self.bob, keys, self.to_alice(), rng)
            .unwrap();
        alice
    }
}

fn whisper(
    record: &mut SessionRecord,
    addresses: Addresses<'_>,
    rng: &mut StdRng,
) -> SignalMessage {
    match record.encrypt(b"x", addresses, NOW, rng).unwrap() {
        CiphertextMessage::Whisper(m) => m,
        _ => panic!("expected a SignalMessage"),
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A `SignalMessage` from nobody with an unknown ratchet key, the largest
/// allowed counter and the largest allowed SPQR key index of epoch 0.
fn forged(rng: &mut StdRng) -> SignalMessage {
    let ratchet = KeyPair::generate(rng).public_key.serialize();
    let mut pq = vec![0x01];
    varint(&mut pq, 1);
    varint(&mut pq, u64::from(MAX_FORWARD_JUMPS));
    pq.push(0);
    let mut bytes = vec![0x44, 0x0a, ratchet.len() as u8];
    bytes.extend_from_slice(&ratchet);
    bytes.push(0x10);
    varint(&mut bytes, u64::from(MAX_FORWARD_JUMPS));
    bytes.extend_from_slice(&[0x18, 0x00, 0x22, 16]);
    bytes.extend_from_slice(&[0u8; 16]);
    bytes.extend_from_slice(&[0x2a, pq.len() as u8]);
    bytes.extend_from_slice(&pq);
    bytes.extend_from_slice(&[0u8; 8]);
    SignalMessage::deserialize(&bytes).unwrap()
}

/// One maximum jump of each chain for the whole call, plus the per-state
/// allowance and the one step each state takes for the message's own key.
fn bound() -> u64 {
    u64::from(MAX_FORWARD_JUMPS) + STATES * (u64::from(WALK_ALLOWANCE_PER_STATE) + 1)
}

#[test]
fn a_forged_message_walks_one_maximum_jump_in_all() {
    let mut rng = StdRng::seed_from_u64(81);
    let p = Peers::new(&mut rng);
    let mut bob = SessionRecord::new();
    for _ in 0..STATES {
        p.new_session(&mut bob, &mut rng);
    }
    assert_eq!(bob.archived_count(), ARCHIVED_STATES_MAX_LENGTH);
    let before = bob.to_state();
    let message = forged(&mut rng);

    step_counter::take();
    let error = bob.decrypt(&message, p.to_alice(), &mut rng).unwrap_err();
    let (ratchet, spqr) = step_counter::take();

    assert!(matches!(
        error,
        DecryptError::DecryptionFailed {
            reason: FailureReason::MacMismatch,
            ..
        }
    ));
    assert_eq!(*bob.to_state(), *before);
    // The current state, tried first, walks the whole jump on both chains
    // (so the message is a worst case), and the 40 archived states together
    // walk no more than the allowance each: without the shared budget, each
    // of the 41 states walked 25 000 steps of each chain.
    assert!(ratchet >= u64::from(MAX_FORWARD_JUMPS - 1), "{ratchet}");
    assert!(spqr >= u64::from(MAX_FORWARD_JUMPS - 1), "{spqr}");
    assert!(ratchet <= bound(), "{ratchet} > {}", bound());
    assert!(spqr <= bound(), "{spqr} > {}", bound());
}

/// 25 000 encryptions take minutes in a debug build; `cargo bench --bench
/// forged` runs the same case in every benchmark run (and unwraps it).
#[test]
#[ignore = "slow in debug builds: run with --ignored, or see benches/forged.rs"]
fn a_legitimate_maximum_jump_on_the_current_state_decrypts() {
    let mut rng = StdRng::seed_from_u64(82);
    let p = Peers::new(&mut rng);
    let mut bob = SessionRecord::new();
    // A full record, so the archived states' presence changes nothing.
    for _ in 0..ARCHIVED_STATES_MAX_LENGTH {
        p.new_session(&mut bob, &mut rng);
    }
    let mut alice = p.new_session(&mut bob, &mut rng);
    let reply = whisper(&mut bob, p.to_alice(), &mut rng);
    alice.decrypt(&reply, p.to_bob(), &mut rng).unwrap();
    let mut last = None;
    // Alice's first message used SPQR key 1, so her message number 24 999
    // on this chain uses key 25 001: the largest SPQR jump as well.
    for _ in 0..MAX_FORWARD_JUMPS {
        last = Some(whisper(&mut alice, p.to_bob(), &mut rng));
    }
    let far = last.unwrap();
    assert_eq!(far.counter(), MAX_FORWARD_JUMPS - 1);
    assert_eq!(bob.decrypt(&far, p.to_alice(), &mut rng).unwrap(), b"x");
}

#[test]
fn an_archived_state_decrypts_after_the_newer_ones_walked() {
    let mut rng = StdRng::seed_from_u64(83);
    let p = Peers::new(&mut rng);
    let mut bob = SessionRecord::new();
    let mut old_alice = p.new_session(&mut bob, &mut rng);
    let reply = whisper(&mut bob, p.to_alice(), &mut rng);
    old_alice.decrypt(&reply, p.to_bob(), &mut rng).unwrap();
    for _ in 0..ARCHIVED_STATES_MAX_LENGTH {
        p.new_session(&mut bob, &mut rng);
    }
    // The oldest state kept: 40 newer states each walk ~300 steps (more than
    // their allowance) before it is tried, and the pool still has enough.
    let mut last = None;
    for _ in 0..300 {
        last = Some(whisper(&mut old_alice, p.to_bob(), &mut rng));
    }
    let message = last.unwrap();
    let pending = bob
        .decrypt_pending(&message, p.to_alice(), &mut rng)
        .unwrap();
    assert!(pending.promotes_archived_state());
    assert_eq!(pending.commit(), b"x");
}

#[test]
fn an_archived_state_beyond_the_remaining_budget_is_refused() {
    let mut rng = StdRng::seed_from_u64(84);
    let p = Peers::new(&mut rng);
    let mut bob = SessionRecord::new();
    let mut old_alice = p.new_session(&mut bob, &mut rng);
    let reply = whisper(&mut bob, p.to_alice(), &mut rng);
    old_alice.decrypt(&reply, p.to_bob(), &mut rng).unwrap();
    for _ in 0..ARCHIVED_STATES_MAX_LENGTH {
        p.new_session(&mut bob, &mut rng);
    }
    // 40 newer states each walking ~1 000 steps exhaust the 25 000-step
    // pool: the documented deviation (libsignal would decrypt this).
    let mut last = None;
    for _ in 0..1_000 {
        last = Some(whisper(&mut old_alice, p.to_bob(), &mut rng));
    }
    let message = last.unwrap();
    let before = bob.to_state();
    assert!(matches!(
        bob.decrypt(&message, p.to_alice(), &mut rng),
        Err(DecryptError::DecryptionFailed { .. })
    ));
    assert_eq!(*bob.to_state(), *before);
}
