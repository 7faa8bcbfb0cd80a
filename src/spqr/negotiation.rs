//! Version negotiation and the composition of Braid and chain
//! (spqr.md §6, spqr-internals §6.4).
//!
//! The state carries an optional negotiation record until the first
//! successful V1 receive. With libsignal ≥ 0.92 both sides use version V1 and
//! minimum version V1: every message carries a key from the first one, and an
//! empty (V0) message is refused.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::chain::{Chain, ChainParams, KeyRequest};
use super::secret::Secret;
use super::wire::{message_version, Message, MessageVersion};
use super::{
    Active, ActiveUpdate, Direction, SpqrError, SpqrRecv, SpqrSend, SpqrUpdate, UpdateKind, Version,
};

/// The negotiation record: what is needed to create the chain, and the
/// lowest version accepted from the peer.
#[derive(Clone)]
pub(super) struct Negotiation {
    pub(super) auth_key: Secret<32>,
    pub(super) direction: Direction,
    pub(super) min_version: Version,
    pub(super) params: ChainParams,
}

impl Negotiation {
    fn chain(&self) -> Chain {
        Chain::new(self.auth_key.as_bytes(), self.direction, self.params)
    }
}

impl fmt::Debug for Negotiation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Negotiation")
            .field("direction", &self.direction)
            .field("min_version", &self.min_version)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

fn unchanged_send() -> SpqrSend {
    SpqrSend {
        message: Vec::new(),
        key: None,
        update: SpqrUpdate(UpdateKind::Unchanged),
    }
}

fn recv_without_key(kind: UpdateKind) -> SpqrRecv {
    SpqrRecv {
        key: None,
        walked: 0,
        update: SpqrUpdate(kind),
    }
}

/// `send(state, rng)` of spqr.md §6.
pub(super) fn send<R: CryptoRng + ?Sized>(
    state: Option<&Active>,
    rng: &mut R,
) -> Result<SpqrSend, SpqrError> {
    let Some(active) = state else {
        return Ok(unchanged_send());
    };
    let sent = active.braid.plan_send(rng)?;
    let created = match (&active.chain, &active.negotiation) {
        (Some(_), _) => None,
        (None, Some(vn)) if vn.min_version > Version::V0 => Some(vn.chain()),
        // Still negotiating with a peer that may not speak SPQR: no key yet.
        (None, Some(_)) => None,
        (None, None) => return Err(SpqrError::ChainNotAvailable),
    };
    let (chain, index, key) = match created.as_ref().or(active.chain.as_ref()) {
        Some(chain) => {
            let epoch = sent
                .epoch
                .checked_sub(1)
                .ok_or(SpqrError::CorruptState("epoch 0"))?;
            let (update, key) = chain.plan(sent.secret.as_ref(), KeyRequest::Send { epoch })?;
            let (index, key) = key.ok_or(SpqrError::CorruptState("no send key"))?;
            (Some(update), index, Some(Zeroizing::new(*key.as_bytes())))
        }
        None => (None, 0, None),
    };
    let message = Message {
        epoch: sent.epoch,
        index,
        payload: sent.payload,
    }
    .encode();
    let update = ActiveUpdate {
        end_negotiation: false,
        new_chain: created,
        chain,
        braid: sent.update,
    };
    Ok(SpqrSend {
        message,
        key,
        update: SpqrUpdate(UpdateKind::Active(Box::new(update))),
    })
}

/// `recv(state, msg)` of spqr.md §6.
/// The chain walks at most `max_walk` steps forward.
pub(super) fn recv(
    state: Option<&Active>,
    bytes: &[u8],
    max_walk: u32,
) -> Result<SpqrRecv, SpqrError> {
    match message_version(bytes) {
        // A future version: ignored entirely.
        MessageVersion::Newer => Ok(recv_without_key(UpdateKind::Unchanged)),
        MessageVersion::V0 => match state {
            None => Ok(recv_without_key(UpdateKind::Unchanged)),
            Some(active) => match &active.negotiation {
                None => Err(SpqrError::VersionMismatch),
                Some(vn) if vn.min_version > Version::V0 => Err(SpqrError::MinimumVersion),
                Some(_) => Ok(recv_without_key(UpdateKind::Downgrade)),
            },
        },
        MessageVersion::V1 => {
            // A V1 message into a V0 state is a no-op.
            let Some(active) = state else {
                return Ok(recv_without_key(UpdateKind::Unchanged));
            };
            let message = Message::decode(bytes)?;
            let received = active.braid.plan_recv(message.epoch, &message.payload)?;
            let created = match (&active.chain, &active.negotiation) {
                (Some(_), _) => None,
                (None, Some(vn)) => Some(vn.chain()),
                (None, None) => return Err(SpqrError::ChainNotAvailable),
            };
            let chain = created
                .as_ref()
                .or(active.chain.as_ref())
                .ok_or(SpqrError::ChainNotAvailable)?;
            // Index 0 in epoch 1: the peer had no chain yet, so no key.
            let request = if message.epoch == 1 && message.index == 0 {
                KeyRequest::Nothing
            } else {
                KeyRequest::Recv {
                    epoch: message.epoch - 1,
                    index: message.index,
                    max_walk,
                }
            };
            let (chain_update, key) = chain.plan(received.secret.as_ref(), request)?;
            let walked = chain_update.walked();
            let update = ActiveUpdate {
                end_negotiation: true,
                new_chain: created,
                chain: Some(chain_update),
                braid: received.update,
            };
            Ok(SpqrRecv {
                key: key.map(|(_, k)| Zeroizing::new(*k.as_bytes())),
                walked,
                update: SpqrUpdate(UpdateKind::Active(Box::new(update))),
            })
        }
    }
}
