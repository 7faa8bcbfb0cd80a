//! Sealed sender end to end: libsignal's recorded sealed-sender transcripts
//! replayed through the full receive path (v1 with 1:1 PreKey inner
//! messages, v2 with sender-key inner messages decrypted by `hush::groups`),
//! and conversations between hush parties for both versions.

mod common;

use common::vectors::{address, bytes, id, load};

use std::collections::BTreeMap;

use hush::address::{DeviceId, ProtocolAddress, ServiceId};
use hush::groups::{
    self, DistributionId, GroupDecryptError, SenderKeyDistributionMessage, SenderKeyRecord,
};
use hush::keys::*;
use hush::messages::{CiphertextMessage, CiphertextMessageType};
use hush::sealed_sender::*;
use hush::session::{Addresses, DecryptError, LocalIdentity, PreKeys, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};
use serde_json::Value;

/// The receiver of a transcript, with its stores.
struct Receiver {
    local: LocalIdentity,
    address: ProtocolAddress,
    signed: BTreeMap<u32, SignedPreKeyRecord>,
    one_time: BTreeMap<u32, PreKeyRecord>,
    kyber: BTreeMap<u32, (KyberPreKeyRecord, bool)>,
    sessions: BTreeMap<ProtocolAddress, SessionRecord>,
    sender_keys: BTreeMap<(ProtocolAddress, DistributionId), SenderKeyRecord>,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Ok {
        plaintext: Vec<u8>,
        content_hint: ContentHint,
        group_id: Option<Vec<u8>>,
        sender: ProtocolAddress,
    },
    Duplicate,
    InvalidCertificate,
    Invalid(String),
}

impl Receiver {
    fn from_transcript(r: &Value) -> Self {
        let key_pair = IdentityKeyPair::from(
            PrivateKey::deserialize(&bytes(&r["identity"]["private"])).unwrap(),
        );
        assert_eq!(
            key_pair.identity_key().serialize().to_vec(),
            bytes(&r["identity"]["public"])
        );
        let signed = r["signed_prekeys"].as_array().unwrap().iter().map(|k| {
            let pair =
                KeyPair::from_private(PrivateKey::deserialize(&bytes(&k["private"])).unwrap());
            let signature: [u8; 64] = bytes(&k["signature"]).try_into().unwrap();
            let ts = Timestamp::from_millis(k["timestamp"].as_u64().unwrap());
            (
                id(&k["id"]),
                SignedPreKeyRecord::new(SignedPreKeyId(id(&k["id"])), ts, pair, signature),
            )
        });
        let one_time = r["prekeys"].as_array().unwrap().iter().map(|k| {
            let pair =
                KeyPair::from_private(PrivateKey::deserialize(&bytes(&k["private"])).unwrap());
            (
                id(&k["id"]),
                PreKeyRecord::new(PreKeyId(id(&k["id"])), pair),
            )
        });
        let kyber = r["kyber_prekeys"].as_array().unwrap().iter().map(|k| {
            let pair = KemKeyPair::from_parts(
                KemPublicKey::deserialize(&bytes(&k["public"])).unwrap(),
                KemSecretKey::deserialize(&bytes(&k["secret"])).unwrap(),
            )
            .unwrap();
            let signature: [u8; 64] = bytes(&k["signature"]).try_into().unwrap();
            let ts = Timestamp::from_millis(k["timestamp"].as_u64().unwrap());
            (
                id(&k["id"]),
                (
                    KyberPreKeyRecord::new(KyberPreKeyId(id(&k["id"])), ts, pair, signature),
                    k["last_resort"].as_bool().unwrap(),
                ),
            )
        });
        Self {
            local: LocalIdentity {
                key_pair,
                registration_id: id(&r["registration_id"]),
            },
            address: address(&r["address"]),
            signed: signed.collect(),
            one_time: one_time.collect(),
            kyber: kyber.collect(),
            sessions: BTreeMap::new(),
            sender_keys: BTreeMap::new(),
        }
    }

