//! Systematic Reed–Solomon erasure code over GF(2^16) (spqr-internals §7).
//!
//! A blob of L bytes (L even) is read as L/2 big-endian 16-bit symbols, dealt
//! round-robin over 16 polynomials: symbol k is the value of polynomial
//! `k mod 16` at x = `k / 16`. Chunk j carries the 16 values at x = j, so
//! chunks 0…N−1 are the blob itself and later chunks are parity; any N chunks
//! with distinct indices rebuild the blob.
//!
//! [`Encoder`] and [`Decoder`] follow the crate's compute-then-commit rule:
//! `plan_*` takes `&self` and returns what changes, `apply_*` commits it.

use super::gf16::Gf16;

/// Bytes of data in one chunk (16 symbols).
pub(super) const CHUNK_DATA_LEN: usize = 32;
/// Number of interleaved polynomials.
pub(super) const POLYS: usize = 16;

/// One chunk: its index (the x coordinate) and its 32 data bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Chunk {
    pub(super) index: u16,
    pub(super) data: [u8; CHUNK_DATA_LEN],
}

impl Chunk {
    /// The symbol of polynomial `p` in this chunk.
    fn symbol(&self, p: usize) -> Gf16 {
        Gf16(u16::from_be_bytes([self.data[2 * p], self.data[2 * p + 1]]))
    }
}

/// Points (= coefficients) of polynomial `p` for a blob of `symbols` symbols.
pub(super) fn points_in(symbols: usize, p: usize) -> usize {
    symbols / POLYS + usize::from(p < symbols % POLYS)
}

/// Sixteen coefficient lists, lowest degree first.
pub(super) type Polys = Box<[Vec<Gf16>; POLYS]>;

// ---------------------------------------------------------------------------
// Polynomial helpers

/// Evaluates `coefficients` (lowest degree first) at `x` (Horner).
fn evaluate(coefficients: &[Gf16], x: Gf16) -> Gf16 {
    coefficients
        .iter()
        .rev()
        .fold(Gf16::ZERO, |acc, &c| acc * x + c)
}

/// The Lagrange basis for the points x = 0…m−1, in coefficient form and
/// already divided by its denominator: `basis[i](x) = Π_{j≠i} (x − j)/(i − j)`.
fn lagrange_basis(m: usize) -> Vec<Vec<Gf16>> {
    // master(x) = Π_{j<m} (x − j); subtraction is addition in GF(2^16).
    let mut master = vec![Gf16::ONE];
    for j in 0..m {
        let root = x_of(j);
        let mut next = vec![Gf16::ZERO; master.len() + 1];
        for (k, &c) in master.iter().enumerate() {
            next[k + 1] = next[k + 1] + c;
            next[k] = next[k] + c * root;
        }
        master = next;
    }
    (0..m)
        .map(|i| {
            // Synthetic division of master by (x − i).
            let root = x_of(i);
            let mut q = vec![Gf16::ZERO; m];
            let mut carry = Gf16::ZERO;
            for k in (1..=m).rev() {
                carry = master[k] + carry * root;
                q[k - 1] = carry;
            }
            let scale = evaluate(&q, root).inverse().unwrap_or(Gf16::ZERO);
            q.iter().map(|&c| c * scale).collect()
        })
        .collect()
}

/// The field element for the small integer `i` (< 2^16 by construction).
fn x_of(i: usize) -> Gf16 {
    Gf16((i & 0xFFFF) as u16)
}

