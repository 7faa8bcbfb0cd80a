/*
 * What the three examples share: stopping on errors, a participant (identity,
 * address, pre-keys) and the trust store, which is the application's and
 * here is one remembered key per peer ("trust on first use").
 *
 * Nothing here is part of hush: it is what an application writes around it.
 */
#ifndef HUSH_EXAMPLE_H
#define HUSH_EXAMPLE_H

#include <hush.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every fallible hush call returns a hush_result; HUSH_RESULT_OK is 0.
 * The examples stop at the first unexpected one and print why. */
#define CHECK(call) check_ok((call), #call, __LINE__)

static inline void check_ok(hush_result rc, const char *call, int line) {
    char detail[256];
    if (rc == HUSH_RESULT_OK) {
        return;
    }
    hush_last_error_message(detail, sizeof detail);
    fprintf(stderr, "line %d: %s\n  -> %s (%s)\n", line, call, hush_result_str(rc), detail);
    exit(1);
}

/* The time, in milliseconds since the Unix epoch: hush never reads a clock.
 * The examples use a fixed one so that their output is always the same. */
#define NOW_MS 1764800000000ull

/* Prints a hush_buffer holding text (plaintexts here are text). */
static inline void print_text(const char *prefix, const hush_buffer *text) {
    printf("%s%.*s\n", prefix, (int)text->len, (const char *)text->ptr);
}

/* One participant's device. The private parts would live in the
 * application's database; pre-keys are deleted once hush reports them
 * consumed. */
typedef struct {
    const char *label; /* for the printout */
    const char *name;  /* the account's service ID (an ACI UUID) */
    hush_identity_key_pair *identity;
    hush_local_identity *local;        /* identity + registration ID */
    hush_protocol_address *address;    /* name + device ID */
    hush_signed_prekey_record *signed_pre_key;
    hush_kyber_prekey_record *kyber_pre_key; /* last resort: never deleted */
    hush_prekey_record *one_time_pre_key;    /* NULL once consumed */
    hush_buffer trusted_peer_identity;       /* the trust store (one peer) */
} party;

static inline void party_init(party *p, const char *label, const char *name,
                              uint32_t registration_id) {
    memset(p, 0, sizeof *p);
    p->label = label;
    p->name = name;
    CHECK(hush_identity_key_pair_generate(NULL, &p->identity)); /* NULL rng: the OS's */
    CHECK(hush_local_identity_new(p->identity, registration_id, &p->local));
    CHECK(hush_protocol_address_new((const uint8_t *)name, strlen(name), 1, &p->address));
}

/* Generates the pre-keys a device uploads: signed pre-key 1, Kyber pre-key 1
 * (kept as last resort) and one-time pre-key 1. Both signed ones are signed
 * with the identity key. */
static inline void party_generate_prekeys(party *p) {
    CHECK(hush_signed_prekey_record_generate(1, NOW_MS, p->identity, NULL, &p->signed_pre_key));
    CHECK(hush_kyber_prekey_record_generate(1, NOW_MS, p->identity, NULL, &p->kyber_pre_key));
    CHECK(hush_prekey_record_generate(1, NULL, &p->one_time_pre_key));
}

/* What the server hands out for `p`: the public halves of its pre-keys
 * (here assembled in place; an application parses them off the wire). */
static inline hush_prekey_bundle *party_bundle(const party *p) {
    hush_public_key *identity = NULL, *signed_key = NULL, *one_time = NULL;
    hush_kem_public_key *kyber = NULL;
    hush_buffer signed_sig = {0}, kyber_sig = {0};
    hush_prekey_bundle *bundle = NULL;
    uint32_t registration_id = 0;

    CHECK(hush_local_identity_get_registration_id(p->local, &registration_id));
    CHECK(hush_identity_key_pair_get_public_key(p->identity, &identity));
    CHECK(hush_signed_prekey_record_get_public_key(p->signed_pre_key, &signed_key));
    CHECK(hush_signed_prekey_record_get_signature(p->signed_pre_key, &signed_sig));
    CHECK(hush_kyber_prekey_record_get_public_key(p->kyber_pre_key, &kyber));
    CHECK(hush_kyber_prekey_record_get_signature(p->kyber_pre_key, &kyber_sig));
    CHECK(hush_prekey_record_get_public_key(p->one_time_pre_key, &one_time));
    CHECK(hush_prekey_bundle_new(registration_id, 1, 1, one_time, 1, signed_key, signed_sig.ptr,
                                 signed_sig.len, 1, kyber, kyber_sig.ptr, kyber_sig.len, identity,
                                 &bundle));
    hush_public_key_free(identity);
    hush_public_key_free(signed_key);
    hush_public_key_free(one_time);
    hush_kem_public_key_free(kyber);
    hush_buffer_free(&signed_sig);
    hush_buffer_free(&kyber_sig);
    return bundle;
}

/* The trust decision. hush asks for it before a session starts (the
 * bundle's identity) and on every incoming message (the sender's identity);
 * this application trusts the first key it sees for a peer and refuses any
 * other afterwards. A real one would ask the user to compare safety numbers
 * when a known peer's key changes. */
static inline int party_trusts(party *p, const hush_public_key *peer_identity) {
    hush_buffer key = {0};
    int same;
    CHECK(hush_public_key_serialize(peer_identity, &key));
    if (p->trusted_peer_identity.ptr == NULL) {
        p->trusted_peer_identity = key; /* first use: remember it */
        return 1;
    }
    same = key.len == p->trusted_peer_identity.len &&
           memcmp(key.ptr, p->trusted_peer_identity.ptr, key.len) == 0;
    hush_buffer_free(&key);
    return same;
}

/* The key `p` trusts for its peer, as a new handle to pass to the decrypt
 * functions (they refuse a message from any other identity, with nothing
 * changed), or NULL if `p` has not met the peer yet. */
static inline hush_public_key *party_trusted_key(const party *p) {
    hush_public_key *key = NULL;
    if (p->trusted_peer_identity.ptr != NULL) {
        CHECK(hush_public_key_deserialize(p->trusted_peer_identity.ptr,
                                          p->trusted_peer_identity.len, &key));
    }
    return key;
}

static inline void party_free(party *p) {
    hush_identity_key_pair_free(p->identity); /* every _free accepts NULL */
    hush_local_identity_free(p->local);
    hush_protocol_address_free(p->address);
    hush_signed_prekey_record_free(p->signed_pre_key);
    hush_kyber_prekey_record_free(p->kyber_pre_key);
    hush_prekey_record_free(p->one_time_pre_key);
    hush_buffer_free(&p->trusted_peer_identity);
}

/* Returns the pre-key record `p` has under `id`, or NULL. An application
 * looks them up in its database by the IDs a PreKey message names. */
static inline const hush_prekey_record *party_one_time_pre_key(const party *p, int has, uint32_t id) {
    uint32_t have = 0;
    if (!has || p->one_time_pre_key == NULL) {
        return NULL;
    }
    CHECK(hush_prekey_record_get_id(p->one_time_pre_key, &have));
    return have == id ? p->one_time_pre_key : NULL;
}

#endif /* HUSH_EXAMPLE_H */
