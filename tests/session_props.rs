//! Property tests over random conversation schedules between two hush
//! parties: sends, deliveries in any order, drops, duplicates and tampering.
//!
//! * every failed decryption leaves the receiver's record byte-identical, and
//!   so does a pending decryption that is dropped instead of committed;
//! * a tampered message never decrypts to anything but the original, and a
//!   PreKey message whose identity field was changed never decrypts at all;
//! * every untampered message decrypts exactly once, unless its sending
//!   chain had already been trimmed at the receiver (libsignal keeps 5
//!   receiving chains), in which case it fails without changing state.

mod common;

use common::{rng, Party};
use hush::keys::PublicKey;
use hush::messages::{CiphertextMessage, PreKeySignalMessage, SignalMessage};
use hush::session::{Addresses, DecryptError};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Action {
    Send {
        from_alice: bool,
    },
    Deliver {
        pick: usize,
    },
    Drop {
        pick: usize,
    },
    Duplicate {
        pick: usize,
    },
    Tamper {
        pick: usize,
        position: usize,
        bit: u8,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => any::<bool>().prop_map(|from_alice| Action::Send { from_alice }),
        4 => any::<usize>().prop_map(|pick| Action::Deliver { pick }),
        1 => any::<usize>().prop_map(|pick| Action::Drop { pick }),
        1 => any::<usize>().prop_map(|pick| Action::Duplicate { pick }),
        2 => (any::<usize>(), any::<usize>(), 0u8..8).prop_map(|(pick, position, bit)| Action::Tamper { pick, position, bit }),
    ]
}

struct InFlight {
    to_alice: bool,
    message: CiphertextMessage,
    plaintext: Vec<u8>,
    ratchet_key: PublicKey,
}

/// What a receiver has seen of the other side's sending chains, newest last.
#[derive(Default)]
struct KnownChains(Vec<PublicKey>);

impl KnownChains {
    fn trimmed(&self, key: &PublicKey, ever_seen: &[PublicKey]) -> bool {
        ever_seen.contains(key) && !self.0.contains(key)
    }
    fn saw(&mut self, key: PublicKey, ever_seen: &mut Vec<PublicKey>) {
        if !self.0.contains(&key) {
            self.0.push(key);
            ever_seen.push(key);
            if self.0.len() > 5 {
                self.0.remove(0);
            }
        }
    }
}

fn ratchet_key(m: &CiphertextMessage) -> PublicKey {
    match m {
        CiphertextMessage::Whisper(w) => *w.ratchet_key(),
        CiphertextMessage::PreKey(p) => *p.message().ratchet_key(),
    }
}

fn reparse(m: &CiphertextMessage, bytes: &[u8]) -> Option<CiphertextMessage> {
    match m {
        CiphertextMessage::Whisper(_) => SignalMessage::deserialize(bytes)
            .ok()
            .map(CiphertextMessage::Whisper),
        CiphertextMessage::PreKey(_) => PreKeySignalMessage::deserialize(bytes)
            .ok()
            .map(CiphertextMessage::PreKey),
    }
}

