//! GF(2^16) with the modulus x^16 + x^12 + x^3 + x + 1 (spqr-internals §7.1).
//!
//! Elements are 16-bit patterns; the integer n in 0…65535 is the element with
//! the same bits. Addition is XOR; multiplication is carry-less
//! multiplication reduced by the modulus, computed without branches or tables
//! (the erasure-coded data is public, but there is no reason to leak it
//! either).

use core::ops::{Add, Mul};

/// The reduction polynomial, bit 16 included.
const MODULUS: u32 = 0x1_100B;

/// An element of GF(2^16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Gf16(pub(super) u16);

impl Gf16 {
    pub(super) const ZERO: Self = Self(0);
    pub(super) const ONE: Self = Self(1);

    /// `self^e` by square-and-multiply.
    pub(super) fn pow(self, mut e: u32) -> Self {
        let mut base = self;
        let mut acc = Self::ONE;
        while e != 0 {
            if e & 1 == 1 {
                acc = acc * base;
            }
            base = base * base;
            e >>= 1;
        }
        acc
    }

    /// The multiplicative inverse, `self^(2^16 − 2)`; `None` for zero.
    pub(super) fn inverse(self) -> Option<Self> {
        (self != Self::ZERO).then(|| self.pow(0xFFFE))
    }
}

impl Add for Gf16 {
    type Output = Self;
    // Addition in characteristic 2 is XOR (and equals subtraction).
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn add(self, rhs: Self) -> Self {
        Self(self.0 ^ rhs.0)
    }
}

impl Mul for Gf16 {
    type Output = Self;
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn mul(self, rhs: Self) -> Self {
        let a = u32::from(self.0);
        let b = u32::from(rhs.0);
        let mut product = 0u32;
        for i in 0..16 {
            // All-ones when bit i of b is set.
            let mask = 0u32.wrapping_sub((b >> i) & 1);
            product ^= (a << i) & mask;
        }
        for i in (16..31).rev() {
            let mask = 0u32.wrapping_sub((product >> i) & 1);
            product ^= (MODULUS << (i - 16)) & mask;
        }
        // Bits 16 and up are now clear.
        Self((product & 0xFFFF) as u16)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// An independent multiplier: schoolbook polynomial multiplication over
    /// bit vectors, then long division by the modulus.
    fn reference_mul(a: u16, b: u16) -> u16 {
        let mut bits = [0u8; 31];
        for i in 0..16 {
            for j in 0..16 {
                bits[i + j] ^= ((a >> i) & 1) as u8 & ((b >> j) & 1) as u8;
            }
        }
        let modulus_bits = [0usize, 1, 3, 12, 16];
        for top in (16..31).rev() {
            if bits[top] == 1 {
                for m in modulus_bits {
                    bits[top - 16 + m] ^= 1;
                }
            }
        }
        (0..16).fold(0u16, |acc, i| acc | (u16::from(bits[i]) << i))
    }

    #[test]
    fn known_products_and_inverse() {
        // spqr.md §8.2
        assert_eq!(Gf16(0x0002) * Gf16(0x8000), Gf16(0x100b));
        assert_eq!(Gf16(0x1234) * Gf16(0x5678), Gf16(0x6324));
        assert_eq!(Gf16(0xffff) * Gf16(0xffff), Gf16(0x0733));
        assert_eq!(Gf16(0x0003) * Gf16(0x0007), Gf16(0x0009));
        assert_eq!(Gf16(0x0002).inverse(), Some(Gf16(0x8805)));
        assert_eq!(Gf16::ZERO.inverse(), None);
        assert_eq!(Gf16(0x1234) + Gf16(0x1234), Gf16::ZERO);
    }

    proptest! {
        #[test]
        fn multiplication_matches_reference(a: u16, b: u16) {
            prop_assert_eq!((Gf16(a) * Gf16(b)).0, reference_mul(a, b));
        }

        #[test]
        fn field_laws(a: u16, b: u16, c: u16) {
            let (a, b, c) = (Gf16(a), Gf16(b), Gf16(c));
            prop_assert_eq!(a * b, b * a);
            prop_assert_eq!((a * b) * c, a * (b * c));
            prop_assert_eq!(a * (b + c), a * b + a * c);
            if let Some(inv) = a.inverse() {
                prop_assert_eq!(a * inv, Gf16::ONE);
                // Division: (a·b)/a = b.
                prop_assert_eq!(a * b * inv, b);
            }
        }
    }
}
