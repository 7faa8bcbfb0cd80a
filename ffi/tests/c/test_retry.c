/*
 * Retry receipts and libsignal's record bytes through the C API:
 *   - a receipt libsignal 0.103 made (typed in from
 *     test-vectors/retry-receipts/retry-receipts-v0.103.0.json, vector
 *     "whisper-device-1") must come out of hush byte for byte, and parse back;
 *   - the malformed cases give their documented codes and leave outputs alone;
 *   - every record libsignal stored in
 *     test-vectors/libsignal-records/records-v0.103.0.json (read at run
 *     time; run from the repository root) loads with hush_x_from_libsignal and
 *     hush_x_to_libsignal gives the same bytes back; a receipt for Bob's last
 *     message matches Bob's current ratchet key, and no longer after a reset.
 */
#include "check.h"

static const char ORIGINAL[] =
    "440a2105bc1987431d684fdb71cefffed5ca780558f839dbae64bf48c51aead9"
    "fd362d721000180022209da6b54571ee4d84ef324682985a8e17496c6951bd55"
    "47968658298128e39c9d2a25010216050f5339bdcbcd3e5b29f0b18e79642cba"
    "6f8df9441cd6bf158abbfff686bff6b9c0257d308a1ade40ec";
static const char RATCHET_KEY[] =
    "05bc1987431d684fdb71cefffed5ca780558f839dbae64bf48c51aead9fd362d"
    "72";
static const char DECRYPTION_ERROR[] =
    "0a2105bc1987431d684fdb71cefffed5ca780558f839dbae64bf48c51aead9fd"
    "362d7210b9b096ffbc311801";
static const char PLAINTEXT_CONTENT[] =
    "c0422c0a2105bc1987431d684fdb71cefffed5ca780558f839dbae64bf48c51a"
    "ead9fd362d7210b9b096ffbc31180180";
static const uint64_t TIMESTAMP = 1700000012345ull;
static const uint32_t DEVICE = 1u;

