//! The symmetric chain (spqr-internals §5): per chain epoch and direction a
//! KDF chain that hands out one 32-byte key per message, with bounded
//! out-of-order reception.
//!
//! Planning (`plan`) takes `&self` and returns a [`ChainUpdate`] holding only
//! what changes — a new epoch link, a counter and chain key, the skipped keys
//! a jump adds, or the one skipped key a late message uses up. `apply` commits
//! it.

use core::fmt;
use std::collections::VecDeque;

use super::kdf;
use super::secret::Secret;
use super::{Direction, SpqrError};
use crate::skipped_keys::SkippedKeyStore;

/// Default forward-jump limit per chain epoch and direction.
pub(super) const DEFAULT_MAX_JUMP: u32 = 25_000;
/// Default number of out-of-order keys kept behind the newest.
pub(super) const DEFAULT_MAX_OOO_KEYS: u32 = 2_000;

/// Out-of-order limits, with library defaults substituted for 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ChainParams {
    pub(super) max_jump: u32,
    pub(super) max_ooo_keys: u32,
}

impl ChainParams {
    /// From possibly-zero (= default) values.
    pub(super) fn new(max_jump: u32, max_ooo_keys: u32) -> Self {
        Self {
            max_jump: if max_jump == 0 {
                DEFAULT_MAX_JUMP
            } else {
                max_jump
            },
            max_ooo_keys: if max_ooo_keys == 0 {
                DEFAULT_MAX_OOO_KEYS
            } else {
                max_ooo_keys
            },
        }
    }

    /// The stored values: a default is written as 0.
    pub(super) fn stored(&self) -> (u32, u32) {
        (
            if self.max_jump == DEFAULT_MAX_JUMP {
                0
            } else {
                self.max_jump
            },
            if self.max_ooo_keys == DEFAULT_MAX_OOO_KEYS {
                0
            } else {
                self.max_ooo_keys
            },
        )
    }

    /// Store size at which garbage collection runs: ⌊max_ooo · 11/10⌋ + 1.
    pub(super) fn trim_size(&self) -> u64 {
        u64::from(self.max_ooo_keys) * 11 / 10 + 1
    }
}

/// An epoch secret produced by the Braid, to be added to the chain.
pub(super) struct EpochSecret {
    /// SCKA epoch (= the chain epoch it creates).
    pub(super) epoch: u64,
    pub(super) secret: Secret<32>,
}

impl fmt::Debug for EpochSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EpochSecret {{ epoch: {}, secret: <redacted> }}",
            self.epoch
        )
    }
}

// ---------------------------------------------------------------------------
// Skipped keys

/// Bytes per stored key: `BE32(index) ‖ key`.
pub(super) const SKIPPED_RECORD: usize = crate::skipped_keys::RECORD_LEN;

/// The out-of-order store of one direction chain: the crate's one
/// skipped-key container ([`SkippedKeyStore`]), whose buffer is SPQR's
/// stored form (consecutive 36-byte records) and is zeroized on drop and
/// whenever records move.
#[derive(Clone, Default)]
pub(super) struct SkippedKeys(SkippedKeyStore);