    /// Everything a failed step must leave untouched, as bytes.
    fn snapshot(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = self
            .sessions
            .values()
            .map(|r| r.to_state().to_vec())
            .collect();
        out.extend(self.sender_keys.values().map(|r| r.to_state().to_vec()));
        out.push(self.one_time.keys().flat_map(|k| k.to_be_bytes()).collect());
        out.push(self.kyber.keys().flat_map(|k| k.to_be_bytes()).collect());
        out
    }

    /// The full receive path of sealed-sender.md §7 with the inner message
    /// decrypted by type, as an application would do it.
    fn unseal(
        &mut self,
        bytes: &[u8],
        trust_root: &PublicKey,
        now: Timestamp,
        rng: &mut StdRng,
    ) -> Outcome {
        let me = LocalAccount {
            address: &self.address,
            e164: None,
        };
        let verified = match receive(bytes, &self.local.key_pair, &[*trust_root], now, me) {
            Ok(v) => v,
            Err(ReceiveError::Untrusted(ValidationError::Expired { .. })) => {
                return Outcome::InvalidCertificate
            }
            Err(e) => return Outcome::Invalid(e.to_string()),
        };
        let sender = verified.sender_address();
        let plaintext = match verified.message_type() {
            CiphertextMessageType::SenderKey => {
                let message = match groups::SenderKeyMessage::deserialize(verified.contents()) {
                    Ok(m) => m,
                    Err(e) => return Outcome::Invalid(e.to_string()),
                };
                let Some(record) = self
                    .sender_keys
                    .get_mut(&(sender.clone(), message.distribution_id()))
                else {
                    return Outcome::Invalid("no sender key".into());
                };
                match groups::group_decrypt(record, verified.contents()) {
                    Ok(p) => p,
                    Err(GroupDecryptError::DuplicatedMessage { .. }) => return Outcome::Duplicate,
                    Err(e) => return Outcome::Invalid(e.to_string()),
                }
            }
            _ => {
                let message = match verified.message() {
                    Ok(m) => m,
                    Err(e) => return Outcome::Invalid(e.to_string()),
                };
                let pre_keys = match &message {
                    CiphertextMessage::PreKey(m) => PreKeys {
                        signed: self.signed.get(&m.signed_pre_key_id().0),
                        kyber: m
                            .kyber_pre_key_id()
                            .and_then(|k| self.kyber.get(&k.0))
                            .map(|(r, _)| r),
                        one_time: m.pre_key_id().and_then(|k| self.one_time.get(&k.0)),
                    },
                    CiphertextMessage::Whisper(_) => PreKeys::default(),
                };
                let mut record = self.sessions.get(&sender).cloned().unwrap_or_default();
                match verified.decrypt(&mut record, &self.local, &self.address, pre_keys, rng) {
                    Ok(out) => {
                        if let Some(consumed) = out.consumed {
                            if let Some(one_time) = consumed.one_time {
                                self.one_time.remove(&one_time.0);
                            }
                            if self
                                .kyber
                                .get(&consumed.kyber.0)
                                .is_some_and(|(_, last_resort)| !last_resort)
                            {
                                self.kyber.remove(&consumed.kyber.0);
                            }
                        }
                        self.sessions.insert(sender.clone(), record);
                        out.plaintext
                    }
                    Err(ReceiveError::Decrypt(DecryptError::DuplicatedMessage { .. })) => {
                        return Outcome::Duplicate
                    }
                    Err(e) => return Outcome::Invalid(e.to_string()),
                }
            }
        };
        Outcome::Ok {
            plaintext,
            content_hint: verified.content_hint(),
            group_id: verified.group_id().map(<[u8]>::to_vec),
            sender,
        }
    }
}

