//! The v2 SentMessage as a server sees it: parsing the upload and fanning
//! it out into one ReceivedMessage per recipient (sealed-sender.md §6.5,
//! §6.6).

use std::collections::{HashMap, HashSet};

use super::errors::SentMessageError;
use super::v2::{
    EPHEMERAL_LEN, KEY_MATERIAL_LEN, V2_RECEIVED_VERSION_BYTE, V2_SENT_LEGACY_VERSION_BYTE,
    V2_SENT_VERSION_BYTE,
};
use super::{MAX_DEVICES_PER_RECIPIENT, MAX_RECIPIENTS};
use crate::address::{DeviceId, ServiceId, ServiceIdKind};

/// One device entry of a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentDevice {
    /// The device (1 to 127).
    pub device_id: DeviceId,
    /// The registration ID the sender's session with that device has (14
    /// bits; the server compares it with the device's current one).
    pub registration_id: u16,
}

/// A recipient with devices: who to deliver to and the key material its
/// ReceivedMessage carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRecipient {
    service_id: ServiceId,
    devices: Vec<SentDevice>,
    key_material: [u8; KEY_MATERIAL_LEN],
}

impl SentRecipient {
    /// The account.
    #[must_use]
    pub fn service_id(&self) -> ServiceId {
        self.service_id
    }

    /// Its devices, in wire order (entries of a recipient split over several
    /// groups are appended in order).
    #[must_use]
    pub fn devices(&self) -> &[SentDevice] {
        &self.devices
    }
}

/// A parsed SentMessage (version `0x23`, or the legacy `0x22` with 16-byte
/// ACI UUIDs).
///
/// At most [`MAX_RECIPIENTS`] entries and [`MAX_DEVICES_PER_RECIPIENT`]
/// devices per recipient are accepted; the format itself has no bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    version: u8,
    recipients: Vec<SentRecipient>,
    excluded: Vec<ServiceId>,
    /// `E_pub || ciphertext`, shared by every recipient.
    shared: Vec<u8>,
}

/// A cursor over the input that reports truncation as malformed input.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SentMessageError> {
        if self.data.len() < n {
            return Err(SentMessageError::InvalidProtobufEncoding(what));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, SentMessageError> {
        Ok(self.take(1, what)?[0])
    }
}