impl SkippedKeys {
    /// From the stored form; `None` unless whole records.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        SkippedKeyStore::from_bytes(bytes).map(Self)
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.indices()
    }

    fn position(&self, index: u32) -> Option<usize> {
        self.0.position(index)
    }

    fn key_at(&self, position: usize) -> Option<Secret<32>> {
        self.0
            .get(position)
            .and_then(|(_, key)| Secret::from_slice(key))
    }

    fn push(&mut self, index: u32, key: &[u8; 32]) {
        self.0.push(index, key);
    }

    fn append(&mut self, other: &SkippedKeys) {
        self.0.append(&other.0);
    }

    /// Removes the record at `position` by moving the last record into the
    /// hole (the reference's order).
    fn swap_remove(&mut self, position: usize) {
        self.0.swap_remove(position);
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    /// Lazy garbage collection: once the store holds `trim_size` records,
    /// drop every index below `current − max_ooo_keys`.
    fn collect_garbage(&mut self, current: u32, params: &ChainParams) {
        if (self.len() as u64) < params.trim_size() {
            return;
        }
        let Some(floor) = current.checked_sub(params.max_ooo_keys) else {
            return;
        };
        let mut position = 0;
        while position < self.len() {
            if self.indices().nth(position).is_some_and(|i| i < floor) {
                self.swap_remove(position);
            } else {
                position += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Chain state

/// One direction of one chain epoch.
#[derive(Clone)]
pub(super) struct DirChain {
    /// Index of the last key derived (0 = none yet).
    pub(super) ctr: u32,
    /// The chain key for the next step; `None` once retired.
    pub(super) next: Option<Secret<32>>,
    /// Keys skipped over and not yet used.
    pub(super) skipped: SkippedKeys,
}

impl DirChain {
    fn fresh(seed: &[u8]) -> Self {
        Self {
            ctr: 0,
            next: Secret::from_slice(seed),
            skipped: SkippedKeys::default(),
        }
    }
}

/// The two directions of one chain epoch.
#[derive(Clone)]
pub(super) struct EpochLink {
    pub(super) send: DirChain,
    pub(super) recv: DirChain,
}

impl EpochLink {
    /// Seeds from a 96-byte KDF output (bytes 32..64 always key A2B traffic).
    fn from_kdf(g: &[u8; 96], direction: Direction) -> Self {
        let (a2b, b2a) = (DirChain::fresh(&g[32..64]), DirChain::fresh(&g[64..96]));
        match direction {
            Direction::A2B => Self {
                send: a2b,
                recv: b2a,
            },
            Direction::B2A => Self {
                send: b2a,
                recv: a2b,
            },
        }
    }
}

/// The chain of one party.
#[derive(Clone)]
pub(super) struct Chain {
    pub(super) direction: Direction,
    /// Highest chain epoch added.
    pub(super) current_epoch: u64,
    /// Chain epoch of the last send key.
    pub(super) send_epoch: u64,
    /// Links, oldest first; the last is `current_epoch`.
    pub(super) links: VecDeque<EpochLink>,
    pub(super) next_root: Secret<32>,
    pub(super) params: ChainParams,
}

/// Which key a message needs.
#[derive(Clone, Copy, Debug)]
pub(super) enum KeyRequest {
    /// No key (the peer had no chain yet).
    Nothing,
    /// The next send key of chain epoch `epoch`.
    Send { epoch: u64 },
    /// The receive key `index` of chain epoch `epoch`, walking the chain
    /// forward at most `max_walk` steps (on top of the session's `max_jump`).
    Recv {
        epoch: u64,
        index: u32,
        max_walk: u32,
    },
}

/// A new chain epoch, ready to append.
struct AddedEpoch {
    epoch: u64,
    next_root: Secret<32>,
    link: EpochLink,
}

/// What taking a key changes in one direction chain.
enum ChainOp {
    None,
    Send {
        epoch: u64,
        drop_front: usize,
        link: usize,
        ctr: u32,
        next: Secret<32>,
    },
    Advance {
        link: usize,
        from_ctr: u32,
        clear: bool,
        appended: SkippedKeys,
        ctr: u32,
        next: Secret<32>,
    },
    Take {
        link: usize,
        index: u32,
    },
}

/// The change a message makes to a [`Chain`].
pub(super) struct ChainUpdate {
    /// The chain's `(current_epoch, send_epoch, links)` the plan was made on.
    base: (u64, u64, usize),
    added: Option<AddedEpoch>,
    op: ChainOp,
}

impl ChainUpdate {
    /// How many steps the receiving chain walked forward to plan this update.
    pub(super) fn walked(&self) -> u32 {
        match &self.op {
            ChainOp::Advance { from_ctr, ctr, .. } => ctr.saturating_sub(*from_ctr),
            _ => 0,
        }
    }

    /// Whether this update was planned on `chain` as it is now.
    pub(super) fn fits(&self, chain: &Chain) -> bool {
        if self.base != (chain.current_epoch, chain.send_epoch, chain.links.len()) {
            return false;
        }
        let view = View {
            chain,
            added: self.added.as_ref(),
        };
        match &self.op {
            ChainOp::None => true,
            ChainOp::Send {
                drop_front,
                link,
                ctr,
                ..
            } => view
                .link(link + drop_front)
                .is_some_and(|l| l.send.ctr.checked_add(1) == Some(*ctr)),
            ChainOp::Advance { link, from_ctr, .. } => {
                view.link(*link).is_some_and(|l| l.recv.ctr == *from_ctr)
            }
            ChainOp::Take { link, index } => view
                .link(*link)
                .is_some_and(|l| l.recv.skipped.position(*index).is_some()),
        }
    }
}

impl fmt::Debug for ChainUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match &self.op {
            ChainOp::None => "none".to_owned(),
            ChainOp::Send { epoch, ctr, .. } => format!("send {epoch}:{ctr}"),
            ChainOp::Advance { ctr, appended, .. } => {
                format!("advance to {ctr}, {} skipped", appended.len())
            }
            ChainOp::Take { index, .. } => format!("take {index}"),
        };
        f.debug_struct("ChainUpdate")
            .field("added_epoch", &self.added.as_ref().map(|a| a.epoch))
            .field("op", &op)
            .finish()
    }
}

/// The chain as it will be once `added` is appended (nothing is copied).
struct View<'a> {
    chain: &'a Chain,
    added: Option<&'a AddedEpoch>,
}

impl View<'_> {
    fn current_epoch(&self) -> u64 {
        self.added.map_or(self.chain.current_epoch, |a| a.epoch)
    }

    fn len(&self) -> usize {
        self.chain.links.len() + usize::from(self.added.is_some())
    }

    fn link(&self, i: usize) -> Option<&EpochLink> {
        self.chain.links.get(i).or_else(|| {
            self.added
                .filter(|_| i == self.chain.links.len())
                .map(|a| &a.link)
        })
    }

    /// Position of chain epoch `epoch` in the links (spqr-internals §5.4).
    fn link_index(&self, epoch: u64) -> Result<usize, SpqrError> {
        let current = self.current_epoch();
        let out_of_range = SpqrError::EpochOutOfRange { epoch, current };
        let back = current.checked_sub(epoch).ok_or(out_of_range.clone())?;
        let back = usize::try_from(back).map_err(|_| out_of_range.clone())?;
        if back >= self.len() {
            return Err(out_of_range);
        }
        Ok(self.len() - 1 - back)
    }
}

