//! Sealed sender ("unidentified delivery", sealed-sender.md): messages whose
//! sender only the recipient can learn.
//!
//! A trust root signs [`ServerCertificate`]s; a server key signs short-lived
//! [`SenderCertificate`]s binding a sender's UUID, optional phone number,
//! device and identity key. The sender wraps its inner message (a 1:1
//! message, a sender-key message or plaintext content) together with its
//! certificate in an [`UnidentifiedSenderMessageContent`] and seals that:
//!
//! * **v1** ([`seal_v1`], `0x11`): one recipient; ephemeral X25519, two HKDF
//!   stages, AES-256-CTR with a truncated HMAC.
//! * **v2** ([`seal_v2`], `0x23`): many recipients; one AES-256-GCM-SIV
//!   payload, a 48-byte key wrap per recipient account. The sender uploads
//!   the SentMessage; the server parses it with [`SentMessage::parse`] and
//!   delivers [`SentMessage::received_message`] (`0x22`) to every device of
//!   each recipient. [`seal_v2_single`] makes one recipient's
//!   ReceivedMessage directly.
//!
//! Receiving is a pipeline: [`unseal`] opens either version with our
//! identity key; [`VerifiedContent::verify`] validates the certificate
//! against one or several trust roots at a caller-supplied time and refuses
//! our own messages ([`receive`] does both); then
//! [`VerifiedContent::decrypt_pending`] decrypts a 1:1 inner message with
//! the sender's [`SessionRecord`](crate::session::SessionRecord), checks that
//! the state that decrypted it belongs to the certificate's identity key, and
//! shows the identity and the pre-keys a new session would consume before
//! anything is committed ([`VerifiedContent::decrypt`] commits at once); or
//! the caller runs group decryption on [`VerifiedContent::contents`]. No step
//! reads a clock or a store, and a failed step changes nothing.
//!
//! **Bounds.** A SentMessage may hold at most [`MAX_RECIPIENTS`] (10 000)
//! entries, recipients plus excluded recipients, and at most
//! [`MAX_DEVICES_PER_RECIPIENT`] (127) devices per recipient account; both
//! [`seal_v2`] and [`SentMessage::parse`] enforce them. libsignal's format
//! has no limit; these are ours, far above Signal's group size.
//!
//! ```
//! use hush::address::{DeviceId, ProtocolAddress};
//! use hush::keys::*;
//! use hush::messages::CiphertextMessage;
//! use hush::sealed_sender::*;
//! use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(3); // use an OS-seeded RNG in production
//! let now = Timestamp::from_millis(1_700_000_000_000);
//!
//! // The service: a trust root, a server certificate, Alice's sender certificate.
//! let trust_root = KeyPair::generate(&mut rng);
//! let server_key = KeyPair::generate(&mut rng);
//! let server = ServerCertificate::new(1, &server_key.public_key, &trust_root.private_key, &mut rng);
//! let alice = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
//! let alice_addr = ProtocolAddress::new("9d0652a3-dcc3-4d11-975f-74d61598733f", DeviceId::new(1)?);
//! let sender = Sender {
//!     uuid: alice_addr.name().into(),
//!     e164: None,
//!     device_id: alice_addr.device_id(),
//!     identity_key: *alice.key_pair.identity_key(),
//! };
//! let expires = Timestamp::from_millis(now.as_millis() + 86_400_000);
//! let certificate = SenderCertificate::new(sender, expires, Signer::Embedded(server), &server_key.private_key, &mut rng);
//!
//! // Alice has a session with Bob (see `hush::session`).
//! let bob = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
//! let bob_addr = ProtocolAddress::new("796abedb-ca4e-4f18-8803-1fde5b921f9f", DeviceId::new(1)?);
//! let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &bob.key_pair, &mut rng);
//! let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), now, &bob.key_pair, &mut rng);
//! let bundle = PreKeyBundle {
//!     registration_id: 2,
//!     device_id: bob_addr.device_id(),
//!     pre_key: None,
//!     signed_pre_key_id: signed.id(),
//!     signed_pre_key_public: *signed.public_key(),
//!     signed_pre_key_signature: signed.signature().to_vec(),
//!     kyber_pre_key_id: kyber.id(),
//!     kyber_pre_key_public: kyber.public_key().clone(),
//!     kyber_pre_key_signature: kyber.signature().to_vec(),
//!     identity_key: *bob.key_pair.identity_key(),
//! };
//! let mut alice_record = SessionRecord::new();
//! alice_record.initiate(&bundle.verify()?, &alice, now, &mut rng)?;
//!
//! // Alice encrypts for Bob, then seals it so only Bob learns it is from her.
//! let inner = alice_record.encrypt(b"hi", Addresses { local: &alice_addr, remote: &bob_addr }, now, &mut rng)?;
//! let content = UnidentifiedSenderMessageContent::from_message(&inner, certificate, ContentHint::Resendable, None);
//! let sealed = seal_v1(bob.key_pair.identity_key(), &content, &alice.key_pair, &mut rng)?;
//!
//! // Bob opens it, validates the certificate, learns the sender, decrypts.
//! let me = LocalAccount { address: &bob_addr, e164: None };
//! let verified = receive(&sealed, &bob.key_pair, &[trust_root.public_key], now, me)?;
//! assert_eq!(verified.sender_address(), alice_addr);
//! let CiphertextMessage::PreKey(message) = verified.message()? else { unreachable!() };
//! let keys = PreKeys { signed: Some(&signed), kyber: Some(&kyber), one_time: None };
//! let mut bob_record = SessionRecord::new();
//! let pending = verified.decrypt_pending(&mut bob_record, &bob, &bob_addr, keys, &mut rng)?;
//! // The session's identity is the certificate's; decide trust, then commit.
//! assert_eq!(pending.remote_identity(), alice.key_pair.identity_key());
//! assert!(pending.creates_session());
//! let out = pending.commit();
//! assert_eq!(out.plaintext, b"hi");
//! assert_eq!(out.consumed.map(|c| c.base_key), Some(*message.base_key()));
//!
//! // A day later the certificate has expired.
//! let later = Timestamp::from_millis(expires.as_millis() + 1);
//! assert!(matches!(receive(&sealed, &bob.key_pair, &[trust_root.public_key], later, me), Err(ReceiveError::Untrusted(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod content;
mod errors;
mod proto;
mod receive;
mod sender_certificate;
mod sent_message;
mod server_certificate;
mod v1;
mod v2;