/// Interpolates every polynomial of `blob` (points at x = 0…n_p−1).
fn interpolate_blob(blob: &[u8]) -> Polys {
    let symbols = blob.len() / 2;
    let mut bases: Vec<(usize, Vec<Vec<Gf16>>)> = Vec::new();
    let mut polys: Polys = Box::new(core::array::from_fn(|_| Vec::new()));
    for (p, poly) in polys.iter_mut().enumerate() {
        let m = points_in(symbols, p);
        if !bases.iter().any(|(n, _)| *n == m) {
            bases.push((m, lagrange_basis(m)));
        }
        let Some((_, basis)) = bases.iter().find(|(n, _)| *n == m) else {
            continue;
        };
        let mut coefficients = vec![Gf16::ZERO; m];
        for (x, row) in basis.iter().enumerate() {
            let k = POLYS * x + p;
            let y = Gf16(u16::from_be_bytes([blob[2 * k], blob[2 * k + 1]]));
            for (c, &b) in coefficients.iter_mut().zip(row) {
                *c = *c + y * b;
            }
        }
        *poly = coefficients;
    }
    polys
}

/// Evaluates the interpolant through `points` (distinct x) at `x`, which is
/// not one of them: Σ y_i · Π_{j≠i} (x − x_j)/(x_i − x_j).
fn lagrange_at(points: &[(u16, u16)], x: Gf16) -> Gf16 {
    let m = points.len();
    // prefix[i] = Π_{j<i} (x − x_j), suffix[i] = Π_{j≥i} (x − x_j)
    let mut prefix = vec![Gf16::ONE; m + 1];
    let mut suffix = vec![Gf16::ONE; m + 1];
    for i in 0..m {
        prefix[i + 1] = prefix[i] * (x + Gf16(points[i].0));
    }
    for i in (0..m).rev() {
        suffix[i] = suffix[i + 1] * (x + Gf16(points[i].0));
    }
    let mut acc = Gf16::ZERO;
    for (i, &(xi, yi)) in points.iter().enumerate() {
        let mut denominator = Gf16::ONE;
        for (j, &(xj, _)) in points.iter().enumerate() {
            if i != j {
                denominator = denominator * (Gf16(xi) + Gf16(xj));
            }
        }
        let weight = denominator.inverse().unwrap_or(Gf16::ZERO);
        acc = acc + Gf16(yi) * weight * prefix[i] * suffix[i + 1];
    }
    acc
}

// ---------------------------------------------------------------------------
// Encoder

/// How an encoder holds its blob (spqr-internals §7.5).
#[derive(Clone, Debug, PartialEq, Eq)]
enum EncoderForm {
    /// The blob itself (the "points" of every polynomial at x = 0…n_p−1).
    Points(Vec<u8>),
    /// The interpolating polynomials; used from the first parity chunk on.
    Polys(Polys),
}

/// Produces chunks 0, 1, 2, … of a blob, one per call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Encoder {
    /// Counter of the next chunk (its wire index is this modulo 2^16).
    next: u32,
    form: EncoderForm,
}

/// What producing one chunk changes in an [`Encoder`].
#[derive(Debug)]
pub(super) struct EncoderStep {
    /// The coefficient form, when this chunk is the first one that needed it.
    polys: Option<Polys>,
}

/// The stored form of an encoder: counter and sixteen big-endian lists,
/// either points or coefficients (tests; the codec writes and reads the
/// lists in place, see [`Encoder::write_stored`]).
#[cfg(test)]
pub(super) struct EncoderParts {
    pub(super) next: u32,
    pub(super) pts: Vec<Vec<u8>>,
    pub(super) polys: Vec<Vec<u8>>,
}

impl Encoder {
    /// An encoder over `blob` (even length, checked at compile time), starting
    /// at chunk 0.
    pub(super) fn new<const L: usize>(blob: &[u8; L]) -> Self {
        const { assert!(L % 2 == 0, "erasure-coded blobs have an even length") }
        Self {
            next: 0,
            form: EncoderForm::Points(blob.to_vec()),
        }
    }

    /// The counter of the next chunk.
    pub(super) fn next_counter(&self) -> u32 {
        self.next
    }

    fn symbols(&self) -> usize {
        match &self.form {
            EncoderForm::Points(blob) => blob.len() / 2,
            EncoderForm::Polys(polys) => polys.iter().map(Vec::len).sum(),
        }
    }

