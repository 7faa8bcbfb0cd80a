//! Sealed sender v2: one random secret `M` wrapped per recipient identity,
//! one AES-256-GCM-SIV payload shared by all (sealed-sender.md §6.1–§6.4,
//! §6.7). The server splits the uploaded SentMessage into one
//! ReceivedMessage per recipient ([`super::SentMessage`]).

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::content::UnidentifiedSenderMessageContent;
use super::errors::{SealError, UnsealError};
use super::{hkdf, MAX_DEVICES_PER_RECIPIENT, MAX_RECIPIENTS};
use crate::address::{DeviceId, ProtocolAddress, ServiceId};
use crate::keys::{IdentityKey, IdentityKeyPair, KeyError, KeyPair, PrivateKey, PublicKey};
use crate::primitives::{aes256_gcm_siv_decrypt, aes256_gcm_siv_encrypt};
use crate::session::SessionRecord;

/// The version byte of a ReceivedMessage (what each recipient gets).
pub const V2_RECEIVED_VERSION_BYTE: u8 = 0x22;
/// The version byte of a SentMessage with 17-byte service IDs (what v2
/// encryption produces).
pub const V2_SENT_VERSION_BYTE: u8 = 0x23;
/// The version byte of the legacy SentMessage with 16-byte ACI UUIDs (parsed,
/// never produced).
pub const V2_SENT_LEGACY_VERSION_BYTE: u8 = 0x22;
/// The largest registration ID v2 can carry (14 bits).
pub const MAX_REGISTRATION_ID: u32 = 0x3FFF;

const LABEL_R: &[u8] = b"Sealed Sender v2: r (2023-08)";
const LABEL_K: &[u8] = b"Sealed Sender v2: K";
const LABEL_DH: &[u8] = b"Sealed Sender v2: DH";
const LABEL_DH_S: &[u8] = b"Sealed Sender v2: DH-sender";
const NONCE: [u8; 12] = [0; 12];

/// Length of a recipient's key material: `C_i` (32) and `AT_i` (16).
pub(crate) const KEY_MATERIAL_LEN: usize = 48;
/// Length of the raw ephemeral public key on the wire.
pub(crate) const EPHEMERAL_LEN: usize = 32;

/// One device of a multi-recipient destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipientDevice {
    /// The device.
    pub device_id: DeviceId,
    /// The registration ID of our session with that device; must fit in 14
    /// bits.
    pub registration_id: u32,
}

/// One destination account of [`seal_v2`]: its service ID, its identity key
/// and the devices to deliver to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The account.
    pub service_id: ServiceId,
    /// The account's identity key (shared by its devices).
    pub identity_key: IdentityKey,
    /// The devices, in the order the server should see them; 1 to
    /// [`MAX_DEVICES_PER_RECIPIENT`].
    pub devices: Vec<RecipientDevice>,
}

/// Builds [`seal_v2`]'s recipients from one session per destination device,
/// as libsignal does (§6.4): consecutive destinations with the same name
/// form one recipient (a name that reappears later forms another, which the
/// server merges); the identity key is the first session's remote identity,
/// and each device's registration ID its session's.
///
/// # Errors
/// [`SealError::InvalidServiceId`] for a name that is not a service ID
/// string; [`SealError::SessionNotFound`] for a record without a current
/// state.
pub fn recipients_from_sessions(
    destinations: &[(&ProtocolAddress, &SessionRecord)],
) -> Result<Vec<Recipient>, SealError> {
    let mut recipients: Vec<Recipient> = Vec::new();
    let mut previous_name: Option<&str> = None;
    for (address, record) in destinations {
        let registration_id = record
            .remote_registration_id()
            .ok_or_else(|| SealError::SessionNotFound((*address).clone()))?;
        let device = RecipientDevice {
            device_id: address.device_id(),
            registration_id,
        };
        match recipients.last_mut() {
            Some(last) if previous_name == Some(address.name()) => last.devices.push(device),
            _ => {
                let service_id = ServiceId::parse(address.name())
                    .ok_or_else(|| SealError::InvalidServiceId(address.name().to_owned()))?;
                let identity_key = *record
                    .remote_identity()
                    .ok_or_else(|| SealError::SessionNotFound((*address).clone()))?;
                recipients.push(Recipient {
                    service_id,
                    identity_key,
                    devices: vec![device],
                });
            }
        }
        previous_name = Some(address.name());
    }
    Ok(recipients)
}

