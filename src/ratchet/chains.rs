//! Sending and receiving chains, and the skipped-key store with libsignal's
//! limits (double-ratchet.md §5).

use super::keys::{ChainKey, MessageKeySeed};
use crate::keys::{KeyPair, PublicKey};
use crate::skipped_keys::SkippedKeyStore;

/// Largest allowed `counter − next_index` on a receiving chain (for
/// self-sessions, [`MAX_SELF_SESSION_JUMPS`](super::MAX_SELF_SESSION_JUMPS)).
pub const MAX_FORWARD_JUMPS: u32 = 25_000;
/// Most skipped message keys kept per receiving chain.
pub const MAX_MESSAGE_KEYS: usize = 2_000;
/// Most receiving chains kept per session state.
pub const MAX_RECEIVER_CHAINS: usize = 5;

/// Our current sending chain.
#[derive(Clone, Debug)]
pub(crate) struct SenderChain {
    pub(crate) ratchet_key: KeyPair,
    pub(crate) chain_key: ChainKey,
}

/// A skipped message's key, kept until the message arrives or is trimmed.
#[derive(Clone, Debug)]
pub(crate) struct SkippedKey {
    pub(crate) index: u32,
    pub(crate) seed: MessageKeySeed,
}

/// A receiving chain: the peer's ratchet key, the chain key for the next
/// expected counter, and skipped keys **oldest first** (indices strictly
/// increase; the stored form lists them newest first, as libsignal does).
#[derive(Clone, Debug)]
pub(crate) struct ReceiverChain {
    pub(crate) ratchet_key: PublicKey,
    pub(crate) chain_key: ChainKey,
    pub(crate) skipped: SkippedKeyStore,
}

/// Why a counter could not be consumed on a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumeError {
    /// Below the chain and no stored key: already used or trimmed.
    Duplicate { chain_index: u32, counter: u32 },
    /// More than [`MAX_FORWARD_JUMPS`] ahead.
    TooFarInFuture,
    /// Further ahead than this call's walk budget still allows.
    OverBudget,
    /// The 32-bit chain counter would overflow.
    ChainExhausted,
}

/// The outcome of consuming a counter, not yet applied to the chain.
#[derive(Debug)]
pub(crate) enum Consumed {
    /// A stored skipped key, at this position of the skipped list.
    Skipped {
        position: usize,
        seed: MessageKeySeed,
    },
    /// The chain moves forward: the seed for the counter, the new chain key,
    /// and the skipped keys to store (ascending index order, already limited
    /// to the newest [`MAX_MESSAGE_KEYS`]).
    Advanced {
        /// Steps walked: `counter − next index`.
        jump: u32,
        seed: MessageKeySeed,
        chain_key: ChainKey,
        skipped: Vec<SkippedKey>,
    },
}

impl ReceiverChain {
    pub(crate) fn new(ratchet_key: PublicKey, chain_key: ChainKey) -> Self {
        Self {
            ratchet_key,
            chain_key,
            skipped: SkippedKeyStore::default(),
        }
    }

    /// Works out the seed for `counter` without changing the chain, walking
    /// at most `max_jump` steps (the session's limit) and `max_walk` steps
    /// (what the call's [`WalkBudget`](super::budget::WalkBudget) allows).
    pub(crate) fn consume(
        &self,
        counter: u32,
        max_jump: u32,
        max_walk: u32,
    ) -> Result<Consumed, ConsumeError> {
        let next = self.chain_key.index();
        if counter < next {
            // Indices increase from front to back.
            return match self
                .skipped
                .binary_search(counter)
                .and_then(|position| Some((position, self.skipped.get(position)?)))
            {
                Some((position, (_, seed))) => Ok(Consumed::Skipped {
                    position,
                    seed: MessageKeySeed(*seed),
                }),
                None => Err(ConsumeError::Duplicate {
                    chain_index: next,
                    counter,
                }),
            };
        }
        let jump = counter - next;
        if jump > max_jump {
            return Err(ConsumeError::TooFarInFuture);
        }
        if jump > max_walk {
            return Err(ConsumeError::OverBudget);
        }
        let walk = self
            .chain_key
            .walk_to(counter, MAX_MESSAGE_KEYS)
            .ok_or(ConsumeError::ChainExhausted)?;
        let skipped = walk
            .skipped
            .into_iter()
            .map(|(index, seed)| SkippedKey { index, seed })
            .collect();
        Ok(Consumed::Advanced {
            jump,
            seed: walk.seed,
            chain_key: walk.next,
            skipped,
        })
    }

