//! Property tests for sealed sender.
//!
//! * Failure atomicity: over random schedules of sealed v1 (1:1) and v2
//!   (sender-key) messages delivered in any order, duplicated, and with
//!   flipped bits, truncations or extensions, every failed receive leaves
//!   the receiver's session record and sender-key record byte-identical,
//!   a tampered message never yields anything but the original plaintext,
//!   and every message is accepted at most once.
//! * v2 round trip: for random recipient sets (repeated, split accounts,
//!   excluded members, registration IDs up to 0x3FFF) the SentMessage
//!   parses back into exactly the merged recipients, and each fan-out
//!   payload opens for its recipient only.
//! * Parser totality: arbitrary bytes never panic any sealed-sender parser.

use hush::address::{DeviceId, ProtocolAddress, ServiceId, ServiceIdKind};
use hush::groups::{self, DistributionId, SenderKeyDistributionMessage, SenderKeyRecord};
use hush::keys::*;
use hush::messages::CiphertextMessageType;
use hush::sealed_sender::*;
use hush::session::{Addresses, LocalIdentity, PreKeys, SessionRecord};
use proptest::prelude::*;
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const ALICE: &str = "9d0652a3-dcc3-4d11-975f-74d61598733f";
const BOB: &str = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

#[derive(Debug, Clone)]
enum Tamper {
    None,
    Flip { position: usize, bit: u8 },
    Truncate { keep: usize },
    Extend { byte: u8 },
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        3 => Just(Tamper::None),
        4 => (any::<usize>(), 0u8..8).prop_map(|(position, bit)| Tamper::Flip { position, bit }),
        1 => any::<usize>().prop_map(|keep| Tamper::Truncate { keep }),
        1 => any::<u8>().prop_map(|byte| Tamper::Extend { byte }),
    ]
}

impl Tamper {
    fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        match *self {
            Tamper::None => {}
            Tamper::Flip { position, bit } => out[position % bytes.len()] ^= 1 << bit,
            Tamper::Truncate { keep } => out.truncate(keep % bytes.len()),
            Tamper::Extend { byte } => out.push(byte),
        }
        out
    }
}

struct World {
    rng: StdRng,
    root: PublicKey,
    alice: LocalIdentity,
    alice_addr: ProtocolAddress,
    certificate: SenderCertificate,
    alice_session: SessionRecord,
    alice_group: SenderKeyRecord,
    bob: LocalIdentity,
    bob_addr: ProtocolAddress,
    bob_signed: SignedPreKeyRecord,
    bob_kyber: KyberPreKeyRecord,
    bob_session: SessionRecord,
    bob_group: SenderKeyRecord,
    group: DistributionId,
}