/// One KDF step from counter `ctr`: (new counter, new chain key, message key).
fn step(next: &Secret<32>, ctr: u32) -> Result<(u32, Secret<32>, Secret<32>), SpqrError> {
    #[cfg(test)]
    crate::ratchet::budget::step_counter::spqr_step();
    let ctr = ctr
        .checked_add(1)
        .ok_or(SpqrError::CorruptState("chain counter exhausted"))?;
    let out = kdf::chain_step(next.as_bytes(), ctr);
    let next = Secret::from_part(&out[..], 0).unwrap_or_else(Secret::zero);
    let key = Secret::from_part(&out[..], 32).unwrap_or_else(Secret::zero);
    Ok((ctr, next, key))
}

impl Chain {
    /// `chain_new(auth_key, direction, params)`.
    pub(super) fn new(auth_key: &[u8; 32], direction: Direction, params: ChainParams) -> Self {
        let g = kdf::chain_start(auth_key);
        Self {
            direction,
            current_epoch: 0,
            send_epoch: 0,
            links: VecDeque::from([EpochLink::from_kdf(&g, direction)]),
            next_root: Secret::from_part(&g[..], 0).unwrap_or_else(Secret::zero),
            params,
        }
    }

    fn plan_add(&self, secret: &EpochSecret) -> Result<AddedEpoch, SpqrError> {
        if Some(secret.epoch) != self.current_epoch.checked_add(1) {
            return Err(SpqrError::CorruptState("epoch secret out of sequence"));
        }
        let g = kdf::chain_add_epoch(self.next_root.as_bytes(), secret.secret.as_bytes());
        Ok(AddedEpoch {
            epoch: secret.epoch,
            next_root: Secret::from_part(&g[..], 0).unwrap_or_else(Secret::zero),
            link: EpochLink::from_kdf(&g, self.direction),
        })
    }

