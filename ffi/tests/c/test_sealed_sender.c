/*
 * C test of the hush sealed-sender ABI, the way an application and a
 * server drive it:
 *
 * - the service makes a trust root, a server certificate and short-lived
 *   sender certificates; they serialize, parse and validate against one or
 *   several trust roots, until and not after their expiration;
 * - v1: Alice seals 1:1 messages to Bob (a PreKey message, then Whisper
 *   messages after Bob's sealed reply); Bob receives (unseal, validate,
 *   self-send check), reads the PreKey message's pre-key IDs, decrypts with
 *   his session record and deletes the consumed one-time pre-key;
 * - v2: Alice seals one message for Bob's two devices and Carol with one
 *   excluded member; the server parses the SentMessage and fans it out;
 *   every device opens its ReceivedMessage and none opens another's; a v2
 *   message carries a 1:1 inner message Bob decrypts;
 * - refusals: tampered v1 and v2 messages, an expired certificate, a wrong
 *   trust root, our own message, a duplicate, garbage, a registration ID
 *   beyond 14 bits, a sender-key content handed to 1:1 decryption; every
 *   refused receive leaves the session record byte-identical and its
 *   outputs untouched;
 * - trust before commit: the trusted identity argument refuses or accepts,
 *   and a certificate never vouches for a session of another identity;
 * - NULL arguments, and everything freed (ASan leak check, Valgrind).
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
static const char CAROL_NAME[] = "3f1c7a52-0b6e-4f3a-9a51-2d4e6b8c9d10";
static const char EXCLUDED_NAME[] = "PNI:0c4adf50-3e58-49bc-ac8a-7dd789b9a092";
static const char ALICE_E164[] = "+14155550100";

static int buffer_is(const hush_buffer *buf, const void *bytes, size_t len) {
    return buf->len == len && (len == 0 || (buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0));
}

static int buffers_equal(const hush_buffer *a, const hush_buffer *b) {
    return buffer_is(b, a->ptr, a->len);
}

static int buffer_is_text(const hush_buffer *buf, const char *text) {
    return buffer_is(buf, text, strlen(text));
}

static int untouched(const hush_buffer *buf) {
    return buf->ptr == NULL && buf->len == 7;
}

static hush_buffer record_bytes(const hush_session_record *record) {
    hush_buffer out = {0};
    CHECK_RC(hush_session_record_serialize(record, &out), HUSH_RESULT_OK);
    return out;
}

static int record_is(const hush_session_record *record, const hush_buffer *expected) {
    hush_buffer now = record_bytes(record);
    int same = buffers_equal(expected, &now);
    hush_buffer_free(&now);
    return same;
}

/* A copy of a buffer's bytes the caller may modify and must free(). */
static uint8_t *copy_of(const hush_buffer *buf) {
    uint8_t *copy = malloc(buf->len);
    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    memcpy(copy, buf->ptr, buf->len);
    return copy;
}

/* ------------------------------------------------------------ the service */

typedef struct {
    hush_private_key *root;
    hush_public_key *root_public;
    hush_private_key *other_root;
    hush_public_key *other_root_public;
    hush_private_key *server_key;
    hush_server_certificate *server;
} service;

static void service_init(service *s) {
    hush_public_key *server_public = NULL;
    memset(s, 0, sizeof *s);
    CHECK_RC(hush_private_key_generate(NULL, &s->root), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(s->root, &s->root_public), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_generate(NULL, &s->other_root), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(s->other_root, &s->other_root_public), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_generate(NULL, &s->server_key), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(s->server_key, &server_public), HUSH_RESULT_OK);
    CHECK_RC(hush_server_certificate_new(7, server_public, s->root, NULL, &s->server), HUSH_RESULT_OK);
    hush_public_key_free(server_public);
}

static void service_free(service *s) {
    hush_private_key_free(s->root);
    hush_public_key_free(s->root_public);
    hush_private_key_free(s->other_root);
    hush_public_key_free(s->other_root_public);
    hush_private_key_free(s->server_key);
    hush_server_certificate_free(s->server);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ parties */

typedef struct {
    const char *name;
    uint32_t device_id;
    uint32_t registration_id;
    hush_identity_key_pair *identity;
    hush_public_key *identity_public;
    hush_local_identity *local;
    hush_protocol_address *address;
    hush_sender_certificate *certificate;
    hush_signed_prekey_record *signed_pre_key;
    hush_kyber_prekey_record *kyber_pre_key;
    hush_prekey_record *one_time; /* NULL once consumed */
} party;

/* A party with pre-keys and a sender certificate valid for a day. `identity`
 * is shared with another device of the same account, or NULL for new. */
static void party_init(party *p, const service *s, const char *name, uint32_t device_id, uint32_t registration_id,
                       const char *e164, const hush_identity_key_pair *identity) {
    memset(p, 0, sizeof *p);
    p->name = name;
    p->device_id = device_id;
    p->registration_id = registration_id;
    if (identity == NULL) {
        CHECK_RC(hush_identity_key_pair_generate(NULL, &p->identity), HUSH_RESULT_OK);
    } else {
        hush_buffer bytes = {0};
        CHECK_RC(hush_identity_key_pair_serialize(identity, &bytes), HUSH_RESULT_OK);
        CHECK_RC(hush_identity_key_pair_deserialize(bytes.ptr, bytes.len, &p->identity), HUSH_RESULT_OK);
        hush_buffer_free(&bytes);
    }
    CHECK_RC(hush_identity_key_pair_get_public_key(p->identity, &p->identity_public), HUSH_RESULT_OK);
    CHECK_RC(hush_local_identity_new(p->identity, registration_id, &p->local), HUSH_RESULT_OK);
    CHECK_RC(hush_protocol_address_new((const uint8_t *)name, strlen(name), device_id, &p->address), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)name, strlen(name), (const uint8_t *)e164,
                                         e164 == NULL ? 0 : strlen(e164), device_id, p->identity_public, NOW + DAY,
                                         s->server, s->server_key, NULL, &p->certificate),
             HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_generate(11, NOW, p->identity, NULL, &p->signed_pre_key), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_generate(21, NOW, p->identity, NULL, &p->kyber_pre_key), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_generate(31, NULL, &p->one_time), HUSH_RESULT_OK);
}

