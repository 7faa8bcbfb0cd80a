/*
 * C test of hush's classic Signal (message version 3) ABI:
 *
 * - a classic conversation, driven as an OMEMO 0.3 / libsignal-protocol-c
 *   application drives it without store callbacks: Bob's bundle with a
 *   31-bit device ID, Alice starts an X3DH session, PreKey messages (version
 *   byte 0x33) go through the two-step path (parse, check identity, look the
 *   pre-keys up, decrypt, delete what was consumed), replies over several
 *   ratchet turns with out-of-order delivery; duplicates, tampered and
 *   untrusted messages are refused with the record byte-identical; a
 *   version-4 record or message is refused by the classic API and a classic
 *   message by the version-4 API;
 * - records moving between hush and libsignal-protocol-c: hush's record
 *   exported in libsignal-protocol-c's format and imported again mid-
 *   conversation; records written by libsignal-protocol-c itself
 *   (classic_lspc.h, from interop-v3/migration/lspc-records.json) imported,
 *   their in-flight messages decrypted and the conversation continued
 *   between the two imported records; pre-key and identity records;
 * - classic groups (libsignal-protocol-c's sender keys): three members, each
 *   keeping one record per (group, sender); messages out of order, a
 *   duplicate, a forged signature, a late joiner, a record through
 *   libsignal-protocol-c's format;
 * - NULL arguments; everything freed (ASan leak check, Valgrind).
 *
 * Built and run by ffi/tests/run-c-tests.sh (ASan/UBSan, shared library,
 * Valgrind). The last line printed is "N passed, N failed".
 */
#include "hush.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "classic_lspc.h"

static const uint64_t NOW = 1763800000000ull; /* ms since the Unix epoch */

static int buffer_is(const hush_buffer *buf, const void *bytes, size_t len) {
    return buf->len == len && buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0;
}

static int buffer_is_text(const hush_buffer *buf, const char *text) {
    return buffer_is(buf, text, strlen(text));
}

static int untouched(const hush_buffer *buf) {
    return buf->ptr == NULL && buf->len == 7;
}

static hush_buffer record_bytes(const hush_classic_session_record *record) {
    hush_buffer out = {0};
    CHECK_RC(hush_classic_session_record_serialize(record, &out), HUSH_RESULT_OK);
    return out;
}

/* Whether the record serializes to exactly `expected`. */
static int record_is(const hush_classic_session_record *record, const hush_buffer *expected) {
    hush_buffer now = record_bytes(record);
    int same = expected->ptr != NULL && buffer_is(&now, expected->ptr, expected->len);
    hush_buffer_free(&now);
    return same;
}

static int key_is(const hush_public_key *key, const uint8_t *bytes, size_t len) {
    hush_buffer out = {0};
    CHECK_RC(hush_public_key_serialize(key, &out), HUSH_RESULT_OK);
    int same = buffer_is(&out, bytes, len);
    hush_buffer_free(&out);
    return same;
}

/* One party: identity, participant handle, public identity key. */
typedef struct {
    hush_identity_key_pair *pair;
    hush_local_identity *local;
    hush_public_key *identity;
} party;

static party make_party(uint32_t registration_id) {
    party p = {0};
    CHECK_RC(hush_identity_key_pair_generate(NULL, &p.pair), HUSH_RESULT_OK);
    CHECK_RC(hush_local_identity_new(p.pair, registration_id, &p.local), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(p.pair, &p.identity), HUSH_RESULT_OK);
    return p;
}

static void free_party(party *p) {
    hush_identity_key_pair_free(p->pair);
    hush_local_identity_free(p->local);
    hush_public_key_free(p->identity);
}

/* A message on the wire. */
typedef struct {
    hush_message_type type;
    hush_buffer bytes;
} wire;

static wire send(hush_classic_session_record *record, const char *text) {
    wire w = {0, {0}};
    CHECK_RC(hush_classic_session_encrypt(record, (const uint8_t *)text, strlen(text), &w.type,
                                          &w.bytes),
             HUSH_RESULT_OK);
    return w;
}

/* Decrypts `w` with the sender's trusted identity; checks the plaintext. */
static void receive(hush_classic_session_record *record, const party *me, const wire *w,
                    const hush_public_key *trusted, const char *text) {
    hush_buffer out = {0};
    CHECK_RC(hush_classic_session_decrypt(record, me->local, w->type, w->bytes.ptr, w->bytes.len,
                                          trusted, NULL, &out),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&out, text));
    hush_buffer_free(&out);
}

/* Decrypting `w` fails with `want`, the record byte-identical, no output. */
static void refused(hush_classic_session_record *record, const party *me, const wire *w,
                    const hush_public_key *trusted, hush_result want) {
    hush_buffer before = record_bytes(record);
    hush_buffer out = SENTINEL_BUFFER;
    CHECK_RC(hush_classic_session_decrypt(record, me->local, w->type, w->bytes.ptr, w->bytes.len,
                                          trusted, NULL, &out),
             want);
    CHECK(untouched(&out));
    CHECK(record_is(record, &before));
    hush_buffer_free(&before);
}

static void free_wire(wire *w) { hush_buffer_free(&w->bytes); }

/* Bob's published keys and the classic bundle Alice builds from them. */
typedef struct {
    hush_signed_prekey_record *signed_pre_key;
    hush_prekey_record *one_time;
    hush_classic_prekey_bundle *bundle;
} published;