    /// The next chunk, and the change to commit once it is sent.
    pub(super) fn plan_next(&self) -> (Chunk, EncoderStep) {
        let index = (self.next & 0xFFFF) as u16;
        let symbols = self.symbols();
        match &self.form {
            EncoderForm::Points(blob) => {
                let systematic = (0..POLYS).all(|p| {
                    let m = points_in(symbols, p);
                    m == 0 || usize::from(index) < m
                });
                if systematic {
                    let mut data = [0u8; CHUNK_DATA_LEN];
                    let start = CHUNK_DATA_LEN * usize::from(index);
                    let end = blob.len().min(start + CHUNK_DATA_LEN);
                    if let (Some(src), Some(dst)) = (
                        blob.get(start..end),
                        data.get_mut(..end.saturating_sub(start)),
                    ) {
                        dst.copy_from_slice(src);
                    }
                    (Chunk { index, data }, EncoderStep { polys: None })
                } else {
                    let polys = interpolate_blob(blob);
                    let chunk = chunk_from_polys(&polys, index);
                    (chunk, EncoderStep { polys: Some(polys) })
                }
            }
            EncoderForm::Polys(polys) => {
                (chunk_from_polys(polys, index), EncoderStep { polys: None })
            }
        }
    }

    /// Commits a step planned on this encoder.
    pub(super) fn apply_next(&mut self, step: EncoderStep) {
        if let Some(polys) = step.polys {
            self.form = EncoderForm::Polys(polys);
        }
        self.next = self.next.wrapping_add(1);
    }

    /// The stored form.
    #[cfg(test)]
    pub(super) fn to_parts(&self) -> EncoderParts {
        let symbols = self.symbols();
        match &self.form {
            EncoderForm::Points(blob) => {
                let pts = (0..POLYS)
                    .map(|p| {
                        (0..points_in(symbols, p))
                            .flat_map(|x| {
                                let k = POLYS * x + p;
                                [blob[2 * k], blob[2 * k + 1]]
                            })
                            .collect()
                    })
                    .collect();
                EncoderParts {
                    next: self.next,
                    pts,
                    polys: Vec::new(),
                }
            }
            EncoderForm::Polys(polys) => EncoderParts {
                next: self.next,
                pts: Vec::new(),
                polys: polys
                    .iter()
                    .map(|c| c.iter().flat_map(|s| s.0.to_be_bytes()).collect())
                    .collect(),
            },
        }
    }

    /// Rebuilds an encoder over a blob of `blob_len` bytes from its stored
    /// form; `None` unless exactly one of the two lists is used, with 16
    /// entries of the sizes this blob length implies.
    #[cfg(test)]
    pub(super) fn from_parts(parts: &EncoderParts, blob_len: usize) -> Option<Self> {
        Self::from_lists(parts.next, &parts.pts, &parts.polys, blob_len)
    }

    /// As [`Encoder::from_parts`], from the stored lists as slices.
    pub(super) fn from_lists<T: AsRef<[u8]>>(
        next: u32,
        pts: &[T],
        polys: &[T],
        blob_len: usize,
    ) -> Option<Self> {
        let symbols = blob_len / 2;
        let sized = |entries: &[T]| {
            entries.len() == POLYS
                && entries
                    .iter()
                    .enumerate()
                    .all(|(p, e)| e.as_ref().len() == 2 * points_in(symbols, p))
        };
        let form = match (pts.is_empty(), polys.is_empty()) {
            (false, true) if sized(pts) => {
                let mut blob = vec![0u8; 2 * symbols];
                for (p, entry) in pts.iter().enumerate() {
                    for (x, pair) in entry.as_ref().chunks_exact(2).enumerate() {
                        let k = POLYS * x + p;
                        blob[2 * k..2 * k + 2].copy_from_slice(pair);
                    }
                }
                EncoderForm::Points(blob)
            }
            (true, false) if sized(polys) => {
                let mut decoded: Polys = Box::new(core::array::from_fn(|_| Vec::new()));
                for (poly, entry) in decoded.iter_mut().zip(polys) {
                    *poly = entry
                        .as_ref()
                        .chunks_exact(2)
                        .map(|b| Gf16(u16::from_be_bytes([b[0], b[1]])))
                        .collect();
                }
                EncoderForm::Polys(decoded)
            }
            _ => return None,
        };
        Some(Self { next, form })
    }