static void party_free(party *p) {
    hush_identity_key_pair_free(p->identity);
    hush_public_key_free(p->identity_public);
    hush_local_identity_free(p->local);
    hush_protocol_address_free(p->address);
    hush_sender_certificate_free(p->certificate);
    hush_signed_prekey_record_free(p->signed_pre_key);
    hush_kyber_prekey_record_free(p->kyber_pre_key);
    hush_prekey_record_free(p->one_time);
    memset(p, 0, sizeof *p);
}

/* `owner`'s bundle as the server hands it out, with its one-time pre-key
 * while it has one, and the given registration ID. */
static hush_prekey_bundle *fetch_bundle(const party *owner, uint32_t registration_id) {
    hush_public_key *spk = NULL, *opk = NULL;
    hush_kem_public_key *kpk = NULL;
    hush_buffer spk_sig = {0}, kpk_sig = {0};
    hush_prekey_bundle *bundle = NULL;
    CHECK_RC(hush_signed_prekey_record_get_public_key(owner->signed_pre_key, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(owner->signed_pre_key, &spk_sig), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_public_key(owner->kyber_pre_key, &kpk), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_signature(owner->kyber_pre_key, &kpk_sig), HUSH_RESULT_OK);
    if (owner->one_time != NULL) {
        CHECK_RC(hush_prekey_record_get_public_key(owner->one_time, &opk), HUSH_RESULT_OK);
    }
    CHECK_RC(hush_prekey_bundle_new(registration_id, owner->device_id, opk == NULL ? 0 : 31, opk, 11, spk, spk_sig.ptr, spk_sig.len,
                                    21, kpk, kpk_sig.ptr, kpk_sig.len, owner->identity_public, &bundle),
             HUSH_RESULT_OK);
    hush_public_key_free(spk);
    hush_public_key_free(opk);
    hush_kem_public_key_free(kpk);
    hush_buffer_free(&spk_sig);
    hush_buffer_free(&kpk_sig);
    return bundle;
}

static hush_session_record *start_session(const party *from, const party *to, uint32_t registration_id) {
    hush_session_record *record = NULL;
    hush_prekey_bundle *bundle = fetch_bundle(to, registration_id);
    CHECK_RC(hush_session_record_new(&record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_initiate(record, bundle, from->local, NOW, NULL), HUSH_RESULT_OK);
    hush_prekey_bundle_free(bundle);
    return record;
}

/* `from` encrypts `text` with `record` and wraps it with its certificate. */
static hush_unidentified_content *inner_content(const party *from, const party *to, hush_session_record *record,
                                                const char *text, uint32_t hint) {
    hush_message_type type = 0;
    hush_buffer ciphertext = {0};
    hush_unidentified_content *content = NULL;
    CHECK_RC(hush_session_encrypt(record, (const uint8_t *)text, strlen(text), from->address, to->address, NOW, NULL,
                                  &type, &ciphertext),
             HUSH_RESULT_OK);
    CHECK_RC(hush_unidentified_content_new(type, from->certificate, ciphertext.ptr, ciphertext.len, hint, NULL, 0,
                                           &content),
             HUSH_RESULT_OK);
    hush_buffer_free(&ciphertext);
    return content;
}

static hush_buffer seal_v1(const party *from, const party *to, hush_session_record *record, const char *text) {
    hush_buffer sealed = {0};
    hush_unidentified_content *content = inner_content(from, to, record, text, HUSH_CONTENT_HINT_RESENDABLE);
    CHECK_RC(hush_sealed_sender_seal_v1(to->identity_public, content, from->identity, NULL, &sealed), HUSH_RESULT_OK);
    CHECK(sealed.len > 0 && sealed.ptr[0] == 0x11);
    hush_unidentified_content_free(content);
    return sealed;
}

/* The receive path for `me` at `now`: on success decrypts the 1:1 inner
 * message with `record` (spending `me`'s one-time pre-key if reported) and
 * checks the plaintext and sender. Returns the first failing code. */
static hush_result receive_1to1(party *me, const service *s, hush_session_record *record, const uint8_t *bytes,
                                size_t len, uint64_t now, const char *expected_text, const party *expected_sender) {
    const hush_public_key *roots[2];
    hush_verified_content *verified = (hush_verified_content *)SENTINEL;
    hush_protocol_address *sender = NULL;
    hush_prekey_message *prekey = NULL;
    hush_buffer plaintext = SENTINEL_BUFFER, name = {0};
    hush_consumed_prekeys consumed;
    hush_result rc;
    roots[0] = s->other_root_public;
    roots[1] = s->root_public;
    rc = hush_sealed_sender_receive(bytes, len, me->identity, roots, 2, now, me->address, NULL, 0, &verified);
    if (rc != HUSH_RESULT_OK) {
        CHECK(verified == (hush_verified_content *)SENTINEL);
        return rc;
    }
    CHECK_RC(hush_verified_content_get_sender_address(verified, &sender), HUSH_RESULT_OK);
    CHECK_RC(hush_protocol_address_get_name(sender, &name), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&name, expected_sender->name));
    hush_buffer_free(&name);
    hush_protocol_address_free(sender);
    /* A PreKey message names the pre-keys it needs (and its sender's
     * identity, to decide trust); a Whisper message is not one. */
    if (hush_verified_content_get_prekey_message(verified, &prekey) == HUSH_RESULT_OK) {
        hush_public_key *identity = NULL;
        hush_buffer theirs = {0}, certified = {0};
        CHECK_RC(hush_prekey_message_get_identity_key(prekey, &identity), HUSH_RESULT_OK);
        CHECK_RC(hush_public_key_serialize(identity, &theirs), HUSH_RESULT_OK);
        CHECK_RC(hush_public_key_serialize(expected_sender->identity_public, &certified), HUSH_RESULT_OK);
        CHECK(buffers_equal(&theirs, &certified));
        hush_buffer_free(&theirs);
        hush_buffer_free(&certified);
        hush_public_key_free(identity);
        hush_prekey_message_free(prekey);
    }
    rc = hush_verified_content_decrypt(verified, record, me->local, me->address, me->signed_pre_key,
                                       me->kyber_pre_key, me->one_time, expected_sender->identity_public, NULL,
                                       &plaintext, &consumed);
    if (rc == HUSH_RESULT_OK) {
        CHECK(buffer_is_text(&plaintext, expected_text));
        hush_buffer_free(&plaintext);
        if (consumed.new_session && consumed.has_one_time_pre_key) {
            CHECK(consumed.one_time_pre_key_id == 31);
            hush_prekey_record_free(me->one_time);
            me->one_time = NULL;
        }
    } else {
        CHECK(untouched(&plaintext));
    }
    hush_verified_content_free(verified);
    return rc;
}

/* ------------------------------------------------------------ tests */

static void test_result_codes(void) {
    CHECK(strcmp(hush_result_str(HUSH_RESULT_SEALED_SENDER_SELF_SEND), "sealed sender message from this device") == 0);
    CHECK(strcmp(hush_result_str(HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED), "sender certificate expired") == 0);
    CHECK(HUSH_RESULT_SEALED_SENDER_UNKNOWN_SERVER_CERTIFICATE_ID == 900);
    CHECK(HUSH_RESULT_SEALED_SENDER_SELF_SEND < 950);
    CHECK(strcmp(hush_result_str(949), "unknown hush_result") == 0);
}

static void test_certificates(void) {
    service s;
    hush_public_key *roots[2];
    hush_identity_key_pair *alice = NULL;
    hush_public_key *alice_public = NULL, *key = NULL;
    hush_sender_certificate *cert = NULL, *with_phone = NULL, *parsed = (hush_sender_certificate *)SENTINEL;
    hush_server_certificate *server = NULL;
    hush_buffer bytes = {0}, again = {0}, text = {0}, garbage = SENTINEL_BUFFER;
    uint32_t key_id = 0, device = 0;
    uint64_t expiration = 0;
    bool valid = false, present = true;

    service_init(&s);
    roots[0] = s.other_root_public;
    roots[1] = s.root_public;
    CHECK_RC(hush_server_certificate_get_key_id(s.server, &key_id), HUSH_RESULT_OK);
    CHECK(key_id == 7);
    CHECK_RC(hush_server_certificate_validate(s.server, (const hush_public_key *const *)&roots[1], 1, &valid),
             HUSH_RESULT_OK);
    CHECK(valid);
    CHECK_RC(hush_server_certificate_validate(s.server, (const hush_public_key *const *)roots, 1, &valid), HUSH_RESULT_OK);
    CHECK(!valid);
    CHECK_RC(hush_server_certificate_validate(s.server, (const hush_public_key *const *)roots, 2, &valid), HUSH_RESULT_OK);
    CHECK(valid);
    CHECK_RC(hush_server_certificate_serialize(s.server, &bytes), HUSH_RESULT_OK);
    CHECK_RC(hush_server_certificate_deserialize(bytes.ptr, bytes.len, &server), HUSH_RESULT_OK);
    CHECK_RC(hush_server_certificate_serialize(server, &again), HUSH_RESULT_OK);
    CHECK(buffers_equal(&bytes, &again));
    CHECK_RC(hush_server_certificate_get_key(server, &key), HUSH_RESULT_OK);
    hush_public_key_free(key);
    hush_buffer_free(&bytes);
    hush_buffer_free(&again);
    hush_server_certificate_free(server);
    server = NULL;

    CHECK_RC(hush_identity_key_pair_generate(NULL, &alice), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(alice, &alice_public), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), NULL, 0, 3, alice_public,
                                         NOW + DAY, s.server, s.server_key, NULL, &cert),
             HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), (const uint8_t *)ALICE_E164,
                                         strlen(ALICE_E164), 3, alice_public, NOW + DAY, s.server, s.server_key, NULL,
                                         &with_phone),
             HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_get_sender_uuid(cert, &text), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&text, ALICE_NAME));
    hush_buffer_free(&text);
    CHECK_RC(hush_sender_certificate_get_sender_e164(cert, &present, &text), HUSH_RESULT_OK);
    CHECK(!present && text.len == 0);
    CHECK_RC(hush_sender_certificate_get_sender_e164(with_phone, &present, &text), HUSH_RESULT_OK);
    CHECK(present && buffer_is_text(&text, ALICE_E164));
    hush_buffer_free(&text);
    CHECK_RC(hush_sender_certificate_get_device_id(cert, &device), HUSH_RESULT_OK);
    CHECK(device == 3);
    CHECK_RC(hush_sender_certificate_get_expiration(cert, &expiration), HUSH_RESULT_OK);
    CHECK(expiration == NOW + DAY);
    CHECK_RC(hush_sender_certificate_get_server_certificate(cert, &server), HUSH_RESULT_OK);
    CHECK_RC(hush_server_certificate_get_key_id(server, &key_id), HUSH_RESULT_OK);
    CHECK(key_id == 7);
    hush_server_certificate_free(server);

    /* Validation: until and including the expiration, under any of several
     * roots; not after it, nor under the wrong root, nor with no root. */
    CHECK_RC(hush_sender_certificate_validate(cert, (const hush_public_key *const *)roots, 2, NOW + DAY), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_validate(cert, (const hush_public_key *const *)roots, 2, NOW + DAY + 1),
             HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED);
    CHECK_RC(hush_sender_certificate_validate(cert, (const hush_public_key *const *)roots, 1, NOW),
             HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE);
    CHECK_RC(hush_sender_certificate_validate(cert, NULL, 0, NOW), HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE);

    /* Round trip, and garbage. */
    CHECK_RC(hush_sender_certificate_serialize(with_phone, &bytes), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_deserialize(bytes.ptr, bytes.len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_serialize(parsed, &again), HUSH_RESULT_OK);
    CHECK(buffers_equal(&bytes, &again));
    hush_sender_certificate_free(parsed);
    parsed = (hush_sender_certificate *)SENTINEL;
    CHECK_RC(hush_sender_certificate_deserialize(bytes.ptr, bytes.len / 2, &parsed), HUSH_RESULT_INVALID_PROTOBUF);
    CHECK(parsed == (hush_sender_certificate *)SENTINEL);
    CHECK_RC(hush_server_certificate_deserialize((const uint8_t *)"\x0a\x01", 2, &server), HUSH_RESULT_INVALID_PROTOBUF);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), NULL, 0, 128, alice_public,
                                         NOW, s.server, s.server_key, NULL, &parsed),
             HUSH_RESULT_INVALID_DEVICE_ID);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)"\xff", 1, NULL, 0, 1, alice_public, NOW, s.server,
                                         s.server_key, NULL, &parsed),
             HUSH_RESULT_INVALID_ARGUMENT);
    CHECK(parsed == (hush_sender_certificate *)SENTINEL);
    CHECK(untouched(&garbage));
    hush_buffer_free(&bytes);
    hush_buffer_free(&again);

    hush_sender_certificate_free(cert);
    hush_sender_certificate_free(with_phone);
    hush_public_key_free(alice_public);
    hush_identity_key_pair_free(alice);
    service_free(&s);
}

