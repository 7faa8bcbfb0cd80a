//! Fuzzing entry points for SPQR (not API; exempt from semver).
//!
//! `fuzz/fuzz_targets/spqr_recv.rs` and the corpus replay in
//! `tests/fuzz_corpus.rs` call [`spqr_recv`]; the module's property tests run
//! the same harness. The first input byte, modulo 3, picks a mode:
//!
//! * 0 — **messages into a state**: byte 1 picks the receiving party
//!   (bit 0), byte 2 the number of honest lockstep rounds played first
//!   (mod 50), then the rest is a list of `len ‖ bytes` messages fed to
//!   `recv`.
//! * 1 — **a two-party conversation** driven by the remaining bytes as
//!   `(op, arg)` pairs — op / 2 mod 6: 0, 1 send; 2 deliver the oldest
//!   pending message; 3 deliver the arg-th pending one; 4 re-deliver a
//!   delivered one (even arg) or drop the oldest pending one (odd arg);
//!   5 tamper with a copy (one more byte: the XOR mask); op bit 0 picks the
//!   side — followed by a lossless lockstep phase.
//! * 2 — **a corrupted stored state**: byte 1 picks the party, byte 2 the
//!   warm-up rounds (mod 50), byte 3 how many bytes to cut off the end of its
//!   stored state, then `(offset_hi, offset_lo, xor)` triples edit it; the
//!   result is loaded and, if it loads, used.
//!
//! Checked invariants: nothing panics; a failed `recv` leaves `serialize()`
//! byte-identical; every state round-trips through `serialize` /
//! `deserialize` (after every step of the script and of the messages fed in;
//! every 8th send during warm-up and the final lockstep); an untampered
//! message that is accepted yields the sender's key, and is never accepted
//! twice; honest deliveries fail only with duplicate/old-key/old-epoch
//! errors; `send` never fails on a state reached through the protocol; a
//! minimum-version-V1 state never drops to V0; after the lockstep phase of an
//! untampered conversation both parties have completed at least one more
//! epoch; a corrupted stored state either fails with a state-decode error or
//! loads into a state whose stored form is a fixed point.

use core::convert::Infallible;
use core::fmt;

use rand_core::{TryCryptoRng, TryRng};

use super::{Direction, Params, SpqrError, SpqrState, Version};
use crate::primitives::hmac_sha256;

/// A broken invariant, described.
pub struct Finding(pub String);

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn finding(what: impl Into<String>) -> Finding {
    Finding(what.into())
}

/// Longest conversation script read from an input.
const MAX_SCRIPT: usize = 1500;
/// Lossless lockstep rounds after a conversation (an epoch needs 43 from its
/// start; one in progress needs fewer).
const LOCKSTEP_ROUNDS: usize = 60;
/// Outside the script, states are reloaded through their stored form only
/// every this many sends (it dominates the fuzzer's time otherwise).
const RELOAD_EVERY: u64 = 8;

