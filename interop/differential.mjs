#!/usr/bin/env node
// differential.mjs HUSH_SPEC [--seeds 1,2,3] [--ops N] [--verbose]
//
// Random 1:1 schedules run three times, with the two parties on
// (libsignal, hush), (hush, libsignal) and (hush, hush), and the outcome of
// every step (encrypt: message type or error class; decrypt: ok / wrong
// plaintext / error class; session_exists; archive/delete) must be the same
// in all three runs. Both parties send and receive, so hush's receiving side
// is compared with libsignal's on the same schedule.
//
//   node differential.mjs "cmd:../target/debug/hush-peer" --seeds 1,2,3,4,5
//
// Steps: (re)initiate from a bundle handed out like a server would (one-time
// EC and Kyber prekeys while they last, else none / the last-resort Kyber
// key; signed prekey 1 or 2), encrypt, deliver in flight messages (mostly
// oldest first), replay delivered ones, tamper with a MAC, drop, bursts of
// up to 2100 mostly lost messages, archive, delete, session_exists.
//
// libsignal runs 0.90 (the version that talks to peers without SPQR); a
// libsignal x libsignal run is not a reference because it uses SPQR, whose
// own key-history limits reject some very old messages that a session
// without SPQR accepts.
//
// Exit status: 0 if every seed gave the same outcomes in all runs.

import crypto from 'node:crypto';
import { Peer, hex } from './lib/peer-client.mjs';

const argv = process.argv.slice(2);
const opts = { seeds: [1, 2, 3, 4, 5], ops: 400, verbose: false };
const positional = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--seeds') opts.seeds = argv[++i].split(',').map(Number);
  else if (argv[i] === '--ops') opts.ops = Number(argv[++i]);
  else if (argv[i] === '--verbose') opts.verbose = true;
  else positional.push(argv[i]);
}
if (positional.length !== 1) {
  process.stderr.write('usage: node differential.mjs HUSH_SPEC [--seeds 1,2,3] [--ops N] [--verbose]\n');
  process.exit(2);
}
const specs = { libsignal: '0.90', hush: positional[0] };
const RUNS = [['libsignal', 'hush'], ['hush', 'libsignal'], ['hush', 'hush']];

// mulberry32, as in selftest.mjs
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const outcome = (r) => (r.ok ? 'ok' : r.error_class);

const OTPKS = 40;
const KYBER_ONE_TIME = [100, 120]; // ids [from, to)

