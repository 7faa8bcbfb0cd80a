//! The ML-KEM Braid: SPQR's V1 inner state machine (spqr-internals §6).
//!
//! Each epoch one party (the EK sender) sends an ML-KEM-768 header and
//! encapsulation key, the other (the CT sender) answers with ct1 and ct2,
//! every blob erasure-coded into one chunk per message. When an epoch
//! completes both hold its epoch secret and the roles swap.
//!
//! `plan_send` / `plan_recv` take `&self` and return a [`BraidUpdate`] that
//! holds only the change: an encoder step, one received chunk, the new data of
//! a transition (a decoded blob, a fresh key pair), or a small new state.

use core::fmt;

use rand_core::CryptoRng;

use super::authenticator::Authenticator;
use super::chain::EpochSecret;
use super::erasure::{Chunk, Decoder, Encoder, EncoderStep};
use super::kdf;
use super::kem::{self, CT1_LEN, CT2_LEN, DK_LEN, EK_LEN, ES_LEN, HDR_LEN};
use super::secret::Secret;
use super::wire::Payload;
use super::{Direction, SpqrError};

/// MAC length (full HMAC-SHA256).
const MAC_LEN: usize = 32;
/// `hdr ‖ mac_hdr`.
pub(super) const HDR_BLOB_LEN: usize = HDR_LEN + MAC_LEN;
/// `ct2 ‖ mac_ct`.
pub(super) const CT2_BLOB_LEN: usize = CT2_LEN + MAC_LEN;

/// The V1 inner state: epoch, authenticator and phase.
#[derive(Clone)]
pub(super) struct Braid {
    /// SCKA epoch (≥ 1).
    pub(super) epoch: u64,
    pub(super) auth: Authenticator,
    pub(super) phase: Phase,
}

/// The eleven states of spqr-internals §6.1 with the data each holds.
#[derive(Clone)]
pub(super) enum Phase {
    /// EK sender, nothing sampled yet.
    KeysUnsampled,
    /// EK sender, sending header chunks.
    KeysSampled {
        ek: Box<[u8; EK_LEN]>,
        dk: Secret<DK_LEN>,
        sending_hdr: Encoder,
    },
    /// EK sender, sending ek chunks, collecting ct1.
    HeaderSent {
        dk: Secret<DK_LEN>,
        sending_ek: Encoder,
        receiving_ct1: Decoder,
    },
    /// EK sender with all of ct1, still sending ek chunks (with the ack).
    Ct1Received {
        dk: Secret<DK_LEN>,
        ct1: Box<[u8; CT1_LEN]>,
        sending_ek: Encoder,
    },
    /// EK sender collecting `ct2 ‖ mac`.
    EkSentCt1Received {
        dk: Secret<DK_LEN>,
        ct1: Box<[u8; CT1_LEN]>,
        receiving_ct2: Decoder,
    },
    /// CT sender collecting `hdr ‖ mac`.
    NoHeaderReceived { receiving_hdr: Decoder },
    /// CT sender with the header; its next send encapsulates.
    HeaderReceived {
        hdr: Box<[u8; HDR_LEN]>,
        receiving_ek: Decoder,
    },
    /// CT sender sending ct1 chunks, collecting the ek vector.
    Ct1Sampled {
        hdr: Box<[u8; HDR_LEN]>,
        es: Secret<ES_LEN>,
        ct1: Box<[u8; CT1_LEN]>,
        sending_ct1: Encoder,
        receiving_ek: Decoder,
    },
    /// CT sender with the ek vector, waiting for the ct1 acknowledgement.
    EkReceivedCt1Sampled {
        es: Secret<ES_LEN>,
        ek: Box<[u8; EK_LEN]>,
        ct1: Box<[u8; CT1_LEN]>,
        sending_ct1: Encoder,
    },
    /// CT sender whose ct1 was acknowledged, still collecting the ek vector.
    Ct1Acknowledged {
        hdr: Box<[u8; HDR_LEN]>,
        es: Secret<ES_LEN>,
        ct1: Box<[u8; CT1_LEN]>,
        receiving_ek: Decoder,
    },
    /// CT sender sending `ct2 ‖ mac` chunks.
    Ct2Sampled { sending_ct2: Encoder },
}

