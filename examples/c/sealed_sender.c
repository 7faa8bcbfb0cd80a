/*
 * Sealed sender: the server delivers a message without learning who sent
 * it. The sender's identity travels inside the encryption, vouched for by a
 * sender certificate the server issued; the recipient checks it against the
 * server's trust root. Alice writes to Bob with sealed sender v1 (one
 * recipient); Bob answers with v2, which seals once for many devices and
 * which the server fans out.
 *
 * Build against an installed hush:
 *   cc -std=c99 sealed_sender.c $(pkg-config --cflags --libs hush) -o sealed_sender
 */
#include "example.h"

static const char ALICE[] = "9d0652a3-dcc3-4d11-975f-74d61598733f";
static const char BOB[] = "796abedb-ca4e-4f18-8803-1fde5b921f9f";

/* What the server side holds: its trust root (the public half ships with
 * every client) and a server key certified by it. */
typedef struct {
    hush_private_key *trust_root;
    hush_public_key *trust_root_public;
    hush_private_key *server_key;
    hush_server_certificate *certificate;
} server;

static void server_init(server *s) {
    hush_public_key *server_public = NULL;
    CHECK(hush_private_key_generate(NULL, &s->trust_root));
    CHECK(hush_private_key_get_public_key(s->trust_root, &s->trust_root_public));
    CHECK(hush_private_key_generate(NULL, &s->server_key));
    CHECK(hush_private_key_get_public_key(s->server_key, &server_public));
    CHECK(hush_server_certificate_new(1, server_public, s->trust_root, NULL, &s->certificate));
    hush_public_key_free(server_public);
}

/* The server issues `p` a sender certificate valid for a day. */
static hush_sender_certificate *server_certify(const server *s, const party *p) {
    hush_public_key *identity = NULL;
    hush_sender_certificate *cert = NULL;
    CHECK(hush_identity_key_pair_get_public_key(p->identity, &identity));
    CHECK(hush_sender_certificate_new((const uint8_t *)p->name, strlen(p->name), NULL, 0, 1,
                                      identity, NOW_MS + 24ull * 3600 * 1000, s->certificate,
                                      s->server_key, NULL, &cert));
    hush_public_key_free(identity);
    return cert;
}

/* Wraps a 1:1 message with the sender's certificate, ready to seal. */
static hush_unidentified_content *wrap(const hush_sender_certificate *cert,
                                       hush_message_type type, const hush_buffer *message) {
    hush_unidentified_content *content = NULL;
    CHECK(hush_unidentified_content_new(type, cert, message->ptr, message->len,
                                        HUSH_CONTENT_HINT_DEFAULT, NULL, 0, &content));
    return content;
}

/* The receive path: open, validate the certificate, find out who sent it,
 * decide trust, and decrypt the 1:1 message inside with the record of that
 * sender (pre-keys for a first PreKey message). The only call of
 * hush_verified_content_decrypt in the examples. */
static void receive_sealed(party *me, hush_session_record *record, const server *s,
                           const hush_buffer *wire) {
    hush_verified_content *verified = NULL;
    hush_protocol_address *sender = NULL;
    hush_prekey_message *prekey = NULL;
    hush_public_key *sender_identity = NULL, *trusted = NULL;
    hush_buffer sender_name = {0}, plaintext = {0};
    hush_consumed_prekeys consumed;
    const hush_public_key *roots[1];
    const hush_prekey_record *one_time = NULL;
    uint32_t one_time_id = 0;
    bool has_one_time = false;

    roots[0] = s->trust_root_public;
    CHECK(hush_sealed_sender_receive(wire->ptr, wire->len, me->identity, roots, 1, NOW_MS,
                                     me->address, NULL, 0, &verified));
    CHECK(hush_verified_content_get_sender_address(verified, &sender));
    CHECK(hush_protocol_address_get_name(sender, &sender_name));
    printf("  %s opens it: from %.*s, certificate valid\n", me->label, (int)sender_name.len,
           (const char *)sender_name.ptr);

    /* A PreKey message inside names the sender's identity and our pre-keys.
     * (An application also checks it equals the certificate's identity.) */
    if (hush_verified_content_get_prekey_message(verified, &prekey) == HUSH_RESULT_OK) {
        CHECK(hush_prekey_message_get_identity_key(prekey, &sender_identity));
        if (!party_trusts(me, sender_identity)) {
            exit(1);
        }
        CHECK(hush_prekey_message_get_pre_key_id(prekey, &has_one_time, &one_time_id));
        one_time = party_one_time_pre_key(me, has_one_time, one_time_id);
        hush_public_key_free(sender_identity);
        hush_prekey_message_free(prekey);
    }
    /* hush checks that the session belongs to the certificate's identity
     * and to the one we trust before it commits anything. */
    trusted = party_trusted_key(me);
    CHECK(hush_verified_content_decrypt(verified, record, me->local, me->address,
                                        me->signed_pre_key, me->kyber_pre_key, one_time, trusted,
                                        NULL, &plaintext, &consumed));
    hush_public_key_free(trusted);
    if (consumed.new_session && consumed.has_one_time_pre_key) {
        hush_prekey_record_free(me->one_time_pre_key); /* consumed: delete it */
        me->one_time_pre_key = NULL;
    }
    printf("  %s reads: %.*s\n", me->label, (int)plaintext.len, (const char *)plaintext.ptr);

    hush_buffer_free(&plaintext);
    hush_buffer_free(&sender_name);
    hush_protocol_address_free(sender);
    hush_verified_content_free(verified);
}

