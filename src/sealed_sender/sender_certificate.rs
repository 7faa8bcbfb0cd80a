//! Sender certificates: a short-lived binding of a sender's account (UUID,
//! optional phone number), device and identity key, signed by a server
//! certificate's key (sealed-sender.md §2.2, §2.5).

use std::borrow::Cow;

use prost::Message;
use rand_core::CryptoRng;

use super::errors::{CertificateError, UnknownServerCertificateId, ValidationError};
use super::proto::{self, SenderCertificateInner, SignedCertificate};
use super::server_certificate::ServerCertificate;
use crate::address::{DeviceId, ProtocolAddress, ServiceId, ServiceIdKind};
use crate::keys::{IdentityKey, PrivateKey, PublicKey, Timestamp};

/// Which server certificate signed a sender certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// The server certificate travels inside the sender certificate.
    Embedded(ServerCertificate),
    /// A reference to a built-in server certificate by ID
    /// ([`ServerCertificate::built_in`]).
    BuiltIn(u32),
}

/// Who a sender certificate vouches for (the input of
/// [`SenderCertificate::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The sender's account UUID (ACI) as text. Carried verbatim; it is the
    /// name of the sender's protocol address.
    pub uuid: String,
    /// The sender's phone number, if it is shared.
    pub e164: Option<String>,
    /// The sending device.
    pub device_id: DeviceId,
    /// The sender's identity key.
    pub identity_key: IdentityKey,
}

/// A sender certificate as received, with the signed bytes kept verbatim
/// for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderCertificate {
    serialized: Vec<u8>,
    certificate: Vec<u8>,
    signature: Vec<u8>,
    sender: Sender,
    expiration: Timestamp,
    signer: Signer,
}

impl SenderCertificate {
    /// Issues a certificate (for servers and tests), signed with the private
    /// key of the signer's server certificate. The UUID is written as text
    /// (`uuidString`), as libsignal does. Draws 64 bytes from `rng`.
    ///
    /// For [`Signer::BuiltIn`], `server_key` must be the private key of that
    /// built-in certificate for the result to validate.
    pub fn new<R: CryptoRng + ?Sized>(
        sender: Sender,
        expiration: Timestamp,
        signer: Signer,
        server_key: &PrivateKey,
        rng: &mut R,
    ) -> Self {
        let inner = SenderCertificateInner {
            sender_e164: sender.e164.clone(),
            sender_device: Some(sender.device_id.get()),
            expires: Some(expiration.as_millis()),
            identity_key: Some(sender.identity_key.serialize().to_vec()),
            signer: Some(match &signer {
                Signer::Embedded(server) => {
                    proto::Signer::Certificate(server.serialized().to_vec())
                }
                Signer::BuiltIn(id) => proto::Signer::Id(*id),
            }),
            sender_uuid: Some(proto::SenderUuid::UuidString(sender.uuid.clone())),
        };
        let certificate = inner.encode_to_vec();
        let signature = server_key.calculate_signature(&certificate, rng).to_vec();
        let serialized = SignedCertificate {
            certificate: Some(certificate.clone()),
            signature: Some(signature.clone()),
        }
        .encode_to_vec();
        Self {
            serialized,
            certificate,
            signature,
            sender,
            expiration,
            signer,
        }
    }

