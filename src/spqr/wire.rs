//! The SPQR message carried in `SignalMessage.pq_ratchet` (spqr.md §5).
//!
//! V0 is the empty string. V1 is `0x01 ‖ varint(epoch) ‖ varint(index) ‖
//! type ‖ [varint(chunk index) ‖ 32 bytes]`, trailing bytes ignored.

use super::erasure::{Chunk, CHUNK_DATA_LEN};
use super::SpqrError;

/// Version byte of V1 messages.
const V1: u8 = 0x01;

/// What the first byte of a message announces (spqr.md §5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MessageVersion {
    /// Empty, or a first byte of 0x00.
    V0,
    /// First byte 0x01.
    V1,
    /// Any other first byte: a version newer than this implementation.
    Newer,
}

/// The message's version, from its first byte.
pub(super) fn message_version(bytes: &[u8]) -> MessageVersion {
    match bytes.first() {
        None | Some(0x00) => MessageVersion::V0,
        Some(&V1) => MessageVersion::V1,
        Some(_) => MessageVersion::Newer,
    }
}

/// The payload of a V1 message (spqr.md §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Payload {
    /// 0: nothing to transfer.
    None,
    /// 1: a chunk of `hdr ‖ mac`.
    Hdr(Chunk),
    /// 2: a chunk of the ek vector.
    Ek(Chunk),
    /// 3: a chunk of the ek vector, and "I have all of ct1".
    EkCt1Ack(Chunk),
    /// 4: "I have all of ct1".
    Ct1Ack,
    /// 5: a chunk of ct1.
    Ct1(Chunk),
    /// 6: a chunk of `ct2 ‖ mac`.
    Ct2(Chunk),
}

impl Payload {
    fn type_byte(&self) -> u8 {
        match self {
            Self::None => 0,
            Self::Hdr(_) => 1,
            Self::Ek(_) => 2,
            Self::EkCt1Ack(_) => 3,
            Self::Ct1Ack => 4,
            Self::Ct1(_) => 5,
            Self::Ct2(_) => 6,
        }
    }

    fn chunk(&self) -> Option<&Chunk> {
        match self {
            Self::Hdr(c) | Self::Ek(c) | Self::EkCt1Ack(c) | Self::Ct1(c) | Self::Ct2(c) => Some(c),
            Self::None | Self::Ct1Ack => None,
        }
    }
}

/// A parsed V1 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Message {
    /// SCKA epoch of the sender (≥ 1).
    pub(super) epoch: u64,
    /// Index of the message key in chain epoch `epoch − 1` (0 = no key).
    pub(super) index: u32,
    pub(super) payload: Payload,
}

impl Message {
    /// The wire bytes (minimal varints).
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 10 + 5 + 1 + 3 + CHUNK_DATA_LEN);
        out.push(V1);
        put_varint(&mut out, self.epoch);
        put_varint(&mut out, u64::from(self.index));
        out.push(self.payload.type_byte());
        if let Some(chunk) = self.payload.chunk() {
            put_varint(&mut out, u64::from(chunk.index));
            out.extend_from_slice(&chunk.data);
        }
        out
    }

    /// Parses a V1 message; trailing bytes are ignored.
    pub(super) fn decode(bytes: &[u8]) -> Result<Self, SpqrError> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.byte()? != V1 {
            return Err(SpqrError::MessageDecode("not a V1 message"));
        }
        let epoch = reader.varint()?;
        if epoch == 0 {
            return Err(SpqrError::MessageDecode("epoch 0"));
        }
        let index = u32::try_from(reader.varint()?)
            .map_err(|_| SpqrError::MessageDecode("key index exceeds u32"))?;
        let type_byte = reader.byte()?;
        let payload = match type_byte {
            0 => Payload::None,
            4 => Payload::Ct1Ack,
            1 | 2 | 3 | 5 | 6 => {
                let chunk = reader.chunk()?;
                match type_byte {
                    1 => Payload::Hdr(chunk),
                    2 => Payload::Ek(chunk),
                    3 => Payload::EkCt1Ack(chunk),
                    5 => Payload::Ct1(chunk),
                    _ => Payload::Ct2(chunk),
                }
            }
            _ => return Err(SpqrError::MessageDecode("unknown payload type")),
        };
        Ok(Self {
            epoch,
            index,
            payload,
        })
    }
}

