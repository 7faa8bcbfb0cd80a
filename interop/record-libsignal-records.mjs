#!/usr/bin/env node
// record-libsignal-records.mjs [--hush SPEC] [VERSION...]   (default: 0.103 0.90)
//
// Records what libsignal stores and sends, for hush's import/export and
// retry-receipt tests (test-vectors/README.md gives the schema):
//
//   test-vectors/libsignal-records/records-v<version>.json
//     Alice's and Bob's identity key pairs, pre-key records, session records
//     (a long conversation with skipped keys, three session resets, so
//     archived states, SPQR mid-epoch; and an unacknowledged session with
//     its pending pre-key), sender-key records (three chains, skipped
//     iterations) and the messages still in flight when each record was
//     taken, with their plaintexts.
//     With --hush SPEC (a hush peer, e.g. "cmd:../target/debug/hush-peer"),
//     also records made by hush passed through libsignal (deserialize, then
//     serialize): "hush_through_libsignal", for the hush -> libsignal -> hush
//     byte-equality test.
//   test-vectors/retry-receipts/retry-receipts-v<version>.json
//     DecryptionErrorMessage and PlaintextContent bytes libsignal makes for
//     SignalMessages, PreKeySignalMessages and SenderKeyMessages, and its
//     error texts for malformed ones.
//
// libsignal is used as a black box: the 1:1 parts through peer.mjs (the
// harness's peer, PROTOCOL.md commands), the group parts through the public
// JS API of @signalapp/libsignal-client with an in-memory sender-key store.
// Every run draws fresh keys, so the files change on every run.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Peer, INTEROP_DIR, hex } from './lib/peer-client.mjs';

const ROOT = path.resolve(INTEROP_DIR, '..');
const PKGS = { '0.103': 'ls0103', '0.90': 'ls090' };
const NOW_MS = 1_767_225_600_000; // 2026-01-01, passed to every session call
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
let hushSpec = null;
const hushAt = args.indexOf('--hush');
if (hushAt >= 0) [, hushSpec] = args.splice(hushAt, 2);
const versions = args.length ? args : ['0.103', '0.90'];

function check(cond, what) {
  if (!cond) throw new Error(`recorder self-check failed: ${what}`);
}

let counter = 0;
const text = (who) => `${who} #${++counter} ${crypto.randomBytes(4).toString('hex')}`;

async function party(peer, name) {
  const id = await peer.must('create_identity', { name, device_id: 1 });
  return { peer, name, id, addr: { name: id.name, device_id: id.device_id } };
}

async function send(from, to) {
  const t = text(from.name);
  const r = await from.peer.must('encrypt', { address: to.addr, plaintext: hex(t), now_ms: NOW_MS });
  return { type: r.type, ciphertext: r.ciphertext, plaintext: hex(t), spqr: r.info?.spqr ?? null };
}

async function deliver(to, from, m) {
  const r = await to.peer.must('decrypt', { address: from.addr, type: m.type, ciphertext: m.ciphertext });
  check(r.plaintext === m.plaintext, 'decrypted plaintext');
}

async function publish(p, id, lastResort = false) {
  const r = await p.peer.must('generate_prekeys', {
    prekey_id: id, signed_prekey_id: id, kyber_prekey_id: id, kyber_last_resort: lastResort, timestamp: NOW_MS,
  });
  return r;
}

async function startSession(from, to, id) {
  const pre = await publish(to, id);
  await from.peer.must('process_bundle', { address: to.addr, bundle: pre.bundle, now_ms: NOW_MS });
  await deliver(to, from, await send(from, to));
  await deliver(from, to, await send(to, from));
  return pre;
}

// Rounds of bursts; every fourth burst loses its middle messages for good
// (they become skipped keys), every third is delivered in reverse.
async function converse(x, y, rounds) {
  for (let i = 0; i < rounds; i++) {
    const burst = [];
    for (let k = 0; k < 1 + (i % 4); k++) burst.push(await send(x, y));
    let order = i % 4 === 3 ? [burst[0], burst[burst.length - 1]] : burst;
    if (i % 3 === 0) order = [...order].reverse();
    for (const m of order) await deliver(y, x, m);
    await deliver(x, y, await send(y, x));
  }
}

