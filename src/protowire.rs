//! A minimal protobuf wire codec for the stored-state hot path: the session
//! record and the SPQR state are written straight from the live types into
//! one zeroizing buffer, and read straight from the stored bytes without a
//! per-field allocation.
//!
//! The writer produces exactly what `prost` produces for the same message
//! (fields in tag order, proto3 defaults omitted, `optional` and message
//! fields written whenever present, `int32` sign-extended to ten bytes), so
//! the stored bytes stay identical to libsignal's. The reader accepts what
//! `prost` accepts except groups (wire types 3 and 4), which no stored state
//! contains: unknown fields are skipped, a repeated scalar field keeps its
//! last value, a field with an unexpected wire type is an error.

use crate::state::StateBytes;

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

/// Stored bytes that are not a well-formed protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// Appends protobuf fields to one buffer ([`StateBytes`]) that is wiped
/// when dropped and whenever it grows (the old allocation is wiped, never
/// freed with secrets in it).
pub(crate) struct Writer {
    buf: StateBytes,
}

/// Encodes `value` as a varint into `out`, returning the length used.
fn encode_varint(mut value: u64, out: &mut [u8; 10]) -> usize {
    let mut n = 0;
    while value >= 0x80 {
        out[n] = (value as u8) | 0x80;
        value >>= 7;
        n += 1;
    }
    out[n] = value as u8;
    n + 1
}

impl Writer {
    /// A writer whose buffer starts with `prefix` and room for `capacity`
    /// more bytes.
    pub(crate) fn with_prefix(prefix: &[u8], capacity: usize) -> Self {
        let mut buf = StateBytes::with_capacity(prefix.len() + capacity);
        buf.extend_from_slice(prefix);
        Self { buf }
    }

    /// The bytes written.
    pub(crate) fn finish(self) -> StateBytes {
        self.buf
    }

    fn raw_varint(&mut self, value: u64) {
        let mut scratch = [0u8; 10];
        let n = encode_varint(value, &mut scratch);
        self.buf.extend_from_slice(&scratch[..n]);
    }

    fn key(&mut self, field: u32, wire_type: u8) {
        self.raw_varint(u64::from(field << 3 | u32::from(wire_type)));
    }

    /// A `uint32`/`uint64` field: omitted when 0 (proto3).
    pub(crate) fn uint(&mut self, field: u32, value: u64) {
        if value != 0 {
            self.optional_uint(field, value);
        }
    }

    /// An `optional` unsigned field that is present: always written.
    pub(crate) fn optional_uint(&mut self, field: u32, value: u64) {
        self.key(field, VARINT);
        self.raw_varint(value);
    }

    /// An `int32` field: omitted when 0, negative values take ten bytes.
    pub(crate) fn int32(&mut self, field: u32, value: i32) {
        if value != 0 {
            self.key(field, VARINT);
            self.raw_varint(i64::from(value) as u64);
        }
    }

    /// A proto3 `bytes` field: omitted when empty.
    pub(crate) fn bytes(&mut self, field: u32, value: &[u8]) {
        if !value.is_empty() {
            self.bytes_always(field, value);
        }
    }

    /// A `bytes` field written even when empty (elements of a repeated
    /// field, present `optional` fields).
    pub(crate) fn bytes_always(&mut self, field: u32, value: &[u8]) {
        self.key(field, LEN);
        self.raw_varint(value.len() as u64);
        self.buf.extend_from_slice(value);
    }

    /// A present message field whose fields `fill` writes, expected to be
    /// shorter than 128 bytes.
    pub(crate) fn message(&mut self, field: u32, fill: impl FnOnce(&mut Writer)) {
        self.nested(field, 1, fill);
    }

    /// A present message field expected to take 128 bytes or more (the
    /// length then fits the two bytes reserved for it without moving the
    /// content; either way the result is the same).
    pub(crate) fn large_message(&mut self, field: u32, fill: impl FnOnce(&mut Writer)) {
        self.nested(field, 2, fill);
    }

    /// Writes key, a `guess`-byte length placeholder and the content, then
    /// moves the content if the length needs another width.
    fn nested(&mut self, field: u32, guess: usize, fill: impl FnOnce(&mut Writer)) {
        self.key(field, LEN);
        let at = self.buf.len();
        self.buf.extend_zeros(guess);
        fill(self);
        let end = self.buf.len();
        let len = end - at - guess;
        let mut scratch = [0u8; 10];
        let width = encode_varint(len as u64, &mut scratch);
        if width > guess {
            self.buf.extend_zeros(width - guess);
            let bytes = self.buf.as_mut_slice();
            bytes.copy_within(at + guess..end, at + width);
        } else if width < guess {
            let bytes = self.buf.as_mut_slice();
            bytes.copy_within(at + guess..end, at + width);
            self.buf.truncate_wiped(end - (guess - width));
        }
        self.buf.as_mut_slice()[at..at + width].copy_from_slice(&scratch[..width]);
    }
}

/// One field's value as read.
#[derive(Clone, Copy)]
pub(crate) enum Value<'a> {
    /// A varint (`uint32`, `uint64`, `int32`, `bool`, enums).
    Varint(u64),
    /// A `fixed64`/`fixed32` value (no stored state field has these types;
    /// they are skipped as unknown fields, or refused where a field expects
    /// another type).
    Fixed,
    /// Bytes, a string or an embedded message.
    Len(&'a [u8]),
}