    /// Applies a [`Consumed`] computed by [`Self::consume`] on this chain.
    pub(crate) fn apply(&mut self, consumed: Consumed) {
        match consumed {
            Consumed::Skipped { position, .. } => {
                self.skipped.remove(position);
            }
            Consumed::Advanced {
                chain_key, skipped, ..
            } => {
                for key in skipped {
                    self.skipped.push(key.index, &key.seed.0);
                }
                let excess = self.skipped.len().saturating_sub(MAX_MESSAGE_KEYS);
                self.skipped.remove_first(excess);
                self.chain_key = chain_key;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use subtle::ConstantTimeEq;

    use super::*;
    use crate::keys::PrivateKey;

    fn chain() -> ReceiverChain {
        let key = PrivateKey::deserialize(&[7u8; 32]).unwrap().public_key();
        ReceiverChain::new(key, ChainKey::new([9u8; 32], 0))
    }

    fn seed_at(index: u32) -> MessageKeySeed {
        let mut ck = ChainKey::new([9u8; 32], 0);
        while ck.index() < index {
            ck.advance();
        }
        ck.seed()
    }

    #[test]
    fn skipped_keys_are_kept_newest_first_and_trimmed() {
        let mut c = chain();
        let consumed = c.consume(2002, MAX_FORWARD_JUMPS, u32::MAX).unwrap();
        let Consumed::Advanced { seed, .. } = &consumed else {
            panic!("expected advance")
        };
        assert!(bool::from(seed.ct_eq(&seed_at(2002))));
        c.apply(consumed);
        assert_eq!(c.chain_key.index(), 2003);
        assert_eq!(c.skipped.len(), MAX_MESSAGE_KEYS);
        assert_eq!(c.skipped.indices().next_back(), Some(2001));
        assert_eq!(c.skipped.indices().next(), Some(2));
        // The two oldest were trimmed: reported as duplicates, as libsignal does.
        assert_eq!(
            c.consume(1, MAX_FORWARD_JUMPS, u32::MAX).unwrap_err(),
            ConsumeError::Duplicate {
                chain_index: 2003,
                counter: 1
            }
        );
        let stored = c.consume(500, MAX_FORWARD_JUMPS, u32::MAX).unwrap();
        let Consumed::Skipped { seed, .. } = &stored else {
            panic!("expected stored key")
        };
        assert!(bool::from(seed.ct_eq(&seed_at(500))));
        c.apply(stored);
        assert_eq!(
            c.consume(500, MAX_FORWARD_JUMPS, u32::MAX).unwrap_err(),
            ConsumeError::Duplicate {
                chain_index: 2003,
                counter: 500
            }
        );
    }

    #[test]
    fn forward_jump_and_walk_limits() {
        let c = chain();
        assert!(c
            .consume(MAX_FORWARD_JUMPS, MAX_FORWARD_JUMPS, u32::MAX)
            .is_ok());
        assert_eq!(
            c.consume(MAX_FORWARD_JUMPS + 1, MAX_FORWARD_JUMPS, u32::MAX)
                .unwrap_err(),
            ConsumeError::TooFarInFuture
        );
        assert!(c.consume(MAX_FORWARD_JUMPS + 1, u32::MAX, u32::MAX).is_ok());
        assert_eq!(
            c.consume(101, MAX_FORWARD_JUMPS, 100).unwrap_err(),
            ConsumeError::OverBudget
        );
        let Consumed::Advanced { jump, .. } = c.consume(100, MAX_FORWARD_JUMPS, 100).unwrap()
        else {
            panic!("expected advance")
        };
        assert_eq!(jump, 100);
    }
}
