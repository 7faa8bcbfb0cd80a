#!/usr/bin/env node
// Times the real libsignal (npm @signalapp/libsignal-client, a black box) on
// the scenarios of benches/session.rs and benches/groups_and_sealed_sender.rs,
// so hush's criterion figures have a reference measured on the same machine.
//
//   node interop/bench-libsignal.mjs [0.103|0.90] [--quick]
//
// What this measures is libsignal as Node applications use it: every call
// crosses N-API and awaits the JavaScript stores. The stores here keep record
// objects in a Map (no serialization on our side), the cheapest store
// possible, so the figures are a lower bound for a Node application and an
// upper bound for libsignal's Rust core. The "n-api floor" line is the
// cheapest call into the library (serializing a public key), for scale.
//
// Each figure is the median over batches of the time per operation.
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const requested = args.find((a) => !a.startsWith('--')) ?? '0.103';
const PKG = { '0.103': 'ls0103', '0.90': 'ls090' }[requested];
if (!PKG) {
  process.stderr.write(`unknown version ${requested}; use 0.103 or 0.90\n`);
  process.exit(2);
}
let SC, SSMRM;
try {
  SC = await import(PKG);
  SSMRM = (await import(`${PKG}/dist/SealedSenderMultiRecipientMessage.js`)).default;
} catch (e) {
  process.stderr.write(`cannot load ${PKG} (run interop/setup.sh first): ${e.message}\n`);
  process.exit(3);
}
const version = require(`${PKG}/package.json`).version;
const NEEDS_LOCAL_ADDRESS = SC.signalDecrypt.length === 5;
const NOW = new Date(1_700_000_000_000);
// A collection before each batch, so garbage from one batch is not charged
// to the next.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

class Party {
  // `persisted`: the session store keeps serialized records, so every
  // encrypt/decrypt loads the record from bytes and stores it as bytes
  // again (an application's real path; issue 12).
  constructor(name, registrationId, { persisted = false } = {}) {
    this.address = SC.ProtocolAddress.new(name, 1);
    this.identity = SC.IdentityKeyPair.generate();
    this.registrationId = registrationId;
    const sessions = (this.sessions = new Map());
    const identities = new Map();
    const self = this;
    const load = (r) => (r === undefined ? null : persisted ? SC.SessionRecord.deserialize(r) : r);
    this.sessionStore = new (class extends SC.SessionStore {
      async saveSession(addr, record) {
        sessions.set(addr.toString(), persisted ? record.serialize() : record);
      }
      async getSession(addr) {
        return load(sessions.get(addr.toString()));
      }
      async getExistingSessions(addrs) {
        return addrs.map((a) => load(sessions.get(a.toString())));
      }
    })();
    this.identityStore = new (class extends SC.IdentityKeyStore {
      async getIdentityKey() {
        return self.identity.privateKey;
      }
      async getLocalRegistrationId() {
        return self.registrationId;
      }
      async saveIdentity(addr, key) {
        identities.set(addr.toString(), key);
        return SC.IdentityChange.NewOrUnchanged;
      }
      async isTrustedIdentity() {
        return true;
      }
      async getIdentity(addr) {
        return identities.get(addr.toString()) ?? null;
      }
    })();
    const senderKeys = new Map();
    this.senderKeyStore = new (class extends SC.SenderKeyStore {
      async saveSenderKey(sender, distributionId, record) {
        senderKeys.set(`${distributionId}::${sender.toString()}`, record);
      }
      async getSenderKey(sender, distributionId) {
        return senderKeys.get(`${distributionId}::${sender.toString()}`) ?? null;
      }
    })();
    const prekeys = (this.prekeys = new Map());
    const signed = (this.signed = new Map());
    const kyber = (this.kyber = new Map());
    this.prekeyStore = new (class extends SC.PreKeyStore {
      async savePreKey(id, r) {
        prekeys.set(id, r);
      }
      async getPreKey(id) {
        return prekeys.get(id);
      }
      async removePreKey() {} // kept, so the same message can be processed again
    })();
    this.signedStore = new (class extends SC.SignedPreKeyStore {
      async saveSignedPreKey(id, r) {
        signed.set(id, r);
      }
      async getSignedPreKey(id) {
        return signed.get(id);
      }
    })();
    this.kyberStore = new (class extends SC.KyberPreKeyStore {
      async saveKyberPreKey(id, r) {
        kyber.set(id, r);
      }
      async getKyberPreKey(id) {
        return kyber.get(id);
      }
      async markKyberPreKeyUsed() {}
    })();
  }