int main(void) {
    server s;
    party alice, bob;
    hush_prekey_bundle *bundle = NULL;
    hush_public_key *bob_identity = NULL;
    hush_session_record *alice_record = NULL, *bob_record = NULL;
    hush_sender_certificate *alice_cert = NULL, *bob_cert = NULL;
    hush_unidentified_content *content = NULL;
    hush_sent_message *upload = NULL;
    hush_buffer message = {0}, sealed = {0}, sent = {0}, delivered = {0};
    hush_message_type type;
    const hush_protocol_address *to[1];
    const hush_session_record *records[1];
    const char hello[] = "Hi Bob, the server cannot see this is me.";
    const char answer[] = "Nor that this answer is mine.";

    server_init(&s);
    party_init(&alice, "alice", ALICE, 1111);
    party_init(&bob, "bob", BOB, 2222);
    party_generate_prekeys(&bob);
    alice_cert = server_certify(&s, &alice);
    bob_cert = server_certify(&s, &bob);

    /* 1. Alice starts a session from Bob's bundle, as in conversation.c. */
    bundle = party_bundle(&bob);
    CHECK(hush_prekey_bundle_get_identity_key(bundle, &bob_identity));
    if (!party_trusts(&alice, bob_identity)) {
        return 1;
    }
    CHECK(hush_session_record_new(&alice_record));
    CHECK(hush_session_initiate(alice_record, bundle, alice.local, NOW_MS, NULL));

    /* 2. Alice encrypts as usual, then seals for Bob's identity key (v1). */
    CHECK(hush_session_encrypt(alice_record, (const uint8_t *)hello, strlen(hello), alice.address,
                               bob.address, NOW_MS, NULL, &type, &message));
    content = wrap(alice_cert, type, &message);
    CHECK(hush_sealed_sender_seal_v1(bob_identity, content, alice.identity, NULL, &sealed));
    printf("alice -> bob (sealed sender v1, %s message inside): %s\n",
           type == HUSH_MESSAGE_TYPE_PREKEY ? "PreKey" : "Signal", hello);
    hush_unidentified_content_free(content);
    hush_buffer_free(&message);

    /* 3. Bob receives it; the first message also starts his session. */
    CHECK(hush_session_record_new(&bob_record));
    receive_sealed(&bob, bob_record, &s, &sealed);

    /* 4. Bob answers with v2: one upload for all of Alice's devices (here
     * one), which the server splits into a message per device. */
    CHECK(hush_session_encrypt(bob_record, (const uint8_t *)answer, strlen(answer), bob.address,
                               alice.address, NOW_MS, NULL, &type, &message));
    content = wrap(bob_cert, type, &message);
    to[0] = alice.address;
    records[0] = bob_record;
    CHECK(hush_sealed_sender_seal_v2(to, records, 1, NULL, NULL, 0, content, bob.identity, NULL,
                                     &sent));
    printf("bob -> alice (sealed sender v2, %s message inside): %s\n",
           type == HUSH_MESSAGE_TYPE_PREKEY ? "PreKey" : "Signal", answer);
    CHECK(hush_sent_message_parse(sent.ptr, sent.len, &upload)); /* the server's side */
    CHECK(hush_sent_message_get_received_message(upload, 0, &delivered));
    receive_sealed(&alice, alice_record, &s, &delivered);

    hush_buffer_free(&message);
    hush_buffer_free(&sealed);
    hush_buffer_free(&sent);
    hush_buffer_free(&delivered);
    hush_sent_message_free(upload);
    hush_unidentified_content_free(content);
    hush_sender_certificate_free(alice_cert);
    hush_sender_certificate_free(bob_cert);
    hush_session_record_free(alice_record);
    hush_session_record_free(bob_record);
    hush_public_key_free(bob_identity);
    hush_prekey_bundle_free(bundle);
    party_free(&alice);
    party_free(&bob);
    hush_private_key_free(s.trust_root);
    hush_public_key_free(s.trust_root_public);
    hush_private_key_free(s.server_key);
    hush_server_certificate_free(s.certificate);
    return 0;
}