/// Appends `value` as an unsigned LEB128 varint (minimal form).
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, SpqrError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or(SpqrError::MessageDecode("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    /// At most 10 bytes; the 10th must end the varint and contributes only
    /// its lowest bit (the reference decoder's behaviour). Non-minimal forms
    /// are accepted, as the reference does.
    fn varint(&mut self) -> Result<u64, SpqrError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            let bits = if i == 9 {
                u64::from(b & 0x01)
            } else {
                u64::from(b & 0x7F)
            };
            value |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(SpqrError::MessageDecode("varint longer than 10 bytes"))
    }

    fn chunk(&mut self) -> Result<Chunk, SpqrError> {
        let index = u16::try_from(self.varint()?)
            .map_err(|_| SpqrError::MessageDecode("chunk index exceeds 65535"))?;
        let end = self.at + CHUNK_DATA_LEN;
        let data = self
            .bytes
            .get(self.at..end)
            .ok_or(SpqrError::MessageDecode("truncated chunk"))?;
        let mut out = [0u8; CHUNK_DATA_LEN];
        out.copy_from_slice(data);
        self.at = end;
        Ok(Chunk { index, data: out })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn varint_at(bytes: &[u8], at: usize) -> Result<(u64, usize), SpqrError> {
        let mut reader = Reader { bytes, at };
        let v = reader.varint()?;
        Ok((v, reader.at))
    }

    #[test]
    fn varint_known_answers() {
        // spqr.md §8.1 and §5.2.
        let mut out = Vec::new();
        put_varint(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
        assert_eq!(varint_at(&[0xFF, 0xAC, 0x02, 0xFF], 1), Ok((300, 3)));
        assert_eq!(varint_at(&[0x00], 0), Ok((0, 1)));
        // Non-minimal accepted; ten bytes max; the 10th keeps one bit.
        assert_eq!(varint_at(&[0x80, 0x00], 0), Ok((0, 2)));
        let max = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        assert_eq!(varint_at(&max, 0), Ok((u64::MAX, 10)));
        assert!(varint_at(&[0xFF; 10], 0).is_err());
        assert!(varint_at(&[0x80, 0x80], 0).is_err(), "ends mid-varint");
    }

    #[test]
    fn version_dispatch() {
        assert_eq!(message_version(&[]), MessageVersion::V0);
        assert_eq!(message_version(&[0x00, 0x01]), MessageVersion::V0);
        assert_eq!(message_version(&[0x01]), MessageVersion::V1);
        assert_eq!(
            message_version(&[0x02, 0x01, 0x01, 0x00]),
            MessageVersion::Newer
        );
        assert_eq!(message_version(&[0xFF]), MessageVersion::Newer);
    }

    #[test]
    fn examples_from_the_spec() {
        // spqr.md §5.5
        let rho = hex::decode("5e43481c3eeb397eb192505229b67a201ea893c3e2cb32da8bc342fa4dea0578")
            .expect("hex");
        let first = Message {
            epoch: 1,
            index: 1,
            payload: Payload::Hdr(Chunk {
                index: 0,
                data: rho.clone().try_into().expect("32"),
            }),
        };
        let bytes = [&[0x01, 0x01, 0x01, 0x01, 0x00][..], &rho].concat();
        assert_eq!(first.encode(), bytes);
        assert_eq!(Message::decode(&bytes), Ok(first));
        let cases: [(&[u8], Message); 3] = [
            (
                &[0x01, 0x01, 0x01, 0x00],
                Message {
                    epoch: 1,
                    index: 1,
                    payload: Payload::None,
                },
            ),
            (
                &[0x01, 0x01, 0x28, 0x04],
                Message {
                    epoch: 1,
                    index: 40,
                    payload: Payload::Ct1Ack,
                },
            ),
            (
                &[0x01, 0x02, 0x01, 0x00],
                Message {
                    epoch: 2,
                    index: 1,
                    payload: Payload::None,
                },
            ),
        ];
        for (bytes, message) in cases {
            assert_eq!(message.encode(), bytes);
            assert_eq!(Message::decode(bytes), Ok(message));
        }
        // Trailing bytes are ignored.
        assert_eq!(
            Message::decode(&[0x01, 0x01, 0x28, 0x04, 0xAA]),
            Ok(cases[1].1)
        );
    }

    #[test]
    fn sizes() {
        let chunk = Chunk {
            index: 5,
            data: [7; 32],
        };
        assert_eq!(
            Message {
                epoch: 1,
                index: 1,
                payload: Payload::Ct1(chunk)
            }
            .encode()
            .len(),
            37
        );
        let big = Message {
            epoch: u64::MAX,
            index: u32::MAX,
            payload: Payload::Ct2(Chunk {
                index: u16::MAX,
                data: [0; 32],
            }),
        };
        assert_eq!(big.encode().len(), 52);
        assert_eq!(
            Message {
                epoch: 1,
                index: 0,
                payload: Payload::None
            }
            .encode()
            .len(),
            4
        );
        let bare = Message {
            epoch: u64::MAX,
            index: u32::MAX,
            payload: Payload::Ct1Ack,
        };
        assert_eq!(bare.encode().len(), 17);
        assert_eq!(Message::decode(&big.encode()), Ok(big));
    }

    #[test]
    fn malformed_messages_are_errors() {
        let bad: [&[u8]; 9] = [
            &[],
            &[0x02, 0x01, 0x01, 0x00],
            &[0x01, 0x00, 0x01, 0x00],                         // epoch 0
            &[0x01, 0x01],                                     // no index
            &[0x01, 0x01, 0x01],                               // no type
            &[0x01, 0x01, 0x01, 0x07],                         // unknown type
            &[0x01, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00], // index 2^32
            &[0x01, 0x01, 0x01, 0x05, 0x80, 0x80, 0x04],       // chunk index 65536
            &[0x01, 0x01, 0x01, 0x05, 0x00, 0x01, 0x02],       // short chunk
        ];
        for bytes in bad {
            assert!(
                matches!(Message::decode(bytes), Err(SpqrError::MessageDecode(_))),
                "{bytes:02x?}"
            );
        }
    }

    fn any_payload() -> impl Strategy<Value = Payload> {
        let chunk =
            (any::<u16>(), any::<[u8; 32]>()).prop_map(|(index, data)| Chunk { index, data });
        prop_oneof![
            Just(Payload::None),
            Just(Payload::Ct1Ack),
            chunk.clone().prop_map(Payload::Hdr),
            chunk.clone().prop_map(Payload::Ek),
            chunk.clone().prop_map(Payload::EkCt1Ack),
            chunk.clone().prop_map(Payload::Ct1),
            chunk.prop_map(Payload::Ct2),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(epoch in 1u64.., index: u32, payload in any_payload()) {
            let m = Message { epoch, index, payload };
            prop_assert_eq!(Message::decode(&m.encode()), Ok(m));
        }

        #[test]
        fn varint_round_trip(v: u64) {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            prop_assert_eq!(varint_at(&out, 0), Ok((v, out.len())));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Message::decode(&bytes);
        }
    }
}
