/*
 * C test of the hush session ABI: a whole two-party conversation through
 * the C API, the way an application drives it (no store callbacks: the
 * application checks identities, looks pre-keys up by the IDs a PreKey
 * message names, deletes them when reported consumed, and persists
 * records), plus every way a message can be refused.
 *
 * Bob publishes pre-keys; Alice builds his bundle, verifies it and starts a
 * session; PreKey messages arrive out of order, one tampered; Bob checks
 * Alice's identity, decrypts, and deletes the one-time pre-key reported
 * consumed; replies go both ways over several ratchet turns, with
 * out-of-order delivery within a chain and across chains; duplicates,
 * tampered and garbage input are refused with the record byte-identical;
 * records are serialized and reloaded mid-conversation; a third party hits
 * a consumed pre-key; the identity-swap attack on an archived session and
 * both outcomes of the trusted identity argument; NULL arguments;
 * everything is freed (ASan leak check, Valgrind).
 *
 * Built and run by ffi/tests/run-c-tests.sh (ASan/UBSan, shared library,
 * Valgrind). The last line printed is "N passed, N failed"; the exit status
 * is non-zero if anything failed.
 */
#include "hush.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const uint64_t NOW = 1763800000000ull; /* ms since the Unix epoch */
static const uint64_t DAY = 24ull * 60 * 60 * 1000;

static const char ALICE_NAME[] = "9d0652a3-dcc3-4d11-975f-74d61598733f";
static const char BOB_NAME[] = "796abedb-ca4e-4f18-8803-1fde5b921f9f";
static const char CAROL_NAME[] = "PNI:0c4adf50-3e58-49bc-ac8a-7dd789b9a092";

static int buffer_is(const hush_buffer *buf, const void *bytes, size_t len) {
    return buf->len == len && buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0;
}

static int buffers_equal(const hush_buffer *a, const hush_buffer *b) {
    return a->ptr != NULL && buffer_is(b, a->ptr, a->len);
}

static int buffer_is_text(const hush_buffer *buf, const char *text) {
    return buffer_is(buf, text, strlen(text));
}

static int untouched(const hush_buffer *buf) {
    return buf->ptr == NULL && buf->len == 7;
}

static int last_error_contains(const char *needle) {
    char msg[256];
    hush_last_error_message(msg, sizeof msg);
    return strstr(msg, needle) != NULL;
}

static hush_buffer public_key_bytes(const hush_public_key *key) {
    hush_buffer out = {0};
    CHECK_RC(hush_public_key_serialize(key, &out), HUSH_RESULT_OK);
    return out;
}

static hush_buffer record_bytes(const hush_session_record *record) {
    hush_buffer out = {0};
    CHECK_RC(hush_session_record_serialize(record, &out), HUSH_RESULT_OK);
    return out;
}

/* Whether the record serializes to exactly `expected`. */
static int record_is(const hush_session_record *record, const hush_buffer *expected) {
    hush_buffer now = record_bytes(record);
    int same = buffers_equal(expected, &now);
    hush_buffer_free(&now);
    return same;
}

/* A copy of `len` bytes the caller may modify and must free(). */
static uint8_t *copy_bytes(const uint8_t *bytes, size_t len) {
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    memcpy(copy, bytes, len);
    return copy;
}

/* The offset of `needle` in `hay`, or `hay_len` if absent. */
static size_t find(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t needle_len) {
    size_t i;
    for (i = 0; needle_len <= hay_len && i <= hay_len - needle_len; i++) {
        if (memcmp(hay + i, needle, needle_len) == 0) {
            return i;
        }
    }
    return hay_len;
}

/* A random source that fails on every call. */
static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
    (void)ctx;
    memset(buf, 0xee, len);
    return -1;
}

/* ------------------------------------------------------------ parties */

#define ONE_TIME_SLOTS 3

typedef struct {
    const char *name;
    uint32_t device_id;
    uint32_t registration_id;
    hush_identity_key_pair *identity;
    hush_local_identity *local;
    hush_protocol_address *address;
    /* Published pre-keys (Bob); a consumed one-time pre-key is freed and
     * its slot set to NULL. */
    hush_signed_prekey_record *signed_pre_key;
    hush_kyber_prekey_record *kyber_pre_key;
    hush_prekey_record *one_time[ONE_TIME_SLOTS];
} party;

static void party_init(party *p, const char *name, uint32_t device_id, uint32_t registration_id) {
    memset(p, 0, sizeof *p);
    p->name = name;
    p->device_id = device_id;
    p->registration_id = registration_id;
    CHECK_RC(hush_identity_key_pair_generate(NULL, &p->identity), HUSH_RESULT_OK);
    CHECK_RC(hush_local_identity_new(p->identity, registration_id, &p->local), HUSH_RESULT_OK);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)name, strlen(name), device_id, &p->address),
             HUSH_RESULT_OK);
}

static void party_free(party *p) {
    size_t i;
    hush_identity_key_pair_free(p->identity);
    hush_local_identity_free(p->local);
    hush_protocol_address_free(p->address);
    hush_signed_prekey_record_free(p->signed_pre_key);
    hush_kyber_prekey_record_free(p->kyber_pre_key);
    for (i = 0; i < ONE_TIME_SLOTS; i++) {
        hush_prekey_record_free(p->one_time[i]);
    }
    memset(p, 0, sizeof *p);
}

/* Bob generates signed pre-key 11, Kyber pre-key 21 (last resort) and
 * one-time pre-keys 31, 32, 33, and would upload the public halves. */
static void publish_prekeys(party *p) {
    size_t i;
    CHECK_RC(hush_signed_prekey_record_generate(11, NOW, p->identity, NULL, &p->signed_pre_key), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_generate(21, NOW, p->identity, NULL, &p->kyber_pre_key), HUSH_RESULT_OK);
    for (i = 0; i < ONE_TIME_SLOTS; i++) {
        CHECK_RC(hush_prekey_record_generate(31 + (uint32_t)i, NULL, &p->one_time[i]), HUSH_RESULT_OK);
    }
}

static size_t one_time_count(const party *p) {
    size_t i, n = 0;
    for (i = 0; i < ONE_TIME_SLOTS; i++) {
        n += p->one_time[i] != NULL;
    }
    return n;
}

/* Looks a one-time pre-key up by ID: NULL if Bob never had it or it is gone. */
static const hush_prekey_record *find_one_time(const party *p, uint32_t id) {
    size_t i;
    for (i = 0; i < ONE_TIME_SLOTS; i++) {
        uint32_t have = 0;
        if (p->one_time[i] != NULL && hush_prekey_record_get_id(p->one_time[i], &have) == HUSH_RESULT_OK &&
            have == id) {
            return p->one_time[i];
        }
    }
    return NULL;
}

static void delete_one_time(party *p, uint32_t id) {
    size_t i;
    for (i = 0; i < ONE_TIME_SLOTS; i++) {
        if (p->one_time[i] != NULL && find_one_time(p, id) == p->one_time[i]) {
            hush_prekey_record_free(p->one_time[i]);
            p->one_time[i] = NULL;
        }
    }
}

/* What the server hands out for `owner`: the public halves of its pre-keys,
 * with one-time pre-key `one_time_id` (0 for none, which need not exist any
 * more: the server may hand out a key the owner already consumed). */
