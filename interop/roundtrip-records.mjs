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
//     *_record), both ways.
// After each move the importing side must also decrypt the next message of
// the conversation. Prints one line per check and "N passed, N failed".

import crypto from 'node:crypto';
import { Peer, hex } from './lib/peer-client.mjs';

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

const hush = () => new Peer(hushSpec, 'hush');
for (const v of versions) {
  const lib = () => new Peer(v, `libsignal-${v}`);
  await sessionRoundTrip(`libsignal ${v} -> hush -> libsignal ${v}`, lib, lib, hush);
  await sessionRoundTrip(`hush -> libsignal ${v} -> hush`, hush, hush, lib);
  await prekeyRoundTrip(`libsignal ${v} -> hush`, lib, hush);
  await prekeyRoundTrip(`hush -> libsignal ${v}`, hush, lib);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