/// Names of the phases (for `Debug` and for matching updates to states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PhaseTag {
    KeysUnsampled,
    KeysSampled,
    HeaderSent,
    Ct1Received,
    EkSentCt1Received,
    NoHeaderReceived,
    HeaderReceived,
    Ct1Sampled,
    EkReceivedCt1Sampled,
    Ct1Acknowledged,
    Ct2Sampled,
}

impl Phase {
    pub(super) fn tag(&self) -> PhaseTag {
        match self {
            Self::KeysUnsampled => PhaseTag::KeysUnsampled,
            Self::KeysSampled { .. } => PhaseTag::KeysSampled,
            Self::HeaderSent { .. } => PhaseTag::HeaderSent,
            Self::Ct1Received { .. } => PhaseTag::Ct1Received,
            Self::EkSentCt1Received { .. } => PhaseTag::EkSentCt1Received,
            Self::NoHeaderReceived { .. } => PhaseTag::NoHeaderReceived,
            Self::HeaderReceived { .. } => PhaseTag::HeaderReceived,
            Self::Ct1Sampled { .. } => PhaseTag::Ct1Sampled,
            Self::EkReceivedCt1Sampled { .. } => PhaseTag::EkReceivedCt1Sampled,
            Self::Ct1Acknowledged { .. } => PhaseTag::Ct1Acknowledged,
            Self::Ct2Sampled { .. } => PhaseTag::Ct2Sampled,
        }
    }

    fn sending_encoder(&self) -> Option<&Encoder> {
        match self {
            Self::KeysSampled { sending_hdr: e, .. }
            | Self::HeaderSent { sending_ek: e, .. }
            | Self::Ct1Received { sending_ek: e, .. }
            | Self::Ct1Sampled { sending_ct1: e, .. }
            | Self::EkReceivedCt1Sampled { sending_ct1: e, .. }
            | Self::Ct2Sampled { sending_ct2: e } => Some(e),
            _ => None,
        }
    }

    fn receiving_decoder(&self) -> Option<&Decoder> {
        match self {
            Self::HeaderSent {
                receiving_ct1: d, ..
            }
            | Self::EkSentCt1Received {
                receiving_ct2: d, ..
            }
            | Self::NoHeaderReceived { receiving_hdr: d }
            | Self::HeaderReceived {
                receiving_ek: d, ..
            }
            | Self::Ct1Sampled {
                receiving_ek: d, ..
            }
            | Self::Ct1Acknowledged {
                receiving_ek: d, ..
            } => Some(d),
            _ => None,
        }
    }

    fn sending_encoder_mut(&mut self) -> Option<&mut Encoder> {
        match self {
            Self::KeysSampled { sending_hdr: e, .. }
            | Self::HeaderSent { sending_ek: e, .. }
            | Self::Ct1Received { sending_ek: e, .. }
            | Self::Ct1Sampled { sending_ct1: e, .. }
            | Self::EkReceivedCt1Sampled { sending_ct1: e, .. }
            | Self::Ct2Sampled { sending_ct2: e } => Some(e),
            _ => None,
        }
    }

    fn receiving_decoder_mut(&mut self) -> Option<&mut Decoder> {
        match self {
            Self::HeaderSent {
                receiving_ct1: d, ..
            }
            | Self::EkSentCt1Received {
                receiving_ct2: d, ..
            }
            | Self::NoHeaderReceived { receiving_hdr: d }
            | Self::HeaderReceived {
                receiving_ek: d, ..
            }
            | Self::Ct1Sampled {
                receiving_ek: d, ..
            }
            | Self::Ct1Acknowledged {
                receiving_ek: d, ..
            } => Some(d),
            _ => None,
        }
    }
}

/// What a send produced.
pub(super) struct BraidSend {
    /// Epoch the message announces.
    pub(super) epoch: u64,
    pub(super) payload: Payload,
    /// The epoch secret, when this send encapsulated.
    pub(super) secret: Option<EpochSecret>,
    pub(super) update: BraidUpdate,
}

/// What a receive produced.
pub(super) struct BraidRecv {
    /// The epoch secret, when this receive decapsulated.
    pub(super) secret: Option<EpochSecret>,
    pub(super) update: BraidUpdate,
}

/// The change one message makes to a [`Braid`].
pub(super) struct BraidUpdate {
    /// Epoch and phase the update was planned on.
    base: (u64, PhaseTag),
    change: Change,
}