/// A deterministic byte stream (HMAC-SHA256 in counter mode) so that every
/// finding reproduces. For tests only: it is seeded with a constant.
pub(super) struct DeterministicRng {
    key: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl DeterministicRng {
    pub(super) fn new(label: &[u8]) -> Self {
        Self {
            key: hmac_sha256(b"hush spqr fuzzing", &[label]),
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }
}

impl TryRng for DeterministicRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.used == self.block.len() {
                self.block = hmac_sha256(&self.key, &[&self.counter.to_be_bytes()]);
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for DeterministicRng {}

/// One party of a conversation.
pub(super) struct Party {
    pub(super) state: SpqrState,
    rng: DeterministicRng,
    /// Check every step (reload after each change, compare the stored form
    /// around each failed receive); otherwise reload every [`RELOAD_EVERY`]
    /// sends.
    thorough: bool,
    sends: u64,
}

pub(super) fn params(direction: Direction) -> Params {
    Params {
        auth_key: [0x5a; 32],
        direction,
        version: Version::V1,
        min_version: Version::V1,
        max_jump: 0,
        max_ooo_keys: 0,
    }
}

impl Party {
    pub(super) fn new(direction: Direction) -> Self {
        let label: &[u8] = match direction {
            Direction::A2B => b"A",
            Direction::B2A => b"B",
        };
        Self {
            state: SpqrState::initial(&params(direction)),
            rng: DeterministicRng::new(label),
            thorough: true,
            sends: 0,
        }
    }

    /// Sends and commits; `send` must not fail on an honest state.
    pub(super) fn send(&mut self) -> Result<(Vec<u8>, Option<[u8; 32]>), Finding> {
        let sent = self
            .state
            .send(&mut self.rng)
            .map_err(|e| finding(format!("send failed: {e}")))?;
        self.state.apply(sent.update);
        self.sends += 1;
        if self.thorough || self.sends % RELOAD_EVERY == 0 {
            self.reload()?;
        }
        Ok((sent.message, sent.key.as_deref().copied()))
    }

    /// Receives; commits only when `commit` says so given the key. A failed
    /// receive must leave the state byte-identical.
    pub(super) fn recv(
        &mut self,
        message: &[u8],
        commit: impl FnOnce(&Option<[u8; 32]>) -> bool,
    ) -> Result<Result<Option<[u8; 32]>, SpqrError>, Finding> {
        let before = self.thorough.then(|| self.state.serialize());
        match self.state.recv(message) {
            Ok(received) => {
                let key = received.key.as_deref().copied();
                if commit(&key) {
                    self.state.apply(received.update);
                    if self.thorough {
                        self.reload()?;
                    }
                }
                Ok(Ok(key))
            }
            Err(e) => {
                if e.is_state_error() {
                    return Err(finding(format!(
                        "recv reported a state error on a valid state: {e}"
                    )));
                }
                if before.is_some_and(|b| b != self.state.serialize()) {
                    return Err(finding("a failed recv changed the state"));
                }
                Ok(Err(e))
            }
        }
    }

    /// Replaces the state by its serialize/deserialize round trip, checking
    /// that this is the identity on the bytes.
    fn reload(&mut self) -> Result<(), Finding> {
        let bytes = self.state.serialize();
        let loaded = SpqrState::deserialize(&bytes)
            .map_err(|e| finding(format!("own state does not load: {e}")))?;
        if loaded.serialize() != bytes {
            return Err(finding("serialize/deserialize is not a round trip"));
        }
        self.state = loaded;
        Ok(())
    }

    pub(super) fn epoch(&self) -> u64 {
        self.state.0.as_ref().map_or(0, |a| a.braid.epoch)
    }
}

/// One lossless round: A sends, B receives; B sends, A receives. Keys must
/// agree.
pub(super) fn lockstep_round(a: &mut Party, b: &mut Party) -> Result<(), Finding> {
    lockstep_message(a, b)?;
    lockstep_message(b, a)
}

fn lockstep_message(sender: &mut Party, receiver: &mut Party) -> Result<(), Finding> {
    let (message, key) = sender.send()?;
    match receiver.recv(&message, |_| true)? {
        Ok(got) if got == key && key.is_some() => Ok(()),
        Ok(_) => Err(finding("lockstep keys differ")),
        Err(e) => Err(finding(format!("lockstep delivery failed: {e}"))),
    }
}

/// Sends one message and delivers it, committing only if the keys match.
fn best_effort_message(sender: &mut Party, receiver: &mut Party) -> Result<(), Finding> {
    let (message, key) = sender.send()?;
    // Rejections are expected here (tampered history).
    let _ = receiver.recv(&message, |got| *got == key)?;
    Ok(())
}

/// The fuzz target: see the module documentation.
///
/// # Errors
/// A [`Finding`] when an invariant is broken.
pub fn spqr_recv(data: &[u8]) -> Result<(), Finding> {
    match data.first().map(|mode| mode % 3) {
        None => Ok(()),
        Some(0) => messages_into_state(&data[1..]),
        Some(1) => conversation(&data[1..]).map(|_| ()),
        Some(_) => corrupted_state(&data[1..]),
    }
}

fn corrupted_state(data: &[u8]) -> Result<(), Finding> {
    let (role, warm_up, cut, edits) = match data {
        [role, warm, cut, edits @ ..] => (role & 1, warm % 50, usize::from(*cut), edits),
        _ => return Ok(()),
    };
    let mut a = Party::new(Direction::A2B);
    let mut b = Party::new(Direction::B2A);
    (a.thorough, b.thorough) = (false, false);
    for _ in 0..warm_up {
        lockstep_round(&mut a, &mut b)?;
    }
    let (target, peer) = if role == 1 {
        (&mut b, &mut a)
    } else {
        (&mut a, &mut b)
    };
    let mut bytes = target.state.serialize();
    bytes.truncate(bytes.len().saturating_sub(cut));
    for edit in edits.chunks_exact(3) {
        if bytes.is_empty() {
            break;
        }
        let at = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % bytes.len();
        bytes[at] ^= edit[2];
    }
    let loaded = match SpqrState::deserialize(&bytes) {
        Ok(state) => state,
        Err(SpqrError::StateDecode(_)) => return Ok(()),
        Err(e) => {
            return Err(finding(format!(
                "deserialize failed with a non-decode error: {e}"
            )))
        }
    };
    let stored = loaded.serialize();
    match SpqrState::deserialize(&stored) {
        Ok(again) if again.serialize() == stored => {}
        _ => return Err(finding("a loaded state's stored form is not a fixed point")),
    }
    // Use it: errors are allowed (the state may be inconsistent), panics not.
    target.state = loaded;
    if let Ok(sent) = target.state.send(&mut target.rng) {
        let mut copy = target.state.clone();
        copy.apply(sent.update);
        let _ = peer.state.recv(&sent.message);
    }
    let (message, _) = peer.send()?;
    if let Ok(received) = target.state.recv(&message) {
        target.state.apply(received.update);
        let stored = target.state.serialize();
        if SpqrState::deserialize(&stored).map(|s| s.serialize()) != Ok(stored) {
            return Err(finding("a used corrupted state no longer round-trips"));
        }
    }
    Ok(())
}

fn messages_into_state(data: &[u8]) -> Result<(), Finding> {
    let (role, warm_up, mut rest) = match data {
        [role, warm, rest @ ..] => (role & 1, warm % 50, rest),
        _ => return Ok(()),
    };
    let mut a = Party::new(Direction::A2B);
    let mut b = Party::new(Direction::B2A);
    (a.thorough, b.thorough) = (false, false);
    for _ in 0..warm_up {
        lockstep_round(&mut a, &mut b)?;
    }
    let target = if role == 1 { &mut b } else { &mut a };
    target.thorough = true;
    target.reload()?;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (message, next) = tail.split_at(len);
        rest = next;
        let _ = target.recv(message, |_| true)?;
        if target.state.is_empty() {
            return Err(finding("a minimum-version-V1 state negotiated down to V0"));
        }
    }
    // Whatever was accepted, the state can still send.
    target.send()?;
    Ok(())
}

/// A message in flight.
struct InFlight {
    bytes: Vec<u8>,
    key: Option<[u8; 32]>,
    /// Accepted (and committed) once already.
    delivered: bool,
}

/// What a conversation did.
#[derive(Debug, Default)]
pub(super) struct ConversationStats {
    pub(super) sent: usize,
    pub(super) delivered: usize,
    pub(super) rejected: usize,
    pub(super) tampered: bool,
    pub(super) epochs_before_lockstep: (u64, u64),
    pub(super) epochs_after: (u64, u64),
}

/// A byte-driven two-party conversation, then a lossless lockstep phase.
pub(super) fn conversation(script: &[u8]) -> Result<ConversationStats, Finding> {
    let mut a = Party::new(Direction::A2B);
    let mut b = Party::new(Direction::B2A);
    // queues[0]: A→B, queues[1]: B→A.
    let mut queues: [Vec<InFlight>; 2] = [Vec::new(), Vec::new()];
    let mut stats = ConversationStats::default();
    let mut bytes = script.iter().take(MAX_SCRIPT).copied();
    while let Some(op) = bytes.next() {
        let side = usize::from(op & 1);
        let arg = usize::from(bytes.next().unwrap_or(0));
        let (sender, receiver) = if side == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let queue = &mut queues[side];
        match (op >> 1) % 6 {
            // Send.
            0 | 1 => {
                let (bytes, key) = sender.send()?;
                if key.is_none() {
                    return Err(finding("a V1/V1 session sent without a key"));
                }
                queue.push(InFlight {
                    bytes,
                    key,
                    delivered: false,
                });
                stats.sent += 1;
            }
            // Deliver the oldest (or the arg-th newest: reordering) undelivered message.
            2 | 3 => {
                let pending: Vec<usize> =
                    (0..queue.len()).filter(|&i| !queue[i].delivered).collect();
                if pending.is_empty() {
                    continue;
                }
                let i = if (op >> 1) & 1 == 0 {
                    pending[0]
                } else {
                    pending[arg % pending.len()]
                };
                deliver(receiver, &mut queue[i], &mut stats)?;
            }
            // Duplicate: re-deliver an already delivered message, or drop the oldest pending one.
            4 => {
                let done: Vec<usize> = (0..queue.len()).filter(|&i| queue[i].delivered).collect();
                if arg % 2 == 0 && !done.is_empty() {
                    let i = done[arg / 2 % done.len()];
                    deliver(receiver, &mut queue[i], &mut stats)?;
                } else if let Some(i) = (0..queue.len()).find(|&i| !queue[i].delivered) {
                    queue.remove(i);
                }
            }
            // Tamper with a copy of a pending message; commit only if the key
            // still matches (the Double Ratchet MAC would pass).
            _ => {
                let Some(item) = queue.iter().find(|m| !m.delivered) else {
                    continue;
                };
                let mut copy = item.bytes.clone();
                if copy.is_empty() {
                    continue;
                }
                let at = arg % copy.len();
                copy[at] ^= bytes.next().unwrap_or(1) | 1;
                let key = item.key;
                if let Ok(Some(got)) = receiver.recv(&copy, |got| *got == key)? {
                    if Some(got) == key {
                        stats.tampered = true;
                    }
                }
            }
        }
    }
    // Drain: deliver everything still pending, in order.
    for (side, queue) in queues.iter_mut().enumerate() {
        let receiver = if side == 0 { &mut b } else { &mut a };
        for item in queue.iter_mut().filter(|m| !m.delivered) {
            deliver(receiver, item, &mut stats)?;
        }
    }
    stats.epochs_before_lockstep = (a.epoch(), b.epoch());
    (a.thorough, b.thorough) = (false, false);
    if stats.tampered {
        // Tampered chunks may have been accepted; the exchange may be stuck
        // by design (MAC failures), so only robustness is checked.
        for _ in 0..LOCKSTEP_ROUNDS / 10 {
            best_effort_message(&mut a, &mut b)?;
            best_effort_message(&mut b, &mut a)?;
        }
    } else {
        let start = a.epoch().max(b.epoch());
        for _ in 0..LOCKSTEP_ROUNDS {
            lockstep_round(&mut a, &mut b)?;
        }
        if a.epoch().min(b.epoch()) <= start {
            return Err(finding(format!(
                "no epoch completed in lockstep: start {start}, now {}/{}",
                a.epoch(),
                b.epoch()
            )));
        }
    }
    stats.epochs_after = (a.epoch(), b.epoch());
    Ok(stats)
}

fn deliver(
    receiver: &mut Party,
    item: &mut InFlight,
    stats: &mut ConversationStats,
) -> Result<(), Finding> {
    let key = item.key;
    match receiver.recv(&item.bytes, |_| true)? {
        Ok(got) => {
            if item.delivered {
                return Err(finding("a message was accepted twice"));
            }
            if got != key {
                return Err(finding("receiver derived a different key"));
            }
            item.delivered = true;
            stats.delivered += 1;
        }
        Err(
            SpqrError::KeyAlreadyRequested { .. }
            | SpqrError::KeyTrimmed { .. }
            | SpqrError::EpochOutOfRange { .. },
        ) => {
            item.delivered = true; // it can never be accepted now
            stats.rejected += 1;
        }
        Err(e) if stats.tampered => {
            let _ = e;
            stats.rejected += 1;
        }
        Err(e) => return Err(finding(format!("an honest message was rejected: {e}"))),
    }
    Ok(())
}
