#!/usr/bin/env node
// foundation.mjs HUSH_SPEC [LIBSIGNAL_VERSION]
//
// Live cross-check of hush's foundation (keys, XEdDSA, prekeys, bundles,
// primitives, safety numbers) against the real libsignal, both driven through
// the peer protocol (PROTOCOL.md):
//
//   node interop/foundation.mjs "cmd:../target/release/hush-peer" 0.103
//
// HUSH_SPEC is a peer spec (normally "cmd:<hush-peer binary>", run from this
// directory); LIBSIGNAL_VERSION is 0.103 (default) or 0.90. Prints one
// PASS/FAIL line per check and a final "N passed, N failed" line; exits 1 if
// any check failed. Every run uses fresh random keys and messages.

import crypto from 'node:crypto';
import { Peer } from './lib/peer-client.mjs';

const [hushSpec, lsVersion = '0.103'] = process.argv.slice(2);
if (!hushSpec) {
  process.stderr.write('usage: node foundation.mjs HUSH_SPEC [LIBSIGNAL_VERSION]\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Helpers.

class Fail extends Error {}
const expect = (cond, msg) => {
  if (!cond) throw new Fail(msg);
};

const randHex = (n) => crypto.randomBytes(n).toString('hex');
const randInt = (lo, hi) => lo + crypto.randomInt(hi - lo + 1);

/** `hex` with bit `bit` (0 = least significant bit of byte 0) flipped. */
function flipBit(hex, bit) {
  const b = Buffer.from(hex, 'hex');
  b[bit >> 3] ^= 1 << (bit & 7);
  return b.toString('hex');
}

/** Bit 511 of an XEdDSA signature: the sign of the signer's Edwards key. */
const signBit = (sig) => Buffer.from(sig, 'hex')[63] >> 7;

/** The four mutations every valid signature must lose validity under. */
function mutations(sig, message) {
  return [
    { what: 'R', signature: flipBit(sig, randInt(0, 255)), message },
    // s is bits 256..510; stay below bit 504 so the flip lands in s proper.
    { what: 's', signature: flipBit(sig, randInt(256, 503)), message },
    { what: 'bit 511', signature: flipBit(sig, 511), message },
    { what: 'message', signature: sig, message: message.length > 0 ? flipBit(message, randInt(0, message.length * 4 - 1)) : '00' },
  ];
}

let passed = 0;
let failed = 0;

async function check(name, fn) {
  let line;
  try {
    const detail = await fn();
    passed++;
    line = `PASS  ${name}${detail ? `: ${detail}` : ''}`;
  } catch (e) {
    failed++;
    line = `FAIL  ${name}: ${e instanceof Fail ? e.message : e.stack ?? e}`;
  }
  process.stdout.write(line + '\n');
}

// ---------------------------------------------------------------------------

const hush = new Peer(hushSpec, 'hush');
const ls = new Peer(lsVersion, `libsignal-${lsVersion}`);
let ids;
try {
  ids = { hush: await hush.must('info'), ls: await ls.must('info') };
} catch (e) {
  process.stdout.write(`FAIL  peers start: ${e.message}\n0 passed, 1 failed\n`);
  process.exit(1);
}
process.stdout.write(`hush: ${ids.hush.library} ${ids.hush.version}; libsignal: ${ids.ls.version}\n`);
if (ids.hush.library !== 'hush') process.stderr.write(`warning: ${hushSpec} says it is ${ids.hush.library}, not hush\n`);

// ---- XEdDSA: hush signs, libsignal verifies ---------------------------------

/** Signatures by `peer` over random messages with random keys: `perBit` for each Edwards sign bit. */
async function randomSignatures(peer, perBit) {
  const sigs = [];
  const count = (bit) => sigs.filter((s) => s.bit === bit).length;
  while (count(0) < perBit || count(1) < perBit) {
    const key = await peer.must('keypair');
    const message = randHex(randInt(0, 300));
    const r = await peer.must('sign', { private: key.private, message });
    expect(r.public_key === key.public, `${peer.label}: sign returned another public key than keypair`);
    const bit = signBit(r.signature);
    if (count(bit) < perBit) sigs.push({ public: key.public, message, signature: r.signature, bit });
  }
  return sigs;
}

let hushSigs = [];
await check('hush signs 60 random messages with random keys, 30 per Edwards sign bit, and with its identity key', async () => {
  hushSigs = await randomSignatures(hush, 30);
  await hush.must('create_identity', {});
  const message = randHex(100);
  const r = await hush.must('sign', { message });
  hushSigs.push({ public: r.public_key, message, signature: r.signature, bit: signBit(r.signature), identity: true });
});
for (const [i, s] of hushSigs.entries()) {
  const label = `hush signature #${i + 1}${s.identity ? ' (identity key)' : ''} (sign bit ${s.bit}, ${s.message.length / 2}-byte message)`;
  await check(`${label} verifies in libsignal; R, s, bit-511 and message flips do not`, async () => {
    const v = await ls.must('verify', { public_key: s.public, message: s.message, signature: s.signature });
    expect(v.valid === true, 'libsignal rejects the signature');
    for (const m of mutations(s.signature, s.message)) {
      const r = await ls.call('verify', { public_key: s.public, message: m.message, signature: m.signature });
      expect(!r.ok || r.valid === false, `libsignal accepts the signature with a flipped ${m.what}`);
    }
  });
}
await check('hush signatures cover both Edwards sign bits', () => {
  const ones = hushSigs.filter((s) => s.bit === 1).length;
  expect(ones >= 30 && hushSigs.length - ones >= 30, `sign bit 1 in ${ones} of ${hushSigs.length}`);
  return `bit 0: ${hushSigs.length - ones}, bit 1: ${ones}`;
});

// ---- XEdDSA: libsignal signs, hush verifies ---------------------------------

let lsSigs = [];
await check('libsignal signs 20 random messages with random keys, 10 per Edwards sign bit', async () => {
  lsSigs = await randomSignatures(ls, 10);
});
for (const [i, s] of lsSigs.entries()) {
  await check(`libsignal signature #${i + 1} (sign bit ${s.bit}) verifies in hush; flips do not`, async () => {
    const v = await hush.must('verify', { public_key: s.public, message: s.message, signature: s.signature });
    expect(v.valid === true, 'hush rejects the signature');
    for (const m of mutations(s.signature, s.message)) {
      const r = await hush.call('verify', { public_key: s.public, message: m.message, signature: m.signature });
      expect(!r.ok || r.valid === false, `hush accepts the signature with a flipped ${m.what}`);
    }
  });
}

// ---- Identities: import both ways --------------------------------------------

await check('libsignal identity_key_pair imported into hush round-trips', async () => {
  const a = await ls.must('create_identity', {});
  const b = await hush.must('create_identity', { identity_key_pair: a.identity_key_pair });
  expect(b.identity_public === a.identity_public, 'public key differs');
  expect(b.identity_private === a.identity_private, 'private key differs');
  expect(b.identity_key_pair === a.identity_key_pair, 'serialized key pair differs');
  const message = randHex(64);
  const s = await hush.must('sign', { message });
  const v = await ls.must('verify', { public_key: a.identity_public, message, signature: s.signature });
  expect(v.valid, 'libsignal rejects what hush signed with the imported identity');
});

await check('hush identity_key_pair imported into libsignal round-trips', async () => {
  const a = await hush.must('create_identity', {});
  const b = await ls.must('create_identity', { identity_key_pair: a.identity_key_pair });
  expect(b.identity_public === a.identity_public, 'public key differs');
  expect(b.identity_private === a.identity_private, 'private key differs');
  expect(b.identity_key_pair === a.identity_key_pair, 'serialized key pair differs');
  const message = randHex(64);
  const s = await ls.must('sign', { message });
  const v = await hush.must('verify', { public_key: a.identity_public, message, signature: s.signature });
  expect(v.valid, 'hush rejects what libsignal signed with the imported identity');
});

await check('identity_private (unclamped) gives the same identity in both', async () => {
  const priv = randHex(32);
  const a = await hush.must('create_identity', { identity_private: priv });
  const b = await ls.must('create_identity', { identity_private: priv });
  expect(a.identity_public === b.identity_public, 'public key differs');
  expect(a.identity_private === b.identity_private, 'clamped private key differs');
  expect(a.identity_key_pair === b.identity_key_pair, 'serialized key pair differs');
});

// ---- Prekeys and bundles ------------------------------------------------------

/** libsignal (fresh identity) starts a session from `bundle` for `address`. */
async function lsProcess(address, bundle) {
  await ls.must('create_identity', {});
  return ls.call('process_bundle', { address, bundle });
}

await check('libsignal accepts a hush bundle with a one-time prekey (process_bundle)', async () => {
  const me = await hush.must('create_identity', {});
  const g = await hush.must('generate_prekeys', { prekey_id: 11, signed_prekey_id: 22, kyber_prekey_id: 33 });
  expect(g.bundle && g.bundle.prekey_id === 11, 'generate_prekeys gave no bundle with prekey 11');
  const address = { name: me.name, device_id: me.device_id };
  const r = await lsProcess(address, g.bundle);
  expect(r.ok, `process_bundle failed: ${r.error}`);
  expect(r.session.exists && r.session.has_current_state, 'no session after process_bundle');
  expect(r.session.remote_registration_id === me.registration_id, 'remote registration id differs');
});

await check('libsignal accepts a hush bundle without a one-time prekey, last-resort Kyber key', async () => {
  const me = await hush.must('create_identity', { device_id: 7 });
  await hush.must('generate_prekeys', { signed_prekey_id: 1, kyber_prekey_id: 2, kyber_last_resort: true });
  const { bundle } = await hush.must('get_bundle', {});
  expect(bundle.prekey_id === null && bundle.prekey_public === null && bundle.device_id === 7, 'unexpected bundle shape');
  const r = await lsProcess({ name: me.name, device_id: 7 }, bundle);
  expect(r.ok && r.session.exists, `process_bundle failed: ${r.error}`);
});

await check('libsignal accepts hush bundles over many fresh identities and prekeys', async () => {
  const n = 10;
  for (let i = 0; i < n; i++) {
    const me = await hush.must('create_identity', {});
    const g = await hush.must('generate_prekeys', { prekey_id: randInt(0, 0xffffff), signed_prekey_id: randInt(0, 0xffffff), kyber_prekey_id: randInt(0, 0xffffff) });
    const r = await lsProcess({ name: me.name, device_id: 1 }, g.bundle);
    expect(r.ok, `bundle ${i + 1}: ${r.error}`);
  }
  return `${n} bundles`;
});

await check('libsignal accepts a hush bundle with imported keys (libsignal Kyber key pair, given EC privates)', async () => {
  const me = await hush.must('create_identity', {});
  const k = await ls.must('kyber_keypair');
  const g = await hush.must('generate_prekeys', {
    prekey_id: 1, prekey_private: randHex(32),
    signed_prekey_id: 2, signed_prekey_private: randHex(32),
    kyber_prekey_id: 3, kyber_public: k.public, kyber_secret: k.secret,
  });
  expect(g.bundle.kyber_prekey_public === k.public, 'bundle does not carry the imported Kyber key');
  expect(g.private.kyber_secret === k.secret, 'private.kyber_secret differs from the imported one');
  const r = await lsProcess({ name: me.name, device_id: 1 }, g.bundle);
  expect(r.ok, `process_bundle failed: ${r.error}`);
});

for (const [field, what] of [
  ['kyber_prekey_signature', 'Kyber prekey signature'],
  ['signed_prekey_signature', 'signed prekey signature'],
]) {
  for (const bit of [randInt(0, 255), randInt(256, 503), 511]) {
    await check(`libsignal rejects a hush bundle with a corrupted ${what} (bit ${bit}) and creates no session`, async () => {
      const me = await hush.must('create_identity', {});
      const g = await hush.must('generate_prekeys', { prekey_id: 1, signed_prekey_id: 2, kyber_prekey_id: 3 });
      const address = { name: me.name, device_id: 1 };
      const bad = { ...g.bundle, [field]: flipBit(g.bundle[field], bit) };
      const r = await lsProcess(address, bad);
      expect(!r.ok, 'libsignal accepted the corrupted bundle');
      const s = await ls.must('session_exists', { address });
      expect(!s.exists, 'a session exists after the rejected bundle');
      const good = await ls.call('process_bundle', { address, bundle: g.bundle });
      expect(good.ok, `the intact bundle was refused afterwards: ${good.error}`);
      return r.error;
    });
  }
}

await check('hush prekey records load in libsignal and give the same bundle keys', async () => {
  await hush.must('create_identity', {});
  const g = await hush.must('generate_prekeys', { prekey_id: 5, signed_prekey_id: 6, kyber_prekey_id: 7, timestamp: 1_700_000_000_000 });
  await ls.must('create_identity', {});
  const l = await ls.must('generate_prekeys', {
    prekey_record: g.private.prekey_record,
    signed_prekey_record: g.private.signed_prekey_record,
    kyber_prekey_record: g.private.kyber_prekey_record,
  });
  for (const k of ['prekey_record', 'signed_prekey_record', 'kyber_prekey_record', 'prekey_private', 'signed_prekey_private', 'kyber_public', 'kyber_secret']) {
    expect(l.private[k] === g.private[k], `libsignal re-serializes ${k} differently`);
  }
  for (const k of ['prekey_id', 'prekey_public', 'signed_prekey_id', 'signed_prekey_public', 'signed_prekey_signature', 'kyber_prekey_id', 'kyber_prekey_public', 'kyber_prekey_signature']) {
    expect(l.bundle[k] === g.bundle[k], `bundle ${k} differs`);
  }
});

await check('libsignal prekey records load in hush and give the same bundle keys', async () => {
  await ls.must('create_identity', {});
  const l = await ls.must('generate_prekeys', { prekey_id: 5, signed_prekey_id: 6, kyber_prekey_id: 7, timestamp: 1_700_000_000_000 });
  await hush.must('create_identity', {});
  const g = await hush.must('generate_prekeys', {
    prekey_record: l.private.prekey_record,
    signed_prekey_record: l.private.signed_prekey_record,
    kyber_prekey_record: l.private.kyber_prekey_record,
  });
  for (const k of ['prekey_record', 'signed_prekey_record', 'kyber_prekey_record', 'prekey_private', 'signed_prekey_private', 'kyber_public', 'kyber_secret']) {
    expect(g.private[k] === l.private[k], `hush re-serializes ${k} differently`);
  }
  for (const k of ['prekey_id', 'prekey_public', 'signed_prekey_id', 'signed_prekey_public', 'signed_prekey_signature', 'kyber_prekey_id', 'kyber_prekey_public', 'kyber_prekey_signature']) {
    expect(g.bundle[k] === l.bundle[k], `bundle ${k} differs`);
  }
});

await check("libsignal bundle signatures verify in hush; hush's signed prekeys reproduce libsignal's records", async () => {
  const me = await ls.must('create_identity', {});
  const l = await ls.must('generate_prekeys', { signed_prekey_id: 1, kyber_prekey_id: 2, timestamp: 1_234_567 });
  const b = l.bundle;
  for (const [pub, sig] of [[b.signed_prekey_public, b.signed_prekey_signature], [b.kyber_prekey_public, b.kyber_prekey_signature]]) {
    const v = await hush.must('verify', { public_key: me.identity_public, message: pub, signature: sig });
    expect(v.valid, 'hush rejects a libsignal prekey signature');
  }
  // Same identity, private keys, signatures and timestamp: identical records.
  await hush.must('create_identity', { identity_key_pair: me.identity_key_pair });
  const g = await hush.must('generate_prekeys', {
    timestamp: 1_234_567,
    signed_prekey_id: 1, signed_prekey_private: l.private.signed_prekey_private, signed_prekey_signature: b.signed_prekey_signature,
    kyber_prekey_id: 2, kyber_public: l.private.kyber_public, kyber_secret: l.private.kyber_secret, kyber_prekey_signature: b.kyber_prekey_signature,
  });
  expect(g.private.signed_prekey_record === l.private.signed_prekey_record, 'signed prekey records differ');
  expect(g.private.kyber_prekey_record === l.private.kyber_prekey_record, 'Kyber prekey records differ');
});

await check('hush Kyber key pairs load in libsignal', async () => {
  await ls.must('create_identity', {});
  for (let i = 0; i < 3; i++) {
    const k = await hush.must('kyber_keypair');
    expect(k.public.length === 2 * 1569 && k.secret.length === 2 * 3169, 'wrong Kyber key sizes');
    const l = await ls.must('generate_prekeys', { kyber_prekey_id: i + 1, kyber_public: k.public, kyber_secret: k.secret });
    expect(l.private.kyber_public === k.public && l.private.kyber_secret === k.secret, 'libsignal changed the key pair');
  }
});

// ---- EC keys, agreement, HKDF ------------------------------------------------

await check('keypair: the same (unclamped) private gives the same clamped private and public', async () => {
  const n = 16;
  for (let i = 0; i < n; i++) {
    const priv = i === 0 ? 'ff'.repeat(32) : i === 1 ? '00'.repeat(32) : randHex(32);
    const a = await hush.must('keypair', { private: priv });
    const b = await ls.must('keypair', { private: priv });
    expect(a.private === b.private, `clamped private differs for ${priv}`);
    expect(a.public === b.public, `public differs for ${priv}`);
  }
  return `${n} keys`;
});

await check('agree: hush and libsignal derive the same X25519 secret both ways', async () => {
  const n = 16;
  for (let i = 0; i < n; i++) {
    const a = await hush.must('keypair');
    const b = await ls.must('keypair');
    const ab = await hush.must('agree', { private: a.private, public: b.public });
    const ba = await ls.must('agree', { private: b.private, public: a.public });
    expect(ab.shared === ba.shared, 'shared secrets differ');
    const ab2 = await ls.must('agree', { private: a.private, public: b.public });
    expect(ab2.shared === ab.shared, 'libsignal computes another secret from hush\'s side');
  }
  return `${n} pairs`;
});

await check('agree: both refuse low-order public keys', async () => {
  const a = await hush.must('keypair');
  // u = 0 and u = 1 are points of order 4 and 1; every multiple is all-zero.
  for (const u of ['00'.repeat(32), '01' + '00'.repeat(31)]) {
    const h = await hush.call('agree', { private: a.private, public: '05' + u });
    const l = await ls.call('agree', { private: a.private, public: '05' + u });
    expect(!h.ok && !l.ok, `hush ${h.ok ? 'accepts' : 'refuses'}, libsignal ${l.ok ? 'accepts' : 'refuses'} u=${u.slice(0, 2)}…`);
  }
});

await check('hkdf: same output for lengths 1..8160, with and without salt and info', async () => {
  const cases = [];
  for (const length of [1, 16, 31, 32, 33, 42, 64, 80, 96, 255, 1000, 8160]) {
    for (const salt of [undefined, '', randHex(32), randHex(randInt(1, 100))]) {
      cases.push({ ikm: randHex(randInt(0, 80)), info: randInt(0, 1) ? randHex(randInt(1, 40)) : undefined, salt, length });
    }
  }
  for (const c of cases) {
    const a = await hush.must('hkdf', c);
    const b = await ls.must('hkdf', c);
    expect(a.okm === b.okm, `okm differs for ${JSON.stringify({ ...c, ikm: '…' })}`);
    expect(a.okm.length === 2 * c.length, 'wrong okm length');
  }
  return `${cases.length} cases`;
});

// ---- Fingerprints -------------------------------------------------------------

async function fingerprintPair(version, idOf) {
  const h = await hush.must('create_identity', {});
  const l = await ls.must('create_identity', {});
  const [hid, lid] = [idOf(), idOf()];
  const hp = await hush.must('fingerprint', { version, ...hid.as('local'), ...lid.as('remote'), remote_key: l.identity_public });
  const lp = await ls.must('fingerprint', { version, ...lid.as('local'), ...hid.as('remote'), remote_key: h.identity_public });
  // The same computation (hush's point of view) on libsignal, with local_key given.
  const same = await ls.must('fingerprint', { version, ...hid.as('local'), ...lid.as('remote'), local_key: h.identity_public, remote_key: l.identity_public });
  return { h, l, hid, lid, hp, lp, same };
}
const aci = () => {
  const v = randHex(16);
  return { as: (side) => ({ [`${side}_identifier`]: v }) };
};
const e164 = () => {
  const v = `+1555${String(randInt(0, 9_999_999)).padStart(7, '0')}`;
  return { as: (side) => ({ [`${side}_identifier_text`]: v }) };
};

for (const [version, idOf, what] of [[2, aci, 'ACI'], [1, e164, 'E.164']]) {
  await check(`fingerprint v${version} (${what}): same displayable and scannable in both, mirrored scannables match across libraries`, async () => {
    const { hp, lp, same } = await fingerprintPair(version, idOf);
    expect(/^\d{60}$/.test(hp.displayable), 'displayable is not 60 digits');
    expect(hp.displayable === lp.displayable, 'the two sides see different safety numbers');
    expect(hp.displayable === same.displayable && hp.scannable === same.scannable, 'same inputs, different fingerprints');
    const a = await hush.must('fingerprint_compare', { local_scannable: hp.scannable, remote_scannable: lp.scannable });
    const b = await ls.must('fingerprint_compare', { local_scannable: lp.scannable, remote_scannable: hp.scannable });
    const c = await hush.must('fingerprint_compare', { local_scannable: lp.scannable, remote_scannable: hp.scannable });
    const d = await ls.must('fingerprint_compare', { local_scannable: hp.scannable, remote_scannable: lp.scannable });
    expect(a.match && b.match && c.match && d.match, `match: hush ${a.match}/${c.match}, libsignal ${b.match}/${d.match}`);
    return hp.displayable.replace(/(\d{5})/g, '$1 ').trim();
  });
}

await check('fingerprint_compare: another key does not match, in either library', async () => {
  const { l, hid, lid, hp } = await fingerprintPair(2, aci);
  const other = await ls.must('keypair');
  // libsignal's view with a wrong key for the hush side.
  const wrong = await ls.must('fingerprint', { version: 2, ...lid.as('local'), ...hid.as('remote'), local_key: l.identity_public, remote_key: other.public });
  const a = await hush.must('fingerprint_compare', { local_scannable: hp.scannable, remote_scannable: wrong.scannable });
  const b = await ls.must('fingerprint_compare', { local_scannable: hp.scannable, remote_scannable: wrong.scannable });
  expect(a.match === false && b.match === false, `hush ${a.match}, libsignal ${b.match}`);
  expect(hp.displayable !== wrong.displayable, 'displayables agree despite another key');
});

await check('fingerprint_compare: a version 1 vs version 2 comparison fails in both', async () => {
  const v2 = await fingerprintPair(2, aci);
  const v1 = await fingerprintPair(1, e164);
  for (const [ours, theirs] of [[v2.hp.scannable, v1.lp.scannable], [v1.hp.scannable, v2.lp.scannable]]) {
    const a = await hush.call('fingerprint_compare', { local_scannable: ours, remote_scannable: theirs });
    const b = await ls.call('fingerprint_compare', { local_scannable: ours, remote_scannable: theirs });
    expect(!a.ok && !b.ok, `hush ${a.ok ? `match=${a.match}` : 'fails'}, libsignal ${b.ok ? `match=${b.match}` : 'fails'}`);
  }
});

await check('fingerprint: iteration counts 2, 1024 and 5200 agree; 1 is refused by both', async () => {
  const key = await hush.must('create_identity', {});
  const other = await ls.must('keypair');
  const base = { local_key: key.identity_public, remote_key: other.public, local_identifier: randHex(16), remote_identifier: randHex(16) };
  for (const iterations of [2, 1024, 5200]) {
    const a = await hush.must('fingerprint', { ...base, iterations });
    const b = await ls.must('fingerprint', { ...base, iterations });
    expect(a.displayable === b.displayable && a.scannable === b.scannable, `differ at ${iterations} iterations`);
  }
  const a = await hush.call('fingerprint', { ...base, iterations: 1 });
  const b = await ls.call('fingerprint', { ...base, iterations: 1 });
  expect(!a.ok && !b.ok, `1 iteration: hush ${a.ok ? 'accepts' : 'refuses'}, libsignal ${b.ok ? 'accepts' : 'refuses'}`);
});

// ---------------------------------------------------------------------------

await hush.close();
await ls.close();
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