    /// About the size of the stored form (to size buffers).
    pub(super) fn stored_len(&self) -> usize {
        2 * self.symbols() + 3 * POLYS + 8
    }

    /// Passes the sixteen stored lists to `put`, with whether they are the
    /// coefficient form (`polys`, else `pts`); the bytes [`Encoder::to_parts`]
    /// returns, without allocating a list each.
    pub(super) fn write_stored(&self, mut put: impl FnMut(bool, &[u8])) {
        let symbols = self.symbols();
        let mut scratch = Vec::with_capacity(2 * symbols.div_ceil(POLYS));
        match &self.form {
            EncoderForm::Points(blob) => {
                for p in 0..POLYS {
                    scratch.clear();
                    for x in 0..points_in(symbols, p) {
                        let k = POLYS * x + p;
                        scratch.extend_from_slice(&blob[2 * k..2 * k + 2]);
                    }
                    put(false, &scratch);
                }
            }
            EncoderForm::Polys(polys) => {
                for coefficients in polys.iter() {
                    scratch.clear();
                    for c in coefficients {
                        scratch.extend_from_slice(&c.0.to_be_bytes());
                    }
                    put(true, &scratch);
                }
            }
        }
    }
}

fn chunk_from_polys(polys: &Polys, index: u16) -> Chunk {
    let mut data = [0u8; CHUNK_DATA_LEN];
    for (p, coefficients) in polys.iter().enumerate() {
        let y = evaluate(coefficients, Gf16(index));
        data[2 * p..2 * p + 2].copy_from_slice(&y.0.to_be_bytes());
    }
    Chunk { index, data }
}

// ---------------------------------------------------------------------------
// Decoder

/// Collects chunks of a blob until it can be rebuilt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Decoder {
    /// Symbols in the blob (L/2; the stored `pts_needed`).
    symbols: usize,
    /// Per polynomial, the stored points `(x, y)`, sorted by x, distinct x.
    points: Box<[Vec<(u16, u16)>; POLYS]>,
}

impl Decoder {
    /// An empty decoder for a blob of `blob_len` bytes (even).
    pub(super) fn new(blob_len: usize) -> Self {
        Self {
            symbols: blob_len / 2,
            points: Box::new(core::array::from_fn(|_| Vec::new())),
        }
    }

    /// Number of distinct chunk indices held for polynomial 0 (for `Debug`).
    pub(super) fn held(&self) -> usize {
        self.points[0].len()
    }

    /// Where `x` would go in `list`, and whether it is kept: a point with a
    /// stored x replaces it; a new x is kept if it is systematic (x < n_p)
    /// or the polynomial still has fewer than n_p points.
    fn placement(list: &[(u16, u16)], needed: usize, x: u16) -> Placement {
        match list.binary_search_by_key(&x, |&(px, _)| px) {
            Ok(at) => Placement::Replace(at),
            Err(at) if usize::from(x) < needed || list.len() < needed => Placement::Insert(at),
            Err(_) => Placement::Drop,
        }
    }

    /// The blob, if adding `chunk` completes it (nothing is changed).
    pub(super) fn plan_add(&self, chunk: &Chunk) -> Option<Vec<u8>> {
        let complete = self.points.iter().enumerate().all(|(p, list)| {
            let needed = points_in(self.symbols, p);
            let len = match Self::placement(list, needed, chunk.index) {
                Placement::Insert(_) => list.len() + 1,
                Placement::Replace(_) | Placement::Drop => list.len(),
            };
            len >= needed
        });
        if !complete {
            return None;
        }
        let mut blob = vec![0u8; 2 * self.symbols];
        for (p, list) in self.points.iter().enumerate() {
            let needed = points_in(self.symbols, p);
            let mut list = list.clone();
            Self::store(&mut list, needed, chunk.index, chunk.symbol(p).0);
            for (x, y) in decode_polynomial(&list, needed).into_iter().enumerate() {
                let k = POLYS * x + p;
                blob[2 * k..2 * k + 2].copy_from_slice(&y.0.to_be_bytes());
            }
        }
        Some(blob)
    }