impl<'a> Value<'a> {
    /// As `uint64` / `int64` (the low bits for `uint32`).
    pub(crate) fn varint(self) -> Result<u64, Malformed> {
        match self {
            Value::Varint(v) => Ok(v),
            _ => Err(Malformed),
        }
    }

    /// As `uint32` (prost truncates a longer value the same way).
    pub(crate) fn uint32(self) -> Result<u32, Malformed> {
        Ok(self.varint()? as u32)
    }

    /// As `int32`.
    pub(crate) fn int32(self) -> Result<i32, Malformed> {
        Ok(self.varint()? as i32)
    }

    /// As `bytes`, a string or an embedded message.
    pub(crate) fn bytes(self) -> Result<&'a [u8], Malformed> {
        match self {
            Value::Len(b) => Ok(b),
            _ => Err(Malformed),
        }
    }
}

/// Iterates over the fields of one message, borrowing from its bytes.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn varint(&mut self) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for (i, &byte) in self.rest.iter().enumerate().take(10) {
            // The tenth byte may only carry the top bit of a u64.
            if i == 9 && byte > 1 {
                return Err(Malformed);
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                self.rest = &self.rest[i + 1..];
                return Ok(value);
            }
        }
        Err(Malformed)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if n > self.rest.len() {
            return Err(Malformed);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// The next field (number and value), `None` at the end.
    pub(crate) fn next_field(&mut self) -> Result<Option<(u32, Value<'a>)>, Malformed> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).map_err(|_| Malformed)?;
        if field == 0 {
            return Err(Malformed);
        }
        let value = match (key & 7) as u8 {
            VARINT => Value::Varint(self.varint()?),
            FIXED64 => {
                self.take(8)?;
                Value::Fixed
            }
            LEN => {
                let n = usize::try_from(self.varint()?).map_err(|_| Malformed)?;
                Value::Len(self.take(n)?)
            }
            FIXED32 => {
                self.take(4)?;
                Value::Fixed
            }
            _ => return Err(Malformed),
        };
        Ok(Some((field, value)))
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Inner {
        #[prost(uint32, tag = "1")]
        a: u32,
        #[prost(bytes = "vec", tag = "2")]
        b: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Outer {
        #[prost(uint32, tag = "1")]
        x: u32,
        #[prost(int32, tag = "2")]
        y: i32,
        #[prost(message, optional, tag = "3")]
        inner: Option<Inner>,
        #[prost(bytes = "vec", repeated, tag = "4")]
        list: Vec<Vec<u8>>,
        #[prost(uint32, optional, tag = "5")]
        opt: Option<u32>,
        #[prost(fixed64, tag = "6")]
        f: u64,
    }

    fn write(o: &Outer) -> Vec<u8> {
        let mut w = Writer::with_prefix(&[], 0);
        w.uint(1, o.x.into());
        w.int32(2, o.y);
        if let Some(inner) = &o.inner {
            w.message(3, |w| {
                w.uint(1, inner.a.into());
                w.bytes(2, &inner.b);
            });
        }
        for e in &o.list {
            w.bytes_always(4, e);
        }
        if let Some(v) = o.opt {
            w.optional_uint(5, v.into());
        }
        w.finish().to_vec()
    }

    #[test]
    fn writer_matches_prost() {
        let cases = [
            Outer::default(),
            Outer {
                x: 300,
                y: -5,
                inner: Some(Inner::default()),
                list: vec![vec![], vec![1; 200]],
                opt: Some(0),
                f: 0,
            },
            Outer {
                x: u32::MAX,
                y: i32::MIN,
                inner: Some(Inner {
                    a: 1,
                    b: vec![9; 20_000],
                }),
                list: vec![vec![3; 127], vec![4; 128], vec![5; 16_384]],
                opt: None,
                f: 0,
            },
        ];
        for o in cases {
            assert_eq!(write(&o), o.encode_to_vec(), "{o:?}");
            // And the reader sees what prost wrote.
            let bytes = o.encode_to_vec();
            let mut r = Reader::new(&bytes);
            let mut list = Vec::new();
            let mut x = 0;
            let mut y = 0;
            while let Some((field, value)) = r.next_field().expect("well formed") {
                match field {
                    1 => x = value.uint32().expect("varint"),
                    2 => y = value.int32().expect("varint"),
                    4 => list.push(value.bytes().expect("bytes").to_vec()),
                    _ => {}
                }
            }
            assert_eq!((x, y, list), (o.x, o.y, o.list.clone()));
        }
        // A fixed64 field (written by prost) is skipped as unknown.
        let with_fixed = Outer {
            x: 1,
            f: u64::MAX,
            ..Outer::default()
        }
        .encode_to_vec();
        let mut r = Reader::new(&with_fixed);
        assert!(matches!(r.next_field(), Ok(Some((1, Value::Varint(1))))));
        assert!(matches!(r.next_field(), Ok(Some((6, Value::Fixed)))));
        assert!(matches!(r.next_field(), Ok(None)));
    }

    #[test]
    fn reader_refuses_malformed_input() {
        for bad in [
            &[0x08][..],         // key without value
            &[0x0a, 0x05, 1, 2], // length past the end
            &[0x0b],             // group
            &[0x00, 0x00],       // field 0
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ], // 11-byte varint
            &[0x09, 1, 2, 3],    // short fixed64
        ] {
            let mut r = Reader::new(bad);
            let mut outcome = Ok(None);
            for _ in 0..4 {
                outcome = r.next_field();
                if !matches!(outcome, Ok(Some(_))) {
                    break;
                }
            }
            assert_eq!(outcome.map(|_| ()), Err(Malformed), "{bad:?}");
        }
    }
}
