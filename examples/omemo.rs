//! OMEMO 0.3 on hush's classic Signal sessions, the way XMPP clients do it:
//! Alice (one device) writes to Bob (two devices with 31-bit OMEMO device
//! ids); the body is encrypted once with AES-128-GCM, and the 32-byte
//! `key ‖ tag` goes through one classic Signal message per recipient device.
//! Each of Bob's devices takes its `<key>`, decrypts the Signal message (the
//! first one is a PreKeySignalMessage: trust decision, pre-key lookup,
//! delete what was consumed) and then the payload. Bob answers from one
//! device.
//!
//! This is an example, not an XMPP library: no XML, no PEP, no device lists.
//! The OMEMO layer itself is `examples/omemo/omemo03.rs`; the interop peer
//! (`hush-peer --classic`) uses the same file, and the harness checks it
//! against oldmemo, python-omemo's OMEMO 0.3 backend, in both directions
//! (`interop-v3/scripts/oldmemo_matrix.py`, tests 5a–5c).
//!
//! Run: `cargo run --example omemo`

#[path = "omemo/omemo03.rs"]
mod omemo03;

use std::collections::BTreeMap;
use std::error::Error;

use hush::address::ClassicDeviceId;
use hush::classic::{
    ClassicPreKeyBundle, ClassicPreKeySignalMessage, ClassicPreKeys, ClassicSessionRecord,
    ClassicSignalMessage, LAST_RESORT_PRE_KEY_ID,
};
use hush::keys::{
    IdentityKey, IdentityKeyPair, PreKeyId, PreKeyRecord, SignedPreKeyId, SignedPreKeyRecord,
    Timestamp,
};
use hush::messages::CiphertextMessageType;
use hush::session::LocalIdentity;
use rand::RngExt;

use omemo03::OmemoMessage;