async function schedule(seed, [specA, specB]) {
  const rand = rng(seed);
  const pick = (n) => Math.floor(rand() * n);
  const P = [new Peer(specs[specA], `${specA}-A`), new Peer(specs[specB], `${specB}-B`)];
  const addr = [];
  for (const p of P) {
    const id = await p.must('create_identity', { name: crypto.randomUUID(), device_id: 1 + pick(3) });
    addr.push({ name: id.name, device_id: id.device_id });
    await p.must('generate_prekeys', { signed_prekey_id: 1, kyber_prekey_id: 1, kyber_last_resort: true });
    for (let i = 1; i <= OTPKS; i++) await p.must('generate_prekeys', { prekey_id: i });
    for (let i = KYBER_ONE_TIME[0]; i < KYBER_ONE_TIME[1]; i++) await p.must('generate_prekeys', { kyber_prekey_id: i });
    await p.must('generate_prekeys', { signed_prekey_id: 2 });
  }
  const handedOut = [{ prekey: 1, kyber: KYBER_ONE_TIME[0] }, { prekey: 1, kyber: KYBER_ONE_TIME[0] }];
  const inFlight = [[], []]; // messages on their way to party i
  const delivered = [[], []];
  const steps = [];
  let n = 0;
  const encrypt = async (x, y) => {
    const text = `m${++n}`;
    const e = await P[x].call('encrypt', { address: addr[y], plaintext: hex(text) });
    return { e, m: e.ok ? { text, type: e.type, ciphertext: e.ciphertext } : null };
  };
  for (let op = 0; op < opts.ops; op++) {
    const x = pick(2);
    const y = 1 - x;
    const r = rand();
    let step;
    if (r < 0.06) {
      const h = handedOut[y];
      const q = {
        prekey_id: rand() < 0.7 && h.prekey <= OTPKS ? h.prekey++ : null,
        signed_prekey_id: rand() < 0.8 ? 1 : 2,
        kyber_prekey_id: rand() < 0.5 && h.kyber < KYBER_ONE_TIME[1] ? h.kyber++ : 1,
      };
      const b = await P[y].call('get_bundle', q);
      step = b.ok
        ? `process_bundle ${x}->${y}: ${outcome(await P[x].call('process_bundle', { address: addr[y], bundle: b.bundle }))}`
        : `get_bundle ${y} ${JSON.stringify(q)}: ${outcome(b)}`;
    } else if (r < 0.5) {
      const { e, m } = await encrypt(x, y);
      if (m) inFlight[y].push(m);
      step = `encrypt ${x}->${y}: ${e.ok ? `type ${e.type}` : outcome(e)}`;
    } else if (r < 0.9) {
      if (inFlight[y].length === 0) continue;
      const m = inFlight[y].splice(rand() < 0.6 ? 0 : pick(inFlight[y].length), 1)[0];
      const withType = rand() < 0.8;
      const d = await P[y].call('decrypt', { address: addr[x], type: withType ? m.type : undefined, ciphertext: m.ciphertext });
      step = `decrypt ${y}<-${x} ${m.text} (type ${withType ? m.type : 'none'}): ${d.ok ? (d.plaintext === hex(m.text) ? 'ok' : 'WRONG PLAINTEXT') : outcome(d)}`;
      delivered[y].push(m);
    } else if (r < 0.93) {
      if (delivered[y].length === 0) continue;
      const m = delivered[y][pick(delivered[y].length)];
      step = `replay ${y}<-${x} ${m.text}: ${outcome(await P[y].call('decrypt', { address: addr[x], type: m.type, ciphertext: m.ciphertext }))}`;
    } else if (r < 0.95) {
      if (inFlight[y].length === 0) continue;
      const m = inFlight[y][pick(inFlight[y].length)];
      const b = Buffer.from(m.ciphertext, 'hex');
      b[b.length - 1 - pick(8)] ^= 1 << pick(8);
      step = `tampered ${y}<-${x} ${m.text}: ${outcome(await P[y].call('decrypt', { address: addr[x], type: m.type, ciphertext: b.toString('hex') }))}`;
    } else if (r < 0.965) {
      if (inFlight[y].length === 0) continue;
      step = `drop ${inFlight[y].splice(pick(inFlight[y].length), 1)[0].text}`;
    } else if (r < 0.98) {
      const a = await P[x].call('archive_session', { address: addr[y] });
      step = `archive ${x}->${y}: ${a.ok ? a.archived : outcome(a)}`;
    } else if (r < 0.985) {
      const count = [30, 300, 1999, 2001, 2100][pick(5)];
      const keep = new Set([pick(count), pick(count), count - 1]);
      const types = new Set();
      let failed = null;
      for (let k = 0; k < count && !failed; k++) {
        const { e, m } = await encrypt(x, y);
        if (!m) failed = outcome(e);
        else {
          types.add(m.type);
          if (keep.has(k)) inFlight[y].push(m);
        }
      }
      step = `burst ${x}->${y} ${count}: ${failed ?? `types ${[...types].join(',')}`}`;
    } else if (r < 0.99) {
      const d = await P[x].call('delete_session', { address: addr[y] });
      step = `delete ${x}->${y}: ${d.ok ? d.deleted : outcome(d)}`;
    } else {
      const s = await P[x].call('session_exists', { address: addr[y] });
      step = `session_exists ${x}->${y}: ${s.ok ? `${s.exists}/${s.has_current_state}` : outcome(s)}`;
    }
    steps.push(step);
  }
  for (const [i, p] of P.entries()) {
    const l = await p.must('list_prekeys');
    steps.push(`prekeys ${i}: ec ${l.prekey_ids.length}, kyber ${l.kyber_prekey_ids.length}, kyber uses ${l.kyber_used.length}`);
  }
  for (const p of P) await p.close();
  return steps;
}

let diverged = 0;
for (const seed of opts.seeds) {
  const runs = [];
  for (const run of RUNS) runs.push({ name: run.join('/'), steps: await schedule(seed, run) });
  const ref = runs[0];
  const bad = [];
  for (const other of runs.slice(1)) {
    const len = Math.max(ref.steps.length, other.steps.length);
    const i = [...Array(len).keys()].find((k) => ref.steps[k] !== other.steps[k]);
    if (i !== undefined) bad.push({ other, i });
  }
  const decrypts = ref.steps.filter((s) => s.startsWith('decrypt')).length;
  process.stdout.write(`${bad.length ? 'DIFF' : 'SAME'}  seed ${seed}: ${ref.steps.length} steps, ${decrypts} deliveries\n`);
  for (const { other, i } of bad) {
    process.stdout.write(`    ${other.name} differs from ${ref.name} at step ${i}:\n`);
    for (let k = Math.max(0, i - 6); k <= i; k++) {
      process.stdout.write(`    ${k === i ? '>' : ' '} ${ref.steps[k] ?? '(end)'}  |  ${other.steps[k] ?? '(end)'}\n`);
    }
  }
  if (opts.verbose) for (const s of ref.steps) process.stdout.write(`      ${s}\n`);
  if (bad.length) diverged++;
}
process.stdout.write(`${opts.seeds.length - diverged} seeds agree, ${diverged} differ\n`);
process.exit(diverged ? 1 : 0);