impl SentMessage {
    /// Parses an uploaded SentMessage (§6.5). Recipients come out in the
    /// order of their first appearance, with the devices of later
    /// appearances appended; excluded recipients (a `0` device byte) are
    /// listed separately, in order.
    ///
    /// # Errors
    /// [`SentMessageError::EmptyMessage`]; [`SentMessageError::UnknownVersion`]
    /// for a first byte other than `0x22`/`0x23`;
    /// [`SentMessageError::InvalidProtobufEncoding`] for truncation, a bad
    /// count, a bad service ID kind, a device ID above 127, a `0` device
    /// after a has-more flag, or fewer than 32 trailing bytes;
    /// [`SentMessageError::RedundantEmptyRecipient`];
    /// [`SentMessageError::TooManyRecipients`];
    /// [`SentMessageError::TooManyDevices`].
    pub fn parse(bytes: &[u8]) -> Result<Self, SentMessageError> {
        let (&version, body) = bytes.split_first().ok_or(SentMessageError::EmptyMessage)?;
        let id_len = match version {
            V2_SENT_VERSION_BYTE => ServiceId::FIXED_WIDTH_LEN,
            V2_SENT_LEGACY_VERSION_BYTE => 16,
            other => return Err(SentMessageError::UnknownVersion(other)),
        };
        let mut reader = Reader { data: body };
        let count = prost::encoding::decode_varint(&mut reader.data)
            .map_err(|_| SentMessageError::InvalidProtobufEncoding("recipient count"))?;
        if count > u64::from(u32::MAX) {
            return Err(SentMessageError::InvalidProtobufEncoding("recipient count"));
        }
        if count > MAX_RECIPIENTS as u64 {
            return Err(SentMessageError::TooManyRecipients {
                count,
                max: MAX_RECIPIENTS,
            });
        }
        let mut recipients: Vec<SentRecipient> = Vec::new();
        let mut excluded: Vec<ServiceId> = Vec::new();
        // Where each service ID first appeared, to merge repeats in O(1).
        let mut recipient_index: HashMap<ServiceId, usize> = HashMap::new();
        let mut excluded_set: HashSet<ServiceId> = HashSet::new();
        for _ in 0..count {
            let raw = reader.take(id_len, "service ID")?;
            let service_id = if id_len == 16 {
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(raw);
                ServiceId::new(ServiceIdKind::Aci, uuid)
            } else {
                ServiceId::from_fixed_width(raw)
                    .ok_or(SentMessageError::InvalidProtobufEncoding("service ID kind"))?
            };
            let mut devices = Vec::new();
            loop {
                let device = reader.byte("device ID")?;
                if device == 0 {
                    if !devices.is_empty() {
                        return Err(SentMessageError::InvalidProtobufEncoding(
                            "device 0 after has-more",
                        ));
                    }
                    break;
                }
                let device_id = DeviceId::new(u32::from(device))
                    .map_err(|_| SentMessageError::InvalidProtobufEncoding("device ID"))?;
                let raw = reader.take(2, "registration ID")?;
                let value = u16::from_be_bytes([raw[0], raw[1]]);
                if devices.len() == MAX_DEVICES_PER_RECIPIENT {
                    return Err(SentMessageError::TooManyDevices {
                        max: MAX_DEVICES_PER_RECIPIENT,
                    });
                }
                // Bit 15 is has-more, bit 14 is unused and ignored.
                devices.push(SentDevice {
                    device_id,
                    registration_id: value & 0x3FFF,
                });
                if value & 0x8000 == 0 {
                    break;
                }
            }
            let key_material = if devices.is_empty() {
                None
            } else {
                let mut material = [0u8; KEY_MATERIAL_LEN];
                material.copy_from_slice(reader.take(KEY_MATERIAL_LEN, "key material")?);
                Some(material)
            };
            let seen_recipient = recipient_index
                .get(&service_id)
                .and_then(|&i| recipients.get_mut(i));
            let seen_excluded = excluded_set.contains(&service_id);
            match (seen_recipient, seen_excluded, key_material) {
                (Some(first), _, Some(_)) => {
                    if first.devices.len() + devices.len() > MAX_DEVICES_PER_RECIPIENT {
                        return Err(SentMessageError::TooManyDevices {
                            max: MAX_DEVICES_PER_RECIPIENT,
                        });
                    }
                    first.devices.extend(devices);
                }
                (Some(_), _, None) | (None, true, _) => {
                    return Err(SentMessageError::RedundantEmptyRecipient)
                }
                (None, false, Some(key_material)) => {
                    recipient_index.insert(service_id, recipients.len());
                    recipients.push(SentRecipient {
                        service_id,
                        devices,
                        key_material,
                    });
                }
                (None, false, None) => {
                    excluded_set.insert(service_id);
                    excluded.push(service_id);
                }
            }
        }
        if reader.data.len() < EPHEMERAL_LEN {
            return Err(SentMessageError::InvalidProtobufEncoding("ephemeral key"));
        }
        Ok(Self {
            version,
            recipients,
            excluded,
            shared: reader.data.to_vec(),
        })
    }

    /// The version byte parsed (`0x23`, or `0x22` for the legacy form).
    #[must_use]
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The recipients with devices, in order of first appearance.
    #[must_use]
    pub fn recipients(&self) -> &[SentRecipient] {
        &self.recipients
    }

    /// The excluded recipients, in order.
    #[must_use]
    pub fn excluded(&self) -> &[ServiceId] {
        &self.excluded
    }