static published publish(const party *bob, uint32_t device_id, uint32_t signed_id,
                         uint32_t one_time_id) {
    published k = {0};
    hush_public_key *spk = NULL, *opk = NULL;
    hush_buffer sig = {0};
    CHECK_RC(hush_signed_prekey_record_generate(signed_id, NOW, bob->pair, NULL, &k.signed_pre_key),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_generate(one_time_id, NULL, &k.one_time), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_public_key(k.signed_pre_key, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(k.signed_pre_key, &sig), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_get_public_key(k.one_time, &opk), HUSH_RESULT_OK);
    CHECK_RC(hush_classic_prekey_bundle_new(4242, device_id, one_time_id, opk, signed_id, spk,
                                            sig.ptr, sig.len, bob->identity, &k.bundle),
             HUSH_RESULT_OK);
    hush_public_key_free(spk);
    hush_public_key_free(opk);
    hush_buffer_free(&sig);
    return k;
}

static void free_published(published *k) {
    hush_signed_prekey_record_free(k->signed_pre_key);
    hush_prekey_record_free(k->one_time);
    hush_classic_prekey_bundle_free(k->bundle);
}

static void test_bundle_device_ids(const party *bob) {
    hush_public_key *spk = NULL;
    hush_signed_prekey_record *signed_pre_key = NULL;
    hush_buffer sig = {0};
    CHECK_RC(hush_signed_prekey_record_generate(1, NOW, bob->pair, NULL, &signed_pre_key),
             HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_public_key(signed_pre_key, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(signed_pre_key, &sig), HUSH_RESULT_OK);
    /* OMEMO device IDs are 31-bit: 1..2^31-1 are fine, 0 and 2^31 are not. */
    const uint32_t good[] = {1, 127, 128, 1234567890u, HUSH_CLASSIC_MAX_DEVICE_ID};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        hush_classic_prekey_bundle *b = NULL;
        CHECK_RC(hush_classic_prekey_bundle_new(1, good[i], 0, NULL, 1, spk, sig.ptr, sig.len,
                                                bob->identity, &b),
                 HUSH_RESULT_OK);
        CHECK_RC(hush_classic_prekey_bundle_verify(b), HUSH_RESULT_OK);
        hush_classic_prekey_bundle_free(b);
    }
    const uint32_t bad[] = {0, 0x80000000u, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hush_classic_prekey_bundle *b = SENTINEL;
        CHECK_RC(hush_classic_prekey_bundle_new(1, bad[i], 0, NULL, 1, spk, sig.ptr, sig.len,
                                                bob->identity, &b),
                 HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID);
        CHECK(b == SENTINEL);
    }
    /* The version-4 bundle keeps its 1..127 limit. */
    CHECK(HUSH_CLASSIC_MAX_DEVICE_ID == 2147483647u);
    /* A bad signature fails verification, and the session start. */
    uint8_t forged[64];
    memcpy(forged, sig.ptr, 64);
    forged[5] ^= 1;
    hush_classic_prekey_bundle *b = NULL;
    CHECK_RC(hush_classic_prekey_bundle_new(1, 7, 0, NULL, 1, spk, forged, 64, bob->identity, &b),
             HUSH_RESULT_OK);
    CHECK_RC(hush_classic_prekey_bundle_verify(b), HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    hush_classic_session_record *record = NULL;
    CHECK_RC(hush_classic_session_record_new(&record), HUSH_RESULT_OK);
    party alice = make_party(5);
    CHECK_RC(hush_classic_session_initiate(record, b, alice.local, NOW, NULL),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    bool has = true;
    CHECK_RC(hush_classic_session_record_has_current_state(record, &has), HUSH_RESULT_OK);
    CHECK(!has);
    free_party(&alice);
    hush_classic_session_record_free(record);
    hush_classic_prekey_bundle_free(b);
    hush_public_key_free(spk);
    hush_buffer_free(&sig);
    hush_signed_prekey_record_free(signed_pre_key);
}

/* Bob receives Alice's first PreKey message the two-step way. */
static void bob_receives_first(hush_classic_session_record *bob_record, const party *bob,
                               const party *alice, published *keys, const wire *w,
                               const char *text, uint32_t want_one_time, uint32_t want_signed) {
    hush_classic_prekey_message *message = NULL;
    CHECK_RC(hush_classic_prekey_message_deserialize(w->bytes.ptr, w->bytes.len, &message),
             HUSH_RESULT_OK);
    hush_public_key *sender = NULL;
    CHECK_RC(hush_classic_prekey_message_get_identity_key(message, &sender), HUSH_RESULT_OK);
    hush_buffer alice_key = {0};
    CHECK_RC(hush_public_key_serialize(alice->identity, &alice_key), HUSH_RESULT_OK);
    CHECK(key_is(sender, alice_key.ptr, alice_key.len)); /* the application trusts it */
    hush_buffer_free(&alice_key);
    bool has_one_time = false;
    uint32_t one_time_id = 0, signed_id = 0, registration_id = 0;
    CHECK_RC(hush_classic_prekey_message_get_pre_key_id(message, &has_one_time, &one_time_id),
             HUSH_RESULT_OK);
    CHECK_RC(hush_classic_prekey_message_get_signed_pre_key_id(message, &signed_id),
             HUSH_RESULT_OK);
    CHECK_RC(hush_classic_prekey_message_get_registration_id(message, &registration_id),
             HUSH_RESULT_OK);
    CHECK(has_one_time && one_time_id == want_one_time && signed_id == want_signed &&
          registration_id == 1717);
    bool known = true;
    CHECK_RC(hush_classic_session_has_session_for(bob_record, message, &known), HUSH_RESULT_OK);
    CHECK(!known);

    /* Without the signed pre-key: refused, nothing changes. */
    hush_buffer before = record_bytes(bob_record);
    hush_buffer out = SENTINEL_BUFFER;
    hush_classic_consumed_prekeys consumed;
    memset(&consumed, 0xAB, sizeof consumed);
    CHECK_RC(hush_classic_session_decrypt_prekey(bob_record, message, bob->local, NULL,
                                                 keys->one_time, NULL, &out, &consumed),
             HUSH_RESULT_MISSING_SIGNED_PREKEY);
    CHECK(untouched(&out) && consumed.one_time_pre_key_id == 0xABABABABu);
    CHECK_RC(hush_classic_session_decrypt_prekey(bob_record, message, bob->local,
                                                 keys->signed_pre_key, NULL, NULL, &out,
                                                 &consumed),
             HUSH_RESULT_MISSING_PREKEY);
    CHECK(record_is(bob_record, &before));
    hush_buffer_free(&before);

    CHECK_RC(hush_classic_session_decrypt_prekey(bob_record, message, bob->local,
                                                 keys->signed_pre_key, keys->one_time, NULL,
                                                 &out, &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&out, text));
    CHECK(consumed.new_session && consumed.has_one_time_pre_key &&
          consumed.one_time_pre_key_id == want_one_time &&
          consumed.signed_pre_key_id == want_signed &&
          consumed.base_key[0] == 0x05);
    hush_buffer_free(&out);
    /* The application deletes the one-time pre-key, as reported. */
    hush_prekey_record_free(keys->one_time);
    keys->one_time = NULL;
    hush_public_key_free(sender);
    hush_classic_prekey_message_free(message);
}

static void test_conversation(void) {
    party alice = make_party(1717), bob = make_party(4242), carol = make_party(99);
    test_bundle_device_ids(&bob);
    published keys = publish(&bob, HUSH_CLASSIC_MAX_DEVICE_ID, 11, 31);
    CHECK_RC(hush_classic_prekey_bundle_verify(keys.bundle), HUSH_RESULT_OK);
    hush_public_key *bundle_identity = NULL;
    CHECK_RC(hush_classic_prekey_bundle_get_identity_key(keys.bundle, &bundle_identity),
             HUSH_RESULT_OK);
    hush_public_key_free(bundle_identity);

    hush_classic_session_record *a = NULL, *b = NULL;
    CHECK_RC(hush_classic_session_record_new(&a), HUSH_RESULT_OK);
    CHECK_RC(hush_classic_session_record_new(&b), HUSH_RESULT_OK);

    /* Encrypting without a session fails. */
    hush_message_type type = {0};
    hush_buffer out = SENTINEL_BUFFER;
    CHECK_RC(hush_classic_session_encrypt(a, (const uint8_t *)"x", 1, &type, &out),
             HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK(untouched(&out));

    CHECK_RC(hush_classic_session_initiate(a, keys.bundle, alice.local, NOW, NULL),
             HUSH_RESULT_OK);
    bool flag = false;
    CHECK_RC(hush_classic_session_record_is_unacknowledged(a, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    wire m1 = send(a, "hello Bob");
    wire m2 = send(a, "second, before any reply");
    CHECK(m1.type == HUSH_MESSAGE_TYPE_PREKEY && m2.type == HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(m1.bytes.len > 0 && m1.bytes.ptr[0] == 0x33); /* version byte of classic Signal */
    hush_message_type detected = {0};
    CHECK_RC(hush_classic_message_detect_type(m1.bytes.ptr, m1.bytes.len, &detected),
             HUSH_RESULT_OK);
    CHECK(detected == HUSH_MESSAGE_TYPE_PREKEY);

    /* The version-4 API refuses the classic message and never builds a session from it. */
    {
        hush_session_record *v4 = NULL;
        hush_buffer v4_out = SENTINEL_BUFFER;
        hush_protocol_address *x = NULL, *y = NULL;
        CHECK_RC(hush_session_record_new(&v4), HUSH_RESULT_OK);
        CHECK_RC(hush_protocol_address_new((const uint8_t *)"x", 1, 1, &x), HUSH_RESULT_OK);
        CHECK_RC(hush_protocol_address_new((const uint8_t *)"y", 1, 1, &y), HUSH_RESULT_OK);
        hush_prekey_message *v4_message = NULL;
        CHECK_RC(hush_prekey_message_deserialize(m1.bytes.ptr, m1.bytes.len, &v4_message),
                 HUSH_RESULT_OK);
        hush_consumed_prekeys v4_consumed;
        CHECK_RC(hush_session_decrypt_prekey(v4, v4_message, bob.local, keys.signed_pre_key, NULL,
                                             keys.one_time, x, y, NULL, NULL, &v4_out, &v4_consumed),
                 HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED);
        CHECK(untouched(&v4_out));
        hush_prekey_message_free(v4_message);
        hush_protocol_address_free(x);
        hush_protocol_address_free(y);
        hush_session_record_free(v4);
    }

    /* An untrusted sender: refused before anything is computed. */
    refused(b, &bob, &m1, carol.identity, HUSH_RESULT_UNTRUSTED_IDENTITY);
    /* The one-step call cannot start a session (it has no pre-keys). */
    refused(b, &bob, &m1, alice.identity, HUSH_RESULT_MISSING_SIGNED_PREKEY);
    /* Tampered PreKey message: refused, the pre-key survives. */
    {
        wire bad = {m1.type, {0}};
        bad.bytes.len = m1.bytes.len;
        bad.bytes.ptr = malloc(m1.bytes.len);
        memcpy(bad.bytes.ptr, m1.bytes.ptr, m1.bytes.len);
        /* 0x33, pre-key ID (08 1f), base key and identity key (12 21 .., 1a 21 ..),
         * then the inner message (22 len ..) whose last 8 bytes are its MAC. */
        CHECK(bad.bytes.ptr[1] == 0x08 && bad.bytes.ptr[73] == 0x22 && bad.bytes.ptr[74] < 0x80);
        bad.bytes.ptr[75 + bad.bytes.ptr[74] - 1] ^= 0x40;
        hush_classic_prekey_message *message = NULL;
        if (hush_classic_prekey_message_deserialize(bad.bytes.ptr, bad.bytes.len, &message) ==
            HUSH_RESULT_OK) {
            hush_buffer pt = SENTINEL_BUFFER;
            hush_classic_consumed_prekeys consumed;
            CHECK_RC(hush_classic_session_decrypt_prekey(b, message, bob.local,
                                                         keys.signed_pre_key, keys.one_time, NULL,
                                                         &pt, &consumed),
                     HUSH_RESULT_DECRYPTION_FAILED);
            CHECK(untouched(&pt));
            hush_classic_prekey_message_free(message);
        } else {
            CHECK(0); /* only the MAC was changed: the message still parses */
        }
        free(bad.bytes.ptr);
    }

    bob_receives_first(b, &bob, &alice, &keys, &m1, "hello Bob", 31, 11);
    /* The second PreKey message belongs to the session now: the one-step call works. */
    {
        hush_classic_prekey_message *message = NULL;
        CHECK_RC(hush_classic_prekey_message_deserialize(m2.bytes.ptr, m2.bytes.len, &message),
                 HUSH_RESULT_OK);
        bool known = false;
        CHECK_RC(hush_classic_session_has_session_for(b, message, &known), HUSH_RESULT_OK);
        CHECK(known);
        hush_classic_prekey_message_free(message);
    }
    receive(b, &bob, &m2, alice.identity, "second, before any reply");
    refused(b, &bob, &m2, alice.identity, HUSH_RESULT_DUPLICATED_MESSAGE);
    refused(b, &bob, &m1, alice.identity, HUSH_RESULT_DUPLICATED_MESSAGE);

    /* Replies: Alice's session is acknowledged, both send SignalMessages. */
    wire r1 = send(b, "hi Alice");
    CHECK(r1.type == HUSH_MESSAGE_TYPE_WHISPER && r1.bytes.ptr[0] == 0x33);
    refused(a, &alice, &r1, carol.identity, HUSH_RESULT_UNTRUSTED_IDENTITY);
    receive(a, &alice, &r1, bob.identity, "hi Alice");
    CHECK_RC(hush_classic_session_record_is_unacknowledged(a, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    hush_public_key *remote = NULL;
    CHECK_RC(hush_classic_session_record_get_remote_identity_key(a, &remote), HUSH_RESULT_OK);
    hush_buffer bob_key = {0};
    CHECK_RC(hush_public_key_serialize(bob.identity, &bob_key), HUSH_RESULT_OK);
    CHECK(key_is(remote, bob_key.ptr, bob_key.len));
    hush_buffer_free(&bob_key);
    hush_public_key_free(remote);

    /* Ratchet turns with out-of-order delivery within and across chains. */
    char text[64];
    for (int turn = 0; turn < 6; turn++) {
        wire burst[3];
        for (int i = 0; i < 3; i++) {
            snprintf(text, sizeof text, "A turn %d #%d", turn, i);
            burst[i] = send(a, text);
            CHECK(burst[i].type == HUSH_MESSAGE_TYPE_WHISPER);
        }
        for (int k = 2; k >= 0; k--) {
            snprintf(text, sizeof text, "A turn %d #%d", turn, k);
            receive(b, &bob, &burst[k], alice.identity, text);
        }
        refused(b, &bob, &burst[1], alice.identity, HUSH_RESULT_DUPLICATED_MESSAGE);
        for (int i = 0; i < 3; i++) free_wire(&burst[i]);
        snprintf(text, sizeof text, "B turn %d", turn);
        wire reply = send(b, text);
        receive(a, &alice, &reply, bob.identity, text);
        free_wire(&reply);
    }
    /* A message held back across a ratchet turn still decrypts. */
    wire late = send(a, "held back");
    wire w = send(a, "on time");
    receive(b, &bob, &w, alice.identity, "on time");
    free_wire(&w);
    w = send(b, "turn");
    receive(a, &alice, &w, bob.identity, "turn");
    free_wire(&w);
    w = send(a, "next chain");
    receive(b, &bob, &w, alice.identity, "next chain");
    free_wire(&w);
    receive(b, &bob, &late, alice.identity, "held back");
    free_wire(&late);

    /* Tampered SignalMessage and garbage: refused, nothing changes. */
    {
        wire t = send(a, "tamper me");
        t.bytes.ptr[t.bytes.len - 1] ^= 1;
        refused(b, &bob, &t, alice.identity, HUSH_RESULT_DECRYPTION_FAILED);
        t.bytes.ptr[0] = 0x44; /* a version-4 message is no classic message */
        refused(b, &bob, &t, alice.identity, HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION);
        t.bytes.ptr[0] = 0x23;
        refused(b, &bob, &t, alice.identity, HUSH_RESULT_MESSAGE_LEGACY_VERSION);
        wire junk = {HUSH_MESSAGE_TYPE_WHISPER, {t.bytes.ptr, 3}};
        CHECK(hush_classic_session_decrypt(b, bob.local, junk.type, junk.bytes.ptr, junk.bytes.len,
                                           NULL, NULL, &out) != HUSH_RESULT_OK);
        wire seven = {7, {t.bytes.ptr, t.bytes.len}};
        refused(b, &bob, &seven, NULL, HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE);
        free_wire(&t);
    }

    /* Bob's record goes out in libsignal-protocol-c's format and comes back. */
    {
        hush_buffer lspc = {0};
        CHECK_RC(hush_classic_session_record_to_lspc(b, &lspc), HUSH_RESULT_OK);
        CHECK(lspc.len > 0 && lspc.ptr[0] == 0x0a); /* RecordStructure.currentSession */
        hush_classic_session_record *imported = NULL;
        CHECK_RC(hush_classic_session_record_from_lspc(lspc.ptr, lspc.len, NOW, &imported),
                 HUSH_RESULT_OK);
        hush_classic_session_record_free(b);
        b = imported;
        hush_buffer_free(&lspc);
        wire x = send(a, "after the move");
        receive(b, &bob, &x, alice.identity, "after the move");
        free_wire(&x);
        x = send(b, "from the moved record");
        receive(a, &alice, &x, bob.identity, "from the moved record");
        free_wire(&x);
        hush_classic_session_record *bad = SENTINEL;
        const uint8_t garbage[] = {0x0a, 0x05, 0x08, 0x03, 0x12};
        CHECK(hush_classic_session_record_from_lspc(garbage, sizeof garbage, NOW, &bad) !=
              HUSH_RESULT_OK);
        CHECK(bad == SENTINEL);
    }

    /* Storage round trip; a version-4 record is not a classic one. */
    {
        hush_buffer state = record_bytes(a);
        hush_classic_session_record *reloaded = NULL;
        CHECK_RC(hush_classic_session_record_deserialize(state.ptr, state.len, &reloaded),
                 HUSH_RESULT_OK);
        CHECK(record_is(reloaded, &state));
        hush_classic_session_record_free(reloaded);
        hush_session_record *v4 = NULL;
        CHECK_RC(hush_session_record_deserialize(state.ptr, state.len, &v4),
                 HUSH_RESULT_STATE_WRONG_KIND);
        hush_buffer_free(&state);
        CHECK_RC(hush_session_record_new(&v4), HUSH_RESULT_OK);
        hush_buffer v4_state = {0};
        CHECK_RC(hush_session_record_serialize(v4, &v4_state), HUSH_RESULT_OK);
        hush_classic_session_record *classic = SENTINEL;
        CHECK_RC(hush_classic_session_record_deserialize(v4_state.ptr, v4_state.len, &classic),
                 HUSH_RESULT_STATE_WRONG_KIND);
        CHECK(classic == SENTINEL);
        hush_buffer_free(&v4_state);
        hush_session_record_free(v4);
    }

    /* Session reset: archive, a late message of the old session still decrypts. */
    {
        wire old = send(a, "in flight on the old session");
        CHECK_RC(hush_classic_session_record_archive_current_state(a, &flag), HUSH_RESULT_OK);
        CHECK(flag);
        CHECK_RC(hush_classic_session_record_has_current_state(a, &flag), HUSH_RESULT_OK);
        CHECK(!flag);
        size_t archived = 0;
        CHECK_RC(hush_classic_session_record_get_archived_count(a, &archived), HUSH_RESULT_OK);
        CHECK(archived == 1);
        published again = publish(&bob, 7, 12, 32);
        CHECK_RC(hush_classic_session_initiate(a, again.bundle, alice.local, NOW, NULL),
                 HUSH_RESULT_OK);
        wire fresh = send(a, "new session");
        CHECK(fresh.type == HUSH_MESSAGE_TYPE_PREKEY);
        receive(b, &bob, &old, alice.identity, "in flight on the old session");
        bob_receives_first(b, &bob, &alice, &again, &fresh, "new session", 32, 12);
        wire back = send(b, "welcome back");
        receive(a, &alice, &back, bob.identity, "welcome back");
        free_wire(&back);
        free_wire(&fresh);
        free_wire(&old);
        free_published(&again);
    }

    free_wire(&m1);
    free_wire(&m2);
    free_wire(&r1);
    free_published(&keys);
    hush_classic_session_record_free(a);
    hush_classic_session_record_free(b);
    free_party(&alice);
    free_party(&bob);
    free_party(&carol);
}

/* Records written by libsignal-protocol-c itself. */
static void test_lspc_records(void) {
    hush_classic_session_record *alice = NULL, *bob = NULL;
    CHECK_RC(hush_classic_session_record_from_lspc(LSPC_ALICE_RECORD, sizeof LSPC_ALICE_RECORD,
                                                   NOW, &alice),
             HUSH_RESULT_OK);
    CHECK_RC(hush_classic_session_record_from_lspc(LSPC_BOB_RECORD, sizeof LSPC_BOB_RECORD, NOW,
                                                   &bob),
             HUSH_RESULT_OK);
    hush_identity_key_pair *bob_pair = NULL;
    CHECK_RC(hush_classic_identity_key_pair_from_lspc(LSPC_BOB_IDENTITY_KEY_PAIR,
                                                      sizeof LSPC_BOB_IDENTITY_KEY_PAIR, &bob_pair),
             HUSH_RESULT_OK);
    hush_public_key *bob_identity = NULL, *alice_identity = NULL;
    CHECK_RC(hush_identity_key_pair_get_public_key(bob_pair, &bob_identity), HUSH_RESULT_OK);
    CHECK(key_is(bob_identity, LSPC_BOB_IDENTITY_PUBLIC, sizeof LSPC_BOB_IDENTITY_PUBLIC));
    CHECK_RC(hush_public_key_deserialize(LSPC_ALICE_IDENTITY_PUBLIC,
                                         sizeof LSPC_ALICE_IDENTITY_PUBLIC, &alice_identity),
             HUSH_RESULT_OK);
    hush_buffer back = {0};
    CHECK_RC(hush_classic_identity_key_pair_to_lspc(bob_pair, &back), HUSH_RESULT_OK);
    CHECK(buffer_is(&back, LSPC_BOB_IDENTITY_KEY_PAIR, sizeof LSPC_BOB_IDENTITY_KEY_PAIR));
    hush_buffer_free(&back);
    hush_public_key *remote = NULL;
    CHECK_RC(hush_classic_session_record_get_remote_identity_key(alice, &remote), HUSH_RESULT_OK);
    CHECK(key_is(remote, LSPC_BOB_IDENTITY_PUBLIC, sizeof LSPC_BOB_IDENTITY_PUBLIC));
    hush_public_key_free(remote);

    hush_local_identity *bob_local = NULL, *alice_local = NULL;
    hush_identity_key_pair *unused_pair = NULL;
    CHECK_RC(hush_local_identity_new(bob_pair, LSPC_BOB_REGISTRATION_ID, &bob_local),
             HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_generate(NULL, &unused_pair), HUSH_RESULT_OK);
    /* Alice's private key is not needed for SignalMessages. */
    CHECK_RC(hush_local_identity_new(unused_pair, LSPC_ALICE_REGISTRATION_ID, &alice_local),
             HUSH_RESULT_OK);
    party bob_party = {bob_pair, bob_local, bob_identity};
    party alice_party = {unused_pair, alice_local, alice_identity};

    /* The messages libsignal-protocol-c left in flight decrypt after the import. */
    wire to_alice = {HUSH_MESSAGE_TYPE_WHISPER,
                     {(uint8_t *)LSPC_TO_ALICE_IN_FLIGHT, sizeof LSPC_TO_ALICE_IN_FLIGHT}};
    wire to_bob = {HUSH_MESSAGE_TYPE_WHISPER,
                   {(uint8_t *)LSPC_TO_BOB_IN_FLIGHT, sizeof LSPC_TO_BOB_IN_FLIGHT}};
    refused(alice, &alice_party, &to_alice, alice_identity, HUSH_RESULT_UNTRUSTED_IDENTITY);
    receive(alice, &alice_party, &to_alice, bob_identity, LSPC_TO_ALICE_TEXT);
    receive(bob, &bob_party, &to_bob, alice_identity, LSPC_TO_BOB_TEXT);
    refused(bob, &bob_party, &to_bob, alice_identity, HUSH_RESULT_DUPLICATED_MESSAGE);
    /* The conversation goes on between the two imported records. */
    for (int turn = 0; turn < 3; turn++) {
        wire x = send(alice, "hush as Alice");
        receive(bob, &bob_party, &x, alice_identity, "hush as Alice");
        free_wire(&x);
        x = send(bob, "hush as Bob");
        receive(alice, &alice_party, &x, bob_identity, "hush as Bob");
        free_wire(&x);
    }

    /* libsignal-protocol-c's pre-key record: same key, same bytes back. */
    hush_prekey_record *prekey = NULL;
    CHECK_RC(hush_classic_prekey_record_from_lspc(LSPC_BOB_PREKEY_31, sizeof LSPC_BOB_PREKEY_31,
                                                  &prekey),
             HUSH_RESULT_OK);
    hush_public_key *prekey_public = NULL;
    CHECK_RC(hush_prekey_record_get_public_key(prekey, &prekey_public), HUSH_RESULT_OK);
    CHECK(key_is(prekey_public, LSPC_BOB_PREKEY_31_PUBLIC, sizeof LSPC_BOB_PREKEY_31_PUBLIC));
    CHECK_RC(hush_classic_prekey_record_to_lspc(prekey, &back), HUSH_RESULT_OK);
    CHECK(buffer_is(&back, LSPC_BOB_PREKEY_31, sizeof LSPC_BOB_PREKEY_31));
    hush_buffer_free(&back);
    /* A signed pre-key record survives the round trip through the C format. */
    hush_signed_prekey_record *signed_pre_key = NULL, *signed_back = NULL;
    CHECK_RC(hush_signed_prekey_record_generate(11, NOW, bob_pair, NULL, &signed_pre_key),
             HUSH_RESULT_OK);
    CHECK_RC(hush_classic_signed_prekey_record_to_lspc(signed_pre_key, &back), HUSH_RESULT_OK);
    CHECK_RC(hush_classic_signed_prekey_record_from_lspc(back.ptr, back.len, &signed_back),
             HUSH_RESULT_OK);
    hush_buffer a1 = {0}, a2 = {0};
    CHECK_RC(hush_signed_prekey_record_serialize(signed_pre_key, &a1), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_serialize(signed_back, &a2), HUSH_RESULT_OK);
    CHECK(a1.ptr != NULL && buffer_is(&a2, a1.ptr, a1.len));
    hush_buffer_free(&a1);
    hush_buffer_free(&a2);
    hush_buffer_free(&back);
    hush_prekey_record *bad = SENTINEL;
    CHECK(hush_classic_prekey_record_from_lspc(LSPC_BOB_PREKEY_31, 10, &bad) != HUSH_RESULT_OK);
    CHECK(bad == SENTINEL);

    hush_signed_prekey_record_free(signed_pre_key);
    hush_signed_prekey_record_free(signed_back);
    hush_public_key_free(prekey_public);
    hush_prekey_record_free(prekey);
    free_party(&bob_party);
    free_party(&alice_party);
    hush_classic_session_record_free(alice);
    hush_classic_session_record_free(bob);
}

/* One group member: its own record and the ones it keeps for the others. */
typedef struct {
    hush_classic_sender_key_record *own;
    hush_classic_sender_key_record *from[3]; /* indexed by sender; own slot unused */
} member;

static hush_buffer gsend(member *m, const char *text) {
    hush_buffer out = {0};
    CHECK_RC(hush_classic_group_encrypt(m->own, (const uint8_t *)text, strlen(text), NULL, &out),
             HUSH_RESULT_OK);
    return out;
}

static void greceive(member *m, int sender, const hush_buffer *message, const char *text) {
    hush_buffer out = {0};
    CHECK_RC(hush_classic_group_decrypt(m->from[sender], message->ptr, message->len, &out),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&out, text));
    hush_buffer_free(&out);
}

static hush_buffer sender_key_bytes(const hush_classic_sender_key_record *record) {
    hush_buffer out = {0};
    CHECK_RC(hush_classic_sender_key_record_serialize(record, &out), HUSH_RESULT_OK);
    return out;
}

static void grefused(member *m, int sender, const hush_buffer *message, hush_result want) {
    hush_buffer before = sender_key_bytes(m->from[sender]);
    hush_buffer out = SENTINEL_BUFFER;
    CHECK_RC(hush_classic_group_decrypt(m->from[sender], message->ptr, message->len, &out), want);
    CHECK(untouched(&out));
    hush_buffer after = sender_key_bytes(m->from[sender]);
    CHECK(before.ptr != NULL && buffer_is(&after, before.ptr, before.len));
    hush_buffer_free(&before);
    hush_buffer_free(&after);
}

static void test_groups(void) {
    member g[3];
    memset(g, 0, sizeof g);
    for (int i = 0; i < 3; i++) {
        CHECK_RC(hush_classic_sender_key_record_new(&g[i].own), HUSH_RESULT_OK);
        for (int j = 0; j < 3; j++) {
            if (j != i) CHECK_RC(hush_classic_sender_key_record_new(&g[i].from[j]), HUSH_RESULT_OK);
        }
    }
    /* Encrypting before there is a sender key fails. */
    hush_buffer none = SENTINEL_BUFFER;
    CHECK_RC(hush_classic_group_encrypt(g[0].own, (const uint8_t *)"x", 1, NULL, &none),
             HUSH_RESULT_NO_SENDER_KEY_STATE);
    CHECK(untouched(&none));
    /* Each member distributes its sender key (over the 1:1 sessions in real life). */
    for (int i = 0; i < 3; i++) {
        hush_buffer skdm = {0};
        CHECK_RC(hush_classic_group_create_distribution(g[i].own, NULL, &skdm), HUSH_RESULT_OK);
        CHECK(skdm.len > 0 && skdm.ptr[0] == 0x33);
        for (int j = 0; j < 3; j++) {
            if (j != i) {
                CHECK_RC(hush_classic_group_process_distribution(g[j].from[i], skdm.ptr, skdm.len),
                         HUSH_RESULT_OK);
            }
        }
        hush_buffer_free(&skdm);
    }
    char text[64];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 3; i++) {
            snprintf(text, sizeof text, "member %d says %d", i, round);
            hush_buffer m = gsend(&g[i], text);
            CHECK(m.ptr[0] == 0x33);
            for (int j = 0; j < 3; j++) {
                if (j != i) greceive(&g[j], i, &m, text);
            }
            hush_buffer_free(&m);
        }
    }
    /* Out of order, then a duplicate and a forged signature: refused, record unchanged. */
    hush_buffer burst[4];
    for (int k = 0; k < 4; k++) {
        snprintf(text, sizeof text, "burst %d", k);
        burst[k] = gsend(&g[0], text);
    }
    for (int k = 3; k >= 0; k--) {
        snprintf(text, sizeof text, "burst %d", k);
        greceive(&g[1], 0, &burst[k], text);
    }
    grefused(&g[1], 0, &burst[2], HUSH_RESULT_DUPLICATED_MESSAGE);
    burst[3].ptr[burst[3].len - 1] ^= 1; /* the signature's last byte */
    grefused(&g[2], 0, &burst[3], HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    burst[3].ptr[burst[3].len - 1] ^= 1;
    /* Member 2's record for member 0 goes through libsignal-protocol-c's format. */
    hush_buffer lspc = {0};
    CHECK_RC(hush_classic_sender_key_record_to_lspc(g[2].from[0], &lspc), HUSH_RESULT_OK);
    hush_classic_sender_key_record *moved = NULL;
    CHECK_RC(hush_classic_sender_key_record_from_lspc(lspc.ptr, lspc.len, &moved), HUSH_RESULT_OK);
    hush_buffer_free(&lspc);
    hush_classic_sender_key_record_free(g[2].from[0]);
    g[2].from[0] = moved;
    for (int k = 0; k < 4; k++) {
        snprintf(text, sizeof text, "burst %d", k);
        greceive(&g[2], 0, &burst[k], text);
        hush_buffer_free(&burst[k]);
    }
    /* Storage round trip. */
    hush_buffer state = sender_key_bytes(g[1].own);
    hush_classic_sender_key_record *reloaded = NULL;
    CHECK_RC(hush_classic_sender_key_record_deserialize(state.ptr, state.len, &reloaded),
             HUSH_RESULT_OK);
    hush_classic_sender_key_record_free(g[1].own);
    g[1].own = reloaded;
    hush_buffer_free(&state);
    hush_buffer m = gsend(&g[1], "after reload");
    greceive(&g[0], 1, &m, "after reload");
    /* A late joiner gets the current iteration: earlier messages are gone for it. */
    hush_classic_sender_key_record *late = NULL;
    CHECK_RC(hush_classic_sender_key_record_new(&late), HUSH_RESULT_OK);
    hush_buffer skdm = {0};
    CHECK_RC(hush_classic_group_create_distribution(g[1].own, NULL, &skdm), HUSH_RESULT_OK);
    CHECK_RC(hush_classic_group_process_distribution(late, skdm.ptr, skdm.len), HUSH_RESULT_OK);
    hush_buffer out = SENTINEL_BUFFER;
    CHECK_RC(hush_classic_group_decrypt(late, m.ptr, m.len, &out), HUSH_RESULT_DUPLICATED_MESSAGE);
    CHECK(untouched(&out));
    hush_buffer m2 = gsend(&g[1], "welcome");
    CHECK_RC(hush_classic_group_decrypt(late, m2.ptr, m2.len, &out), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&out, "welcome"));
    hush_buffer_free(&out);
    /* Someone else's record cannot send; garbage is refused. */
    out = (hush_buffer)SENTINEL_BUFFER;
    CHECK_RC(hush_classic_group_encrypt(late, (const uint8_t *)"x", 1, NULL, &out),
             HUSH_RESULT_INVALID_SENDER_KEY_SESSION);
    CHECK(untouched(&out));
    CHECK(hush_classic_group_decrypt(late, skdm.ptr, skdm.len, &out) != HUSH_RESULT_OK);
    CHECK(hush_classic_group_process_distribution(late, m2.ptr, 3) != HUSH_RESULT_OK);
    CHECK(untouched(&out));
    hush_buffer_free(&skdm);
    hush_buffer_free(&m);
    hush_buffer_free(&m2);
    hush_classic_sender_key_record_free(late);
    for (int i = 0; i < 3; i++) {
        hush_classic_sender_key_record_free(g[i].own);
        for (int j = 0; j < 3; j++) hush_classic_sender_key_record_free(g[i].from[j]);
    }
    hush_classic_sender_key_record_free(NULL);
    CHECK_RC(hush_classic_group_encrypt(NULL, NULL, 0, NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
}

static void test_null_arguments(void) {
    hush_classic_session_record *record = NULL;
    hush_buffer out = SENTINEL_BUFFER;
    hush_message_type type = {0};
    CHECK_RC(hush_classic_session_record_new(NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_session_record_new(&record), HUSH_RESULT_OK);
    CHECK_RC(hush_classic_session_encrypt(record, NULL, 1, &type, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_session_encrypt(NULL, NULL, 0, &type, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_session_decrypt(record, NULL, HUSH_MESSAGE_TYPE_WHISPER, NULL, 0, NULL,
                                          NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_session_record_to_lspc(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_session_record_from_lspc(NULL, 5, NOW, &record),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_classic_prekey_bundle_new(1, 1, 0, NULL, 1, NULL, NULL, 0, NULL, NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(untouched(&out));
    hush_classic_session_record_free(record);
    hush_classic_session_record_free(NULL);
    hush_classic_prekey_bundle_free(NULL);
    hush_classic_prekey_message_free(NULL);
    CHECK(strcmp(hush_result_str(HUSH_RESULT_CLASSIC_INVALID_DEVICE_ID), "unknown hush_result") != 0);
    CHECK(strcmp(hush_result_str(HUSH_RESULT_CLASSIC_IDENTITY_MISMATCH), "unknown hush_result") != 0);
}

int main(void) {
    test_conversation();
    test_lspc_records();
    test_groups();
    test_null_arguments();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
