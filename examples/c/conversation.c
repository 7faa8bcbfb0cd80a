/*
 * A whole two-party conversation with libhush: identities, pre-keys, a
 * bundle, the first (PreKey) messages, replies, out-of-order delivery, a
 * duplicate, storing and reloading the session records, and safety numbers.
 *
 * Build against an installed hush:
 *   cc -std=c99 conversation.c $(pkg-config --cflags --libs hush) -o conversation
 *
 * Alice and Bob live in one process here; in an application each side is
 * its own device and every hush_buffer marked "wire" goes through a server.
 */
#include "example.h"

static const char ALICE[] = "9d0652a3-dcc3-4d11-975f-74d61598733f";
static const char BOB[] = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

/* The application's database: one stored session record per peer device.
 * Saving is where a real application commits a transaction. */
typedef struct {
    hush_buffer record;
} database;

static void save(database *db, const hush_session_record *record) {
    hush_buffer_free(&db->record);
    CHECK(hush_session_record_serialize(record, &db->record));
}

/* Encrypts `text` from `me` to `to` and returns the message for the wire. */
static hush_buffer send_text(party *me, hush_session_record *record, database *db,
                             const party *to, const char *text, hush_message_type *type) {
    hush_buffer wire = {0};
    CHECK(hush_session_encrypt(record, (const uint8_t *)text, strlen(text), me->address,
                               to->address, NOW_MS, NULL, type, &wire));
    save(db, record); /* the record changed: store it before sending */
    printf("%s -> %s (%s message): %s\n", me->label, to->label,
           *type == HUSH_MESSAGE_TYPE_PREKEY ? "PreKey" : "Signal", text);
    return wire;
}

/* A PreKey message: read who sent it and which pre-keys it names, decide
 * trust, then decrypt with those pre-keys. The only call of
 * hush_session_decrypt_prekey in the examples. */
static hush_result receive_prekey(party *me, hush_session_record *record,
                                  const hush_protocol_address *sender, const hush_buffer *wire,
                                  hush_buffer *plaintext) {
    hush_prekey_message *message = NULL;
    hush_public_key *sender_identity = NULL, *trusted = NULL;
    hush_consumed_prekeys consumed;
    uint32_t one_time_id = 0, kyber_id = 0, signed_id = 0, have_id = 0;
    bool has_one_time = false, has_kyber = false;
    const hush_signed_prekey_record *signed_pre_key = NULL;
    const hush_kyber_prekey_record *kyber_pre_key = NULL;
    hush_result rc;

    rc = hush_prekey_message_deserialize(wire->ptr, wire->len, &message);
    if (rc != HUSH_RESULT_OK) {
        return rc; /* garbage: drop it */
    }
    CHECK(hush_prekey_message_get_identity_key(message, &sender_identity));
    if (!party_trusts(me, sender_identity)) {
        hush_public_key_free(sender_identity);
        hush_prekey_message_free(message);
        return HUSH_RESULT_UNTRUSTED_IDENTITY; /* ask the user; nothing changed */
    }
    hush_public_key_free(sender_identity);

    /* Look the pre-keys up by the IDs the message names. */
    CHECK(hush_prekey_message_get_signed_pre_key_id(message, &signed_id));
    CHECK(hush_prekey_message_get_kyber_pre_key_id(message, &has_kyber, &kyber_id));
    CHECK(hush_prekey_message_get_pre_key_id(message, &has_one_time, &one_time_id));
    CHECK(hush_signed_prekey_record_get_id(me->signed_pre_key, &have_id));
    signed_pre_key = have_id == signed_id ? me->signed_pre_key : NULL;
    CHECK(hush_kyber_prekey_record_get_id(me->kyber_pre_key, &have_id));
    kyber_pre_key = has_kyber && have_id == kyber_id ? me->kyber_pre_key : NULL;

    /* hush checks the message really comes from the identity we trust
     * before it commits anything. (An application also refuses a
     * last-resort Kyber pre-key's (kyber id, signed id, base key) it has
     * seen before: a replayed first message.) */
    trusted = party_trusted_key(me);
    rc = hush_session_decrypt_prekey(record, message, me->local, signed_pre_key, kyber_pre_key,
                                     party_one_time_pre_key(me, has_one_time, one_time_id),
                                     me->address, sender, trusted, NULL, plaintext, &consumed);
    hush_public_key_free(trusted);
    hush_prekey_message_free(message);
    if (rc == HUSH_RESULT_OK && consumed.new_session) {
        printf("  (new session; ");
        if (consumed.has_one_time_pre_key) {
            /* Delete exactly what hush reports, in the same transaction as
             * the record. A last-resort Kyber pre-key stays; an application
             * remembers (kyber id, signed id, base key) to refuse a replay. */
            hush_prekey_record_free(me->one_time_pre_key);
            me->one_time_pre_key = NULL;
            printf("one-time pre-key %u deleted; ", (unsigned)consumed.one_time_pre_key_id);
        }
        printf("Kyber pre-key %u kept as last resort)\n", (unsigned)consumed.kyber_pre_key_id);
    }
    return rc;
}

