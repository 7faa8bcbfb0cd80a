//! Server certificates: a trust root signs a server's key, which then signs
//! sender certificates (sealed-sender.md §2.1, §2.3, §2.4).

use core::fmt;

use prost::Message;
use rand_core::CryptoRng;
use subtle::Choice;

use super::errors::{CertificateError, UnknownServerCertificateId};
use super::proto::{ServerCertificateInner, SignedCertificate};
use crate::keys::{PrivateKey, PublicKey};

/// Server certificate IDs that never validate, whatever their signature.
pub const REVOKED_SERVER_CERTIFICATE_IDS: &[u32] = &[0xDEAD_C357];

/// The built-in server certificate for Signal's staging service (ID 2).
pub const STAGING_SERVER_CERTIFICATE_ID: u32 = 2;
/// The built-in server certificate for Signal's production service (ID 3).
pub const PRODUCTION_SERVER_CERTIFICATE_ID: u32 = 3;
/// The built-in test server certificate (ID `0x7357C357`): its key is the
/// public key of the all-`0xFF` private key, signed by the trust root whose
/// private key is all zeros.
pub const TEST_SERVER_CERTIFICATE_ID: u32 = 0x7357_C357;

/// A server certificate as received: its ID and key, and the trust root's
/// signature over the exact certificate bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    serialized: Vec<u8>,
    certificate: Vec<u8>,
    signature: Vec<u8>,
    key_id: u32,
    key: PublicKey,
}

impl ServerCertificate {
    /// Issues a certificate for `key` under `key_id`, signed by the trust
    /// root's private key (for servers and tests). Draws 64 bytes from `rng`
    /// for the signature.
    pub fn new<R: CryptoRng + ?Sized>(
        key_id: u32,
        key: &PublicKey,
        trust_root: &PrivateKey,
        rng: &mut R,
    ) -> Self {
        let certificate = ServerCertificateInner {
            id: Some(key_id),
            key: Some(key.serialize().to_vec()),
        }
        .encode_to_vec();
        let signature = trust_root.calculate_signature(&certificate, rng).to_vec();
        let serialized = SignedCertificate {
            certificate: Some(certificate.clone()),
            signature: Some(signature.clone()),
        }
        .encode_to_vec();
        Self {
            serialized,
            certificate,
            signature,
            key_id,
            key: *key,
        }
    }

    /// Parses a serialized certificate. The signature is kept as received
    /// (its length is only checked by validation).
    ///
    /// # Errors
    /// [`CertificateError::InvalidProtobufEncoding`] for malformed protobuf
    /// or a missing field; [`CertificateError::Key`] for a malformed key.
    pub fn deserialize(bytes: &[u8]) -> Result<Self, CertificateError> {
        let outer = SignedCertificate::decode(bytes)
            .map_err(|_| CertificateError::InvalidProtobufEncoding)?;
        let (Some(certificate), Some(signature)) = (outer.certificate, outer.signature) else {
            return Err(CertificateError::InvalidProtobufEncoding);
        };
        let inner = ServerCertificateInner::decode(certificate.as_slice())
            .map_err(|_| CertificateError::InvalidProtobufEncoding)?;
        let (Some(key_id), Some(key)) = (inner.id, inner.key) else {
            return Err(CertificateError::InvalidProtobufEncoding);
        };
        let key = PublicKey::deserialize(&key)?;
        Ok(Self {
            serialized: bytes.to_vec(),
            certificate,
            signature,
            key_id,
            key,
        })
    }

    /// One of the server certificates libsignal has built in (§2.3), by ID.
    ///
    /// # Errors
    /// [`UnknownServerCertificateId`] for any other ID.
    pub fn built_in(id: u32) -> Result<Self, UnknownServerCertificateId> {
        let bytes: &[u8] = match id {
            STAGING_SERVER_CERTIFICATE_ID => &STAGING_CERTIFICATE,
            PRODUCTION_SERVER_CERTIFICATE_ID => &PRODUCTION_CERTIFICATE,
            TEST_SERVER_CERTIFICATE_ID => &TEST_CERTIFICATE,
            _ => return Err(UnknownServerCertificateId(id)),
        };
        // The constants are well formed (a unit test parses each one); an
        // error here could only mean corrupted constants.
        Self::deserialize(bytes).map_err(|_| UnknownServerCertificateId(id))
    }

