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
        Self { name: name.into(), device_id }
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
