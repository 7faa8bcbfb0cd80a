//! Property tests over random conversation schedules between two hush
//! parties: sends, deliveries in any order, drops, duplicates and tampering.
//!
//! * every failed decryption leaves the receiver's record byte-identical, and
//!   so does a pending decryption that is dropped instead of committed;
//! * a tampered message never decrypts to anything but the original;
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
                    // Only unauthenticated outer fields of a PreKey message for
                    // an existing session can change without failing; the
                    // plaintext is then the original one.
                    Ok(plaintext) => {
                        prop_assert!(
                            matches!(item.message, CiphertextMessage::PreKey(_)),
                            "tampered Whisper message decrypted"
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_schedules_keep_every_invariant(seed in any::<u64>(), actions in proptest::collection::vec(action(), 1..80)) {
        run_schedule(seed, actions)?;
    }
}
