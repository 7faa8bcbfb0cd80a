//! Protobuf layouts of version 3 as libsignal-protocol-c writes them
//! (classic-v3.md §4, §7, §8, §10): proto2, every field optional, so that a
//! field that is set is written even when it is 0, in field-number order.
//!
//! hush's own stored form for classic records reuses `LspcRecord` with two
//! additions libsignal-protocol-c does not know (and skips): the 32-byte
//! seed form of a skipped message key (`MessageKey` field 5) and the
//! pending pre-key's timestamp (`PendingPreKey` field 4).

#![allow(missing_docs)]

use zeroize::Zeroize;

/// `PreKeySignalMessage` without the Kyber fields.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ClassicPreKeyMessageProto {
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
}

/// `RecordStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcRecord {
    #[prost(message, optional, tag = "1")]
    pub current_session: Option<LspcSession>,
    #[prost(message, repeated, tag = "2")]
    pub previous_sessions: Vec<LspcSession>,
}

/// `SessionStructure` (field 8, the dead key-exchange protocol, is skipped).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSession {
    #[prost(uint32, optional, tag = "1")]
    pub session_version: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub local_identity_public: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub remote_identity_public: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub root_key: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "5")]
    pub previous_counter: Option<u32>,
    #[prost(message, optional, tag = "6")]
    pub sender_chain: Option<LspcChain>,
    #[prost(message, repeated, tag = "7")]
    pub receiver_chains: Vec<LspcChain>,
    #[prost(message, optional, tag = "9")]
    pub pending_pre_key: Option<LspcPendingPreKey>,
    #[prost(uint32, optional, tag = "10")]
    pub remote_registration_id: Option<u32>,
    #[prost(uint32, optional, tag = "11")]
    pub local_registration_id: Option<u32>,
    #[prost(bool, optional, tag = "12")]
    pub needs_refresh: Option<bool>,
    #[prost(bytes = "vec", optional, tag = "13")]
    pub alice_base_key: Option<Vec<u8>>,
}

/// `SessionStructure.Chain`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcChain {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub sender_ratchet_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub sender_ratchet_key_private: Option<Vec<u8>>,
    #[prost(message, optional, tag = "3")]
    pub chain_key: Option<LspcChainKey>,
    #[prost(message, repeated, tag = "4")]
    pub message_keys: Vec<LspcMessageKey>,
}

/// `SessionStructure.Chain.ChainKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcChainKey {
    #[prost(uint32, optional, tag = "1")]
    pub index: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub key: Option<Vec<u8>>,
}

/// `SessionStructure.Chain.MessageKey`: the derived form (fields 2–4) as
/// libsignal-protocol-c stores it, or the seed form (field 5) in hush's
/// stored form.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcMessageKey {
    #[prost(uint32, optional, tag = "1")]
    pub index: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub cipher_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub mac_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub iv: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub seed: Option<Vec<u8>>,
}

/// `SessionStructure.PendingPreKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcPendingPreKey {
    #[prost(uint32, optional, tag = "1")]
    pub pre_key_id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub base_key: Option<Vec<u8>>,
    #[prost(int32, optional, tag = "3")]
    pub signed_pre_key_id: Option<i32>,
    /// Seconds; hush's stored form and libsignal only.
    #[prost(uint64, optional, tag = "4")]
    pub timestamp: Option<u64>,
}

/// `PreKeyRecordStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcPreKeyRecord {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub public_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub private_key: Option<Vec<u8>>,
}

/// `SignedPreKeyRecordStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSignedPreKeyRecord {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub public_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub private_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub signature: Option<Vec<u8>>,
    #[prost(fixed64, optional, tag = "5")]
    pub timestamp: Option<u64>,
}

/// `IdentityKeyPairStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcIdentityKeyPair {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub public_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub private_key: Option<Vec<u8>>,
}

/// `SenderKeyDistributionMessage` (C's layout: no distribution id).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ClassicDistributionProto {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub chain_key: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub signing_key: Option<Vec<u8>>,
}

/// `SenderKeyMessage` (C's layout: no distribution id).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ClassicSenderKeyMessageProto {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(uint32, optional, tag = "2")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub ciphertext: Option<Vec<u8>>,
}

/// `SenderKeyRecordStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSenderKeyRecord {
    #[prost(message, repeated, tag = "1")]
    pub sender_key_states: Vec<LspcSenderKeyState>,
}

/// `SenderKeyStateStructure`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSenderKeyState {
    #[prost(uint32, optional, tag = "1")]
    pub sender_key_id: Option<u32>,
    #[prost(message, optional, tag = "2")]
    pub sender_chain_key: Option<LspcSenderChainKey>,
    #[prost(message, optional, tag = "3")]
    pub sender_signing_key: Option<LspcSenderSigningKey>,
    #[prost(message, repeated, tag = "4")]
    pub sender_message_keys: Vec<LspcSenderMessageKey>,
}

/// `SenderKeyStateStructure.SenderChainKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSenderChainKey {
    #[prost(uint32, optional, tag = "1")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub seed: Option<Vec<u8>>,
}

/// `SenderKeyStateStructure.SenderSigningKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSenderSigningKey {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub public: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub private: Option<Vec<u8>>,
}

/// `SenderKeyStateStructure.SenderMessageKey`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct LspcSenderMessageKey {
    #[prost(uint32, optional, tag = "1")]
    pub iteration: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub seed: Option<Vec<u8>>,
}

fn wipe(field: &mut Option<Vec<u8>>) {
    if let Some(bytes) = field.as_mut() {
        bytes.zeroize();
    }
}

impl Drop for LspcSession {
    fn drop(&mut self) {
        wipe(&mut self.root_key);
    }
}
impl Drop for LspcChain {
    fn drop(&mut self) {
        wipe(&mut self.sender_ratchet_key_private);
    }
}
impl Drop for LspcChainKey {
    fn drop(&mut self) {
        wipe(&mut self.key);
    }
}
impl Drop for LspcMessageKey {
    fn drop(&mut self) {
        wipe(&mut self.cipher_key);
        wipe(&mut self.mac_key);
        wipe(&mut self.iv);
        wipe(&mut self.seed);
    }
}
impl Drop for LspcPreKeyRecord {
    fn drop(&mut self) {
        wipe(&mut self.private_key);
    }
}
impl Drop for LspcSignedPreKeyRecord {
    fn drop(&mut self) {
        wipe(&mut self.private_key);
    }
}
impl Drop for LspcIdentityKeyPair {
    fn drop(&mut self) {
        wipe(&mut self.private_key);
    }
}
impl Drop for ClassicDistributionProto {
    fn drop(&mut self) {
        wipe(&mut self.chain_key);
    }
}
impl Drop for LspcSenderChainKey {
    fn drop(&mut self) {
        wipe(&mut self.seed);
    }
}
impl Drop for LspcSenderSigningKey {
    fn drop(&mut self) {
        wipe(&mut self.private);
    }
}
impl Drop for LspcSenderMessageKey {
    fn drop(&mut self) {
        wipe(&mut self.seed);
    }
}
