// The identity-swap attack on a resumed session, through the peers
// (session-setup.md section 4 step 2), against each receiving library:
//
//   1. Mallory (an old device or old key under Alice's address) starts a
//      session with Bob; Bob accepts it (trust on first use).
//   2. Alice, the address's current owner, starts a new session; Bob's
//      application accepts her new key (save_identity), so Mallory's state
//      is archived.
//   3. Mallory sends another PreKey message on her old session with Alice's
//      identity key written into its identity field (outside the inner MAC).
//
// A receiver that passes the trust check on that field and resumes the old
// state lets Mallory take the session over. libsignal 0.103 refuses it
// ("remote identity key not consistent with previously-established
// session"); libsignal 0.90 accepts it. hush must refuse it like 0.103.
//
// Usage: node identity-swap.mjs <sender-spec> <bob-spec>...
//   e.g. node identity-swap.mjs "cmd:../target/debug/hush-peer" 0.103 0.90 "cmd:../target/debug/hush-peer"
// Prints one line per receiver; exits non-zero if a receiver other than
// libsignal 0.90 accepts the swapped message or refuses with another error.

import { Peer } from './lib/peer-client.mjs';

const ALICE = '9d0652a3-dcc3-4d11-975f-74d61598733f';
const BOB = '796abedb-ca4e-4f18-8803-1fde5b921f9f';
const EXPECTED = 'remote identity key not consistent with previously-established session';
const hex = (s) => Buffer.from(s).toString('hex');

async function attack(senderSpec, bobSpec) {
  const mallory = new Peer(senderSpec, 'mallory');
  const alice = new Peer(senderSpec, 'alice');
  const bob = new Peer(bobSpec, `bob-${bobSpec}`);
  try {
    await bob.must('create_identity', { name: BOB, device_id: 1 });
    const m = await mallory.must('create_identity', { name: ALICE, device_id: 1 });
    const a = await alice.must('create_identity', { name: ALICE, device_id: 1 });
    const address = { name: ALICE, device_id: 1 };
    const toBob = { name: BOB, device_id: 1 };
    const bundle = async () =>
      (await bob.must('generate_prekeys', { signed_prekey_id: 1, kyber_prekey_id: 1, kyber_last_resort: true }))
        .bundle ?? (await bob.must('get_bundle', { prekey_id: null })).bundle;

    const first = await bundle();
    await mallory.must('process_bundle', { address: toBob, bundle: first });
    const m1 = await mallory.must('encrypt', { address: toBob, plaintext: hex('old device') });
    await bob.must('decrypt', { address, ciphertext: m1.ciphertext, type: m1.type });

    await alice.must('process_bundle', { address: toBob, bundle: first });
    const a1 = await alice.must('encrypt', { address: toBob, plaintext: hex('from alice') });
    await bob.must('save_identity', { address, identity_key: a.identity_public });
    await bob.must('decrypt', { address, ciphertext: a1.ciphertext, type: a1.type });

    const m2 = await mallory.must('encrypt', { address: toBob, plaintext: hex('send your replies to me') });
    if (m2.type !== 3) throw new Error(`expected a PreKey message, got type ${m2.type}`);
    if (!m2.ciphertext.includes(m.identity_public)) throw new Error('identity key not found in the message');
    const swapped = m2.ciphertext.replace(m.identity_public, a.identity_public);
    const r = await bob.call('decrypt', { address, ciphertext: swapped, type: 3 });
    return r.ok
      ? { accepted: true, detail: Buffer.from(r.plaintext, 'hex').toString() }
      : { accepted: false, detail: r.error };
  } finally {
    await Promise.all([mallory.close(), alice.close(), bob.close()]);
  }
}

const [senderSpec, ...receivers] = process.argv.slice(2);
if (!senderSpec || receivers.length === 0) {
  console.error('usage: node identity-swap.mjs <sender-spec> <bob-spec>...');
  process.exit(2);
}
let failed = 0;
for (const spec of receivers) {
  const { accepted, detail } = await attack(senderSpec, spec);
  const mayAccept = spec === '0.90';
  const ok = accepted ? mayAccept : detail.includes(EXPECTED);
  if (!ok) failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  Bob = ${spec}: ${accepted ? `ACCEPTED ("${detail}")` : `refused (${detail})`}`);
}
process.exit(failed === 0 ? 0 : 1);