/* Receives one message. On success the plaintext and the new record go into
 * the database together (one transaction); after a crash before that commit
 * the application still has the old record and simply decrypts again. On
 * failure the record is unchanged, byte for byte. */
static hush_result receive(party *me, hush_session_record *record, database *db,
                           const hush_protocol_address *sender, hush_message_type type,
                           const hush_buffer *wire) {
    hush_buffer plaintext = {0};
    hush_public_key *trusted = NULL;
    hush_result rc;

    if (type == HUSH_MESSAGE_TYPE_PREKEY) {
        rc = receive_prekey(me, record, sender, wire, &plaintext);
    } else {
        /* A Signal message: hush refuses it if the session that decrypts it
         * belongs to another identity than the one we trust. */
        trusted = party_trusted_key(me);
        rc = hush_session_decrypt(record, me->local, type, wire->ptr, wire->len, me->address,
                                  sender, trusted, NULL, &plaintext);
        hush_public_key_free(trusted);
    }
    if (rc != HUSH_RESULT_OK) {
        printf("  %s refuses it: %s\n", me->label, hush_result_str(rc));
        return rc;
    }
    printf("  %s reads: %.*s\n", me->label, (int)plaintext.len, (const char *)plaintext.ptr);
    save(db, record); /* with the plaintext, in one transaction */
    hush_buffer_free(&plaintext);
    return rc;
}

/* Both sides compute the 60-digit safety number and compare it (read aloud,
 * or by scanning each other's QR code). */
static void compare_safety_numbers(const party *a, const party *b) {
    hush_public_key *a_key = NULL, *b_key = NULL;
    hush_fingerprint *at_a = NULL, *at_b = NULL;
    hush_buffer shown_a = {0}, shown_b = {0}, qr_b = {0};

    CHECK(hush_identity_key_pair_get_public_key(a->identity, &a_key));
    CHECK(hush_identity_key_pair_get_public_key(b->identity, &b_key));
    /* Version 2 and 5200 iterations, as Signal; identifiers are opaque bytes. */
    CHECK(hush_fingerprint_new(2, 5200, (const uint8_t *)a->name, strlen(a->name), a_key,
                               (const uint8_t *)b->name, strlen(b->name), b_key, &at_a));
    CHECK(hush_fingerprint_new(2, 5200, (const uint8_t *)b->name, strlen(b->name), b_key,
                               (const uint8_t *)a->name, strlen(a->name), a_key, &at_b));
    CHECK(hush_fingerprint_display_string(at_a, &shown_a));
    CHECK(hush_fingerprint_display_string(at_b, &shown_b));
    printf("safety numbers: %u digits on each screen, %s\n", (unsigned)shown_a.len,
           shown_a.len == shown_b.len && memcmp(shown_a.ptr, shown_b.ptr, shown_a.len) == 0
               ? "the same"
               : "DIFFERENT");
    /* Alice scans the QR code on Bob's screen. */
    CHECK(hush_fingerprint_serialize_scannable(at_b, &qr_b));
    printf("alice scans bob's code: %s\n",
           hush_result_str(hush_fingerprint_compare_scannable(at_a, qr_b.ptr, qr_b.len)));

    hush_buffer_free(&shown_a);
    hush_buffer_free(&shown_b);
    hush_buffer_free(&qr_b);
    hush_fingerprint_free(at_a);
    hush_fingerprint_free(at_b);
    hush_public_key_free(a_key);
    hush_public_key_free(b_key);
}