enum Change {
    None,
    /// The phase's (single) sending encoder produced a chunk.
    EncoderNext(EncoderStep),
    /// The phase's receiving decoder takes a chunk.
    DecoderAdd(Chunk),
    /// A new, small state (or one made of fresh data only).
    Replace(Box<Braid>),
    /// A transition that keeps the large fields of the current phase.
    Move(Transition),
}

enum Transition {
    /// KeysSampled → HeaderSent with the first ct1 chunk.
    ToHeaderSent(Chunk),
    /// HeaderSent → Ct1Received with the decoded ct1.
    ToCt1Received(Box<[u8; CT1_LEN]>),
    /// Ct1Received → EkSentCt1Received with the first ct2 chunk.
    ToEkSentCt1Received(Chunk),
    /// Ct1Sampled → EkReceivedCt1Sampled with the decoded ek vector.
    ToEkReceivedCt1Sampled(Box<[u8; EK_LEN]>),
    /// Ct1Sampled → Ct1Acknowledged, adding the acknowledging ek chunk.
    ToCt1Acknowledged(Chunk),
    /// HeaderReceived → Ct1Sampled after encapsulating.
    ToCt1Sampled {
        auth: Authenticator,
        es: Secret<ES_LEN>,
        ct1: Box<[u8; CT1_LEN]>,
        sending_ct1: Encoder,
    },
}

impl BraidUpdate {
    /// Whether this update was planned on `braid`'s epoch and phase.
    pub(super) fn fits(&self, braid: &Braid) -> bool {
        self.base == (braid.epoch, braid.phase.tag())
    }
}

impl fmt::Debug for BraidUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let change = match &self.change {
            Change::None => "none".to_owned(),
            Change::EncoderNext(_) => "encoder step".to_owned(),
            Change::DecoderAdd(c) => format!("chunk {}", c.index),
            Change::Replace(b) => format!("replace with {:?} epoch {}", b.phase.tag(), b.epoch),
            Change::Move(t) => match t {
                Transition::ToHeaderSent(_) => "to HeaderSent",
                Transition::ToCt1Received(_) => "to Ct1Received",
                Transition::ToEkSentCt1Received(_) => "to EkSentCt1Received",
                Transition::ToEkReceivedCt1Sampled(_) => "to EkReceivedCt1Sampled",
                Transition::ToCt1Acknowledged(_) => "to Ct1Acknowledged",
                Transition::ToCt1Sampled { .. } => "to Ct1Sampled",
            }
            .to_owned(),
        };
        f.debug_struct("BraidUpdate")
            .field("base", &self.base)
            .field("change", &change)
            .finish()
    }
}

/// Copies a decoded blob's part into an array.
fn array<const N: usize>(bytes: &[u8]) -> Result<[u8; N], SpqrError> {
    bytes
        .try_into()
        .map_err(|_| SpqrError::CorruptState("decoded blob has the wrong length"))
}

impl Braid {
    /// Epoch 1: the A2B party starts as EK sender, the B2A party as CT sender.
    pub(super) fn initial(direction: Direction, auth_key: &[u8; 32]) -> Self {
        let phase = match direction {
            Direction::A2B => Phase::KeysUnsampled,
            Direction::B2A => Phase::NoHeaderReceived {
                receiving_hdr: Decoder::new(HDR_BLOB_LEN),
            },
        };
        Self {
            epoch: 1,
            auth: Authenticator::new(auth_key),
            phase,
        }
    }

    fn update(&self, change: Change) -> BraidUpdate {
        BraidUpdate {
            base: (self.epoch, self.phase.tag()),
            change,
        }
    }

    fn encoder_send(&self, encoder: &Encoder, wrap: fn(Chunk) -> Payload) -> BraidSend {
        let (chunk, step) = encoder.plan_next();
        BraidSend {
            epoch: self.epoch,
            payload: wrap(chunk),
            secret: None,
            update: self.update(Change::EncoderNext(step)),
        }
    }

    fn bare_send(&self, payload: Payload) -> BraidSend {
        BraidSend {
            epoch: self.epoch,
            payload,
            secret: None,
            update: self.update(Change::None),
        }
    }

