/*
 * C test of the hush group ABI (sender keys): a three-member group driven
 * the way an application does it. Every member keeps one record per
 * (sender, distribution): its own to send, one per other member to
 * receive, and persists them; there are no store callbacks.
 *
 * Each member creates its sender key and hands its distribution message to
 * the other two (in an application that goes inside a 1:1 session message,
 * as test_session.c shows; here the bytes are handed over directly). Then
 * everyone encrypts and the other two decrypt, in order and out of order;
 * duplicates, tampered, truncated and garbage messages, a message routed to
 * the wrong record and a failing random source are refused with the records
 * byte-identical and outputs untouched; records are serialized and reloaded
 * mid-conversation; a late joiner reads only from its distribution message
 * on; a sender rotates to a new sender key while a message of the old one
 * is in flight; NULL arguments; everything is freed (ASan leak check,
 * Valgrind).
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

static int untouched(const hush_buffer *buf) {
    return buf->ptr == NULL && buf->len == 7;
}

static int buffer_is(const hush_buffer *buf, const void *bytes, size_t len) {
    return buf->len == len && (len == 0 || (buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0));
}

static int buffer_is_text(const hush_buffer *buf, const char *text) {
    return buffer_is(buf, text, strlen(text));
}

static int last_error_contains(const char *needle) {
    char msg[256];
    hush_last_error_message(msg, sizeof msg);
    return strstr(msg, needle) != NULL;
}

/* A copy of `len` bytes the caller may modify and must free(). */
static uint8_t *copy_bytes(const uint8_t *bytes, size_t len) {
    uint8_t *copy = malloc(len == 0 ? 1 : len);
    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    memcpy(copy, bytes, len);
    return copy;
}

static hush_buffer record_bytes(const hush_sender_key_record *record) {
    hush_buffer out = {0};
    CHECK_RC(hush_sender_key_record_serialize(record, &out), HUSH_RESULT_OK);
    return out;
}

/* Whether the record serializes to exactly `expected`. */
static int record_is(const hush_sender_key_record *record, const hush_buffer *expected) {
    hush_buffer now = record_bytes(record);
    int same = buffer_is(&now, expected->ptr, expected->len);
    hush_buffer_free(&now);
    return same;
}

/* Stores the record and loads it back, as an application does between
 * messages; the reloaded record serializes to the same bytes. */
static hush_sender_key_record *reload(hush_sender_key_record *record) {
    hush_buffer stored = record_bytes(record);
    hush_sender_key_record *loaded = NULL;
    CHECK_RC(hush_sender_key_record_deserialize(stored.ptr, stored.len, &loaded), HUSH_RESULT_OK);
    CHECK(loaded != NULL && record_is(loaded, &stored));
    hush_buffer_free(&stored);
    hush_sender_key_record_free(record);
    return loaded;
}

/* A random source that fails on every call. */
static int failing_fill(void *ctx, uint8_t *buf, size_t len) {
    (void)ctx;
    memset(buf, 0xee, len);
    return -1;
}

static const char GROUP_TEXT[] = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";

static hush_distribution_id group_id(void) {
    hush_distribution_id id;
    memset(&id, 0, sizeof id);
    CHECK_RC(hush_distribution_id_parse((const uint8_t *)GROUP_TEXT, strlen(GROUP_TEXT), &id), HUSH_RESULT_OK);
    return id;
}

/* ------------------------------------------------------------- members */

#define MEMBERS 4 /* A, B, C, and D who joins late */

typedef struct {
    const char *name;
    /* Our own sender key for the group. */
    hush_sender_key_record *own;
    /* from[j]: member j's sender key, as we received it (NULL for ourselves
     * and for members we have no record of yet). */
    hush_sender_key_record *from[MEMBERS];
} member;

static void member_init(member *m, const char *name) {
    memset(m, 0, sizeof *m);
    m->name = name;
    CHECK_RC(hush_sender_key_record_new(&m->own), HUSH_RESULT_OK);
}