/// The per-message secrets derived from `M` (§6.2).
pub(super) struct MessageKeys {
    pub(super) ephemeral: KeyPair,
    pub(super) payload_key: Zeroizing<[u8; 32]>,
}

pub(super) fn derive(m: &[u8; 32]) -> Result<MessageKeys, KeyError> {
    let r = hkdf::<32>(None, &[m], LABEL_R);
    // Clamps `r`, as §6.2 asks; 32 bytes always load.
    let ephemeral = KeyPair::from_private(PrivateKey::deserialize(&r[..])?);
    let payload_key = hkdf::<32>(None, &[m], LABEL_K);
    Ok(MessageKeys {
        ephemeral,
        payload_key,
    })
}

/// `C_i` from the DH of the ephemeral key and the recipient (either side).
pub(super) fn wrapping_key(
    dh: &[u8; 32],
    ephemeral: &PublicKey,
    recipient: &IdentityKey,
) -> Zeroizing<[u8; 32]> {
    hkdf::<32>(
        None,
        &[dh, &ephemeral.serialize(), &recipient.serialize()],
        LABEL_DH,
    )
}

/// `AT_i` from the DH of the sender and the recipient (either side).
fn authentication_tag(
    dh: &[u8; 32],
    ephemeral: &PublicKey,
    c: &[u8],
    sender: &IdentityKey,
    recipient: &IdentityKey,
) -> Zeroizing<[u8; 16]> {
    hkdf::<16>(
        None,
        &[
            dh,
            &ephemeral.serialize(),
            c,
            &sender.serialize(),
            &recipient.serialize(),
        ],
        LABEL_DH_S,
    )
}

/// `C_i || AT_i` for one recipient identity.
pub(super) fn key_material(
    keys: &MessageKeys,
    m: &[u8; 32],
    recipient: &IdentityKey,
    sender: &IdentityKeyPair,
) -> Result<[u8; KEY_MATERIAL_LEN], KeyError> {
    let dh = keys.ephemeral.private_key.agree(recipient.public_key())?;
    let mut out = [0u8; KEY_MATERIAL_LEN];
    let wrap = wrapping_key(&dh, &keys.ephemeral.public_key, recipient);
    for (o, (w, s)) in out[..32].iter_mut().zip(wrap.iter().zip(m.iter())) {
        *o = w ^ s;
    }
    let sender_dh = sender.private_key().agree(recipient.public_key())?;
    let tag = authentication_tag(
        &sender_dh,
        &keys.ephemeral.public_key,
        &out[..32],
        sender.identity_key(),
        recipient,
    );
    out[32..].copy_from_slice(&tag[..]);
    Ok(out)
}

fn random_secret<R: CryptoRng + ?Sized>(rng: &mut R) -> Zeroizing<[u8; 32]> {
    let mut m = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut m[..]);
    m
}

/// Seals `content` for several recipients at once (§6.4), producing the
/// SentMessage (version `0x23`) to upload; the server turns it into one
/// ReceivedMessage per recipient with [`super::SentMessage`]. `excluded`
/// lists group members who get nothing (the server needs to know they were
/// left out on purpose). `sender` must be the identity the content's
/// sender certificate names. Draws 32 bytes from `rng`.
///
/// At most [`MAX_RECIPIENTS`] entries (recipients plus excluded) and
/// [`MAX_DEVICES_PER_RECIPIENT`] devices per recipient.
///
/// # Errors
/// [`SealError::SenderIdentityMismatch`], [`SealError::TooManyRecipients`],
/// [`SealError::BadDeviceCount`], [`SealError::InvalidRegistrationId`],
/// [`SealError::RedundantExcludedRecipient`], [`SealError::Key`] for a
/// degenerate recipient key; nothing is produced.
pub fn seal_v2<R: CryptoRng + ?Sized>(
    recipients: &[Recipient],
    excluded: &[ServiceId],
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    rng: &mut R,
) -> Result<Vec<u8>, SealError> {
    let m = random_secret(rng);
    seal_v2_with_secret(recipients, excluded, content, sender, &m, 1)
}