static hush_prekey_bundle *fetch_bundle(const party *owner, uint32_t one_time_id, const hush_prekey_record *one_time) {
    hush_public_key *spk = NULL, *opk = NULL, *identity = NULL;
    hush_kem_public_key *kpk = NULL;
    hush_buffer spk_sig = {0}, kpk_sig = {0};
    hush_prekey_bundle *bundle = NULL;
    uint32_t spk_id = 0, kpk_id = 0;

    CHECK_RC(hush_signed_prekey_record_get_id(owner->signed_pre_key, &spk_id), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_public_key(owner->signed_pre_key, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(owner->signed_pre_key, &spk_sig), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_id(owner->kyber_pre_key, &kpk_id), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_public_key(owner->kyber_pre_key, &kpk), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_signature(owner->kyber_pre_key, &kpk_sig), HUSH_RESULT_OK);
    if (one_time != NULL) {
        CHECK_RC(hush_prekey_record_get_public_key(one_time, &opk), HUSH_RESULT_OK);
    }
    CHECK_RC(hush_identity_key_pair_get_public_key(owner->identity, &identity), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_new(owner->registration_id, owner->device_id, one_time_id, opk, spk_id, spk,
                                    spk_sig.ptr, spk_sig.len, kpk_id, kpk, kpk_sig.ptr, kpk_sig.len, identity,
                                    &bundle),
             HUSH_RESULT_OK);
    hush_public_key_free(spk);
    hush_public_key_free(opk);
    hush_public_key_free(identity);
    hush_kem_public_key_free(kpk);
    hush_buffer_free(&spk_sig);
    hush_buffer_free(&kpk_sig);
    return bundle;
}

/* ------------------------------------------------------------ messages */

typedef struct {
    hush_message_type type;
    hush_buffer bytes;
} wire;

static void wire_free(wire *w) {
    hush_buffer_free(&w->bytes);
}

/* `from` encrypts `text` for `to` with `record`; checks the message type. */
static wire send_text(hush_session_record *record, const party *from, const party *to, const char *text,
                      hush_message_type expected_type) {
    wire w = {0, {NULL, 0}};
    CHECK_RC(hush_session_encrypt(record, (const uint8_t *)text, strlen(text), from->address, to->address, NOW,
                                  NULL, &w.type, &w.bytes),
             HUSH_RESULT_OK);
    CHECK(w.type == expected_type);
    CHECK(w.bytes.len > strlen(text));
    return w;
}

/* An application's receive path. The peer's identity key is trusted on
 * first use and stored in `trusted`; every message is decrypted with the
 * trusted key passed to hush_session_decrypt or hush_session_decrypt_prekey,
 * which compare it with the authenticated sender identity before committing
 * and refuse a message from another identity. Pre-keys are looked up by the
 * IDs the message names, and deleted only when reported consumed. Returns
 * the result code; on success the plaintext is in `*out` and what was
 * consumed in `*consumed` (new_session false for a SignalMessage). */
static hush_result receive(party *me, hush_session_record *record, const party *from, hush_buffer *trusted,
                           hush_message_type type, const uint8_t *bytes, size_t len, hush_buffer *out,
                           hush_consumed_prekeys *consumed) {
    hush_prekey_message *message = NULL;
    hush_public_key *identity = NULL, *trusted_key = NULL;
    hush_buffer identity_bytes = {0};
    hush_result rc;
    bool has_one_time = false, has_kyber = false, known = false;
    uint32_t one_time_id = 0, signed_id = 0, kyber_id = 0, have_id = 0;
    const hush_signed_prekey_record *signed_pre_key = NULL;
    const hush_kyber_prekey_record *kyber_pre_key = NULL;

    if (type != HUSH_MESSAGE_TYPE_PREKEY) {
        if (trusted->len != 0) {
            CHECK_RC(hush_public_key_deserialize(trusted->ptr, trusted->len, &identity), HUSH_RESULT_OK);
        }
        rc = hush_session_decrypt(record, me->local, type, bytes, len, me->address, from->address, identity, NULL,
                                  out);
        if (rc == HUSH_RESULT_OK) {
            memset(consumed, 0, sizeof *consumed);
        }
        hush_public_key_free(identity);
        return rc;
    }
    rc = hush_prekey_message_deserialize(bytes, len, &message);
    if (rc != HUSH_RESULT_OK) {
        return rc;
    }
    CHECK_RC(hush_prekey_message_get_identity_key(message, &identity), HUSH_RESULT_OK);
    identity_bytes = public_key_bytes(identity);
    if (trusted->len != 0) {
        CHECK_RC(hush_public_key_deserialize(trusted->ptr, trusted->len, &trusted_key), HUSH_RESULT_OK);
    }
    CHECK_RC(hush_session_has_session_for(record, message, &known), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_message_get_pre_key_id(message, &has_one_time, &one_time_id), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_message_get_signed_pre_key_id(message, &signed_id), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_message_get_kyber_pre_key_id(message, &has_kyber, &kyber_id), HUSH_RESULT_OK);
    if (!known && me->signed_pre_key != NULL) {
        CHECK_RC(hush_signed_prekey_record_get_id(me->signed_pre_key, &have_id), HUSH_RESULT_OK);
        signed_pre_key = have_id == signed_id ? me->signed_pre_key : NULL;
        CHECK_RC(hush_kyber_prekey_record_get_id(me->kyber_pre_key, &have_id), HUSH_RESULT_OK);
        kyber_pre_key = has_kyber && have_id == kyber_id ? me->kyber_pre_key : NULL;
    }
    rc = hush_session_decrypt_prekey(record, message, me->local, signed_pre_key, kyber_pre_key,
                                     has_one_time && !known ? find_one_time(me, one_time_id) : NULL, me->address,
                                     from->address, trusted_key, NULL, out, consumed);
    if (rc == HUSH_RESULT_OK) {
        CHECK(consumed->new_session == !known);
        if (consumed->new_session && consumed->has_one_time_pre_key) {
            delete_one_time(me, consumed->one_time_pre_key_id);
        }
        if (trusted->len == 0) {
            *trusted = identity_bytes;
            identity_bytes.ptr = NULL;
            identity_bytes.len = 0;
        }
    }
    hush_buffer_free(&identity_bytes);
    hush_public_key_free(identity);
    hush_public_key_free(trusted_key);
    hush_prekey_message_free(message);
    return rc;
}

/* Delivers `w` and checks it decrypts to `text`, and that the sender's
 * identity in the updated record is still the trusted one. Returns whether
 * all went well (failures are reported with the callee's line). */
static int deliver(party *me, hush_session_record *record, const party *from, hush_buffer *trusted, const wire *w,
                   const char *text) {
    hush_buffer plaintext = {0};
    hush_consumed_prekeys consumed;
    hush_public_key *remote = NULL;
    hush_buffer remote_bytes = {0};
    int ok;
    hush_result rc = receive(me, record, from, trusted, w->type, w->bytes.ptr, w->bytes.len, &plaintext, &consumed);
    CHECK_RC(rc, HUSH_RESULT_OK);
    ok = rc == HUSH_RESULT_OK && buffer_is_text(&plaintext, text);
    if (ok) {
        CHECK_RC(hush_session_record_get_remote_identity_key(record, &remote), HUSH_RESULT_OK);
        remote_bytes = public_key_bytes(remote);
        ok = buffers_equal(trusted, &remote_bytes);
    }
    hush_buffer_free(&plaintext);
    hush_buffer_free(&remote_bytes);
    hush_public_key_free(remote);
    return ok;
}

/* The last error message of the most recent refusal. */
static char refusal[256];

static int refusal_contains(const char *needle) {
    return strstr(refusal, needle) != NULL;
}

/* Delivers `len` bytes as `type` and checks they are refused with `expected`:
 * the record byte-identical, no output written, no pre-key deleted. Keeps
 * the error message in `refusal`. */
static int refuses(party *me, hush_session_record *record, const party *from, hush_buffer *trusted,
                   hush_message_type type, const uint8_t *bytes, size_t len, hush_result expected) {
    hush_buffer before = record_bytes(record);
    hush_buffer plaintext = SENTINEL_BUFFER;
    hush_consumed_prekeys consumed, consumed_before;
    size_t keys_before = one_time_count(me);
    size_t trusted_before = trusted->len;
    hush_result rc;
    int ok;
    memset(&consumed, 0x5a, sizeof consumed);
    consumed_before = consumed;
    rc = receive(me, record, from, trusted, type, bytes, len, &plaintext, &consumed);
    hush_last_error_message(refusal, sizeof refusal);
    CHECK_RC(rc, expected);
    ok = rc == expected && untouched(&plaintext) && memcmp(&consumed, &consumed_before, sizeof consumed) == 0 &&
         record_is(record, &before) && one_time_count(me) == keys_before && trusted->len == trusted_before;
    hush_buffer_free(&before);
    return ok;
}

/* Serializes a record, frees it and loads it back, as an application
 * restarting would; the reloaded record serializes to the same bytes. */
static hush_session_record *reload(hush_session_record *record) {
    hush_buffer bytes = record_bytes(record);
    hush_session_record *loaded = NULL;
    hush_session_record_free(record);
    CHECK_RC(hush_session_record_deserialize(bytes.ptr, bytes.len, &loaded), HUSH_RESULT_OK);
    CHECK(loaded != NULL && record_is(loaded, &bytes));
    hush_buffer_free(&bytes);
    return loaded;
}

/* ------------------------------------------------------------- tests */

static void test_result_codes(void) {
    static const hush_result codes[] = {
        HUSH_RESULT_SESSION_NOT_FOUND,
        HUSH_RESULT_DUPLICATED_MESSAGE,
        HUSH_RESULT_DECRYPTION_FAILED,
        HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED,
        HUSH_RESULT_INVALID_BASE_KEY,
        HUSH_RESULT_MISSING_SIGNED_PREKEY,
        HUSH_RESULT_MISSING_KYBER_PREKEY,
        HUSH_RESULT_MISSING_PREKEY,
        HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION,
        HUSH_RESULT_INVALID_SESSION_STATE,
        HUSH_RESULT_UNTRUSTED_IDENTITY,
        HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY,
        HUSH_RESULT_MESSAGE_TOO_SHORT,
        HUSH_RESULT_MESSAGE_LEGACY_VERSION,
        HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION,
        HUSH_RESULT_MESSAGE_KYBER_MISSING,
        HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT,
        HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE,
        HUSH_RESULT_STATE_TRUNCATED,
        HUSH_RESULT_STATE_UNSUPPORTED_VERSION,
        HUSH_RESULT_STATE_WRONG_KIND,
        HUSH_RESULT_STATE_INVALID,
        /* earlier codes, for distinctness */
        HUSH_RESULT_OK,
        HUSH_RESULT_NULL_ARGUMENT,
        HUSH_RESULT_INVALID_PROTOBUF,
        HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
        HUSH_RESULT_FINGERPRINT_MISMATCH,
    };
    size_t n = sizeof codes / sizeof codes[0];
    size_t i, j;
    const char *unknown = hush_result_str(123456u);
    /* The ranges are fixed: values are never renumbered. */
    CHECK(HUSH_RESULT_SESSION_NOT_FOUND == 500 && HUSH_RESULT_UNTRUSTED_IDENTITY == 510);
    CHECK(HUSH_RESULT_MESSAGE_TOO_SHORT == 600 && HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE == 605);
    CHECK(HUSH_RESULT_STATE_TRUNCATED == 700 && HUSH_RESULT_STATE_INVALID == 703);
    CHECK(HUSH_MESSAGE_TYPE_WHISPER == 2 && HUSH_MESSAGE_TYPE_PREKEY == 3);
    CHECK(HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY == 511);
    CHECK(strcmp(hush_result_str(529), unknown) == 0);
    CHECK(strcmp(hush_result_str(606), unknown) == 0);
    CHECK(strcmp(hush_result_str(704), unknown) == 0);
    for (i = 0; i < n; i++) {
        const char *text = hush_result_str(codes[i]);
        CHECK(text != NULL && text[0] != '\0' && strcmp(text, unknown) != 0);
        for (j = i + 1; j < n; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(text, hush_result_str(codes[j])) != 0);
        }
    }
}