static void member_free(member *m) {
    size_t j;
    hush_sender_key_record_free(m->own);
    for (j = 0; j < MEMBERS; j++) {
        hush_sender_key_record_free(m->from[j]);
    }
    memset(m, 0, sizeof *m);
}

/* `sender` (index s) creates (or re-creates) its distribution message and
 * hands the bytes to each listed member, who checks and processes them.
 * Returns the iteration the message starts at. */
static uint32_t distribute(member *group, size_t s, const size_t *to, size_t count) {
    hush_sender_key_distribution_message *skdm = NULL;
    hush_buffer wire = {0};
    uint32_t chain_id = 0, iteration = 99;
    size_t i;
    hush_distribution_id expected = group_id();

    CHECK_RC(hush_group_create_distribution(group[s].own, expected, NULL, &skdm), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_key_distribution_message_get_chain_id(skdm, &chain_id), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_key_distribution_message_get_iteration(skdm, &iteration), HUSH_RESULT_OK);
    CHECK(chain_id < 0x80000000u); /* 31-bit chain IDs */
    CHECK_RC(hush_sender_key_distribution_message_serialize(skdm, &wire), HUSH_RESULT_OK);
    CHECK(wire.len >= 65 && wire.ptr[0] == 0x33);
    hush_sender_key_distribution_message_free(skdm);

    for (i = 0; i < count; i++) {
        member *r = &group[to[i]];
        hush_sender_key_distribution_message *received = NULL;
        hush_distribution_id id;
        hush_public_key *signing = NULL;
        uint32_t got_chain = 0, got_iteration = 0;
        CHECK_RC(hush_sender_key_distribution_message_deserialize(wire.ptr, wire.len, &received), HUSH_RESULT_OK);
        CHECK_RC(hush_sender_key_distribution_message_get_distribution_id(received, &id), HUSH_RESULT_OK);
        CHECK(memcmp(id.bytes, expected.bytes, 16) == 0);
        CHECK_RC(hush_sender_key_distribution_message_get_chain_id(received, &got_chain), HUSH_RESULT_OK);
        CHECK_RC(hush_sender_key_distribution_message_get_iteration(received, &got_iteration), HUSH_RESULT_OK);
        CHECK(got_chain == chain_id && got_iteration == iteration);
        CHECK_RC(hush_sender_key_distribution_message_get_signing_key(received, &signing), HUSH_RESULT_OK);
        CHECK(signing != NULL);
        hush_public_key_free(signing);
        if (r->from[s] == NULL) {
            CHECK_RC(hush_sender_key_record_new(&r->from[s]), HUSH_RESULT_OK);
        }
        CHECK_RC(hush_group_process_distribution(r->from[s], received), HUSH_RESULT_OK);
        hush_sender_key_distribution_message_free(received);
    }
    hush_buffer_free(&wire);
    return iteration;
}

/* Member s encrypts `text` for the group. */
static hush_buffer gsend(member *group, size_t s, const char *text) {
    hush_buffer out = {0};
    CHECK_RC(hush_group_encrypt(group[s].own, group_id(), (const uint8_t *)text, strlen(text), NULL, &out),
             HUSH_RESULT_OK);
    CHECK(out.len >= 65 + 16 && out.ptr[0] == 0x33);
    return out;
}

/* Member r receives a group message from member s: routes it by its
 * distribution ID, decrypts it with the record for (s, group), and checks
 * the plaintext. Returns whether it decrypted to `text`. */
