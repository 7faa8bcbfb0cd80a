//! `PlaintextContent` (type 8, messages.md §5.2): unencrypted content, in
//! practice a retry receipt.
//!
//! Wire form: `0xC0 || Content protobuf || 0x80`. The body is everything
//! after the first byte.

use prost::Message;

use super::decryption_error::{
    ContentProto, DecryptionErrorMessage, RetryReceiptError, PADDING_BOUNDARY,
};

/// The first byte of every `PlaintextContent`.
pub const PLAINTEXT_CONTENT_IDENTIFIER: u8 = 0xC0;

/// A type-8 message: plaintext content, not encrypted and not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextContent {
    serialized: Vec<u8>,
}

impl PlaintextContent {
    /// Wraps a retry receipt for sending as a type-8 message.
    #[must_use]
    pub fn from_decryption_error(message: &DecryptionErrorMessage) -> Self {
        let content = ContentProto {
            decryption_error_message: Some(message.serialized().to_vec()),
        };
        let mut serialized = Vec::with_capacity(content.encoded_len() + 2);
        serialized.push(PLAINTEXT_CONTENT_IDENTIFIER);
        content.encode_raw(&mut serialized);
        serialized.push(PADDING_BOUNDARY);
        Self { serialized }
    }

    /// Parses a type-8 message. Only the first byte is checked; the body is
    /// read by [`DecryptionErrorMessage::from_content_body`].
    ///
    /// # Errors
    /// [`RetryReceiptError::CiphertextMessageTooShort`] for empty input,
    /// [`RetryReceiptError::UnrecognizedMessageVersion`] if the first byte is
    /// not `0xC0`.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, RetryReceiptError> {
        match bytes.first() {
            None => Err(RetryReceiptError::CiphertextMessageTooShort(0)),
            Some(&PLAINTEXT_CONTENT_IDENTIFIER) => Ok(Self {
                serialized: bytes.to_vec(),
            }),
            Some(&other) => Err(RetryReceiptError::UnrecognizedMessageVersion(other)),
        }
    }

    /// The body: everything after the first byte (a serialized `Content`
    /// and the `0x80` boundary byte). This is what "decrypting" a type-8
    /// message yields.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.serialized[1..]
    }

    /// The receipt this content carries.
    ///
    /// # Errors
    /// As [`DecryptionErrorMessage::from_content_body`].
    pub fn decryption_error(&self) -> Result<DecryptionErrorMessage, RetryReceiptError> {
        DecryptionErrorMessage::from_content_body(self.body())
    }

    /// The whole message as on the wire.
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::CiphertextMessageType;

    #[test]
    fn wraps_and_unwraps_a_receipt() {
        let dem = DecryptionErrorMessage::for_original(&[], CiphertextMessageType::SenderKey, 5, 7)
            .unwrap();
        let content = PlaintextContent::from_decryption_error(&dem);
        assert_eq!(
            content.serialized(),
            [0xC0, 0x42, 0x04, 0x10, 0x05, 0x18, 0x07, 0x80]
        );
        let parsed = PlaintextContent::deserialize(content.serialized()).unwrap();
        assert_eq!(parsed.body(), &content.serialized()[1..]);
        assert_eq!(parsed.decryption_error().unwrap(), dem);
    }

    #[test]
    fn refuses_empty_and_foreign_bytes() {
        assert_eq!(
            PlaintextContent::deserialize(&[]),
            Err(RetryReceiptError::CiphertextMessageTooShort(0))
        );
        assert_eq!(
            PlaintextContent::deserialize(&[0xC1, 0x80]),
            Err(RetryReceiptError::UnrecognizedMessageVersion(0xC1))
        );
    }
}