    /// Adds `secret` (if any) and takes the key `request` asks for; returns
    /// the update, and the key with its index.
    pub(super) fn plan(
        &self,
        secret: Option<&EpochSecret>,
        request: KeyRequest,
    ) -> Result<(ChainUpdate, Option<(u32, Secret<32>)>), SpqrError> {
        let added = secret.map(|s| self.plan_add(s)).transpose()?;
        let view = View {
            chain: self,
            added: added.as_ref(),
        };
        let (op, key) = match request {
            KeyRequest::Nothing => (ChainOp::None, None),
            KeyRequest::Send { epoch } => {
                let (op, index, key) = self.plan_send(&view, epoch)?;
                (op, Some((index, key)))
            }
            KeyRequest::Recv {
                epoch,
                index,
                max_walk,
            } => {
                let (op, key) = self.plan_recv(&view, epoch, index, max_walk)?;
                (op, Some((index, key)))
            }
        };
        let base = (self.current_epoch, self.send_epoch, self.links.len());
        Ok((ChainUpdate { base, added, op }, key))
    }

    /// `send_key(epoch)` (spqr-internals §5.5).
    fn plan_send(
        &self,
        view: &View<'_>,
        epoch: u64,
    ) -> Result<(ChainOp, u32, Secret<32>), SpqrError> {
        if epoch < self.send_epoch {
            return Err(SpqrError::SendKeyEpochDecreased {
                epoch,
                send_epoch: self.send_epoch,
            });
        }
        let i = view.link_index(epoch)?;
        // A new send epoch keeps exactly one older link.
        let drop_front = if epoch == self.send_epoch {
            0
        } else {
            i.saturating_sub(1)
        };
        let dir = &view
            .link(i)
            .ok_or(SpqrError::CorruptState("missing link"))?
            .send;
        let next = dir
            .next
            .as_ref()
            .ok_or(SpqrError::CorruptState("send chain retired"))?;
        let (ctr, next, key) = step(next, dir.ctr)?;
        Ok((
            ChainOp::Send {
                epoch,
                drop_front,
                link: i - drop_front,
                ctr,
                next,
            },
            ctr,
            key,
        ))
    }

    /// `recv_key(epoch, at)` (spqr-internals §5.6).
    fn plan_recv(
        &self,
        view: &View<'_>,
        epoch: u64,
        at: u32,
        max_walk: u32,
    ) -> Result<(ChainOp, Secret<32>), SpqrError> {
        let link = view.link_index(epoch)?;
        let dir = &view
            .link(link)
            .ok_or(SpqrError::CorruptState("missing link"))?
            .recv;
        let max_ooo = u64::from(self.params.max_ooo_keys);
        if at > dir.ctr {
            if at - dir.ctr > self.params.max_jump {
                return Err(SpqrError::KeyJump {
                    from: dir.ctr,
                    to: at,
                    max_jump: self.params.max_jump,
                });
            }
            if at - dir.ctr > max_walk {
                return Err(SpqrError::WalkLimit {
                    steps: at - dir.ctr,
                    limit: max_walk,
                });
            }
            let clear = u64::from(at) > u64::from(dir.ctr) + max_ooo;
            let mut next = dir
                .next
                .clone()
                .ok_or(SpqrError::CorruptState("receive chain retired"))?;
            let mut ctr = dir.ctr;
            let mut appended = SkippedKeys::default();
            while ctr + 1 < at {
                let (n, following, key) = step(&next, ctr)?;
                if u64::from(n) + max_ooo >= u64::from(at) {
                    appended.push(n, key.as_bytes());
                }
                (ctr, next) = (n, following);
            }
            let (ctr, following, key) = step(&next, ctr)?;
            let op = ChainOp::Advance {
                link,
                from_ctr: dir.ctr,
                clear,
                appended,
                ctr,
                next: following,
            };
            return Ok((op, key));
        }
        if at < dir.ctr {
            if u64::from(at) + max_ooo < u64::from(dir.ctr) {
                return Err(SpqrError::KeyTrimmed {
                    index: at,
                    ctr: dir.ctr,
                });
            }
            if let Some(key) = dir.skipped.position(at).and_then(|p| dir.skipped.key_at(p)) {
                return Ok((ChainOp::Take { link, index: at }, key));
            }
        }
        Err(SpqrError::KeyAlreadyRequested { index: at })
    }

