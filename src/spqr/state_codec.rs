//! The stored SPQR state: the `PqRatchetState` protobuf of spqr-internals §9
//! (package `signal.proto.pq_ratchet`, proto3), written straight from the
//! live state and read straight from the stored bytes with
//! [`crate::protowire`] (no intermediate messages, no per-field
//! allocation), and the checks applied on load (§9.4 plus range checks and
//! bounded limits).
//!
//! The layout, as `prost` derives, is kept for the tests (module `pb`): they
//! edit states through it, and check that the hand-written writer produces
//! exactly the bytes `prost` produces. Enums are `int32` fields: the wire
//! encoding is identical and the values are checked when loading.

use std::collections::VecDeque;

use super::authenticator::Authenticator;
use super::braid::{Braid, Phase, CT2_BLOB_LEN, HDR_BLOB_LEN};
use super::chain::{
    Chain, ChainParams, DirChain, EpochLink, SkippedKeys, DEFAULT_MAX_OOO_KEYS, SKIPPED_RECORD,
};
use super::erasure::{Decoder, Encoder, POLYS};
use super::kem::{self, CT1_LEN, DK_LEN, EK_LEN, ES_LEN, HDR_LEN};
use super::negotiation::Negotiation;
use super::secret::Secret;
use super::{Active, Direction, SpqrError, SpqrState, Version};
use crate::protowire::{Malformed, Reader, Value, Writer};

/// Protobuf messages (field numbers and types are what matter).
#[cfg(test)]
mod pb {
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct PqRatchetState {
        #[prost(message, optional, tag = "1")]
        pub(super) version_negotiation: Option<VersionNegotiation>,
        #[prost(message, optional, tag = "2")]
        pub(super) chain: Option<Chain>,
        /// The only member of the oneof `inner` (absent = V0).
        #[prost(message, optional, tag = "3")]
        pub(super) v1: Option<V1State>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct VersionNegotiation {
        #[prost(bytes = "vec", tag = "1")]
        pub(super) auth_key: Vec<u8>,
        #[prost(int32, tag = "2")]
        pub(super) direction: i32,
        #[prost(int32, tag = "3")]
        pub(super) min_version: i32,
        #[prost(message, optional, tag = "4")]
        pub(super) chain_params: Option<ChainParams>,
    }

    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub(super) struct ChainParams {
        #[prost(uint32, tag = "1")]
        pub(super) max_jump: u32,
        #[prost(uint32, tag = "2")]
        pub(super) max_ooo_keys: u32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Chain {
        #[prost(int32, tag = "1")]
        pub(super) direction: i32,
        #[prost(uint64, tag = "2")]
        pub(super) current_epoch: u64,
        #[prost(message, repeated, tag = "3")]
        pub(super) links: Vec<Epoch>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) next_root: Vec<u8>,
        #[prost(uint64, tag = "5")]
        pub(super) send_epoch: u64,
        #[prost(message, optional, tag = "6")]
        pub(super) params: Option<ChainParams>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Epoch {
        #[prost(message, optional, tag = "1")]
        pub(super) send: Option<EpochDirection>,
        #[prost(message, optional, tag = "2")]
        pub(super) recv: Option<EpochDirection>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct EpochDirection {
        #[prost(uint32, tag = "1")]
        pub(super) ctr: u32,
        #[prost(bytes = "vec", tag = "2")]
        pub(super) next: Vec<u8>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) prev: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Authenticator {
        #[prost(bytes = "vec", tag = "1")]
        pub(super) root_key: Vec<u8>,
        #[prost(bytes = "vec", tag = "2")]
        pub(super) mac_key: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct PolynomialEncoder {
        #[prost(uint32, tag = "1")]
        pub(super) idx: u32,
        #[prost(bytes = "vec", repeated, tag = "2")]
        pub(super) pts: Vec<Vec<u8>>,
        #[prost(bytes = "vec", repeated, tag = "3")]
        pub(super) polys: Vec<Vec<u8>>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct PolynomialDecoder {
        #[prost(uint32, tag = "1")]
        pub(super) pts_needed: u32,
        #[prost(uint32, tag = "2")]
        pub(super) polys: u32,
        #[prost(bytes = "vec", repeated, tag = "3")]
        pub(super) pts: Vec<Vec<u8>>,
        #[prost(bool, tag = "4")]
        pub(super) is_complete: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct V1State {
        #[prost(oneof = "InnerState", tags = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11")]
        pub(super) inner_state: Option<InnerState>,
    }

    #[derive(Clone, PartialEq, prost::Oneof)]
    pub(super) enum InnerState {
        #[prost(message, tag = "1")]
        KeysUnsampled(Uc<UEpoch>),
        #[prost(message, tag = "2")]
        KeysSampled(UcEnc<UHeaderSent>),
        #[prost(message, tag = "3")]
        HeaderSent(UcEncDec<UEkSent>),
        #[prost(message, tag = "4")]
        Ct1Received(UcEnc<UEkSentCt1Received>),
        #[prost(message, tag = "5")]
        EkSentCt1Received(UcDec3<UEkSentCt1Received>),
        #[prost(message, tag = "6")]
        NoHeaderReceived(UcDec<UEpoch>),
        #[prost(message, tag = "7")]
        HeaderReceived(UcDec<UHeaderReceived>),
        #[prost(message, tag = "8")]
        Ct1Sampled(UcEncDec<UCt1Sent>),
        #[prost(message, tag = "9")]
        EkReceivedCt1Sampled(UcEnc<UCt1SentEkReceived>),
        #[prost(message, tag = "10")]
        Ct1Acknowledged(UcDec<UCt1Sent>),
        #[prost(message, tag = "11")]
        Ct2Sampled(UcEnc<UEpoch>),
    }

    // "Chunked" records: field 1 is the core record, then coders.

    /// `uc` only (KeysUnsampled).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Uc<T: prost::Message + Default + PartialEq + core::fmt::Debug> {
        #[prost(message, optional, tag = "1")]
        pub(super) uc: Option<T>,
    }

    /// `uc`, encoder 2 (KeysSampled, Ct1Received, EkReceivedCt1Sampled, Ct2Sampled).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UcEnc<T: prost::Message + Default + PartialEq + core::fmt::Debug> {
        #[prost(message, optional, tag = "1")]
        pub(super) uc: Option<T>,
        #[prost(message, optional, tag = "2")]
        pub(super) encoder: Option<PolynomialEncoder>,
    }

    /// `uc`, decoder 2 (NoHeaderReceived, HeaderReceived, Ct1Acknowledged).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UcDec<T: prost::Message + Default + PartialEq + core::fmt::Debug> {
        #[prost(message, optional, tag = "1")]
        pub(super) uc: Option<T>,
        #[prost(message, optional, tag = "2")]
        pub(super) decoder: Option<PolynomialDecoder>,
    }

    /// `uc`, decoder 3 (EkSentCt1Received: there is no field 2).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UcDec3<T: prost::Message + Default + PartialEq + core::fmt::Debug> {
        #[prost(message, optional, tag = "1")]
        pub(super) uc: Option<T>,
        #[prost(message, optional, tag = "3")]
        pub(super) decoder: Option<PolynomialDecoder>,
    }

    /// `uc`, encoder 2, decoder 3 (HeaderSent, Ct1Sampled).
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UcEncDec<T: prost::Message + Default + PartialEq + core::fmt::Debug> {
        #[prost(message, optional, tag = "1")]
        pub(super) uc: Option<T>,
        #[prost(message, optional, tag = "2")]
        pub(super) encoder: Option<PolynomialEncoder>,
        #[prost(message, optional, tag = "3")]
        pub(super) decoder: Option<PolynomialDecoder>,
    }

    // "Unchunked" core records: 1 epoch, 2 auth, then data.

    /// KeysUnsampled, NoHeaderReceived, Ct2Sent.
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UEpoch {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UHeaderSent {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) ek: Vec<u8>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) dk: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UEkSent {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) dk: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UEkSentCt1Received {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) dk: Vec<u8>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) ct1: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UHeaderReceived {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) hdr: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UCt1Sent {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) hdr: Vec<u8>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) es: Vec<u8>,
        #[prost(bytes = "vec", tag = "5")]
        pub(super) ct1: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct UCt1SentEkReceived {
        #[prost(uint64, tag = "1")]
        pub(super) epoch: u64,
        #[prost(message, optional, tag = "2")]
        pub(super) auth: Option<Authenticator>,
        #[prost(bytes = "vec", tag = "3")]
        pub(super) es: Vec<u8>,
        #[prost(bytes = "vec", tag = "4")]
        pub(super) ek: Vec<u8>,
        #[prost(bytes = "vec", tag = "5")]
        pub(super) ct1: Vec<u8>,
    }