/// Replays one sealed-sender transcript; returns (steps, v1 ok, v2 ok).
fn replay(name: &str) -> (usize, usize, usize) {
    let file = load(name);
    let mut receiver = Receiver::from_transcript(&file["receiver"]);
    let sender = address(&file["sender"]["address"]);
    let trust_root = PublicKey::deserialize(&bytes(&file["trust_root_public"])).unwrap();
    let certificate =
        SenderCertificate::deserialize(&bytes(&file["sender_certificate"]["serialized"])).unwrap();
    assert_eq!(
        certificate.sender_uuid(),
        file["sender_certificate"]["sender_uuid"].as_str().unwrap()
    );
    assert_eq!(
        certificate.sender_e164(),
        file["sender_certificate"]["sender_e164"].as_str()
    );
    assert_eq!(
        certificate.sender_device_id().get(),
        id(&file["sender_certificate"]["sender_device_id"])
    );
    assert_eq!(
        certificate.expiration().as_millis(),
        file["sender_certificate"]["expiration"].as_u64().unwrap()
    );
    assert_eq!(certificate.sender_address(), sender);
    assert_eq!(
        certificate.server_certificate().unwrap().key_id(),
        id(&file["server_certificate"]["key_id"])
    );
    assert_eq!(
        certificate.server_certificate().unwrap().serialized(),
        bytes(&file["server_certificate"]["serialized"])
    );
    let distribution: DistributionId = file["distribution_id"].as_str().unwrap().parse().unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let (mut v1_ok, mut v2_ok) = (0, 0);
    let steps = file["steps"].as_array().unwrap();
    for step in steps {
        let label = format!("{name} {} ({})", step["id"], step["variant"]);
        if step["op"] == "process_distribution" {
            let skdm = SenderKeyDistributionMessage::deserialize(&bytes(&step["skdm"])).unwrap();
            assert_eq!(skdm.distribution_id(), distribution);
            let record = receiver
                .sender_keys
                .entry((sender.clone(), distribution))
                .or_default();
            groups::process_distribution_message(record, &skdm);
            continue;
        }
        assert_eq!(step["op"], "unseal", "{label}");
        let ciphertext = bytes(&step["ciphertext"]);
        let version = step["sealed_sender_version"].as_u64().unwrap();
        assert_eq!(
            ciphertext[0],
            if version == 1 { 0x11 } else { 0x22 },
            "{label}"
        );
        if let Some(sent) = step.get("server_sent_message").and_then(Value::as_str) {
            // The server's fan-out of the upload is exactly what was delivered.
            let sent = SentMessage::parse(&hex::decode(sent).unwrap()).unwrap();
            assert_eq!(sent.version(), 0x23);
            let [recipient] = sent.recipients() else {
                panic!("{label}: one recipient")
            };
            assert_eq!(
                recipient.service_id(),
                ServiceId::parse(receiver.address.name()).unwrap(),
                "{label}"
            );
            assert_eq!(
                recipient.devices()[0].device_id,
                receiver.address.device_id(),
                "{label}"
            );
            assert_eq!(
                u32::from(recipient.devices()[0].registration_id),
                receiver.local.registration_id,
                "{label}"
            );
            assert_eq!(sent.received_message(recipient), ciphertext, "{label}");
        }
        let before = receiver.snapshot();
        let now = Timestamp::from_millis(step["timestamp"].as_u64().unwrap());
        let outcome = receiver.unseal(&ciphertext, &trust_root, now, &mut rng);
        match (step["expect"].as_str().unwrap(), outcome) {
            (
                "ok",
                Outcome::Ok {
                    plaintext,
                    content_hint,
                    group_id,
                    sender: from,
                },
            ) => {
                assert_eq!(plaintext, bytes(&step["plaintext"]), "{label}");
                assert_eq!(content_hint.to_u32(), id(&step["content_hint"]), "{label}");
                assert_eq!(
                    group_id,
                    step["group_id"].as_str().map(|g| hex::decode(g).unwrap()),
                    "{label}"
                );
                assert_eq!(from, sender, "{label}");
                if version == 1 {
                    v1_ok += 1;
                } else {
                    v2_ok += 1;
                }
            }
            ("duplicate", Outcome::Duplicate)
            | ("invalid_certificate", Outcome::InvalidCertificate) => {
                assert_eq!(before, receiver.snapshot(), "{label}: state changed");
            }
            ("invalid", Outcome::Invalid(reason)) => {
                // Same failure as libsignal, by its text.
                let theirs = step["libsignal_error"].as_str().unwrap();
                assert!(
                    theirs.ends_with(&reason),
                    "{label}: hush says {reason:?}, libsignal {theirs:?}"
                );
                assert_eq!(before, receiver.snapshot(), "{label}: state changed");
            }
            (expected, got) => panic!("{label}: expected {expected}, got {got:?}"),
        }
    }
    (steps.len(), v1_ok, v2_ok)
}