static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes `len` hex digits; returns a malloc'd buffer (caller frees) or NULL. */
static uint8_t *unhex(const char *hex, size_t len, size_t *out_len) {
    uint8_t *out;
    size_t i;
    if (len % 2 != 0) return NULL;
    out = malloc(len / 2 + 1);
    if (out == NULL) return NULL;
    for (i = 0; i < len / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    *out_len = len / 2;
    return out;
}

static int buffer_is(const hush_buffer *buf, const uint8_t *bytes, size_t len) {
    return buf->len == len && buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0;
}

static void test_libsignal_receipt(void) {
    size_t original_len, key_len, dem_len, content_len;
    uint8_t *original = unhex(ORIGINAL, strlen(ORIGINAL), &original_len);
    uint8_t *key = unhex(RATCHET_KEY, strlen(RATCHET_KEY), &key_len);
    uint8_t *dem_bytes = unhex(DECRYPTION_ERROR, strlen(DECRYPTION_ERROR), &dem_len);
    uint8_t *content_bytes = unhex(PLAINTEXT_CONTENT, strlen(PLAINTEXT_CONTENT), &content_len);
    hush_decryption_error_message *dem = NULL, *parsed = NULL, *from_body = NULL, *from_content = NULL;
    hush_plaintext_content *content = NULL, *received = NULL;
    hush_buffer buf = {0}, body = {0};
    hush_public_key *rk = NULL;
    uint64_t ts = 0;
    uint32_t device = 0;

    CHECK(original && key && dem_bytes && content_bytes);
    CHECK_RC(hush_decryption_error_message_for_original(original, original_len, HUSH_MESSAGE_TYPE_WHISPER,
                                                        TIMESTAMP, DEVICE, &dem),
             HUSH_RESULT_OK);
    CHECK_RC(hush_decryption_error_message_serialize(dem, &buf), HUSH_RESULT_OK);
    CHECK(buffer_is(&buf, dem_bytes, dem_len));
    hush_buffer_free(&buf);
    CHECK_RC(hush_plaintext_content_from_decryption_error(dem, &content), HUSH_RESULT_OK);
    CHECK_RC(hush_plaintext_content_serialize(content, &buf), HUSH_RESULT_OK);
    CHECK(buffer_is(&buf, content_bytes, content_len));
    hush_buffer_free(&buf);

    /* The sender's side: libsignal's bytes in, the same fields out. */
    CHECK_RC(hush_plaintext_content_deserialize(content_bytes, content_len, &received), HUSH_RESULT_OK);
    CHECK_RC(hush_plaintext_content_get_body(received, &body), HUSH_RESULT_OK);
    CHECK(buffer_is(&body, content_bytes + 1, content_len - 1));
    CHECK_RC(hush_decryption_error_message_from_content_body(body.ptr, body.len, &from_body), HUSH_RESULT_OK);
    CHECK_RC(hush_decryption_error_message_from_plaintext_content(received, &from_content), HUSH_RESULT_OK);
    CHECK_RC(hush_decryption_error_message_deserialize(dem_bytes, dem_len, &parsed), HUSH_RESULT_OK);
    {
        hush_decryption_error_message *all[3];
        size_t i;
        all[0] = parsed;
        all[1] = from_body;
        all[2] = from_content;
        for (i = 0; i < 3; i++) {
            CHECK_RC(hush_decryption_error_message_get_timestamp(all[i], &ts), HUSH_RESULT_OK);
            CHECK(ts == TIMESTAMP);
            CHECK_RC(hush_decryption_error_message_get_device_id(all[i], &device), HUSH_RESULT_OK);
            CHECK(device == DEVICE);
            CHECK_RC(hush_decryption_error_message_get_ratchet_key(all[i], &rk), HUSH_RESULT_OK);
            CHECK(rk != NULL);
            CHECK_RC(hush_public_key_serialize(rk, &buf), HUSH_RESULT_OK);
            CHECK(buffer_is(&buf, key, key_len));
            hush_buffer_free(&buf);
            hush_public_key_free(rk);
            rk = NULL;
        }
    }

    /* A group message's receipt names no ratchet key: NULL on success. */
    {
        hush_decryption_error_message *group = NULL;
        static const uint8_t expected[] = {0x10, 0x05, 0x18, 0x07};
        rk = (hush_public_key *)SENTINEL;
        CHECK_RC(hush_decryption_error_message_for_original((const uint8_t *)"x", 1, HUSH_MESSAGE_TYPE_SENDER_KEY, 5,
                                                            7, &group),
                 HUSH_RESULT_OK);
        CHECK_RC(hush_decryption_error_message_get_ratchet_key(group, &rk), HUSH_RESULT_OK);
        CHECK(rk == NULL);
        CHECK_RC(hush_decryption_error_message_serialize(group, &buf), HUSH_RESULT_OK);
        CHECK(buffer_is(&buf, expected, sizeof expected));
        hush_buffer_free(&buf);
        hush_decryption_error_message_free(group);
    }

    hush_buffer_free(&body);
    hush_decryption_error_message_free(dem);
    hush_decryption_error_message_free(parsed);
    hush_decryption_error_message_free(from_body);
    hush_decryption_error_message_free(from_content);
    hush_plaintext_content_free(content);
    hush_plaintext_content_free(received);
    free(original);
    free(key);
    free(dem_bytes);
    free(content_bytes);
}

static void test_malformed(void) {
    hush_decryption_error_message *dem = (hush_decryption_error_message *)SENTINEL;
    hush_plaintext_content *content = (hush_plaintext_content *)SENTINEL;
    static const uint8_t c0[] = {0xc0};
    static const uint8_t wrong_first[] = {0xc1, 0x42, 0x04, 0x10, 0x05, 0x18, 0x07, 0x80};
    static const uint8_t no_boundary[] = {0x42, 0x04, 0x10, 0x05, 0x18, 0x07};
    static const uint8_t no_receipt[] = {0x0a, 0x01, 0x00, 0x80};
    static const uint8_t no_timestamp[] = {0x18, 0x07};
    static const uint8_t short_whisper[] = {0x44, 0x01};

    CHECK_RC(hush_decryption_error_message_for_original(c0, 1, HUSH_MESSAGE_TYPE_PLAINTEXT, 1, 1, &dem),
             HUSH_RESULT_PLAINTEXT_NOT_ENCRYPTED);
    CHECK_RC(hush_decryption_error_message_for_original(short_whisper, 2, HUSH_MESSAGE_TYPE_WHISPER, 1, 1, &dem),
             HUSH_RESULT_MESSAGE_TOO_SHORT);
    CHECK_RC(hush_decryption_error_message_for_original(c0, 1, 5, 1, 1, &dem), HUSH_RESULT_MESSAGE_UNSUPPORTED_TYPE);
    CHECK_RC(hush_plaintext_content_deserialize(NULL, 0, &content), HUSH_RESULT_MESSAGE_TOO_SHORT);
    CHECK_RC(hush_plaintext_content_deserialize(wrong_first, sizeof wrong_first, &content),
             HUSH_RESULT_MESSAGE_UNRECOGNIZED_VERSION);
    CHECK_RC(hush_decryption_error_message_from_content_body(no_boundary, sizeof no_boundary, &dem),
             HUSH_RESULT_INVALID_PROTOBUF);
    CHECK_RC(hush_decryption_error_message_from_content_body(no_receipt, sizeof no_receipt, &dem),
             HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE);
    CHECK_RC(hush_decryption_error_message_deserialize(no_timestamp, sizeof no_timestamp, &dem),
             HUSH_RESULT_INVALID_PROTOBUF);
    CHECK_RC(hush_decryption_error_message_deserialize(no_timestamp, sizeof no_timestamp, NULL),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_decryption_error_message_serialize(NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(dem == (hush_decryption_error_message *)SENTINEL);
    CHECK(content == (hush_plaintext_content *)SENTINEL);
    CHECK(strcmp(hush_result_str(HUSH_RESULT_NO_DECRYPTION_ERROR_MESSAGE), "unknown hush_result") != 0);
    hush_decryption_error_message_free(NULL);
    hush_plaintext_content_free(NULL);
}

/* ---- libsignal records ---------------------------------------------------- */

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *text;
    long size;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    text = malloc((size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    if (text != NULL) text[size] = '\0';
    fclose(f);
    return text;
}

/* The hex string of the first `"key": "..."` at or after `from`. */
static uint8_t *hex_field(const char *from, const char *key, size_t *len) {
    char pattern[64];
    const char *start, *end;
    snprintf(pattern, sizeof pattern, "\"%s\": \"", key);
    start = strstr(from, pattern);
    if (start == NULL) return NULL;
    start += strlen(pattern);
    end = strchr(start, '"');
    if (end == NULL) return NULL;
    return unhex(start, (size_t)(end - start), len);
}

#define ROUND_TRIP(type, json, key)                                                 \
    do {                                                                            \
        size_t len_ = 0;                                                            \
        uint8_t *bytes_ = hex_field(json, key, &len_);                              \
        type *value_ = NULL;                                                        \
        hush_buffer out_ = {0};                                                     \
        CHECK(bytes_ != NULL);                                                      \
        CHECK_RC(type##_from_libsignal(bytes_, len_, &value_), HUSH_RESULT_OK);     \
        CHECK_RC(type##_to_libsignal(value_, &out_), HUSH_RESULT_OK);               \
        CHECK(buffer_is(&out_, bytes_, len_));                                      \
        hush_buffer_free(&out_);                                                    \
        type##_free(value_);                                                        \
        free(bytes_);                                                               \
    } while (0)

static void test_libsignal_records(void) {
    char *json = read_file("test-vectors/libsignal-records/records-v0.103.0.json");
    const char *conversation, *unacknowledged;
    size_t len = 0, msg_len = 0;
    uint8_t *bob, *to_alice;
    hush_session_record *record = NULL, *refused = (hush_session_record *)SENTINEL;
    hush_decryption_error_message *dem = NULL;
    hush_public_key *key = NULL;
    size_t archived = 0;
    bool matches = false, had = false;

    CHECK(json != NULL);
    if (json == NULL) return;
    conversation = strstr(json, "\"conversation\"");
    unacknowledged = strstr(json, "\"unacknowledged\"");
    CHECK(conversation != NULL && unacknowledged != NULL);
    if (conversation == NULL || unacknowledged == NULL) {
        free(json);
        return;
    }
    ROUND_TRIP(hush_identity_key_pair, json, "identity_key_pair");
    ROUND_TRIP(hush_session_record, conversation, "bob_record");
    ROUND_TRIP(hush_session_record, conversation, "alice_record");
    ROUND_TRIP(hush_session_record, unacknowledged, "alice_record");
    ROUND_TRIP(hush_prekey_record, unacknowledged, "bob_prekey_record");
    ROUND_TRIP(hush_signed_prekey_record, unacknowledged, "bob_signed_prekey_record");
    ROUND_TRIP(hush_kyber_prekey_record, unacknowledged, "bob_kyber_prekey_record");
    ROUND_TRIP(hush_sender_key_record, json, "sender_record");
    ROUND_TRIP(hush_sender_key_record, json, "receiver_record");

    /* Bob's record: two archived states; a receipt for the message Bob sent
     * last names his current ratchet key until he resets. */
    bob = hex_field(conversation, "bob_record", &len);
    to_alice = hex_field(strstr(conversation, "\"to_alice\""), "ciphertext", &msg_len);
    CHECK(bob != NULL && to_alice != NULL);
    CHECK_RC(hush_session_record_from_libsignal(bob, len, &record), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_get_archived_count(record, &archived), HUSH_RESULT_OK);
    CHECK(archived == 2);
    CHECK_RC(hush_decryption_error_message_for_original(to_alice, msg_len, HUSH_MESSAGE_TYPE_WHISPER, 1, 1, &dem),
             HUSH_RESULT_OK);
    CHECK_RC(hush_decryption_error_message_get_ratchet_key(dem, &key), HUSH_RESULT_OK);
    CHECK_RC(hush_session_record_current_ratchet_key_matches(record, key, &matches), HUSH_RESULT_OK);
    CHECK(matches);
    CHECK_RC(hush_session_record_archive_current_state(record, &had), HUSH_RESULT_OK);
    CHECK(had);
    CHECK_RC(hush_session_record_current_ratchet_key_matches(record, key, &matches), HUSH_RESULT_OK);
    CHECK(!matches);
    CHECK_RC(hush_session_record_current_ratchet_key_matches(record, NULL, &matches), HUSH_RESULT_NULL_ARGUMENT);

    /* A truncated record is refused, with the reason, and nothing is written. */
    CHECK_RC(hush_session_record_from_libsignal(bob, len - 1, &refused), HUSH_RESULT_STATE_INVALID);
    CHECK(refused == (hush_session_record *)SENTINEL);

    hush_public_key_free(key);
    hush_decryption_error_message_free(dem);
    hush_session_record_free(record);
    free(bob);
    free(to_alice);
    free(json);
}

int main(void) {
    test_libsignal_receipt();
    test_malformed();
    test_libsignal_records();
    printf("test_retry: %d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
