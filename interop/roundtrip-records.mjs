#!/usr/bin/env node
// roundtrip-records.mjs HUSH_SPEC [VERSION...]   (default versions: 0.103 0.90)
//
// Live byte-equality of libsignal's record formats between libsignal and
// hush, through the peer protocol (PROTOCOL.md) only:
//   * session records: libsignal -> hush -> libsignal and hush -> libsignal
//     -> hush (export_session / import_session), each taken from a
//     conversation with three sessions (two archived), lost and reordered
//     messages (skipped keys) and SPQR mid-epoch; plus an unacknowledged
//     session (pending pre-key) each way;
//   * identity key pairs (create_identity with identity_key_pair), both ways;
//   * one-time, signed and Kyber pre-key records (generate_prekeys with
//     *_record), both ways;
//   * sender-key records with three chains and stored message keys, both
//     ways: libsignal's side runs in-process (public JS API of
//     @signalapp/libsignal-client), hush's through the hush-peer extensions
//     export_sender_key / import_sender_key.
// After each move the importing side must also decrypt the next message of
// the conversation. Prints one line per check and "N passed, N failed".

import crypto from 'node:crypto';
import { Peer, hex } from './lib/peer-client.mjs';

const PKGS = { '0.103': 'ls0103', '0.90': 'ls090' };

const [hushSpec, ...rest] = process.argv.slice(2);
if (!hushSpec) {
  console.error('usage: node roundtrip-records.mjs HUSH_SPEC [VERSION...]');
  process.exit(2);
}
const versions = rest.length ? rest : ['0.103', '0.90'];
let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else failed++;
  console.log(`${cond ? 'PASS' : 'FAIL'}  ${what}`);
}

let n = 0;
async function party(peer, name) {
  const id = await peer.must('create_identity', { name: `${name}-${crypto.randomUUID()}`, device_id: 1 });
  return { peer, id, addr: { name: id.name, device_id: id.device_id } };
}
async function send(from, to) {
  const text = hex(`message ${++n}`);
  const r = await from.peer.must('encrypt', { address: to.addr, plaintext: text });
  return { type: r.type, ciphertext: r.ciphertext, text };
}
async function deliver(to, from, m) {
  const r = await to.peer.must('decrypt', { address: from.addr, type: m.type, ciphertext: m.ciphertext });
  if (r.plaintext !== m.text) throw new Error('wrong plaintext');
}
async function startSession(a, b, id) {
  const pre = await b.peer.must('generate_prekeys', { prekey_id: id, signed_prekey_id: id, kyber_prekey_id: id });
  await a.peer.must('process_bundle', { address: b.addr, bundle: pre.bundle });
}
async function conversation(a, b) {
  for (const id of [1, 2, 3]) {
    await startSession(a, b, id);
    await deliver(b, a, await send(a, b));
    for (let i = 0; i < (id === 3 ? 40 : 5); i++) {
      const burst = [];
      for (let k = 0; k < 1 + (i % 4); k++) burst.push(await send(a, b));
      let order = i % 4 === 3 ? [burst[0], burst[burst.length - 1]] : burst;
      if (i % 3 === 0) order = [...order].reverse();
      for (const m of order) await deliver(b, a, m);
      await deliver(a, b, await send(b, a));
    }
  }
}

// Moves `who`'s identity and its session with `remote` to `toPeer`; returns
// the exported bytes and the re-exported bytes.
async function move(who, remote, toPeer) {
  const { record } = await who.peer.must('export_session', { address: remote.addr });
  const id = await toPeer.must('create_identity', {
    name: who.addr.name, device_id: who.addr.device_id, registration_id: who.id.registration_id,
    identity_key_pair: who.id.identity_key_pair,
  });
  await toPeer.must('save_identity', { address: remote.addr, identity_key: remote.id.identity_public });
  await toPeer.must('import_session', { address: remote.addr, record });
  const again = (await toPeer.must('export_session', { address: remote.addr })).record;
  return { record, again, moved: { peer: toPeer, id, addr: who.addr }, sameIdentity: id.identity_key_pair === who.id.identity_key_pair };
}

async function sessionRoundTrip(label, makeA, makeB, makeOther) {
  const A = makeA();
  const B = makeB();
  const X = makeOther();
  const Y = makeB();
  try {
    const a = await party(A, 'A');
    const b = await party(B, 'B');
    await conversation(a, b);
    const inflight = await send(a, b);
    const there = await move(b, a, X);
    check(there.again === there.record, `${label}: B's session record (${there.record.length / 2} bytes, 2 archived states) survives the move byte for byte`);
    check(there.sameIdentity, `${label}: identity key pair moves byte for byte`);
    await deliver(there.moved, a, inflight);
    await deliver(a, there.moved, await send(there.moved, a));
    // And back into a fresh peer of B's own kind.
    const back = await move(there.moved, a, Y);
    check(back.again === back.record, `${label}: and back byte for byte`);
    await deliver(back.moved, a, await send(a, back.moved));

    // An unacknowledged session (pending pre-key) on A's side.
    await startSession(a, b, 9);
    await send(a, b);
    const pending = await move(a, b, X === A ? Y : X);
    check(pending.again === pending.record, `${label}: unacknowledged session (pending pre-key) moves byte for byte`);
  } finally {
    await Promise.all([A.close(), B.close(), X.close(), Y.close()]);
  }
}