static void test_v1(void) {
    service s;
    party alice, bob;
    hush_session_record *alice_to_bob, *bob_from_alice = NULL, *alice_from_bob = NULL, *bob_to_alice = NULL;
    hush_buffer first, second, reply, whisper, before;
    hush_unidentified_content *content = (hush_unidentified_content *)SENTINEL;
    hush_message_type type = 0;
    uint8_t *tampered;
    size_t i;

    service_init(&s);
    party_init(&alice, &s, ALICE_NAME, 1, 1001, ALICE_E164, NULL);
    party_init(&bob, &s, BOB_NAME, 1, 2002, NULL, NULL);
    alice_to_bob = start_session(&alice, &bob, bob.registration_id);
    CHECK_RC(hush_session_record_new(&bob_from_alice), HUSH_RESULT_OK);

    first = seal_v1(&alice, &bob, alice_to_bob, "first, sealed");
    second = seal_v1(&alice, &bob, alice_to_bob, "second, sealed");

    /* Unsealing alone (no validation) shows a PreKey inner message. */
    CHECK_RC(hush_sealed_sender_unseal(first.ptr, first.len, bob.identity, &content), HUSH_RESULT_OK);
    CHECK_RC(hush_unidentified_content_get_message_type(content, &type), HUSH_RESULT_OK);
    CHECK(type == HUSH_MESSAGE_TYPE_PREKEY);
    hush_unidentified_content_free(content);
    content = (hush_unidentified_content *)SENTINEL;
    CHECK_RC(hush_sealed_sender_unseal(first.ptr, first.len, alice.identity, &content),
             HUSH_RESULT_SEALED_SENDER_V1_KEY_DECRYPTION_FAILED);
    CHECK(content == (hush_unidentified_content *)SENTINEL);

    /* Refusals before the first message: the record stays empty and the
     * one-time pre-key unspent. */
    before = record_bytes(bob_from_alice);
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, first.ptr, first.len, NOW + DAY + 1, "", &alice),
             HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED);
    tampered = copy_of(&first);
    tampered[first.len - 1] ^= 0x01;
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, tampered, first.len, NOW, "", &alice),
             HUSH_RESULT_SEALED_SENDER_V1_CONTENTS_DECRYPTION_FAILED);
    tampered[first.len - 1] ^= 0x01;
    tampered[0] = 0x31;
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, tampered, first.len, NOW, "", &alice),
             HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION);
    /* Every single-byte corruption is refused. */
    for (i = 1; i < first.len; i += 7) {
        memcpy(tampered, first.ptr, first.len);
        tampered[i] ^= 0x40;
        CHECK(receive_1to1(&bob, &s, bob_from_alice, tampered, first.len, NOW, "", &alice) != HUSH_RESULT_OK);
    }
    free(tampered);
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, first.ptr, 0, NOW, "", &alice),
             HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE);
    CHECK(record_is(bob_from_alice, &before));
    CHECK(bob.one_time != NULL);
    hush_buffer_free(&before);

    /* Out of order: the second message creates the session. */
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, second.ptr, second.len, NOW, "second, sealed", &alice),
             HUSH_RESULT_OK);
    CHECK(bob.one_time == NULL);
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, first.ptr, first.len, NOW + DAY, "first, sealed", &alice),
             HUSH_RESULT_OK);
    before = record_bytes(bob_from_alice);
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, first.ptr, first.len, NOW, "", &alice),
             HUSH_RESULT_DUPLICATED_MESSAGE);
    CHECK(record_is(bob_from_alice, &before));
    hush_buffer_free(&before);

    /* Bob replies over the session he now has; Alice's PreKey phase ends. */
    bob_to_alice = bob_from_alice;
    alice_from_bob = alice_to_bob;
    reply = seal_v1(&bob, &alice, bob_to_alice, "sealed reply");
    CHECK_RC(receive_1to1(&alice, &s, alice_from_bob, reply.ptr, reply.len, NOW, "sealed reply", &bob), HUSH_RESULT_OK);
    whisper = seal_v1(&alice, &bob, alice_to_bob, "now a whisper");
    CHECK_RC(hush_sealed_sender_unseal(whisper.ptr, whisper.len, bob.identity, &content), HUSH_RESULT_OK);
    CHECK_RC(hush_unidentified_content_get_message_type(content, &type), HUSH_RESULT_OK);
    CHECK(type == HUSH_MESSAGE_TYPE_WHISPER);
    hush_unidentified_content_free(content);
    before = record_bytes(bob_from_alice);
    {
        /* The wrong trust root refuses it, and nothing changes. */
        hush_verified_content *verified = (hush_verified_content *)SENTINEL;
        const hush_public_key *wrong[1];
        wrong[0] = s.other_root_public;
        CHECK_RC(hush_sealed_sender_receive(whisper.ptr, whisper.len, bob.identity, wrong, 1, NOW, bob.address, NULL,
                                            0, &verified),
                 HUSH_RESULT_SEALED_SENDER_UNTRUSTED_SERVER_CERTIFICATE);
        CHECK(verified == (hush_verified_content *)SENTINEL);
    }
    CHECK(record_is(bob_from_alice, &before));
    hush_buffer_free(&before);
    CHECK_RC(receive_1to1(&bob, &s, bob_from_alice, whisper.ptr, whisper.len, NOW, "now a whisper", &alice),
             HUSH_RESULT_OK);

    /* Self-send: a message whose certificate names our account (by UUID,
     * or by phone number when we have one) and our device is refused;
     * another device of the account, or another number, is not. */
    {
        static const char OTHER_E164[] = "+14155550199";
        hush_verified_content *verified = (hush_verified_content *)SENTINEL;
        hush_protocol_address *alice_device1 = NULL, *alice_device2 = NULL;
        const hush_public_key *roots[1];
        hush_buffer to_self = seal_v1(&alice, &bob, alice_to_bob, "from myself?");
        roots[0] = s.root_public;
        CHECK_RC(hush_protocol_address_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), 1, &alice_device1),
                 HUSH_RESULT_OK);
        CHECK_RC(hush_protocol_address_new((const uint8_t *)ALICE_NAME, strlen(ALICE_NAME), 2, &alice_device2),
                 HUSH_RESULT_OK);
        CHECK_RC(hush_sealed_sender_receive(to_self.ptr, to_self.len, bob.identity, roots, 1, NOW, alice_device1, NULL,
                                            0, &verified),
                 HUSH_RESULT_SEALED_SENDER_SELF_SEND);
        CHECK_RC(hush_sealed_sender_receive(to_self.ptr, to_self.len, bob.identity, roots, 1, NOW, bob.address,
                                            (const uint8_t *)ALICE_E164, strlen(ALICE_E164), &verified),
                 HUSH_RESULT_SEALED_SENDER_SELF_SEND);
        CHECK(verified == (hush_verified_content *)SENTINEL);
        CHECK_RC(hush_sealed_sender_receive(to_self.ptr, to_self.len, bob.identity, roots, 1, NOW, alice_device2, NULL,
                                            0, &verified),
                 HUSH_RESULT_OK);
        hush_verified_content_free(verified);
        CHECK_RC(hush_sealed_sender_receive(to_self.ptr, to_self.len, bob.identity, roots, 1, NOW, bob.address,
                                            (const uint8_t *)OTHER_E164, strlen(OTHER_E164), &verified),
                 HUSH_RESULT_OK);
        hush_verified_content_free(verified);
        hush_protocol_address_free(alice_device1);
        hush_protocol_address_free(alice_device2);
        hush_buffer_free(&to_self);
    }

    hush_buffer_free(&first);
    hush_buffer_free(&second);
    hush_buffer_free(&reply);
    hush_buffer_free(&whisper);
    hush_session_record_free(alice_to_bob);
    hush_session_record_free(bob_from_alice);
    party_free(&alice);
    party_free(&bob);
    service_free(&s);
}

