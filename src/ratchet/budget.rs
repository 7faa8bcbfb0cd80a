//! How far one decryption call may walk chains before anything has
//! authenticated.
//!
//! A `SignalMessage` is tried against the current state, then each archived
//! state, and a state only learns that the message is not its own when the
//! MAC fails, after walking its Double Ratchet chain and its SPQR chain to
//! the message's counter. Without a shared limit a forged message with a
//! large counter makes every one of up to 41 states walk the maximum jump
//! (about a second of CPU). A [`WalkBudget`] is created per call and shared
//! by all the states it tries, in order: each state may walk
//! [`WALK_ALLOWANCE_PER_STATE`] steps of each chain for free, and any step
//! beyond that comes out of a pool of one maximum jump per chain. The current
//! state, tried first, always has the whole pool, so a legitimate maximum
//! jump on it still decrypts; a message for an archived state that needs
//! more than the pool has left after the states tried before it is refused
//! as too far in the future (libsignal would accept it: a deliberate,
//! pathological deviation).
//!
//! Note-to-self sessions have no forward-jump limit in libsignal; hush caps
//! them at [`MAX_SELF_SESSION_JUMPS`], and a call whose two addresses share a
//! service ID gets that as its pool.

use super::chains::MAX_FORWARD_JUMPS;

/// Steps of each chain every tried state may walk without drawing on the
/// shared pool.
pub const WALK_ALLOWANCE_PER_STATE: u32 = 64;

/// Largest forward jump on a self-session (note-to-self, our own other
/// devices). libsignal has no limit there.
pub const MAX_SELF_SESSION_JUMPS: u32 = 100_000;

/// The walk budget of one decryption call: one pool for the Double Ratchet
/// chain and one for the SPQR chain.
#[derive(Debug, Clone)]
pub(crate) struct WalkBudget {
    ratchet: u32,
    spqr: u32,
}

impl WalkBudget {
    /// The budget of a call: one maximum jump per chain, or
    /// [`MAX_SELF_SESSION_JUMPS`] when self-sessions may be among the states.
    pub(crate) fn new(self_session_possible: bool) -> Self {
        let pool = if self_session_possible {
            MAX_SELF_SESSION_JUMPS
        } else {
            MAX_FORWARD_JUMPS
        };
        Self {
            ratchet: pool,
            spqr: pool,
        }
    }

    /// The most Double Ratchet steps the next state may walk.
    pub(crate) fn ratchet_limit(&self) -> u32 {
        WALK_ALLOWANCE_PER_STATE.saturating_add(self.ratchet)
    }

    /// The most SPQR chain steps the next state may walk.
    pub(crate) fn spqr_limit(&self) -> u32 {
        WALK_ALLOWANCE_PER_STATE.saturating_add(self.spqr)
    }

    /// Records `steps` walked on a Double Ratchet chain.
    pub(crate) fn spend_ratchet(&mut self, steps: u32) {
        self.ratchet = self
            .ratchet
            .saturating_sub(steps.saturating_sub(WALK_ALLOWANCE_PER_STATE));
    }

    /// Records `steps` walked on an SPQR chain.
    pub(crate) fn spend_spqr(&mut self, steps: u32) {
        self.spqr = self
            .spqr
            .saturating_sub(steps.saturating_sub(WALK_ALLOWANCE_PER_STATE));
    }
}

/// Counts chain steps on this thread, so tests can check the bound on work
/// without timing anything.
#[cfg(test)]
pub(crate) mod step_counter {
    use std::cell::Cell;

    thread_local! {
        static RATCHET: Cell<u64> = const { Cell::new(0) };
        static SPQR: Cell<u64> = const { Cell::new(0) };
    }

    /// One Double Ratchet chain-key step.
    pub(crate) fn ratchet_step() {
        RATCHET.with(|c| c.set(c.get() + 1));
    }

    /// One SPQR chain step.
    pub(crate) fn spqr_step() {
        SPQR.with(|c| c.set(c.get() + 1));
    }

    /// `(ratchet, spqr)` steps since the last call, and resets both.
    pub(crate) fn take() -> (u64, u64) {
        (RATCHET.with(|c| c.replace(0)), SPQR.with(|c| c.replace(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_shared_and_the_allowance_is_not() {
        let mut budget = WalkBudget::new(false);
        assert_eq!(
            budget.ratchet_limit(),
            MAX_FORWARD_JUMPS + WALK_ALLOWANCE_PER_STATE
        );
        budget.spend_ratchet(WALK_ALLOWANCE_PER_STATE);
        assert_eq!(
            budget.ratchet_limit(),
            MAX_FORWARD_JUMPS + WALK_ALLOWANCE_PER_STATE
        );
        budget.spend_ratchet(10_000 + WALK_ALLOWANCE_PER_STATE);
        assert_eq!(
            budget.ratchet_limit(),
            MAX_FORWARD_JUMPS - 10_000 + WALK_ALLOWANCE_PER_STATE
        );
        // The SPQR pool is separate.
        assert_eq!(
            budget.spqr_limit(),
            MAX_FORWARD_JUMPS + WALK_ALLOWANCE_PER_STATE
        );
        budget.spend_ratchet(u32::MAX);
        assert_eq!(budget.ratchet_limit(), WALK_ALLOWANCE_PER_STATE);
        budget.spend_spqr(u32::MAX);
        assert_eq!(budget.spqr_limit(), WALK_ALLOWANCE_PER_STATE);
        assert_eq!(
            WalkBudget::new(true).ratchet_limit(),
            MAX_SELF_SESSION_JUMPS + WALK_ALLOWANCE_PER_STATE
        );
    }
}