fn run_schedule(seed: u64, actions: Vec<Action>) -> Result<(), TestCaseError> {
    let mut r = rng(seed);
    let mut alice = Party::new("9d0652a3-dcc3-4d11-975f-74d61598733f", 1, &mut r);
    let mut bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", 2, &mut r);
    let (a_addr, b_addr) = (alice.address.clone(), bob.address.clone());
    alice.start_session(bob.bundle(true), &mut r);
    let mut pending: Vec<InFlight> = Vec::new();
    let mut delivered: Vec<InFlight> = Vec::new();
    let (mut alice_known, mut bob_known) = (KnownChains::default(), KnownChains::default());
    let (mut alice_ever, mut bob_ever) = (Vec::new(), Vec::new());
    let mut sent = 0u32;

    for action in actions {
        match action {
            Action::Send { from_alice } => {
                // Bob has no session until Alice's first message arrives.
                if !from_alice && !bob.record.has_current_state() {
                    continue;
                }
                sent += 1;
                let plaintext = format!("message {sent}").into_bytes();
                let message = if from_alice {
                    alice.encrypt(&b_addr, &plaintext, &mut r)
                } else {
                    bob.encrypt(&a_addr, &plaintext, &mut r)
                };
                let ratchet_key = ratchet_key(&message);
                pending.push(InFlight {
                    to_alice: !from_alice,
                    message,
                    plaintext,
                    ratchet_key,
                });
            }
            Action::Drop { pick } if !pending.is_empty() => {
                pending.remove(pick % pending.len());
            }
            Action::Deliver { pick } if !pending.is_empty() => {
                let item = pending.remove(pick % pending.len());
                let (receiver, from, known, ever) = if item.to_alice {
                    (&mut alice, &b_addr, &mut alice_known, &mut alice_ever)
                } else {
                    (&mut bob, &a_addr, &mut bob_known, &mut bob_ever)
                };
                let before = receiver.record.to_state();
                if let CiphertextMessage::Whisper(m) = &item.message {
                    // A pending decryption that is dropped changes nothing.
                    let addresses = Addresses {
                        local: &receiver.address,
                        remote: from,
                    };
                    if let Ok(pending) = receiver.record.decrypt_pending(m, addresses, &mut r) {
                        prop_assert_eq!(pending.plaintext(), item.plaintext.as_slice());
                    }
                    prop_assert_eq!(
                        &*before,
                        &*receiver.record.to_state(),
                        "a dropped pending decryption changed the record"
                    );
                }
                let result = receiver.decrypt(from, &item.message, &mut r);
                if known.trimmed(&item.ratchet_key, ever) {
                    prop_assert!(
                        matches!(result, Err(DecryptError::DecryptionFailed { .. })),
                        "trimmed chain: {result:?}"
                    );
                    prop_assert_eq!(&*before, &*receiver.record.to_state());
                } else {
                    prop_assert_eq!(
                        result.as_deref().ok(),
                        Some(item.plaintext.as_slice()),
                        "{:?}",
                        result
                    );
                    known.saw(item.ratchet_key, ever);
                    delivered.push(item);
                }
            }
            Action::Duplicate { pick } if !delivered.is_empty() => {
                let item = &delivered[pick % delivered.len()];
                let receiver = if item.to_alice { &mut alice } else { &mut bob };
                let from = if item.to_alice { &b_addr } else { &a_addr };
                let before = receiver.record.to_state();
                let result = receiver.decrypt(from, &item.message, &mut r);
                prop_assert!(result.is_err(), "a duplicate decrypted");
                prop_assert_eq!(&*before, &*receiver.record.to_state());
            }
            Action::Tamper {
                pick,
                position,
                bit,
            } if !pending.is_empty() => {
                let item = &pending[pick % pending.len()];
                let mut bytes = item.message.serialized().to_vec();
                let at = position % bytes.len();
                bytes[at] ^= 1 << bit;
                let Some(tampered) = reparse(&item.message, &bytes) else {
                    continue;
                };
                let receiver = if item.to_alice { &mut alice } else { &mut bob };
                let from = if item.to_alice { &b_addr } else { &a_addr };
                let before = receiver.record.to_state();
                match receiver.decrypt(from, &tampered, &mut r) {
                    Err(_) => prop_assert_eq!(
                        &*before,
                        &*receiver.record.to_state(),
                        "failed decrypt changed state"
                    ),
                    // A tampered Whisper message never decrypts. A tampered
                    // PreKey message may, when a changed field is one the
                    // resumed state does not use (registration or pre-key
                    // IDs), but never with another identity: a changed
                    // identity field never decrypts through a state of
                    // another identity (session-setup.md §4 step 2).
                    Ok(plaintext) => {
                        let (
                            CiphertextMessage::PreKey(original),
                            CiphertextMessage::PreKey(changed),
                        ) = (&item.message, &tampered)
                        else {
                            return Err(TestCaseError::fail("tampered Whisper message decrypted"));
                        };
                        prop_assert_eq!(
                            changed.identity_key(),
                            original.identity_key(),
                            "a changed identity field decrypted"
                        );
                        prop_assert_eq!(
                            receiver.record.remote_identity(),
                            Some(changed.identity_key())
                        );
                        prop_assert_eq!(&plaintext, &item.plaintext);
                        let item = pending.remove(pick % pending.len());
                        let known = if item.to_alice {
                            &mut alice_known
                        } else {
                            &mut bob_known
                        };
                        let ever = if item.to_alice {
                            &mut alice_ever
                        } else {
                            &mut bob_ever
                        };
                        known.saw(item.ratchet_key, ever);
                        delivered.push(item);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Bob holds `archived` sessions from other identities under Alice's
/// address, then Alice's; a PreKey message of any of them, with its identity
/// field rewritten to any other party's key, is refused and changes nothing.
fn run_identity_swap(
    seed: u64,
    archived: usize,
    victim: usize,
    claimed: usize,
) -> Result<(), TestCaseError> {
    let mut r = rng(seed);
    let name = "9d0652a3-dcc3-4d11-975f-74d61598733f";
    let mut senders: Vec<Party> = (0..=archived)
        .map(|i| Party::new(name, 10 + i as u32, &mut r))
        .collect();
    let mut bob = Party::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", 2, &mut r);
    let (a, b) = (senders[0].address.clone(), bob.address.clone());
    for sender in &mut senders {
        sender.start_session(bob.bundle(false), &mut r);
        let first = sender.encrypt(&b, b"hello", &mut r);
        prop_assert!(bob.decrypt(&a, &first, &mut r).is_ok());
    }
    let victim = victim % senders.len();
    let mut claimed = claimed % senders.len();
    if claimed == victim {
        claimed = (claimed + 1) % senders.len();
    }
    let CiphertextMessage::PreKey(message) = senders[victim].encrypt(&b, b"swap", &mut r) else {
        return Err(TestCaseError::fail("expected a PreKey message"));
    };
    let old = message.identity_key().serialize();
    let new = senders[claimed].local.key_pair.identity_key().serialize();
    let mut bytes = message.serialized().to_vec();
    let Some(at) = bytes.windows(33).position(|w| w == old.as_slice()) else {
        return Err(TestCaseError::fail("identity key not found"));
    };
    bytes[at..at + 33].copy_from_slice(&new);
    let swapped =
        PreKeySignalMessage::deserialize(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let before = bob.record.to_state();
    let result = bob.decrypt(&a, &CiphertextMessage::PreKey(swapped), &mut r);
    prop_assert_eq!(result, Err(DecryptError::InconsistentRemoteIdentity));
    prop_assert_eq!(&*before, &*bob.record.to_state());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_identity_field_never_resumes_a_state_of_another_identity(
        seed in any::<u64>(), archived in 1usize..4, victim in any::<usize>(), claimed in any::<usize>()
    ) {
        run_identity_swap(seed, archived, victim, claimed)?;
    }

    #[test]
    fn random_schedules_keep_every_invariant(seed in any::<u64>(), actions in proptest::collection::vec(action(), 1..80)) {
        run_schedule(seed, actions)?;
    }
}