/// [`seal_v2`] spread over `threads` threads (scoped threads of the
/// standard library, started for this call and joined before it returns;
/// no pool and no global state). The two X25519 agreements per recipient
/// dominate the cost, so with many recipients the time divides by about the
/// number of cores. The output is byte-identical to [`seal_v2`]'s for the
/// same `rng`, and `rng` is only used on the calling thread (32 bytes).
/// `threads` of 0 or 1, or fewer than 32 recipients, run on the calling
/// thread.
///
/// # Errors
/// As [`seal_v2`]; nothing is produced.
pub fn seal_v2_parallel<R: CryptoRng + ?Sized>(
    recipients: &[Recipient],
    excluded: &[ServiceId],
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    threads: usize,
    rng: &mut R,
) -> Result<Vec<u8>, SealError> {
    let m = random_secret(rng);
    seal_v2_with_secret(recipients, excluded, content, sender, &m, threads)
}

/// Fewest recipients per thread worth a thread of its own.
const RECIPIENTS_PER_THREAD_MIN: usize = 16;

/// `C_i || AT_i` of every recipient, in order, on up to `threads` threads.
fn all_key_material(
    keys: &MessageKeys,
    m: &[u8; 32],
    recipients: &[Recipient],
    sender: &IdentityKeyPair,
    threads: usize,
) -> Result<Vec<[u8; KEY_MATERIAL_LEN]>, KeyError> {
    let one = |r: &Recipient| key_material(keys, m, &r.identity_key, sender);
    let threads = threads.min(recipients.len() / RECIPIENTS_PER_THREAD_MIN);
    if threads <= 1 {
        return recipients.iter().map(one).collect();
    }
    let per_thread = recipients.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = recipients
            .chunks(per_thread)
            .map(|part| scope.spawn(move || part.iter().map(one).collect::<Result<Vec<_>, _>>()))
            .collect();
        let mut all = Vec::with_capacity(recipients.len());
        for part in parts {
            // A panic in a worker (there is no panicking code on this path)
            // is passed on as it would be without threads.
            let part = part
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            all.extend(part);
        }
        Ok(all)
    })
}

/// [`seal_v2`] with a given secret `M` (for known-answer tests), on up to
/// `threads` threads.
pub(crate) fn seal_v2_with_secret(
    recipients: &[Recipient],
    excluded: &[ServiceId],
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    m: &[u8; 32],
    threads: usize,
) -> Result<Vec<u8>, SealError> {
    if content.sender().identity_key() != sender.identity_key() {
        return Err(SealError::SenderIdentityMismatch);
    }
    let count = recipients.len().saturating_add(excluded.len());
    if count > MAX_RECIPIENTS {
        return Err(SealError::TooManyRecipients {
            count,
            max: MAX_RECIPIENTS,
        });
    }
    for recipient in recipients {
        let devices = recipient.devices.len();
        if devices == 0 || devices > MAX_DEVICES_PER_RECIPIENT {
            return Err(SealError::BadDeviceCount {
                service_id: recipient.service_id,
                count: devices,
                max: MAX_DEVICES_PER_RECIPIENT,
            });
        }
        for device in &recipient.devices {
            if device.registration_id & MAX_REGISTRATION_ID != device.registration_id {
                return Err(SealError::InvalidRegistrationId {
                    service_id: recipient.service_id,
                    device_id: device.device_id.get(),
                    registration_id: device.registration_id,
                });
            }
        }
    }
    for (i, id) in excluded.iter().enumerate() {
        if excluded[..i].contains(id) || recipients.iter().any(|r| r.service_id == *id) {
            return Err(SealError::RedundantExcludedRecipient(*id));
        }
    }
    let keys = derive(m)?;
    let material = all_key_material(&keys, m, recipients, sender, threads)?;
    let mut out = vec![V2_SENT_VERSION_BYTE];
    prost::encoding::encode_varint(count as u64, &mut out);
    for (recipient, material) in recipients.iter().zip(&material) {
        out.extend_from_slice(&recipient.service_id.fixed_width());
        for (i, device) in recipient.devices.iter().enumerate() {
            let has_more = if i + 1 < recipient.devices.len() {
                0x8000
            } else {
                0
            };
            // Checked above: the registration ID fits in 14 bits, the device
            // ID in 7.
            out.push(device.device_id.get() as u8);
            out.extend_from_slice(&((device.registration_id as u16) | has_more).to_be_bytes());
        }
        out.extend_from_slice(material);
    }
    for id in excluded {
        out.extend_from_slice(&id.fixed_width());
        out.push(0);
    }
    out.extend_from_slice(keys.ephemeral.public_key.raw());
    out.extend_from_slice(&aes256_gcm_siv_encrypt(
        &keys.payload_key,
        &NONCE,
        b"",
        content.serialized(),
    ));
    Ok(out)
}

