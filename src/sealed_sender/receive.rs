//! The receive path (sealed-sender.md §7): open the outer layer, validate
//! the sender certificate, refuse our own messages, then hand the inner
//! message to the session layer (1:1) or back to the caller (sender-key and
//! plaintext contents).

use rand_core::CryptoRng;

use super::content::{ContentHint, UnidentifiedSenderMessageContent};
use super::errors::{ReceiveError, UnsealError};
use super::sender_certificate::SenderCertificate;
use super::{v1, v2};
use crate::address::ProtocolAddress;
use crate::keys::IdentityKey;
use crate::keys::{IdentityKeyPair, PublicKey, Timestamp};
use crate::messages::{
    CiphertextMessage, CiphertextMessageType, PreKeySignalMessage, SignalMessage,
};
use crate::session::{
    Addresses, ConsumedPreKeys, LocalIdentity, PendingDecryption, PendingPreKeyDecryption,
    PreKeyDecryption, PreKeys, SessionRecord,
};

/// Opens a sealed message of either version with our identity key pair:
/// v1 (`0x11`), or a v2 ReceivedMessage (`0x22`). Dispatches on the high
/// nibble of the first byte (0 or 1: v1, 2: v2). The sender certificate is
/// parsed but not validated: use [`VerifiedContent::verify`] (or
/// [`receive`], which does both).
///
/// # Errors
/// [`UnsealError`]; the message should be dropped.
pub fn unseal(
    bytes: &[u8],
    local: &IdentityKeyPair,
) -> Result<UnidentifiedSenderMessageContent, UnsealError> {
    let (&first, body) = bytes.split_first().ok_or(UnsealError::EmptyMessage)?;
    match first >> 4 {
        0 | 1 => v1::unseal(body, local),
        2 => v2::unseal(body, local),
        other => Err(UnsealError::UnknownVersion(other)),
    }
}

/// Who we are, for the self-send check.
#[derive(Debug, Clone, Copy)]
pub struct LocalAccount<'a> {
    /// Our address: the name is compared with the certificate's UUID text,
    /// the device with its device ID.
    pub address: &'a ProtocolAddress,
    /// Our phone number, if we have one.
    pub e164: Option<&'a str>,
}

/// Sealed content whose sender certificate validated against our trust
/// roots at the given time and that was not sent by this device. The sender
/// it names is authenticated: the outer layer proved they hold the
/// certificate's identity key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedContent {
    content: UnidentifiedSenderMessageContent,
}

impl VerifiedContent {
    /// Validates `content`'s sender certificate against `trust_roots` at
    /// `now`, then refuses a message from ourselves: same UUID text (or both
    /// phone numbers present and equal) and same device ID.
    ///
    /// # Errors
    /// [`ReceiveError::UnknownServerCertificateId`],
    /// [`ReceiveError::Untrusted`] (untrusted, revoked, forged or expired
    /// certificate), [`ReceiveError::SelfSend`].
    pub fn verify(
        content: UnidentifiedSenderMessageContent,
        trust_roots: &[PublicKey],
        now: Timestamp,
        local: LocalAccount<'_>,
    ) -> Result<Self, ReceiveError> {
        let sender = content.sender();
        sender.validate(trust_roots, now)?;
        let same_account = sender.sender_uuid() == local.address.name()
            || matches!((local.e164, sender.sender_e164()), (Some(ours), Some(theirs)) if ours == theirs);
        if same_account && sender.sender_device_id() == local.address.device_id() {
            return Err(ReceiveError::SelfSend);
        }
        Ok(Self { content })
    }

    /// The validated content.
    #[must_use]
    pub fn content(&self) -> &UnidentifiedSenderMessageContent {
        &self.content
    }

    /// The validated sender certificate.
    #[must_use]
    pub fn sender(&self) -> &SenderCertificate {
        self.content.sender()
    }

    /// The sender's address (certificate UUID text and device): the session
    /// or sender key to decrypt the inner message with.
    #[must_use]
    pub fn sender_address(&self) -> ProtocolAddress {
        self.content.sender().sender_address()
    }

    /// The inner message's type.
    #[must_use]
    pub fn message_type(&self) -> CiphertextMessageType {
        self.content.message_type()
    }

    /// The inner message's bytes: for a sender-key message, run group
    /// decryption with [`Self::sender_address`]; a plaintext content is
    /// `0xC0 || Content || 0x80`.
    #[must_use]
    pub fn contents(&self) -> &[u8] {
        self.content.contents()
    }

    /// The content hint.
    #[must_use]
    pub fn content_hint(&self) -> ContentHint {
        self.content.content_hint()
    }

    /// The group ID, if any.
    #[must_use]
    pub fn group_id(&self) -> Option<&[u8]> {
        self.content.group_id()
    }

    /// The inner 1:1 message, parsed: look up the pre-keys a PreKey message
    /// names, and decide whether to trust its identity key, before
    /// [`Self::decrypt`].
    ///
    /// # Errors
    /// [`ReceiveError::UnexpectedMessageType`] for sender-key and plaintext
    /// contents; [`ReceiveError::Message`] for malformed bytes.
    pub fn message(&self) -> Result<CiphertextMessage, ReceiveError> {
        let bytes = self.content.contents();
        match self.content.message_type() {
            CiphertextMessageType::Whisper => Ok(CiphertextMessage::Whisper(
                SignalMessage::deserialize(bytes)?,
            )),
            CiphertextMessageType::PreKey => Ok(CiphertextMessage::PreKey(
                PreKeySignalMessage::deserialize(bytes)?,
            )),
            other => Err(ReceiveError::UnexpectedMessageType(other)),
        }
    }

