//! One sender chain as a receiver (or its sender) keeps it: chain ID,
//! message version, current chain key, signing key, and the seeds of skipped
//! messages (sender-keys.md §6.1, §7.4).

use core::fmt;

use super::{MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS, SENDER_KEY_VERSION};
use crate::keys::{PrivateKey, PublicKey};
use crate::ratchet::keys::{ChainKey, MessageKeySeed};
use crate::skipped_keys::SkippedKeyStore;

/// A skipped message's seed, kept until the message arrives or is evicted.
#[derive(Clone)]
pub(crate) struct SkippedSeed {
    pub(crate) iteration: u32,
    pub(crate) seed: MessageKeySeed,
}

/// One sender chain. Skipped seeds are in insertion order, oldest first
/// (which is also ascending iteration order for any state hush builds), and
/// there are at most [`MAX_MESSAGE_KEYS`] of them.
#[derive(Clone)]
pub(crate) struct SenderKeyState {
    /// As stored: 0 (absent) is read as 3, see [`Self::version`].
    pub(crate) message_version: u32,
    pub(crate) chain_id: u32,
    pub(crate) chain_key: ChainKey,
    pub(crate) signing_public: PublicKey,
    /// Only on the sender's own device.
    pub(crate) signing_private: Option<PrivateKey>,
    /// The crate's one skipped-key container (iteration, seed records).
    pub(crate) skipped: SkippedKeyStore,
}

/// Why an iteration could not be consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsumeError {
    /// Below the chain and no stored seed.
    Duplicate { current: u32, received: u32 },
    /// More than [`MAX_FORWARD_JUMPS`] ahead.
    TooFarInFuture { current: u32, received: u32 },
    /// The iteration counter would pass `u32::MAX`.
    ChainExhausted,
}

/// The outcome of consuming an iteration, not yet applied to the state.
pub(crate) enum Consumed {
    /// A stored seed, at this position of the skipped list.
    Stored {
        position: usize,
        seed: MessageKeySeed,
    },
    /// The chain moves forward: the seed for the iteration, the chain key
    /// after it, and the seeds to store (ascending, at most
    /// [`MAX_MESSAGE_KEYS`], the ones older than that would be evicted at
    /// once and are never computed).
    Advanced {
        seed: MessageKeySeed,
        chain_key: ChainKey,
        skipped: Vec<SkippedSeed>,
    },
}

impl Consumed {
    pub(crate) fn seed(&self) -> &MessageKeySeed {
        match self {
            Self::Stored { seed, .. } | Self::Advanced { seed, .. } => seed,
        }
    }
}

impl SenderKeyState {
    /// The message version in force: a stored 0 means 3.
    pub(crate) fn version(&self) -> u32 {
        if self.message_version == 0 {
            u32::from(SENDER_KEY_VERSION)
        } else {
            self.message_version
        }
    }

    /// Works out the seed for `iteration` without changing the state
    /// (sender-keys.md §7.4, `message_key_for`).
    pub(crate) fn consume(&self, iteration: u32) -> Result<Consumed, ConsumeError> {
        let current = self.chain_key.index();
        if iteration < current {
            return match self
                .skipped
                .position(iteration)
                .and_then(|position| Some((position, self.skipped.get(position)?)))
            {
                Some((position, (_, seed))) => Ok(Consumed::Stored {
                    position,
                    seed: MessageKeySeed(*seed),
                }),
                None => Err(ConsumeError::Duplicate {
                    current,
                    received: iteration,
                }),
            };
        }
        if iteration - current > MAX_FORWARD_JUMPS {
            return Err(ConsumeError::TooFarInFuture {
                current,
                received: iteration,
            });
        }
        let walk = self
            .chain_key
            .walk_to(iteration, MAX_MESSAGE_KEYS)
            .ok_or(ConsumeError::ChainExhausted)?;
        let skipped = walk
            .skipped
            .into_iter()
            .map(|(iteration, seed)| SkippedSeed { iteration, seed })
            .collect();
        Ok(Consumed::Advanced {
            seed: walk.seed,
            chain_key: walk.next,
            skipped,
        })
    }

    /// Applies a [`Consumed`] that [`Self::consume`] computed on this state.
    pub(crate) fn apply(&mut self, consumed: Consumed) {
        match consumed {
            Consumed::Stored { position, .. } => {
                self.skipped.remove(position);
            }
            Consumed::Advanced {
                chain_key, skipped, ..
            } => {
                for key in skipped {
                    self.skipped.push(key.iteration, &key.seed.0);
                }
                let excess = self.skipped.len().saturating_sub(MAX_MESSAGE_KEYS);
                self.skipped.remove_first(excess);
                self.chain_key = chain_key;
            }
        }
    }
}