#[cfg(test)]
mod kat_tests;

use zeroize::Zeroizing;

pub use content::{ContentHint, UnidentifiedSenderMessageContent};
pub use errors::{
    CertificateError, ReceiveError, SealError, SentMessageError, UnknownServerCertificateId,
    UnsealError, ValidationError,
};
pub use receive::{receive, unseal, LocalAccount, PendingSealedDecryption, VerifiedContent};
pub use sender_certificate::{Sender, SenderCertificate, Signer};
pub use sent_message::{SentDevice, SentMessage, SentRecipient};
pub use server_certificate::{
    ServerCertificate, PRODUCTION_SERVER_CERTIFICATE_ID, REVOKED_SERVER_CERTIFICATE_IDS,
    STAGING_SERVER_CERTIFICATE_ID, TEST_SERVER_CERTIFICATE_ID,
};
pub use v1::{seal_v1, V1_VERSION_BYTE};
pub use v2::{
    recipients_from_sessions, seal_v2, seal_v2_parallel, seal_v2_single, Recipient,
    RecipientDevice, MAX_REGISTRATION_ID, V2_RECEIVED_VERSION_BYTE, V2_SENT_LEGACY_VERSION_BYTE,
    V2_SENT_VERSION_BYTE,
};

/// Most entries (recipients plus excluded recipients) one v2 SentMessage
/// may hold, in [`seal_v2`] and [`SentMessage::parse`].
pub const MAX_RECIPIENTS: usize = 10_000;
/// Most devices one v2 recipient account may list.
pub const MAX_DEVICES_PER_RECIPIENT: usize = 127;

/// HKDF-SHA256 of the concatenated `ikm` parts into a fixed-size,
/// zeroizing buffer.
fn hkdf<const L: usize>(salt: Option<&[u8]>, ikm: &[&[u8]], info: &[u8]) -> Zeroizing<[u8; L]> {
    const { assert!(L <= 255 * 32, "HKDF-SHA256 output is at most 8160 bytes") }
    let ikm = Zeroizing::new(ikm.concat());
    let mut out = Zeroizing::new([0u8; L]);
    if crate::primitives::hkdf_sha256(salt, &ikm, info, &mut out[..]).is_err() {
        // Unreachable: the length is checked at compile time.
        out.fill(0);
    }
    out
}