    // Buffers that hold secrets are wiped when the message is dropped.
    macro_rules! wipe_on_drop {
        ($($ty:ty => [$($field:ident),*]),* $(,)?) => {$(
            impl Drop for $ty {
                fn drop(&mut self) {
                    $(zeroize::Zeroize::zeroize(&mut self.$field);)*
                }
            }
        )*};
    }
    wipe_on_drop!(
        VersionNegotiation => [auth_key],
        Chain => [next_root],
        EpochDirection => [next, prev],
        Authenticator => [root_key, mac_key],
        UHeaderSent => [dk],
        UEkSent => [dk],
        UEkSentCt1Received => [dk],
        UCt1Sent => [es],
        UCt1SentEkReceived => [es],
    );
}

// ---------------------------------------------------------------------------
// Serialize: straight from the live state into the caller's buffer.

fn direction_value(direction: Direction) -> i32 {
    match direction {
        Direction::A2B => 0,
        Direction::B2A => 1,
    }
}

fn version_value(version: Version) -> i32 {
    match version {
        Version::V0 => 0,
        Version::V1 => 1,
    }
}

fn write_params(w: &mut Writer, params: &ChainParams) {
    let (max_jump, max_ooo_keys) = params.stored();
    w.uint(1, u64::from(max_jump));
    w.uint(2, u64::from(max_ooo_keys));
}

fn write_auth(w: &mut Writer, auth: &Authenticator) {
    w.message(2, |w| {
        w.bytes(1, auth.root_key());
        w.bytes(2, auth.mac_key());
    });
}

fn write_encoder(w: &mut Writer, field: u32, encoder: &Encoder) {
    w.large_message(field, |w| {
        w.uint(1, u64::from(encoder.next_counter()));
        encoder.write_stored(|polys, list| w.bytes_always(if polys { 3 } else { 2 }, list));
    });
}

fn write_decoder(w: &mut Writer, field: u32, decoder: &Decoder) {
    w.large_message(field, |w| {
        w.uint(1, decoder.pts_needed().into());
        w.uint(2, POLYS as u64);
        decoder.write_stored(|list| w.bytes_always(3, list));
    });
}

fn write_dir_chain(w: &mut Writer, field: u32, dir: &DirChain) {
    w.message(field, |w| {
        w.uint(1, u64::from(dir.ctr));
        if let Some(next) = &dir.next {
            w.bytes(2, next.as_bytes());
        }
        w.bytes(3, dir.skipped.as_bytes());
    });
}

fn write_chain(w: &mut Writer, chain: &Chain) {
    w.int32(1, direction_value(chain.direction));
    w.uint(2, chain.current_epoch);
    for link in &chain.links {
        w.message(3, |w| {
            write_dir_chain(w, 1, &link.send);
            write_dir_chain(w, 2, &link.recv);
        });
    }
    w.bytes(4, chain.next_root.as_bytes());
    w.uint(5, chain.send_epoch);
    w.message(6, |w| write_params(w, &chain.params));
}