impl fmt::Debug for SenderKeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderKeyState")
            .field("chain_id", &self.chain_id)
            .field("message_version", &self.message_version)
            .field("iteration", &self.chain_key.index())
            .field("signing_key", &self.signing_public)
            .field("has_private_signing_key", &self.signing_private.is_some())
            .field("skipped_seeds", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use subtle::ConstantTimeEq;

    use super::*;

    fn state(start: u32) -> SenderKeyState {
        SenderKeyState {
            message_version: 3,
            chain_id: 1,
            chain_key: ChainKey::new([9u8; 32], start),
            signing_public: PrivateKey::deserialize(&[7u8; 32]).unwrap().public_key(),
            signing_private: None,
            skipped: SkippedKeyStore::default(),
        }
    }

    fn seed_at(iteration: u32) -> MessageKeySeed {
        let mut ck = ChainKey::new([9u8; 32], 0);
        while ck.index() < iteration {
            ck.advance();
        }
        ck.seed()
    }

    #[test]
    fn receiving_iteration_4_first_stores_0_to_3() {
        let mut s = state(0);
        let consumed = s.consume(4).unwrap();
        assert!(bool::from(consumed.seed().ct_eq(&seed_at(4))));
        s.apply(consumed);
        assert_eq!(s.chain_key.index(), 5);
        let stored: Vec<u32> = s.skipped.indices().collect();
        assert_eq!(stored, [0, 1, 2, 3]);
        assert!(s
            .skipped
            .iter()
            .all(|(iteration, seed)| *seed == seed_at(iteration).0));
        let c = s.consume(2).unwrap();
        assert!(bool::from(c.seed().ct_eq(&seed_at(2))));
        s.apply(c);
        assert_eq!(
            s.consume(2).err(),
            Some(ConsumeError::Duplicate {
                current: 5,
                received: 2
            })
        );
        assert_eq!(
            s.consume(4).err(),
            Some(ConsumeError::Duplicate {
                current: 5,
                received: 4
            })
        );
        assert_eq!(s.skipped.len(), 3);
    }

    #[test]
    fn forward_jump_limit_is_25000() {
        let s = state(10);
        assert!(s.consume(10 + MAX_FORWARD_JUMPS).is_ok());
        assert_eq!(
            s.consume(10 + MAX_FORWARD_JUMPS + 1).err(),
            Some(ConsumeError::TooFarInFuture {
                current: 10,
                received: 25_011
            })
        );
    }

    #[test]
    fn only_the_newest_2000_seeds_are_kept() {
        let mut s = state(0);
        s.apply(s.consume(3).unwrap()); // stores 0, 1, 2
        s.apply(s.consume(2003).unwrap()); // stores 4..=2002: 1999 more, evicts 0 and 1
        assert_eq!(s.skipped.len(), MAX_MESSAGE_KEYS);
        assert_eq!(s.skipped.indices().next().unwrap(), 2);
        assert_eq!(
            s.consume(1).err(),
            Some(ConsumeError::Duplicate {
                current: 2004,
                received: 1
            })
        );
        assert!(s.consume(2).is_ok());
        s.apply(s.consume(5000).unwrap());
        assert_eq!(s.skipped.len(), MAX_MESSAGE_KEYS);
        assert_eq!(s.skipped.indices().next().unwrap(), 3000);
        assert_eq!(s.skipped.indices().next_back().unwrap(), 4999);
        let mut ck = ChainKey::new([9u8; 32], 0);
        let seeds: Vec<MessageKeySeed> = (0..5000).map(|_| (ck.seed(), ck.advance()).0).collect();
        assert!(s
            .skipped
            .iter()
            .all(|(iteration, seed)| *seed == seeds[iteration as usize].0));
        assert!(matches!(
            s.consume(2999),
            Err(ConsumeError::Duplicate { .. })
        ));
        assert!(s.consume(3000).is_ok());
    }

    #[test]
    fn the_last_iteration_cannot_be_consumed() {
        let s = state(u32::MAX - 1);
        assert!(s.consume(u32::MAX - 1).is_ok());
        assert_eq!(
            s.consume(u32::MAX).err(),
            Some(ConsumeError::ChainExhausted)
        );
        assert_eq!(
            state(u32::MAX).consume(u32::MAX).err(),
            Some(ConsumeError::ChainExhausted)
        );
    }
}