#[test]
fn libsignal_0_90_sealed_sender_transcript() {
    assert_eq!(replay("sealed-sender-v0.90.0.json"), (12, 4, 3));
}

#[test]
fn libsignal_0_103_sealed_sender_transcript() {
    assert_eq!(replay("sealed-sender-v0.103.0.json"), (12, 4, 3));
}

// ---------------------------------------------------------------------------
// Conversations between hush parties.

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const DAY: u64 = 86_400_000;

struct Party {
    address: ProtocolAddress,
    local: LocalIdentity,
    signed: SignedPreKeyRecord,
    kyber: KyberPreKeyRecord,
    sessions: BTreeMap<ProtocolAddress, SessionRecord>,
    certificate: SenderCertificate,
}

struct Service {
    root: KeyPair,
    server_key: KeyPair,
    server: ServerCertificate,
}

impl Service {
    fn new(rng: &mut StdRng) -> Self {
        let root = KeyPair::generate(rng);
        let server_key = KeyPair::generate(rng);
        let server = ServerCertificate::new(7, &server_key.public_key, &root.private_key, rng);
        Self {
            root,
            server_key,
            server,
        }
    }

    fn party(&self, uuid: &str, device: u32, e164: Option<&str>, rng: &mut StdRng) -> Party {
        let key_pair = IdentityKeyPair::generate(rng);
        let address = ProtocolAddress::new(uuid, DeviceId::new(device).unwrap());
        let sender = Sender {
            uuid: uuid.into(),
            e164: e164.map(Into::into),
            device_id: address.device_id(),
            identity_key: *key_pair.identity_key(),
        };
        let certificate = SenderCertificate::new(
            sender,
            Timestamp::from_millis(NOW.as_millis() + DAY),
            Signer::Embedded(self.server.clone()),
            &self.server_key.private_key,
            rng,
        );
        Party {
            signed: SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &key_pair, rng),
            kyber: KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &key_pair, rng),
            local: LocalIdentity {
                key_pair,
                registration_id: 1000 + device,
            },
            address,
            sessions: BTreeMap::new(),
            certificate,
        }
    }
}

impl Party {
    fn bundle(&self) -> VerifiedPreKeyBundle {
        PreKeyBundle {
            registration_id: self.local.registration_id,
            device_id: self.address.device_id(),
            pre_key: None,
            signed_pre_key_id: self.signed.id(),
            signed_pre_key_public: *self.signed.public_key(),
            signed_pre_key_signature: self.signed.signature().to_vec(),
            kyber_pre_key_id: self.kyber.id(),
            kyber_pre_key_public: self.kyber.public_key().clone(),
            kyber_pre_key_signature: self.kyber.signature().to_vec(),
            identity_key: *self.local.key_pair.identity_key(),
        }
        .verify()
        .unwrap()
    }

    fn start_session(&mut self, to: &Party, rng: &mut StdRng) {
        let mut record = SessionRecord::new();
        record
            .initiate(&to.bundle(), &self.local, NOW, rng)
            .unwrap();
        self.sessions.insert(to.address.clone(), record);
    }

    fn encrypt(
        &mut self,
        to: &ProtocolAddress,
        text: &[u8],
        rng: &mut StdRng,
    ) -> CiphertextMessage {
        let record = self.sessions.get_mut(to).unwrap();
        record
            .encrypt(
                text,
                Addresses {
                    local: &self.address,
                    remote: to,
                },
                NOW,
                rng,
            )
            .unwrap()
    }