/// The `V1State` member of `braid`: its tag, the core record's fields after
/// epoch and authenticator, then the coders with their field numbers.
fn write_braid(w: &mut Writer, braid: &Braid) {
    // (oneof tag, core fields 3.., encoder (field, coder), decoder (field, coder))
    let (tag, core, encoder, decoder): (u32, [&[u8]; 3], _, _) = match &braid.phase {
        Phase::KeysUnsampled => (1, [&[], &[], &[]], None, None),
        Phase::KeysSampled {
            ek,
            dk,
            sending_hdr,
        } => (2, [&ek[..], dk.as_bytes(), &[]], Some(sending_hdr), None),
        Phase::HeaderSent {
            dk,
            sending_ek,
            receiving_ct1,
        } => (
            3,
            [dk.as_bytes(), &[], &[]],
            Some(sending_ek),
            Some((3, receiving_ct1)),
        ),
        Phase::Ct1Received {
            dk,
            ct1,
            sending_ek,
        } => (4, [dk.as_bytes(), &ct1[..], &[]], Some(sending_ek), None),
        Phase::EkSentCt1Received {
            dk,
            ct1,
            receiving_ct2,
        } => (
            5,
            [dk.as_bytes(), &ct1[..], &[]],
            None,
            Some((3, receiving_ct2)),
        ),
        Phase::NoHeaderReceived { receiving_hdr } => {
            (6, [&[], &[], &[]], None, Some((2, receiving_hdr)))
        }
        Phase::HeaderReceived { hdr, receiving_ek } => {
            (7, [&hdr[..], &[], &[]], None, Some((2, receiving_ek)))
        }
        Phase::Ct1Sampled {
            hdr,
            es,
            ct1,
            sending_ct1,
            receiving_ek,
        } => (
            8,
            [&hdr[..], es.as_bytes(), &ct1[..]],
            Some(sending_ct1),
            Some((3, receiving_ek)),
        ),
        Phase::EkReceivedCt1Sampled {
            es,
            ek,
            ct1,
            sending_ct1,
        } => (
            9,
            [es.as_bytes(), &ek[..], &ct1[..]],
            Some(sending_ct1),
            None,
        ),
        Phase::Ct1Acknowledged {
            hdr,
            es,
            ct1,
            receiving_ek,
        } => (
            10,
            [&hdr[..], es.as_bytes(), &ct1[..]],
            None,
            Some((2, receiving_ek)),
        ),
        Phase::Ct2Sampled { sending_ct2 } => (11, [&[], &[], &[]], Some(sending_ct2), None),
    };
    w.large_message(tag, |w| {
        w.large_message(1, |w| {
            w.uint(1, braid.epoch);
            write_auth(w, &braid.auth);
            for (field, bytes) in (3..).zip(core) {
                w.bytes(field, bytes);
            }
        });
        if let Some(encoder) = encoder {
            write_encoder(w, 2, encoder);
        }
        if let Some((field, decoder)) = decoder {
            write_decoder(w, field, decoder);
        }
    });
}

/// Writes the `PqRatchetState` fields of a non-empty state (nothing for the
/// empty state).
pub(super) fn write(state: &SpqrState, w: &mut Writer) {
    let Some(active) = state.0.as_deref() else {
        return;
    };
    if let Some(vn) = &active.negotiation {
        w.message(1, |w| {
            w.bytes(1, vn.auth_key.as_bytes());
            w.int32(2, direction_value(vn.direction));
            w.int32(3, version_value(vn.min_version));
            w.message(4, |w| write_params(w, &vn.params));
        });
    }
    if let Some(chain) = &active.chain {
        w.large_message(2, |w| write_chain(w, chain));
    }
    w.large_message(3, |w| write_braid(w, &active.braid));
}

/// The stored form of `state` (empty for V0).
pub(super) fn serialize(state: &SpqrState) -> Vec<u8> {
    let mut w = Writer::with_prefix(&[], size_hint(state));
    write(state, &mut w);
    w.finish().to_vec()
}

/// About the stored size (a little more), so the buffer seldom grows and
/// little spare capacity is wiped on drop.
pub(super) fn size_hint(state: &SpqrState) -> usize {
    let Some(active) = state.0.as_deref() else {
        return 0;
    };
    let chain = active.chain.as_ref().map_or(0, |c| {
        c.links
            .iter()
            .map(|l| 90 + l.send.skipped.as_bytes().len() + l.recv.skipped.as_bytes().len())
            .sum::<usize>()
            + 64
    });
    let enc = |e: &Encoder| e.stored_len();
    let dec = |d: &Decoder| d.stored_len();
    let phase = match &active.braid.phase {
        Phase::KeysUnsampled => 0,
        Phase::KeysSampled { sending_hdr, .. } => EK_LEN + DK_LEN + enc(sending_hdr),
        Phase::HeaderSent {
            sending_ek,
            receiving_ct1,
            ..
        } => DK_LEN + enc(sending_ek) + dec(receiving_ct1),
        Phase::Ct1Received { sending_ek, .. } => DK_LEN + CT1_LEN + enc(sending_ek),
        Phase::EkSentCt1Received { receiving_ct2, .. } => DK_LEN + CT1_LEN + dec(receiving_ct2),
        Phase::NoHeaderReceived { receiving_hdr } => dec(receiving_hdr),
        Phase::HeaderReceived { receiving_ek, .. } => HDR_LEN + dec(receiving_ek),
        Phase::Ct1Sampled {
            sending_ct1,
            receiving_ek,
            ..
        } => HDR_LEN + ES_LEN + CT1_LEN + enc(sending_ct1) + dec(receiving_ek),
        Phase::EkReceivedCt1Sampled { sending_ct1, .. } => {
            ES_LEN + EK_LEN + CT1_LEN + enc(sending_ct1)
        }
        Phase::Ct1Acknowledged { receiving_ek, .. } => {
            HDR_LEN + ES_LEN + CT1_LEN + dec(receiving_ek)
        }
        Phase::Ct2Sampled { sending_ct2 } => enc(sending_ct2),
    };
    200 + phase + chain
}

/// The largest `(max_jump, max_ooo_keys)` of the chain and the negotiation
/// record (which creates the chain later); `None` for the empty state.
pub(super) fn limits(state: &SpqrState) -> Option<(u32, u32)> {
    let active = state.0.as_deref()?;
    let chain = active.chain.as_ref().map(|c| c.params);
    let negotiation = active.negotiation.as_ref().map(|n| n.params);
    chain
        .into_iter()
        .chain(negotiation)
        .map(|p| (p.max_jump, p.max_ooo_keys))
        .reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)))
}

// ---------------------------------------------------------------------------
// Deserialize: straight from the stored bytes, no intermediate messages.

fn bad(what: &'static str) -> SpqrError {
    SpqrError::StateDecode(what)
}

