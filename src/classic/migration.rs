//! # Migrating from libsignal-protocol-c (or libomemo-c, python-axolotl)
//!
//! libsignal-protocol-c keeps its state behind store callbacks and calls
//! them in the middle of each operation. hush has no callbacks: the
//! application loads what an operation needs, passes it in, and stores what
//! comes out, after it has decided to trust the peer. This guide maps one
//! onto the other.
//!
//! ## 1. Move the stored records once
//!
//! Every record libsignal-protocol-c hands its store callbacks is a
//! serialized protobuf; hush imports each kind and writes its own versioned
//! form ([`crate::state`]), which is what the application stores from then
//! on.
//!
//! | libsignal-protocol-c store | bytes it holds | import | then store |
//! |---|---|---|---|
//! | session store, per (name, device id) | `RecordStructure` | [`ClassicSessionRecord::from_lspc`]`(bytes, now)` | [`ClassicSessionRecord::to_state`] |
//! | pre-key store, per id | `PreKeyRecordStructure` | [`lspc::pre_key_from_lspc`] | [`PreKeyRecord::to_state`](crate::keys::PreKeyRecord::to_state) |
//! | signed pre-key store, per id | `SignedPreKeyRecordStructure` | [`lspc::signed_pre_key_from_lspc`] | [`SignedPreKeyRecord::to_state`](crate::keys::SignedPreKeyRecord::to_state) |
//! | identity key pair | `IdentityKeyPairStructure` | [`lspc::identity_key_pair_from_lspc`] | [`IdentityKeyPair::to_state`](crate::keys::IdentityKeyPair::to_state) |
//! | sender-key store, per (group id, sender) | `SenderKeyRecordStructure` | [`ClassicSenderKeyRecord::from_lspc`] | [`ClassicSenderKeyRecord::to_state`] |
//! | trusted identities, registration id | application data | keep as they are | |
//!
//! `now` becomes the pending timestamp of sessions that were never
//! acknowledged (libsignal-protocol-c stores none). The empty state
//! libsignal-protocol-c writes after archiving is read as "no current
//! state". Skipped message keys keep working in the derived form
//! libsignal-protocol-c stored them in. The way back is `to_lspc` and the
//! `*_to_lspc` functions, which write what libsignal-protocol-c reads.
//!
//! ## 2. Replace the callbacks
//!
//! | libsignal-protocol-c | hush |
//! |---|---|
//! | `session_builder_process_pre_key_bundle` (asks `is_trusted_identity`, then `save_identity`) | build a [`ClassicPreKeyBundle`], [`ClassicPreKeyBundle::verify`], decide trust of its `identity_key`, [`ClassicSessionRecord::initiate`], store the record and the identity |
//! | `session_cipher_encrypt` | [`ClassicSessionRecord::encrypt`], store the record |
//! | `session_cipher_decrypt_pre_key_signal_message` (loads pre-keys, asks and saves the identity, removes the one-time pre-key) | look up the pre-keys the message names ([`ClassicPreKeySignalMessage::signed_pre_key_id`], [`ClassicPreKeySignalMessage::pre_key_id`]), [`ClassicSessionRecord::decrypt_prekey_pending`], check [`ClassicPendingPreKeyDecryption::remote_identity`], `commit`, then store the record and the identity and delete the pre-key it reports consumed (unless it is [`LAST_RESORT_PRE_KEY_ID`]) |
//! | `session_cipher_decrypt_signal_message` | [`ClassicSessionRecord::decrypt_pending`], check [`ClassicPendingDecryption::remote_identity`] if you want to, `commit`, store the record |
//! | `contains_session` / `delete_session` | [`ClassicSessionRecord::has_current_state`] / delete the row, or [`ClassicSessionRecord::archive_current_state`] for a reset that keeps late messages readable |
//! | `group_session_builder_*`, `group_cipher_*` with a `signal_protocol_sender_key_name` | one [`ClassicSenderKeyRecord`] per (group id, sender address), kept by the application: [`ClassicSenderKeyRecord::create_distribution_message`], [`ClassicSenderKeyRecord::process_distribution_message`], [`ClassicSenderKeyRecord::encrypt`], [`ClassicSenderKeyRecord::decrypt`] |
//!
//! A failed call leaves every record as it was, so "store after success" is
//! the whole persistence rule; there is nothing to roll back.
//!
//! ```
//! use hush::address::ClassicDeviceId;
//! use hush::classic::{lspc, *};
//! use hush::keys::*;
//! use hush::session::LocalIdentity;
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(2);
//! let now = Timestamp::from_millis(1_700_000_000_000);
//! # // Stand-ins for what a libsignal-protocol-c store holds: a session
//! # // between two devices, exported in its layout.
//! # let a = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 1 };
//! # let b = LocalIdentity { key_pair: IdentityKeyPair::generate(&mut rng), registration_id: 2 };
//! # let spk = SignedPreKeyRecord::generate(SignedPreKeyId(1), now, &b.key_pair, &mut rng);
//! # let bundle = ClassicPreKeyBundle::from_records(2, ClassicDeviceId::new(42)?, *b.key_pair.identity_key(), &spk, None);
//! # let mut a_record = ClassicSessionRecord::new();
//! # a_record.initiate(&bundle.verify()?, &a, now, &mut rng)?;
//! # let ClassicCiphertextMessage::PreKey(first) = a_record.encrypt(b"hi")? else { unreachable!() };
//! # let mut b_record = ClassicSessionRecord::new();
//! # b_record.decrypt_prekey(&first, &b, ClassicPreKeys { signed: Some(&spk), one_time: None }, &mut rng)?;
//! # let stored_identity = lspc::identity_key_pair_to_lspc(&b.key_pair);
//! # let stored_session = b_record.to_lspc();
//! // Bytes read from the old store:
//! let identity = lspc::identity_key_pair_from_lspc(&stored_identity)?;
//! let mut session = ClassicSessionRecord::from_lspc(&stored_session, now)?;
//! // From now on: hush's own stored form, and the session goes on.
//! let row = session.to_state();
//! let ClassicCiphertextMessage::Whisper(reply) = session.encrypt(b"still here")? else { unreachable!() };
//! assert_eq!(a_record.decrypt(&reply, &mut rng)?, b"still here");
//! # let _ = (identity, row);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(doc)]
use super::*;
#[cfg(doc)]
use crate::keys::IdentityKeyPair;