impl World {
    fn new(seed: u64, acknowledged: bool) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let root = KeyPair::generate(&mut rng);
        let server_key = KeyPair::generate(&mut rng);
        let server = ServerCertificate::new(1, &server_key.public_key, &root.private_key, &mut rng);
        let alice = LocalIdentity {
            key_pair: IdentityKeyPair::generate(&mut rng),
            registration_id: 11,
        };
        let bob = LocalIdentity {
            key_pair: IdentityKeyPair::generate(&mut rng),
            registration_id: 22,
        };
        let alice_addr = ProtocolAddress::new(ALICE, DeviceId::new(1).unwrap());
        let bob_addr = ProtocolAddress::new(BOB, DeviceId::new(1).unwrap());
        let sender = Sender {
            uuid: ALICE.into(),
            e164: None,
            device_id: alice_addr.device_id(),
            identity_key: *alice.key_pair.identity_key(),
        };
        let certificate = SenderCertificate::new(
            sender,
            Timestamp::from_millis(u64::MAX),
            Signer::Embedded(server),
            &server_key.private_key,
            &mut rng,
        );
        let bob_signed =
            SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &bob.key_pair, &mut rng);
        let bob_kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &bob.key_pair, &mut rng);
        let bundle = PreKeyBundle {
            registration_id: 22,
            device_id: bob_addr.device_id(),
            pre_key: None,
            signed_pre_key_id: bob_signed.id(),
            signed_pre_key_public: *bob_signed.public_key(),
            signed_pre_key_signature: bob_signed.signature().to_vec(),
            kyber_pre_key_id: bob_kyber.id(),
            kyber_pre_key_public: bob_kyber.public_key().clone(),
            kyber_pre_key_signature: bob_kyber.signature().to_vec(),
            identity_key: *bob.key_pair.identity_key(),
        };
        let mut alice_session = SessionRecord::new();
        alice_session
            .initiate(&bundle.verify().unwrap(), &alice, NOW, &mut rng)
            .unwrap();
        let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap();
        let mut alice_group = SenderKeyRecord::new();
        let skdm = groups::create_distribution_message(&mut alice_group, group, &mut rng).unwrap();
        let mut bob_group = SenderKeyRecord::new();
        groups::process_distribution_message(
            &mut bob_group,
            &SenderKeyDistributionMessage::deserialize(skdm.serialized()).unwrap(),
        );
        let mut world = Self {
            rng,
            root: root.public_key,
            alice,
            alice_addr,
            certificate,
            alice_session,
            alice_group,
            bob,
            bob_addr,
            bob_signed,
            bob_kyber,
            bob_session: SessionRecord::new(),
            bob_group,
            group,
        };
        if acknowledged {
            // One sealed message and an unsealed reply: Alice then sends
            // Whisper messages.
            let (first, _) = world.send(false, b"hello");
            world.receive(&first).unwrap();
            let to_alice = Addresses {
                local: &world.bob_addr,
                remote: &world.alice_addr,
            };
            let reply = world
                .bob_session
                .encrypt(b"ack", to_alice, NOW, &mut world.rng)
                .unwrap();
            let hush::messages::CiphertextMessage::Whisper(reply) = reply else {
                panic!("Bob replies with a SignalMessage")
            };
            let to_bob = Addresses {
                local: &world.alice_addr,
                remote: &world.bob_addr,
            };
            world
                .alice_session
                .decrypt(&reply, to_bob, &mut world.rng)
                .unwrap();
        }
        world
    }

    /// Alice seals a message to Bob: v1 over the session, or v2 over the
    /// group (through the server's fan-out).
    fn send(&mut self, group: bool, text: &[u8]) -> (Vec<u8>, CiphertextMessageType) {
        if group {
            let message =
                groups::group_encrypt(&mut self.alice_group, self.group, text, &mut self.rng)
                    .unwrap();
            let content = UnidentifiedSenderMessageContent::new(
                CiphertextMessageType::SenderKey,
                self.certificate.clone(),
                message.serialized().to_vec(),
                ContentHint::Resendable,
                Some(vec![1, 2, 3]),
            );
            let recipients =
                recipients_from_sessions(&[(&self.bob_addr, &self.alice_session)]).unwrap();
            let sent = seal_v2(
                &recipients,
                &[],
                &content,
                &self.alice.key_pair,
                &mut self.rng,
            )
            .unwrap();
            let parsed = SentMessage::parse(&sent).unwrap();
            (
                parsed.received_message(&parsed.recipients()[0]),
                CiphertextMessageType::SenderKey,
            )
        } else {
            let to_bob = Addresses {
                local: &self.alice_addr,
                remote: &self.bob_addr,
            };
            let inner = self
                .alice_session
                .encrypt(text, to_bob, NOW, &mut self.rng)
                .unwrap();
            let kind = inner.message_type();
            let content = UnidentifiedSenderMessageContent::from_message(
                &inner,
                self.certificate.clone(),
                ContentHint::Default,
                None,
            );
            (
                seal_v1(
                    self.bob.key_pair.identity_key(),
                    &content,
                    &self.alice.key_pair,
                    &mut self.rng,
                )
                .unwrap(),
                kind,
            )
        }
    }

    /// Bob's whole receive path; commits only on success.
    fn receive(&mut self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let me = LocalAccount {
            address: &self.bob_addr,
            e164: None,
        };
        let verified =
            receive(bytes, &self.bob.key_pair, &[self.root], NOW, me).map_err(|e| e.to_string())?;
        assert_eq!(verified.sender_address(), self.alice_addr);
        if verified.message_type() == CiphertextMessageType::SenderKey {
            return groups::group_decrypt(&mut self.bob_group, verified.contents())
                .map_err(|e| e.to_string());
        }
        let pre_keys = PreKeys {
            signed: Some(&self.bob_signed),
            kyber: Some(&self.bob_kyber),
            one_time: None,
        };
        let out = verified
            .decrypt(
                &mut self.bob_session,
                &self.bob,
                &self.bob_addr,
                pre_keys,
                &mut self.rng,
            )
            .map_err(|e| e.to_string())?;
        Ok(out.plaintext)
    }

    fn bob_state(&self) -> (Vec<u8>, Vec<u8>) {
        (
            self.bob_session.to_state().to_vec(),
            self.bob_group.to_state().to_vec(),
        )
    }
}