static void test_addresses_and_identities(void) {
    hush_protocol_address *address = NULL, *not_made = SENTINEL;
    hush_local_identity *local = NULL;
    hush_identity_key_pair *pair = NULL;
    hush_public_key *from_local = NULL, *from_pair = NULL;
    hush_buffer name = {0}, a = {0}, b = {0};
    uint32_t device = 0, registration_id = 0;

    CHECK_RC(hush_protocol_address_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), 3, &address),
             HUSH_RESULT_OK);
    CHECK_RC(hush_protocol_address_get_name(address, &name), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&name, ALICE_NAME));
    CHECK_RC(hush_protocol_address_get_device_id(address, &device), HUSH_RESULT_OK);
    CHECK(device == 3);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)"x", 1, 0, &not_made), HUSH_RESULT_INVALID_DEVICE_ID);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)"x", 1, 128, &not_made), HUSH_RESULT_INVALID_DEVICE_ID);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)"\xc3\x28", 2, 1, &not_made), HUSH_RESULT_INVALID_ARGUMENT);
    CHECK_RC(hush_protocol_address_new(NULL, 4, 1, &not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(not_made == SENTINEL);

    CHECK_RC(hush_identity_key_pair_generate(NULL, &pair), HUSH_RESULT_OK);
    CHECK_RC(hush_local_identity_new(pair, 16383, &local), HUSH_RESULT_OK);
    CHECK_RC(hush_local_identity_get_registration_id(local, &registration_id), HUSH_RESULT_OK);
    CHECK(registration_id == 16383);
    CHECK_RC(hush_local_identity_get_identity_key(local, &from_local), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(pair, &from_pair), HUSH_RESULT_OK);
    a = public_key_bytes(from_local);
    b = public_key_bytes(from_pair);
    CHECK(a.len == 33 && buffers_equal(&a, &b));

    hush_buffer_free(&name);
    hush_buffer_free(&a);
    hush_buffer_free(&b);
    hush_public_key_free(from_local);
    hush_public_key_free(from_pair);
    hush_identity_key_pair_free(pair); /* the local identity holds its own copy */
    hush_local_identity_free(local);
    hush_protocol_address_free(address);
}

/* The whole two-party conversation. */
static void test_conversation(void) {
    party alice, bob;
    hush_session_record *alice_record = NULL, *bob_record = NULL;
    hush_prekey_bundle *bundle = NULL;
    hush_buffer alice_trusts = {0}, bob_trusts = {0}, expected = {0}, before = {0};
    hush_public_key *key = NULL;
    hush_prekey_message *parsed = NULL;
    hush_buffer plaintext = {0}, base_key = {0};
    hush_consumed_prekeys consumed;
    wire a1, a2, a3, b1, b2, a4, w1, w2, c0, c1, c2, d1, e1, t;
    uint8_t *tampered = NULL;
    bool flag = false;
    uint32_t id = 0;
    size_t archived = 99;
    hush_message_type detected = 0;
    int turn;

    party_init(&alice, ALICE_NAME, 1, 1717);
    party_init(&bob, BOB_NAME, 2, 4242);
    CHECK_RC(hush_session_record_new(&alice_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&bob_record), HUSH_RESULT_OK);

    /* Bob publishes pre-keys; Alice fetches a bundle with one-time key 31. */
    publish_prekeys(&bob);
    bundle = fetch_bundle(&bob, 31, bob.one_time[0]);
    CHECK_RC(hush_prekey_bundle_verify(bundle), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_get_identity_key(bundle, &key), HUSH_RESULT_OK);
    alice_trusts = public_key_bytes(key); /* Alice trusts Bob's identity on first use */
    hush_public_key_free(key);
    key = NULL;

    /* Alice starts the session. */
    CHECK_RC(hush_session_record_has_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    CHECK_RC(hush_session_initiate(alice_record, bundle, alice.local, NOW, NULL), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_has_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_is_unacknowledged(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_is_usable(alice_record, NOW, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_get_remote_registration_id(alice_record, &id), HUSH_RESULT_OK);
    CHECK(id == 4242);
    CHECK_RC(hush_session_record_get_local_registration_id(alice_record, &id), HUSH_RESULT_OK);
    CHECK(id == 1717);
    CHECK_RC(hush_session_record_get_remote_identity_key(alice_record, &key), HUSH_RESULT_OK);
    expected = public_key_bytes(key);
    CHECK(buffers_equal(&alice_trusts, &expected));
    hush_buffer_free(&expected);
    hush_public_key_free(key);
    key = NULL;

    /* Alice sends three PreKey messages before hearing back. */
    a1 = send_text(alice_record, &alice, &bob, "a1: hello Bob", HUSH_MESSAGE_TYPE_PREKEY);
    a2 = send_text(alice_record, &alice, &bob, "a2: still me", HUSH_MESSAGE_TYPE_PREKEY);
    a3 = send_text(alice_record, &alice, &bob, "a3: third", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK_RC(hush_message_detect_type(a1.bytes.ptr, a1.bytes.len, &detected), HUSH_RESULT_OK);
    CHECK(detected == HUSH_MESSAGE_TYPE_PREKEY);

    /* Bob reads the message's fields before deciding anything. */
    CHECK_RC(hush_prekey_message_deserialize(a2.bytes.ptr, a2.bytes.len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_message_get_version(parsed, &id), HUSH_RESULT_OK);
    CHECK(id == 4);
    CHECK_RC(hush_prekey_message_get_registration_id(parsed, &id), HUSH_RESULT_OK);
    CHECK(id == 1717);
    CHECK_RC(hush_prekey_message_get_signed_pre_key_id(parsed, &id), HUSH_RESULT_OK);
    CHECK(id == 11);
    CHECK_RC(hush_prekey_message_get_kyber_pre_key_id(parsed, &flag, &id), HUSH_RESULT_OK);
    CHECK(flag && id == 21);
    CHECK_RC(hush_prekey_message_get_pre_key_id(parsed, &flag, &id), HUSH_RESULT_OK);
    CHECK(flag && id == 31);
    CHECK_RC(hush_prekey_message_get_identity_key(parsed, &key), HUSH_RESULT_OK);
    expected = public_key_bytes(key);
    hush_public_key_free(key);
    key = NULL;
    CHECK_RC(hush_identity_key_pair_get_public_key(alice.identity, &key), HUSH_RESULT_OK);
    before = public_key_bytes(key);
    CHECK(buffers_equal(&expected, &before)); /* it is Alice's identity */
    hush_buffer_free(&expected);
    hush_buffer_free(&before);
    hush_public_key_free(key);
    key = NULL;
    CHECK_RC(hush_prekey_message_get_base_key(parsed, &key), HUSH_RESULT_OK);
    base_key = public_key_bytes(key);
    hush_public_key_free(key);
    key = NULL;
    CHECK_RC(hush_session_has_session_for(bob_record, parsed, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    CHECK_RC(hush_prekey_message_serialize(parsed, &expected), HUSH_RESULT_OK);
    CHECK(buffers_equal(&expected, &a2.bytes));
    hush_buffer_free(&expected);

    /* The one-call decrypt cannot start a session (it has no pre-keys). */
    plaintext.ptr = NULL; /* the sentinel: an empty buffer of length 7 */
    plaintext.len = 7;
    CHECK_RC(hush_session_decrypt(bob_record, bob.local, a2.type, a2.bytes.ptr, a2.bytes.len, bob.address,
                                  alice.address, NULL, NULL, &plaintext),
             HUSH_RESULT_MISSING_SIGNED_PREKEY);
    CHECK(untouched(&plaintext));
    plaintext.ptr = NULL;
    plaintext.len = 0;

    /* A tampered copy of a2 (last byte: inside the Kyber ciphertext) fails
     * to decrypt; nothing is consumed and Bob's record stays empty. */
    tampered = copy_bytes(a2.bytes.ptr, a2.bytes.len);
    tampered[a2.bytes.len - 1] ^= 0x01;
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, HUSH_MESSAGE_TYPE_PREKEY, tampered, a2.bytes.len,
                  HUSH_RESULT_DECRYPTION_FAILED));
    CHECK(bob_trusts.len == 0 && one_time_count(&bob) == 3);
    free(tampered);

    /* Out of order within the first chain: a2 first. It creates Bob's
     * session and consumes one-time pre-key 31. */
    CHECK_RC(receive(&bob, bob_record, &alice, &bob_trusts, a2.type, a2.bytes.ptr, a2.bytes.len, &plaintext,
                     &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "a2: still me"));
    hush_buffer_free(&plaintext);
    CHECK(consumed.new_session && consumed.has_one_time_pre_key);
    CHECK(consumed.one_time_pre_key_id == 31 && consumed.signed_pre_key_id == 11 && consumed.kyber_pre_key_id == 21);
    CHECK(base_key.len == HUSH_PUBLIC_KEY_LENGTH && memcmp(consumed.base_key, base_key.ptr, base_key.len) == 0);
    CHECK(find_one_time(&bob, 31) == NULL && one_time_count(&bob) == 2);
    CHECK(bob_trusts.len == 33);
    CHECK_RC(hush_session_has_session_for(bob_record, parsed, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_get_remote_registration_id(bob_record, &id), HUSH_RESULT_OK);
    CHECK(id == 1717);

    /* a1 then a3: PreKey messages of the session Bob now has; no pre-keys
     * needed (a3 through the one-call decrypt). */
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &a1, "a1: hello Bob"));
    plaintext.ptr = NULL;
    CHECK_RC(hush_session_decrypt(bob_record, bob.local, a3.type, a3.bytes.ptr, a3.bytes.len, bob.address,
                                  alice.address, NULL, NULL, &plaintext),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "a3: third"));
    hush_buffer_free(&plaintext);

    /* Duplicates: refused, record byte-identical. a2 names the consumed
     * pre-key 31, but belongs to a known session, so it is a duplicate. */
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, a1.type, a1.bytes.ptr, a1.bytes.len,
                  HUSH_RESULT_DUPLICATED_MESSAGE));
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, a2.type, a2.bytes.ptr, a2.bytes.len,
                  HUSH_RESULT_DUPLICATED_MESSAGE));

    /* Bob replies twice; Alice reads them in reverse order. */
    b1 = send_text(bob_record, &bob, &alice, "b1: hi Alice", HUSH_MESSAGE_TYPE_WHISPER);
    b2 = send_text(bob_record, &bob, &alice, "b2: how are you", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK_RC(hush_message_detect_type(b1.bytes.ptr, b1.bytes.len, &detected), HUSH_RESULT_OK);
    CHECK(detected == HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&alice, alice_record, &bob, &alice_trusts, &b2, "b2: how are you"));
    CHECK_RC(hush_session_record_is_unacknowledged(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    CHECK(deliver(&alice, alice_record, &bob, &alice_trusts, &b1, "b1: hi Alice"));
    CHECK(refuses(&alice, alice_record, &bob, &alice_trusts, b2.type, b2.bytes.ptr, b2.bytes.len,
                  HUSH_RESULT_DUPLICATED_MESSAGE));

    /* Acknowledged: Alice now sends SignalMessages. */
    a4 = send_text(alice_record, &alice, &bob, "a4: fine", HUSH_MESSAGE_TYPE_WHISPER);

    /* Had Bob come to trust another key for Alice, hush_session_decrypt
     * itself refuses a4 (its session belongs to Alice's old key), the
     * record unchanged; a4 still decrypts once Bob accepts the key. */
    {
        hush_public_key *other = NULL;
        hush_buffer other_trusted;
        CHECK_RC(hush_identity_key_pair_get_public_key(bob.identity, &other), HUSH_RESULT_OK);
        other_trusted = public_key_bytes(other);
        CHECK(refuses(&bob, bob_record, &alice, &other_trusted, a4.type, a4.bytes.ptr, a4.bytes.len,
                      HUSH_RESULT_UNTRUSTED_IDENTITY));
        CHECK(refusal_contains("trusted"));
        hush_buffer_free(&other_trusted);
        hush_public_key_free(other);
    }
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &a4, "a4: fine"));

    /* Records serialized and reloaded mid-conversation, as after a restart. */
    alice_record = reload(alice_record);
    bob_record = reload(bob_record);

    /* Several ratchet turns: Alice sends two (delivered in order on even
     * turns, reversed on odd ones), Bob answers. */
    for (turn = 0; turn < 4; turn++) {
        char first[32], second[32], answer[32];
        snprintf(first, sizeof first, "turn %d: alice 1", turn);
        snprintf(second, sizeof second, "turn %d: alice 2", turn);
        snprintf(answer, sizeof answer, "turn %d: bob", turn);
        w1 = send_text(alice_record, &alice, &bob, first, HUSH_MESSAGE_TYPE_WHISPER);
        w2 = send_text(alice_record, &alice, &bob, second, HUSH_MESSAGE_TYPE_WHISPER);
        if (turn % 2 == 0) {
            CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &w1, first));
            CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &w2, second));
        } else {
            CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &w2, second));
            CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &w1, first));
        }
        wire_free(&w1);
        wire_free(&w2);
        w1 = send_text(bob_record, &bob, &alice, answer, HUSH_MESSAGE_TYPE_WHISPER);
        CHECK(deliver(&alice, alice_record, &bob, &alice_trusts, &w1, answer));
        wire_free(&w1);
        if (turn == 1) {
            bob_record = reload(bob_record);
        }
    }

    /* Out of order across chains: Alice sends c0 (Bob reads it), c1 and c2
     * on one chain; Bob's d1 makes her ratchet, and e1 is on her next chain.
     * Bob gets e1 before c2 and c1. */
    c0 = send_text(alice_record, &alice, &bob, "c0", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &c0, "c0"));
    c1 = send_text(alice_record, &alice, &bob, "c1: old chain", HUSH_MESSAGE_TYPE_WHISPER);
    c2 = send_text(alice_record, &alice, &bob, "c2: old chain", HUSH_MESSAGE_TYPE_WHISPER);
    d1 = send_text(bob_record, &bob, &alice, "d1", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&alice, alice_record, &bob, &alice_trusts, &d1, "d1"));
    e1 = send_text(alice_record, &alice, &bob, "e1: new chain", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &e1, "e1: new chain"));
    bob_record = reload(bob_record); /* the skipped keys survive a reload */
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &c2, "c2: old chain"));
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &c1, "c1: old chain"));
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, c1.type, c1.bytes.ptr, c1.bytes.len,
                  HUSH_RESULT_DUPLICATED_MESSAGE));

    /* Tampered SignalMessages: a ciphertext byte, the MAC, the counter. Each
     * fails, the record unchanged; the original still decrypts. */
    t = send_text(alice_record, &alice, &bob, "t: the real one", HUSH_MESSAGE_TYPE_WHISPER);
    tampered = copy_bytes(t.bytes.ptr, t.bytes.len);
    tampered[t.bytes.len - 9] ^= 0x40; /* the last ciphertext byte */
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, t.type, tampered, t.bytes.len,
                  HUSH_RESULT_DECRYPTION_FAILED));
    memcpy(tampered, t.bytes.ptr, t.bytes.len);
    tampered[t.bytes.len - 1] ^= 0x01; /* the MAC */
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, t.type, tampered, t.bytes.len,
                  HUSH_RESULT_DECRYPTION_FAILED));
    CHECK(refusal_contains("decryption failed"));
    /* Type confusion: a SignalMessage delivered as a PreKey message. */
    CHECK(refuses(&bob, bob_record, &alice, &bob_trusts, HUSH_MESSAGE_TYPE_PREKEY, t.bytes.ptr, t.bytes.len,
                  HUSH_RESULT_INVALID_PROTOBUF));
    free(tampered);
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &t, "t: the real one"));

    /* Session reset: Alice archives her state. She can no longer encrypt,
     * but Bob's next message still decrypts with the archived state, which
     * becomes current again. */
    CHECK_RC(hush_session_record_archive_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_has_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    CHECK_RC(hush_session_record_get_archived_count(alice_record, &archived), HUSH_RESULT_OK);
    CHECK(archived == 1);
    before = record_bytes(alice_record);
    w1.type = 99;
    w1.bytes.ptr = NULL; /* the sentinel: an empty buffer of length 7 */
    w1.bytes.len = 7;
    CHECK_RC(hush_session_encrypt(alice_record, (const uint8_t *)"x", 1, alice.address, bob.address, NOW, NULL,
                                  &w1.type, &w1.bytes),
             HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK(w1.type == 99 && untouched(&w1.bytes));
    CHECK(record_is(alice_record, &before));
    hush_buffer_free(&before);
    CHECK_RC(hush_session_record_archive_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(!flag);
    w1 = send_text(bob_record, &bob, &alice, "after the reset", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&alice, alice_record, &bob, &alice_trusts, &w1, "after the reset"));
    wire_free(&w1);
    CHECK_RC(hush_session_record_has_current_state(alice_record, &flag), HUSH_RESULT_OK);
    CHECK(flag);
    CHECK_RC(hush_session_record_get_archived_count(alice_record, &archived), HUSH_RESULT_OK);
    CHECK(archived == 0);
    w1 = send_text(alice_record, &alice, &bob, "and back", HUSH_MESSAGE_TYPE_WHISPER);
    CHECK(deliver(&bob, bob_record, &alice, &bob_trusts, &w1, "and back"));
    wire_free(&w1);

    wire_free(&a1);
    wire_free(&a2);
    wire_free(&a3);
    wire_free(&a4);
    wire_free(&b1);
    wire_free(&b2);
    wire_free(&c0);
    wire_free(&c1);
    wire_free(&c2);
    wire_free(&d1);
    wire_free(&e1);
    wire_free(&t);
    hush_prekey_message_free(parsed);
    hush_buffer_free(&base_key);
    hush_buffer_free(&alice_trusts);
    hush_buffer_free(&bob_trusts);
    hush_prekey_bundle_free(bundle);
    hush_session_record_free(alice_record);
    hush_session_record_free(bob_record);
    party_free(&alice);
    party_free(&bob);
}

/* A third party, Carol, with a stale bundle naming a consumed pre-key; a
 * bundle without a one-time pre-key; a second session from the same peer;
 * an identity Bob does not trust; malformed PreKey messages. */
static void test_prekey_refusals(void) {
    party bob, carol;
    hush_session_record *bob_carol = NULL, *carol_record = NULL;
    hush_prekey_bundle *stale = NULL, *fresh = NULL, *none = NULL;
    hush_buffer bob_trusts = {0}, plaintext = {0}, empty = {0};
    hush_consumed_prekeys consumed;
    hush_prekey_message *parsed = NULL;
    hush_public_key *key = NULL;
    hush_buffer base = {0};
    wire m1, m2, m2b, m3, m4, x;
    uint8_t *bad = NULL;
    size_t pos, len, archived = 0;
    const size_t kyber_ct_field = 1 + 2 + 1569; /* tag 8, length 1569, ciphertext */
    const size_t kyber_id_field = 1 + 1;        /* tag 7, ID 21 */

    party_init(&bob, BOB_NAME, 2, 4242);
    party_init(&carol, CAROL_NAME, 5, 777);
    publish_prekeys(&bob);
    CHECK_RC(hush_session_record_new(&bob_carol), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&carol_record), HUSH_RESULT_OK);
    empty = record_bytes(bob_carol);

    /* Someone else used one-time pre-key 31 already. */
    delete_one_time(&bob, 31);
    CHECK(one_time_count(&bob) == 2);

    /* Carol's bundle still names 31 (the server handed it out twice). */
    {
        hush_prekey_record *old = NULL;
        CHECK_RC(hush_prekey_record_generate(31, NULL, &old), HUSH_RESULT_OK);
        stale = fetch_bundle(&bob, 31, old);
        hush_prekey_record_free(old);
    }
    CHECK_RC(hush_session_initiate(carol_record, stale, carol.local, NOW, NULL), HUSH_RESULT_OK);
    m1 = send_text(carol_record, &carol, &bob, "m1: from carol", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, m1.bytes.ptr, m1.bytes.len,
                  HUSH_RESULT_MISSING_PREKEY));
    CHECK(refusal_contains("prekey identifier 31"));
    CHECK(record_is(bob_carol, &empty));

    /* Malformed versions of m1, each refused with its parse error. */
    len = m1.bytes.len;
    bad = copy_bytes(m1.bytes.ptr, len);
    bad[0] = 0x24; /* version 2 */
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len, HUSH_RESULT_MESSAGE_LEGACY_VERSION));
    bad[0] = 0x54; /* version 5 */
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len,
                  HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION));
    bad[0] = m1.bytes.ptr[0];
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, 0, HUSH_RESULT_MESSAGE_TOO_SHORT));
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len - 1, HUSH_RESULT_INVALID_PROTOBUF));
    /* The Kyber fields are the last two: the ID (tag 0x38) and the
     * ciphertext (tag 0x42, 1569 bytes). */
    CHECK(bad[len - kyber_ct_field] == 0x42 && bad[len - kyber_ct_field - kyber_id_field] == 0x38);
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len - kyber_ct_field,
                  HUSH_RESULT_MESSAGE_KYBER_INCONSISTENT));
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len - kyber_ct_field - kyber_id_field,
                  HUSH_RESULT_MESSAGE_KYBER_MISSING));
    bad[0] = 0x33; /* an X3DH message for no existing session */
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m1.type, bad, len, HUSH_RESULT_X3DH_NO_LONGER_SUPPORTED));
    free(bad);

    /* Carol fetches a fresh bundle (one-time pre-key 32) and starts over. */
    fresh = fetch_bundle(&bob, 32, find_one_time(&bob, 32));
    CHECK_RC(hush_session_initiate(carol_record, fresh, carol.local, NOW, NULL), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_get_archived_count(carol_record, &archived), HUSH_RESULT_OK);
    CHECK(archived == 1);
    m2 = send_text(carol_record, &carol, &bob, "m2: fresh", HUSH_MESSAGE_TYPE_PREKEY);
    m2b = send_text(carol_record, &carol, &bob, "m2b: late", HUSH_MESSAGE_TYPE_PREKEY);

    /* m2 with a non-canonical base key (bit 255 set). */
    CHECK_RC(hush_prekey_message_deserialize(m2.bytes.ptr, m2.bytes.len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_message_get_base_key(parsed, &key), HUSH_RESULT_OK);
    base = public_key_bytes(key);
    pos = find(m2.bytes.ptr, m2.bytes.len, base.ptr, base.len);
    CHECK(pos < m2.bytes.len);
    if (pos < m2.bytes.len) {
        bad = copy_bytes(m2.bytes.ptr, m2.bytes.len);
        bad[pos + 32] |= 0x80;
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m2.type, bad, m2.bytes.len,
                      HUSH_RESULT_INVALID_BASE_KEY));
        free(bad);
    }
    hush_buffer_free(&base);
    hush_public_key_free(key);
    hush_prekey_message_free(parsed);

    /* Without the signed or the Kyber pre-key. */
    {
        hush_signed_prekey_record *spk = bob.signed_pre_key;
        hush_kyber_prekey_record *kpk = bob.kyber_pre_key;
        bob.signed_pre_key = NULL;
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m2.type, m2.bytes.ptr, m2.bytes.len,
                      HUSH_RESULT_MISSING_SIGNED_PREKEY));
        bob.signed_pre_key = spk;
        CHECK_RC(hush_kyber_prekey_record_generate(22, NOW, bob.identity, NULL, &bob.kyber_pre_key),
                 HUSH_RESULT_OK); /* a Kyber key with another ID */
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m2.type, m2.bytes.ptr, m2.bytes.len,
                      HUSH_RESULT_MISSING_KYBER_PREKEY));
        hush_kyber_prekey_record_free(bob.kyber_pre_key);
        bob.kyber_pre_key = kpk;
    }

    /* Now it works, and 32 is consumed. */
    CHECK_RC(receive(&bob, bob_carol, &carol, &bob_trusts, m2.type, m2.bytes.ptr, m2.bytes.len, &plaintext,
                     &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "m2: fresh"));
    hush_buffer_free(&plaintext);
    CHECK(consumed.new_session && consumed.has_one_time_pre_key && consumed.one_time_pre_key_id == 32);
    CHECK(find_one_time(&bob, 32) == NULL && one_time_count(&bob) == 1);

    /* Carol starts yet another session from a bundle without a one-time
     * pre-key (the Kyber key is a last-resort key, used again). */
    none = fetch_bundle(&bob, 0, NULL);
    CHECK_RC(hush_session_initiate(carol_record, none, carol.local, NOW, NULL), HUSH_RESULT_OK);
    m3 = send_text(carol_record, &carol, &bob, "m3: no one-time key", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK_RC(receive(&bob, bob_carol, &carol, &bob_trusts, m3.type, m3.bytes.ptr, m3.bytes.len, &plaintext,
                     &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "m3: no one-time key"));
    hush_buffer_free(&plaintext);
    CHECK(consumed.new_session && !consumed.has_one_time_pre_key && consumed.one_time_pre_key_id == 0);
    CHECK(consumed.signed_pre_key_id == 11 && consumed.kyber_pre_key_id == 21);
    CHECK(one_time_count(&bob) == 1);
    CHECK_RC(hush_session_record_get_archived_count(bob_carol, &archived), HUSH_RESULT_OK);
    CHECK(archived == 1); /* the m2 session, kept for late messages */

    /* m2b, sent in the m2 session before Carol moved on, arrives late: it
     * resumes the archived state (no pre-keys needed), which becomes
     * current again. */
    CHECK_RC(receive(&bob, bob_carol, &carol, &bob_trusts, m2b.type, m2b.bytes.ptr, m2b.bytes.len, &plaintext,
                     &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "m2b: late"));
    hush_buffer_free(&plaintext);
    CHECK(!consumed.new_session && !consumed.has_one_time_pre_key);
    CHECK_RC(hush_session_record_get_archived_count(bob_carol, &archived), HUSH_RESULT_OK);
    CHECK(archived == 1); /* now the m3 session is the archived one */

    /* Someone claiming to be Carol with another identity: refused before
     * decrypting (the application's trust check). */
    {
        party mallory;
        hush_session_record *mallory_record = NULL;
        party_init(&mallory, CAROL_NAME, 5, 777);
        CHECK_RC(hush_session_record_new(&mallory_record), HUSH_RESULT_OK);
        CHECK_RC(hush_session_initiate(mallory_record, none, mallory.local, NOW, NULL), HUSH_RESULT_OK);
        m4 = send_text(mallory_record, &mallory, &bob, "m4: trust me", HUSH_MESSAGE_TYPE_PREKEY);
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, m4.type, m4.bytes.ptr, m4.bytes.len,
                      HUSH_RESULT_UNTRUSTED_IDENTITY));
        /* The same bytes, if an application skipped the check, would start
         * a session with the new identity: trust is the caller's job. */
        wire_free(&m4);
        hush_session_record_free(mallory_record);
        party_free(&mallory);
    }

    /* Garbage as a SignalMessage. */
    x.type = HUSH_MESSAGE_TYPE_WHISPER;
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, x.type, (const uint8_t *)"hello", 5,
                  HUSH_RESULT_MESSAGE_TOO_SHORT));
    CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, x.type, NULL, 0, HUSH_RESULT_MESSAGE_TOO_SHORT));
    {
        uint8_t garbage[40];
        hush_message_type detected = 77;
        memset(garbage, 0xff, sizeof garbage);
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, x.type, garbage, sizeof garbage,
                      HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION));
        garbage[0] = 0x14;
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, x.type, garbage, sizeof garbage,
                      HUSH_RESULT_MESSAGE_LEGACY_VERSION));
        garbage[0] = 0x44;
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, x.type, garbage, sizeof garbage,
                      HUSH_RESULT_INVALID_PROTOBUF));
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, 7, garbage, sizeof garbage,
                      HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE));
        CHECK(refusal_contains("message type 7"));
        CHECK(refuses(&bob, bob_carol, &carol, &bob_trusts, 0xffffffffu, garbage, sizeof garbage,
                      HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE));
        CHECK_RC(hush_message_detect_type(garbage, sizeof garbage, &detected), HUSH_RESULT_INVALID_PROTOBUF);
        CHECK_RC(hush_message_detect_type(garbage, 3, &detected), HUSH_RESULT_MESSAGE_TOO_SHORT);
        CHECK(detected == 77);
    }

    wire_free(&m1);
    wire_free(&m2);
    wire_free(&m2b);
    wire_free(&m3);
    hush_buffer_free(&empty);
    hush_buffer_free(&bob_trusts);
    hush_prekey_bundle_free(stale);
    hush_prekey_bundle_free(fresh);
    hush_prekey_bundle_free(none);
    hush_session_record_free(bob_carol);
    hush_session_record_free(carol_record);
    party_free(&bob);
    party_free(&carol);
}