    /// Commits an update planned on this chain. [`SpqrState::apply`](super::SpqrState::apply) checks
    /// [`ChainUpdate::fits`] before calling, so a misfit here is a bug.
    pub(super) fn apply(&mut self, update: ChainUpdate) {
        debug_assert!(update.fits(self), "chain update planned on another state");
        let ChainUpdate { added, op, .. } = update;
        if let Some(added) = added {
            self.current_epoch = added.epoch;
            self.next_root = added.next_root;
            self.links.push_back(added.link);
        }
        match op {
            ChainOp::None => {}
            ChainOp::Send {
                epoch,
                drop_front,
                link,
                ctr,
                next,
            } => {
                if epoch != self.send_epoch {
                    self.send_epoch = epoch;
                    self.links.drain(..drop_front);
                    for older in self.links.iter_mut().take(link) {
                        older.send.next = None;
                    }
                }
                if let Some(l) = self.links.get_mut(link) {
                    l.send.ctr = ctr;
                    l.send.next = Some(next);
                }
            }
            ChainOp::Advance {
                link,
                clear,
                appended,
                ctr,
                next,
                ..
            } => {
                let params = self.params;
                if let Some(l) = self.links.get_mut(link) {
                    if clear {
                        l.recv.skipped.clear();
                    }
                    l.recv.skipped.append(&appended);
                    l.recv
                        .skipped
                        .collect_garbage(ctr.saturating_sub(1), &params);
                    l.recv.ctr = ctr;
                    l.recv.next = Some(next);
                }
            }
            ChainOp::Take { link, index } => {
                if let Some(l) = self.links.get_mut(link) {
                    if let Some(position) = l.recv.skipped.position(index) {
                        l.recv.skipped.swap_remove(position);
                    }
                }
            }
        }
    }