    /// Decrypts the inner 1:1 message with `record`, the session record of
    /// [`Self::sender_address`] (empty for a first PreKey message), and
    /// commits it: [`Self::decrypt_pending`] followed by
    /// [`PendingSealedDecryption::commit`]. `consumed` reports pre-keys a new
    /// session used up. On failure the record is unchanged.
    ///
    /// # Errors
    /// As [`Self::decrypt_pending`].
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        record: &mut SessionRecord,
        local: &LocalIdentity,
        local_address: &ProtocolAddress,
        pre_keys: PreKeys<'_>,
        rng: &mut R,
    ) -> Result<PreKeyDecryption, ReceiveError> {
        Ok(self
            .decrypt_pending(record, local, local_address, pre_keys, rng)?
            .commit())
    }

    /// Decrypts and authenticates the inner 1:1 message with `record`, the
    /// session record of [`Self::sender_address`] (empty for a first PreKey
    /// message), as [`SessionRecord::decrypt_pending`] or
    /// [`SessionRecord::decrypt_prekey_pending`] would; `local_address` is
    /// our own address. The identity of the state that decrypts must be the
    /// sender certificate's identity key, else
    /// [`ReceiveError::SenderIdentityMismatch`]. Nothing is committed until
    /// [`PendingSealedDecryption::commit`]: check
    /// [`PendingSealedDecryption::remote_identity`] (and the pre-keys a new
    /// session would consume) first, or drop the result and the record is
    /// exactly as it was.
    ///
    /// # Errors
    /// [`ReceiveError::UnexpectedMessageType`], [`ReceiveError::Message`],
    /// [`ReceiveError::Decrypt`], [`ReceiveError::SenderIdentityMismatch`].
    pub fn decrypt_pending<'r, R: CryptoRng + ?Sized>(
        &self,
        record: &'r mut SessionRecord,
        local: &LocalIdentity,
        local_address: &ProtocolAddress,
        pre_keys: PreKeys<'_>,
        rng: &mut R,
    ) -> Result<PendingSealedDecryption<'r>, ReceiveError> {
        let message = self.message()?;
        let sender = self.sender_address();
        let addresses = Addresses {
            local: local_address,
            remote: &sender,
        };
        let pending = match message {
            CiphertextMessage::Whisper(m) => {
                Pending::Whisper(record.decrypt_pending(&m, addresses, rng)?)
            }
            CiphertextMessage::PreKey(m) => {
                Pending::PreKey(record.decrypt_prekey_pending(&m, local, pre_keys, addresses, rng)?)
            }
        };
        let pending = PendingSealedDecryption { pending };
        if pending.remote_identity() != self.sender().identity_key() {
            return Err(ReceiveError::SenderIdentityMismatch);
        }
        Ok(pending)
    }
}

/// A sealed 1:1 message that decrypted and authenticated, and whose session
/// identity is the sender certificate's, but that is not yet applied to its
/// record (from [`VerifiedContent::decrypt_pending`]).
/// [`commit`](Self::commit) applies it; dropping it leaves the record
/// exactly as it was and consumes nothing.
#[must_use = "dropping a PendingSealedDecryption discards the decryption; call commit() to keep it"]
#[derive(Debug)]
pub struct PendingSealedDecryption<'r> {
    pending: Pending<'r>,
}

#[derive(Debug)]
enum Pending<'r> {
    Whisper(PendingDecryption<'r>),
    PreKey(PendingPreKeyDecryption<'r>),
}

impl PendingSealedDecryption<'_> {
    /// The identity of the state that decrypted the message (equal to the
    /// sender certificate's identity key). Commit only if you trust it.
    #[must_use]
    pub fn remote_identity(&self) -> &IdentityKey {
        match &self.pending {
            Pending::Whisper(p) => p.remote_identity(),
            Pending::PreKey(p) => p.remote_identity(),
        }
    }

    /// Whether committing creates a new session (a first PreKey message).
    #[must_use]
    pub fn creates_session(&self) -> bool {
        matches!(&self.pending, Pending::PreKey(p) if p.creates_session())
    }

    /// The pre-keys committing would use up (see
    /// [`PendingPreKeyDecryption::consumed`]).
    #[must_use]
    pub fn consumed(&self) -> Option<&ConsumedPreKeys> {
        match &self.pending {
            Pending::Whisper(_) => None,
            Pending::PreKey(p) => p.consumed(),
        }
    }

    /// The plaintext, readable before committing.
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        match &self.pending {
            Pending::Whisper(p) => p.plaintext(),
            Pending::PreKey(p) => p.plaintext(),
        }
    }

    /// Applies the decryption to the record and returns the plaintext and
    /// the pre-keys consumed.
    pub fn commit(self) -> PreKeyDecryption {
        match self.pending {
            Pending::Whisper(p) => PreKeyDecryption {
                plaintext: p.commit(),
                consumed: None,
            },
            Pending::PreKey(p) => p.commit(),
        }
    }
}

/// [`unseal`] and [`VerifiedContent::verify`] in one step.
///
/// # Errors
/// [`ReceiveError::Unseal`] and the errors of [`VerifiedContent::verify`].
pub fn receive(
    bytes: &[u8],
    local_keys: &IdentityKeyPair,
    trust_roots: &[PublicKey],
    now: Timestamp,
    local: LocalAccount<'_>,
) -> Result<VerifiedContent, ReceiveError> {
    let content = unseal(bytes, local_keys)?;
    VerifiedContent::verify(content, trust_roots, now, local)
}