/* Opens `bytes` as `me` and checks the content: type 8, the given text. */
static hush_result receive_plaintext(const party *me, const service *s, const hush_buffer *bytes, const char *text,
                                     const hush_buffer *group_id) {
    const hush_public_key *roots[1];
    hush_verified_content *verified = NULL;
    hush_unidentified_content *content = NULL;
    hush_buffer contents = {0}, group = {0};
    hush_message_type type = 0;
    uint32_t hint = 0;
    bool has_group = false;
    hush_result rc;
    roots[0] = s->root_public;
    rc = hush_sealed_sender_receive(bytes->ptr, bytes->len, me->identity, roots, 1, NOW, me->address, NULL, 0,
                                    &verified);
    if (rc != HUSH_RESULT_OK) {
        return rc;
    }
    CHECK_RC(hush_verified_content_get_content(verified, &content), HUSH_RESULT_OK);
    CHECK_RC(hush_unidentified_content_get_message_type(content, &type), HUSH_RESULT_OK);
    CHECK(type == 8);
    CHECK_RC(hush_unidentified_content_get_contents(content, &contents), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&contents, text));
    CHECK_RC(hush_unidentified_content_get_content_hint(content, &hint), HUSH_RESULT_OK);
    CHECK(hint == HUSH_CONTENT_HINT_IMPLICIT);
    CHECK_RC(hush_unidentified_content_get_group_id(content, &has_group, &group), HUSH_RESULT_OK);
    CHECK(has_group && buffers_equal(group_id, &group));
    hush_buffer_free(&contents);
    hush_buffer_free(&group);
    hush_unidentified_content_free(content);
    hush_verified_content_free(verified);
    return rc;
}

