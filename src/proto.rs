//! Protobuf layouts shared with libsignal, as `prost` derives.
//!
//! Only the message definitions live here; conversion into checked types is
//! done by the module that owns each type. Structures that carry private keys
//! zeroize their buffers on drop.

#![allow(missing_docs)]

use zeroize::Zeroize;

/// `IdentityKeyPairStructure` (storage.proto, proto3).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct IdentityKeyPairStructure {
    #[prost(bytes = "vec", tag = "1")]
    pub public_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub private_key: Vec<u8>,
}

/// `PreKeyRecordStructure` (storage.proto, proto3).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PreKeyRecordStructure {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub public_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub private_key: Vec<u8>,
}

/// `SignedPreKeyRecordStructure` (storage.proto, proto3); also used for Kyber
/// pre-keys.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SignedPreKeyRecordStructure {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub public_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub private_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub signature: Vec<u8>,
    #[prost(fixed64, tag = "5")]
    pub timestamp: u64,
}

macro_rules! zeroize_private_key_on_drop {
    ($($ty:ty),*) => {$(
        impl Drop for $ty {
            fn drop(&mut self) {
                self.private_key.zeroize();
            }
        }
    )*};
}
zeroize_private_key_on_drop!(
    IdentityKeyPairStructure,
    PreKeyRecordStructure,
    SignedPreKeyRecordStructure
);

/// `LogicalFingerprint` (fingerprint.proto, proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LogicalFingerprint {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub content: Option<Vec<u8>>,
}

/// `CombinedFingerprints` (fingerprint.proto, proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct CombinedFingerprints {
    #[prost(uint32, optional, tag = "1")]
    pub version: Option<u32>,
    #[prost(message, optional, tag = "2")]
    pub local_fingerprint: Option<LogicalFingerprint>,
    #[prost(message, optional, tag = "3")]
    pub remote_fingerprint: Option<LogicalFingerprint>,
}

/// `signal.proto.wire.SignalMessage` (proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SignalMessageProto {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub ratchet_key: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    pub counter: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    pub previous_counter: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub ciphertext: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub pq_ratchet: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub addresses: Option<Vec<u8>>,
}

/// `signal.proto.wire.PreKeySignalMessage` (proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PreKeySignalMessageProto {
    #[prost(uint32, optional, tag = "1")]
    pub pre_key_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub base_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub identity_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub message: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "5")]
    pub registration_id: Option<u32>,
    #[prost(uint32, optional, tag = "6")]
    pub signed_pre_key_id: Option<u32>,
    #[prost(uint32, optional, tag = "7")]
    pub kyber_pre_key_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "8")]
    pub kyber_ciphertext: Option<Vec<u8>>,
}

// The session record layouts below are the reference for
// `session::codec`, which reads and writes them by hand (see
// `crate::protowire`); its tests check the two produce the same bytes.

/// `RecordStructure` (storage.proto, proto3).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct RecordStructure {
    #[prost(message, optional, tag = "1")]
    pub current_session: Option<SessionStructure>,
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub previous_sessions: Vec<Vec<u8>>,
}

/// `SessionStructure` (storage.proto, proto3).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SessionStructure {
    #[prost(uint32, tag = "1")]
    pub session_version: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub local_identity_public: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub remote_identity_public: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub root_key: Vec<u8>,
    #[prost(uint32, tag = "5")]
    pub previous_counter: u32,
    #[prost(message, optional, tag = "6")]
    pub sender_chain: Option<ChainStructure>,
    #[prost(message, repeated, tag = "7")]
    pub receiver_chains: Vec<ChainStructure>,
    #[prost(message, optional, tag = "9")]
    pub pending_pre_key: Option<PendingPreKeyStructure>,
    #[prost(uint32, tag = "10")]
    pub remote_registration_id: u32,
    #[prost(uint32, tag = "11")]
    pub local_registration_id: u32,
    #[prost(bytes = "vec", tag = "13")]
    pub alice_base_key: Vec<u8>,
    #[prost(message, optional, tag = "14")]
    pub pending_kyber_pre_key: Option<PendingKyberPreKeyStructure>,
    #[prost(bytes = "vec", tag = "15")]
    pub pq_ratchet_state: Vec<u8>,
}

/// `SessionStructure.Chain`.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ChainStructure {
    #[prost(bytes = "vec", tag = "1")]
    pub sender_ratchet_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub sender_ratchet_key_private: Vec<u8>,
    #[prost(message, optional, tag = "3")]
    pub chain_key: Option<ChainKeyStructure>,
    #[prost(message, repeated, tag = "4")]
    pub message_keys: Vec<MessageKeyStructure>,
}

/// `SessionStructure.Chain.ChainKey`.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ChainKeyStructure {
    #[prost(uint32, tag = "1")]
    pub index: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
}

/// `SessionStructure.Chain.MessageKey` (hush writes only the seed form).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct MessageKeyStructure {
    #[prost(uint32, tag = "1")]
    pub index: u32,
    #[prost(bytes = "vec", tag = "5")]
    pub seed: Vec<u8>,
}

/// `SessionStructure.PendingPreKey`.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PendingPreKeyStructure {
    #[prost(uint32, optional, tag = "1")]
    pub pre_key_id: Option<u32>,
    #[prost(bytes = "vec", tag = "2")]
    pub base_key: Vec<u8>,
    #[prost(int32, tag = "3")]
    pub signed_pre_key_id: i32,
    #[prost(uint64, tag = "4")]
    pub timestamp: u64,
}

/// `SessionStructure.PendingKyberPreKey`.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PendingKyberPreKeyStructure {
    #[prost(uint32, tag = "1")]
    pub pre_key_id: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub ciphertext: Vec<u8>,
}

impl Drop for SessionStructure {
    fn drop(&mut self) {
        self.root_key.zeroize();
        self.pq_ratchet_state.zeroize();
    }
}
impl Drop for ChainStructure {
    fn drop(&mut self) {
        self.sender_ratchet_key_private.zeroize();
    }
}
impl Drop for ChainKeyStructure {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}
impl Drop for MessageKeyStructure {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}
impl Drop for RecordStructure {
    fn drop(&mut self) {
        for bytes in &mut self.previous_sessions {
            bytes.zeroize();
        }
    }
}