async function prekeyRoundTrip(label, makeFrom, makeTo) {
  const F = makeFrom();
  const T = makeTo();
  try {
    const f = await party(F, 'F');
    const made = await F.must('generate_prekeys', { prekey_id: 5, signed_prekey_id: 6, kyber_prekey_id: 7 });
    await T.must('create_identity', { name: f.addr.name, identity_key_pair: f.id.identity_key_pair });
    const loaded = await T.must('generate_prekeys', {
      prekey_record: made.private.prekey_record,
      signed_prekey_record: made.private.signed_prekey_record,
      kyber_prekey_record: made.private.kyber_prekey_record,
    });
    for (const r of ['prekey_record', 'signed_prekey_record', 'kyber_prekey_record']) {
      check(loaded.private[r] === made.private[r], `${label}: ${r} byte for byte`);
    }
  } finally {
    await Promise.all([F.close(), T.close()]);
  }
}

async function senderKeyRoundTrip(v) {
  const SC = await import(PKGS[v]);
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
  const H = (b) => Buffer.from(b).toString('hex');
  const dist = crypto.randomUUID();
  const alice = { name: `alice-${crypto.randomUUID()}`, device_id: 1 };
  const aliceAddr = SC.ProtocolAddress.new(alice.name, 1);

  // libsignal -> hush -> libsignal: Bob's record of Alice's three chains.
  const bobStore = new Store();
  let aliceStore;
  for (let chain = 0; chain < 3; chain++) {
    aliceStore = new Store();
    const skdm = await SC.SenderKeyDistributionMessage.create(aliceAddr, dist, aliceStore);
    await SC.processSenderKeyDistributionMessage(aliceAddr, skdm, bobStore);
    for (let i = 0; i < 8; i++) {
      const ct = await SC.groupEncrypt(aliceAddr, dist, aliceStore, Buffer.from(`m${i}`));
      if (i % 3 !== 1) await SC.groupDecrypt(aliceAddr, bobStore, ct.serialize());
    }
  }
  const key = `${dist}::${aliceAddr.toString()}`;
  const hushPeer = new Peer(hushSpec, 'hush');
  try {
    await hushPeer.must('create_identity', { name: 'bob' });
    for (const [what, store] of [['receiver', bobStore], ['sender', aliceStore]]) {
      const lib = H(store.map.get(key));
      await hushPeer.must('import_sender_key', { sender: alice, distribution_id: dist, record: lib });
      const back = (await hushPeer.must('export_sender_key', { sender: alice, distribution_id: dist })).record;
      check(back === lib, `libsignal ${v} -> hush -> libsignal ${v}: ${what}'s sender-key record (${lib.length / 2} bytes) byte for byte`);
    }
    // hush (holding Bob's record again) reads Alice's next message.
    await hushPeer.must('import_sender_key', { sender: alice, distribution_id: dist, record: H(bobStore.map.get(key)) });
    const next = await SC.groupEncrypt(aliceAddr, dist, aliceStore, Buffer.from('next'));
    const got = await hushPeer.must('group_decrypt', { sender: alice, ciphertext: H(next.serialize()) });
    check(got.plaintext === hex('next'), `libsignal ${v} -> hush: the imported sender-key record decrypts the next message`);
  } finally {
    await hushPeer.close();
  }

  // hush -> libsignal -> hush: hush's Alice and Bob; Bob's record goes to libsignal.
  const A = new Peer(hushSpec, 'hush-A');
  const B = new Peer(hushSpec, 'hush-B');
  try {
    const a = await A.must('create_identity', { name: alice.name });
    await B.must('create_identity', { name: 'bob' });
    const dist2 = crypto.randomUUID();
    for (let chain = 0; chain < 3; chain++) {
      if (chain > 0) await A.must('create_identity', { name: alice.name, identity_key_pair: a.identity_key_pair }); // new chain
      const { skdm } = await A.must('group_create_distribution', { distribution_id: dist2 });
      await B.must('group_process_distribution', { sender: alice, skdm });
      for (let i = 0; i < 8; i++) {
        const ct = await A.must('group_encrypt', { distribution_id: dist2, plaintext: hex(`m${i}`) });
        if (i % 3 !== 1) await B.must('group_decrypt', { sender: alice, ciphertext: ct.ciphertext });
      }
    }
    const ours = (await B.must('export_sender_key', { sender: alice, distribution_id: dist2 })).record;
    const lib = H(SC.SenderKeyRecord.deserialize(Buffer.from(ours, 'hex')).serialize());
    check(lib === ours, `hush -> libsignal ${v}: Bob's sender-key record (${ours.length / 2} bytes, 3 chains) byte for byte`);
    const libStore = new Store();
    libStore.map.set(`${dist2}::${aliceAddr.toString()}`, Buffer.from(lib, 'hex'));
    const next = await A.must('group_encrypt', { distribution_id: dist2, plaintext: hex('next') });
    const pt = await SC.groupDecrypt(aliceAddr, libStore, Buffer.from(next.ciphertext, 'hex'));
    check(H(pt) === hex('next'), `hush -> libsignal ${v}: libsignal decrypts hush's next group message with the moved record`);
    const ownSender = (await A.must('export_sender_key', { sender: alice, distribution_id: dist2 })).record;
    check(H(SC.SenderKeyRecord.deserialize(Buffer.from(ownSender, 'hex')).serialize()) === ownSender,
      `hush -> libsignal ${v}: Alice's own sender-key record (signing key) byte for byte`);
  } finally {
    await Promise.all([A.close(), B.close()]);
  }
}

const hush = () => new Peer(hushSpec, 'hush');
for (const v of versions) {
  const lib = () => new Peer(v, `libsignal-${v}`);
  await sessionRoundTrip(`libsignal ${v} -> hush -> libsignal ${v}`, lib, lib, hush);
  await sessionRoundTrip(`hush -> libsignal ${v} -> hush`, hush, hush, lib);
  await prekeyRoundTrip(`libsignal ${v} -> hush`, lib, hush);
  await prekeyRoundTrip(`hush -> libsignal ${v}`, hush, lib);
  await senderKeyRoundTrip(v);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