static void test_v2(void) {
    service s;
    party alice, bob, bob2, carol;
    hush_session_record *to_bob, *to_bob2, *to_carol, *to_bob_big_id, *bob_record = NULL;
    const hush_protocol_address *addresses[3];
    const hush_session_record *records[3];
    const uint8_t *excluded[1];
    size_t excluded_lens[1];
    static const uint8_t group_bytes[] = {0x47, 0x52, 0x4f, 0x55, 0x50};
    hush_buffer group_id = {(uint8_t *)group_bytes, sizeof group_bytes};
    hush_unidentified_content *content = NULL;
    hush_buffer sent = {0}, payload[2] = {{0}, {0}}, text = {0}, nothing = SENTINEL_BUFFER;
    hush_sent_message *parsed = NULL;
    size_t count = 0, i;
    uint32_t device = 0, registration = 0;
    const char *message = "\xc0 group news \x80";

    service_init(&s);
    party_init(&alice, &s, ALICE_NAME, 1, 1001, NULL, NULL);
    party_init(&bob, &s, BOB_NAME, 1, 2001, NULL, NULL);
    party_init(&bob2, &s, BOB_NAME, 2, 2002, NULL, bob.identity);
    party_init(&carol, &s, CAROL_NAME, 5, 0x3FFF, NULL, NULL);
    to_bob = start_session(&alice, &bob, bob.registration_id);
    to_bob2 = start_session(&alice, &bob2, bob2.registration_id);
    to_carol = start_session(&alice, &carol, carol.registration_id);

    /* One SentMessage for Bob's two devices and Carol, one excluded member. */
    CHECK_RC(hush_unidentified_content_new(8, alice.certificate, (const uint8_t *)message, strlen(message),
                                           HUSH_CONTENT_HINT_IMPLICIT, group_bytes, sizeof group_bytes, &content),
             HUSH_RESULT_OK);
    addresses[0] = bob.address;
    addresses[1] = bob2.address;
    addresses[2] = carol.address;
    records[0] = to_bob;
    records[1] = to_bob2;
    records[2] = to_carol;
    excluded[0] = (const uint8_t *)EXCLUDED_NAME;
    excluded_lens[0] = strlen(EXCLUDED_NAME);
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 3, excluded, excluded_lens, 1, content, alice.identity, NULL,
                                        &sent),
             HUSH_RESULT_OK);
    CHECK(sent.len > 2 && sent.ptr[0] == 0x23 && sent.ptr[1] == 3);

    /* The server's fan-out. */
    CHECK_RC(hush_sent_message_parse(sent.ptr, sent.len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_sent_message_get_recipient_count(parsed, &count), HUSH_RESULT_OK);
    CHECK(count == 2);
    CHECK_RC(hush_sent_message_get_recipient_service_id(parsed, 0, &text), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&text, BOB_NAME));
    hush_buffer_free(&text);
    CHECK_RC(hush_sent_message_get_recipient_device_count(parsed, 0, &count), HUSH_RESULT_OK);
    CHECK(count == 2);
    CHECK_RC(hush_sent_message_get_recipient_device(parsed, 0, 1, &device, &registration), HUSH_RESULT_OK);
    CHECK(device == 2 && registration == 2002);
    CHECK_RC(hush_sent_message_get_recipient_device(parsed, 1, 0, &device, &registration), HUSH_RESULT_OK);
    CHECK(device == 5 && registration == 0x3FFF);
    CHECK_RC(hush_sent_message_get_recipient_device(parsed, 1, 1, &device, &registration), HUSH_RESULT_INVALID_ARGUMENT);
    CHECK_RC(hush_sent_message_get_excluded_count(parsed, &count), HUSH_RESULT_OK);
    CHECK(count == 1);
    CHECK_RC(hush_sent_message_get_excluded_service_id(parsed, 0, &text), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&text, EXCLUDED_NAME));
    hush_buffer_free(&text);
    CHECK_RC(hush_sent_message_get_excluded_service_id(parsed, 1, &nothing), HUSH_RESULT_INVALID_ARGUMENT);
    CHECK(untouched(&nothing));
    for (i = 0; i < 2; i++) {
        CHECK_RC(hush_sent_message_get_received_message(parsed, i, &payload[i]), HUSH_RESULT_OK);
        CHECK(payload[i].len > 81 && payload[i].ptr[0] == 0x22);
    }
    CHECK_RC(hush_sent_message_get_received_message(parsed, 2, &nothing), HUSH_RESULT_INVALID_ARGUMENT);
    CHECK(untouched(&nothing));
    hush_sent_message_free(parsed);

    /* Every device opens its payload; nobody opens another's. */
    CHECK_RC(receive_plaintext(&bob, &s, &payload[0], message, &group_id), HUSH_RESULT_OK);
    CHECK_RC(receive_plaintext(&bob2, &s, &payload[0], message, &group_id), HUSH_RESULT_OK);
    CHECK_RC(receive_plaintext(&carol, &s, &payload[1], message, &group_id), HUSH_RESULT_OK);
    CHECK_RC(receive_plaintext(&carol, &s, &payload[0], message, &group_id),
             HUSH_RESULT_SEALED_SENDER_V2_EPHEMERAL_KEY_MISMATCH);
    {
        uint8_t *tampered = copy_of(&payload[1]);
        hush_buffer view;
        view.ptr = tampered;
        view.len = payload[1].len;
        tampered[40] ^= 0x01; /* the authentication tag */
        CHECK_RC(receive_plaintext(&carol, &s, &view, message, &group_id),
                 HUSH_RESULT_SEALED_SENDER_V2_AUTHENTICATION_TAG_MISMATCH);
        tampered[40] ^= 0x01;
        tampered[view.len - 1] ^= 0x01; /* the payload */
        CHECK_RC(receive_plaintext(&carol, &s, &view, message, &group_id), HUSH_RESULT_SEALED_SENDER_V2_DECRYPTION_FAILED);
        view.len = 80;
        CHECK_RC(receive_plaintext(&carol, &s, &view, message, &group_id), HUSH_RESULT_INVALID_PROTOBUF);
        free(tampered);
    }
    /* A type-8 content is not a 1:1 message. */
    {
        const hush_public_key *roots[1];
        hush_verified_content *verified = NULL;
        hush_session_record *record = NULL;
        hush_buffer plaintext = SENTINEL_BUFFER;
        hush_consumed_prekeys consumed;
        roots[0] = s.root_public;
        CHECK_RC(hush_session_record_new(&record), HUSH_RESULT_OK);
        CHECK_RC(hush_sealed_sender_receive(payload[1].ptr, payload[1].len, carol.identity, roots, 1, NOW,
                                            carol.address, NULL, 0, &verified),
                 HUSH_RESULT_OK);
        CHECK_RC(hush_verified_content_decrypt(verified, record, carol.local, carol.address, NULL, NULL, NULL, NULL,
                                               NULL, &plaintext, &consumed),
                 HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE);
        CHECK(untouched(&plaintext));
        hush_verified_content_free(verified);
        hush_session_record_free(record);
    }
    hush_buffer_free(&payload[0]);
    hush_buffer_free(&payload[1]);
    hush_buffer_free(&sent);
    hush_unidentified_content_free(content);

    /* A v2 message can carry a 1:1 message too: to Bob's device 1 only. */
    content = inner_content(&alice, &bob, to_bob, "v2, one to one", HUSH_CONTENT_HINT_DEFAULT);
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 1, NULL, NULL, 0, content, alice.identity, NULL, &sent),
             HUSH_RESULT_OK);
    CHECK_RC(hush_sent_message_parse(sent.ptr, sent.len, &parsed), HUSH_RESULT_OK);
    CHECK_RC(hush_sent_message_get_received_message(parsed, 0, &payload[0]), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_new(&bob_record), HUSH_RESULT_OK);
    CHECK_RC(receive_1to1(&bob, &s, bob_record, payload[0].ptr, payload[0].len, NOW, "v2, one to one", &alice),
             HUSH_RESULT_OK);
    CHECK(bob.one_time == NULL);
    {
        hush_buffer before = record_bytes(bob_record);
        CHECK_RC(receive_1to1(&bob, &s, bob_record, payload[0].ptr, payload[0].len, NOW, "", &alice),
                 HUSH_RESULT_DUPLICATED_MESSAGE);
        CHECK_RC(receive_1to1(&bob, &s, bob_record, payload[0].ptr, payload[0].len, NOW + DAY + 1, "", &alice),
                 HUSH_RESULT_SEALED_SENDER_CERTIFICATE_EXPIRED);
        CHECK(record_is(bob_record, &before));
        hush_buffer_free(&before);
    }
    hush_sent_message_free(parsed);
    hush_buffer_free(&payload[0]);
    hush_buffer_free(&sent);

    /* Sealing refusals: a registration ID beyond 14 bits, a duplicate
     * excluded member, an excluded recipient, a name that is no service ID,
     * garbage for the server. */
    to_bob_big_id = start_session(&alice, &bob, 0x4000);
    records[0] = to_bob_big_id;
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 1, NULL, NULL, 0, content, alice.identity, NULL, &nothing),
             HUSH_RESULT_SEALED_SENDER_INVALID_REGISTRATION_ID);
    records[0] = to_bob;
    excluded[0] = (const uint8_t *)BOB_NAME;
    excluded_lens[0] = strlen(BOB_NAME);
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 1, excluded, excluded_lens, 1, content, alice.identity,
                                        NULL, &nothing),
             HUSH_RESULT_SEALED_SENDER_REDUNDANT_RECIPIENT);
    excluded[0] = (const uint8_t *)"carol";
    excluded_lens[0] = 5;
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 1, excluded, excluded_lens, 1, content, alice.identity,
                                        NULL, &nothing),
             HUSH_RESULT_SEALED_SENDER_INVALID_SERVICE_ID);
    CHECK_RC(hush_sealed_sender_seal_v2(addresses, records, 1, NULL, NULL, 0, content, bob.identity, NULL, &nothing),
             HUSH_RESULT_SEALED_SENDER_SENDER_IDENTITY_MISMATCH);
    CHECK(untouched(&nothing));
    parsed = (hush_sent_message *)SENTINEL;
    CHECK_RC(hush_sent_message_parse((const uint8_t *)"\x23\x01", 2, &parsed), HUSH_RESULT_INVALID_PROTOBUF);
    CHECK_RC(hush_sent_message_parse((const uint8_t *)"\x24\x00", 2, &parsed), HUSH_RESULT_SEALED_SENDER_UNKNOWN_VERSION);
    CHECK_RC(hush_sent_message_parse(NULL, 0, &parsed), HUSH_RESULT_SEALED_SENDER_EMPTY_MESSAGE);
    CHECK(parsed == (hush_sent_message *)SENTINEL);

    hush_unidentified_content_free(content);
    hush_session_record_free(to_bob);
    hush_session_record_free(to_bob2);
    hush_session_record_free(to_carol);
    hush_session_record_free(to_bob_big_id);
    hush_session_record_free(bob_record);
    party_free(&alice);
    party_free(&bob);
    party_free(&bob2);
    party_free(&carol);
    service_free(&s);
}