    /// Total number of stored out-of-order keys (for `Debug` and tests).
    pub(super) fn skipped_count(&self) -> usize {
        self.links
            .iter()
            .map(|l| l.send.skipped.len() + l.recv.skipped.len())
            .sum()
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("direction", &self.direction)
            .field("current_epoch", &self.current_epoch)
            .field("send_epoch", &self.send_epoch)
            .field("links", &self.links.len())
            .field("skipped_keys", &self.skipped_count())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn secret(epoch: u64, byte: u8) -> EpochSecret {
        EpochSecret {
            epoch,
            secret: Secret::from_slice(&[byte; 32]).expect("32"),
        }
    }

    fn send(chain: &mut Chain, epoch: u64) -> Result<(u32, [u8; 32]), SpqrError> {
        send_adding(chain, None, epoch)
    }

    fn send_adding(
        chain: &mut Chain,
        add: Option<&EpochSecret>,
        epoch: u64,
    ) -> Result<(u32, [u8; 32]), SpqrError> {
        let (update, key) = chain.plan(add, KeyRequest::Send { epoch })?;
        chain.apply(update);
        let (index, key) = key.expect("a send key");
        Ok((index, *key.as_bytes()))
    }

    fn recv(chain: &mut Chain, epoch: u64, index: u32) -> Result<[u8; 32], SpqrError> {
        recv_adding(chain, None, epoch, index)
    }

    fn recv_adding(
        chain: &mut Chain,
        add: Option<&EpochSecret>,
        epoch: u64,
        index: u32,
    ) -> Result<[u8; 32], SpqrError> {
        let request = KeyRequest::Recv {
            epoch,
            index,
            max_walk: u32::MAX,
        };
        let (update, key) = chain.plan(add, request)?;
        chain.apply(update);
        Ok(*key.expect("a receive key").1.as_bytes())
    }

    fn pair(params: ChainParams) -> (Chain, Chain) {
        (
            Chain::new(&[0x29; 32], Direction::A2B, params),
            Chain::new(&[0x29; 32], Direction::B2A, params),
        )
    }

    fn default_params() -> ChainParams {
        ChainParams::new(0, 0)
    }

    #[test]
    fn known_answers() {
        // spqr.md §8.2, auth key 32 × 0x29.
        let (mut a, mut b) = pair(default_params());
        assert_eq!(
            hex::encode(a.next_root.as_bytes()),
            "c6f396ad3b038d7bb7eedbabd7c45c83eef0c9c42fca9f44d6f056e4b68be30c"
        );
        let (i1, k1) = send(&mut a, 0).expect("send");
        let (i2, k2) = send(&mut a, 0).expect("send");
        assert_eq!(
            (i1, hex::encode(k1)),
            (
                1,
                "9bcdfae095d09aa8ab367dd231d1d271fe580b555bcc6f64ff079d53d9a9db5d".to_owned()
            )
        );
        assert_eq!(
            (i2, hex::encode(k2)),
            (
                2,
                "6af868be8ea72f8ca3bb819c9623c0c9ffebd6f8503937d8f4fac142ac42a48e".to_owned()
            )
        );
        let (j1, l1) = send(&mut b, 0).expect("send");
        assert_eq!(
            (j1, hex::encode(l1)),
            (
                1,
                "8ede114ee798830a3d35a383e72e96d82a9adca0ac699c12fdf99069220e2da8".to_owned()
            )
        );
        let (i, k) = send_adding(&mut a, Some(&secret(1, 2)), 1).expect("send");
        assert_eq!(
            (i, hex::encode(k)),
            (
                1,
                "69707cbeb164aabdedd7572daba9e678de555391dda3871126bae3d6f7586db9".to_owned()
            )
        );
        let (j, l) = send_adding(&mut b, Some(&secret(1, 2)), 1).expect("send");
        assert_eq!(
            (j, hex::encode(l)),
            (
                1,
                "4a0d5abc3b805a2bff00bb934ea1526614a887a6b73c54d4a51977aba6131e6c".to_owned()
            )
        );
        // And the receivers agree.
        assert_eq!(recv(&mut b, 0, 2).expect("recv"), k2);
        assert_eq!(recv(&mut b, 0, 1).expect("recv"), k1);
        assert_eq!(recv(&mut b, 1, 1).expect("recv"), k);
        assert_eq!(recv(&mut a, 1, 1).expect("recv"), l);
    }

    #[test]
    fn libsignal_session_vector() {
        // double-ratchet.md §10 / session-setup.md §1.3: Bob's first reply in
        // a real libsignal 0.103.0 session carries SPQR message 01 01 01 00,
        // i.e. B2A chain epoch 0, index 1, keyed from the PQXDH spqr_auth.
        let auth: [u8; 32] =
            hex::decode("63ae028a74ebc766f5fa3c08809dfe2927287a18d1c9a929517b39ebee09f5d7")
                .expect("hex")
                .try_into()
                .expect("32");
        let mut bob = Chain::new(&auth, Direction::B2A, default_params());
        let (index, key) = send(&mut bob, 0).expect("send");
        assert_eq!(
            (index, hex::encode(key)),
            (
                1,
                "7bee0e8fce77932c8c719fac644bc355cb3c39bc1ef162cd71932e0c88df6c79".to_owned()
            )
        );
    }

    #[test]
    fn indices_and_keys_match_across_an_epoch() {
        // spqr.md §8.1 chain test (1).
        let (mut a, mut b) = pair(default_params());
        let (index, key) = send(&mut a, 0).expect("send");
        assert_eq!(index, 1);
        assert_eq!(recv(&mut b, 0, 1).expect("recv"), key);
        let s = secret(1, 2);
        let mut last = 0;
        for n in 1..=10 {
            let add = (n == 1).then_some(&s);
            let (index, key) = send_adding(&mut a, add, 1).expect("send");
            assert_eq!(index, n);
            assert_eq!(recv_adding(&mut b, add, 1, index).expect("recv"), key);
            last = index;
        }
        assert_eq!(last, 10);
    }

    #[test]
    fn a_key_is_handed_out_once() {
        // spqr.md §8.1 chain test (2).
        let (mut a, mut b) = pair(default_params());
        send(&mut a, 0).expect("send");
        send(&mut a, 0).expect("send");
        recv(&mut b, 0, 2).expect("recv");
        assert_eq!(
            recv(&mut b, 0, 2),
            Err(SpqrError::KeyAlreadyRequested { index: 2 })
        );
        recv(&mut b, 0, 1).expect("recv");
        assert_eq!(
            recv(&mut b, 0, 1),
            Err(SpqrError::KeyAlreadyRequested { index: 1 })
        );
        assert_eq!(
            recv(&mut b, 0, 0),
            Err(SpqrError::KeyAlreadyRequested { index: 0 })
        );
    }

    #[test]
    fn trimmed_with_small_limits() {
        // spqr.md §8.1 chain test (3): max_jump = max_ooo = 10.
        let (_, mut b) = pair(ChainParams::new(10, 10));
        recv(&mut b, 0, 10).expect("recv 10");
        recv(&mut b, 0, 12).expect("recv 12");
        assert_eq!(
            recv(&mut b, 0, 1),
            Err(SpqrError::KeyTrimmed { index: 1, ctr: 12 })
        );
        assert_eq!(
            recv(&mut b, 0, 23),
            Err(SpqrError::KeyJump {
                from: 12,
                to: 23,
                max_jump: 10
            })
        );
        recv(&mut b, 0, 22).expect("a jump of exactly max_jump");
    }

    #[test]
    fn two_thousand_keys_in_random_order() {
        // spqr.md §8.1 chain test (4).
        let (mut a, mut b) = pair(default_params());
        let mut sent: Vec<(u32, [u8; 32])> =
            (0..2000).map(|_| send(&mut a, 0).expect("send")).collect();
        // A fixed shuffle (xorshift), newest last so that nothing is trimmed.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for i in (1..sent.len() - 1).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            sent.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let last = sent.remove(sent.iter().position(|(i, _)| *i == 2000).expect("2000"));
        assert_eq!(recv(&mut b, 0, last.0).expect("recv"), last.1);
        for (index, key) in sent {
            assert_eq!(recv(&mut b, 0, index).expect("recv"), key, "index {index}");
        }
        assert_eq!(b.skipped_count(), 0);
    }

    #[test]
    fn send_epoch_never_decreases() {
        // spqr.md §8.1 chain test (5).
        let (mut a, _) = pair(default_params());
        send(&mut a, 0).expect("send");
        send_adding(&mut a, Some(&secret(1, 2)), 1).expect("send");
        assert_eq!(
            send(&mut a, 0),
            Err(SpqrError::SendKeyEpochDecreased {
                epoch: 0,
                send_epoch: 1
            })
        );
        assert!(matches!(
            send(&mut a, 2),
            Err(SpqrError::EpochOutOfRange {
                epoch: 2,
                current: 1
            })
        ));
    }

    #[test]
    fn links_are_dropped_when_the_send_epoch_moves() {
        let (mut a, mut b) = pair(default_params());
        for e in 1..=3u64 {
            let s = secret(e, e as u8);
            send_adding(&mut a, Some(&s), e).expect("send");
            let (u, _) = b.plan(Some(&s), KeyRequest::Nothing).expect("add");
            b.apply(u);
        }
        // A keeps its send epoch and one older link; older send chains retire.
        assert_eq!(a.links.len(), 2);
        assert!(a.links[0].send.next.is_none() && a.links[1].send.next.is_some());
        assert!(matches!(
            recv(&mut a, 1, 1),
            Err(SpqrError::EpochOutOfRange {
                epoch: 1,
                current: 3
            })
        ));
        // B never sent: all four links kept, and it can still receive epoch 0.
        assert_eq!(b.links.len(), 4);
        assert!(recv(&mut b, 0, 1).is_ok());
        assert!(matches!(
            b.plan(Some(&secret(5, 5)), KeyRequest::Nothing),
            Err(SpqrError::CorruptState("epoch secret out of sequence"))
        ));
    }

    #[test]
    fn garbage_collection_is_lazy_and_bounded() {
        let params = ChainParams::new(100, 3);
        assert_eq!(params.trim_size(), 4);
        let (_, mut b) = pair(params);
        recv(&mut b, 0, 4).expect("recv"); // stores 1, 2, 3
        assert_eq!(
            b.links[0].recv.skipped.indices().collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        recv(&mut b, 0, 6).expect("recv"); // adds 5; 4 records ≥ trim: drop < 5 − 3
        assert_eq!(
            b.links[0].recv.skipped.indices().collect::<Vec<_>>(),
            vec![5, 2, 3]
        );
        recv(&mut b, 0, 50).expect("recv"); // far jump: everything held is too old
        assert_eq!(
            b.links[0].recv.skipped.indices().collect::<Vec<_>>(),
            vec![47, 48, 49]
        );
    }

    #[test]
    fn a_stale_update_no_longer_fits() {
        let (mut a, _) = pair(default_params());
        let (first, _) = a.plan(None, KeyRequest::Send { epoch: 0 }).expect("plan");
        let (second, _) = a.plan(None, KeyRequest::Send { epoch: 0 }).expect("plan");
        assert!(first.fits(&a) && second.fits(&a));
        a.apply(first);
        assert!(!second.fits(&a)); // planned on the old counter
        assert_eq!(a.links[0].send.ctr, 1);
    }

    #[test]
    fn params_store_defaults_as_zero() {
        assert_eq!(ChainParams::new(0, 0), ChainParams::new(25_000, 2_000));
        assert_eq!(ChainParams::new(0, 0).stored(), (0, 0));
        assert_eq!(ChainParams::new(u32::MAX, 0).stored(), (u32::MAX, 0));
        assert_eq!(ChainParams::new(0, 0).trim_size(), 2201);
    }

    /// A receive against a model: a key is available iff it was not handed
    /// out, is not ahead by more than max_jump, and is at most max_ooo behind.
    #[derive(Debug, Clone)]
    enum Op {
        Recv(u32),
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn key_history_matches_the_model(ops in proptest::collection::vec((0u32..40).prop_map(Op::Recv), 1..60)) {
            // spqr.md §8.1: max_ooo = 3, max_jump = 5.
            let params = ChainParams::new(5, 3);
            let (mut a, mut b) = pair(params);
            let keys: Vec<[u8; 32]> = (0..40).map(|_| send(&mut a, 0).expect("send").1).collect();
            let mut ctr = 0u32;
            let mut used = std::collections::BTreeSet::new();
            for Op::Recv(at) in ops {
                let at = at + 1;
                let expected = if at > ctr {
                    if at - ctr > 5 { Err(SpqrError::KeyJump { from: ctr, to: at, max_jump: 5 }) } else { Ok(()) }
                } else if at < ctr && at + 3 < ctr {
                    Err(SpqrError::KeyTrimmed { index: at, ctr })
                } else if used.contains(&at) || at == ctr {
                    Err(SpqrError::KeyAlreadyRequested { index: at })
                } else {
                    Ok(())
                };
                let before = b.links[0].recv.skipped.as_bytes().to_vec();
                match (recv(&mut b, 0, at), expected) {
                    (Ok(key), Ok(())) => {
                        prop_assert_eq!(key, keys[at as usize - 1]);
                        used.insert(at);
                        ctr = ctr.max(at);
                    }
                    (Err(e), Err(model)) => {
                        prop_assert_eq!(e, model);
                        prop_assert_eq!(b.links[0].recv.skipped.as_bytes(), &before[..]);
                    }
                    (got, model) => prop_assert!(false, "at {at}: got {:?}, model {:?}", got.map(|_| ()), model),
                }
                prop_assert!((b.links[0].recv.skipped.len() as u64) < params.trim_size() + 3);
            }
        }
    }
}
