//! Protobuf layouts of sealed sender (package `signal.proto.sealed_sender`,
//! proto2), as `prost` derives. Every field is optional here: which ones are
//! required is checked by the type that owns each message. prost encodes
//! fields in ascending tag order, a oneof at the position of its lowest tag,
//! and a set proto2 field even when it is zero, which is the byte layout
//! sealed-sender.md §2–§5 specifies.

#![allow(missing_docs)]

/// `ServerCertificate` and `SenderCertificate`: the signed bytes and the
/// signature over them.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SignedCertificate {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub certificate: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub signature: Option<Vec<u8>>,
}

/// `ServerCertificate.Certificate`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ServerCertificateInner {
    #[prost(uint32, optional, tag = "1")]
    pub id: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub key: Option<Vec<u8>>,
}

/// `SenderCertificate.Certificate`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SenderCertificateInner {
    #[prost(string, optional, tag = "1")]
    pub sender_e164: Option<String>,
    #[prost(uint32, optional, tag = "2")]
    pub sender_device: Option<u32>,
    #[prost(fixed64, optional, tag = "3")]
    pub expires: Option<u64>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub identity_key: Option<Vec<u8>>,
    #[prost(oneof = "Signer", tags = "5, 8")]
    pub signer: Option<Signer>,
    #[prost(oneof = "SenderUuid", tags = "6, 7")]
    pub sender_uuid: Option<SenderUuid>,
}

/// `SenderCertificate.Certificate.signer`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum Signer {
    #[prost(bytes = "vec", tag = "5")]
    Certificate(Vec<u8>),
    #[prost(uint32, tag = "8")]
    Id(u32),
}

/// `SenderCertificate.Certificate.senderUuid`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub(crate) enum SenderUuid {
    #[prost(string, tag = "6")]
    UuidString(String),
    #[prost(bytes = "vec", tag = "7")]
    UuidBytes(Vec<u8>),
}

/// `UnidentifiedSenderMessage.Message`: the content both versions encrypt.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ContentProto {
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub sender_certificate: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub content: Option<Vec<u8>>,
    #[prost(int32, optional, tag = "4")]
    pub content_hint: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub group_id: Option<Vec<u8>>,
}

/// `UnidentifiedSenderMessage`: the v1 envelope after the version byte.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct V1Envelope {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub ephemeral_public: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub encrypted_static: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub encrypted_message: Option<Vec<u8>>,
}