/* Receives a sealed message and decrypts its 1:1 inner message with
 * `record`, trusting `trusted` for the sender (NULL: any identity). */
static hush_result receive_trusting(party *me, const service *s, hush_session_record *record,
                                    const hush_buffer *sealed, const hush_public_key *trusted, hush_buffer *plaintext) {
    const hush_public_key *roots[1];
    hush_verified_content *verified = NULL;
    hush_consumed_prekeys consumed;
    hush_result rc;
    roots[0] = s->root_public;
    CHECK_RC(hush_sealed_sender_receive(sealed->ptr, sealed->len, me->identity, roots, 1, NOW, me->address, NULL, 0,
                                        &verified),
             HUSH_RESULT_OK);
    rc = hush_verified_content_decrypt(verified, record, me->local, me->address, me->signed_pre_key,
                                       me->kyber_pre_key, me->one_time, trusted, NULL, plaintext, &consumed);
    hush_verified_content_free(verified);
    return rc;
}

/* Trust on the sealed receive path, decided before anything is committed:
 * the trusted identity argument refuses (record unchanged, no pre-key
 * consumed) or accepts; and the state that decrypts must belong to the
 * sender certificate's identity: Mallory (an old key of Alice's address,
 * with a session at Bob) cannot have her messages vouched for by Alice's
 * certificate, whatever the caller trusts. */
