//! Group messages (sender keys) and sealed sender: the scenarios
//! `interop/bench-libsignal.mjs` also times on libsignal.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hush::address::ServiceId;
use hush::address::{DeviceId, ProtocolAddress};
use hush::groups::{
    create_distribution_message, group_decrypt, group_encrypt, process_distribution_message,
    DistributionId, SenderKeyRecord,
};
use hush::keys::*;
use hush::messages::CiphertextMessageType;
use hush::sealed_sender::{
    receive, recipients_from_sessions, seal_v1, seal_v2, seal_v2_parallel, ContentHint,
    LocalAccount, Recipient, RecipientDevice, Sender, SenderCertificate, SentMessage,
    ServerCertificate, Signer, UnidentifiedSenderMessageContent,
};
use hush::session::{Addresses, LocalIdentity, SessionRecord};
use rand::{rngs::StdRng, SeedableRng};

const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);
/// Recipients of the multi-recipient (v2) scenario, one device each.
const V2_RECIPIENTS: usize = 10;

fn address(i: usize) -> ProtocolAddress {
    ProtocolAddress::new(
        format!("{i:08x}-0000-4000-8000-{i:012x}"),
        DeviceId::new(1).unwrap(),
    )
}

fn groups(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(2);
    let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap();
    let plaintext = vec![0x42u8; 160];
    let mut sender = SenderKeyRecord::new();
    let mut receiver = SenderKeyRecord::new();
    process_distribution_message(
        &mut receiver,
        &create_distribution_message(&mut sender, group, &mut rng).unwrap(),
    );

    c.bench_function("group/encrypt_160B", |b| {
        b.iter(|| group_encrypt(&mut sender, group, &plaintext, &mut rng).unwrap())
    });
    c.bench_function("group/decrypt_160B_in_order", |b| {
        // A receiver that is fresh for this benchmark and kept in step with
        // the sender, so no skipped keys pile up.
        let mut sender = SenderKeyRecord::new();
        let mut receiver = SenderKeyRecord::new();
        process_distribution_message(
            &mut receiver,
            &create_distribution_message(&mut sender, group, &mut rng).unwrap(),
        );
        b.iter_batched(
            || group_encrypt(&mut sender, group, &plaintext, &mut rng).unwrap(),
            |message| group_decrypt(&mut receiver, message.serialized()).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

fn sealed_sender(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let trust_root = KeyPair::generate(&mut rng);
    let server_key = KeyPair::generate(&mut rng);
    let server =
        ServerCertificate::new(1, &server_key.public_key, &trust_root.private_key, &mut rng);
    let alice = LocalIdentity {
        key_pair: IdentityKeyPair::generate(&mut rng),
        registration_id: 1,
    };
    let alice_addr = address(0);
    let expires = Timestamp::from_millis(NOW.as_millis() + 24 * 3600 * 1000);
    let sender = Sender {
        uuid: alice_addr.name().into(),
        e164: None,
        device_id: alice_addr.device_id(),
        identity_key: *alice.key_pair.identity_key(),
    };
    let certificate = SenderCertificate::new(
        sender,
        expires,
        Signer::Embedded(server),
        &server_key.private_key,
        &mut rng,
    );

    // Alice has a session with each recipient; recipient 1 is "Bob".
    let recipients: Vec<(ProtocolAddress, LocalIdentity, SessionRecord)> = (1..=V2_RECIPIENTS)
        .map(|i| {
            let local = LocalIdentity {
                key_pair: IdentityKeyPair::generate(&mut rng),
                registration_id: i as u32 + 1,
            };
            let signed =
                SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &local.key_pair, &mut rng);
            let kyber =
                KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &local.key_pair, &mut rng);
            let addr = address(i);
            let bundle = PreKeyBundle::from_records(
                local.registration_id,
                addr.device_id(),
                *local.key_pair.identity_key(),
                &signed,
                &kyber,
                None,
            );
            let mut record = SessionRecord::new();
            record
                .initiate(&bundle.verify().unwrap(), &alice, NOW, &mut rng)
                .unwrap();
            (addr, local, record)
        })
        .collect();
    let (bob_addr, bob, bob_record) = &recipients[0];

    // v1: a 1:1 message (160-byte body) sealed to Bob.
    let mut to_bob = bob_record.clone();
    let inner = to_bob
        .encrypt(
            &[0x42; 160],
            Addresses {
                local: &alice_addr,
                remote: bob_addr,
            },
            NOW,
            &mut rng,
        )
        .unwrap();
    let content = UnidentifiedSenderMessageContent::from_message(
        &inner,
        certificate.clone(),
        ContentHint::Default,
        None,
    );
    c.bench_function("sealed_sender/v1_seal", |b| {
        b.iter(|| {
            seal_v1(
                bob.key_pair.identity_key(),
                &content,
                &alice.key_pair,
                &mut rng,
            )
            .unwrap()
        })
    });
    let sealed = seal_v1(
        bob.key_pair.identity_key(),
        &content,
        &alice.key_pair,
        &mut rng,
    )
    .unwrap();
    let bob_account = LocalAccount {
        address: bob_addr,
        e164: None,
    };
    c.bench_function("sealed_sender/v1_unseal_and_validate", |b| {
        b.iter(|| {
            receive(
                &sealed,
                &bob.key_pair,
                &[trust_root.public_key],
                NOW,
                bob_account,
            )
            .unwrap()
        })
    });

    // v2: a group message (160-byte body) sealed once for all recipients.
    let group: DistributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap();
    let mut sender_key = SenderKeyRecord::new();
    create_distribution_message(&mut sender_key, group, &mut rng).unwrap();
    let group_message = group_encrypt(&mut sender_key, group, &[0x42; 160], &mut rng).unwrap();
    let content = UnidentifiedSenderMessageContent::new(
        CiphertextMessageType::SenderKey,
        certificate,
        group_message.serialized().to_vec(),
        ContentHint::Default,
        None,
    );
    let sessions: Vec<(&ProtocolAddress, &SessionRecord)> =
        recipients.iter().map(|(a, _, r)| (a, r)).collect();
    let destinations = recipients_from_sessions(&sessions).unwrap();
    c.bench_function("sealed_sender/v2_seal_10_recipients", |b| {
        b.iter(|| seal_v2(&destinations, &[], &content, &alice.key_pair, &mut rng).unwrap())
    });
    // Multi-recipient sealing at 1 to 1 000 recipients (one device each),
    // on one thread and spread over two.
    for n in [1usize, 10, 100, 1_000] {
        let many: Vec<Recipient> = (1..=n)
            .map(|i| Recipient {
                service_id: ServiceId::parse(address(i).name()).unwrap(),
                identity_key: *IdentityKeyPair::generate(&mut rng).identity_key(),
                devices: vec![RecipientDevice {
                    device_id: DeviceId::new(1).unwrap(),
                    registration_id: (i % 0x3FFF) as u32 + 1,
                }],
            })
            .collect();
        let mut group = c.benchmark_group(format!("sealed_sender/v2_seal/{n}"));
        if n == 1_000 {
            group.sample_size(10);
        }
        group.bench_function("1_thread", |b| {
            b.iter(|| seal_v2(&many, &[], &content, &alice.key_pair, &mut rng).unwrap())
        });
        group.bench_function("2_threads", |b| {
            b.iter(|| seal_v2_parallel(&many, &[], &content, &alice.key_pair, 2, &mut rng).unwrap())
        });
        group.finish();
    }
    let uploaded = seal_v2(&destinations, &[], &content, &alice.key_pair, &mut rng).unwrap();
    let sent = SentMessage::parse(&uploaded).unwrap();
    let (_, for_bob) = sent
        .fan_out()
        .into_iter()
        .find(|(r, _)| r.service_id().to_string() == bob_addr.name())
        .unwrap();
    c.bench_function("sealed_sender/v2_unseal_and_validate", |b| {
        b.iter(|| {
            receive(
                &for_bob,
                &bob.key_pair,
                &[trust_root.public_key],
                NOW,
                bob_account,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, groups, sealed_sender);
criterion_main!(benches);