  bundle() {
    const pre = SC.PrivateKey.generate();
    const signedKey = SC.PrivateKey.generate();
    const kem = SC.KEMKeyPair.generate();
    const signedSig = this.identity.privateKey.sign(signedKey.getPublicKey().serialize());
    const kemSig = this.identity.privateKey.sign(kem.getPublicKey().serialize());
    this.prekeys.set(1, SC.PreKeyRecord.new(1, pre.getPublicKey(), pre));
    this.signed.set(1, SC.SignedPreKeyRecord.new(1, NOW.getTime(), signedKey.getPublicKey(), signedKey, signedSig));
    this.kyber.set(1, SC.KyberPreKeyRecord.new(1, NOW.getTime(), kem, kemSig));
    return SC.PreKeyBundle.new(
      this.registrationId, 1, 1, pre.getPublicKey(), 1, signedKey.getPublicKey(), signedSig,
      this.identity.publicKey, 1, kem.getPublicKey(), kemSig,
    );
  }

  processBundle(bundle, to) {
    const extra = NEEDS_LOCAL_ADDRESS ? [this.address] : [];
    return SC.processPreKeyBundle(bundle, to.address, ...extra, this.sessionStore, this.identityStore, NOW);
  }

  encrypt(plaintext, to) {
    const extra = NEEDS_LOCAL_ADDRESS ? [this.address] : [];
    return SC.signalEncrypt(plaintext, to.address, ...extra, this.sessionStore, this.identityStore, NOW);
  }

  decrypt(ciphertext, from) {
    const extra = NEEDS_LOCAL_ADDRESS ? [this.address] : [];
    if (ciphertext.type() === SC.CiphertextMessageType.PreKey) {
      const msg = SC.PreKeySignalMessage.deserialize(ciphertext.serialize());
      return SC.signalDecryptPreKey(
        msg, from.address, ...extra, this.sessionStore, this.identityStore,
        this.prekeyStore, this.signedStore, this.kyberStore,
      );
    }
    const msg = SC.SignalMessage.deserialize(ciphertext.serialize());
    return SC.signalDecrypt(msg, from.address, ...extra, this.sessionStore, this.identityStore);
  }
}

// Median time per operation over `batches` batches of `perBatch` operations.
// `prepare(n)` builds untimed inputs for one batch; `op(input, i)` is timed.
async function measure(name, { batches, perBatch, prepare = async () => null, op }) {
  const perOp = [];
  await op(await prepare(1), 0); // warm-up
  for (let b = 0; b < batches; b++) {
    const input = await prepare(perBatch);
    gc();
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await op(input, i);
    perOp.push(Number(process.hrtime.bigint() - start) / perBatch / 1000);
  }
  if (process.env.BENCH_TRACE) console.log(name, perOp.map((x) => x.toFixed(1)).join(" "));
  perOp.sort((x, y) => x - y);
  const median = perOp[Math.floor(perOp.length / 2)];
  console.log(`${name.padEnd(40)} ${median.toFixed(1).padStart(9)} µs`);
}

const scale = quick ? 0.1 : 1;
const count = (n) => Math.max(1, Math.round(n * scale));
const plaintext = new Uint8Array(160).fill(0x42);

const alice = new Party('9d0652a3-dcc3-4d11-975f-74d61598733f', 1);
const bob = new Party('796abedb-ca4e-4f18-8803-1fde5b921f9f', 2);
const bundle = bob.bundle();

async function establish() {
  alice.sessions.clear();
  bob.sessions.clear();
  await alice.processBundle(bundle, bob);
  await bob.decrypt(await alice.encrypt(Uint8Array.of(1), bob), alice);
  await alice.decrypt(await bob.encrypt(Uint8Array.of(2), alice), bob);
}

console.log(`libsignal ${version} through Node ${process.version} (N-API, in-memory stores)`);

const pub = alice.identity.publicKey;
await measure('n-api floor (PublicKey.serialize)', { batches: 20, perBatch: count(20000), op: async () => pub.serialize() });

await measure('session/initiate_from_bundle', {
  batches: 20,
  perBatch: count(200),
  op: async () => {
    alice.sessions.clear();
    await alice.processBundle(bundle, bob);
  },
});

alice.sessions.clear();
await alice.processBundle(bundle, bob);
const first = await alice.encrypt(plaintext, bob);
await measure('session/process_prekey_message', {
  batches: 20,
  perBatch: count(100),
  op: async () => {
    bob.sessions.clear();
    await bob.decrypt(first, alice);
  },
});

await establish();
await measure('session/encrypt_160B_in_chain', {
  batches: 20,
  perBatch: count(2000),
  op: async () => alice.encrypt(plaintext, bob),
});

