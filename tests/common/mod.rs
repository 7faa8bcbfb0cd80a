//! Shared helpers for the conversation tests: parties with identities,
//! pre-keys and a session record, like an application would keep them.

#![allow(dead_code)]

pub mod vectors;

use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::*;
use hush::messages::CiphertextMessage;
use hush::session::{
    Addresses, DecryptError, LocalIdentity, PreKeyDecryption, PreKeys, SessionRecord,
};
use rand::{rngs::StdRng, SeedableRng};

pub const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub struct Party {
    pub address: ProtocolAddress,
    pub local: LocalIdentity,
    pub signed: SignedPreKeyRecord,
    pub kyber: KyberPreKeyRecord,
    pub one_time: Vec<PreKeyRecord>,
    pub record: SessionRecord,
}

impl Party {
    pub fn new(name: &str, registration_id: u32, rng: &mut StdRng) -> Self {
        let key_pair = IdentityKeyPair::generate(rng);
        let signed = SignedPreKeyRecord::generate(SignedPreKeyId(1), NOW, &key_pair, rng);
        let kyber = KyberPreKeyRecord::generate(KyberPreKeyId(1), NOW, &key_pair, rng);
        let one_time = (1..=3)
            .map(|i| PreKeyRecord::generate(PreKeyId(i), rng))
            .collect();
        Self {
            address: ProtocolAddress::new(name, DeviceId::new(1).unwrap()),
            local: LocalIdentity {
                key_pair,
                registration_id,
            },
            signed,
            kyber,
            one_time,
            record: SessionRecord::new(),
        }
    }

    pub fn bundle(&self, with_one_time: bool) -> PreKeyBundle {
        PreKeyBundle::from_records(
            self.local.registration_id,
            self.address.device_id(),
            *self.local.key_pair.identity_key(),
            &self.signed,
            &self.kyber,
            self.one_time.first().filter(|_| with_one_time),
        )
    }

    pub fn start_session(&mut self, bundle: PreKeyBundle, rng: &mut StdRng) {
        self.record
            .initiate(&bundle.verify().unwrap(), &self.local, NOW, rng)
            .unwrap();
    }

    pub fn encrypt(
        &mut self,
        to: &ProtocolAddress,
        plaintext: &[u8],
        rng: &mut StdRng,
    ) -> CiphertextMessage {
        let addresses = Addresses {
            local: &self.address,
            remote: to,
        };
        self.record.encrypt(plaintext, addresses, NOW, rng).unwrap()
    }

    pub fn decrypt(
        &mut self,
        from: &ProtocolAddress,
        message: &CiphertextMessage,
        rng: &mut StdRng,
    ) -> Result<Vec<u8>, DecryptError> {
        let addresses = Addresses {
            local: &self.address,
            remote: from,
        };
        match message {
            CiphertextMessage::Whisper(m) => self.record.decrypt(m, addresses, rng),
            CiphertextMessage::PreKey(m) => {
                let one_time = m
                    .pre_key_id()
                    .and_then(|id| self.one_time.iter().find(|r| r.id() == id));
                let pre_keys = PreKeys {
                    signed: Some(&self.signed),
                    kyber: Some(&self.kyber),
                    one_time,
                };
                let PreKeyDecryption {
                    plaintext,
                    consumed,
                } = self
                    .record
                    .decrypt_prekey(m, &self.local, pre_keys, addresses, rng)?;
                if let Some(used) = consumed.and_then(|c| c.one_time) {
                    self.one_time.retain(|r| r.id() != used);
                }
                Ok(plaintext)
            }
        }
    }
}