/* Fixture for the shorter tests: Bob's pre-keys, Alice's bundle of them. */
typedef struct {
    party alice, bob;
    hush_prekey_bundle *bundle;
    hush_session_record *alice_record, *bob_record;
} pair;

static void pair_init(pair *p) {
    party_init(&p->alice, ALICE_NAME, 1, 1717);
    party_init(&p->bob, BOB_NAME, 2, 4242);
    publish_prekeys(&p->bob);
    p->bundle = fetch_bundle(&p->bob, 31, p->bob.one_time[0]);
    p->alice_record = NULL;
    p->bob_record = NULL;
    CHECK_RC(hush_session_record_new(&p->alice_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&p->bob_record), HUSH_RESULT_OK);
}

static void pair_free(pair *p) {
    hush_prekey_bundle_free(p->bundle);
    hush_session_record_free(p->alice_record);
    hush_session_record_free(p->bob_record);
    party_free(&p->alice);
    party_free(&p->bob);
}

typedef struct {
    uint8_t next;
} counter_rng;

static int counter_fill(void *ctx, uint8_t *buf, size_t len) {
    counter_rng *c = (counter_rng *)ctx;
    size_t i;
    for (i = 0; i < len; i++) {
        buf[i] = c->next++;
    }
    return 0;
}