async function recordSessions(version) {
  const A = new Peer(version, `alice-${version}`);
  const B = new Peer(version, `bob-${version}`);
  try {
    const alice = await party(A, 'alice');
    const bob = await party(B, 'bob');
    // Three sessions in a row: the first two end up archived on both sides.
    for (const id of [1, 2, 3]) {
      await startSession(alice, bob, id);
      await converse(alice, bob, id === 3 ? 45 : 8);
    }
    // In flight when the records are taken: Alice -> Bob (one will arrive
    // out of order), and a Bob -> Alice message Alice has not read.
    const toBob = [await send(alice, bob), await send(alice, bob), await send(alice, bob)];
    const toAlice = [await send(bob, alice)];
    const bobRecord = (await B.must('export_session', { address: alice.addr })).record;
    const aliceRecord = (await A.must('export_session', { address: bob.addr })).record;
    // The recorded messages decrypt in libsignal itself from these states.
    for (const m of [toBob[2], toBob[0], toBob[1]]) await deliver(bob, alice, m);
    await deliver(alice, bob, toAlice[0]);

    // An unacknowledged session: Alice starts over from a fresh bundle
    // (one-time, signed and Kyber pre-key 9) and sends two PreKey messages.
    const pre = await publish(bob, 9);
    await A.must('process_bundle', { address: bob.addr, bundle: pre.bundle, now_ms: NOW_MS });
    const prekeyMessages = [await send(alice, bob), await send(alice, bob)];
    check(prekeyMessages.every((m) => m.type === 3), 'PreKey messages');
    const alicePending = (await A.must('export_session', { address: bob.addr })).record;
    const bobBeforePreKey = (await B.must('export_session', { address: alice.addr })).record;
    await deliver(bob, alice, prekeyMessages[1]);
    await deliver(bob, alice, prekeyMessages[0]);
    const replyToPending = await send(bob, alice);
    await deliver(alice, bob, replyToPending);

    const who = (p) => ({ name: p.addr.name, device_id: p.addr.device_id, registration_id: p.id.registration_id, identity_key_pair: p.id.identity_key_pair });
    return {
      now_ms: NOW_MS,
      alice: who(alice),
      bob: who(bob),
      conversation: {
        bob_record: bobRecord,
        alice_record: aliceRecord,
        to_bob: toBob.map(({ type, ciphertext, plaintext }) => ({ type, ciphertext, plaintext })),
        to_bob_delivery_order: [2, 0, 1],
        to_alice: toAlice.map(({ type, ciphertext, plaintext }) => ({ type, ciphertext, plaintext })),
        spqr_of_last_message: toBob[2].spqr,
      },
      unacknowledged: {
        alice_record: alicePending,
        bob_record: bobBeforePreKey,
        bob_prekey_record: pre.private.prekey_record,
        bob_signed_prekey_record: pre.private.signed_prekey_record,
        bob_kyber_prekey_record: pre.private.kyber_prekey_record,
        to_bob: prekeyMessages.map(({ type, ciphertext, plaintext }) => ({ type, ciphertext, plaintext })),
      },
    };
  } finally {
    await A.close();
    await B.close();
  }
}

