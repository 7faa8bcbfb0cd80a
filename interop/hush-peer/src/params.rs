//! Typed access to a request's parameters, with the checks and `BadRequest`
//! texts of interop/PROTOCOL.md ("Conventions"). A parameter that is absent
//! or `null` counts as not given.

use hush::address::{DeviceId, ProtocolAddress};
use hush::keys::{PrivateKey, PublicKey};
use hush::messages::CiphertextMessageType;
use serde_json::{Map, Value};

use crate::error::{PeerError, Result};

/// Largest integer a JavaScript driver can send exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The members of one request object.
pub struct Params<'a>(&'a Map<String, Value>);

impl<'a> Params<'a> {
    pub fn new(members: &'a Map<String, Value>) -> Self {
        Self(members)
    }

    /// The parameter's value, unless absent or `null`.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A hex byte string (either case, even length).
    pub fn hex(&self, name: &str) -> Result<Vec<u8>> {
        self.hex_opt(name)?.ok_or_else(|| missing(name))
    }

    pub fn hex_opt(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.get(name).map(|v| hex_value(name, v)).transpose()
    }

    /// A hex byte string of exactly `len` bytes.
    pub fn hex_exact<const N: usize>(&self, name: &str) -> Result<Option<[u8; N]>> {
        let Some(bytes) = self.hex_opt(name)? else {
            return Ok(None);
        };
        let len = bytes.len();
        bytes
            .try_into()
            .map(Some)
            .map_err(|_| PeerError::bad_request(format!("{name} must be {N} bytes, got {len}")))
    }

    /// An integer in `min..=max`.
    pub fn int(&self, name: &str, min: u64, max: u64) -> Result<u64> {
        self.int_opt(name, min, max)?.ok_or_else(|| missing(name))
    }

    pub fn int_opt(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let n = integer(v)
            .ok_or_else(|| PeerError::bad_request(format!("{name} must be an integer")))?;
        u64::try_from(n)
            .ok()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| PeerError::bad_request(format!("{name} must be in [{min}, {max}]")))
    }

    /// An integer in `0..=u32::MAX` (ids, registration ids).
    pub fn u32_opt(&self, name: &str) -> Result<Option<u32>> {
        // The range check makes the narrowing lossless.
        Ok(self
            .int_opt(name, 0, u64::from(u32::MAX))?
            .map(|n| n as u32))
    }

    pub fn string(&self, name: &str) -> Result<&'a str> {
        self.string_opt(name)?.ok_or_else(|| missing(name))
    }

    pub fn string_opt(&self, name: &str) -> Result<Option<&'a str>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(PeerError::bad_request(format!("{name} must be a string"))),
        }
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(PeerError::bad_request(format!(
                "{name} must be true or false"
            ))),
        }
    }

    /// A message type: `2`, `3`, `7`, `8` or a name (`whisper`, `prekey`,
    /// `senderkey`, `plaintext` and the aliases `peer.mjs` accepts).
    pub fn message_type(&self, name: &str) -> Result<Option<CiphertextMessageType>> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let kind = match v {
            Value::Number(_) => integer(v)
                .and_then(|n| u8::try_from(n).ok())
                .and_then(CiphertextMessageType::from_u8),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "whisper" | "signal" | "message" | "ciphertext" => {
                    Some(CiphertextMessageType::Whisper)
                }
                "prekey" | "prekey_bundle" => Some(CiphertextMessageType::PreKey),
                "senderkey" | "sender_key" => Some(CiphertextMessageType::SenderKey),
                "plaintext" => Some(CiphertextMessageType::Plaintext),
                _ => None,
            },
            _ => None,
        };
        kind.map(Some).ok_or_else(|| {
            PeerError::bad_request(format!(
                r#"{name} must be 2/"whisper", 3/"prekey", 7/"senderkey" or 8/"plaintext""#
            ))
        })
    }

    /// An address object `{name, device_id? (1)}`.
    pub fn address(&self, name: &str) -> Result<ProtocolAddress> {
        let Some(Value::Object(members)) = self.get(name) else {
            return Err(PeerError::bad_request(format!(
                "{name} must be an object {{name, device_id}}"
            )));
        };
        let inner = Params(members);
        let who = inner.string("name")?;
        if who.is_empty() {
            return Err(PeerError::bad_request(format!(
                "{name}.name must not be empty"
            )));
        }
        Ok(ProtocolAddress::new(who, inner.device_id("device_id")?))
    }

    /// A device id in `1..=127`, default 1.
    pub fn device_id(&self, name: &str) -> Result<DeviceId> {
        let id = self
            .int_opt(name, 1, u64::from(DeviceId::MAX))?
            .unwrap_or(1);
        DeviceId::new(id as u32).map_err(|e| PeerError::bad_request(e.to_string()))
    }

    /// A serialized EC public key (parsed by hush: its errors are library errors).
    pub fn public_key(&self, name: &str) -> Result<PublicKey> {
        Ok(PublicKey::deserialize(&self.hex(name)?)?)
    }

    /// A 32-byte EC private key (clamped on load, as libsignal does).
    pub fn private_key_opt(&self, name: &str) -> Result<Option<PrivateKey>> {
        Ok(self
            .hex_opt(name)?
            .map(|b| PrivateKey::deserialize(&b))
            .transpose()?)
    }
}

fn missing(name: &str) -> PeerError {
    PeerError::bad_request(format!("missing parameter {name}"))
}

fn hex_value(name: &str, v: &Value) -> Result<Vec<u8>> {
    let Value::String(s) = v else {
        return Err(PeerError::bad_request(format!(
            "{name} must be a hex string"
        )));
    };
    hex::decode(s).map_err(|_| {
        PeerError::bad_request(format!("{name} is not valid hex (even length, 0-9a-f)"))
    })
}

/// A JSON number with an integral value (`3` and `3.0` alike, as in JavaScript).
fn integer(v: &Value) -> Option<i128> {
    let Value::Number(n) = v else {
        return None;
    };
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    // Beyond 2^64 every f64 is integral, but no parameter accepts such values.
    (f.fract() == 0.0 && f.abs() < 1.8e19).then_some(f as i128)
}