fn malformed(_: Malformed) -> SpqrError {
    bad("not a PqRatchetState protobuf")
}

/// Calls `each` with every field of the message `bytes`.
fn fields<'a>(
    bytes: &'a [u8],
    mut each: impl FnMut(u32, Value<'a>) -> Result<(), SpqrError>,
) -> Result<(), SpqrError> {
    let mut r = Reader::new(bytes);
    while let Some((field, value)) = r.next_field().map_err(malformed)? {
        each(field, value)?;
    }
    Ok(())
}

fn direction_from(value: i32) -> Result<Direction, SpqrError> {
    match value {
        0 => Ok(Direction::A2B),
        1 => Ok(Direction::B2A),
        _ => Err(bad("unknown direction")),
    }
}

fn version_from(value: i32) -> Result<Version, SpqrError> {
    match value {
        0 => Ok(Version::V0),
        1 => Ok(Version::V1),
        _ => Err(bad("unknown version")),
    }
}

/// Chain limits; `max_ooo_keys` may not exceed the default (2 000), which is
/// all hush and libsignal write, so a stored state cannot make the store
/// grow without bound. `max_jump` is checked by the session layer, which
/// knows whether the session is a note-to-self.
fn params_from(bytes: &[u8]) -> Result<ChainParams, SpqrError> {
    let (mut max_jump, mut max_ooo_keys) = (0, 0);
    fields(bytes, |field, v| {
        match field {
            1 => max_jump = v.uint32().map_err(malformed)?,
            2 => max_ooo_keys = v.uint32().map_err(malformed)?,
            _ => {}
        }
        Ok(())
    })?;
    let params = ChainParams::new(max_jump, max_ooo_keys);
    if params.max_ooo_keys > DEFAULT_MAX_OOO_KEYS {
        return Err(bad("max_ooo_keys above the limit"));
    }
    Ok(params)
}

fn fixed<const N: usize>(bytes: &[u8], what: &'static str) -> Result<Box<[u8; N]>, SpqrError> {
    let array: [u8; N] = bytes.try_into().map_err(|_| bad(what))?;
    Ok(Box::new(array))
}

fn secret<const N: usize>(bytes: &[u8], what: &'static str) -> Result<Secret<N>, SpqrError> {
    Secret::from_slice(bytes).ok_or(bad(what))
}

fn dk_from(bytes: &[u8]) -> Result<Secret<DK_LEN>, SpqrError> {
    let dk = secret::<DK_LEN>(bytes, "decapsulation key length")?;
    if !kem::dk_is_well_formed(dk.as_bytes()) {
        return Err(bad("decapsulation key out of range"));
    }
    Ok(dk)
}

