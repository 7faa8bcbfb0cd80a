//! `UnidentifiedSenderMessageContent` (USMC): the plaintext both sealed
//! sender versions encrypt (sealed-sender.md §3). It carries the inner
//! message as opaque bytes with its type; the sealed-sender layer never
//! parses it.

use core::fmt;

use prost::Message;

use super::errors::CertificateError;
use super::proto::ContentProto;
use super::sender_certificate::SenderCertificate;
use crate::messages::{CiphertextMessage, CiphertextMessageType};

/// What the sender says about resending the message if it cannot be
/// decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContentHint {
    /// The sender will not resend (field absent, or 0).
    #[default]
    Default,
    /// The sender can resend the message (1).
    Resendable,
    /// The message is implicit, e.g. a typing indicator; do not show an
    /// error (2).
    Implicit,
    /// Any other value, kept so it survives a round trip.
    Unknown(u32),
}

impl ContentHint {
    /// From the wire number.
    #[must_use]
    pub fn from_u32(value: u32) -> Self {
        match value {
            0 => Self::Default,
            1 => Self::Resendable,
            2 => Self::Implicit,
            other => Self::Unknown(other),
        }
    }

    /// The wire number.
    #[must_use]
    pub fn to_u32(self) -> u32 {
        match self {
            Self::Default => 0,
            Self::Resendable => 1,
            Self::Implicit => 2,
            Self::Unknown(other) => other,
        }
    }
}

/// The wire `type` of the content (§3): pre-key messages are 1, not 3.
fn wire_type(message_type: CiphertextMessageType) -> i32 {
    match message_type {
        CiphertextMessageType::PreKey => 1,
        CiphertextMessageType::Whisper => 2,
        CiphertextMessageType::SenderKey => 7,
        CiphertextMessageType::Plaintext => 8,
    }
}

fn message_type_from_wire(value: i32) -> Option<CiphertextMessageType> {
    match value {
        1 => Some(CiphertextMessageType::PreKey),
        2 => Some(CiphertextMessageType::Whisper),
        7 => Some(CiphertextMessageType::SenderKey),
        8 => Some(CiphertextMessageType::Plaintext),
        _ => None,
    }
}

/// The content of a sealed message: the sender certificate, the inner
/// message (opaque bytes and their type), a content hint and an optional
/// group ID. Not yet validated: see [`super::VerifiedContent`].
#[derive(Clone, PartialEq, Eq)]
pub struct UnidentifiedSenderMessageContent {
    serialized: Vec<u8>,
    message_type: CiphertextMessageType,
    sender: SenderCertificate,
    contents: Vec<u8>,
    content_hint: ContentHint,
    group_id: Option<Vec<u8>>,
}

