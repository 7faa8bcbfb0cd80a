/*
 * A group chat with sender keys: each member makes one sender key per group
 * (a "distribution"), hands it to every other member over their 1:1
 * sessions, and then encrypts each group message once for everyone.
 * Members receive out of order; a duplicate is refused; a record is stored
 * and reloaded; when a member leaves, the sender key is rotated so that the
 * old member cannot read what follows.
 *
 * Build against an installed hush:
 *   cc -std=c99 group.c $(pkg-config --cflags --libs hush) -o group
 *
 * A sender-key record belongs to one (sender address, distribution ID)
 * pair: Alice keeps one for her own sender key; Bob and Carol each keep one
 * for Alice's.
 */
#include "example.h"

static const char GROUP[] = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";

/* Alice's distribution message as it goes on the wire. In an application it
 * is the plaintext of a 1:1 session message to each member (see
 * conversation.c); whoever receives it checks it came over the session with
 * the member it claims to be from. */
static hush_buffer distribute(hush_sender_key_record *own, hush_distribution_id group) {
    hush_sender_key_distribution_message *message = NULL;
    hush_buffer wire = {0};
    /* An empty record first gets a new sender key (a random chain). */
    CHECK(hush_group_create_distribution(own, group, NULL, &message));
    CHECK(hush_sender_key_distribution_message_serialize(message, &wire));
    hush_sender_key_distribution_message_free(message);
    return wire;
}

/* A member takes Alice's distribution message into its record for her. */
static void accept_distribution(hush_sender_key_record *record, const hush_buffer *wire) {
    hush_sender_key_distribution_message *message = NULL;
    CHECK(hush_sender_key_distribution_message_deserialize(wire->ptr, wire->len, &message));
    CHECK(hush_group_process_distribution(record, message));
    hush_sender_key_distribution_message_free(message);
}

static hush_buffer group_send(hush_sender_key_record *own, hush_distribution_id group,
                              const char *text) {
    hush_buffer wire = {0};
    CHECK(hush_group_encrypt(own, group, (const uint8_t *)text, strlen(text), NULL, &wire));
    printf("alice -> group: %s\n", text);
    return wire;
}

/* Decrypts a group message with the record of its sender and distribution
 * ID (an application finds the record by the sender's address and
 * hush_sender_key_message_get_distribution_id). Persist the record after a
 * success; after a failure it is unchanged. */
static hush_result group_receive(const char *who, hush_sender_key_record *record,
                                 const hush_buffer *wire) {
    hush_buffer plaintext = {0};
    hush_result rc = hush_group_decrypt(record, wire->ptr, wire->len, &plaintext);
    if (rc != HUSH_RESULT_OK) {
        printf("  %s refuses it: %s\n", who, hush_result_str(rc));
        return rc;
    }
    printf("  %s reads: %.*s\n", who, (int)plaintext.len, (const char *)plaintext.ptr);
    hush_buffer_free(&plaintext);
    return rc;
}

int main(void) {
    hush_distribution_id group;
    hush_sender_key_record *alice_own = NULL, *bob_has_alice = NULL, *carol_has_alice = NULL;
    hush_buffer distribution, m1, m2, m3, m4, stored = {0};

    CHECK(hush_distribution_id_parse((const uint8_t *)GROUP, strlen(GROUP), &group));

    /* 1. Alice creates her sender key for the group and distributes it. */
    CHECK(hush_sender_key_record_new(&alice_own));
    distribution = distribute(alice_own, group);
    CHECK(hush_sender_key_record_new(&bob_has_alice));
    CHECK(hush_sender_key_record_new(&carol_has_alice));
    accept_distribution(bob_has_alice, &distribution);
    accept_distribution(carol_has_alice, &distribution);
    hush_buffer_free(&distribution);
    printf("alice's sender key reached bob and carol\n");

    /* 2. One encryption per message, whatever the group's size. */
    m1 = group_send(alice_own, group, "Lunch at noon?");
    m2 = group_send(alice_own, group, "Same place as last week.");
    m3 = group_send(alice_own, group, "Carol, bring the book.");

    /* 3. Bob gets them in order, Carol out of order. */
    CHECK(group_receive("bob", bob_has_alice, &m1));
    CHECK(group_receive("bob", bob_has_alice, &m2));
    CHECK(group_receive("bob", bob_has_alice, &m3));
    CHECK(group_receive("carol", carol_has_alice, &m3));
    CHECK(group_receive("carol", carol_has_alice, &m1));
    CHECK(group_receive("carol", carol_has_alice, &m2));

    /* 4. A message delivered twice is refused. */
    if (group_receive("carol", carol_has_alice, &m1) != HUSH_RESULT_DUPLICATED_MESSAGE) {
        return 1;
    }

    /* 5. Bob's app restarts: his record comes back from storage. */
    CHECK(hush_sender_key_record_serialize(bob_has_alice, &stored));
    hush_sender_key_record_free(bob_has_alice);
    CHECK(hush_sender_key_record_deserialize(stored.ptr, stored.len, &bob_has_alice));
    hush_buffer_free(&stored);
    printf("bob's record reloaded\n");

    /* 6. Carol leaves the group. Alice rotates: a new, empty record gives a
     * new sender key, which goes to the remaining members only. */
    printf("carol leaves; alice rotates her sender key\n");
    hush_sender_key_record_free(alice_own);
    CHECK(hush_sender_key_record_new(&alice_own));
    distribution = distribute(alice_own, group);
    accept_distribution(bob_has_alice, &distribution); /* not to Carol */
    hush_buffer_free(&distribution);

    m4 = group_send(alice_own, group, "Carol has left the group.");
    CHECK(group_receive("bob", bob_has_alice, &m4));
    if (group_receive("carol", carol_has_alice, &m4) != HUSH_RESULT_NO_SENDER_KEY_STATE) {
        return 1;
    }

    hush_buffer_free(&m1);
    hush_buffer_free(&m2);
    hush_buffer_free(&m3);
    hush_buffer_free(&m4);
    hush_sender_key_record_free(alice_own);
    hush_sender_key_record_free(bob_has_alice);
    hush_sender_key_record_free(carol_has_alice);
    return 0;
}