async function recordSenderKeys(SC) {
  class Store extends SC.SenderKeyStore {
    constructor() {
      super();
      this.map = new Map();
    }
    async saveSenderKey(sender, dist, record) {
      this.map.set(`${dist}::${sender.toString()}`, record.serialize());
    }
    async getSenderKey(sender, dist) {
      const r = this.map.get(`${dist}::${sender.toString()}`);
      return r ? SC.SenderKeyRecord.deserialize(r) : null;
    }
  }
  const alice = SC.ProtocolAddress.new('alice', 1);
  const dist = crypto.randomUUID();
  const bobStore = new Store();
  let aliceStore;
  const messages = [];
  // Three chains (Alice loses her record twice and starts a new chain); Bob
  // keeps all three. Some iterations are never delivered (stored seeds).
  for (let chain = 0; chain < 3; chain++) {
    aliceStore = new Store();
    const skdm = await SC.SenderKeyDistributionMessage.create(alice, dist, aliceStore);
    await SC.processSenderKeyDistributionMessage(alice, skdm, bobStore);
    for (let i = 0; i < 12; i++) {
      const pt = Buffer.from(text('alice-group'));
      const ct = await SC.groupEncrypt(alice, dist, aliceStore, pt);
      if (i % 5 !== 2) {
        const out = await SC.groupDecrypt(alice, bobStore, ct.serialize());
        check(Buffer.from(out).equals(pt), 'group plaintext');
      }
    }
  }
  const inFlight = [];
  for (let i = 0; i < 3; i++) {
    const pt = Buffer.from(text('alice-group'));
    const ct = await SC.groupEncrypt(alice, dist, aliceStore, pt);
    inFlight.push({ ciphertext: Buffer.from(ct.serialize()).toString('hex'), plaintext: pt.toString('hex') });
  }
  const senderRecord = Buffer.from(aliceStore.map.get(`${dist}::${alice.toString()}`)).toString('hex');
  const receiverRecord = Buffer.from(bobStore.map.get(`${dist}::${alice.toString()}`)).toString('hex');
  for (const m of [inFlight[2], inFlight[0], inFlight[1]]) {
    const out = await SC.groupDecrypt(alice, bobStore, Buffer.from(m.ciphertext, 'hex'));
    check(Buffer.from(out).toString('hex') === m.plaintext, 'in-flight group plaintext');
  }
  messages.push(...inFlight);
  return { distribution_id: dist, sender: { name: 'alice', device_id: 1 }, sender_record: senderRecord, receiver_record: receiverRecord, in_flight: messages, delivery_order: [2, 0, 1] };
}

// Records made by hush (through the peer protocol), then read and
// re-serialized by libsignal.
async function recordHushThroughLibsignal(SC) {
  const A = new Peer(hushSpec, 'hush-A');
  const B = new Peer(hushSpec, 'hush-B');
  try {
    const alice = await party(A, 'alice');
    const bob = await party(B, 'bob');
    for (const id of [1, 2, 3]) {
      await startSession(alice, bob, id);
      await converse(alice, bob, id === 3 ? 45 : 8);
    }
    const session = (await B.must('export_session', { address: alice.addr })).record;
    const pre = await publish(bob, 9);
    await A.must('process_bundle', { address: bob.addr, bundle: pre.bundle, now_ms: NOW_MS });
    await send(alice, bob);
    const pending = (await A.must('export_session', { address: bob.addr })).record;
    const dist = crypto.randomUUID();
    for (let chain = 0; chain < 3; chain++) {
      if (chain > 0) await A.must('create_identity', { name: alice.addr.name, identity_key_pair: alice.id.identity_key_pair });
      const { skdm } = await A.must('group_create_distribution', { distribution_id: dist });
      await B.must('group_process_distribution', { sender: alice.addr, skdm });
      for (let i = 0; i < 10; i++) {
        const ct = await A.must('group_encrypt', { distribution_id: dist, plaintext: hex(`g${i}`) });
        if (i % 4 !== 1) await B.must('group_decrypt', { sender: alice.addr, ciphertext: ct.ciphertext });
      }
    }
    const senderKey = (await B.must('export_sender_key', { sender: alice.addr, distribution_id: dist })).record;
    const ownSenderKey = (await A.must('export_sender_key', { sender: alice.addr, distribution_id: dist })).record;
    const H = (b) => Buffer.from(b).toString('hex');
    const through = (cls, h) => H(cls.deserialize(Buffer.from(h, 'hex')).serialize());
    const entries = [
      ['session_record', SC.SessionRecord, session],
      ['session_record_pending_pre_key', SC.SessionRecord, pending],
      ['pre_key_record', SC.PreKeyRecord, pre.private.prekey_record],
      ['signed_pre_key_record', SC.SignedPreKeyRecord, pre.private.signed_prekey_record],
      ['kyber_pre_key_record', SC.KyberPreKeyRecord, pre.private.kyber_prekey_record],
      ['sender_key_record', SC.SenderKeyRecord, senderKey],
      ['sender_key_record_own', SC.SenderKeyRecord, ownSenderKey],
      ['identity_key_pair', SC.IdentityKeyPair, bob.id.identity_key_pair],
    ];
    return entries.map(([kind, cls, h]) => ({ kind, hush: h, libsignal: through(cls, h) }));
  } finally {
    await A.close();
    await B.close();
  }
}

