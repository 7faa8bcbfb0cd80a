//! The known-answer tests of sealed-sender.md §9 (keys §9.1, certificates
//! and content §9.2, v1 §9.3, v2 §9.4), plus the version dispatch of §4.

use super::*;
use crate::address::{DeviceId, ServiceId};
use crate::keys::{IdentityKey, IdentityKeyPair, KeyError, KeyPair, PrivateKey, Timestamp};
use crate::messages::CiphertextMessageType;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn key(byte: u8) -> PrivateKey {
    PrivateKey::deserialize(&[byte; 32]).unwrap()
}

fn recipient() -> IdentityKeyPair {
    key(0x21).into()
}

fn sender() -> IdentityKeyPair {
    key(0x22).into()
}

fn trust_root() -> PublicKey {
    key(0x31).public_key()
}

use crate::keys::PublicKey;

const CONTENT: &str = concat!(
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

const V1_MESSAGE: &str = concat!(
    "110a21059a4503a98ab10fe8d354c9c42cbd0c9d7944f52e7d14d8ea59775e7d",
    "c9e3bf4b122b6179a769d656c02471cba62ca7b77cf442b235548c2233952fb3",
    "613a61490e990a9adcf793e004f32be67e1a9702b399ddacdd2d40f3bfb1b3e4",
    "891129ba7d9ba33e0671bb383f19c16328ab6662c4e9ece862ca92c4bdf56320",
    "841ad58f10d6cc1c59b377ffdb19673f94ac109734f35a613f8a3b3a47992112",
    "812e9a35c856d29b83bd3fb653dfbd007f943b9df79d66bcfdfbdf0b727e9503",
    "966eb684a2922330404ac5002347d862bdefda80bc0969c267b454dc2d0ec92a",
    "5910116c38fecc3f1e07d5c8cf05dc428109450aafd38f6d8216f7ccf52c736b",
    "8ce00656c49e95f771be10ede7e41d93ffb63643ef73d27dc81c5de0962ef919",
    "b755bf271775a8b9b039f6f1559f4c1cf7ceb15daf655e8e50f148db202fc879",
    "e3bf7a0bc306aa6d19f3b6367a495120fe42416492356037025a63a6d2be3fbe",
    "08174ca566113ecff772e8"
);

const V2_RECEIVED: &str = concat!(
    "22de7a88efad3727eb478668e600662903b3cac8e3174daf93d12a7cb5974ec0",
    "c4964192941c56eaefdb3ca380b37a70b33ef387eca8d19edd718118c1d39911",
    "c529e9f03b7765a4ccc5b3f3392609ce6dd005e6a43465018c6cafbde264640f",
    "8740215a876d2d4ea57baefd74b978132a1f5f773e5d6b16c4ac06e6e5a057fc",
    "b1bebe84cbbbc980300f45ef1bba35f4e7038a2842ff544a7a6414392e3f3d11",
    "653869781ec9b7a2b7af7c0221b4bd2a7086ff848afb86e5b21ba357244fb823",
    "c77d36c4d26192e3f2f15de095a4aee640fa9996d6176b60123738d8172ddad0",
    "7d23b6273d930ae9b5be7c4d6e8bf38f25542201b6d3a74ab9271b7be49a0ccf",
    "c9b844b212db4170949b644bd219540b8327bb4c974fd982bc5000ba3cb09d79",
    "0bf6fe1c0d58163d0cf89fc32ed818ca5c08c937358f7af5e5a4c66c74e1a3d9",
    "1227daa50b36e983162da4f3c5369e2819a7d9c84afaabc89be4a809a79c18c8",
    "1811c3c9f21964127db1bcd83c8d"
);

const V2_SENT_HEADER: &str = concat!(
    "230200796abedbca4e4f1888031fde5b921f9f019234020005de7a88efad3727",
    "eb478668e600662903b3cac8e3174daf93d12a7cb5974ec0c4964192941c56ea",
    "efdb3ca380b37a70b301aaaaaaaabbbb4ccc8dddeeeeeeeeeeee003ef387eca8",
    "d19edd718118c1d39911c529e9f03b7765a4ccc5b3f3392609ce6d"
);

fn content() -> UnidentifiedSenderMessageContent {
    UnidentifiedSenderMessageContent::deserialize(&hex(CONTENT)).unwrap()
}

/// §9.1: the clamped private keys give the listed public keys.
#[test]
fn spec_keys() {
    for (byte, private, public) in [
        (
            0x21,
            "2021212121212121212121212121212121212121212121212121212121212161",
            "057d34a4815fa6b982535e60af3bd9b49556816080f1641ff81d2b7c8ae8268a44",
        ),
        (
            0x22,
            "2022222222222222222222222222222222222222222222222222222222222262",
            "050faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20",
        ),
        (
            0x23,
            "2023232323232323232323232323232323232323232323232323232323232363",
            "059a4503a98ab10fe8d354c9c42cbd0c9d7944f52e7d14d8ea59775e7dc9e3bf4b",
        ),
        (
            0x31,
            "3031313131313131313131313131313131313131313131313131313131313171",
            "0504f5f29162c31a8defa18e6e742224ee806fc1718a278be859ba5620402b8f3a",
        ),
        (
            0x32,
            "3032323232323232323232323232323232323232323232323232323232323272",
            "0559d9225473451efffe6b36dbcaefdbf7b1895de62084509a7f5b58bf01d06418",
        ),
    ] {
        assert_eq!(key(byte).serialize().to_vec(), hex(private));
        assert_eq!(key(byte).public_key().serialize().to_vec(), hex(public));
    }
}

/// §9.2: the content's certificate validates at its expiry, not after.
#[test]
fn spec_content_certificate() {
    let content = content();
    assert_eq!(content.serialized(), hex(CONTENT).as_slice());
    let cert = content.sender();
    assert_eq!(cert.identity_key(), sender().identity_key());
    assert!(cert
        .validate(&[trust_root()], Timestamp::from_millis(2_000_000_000_000))
        .is_ok());
    assert!(cert
        .validate(&[trust_root()], Timestamp::from_millis(2_000_000_000_001))
        .is_err());
}

/// §9.3: every intermediate value of v1, then the whole message both ways.
#[test]
fn spec_v1() {
    let r = recipient();
    let s = sender();
    let e = KeyPair::from_private(key(0x23));
    assert_eq!(
        e.private_key
            .agree(r.identity_key().public_key())
            .unwrap()
            .to_vec(),
        hex("60ab54716cc2de47a97dd644d8629f75445629bb85374dadc95dd9194c4e0c2d")
    );
    let salt1 = [
        v1::SALT_PREFIX,
        &r.identity_key().serialize(),
        &e.public_key.serialize(),
    ]
    .concat();
    assert_eq!(
        salt1,
        hex("556e6964656e74696669656444656c6976657279057d34a4815fa6b982535e60af3bd9b49556816080f1641ff81d2b7c8ae8268a44059a4503a98ab10fe8d354c9c42cbd0c9d7944f52e7d14d8ea59775e7dc9e3bf4b")
    );
    let first = v1::stage(&[&salt1], &e.private_key, r.identity_key().public_key()).unwrap();
    assert_eq!(
        first.chain.to_vec(),
        hex("0a8969e55837eebb84feea86cc44e5078b19b9fae8b1d511d962596e0155cf30")
    );
    assert_eq!(
        first.cipher.to_vec(),
        hex("5307253ad34a4f2c5e331b816b0e078aa2d34b938dd53c3becbd82a5c9e120d3")
    );
    assert_eq!(
        first.mac.to_vec(),
        hex("6bc463057bf39a16148c7f1c3a1fdd9a22e2f41ee88f51a13981f4a780501702")
    );
    let encrypted_static =
        v1::ctr_hmac_seal(&first.cipher, &first.mac, &s.identity_key().serialize()).unwrap();
    assert_eq!(encrypted_static, hex("6179a769d656c02471cba62ca7b77cf442b235548c2233952fb3613a61490e990a9adcf793e004f32be67e"));
    assert_eq!(
        s.private_key()
            .agree(r.identity_key().public_key())
            .unwrap()
            .to_vec(),
        hex("5b85b79b0f56b4d39cc70dcad9f21744831d02807ebb01f0f766818edff5733f")
    );
    let second = v1::stage(
        &[&first.chain[..], &encrypted_static],
        s.private_key(),
        r.identity_key().public_key(),
    )
    .unwrap();
    assert_eq!(
        second.cipher.to_vec(),
        hex("7c21e8220515068f06d2c3c40913d76e939ce5aa517167342cd51887a6edb9cb")
    );
    assert_eq!(
        second.mac.to_vec(),
        hex("f6d6c4f5899b9581fdf40b5ae1b6d66c22edf6115efc6c747dc8d8a5faea6cfa")
    );
    let sample = v1::ctr_hmac_seal(
        &second.cipher,
        &second.mac,
        &hex("00112233445566778899aabbccddeeff0011"),
    )
    .unwrap();
    assert_eq!(
        sample,
        hex("bb80ed1b9b7299852729005f65866e947c8a1f12485db87b54ed59c6")
    );
    assert_eq!(
        v1::ctr_hmac_open(&second.cipher, &second.mac, &sample)
            .unwrap()
            .to_vec(),
        hex("00112233445566778899aabbccddeeff0011")
    );
    assert!(v1::ctr_hmac_open(&second.cipher, &second.mac, &sample[..9]).is_none());

    let sealed = v1::seal_with_ephemeral(r.identity_key(), &content(), &s, &e).unwrap();
    assert_eq!(sealed.len(), 363);
    assert_eq!(sealed, hex(V1_MESSAGE));
    assert_eq!(unseal(&hex(V1_MESSAGE), &r).unwrap(), content());
}

/// §9.4: every intermediate value of v2, the ReceivedMessage both ways,
/// and the SentMessage: made byte for byte, parsed, fanned out.
#[test]
fn spec_v2() {
    let r = recipient();
    let s = sender();
    let m = [0x24u8; 32];
    let keys = v2::derive(&m).unwrap();
    assert_eq!(
        hkdf::<32>(None, &[&m], b"Sealed Sender v2: r (2023-08)").to_vec(),
        hex("f1b7f5a79aabf33f6609222cf275947c60087078c423df8028db324fbc33103f")
    );
    assert_eq!(
        keys.ephemeral.private_key.serialize().to_vec(),
        hex("f0b7f5a79aabf33f6609222cf275947c60087078c423df8028db324fbc33107f")
    );
    assert_eq!(
        keys.ephemeral.public_key.serialize().to_vec(),
        hex("053ef387eca8d19edd718118c1d39911c529e9f03b7765a4ccc5b3f3392609ce6d")
    );
    assert_eq!(
        keys.payload_key.to_vec(),
        hex("ce00d80680b96e4a2732b84bb85a9c28283ef1d6719aaad38f7d282aca0f7674")
    );
    let dh = keys
        .ephemeral
        .private_key
        .agree(r.identity_key().public_key())
        .unwrap();
    assert_eq!(
        dh.to_vec(),
        hex("faa20d9f77e50860d313e308de8f55f925ae7602470fadf21932441430d02831")
    );
    let wrap = v2::wrapping_key(&dh, &keys.ephemeral.public_key, r.identity_key());
    assert_eq!(
        wrap.to_vec(),
        hex("fa5eaccb891303cf63a24cc224420d2797eeecc733698bb7f50e5891b36ae4e0")
    );
    let material = v2::key_material(&keys, &m, r.identity_key(), &s).unwrap();
    assert_eq!(
        material[..32],
        hex("de7a88efad3727eb478668e600662903b3cac8e3174daf93d12a7cb5974ec0c4")
    );
    assert_eq!(material[32..], hex("964192941c56eaefdb3ca380b37a70b3"));

    let received = v2::seal_v2_single_with_secret(r.identity_key(), &content(), &s, &m).unwrap();
    assert_eq!(received.len(), 366);
    assert_eq!(received, hex(V2_RECEIVED));
    assert_eq!(unseal(&received, &r).unwrap(), content());

    let bob = ServiceId::parse("796abedb-ca4e-4f18-8803-1fde5b921f9f").unwrap();
    let excluded = ServiceId::parse("PNI:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee").unwrap();
    let recipients = [Recipient {
        service_id: bob,
        identity_key: *r.identity_key(),
        devices: vec![
            RecipientDevice {
                device_id: DeviceId::new(1).unwrap(),
                registration_id: 0x1234,
            },
            RecipientDevice {
                device_id: DeviceId::new(2).unwrap(),
                registration_id: 5,
            },
        ],
    }];
    let sent = v2::seal_v2_with_secret(&recipients, &[excluded], &content(), &s, &m, 1).unwrap();
    let expected = [hex(V2_SENT_HEADER), hex(V2_RECEIVED)[81..].to_vec()].concat();
    assert_eq!(sent, expected);

    let parsed = SentMessage::parse(&sent).unwrap();
    assert_eq!(parsed.version(), 0x23);
    assert_eq!(parsed.excluded(), [excluded]);
    let [only] = parsed.recipients() else {
        panic!("one recipient")
    };
    assert_eq!(only.service_id(), bob);
    let devices: Vec<(u32, u16)> = only
        .devices()
        .iter()
        .map(|d| (d.device_id.get(), d.registration_id))
        .collect();
    assert_eq!(devices, [(1, 0x1234), (2, 5)]);
    assert_eq!(parsed.received_message(only), received);
    assert_eq!(parsed.fan_out(), vec![(only, received)]);
}

/// §4: dispatch on the high nibble, and the errors for empty input and
/// other versions.
#[test]
fn version_dispatch() {
    let r = recipient();
    let mut v1 = hex(V1_MESSAGE);
    for first in [0x01, 0x1f, 0x11] {
        v1[0] = first;
        assert_eq!(unseal(&v1, &r).unwrap(), content(), "{first:#x}");
    }
    let mut v2 = hex(V2_RECEIVED);
    for first in [0x20, 0x23, 0x2f] {
        v2[0] = first;
        assert_eq!(unseal(&v2, &r).unwrap(), content(), "{first:#x}");
    }
    assert_eq!(unseal(&[], &r), Err(UnsealError::EmptyMessage));
    v2[0] = 0x31;
    assert_eq!(unseal(&v2, &r), Err(UnsealError::UnknownVersion(3)));
    v2[0] = 0xf2;
    assert_eq!(unseal(&v2, &r), Err(UnsealError::UnknownVersion(15)));
}

/// §5.4: each v1 failure has its own error, checked in the spec's order.
#[test]
fn v1_failures() {
    let r = recipient();
    let message = hex(V1_MESSAGE);
    // The wrong recipient cannot open the key block.
    assert_eq!(
        unseal(&message, &sender()),
        Err(UnsealError::V1KeyDecryptionFailed)
    );
    // Offsets: 0x11, 0a 21 <33 e_pub>, 12 2b <43 static>, 1a 97 02 <content>.
    let static_at = 3 + 33 + 2;
    let content_at = static_at + 43 + 3;
    let mut bad_static = message.clone();
    bad_static[static_at + 5] ^= 1;
    assert_eq!(
        unseal(&bad_static, &r),
        Err(UnsealError::V1KeyDecryptionFailed)
    );
    let mut bad_content = message.clone();
    bad_content[content_at + 100] ^= 1;
    assert_eq!(
        unseal(&bad_content, &r),
        Err(UnsealError::V1ContentsDecryptionFailed)
    );
    let mut bad_ephemeral = message.clone();
    bad_ephemeral[3] = 0x06;
    assert_eq!(
        unseal(&bad_ephemeral, &r),
        Err(UnsealError::Key(KeyError::BadKeyType(6)))
    );
    let mut zero_ephemeral = message.clone();
    zero_ephemeral[4..36].fill(0);
    assert_eq!(
        unseal(&zero_ephemeral, &r),
        Err(UnsealError::Key(KeyError::InvalidKeyAgreement))
    );
    assert_eq!(
        unseal(&message[..content_at - 3], &r),
        Err(UnsealError::InvalidProtobufEncoding)
    );
    assert_eq!(
        unseal(&message[..message.len() - 1], &r),
        Err(UnsealError::InvalidProtobufEncoding)
    );
    assert_eq!(
        unseal(&[0x11, 0xff], &r),
        Err(UnsealError::InvalidProtobufEncoding)
    );
}

/// A v1 message whose certificate names another identity than the one
/// that sealed it is refused after decryption (§5.4 step 8); sealing it
/// is refused up front.
#[test]
fn v1_certificate_key_mismatch() {
    let r = recipient();
    let impostor: IdentityKeyPair = key(0x55).into();
    let e = KeyPair::from_private(key(0x23));
    assert_eq!(
        v1::seal_with_ephemeral(r.identity_key(), &content(), &impostor, &e),
        Err(SealError::SenderIdentityMismatch)
    );
    // Build the mismatched message by hand: the content names `sender()`,
    // the static key block carries the impostor.
    let content = content();
    let first = v1::stage(
        &[
            v1::SALT_PREFIX,
            &r.identity_key().serialize(),
            &e.public_key.serialize(),
        ],
        &e.private_key,
        r.identity_key().public_key(),
    )
    .unwrap();
    let encrypted_static = v1::ctr_hmac_seal(
        &first.cipher,
        &first.mac,
        &impostor.identity_key().serialize(),
    )
    .unwrap();
    let second = v1::stage(
        &[&first.chain[..], &encrypted_static],
        impostor.private_key(),
        r.identity_key().public_key(),
    )
    .unwrap();
    let encrypted_message =
        v1::ctr_hmac_seal(&second.cipher, &second.mac, content.serialized()).unwrap();
    let envelope = super::proto::V1Envelope {
        ephemeral_public: Some(e.public_key.serialize().to_vec()),
        encrypted_static: Some(encrypted_static),
        encrypted_message: Some(encrypted_message),
    };
    let bytes = [vec![0x11], prost::Message::encode_to_vec(&envelope)].concat();
    assert_eq!(unseal(&bytes, &r), Err(UnsealError::V1SenderKeyMismatch));
}

/// §6.7: each v2 failure has its own error.
#[test]
fn v2_failures() {
    let r = recipient();
    let message = hex(V2_RECEIVED);
    assert_eq!(
        unseal(&message, &sender()),
        Err(UnsealError::V2EphemeralKeyMismatch)
    );
    for at in [1, 32, 49, 80] {
        let mut bad = message.clone();
        bad[at] ^= 1;
        assert_eq!(
            unseal(&bad, &r),
            Err(UnsealError::V2EphemeralKeyMismatch),
            "byte {at}"
        );
    }
    let mut bad_tag = message.clone();
    bad_tag[40] ^= 1;
    assert_eq!(
        unseal(&bad_tag, &r),
        Err(UnsealError::V2AuthenticationTagMismatch)
    );
    let mut bad_payload = message.clone();
    bad_payload[200] ^= 1;
    assert_eq!(
        unseal(&bad_payload, &r),
        Err(UnsealError::V2DecryptionFailed)
    );
    assert_eq!(
        unseal(&message[..80], &r),
        Err(UnsealError::InvalidProtobufEncoding)
    );
    assert_eq!(
        unseal(&message[..81], &r),
        Err(UnsealError::V2DecryptionFailed)
    );
    let mut zero_ephemeral = message.clone();
    zero_ephemeral[49..81].fill(0);
    assert_eq!(
        unseal(&zero_ephemeral, &r),
        Err(UnsealError::Key(KeyError::InvalidKeyAgreement))
    );
}

/// §6.4: the sealing checks, each refused before anything is produced.
#[test]
fn v2_seal_checks() {
    let s = sender();
    let m = [0x24u8; 32];
    let bob = ServiceId::parse("796abedb-ca4e-4f18-8803-1fde5b921f9f").unwrap();
    let device = |d, reg| RecipientDevice {
        device_id: DeviceId::new(d).unwrap(),
        registration_id: reg,
    };
    let one = |devices: Vec<RecipientDevice>| {
        vec![Recipient {
            service_id: bob,
            identity_key: *recipient().identity_key(),
            devices,
        }]
    };
    let seal = |recipients: &[Recipient], excluded: &[ServiceId]| {
        v2::seal_v2_with_secret(recipients, excluded, &content(), &s, &m, 1)
    };
    assert!(seal(&one(vec![device(1, 0x3FFF)]), &[]).is_ok());
    assert_eq!(
        seal(&one(vec![device(1, 0x4000)]), &[]),
        Err(SealError::InvalidRegistrationId {
            service_id: bob,
            device_id: 1,
            registration_id: 0x4000
        })
    );
    assert_eq!(
        seal(&one(vec![]), &[]),
        Err(SealError::BadDeviceCount {
            service_id: bob,
            count: 0,
            max: 127
        })
    );
    let many: Vec<_> = (0..128).map(|i| device(1 + i % 127, 1)).collect();
    assert_eq!(
        seal(&one(many), &[]),
        Err(SealError::BadDeviceCount {
            service_id: bob,
            count: 128,
            max: 127
        })
    );
    assert_eq!(
        seal(&one(vec![device(1, 1)]), &[bob]),
        Err(SealError::RedundantExcludedRecipient(bob))
    );
    let carol = ServiceId::parse("PNI:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee").unwrap();
    assert_eq!(
        seal(&[], &[carol, carol]),
        Err(SealError::RedundantExcludedRecipient(carol))
    );
    let excluded: Vec<ServiceId> = (0..MAX_RECIPIENTS as u32)
        .map(|i| {
            ServiceId::new(
                crate::address::ServiceIdKind::Aci,
                [&i.to_be_bytes()[..], &[0; 12]]
                    .concat()
                    .try_into()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seal(&one(vec![device(1, 1)]), &excluded),
        Err(SealError::TooManyRecipients {
            count: MAX_RECIPIENTS + 1,
            max: MAX_RECIPIENTS
        })
    );
    assert_eq!(
        SentMessage::parse(&seal(&[], &excluded).unwrap())
            .unwrap()
            .excluded()
            .len(),
        MAX_RECIPIENTS
    );
    let impostor: IdentityKeyPair = key(0x55).into();
    assert_eq!(
        v2::seal_v2_with_secret(&one(vec![device(1, 1)]), &[], &content(), &impostor, &m, 1),
        Err(SealError::SenderIdentityMismatch)
    );
    let low_order = IdentityKey::new(PublicKey::from_raw(&[0; 32]).unwrap());
    let bad = [Recipient {
        service_id: bob,
        identity_key: low_order,
        devices: vec![device(1, 1)],
    }];
    assert_eq!(
        seal(&bad, &[]),
        Err(SealError::Key(KeyError::InvalidKeyAgreement))
    );
}

/// §6.4: a recipient split over non-adjacent groups is written twice with
/// the same key material, and merged by the parser.
#[test]
fn v2_split_recipient_merges() {
    let s = sender();
    let m = [7u8; 32];
    let bob = ServiceId::parse("796abedb-ca4e-4f18-8803-1fde5b921f9f").unwrap();
    let carol = ServiceId::parse("9d0652a3-dcc3-4d11-975f-74d61598733f").unwrap();
    let carol_keys: IdentityKeyPair = key(0x44).into();
    let device = |d, reg| RecipientDevice {
        device_id: DeviceId::new(d).unwrap(),
        registration_id: reg,
    };
    let recipients = [
        Recipient {
            service_id: bob,
            identity_key: *recipient().identity_key(),
            devices: vec![device(42, 1)],
        },
        Recipient {
            service_id: carol,
            identity_key: *carol_keys.identity_key(),
            devices: vec![device(1, 2)],
        },
        Recipient {
            service_id: bob,
            identity_key: *recipient().identity_key(),
            devices: vec![device(7, 3)],
        },
    ];
    let sent = v2::seal_v2_with_secret(&recipients, &[], &content(), &s, &m, 1).unwrap();
    assert_eq!(sent[1], 3);
    let parsed = SentMessage::parse(&sent).unwrap();
    let ids: Vec<_> = parsed
        .recipients()
        .iter()
        .map(|r| {
            (
                r.service_id(),
                r.devices()
                    .iter()
                    .map(|d| d.device_id.get())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(ids, [(bob, vec![42, 7]), (carol, vec![1])]);
    for (who, keys) in [(0, recipient()), (1, carol_keys)] {
        let bytes = parsed.received_message(&parsed.recipients()[who]);
        assert_eq!(
            unseal(&bytes, &keys).unwrap().message_type(),
            CiphertextMessageType::Plaintext
        );
    }
}

/// Spreading v2 sealing over threads changes nothing in the output, for any
/// thread count, and each recipient still unseals its copy.
#[test]
fn v2_parallel_output_is_identical() {
    use rand::{rngs::StdRng, SeedableRng};
    let s = sender();
    let keys: Vec<IdentityKeyPair> = (0..70u8).map(|i| key(0x50 + i).into()).collect();
    let recipients: Vec<Recipient> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Recipient {
            service_id: ServiceId::parse(&format!("{i:08x}-0000-4000-8000-{i:012x}")).unwrap(),
            identity_key: *k.identity_key(),
            devices: vec![RecipientDevice {
                device_id: DeviceId::new(1).unwrap(),
                registration_id: i as u32 + 1,
            }],
        })
        .collect();
    let single = seal_v2(
        &recipients,
        &[],
        &content(),
        &s,
        &mut StdRng::seed_from_u64(5),
    )
    .unwrap();
    for threads in [0, 1, 2, 3, 4, 64] {
        let parallel = seal_v2_parallel(
            &recipients,
            &[],
            &content(),
            &s,
            threads,
            &mut StdRng::seed_from_u64(5),
        )
        .unwrap();
        assert_eq!(parallel, single, "{threads} threads");
    }
    let parsed = SentMessage::parse(&single).unwrap();
    for (who, k) in [(0, &keys[0]), (69, &keys[69])] {
        let bytes = parsed.received_message(&parsed.recipients()[who]);
        assert_eq!(
            unseal(&bytes, k).unwrap().message_type(),
            CiphertextMessageType::Plaintext
        );
    }
    // A degenerate recipient key fails the same way on any thread.
    let mut bad = recipients.clone();
    bad[50].identity_key = IdentityKey::new(PublicKey::from_raw(&[0; 32]).unwrap());
    let errors: Vec<_> = [1, 4]
        .map(|threads| {
            seal_v2_parallel(
                &bad,
                &[],
                &content(),
                &s,
                threads,
                &mut StdRng::seed_from_u64(5),
            )
            .unwrap_err()
        })
        .into();
    assert_eq!(errors[0], errors[1]);
}