await establish();
await measure('session/decrypt_160B_in_chain', {
  batches: 20,
  perBatch: count(2000),
  // One message opens Bob's receiving chain untimed, so no DH step is timed.
  prepare: async (n) => {
    await bob.decrypt(await alice.encrypt(plaintext, bob), alice);
    const messages = [];
    for (let i = 0; i < n; i++) messages.push(await alice.encrypt(plaintext, bob));
    return messages;
  },
  op: async (messages, i) => bob.decrypt(messages[i], alice),
});

await establish();
await measure('session/ratchet_round_trip', {
  batches: 20,
  perBatch: count(100),
  op: async () => {
    await bob.decrypt(await alice.encrypt(plaintext, bob), alice);
    await alice.decrypt(await bob.encrypt(plaintext, alice), bob);
  },
});

const record = bob.sessions.get(alice.address.toString());
await measure('session/record_serialize_and_back', {
  batches: 20,
  perBatch: count(2000),
  op: async () => SC.SessionRecord.deserialize(record.serialize()),
});

// ---- persisted records (issue 12; benches/persist.rs) -----------------------
// Bob's record after a fresh session, after 100 messages each way, and with
// 2 000 stored skipped keys. Serialize and deserialize are single native
// calls; the persisted paths load the record from bytes, run one operation
// and store the record as bytes, through a byte-keeping session store.
{
  const pa = new Party('9d0652a3-dcc3-4d11-975f-74d61598733f', 1, { persisted: true });
  const pb = new Party('796abedb-ca4e-4f18-8803-1fde5b921f9f', 2, { persisted: true });
  const pbundle = pb.bundle();
  const key = (p) => p.address.toString();
  const records = [];
  for (const name of ['fresh', '100_each_way', '2000_skipped']) {
    pa.sessions.clear();
    pb.sessions.clear();
    await pa.processBundle(pbundle, pb);
    await pb.decrypt(await pa.encrypt(Uint8Array.of(1), pb), pa);
    await pa.decrypt(await pb.encrypt(Uint8Array.of(2), pa), pb);
    if (name !== 'fresh') {
      for (let i = 0; i < 100; i++) {
        await pb.decrypt(await pa.encrypt(plaintext, pb), pa);
        await pa.decrypt(await pb.encrypt(plaintext, pa), pb);
      }
    }
    if (name === '2000_skipped') {
      for (let i = 0; i < 2000; i++) await pa.encrypt(plaintext, pb);
      await pb.decrypt(await pa.encrypt(plaintext, pb), pa);
    }
    const bytes = pb.sessions.get(key(pa));
    console.log(`record ${name}: ${bytes.length} bytes`);
    const rec = SC.SessionRecord.deserialize(bytes);
    const n = name === '2000_skipped' ? 20 : 2000;
    await measure(`record/${name}/serialize`, { batches: 20, perBatch: count(n), op: async () => rec.serialize() });
    await measure(`record/${name}/deserialize`, { batches: 20, perBatch: count(n), op: async () => SC.SessionRecord.deserialize(bytes) });
    await measure(`record/${name}/round_trip`, {
      batches: 20, perBatch: count(n), op: async () => SC.SessionRecord.deserialize(rec.serialize()),
    });
    if (name === 'fresh') continue;
    const m = name === '2000_skipped' ? 20 : 500;
    // Bob (who sent last) encrypts on his sending chain.
    await measure(`persisted/${name}/encrypt_160B`, {
      batches: 20,
      perBatch: count(m),
      op: async () => {
        pb.sessions.set(key(pa), bytes);
        await pb.encrypt(plaintext, pa);
      },
    });
    // Bob decrypts on his current receiving chain: one message from Alice
    // opens it (untimed), the next is timed against the stored record.
    await pb.decrypt(await pa.encrypt(plaintext, pb), pa);
    const onChain = pb.sessions.get(key(pa));
    const next = await pa.encrypt(plaintext, pb);
    await measure(`persisted/${name}/decrypt_160B`, {
      batches: 20,
      perBatch: count(m),
      op: async () => {
        pb.sessions.set(key(pa), onChain);
        await pb.decrypt(next, pa);
      },
    });
  }
}