/// Seals `content` for one recipient directly as the ReceivedMessage
/// (`0x22`) that recipient decrypts: the same bytes a server fan-out of a
/// one-recipient [`seal_v2`] gives. For tests and for transports that skip
/// the server's fan-out. Draws 32 bytes from `rng`.
///
/// # Errors
/// [`SealError::SenderIdentityMismatch`]; [`SealError::Key`] for a
/// degenerate recipient key.
pub fn seal_v2_single<R: CryptoRng + ?Sized>(
    recipient: &IdentityKey,
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    rng: &mut R,
) -> Result<Vec<u8>, SealError> {
    let m = random_secret(rng);
    seal_v2_single_with_secret(recipient, content, sender, &m)
}

pub(crate) fn seal_v2_single_with_secret(
    recipient: &IdentityKey,
    content: &UnidentifiedSenderMessageContent,
    sender: &IdentityKeyPair,
    m: &[u8; 32],
) -> Result<Vec<u8>, SealError> {
    if content.sender().identity_key() != sender.identity_key() {
        return Err(SealError::SenderIdentityMismatch);
    }
    let keys = derive(m)?;
    let mut out = vec![V2_RECEIVED_VERSION_BYTE];
    out.extend_from_slice(&key_material(&keys, m, recipient, sender)?);
    out.extend_from_slice(keys.ephemeral.public_key.raw());
    out.extend_from_slice(&aes256_gcm_siv_encrypt(
        &keys.payload_key,
        &NONCE,
        b"",
        content.serialized(),
    ));
    Ok(out)
}

/// Opens a ReceivedMessage (everything after the version byte) with our
/// identity key pair (§6.7). The certificate is not validated here.
pub(crate) fn unseal(
    body: &[u8],
    local: &IdentityKeyPair,
) -> Result<UnidentifiedSenderMessageContent, UnsealError> {
    if body.len() < KEY_MATERIAL_LEN + EPHEMERAL_LEN {
        return Err(UnsealError::InvalidProtobufEncoding);
    }
    let (c, rest) = body.split_at(32);
    let (tag, rest) = rest.split_at(16);
    let (ephemeral, ciphertext) = rest.split_at(EPHEMERAL_LEN);
    let ephemeral = PublicKey::from_raw(ephemeral)?;
    let dh = local.private_key().agree(&ephemeral)?;
    let wrap = wrapping_key(&dh, &ephemeral, local.identity_key());
    let mut m = Zeroizing::new([0u8; 32]);
    for (o, (w, x)) in m.iter_mut().zip(wrap.iter().zip(c)) {
        *o = w ^ x;
    }
    let keys = derive(&m)?;
    if !bool::from(keys.ephemeral.public_key.raw().ct_eq(ephemeral.raw())) {
        return Err(UnsealError::V2EphemeralKeyMismatch);
    }
    let plaintext = Zeroizing::new(
        aes256_gcm_siv_decrypt(&keys.payload_key, &NONCE, b"", ciphertext)
            .map_err(|_| UnsealError::V2DecryptionFailed)?,
    );
    let content = UnidentifiedSenderMessageContent::deserialize(&plaintext)?;
    let sender = content.sender().identity_key();
    let sender_dh = local.private_key().agree(sender.public_key())?;
    let expected = authentication_tag(&sender_dh, &ephemeral, c, sender, local.identity_key());
    if !bool::from(expected.ct_eq(tag)) {
        return Err(UnsealError::V2AuthenticationTagMismatch);
    }
    Ok(content)
}