    fn seal_v1(&mut self, to: &Party, text: &[u8], rng: &mut StdRng) -> Vec<u8> {
        let inner = self.encrypt(&to.address, text, rng);
        let content = UnidentifiedSenderMessageContent::from_message(
            &inner,
            self.certificate.clone(),
            ContentHint::Resendable,
            None,
        );
        seal_v1(
            to.local.key_pair.identity_key(),
            &content,
            &self.local.key_pair,
            rng,
        )
        .unwrap()
    }

    fn receive(
        &mut self,
        bytes: &[u8],
        roots: &[PublicKey],
        now: Timestamp,
        rng: &mut StdRng,
    ) -> Result<(ProtocolAddress, Vec<u8>), ReceiveError> {
        let verified = receive(
            bytes,
            &self.local.key_pair,
            roots,
            now,
            LocalAccount {
                address: &self.address,
                e164: None,
            },
        )?;
        let sender = verified.sender_address();
        let mut record = self.sessions.get(&sender).cloned().unwrap_or_default();
        let pre_keys = PreKeys {
            signed: Some(&self.signed),
            kyber: Some(&self.kyber),
            one_time: None,
        };
        let out = verified.decrypt(&mut record, &self.local, &self.address, pre_keys, rng)?;
        self.sessions.insert(sender.clone(), record);
        Ok((sender, out.plaintext))
    }
}

const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";
const CAROL: &str = "3f1c7a52-0b6e-4f3a-9a51-2d4e6b8c9d10";

/// v1 both ways: PreKey inner messages, then Whisper after the first
/// reply; several trust roots; expiry; a failed receive changes nothing.
#[test]
fn v1_conversation() {
    let mut rng = StdRng::seed_from_u64(21);
    let service = Service::new(&mut rng);
    let other = KeyPair::generate(&mut rng).public_key;
    let roots = [other, service.root.public_key];
    let mut alice = service.party(ALICE, 1, Some("+14155550100"), &mut rng);
    let mut bob = service.party(BOB, 3, None, &mut rng);
    alice.start_session(&bob, &mut rng);
    for i in 0..3 {
        let text = format!("alice {i}");
        let sealed = alice.seal_v1(&bob, text.as_bytes(), &mut rng);
        assert_eq!(sealed[0], 0x11);
        assert_eq!(
            bob.receive(&sealed, &roots, NOW, &mut rng).unwrap(),
            (alice.address.clone(), text.into_bytes())
        );
    }
    let reply = bob.seal_v1(&alice, b"bob", &mut rng);
    assert_eq!(
        alice.receive(&reply, &roots, NOW, &mut rng).unwrap().1,
        b"bob"
    );
    let sealed = alice.seal_v1(&bob, b"whisper now", &mut rng);
    let content = unseal(&sealed, &bob.local.key_pair).unwrap();
    assert_eq!(content.message_type(), CiphertextMessageType::Whisper);
    assert_eq!(content.sender().sender_e164(), Some("+14155550100"));

    let before = bob.sessions[&alice.address].to_state();
    let expired = Timestamp::from_millis(NOW.as_millis() + DAY + 1);
    assert!(matches!(
        bob.receive(&sealed, &roots, expired, &mut rng),
        Err(ReceiveError::Untrusted(ValidationError::Expired { .. }))
    ));
    assert!(matches!(
        bob.receive(&sealed, &[other], NOW, &mut rng),
        Err(ReceiveError::Untrusted(
            ValidationError::UntrustedServerCertificate(7)
        ))
    ));
    let mut tampered = sealed.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(
        bob.receive(&tampered, &roots, NOW, &mut rng),
        Err(ReceiveError::Unseal(
            UnsealError::V1ContentsDecryptionFailed
        ))
    );
    assert_eq!(*bob.sessions[&alice.address].to_state(), *before);
    assert_eq!(
        bob.receive(
            &sealed,
            &roots,
            Timestamp::from_millis(NOW.as_millis() + DAY),
            &mut rng
        )
        .unwrap()
        .1,
        b"whisper now"
    );
    // Replayed: the inner message is a duplicate, the session is unchanged.
    let after = bob.sessions[&alice.address].to_state();
    assert!(matches!(
        bob.receive(&sealed, &roots, NOW, &mut rng),
        Err(ReceiveError::Decrypt(
            DecryptError::DuplicatedMessage { .. }
        ))
    ));
    assert_eq!(*bob.sessions[&alice.address].to_state(), *after);
}