    fn store(list: &mut Vec<(u16, u16)>, needed: usize, x: u16, y: u16) {
        match Self::placement(list, needed, x) {
            Placement::Replace(at) => list[at].1 = y,
            Placement::Insert(at) => list.insert(at, (x, y)),
            Placement::Drop => {}
        }
    }

    /// Adds `chunk` (the commit half of [`Decoder::plan_add`]).
    pub(super) fn apply_add(&mut self, chunk: &Chunk) {
        for (p, list) in self.points.iter_mut().enumerate() {
            let needed = points_in(self.symbols, p);
            Self::store(list, needed, chunk.index, chunk.symbol(p).0);
        }
    }

    /// The stored form: `pts_needed` and, per polynomial, its points as
    /// `BE16(x) ‖ BE16(y)` records.
    #[cfg(test)]
    pub(super) fn to_parts(&self) -> (u32, Vec<Vec<u8>>) {
        let pts = self
            .points
            .iter()
            .map(|list| {
                list.iter()
                    .flat_map(|&(x, y)| [x.to_be_bytes(), y.to_be_bytes()])
                    .flatten()
                    .collect()
            })
            .collect();
        (u32::try_from(self.symbols).unwrap_or(u32::MAX), pts)
    }

    /// The stored `pts_needed` (symbols in the blob).
    pub(super) fn pts_needed(&self) -> u32 {
        u32::try_from(self.symbols).unwrap_or(u32::MAX)
    }

    /// About the size of the stored form (to size buffers).
    pub(super) fn stored_len(&self) -> usize {
        self.points.iter().map(|l| 4 * l.len() + 3).sum::<usize>() + 12
    }

    /// Passes each polynomial's stored points (`BE16(x) ‖ BE16(y)` records)
    /// to `put`, without allocating a list each.
    pub(super) fn write_stored(&self, mut put: impl FnMut(&[u8])) {
        let mut scratch = Vec::new();
        for list in self.points.iter() {
            scratch.clear();
            for &(x, y) in list {
                scratch.extend_from_slice(&x.to_be_bytes());
                scratch.extend_from_slice(&y.to_be_bytes());
            }
            put(&scratch);
        }
    }

    /// Rebuilds a decoder for a blob of `blob_len` bytes; `None` if
    /// `pts_needed` does not match, there are not 16 lists, a list is not
    /// whole 4-byte records, its x values are not strictly increasing, or it
    /// holds more points than the storing rule allows (2·n_p).
    pub(super) fn from_parts<T: AsRef<[u8]>>(
        pts_needed: u32,
        polys: u32,
        pts: &[T],
        blob_len: usize,
    ) -> Option<Self> {
        let symbols = blob_len / 2;
        if usize::try_from(pts_needed).ok()? != symbols
            || polys as usize != POLYS
            || pts.len() != POLYS
        {
            return None;
        }
        let mut points: Box<[Vec<(u16, u16)>; POLYS]> =
            Box::new(core::array::from_fn(|_| Vec::new()));
        for (p, (list, entry)) in points.iter_mut().zip(pts).enumerate() {
            let entry = entry.as_ref();
            if entry.len() % 4 != 0 || entry.len() / 4 > 2 * points_in(symbols, p) {
                return None;
            }
            *list = entry
                .chunks_exact(4)
                .map(|r| {
                    (
                        u16::from_be_bytes([r[0], r[1]]),
                        u16::from_be_bytes([r[2], r[3]]),
                    )
                })
                .collect();
            if list.windows(2).any(|w| w[0].0 >= w[1].0) {
                return None;
            }
        }
        Some(Self { symbols, points })
    }
}

