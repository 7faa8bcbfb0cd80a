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
zeroize_private_key_on_drop!(IdentityKeyPairStructure, PreKeyRecordStructure, SignedPreKeyRecordStructure);

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