static int greceive(member *group, size_t r, size_t s, const hush_buffer *message, const char *text) {
    hush_sender_key_message *parsed = NULL;
    hush_distribution_id id;
    hush_buffer plaintext = {0};
    hush_distribution_id expected = group_id();
    int ok;

    CHECK_RC(hush_sender_key_message_deserialize(message->ptr, message->len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_key_message_get_distribution_id(parsed, &id), HUSH_RESULT_OK);
    CHECK(memcmp(id.bytes, expected.bytes, 16) == 0);
    hush_sender_key_message_free(parsed);
    if (group[r].from[s] == NULL) {
        return 0;
    }
    ok = hush_group_decrypt(group[r].from[s], message->ptr, message->len, &plaintext) == HUSH_RESULT_OK &&
         buffer_is_text(&plaintext, text);
    hush_buffer_free(&plaintext);
    return ok;
}

/* The last error message of the last refused decryption. */
static char refusal[256];

static int refusal_contains(const char *needle) {
    return strstr(refusal, needle) != NULL;
}

/* Decrypting `bytes` with `record` fails with `expected`, leaves the record
 * byte-identical and writes nothing. */
static int refuses(hush_sender_key_record *record, const uint8_t *bytes, size_t len, hush_result expected) {
    hush_buffer before = record_bytes(record);
    hush_buffer out = SENTINEL_BUFFER;
    hush_result rc = hush_group_decrypt(record, bytes, len, &out);
    int ok;
    hush_last_error_message(refusal, sizeof refusal);
    ok = rc == expected && untouched(&out) && record_is(record, &before);
    if (!ok) {
        fprintf(stderr, "    refuses: got %u (%s), expected %u (%s)\n", (unsigned)rc, hush_result_str(rc),
                (unsigned)expected, hush_result_str(expected));
    }
    hush_buffer_free(&before);
    return ok;
}

/* --------------------------------------------------------------- tests */

static void test_result_codes(void) {
    const hush_result codes[] = {
        HUSH_RESULT_NO_SENDER_KEY_STATE,          HUSH_RESULT_INVALID_SENDER_KEY_SESSION,
        HUSH_RESULT_SENDER_KEY_CHAIN_EXHAUSTED,   HUSH_RESULT_SENDER_KEY_VERSION_MISMATCH,
        HUSH_RESULT_SENDER_KEY_TOO_FAR_IN_FUTURE, HUSH_RESULT_SENDER_KEY_DECRYPTION_FAILED,
    };
    size_t i, j;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(codes[i] >= 800 && codes[i] <= 849);
        CHECK(strcmp(hush_result_str(codes[i]), "unknown hush_result") != 0);
        for (j = 0; j < i; j++) {
            CHECK(codes[i] != codes[j] && strcmp(hush_result_str(codes[i]), hush_result_str(codes[j])) != 0);
        }
    }
    CHECK(HUSH_MESSAGE_TYPE_SENDER_KEY == 7);
}

static void test_distribution_ids(void) {
    hush_distribution_id id = group_id();
    hush_distribution_id other;
    const uint8_t expected[16] = {0xd1, 0xd1, 0xd1, 0xd1, 0x70, 0x00, 0x11, 0xeb,
                                  0xb3, 0x2a, 0x33, 0xb8, 0xa8, 0xa4, 0x87, 0xa6};
    const char upper[] = "D1D1D1D1-7000-11EB-B32A-33B8A8A487A6";
    const char *bad[] = {"", "d1d1d1d1700011ebb32a33b8a8a487a6", "d1d1d1d1-7000-11eb-b32a-33b8a8a487a",
                         "d1d1d1d1-7000-11eb-b32a-33b8a8a487ag", "d1d1d1d1_7000-11eb-b32a-33b8a8a487a6"};
    size_t i;
    CHECK(memcmp(id.bytes, expected, 16) == 0);
    CHECK_RC(hush_distribution_id_parse((const uint8_t *)upper, strlen(upper), &other), HUSH_RESULT_OK);
    CHECK(memcmp(other.bytes, expected, 16) == 0);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&other, 0x55, sizeof other);
        CHECK_RC(hush_distribution_id_parse((const uint8_t *)bad[i], strlen(bad[i]), &other),
                 HUSH_RESULT_INVALID_ARGUMENT);
        CHECK(other.bytes[0] == 0x55 && other.bytes[15] == 0x55);
    }
}