/// One OMEMO device (of some JID): its identity, pre-keys and sessions (by the peer's
/// JID and device id), and the identities it trusts.
struct Device {
    id: u32,
    local: LocalIdentity,
    signed: SignedPreKeyRecord,
    one_time: BTreeMap<PreKeyId, PreKeyRecord>,
    sessions: BTreeMap<(&'static str, u32), ClassicSessionRecord>,
    trusted: BTreeMap<(&'static str, u32), IdentityKey>,
}

impl Device {
    fn new(id: u32, rng: &mut impl rand::CryptoRng) -> Self {
        let key_pair = IdentityKeyPair::generate(rng);
        let signed = SignedPreKeyRecord::generate(
            SignedPreKeyId(1),
            Timestamp::from_millis(1_763_800_000_000),
            &key_pair,
            rng,
        );
        let one_time = (1..=3)
            .map(|i| (PreKeyId(i), PreKeyRecord::generate(PreKeyId(i), rng)))
            .collect();
        Self {
            id,
            // OMEMO 0.3 has no registration id; libraries send 0 or a random one.
            local: LocalIdentity {
                key_pair,
                registration_id: rng.random_range(1..=16380),
            },
            signed,
            one_time,
            sessions: BTreeMap::new(),
            trusted: BTreeMap::new(),
        }
    }

    /// The bundle this device publishes (PEP node
    /// `eu.siacs.conversations.axolotl.bundles:<id>`), with one of its
    /// one-time pre-keys.
    fn bundle(&self) -> Result<ClassicPreKeyBundle, Box<dyn Error>> {
        Ok(ClassicPreKeyBundle::from_records(
            self.local.registration_id,
            ClassicDeviceId::new(self.id)?,
            *self.local.key_pair.identity_key(),
            &self.signed,
            self.one_time.values().next(),
        ))
    }

    /// Starts a session with a device of `jid` from its bundle, trusting its
    /// identity on first use.
    fn start_session(
        &mut self,
        jid: &'static str,
        bundle: ClassicPreKeyBundle,
        rng: &mut impl rand::CryptoRng,
    ) -> Result<(), Box<dyn Error>> {
        let device = bundle.device_id.get();
        self.check_trust(jid, device, &bundle.identity_key)?;
        let verified = bundle.verify()?;
        let mut record = ClassicSessionRecord::new();
        record.initiate(
            &verified,
            &self.local,
            Timestamp::from_millis(1_763_800_000_000),
            rng,
        )?;
        self.sessions.insert((jid, device), record);
        Ok(())
    }

    fn check_trust(
        &mut self,
        jid: &'static str,
        device: u32,
        key: &IdentityKey,
    ) -> Result<(), Box<dyn Error>> {
        let known = self.trusted.entry((jid, device)).or_insert(*key);
        if known != key {
            return Err(format!("untrusted identity for {jid}/{device}").into());
        }
        Ok(())
    }

    /// Encrypts one OMEMO message to every device of `jid` we have a session with.
    fn send(
        &mut self,
        jid: &'static str,
        text: &str,
        rng: &mut impl rand::CryptoRng,
    ) -> Result<OmemoMessage, Box<dyn Error>> {
        let mut key = [0u8; omemo03::KEY_LEN];
        let mut iv = [0u8; omemo03::IV_LEN];
        rng.fill_bytes(&mut key);
        rng.fill_bytes(&mut iv);
        let mut recipients: Vec<(u32, &mut ClassicSessionRecord)> = self
            .sessions
            .iter_mut()
            .filter(|((peer, _), _)| *peer == jid)
            .map(|((_, device), record)| (*device, record))
            .collect();
        Ok(omemo03::encrypt(
            text.as_bytes(),
            &key,
            &iv,
            &mut recipients,
        )?)
    }

    /// Decrypts our `<key>` of an OMEMO message from `jid`/`device`, then the payload.
    fn receive(
        &mut self,
        jid: &'static str,
        device: u32,
        message: &OmemoMessage,
        rng: &mut impl rand::CryptoRng,
    ) -> Result<String, Box<dyn Error>> {
        let (key, kind) = omemo03::key_for(message, self.id)?;
        let key_material = match kind {
            CiphertextMessageType::PreKey => {
                let parsed = ClassicPreKeySignalMessage::deserialize(&key.data)?;
                self.check_trust(jid, device, parsed.identity_key())?;
                let record = self.sessions.entry((jid, device)).or_default();
                let pre_keys = ClassicPreKeys {
                    signed: (parsed.signed_pre_key_id() == self.signed.id())
                        .then_some(&self.signed),
                    one_time: parsed.pre_key_id().and_then(|id| self.one_time.get(&id)),
                };
                let result = record.decrypt_prekey(&parsed, &self.local, pre_keys, rng)?;
                if let Some(id) = result.consumed.and_then(|c| c.one_time) {
                    if id.0 != LAST_RESORT_PRE_KEY_ID {
                        self.one_time.remove(&id); // and republish the bundle
                    }
                }
                result.plaintext
            }
            _ => {
                let parsed = ClassicSignalMessage::deserialize(&key.data)?;
                let record = self
                    .sessions
                    .get_mut(&(jid, device))
                    .ok_or("no session with the sender")?;
                let pending = record.decrypt_pending(&parsed, rng)?;
                let trusted = self.trusted.get(&(jid, device)) == Some(pending.remote_identity());
                if !trusted {
                    return Err("message from an untrusted identity".into());
                }
                pending.commit()
            }
        };
        let plaintext = omemo03::decrypt_payload(&message.iv, &message.payload, &key_material)?;
        Ok(String::from_utf8(plaintext)?)
    }
}

fn describe(from: &str, message: &OmemoMessage) {
    println!(
        "{from}: <encrypted> payload {} bytes, iv {} bytes, keys: {}",
        message.payload.len(),
        message.iv.len(),
        message
            .keys
            .iter()
            .map(|k| format!(
                "rid={}{} ({} bytes, version byte {:#04x})",
                k.rid,
                if k.prekey { " prekey" } else { "" },
                k.data.len(),
                k.data[0]
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = rand::rng();
    const ALICE: &str = "alice@example.org";
    const BOB: &str = "bob@example.org";
    let mut alice = Device::new(0x1234_5678, &mut rng);
    let mut bob_phone = Device::new(ClassicDeviceId::MAX, &mut rng);
    let mut bob_laptop = Device::new(1_000_000, &mut rng);

    // Alice fetches Bob's device list and both bundles, and builds sessions.
    alice.start_session(BOB, bob_phone.bundle()?, &mut rng)?;
    alice.start_session(BOB, bob_laptop.bundle()?, &mut rng)?;

    let first = alice.send(BOB, "Hi Bob, OMEMO 0.3 from hush.", &mut rng)?;
    describe("alice", &first);
    assert!(first.keys.iter().all(|k| k.prekey && k.data[0] == 0x33));
    for bob in [&mut bob_phone, &mut bob_laptop] {
        let text = bob.receive(ALICE, alice.id, &first, &mut rng)?;
        println!("bob/{}: {text}", bob.id);
        assert_eq!(
            bob.one_time.len(),
            2,
            "the used one-time pre-key is deleted"
        );
    }

    // Bob answers from his phone (a SignalMessage: his session is established).
    let reply = bob_phone.send(ALICE, "Hello Alice, read on my phone.", &mut rng)?;
    describe("bob/phone", &reply);
    println!(
        "alice: {}",
        alice.receive(BOB, bob_phone.id, &reply, &mut rng)?
    );

    let second = alice.send(BOB, "Second message.", &mut rng)?;
    describe("alice", &second);
    for bob in [&mut bob_phone, &mut bob_laptop] {
        let text = bob.receive(ALICE, alice.id, &second, &mut rng)?;
        println!("bob/{}: {text}", bob.id);
    }
    // A message whose payload was changed on the way does not decrypt.
    let mut forged = alice.send(BOB, "tampered", &mut rng)?;
    forged.payload[0] ^= 1;
    let refused = bob_phone.receive(ALICE, alice.id, &forged, &mut rng);
    assert!(refused.is_err());
    println!(
        "bob/phone, tampered payload: {}",
        refused.unwrap_or_else(|e| e.to_string())
    );
    Ok(())
}
