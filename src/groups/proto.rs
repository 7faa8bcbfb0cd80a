//! Protobuf layouts of sender keys, as `prost` derives: the two wire
//! messages (proto2, `signal.proto.wire`) and the storage record (proto3,
//! `signal.proto.storage`), field numbers as in sender-keys.md §4.2, §5.2
//! and §6.2. Structures that carry chain keys, seeds or private keys
//! zeroize them on drop.

#![allow(missing_docs)]

use zeroize::Zeroize;

/// `SenderKeyMessage` (proto2): every field optional on the wire, required
/// by the parser.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderKeyMessageProto {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub distribution_uuid: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    pub chain_id: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub ciphertext: Option<Vec<u8>>,
}

/// `SenderKeyDistributionMessage` (proto2).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderKeyDistributionMessageProto {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub distribution_uuid: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "2")]
    pub chain_id: Option<u32>,
    #[prost(uint32, optional, tag = "3")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub chain_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub signing_key: Option<Vec<u8>>,
}

/// `SenderKeyRecordStructure` (proto3).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderKeyRecordStructure {
    #[prost(message, repeated, tag = "1")]
    pub sender_key_states: Vec<SenderKeyStateStructure>,
}

/// `SenderKeyStateStructure` (proto3).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderKeyStateStructure {
    #[prost(uint32, tag = "1")]
    pub chain_id: u32,
    #[prost(message, optional, tag = "2")]
    pub sender_chain_key: Option<SenderChainKeyStructure>,
    #[prost(message, optional, tag = "3")]
    pub sender_signing_key: Option<SenderSigningKeyStructure>,
    #[prost(message, repeated, tag = "4")]
    pub sender_message_keys: Vec<SenderMessageKeyStructure>,
    #[prost(uint32, tag = "5")]
    pub message_version: u32,
}

/// `SenderKeyStateStructure.SenderChainKey`: the chain key and its iteration.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderChainKeyStructure {
    #[prost(uint32, tag = "1")]
    pub iteration: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub seed: Vec<u8>,
}

/// `SenderKeyStateStructure.SenderMessageKey`: a skipped message-key seed.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderMessageKeyStructure {
    #[prost(uint32, tag = "1")]
    pub iteration: u32,
    #[prost(bytes = "vec", tag = "2")]
    pub seed: Vec<u8>,
}

/// `SenderKeyStateStructure.SenderSigningKey`: public key, and the private
/// key on the sender's own device (empty otherwise).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderSigningKeyStructure {
    #[prost(bytes = "vec", tag = "1")]
    pub public: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub private: Vec<u8>,
}

impl Drop for SenderKeyDistributionMessageProto {
    fn drop(&mut self) {
        self.chain_key.zeroize();
    }
}
impl Drop for SenderChainKeyStructure {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}
impl Drop for SenderMessageKeyStructure {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}
impl Drop for SenderSigningKeyStructure {
    fn drop(&mut self) {
        self.private.zeroize();
    }
}