/// §7 step 3: our own device is refused by UUID or by phone number; another
/// device of the same account is not.
#[test]
fn self_send_is_refused() {
    let mut rng = StdRng::seed_from_u64(22);
    let service = Service::new(&mut rng);
    let roots = [service.root.public_key];
    let mut alice = service.party(ALICE, 1, Some("+14155550100"), &mut rng);
    let alice2 = service.party(ALICE, 2, None, &mut rng);
    alice.start_session(&alice2, &mut rng);
    let to_other_device = alice.seal_v1(&alice2, b"sync", &mut rng);
    let verify = |keys: &IdentityKeyPair, address: &ProtocolAddress, e164| {
        receive(
            &to_other_device,
            keys,
            &roots,
            NOW,
            LocalAccount { address, e164 },
        )
    };
    assert!(verify(&alice2.local.key_pair, &alice2.address, None).is_ok());
    // The same message, as if delivered to device 1 itself (same keys to
    // open it, our own address).
    let content = unseal(&to_other_device, &alice2.local.key_pair).unwrap();
    let own = ProtocolAddress::new(ALICE, DeviceId::new(1).unwrap());
    let me = LocalAccount {
        address: &own,
        e164: None,
    };
    assert_eq!(
        VerifiedContent::verify(content.clone(), &roots, NOW, me),
        Err(ReceiveError::SelfSend)
    );
    let renamed = ProtocolAddress::new(BOB, DeviceId::new(1).unwrap());
    let by_phone = LocalAccount {
        address: &renamed,
        e164: Some("+14155550100"),
    };
    assert_eq!(
        VerifiedContent::verify(content.clone(), &roots, NOW, by_phone),
        Err(ReceiveError::SelfSend)
    );
    let other_phone = LocalAccount {
        address: &renamed,
        e164: Some("+14155550101"),
    };
    assert!(VerifiedContent::verify(content, &roots, NOW, other_phone).is_ok());
}

/// §7 step 4: sender-key and plaintext contents are handed back, not
/// decrypted as 1:1 messages; an unknown built-in server certificate ID is
/// its own error.
#[test]
fn non_session_contents_and_unknown_server_ids() {
    let mut rng = StdRng::seed_from_u64(23);
    let service = Service::new(&mut rng);
    let roots = [service.root.public_key];
    let alice = service.party(ALICE, 1, None, &mut rng);
    let bob = service.party(BOB, 1, None, &mut rng);
    let me = LocalAccount {
        address: &bob.address,
        e164: None,
    };
    let content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::Plaintext,
        alice.certificate.clone(),
        vec![0xc0, 1, 0x80],
        ContentHint::Implicit,
        Some(vec![]),
    );
    let sealed = seal_v2_single(
        bob.local.key_pair.identity_key(),
        &content,
        &alice.local.key_pair,
        &mut rng,
    )
    .unwrap();
    let verified = receive(&sealed, &bob.local.key_pair, &roots, NOW, me).unwrap();
    assert_eq!(
        (
            verified.contents(),
            verified.content_hint(),
            verified.group_id()
        ),
        (&[0xc0, 1, 0x80][..], ContentHint::Implicit, None)
    );
    let mut record = SessionRecord::new();
    assert_eq!(
        verified
            .decrypt(
                &mut record,
                &bob.local,
                &bob.address,
                PreKeys::default(),
                &mut rng
            )
            .err(),
        Some(ReceiveError::UnexpectedMessageType(
            CiphertextMessageType::Plaintext
        ))
    );
    assert!(!record.has_current_state());

    let sender = alice.certificate.sender().clone();
    let by_id = SenderCertificate::new(
        sender,
        Timestamp::from_millis(NOW.as_millis() + DAY),
        Signer::BuiltIn(1234),
        &service.server_key.private_key,
        &mut rng,
    );
    let content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::SenderKey,
        by_id,
        vec![0x33],
        ContentHint::Default,
        None,
    );
    let sealed = seal_v1(
        bob.local.key_pair.identity_key(),
        &content,
        &alice.local.key_pair,
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        receive(&sealed, &bob.local.key_pair, &roots, NOW, me),
        Err(ReceiveError::UnknownServerCertificateId(1234))
    );
}