int main(void) {
    party alice, bob;
    hush_prekey_bundle *bundle = NULL;
    hush_public_key *bundle_identity = NULL;
    hush_session_record *alice_record = NULL, *bob_record = NULL;
    database alice_db = {{0}}, bob_db = {{0}};
    hush_buffer m1, m2, m3, m4, m5, reply;
    hush_message_type t1, t2, t3, t4, t5, reply_type;

    /* The library must be the release the header comes from. */
    if (strcmp(hush_version(), HUSH_VERSION_STRING) != 0) {
        fprintf(stderr, "libhush %s, hush.h %s\n", hush_version(), HUSH_VERSION_STRING);
        return 1;
    }

    /* 1. Identities: a key pair, a registration ID and an address each. */
    party_init(&alice, "alice", ALICE, 1111);
    party_init(&bob, "bob", BOB, 2222);

    /* 2. Bob's device generates pre-keys and uploads their public halves. */
    party_generate_prekeys(&bob);

    /* 3. Alice fetches Bob's bundle, checks its signatures, decides to trust
     * Bob's identity key, and starts a session (PQXDH). */
    bundle = party_bundle(&bob);
    CHECK(hush_prekey_bundle_verify(bundle));
    CHECK(hush_prekey_bundle_get_identity_key(bundle, &bundle_identity));
    if (!party_trusts(&alice, bundle_identity)) {
        return 1;
    }
    CHECK(hush_session_record_new(&alice_record));
    CHECK(hush_session_initiate(alice_record, bundle, alice.local, NOW_MS, NULL));
    save(&alice_db, alice_record);
    hush_public_key_free(bundle_identity);
    hush_prekey_bundle_free(bundle);

    /* 4. Alice writes twice before Bob answers: both are PreKey messages.
     * They arrive in the wrong order; the second one starts Bob's session. */
    m1 = send_text(&alice, alice_record, &alice_db, &bob, "Hi Bob, it's Alice.", &t1);
    m2 = send_text(&alice, alice_record, &alice_db, &bob, "Are you there?", &t2);
    CHECK(hush_session_record_new(&bob_record));
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t2, &m2));
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t1, &m1));

    /* 5. Bob replies; once Alice has read it she sends ordinary messages. */
    reply = send_text(&bob, bob_record, &bob_db, &alice, "Hi Alice! Yes, here.", &reply_type);
    CHECK(receive(&alice, alice_record, &alice_db, bob.address, reply_type, &reply));

    /* 6. Three messages, delivered 3, 1, 2: each decrypts. */
    hush_buffer_free(&m1);
    hush_buffer_free(&m2);
    m1 = send_text(&alice, alice_record, &alice_db, &bob, "one", &t1);
    m2 = send_text(&alice, alice_record, &alice_db, &bob, "two", &t2);
    m3 = send_text(&alice, alice_record, &alice_db, &bob, "three", &t3);
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t3, &m3));
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t1, &m1));
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t2, &m2));

    /* 7. The network delivers "one" again: refused, record unchanged. */
    if (receive(&bob, bob_record, &bob_db, alice.address, t1, &m1) !=
        HUSH_RESULT_DUPLICATED_MESSAGE) {
        return 1;
    }

    /* 8. Both apps restart: the records come back from the database. */
    hush_session_record_free(alice_record);
    hush_session_record_free(bob_record);
    CHECK(hush_session_record_deserialize(alice_db.record.ptr, alice_db.record.len, &alice_record));
    CHECK(hush_session_record_deserialize(bob_db.record.ptr, bob_db.record.len, &bob_record));
    printf("both records reloaded from the database\n");

    /* 9. ...and the conversation goes on. */
    m4 = send_text(&bob, bob_record, &bob_db, &alice, "Still here after a restart.", &t4);
    CHECK(receive(&alice, alice_record, &alice_db, bob.address, t4, &m4));
    m5 = send_text(&alice, alice_record, &alice_db, &bob, "Me too.", &t5);
    CHECK(receive(&bob, bob_record, &bob_db, alice.address, t5, &m5));

    /* 10. Safety numbers, to check no one is in the middle. */
    compare_safety_numbers(&alice, &bob);

    hush_buffer_free(&m1);
    hush_buffer_free(&m2);
    hush_buffer_free(&m3);
    hush_buffer_free(&m4);
    hush_buffer_free(&m5);
    hush_buffer_free(&reply);
    hush_buffer_free(&alice_db.record);
    hush_buffer_free(&bob_db.record);
    hush_session_record_free(alice_record);
    hush_session_record_free(bob_record);
    party_free(&alice);
    party_free(&bob);
    return 0;
}