    /// One outgoing message (spqr-internals §6.2). Draws 64 random bytes in
    /// KeysUnsampled, 32 in HeaderReceived, none otherwise.
    pub(super) fn plan_send<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<BraidSend, SpqrError> {
        let e = self.epoch;
        Ok(match &self.phase {
            Phase::KeysUnsampled => {
                let mut seed = Secret::<64>::zero();
                rng.fill_bytes(seed.as_mut());
                let pair = kem::generate(&seed);
                let mut blob = [0u8; HDR_BLOB_LEN];
                blob[..HDR_LEN].copy_from_slice(&pair.hdr);
                blob[HDR_LEN..].copy_from_slice(&self.auth.header_mac(e, &pair.hdr));
                let mut sending_hdr = Encoder::new(&blob);
                let (chunk, step) = sending_hdr.plan_next();
                sending_hdr.apply_next(step);
                let next = Braid {
                    epoch: e,
                    auth: self.auth.clone(),
                    phase: Phase::KeysSampled {
                        ek: pair.ek,
                        dk: pair.dk,
                        sending_hdr,
                    },
                };
                BraidSend {
                    epoch: e,
                    payload: Payload::Hdr(chunk),
                    secret: None,
                    update: self.update(Change::Replace(Box::new(next))),
                }
            }
            Phase::KeysSampled { sending_hdr, .. } => self.encoder_send(sending_hdr, Payload::Hdr),
            Phase::HeaderSent { sending_ek, .. } => self.encoder_send(sending_ek, Payload::Ek),
            Phase::Ct1Received { sending_ek, .. } => {
                self.encoder_send(sending_ek, Payload::EkCt1Ack)
            }
            Phase::EkSentCt1Received { .. } => self.bare_send(Payload::Ct1Ack),
            Phase::NoHeaderReceived { .. } | Phase::Ct1Acknowledged { .. } => {
                self.bare_send(Payload::None)
            }
            Phase::HeaderReceived { hdr, .. } => {
                let mut m = Secret::<32>::zero();
                rng.fill_bytes(m.as_mut());
                let encapsulated = kem::encapsulate1(hdr, &m)?;
                let secret = kdf::epoch_secret(encapsulated.shared_secret.as_bytes(), e);
                let auth = self.auth.updated(e, secret.as_bytes());
                let mut sending_ct1 = Encoder::new(&encapsulated.ct1);
                let (chunk, step) = sending_ct1.plan_next();
                sending_ct1.apply_next(step);
                let transition = Transition::ToCt1Sampled {
                    auth,
                    es: encapsulated.state,
                    ct1: encapsulated.ct1,
                    sending_ct1,
                };
                BraidSend {
                    epoch: e,
                    payload: Payload::Ct1(chunk),
                    secret: Some(EpochSecret { epoch: e, secret }),
                    update: self.update(Change::Move(transition)),
                }
            }
            Phase::Ct1Sampled { sending_ct1, .. }
            | Phase::EkReceivedCt1Sampled { sending_ct1, .. } => {
                self.encoder_send(sending_ct1, Payload::Ct1)
            }
            Phase::Ct2Sampled { sending_ct2 } => self.encoder_send(sending_ct2, Payload::Ct2),
        })
    }

    /// ct2 and its MAC → Ct2Sampled.
    fn ct2_sampled(&self, es: &Secret<ES_LEN>, ct1: &[u8; CT1_LEN], ek: &[u8; EK_LEN]) -> Braid {
        let ct2 = kem::encapsulate2(es, ek);
        let mut blob = [0u8; CT2_BLOB_LEN];
        blob[..CT2_LEN].copy_from_slice(&ct2);
        blob[CT2_LEN..].copy_from_slice(&self.auth.ciphertext_mac(self.epoch, ct1, &ct2));
        Braid {
            epoch: self.epoch,
            auth: self.auth.clone(),
            phase: Phase::Ct2Sampled {
                sending_ct2: Encoder::new(&blob),
            },
        }
    }