fn auth_from(bytes: Option<&[u8]>) -> Result<Authenticator, SpqrError> {
    let bytes = bytes.ok_or(bad("missing authenticator"))?;
    let (mut root_key, mut mac_key) = (&[][..], &[][..]);
    fields(bytes, |field, v| {
        match field {
            1 => root_key = v.bytes().map_err(malformed)?,
            2 => mac_key = v.bytes().map_err(malformed)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(Authenticator::from_keys(
        secret(root_key, "authenticator root key length")?,
        secret(mac_key, "authenticator MAC key length")?,
    ))
}

/// Up to sixteen entries of a repeated `bytes` field (one per polynomial);
/// a seventeenth makes the coder malformed.
#[derive(Default)]
struct Lists<'a> {
    entries: [&'a [u8]; POLYS],
    len: usize,
    overflow: bool,
}

impl<'a> Lists<'a> {
    fn push(&mut self, entry: &'a [u8]) {
        match self.entries.get_mut(self.len) {
            Some(slot) => {
                *slot = entry;
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    fn get(&self) -> Option<&[&'a [u8]]> {
        (!self.overflow).then(|| &self.entries[..self.len])
    }
}

fn encoder_from(bytes: Option<&[u8]>, blob_len: usize) -> Result<Encoder, SpqrError> {
    let bytes = bytes.ok_or(bad("missing encoder"))?;
    let (mut next, mut pts, mut polys) = (0, Lists::default(), Lists::default());
    fields(bytes, |field, v| {
        match field {
            1 => next = v.uint32().map_err(malformed)?,
            2 => pts.push(v.bytes().map_err(malformed)?),
            3 => polys.push(v.bytes().map_err(malformed)?),
            _ => {}
        }
        Ok(())
    })?;
    let (Some(pts), Some(polys)) = (pts.get(), polys.get()) else {
        return Err(bad("malformed encoder"));
    };
    Encoder::from_lists(next, pts, polys, blob_len).ok_or(bad("malformed encoder"))
}

fn decoder_from(bytes: Option<&[u8]>, blob_len: usize) -> Result<Decoder, SpqrError> {
    let bytes = bytes.ok_or(bad("missing decoder"))?;
    let (mut pts_needed, mut polys, mut pts) = (0, 0, Lists::default());
    fields(bytes, |field, v| {
        match field {
            1 => pts_needed = v.uint32().map_err(malformed)?,
            2 => polys = v.uint32().map_err(malformed)?,
            3 => pts.push(v.bytes().map_err(malformed)?),
            _ => {}
        }
        Ok(())
    })?;
    let pts = pts.get().ok_or(bad("malformed decoder"))?;
    Decoder::from_parts(pts_needed, polys, pts, blob_len).ok_or(bad("malformed decoder"))
}

/// A core record: epoch, authenticator and the bytes of fields 3, 4, 5.
struct CoreRecord<'a> {
    epoch: u64,
    auth: Option<&'a [u8]>,
    data: [&'a [u8]; 3],
}

fn core_from(bytes: Option<&[u8]>) -> Result<(CoreRecord<'_>, (u64, Authenticator)), SpqrError> {
    let bytes = bytes.ok_or(bad("missing core record"))?;
    let mut core = CoreRecord {
        epoch: 0,
        auth: None,
        data: [&[]; 3],
    };
    fields(bytes, |field, v| {
        match field {
            1 => core.epoch = v.varint().map_err(malformed)?,
            2 => core.auth = Some(v.bytes().map_err(malformed)?),
            3..=5 => core.data[field as usize - 3] = v.bytes().map_err(malformed)?,
            _ => {}
        }
        Ok(())
    })?;
    if core.epoch == 0 {
        return Err(bad("epoch 0"));
    }
    let auth = auth_from(core.auth)?;
    let epoch = core.epoch;
    Ok((core, (epoch, auth)))
}

fn braid_from(v1: &[u8]) -> Result<Braid, SpqrError> {
    // The oneof member: the last one present wins, as in protobuf.
    let mut member: Option<(u32, &[u8])> = None;
    fields(v1, |field, v| {
        if (1..=11).contains(&field) {
            member = Some((field, v.bytes().map_err(malformed)?));
        }
        Ok(())
    })?;
    let (tag, record) = member.ok_or(bad("V1 state without a member"))?;
    let mut chunked: [Option<&[u8]>; 3] = [None; 3];
    fields(record, |field, v| {
        if let Some(slot) = chunked.get_mut((field as usize).wrapping_sub(1)) {
            *slot = Some(v.bytes().map_err(malformed)?);
        }
        Ok(())
    })?;
    let [uc, second, third] = chunked;
    let (core, (epoch, auth)) = core_from(uc)?;
    let [f3, f4, f5] = core.data;
    let phase = match tag {
        1 => Phase::KeysUnsampled,
        2 => Phase::KeysSampled {
            ek: fixed(f3, "ek length")?,
            dk: dk_from(f4)?,
            sending_hdr: encoder_from(second, HDR_BLOB_LEN)?,
        },
        3 => Phase::HeaderSent {
            dk: dk_from(f3)?,
            sending_ek: encoder_from(second, EK_LEN)?,
            receiving_ct1: decoder_from(third, CT1_LEN)?,
        },
        4 => Phase::Ct1Received {
            dk: dk_from(f3)?,
            ct1: fixed(f4, "ct1 length")?,
            sending_ek: encoder_from(second, EK_LEN)?,
        },
        5 => Phase::EkSentCt1Received {
            dk: dk_from(f3)?,
            ct1: fixed(f4, "ct1 length")?,
            receiving_ct2: decoder_from(third, CT2_BLOB_LEN)?,
        },
        6 => Phase::NoHeaderReceived {
            receiving_hdr: decoder_from(second, HDR_BLOB_LEN)?,
        },
        7 => Phase::HeaderReceived {
            hdr: fixed::<HDR_LEN>(f3, "hdr length")?,
            receiving_ek: decoder_from(second, EK_LEN)?,
        },
        8 => Phase::Ct1Sampled {
            hdr: fixed::<HDR_LEN>(f3, "hdr length")?,
            es: secret::<ES_LEN>(f4, "encapsulation state length")?,
            ct1: fixed(f5, "ct1 length")?,
            sending_ct1: encoder_from(second, CT1_LEN)?,
            receiving_ek: decoder_from(third, EK_LEN)?,
        },
        9 => {
            let ek = fixed::<EK_LEN>(f4, "ek length")?;
            if !kem::ek_is_well_formed(&ek) {
                return Err(bad("ek out of range"));
            }
            Phase::EkReceivedCt1Sampled {
                es: secret::<ES_LEN>(f3, "encapsulation state length")?,
                ek,
                ct1: fixed(f5, "ct1 length")?,
                sending_ct1: encoder_from(second, CT1_LEN)?,
            }
        }
        10 => Phase::Ct1Acknowledged {
            hdr: fixed::<HDR_LEN>(f3, "hdr length")?,
            es: secret::<ES_LEN>(f4, "encapsulation state length")?,
            ct1: fixed(f5, "ct1 length")?,
            receiving_ek: decoder_from(second, EK_LEN)?,
        },
        _ => Phase::Ct2Sampled {
            sending_ct2: encoder_from(second, CT2_BLOB_LEN)?,
        },
    };
    Ok(Braid { epoch, auth, phase })
}

fn dir_chain_from(bytes: Option<&[u8]>, params: &ChainParams) -> Result<DirChain, SpqrError> {
    let bytes = bytes.ok_or(bad("link without send or recv"))?;
    let (mut ctr, mut next, mut prev) = (0u32, &[][..], &[][..]);
    fields(bytes, |field, v| {
        match field {
            1 => ctr = v.uint32().map_err(malformed)?,
            2 => next = v.bytes().map_err(malformed)?,
            3 => prev = v.bytes().map_err(malformed)?,
            _ => {}
        }
        Ok(())
    })?;
    let next = match next.len() {
        0 => None,
        _ => Some(secret::<32>(next, "chain key length")?),
    };
    if prev.len() % SKIPPED_RECORD != 0 {
        return Err(bad("skipped keys not whole records"));
    }
    if (prev.len() / SKIPPED_RECORD) as u64 >= params.trim_size() {
        return Err(bad("too many skipped keys"));
    }
    let skipped = SkippedKeys::from_bytes(prev).ok_or(bad("skipped keys not whole records"))?;
    if skipped.indices().any(|i| i >= ctr) {
        return Err(bad("skipped key not behind the chain"));
    }
    Ok(DirChain { ctr, next, skipped })
}

fn chain_from(bytes: &[u8]) -> Result<Chain, SpqrError> {
    let (mut direction, mut current_epoch, mut send_epoch) = (0i32, 0u64, 0u64);
    let (mut next_root, mut params, mut links) = (&[][..], None, 0u64);
    fields(bytes, |field, v| {
        match field {
            1 => direction = v.int32().map_err(malformed)?,
            2 => current_epoch = v.varint().map_err(malformed)?,
            3 => {
                v.bytes().map_err(malformed)?;
                links += 1;
            }
            4 => next_root = v.bytes().map_err(malformed)?,
            5 => send_epoch = v.varint().map_err(malformed)?,
            6 => params = Some(v.bytes().map_err(malformed)?),
            _ => {}
        }
        Ok(())
    })?;
    let params = params_from(params.ok_or(bad("chain without params"))?)?;
    if links == 0 {
        return Err(bad("chain without links"));
    }
    // The first link is epoch current − (len − 1) ≥ 0.
    if links > current_epoch.saturating_add(1) {
        return Err(bad("more links than epochs"));
    }
    if send_epoch > current_epoch {
        return Err(bad("send epoch ahead of the chain"));
    }
    let mut decoded = VecDeque::with_capacity(links as usize);
    fields(bytes, |field, v| {
        if field == 3 {
            let mut directions: [Option<&[u8]>; 2] = [None; 2];
            fields(v.bytes().map_err(malformed)?, |field, v| {
                if let Some(slot) = directions.get_mut((field as usize).wrapping_sub(1)) {
                    *slot = Some(v.bytes().map_err(malformed)?);
                }
                Ok(())
            })?;
            decoded.push_back(EpochLink {
                send: dir_chain_from(directions[0], &params)?,
                recv: dir_chain_from(directions[1], &params)?,
            });
        }
        Ok(())
    })?;
    Ok(Chain {
        direction: direction_from(direction)?,
        current_epoch,
        send_epoch,
        links: decoded,
        next_root: secret(next_root, "next root length")?,
        params,
    })
}

fn negotiation_from(bytes: &[u8]) -> Result<Negotiation, SpqrError> {
    let (mut auth_key, mut direction, mut min_version, mut params) = (&[][..], 0, 0, None);
    fields(bytes, |field, v| {
        match field {
            1 => auth_key = v.bytes().map_err(malformed)?,
            2 => direction = v.int32().map_err(malformed)?,
            3 => min_version = v.int32().map_err(malformed)?,
            4 => params = Some(v.bytes().map_err(malformed)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(Negotiation {
        auth_key: secret(auth_key, "auth key length")?,
        direction: direction_from(direction)?,
        min_version: version_from(min_version)?,
        params: params.map_or(Ok(ChainParams::new(0, 0)), params_from)?,
    })
}

/// Reads a stored state (empty bytes: the empty state). A record without a
/// V1 member is V0 and loads as the empty state.
pub(super) fn deserialize(bytes: &[u8]) -> Result<SpqrState, SpqrError> {
    if bytes.is_empty() {
        return Ok(SpqrState::empty());
    }
    let (mut negotiation, mut chain, mut v1) = (None, None, None);
    fields(bytes, |field, v| {
        match field {
            1 => negotiation = Some(v.bytes().map_err(malformed)?),
            2 => chain = Some(v.bytes().map_err(malformed)?),
            3 => v1 = Some(v.bytes().map_err(malformed)?),
            _ => {}
        }
        Ok(())
    })?;
    let Some(v1) = v1 else {
        return Ok(SpqrState::empty());
    };
    Ok(SpqrState(Some(Box::new(Active {
        negotiation: negotiation.map(negotiation_from).transpose()?,
        chain: chain.map(chain_from).transpose()?,
        braid: braid_from(v1)?,
    }))))
}

/// The `prost` serializer this module used before the hand-written one; the
/// tests check that both produce the same bytes.
#[cfg(test)]
pub(super) mod prost_reference {
    use prost::Message as _;

    use super::super::authenticator::Authenticator;
    use super::super::braid::{Braid, Phase};
    use super::super::chain::{Chain, ChainParams, DirChain};
    use super::super::erasure::{Decoder, Encoder, EncoderParts, POLYS};
    use super::super::{Direction, SpqrState, Version};
    use super::pb;

    fn direction_to_pb(direction: Direction) -> i32 {
        match direction {
            Direction::A2B => 0,
            Direction::B2A => 1,
        }
    }

    fn version_to_pb(version: Version) -> i32 {
        match version {
            Version::V0 => 0,
            Version::V1 => 1,
        }
    }

    fn params_to_pb(params: &ChainParams) -> pb::ChainParams {
        let (max_jump, max_ooo_keys) = params.stored();
        pb::ChainParams {
            max_jump,
            max_ooo_keys,
        }
    }

    fn auth_to_pb(auth: &Authenticator) -> Option<pb::Authenticator> {
        Some(pb::Authenticator {
            root_key: auth.root_key().to_vec(),
            mac_key: auth.mac_key().to_vec(),
        })
    }

    fn encoder_to_pb(encoder: &Encoder) -> Option<pb::PolynomialEncoder> {
        let EncoderParts { next, pts, polys } = encoder.to_parts();
        Some(pb::PolynomialEncoder {
            idx: next,
            pts,
            polys,
        })
    }

    fn decoder_to_pb(decoder: &Decoder) -> Option<pb::PolynomialDecoder> {
        let (pts_needed, pts) = decoder.to_parts();
        Some(pb::PolynomialDecoder {
            pts_needed,
            polys: POLYS as u32,
            pts,
            is_complete: false,
        })
    }

    fn dir_chain_to_pb(dir: &DirChain) -> Option<pb::EpochDirection> {
        Some(pb::EpochDirection {
            ctr: dir.ctr,
            next: dir
                .next
                .as_ref()
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_default(),
            prev: dir.skipped.as_bytes().to_vec(),
        })
    }

    fn chain_to_pb(chain: &Chain) -> pb::Chain {
        pb::Chain {
            direction: direction_to_pb(chain.direction),
            current_epoch: chain.current_epoch,
            links: chain
                .links
                .iter()
                .map(|l| pb::Epoch {
                    send: dir_chain_to_pb(&l.send),
                    recv: dir_chain_to_pb(&l.recv),
                })
                .collect(),
            next_root: chain.next_root.as_bytes().to_vec(),
            send_epoch: chain.send_epoch,
            params: Some(params_to_pb(&chain.params)),
        }
    }

    fn braid_to_pb(braid: &Braid) -> pb::V1State {
        use pb::InnerState as S;
        let epoch = braid.epoch;
        let auth = || auth_to_pb(&braid.auth);
        let bare = || {
            Some(pb::UEpoch {
                epoch,
                auth: auth(),
            })
        };
        let inner = match &braid.phase {
            Phase::KeysUnsampled => S::KeysUnsampled(pb::Uc { uc: bare() }),
            Phase::KeysSampled {
                ek,
                dk,
                sending_hdr,
            } => S::KeysSampled(pb::UcEnc {
                uc: Some(pb::UHeaderSent {
                    epoch,
                    auth: auth(),
                    ek: ek.to_vec(),
                    dk: dk.as_bytes().to_vec(),
                }),
                encoder: encoder_to_pb(sending_hdr),
            }),
            Phase::HeaderSent {
                dk,
                sending_ek,
                receiving_ct1,
            } => S::HeaderSent(pb::UcEncDec {
                uc: Some(pb::UEkSent {
                    epoch,
                    auth: auth(),
                    dk: dk.as_bytes().to_vec(),
                }),
                encoder: encoder_to_pb(sending_ek),
                decoder: decoder_to_pb(receiving_ct1),
            }),
            Phase::Ct1Received {
                dk,
                ct1,
                sending_ek,
            } => S::Ct1Received(pb::UcEnc {
                uc: Some(pb::UEkSentCt1Received {
                    epoch,
                    auth: auth(),
                    dk: dk.as_bytes().to_vec(),
                    ct1: ct1.to_vec(),
                }),
                encoder: encoder_to_pb(sending_ek),
            }),
            Phase::EkSentCt1Received {
                dk,
                ct1,
                receiving_ct2,
            } => S::EkSentCt1Received(pb::UcDec3 {
                uc: Some(pb::UEkSentCt1Received {
                    epoch,
                    auth: auth(),
                    dk: dk.as_bytes().to_vec(),
                    ct1: ct1.to_vec(),
                }),
                decoder: decoder_to_pb(receiving_ct2),
            }),
            Phase::NoHeaderReceived { receiving_hdr } => S::NoHeaderReceived(pb::UcDec {
                uc: bare(),
                decoder: decoder_to_pb(receiving_hdr),
            }),
            Phase::HeaderReceived { hdr, receiving_ek } => S::HeaderReceived(pb::UcDec {
                uc: Some(pb::UHeaderReceived {
                    epoch,
                    auth: auth(),
                    hdr: hdr.to_vec(),
                }),
                decoder: decoder_to_pb(receiving_ek),
            }),
            Phase::Ct1Sampled {
                hdr,
                es,
                ct1,
                sending_ct1,
                receiving_ek,
            } => S::Ct1Sampled(pb::UcEncDec {
                uc: Some(pb::UCt1Sent {
                    epoch,
                    auth: auth(),
                    hdr: hdr.to_vec(),
                    es: es.as_bytes().to_vec(),
                    ct1: ct1.to_vec(),
                }),
                encoder: encoder_to_pb(sending_ct1),
                decoder: decoder_to_pb(receiving_ek),
            }),
            Phase::EkReceivedCt1Sampled {
                es,
                ek,
                ct1,
                sending_ct1,
            } => S::EkReceivedCt1Sampled(pb::UcEnc {
                uc: Some(pb::UCt1SentEkReceived {
                    epoch,
                    auth: auth(),
                    es: es.as_bytes().to_vec(),
                    ek: ek.to_vec(),
                    ct1: ct1.to_vec(),
                }),
                encoder: encoder_to_pb(sending_ct1),
            }),
            Phase::Ct1Acknowledged {
                hdr,
                es,
                ct1,
                receiving_ek,
            } => S::Ct1Acknowledged(pb::UcDec {
                uc: Some(pb::UCt1Sent {
                    epoch,
                    auth: auth(),
                    hdr: hdr.to_vec(),
                    es: es.as_bytes().to_vec(),
                    ct1: ct1.to_vec(),
                }),
                decoder: decoder_to_pb(receiving_ek),
            }),
            Phase::Ct2Sampled { sending_ct2 } => S::Ct2Sampled(pb::UcEnc {
                uc: bare(),
                encoder: encoder_to_pb(sending_ct2),
            }),
        };
        pb::V1State {
            inner_state: Some(inner),
        }
    }

    /// The stored form of `state` (empty for V0).
    pub(in crate::spqr) fn serialize(state: &SpqrState) -> Vec<u8> {
        let Some(active) = state.0.as_deref() else {
            return Vec::new();
        };
        let message = pb::PqRatchetState {
            version_negotiation: active
                .negotiation
                .as_ref()
                .map(|vn| pb::VersionNegotiation {
                    auth_key: vn.auth_key.as_bytes().to_vec(),
                    direction: direction_to_pb(vn.direction),
                    min_version: version_to_pb(vn.min_version),
                    chain_params: Some(params_to_pb(&vn.params)),
                }),
            chain: active.chain.as_ref().map(chain_to_pb),
            v1: Some(braid_to_pb(&active.braid)),
        };
        message.encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;
    use crate::spqr::Params;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.split_whitespace().collect::<String>()).expect("hex")
    }

    fn params(direction: Direction) -> Params {
        Params {
            auth_key: [0x29; 32],
            direction,
            version: Version::V1,
            min_version: Version::V1,
            max_jump: 25_000,
            max_ooo_keys: 2_000,
        }
    }

    const A2B_INITIAL: &str = "
        0a260a2029292929292929292929292929292929292929292929292929292929292929291801
        22001a4c0a4a0a48080112440a20486eb283e739a2b7baea016d6a70df801616dfbf3f022b77
        a27cfaa3360348a012205a368111ae4f8d5d407e4b9a369e67af9e01d9449cf2b5e50cede3f7
        ab525a1e";

    const B2A_INITIAL: &str = "
        0a280a20292929292929292929292929292929292929292929292929292929292929292910011801
        22001a7232700a48080112440a20486eb283e739a2b7baea016d6a70df801616dfbf3f022b77
        a27cfaa3360348a012205a368111ae4f8d5d407e4b9a369e67af9e01d9449cf2b5e50cede3f7
        ab525a1e1224083010101a001a001a001a001a001a001a001a001a001a001a001a001a001a00
        1a001a00";

    #[test]
    fn initial_states_known_answers() {
        // spqr-internals §9.5
        let a = SpqrState::initial(&params(Direction::A2B)).serialize();
        assert_eq!(a.len(), 118);
        assert_eq!(hex::encode(&a), hex::encode(unhex(A2B_INITIAL)));
        let b = SpqrState::initial(&params(Direction::B2A)).serialize();
        assert_eq!(b.len(), 158);
        assert_eq!(hex::encode(&b), hex::encode(unhex(B2A_INITIAL)));
        for bytes in [a, b] {
            assert_eq!(
                SpqrState::deserialize(&bytes).expect("loads").serialize(),
                bytes
            );
        }
    }

    #[test]
    fn empty_and_v0_records() {
        assert!(SpqrState::deserialize(&[]).expect("empty").is_empty());
        assert!(SpqrState::empty().serialize().is_empty());
        let mut v0 = params(Direction::A2B);
        v0.version = Version::V0;
        assert!(SpqrState::initial(&v0).is_empty());
        // A record with a negotiation part but no V1 member is V0.
        let only_vn = &unhex(A2B_INITIAL)[..40];
        assert!(SpqrState::deserialize(only_vn)
            .expect("V0 record")
            .is_empty());
    }

    /// Decodes the A2B initial state, edits it, re-encodes it.
    fn edited(edit: impl FnOnce(&mut pb::PqRatchetState)) -> Vec<u8> {
        let mut m = pb::PqRatchetState::decode(&unhex(B2A_INITIAL)[..]).expect("decode");
        edit(&mut m);
        m.encode_to_vec()
    }

    fn no_header_received(m: &mut pb::PqRatchetState) -> &mut pb::UcDec<pb::UEpoch> {
        match m.v1.as_mut().and_then(|v| v.inner_state.as_mut()) {
            Some(pb::InnerState::NoHeaderReceived(r)) => r,
            _ => unreachable!("the B2A initial state"),
        }
    }

    #[test]
    fn validation_on_load() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("garbage", vec![0xff, 0xff, 0xff]),
            (
                "direction 2",
                edited(|m| m.version_negotiation.as_mut().expect("vn").direction = 2),
            ),
            (
                "min_version 7",
                edited(|m| m.version_negotiation.as_mut().expect("vn").min_version = 7),
            ),
            (
                "short auth key",
                edited(|m| {
                    m.version_negotiation
                        .as_mut()
                        .expect("vn")
                        .auth_key
                        .truncate(31)
                }),
            ),
            (
                "no member",
                edited(|m| m.v1 = Some(pb::V1State { inner_state: None })),
            ),
            ("no core", edited(|m| no_header_received(m).uc = None)),
            (
                "no auth",
                edited(|m| no_header_received(m).uc.as_mut().expect("uc").auth = None),
            ),
            (
                "epoch 0",
                edited(|m| no_header_received(m).uc.as_mut().expect("uc").epoch = 0),
            ),
            (
                "short mac key",
                edited(|m| {
                    no_header_received(m)
                        .uc
                        .as_mut()
                        .expect("uc")
                        .auth
                        .as_mut()
                        .expect("auth")
                        .mac_key
                        .truncate(31)
                }),
            ),
            (
                "no decoder",
                edited(|m| no_header_received(m).decoder = None),
            ),
            (
                "pts_needed",
                edited(|m| {
                    no_header_received(m)
                        .decoder
                        .as_mut()
                        .expect("d")
                        .pts_needed = 576
                }),
            ),
            (
                "15 lists",
                edited(|m| {
                    no_header_received(m)
                        .decoder
                        .as_mut()
                        .expect("d")
                        .pts
                        .truncate(15)
                }),
            ),
            (
                "partial point",
                edited(|m| {
                    no_header_received(m).decoder.as_mut().expect("d").pts[0] = vec![0, 1, 2]
                }),
            ),
            (
                "chain without params",
                edited(|m| {
                    m.chain = Some(pb::Chain {
                        links: vec![pb::Epoch::default()],
                        next_root: vec![0; 32],
                        ..Default::default()
                    })
                }),
            ),
        ];
        for (name, bytes) in cases {
            assert!(
                matches!(
                    SpqrState::deserialize(&bytes),
                    Err(SpqrError::StateDecode(_))
                ),
                "{name}"
            );
        }
    }

    fn chain_record(edit: impl FnOnce(&mut pb::Chain)) -> Vec<u8> {
        let dir = || {
            Some(pb::EpochDirection {
                ctr: 3,
                next: vec![1; 32],
                prev: [0, 0, 0, 1].iter().copied().chain([9; 32]).collect(),
            })
        };
        let mut chain = pb::Chain {
            direction: 1,
            current_epoch: 1,
            links: vec![pb::Epoch {
                send: dir(),
                recv: dir(),
            }],
            next_root: vec![2; 32],
            send_epoch: 1,
            params: Some(pb::ChainParams {
                max_jump: 0,
                max_ooo_keys: 0,
            }),
        };
        edit(&mut chain);
        edited(|m| m.chain = Some(chain))
    }

    #[test]
    fn chain_validation_on_load() {
        let good = chain_record(|_| {});
        let state = SpqrState::deserialize(&good).expect("a valid chain");
        assert_eq!(state.serialize(), good);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("no links", chain_record(|c| c.links.clear())),
            (
                "too many links",
                chain_record(|c| {
                    c.links = vec![c.links[0].clone(), c.links[0].clone(), c.links[0].clone()]
                }),
            ),
            ("send epoch ahead", chain_record(|c| c.send_epoch = 2)),
            ("missing recv", chain_record(|c| c.links[0].recv = None)),
            (
                "short next",
                chain_record(|c| c.links[0].send.as_mut().expect("send").next = vec![1; 31]),
            ),
            (
                "partial record",
                chain_record(|c| {
                    c.links[0].recv.as_mut().expect("recv").prev.pop();
                }),
            ),
            (
                "skipped ahead",
                chain_record(|c| c.links[0].recv.as_mut().expect("recv").ctr = 1),
            ),
            ("direction 3", chain_record(|c| c.direction = 3)),
            ("short root", chain_record(|c| c.next_root.clear())),
            (
                "too many skipped",
                chain_record(|c| {
                    let r = c.links[0].recv.as_mut().expect("recv");
                    r.ctr = 3000;
                    r.prev = (0u32..2201)
                        .flat_map(|i| i.to_be_bytes().into_iter().chain([0; 32]))
                        .collect();
                }),
            ),
        ];
        for (name, bytes) in cases {
            assert!(
                matches!(
                    SpqrState::deserialize(&bytes),
                    Err(SpqrError::StateDecode(_))
                ),
                "{name}"
            );
        }
        // A retired (empty) chain key loads.
        let retired = chain_record(|c| c.links[0].send.as_mut().expect("send").next.clear());
        assert_eq!(
            SpqrState::deserialize(&retired)
                .expect("retired")
                .serialize(),
            retired
        );
    }
}
