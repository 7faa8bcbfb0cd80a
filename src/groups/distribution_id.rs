//! The distribution ID: a UUID the application picks per group (sender-keys.md §2).

use core::fmt;
use core::str::FromStr;

/// Identifies one sender-key distribution (typically one per group). On the
/// wire it is the 16 RFC 4122 bytes in the order of the canonical text form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DistributionId([u8; 16]);

impl DistributionId {
    /// The ID with these 16 bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes as they appear on the wire.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }
}

/// Text that is not a hyphenated UUID (`8-4-4-4-12` hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a hyphenated UUID")]
pub struct InvalidDistributionId;

impl FromStr for DistributionId {
    type Err = InvalidDistributionId;

    /// Parses the hyphenated form, `d1d1d1d1-7000-11eb-b32a-33b8a8a487a6`,
    /// in either case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        const HYPHENS: [usize; 4] = [8, 13, 18, 23];
        let bytes = text.as_bytes();
        if bytes.len() != 36 || HYPHENS.iter().any(|&i| bytes[i] != b'-') {
            return Err(InvalidDistributionId);
        }
        let mut digits = bytes
            .iter()
            .enumerate()
            .filter(|(i, _)| !HYPHENS.contains(i))
            .map(|(_, &b)| b);
        let mut out = [0u8; 16];
        for byte in &mut out {
            let high = hex_digit(digits.next())?;
            let low = hex_digit(digits.next())?;
            *byte = (high << 4) | low;
        }
        Ok(Self(out))
    }
}

fn hex_digit(digit: Option<u8>) -> Result<u8, InvalidDistributionId> {
    match digit {
        Some(d @ b'0'..=b'9') => Ok(d - b'0'),
        Some(d @ b'a'..=b'f') => Ok(d - b'a' + 10),
        Some(d @ b'A'..=b'F') => Ok(d - b'A' + 10),
        _ => Err(InvalidDistributionId),
    }
}

impl fmt::Display for DistributionId {
    /// The lowercase hyphenated form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DistributionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DistributionId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_in_wire_order() {
        let id: DistributionId = "D1D1D1D1-7000-11eb-b32a-33b8a8a487a6".parse().unwrap();
        assert_eq!(
            id.as_bytes()[..8],
            [0xd1, 0xd1, 0xd1, 0xd1, 0x70, 0x00, 0x11, 0xeb]
        );
        assert_eq!(id.to_string(), "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6");
        assert_eq!(
            format!("{id:?}"),
            "DistributionId(d1d1d1d1-7000-11eb-b32a-33b8a8a487a6)"
        );
        for bad in [
            "",
            "d1d1d1d1700011ebb32a33b8a8a487a6",
            "d1d1d1d1-7000-11eb-b32a-33b8a8a487a",
            "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6a",
            "d1d1d1d1-7000-11eb-b32a-33b8a8a487ag",
            "d1d1d1d1+7000-11eb-b32a-33b8a8a487a6",
        ] {
            assert_eq!(
                bad.parse::<DistributionId>(),
                Err(InvalidDistributionId),
                "{bad}"
            );
        }
    }
}