enum Placement {
    Replace(usize),
    Insert(usize),
    Drop,
}

/// The values at x = 0…needed−1 of the polynomial through the `needed`
/// stored points with the smallest x (`list` is sorted and long enough).
fn decode_polynomial(list: &[(u16, u16)], needed: usize) -> Vec<Gf16> {
    let basis = &list[..needed.min(list.len())];
    (0..needed)
        .map(|x| {
            let x = x_of(x);
            match basis.binary_search_by_key(&x.0, |&(px, _)| px) {
                Ok(at) => Gf16(basis[at].1),
                Err(_) => lagrange_at(basis, x),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("hex")
    }

    fn encoder_chunks(encoder: &mut Encoder, count: usize) -> Vec<Chunk> {
        (0..count)
            .map(|_| {
                let (chunk, step) = encoder.plan_next();
                encoder.apply_next(step);
                chunk
            })
            .collect()
    }

    /// Feeds `chunks` in order; returns the blob at the first completion.
    fn decode(decoder: &mut Decoder, chunks: &[Chunk]) -> Option<Vec<u8>> {
        for chunk in chunks {
            if let Some(blob) = decoder.plan_add(chunk) {
                return Some(blob);
            }
            decoder.apply_add(chunk);
        }
        None
    }

    #[test]
    fn systematic_then_parity_for_a_linear_message() {
        // spqr.md §8.2: 0x00…0x5f; chunks 3, 4, 5 continue the byte pattern.
        let blob: [u8; 96] = core::array::from_fn(|i| i as u8);
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 6);
        for (j, chunk) in chunks.iter().enumerate() {
            let expected: Vec<u8> = (0..32).map(|i| (32 * j + i) as u8).collect();
            assert_eq!(chunk.index as usize, j);
            assert_eq!(chunk.data.to_vec(), expected, "chunk {j}");
        }
        assert!(
            matches!(encoder.form, EncoderForm::Polys(_)),
            "switched to polynomials at the first parity chunk"
        );
    }

    fn message_160() -> [u8; 160] {
        core::array::from_fn(|i| ((7 * i + 1) % 256) as u8)
    }

    const PARITY_160: [(u16, &str); 5] = [
        (
            5,
            "52755c6b4d998b929aa094b386a1c3cad1d8dce6dee9cb1f0910171e16310027",
        ),
        (
            6,
            "05640b7a1d486b727d80c3a2d1b0a3aab1b8bbc689f89bcee9f0f7fe41205736",
        ),
        (
            7,
            "561958074d754b525e60105f024d838a919898a6da85cbf3c9d0d7de92dd84cb",
        ),
        (
            100,
            "0fd701c974bf150229826498768a2f9e3d8cccc9834bf2399780898ee61af00c",
        ),
        (
            65535,
            "de62d07cdbc3e03d66e361a273b0ae8abc9829ca52fe5d4562bf7cb1e320f536",
        ),
    ];

    #[test]
    fn parity_chunks_of_the_160_byte_message() {
        let blob = message_160();
        let polys = interpolate_blob(&blob);
        for (index, data) in PARITY_160 {
            assert_eq!(
                chunk_from_polys(&polys, index).data.to_vec(),
                unhex(data),
                "chunk {index}"
            );
        }
        // The encoder's own sequence reaches 5, 6, 7 after the systematic part.
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 8);
        for (j, chunk) in chunks.iter().enumerate().take(5) {
            assert_eq!(chunk.data[..], blob[32 * j..32 * j + 32]);
        }
        for (chunk, (index, data)) in chunks[5..].iter().zip(PARITY_160) {
            assert_eq!((chunk.index, chunk.data.to_vec()), (index, unhex(data)));
        }
    }

    #[test]
    fn decodes_from_parity_chunks_only() {
        let chunks: Vec<Chunk> = PARITY_160
            .iter()
            .map(|(index, data)| Chunk {
                index: *index,
                data: unhex(data).try_into().expect("32 bytes"),
            })
            .collect();
        let mut decoder = Decoder::new(160);
        assert_eq!(decode(&mut decoder, &chunks), Some(message_160().to_vec()));
        // Not before the fifth.
        let mut decoder = Decoder::new(160);
        assert_eq!(decode(&mut decoder, &chunks[..4]), None);
    }

    #[test]
    fn short_message_from_chunks_one_and_two() {
        // spqr.md §8.1 (a): ten bytes, decoded from chunks 1 and 2 only.
        let blob = *b"abcdefghij";
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 3);
        assert_eq!(&chunks[0].data[..10], b"abcdefghij");
        assert!(chunks[0].data[10..].iter().all(|&b| b == 0));
        let mut decoder = Decoder::new(10);
        assert_eq!(decode(&mut decoder, &chunks[1..3]), Some(blob.to_vec()));
    }

    #[test]
    fn long_message_from_chunks_35_to_70() {
        // spqr.md §8.1 (b): 1088 bytes of 0x03, chunks 35…70 one by one.
        let blob = [3u8; 1088];
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 71);
        let mut decoder = Decoder::new(1088);
        let mut completed_at = None;
        for chunk in &chunks[35..] {
            if let Some(decoded) = decoder.plan_add(chunk) {
                assert_eq!(decoded, blob.to_vec());
                completed_at = Some(chunk.index);
                break;
            }
            decoder.apply_add(chunk);
        }
        // 34 chunks are needed: 35…68.
        assert_eq!(completed_at, Some(68));
    }

    #[test]
    fn stored_forms_round_trip_mid_way() {
        // spqr.md §8.1 (c): persist encoder and decoder half way, finish.
        let blob = message_160();
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 7);
        let mut decoder = Decoder::new(160);
        decoder.apply_add(&chunks[6]);
        decoder.apply_add(&chunks[1]);
        let parts = encoder.to_parts();
        assert!(parts.pts.is_empty() && parts.polys.len() == 16);
        let mut encoder = Encoder::from_parts(&parts, 160).expect("encoder");
        let (pts_needed, pts) = decoder.to_parts();
        assert_eq!(pts_needed, 80);
        let mut decoder = Decoder::from_parts(pts_needed, 16, &pts, 160).expect("decoder");
        let more = encoder_chunks(&mut encoder, 3);
        assert_eq!(more[0].index, 7);
        assert_eq!(decode(&mut decoder, &more), Some(blob.to_vec()));

        // A fresh encoder persists in point form, regrouped per polynomial.
        let fresh = Encoder::new(&blob).to_parts();
        assert_eq!(fresh.pts.len(), 16);
        assert_eq!(
            fresh.pts[1],
            vec![
                blob[2], blob[3], blob[34], blob[35], blob[66], blob[67], blob[98], blob[99],
                blob[130], blob[131]
            ]
        );
        assert_eq!(Encoder::from_parts(&fresh, 160), Some(Encoder::new(&blob)));
    }

    #[test]
    fn stored_forms_are_checked() {
        let blob = message_160();
        let good = Encoder::new(&blob).to_parts();
        let both = EncoderParts {
            next: 0,
            pts: good.pts.clone(),
            polys: good.pts.clone(),
        };
        assert!(Encoder::from_parts(&both, 160).is_none());
        let neither = EncoderParts {
            next: 0,
            pts: Vec::new(),
            polys: Vec::new(),
        };
        assert!(Encoder::from_parts(&neither, 160).is_none());
        let mut short = EncoderParts {
            next: 0,
            pts: good.pts.clone(),
            polys: Vec::new(),
        };
        short.pts[3].pop();
        assert!(Encoder::from_parts(&short, 160).is_none());
        let fifteen = EncoderParts {
            next: 0,
            pts: good.pts[..15].to_vec(),
            polys: Vec::new(),
        };
        assert!(Encoder::from_parts(&fifteen, 160).is_none());
        assert!(
            Encoder::from_parts(&good, 96).is_none(),
            "sizes of another blob"
        );

        let empty = vec![Vec::new(); 16];
        assert!(Decoder::from_parts(80, 16, &empty, 160).is_some());
        assert!(
            Decoder::from_parts(48, 16, &empty, 160).is_none(),
            "pts_needed mismatch"
        );
        assert!(Decoder::from_parts(80, 15, &empty, 160).is_none());
        assert!(Decoder::from_parts(80, 16, &empty[..15], 160).is_none());
        let mut odd = empty.clone();
        odd[2] = vec![0, 1, 0];
        assert!(Decoder::from_parts(80, 16, &odd, 160).is_none());
        let mut unsorted = empty.clone();
        unsorted[0] = vec![0, 2, 0, 0, 0, 1, 0, 0];
        assert!(Decoder::from_parts(80, 16, &unsorted, 160).is_none());
        let mut too_many = empty;
        too_many[0] = (0u16..11)
            .flat_map(|x| [x.to_be_bytes(), [0, 0]])
            .flatten()
            .collect();
        assert!(Decoder::from_parts(80, 16, &too_many, 160).is_none());
    }

    #[test]
    fn a_duplicate_index_replaces_the_stored_point() {
        let blob = message_160();
        let mut encoder = Encoder::new(&blob);
        let chunks = encoder_chunks(&mut encoder, 5);
        let mut decoder = Decoder::new(160);
        let mut bad = chunks[0];
        bad.data[0] ^= 1;
        decoder.apply_add(&bad);
        decoder.apply_add(&chunks[0]); // newer wins
        assert_eq!(decode(&mut decoder, &chunks[1..]), Some(blob.to_vec()));
    }

    #[test]
    fn interpolation_survives_a_change_of_points() {
        // spqr.md §8.1 (d): 30 points, re-evaluated at 30…59, re-interpolated.
        let blob: Vec<u8> = (0..960u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let blob: [u8; 960] = blob.try_into().expect("960");
        let polys = interpolate_blob(&blob);
        for (p, coefficients) in polys.iter().enumerate() {
            assert_eq!(coefficients.len(), 30);
            let moved: Vec<(u16, u16)> = (30u16..60)
                .map(|x| (x, evaluate(coefficients, Gf16(x)).0))
                .collect();
            let original: Vec<Gf16> = (0..30)
                .map(|x| {
                    Gf16(u16::from_be_bytes([
                        blob[32 * x + 2 * p],
                        blob[32 * x + 2 * p + 1],
                    ]))
                })
                .collect();
            assert_eq!(decode_polynomial(&moved, 30), original);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any N distinct indices decode; duplicates and extra chunks are harmless.
        #[test]
        fn any_distinct_indices_decode(
            seed in any::<u64>(),
            indices in proptest::collection::vec(0u16..200, 1..60),
        ) {
            let blob: Vec<u8> = (0..160u64).map(|i| (seed.rotate_left((i % 64) as u32) ^ i.wrapping_mul(0x9e37)) as u8).collect();
            let blob: [u8; 160] = blob.try_into().expect("160");
            let polys = interpolate_blob(&blob);
            let mut decoder = Decoder::new(160);
            let mut distinct = std::collections::BTreeSet::new();
            let mut result = None;
            for &index in &indices {
                let chunk = chunk_from_polys(&polys, index);
                distinct.insert(index);
                if let Some(decoded) = decoder.plan_add(&chunk) {
                    result = Some(decoded);
                    break;
                }
                decoder.apply_add(&chunk);
                prop_assert!(distinct.len() < 5, "five distinct chunks always complete");
            }
            match result {
                Some(decoded) => { prop_assert_eq!(decoded, blob.to_vec()); prop_assert_eq!(distinct.len(), 5); }
                None => prop_assert!(distinct.len() < 5),
            }
        }
    }
}