/// A recipient of the fan-out: account, (device, registration ID)s, bytes.
type Delivered = (ServiceId, Vec<(u32, u16)>, Vec<u8>);

/// v2 with sessions and a group: recipients built from session records
/// (consecutive devices of one account grouped, a reappearing account as a
/// second entry), one SentMessage, the server's fan-out, every device
/// decrypts the sender-key message; group ID and hint carried; excluded
/// members listed.
#[test]
fn v2_group_conversation() {
    let mut rng = StdRng::seed_from_u64(24);
    let service = Service::new(&mut rng);
    let roots = [service.root.public_key];
    let mut alice = service.party(ALICE, 1, None, &mut rng);
    let mut bob = service.party(BOB, 1, None, &mut rng);
    // Bob's second device shares his identity.
    let mut bob2 = service.party(BOB, 2, None, &mut rng);
    bob2.local.key_pair = bob.local.key_pair.clone();
    bob2.signed =
        SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob2.local.key_pair, &mut rng);
    bob2.kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &bob2.local.key_pair, &mut rng);
    let mut carol = service.party(CAROL, 5, None, &mut rng);
    for to in [&bob, &bob2, &carol] {
        alice.start_session(to, &mut rng);
    }
    // Alice's sender key, distributed over sealed 1:1 messages.
    let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap();
    let mut own = SenderKeyRecord::new();
    let skdm = groups::create_distribution_message(&mut own, group, &mut rng).unwrap();
    let mut member_keys = Vec::new();
    for member in [&mut bob, &mut bob2, &mut carol] {
        let sealed = alice.seal_v1(member, skdm.serialized(), &mut rng);
        let (from, plaintext) = member.receive(&sealed, &roots, NOW, &mut rng).unwrap();
        assert_eq!(from, alice.address);
        let mut record = SenderKeyRecord::new();
        groups::process_distribution_message(
            &mut record,
            &SenderKeyDistributionMessage::deserialize(&plaintext).unwrap(),
        );
        member_keys.push(record);
    }

    let excluded = ServiceId::parse("PNI:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee").unwrap();
    let group_id = vec![0x47; 32];
    for round in 0..3 {
        let text = format!("to the group {round}");
        let message = groups::group_encrypt(&mut own, group, text.as_bytes(), &mut rng).unwrap();
        let content = UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::SenderKey,
            alice.certificate.clone(),
            message.serialized().to_vec(),
            ContentHint::Implicit,
            Some(group_id.clone()),
        );
        let destinations = [
            (&bob.address, &alice.sessions[&bob.address]),
            (&carol.address, &alice.sessions[&carol.address]),
            (&bob2.address, &alice.sessions[&bob2.address]),
        ];
        let recipients = recipients_from_sessions(&destinations).unwrap();
        assert_eq!(recipients.len(), 3);
        let sent = seal_v2(
            &recipients,
            &[excluded],
            &content,
            &alice.local.key_pair,
            &mut rng,
        )
        .unwrap();
        assert_eq!(sent[..2], [0x23, 4]);
        let parsed = SentMessage::parse(&sent).unwrap();
        assert_eq!(parsed.excluded(), [excluded]);
        let fan_out: Vec<Delivered> = parsed
            .fan_out()
            .into_iter()
            .map(|(r, bytes)| {
                (
                    r.service_id(),
                    r.devices()
                        .iter()
                        .map(|d| (d.device_id.get(), d.registration_id))
                        .collect(),
                    bytes,
                )
            })
            .collect();
        assert_eq!(fan_out.len(), 2);
        assert_eq!(fan_out[0].0, ServiceId::parse(BOB).unwrap());
        assert_eq!(fan_out[0].1, [(1, 1001), (2, 1002)]);
        assert_eq!(fan_out[1].1, [(5, 1005)]);
        let deliveries = [
            (&bob, &fan_out[0].2, 0),
            (&bob2, &fan_out[0].2, 1),
            (&carol, &fan_out[1].2, 2),
        ];
        for (member, bytes, key_index) in deliveries {
            let me = LocalAccount {
                address: &member.address,
                e164: None,
            };
            let verified = receive(bytes, &member.local.key_pair, &roots, NOW, me).unwrap();
            assert_eq!(verified.sender_address(), alice.address);
            assert_eq!(
                (
                    verified.message_type(),
                    verified.content_hint(),
                    verified.group_id()
                ),
                (
                    CiphertextMessageType::SenderKey,
                    ContentHint::Implicit,
                    Some(&group_id[..])
                )
            );
            let record = &mut member_keys[key_index];
            assert_eq!(
                groups::group_decrypt(record, verified.contents()).unwrap(),
                text.as_bytes()
            );
        }
        // Carol's payload does not open for Bob.
        assert_eq!(
            unseal(&fan_out[1].2, &bob.local.key_pair),
            Err(UnsealError::V2EphemeralKeyMismatch)
        );
    }
}