    /// Whether any of `trust_roots` signed this certificate. A revoked ID
    /// never validates. Every root is checked (no early exit), so the time
    /// taken does not reveal which root matched.
    #[must_use]
    pub fn validate(&self, trust_roots: &[PublicKey]) -> bool {
        if self.is_revoked() {
            return false;
        }
        let mut valid = Choice::from(0);
        for root in trust_roots {
            valid |= Choice::from(u8::from(
                root.verify_signature(&self.certificate, &self.signature),
            ));
        }
        valid.into()
    }

    /// Whether the ID is on the revoked list.
    #[must_use]
    pub fn is_revoked(&self) -> bool {
        REVOKED_SERVER_CERTIFICATE_IDS.contains(&self.key_id)
    }

    /// The serialized form (the bytes parsed, or the bytes made by `new`).
    #[must_use]
    pub fn serialized(&self) -> &[u8] {
        &self.serialized
    }

    /// The signed bytes (serialized `ServerCertificate.Certificate`).
    #[must_use]
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    /// The trust root's signature, as received.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The server's public key, which signs sender certificates.
    #[must_use]
    pub fn key(&self) -> &PublicKey {
        &self.key
    }
}

impl fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("key_id", &self.key_id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

const STAGING_CERTIFICATE: [u8; 105] = [
    0x0a, 0x25, 0x08, 0x02, 0x12, 0x21, 0x05, 0x39, 0x45, 0x0d, 0x63, 0xeb, 0xd0, 0x75, 0x2c, 0x0f,
    0xd4, 0x03, 0x8b, 0x9d, 0x07, 0xa9, 0x16, 0xf5, 0xe1, 0x74, 0xb7, 0x56, 0xd4, 0x09, 0xb5, 0xca,
    0x79, 0xf4, 0xc9, 0x74, 0x00, 0x63, 0x1e, 0x12, 0x40, 0x64, 0xc5, 0xa3, 0x8b, 0x1e, 0x92, 0x74,
    0x97, 0xd3, 0xd4, 0x78, 0x6b, 0x10, 0x1a, 0x62, 0x3a, 0xb3, 0x4a, 0x7d, 0xa3, 0x95, 0x4f, 0xae,
    0x12, 0x6b, 0x04, 0xdb, 0xa9, 0xd7, 0xa3, 0x60, 0x4e, 0xd8, 0x8c, 0xdc, 0x85, 0x50, 0x95, 0x0f,
    0x0d, 0x4a, 0x91, 0x34, 0xce, 0xb7, 0xe1, 0x9b, 0x94, 0x13, 0x91, 0x51, 0xd2, 0xc3, 0xd6, 0xe1,
    0xc8, 0x1e, 0x9d, 0x11, 0x28, 0xaa, 0xfc, 0xa8, 0x06,
];
const PRODUCTION_CERTIFICATE: [u8; 105] = [
    0x0a, 0x25, 0x08, 0x03, 0x12, 0x21, 0x05, 0xbc, 0x9d, 0x1d, 0x29, 0x0b, 0xe9, 0x64, 0x81, 0x0d,
    0xfa, 0x7e, 0x94, 0x85, 0x64, 0x80, 0xa3, 0xf7, 0x06, 0x0d, 0x00, 0x4c, 0x97, 0x62, 0xc2, 0x4c,
    0x57, 0x5a, 0x15, 0x22, 0x35, 0x3a, 0x5a, 0x12, 0x40, 0xc1, 0x1e, 0xc3, 0xc4, 0x01, 0xeb, 0x01,
    0x07, 0xab, 0x38, 0xf8, 0x60, 0x0e, 0x87, 0x20, 0xa6, 0x31, 0x69, 0xe0, 0xe2, 0xeb, 0x8a, 0x3f,
    0xae, 0x24, 0xf6, 0x30, 0x99, 0xf8, 0x5e, 0xa3, 0x19, 0xc3, 0xc1, 0xc4, 0x6d, 0x34, 0x54, 0x70,
    0x6a, 0xe2, 0xa6, 0x79, 0xd1, 0xfe, 0xe6, 0x90, 0xa4, 0x88, 0xad, 0xda, 0x98, 0xa2, 0x29, 0x0b,
    0x66, 0xc9, 0x06, 0xbb, 0x60, 0x29, 0x5e, 0xd7, 0x81,
];
const TEST_CERTIFICATE: [u8; 109] = [
    0x0a, 0x29, 0x08, 0xd7, 0x86, 0xdf, 0x9a, 0x07, 0x12, 0x21, 0x05, 0x84, 0x7c, 0x0d, 0x2c, 0x37,
    0x52, 0x34, 0xf3, 0x65, 0xe6, 0x60, 0x95, 0x51, 0x87, 0xa3, 0x73, 0x5a, 0x0f, 0x76, 0x13, 0xd1,
    0x60, 0x9d, 0x3a, 0x6a, 0x4d, 0x8c, 0x53, 0xae, 0xaa, 0x5a, 0x22, 0x12, 0x40, 0xe0, 0xb9, 0xeb,
    0xac, 0xdf, 0xc3, 0xaa, 0x28, 0x27, 0xf7, 0x92, 0x4b, 0x69, 0x77, 0x84, 0xd1, 0xc2, 0x5e, 0x44,
    0xca, 0x05, 0xdd, 0x43, 0x3e, 0x1a, 0x38, 0xdc, 0x63, 0x82, 0xeb, 0x27, 0x30, 0xd4, 0x19, 0xca,
    0x9a, 0x25, 0x0b, 0x1b, 0xe9, 0xd5, 0xa9, 0x46, 0x3e, 0x61, 0xef, 0xd6, 0x78, 0x17, 0x77, 0xa9,
    0x1b, 0x83, 0xc9, 0x7b, 0x84, 0x4d, 0x01, 0x42, 0x06, 0xe2, 0x82, 0x97, 0x85,
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// §2.3: each built-in certificate parses, has its ID, and is signed by
    /// the listed trust root (and only by it).
    #[test]
    fn built_in_certificates_validate_against_their_roots() {
        let roots = [
            (
                STAGING_SERVER_CERTIFICATE_ID,
                "058854ead3e3a8fe3a286644cd1b3538be14dfd5797653c9fd7d3d85ae2b12b926",
            ),
            (
                PRODUCTION_SERVER_CERTIFICATE_ID,
                "054918d08fbdfa83e00c29f8f8073a22ef35df2bea903aff81af03ccbc45c6e93a",
            ),
            (
                TEST_SERVER_CERTIFICATE_ID,
                "052fe57da347cd62431528daac5fbb290730fff684afc4cfc2ed90995f58cb3b74",
            ),
        ];
        let keys: Vec<PublicKey> = roots
            .iter()
            .map(|(_, k)| PublicKey::deserialize(&hex(k)).unwrap())
            .collect();
        for (i, (id, _)) in roots.iter().enumerate() {
            let cert = ServerCertificate::built_in(*id).unwrap();
            assert_eq!(cert.key_id(), *id);
            assert!(cert.validate(&keys[i..=i]), "{id:#x}");
            let others: Vec<PublicKey> = keys
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, k)| *k)
                .collect();
            assert!(!cert.validate(&others), "{id:#x}");
            assert!(cert.validate(&keys));
        }
        let zero_root = PrivateKey::deserialize(&[0; 32]).unwrap().public_key();
        assert_eq!(zero_root, keys[2]);
        let ff_server = PrivateKey::deserialize(&[0xff; 32]).unwrap().public_key();
        assert_eq!(
            *ServerCertificate::built_in(TEST_SERVER_CERTIFICATE_ID)
                .unwrap()
                .key(),
            ff_server
        );
        assert_eq!(
            ServerCertificate::built_in(1),
            Err(UnknownServerCertificateId(1))
        );
        assert_eq!(
            ServerCertificate::built_in(0xDEAD_C357),
            Err(UnknownServerCertificateId(0xDEAD_C357))
        );
    }

    /// §9.2: the spec's server certificate, and `new`'s byte layout.
    #[test]
    fn spec_certificate_and_creation_layout() {
        let bytes = hex(concat!(
            "0a25080112210559d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f",
            "5b58bf01d064181240206dba9c09b2efa41d888aaec6e0721bf04339516302fc",
            "1468d6ac0a87fbe95cad17d01ce6ceb20b264d0b18e852072af2cd917503ddd9",
            "fdd5310af8ce928683"
        ));
        let root_private = PrivateKey::deserialize(&[0x31; 32]).unwrap();
        let server_private = PrivateKey::deserialize(&[0x32; 32]).unwrap();
        let cert = ServerCertificate::deserialize(&bytes).unwrap();
        assert_eq!(cert.serialized(), bytes.as_slice());
        assert_eq!(
            (cert.key_id(), *cert.key()),
            (1, server_private.public_key())
        );
        assert!(cert.validate(&[root_private.public_key()]));
        assert!(!cert.validate(&[server_private.public_key()]));
        assert!(!cert.validate(&[]));

        let mut rng = StdRng::seed_from_u64(1);
        let made = ServerCertificate::new(1, &server_private.public_key(), &root_private, &mut rng);
        assert_eq!(made.certificate(), cert.certificate());
        assert_eq!(made.serialized()[..41], bytes[..41]);
        assert_eq!(made.serialized().len(), bytes.len());
        assert!(made.validate(&[root_private.public_key()]));
        assert_eq!(
            ServerCertificate::deserialize(made.serialized()).unwrap(),
            made
        );
    }

    /// §2.4: a revoked ID never validates, even when properly signed.
    #[test]
    fn revoked_id_never_validates() {
        let mut rng = StdRng::seed_from_u64(2);
        let root = PrivateKey::generate(&mut rng);
        let server = PrivateKey::generate(&mut rng).public_key();
        let revoked = ServerCertificate::new(0xDEAD_C357, &server, &root, &mut rng);
        assert!(revoked.is_revoked());
        assert!(!revoked.validate(&[root.public_key()]));
        let fine = ServerCertificate::new(0xDEAD_C356, &server, &root, &mut rng);
        assert!(fine.validate(&[root.public_key()]));
    }

    /// §2.1 parsing rules: missing fields, bad keys, signature length not
    /// checked at parse time.
    #[test]
    fn parse_errors() {
        let key = [&[0x05][..], &[9; 32]].concat();
        let inner = |id: Option<u32>, key: Option<Vec<u8>>| {
            ServerCertificateInner { id, key }.encode_to_vec()
        };
        let outer = |c: Option<Vec<u8>>, s: Option<Vec<u8>>| {
            SignedCertificate {
                certificate: c,
                signature: s,
            }
            .encode_to_vec()
        };
        let good = inner(Some(7), Some(key.clone()));
        assert!(
            ServerCertificate::deserialize(&outer(Some(good.clone()), Some(vec![1, 2, 3]))).is_ok()
        );
        assert!(ServerCertificate::deserialize(&outer(Some(good.clone()), Some(vec![]))).is_ok());
        for bad in [
            outer(Some(good.clone()), None),
            outer(None, Some(vec![0; 64])),
            outer(Some(inner(None, Some(key.clone()))), Some(vec![0; 64])),
            outer(Some(inner(Some(7), None)), Some(vec![0; 64])),
            outer(Some(vec![0xff]), Some(vec![0; 64])),
            vec![0x0a],
        ] {
            assert_eq!(
                ServerCertificate::deserialize(&bad),
                Err(CertificateError::InvalidProtobufEncoding),
                "{bad:02x?}"
            );
        }
        let bad_key = outer(
            Some(inner(Some(7), Some(vec![0x06; 33]))),
            Some(vec![0; 64]),
        );
        assert_eq!(
            ServerCertificate::deserialize(&bad_key),
            Err(CertificateError::Key(crate::keys::KeyError::BadKeyType(6)))
        );
        let empty_key = outer(Some(inner(Some(7), Some(vec![]))), Some(vec![0; 64]));
        assert_eq!(
            ServerCertificate::deserialize(&empty_key),
            Err(CertificateError::Key(
                crate::keys::KeyError::NoKeyTypeIdentifier
            ))
        );
    }
}