    /// Parses a serialized certificate (§2.2's rules: the UUID string is
    /// not validated, 16 `uuidBytes` become the hyphenated lowercase form,
    /// the phone number is kept verbatim).
    ///
    /// # Errors
    /// [`CertificateError::InvalidProtobufEncoding`] for malformed protobuf,
    /// a missing required field, a device ID outside `1..=127` or
    /// `uuidBytes` that are not 16 bytes; [`CertificateError::Key`] for a
    /// malformed identity key or embedded server key.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, CertificateError> {
        let outer = SignedCertificate::decode(bytes)
            .map_err(|_| CertificateError::InvalidProtobufEncoding)?;
        let (Some(certificate), Some(signature)) = (outer.certificate, outer.signature) else {
            return Err(CertificateError::InvalidProtobufEncoding);
        };
        let inner = SenderCertificateInner::decode(certificate.as_slice())
            .map_err(|_| CertificateError::InvalidProtobufEncoding)?;
        let device_id = inner
            .sender_device
            .and_then(|d| DeviceId::new(d).ok())
            .ok_or(CertificateError::InvalidProtobufEncoding)?;
        let expiration = Timestamp::from_millis(
            inner
                .expires
                .ok_or(CertificateError::InvalidProtobufEncoding)?,
        );
        let signer = match inner
            .signer
            .ok_or(CertificateError::InvalidProtobufEncoding)?
        {
            proto::Signer::Certificate(bytes) => {
                Signer::Embedded(ServerCertificate::deserialize(&bytes)?)
            }
            proto::Signer::Id(id) => Signer::BuiltIn(id),
        };
        let uuid = match inner
            .sender_uuid
            .ok_or(CertificateError::InvalidProtobufEncoding)?
        {
            proto::SenderUuid::UuidString(text) => text,
            proto::SenderUuid::UuidBytes(raw) => {
                let raw: [u8; 16] = raw
                    .try_into()
                    .map_err(|_| CertificateError::InvalidProtobufEncoding)?;
                ServiceId::new(ServiceIdKind::Aci, raw).to_string()
            }
        };
        let identity_key = IdentityKey::deserialize(
            &inner
                .identity_key
                .ok_or(CertificateError::InvalidProtobufEncoding)?,
        )?;
        let sender = Sender {
            uuid,
            e164: inner.sender_e164,
            device_id,
            identity_key,
        };
        Ok(Self {
            serialized: bytes.to_vec(),
            certificate,
            signature,
            sender,
            expiration,
            signer,
        })
    }

    /// Validates the certificate at `now` against several trust roots
    /// (§2.5): the signer's server certificate must be unrevoked and signed
    /// by at least one root (all are checked, no early exit), the sender
    /// certificate must be signed by the server key, and `now` must not be
    /// after the expiration (equal is still valid).
    ///
    /// # Errors
    /// The [`ValidationError`] saying why the sender is not vouched for.
    pub fn validate(
        &self,
        trust_roots: &[PublicKey],
        now: Timestamp,
    ) -> Result<(), ValidationError> {
        let server = self.server_certificate()?;
        if server.is_revoked() {
            return Err(ValidationError::RevokedServerCertificate(server.key_id()));
        }
        if !server.validate(trust_roots) {
            return Err(ValidationError::UntrustedServerCertificate(server.key_id()));
        }
        if !server
            .key()
            .verify_signature(&self.certificate, &self.signature)
        {
            return Err(ValidationError::InvalidSenderSignature);
        }
        if now > self.expiration {
            return Err(ValidationError::Expired {
                expiration: self.expiration.as_millis(),
                now: now.as_millis(),
            });
        }
        Ok(())
    }

    /// The server certificate that signed this one: the embedded one, or the
    /// built-in one it references.
    ///
    /// # Errors
    /// [`UnknownServerCertificateId`] for a reference to an unknown ID.
    pub fn server_certificate(
        &self,
    ) -> Result<Cow<'_, ServerCertificate>, UnknownServerCertificateId> {
        match &self.signer {
            Signer::Embedded(server) => Ok(Cow::Borrowed(server)),
            Signer::BuiltIn(id) => ServerCertificate::built_in(*id).map(Cow::Owned),
        }
    }

    /// The signer as written in the certificate.
    #[must_use]
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Who the certificate vouches for.
    #[must_use]
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The sender's UUID text.
    #[must_use]
    pub fn sender_uuid(&self) -> &str {
        &self.sender.uuid
    }

    /// The sender's phone number, if present.
    #[must_use]
    pub fn sender_e164(&self) -> Option<&str> {
        self.sender.e164.as_deref()
    }

    /// The sending device.
    #[must_use]
    pub fn sender_device_id(&self) -> DeviceId {
        self.sender.device_id
    }

    /// The sender's protocol address: (UUID text, device ID). Inner 1:1
    /// messages are decrypted with the session of this address.
    #[must_use]
    pub fn sender_address(&self) -> ProtocolAddress {
        ProtocolAddress::new(self.sender.uuid.clone(), self.sender.device_id)
    }

    /// The sender's identity key.
    #[must_use]
    pub fn identity_key(&self) -> &IdentityKey {
        &self.sender.identity_key
    }

    /// When the certificate expires (milliseconds since the Unix epoch).
    #[must_use]
    pub fn expiration(&self) -> Timestamp {
        self.expiration
    }

    /// The serialized form (the bytes parsed, or the bytes made by `new`).
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// The signed bytes (serialized `SenderCertificate.Certificate`).
    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The server key's signature, as received.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyError;
    use crate::sealed_sender::server_certificate::TEST_SERVER_CERTIFICATE_ID;
    use rand::{rngs::StdRng, SeedableRng};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    pub(crate) const SPEC_SENDER_CERTIFICATE: &str = concat!(
        "0abf0110011900204aa9d10100002221050faa684ed28867b97f4a6a2dee5df8",
        "ce974e76b7018e3f22a1c4cf2678570f202a690a25080112210559d922547345",
        "1efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01d064181240206dba9c",
        "09b2efa41d888aaec6e0721bf04339516302fc1468d6ac0a87fbe95cad17d01c",
        "e6ceb20b264d0b18e852072af2cd917503ddd9fdd5310af8ce92868332243964",
        "3036353261332d646363332d346431312d393735662d37346436313539383733",
        "336612409668f725ceefd14ef612b5f5b49cf02fafe251e7f9e599532f088c49",
        "11d349c5a4a4ae6abece8324330fd141932630532a7b6ca1dc2dda2472c925eb",
        "14181880"
    );

    /// §9.2: the spec's sender certificate parses, validates at exactly its
    /// expiration and not one millisecond later; `new` reproduces its
    /// signed bytes.
    #[test]
    fn spec_certificate_validates_until_expiry() {
        let bytes = hex(SPEC_SENDER_CERTIFICATE);
        let cert = SenderCertificate::deserialize(&bytes).unwrap();
        let root = PrivateKey::deserialize(&[0x31; 32]).unwrap().public_key();
        let server_private = PrivateKey::deserialize(&[0x32; 32]).unwrap();
        let sender_key = PrivateKey::deserialize(&[0x22; 32]).unwrap().public_key();
        assert_eq!(cert.sender_uuid(), "9d0652a3-dcc3-4d11-975f-74d61598733f");
        assert_eq!(cert.sender_e164(), None);
        assert_eq!(cert.sender_device_id().get(), 1);
        assert_eq!(cert.expiration().as_millis(), 2_000_000_000_000);
        assert_eq!(*cert.identity_key().public_key(), sender_key);
        assert_eq!(cert.serialized(), bytes.as_slice());
        assert_eq!(cert.server_certificate().unwrap().key_id(), 1);
        assert_eq!(
            cert.validate(&[root], Timestamp::from_millis(2_000_000_000_000)),
            Ok(())
        );
        assert_eq!(
            cert.validate(&[root], Timestamp::from_millis(2_000_000_000_001)),
            Err(ValidationError::Expired {
                expiration: 2_000_000_000_000,
                now: 2_000_000_000_001
            })
        );
        let wrong = server_private.public_key();
        assert_eq!(
            cert.validate(&[wrong], Timestamp::from_millis(0)),
            Err(ValidationError::UntrustedServerCertificate(1))
        );
        assert_eq!(
            cert.validate(&[wrong, root], Timestamp::from_millis(0)),
            Ok(())
        );
        assert_eq!(
            cert.validate(&[root, wrong], Timestamp::from_millis(0)),
            Ok(())
        );
        assert_eq!(
            cert.validate(&[], Timestamp::from_millis(0)),
            Err(ValidationError::UntrustedServerCertificate(1))
        );

        let Signer::Embedded(server) = cert.signer().clone() else {
            panic!("embedded signer")
        };
        let mut rng = StdRng::seed_from_u64(3);
        let made = SenderCertificate::new(
            cert.sender().clone(),
            cert.expiration(),
            Signer::Embedded(server),
            &server_private,
            &mut rng,
        );
        assert_eq!(made.certificate(), cert.certificate());
        assert_eq!(made.validate(&[root], cert.expiration()), Ok(()));
        assert_eq!(
            SenderCertificate::deserialize(made.serialized()).unwrap(),
            made
        );
    }

    /// §2.3: a certificate naming the built-in test server certificate,
    /// signed with the all-0xFF key, validates against the all-zero key's
    /// public key; an unknown ID is an error, not `false`.
    #[test]
    fn built_in_signer() {
        let mut rng = StdRng::seed_from_u64(4);
        let sender = Sender {
            uuid: "not-a-uuid".into(),
            e164: Some("+14151111111".into()),
            device_id: DeviceId::new(127).unwrap(),
            identity_key: IdentityKey::new(PrivateKey::generate(&mut rng).public_key()),
        };
        let server_key = PrivateKey::deserialize(&[0xff; 32]).unwrap();
        let root = PrivateKey::deserialize(&[0; 32]).unwrap().public_key();
        let now = Timestamp::from_millis(5);
        let cert = SenderCertificate::new(
            sender.clone(),
            now,
            Signer::BuiltIn(TEST_SERVER_CERTIFICATE_ID),
            &server_key,
            &mut rng,
        );
        let parsed = SenderCertificate::deserialize(cert.serialized()).unwrap();
        assert_eq!(parsed.sender(), &sender);
        assert_eq!(parsed.validate(&[root], now), Ok(()));
        // The id signer (tag 8) sits between fields 4 and 6.
        let id_field = [0x40, 0xd7, 0x86, 0xdf, 0x9a, 0x07];
        let at = parsed
            .certificate()
            .windows(6)
            .position(|w| w == id_field)
            .unwrap();
        assert_eq!(parsed.certificate()[at + 6], 0x32);
        let unknown =
            SenderCertificate::new(sender, now, Signer::BuiltIn(99), &server_key, &mut rng);
        assert_eq!(
            unknown.validate(&[root], now),
            Err(ValidationError::UnknownServerCertificateId(99))
        );
        assert_eq!(
            unknown.server_certificate(),
            Err(UnknownServerCertificateId(99))
        );
    }

    /// A revoked signer fails before any signature check, a signature by
    /// another key fails, and the error variants say so.
    #[test]
    fn revoked_and_forged() {
        let mut rng = StdRng::seed_from_u64(5);
        let root = PrivateKey::generate(&mut rng);
        let server_key = PrivateKey::generate(&mut rng);
        let sender = Sender {
            uuid: "9d0652a3-dcc3-4d11-975f-74d61598733f".into(),
            e164: None,
            device_id: DeviceId::new(2).unwrap(),
            identity_key: IdentityKey::new(PrivateKey::generate(&mut rng).public_key()),
        };
        let now = Timestamp::from_millis(1000);
        let revoked =
            ServerCertificate::new(0xDEAD_C357, &server_key.public_key(), &root, &mut rng);
        let cert = SenderCertificate::new(
            sender.clone(),
            now,
            Signer::Embedded(revoked),
            &server_key,
            &mut rng,
        );
        assert_eq!(
            cert.validate(&[root.public_key()], now),
            Err(ValidationError::RevokedServerCertificate(0xDEAD_C357))
        );
        let server = ServerCertificate::new(9, &server_key.public_key(), &root, &mut rng);
        let forged = SenderCertificate::new(sender, now, Signer::Embedded(server), &root, &mut rng);
        assert_eq!(
            forged.validate(&[root.public_key()], now),
            Err(ValidationError::InvalidSenderSignature)
        );
    }

    fn encode(inner: &SenderCertificateInner) -> Vec<u8> {
        SignedCertificate {
            certificate: Some(inner.encode_to_vec()),
            signature: Some(vec![0; 64]),
        }
        .encode_to_vec()
    }

    /// §2.2's parsing steps, one failure each.
    #[test]
    fn parse_rules() {
        let server = hex("0a25080112210559d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01d064181240206dba9c09b2efa41d888aaec6e0721bf04339516302fc1468d6ac0a87fbe95cad17d01ce6ceb20b264d0b18e852072af2cd917503ddd9fdd5310af8ce928683");
        let good = SenderCertificateInner {
            sender_e164: None,
            sender_device: Some(1),
            expires: Some(0),
            identity_key: Some([&[5][..], &[7; 32]].concat()),
            signer: Some(proto::Signer::Certificate(server.clone())),
            sender_uuid: Some(proto::SenderUuid::UuidBytes(hex(
                "796abedbca4e4f1888031fde5b921f9f",
            ))),
        };
        let cert = SenderCertificate::deserialize(&encode(&good)).unwrap();
        assert_eq!(cert.sender_uuid(), "796abedb-ca4e-4f18-8803-1fde5b921f9f");
        assert_eq!(cert.expiration().as_millis(), 0);
        let cases: Vec<(SenderCertificateInner, CertificateError)> = vec![
            (
                SenderCertificateInner {
                    sender_device: None,
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    sender_device: Some(0),
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    sender_device: Some(128),
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    expires: None,
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    signer: None,
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    sender_uuid: None,
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    sender_uuid: Some(proto::SenderUuid::UuidBytes(vec![1; 15])),
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    identity_key: None,
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
            (
                SenderCertificateInner {
                    identity_key: Some(vec![5; 20]),
                    ..good.clone()
                },
                CertificateError::Key(KeyError::BadKeyLength(20)),
            ),
            (
                SenderCertificateInner {
                    signer: Some(proto::Signer::Certificate(server[..40].to_vec())),
                    ..good.clone()
                },
                CertificateError::InvalidProtobufEncoding,
            ),
        ];
        for (inner, expected) in cases {
            assert_eq!(
                SenderCertificate::deserialize(&encode(&inner)),
                Err(expected),
                "{inner:?}"
            );
        }
        // Invalid UTF-8 in a string field is malformed protobuf.
        let mut bytes = SenderCertificateInner {
            sender_e164: Some("+1".into()),
            ..good.clone()
        }
        .encode_to_vec();
        let at = bytes.windows(2).position(|w| w == b"+1").unwrap();
        bytes[at] = 0xff;
        let outer = SignedCertificate {
            certificate: Some(bytes),
            signature: Some(vec![]),
        }
        .encode_to_vec();
        assert_eq!(
            SenderCertificate::deserialize(&outer),
            Err(CertificateError::InvalidProtobufEncoding)
        );
        assert_eq!(
            SenderCertificate::deserialize(&[]),
            Err(CertificateError::InvalidProtobufEncoding)
        );
    }
}