static void test_three_members(void) {
    member group[MEMBERS];
    const char *names[MEMBERS] = {"A", "B", "C", "D"};
    const size_t to_bc[] = {1, 2}, to_ac[] = {0, 2}, to_ab[] = {0, 1}, to_d[] = {3}, to_b[] = {1};
    hush_buffer burst[10];
    char text[64];
    size_t i, s, r, round;
    uint32_t late_iteration, count = 0;
    size_t states = 0;

    for (i = 0; i < MEMBERS; i++) {
        member_init(&group[i], names[i]);
    }

    /* An empty record cannot send yet. */
    {
        hush_buffer out = SENTINEL_BUFFER;
        CHECK_RC(hush_group_encrypt(group[0].own, group_id(), (const uint8_t *)"x", 1, NULL, &out),
                 HUSH_RESULT_NO_SENDER_KEY_STATE);
        CHECK(untouched(&out) && last_error_contains("missing sender key state"));
    }

    /* Each member distributes its sender key to the other two. */
    CHECK(distribute(group, 0, to_bc, 2) == 0);
    CHECK(distribute(group, 1, to_ac, 2) == 0);
    CHECK(distribute(group, 2, to_ab, 2) == 0);

    /* Five rounds: everyone encrypts, the other two decrypt. */
    for (round = 0; round < 5; round++) {
        for (s = 0; s < 3; s++) {
            hush_buffer m;
            snprintf(text, sizeof text, "%s says %u", names[s], (unsigned)round);
            m = gsend(group, s, text);
            for (r = 0; r < 3; r++) {
                if (r != s) {
                    CHECK(greceive(group, r, s, &m, text));
                }
            }
            hush_buffer_free(&m);
        }
    }

    /* Out of order: A sends ten; B gets them last-first, C in a shuffled
     * order; each decrypts exactly once. */
    {
        const size_t shuffled[10] = {7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
        for (i = 0; i < 10; i++) {
            snprintf(text, sizeof text, "burst %u", (unsigned)i);
            burst[i] = gsend(group, 0, text);
        }
        for (i = 10; i-- > 0;) {
            snprintf(text, sizeof text, "burst %u", (unsigned)i);
            CHECK(greceive(group, 1, 0, &burst[i], text));
        }
        for (i = 0; i < 10; i++) {
            snprintf(text, sizeof text, "burst %u", (unsigned)shuffled[i]);
            CHECK(greceive(group, 2, 0, &burst[shuffled[i]], text));
        }
    }

    /* Duplicates, tampering, truncation, garbage, another version, the
     * wrong record: all refused, records byte-identical. */
    {
        uint8_t *bad = copy_bytes(burst[3].ptr, burst[3].len);
        size_t len = burst[3].len;
        const uint8_t garbage[80] = {0x33, 0xff, 0xff, 0xff};
        hush_sender_key_message *parsed = NULL;
        hush_sender_key_message *not_parsed = SENTINEL;

        CHECK(refuses(group[1].from[0], burst[3].ptr, burst[3].len, HUSH_RESULT_DUPLICATED_MESSAGE));
        CHECK(refusal_contains("message with old counter"));
        CHECK(refuses(group[2].from[0], burst[9].ptr, burst[9].len, HUSH_RESULT_DUPLICATED_MESSAGE));
        bad[len / 2] ^= 0x01; /* body */
        CHECK(refuses(group[1].from[0], bad, len, HUSH_RESULT_SIGNATURE_VALIDATION_FAILED));
        bad[len / 2] ^= 0x01;
        bad[len - 1] ^= 0x80; /* the signature's last byte */
        CHECK(refuses(group[1].from[0], bad, len, HUSH_RESULT_SIGNATURE_VALIDATION_FAILED));
        bad[len - 1] ^= 0x80;
        CHECK(refuses(group[1].from[0], bad, 64, HUSH_RESULT_MESSAGE_TOO_SHORT));
        CHECK(refuses(group[1].from[0], NULL, 0, HUSH_RESULT_MESSAGE_TOO_SHORT));
        bad[0] = 0x43;
        CHECK(refuses(group[1].from[0], bad, len, HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION));
        bad[0] = 0x23;
        CHECK(refuses(group[1].from[0], bad, len, HUSH_RESULT_MESSAGE_LEGACY_VERSION));
        CHECK(refuses(group[1].from[0], garbage, sizeof garbage, HUSH_RESULT_INVALID_PROTOBUF));
        CHECK_RC(hush_sender_key_message_deserialize(garbage, sizeof garbage, &not_parsed),
                 HUSH_RESULT_INVALID_PROTOBUF);
        CHECK(not_parsed == SENTINEL);
        /* A's message given to B's record of C: no such chain there. */
        CHECK(refuses(group[1].from[2], burst[3].ptr, burst[3].len, HUSH_RESULT_NO_SENDER_KEY_STATE));
        CHECK(refusal_contains("missing sender key state for distribution ID d1d1d1d1-7000"));
        /* Parsing still works on the original. */
        CHECK_RC(hush_sender_key_message_deserialize(burst[3].ptr, burst[3].len, &parsed), HUSH_RESULT_OK);
        CHECK_RC(hush_sender_key_message_get_iteration(parsed, &count), HUSH_RESULT_OK);
        CHECK(count == 3 + 5); /* five rounds before the burst */
        hush_sender_key_message_free(parsed);
        free(bad);
    }

    /* A receive-only record cannot send. */
    {
        hush_buffer before = record_bytes(group[1].from[0]);
        hush_buffer out = SENTINEL_BUFFER;
        CHECK_RC(hush_group_encrypt(group[1].from[0], group_id(), (const uint8_t *)"x", 1, NULL, &out),
                 HUSH_RESULT_INVALID_SENDER_KEY_SESSION);
        CHECK(untouched(&out) && record_is(group[1].from[0], &before));
        hush_buffer_free(&before);
    }

    /* A failing random source: nothing sent, nothing changed. */
    {
        hush_rng *broken = NULL;
        hush_buffer before = record_bytes(group[0].own);
        hush_buffer out = SENTINEL_BUFFER;
        hush_sender_key_record *fresh = NULL;
        hush_sender_key_distribution_message *not_made = SENTINEL;
        CHECK_RC(hush_rng_new(failing_fill, NULL, &broken), HUSH_RESULT_OK);
        CHECK_RC(hush_group_encrypt(group[0].own, group_id(), (const uint8_t *)"x", 1, broken, &out),
                 HUSH_RESULT_RANDOM_SOURCE_FAILURE);
        CHECK(untouched(&out) && record_is(group[0].own, &before));
        CHECK_RC(hush_sender_key_record_new(&fresh), HUSH_RESULT_OK);
        CHECK_RC(hush_group_create_distribution(fresh, group_id(), broken, &not_made),
                 HUSH_RESULT_RANDOM_SOURCE_FAILURE);
        CHECK_RC(hush_sender_key_record_get_state_count(fresh, &states), HUSH_RESULT_OK);
        CHECK(not_made == SENTINEL && states == 0);
        hush_sender_key_record_free(fresh);
        hush_rng_free(broken);
        hush_buffer_free(&before);
    }

    /* Everyone stores and reloads every record; the conversation goes on. */
    for (i = 0; i < 3; i++) {
        group[i].own = reload(group[i].own);
        for (s = 0; s < 3; s++) {
            if (group[i].from[s] != NULL) {
                group[i].from[s] = reload(group[i].from[s]);
            }
        }
    }
    for (s = 0; s < 3; s++) {
        hush_buffer m;
        snprintf(text, sizeof text, "%s after reload", names[s]);
        m = gsend(group, s, text);
        for (r = 0; r < 3; r++) {
            if (r != s) {
                CHECK(greceive(group, r, s, &m, text));
            }
        }
        hush_buffer_free(&m);
    }

    /* Late joiner: A's distribution message now starts at its current
     * iteration, so D cannot read A's earlier messages, but reads new ones. */
    late_iteration = distribute(group, 0, to_d, 1);
    CHECK(late_iteration == 5 + 10 + 1);
    CHECK(refuses(group[3].from[0], burst[9].ptr, burst[9].len, HUSH_RESULT_DUPLICATED_MESSAGE));
    {
        hush_buffer m = gsend(group, 0, "welcome D");
        CHECK(greceive(group, 3, 0, &m, "welcome D"));
        CHECK(greceive(group, 1, 0, &m, "welcome D"));
        CHECK(greceive(group, 2, 0, &m, "welcome D"));
        hush_buffer_free(&m);
    }
    /* D has no record of B: the application finds none to decrypt with. */
    {
        hush_buffer m = gsend(group, 1, "B to all");
        CHECK(!greceive(group, 3, 1, &m, "B to all"));
        CHECK(greceive(group, 0, 1, &m, "B to all"));
        hush_buffer_free(&m);
    }

    /* Rotation: A drops its sender key (D left) and distributes a new one to
     * B only; a message of the old chain still in flight decrypts at B. */
    {
        hush_buffer in_flight = gsend(group, 0, "old chain");
        hush_buffer fresh;
        hush_sender_key_record_free(group[0].own);
        CHECK_RC(hush_sender_key_record_new(&group[0].own), HUSH_RESULT_OK);
        CHECK(distribute(group, 0, to_b, 1) == 0);
        CHECK_RC(hush_sender_key_record_get_state_count(group[1].from[0], &states), HUSH_RESULT_OK);
        CHECK(states == 2);
        fresh = gsend(group, 0, "new chain");
        CHECK(greceive(group, 1, 0, &fresh, "new chain"));
        CHECK(greceive(group, 1, 0, &in_flight, "old chain"));
        /* C and D were not given the new key. */
        CHECK(refuses(group[2].from[0], fresh.ptr, fresh.len, HUSH_RESULT_NO_SENDER_KEY_STATE));
        CHECK(refuses(group[3].from[0], fresh.ptr, fresh.len, HUSH_RESULT_NO_SENDER_KEY_STATE));
        hush_buffer_free(&in_flight);
        hush_buffer_free(&fresh);
    }

    for (i = 0; i < 10; i++) {
        hush_buffer_free(&burst[i]);
    }
    for (i = 0; i < MEMBERS; i++) {
        member_free(&group[i]);
    }
}

static void test_stored_records(void) {
    hush_sender_key_record *record = NULL, *loaded = SENTINEL;
    hush_sender_key_distribution_message *skdm = NULL;
    hush_buffer stored;
    uint8_t *bad;
    size_t i, count = 9;
    int invalid = 0;

    CHECK_RC(hush_sender_key_record_new(&record), HUSH_RESULT_OK);
    CHECK_RC(hush_group_create_distribution(record, group_id(), NULL, &skdm), HUSH_RESULT_OK);
    stored = record_bytes(record);
    CHECK(stored.len > 2 && stored.ptr[0] == 1 && stored.ptr[1] == 6); /* format 1, kind 6 */

    CHECK_RC(hush_sender_key_record_deserialize(stored.ptr, 1, &loaded), HUSH_RESULT_STATE_TRUNCATED);
    bad = copy_bytes(stored.ptr, stored.len);
    bad[0] = 0xee;
    CHECK_RC(hush_sender_key_record_deserialize(bad, stored.len, &loaded), HUSH_RESULT_STATE_UNSUPPORTED_VERSION);
    bad[0] = 1;
    bad[1] = 1; /* a session record's kind */
    CHECK_RC(hush_sender_key_record_deserialize(bad, stored.len, &loaded), HUSH_RESULT_STATE_WRONG_KIND);
    bad[1] = 6;
    /* Cut or flipped payloads fail to load (or load as a different, valid
     * record); none crashes. */
    for (i = 2; i < stored.len; i++) {
        hush_sender_key_record *maybe = NULL;
        hush_result rc;
        bad[i] ^= 0x20;
        rc = hush_sender_key_record_deserialize(bad, stored.len, &maybe);
        invalid += rc == HUSH_RESULT_STATE_INVALID;
        CHECK(rc == HUSH_RESULT_OK || rc == HUSH_RESULT_STATE_INVALID);
        hush_sender_key_record_free(maybe);
        bad[i] ^= 0x20;
    }
    CHECK(invalid > 0);
    CHECK(loaded == SENTINEL);
    CHECK_RC(hush_sender_key_record_deserialize(stored.ptr, stored.len - 1, &loaded), HUSH_RESULT_STATE_INVALID);
    CHECK(loaded == SENTINEL);

    /* An empty record stores as just the header and loads back empty. */
    {
        hush_sender_key_record *empty = NULL;
        hush_buffer header = {0};
        CHECK_RC(hush_sender_key_record_new(&empty), HUSH_RESULT_OK);
        header = record_bytes(empty);
        CHECK(header.len == 2);
        hush_sender_key_record_free(empty);
        empty = NULL;
        CHECK_RC(hush_sender_key_record_deserialize(header.ptr, header.len, &empty), HUSH_RESULT_OK);
        CHECK_RC(hush_sender_key_record_get_state_count(empty, &count), HUSH_RESULT_OK);
        CHECK(count == 0);
        hush_sender_key_record_free(empty);
        hush_buffer_free(&header);
    }

    free(bad);
    hush_buffer_free(&stored);
    hush_sender_key_distribution_message_free(skdm);
    hush_sender_key_record_free(record);
}

static void test_distribution_message_refusals(void) {
    hush_sender_key_record *record = NULL;
    hush_sender_key_distribution_message *skdm = NULL, *not_made = SENTINEL;
    hush_buffer wire = {0};
    uint8_t *bad;

    CHECK_RC(hush_sender_key_record_new(&record), HUSH_RESULT_OK);
    CHECK_RC(hush_group_create_distribution(record, group_id(), NULL, &skdm), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_key_distribution_message_serialize(skdm, &wire), HUSH_RESULT_OK);
    bad = copy_bytes(wire.ptr, wire.len);

    CHECK_RC(hush_sender_key_distribution_message_deserialize(bad, 64, &not_made), HUSH_RESULT_MESSAGE_TOO_SHORT);
    bad[0] = 0x43;
    CHECK_RC(hush_sender_key_distribution_message_deserialize(bad, wire.len, &not_made),
             HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION);
    bad[0] = 0x33;
    bad[wire.len - 33] = 0x06; /* the signing key's type byte */
    CHECK_RC(hush_sender_key_distribution_message_deserialize(bad, wire.len, &not_made), HUSH_RESULT_BAD_KEY_TYPE);
    CHECK(not_made == SENTINEL);

    free(bad);
    hush_buffer_free(&wire);
    hush_sender_key_distribution_message_free(skdm);
    hush_sender_key_record_free(record);
}

static void test_null_arguments(void) {
    hush_sender_key_record *record = NULL, *record_not_made = SENTINEL;
    hush_sender_key_distribution_message *skdm = NULL, *skdm_not_made = SENTINEL;
    hush_sender_key_message *message = NULL, *message_not_made = SENTINEL;
    hush_public_key *key_not_made = SENTINEL;
    hush_buffer ct = {0}, out = SENTINEL_BUFFER;
    hush_distribution_id id = group_id();
    uint32_t value = 99;
    size_t count = 99;
    hush_buffer before;

    CHECK_RC(hush_sender_key_record_new(&record), HUSH_RESULT_OK);
    CHECK_RC(hush_group_create_distribution(record, id, NULL, &skdm), HUSH_RESULT_OK);
    CHECK_RC(hush_group_encrypt(record, id, (const uint8_t *)"hi", 2, NULL, &ct), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_key_message_deserialize(ct.ptr, ct.len, &message), HUSH_RESULT_OK);
    before = record_bytes(record);

    CHECK_RC(hush_distribution_id_parse((const uint8_t *)GROUP_TEXT, strlen(GROUP_TEXT), NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_distribution_id_parse(NULL, 36, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_new(NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_serialize(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_serialize(record, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_deserialize(before.ptr, before.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_deserialize(NULL, 5, &record_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_get_state_count(NULL, &count), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_record_get_state_count(record, NULL), HUSH_RESULT_NULL_ARGUMENT);

    CHECK_RC(hush_sender_key_distribution_message_deserialize(NULL, 96, &skdm_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_deserialize(ct.ptr, ct.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_serialize(NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_serialize(skdm, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_distribution_id(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_distribution_id(skdm, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_chain_id(NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_chain_id(skdm, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_iteration(NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_iteration(skdm, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_signing_key(NULL, &key_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_distribution_message_get_signing_key(skdm, NULL), HUSH_RESULT_NULL_ARGUMENT);

    CHECK_RC(hush_sender_key_message_deserialize(NULL, 80, &message_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_deserialize(ct.ptr, ct.len, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_distribution_id(NULL, &id), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_distribution_id(message, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_chain_id(NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_chain_id(message, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_iteration(NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_key_message_get_iteration(message, NULL), HUSH_RESULT_NULL_ARGUMENT);

    CHECK_RC(hush_group_create_distribution(NULL, id, NULL, &skdm_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_create_distribution(record, id, NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_process_distribution(NULL, skdm), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_process_distribution(record, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_encrypt(NULL, id, (const uint8_t *)"x", 1, NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_encrypt(record, id, NULL, 1, NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_encrypt(record, id, (const uint8_t *)"x", 1, NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_decrypt(NULL, ct.ptr, ct.len, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_decrypt(record, NULL, ct.len, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_group_decrypt(record, ct.ptr, ct.len, NULL), HUSH_RESULT_NULL_ARGUMENT);

    CHECK(record_not_made == SENTINEL && skdm_not_made == SENTINEL && message_not_made == SENTINEL);
    CHECK(key_not_made == SENTINEL && value == 99 && count == 99 && untouched(&out));
    CHECK(record_is(record, &before));

    /* An empty plaintext is fine (NULL with length 0). */
    {
        hush_buffer empty_ct = {0};
        CHECK_RC(hush_group_encrypt(record, id, NULL, 0, NULL, &empty_ct), HUSH_RESULT_OK);
        CHECK(empty_ct.len == ct.len); /* "hi" and "" both pad to one block */
        hush_buffer_free(&empty_ct);
    }

    hush_buffer_free(&before);
    hush_buffer_free(&ct);
    hush_sender_key_message_free(message);
    hush_sender_key_distribution_message_free(skdm);
    hush_sender_key_record_free(record);
}

static void test_free_is_null_safe(void) {
    hush_sender_key_record_free(NULL);
    hush_sender_key_distribution_message_free(NULL);
    hush_sender_key_message_free(NULL);
    CHECK(1);
}

int main(void) {
    test_result_codes();
    test_distribution_ids();
    test_three_members();
    test_stored_records();
    test_distribution_message_refusals();
    test_null_arguments();
    test_free_is_null_safe();

    printf("%d passed, %d failed\n", passed, failed);
    /* Flush before LeakSanitizer, which reports from an exit handler and
     * then leaves with _exit, could drop buffered output. */
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