static void test_trust(void) {
    service s;
    party alice, mallory, bob;
    hush_session_record *mallory_record = NULL, *bob_record = NULL;
    hush_buffer sealed = {0}, forged = {0}, before = {0}, ciphertext = {0};
    hush_buffer plaintext = SENTINEL_BUFFER, sentinel = SENTINEL_BUFFER;
    hush_unidentified_content *content = NULL;
    hush_message_type type = 0;

    service_init(&s);
    party_init(&alice, &s, ALICE_NAME, 1, 1111, NULL, NULL);
    party_init(&mallory, &s, ALICE_NAME, 1, 7777, NULL, NULL);
    party_init(&bob, &s, BOB_NAME, 1, 2222, NULL, NULL);
    mallory_record = start_session(&mallory, &bob, 2222);
    CHECK_RC(hush_session_record_new(&bob_record), HUSH_RESULT_OK);

    sealed = seal_v1(&mallory, &bob, mallory_record, "from the old device");
    before = record_bytes(bob_record);
    CHECK_RC(receive_trusting(&bob, &s, bob_record, &sealed, alice.identity_public, &plaintext),
             HUSH_RESULT_UNTRUSTED_IDENTITY);
    CHECK(untouched(&plaintext) && record_is(bob_record, &before));
    CHECK_RC(receive_trusting(&bob, &s, bob_record, &sealed, mallory.identity_public, &plaintext), HUSH_RESULT_OK);
    CHECK(buffer_is_text(&plaintext, "from the old device"));
    hush_buffer_free(&plaintext);

    /* Alice's certificate, sealed with Alice's key, around a message of
     * Mallory's session. */
    CHECK_RC(hush_session_encrypt(mallory_record, (const uint8_t *)"as alice", 8, mallory.address, bob.address, NOW,
                                  NULL, &type, &ciphertext),
             HUSH_RESULT_OK);
    CHECK_RC(hush_unidentified_content_new(type, alice.certificate, ciphertext.ptr, ciphertext.len,
                                           HUSH_CONTENT_HINT_RESENDABLE, NULL, 0, &content),
             HUSH_RESULT_OK);
    CHECK_RC(hush_sealed_sender_seal_v1(bob.identity_public, content, alice.identity, NULL, &forged), HUSH_RESULT_OK);
    hush_buffer_free(&before);
    before = record_bytes(bob_record);
    plaintext = sentinel;
    CHECK_RC(receive_trusting(&bob, &s, bob_record, &forged, alice.identity_public, &plaintext),
             HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH);
    CHECK(untouched(&plaintext) && record_is(bob_record, &before));
    CHECK_RC(receive_trusting(&bob, &s, bob_record, &forged, NULL, &plaintext),
             HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH);
    CHECK(untouched(&plaintext) && record_is(bob_record, &before));
    CHECK(strcmp(hush_result_str(HUSH_RESULT_SEALED_SENDER_SESSION_IDENTITY_MISMATCH), "unknown hush_result") != 0);

    hush_unidentified_content_free(content);
    hush_buffer_free(&ciphertext);
    hush_buffer_free(&sealed);
    hush_buffer_free(&forged);
    hush_buffer_free(&before);
    hush_session_record_free(mallory_record);
    hush_session_record_free(bob_record);
    party_free(&alice);
    party_free(&mallory);
    party_free(&bob);
    service_free(&s);
}