#[derive(Debug, Clone)]
struct Delivery {
    pick: usize,
    tamper: Tamper,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn failed_receives_change_nothing(
        seed in any::<u64>(),
        acknowledged in any::<bool>(),
        kinds in prop::collection::vec(any::<bool>(), 1..10),
        deliveries in prop::collection::vec((any::<usize>(), tamper()).prop_map(|(pick, tamper)| Delivery { pick, tamper }), 1..30),
    ) {
        let mut world = World::new(seed, acknowledged);
        let sent: Vec<(Vec<u8>, Vec<u8>)> = kinds
            .iter()
            .enumerate()
            .map(|(i, &group)| {
                let text = format!("message {i}").into_bytes();
                (world.send(group, &text).0, text)
            })
            .collect();
        let mut delivered = vec![false; sent.len()];
        for delivery in &deliveries {
            let index = delivery.pick % sent.len();
            let (bytes, text) = &sent[index];
            let wire = delivery.tamper.apply(bytes);
            let before = world.bob_state();
            match world.receive(&wire) {
                Ok(plaintext) => {
                    prop_assert_eq!(&plaintext, text);
                    prop_assert!(!delivered[index], "message {} accepted twice", index);
                    delivered[index] = true;
                }
                Err(reason) => {
                    prop_assert_eq!(&before, &world.bob_state(), "failed receive ({}) changed state", reason);
                    if wire == *bytes {
                        prop_assert!(delivered[index], "untampered message {} refused: {}", index, reason);
                    }
                }
            }
        }
        // Everything not yet delivered still decrypts, in order.
        for (index, (bytes, text)) in sent.iter().enumerate() {
            if !delivered[index] {
                let plaintext = world.receive(bytes);
                prop_assert_eq!(plaintext.as_ref(), Ok(text), "message {}", index);
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Destination {
    account: usize,
    devices: Vec<(u32, u32)>,
}

fn destination() -> impl Strategy<Value = Destination> {
    (
        0usize..4,
        prop::collection::vec((1u32..=127, 0u32..=0x3FFF), 1..4),
    )
        .prop_map(|(account, devices)| Destination { account, devices })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn v2_sent_message_round_trip(
        seed in any::<u64>(),
        destinations in prop::collection::vec(destination(), 0..6),
        excluded in prop::collection::btree_set(4u8..8, 0..3),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let accounts: Vec<(ServiceId, IdentityKeyPair)> = (0..4u8)
            .map(|i| (ServiceId::new(if i % 2 == 0 { ServiceIdKind::Aci } else { ServiceIdKind::Pni }, [i; 16]), IdentityKeyPair::generate(&mut rng)))
            .collect();
        let sender = IdentityKeyPair::generate(&mut rng);
        let server_key = KeyPair::generate(&mut rng);
        let server = ServerCertificate::new(1, &server_key.public_key, &KeyPair::generate(&mut rng).private_key, &mut rng);
        let who = Sender { uuid: ALICE.into(), e164: None, device_id: DeviceId::new(1).unwrap(), identity_key: *sender.identity_key() };
        let certificate = SenderCertificate::new(who, NOW, Signer::Embedded(server), &server_key.private_key, &mut rng);
        let content = UnidentifiedSenderMessageContent::new(CiphertextMessageType::SenderKey, certificate, payload, ContentHint::Default, None);
        let recipients: Vec<Recipient> = destinations
            .iter()
            .map(|d| Recipient {
                service_id: accounts[d.account].0,
                identity_key: *accounts[d.account].1.identity_key(),
                devices: d.devices.iter().map(|&(id, registration_id)| RecipientDevice { device_id: DeviceId::new(id).unwrap(), registration_id }).collect(),
            })
            .collect();
        let excluded: Vec<ServiceId> = excluded.iter().map(|&i| ServiceId::new(ServiceIdKind::Aci, [i; 16])).collect();
        let sent = seal_v2(&recipients, &excluded, &content, &sender, &mut rng).unwrap();
        let parsed = SentMessage::parse(&sent).unwrap();
        prop_assert_eq!(parsed.excluded(), excluded.as_slice());
        // Expected: accounts in order of first appearance, devices appended.
        let mut expected: Vec<(ServiceId, Vec<(u32, u16)>)> = Vec::new();
        for d in &destinations {
            let id = accounts[d.account].0;
            let devices = d.devices.iter().map(|&(device, reg)| (device, reg as u16));
            match expected.iter_mut().find(|(s, _)| *s == id) {
                Some((_, list)) => list.extend(devices),
                None => expected.push((id, devices.collect())),
            }
        }
        let got: Vec<(ServiceId, Vec<(u32, u16)>)> = parsed
            .recipients()
            .iter()
            .map(|r| (r.service_id(), r.devices().iter().map(|d| (d.device_id.get(), d.registration_id)).collect()))
            .collect();
        prop_assert_eq!(&got, &expected);
        for (recipient, bytes) in parsed.fan_out() {
            let (_, keys) = accounts.iter().find(|(s, _)| *s == recipient.service_id()).unwrap();
            prop_assert_eq!(&unseal(&bytes, keys).unwrap(), &content);
            for (other, other_keys) in &accounts {
                if *other != recipient.service_id() {
                    prop_assert_eq!(unseal(&bytes, other_keys), Err(UnsealError::V2EphemeralKeyMismatch));
                }
            }
        }
    }

    #[test]
    fn parsers_are_total(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let keys = IdentityKeyPair::from(PrivateKey::deserialize(&[7; 32]).unwrap());
        let _ = unseal(&data, &keys);
        if let Ok(parsed) = SentMessage::parse(&data) {
            for (_, bytes) in parsed.fan_out() {
                prop_assert_eq!(bytes[0], 0x22);
            }
        }
        if let Ok(c) = UnidentifiedSenderMessageContent::deserialize(&data) {
            prop_assert_eq!(c.serialized(), data.as_slice());
        }
        if let Ok(c) = SenderCertificate::deserialize(&data) {
            prop_assert_eq!(c.serialized(), data.as_slice());
        }
        if let Ok(c) = ServerCertificate::deserialize(&data) {
            prop_assert_eq!(c.serialized(), data.as_slice());
        }
    }
}