function errText(fn) {
  try {
    fn();
  } catch (e) {
    return String(e.message ?? e);
  }
  throw new Error('expected an error');
}

async function recordRetryReceipts(SC, sessions, group) {
  const H = (b) => Buffer.from(b).toString('hex');
  const vectors = [];
  const originals = [
    ['whisper', sessions.conversation.to_bob[0].ciphertext, 2],
    ['prekey', sessions.unacknowledged.to_bob[0].ciphertext, 3],
    ['senderkey', group.in_flight[0].ciphertext, 7],
  ];
  let ts = 1_700_000_000_000;
  for (const [name, original, type] of originals) {
    for (const device of [1, 7, 127]) {
      ts += 12_345;
      const dem = SC.DecryptionErrorMessage.forOriginal(Buffer.from(original, 'hex'), type, ts, device);
      const content = SC.PlaintextContent.from(dem);
      const rk = dem.ratchetKey();
      vectors.push({
        name: `${name}-device-${device}`, original, original_type: type, timestamp_ms: ts, original_sender_device_id: device,
        ratchet_key: rk ? H(rk.serialize()) : null,
        decryption_error: H(dem.serialize()), plaintext_content: H(content.serialize()), body: H(content.body()),
      });
    }
  }
  const errors = {
    plaintext_original: errText(() => SC.DecryptionErrorMessage.forOriginal(Buffer.from('c0', 'hex'), 8, 1, 1)),
    plaintext_content_empty: errText(() => SC.PlaintextContent.deserialize(Buffer.alloc(0))),
    plaintext_content_wrong_first_byte: errText(() => SC.PlaintextContent.deserialize(Buffer.from('c1420410051807', 'hex'))),
    body_without_boundary: errText(() => SC.DecryptionErrorMessage.extractFromSerializedBody(Buffer.from('420410051807', 'hex'))),
    body_without_receipt: errText(() => SC.DecryptionErrorMessage.extractFromSerializedBody(Buffer.from('0a010080', 'hex'))),
    receipt_without_timestamp: errText(() => SC.DecryptionErrorMessage.deserialize(Buffer.from('1807', 'hex'))),
  };
  return { vectors, errors };
}

for (const v of versions) {
  const pkg = PKGS[v];
  if (!pkg) throw new Error(`unknown version ${v} (0.103 or 0.90)`);
  const SC = await import(pkg);
  const full = require(`${pkg}/package.json`).version;
  const sessions = await recordSessions(v);
  const group = await recordSenderKeys(SC);
  const receipts = await recordRetryReceipts(SC, sessions, group);
  const source = `recorded by interop/record-libsignal-records.mjs from @signalapp/libsignal-client ${full}`;
  const recDir = path.join(ROOT, 'test-vectors', 'libsignal-records');
  const rrDir = path.join(ROOT, 'test-vectors', 'retry-receipts');
  fs.mkdirSync(recDir, { recursive: true });
  fs.mkdirSync(rrDir, { recursive: true });
  const out = { libsignal_version: full, source, sessions, sender_keys: group };
  if (hushSpec) out.hush_through_libsignal = await recordHushThroughLibsignal(SC);
  fs.writeFileSync(path.join(recDir, `records-v${full}.json`), JSON.stringify(out, null, 1) + '\n');
  fs.writeFileSync(path.join(rrDir, `retry-receipts-v${full}.json`), JSON.stringify({ libsignal_version: full, source, ...receipts }, null, 1) + '\n');
  console.log(`libsignal ${full}: wrote records-v${full}.json and retry-receipts-v${full}.json`);
}
