//! Reading the JSON test vectors in test-vectors/libsignal/.

use hush::address::{DeviceId, ProtocolAddress};
use serde_json::Value;

/// Loads `test-vectors/libsignal/<name>`.
pub fn load(name: &str) -> Value {
    let path = format!(
        "{}/test-vectors/libsignal/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("valid JSON")
}

/// A lowercase-hex string as bytes.
pub fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// A JSON number as a u32.
pub fn id(v: &Value) -> u32 {
    u32::try_from(v.as_u64().expect("number")).expect("fits in u32")
}

/// `{"name", "device_id"}` as an address.
pub fn address(v: &Value) -> ProtocolAddress {
    ProtocolAddress::new(
        v["name"].as_str().expect("name"),
        DeviceId::new(id(&v["device_id"])).expect("device id"),
    )
}