    /// The ReceivedMessage every device of `recipient` gets (§6.6):
    /// `0x22 || C_i || AT_i || E_pub || ciphertext`.
    #[must_use]
    pub fn received_message(&self, recipient: &SentRecipient) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + KEY_MATERIAL_LEN + self.shared.len());
        out.push(V2_RECEIVED_VERSION_BYTE);
        out.extend_from_slice(&recipient.key_material);
        out.extend_from_slice(&self.shared);
        out
    }

    /// The whole fan-out: each recipient with its ReceivedMessage, in order.
    #[must_use]
    pub fn fan_out(&self) -> Vec<(&SentRecipient, Vec<u8>)> {
        self.recipients
            .iter()
            .map(|r| (r, self.received_message(r)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOB: [u8; 16] = [
        0x79, 0x6a, 0xbe, 0xdb, 0xca, 0x4e, 0x4f, 0x18, 0x88, 0x03, 0x1f, 0xde, 0x5b, 0x92, 0x1f,
        0x9f,
    ];
    const CAROL: [u8; 16] = [0xaa; 16];

    fn aci(uuid: [u8; 16]) -> Vec<u8> {
        [&[0u8][..], &uuid].concat()
    }

    /// A recipient entry: service ID, devices (id, reg, has-more), key material.
    fn entry(id: &[u8], devices: &[(u8, u16)], material: u8) -> Vec<u8> {
        let mut out = id.to_vec();
        for (i, (d, reg)) in devices.iter().enumerate() {
            out.push(*d);
            let more = if i + 1 < devices.len() { 0x8000 } else { 0 };
            out.extend_from_slice(&(reg | more).to_be_bytes());
        }
        if devices.is_empty() {
            out.push(0);
        } else {
            out.extend_from_slice(&[material; 48]);
        }
        out
    }

    fn message(version: u8, count: u8, entries: &[Vec<u8>], tail: usize) -> Vec<u8> {
        let mut out = vec![version, count];
        for e in entries {
            out.extend_from_slice(e);
        }
        out.extend(std::iter::repeat_n(0xee, tail));
        out
    }

    fn invalid(what: &'static str) -> Result<SentMessage, SentMessageError> {
        Err(SentMessageError::InvalidProtobufEncoding(what))
    }

    /// §6.5's parsing rules, case by case as the spec checked them.
    #[test]
    fn parse_rules() {
        assert_eq!(SentMessage::parse(&[]), Err(SentMessageError::EmptyMessage));
        assert_eq!(
            SentMessage::parse(&[0x21, 0]),
            Err(SentMessageError::UnknownVersion(0x21))
        );
        assert_eq!(
            SentMessage::parse(&[0x24, 0]),
            Err(SentMessageError::UnknownVersion(0x24))
        );
        assert_eq!(SentMessage::parse(&[0x23]), invalid("recipient count"));
        assert_eq!(
            SentMessage::parse(&message(0x23, 0, &[], 31)),
            invalid("ephemeral key")
        );
        let empty = SentMessage::parse(&message(0x23, 0, &[], 32)).unwrap();
        assert!(empty.recipients().is_empty() && empty.excluded().is_empty());

        let bob = entry(&aci(BOB), &[(127, 0x3FFF)], 1);
        let ok = SentMessage::parse(&message(0x23, 1, std::slice::from_ref(&bob), 40)).unwrap();
        assert_eq!(
            ok.recipients()[0].devices(),
            [SentDevice {
                device_id: DeviceId::new(127).unwrap(),
                registration_id: 0x3FFF
            }]
        );
        assert_eq!(
            ok.received_message(&ok.recipients()[0]),
            [&[0x22][..], &[1; 48], &[0xee; 40]].concat()
        );
        assert_eq!(
            SentMessage::parse(&message(0x23, 1, &[entry(&aci(BOB), &[(128, 1)], 1)], 40)),
            invalid("device ID")
        );
        // Bit 14 is ignored.
        let bit14 = SentMessage::parse(&message(
            0x23,
            1,
            &[entry(&aci(BOB), &[(1, 0x4005)], 1)],
            40,
        ))
        .unwrap();
        assert_eq!(bit14.recipients()[0].devices()[0].registration_id, 5);
        // Service ID kinds: 1 (PNI) parses, 2 does not.
        let pni = [&[1u8][..], &BOB].concat();
        assert!(SentMessage::parse(&message(0x23, 1, &[entry(&pni, &[(1, 1)], 1)], 40)).is_ok());
        let bad_kind = [&[2u8][..], &BOB].concat();
        assert_eq!(
            SentMessage::parse(&message(0x23, 1, &[entry(&bad_kind, &[(1, 1)], 1)], 40)),
            invalid("service ID kind")
        );
        // The legacy 0x22 form: 16-byte ACIs.
        let legacy =
            SentMessage::parse(&message(0x22, 1, &[entry(&BOB, &[(1, 1)], 1)], 40)).unwrap();
        assert_eq!(
            legacy.recipients()[0].service_id(),
            ServiceId::new(ServiceIdKind::Aci, BOB)
        );
        assert_eq!(legacy.version(), 0x22);
        // A 0 device after has-more.
        let mut zero_after_more = aci(BOB);
        zero_after_more.extend_from_slice(&[1, 0x80, 0x01, 0]);
        assert_eq!(
            SentMessage::parse(&message(0x23, 1, &[zero_after_more], 40)),
            invalid("device 0 after has-more")
        );
        // Truncations at every point of an entry.
        let full = message(0x23, 1, std::slice::from_ref(&bob), 32);
        for cut in 2..(full.len() - 32) {
            assert!(
                matches!(
                    SentMessage::parse(&full[..cut]),
                    Err(SentMessageError::InvalidProtobufEncoding(_))
                ),
                "cut at {cut}"
            );
        }
    }

    /// Repeated recipients merge; one with no devices is an error.
    #[test]
    fn duplicates() {
        let bob_a = entry(&aci(BOB), &[(1, 1), (2, 2)], 1);
        let carol = entry(&aci(CAROL), &[(3, 3)], 2);
        let bob_b = entry(&aci(BOB), &[(4, 4)], 9);
        let merged = SentMessage::parse(&message(
            0x23,
            3,
            &[bob_a.clone(), carol.clone(), bob_b],
            32,
        ))
        .unwrap();
        assert_eq!(merged.recipients().len(), 2);
        let bob = &merged.recipients()[0];
        assert_eq!(
            bob.devices()
                .iter()
                .map(|d| d.device_id.get())
                .collect::<Vec<_>>(),
            [1, 2, 4]
        );
        // The first occurrence's key material is kept.
        assert_eq!(merged.received_message(bob)[1..49], [1; 48]);
        let excluded_bob = entry(&aci(BOB), &[], 0);
        for entries in [
            [bob_a.clone(), excluded_bob.clone()],
            [excluded_bob.clone(), bob_a.clone()],
            [excluded_bob.clone(), excluded_bob.clone()],
        ] {
            assert_eq!(
                SentMessage::parse(&message(0x23, 2, &entries, 32)),
                Err(SentMessageError::RedundantEmptyRecipient)
            );
        }
        let with_excluded =
            SentMessage::parse(&message(0x23, 2, &[carol, excluded_bob], 32)).unwrap();
        assert_eq!(
            with_excluded.excluded(),
            [ServiceId::new(ServiceIdKind::Aci, BOB)]
        );
        assert_eq!(with_excluded.fan_out().len(), 1);
    }

    /// The bounds: the count is checked before anything is read; devices per
    /// recipient, also across merged occurrences.
    #[test]
    fn bounds() {
        let mut huge = vec![0x23];
        prost::encoding::encode_varint(MAX_RECIPIENTS as u64 + 1, &mut huge);
        assert_eq!(
            SentMessage::parse(&huge),
            Err(SentMessageError::TooManyRecipients {
                count: MAX_RECIPIENTS as u64 + 1,
                max: MAX_RECIPIENTS
            })
        );
        let mut over_u32 = vec![0x23];
        prost::encoding::encode_varint(u64::from(u32::MAX) + 1, &mut over_u32);
        assert_eq!(SentMessage::parse(&over_u32), invalid("recipient count"));
        assert_eq!(
            SentMessage::parse(&[
                0x23, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ]),
            invalid("recipient count")
        );
        let devices: Vec<(u8, u16)> = (0..127).map(|i| (1 + i as u8, 1)).collect();
        assert!(
            SentMessage::parse(&message(0x23, 1, &[entry(&aci(BOB), &devices, 1)], 32)).is_ok()
        );
        let too_many: Vec<(u8, u16)> = (0..128).map(|i| (1 + (i % 127) as u8, 1)).collect();
        assert_eq!(
            SentMessage::parse(&message(0x23, 1, &[entry(&aci(BOB), &too_many, 1)], 32)),
            Err(SentMessageError::TooManyDevices {
                max: MAX_DEVICES_PER_RECIPIENT
            })
        );
        let split = [
            entry(&aci(BOB), &devices, 1),
            entry(&aci(BOB), &[(1, 1)], 1),
        ];
        assert_eq!(
            SentMessage::parse(&message(0x23, 2, &split, 32)),
            Err(SentMessageError::TooManyDevices {
                max: MAX_DEVICES_PER_RECIPIENT
            })
        );
        // Two-byte count, as for 201 entries.
        let entries: Vec<Vec<u8>> = (0..201u32)
            .map(|i| {
                entry(
                    &aci([&i.to_be_bytes()[..], &[0; 12]]
                        .concat()
                        .try_into()
                        .unwrap()),
                    &[],
                    0,
                )
            })
            .collect();
        let mut bytes = vec![0x23, 0xc9, 0x01];
        for e in &entries {
            bytes.extend_from_slice(e);
        }
        bytes.extend_from_slice(&[0; 32]);
        assert_eq!(SentMessage::parse(&bytes).unwrap().excluded().len(), 201);
    }
}