/// Shows the sender, the type and sizes; not the inner message (for a
/// plaintext-content message it is the plaintext).
impl fmt::Debug for UnidentifiedSenderMessageContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnidentifiedSenderMessageContent")
            .field("message_type", &self.message_type)
            .field("sender", &self.sender)
            .field(
                "contents",
                &format_args!("<{} bytes, redacted>", self.contents.len()),
            )
            .field("content_hint", &self.content_hint)
            .field("group_id_len", &self.group_id.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

impl UnidentifiedSenderMessageContent {
    /// Wraps an inner message of `message_type` (the bytes are not checked).
    /// An empty group ID is not written, like an absent one.
    #[must_use]
    pub fn new(
        message_type: CiphertextMessageType,
        sender: SenderCertificate,
        contents: Vec<u8>,
        content_hint: ContentHint,
        group_id: Option<Vec<u8>>,
    ) -> Self {
        let proto = ContentProto {
            r#type: Some(wire_type(message_type)),
            sender_certificate: Some(sender.serialized().to_vec()),
            content: Some(contents.clone()),
            // The hint travels as a protobuf enum (int32); values above
            // i32::MAX wrap to negative numbers and wrap back on decoding.
            content_hint: (content_hint != ContentHint::Default)
                .then(|| content_hint.to_u32() as i32),
            group_id: group_id.clone().filter(|g| !g.is_empty()),
        };
        Self {
            serialized: proto.encode_to_vec(),
            message_type,
            sender,
            contents,
            content_hint,
            group_id,
        }
    }

    /// Wraps a 1:1 message from [`crate::session::SessionRecord::encrypt`].
    #[must_use]
    pub fn from_message(
        message: &CiphertextMessage,
        sender: SenderCertificate,
        content_hint: ContentHint,
        group_id: Option<Vec<u8>>,
    ) -> Self {
        Self::new(
            message.message_type(),
            sender,
            message.serialized().to_vec(),
            content_hint,
            group_id,
        )
    }

    /// Parses a serialized content, including its sender certificate.
    ///
    /// # Errors
    /// [`CertificateError::InvalidProtobufEncoding`] for malformed protobuf,
    /// a missing `type`, `senderCertificate` or `content`, or an unknown
    /// type; the sender certificate's parse errors.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, CertificateError> {
        let proto =
            ContentProto::decode(bytes).map_err(|_| CertificateError::InvalidProtobufEncoding)?;
        let (Some(kind), Some(certificate), Some(contents)) =
            (proto.r#type, proto.sender_certificate, proto.content)
        else {
            return Err(CertificateError::InvalidProtobufEncoding);
        };
        let message_type =
            message_type_from_wire(kind).ok_or(CertificateError::InvalidProtobufEncoding)?;
        let sender = SenderCertificate::deserialize(&certificate)?;
        Ok(Self {
            serialized: bytes.to_vec(),
            message_type,
            sender,
            contents,
            content_hint: proto
                .content_hint
                .map_or(ContentHint::Default, |h| ContentHint::from_u32(h as u32)),
            group_id: proto.group_id,
        })
    }

    /// The serialized form (the bytes parsed, or the bytes made by `new`).
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// The inner message's type.
    #[must_use]
    pub fn message_type(&self) -> CiphertextMessageType {
        self.message_type
    }

    /// The sender certificate (not yet validated).
    #[must_use]
    pub fn sender(&self) -> &SenderCertificate {
        &self.sender
    }

    /// The inner message's bytes.
    #[must_use]
    pub fn contents(&self) -> &[u8] {
        &self.contents
    }

    /// The content hint.
    #[must_use]
    pub fn content_hint(&self) -> ContentHint {
        self.content_hint
    }

    /// The group ID: absent, or the bytes received (possibly empty).
    #[must_use]
    pub fn group_id(&self) -> Option<&[u8]> {
        self.group_id.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealed_sender::proto::SignedCertificate;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    pub(crate) const SPEC_CONTENT: &str = concat!(
        "08081284020abf0110011900204aa9d10100002221050faa684ed28867b97f4a",
        "6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f202a690a25080112210559",
        "d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01d0641812",
        "40206dba9c09b2efa41d888aaec6e0721bf04339516302fc1468d6ac0a87fbe9",
        "5cad17d01ce6ceb20b264d0b18e852072af2cd917503ddd9fdd5310af8ce9286",
        "83322439643036353261332d646363332d346431312d393735662d3734643631",
        "3539383733336612409668f725ceefd14ef612b5f5b49cf02fafe251e7f9e599",
        "532f088c4911d349c5a4a4ae6abece8324330fd141932630532a7b6ca1dc2dda",
        "2472c925eb141818801a02c080"
    );

    /// §9.2: the spec's USMC parses, and `new` re-creates it byte for byte.
    #[test]
    fn spec_content_round_trips() {
        let bytes = hex(SPEC_CONTENT);
        assert_eq!(bytes.len(), 269);
        let content = UnidentifiedSenderMessageContent::deserialize(&bytes).unwrap();
        assert_eq!(content.message_type(), CiphertextMessageType::Plaintext);
        assert_eq!(content.contents(), [0xc0, 0x80]);
        assert_eq!(content.content_hint(), ContentHint::Default);
        assert_eq!(content.group_id(), None);
        let made = UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::Plaintext,
            content.sender().clone(),
            vec![0xc0, 0x80],
            ContentHint::Default,
            None,
        );
        assert_eq!(made.serialized(), bytes.as_slice());
        assert_eq!(made, content);
    }

    fn certificate() -> SenderCertificate {
        let spec = hex(SPEC_CONTENT);
        UnidentifiedSenderMessageContent::deserialize(&spec)
            .unwrap()
            .sender()
            .clone()
    }

    /// §3: types, hints and group IDs on both sides of the wire.
    #[test]
    fn types_hints_and_group_ids() {
        let cert = certificate();
        for (kind, wire) in [
            (CiphertextMessageType::PreKey, 1u8),
            (CiphertextMessageType::Whisper, 2),
            (CiphertextMessageType::SenderKey, 7),
            (CiphertextMessageType::Plaintext, 8),
        ] {
            let made = UnidentifiedSenderMessageContent::new(
                kind,
                cert.clone(),
                vec![1, 2],
                ContentHint::Resendable,
                Some(vec![9; 3]),
            );
            assert_eq!(made.serialized()[..2], [0x08, wire]);
            let parsed = UnidentifiedSenderMessageContent::deserialize(made.serialized()).unwrap();
            assert_eq!(parsed, made);
        }
        for hint in [
            ContentHint::Default,
            ContentHint::Resendable,
            ContentHint::Implicit,
            ContentHint::Unknown(7),
            ContentHint::Unknown(u32::MAX),
        ] {
            let made = UnidentifiedSenderMessageContent::new(
                CiphertextMessageType::Whisper,
                cert.clone(),
                vec![],
                hint,
                None,
            );
            assert_eq!(
                UnidentifiedSenderMessageContent::deserialize(made.serialized())
                    .unwrap()
                    .content_hint(),
                hint
            );
        }
        // An empty group ID is not written; a received empty one is kept.
        let empty = UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::Whisper,
            cert.clone(),
            vec![],
            ContentHint::Default,
            Some(vec![]),
        );
        let none = UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::Whisper,
            cert.clone(),
            vec![],
            ContentHint::Default,
            None,
        );
        assert_eq!(empty.serialized(), none.serialized());
        let mut with_empty = none.serialized().to_vec();
        with_empty.extend_from_slice(&[0x2a, 0x00]);
        assert_eq!(
            UnidentifiedSenderMessageContent::deserialize(&with_empty)
                .unwrap()
                .group_id(),
            Some(&[][..])
        );
        // An explicit hint 0 decodes as default.
        let mut zero_hint = none.serialized().to_vec();
        zero_hint.extend_from_slice(&[0x20, 0x00]);
        assert_eq!(
            UnidentifiedSenderMessageContent::deserialize(&zero_hint)
                .unwrap()
                .content_hint(),
            ContentHint::Default
        );
    }

    /// §3: unknown types and missing fields are malformed; certificate
    /// errors propagate.
    #[test]
    fn parse_errors() {
        let cert = certificate().serialized().to_vec();
        let encode = |kind: Option<i32>, cert: Option<Vec<u8>>, content: Option<Vec<u8>>| {
            ContentProto {
                r#type: kind,
                sender_certificate: cert,
                content,
                content_hint: None,
                group_id: None,
            }
            .encode_to_vec()
        };
        for kind in [0, 3, 4, 5, 6, 9, -1] {
            let bytes = encode(Some(kind), Some(cert.clone()), Some(vec![]));
            assert_eq!(
                UnidentifiedSenderMessageContent::deserialize(&bytes),
                Err(CertificateError::InvalidProtobufEncoding),
                "type {kind}"
            );
        }
        for bytes in [
            encode(None, Some(cert.clone()), Some(vec![])),
            encode(Some(2), None, Some(vec![])),
            encode(Some(2), Some(cert.clone()), None),
        ] {
            assert_eq!(
                UnidentifiedSenderMessageContent::deserialize(&bytes),
                Err(CertificateError::InvalidProtobufEncoding)
            );
        }
        let broken_cert = SignedCertificate {
            certificate: None,
            signature: Some(vec![]),
        }
        .encode_to_vec();
        let bytes = encode(Some(2), Some(broken_cert), Some(vec![]));
        assert_eq!(
            UnidentifiedSenderMessageContent::deserialize(&bytes),
            Err(CertificateError::InvalidProtobufEncoding)
        );
        assert!(UnidentifiedSenderMessageContent::deserialize(&encode(
            Some(2),
            Some(cert),
            Some(vec![])
        ))
        .is_ok());
    }
}