/// `recipients_from_sessions` follows §6.4: only consecutive equal names are
/// grouped, a name that is not a service ID and a record without a session
/// are refused.
#[test]
fn recipients_from_sessions_rules() {
    let mut rng = StdRng::seed_from_u64(25);
    let service = Service::new(&mut rng);
    let mut alice = service.party(ALICE, 1, None, &mut rng);
    let bob = service.party(BOB, 42, None, &mut rng);
    let bob7 = service.party(BOB, 7, None, &mut rng);
    let carol = service.party(CAROL, 1, None, &mut rng);
    for to in [&bob, &bob7, &carol] {
        alice.start_session(to, &mut rng);
    }
    let s = &alice.sessions;
    let recipients = recipients_from_sessions(&[
        (&bob.address, &s[&bob.address]),
        (&carol.address, &s[&carol.address]),
        (&bob7.address, &s[&bob7.address]),
    ])
    .unwrap();
    let shape: Vec<(String, Vec<u32>)> = recipients
        .iter()
        .map(|r| {
            (
                r.service_id.to_string(),
                r.devices.iter().map(|d| d.device_id.get()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (BOB.to_string(), vec![42]),
            (CAROL.to_string(), vec![1]),
            (BOB.to_string(), vec![7])
        ]
    );
    assert_eq!(
        recipients[0].identity_key,
        *bob.local.key_pair.identity_key()
    );
    assert_eq!(recipients[0].devices[0].registration_id, 1042);
    let sent = seal_v2(
        &recipients,
        &[],
        &UnidentifiedSenderMessageContent::new(
            CiphertextMessageType::SenderKey,
            alice.certificate.clone(),
            vec![1],
            ContentHint::Default,
            None,
        ),
        &alice.local.key_pair,
        &mut rng,
    )
    .unwrap();
    assert_eq!(sent[1], 3);
    assert_eq!(SentMessage::parse(&sent).unwrap().recipients().len(), 2);

    let named = ProtocolAddress::new("bob", DeviceId::new(1).unwrap());
    assert_eq!(
        recipients_from_sessions(&[(&named, &s[&bob.address])]),
        Err(SealError::InvalidServiceId("bob".into()))
    );
    let empty = SessionRecord::new();
    assert_eq!(
        recipients_from_sessions(&[(&bob.address, &empty)]),
        Err(SealError::SessionNotFound(bob.address.clone()))
    );
}
