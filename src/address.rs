//! Device IDs and protocol addresses (keys-and-signatures.md §6).

use core::fmt;

/// A device ID was outside `1..=127`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid device ID {0}: must be in 1..=127")]
pub struct InvalidDeviceId(pub u32);

/// A device identifier, always in `1..=127`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(u8);

impl DeviceId {
    /// The largest valid device ID.
    pub const MAX: u8 = 127;

    /// Checks the range `1..=127`.
    ///
    /// # Errors
    /// [`InvalidDeviceId`] for 0 or anything above 127.
    pub fn new(id: u32) -> Result<Self, InvalidDeviceId> {
        match u8::try_from(id) {
            Ok(small) if (1..=Self::MAX).contains(&small) => Ok(Self(small)),
            _ => Err(InvalidDeviceId(id)),
        }
    }

    /// The numeric value.
    #[must_use]
    pub fn get(self) -> u32 {
        u32::from(self.0)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A classic device ID was outside `1..=2^31 − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid classic device ID {0}: must be in 1..=2147483647")]
pub struct InvalidClassicDeviceId(pub u32);

/// A device identifier for classic (version 3) sessions, in
/// `1..=2^31 − 1`: OMEMO device IDs are 31-bit. Version-4 sessions keep
/// [`DeviceId`] (`1..=127`); this type never converts into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClassicDeviceId(u32);

impl ClassicDeviceId {
    /// The largest valid classic device ID, `2^31 − 1`.
    pub const MAX: u32 = 0x7FFF_FFFF;

    /// Checks the range `1..=2^31 − 1`.
    ///
    /// # Errors
    /// [`InvalidClassicDeviceId`] for 0 or anything above `2^31 − 1`.
    pub fn new(id: u32) -> Result<Self, InvalidClassicDeviceId> {
        if (1..=Self::MAX).contains(&id) {
            Ok(Self(id))
        } else {
            Err(InvalidClassicDeviceId(id))
        }
    }

    /// The numeric value.
    #[must_use]
    pub fn get(self) -> u32 {
        self.0
    }
}

impl From<DeviceId> for ClassicDeviceId {
    fn from(id: DeviceId) -> Self {
        Self(id.get())
    }
}

impl fmt::Display for ClassicDeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A remote device: a name (normally a ServiceId string) and a device ID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolAddress {
    name: String,
    device_id: DeviceId,
}

impl ProtocolAddress {
    /// Builds an address.
    #[must_use]
    pub fn new(name: impl Into<String>, device_id: DeviceId) -> Self {
        Self {
            name: name.into(),
            device_id,
        }
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device ID.
    #[must_use]
    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }
}

impl fmt::Display for ProtocolAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.name, self.device_id)
    }
}

/// Which kind of account identifier a [`ServiceId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceIdKind {
    /// Account identifier (ACI); written as a bare UUID.
    Aci,
    /// Phone-number identifier (PNI); written as `PNI:` and a UUID.
    Pni,
}

/// An account identifier: ACI or PNI and a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId {
    kind: ServiceIdKind,
    uuid: [u8; 16],
}

impl ServiceId {
    /// Length of the fixed-width binary form.
    pub const FIXED_WIDTH_LEN: usize = 17;

    /// Builds a service ID.
    #[must_use]
    pub fn new(kind: ServiceIdKind, uuid: [u8; 16]) -> Self {
        Self { kind, uuid }
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (ACI) or `PNI:` followed by
    /// that form; hex digits in either case. Any other text is not a service ID.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, uuid) = match text.strip_prefix("PNI:") {
            Some(rest) => (ServiceIdKind::Pni, rest),
            None => (ServiceIdKind::Aci, text),
        };
        Some(Self {
            kind,
            uuid: parse_hyphenated_uuid(uuid)?,
        })
    }

    /// The kind.
    #[must_use]
    pub fn kind(&self) -> ServiceIdKind {
        self.kind
    }

    /// The UUID bytes in RFC 4122 order.
    #[must_use]
    pub fn uuid(&self) -> &[u8; 16] {
        &self.uuid
    }

    /// The 17-byte binary form: kind byte (`0x00` ACI, `0x01` PNI) and UUID.
    #[must_use]
    pub fn fixed_width(&self) -> [u8; Self::FIXED_WIDTH_LEN] {
        let mut out = [0u8; Self::FIXED_WIDTH_LEN];
        out[0] = match self.kind {
            ServiceIdKind::Aci => 0x00,
            ServiceIdKind::Pni => 0x01,
        };
        out[1..].copy_from_slice(&self.uuid);
        out
    }

    /// Parses the 17-byte binary form.
    #[must_use]
    pub fn from_fixed_width(bytes: &[u8]) -> Option<Self> {
        let (&kind, uuid) = bytes.split_first()?;
        let kind = match kind {
            0x00 => ServiceIdKind::Aci,
            0x01 => ServiceIdKind::Pni,
            _ => return None,
        };
        Some(Self {
            kind,
            uuid: uuid.try_into().ok()?,
        })
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ServiceIdKind::Pni {
            f.write_str("PNI:")?;
        }
        for (i, byte) in self.uuid.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

fn parse_hyphenated_uuid(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let mut digits = bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| ![8, 13, 18, 23].contains(i))
        .map(|(_, &b)| b);
    let mut uuid = [0u8; 16];
    for out in &mut uuid {
        let high = hex_value(digits.next()?)?;
        let low = hex_value(digits.next()?)?;
        *out = (high << 4) | low;
    }
    Some(uuid)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_ids_parse_and_print() {
        let aci = ServiceId::parse("9D0652A3-dcc3-4d11-975f-74d61598733f").unwrap();
        assert_eq!(aci.to_string(), "9d0652a3-dcc3-4d11-975f-74d61598733f");
        assert_eq!(aci.fixed_width()[..3], [0x00, 0x9d, 0x06]);
        let pni = ServiceId::parse("PNI:796abedb-ca4e-4f18-8803-1fde5b921f9f").unwrap();
        assert_eq!(pni.fixed_width()[0], 0x01);
        assert_eq!(ServiceId::from_fixed_width(&pni.fixed_width()), Some(pni));
        for bad in [
            "alice",
            "9d0652a3dcc34d11975f74d61598733f",
            "9d0652a3-dcc3-4d11-975f-74d61598733",
            "pni:796abedb-ca4e-4f18-8803-1fde5b921f9f",
            "9d0652a3-dcc3-4d11-975f-74d61598733g",
        ] {
            assert_eq!(ServiceId::parse(bad), None, "{bad}");
        }
        assert!(
            DeviceId::new(0).is_err() && DeviceId::new(128).is_err() && DeviceId::new(127).is_ok()
        );
    }

    #[test]
    fn classic_device_ids_are_31_bit_and_v4_ids_stay_7_bit() {
        assert_eq!(ClassicDeviceId::new(0), Err(InvalidClassicDeviceId(0)));
        assert_eq!(
            ClassicDeviceId::new(0x7FFF_FFFF).unwrap().get(),
            0x7FFF_FFFF
        );
        assert_eq!(
            ClassicDeviceId::new(0x8000_0000),
            Err(InvalidClassicDeviceId(0x8000_0000))
        );
        assert_eq!(
            ClassicDeviceId::new(1_234_567).unwrap().to_string(),
            "1234567"
        );
        assert!(DeviceId::new(128).is_err() && DeviceId::new(1_234_567).is_err());
        let v4 = DeviceId::new(127).unwrap();
        assert_eq!(ClassicDeviceId::from(v4).get(), 127);
    }
}