static void test_random_source(void) {
    pair p;
    hush_rng *failing = NULL, *counting1 = NULL, *counting2 = NULL;
    counter_rng c1 = {1}, c2 = {1};
    hush_session_record *r1 = NULL, *r2 = NULL;
    hush_buffer empty = {0}, before = {0}, b1 = {0}, b2 = {0};
    hush_buffer plaintext = SENTINEL_BUFFER;
    hush_consumed_prekeys consumed, consumed_before;
    hush_prekey_message *message = NULL;
    wire a1, reply;

    pair_init(&p);
    CHECK_RC(hush_rng_new(failing_fill, NULL, &failing), HUSH_RESULT_OK);
    empty = record_bytes(p.alice_record);

    /* Starting a session draws randomness; a failure changes nothing. */
    CHECK_RC(hush_session_initiate(p.alice_record, p.bundle, p.alice.local, NOW, failing),
             HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(last_error_contains("random source"));
    CHECK(record_is(p.alice_record, &empty));

    /* A caller's generator is used for everything: the same bytes give the
     * same session. */
    CHECK_RC(hush_rng_new(counter_fill, &c1, &counting1), HUSH_RESULT_OK);
    CHECK_RC(hush_rng_new(counter_fill, &c2, &counting2), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&r1), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&r2), HUSH_RESULT_OK);
    CHECK_RC(hush_session_initiate(r1, p.bundle, p.alice.local, NOW, counting1), HUSH_RESULT_OK);
    CHECK_RC(hush_session_initiate(r2, p.bundle, p.alice.local, NOW, counting2), HUSH_RESULT_OK);
    b1 = record_bytes(r1);
    b2 = record_bytes(r2);
    CHECK(c1.next == c2.next && buffers_equal(&b1, &b2) && !buffers_equal(&b1, &empty));

    /* Bob's first decryption ratchets (a new key pair): with a failing
     * source nothing is written and no pre-key is consumed. */
    CHECK_RC(hush_session_initiate(p.alice_record, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    a1 = send_text(p.alice_record, &p.alice, &p.bob, "a1", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK_RC(hush_prekey_message_deserialize(a1.bytes.ptr, a1.bytes.len, &message), HUSH_RESULT_OK);
    memset(&consumed, 0x5a, sizeof consumed);
    consumed_before = consumed;
    before = record_bytes(p.bob_record);
    CHECK_RC(hush_session_decrypt_prekey(p.bob_record, message, p.bob.local, p.bob.signed_pre_key,
                                         p.bob.kyber_pre_key, p.bob.one_time[0], p.bob.address, p.alice.address,
                                         NULL, failing, &plaintext, &consumed),
             HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(untouched(&plaintext) && memcmp(&consumed, &consumed_before, sizeof consumed) == 0);
    CHECK(record_is(p.bob_record, &before));
    hush_buffer_free(&before);
    plaintext.ptr = NULL;
    plaintext.len = 0;
    CHECK_RC(hush_session_decrypt_prekey(p.bob_record, message, p.bob.local, p.bob.signed_pre_key,
                                         p.bob.kyber_pre_key, p.bob.one_time[0], p.bob.address, p.alice.address,
                                         NULL, counting1, &plaintext, &consumed),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "a1") && consumed.new_session);
    hush_buffer_free(&plaintext);

    /* Alice's decryption of the reply ratchets too. */
    reply = send_text(p.bob_record, &p.bob, &p.alice, "reply", HUSH_MESSAGE_TYPE_WHISPER);
    before = record_bytes(p.alice_record);
    plaintext.ptr = NULL; /* the sentinel: an empty buffer of length 7 */
    plaintext.len = 7;
    CHECK_RC(hush_session_decrypt(p.alice_record, p.alice.local, reply.type, reply.bytes.ptr, reply.bytes.len,
                                  p.alice.address, p.bob.address, NULL, failing, &plaintext),
             HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(untouched(&plaintext) && record_is(p.alice_record, &before));
    plaintext.ptr = NULL;
    plaintext.len = 0;
    CHECK_RC(hush_session_decrypt(p.alice_record, p.alice.local, reply.type, reply.bytes.ptr, reply.bytes.len,
                                  p.alice.address, p.bob.address, NULL, NULL, &plaintext),
             HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "reply"));

    hush_buffer_free(&plaintext);
    hush_buffer_free(&before);
    hush_buffer_free(&empty);
    hush_buffer_free(&b1);
    hush_buffer_free(&b2);
    wire_free(&a1);
    wire_free(&reply);
    hush_prekey_message_free(message);
    hush_session_record_free(r1);
    hush_session_record_free(r2);
    hush_rng_free(failing);
    hush_rng_free(counting1);
    hush_rng_free(counting2);
    pair_free(&p);
}

static void test_stale_session(void) {
    pair p;
    hush_buffer before = {0};
    hush_buffer out = SENTINEL_BUFFER;
    hush_message_type type = 99;
    bool usable = false;
    wire w;

    pair_init(&p);
    CHECK_RC(hush_session_initiate(p.alice_record, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_is_usable(p.alice_record, NOW + 29 * DAY, &usable), HUSH_RESULT_OK);
    CHECK(usable);
    CHECK_RC(hush_session_record_is_usable(p.alice_record, NOW + 31 * DAY, &usable), HUSH_RESULT_OK);
    CHECK(!usable);
    before = record_bytes(p.alice_record);
    CHECK_RC(hush_session_encrypt(p.alice_record, (const uint8_t *)"late", 4, p.alice.address, p.bob.address,
                                  NOW + 31 * DAY, NULL, &type, &out),
             HUSH_RESULT_STALE_UNACKNOWLEDGED_SESSION);
    CHECK(type == 99 && untouched(&out) && record_is(p.alice_record, &before));
    /* An empty plaintext is fine. */
    w.type = 0;
    w.bytes.ptr = NULL;
    w.bytes.len = 0;
    CHECK_RC(hush_session_encrypt(p.alice_record, NULL, 0, p.alice.address, p.bob.address, NOW + 29 * DAY, NULL,
                                  &w.type, &w.bytes),
             HUSH_RESULT_OK);
    CHECK(w.type == HUSH_MESSAGE_TYPE_PREKEY && w.bytes.len > 0);
    wire_free(&w);
    hush_buffer_free(&before);
    pair_free(&p);
}

static void test_stored_records(void) {
    pair p;
    hush_session_record *loaded = SENTINEL, *copy = NULL;
    hush_buffer empty = {0}, full = {0};
    uint8_t header[4];
    bool flag = true;

    pair_init(&p);
    empty = record_bytes(p.alice_record);
    CHECK(empty.len >= 2);
    CHECK_RC(hush_session_initiate(p.alice_record, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    full = record_bytes(p.alice_record);
    CHECK(full.len > empty.len && full.ptr[0] == empty.ptr[0] && full.ptr[1] == empty.ptr[1]);

    /* An empty record round-trips too. */
    CHECK_RC(hush_session_record_deserialize(empty.ptr, empty.len, &copy), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_has_current_state(copy, &flag), HUSH_RESULT_OK);
    CHECK(!flag && record_is(copy, &empty));
    hush_session_record_free(copy);

    CHECK_RC(hush_session_record_deserialize(NULL, 0, &loaded), HUSH_RESULT_STATE_TRUNCATED);
    CHECK_RC(hush_session_record_deserialize(full.ptr, 1, &loaded), HUSH_RESULT_STATE_TRUNCATED);
    header[0] = 0x7f;
    header[1] = full.ptr[1];
    CHECK_RC(hush_session_record_deserialize(header, 2, &loaded), HUSH_RESULT_STATE_UNSUPPORTED_VERSION);
    header[0] = full.ptr[0];
    header[1] = 3; /* a one-time pre-key */
    CHECK_RC(hush_session_record_deserialize(header, 2, &loaded), HUSH_RESULT_STATE_WRONG_KIND);
    header[1] = full.ptr[1];
    header[2] = 0xff;
    header[3] = 0xff;
    CHECK_RC(hush_session_record_deserialize(header, 4, &loaded), HUSH_RESULT_STATE_INVALID);
    CHECK_RC(hush_session_record_deserialize(full.ptr, full.len - 1, &loaded), HUSH_RESULT_STATE_INVALID);
    CHECK(last_error_contains("invalid stored state"));
    CHECK(loaded == SENTINEL);

    hush_buffer_free(&empty);
    hush_buffer_free(&full);
    pair_free(&p);
}

static void test_null_arguments(void) {
    pair p;
    hush_buffer before = {0};
    hush_buffer out = SENTINEL_BUFFER;
    hush_message_type type = 99;
    hush_consumed_prekeys consumed, consumed_before;
    hush_prekey_message *message = NULL, *message_not_made = SENTINEL;
    hush_session_record *record_not_made = SENTINEL;
    hush_local_identity *local_not_made = SENTINEL;
    hush_protocol_address *address_not_made = SENTINEL;
    hush_public_key *key_not_made = SENTINEL;
    bool flag = true, has = true;
    uint32_t id = 99;
    size_t count = 99;
    wire a1;
    hush_session_record *r;
    hush_protocol_address *a, *b;

    pair_init(&p);
    r = p.alice_record;
    a = p.alice.address;
    b = p.bob.address;
    memset(&consumed, 0x5a, sizeof consumed);
    consumed_before = consumed;

    CHECK_RC(hush_session_initiate(NULL, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`record`"));
    CHECK_RC(hush_session_initiate(r, NULL, p.alice.local, NOW, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`bundle`"));
    CHECK_RC(hush_session_initiate(r, p.bundle, NULL, NOW, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`local`"));
    CHECK_RC(hush_session_initiate(r, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    before = record_bytes(r);

    CHECK_RC(hush_session_encrypt(NULL, (const uint8_t *)"x", 1, a, b, NOW, NULL, &type, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_encrypt(r, NULL, 1, a, b, NOW, NULL, &type, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`plaintext`"));
    CHECK_RC(hush_session_encrypt(r, (const uint8_t *)"x", 1, NULL, b, NOW, NULL, &type, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`local_address`"));
    CHECK_RC(hush_session_encrypt(r, (const uint8_t *)"x", 1, a, NULL, NOW, NULL, &type, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`remote_address`"));
    CHECK_RC(hush_session_encrypt(r, (const uint8_t *)"x", 1, a, b, NOW, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`out_type`"));
    CHECK_RC(hush_session_encrypt(r, (const uint8_t *)"x", 1, a, b, NOW, NULL, &type, NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`out_ciphertext`"));
    CHECK(type == 99 && untouched(&out) && record_is(r, &before));

    a1 = send_text(r, &p.alice, &p.bob, "a1", HUSH_MESSAGE_TYPE_PREKEY);
    hush_buffer_free(&before);
    before = record_bytes(r);
    CHECK_RC(hush_session_decrypt(NULL, p.alice.local, a1.type, a1.bytes.ptr, a1.bytes.len, a, b, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_decrypt(r, NULL, a1.type, a1.bytes.ptr, a1.bytes.len, a, b, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_decrypt(r, p.alice.local, a1.type, NULL, a1.bytes.len, a, b, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`ciphertext`"));
    CHECK_RC(hush_session_decrypt(r, p.alice.local, a1.type, a1.bytes.ptr, a1.bytes.len, NULL, b, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_decrypt(r, p.alice.local, a1.type, a1.bytes.ptr, a1.bytes.len, a, NULL, NULL, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_decrypt(r, p.alice.local, a1.type, a1.bytes.ptr, a1.bytes.len, a, b, NULL, NULL, NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(untouched(&out) && record_is(r, &before));

    CHECK_RC(hush_prekey_message_deserialize(NULL, 5, &message_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_deserialize(a1.bytes.ptr, a1.bytes.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(message_not_made == SENTINEL);
    CHECK_RC(hush_prekey_message_deserialize(a1.bytes.ptr, a1.bytes.len, &message), HUSH_RESULT_OK);
    r = p.bob_record;
    a = p.bob.address;
    b = p.alice.address;
    hush_buffer_free(&before);
    before = record_bytes(r);
#define DECRYPT_PREKEY(rec, msg, local, plain, cons)                                                           \
    hush_session_decrypt_prekey(rec, msg, local, p.bob.signed_pre_key, p.bob.kyber_pre_key, p.bob.one_time[0], \
                                a, b, NULL, NULL, plain, cons)
    CHECK_RC(DECRYPT_PREKEY(NULL, message, p.bob.local, &out, &consumed), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(DECRYPT_PREKEY(r, NULL, p.bob.local, &out, &consumed), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(DECRYPT_PREKEY(r, message, NULL, &out, &consumed), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(DECRYPT_PREKEY(r, message, p.bob.local, NULL, &consumed), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`out_plaintext`"));
    CHECK_RC(DECRYPT_PREKEY(r, message, p.bob.local, &out, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`out_consumed`"));
#undef DECRYPT_PREKEY
    CHECK_RC(hush_session_decrypt_prekey(r, message, p.bob.local, NULL, NULL, NULL, NULL, b, NULL, NULL, &out,
                                         &consumed),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(untouched(&out) && memcmp(&consumed, &consumed_before, sizeof consumed) == 0);
    CHECK(record_is(r, &before) && one_time_count(&p.bob) == 3);

    CHECK_RC(hush_session_has_session_for(NULL, message, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_has_session_for(r, NULL, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_has_session_for(r, message, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_pre_key_id(message, NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_pre_key_id(message, &has, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_kyber_pre_key_id(NULL, &has, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_signed_pre_key_id(message, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_registration_id(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_version(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_identity_key(NULL, &key_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_get_base_key(message, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_message_serialize(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_message_detect_type(NULL, 9, &type), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_message_detect_type(a1.bytes.ptr, a1.bytes.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(flag && has && id == 99 && type == 99 && key_not_made == SENTINEL && untouched(&out));

    CHECK_RC(hush_session_record_new(NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_serialize(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_serialize(r, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_deserialize(before.ptr, before.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_deserialize(NULL, 3, &record_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_archive_current_state(NULL, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_archive_current_state(p.alice_record, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_has_current_state(NULL, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_is_usable(r, NOW, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_is_unacknowledged(NULL, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_get_archived_count(NULL, &count), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_get_remote_identity_key(NULL, &key_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_get_local_identity_key(p.alice_record, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_get_remote_registration_id(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_session_record_get_local_registration_id(p.alice_record, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(flag && count == 99 && id == 99 && record_not_made == SENTINEL && key_not_made == SENTINEL);
    /* An empty record has no current state to read from. */
    CHECK_RC(hush_session_record_get_remote_identity_key(r, &key_not_made), HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK_RC(hush_session_record_get_local_identity_key(r, &key_not_made), HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK_RC(hush_session_record_get_remote_registration_id(r, &id), HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK_RC(hush_session_record_get_local_registration_id(r, &id), HUSH_RESULT_SESSION_NOT_FOUND);
    CHECK(id == 99 && key_not_made == SENTINEL);

    CHECK_RC(hush_local_identity_new(NULL, 1, &local_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_local_identity_new(p.alice.identity, 1, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_local_identity_get_registration_id(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_local_identity_get_identity_key(p.alice.local, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)"x", 1, 1, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_protocol_address_get_name(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_protocol_address_get_device_id(a, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(local_not_made == SENTINEL && address_not_made == SENTINEL && id == 99 && untouched(&out));

    wire_free(&a1);
    hush_buffer_free(&before);
    hush_prekey_message_free(message);
    pair_free(&p);
}

/* The identity-swap attack (session-setup.md section 4 step 2): Mallory once
 * had a session with Bob under Alice's address (an old device, an old key);
 * Alice has since started a new one, so Mallory's state is archived. Mallory
 * sends a PreKey message on the old session with Alice's identity key
 * written in it. It passes a check of the identity it carries, and is still
 * refused as libsignal 0.103 does, with the record unchanged. Then both
 * outcomes of the trust argument of hush_session_decrypt_prekey: refused
 * (record unchanged, nothing consumed) and accepted. */
static void test_identity_swap(void) {
    party alice, mallory, bob, carol;
    hush_session_record *alice_record = NULL, *mallory_record = NULL, *bob_record = NULL, *carol_record = NULL;
    hush_session_record *bob_carol = NULL;
    hush_prekey_bundle *bundle = NULL;
    hush_public_key *alice_key = NULL, *mallory_key = NULL;
    hush_buffer alice_bytes = {0}, mallory_bytes = {0}, trusted_alice = {0}, trusted_mallory = {0};
    hush_buffer before = {0}, plaintext = SENTINEL_BUFFER;
    wire m1, m2, a1, c1;
    uint8_t *forged;
    size_t at;

    party_init(&alice, ALICE_NAME, 1, 1111);
    party_init(&mallory, ALICE_NAME, 1, 7777);
    party_init(&bob, BOB_NAME, 1, 2222);
    party_init(&carol, CAROL_NAME, 1, 3333);
    publish_prekeys(&bob);
    CHECK_RC(hush_session_record_new(&alice_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&mallory_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&bob_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&carol_record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&bob_carol), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(alice.identity, &alice_key), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(mallory.identity, &mallory_key), HUSH_RESULT_OK);
    alice_bytes = public_key_bytes(alice_key);
    mallory_bytes = public_key_bytes(mallory_key);

    bundle = fetch_bundle(&bob, 0, NULL);
    CHECK_RC(hush_session_initiate(mallory_record, bundle, mallory.local, NOW, NULL), HUSH_RESULT_OK);
    m1 = send_text(mallory_record, &mallory, &bob, "from the old device", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(deliver(&bob, bob_record, &mallory, &trusted_mallory, &m1, "from the old device"));
    CHECK_RC(hush_session_initiate(alice_record, bundle, alice.local, NOW, NULL), HUSH_RESULT_OK);
    a1 = send_text(alice_record, &alice, &bob, "from alice", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(deliver(&bob, bob_record, &alice, &trusted_alice, &a1, "from alice"));
    CHECK(buffers_equal(&trusted_alice, &alice_bytes));

    m2 = send_text(mallory_record, &mallory, &bob, "send your replies to me", HUSH_MESSAGE_TYPE_PREKEY);
    forged = copy_bytes(m2.bytes.ptr, m2.bytes.len);
    at = find(forged, m2.bytes.len, mallory_bytes.ptr, mallory_bytes.len);
    CHECK(at < m2.bytes.len);
    if (at < m2.bytes.len) {
        memcpy(forged + at, alice_bytes.ptr, alice_bytes.len);
    }
    CHECK(refuses(&bob, bob_record, &alice, &trusted_alice, HUSH_MESSAGE_TYPE_PREKEY, forged, m2.bytes.len,
                  HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY));
    CHECK(refusal_contains("remote identity key not consistent with previously-established session"));
    before = record_bytes(bob_record);
    CHECK_RC(hush_session_decrypt(bob_record, bob.local, HUSH_MESSAGE_TYPE_PREKEY, forged, m2.bytes.len,
                                  bob.address, alice.address, alice_key, NULL, &plaintext),
             HUSH_RESULT_INCONSISTENT_REMOTE_IDENTITY);
    CHECK(untouched(&plaintext) && record_is(bob_record, &before));
    free(forged);

    /* The honest message, checked against Alice's key: refused by the
     * trust argument, record unchanged; against Mallory's: accepted. */
    CHECK(refuses(&bob, bob_record, &alice, &trusted_alice, HUSH_MESSAGE_TYPE_PREKEY, m2.bytes.ptr, m2.bytes.len,
                  HUSH_RESULT_UNTRUSTED_IDENTITY));
    CHECK(deliver(&bob, bob_record, &mallory, &trusted_mallory, &m2, "send your replies to me"));
    CHECK(!record_is(bob_record, &before));

    /* A first message that would create a session, from an untrusted
     * identity: refused before anything is committed or consumed. */
    hush_prekey_bundle_free(bundle);
    bundle = fetch_bundle(&bob, 31, bob.one_time[0]);
    CHECK_RC(hush_session_initiate(carol_record, bundle, carol.local, NOW, NULL), HUSH_RESULT_OK);
    c1 = send_text(carol_record, &carol, &bob, "hi, I am carol", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(refuses(&bob, bob_carol, &carol, &trusted_alice, HUSH_MESSAGE_TYPE_PREKEY, c1.bytes.ptr, c1.bytes.len,
                  HUSH_RESULT_UNTRUSTED_IDENTITY));
    CHECK(one_time_count(&bob) == 3);
    {
        hush_buffer trusted_carol = {0};
        CHECK(deliver(&bob, bob_carol, &carol, &trusted_carol, &c1, "hi, I am carol"));
        CHECK(one_time_count(&bob) == 2);
        hush_buffer_free(&trusted_carol);
    }

    wire_free(&m1);
    wire_free(&m2);
    wire_free(&a1);
    wire_free(&c1);
    hush_buffer_free(&before);
    hush_buffer_free(&alice_bytes);
    hush_buffer_free(&mallory_bytes);
    hush_buffer_free(&trusted_alice);
    hush_buffer_free(&trusted_mallory);
    hush_public_key_free(alice_key);
    hush_public_key_free(mallory_key);
    hush_prekey_bundle_free(bundle);
    hush_session_record_free(alice_record);
    hush_session_record_free(mallory_record);
    hush_session_record_free(bob_record);
    hush_session_record_free(carol_record);
    hush_session_record_free(bob_carol);
    party_free(&alice);
    party_free(&mallory);
    party_free(&bob);
    party_free(&carol);
}

/* An application's record of last-resort Kyber pre-key uses: (Kyber ID,
 * signed pre-key ID, base key) combinations it has committed. */
typedef struct {
    uint32_t kyber_id, signed_id;
    uint8_t base_key[33];
} kyber_use;

#define MAX_KYBER_USES 4

typedef struct {
    kyber_use uses[MAX_KYBER_USES];
    size_t count;
} kyber_uses;

/* Receives a first PreKey message as an application does with a
 * last-resort Kyber pre-key: if the message would create a session
 * (hush_session_has_session_for is false), the (Kyber ID, signed ID, base
 * key) it would consume is read from the message and refused if seen
 * before; otherwise decrypt with the trusted identity and remember what was
 * consumed. Returns 1 when refused as a replay (nothing called). */
static int receive_on_last_resort(pair *p, hush_session_record *record, const wire *w, kyber_uses *seen,
                                  hush_result *rc) {
    hush_prekey_message *message = NULL;
    hush_public_key *base_key = NULL, *trusted = NULL;
    hush_buffer base_bytes = {0}, plaintext = {0};
    hush_consumed_prekeys consumed;
    bool known = false, has_kyber = false;
    uint32_t kyber_id = 0, signed_id = 0;
    size_t i;
    int replay = 0;

    CHECK_RC(hush_prekey_message_deserialize(w->bytes.ptr, w->bytes.len, &message), HUSH_RESULT_OK);
    CHECK_RC(hush_session_has_session_for(record, message, &known), HUSH_RESULT_OK);
    if (!known) {
        CHECK_RC(hush_prekey_message_get_kyber_pre_key_id(message, &has_kyber, &kyber_id), HUSH_RESULT_OK);
        CHECK_RC(hush_prekey_message_get_signed_pre_key_id(message, &signed_id), HUSH_RESULT_OK);
        CHECK_RC(hush_prekey_message_get_base_key(message, &base_key), HUSH_RESULT_OK);
        base_bytes = public_key_bytes(base_key);
        for (i = 0; i < seen->count; i++) {
            const kyber_use *u = &seen->uses[i];
            replay |= has_kyber && u->kyber_id == kyber_id && u->signed_id == signed_id &&
                      buffer_is(&base_bytes, u->base_key, sizeof u->base_key);
        }
    }
    if (!replay) {
        CHECK_RC(hush_identity_key_pair_get_public_key(p->alice.identity, &trusted), HUSH_RESULT_OK);
        *rc = hush_session_decrypt_prekey(record, message, p->bob.local, p->bob.signed_pre_key, p->bob.kyber_pre_key,
                                          NULL, p->bob.address, p->alice.address, trusted, NULL, &plaintext,
                                          &consumed);
        if (*rc == HUSH_RESULT_OK && consumed.new_session && seen->count < MAX_KYBER_USES) {
            kyber_use *u = &seen->uses[seen->count++];
            u->kyber_id = consumed.kyber_pre_key_id;
            u->signed_id = consumed.signed_pre_key_id;
            memcpy(u->base_key, consumed.base_key, sizeof u->base_key);
        }
    }
    hush_buffer_free(&plaintext);
    hush_buffer_free(&base_bytes);
    hush_public_key_free(base_key);
    hush_public_key_free(trusted);
    hush_prekey_message_free(message);
    return replay;
}

/* A first message on a last-resort Kyber pre-key (no one-time pre-key),
 * replayed once Bob's record no longer has its session, would create the
 * session again; the caller's check refuses it before any call. */
static void test_last_resort_replay(void) {
    pair p;
    hush_prekey_bundle *bundle;
    hush_session_record *reset = NULL, *unchecked = NULL;
    hush_buffer before = {0};
    kyber_uses seen;
    hush_result rc = HUSH_RESULT_PANIC;
    wire first;

    memset(&seen, 0, sizeof seen);
    pair_init(&p);
    bundle = fetch_bundle(&p.bob, 0, NULL);
    CHECK_RC(hush_session_initiate(p.alice_record, bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    first = send_text(p.alice_record, &p.alice, &p.bob, "pay 10 to carol", HUSH_MESSAGE_TYPE_PREKEY);
    CHECK(receive_on_last_resort(&p, p.bob_record, &first, &seen, &rc) == 0);
    CHECK_RC(rc, HUSH_RESULT_OK);
    CHECK(seen.count == 1 && seen.uses[0].kyber_id == 21 && seen.uses[0].signed_id == 11);
    /* Replayed to the same record: a duplicate, nothing new consumed. */
    CHECK(receive_on_last_resort(&p, p.bob_record, &first, &seen, &rc) == 0);
    CHECK_RC(rc, HUSH_RESULT_DUPLICATED_MESSAGE);
    CHECK(seen.count == 1);
    /* After a reset the library alone would accept it again... */
    CHECK_RC(hush_session_record_new(&unchecked), HUSH_RESULT_OK);
    {
        kyber_uses none;
        memset(&none, 0, sizeof none);
        CHECK(receive_on_last_resort(&p, unchecked, &first, &none, &rc) == 0);
        CHECK_RC(rc, HUSH_RESULT_OK);
    }
    /* ...the caller's check refuses it, and nothing is stored. */
    CHECK_RC(hush_session_record_new(&reset), HUSH_RESULT_OK);
    before = record_bytes(reset);
    CHECK(receive_on_last_resort(&p, reset, &first, &seen, &rc) == 1);
    CHECK(record_is(reset, &before));

    wire_free(&first);
    hush_buffer_free(&before);
    hush_prekey_bundle_free(bundle);
    hush_session_record_free(reset);
    hush_session_record_free(unchecked);
    pair_free(&p);
}

/* Output buffers must be empty: a filled one passed again is refused with
 * HUSH_RESULT_OUTPUT_NOT_EMPTY before anything is done (its bytes, perhaps
 * secret, are neither leaked nor overwritten, and the record does not
 * advance); after hush_buffer_free the same buffer works. */
static void test_output_buffer_rule(void) {
    pair p;
    hush_buffer filled = {0};
    hush_message_type type = 0;
    uint8_t *ptr;
    size_t len;

    pair_init(&p);
    CHECK_RC(hush_session_initiate(p.alice_record, p.bundle, p.alice.local, NOW, NULL), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_serialize(p.alice_record, &filled), HUSH_RESULT_OK);
    ptr = filled.ptr;
    len = filled.len;
    CHECK_RC(hush_session_record_serialize(p.alice_record, &filled), HUSH_RESULT_OUTPUT_NOT_EMPTY);
    CHECK(filled.ptr == ptr && filled.len == len);
    CHECK(last_error_contains("not an empty hush_buffer"));
    CHECK(strcmp(hush_result_str(HUSH_RESULT_OUTPUT_NOT_EMPTY), "unknown hush_result") != 0);
    /* Encrypting into it: refused, and the session does not advance. */
    CHECK_RC(hush_session_encrypt(p.alice_record, (const uint8_t *)"x", 1, p.alice.address, p.bob.address, NOW, NULL,
                                  &type, &filled),
             HUSH_RESULT_OUTPUT_NOT_EMPTY);
    CHECK(type == 0 && filled.ptr == ptr && record_is(p.alice_record, &filled));
    hush_buffer_free(&filled);
    CHECK(filled.ptr == NULL && filled.len == 0);
    CHECK_RC(hush_session_encrypt(p.alice_record, (const uint8_t *)"x", 1, p.alice.address, p.bob.address, NOW, NULL,
                                  &type, &filled),
             HUSH_RESULT_OK);
    CHECK(type == HUSH_MESSAGE_TYPE_PREKEY && filled.len > 0);
    hush_buffer_free(&filled);
    pair_free(&p);
}

static void test_free_is_null_safe(void) {
    hush_session_record_free(NULL);
    hush_local_identity_free(NULL);
    hush_protocol_address_free(NULL);
    hush_prekey_message_free(NULL);
    CHECK(1);
}

int main(void) {
    test_result_codes();
    test_addresses_and_identities();
    test_conversation();
    test_prekey_refusals();
    test_identity_swap();
    test_output_buffer_rule();
    test_last_resort_replay();
    test_random_source();
    test_stale_session();
    test_stored_records();
    test_null_arguments();
    test_free_is_null_safe();

    printf("%d passed, %d failed\n", passed, failed);
    /* Flush before LeakSanitizer, which reports from an exit handler and
     * then leaves with _exit, could drop buffered output. */
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