    /// One incoming message of epoch `epoch` (spqr-internals §6.3).
    pub(super) fn plan_recv(&self, epoch: u64, payload: &Payload) -> Result<BraidRecv, SpqrError> {
        let e = self.epoch;
        let done = |change| {
            Ok(BraidRecv {
                secret: None,
                update: self.update(change),
            })
        };
        if epoch < e {
            return done(Change::None);
        }
        if epoch > e {
            if matches!(self.phase, Phase::Ct2Sampled { .. }) && Some(epoch) == e.checked_add(1) {
                let next = Braid {
                    epoch,
                    auth: self.auth.clone(),
                    phase: Phase::KeysUnsampled,
                };
                return done(Change::Replace(Box::new(next)));
            }
            return Err(SpqrError::EpochOutOfRange { epoch, current: e });
        }
        match (&self.phase, payload) {
            (Phase::KeysSampled { .. }, Payload::Ct1(chunk)) => {
                done(Change::Move(Transition::ToHeaderSent(*chunk)))
            }
            (Phase::HeaderSent { receiving_ct1, .. }, Payload::Ct1(chunk)) => {
                match receiving_ct1.plan_add(chunk) {
                    Some(blob) => done(Change::Move(Transition::ToCt1Received(Box::new(array(
                        &blob,
                    )?)))),
                    None => done(Change::DecoderAdd(*chunk)),
                }
            }
            (Phase::Ct1Received { .. }, Payload::Ct2(chunk)) => {
                done(Change::Move(Transition::ToEkSentCt1Received(*chunk)))
            }
            (
                Phase::EkSentCt1Received {
                    dk,
                    ct1,
                    receiving_ct2,
                },
                Payload::Ct2(chunk),
            ) => {
                let Some(blob) = receiving_ct2.plan_add(chunk) else {
                    return done(Change::DecoderAdd(*chunk));
                };
                let ct2: [u8; CT2_LEN] = array(&blob[..CT2_LEN])?;
                let shared = kem::decapsulate(dk, ct1, &ct2);
                let secret = kdf::epoch_secret(shared.as_bytes(), e);
                let auth = self.auth.updated(e, secret.as_bytes());
                if !auth.verify_ciphertext(e, &ct1[..], &ct2, &blob[CT2_LEN..]) {
                    return Err(SpqrError::MacVerification { epoch: e });
                }
                let next_epoch = e
                    .checked_add(1)
                    .ok_or(SpqrError::CorruptState("epoch counter exhausted"))?;
                let next = Braid {
                    epoch: next_epoch,
                    auth,
                    phase: Phase::NoHeaderReceived {
                        receiving_hdr: Decoder::new(HDR_BLOB_LEN),
                    },
                };
                Ok(BraidRecv {
                    secret: Some(EpochSecret { epoch: e, secret }),
                    update: self.update(Change::Replace(Box::new(next))),
                })
            }
            (Phase::NoHeaderReceived { receiving_hdr }, Payload::Hdr(chunk)) => {
                let Some(blob) = receiving_hdr.plan_add(chunk) else {
                    return done(Change::DecoderAdd(*chunk));
                };
                let hdr: [u8; HDR_LEN] = array(&blob[..HDR_LEN])?;
                if !self.auth.verify_header(e, &hdr, &blob[HDR_LEN..]) {
                    return Err(SpqrError::MacVerification { epoch: e });
                }
                let next = Braid {
                    epoch: e,
                    auth: self.auth.clone(),
                    phase: Phase::HeaderReceived {
                        hdr: Box::new(hdr),
                        receiving_ek: Decoder::new(EK_LEN),
                    },
                };
                done(Change::Replace(Box::new(next)))
            }
            (
                Phase::Ct1Sampled {
                    hdr,
                    es,
                    ct1,
                    receiving_ek,
                    ..
                },
                Payload::Ek(chunk) | Payload::EkCt1Ack(chunk),
            ) => {
                let ack = matches!(payload, Payload::EkCt1Ack(_));
                match receiving_ek.plan_add(chunk) {
                    Some(blob) => {
                        let ek: [u8; EK_LEN] = array(&blob)?;
                        if !kem::validate_ek(hdr, &ek) {
                            return Err(SpqrError::ErroneousDataReceived { epoch: e });
                        }
                        if ack {
                            done(Change::Replace(Box::new(self.ct2_sampled(es, ct1, &ek))))
                        } else {
                            done(Change::Move(Transition::ToEkReceivedCt1Sampled(Box::new(
                                ek,
                            ))))
                        }
                    }
                    None if ack => done(Change::Move(Transition::ToCt1Acknowledged(*chunk))),
                    None => done(Change::DecoderAdd(*chunk)),
                }
            }
            (
                Phase::EkReceivedCt1Sampled { es, ek, ct1, .. },
                Payload::Ct1Ack | Payload::EkCt1Ack(_),
            ) => done(Change::Replace(Box::new(self.ct2_sampled(es, ct1, ek)))),
            (
                Phase::Ct1Acknowledged {
                    hdr,
                    es,
                    ct1,
                    receiving_ek,
                },
                Payload::Ek(chunk) | Payload::EkCt1Ack(chunk),
            ) => {
                let Some(blob) = receiving_ek.plan_add(chunk) else {
                    return done(Change::DecoderAdd(*chunk));
                };
                let ek: [u8; EK_LEN] = array(&blob)?;
                if !kem::validate_ek(hdr, &ek) {
                    return Err(SpqrError::ErroneousDataReceived { epoch: e });
                }
                done(Change::Replace(Box::new(self.ct2_sampled(es, ct1, &ek))))
            }
            _ => done(Change::None),
        }
    }