// ---- groups (sender keys) ------------------------------------------------
const group = 'd1d1d1d1-7000-11eb-b32a-33b8a8a487a6';
const skdm = await SC.SenderKeyDistributionMessage.create(alice.address, group, alice.senderKeyStore);
await SC.processSenderKeyDistributionMessage(alice.address, skdm, bob.senderKeyStore);
await measure('group/encrypt_160B', {
  batches: 20,
  perBatch: count(2000),
  op: async () => SC.groupEncrypt(alice.address, group, alice.senderKeyStore, plaintext),
});
// A second distribution whose receiver is kept in step with the sender, so
// no skipped keys pile up (the encryptions above were never delivered).
const inStep = 'd2d2d2d2-7000-11eb-b32a-33b8a8a487a6';
await SC.processSenderKeyDistributionMessage(
  alice.address, await SC.SenderKeyDistributionMessage.create(alice.address, inStep, alice.senderKeyStore), bob.senderKeyStore,
);
await measure('group/decrypt_160B_in_order', {
  batches: 20,
  perBatch: count(2000),
  prepare: async (n) => {
    const messages = [];
    for (let i = 0; i < n; i++) messages.push((await SC.groupEncrypt(alice.address, inStep, alice.senderKeyStore, plaintext)).serialize());
    return messages;
  },
  op: async (messages, i) => SC.groupDecrypt(alice.address, bob.senderKeyStore, messages[i]),
});

// ---- sealed sender -------------------------------------------------------
const V2_RECIPIENTS = 10;
const uuid = (i) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const trustRoot = SC.PrivateKey.generate();
const serverKey = SC.PrivateKey.generate();
const serverCert = SC.ServerCertificate.new(1, serverKey.getPublicKey(), trustRoot);
const sealer = new Party(uuid(0), 1);
const certificate = SC.SenderCertificate.new(
  uuid(0), null, 1, sealer.identity.publicKey, NOW.getTime() + 24 * 3600 * 1000, serverCert, serverKey,
);
const recipients = [];
for (let i = 1; i <= V2_RECIPIENTS; i++) {
  const r = new Party(uuid(i), i + 1);
  await sealer.processBundle(r.bundle(), r);
  recipients.push(r);
}
const [bobR] = recipients;

// v1: a 1:1 message (160-byte body) sealed to the first recipient.
const inner = await sealer.encrypt(plaintext, bobR);
const usmc1 = SC.UnidentifiedSenderMessageContent.new(inner, certificate, 0, null);
await measure('sealed_sender/v1_seal', {
  batches: 20,
  perBatch: count(500),
  op: async () => SC.sealedSenderEncrypt(usmc1, bobR.address, sealer.identityStore),
});
const sealed1 = await SC.sealedSenderEncrypt(usmc1, bobR.address, sealer.identityStore);
const unsealAndValidate = async (bytes) => {
  const usmc = await SC.sealedSenderDecryptToUsmc(bytes, bobR.identityStore);
  if (!usmc.senderCertificate().validate(trustRoot.getPublicKey(), NOW.getTime())) throw new Error('certificate did not validate');
};
await measure('sealed_sender/v1_unseal_and_validate', {
  batches: 20,
  perBatch: count(500),
  op: async () => unsealAndValidate(sealed1),
});

// v2: a group message (160-byte body) sealed once for all recipients.
const groupMessage = await SC.groupEncrypt(alice.address, group, alice.senderKeyStore, plaintext);
const usmc2 = SC.UnidentifiedSenderMessageContent.new(groupMessage, certificate, 0, null);
const sealMulti = () => SC.sealedSenderMultiRecipientEncrypt({
  content: usmc2,
  recipients: recipients.map((r) => r.address),
  excludedRecipients: [],
  identityStore: sealer.identityStore,
  sessionStore: sealer.sessionStore,
});
await measure(`sealed_sender/v2_seal_${V2_RECIPIENTS}_recipients`, {
  batches: 20,
  perBatch: count(100),
  op: sealMulti,
});
// Multi-recipient sealing at 1 to 1 000 recipients (one device each).
{
  const many = [];
  for (let i = 1; i <= 1000; i++) {
    if (i <= V2_RECIPIENTS) {
      many.push(recipients[i - 1]);
      continue;
    }
    const r = new Party(uuid(i), (i % 0x3fff) + 1);
    await sealer.processBundle(r.bundle(), r);
    many.push(r);
  }
  for (const n of [1, 10, 100, 1000]) {
    const addrs = many.slice(0, n).map((r) => r.address);
    await measure(`sealed_sender/v2_seal/${n}`, {
      batches: n === 1000 ? 10 : 20,
      perBatch: count(Math.max(1, Math.round(2000 / n))),
      op: async () => SC.sealedSenderMultiRecipientEncrypt({
        content: usmc2,
        recipients: addrs,
        excludedRecipients: [],
        identityStore: sealer.identityStore,
        sessionStore: sealer.sessionStore,
      }),
    });
  }
}
const sent = new SSMRM(await sealMulti());
const forFirst = sent.messageForRecipient(sent.recipientsByServiceIdString()[uuid(1)]);
await measure('sealed_sender/v2_unseal_and_validate', {
  batches: 20,
  perBatch: count(500),
  op: async () => unsealAndValidate(forFirst),
});