static void test_null_arguments(void) {
    service s;
    hush_sender_certificate *cert = NULL;
    hush_unidentified_content *content = NULL;
    hush_verified_content *verified = NULL;
    hush_sent_message *parsed = NULL;
    hush_buffer out = SENTINEL_BUFFER;
    hush_identity_key_pair *keys = NULL;
    hush_public_key *key = NULL;
    const hush_public_key *null_roots[1] = {NULL};
    bool flag = false;
    uint32_t value = 0;

    service_init(&s);
    CHECK_RC(hush_identity_key_pair_generate(NULL, &keys), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(keys, &key), HUSH_RESULT_OK);
    CHECK_RC(hush_server_certificate_new(1, NULL, s.root, NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_server_certificate_validate(s.server, NULL, 1, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_server_certificate_validate(s.server, null_roots, 1, &flag), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_server_certificate_get_key_id(NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_certificate_new(NULL, 3, NULL, 0, 1, key, NOW, s.server, s.server_key, NULL, &cert),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)"a", 1, NULL, 0, 1, key, NOW, NULL, s.server_key, NULL, &cert),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_certificate_new((const uint8_t *)"a", 1, NULL, 0, 1, key, NOW, s.server, s.server_key, NULL,
                                         &cert),
             HUSH_RESULT_OK);
    CHECK_RC(hush_sender_certificate_validate(NULL, NULL, 0, NOW), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sender_certificate_get_sender_e164(cert, NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_unidentified_content_new(2, NULL, NULL, 0, 0, NULL, 0, &content), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_unidentified_content_new(2, cert, NULL, 5, 0, NULL, 0, &content), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_unidentified_content_new(4, cert, NULL, 0, 0, NULL, 0, &content), HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE);
    CHECK_RC(hush_unidentified_content_new(7, cert, (const uint8_t *)"\x33", 1, 0, NULL, 0, &content), HUSH_RESULT_OK);
    CHECK_RC(hush_sealed_sender_seal_v1(NULL, content, keys, NULL, &out), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_seal_v1(key, content, keys, NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_seal_v2(NULL, NULL, 1, NULL, NULL, 0, content, keys, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_seal_v2(NULL, NULL, 0, NULL, NULL, 1, content, keys, NULL, &out),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(untouched(&out));
    /* No recipients at all is a valid (if useless) SentMessage. */
    CHECK_RC(hush_sealed_sender_seal_v2(NULL, NULL, 0, NULL, NULL, 0, content, keys, NULL, &out), HUSH_RESULT_OK);
    CHECK_RC(hush_sent_message_parse(out.ptr, out.len, &parsed), HUSH_RESULT_OK);
    hush_buffer_free(&out);
    CHECK_RC(hush_sent_message_get_recipient_count(parsed, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sent_message_get_recipient_device(parsed, 0, 0, NULL, &value), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_unseal(NULL, 3, keys, &content), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_unseal((const uint8_t *)"\x11", 1, NULL, &content), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_sealed_sender_receive((const uint8_t *)"\x11", 1, keys, NULL, 1, NOW, NULL, NULL, 0, &verified),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(verified == NULL);
    CHECK_RC(hush_verified_content_decrypt(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_verified_content_get_sender_address(NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);

    hush_sent_message_free(parsed);
    hush_unidentified_content_free(content);
    hush_sender_certificate_free(cert);
    hush_public_key_free(key);
    hush_identity_key_pair_free(keys);
    service_free(&s);

    hush_server_certificate_free(NULL);
    hush_sender_certificate_free(NULL);
    hush_unidentified_content_free(NULL);
    hush_sent_message_free(NULL);
    hush_verified_content_free(NULL);
}

int main(void) {
    test_result_codes();
    test_certificates();
    test_v1();
    test_v2();
    test_trust();
    test_null_arguments();

    printf("%d passed, %d failed\n", passed, failed);
    /* Flush before LeakSanitizer, which reports from an exit handler and
     * then leaves with _exit, could drop buffered output. */
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