    /// Commits an update planned on this state. [`SpqrState::apply`](super::SpqrState::apply) checks
    /// [`BraidUpdate::fits`] before calling, so a misfit here is a bug.
    pub(super) fn apply(&mut self, update: BraidUpdate) {
        debug_assert!(update.fits(self), "braid update planned on another state");
        match update.change {
            Change::None => {}
            Change::EncoderNext(step) => {
                if let Some(encoder) = self.phase.sending_encoder_mut() {
                    encoder.apply_next(step);
                }
            }
            Change::DecoderAdd(chunk) => {
                if let Some(decoder) = self.phase.receiving_decoder_mut() {
                    decoder.apply_add(&chunk);
                }
            }
            Change::Replace(next) => *self = *next,
            Change::Move(transition) => self.transition(transition),
        }
    }

    fn transition(&mut self, transition: Transition) {
        let old = core::mem::replace(&mut self.phase, Phase::KeysUnsampled);
        self.phase = match (old, transition) {
            (Phase::KeysSampled { ek, dk, .. }, Transition::ToHeaderSent(chunk)) => {
                let mut receiving_ct1 = Decoder::new(CT1_LEN);
                receiving_ct1.apply_add(&chunk);
                Phase::HeaderSent {
                    dk,
                    sending_ek: Encoder::new(&ek),
                    receiving_ct1,
                }
            }
            (Phase::HeaderSent { dk, sending_ek, .. }, Transition::ToCt1Received(ct1)) => {
                Phase::Ct1Received {
                    dk,
                    ct1,
                    sending_ek,
                }
            }
            (Phase::Ct1Received { dk, ct1, .. }, Transition::ToEkSentCt1Received(chunk)) => {
                let mut receiving_ct2 = Decoder::new(CT2_BLOB_LEN);
                receiving_ct2.apply_add(&chunk);
                Phase::EkSentCt1Received {
                    dk,
                    ct1,
                    receiving_ct2,
                }
            }
            (
                Phase::Ct1Sampled {
                    es,
                    ct1,
                    sending_ct1,
                    ..
                },
                Transition::ToEkReceivedCt1Sampled(ek),
            ) => Phase::EkReceivedCt1Sampled {
                es,
                ek,
                ct1,
                sending_ct1,
            },
            (
                Phase::Ct1Sampled {
                    hdr,
                    es,
                    ct1,
                    mut receiving_ek,
                    ..
                },
                Transition::ToCt1Acknowledged(chunk),
            ) => {
                receiving_ek.apply_add(&chunk);
                Phase::Ct1Acknowledged {
                    hdr,
                    es,
                    ct1,
                    receiving_ek,
                }
            }
            (
                Phase::HeaderReceived { hdr, receiving_ek },
                Transition::ToCt1Sampled {
                    auth,
                    es,
                    ct1,
                    sending_ct1,
                },
            ) => {
                self.auth = auth;
                Phase::Ct1Sampled {
                    hdr,
                    es,
                    ct1,
                    sending_ct1,
                    receiving_ek,
                }
            }
            // The base check in `apply` rules this out; keep the old phase.
            (old, _) => old,
        };
    }
}

impl fmt::Debug for Braid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Braid");
        d.field("epoch", &self.epoch)
            .field("phase", &self.phase.tag());
        if let Some(encoder) = self.phase.sending_encoder() {
            d.field("next_chunk", &encoder.next_counter());
        }
        if let Some(decoder) = self.phase.receiving_decoder() {
            d.field("chunks_held", &decoder.held());
        }
        d.finish_non_exhaustive()
    }
}
