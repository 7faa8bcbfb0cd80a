/*
 * C test of the hush foundation ABI: keys, signatures, agreement, KEM,
 * pre-key records, bundles, fingerprints, randomness, error handling.
 * Built and run by ffi/tests/run-c-tests.sh (ASan/UBSan, shared library,
 * Valgrind). The last line printed is "N passed, N failed"; the exit status
 * is non-zero if anything failed.
 *
 * Vectors made by libsignal (@signalapp/libsignal-client 0.103.0), copied
 * from test-vectors/libsignal/:
 *   signatures.json:  sig0, sig3 (valid), mut15 (sign-bit flip, rejected),
 *                     mut18 (s + L, which libsignal accepts), mut22
 *                     (truncated to 63 bytes), mut29 (key type 0x06)
 *   primitives.json:  agree-0-1, low-order-zero, low-order-one, det0
 *   session-basic-v0.103.0.json: the receiver's identity, signed pre-key 11,
 *                     one-time pre-key 31 and Kyber pre-key 21 (a bundle
 *                     whose signatures libsignal made)
 * and from /work/shared/spec/fingerprint.md section 6.1 (libsignal's own
 * fingerprint test: Alice and Bob, 5200 iterations).
 */
#include "hush.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Decodes hex into out (capacity cap); aborts on malformed input, which is
 * a bug in this file rather than in hush. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = strlen(hex);
    size_t i;
    if (n % 2 != 0 || n / 2 > cap) {
        fprintf(stderr, "bad hex literal in test\n");
        abort();
    }
    for (i = 0; i < n / 2; i++) {
        unsigned int byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
            fprintf(stderr, "bad hex literal in test\n");
            abort();
        }
        out[i] = (uint8_t)byte;
    }
    return n / 2;
}

static int buffer_is(const hush_buffer *buf, const uint8_t *bytes, size_t len) {
    return buf->len == len && buf->ptr != NULL && memcmp(buf->ptr, bytes, len) == 0;
}

static int buffers_equal(const hush_buffer *a, const hush_buffer *b) {
    return a->ptr != NULL && buffer_is(b, a->ptr, a->len);
}

static int public_key_is(const hush_public_key *key, const char *hex) {
    uint8_t want[64];
    size_t n = unhex(hex, want, sizeof want);
    hush_buffer buf = {0};
    int same;
    if (hush_public_key_serialize(key, &buf) != HUSH_RESULT_OK) {
        return 0;
    }
    same = buffer_is(&buf, want, n);
    hush_buffer_free(&buf);
    return same;
}

static int last_error_contains(const char *needle) {
    char msg[256];
    hush_last_error_message(msg, sizeof msg);
    return strstr(msg, needle) != NULL;
}

/* ------------------------------------------------------------------ rng */

/* A deterministic "random" source for tests: counter bytes. */
typedef struct {
    uint8_t next;
    size_t calls;
    size_t bytes;
    size_t fail_on_call; /* 0: never fail */
} counter_rng;

static int counter_fill(void *ctx, uint8_t *buf, size_t len) {
    counter_rng *c = (counter_rng *)ctx;
    size_t i;
    c->calls++;
    if (c->fail_on_call != 0 && c->calls >= c->fail_on_call) {
        memset(buf, 0xee, len); /* garbage hush must not use */
        return -1;
    }
    for (i = 0; i < len; i++) {
        buf[i] = c->next++;
    }
    c->bytes += len;
    return 0;
}

static hush_rng *make_rng(counter_rng *state) {
    hush_rng *rng = NULL;
    CHECK_RC(hush_rng_new(counter_fill, state, &rng), HUSH_RESULT_OK);
    CHECK(rng != NULL);
    return rng;
}

/* ------------------------------------------------------------- vectors */

static const char SIG_PUBLIC[] = "05038b636a8343e2da3b799412c9020e1e629905a4d8144932a6610ec7de2e977e";
static const char SIG3_MESSAGE[] = "The quick brown fox jumps over the lazy dog";
static const char SIG3[] =
    "76e134db951dcb0058d3bb7ae7ae6e823fc9b721ee7ca8986566cf042eb3486e"
    "5057c8418253ec612a93625191e54ebc57c5ed0bd1823cbe7c62d5d413be4781";
static const char SIG0_EMPTY_MESSAGE[] =
    "d4c65109c0d7cff12511e7d0c3f925870d54450a64842d2667b828420081e112"
    "34c62f3b89149303f72c8e59dd5b41a30cbe32612cbd8a517804846645efd080";
static const char MUT15_SIGN_BIT_FLIP[] =
    "76e134db951dcb0058d3bb7ae7ae6e823fc9b721ee7ca8986566cf042eb3486e"
    "5057c8418253ec612a93625191e54ebc57c5ed0bd1823cbe7c62d5d413be4701";
static const char MUT18_S_PLUS_L[] =
    "76e134db951dcb0058d3bb7ae7ae6e823fc9b721ee7ca8986566cf042eb3486e"
    "3d2bbe9e9cb6feb900305af46fdf2dd157c5ed0bd1823cbe7c62d5d413be4791";
static const char MUT29_PUBLIC_TYPE_06[] = "06038b636a8343e2da3b799412c9020e1e629905a4d8144932a6610ec7de2e977e";

static const char DET0_PRIVATE[] = "480621bb05b3a83fbc7c8134056b4fd9dbffc6f2c18b95babb44dd4d693224af";
static const char DET0_PRIVATE_CLAMPED[] = "480621bb05b3a83fbc7c8134056b4fd9dbffc6f2c18b95babb44dd4d6932246f";
static const char DET0_PUBLIC[] = "05a18790ede33830b40ec426d637d0e9ce044f7b0628203c898e947dff489cd450";
static const char AGREE_0_1_PUBLIC[] = "057f732dc5e9c9102a739850dbd92ec0e7acbd001a597f1bf95b7c194da3cf2503";
static const char AGREE_0_1_SHARED[] = "58a2abd27d932630df1a0d1aaeaa5f0f4464733cc18c33a4ac01246752a34545";
static const char LOW_ORDER_ZERO[] = "050000000000000000000000000000000000000000000000000000000000000000";
static const char LOW_ORDER_ONE[] = "050100000000000000000000000000000000000000000000000000000000000000";

static const char LIBSIGNAL_IDENTITY_PUBLIC[] = "056e110c4f38524434148443bd129ac3880466f9fcb4d973a6df72130909d1be25";
static const char LIBSIGNAL_IDENTITY_PRIVATE[] = "286e963549f173b69e1d7287f7eea64c70721dd97bb75714ad4bf4d10053a661";
static const char LIBSIGNAL_SIGNED_PREKEY_PUBLIC[] = "05aa4e9e905fa7d1d52c89f696cf28ef7c2a0cdebcb285f0ca07a0307e41e6fa5f";
static const char LIBSIGNAL_SIGNED_PREKEY_SIGNATURE[] =
    "f822da8eac509f4af7cad816df897ecb041114b7c334fdb047269ef851d5fbe5"
    "5177ac65f779f881a5addb3d101ca624ae7581408aced0b322ba7885be3d1503";
static const char LIBSIGNAL_PREKEY_PUBLIC[] = "051b042c8c74608115d8a367214163ef10155a50281fc702dd92ee547e1e298222";
static const char LIBSIGNAL_PREKEY_PRIVATE[] = "50003c96dd2cabf5bd224eda48d8f27d2f285e46b66276b45e257080d610424f";
static const char LIBSIGNAL_KYBER_PREKEY_SIGNATURE[] =
    "60c66debe49a54f6b7dea0331cd82c238b890d32aefcc945cf47e94cb2f36498"
    "61c0f29a1689393432e985295d6c7b6c56c24326c979c6f564873aceff870e07";
static const char LIBSIGNAL_KYBER_PREKEY_PUBLIC[] =
    "0809c82fb8f81b75526a8bcc56319a8d6f3c988173039d430bc33a923c41c66850c02a9181d78b62e8b80138da9a6148"
    "4f75b4a15e9210f9e15855d634a436a2c63631e5620c179030b434a6a4d647a6851aab1283ffb025f29c7675526951e9"
    "37e5eb0433db70b5f878648450b4890a660a5b2264c36d201f5205c0d8736fa1585ae5cb285e3360a106a514c38c91b0"
    "973d1c44d40792f9fb60cf6a362c9180179c7e44a2a96be08a76b7ce484c059ff7afe159c20d3805c62690cfda034dc3"
    "092d2801bb623591397ab8bcc9f8e97c5c598c9ffa749a5b8f93a8372d2465307669fab09562e3b934a3480395930aa6"
    "5b4958cb99173514ca02a1400f73706d2d0a92f9d0525c1509532c584828738b54ae15e8678185c23a4674303cb63b22"
    "04cb43b0d8b437d393761a620a10a984c4a7c058445fdc121e54d0b260c5588b869f1dac4c99b8acbdacad3f5c9f23d0"
    "3f7ae42dbce12807029fbf0264c658523e1782ab6124cbc9617fb62961eaa6e0a23fcf96449ea6764b859e8241ca75f0"
    "1346ba8dddba9753d69fffccc1b87092d310449be85eb5c100498530cc177b7a7bbb983375e3836241ec98a326686777"
    "b94132b103121a909861ff4425c5221b4f6514acfb17fce6c443ec9984eab8a4f8c4d4bac14bba125896542fec8d2c34"
    "2d147b3ca93891dcc884cfe22b4a1c89147bba4058af70c80a32713d9b04612f00138a105fd6f25f586b2f92953883e8"
    "30360609ffc26b9d50c63227b0b4fc92c1543bcb770276b091cf5bbeb9c12bfc3b42ed4a135f88bc7f37bc8d65698675"
    "179451182beb97c8d302ffbca0b3d6ae369a1446296dc2d4b3483cb84cbc8a85920bad3c1875dc8a6ba530ee299f2c26"
    "c8b9924f7ffb56c1a5b9f14b0f6f7a5f0111a43ed988af7bb36b915a44412b5664749cf30eb414b179d9255ec8aa9020"
    "b608002e234ab7b2e0029381a07d825282e8adfc600d3816062a6a8c0fd47f35db93db844a3768c819a0cce135c670c8"
    "1fc5f6ad9c6b6a4577357e967ad1dbab85b8b5b37767c0fcbecfa52a78024ce56048406029980b5924d7c779a40e10ca"
    "61d8075729f188b55b5eaf157dd8372324f382967cc403c2564c5653113666039442799618c87088d33b53224cbe81e7"
    "be389bb26bc762d83ace9ed0521265945343491a5340d3019468c492b2c037c30c64f030ca8be4277a6bae881876ae5b"
    "46e575bd7b091671434a91125869703b6f27ca3d4ccb2d0176788094fdaba476e9931470ac45f7c86b3093ad184144a9"
    "9650b30b3f334abf21028256c584da0f152cb08f522c17fc638b98102c229b7e28a64c1549fa14af87c6a4b23663892b"
    "6c78a05f3156c52022872bf98989da02798a8fd700bcc47650ed89715140aca6399139f867a10b7e9439bfa8264f4cdb"
    "c7b8984da0b5340a596b03c33f7cccb466ab4f17f210c52c54072c24f0e372f55cae8373097f98929ffa366fcc8e6647"
    "6828198541a6aff9e50e7729ac07d37196f6228b680ae128a3599c0a02f336ae1302f17613d1f8539708708d7a082070"
    "1c2798434ebc6e95b14474762c8e1a6342103cd0760f11e5910b397f3ba4bbbd8344e5360bd141706d6437e344aac348"
    "3bbdb1ab6e25097c7b868b5a34b0e8b07ce698d57b21fa74ce91332677c149e19335541c53564554006626ecd865b132"
    "22c3602d9a8cb59c65ba59f565f610c92e0932c6a2976bb46ed1b6acbe21a8f6a767ff4572943b85091b18f3e6a23edb"
    "63aa6526036bb141753aba066305c841ac795889631ff4459d5d5c5de7d9126408ba98b60d4186228e80bd8ed8018767"
    "59dda73eaec5c2ec750a8f904c00d12b15b536942b064d128749b9cfb39487cc113415337e081712a0a332e674bc0819"
    "91aee318253ab58492bc0508474a808fff205de7b064cef09ea45741abe4c598d7ab383a5db0268083185525c4a5ba67"
    "4c4e84c6e6f970d6c806ac199cadd47abd676d6f08c5c87a2a002b178e813903192353475cf1b88b1f8b9f88e0be1622"
    "7f3c84a0549aa013da17c2a247b4a40ea7e99e663b621e12a925a4c68649ce51ec02a6fc8d5c1276c9dc00f5655cf23b"
    "6d07e6c47d2a7db76c1df4f55e4738b42ec75de9e171afe46a2f641208b0817421c12ce4c2f2d18a34f2958da6bd96b2"
    "c83a4f2dc2afb7afcd82b76a699d34b69d43abde43c0acabfac2cfb3f5a4dcfb17";

static const char ALICE_IDENTITY[] = "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
static const char BOB_IDENTITY[] = "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";
static const char ALICE_ID[] = "+14152222222";
static const char BOB_ID[] = "+14153333333";
static const char DISPLAY_6_1[] = "300354477692869396892869876765458257569162576843440918079131";
static const char SCANNABLE_V2_ALICE[] =
    "080212220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df"
    "1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d";
static const char SCANNABLE_V2_BOB[] =
    "080212220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d"
    "1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";
static const char SCANNABLE_V1_BOB[] =
    "080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d"
    "1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df";

static hush_public_key *public_key_from_hex(const char *hex) {
    uint8_t bytes[1600];
    size_t n = unhex(hex, bytes, sizeof bytes);
    hush_public_key *key = NULL;
    CHECK_RC(hush_public_key_deserialize(bytes, n, &key), HUSH_RESULT_OK);
    return key;
}

static hush_private_key *private_key_from_hex(const char *hex) {
    uint8_t bytes[32];
    size_t n = unhex(hex, bytes, sizeof bytes);
    hush_private_key *key = NULL;
    CHECK_RC(hush_private_key_deserialize(bytes, n, &key), HUSH_RESULT_OK);
    return key;
}

/* --------------------------------------------------------------- tests */

static void test_version(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", HUSH_VERSION_MAJOR, HUSH_VERSION_MINOR,
             HUSH_VERSION_PATCH);
    CHECK(hush_version() != NULL);
    CHECK(strcmp(hush_version(), HUSH_VERSION_STRING) == 0);
    CHECK(strcmp(expected, HUSH_VERSION_STRING) == 0);
}

static void test_result_codes(void) {
    static const hush_result codes[] = {
        HUSH_RESULT_OK,
        HUSH_RESULT_NULL_ARGUMENT,
        HUSH_RESULT_INVALID_ARGUMENT,
        HUSH_RESULT_PANIC,
        HUSH_RESULT_RANDOM_SOURCE_FAILURE,
        HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER,
        HUSH_RESULT_BAD_KEY_TYPE,
        HUSH_RESULT_BAD_KEY_LENGTH,
        HUSH_RESULT_BAD_KEM_KEY_TYPE,
        HUSH_RESULT_BAD_KEM_KEY_LENGTH,
        HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH,
        HUSH_RESULT_INVALID_KEY_AGREEMENT,
        HUSH_RESULT_KEY_PAIR_MISMATCH,
        HUSH_RESULT_INVALID_PROTOBUF,
        HUSH_RESULT_BAD_SIGNATURE_LENGTH,
        HUSH_RESULT_SIGNATURE_VALIDATION_FAILED,
        HUSH_RESULT_INVALID_DEVICE_ID,
        HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT,
        HUSH_RESULT_FINGERPRINT_PARSING,
        HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH,
        HUSH_RESULT_FINGERPRINT_MISMATCH,
    };
    size_t n = sizeof codes / sizeof codes[0];
    size_t i, j;
    const char *unknown = hush_result_str(123456u);
    CHECK(HUSH_RESULT_OK == 0);
    CHECK(unknown != NULL && strcmp(unknown, "unknown hush_result") == 0);
    CHECK(strcmp(hush_result_str(0xffffffffu), "unknown hush_result") == 0);
    for (i = 0; i < n; i++) {
        const char *text = hush_result_str(codes[i]);
        CHECK(text != NULL);
        if (text == NULL) {
            continue;
        }
        CHECK(text[0] != '\0');
        CHECK(strcmp(text, unknown) != 0);
        for (j = i + 1; j < n; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(text, hush_result_str(codes[j])) != 0);
        }
    }
}

static void test_os_rng_keys(void) {
    hush_private_key *a = NULL, *b = NULL;
    hush_public_key *a_pub = NULL;
    hush_buffer a_bytes = {0}, b_bytes = {0}, a_pub_bytes = {0}, sig = {0};
    static const uint8_t msg[] = "hello";

    CHECK_RC(hush_private_key_generate(NULL, &a), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_generate(NULL, &b), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_serialize(a, &a_bytes), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_serialize(b, &b_bytes), HUSH_RESULT_OK);
    CHECK(a_bytes.len == 32 && b_bytes.len == 32);
    CHECK(!buffers_equal(&a_bytes, &b_bytes));
    /* Clamped. */
    CHECK((a_bytes.ptr[0] & 7) == 0 && (a_bytes.ptr[31] & 0xc0) == 0x40);

    CHECK_RC(hush_private_key_get_public_key(a, &a_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_serialize(a_pub, &a_pub_bytes), HUSH_RESULT_OK);
    CHECK(a_pub_bytes.len == 33 && a_pub_bytes.ptr[0] == 0x05);

    CHECK_RC(hush_private_key_sign(a, msg, 5, NULL, &sig), HUSH_RESULT_OK);
    CHECK(sig.len == 64);
    CHECK_RC(hush_public_key_verify_signature(a_pub, msg, 5, sig.ptr, sig.len), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_verify_signature(a_pub, msg, 4, sig.ptr, sig.len),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    sig.ptr[10] ^= 0x01;
    CHECK_RC(hush_public_key_verify_signature(a_pub, msg, 5, sig.ptr, sig.len),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);

    hush_buffer_free(&a_bytes);
    hush_buffer_free(&b_bytes);
    hush_buffer_free(&a_pub_bytes);
    hush_buffer_free(&sig);
    hush_public_key_free(a_pub);
    hush_private_key_free(a);
    hush_private_key_free(b);
}

static void test_callback_rng(void) {
    counter_rng state = {0, 0, 0, 0};
    counter_rng again = {0, 0, 0, 0};
    counter_rng failing = {0, 0, 0, 1};
    counter_rng fails_second = {0, 0, 0, 2};
    hush_rng *rng = make_rng(&state);
    hush_rng *rng_again = make_rng(&again);
    hush_rng *rng_failing = make_rng(&failing);
    hush_rng *rng_fails_second = make_rng(&fails_second);
    hush_private_key *key = NULL, *key_again = NULL;
    hush_private_key *not_made = SENTINEL;
    hush_kem_key_pair *kem_not_made = SENTINEL;
    hush_identity_key_pair *identity = NULL;
    hush_signed_prekey_record *spk_not_made = SENTINEL;
    hush_buffer bytes = {0}, sig = {0}, sig_again = {0}, untouched = {0};
    uint8_t expected[32];
    size_t i;
    static const uint8_t msg[] = "deterministic";

    /* Each call asks the callback for one 32-byte seed, whatever it makes. */
    CHECK_RC(hush_private_key_generate(rng, &key), HUSH_RESULT_OK);
    CHECK(state.calls == 1 && state.bytes == 32);
    CHECK_RC(hush_private_key_serialize(key, &bytes), HUSH_RESULT_OK);
    /* The seed is expanded (ChaCha20), so the key is not the raw callback bytes. */
    for (i = 0; i < 32; i++) {
        expected[i] = (uint8_t)i;
    }
    expected[0] &= 0xf8;
    expected[31] = (uint8_t)((expected[31] & 0x7f) | 0x40);
    CHECK(bytes.len == 32 && !buffer_is(&bytes, expected, 32));

    /* Same callback state, same key and same signature. */
    CHECK_RC(hush_private_key_generate(rng_again, &key_again), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_sign(key, msg, sizeof msg, rng, &sig), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_sign(key_again, msg, sizeof msg, rng_again, &sig_again), HUSH_RESULT_OK);
    CHECK(state.calls == 2 && state.bytes == 32 + 32);
    CHECK(buffers_equal(&sig, &sig_again));
    {
        hush_buffer again_bytes = {0};
        CHECK_RC(hush_private_key_serialize(key_again, &again_bytes), HUSH_RESULT_OK);
        CHECK(buffers_equal(&bytes, &again_bytes));
        hush_buffer_free(&again_bytes);
    }

    /* A failing callback is an error code; nothing is written. */
    CHECK_RC(hush_private_key_generate(rng_failing, &not_made), HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(not_made == SENTINEL);
    CHECK(last_error_contains("random source"));
    CHECK_RC(hush_kem_key_pair_generate(rng_failing, &kem_not_made), HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(kem_not_made == SENTINEL);
    CHECK_RC(hush_private_key_sign(key, msg, sizeof msg, rng_failing, &untouched),
             HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(untouched.ptr == NULL && untouched.len == 0);
    /* The source fails on its second call: the first call works, the second
       fails before anything is made. */
    CHECK_RC(hush_identity_key_pair_generate(rng_fails_second, &identity), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_generate(1, 2, identity, rng_fails_second, &spk_not_made),
             HUSH_RESULT_RANDOM_SOURCE_FAILURE);
    CHECK(fails_second.calls == 2);
    CHECK(spk_not_made == SENTINEL);

    hush_buffer_free(&bytes);
    hush_buffer_free(&sig);
    hush_buffer_free(&sig_again);
    hush_identity_key_pair_free(identity);
    hush_private_key_free(key);
    hush_private_key_free(key_again);
    hush_rng_free(rng);
    hush_rng_free(rng_again);
    hush_rng_free(rng_failing);
    hush_rng_free(rng_fails_second);
}

static void test_libsignal_signatures(void) {
    uint8_t sig[64], bytes[33];
    size_t msg_len = strlen(SIG3_MESSAGE);
    hush_public_key *key = public_key_from_hex(SIG_PUBLIC);
    hush_public_key *not_made = SENTINEL;
    const uint8_t *msg = (const uint8_t *)SIG3_MESSAGE;

    /* sig3: valid. */
    unhex(SIG3, sig, sizeof sig);
    CHECK_RC(hush_public_key_verify_signature(key, msg, msg_len, sig, 64), HUSH_RESULT_OK);
    /* mut22: the same signature truncated to 63 bytes. */
    CHECK_RC(hush_public_key_verify_signature(key, msg, msg_len, sig, 63),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    /* sig0: valid over the empty message (a NULL pointer with length 0). */
    unhex(SIG0_EMPTY_MESSAGE, sig, sizeof sig);
    CHECK_RC(hush_public_key_verify_signature(key, NULL, 0, sig, 64), HUSH_RESULT_OK);
    /* mut15: the Edwards sign bit flipped; libsignal rejects it. */
    unhex(MUT15_SIGN_BIT_FLIP, sig, sizeof sig);
    CHECK_RC(hush_public_key_verify_signature(key, msg, msg_len, sig, 64),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    /* mut18: s + L; libsignal accepts it, so must we. */
    unhex(MUT18_S_PLUS_L, sig, sizeof sig);
    CHECK_RC(hush_public_key_verify_signature(key, msg, msg_len, sig, 64), HUSH_RESULT_OK);
    /* mut29: key type byte 0x06; libsignal: "bad key type <0x06>". */
    unhex(MUT29_PUBLIC_TYPE_06, bytes, sizeof bytes);
    CHECK_RC(hush_public_key_deserialize(bytes, 33, &not_made), HUSH_RESULT_BAD_KEY_TYPE);
    CHECK(not_made == SENTINEL);
    CHECK(last_error_contains("0x06"));

    hush_public_key_free(key);
}

static void test_agreement(void) {
    hush_private_key *det0 = private_key_from_hex(DET0_PRIVATE);
    hush_public_key *det0_pub = NULL;
    hush_public_key *their = public_key_from_hex(AGREE_0_1_PUBLIC);
    hush_public_key *zero = public_key_from_hex(LOW_ORDER_ZERO);
    hush_public_key *one = public_key_from_hex(LOW_ORDER_ONE);
    hush_private_key *a = NULL, *b = NULL;
    hush_public_key *a_pub = NULL, *b_pub = NULL;
    hush_buffer shared = {0}, ab = {0}, ba = {0}, clamped = {0};
    uint8_t expected[32];
    hush_buffer untouched = SENTINEL_BUFFER;

    /* libsignal's private -> public and clamping (det0). */
    unhex(DET0_PRIVATE_CLAMPED, expected, sizeof expected);
    CHECK_RC(hush_private_key_serialize(det0, &clamped), HUSH_RESULT_OK);
    CHECK(buffer_is(&clamped, expected, 32));
    CHECK_RC(hush_private_key_get_public_key(det0, &det0_pub), HUSH_RESULT_OK);
    CHECK(public_key_is(det0_pub, DET0_PUBLIC));

    /* agree-0-1 */
    unhex(AGREE_0_1_SHARED, expected, sizeof expected);
    CHECK_RC(hush_private_key_agree(det0, their, &shared), HUSH_RESULT_OK);
    CHECK(buffer_is(&shared, expected, 32));

    /* Both directions agree. */
    CHECK_RC(hush_private_key_generate(NULL, &a), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_generate(NULL, &b), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(a, &a_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(b, &b_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_agree(a, b_pub, &ab), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_agree(b, a_pub, &ba), HUSH_RESULT_OK);
    CHECK(ab.len == 32 && buffers_equal(&ab, &ba));

    /* Low-order points (u = 0, u = 1) are rejected; the output is untouched. */
    CHECK_RC(hush_private_key_agree(det0, zero, &untouched), HUSH_RESULT_INVALID_KEY_AGREEMENT);
    CHECK(untouched.ptr == NULL && untouched.len == 7);
    CHECK_RC(hush_private_key_agree(a, one, &untouched), HUSH_RESULT_INVALID_KEY_AGREEMENT);
    CHECK(untouched.ptr == NULL && untouched.len == 7);

    hush_buffer_free(&shared);
    hush_buffer_free(&ab);
    hush_buffer_free(&ba);
    hush_buffer_free(&clamped);
    hush_public_key_free(det0_pub);
    hush_public_key_free(their);
    hush_public_key_free(zero);
    hush_public_key_free(one);
    hush_public_key_free(a_pub);
    hush_public_key_free(b_pub);
    hush_private_key_free(det0);
    hush_private_key_free(a);
    hush_private_key_free(b);
}

static void test_key_parsing(void) {
    uint8_t bytes[40];
    hush_public_key *pub = SENTINEL;
    hush_private_key *priv = SENTINEL;

    memset(bytes, 0x11, sizeof bytes);
    bytes[0] = 0x05;
    CHECK_RC(hush_public_key_deserialize(bytes, 32, &pub), HUSH_RESULT_BAD_KEY_LENGTH);
    CHECK(pub == SENTINEL);
    CHECK_RC(hush_public_key_deserialize(bytes, 0, &pub), HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER);
    CHECK_RC(hush_public_key_deserialize(NULL, 0, &pub), HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER);
    CHECK(pub == SENTINEL);
    /* Trailing bytes are ignored, as in libsignal. */
    CHECK_RC(hush_public_key_deserialize(bytes, 40, &pub), HUSH_RESULT_OK);
    CHECK(pub != SENTINEL);
    hush_public_key_free(pub);
    CHECK_RC(hush_private_key_deserialize(bytes, 31, &priv), HUSH_RESULT_BAD_KEY_LENGTH);
    CHECK_RC(hush_private_key_deserialize(bytes, 33, &priv), HUSH_RESULT_BAD_KEY_LENGTH);
    CHECK(priv == SENTINEL);
}

static void test_identity(void) {
    hush_identity_key_pair *pair = NULL, *copy = NULL, *other = NULL;
    hush_identity_key_pair *not_made = SENTINEL;
    hush_public_key *pub = NULL, *other_pub = NULL, *libsignal_pub = NULL;
    hush_private_key *priv = NULL;
    hush_private_key *libsignal_priv = private_key_from_hex(LIBSIGNAL_IDENTITY_PRIVATE);
    hush_buffer bytes = {0}, bytes_again = {0}, sig = {0}, alt = {0};
    uint8_t corrupt[69];
    static const uint8_t msg[] = "identity";
    static const uint8_t garbage[] = {0xff, 0xff, 0xff};

    CHECK_RC(hush_identity_key_pair_generate(NULL, &pair), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_serialize(pair, &bytes), HUSH_RESULT_OK);
    CHECK(bytes.len == 69);
    CHECK_RC(hush_identity_key_pair_deserialize(bytes.ptr, bytes.len, &copy), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_serialize(copy, &bytes_again), HUSH_RESULT_OK);
    CHECK(buffers_equal(&bytes, &bytes_again));

    CHECK_RC(hush_identity_key_pair_get_public_key(pair, &pub), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_private_key(pair, &priv), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_sign(pair, msg, sizeof msg, NULL, &sig), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_verify_signature(pub, msg, sizeof msg, sig.ptr, sig.len), HUSH_RESULT_OK);

    /* Alternate identity (PNI) signatures. */
    CHECK_RC(hush_identity_key_pair_generate(NULL, &other), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(other, &other_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_sign_alternate_identity(pair, other_pub, NULL, &alt), HUSH_RESULT_OK);
    CHECK(alt.len == 64);
    CHECK_RC(hush_public_key_verify_alternate_identity(pub, other_pub, alt.ptr, alt.len), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_verify_alternate_identity(other_pub, pub, alt.ptr, alt.len),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    /* An alternate-identity signature is not a plain signature over the key. */
    {
        hush_buffer other_bytes = {0};
        CHECK_RC(hush_public_key_serialize(other_pub, &other_bytes), HUSH_RESULT_OK);
        CHECK_RC(hush_public_key_verify_signature(pub, other_bytes.ptr, other_bytes.len, alt.ptr, alt.len),
                 HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
        hush_buffer_free(&other_bytes);
    }

    /* A stored public key that does not match the private key. */
    memcpy(corrupt, bytes.ptr, 69);
    corrupt[5] ^= 0x01; /* inside the public key (0a 21 05 ...) */
    CHECK_RC(hush_identity_key_pair_deserialize(corrupt, 69, &not_made), HUSH_RESULT_KEY_PAIR_MISMATCH);
    CHECK_RC(hush_identity_key_pair_deserialize(garbage, sizeof garbage, &not_made),
             HUSH_RESULT_INVALID_PROTOBUF);
    CHECK(not_made == SENTINEL);

    /* libsignal's identity private key gives libsignal's identity public key. */
    CHECK_RC(hush_private_key_get_public_key(libsignal_priv, &libsignal_pub), HUSH_RESULT_OK);
    CHECK(public_key_is(libsignal_pub, LIBSIGNAL_IDENTITY_PUBLIC));

    hush_buffer_free(&bytes);
    hush_buffer_free(&bytes_again);
    hush_buffer_free(&sig);
    hush_buffer_free(&alt);
    hush_public_key_free(pub);
    hush_public_key_free(other_pub);
    hush_public_key_free(libsignal_pub);
    hush_private_key_free(priv);
    hush_private_key_free(libsignal_priv);
    hush_identity_key_pair_free(pair);
    hush_identity_key_pair_free(copy);
    hush_identity_key_pair_free(other);
}

static void test_kem(void) {
    hush_kem_key_pair *pair = NULL, *pair2 = NULL, *rebuilt = NULL;
    hush_kem_key_pair *not_made = SENTINEL;
    hush_kem_public_key *pub = NULL, *pub2 = NULL, *pub_copy = NULL;
    hush_kem_public_key *pub_not_made = SENTINEL;
    hush_buffer pub_bytes = {0}, pub2_bytes = {0}, secret_bytes = {0};
    hush_buffer ss = {0}, ct = {0}, ss_dec = {0}, ss_rebuilt = {0}, ss_tampered = {0};
    hush_buffer det_ss1 = {0}, det_ct1 = {0}, det_ss2 = {0}, det_ct2 = {0};
    hush_buffer untouched = {0};
    counter_rng s1 = {7, 0, 0, 0}, s2 = {7, 0, 0, 0};
    hush_rng *r1 = make_rng(&s1);
    hush_rng *r2 = make_rng(&s2);
    uint8_t *scratch = malloc(1569);

    CHECK(scratch != NULL);
    if (scratch == NULL) {
        return;
    }
    CHECK_RC(hush_kem_key_pair_generate(NULL, &pair), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_get_public_key(pair, &pub), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_serialize(pub, &pub_bytes), HUSH_RESULT_OK);
    CHECK(pub_bytes.len == 1569 && pub_bytes.ptr[0] == 0x08);
    CHECK_RC(hush_kem_public_key_deserialize(pub_bytes.ptr, pub_bytes.len, &pub_copy), HUSH_RESULT_OK);

    /* Round trip. */
    CHECK_RC(hush_kem_public_key_encapsulate(pub_copy, NULL, &ss, &ct), HUSH_RESULT_OK);
    CHECK(ss.len == 32 && ct.len == 1569 && ct.ptr[0] == 0x08);
    CHECK_RC(hush_kem_key_pair_decapsulate(pair, ct.ptr, ct.len, &ss_dec), HUSH_RESULT_OK);
    CHECK(buffers_equal(&ss, &ss_dec));

    /* Serialize the secret key, rebuild the pair, decapsulate again. */
    CHECK_RC(hush_kem_key_pair_serialize_secret_key(pair, &secret_bytes), HUSH_RESULT_OK);
    CHECK(secret_bytes.len == 3169 && secret_bytes.ptr[0] == 0x08);
    CHECK_RC(hush_kem_key_pair_deserialize(pub_bytes.ptr, pub_bytes.len, secret_bytes.ptr,
                                           secret_bytes.len, &rebuilt),
             HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_decapsulate(rebuilt, ct.ptr, ct.len, &ss_rebuilt), HUSH_RESULT_OK);
    CHECK(buffers_equal(&ss, &ss_rebuilt));

    /* A public key from another pair does not match the secret key. */
    CHECK_RC(hush_kem_key_pair_generate(NULL, &pair2), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_get_public_key(pair2, &pub2), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_serialize(pub2, &pub2_bytes), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_deserialize(pub2_bytes.ptr, pub2_bytes.len, secret_bytes.ptr,
                                           secret_bytes.len, &not_made),
             HUSH_RESULT_KEY_PAIR_MISMATCH);
    CHECK_RC(hush_kem_key_pair_deserialize(pub_bytes.ptr, pub_bytes.len, secret_bytes.ptr,
                                           secret_bytes.len - 1, &not_made),
             HUSH_RESULT_BAD_KEM_KEY_LENGTH);
    CHECK(not_made == SENTINEL);

    /* Malformed ciphertexts and keys. */
    CHECK_RC(hush_kem_key_pair_decapsulate(pair, ct.ptr, ct.len - 1, &untouched),
             HUSH_RESULT_BAD_KEM_CIPHERTEXT_LENGTH);
    memcpy(scratch, ct.ptr, 1569);
    scratch[0] = 0x07;
    CHECK_RC(hush_kem_key_pair_decapsulate(pair, scratch, 1569, &untouched), HUSH_RESULT_BAD_KEM_KEY_TYPE);
    CHECK_RC(hush_kem_key_pair_decapsulate(pair, NULL, 0, &untouched), HUSH_RESULT_NO_KEY_TYPE_IDENTIFIER);
    CHECK(untouched.ptr == NULL && untouched.len == 0);
    CHECK_RC(hush_kem_public_key_deserialize(pub_bytes.ptr, 1568, &pub_not_made),
             HUSH_RESULT_BAD_KEM_KEY_LENGTH);
    memcpy(scratch, pub_bytes.ptr, 1569);
    scratch[0] = 0x05;
    CHECK_RC(hush_kem_public_key_deserialize(scratch, 1569, &pub_not_made), HUSH_RESULT_BAD_KEM_KEY_TYPE);
    CHECK(pub_not_made == SENTINEL);

    /* A tampered ciphertext decapsulates (implicit rejection) to another secret. */
    memcpy(scratch, ct.ptr, 1569);
    scratch[700] ^= 0x01;
    CHECK_RC(hush_kem_key_pair_decapsulate(pair, scratch, 1569, &ss_tampered), HUSH_RESULT_OK);
    CHECK(ss_tampered.len == 32 && !buffers_equal(&ss, &ss_tampered));

    /* Encapsulation draws from the given rng: same bytes, same ciphertext. */
    CHECK_RC(hush_kem_public_key_encapsulate(pub, r1, &det_ss1, &det_ct1), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_encapsulate(pub, r2, &det_ss2, &det_ct2), HUSH_RESULT_OK);
    CHECK(s1.calls == 1 && s1.bytes == 32);
    CHECK(buffers_equal(&det_ct1, &det_ct2) && buffers_equal(&det_ss1, &det_ss2));

    free(scratch);
    hush_buffer_free(&pub_bytes);
    hush_buffer_free(&pub2_bytes);
    hush_buffer_free(&secret_bytes);
    hush_buffer_free(&ss);
    hush_buffer_free(&ct);
    hush_buffer_free(&ss_dec);
    hush_buffer_free(&ss_rebuilt);
    hush_buffer_free(&ss_tampered);
    hush_buffer_free(&det_ss1);
    hush_buffer_free(&det_ct1);
    hush_buffer_free(&det_ss2);
    hush_buffer_free(&det_ct2);
    hush_kem_public_key_free(pub);
    hush_kem_public_key_free(pub2);
    hush_kem_public_key_free(pub_copy);
    hush_kem_key_pair_free(pair);
    hush_kem_key_pair_free(pair2);
    hush_kem_key_pair_free(rebuilt);
    hush_rng_free(r1);
    hush_rng_free(r2);
}

static void test_prekey_records(void) {
    hush_identity_key_pair *identity = NULL;
    hush_public_key *identity_pub = NULL;
    hush_prekey_record *pk = NULL, *pk_copy = NULL, *pk_libsignal = NULL;
    hush_signed_prekey_record *spk = NULL, *spk_copy = NULL;
    hush_kyber_prekey_record *kpk = NULL, *kpk_copy = NULL;
    hush_kyber_prekey_record *kpk_not_made = SENTINEL;
    hush_prekey_record *pk_not_made = SENTINEL;
    hush_public_key *pk_pub = NULL, *pk_priv_pub = NULL, *spk_pub = NULL, *libsignal_pub = NULL;
    hush_private_key *pk_priv = NULL, *spk_priv = NULL;
    hush_private_key *libsignal_priv = private_key_from_hex(LIBSIGNAL_PREKEY_PRIVATE);
    hush_kem_public_key *kpk_pub = NULL;
    hush_kem_key_pair *kpk_pair = NULL;
    hush_buffer a = {0}, b = {0}, spk_a = {0}, spk_b = {0}, kpk_a = {0}, kpk_b = {0};
    hush_buffer spk_sig = {0}, spk_pub_bytes = {0}, kpk_sig = {0}, kpk_pub_bytes = {0};
    hush_buffer ss = {0}, ct = {0}, ss_dec = {0};
    uint32_t id = 0;
    uint64_t ts = 0;
    static const uint8_t garbage[] = {0x0a, 0xff};

    CHECK_RC(hush_identity_key_pair_generate(NULL, &identity), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(identity, &identity_pub), HUSH_RESULT_OK);

    /* One-time pre-key: serialize, parse, serialize gives the same bytes. */
    CHECK_RC(hush_prekey_record_generate(31, NULL, &pk), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_serialize(pk, &a), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_deserialize(a.ptr, a.len, &pk_copy), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_serialize(pk_copy, &b), HUSH_RESULT_OK);
    CHECK(a.len > 64 && buffers_equal(&a, &b));
    CHECK_RC(hush_prekey_record_get_id(pk_copy, &id), HUSH_RESULT_OK);
    CHECK(id == 31);
    CHECK_RC(hush_prekey_record_get_public_key(pk_copy, &pk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_get_private_key(pk_copy, &pk_priv), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(pk_priv, &pk_priv_pub), HUSH_RESULT_OK);
    {
        hush_buffer x = {0}, y = {0};
        CHECK_RC(hush_public_key_serialize(pk_pub, &x), HUSH_RESULT_OK);
        CHECK_RC(hush_public_key_serialize(pk_priv_pub, &y), HUSH_RESULT_OK);
        CHECK(buffers_equal(&x, &y));
        hush_buffer_free(&x);
        hush_buffer_free(&y);
    }
    CHECK_RC(hush_prekey_record_deserialize(garbage, sizeof garbage, &pk_not_made), HUSH_RESULT_INVALID_PROTOBUF);
    CHECK(pk_not_made == SENTINEL);

    /* A record around libsignal's one-time pre-key 31 has libsignal's public key. */
    CHECK_RC(hush_prekey_record_new(31, libsignal_priv, &pk_libsignal), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_get_public_key(pk_libsignal, &libsignal_pub), HUSH_RESULT_OK);
    CHECK(public_key_is(libsignal_pub, LIBSIGNAL_PREKEY_PUBLIC));

    /* Signed pre-key. */
    CHECK_RC(hush_signed_prekey_record_generate(11, 1795322656872ull, identity, NULL, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_serialize(spk, &spk_a), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_deserialize(spk_a.ptr, spk_a.len, &spk_copy), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_serialize(spk_copy, &spk_b), HUSH_RESULT_OK);
    CHECK(buffers_equal(&spk_a, &spk_b));
    CHECK_RC(hush_signed_prekey_record_get_id(spk_copy, &id), HUSH_RESULT_OK);
    CHECK(id == 11);
    CHECK_RC(hush_signed_prekey_record_get_timestamp(spk_copy, &ts), HUSH_RESULT_OK);
    CHECK(ts == 1795322656872ull);
    CHECK_RC(hush_signed_prekey_record_get_public_key(spk_copy, &spk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_private_key(spk_copy, &spk_priv), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(spk_copy, &spk_sig), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_serialize(spk_pub, &spk_pub_bytes), HUSH_RESULT_OK);
    CHECK(spk_sig.len == 64);
    CHECK_RC(hush_public_key_verify_signature(identity_pub, spk_pub_bytes.ptr, spk_pub_bytes.len, spk_sig.ptr,
                                              spk_sig.len),
             HUSH_RESULT_OK);
    /* An EC record is not a Kyber record. */
    CHECK_RC(hush_kyber_prekey_record_deserialize(spk_a.ptr, spk_a.len, &kpk_not_made),
             HUSH_RESULT_BAD_KEM_KEY_TYPE);
    CHECK(kpk_not_made == SENTINEL);

    /* Kyber pre-key. */
    CHECK_RC(hush_kyber_prekey_record_generate(21, 1795322656873ull, identity, NULL, &kpk), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_serialize(kpk, &kpk_a), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_deserialize(kpk_a.ptr, kpk_a.len, &kpk_copy), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_serialize(kpk_copy, &kpk_b), HUSH_RESULT_OK);
    CHECK(kpk_a.len > 1569 + 3169 && buffers_equal(&kpk_a, &kpk_b));
    CHECK_RC(hush_kyber_prekey_record_get_id(kpk_copy, &id), HUSH_RESULT_OK);
    CHECK(id == 21);
    CHECK_RC(hush_kyber_prekey_record_get_timestamp(kpk_copy, &ts), HUSH_RESULT_OK);
    CHECK(ts == 1795322656873ull);
    CHECK_RC(hush_kyber_prekey_record_get_public_key(kpk_copy, &kpk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_signature(kpk_copy, &kpk_sig), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_serialize(kpk_pub, &kpk_pub_bytes), HUSH_RESULT_OK);
    CHECK_RC(hush_public_key_verify_signature(identity_pub, kpk_pub_bytes.ptr, kpk_pub_bytes.len, kpk_sig.ptr,
                                              kpk_sig.len),
             HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_key_pair(kpk_copy, &kpk_pair), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_encapsulate(kpk_pub, NULL, &ss, &ct), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_decapsulate(kpk_pair, ct.ptr, ct.len, &ss_dec), HUSH_RESULT_OK);
    CHECK(buffers_equal(&ss, &ss_dec));
    /* A Kyber record is not an EC record. */
    CHECK_RC(hush_prekey_record_deserialize(kpk_a.ptr, kpk_a.len, &pk_not_made), HUSH_RESULT_BAD_KEY_TYPE);
    CHECK(pk_not_made == SENTINEL);

    hush_buffer_free(&a);
    hush_buffer_free(&b);
    hush_buffer_free(&spk_a);
    hush_buffer_free(&spk_b);
    hush_buffer_free(&kpk_a);
    hush_buffer_free(&kpk_b);
    hush_buffer_free(&spk_sig);
    hush_buffer_free(&spk_pub_bytes);
    hush_buffer_free(&kpk_sig);
    hush_buffer_free(&kpk_pub_bytes);
    hush_buffer_free(&ss);
    hush_buffer_free(&ct);
    hush_buffer_free(&ss_dec);
    hush_public_key_free(identity_pub);
    hush_public_key_free(pk_pub);
    hush_public_key_free(pk_priv_pub);
    hush_public_key_free(spk_pub);
    hush_public_key_free(libsignal_pub);
    hush_private_key_free(pk_priv);
    hush_private_key_free(spk_priv);
    hush_private_key_free(libsignal_priv);
    hush_kem_public_key_free(kpk_pub);
    hush_kem_key_pair_free(kpk_pair);
    hush_prekey_record_free(pk);
    hush_prekey_record_free(pk_copy);
    hush_prekey_record_free(pk_libsignal);
    hush_signed_prekey_record_free(spk);
    hush_signed_prekey_record_free(spk_copy);
    hush_kyber_prekey_record_free(kpk);
    hush_kyber_prekey_record_free(kpk_copy);
    hush_identity_key_pair_free(identity);
}

static void test_bundles(void) {
    hush_identity_key_pair *identity = NULL;
    hush_public_key *identity_pub = NULL, *pk_pub = NULL, *spk_pub = NULL, *got_identity = NULL;
    hush_prekey_record *pk = NULL;
    hush_signed_prekey_record *spk = NULL;
    hush_kyber_prekey_record *kpk = NULL;
    hush_kem_public_key *kpk_pub = NULL;
    hush_buffer spk_sig = {0}, kpk_sig = {0};
    hush_prekey_bundle *bundle = NULL, *no_one_time = NULL, *bad_signed = NULL, *bad_kyber = NULL;
    hush_prekey_bundle *not_made = SENTINEL;
    hush_public_key *ls_identity = public_key_from_hex(LIBSIGNAL_IDENTITY_PUBLIC);
    hush_public_key *ls_spk = public_key_from_hex(LIBSIGNAL_SIGNED_PREKEY_PUBLIC);
    hush_public_key *ls_pk = public_key_from_hex(LIBSIGNAL_PREKEY_PUBLIC);
    hush_kem_public_key *ls_kpk = NULL;
    hush_prekey_bundle *ls_bundle = NULL, *ls_wrong_identity = NULL;
    uint8_t flipped[64], ls_spk_sig[64], ls_kpk_sig[64];
    uint8_t *ls_kpk_bytes = malloc(1569);
    uint32_t value = 0;

    CHECK(ls_kpk_bytes != NULL);
    if (ls_kpk_bytes == NULL) {
        return;
    }
    CHECK_RC(hush_identity_key_pair_generate(NULL, &identity), HUSH_RESULT_OK);
    CHECK_RC(hush_identity_key_pair_get_public_key(identity, &identity_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_generate(1, NULL, &pk), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_generate(2, 1700000000000ull, identity, NULL, &spk), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_generate(3, 1700000000000ull, identity, NULL, &kpk), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_record_get_public_key(pk, &pk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_public_key(spk, &spk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_signed_prekey_record_get_signature(spk, &spk_sig), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_public_key(kpk, &kpk_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_kyber_prekey_record_get_signature(kpk, &kpk_sig), HUSH_RESULT_OK);

    CHECK_RC(hush_prekey_bundle_new(4242, 3, 1, pk_pub, 2, spk_pub, spk_sig.ptr, spk_sig.len, 3, kpk_pub,
                                    kpk_sig.ptr, kpk_sig.len, identity_pub, &bundle),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(bundle), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_get_registration_id(bundle, &value), HUSH_RESULT_OK);
    CHECK(value == 4242);
    CHECK_RC(hush_prekey_bundle_get_device_id(bundle, &value), HUSH_RESULT_OK);
    CHECK(value == 3);
    CHECK_RC(hush_prekey_bundle_get_identity_key(bundle, &got_identity), HUSH_RESULT_OK);
    {
        hush_buffer x = {0}, y = {0};
        CHECK_RC(hush_public_key_serialize(identity_pub, &x), HUSH_RESULT_OK);
        CHECK_RC(hush_public_key_serialize(got_identity, &y), HUSH_RESULT_OK);
        CHECK(buffers_equal(&x, &y));
        hush_buffer_free(&x);
        hush_buffer_free(&y);
    }

    /* The one-time pre-key is optional. */
    CHECK_RC(hush_prekey_bundle_new(4242, 3, 0, NULL, 2, spk_pub, spk_sig.ptr, spk_sig.len, 3, kpk_pub,
                                    kpk_sig.ptr, kpk_sig.len, identity_pub, &no_one_time),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(no_one_time), HUSH_RESULT_OK);

    /* A flipped bit in either signature fails verification. */
    memcpy(flipped, spk_sig.ptr, 64);
    flipped[17] ^= 0x04;
    CHECK_RC(hush_prekey_bundle_new(4242, 3, 1, pk_pub, 2, spk_pub, flipped, 64, 3, kpk_pub, kpk_sig.ptr,
                                    kpk_sig.len, identity_pub, &bad_signed),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(bad_signed), HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    CHECK(last_error_contains("SignedPreKey"));
    memcpy(flipped, kpk_sig.ptr, 64);
    flipped[40] ^= 0x80;
    CHECK_RC(hush_prekey_bundle_new(4242, 3, 1, pk_pub, 2, spk_pub, spk_sig.ptr, spk_sig.len, 3, kpk_pub,
                                    flipped, 64, identity_pub, &bad_kyber),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(bad_kyber), HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);
    CHECK(last_error_contains("KyberPreKey"));

    /* Device IDs are 1..=127. */
    CHECK_RC(hush_prekey_bundle_new(4242, 0, 1, pk_pub, 2, spk_pub, spk_sig.ptr, spk_sig.len, 3, kpk_pub,
                                    kpk_sig.ptr, kpk_sig.len, identity_pub, &not_made),
             HUSH_RESULT_INVALID_DEVICE_ID);
    CHECK_RC(hush_prekey_bundle_new(4242, 128, 1, pk_pub, 2, spk_pub, spk_sig.ptr, spk_sig.len, 3, kpk_pub,
                                    kpk_sig.ptr, kpk_sig.len, identity_pub, &not_made),
             HUSH_RESULT_INVALID_DEVICE_ID);
    CHECK(not_made == SENTINEL);

    /* A bundle whose signatures libsignal made (session-basic-v0.103.0 receiver). */
    unhex(LIBSIGNAL_KYBER_PREKEY_PUBLIC, ls_kpk_bytes, 1569);
    unhex(LIBSIGNAL_SIGNED_PREKEY_SIGNATURE, ls_spk_sig, 64);
    unhex(LIBSIGNAL_KYBER_PREKEY_SIGNATURE, ls_kpk_sig, 64);
    CHECK_RC(hush_kem_public_key_deserialize(ls_kpk_bytes, 1569, &ls_kpk), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_new(7389, 1, 31, ls_pk, 11, ls_spk, ls_spk_sig, 64, 21, ls_kpk, ls_kpk_sig, 64,
                                    ls_identity, &ls_bundle),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(ls_bundle), HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_new(7389, 1, 31, ls_pk, 11, ls_spk, ls_spk_sig, 64, 21, ls_kpk, ls_kpk_sig, 64,
                                    identity_pub, &ls_wrong_identity),
             HUSH_RESULT_OK);
    CHECK_RC(hush_prekey_bundle_verify(ls_wrong_identity), HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);

    free(ls_kpk_bytes);
    hush_buffer_free(&spk_sig);
    hush_buffer_free(&kpk_sig);
    hush_prekey_bundle_free(bundle);
    hush_prekey_bundle_free(no_one_time);
    hush_prekey_bundle_free(bad_signed);
    hush_prekey_bundle_free(bad_kyber);
    hush_prekey_bundle_free(ls_bundle);
    hush_prekey_bundle_free(ls_wrong_identity);
    hush_kem_public_key_free(kpk_pub);
    hush_kem_public_key_free(ls_kpk);
    hush_public_key_free(identity_pub);
    hush_public_key_free(got_identity);
    hush_public_key_free(pk_pub);
    hush_public_key_free(spk_pub);
    hush_public_key_free(ls_identity);
    hush_public_key_free(ls_spk);
    hush_public_key_free(ls_pk);
    hush_prekey_record_free(pk);
    hush_signed_prekey_record_free(spk);
    hush_kyber_prekey_record_free(kpk);
    hush_identity_key_pair_free(identity);
}

static void test_fingerprint(void) {
    hush_public_key *alice = public_key_from_hex(ALICE_IDENTITY);
    hush_public_key *bob = public_key_from_hex(BOB_IDENTITY);
    hush_fingerprint *alice_view = NULL, *bob_view = NULL;
    hush_fingerprint *not_made = SENTINEL;
    hush_buffer display = {0}, bob_display = {0}, scannable = {0};
    uint8_t alice_v2[128], bob_v2[128], bob_v1[128];
    size_t alice_v2_len = unhex(SCANNABLE_V2_ALICE, alice_v2, sizeof alice_v2);
    size_t bob_v2_len = unhex(SCANNABLE_V2_BOB, bob_v2, sizeof bob_v2);
    size_t bob_v1_len = unhex(SCANNABLE_V1_BOB, bob_v1, sizeof bob_v1);
    const uint8_t *alice_id = (const uint8_t *)ALICE_ID;
    const uint8_t *bob_id = (const uint8_t *)BOB_ID;
    static const uint8_t garbage[] = {0xff, 0xff};

    CHECK_RC(hush_fingerprint_new(2, 5200, alice_id, strlen(ALICE_ID), alice, bob_id, strlen(BOB_ID), bob,
                                  &alice_view),
             HUSH_RESULT_OK);
    CHECK_RC(hush_fingerprint_display_string(alice_view, &display), HUSH_RESULT_OK);
    CHECK(buffer_is(&display, (const uint8_t *)DISPLAY_6_1, 60));
    CHECK_RC(hush_fingerprint_new(2, 5200, bob_id, strlen(BOB_ID), bob, alice_id, strlen(ALICE_ID), alice,
                                  &bob_view),
             HUSH_RESULT_OK);
    CHECK_RC(hush_fingerprint_display_string(bob_view, &bob_display), HUSH_RESULT_OK);
    CHECK(buffer_is(&bob_display, (const uint8_t *)DISPLAY_6_1, 60));

    /* Scannable form: byte-exact, and compared with the peer's. */
    CHECK_RC(hush_fingerprint_serialize_scannable(alice_view, &scannable), HUSH_RESULT_OK);
    CHECK(buffer_is(&scannable, alice_v2, alice_v2_len));
    CHECK_RC(hush_fingerprint_compare_scannable(alice_view, bob_v2, bob_v2_len), HUSH_RESULT_OK);
    CHECK_RC(hush_fingerprint_compare_scannable(bob_view, alice_v2, alice_v2_len), HUSH_RESULT_OK);
    CHECK_RC(hush_fingerprint_compare_scannable(alice_view, alice_v2, alice_v2_len), HUSH_RESULT_FINGERPRINT_MISMATCH);
    CHECK_RC(hush_fingerprint_compare_scannable(alice_view, bob_v1, bob_v1_len),
             HUSH_RESULT_FINGERPRINT_VERSION_MISMATCH);
    CHECK_RC(hush_fingerprint_compare_scannable(alice_view, garbage, sizeof garbage), HUSH_RESULT_FINGERPRINT_PARSING);
    CHECK_RC(hush_scannable_fingerprint_compare(alice_v2, alice_v2_len, bob_v2, bob_v2_len), HUSH_RESULT_OK);
    CHECK_RC(hush_scannable_fingerprint_compare(bob_v2, bob_v2_len, bob_v2, bob_v2_len),
             HUSH_RESULT_FINGERPRINT_MISMATCH);
    CHECK_RC(hush_scannable_fingerprint_compare(NULL, 0, bob_v2, bob_v2_len), HUSH_RESULT_FINGERPRINT_PARSING);

    /* Iteration bounds. */
    CHECK_RC(hush_fingerprint_new(2, 1, alice_id, 12, alice, bob_id, 12, bob, &not_made),
             HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT);
    CHECK_RC(hush_fingerprint_new(2, 1000001, alice_id, 12, alice, bob_id, 12, bob, &not_made),
             HUSH_RESULT_FINGERPRINT_INVALID_ITERATION_COUNT);
    CHECK(not_made == SENTINEL);

    hush_buffer_free(&display);
    hush_buffer_free(&bob_display);
    hush_buffer_free(&scannable);
    hush_fingerprint_free(alice_view);
    hush_fingerprint_free(bob_view);
    hush_public_key_free(alice);
    hush_public_key_free(bob);
}

static void test_null_arguments(void) {
    hush_private_key *priv = NULL;
    hush_private_key *priv_not_made = SENTINEL;
    hush_public_key *pub = NULL;
    hush_public_key *pub_not_made = SENTINEL;
    hush_kem_key_pair *kem = NULL;
    hush_kem_public_key *kem_pub = NULL;
    hush_rng *rng_not_made = SENTINEL;
    hush_prekey_bundle *bundle_not_made = SENTINEL;
    hush_buffer untouched = {(uint8_t *)SENTINEL, 3};
    hush_buffer ss = {0};
    uint8_t sig[64];
    uint8_t key_bytes[33];
    char msg[128];
    size_t msg_len;
    counter_rng state = {0, 0, 0, 0};

    memset(sig, 0, sizeof sig);
    CHECK_RC(hush_private_key_generate(NULL, &priv), HUSH_RESULT_OK);
    CHECK_RC(hush_private_key_get_public_key(priv, &pub), HUSH_RESULT_OK);

    /* Generation. */
    CHECK_RC(hush_private_key_generate(NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_identity_key_pair_generate(NULL, NULL), HUSH_RESULT_NULL_ARGUMENT);

    /* Parsing: NULL data with a length is an error, with length 0 it is empty. */
    CHECK_RC(hush_private_key_deserialize(NULL, 32, &priv_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_private_key_deserialize(NULL, 0, &priv_not_made), HUSH_RESULT_BAD_KEY_LENGTH);
    CHECK(priv_not_made == SENTINEL);
    CHECK_RC(hush_public_key_deserialize(NULL, 33, &pub_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(pub_not_made == SENTINEL);
    memset(key_bytes, 0x09, sizeof key_bytes);
    key_bytes[0] = 0x05;
    CHECK_RC(hush_public_key_deserialize(key_bytes, 33, NULL), HUSH_RESULT_NULL_ARGUMENT);

    /* Agreement: each argument in turn; the output stays untouched. */
    CHECK_RC(hush_private_key_agree(NULL, pub, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`key`"));
    CHECK_RC(hush_private_key_agree(priv, NULL, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`their_key`"));
    CHECK_RC(hush_private_key_agree(priv, pub, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("`out`"));
    CHECK(untouched.ptr == (uint8_t *)SENTINEL && untouched.len == 3);

    /* Verification. */
    CHECK_RC(hush_public_key_verify_signature(NULL, (const uint8_t *)"m", 1, sig, 64), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_public_key_verify_signature(pub, NULL, 1, sig, 64), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_public_key_verify_signature(pub, (const uint8_t *)"m", 1, NULL, 64), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_public_key_verify_signature(pub, (const uint8_t *)"m", 1, NULL, 0),
             HUSH_RESULT_SIGNATURE_VALIDATION_FAILED);

    /* Serialization. */
    CHECK_RC(hush_public_key_serialize(NULL, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_public_key_serialize(pub, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_identity_key_pair_serialize(NULL, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(untouched.ptr == (uint8_t *)SENTINEL && untouched.len == 3);

    /* Two outputs: a NULL second output means the first is not written. */
    CHECK_RC(hush_kem_key_pair_generate(NULL, &kem), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_key_pair_get_public_key(kem, &kem_pub), HUSH_RESULT_OK);
    CHECK_RC(hush_kem_public_key_encapsulate(kem_pub, NULL, &ss, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(ss.ptr == NULL && ss.len == 0);
    CHECK_RC(hush_kem_public_key_encapsulate(NULL, NULL, &ss, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(ss.ptr == NULL && untouched.ptr == (uint8_t *)SENTINEL);

    /* Random source. */
    CHECK_RC(hush_rng_new(NULL, &state, &rng_not_made), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(rng_not_made == SENTINEL);
    CHECK_RC(hush_rng_new(counter_fill, &state, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK(state.calls == 0);

    /* Bundle: required handles. */
    CHECK_RC(hush_prekey_bundle_new(1, 1, 1, NULL, 1, pub, sig, 64, 1, kem_pub, sig, 64, NULL, &bundle_not_made),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(last_error_contains("identity_key"));
    CHECK_RC(hush_prekey_bundle_new(1, 1, 1, NULL, 1, pub, sig, 64, 1, NULL, sig, 64, pub, &bundle_not_made),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_prekey_bundle_new(1, 1, 1, NULL, 1, pub, NULL, 64, 1, kem_pub, sig, 64, pub, &bundle_not_made),
             HUSH_RESULT_NULL_ARGUMENT);
    CHECK(bundle_not_made == SENTINEL);
    CHECK_RC(hush_prekey_bundle_verify(NULL), HUSH_RESULT_NULL_ARGUMENT);

    /* Fingerprint. */
    CHECK_RC(hush_fingerprint_new(2, 2, NULL, 0, pub, NULL, 0, pub, NULL), HUSH_RESULT_NULL_ARGUMENT);
    CHECK_RC(hush_fingerprint_compare_scannable(NULL, sig, 1), HUSH_RESULT_NULL_ARGUMENT);

    /* The last error message: snprintf-like, empty after success. */
    CHECK_RC(hush_private_key_agree(priv, NULL, &untouched), HUSH_RESULT_NULL_ARGUMENT);
    msg_len = hush_last_error_message(NULL, 0);
    CHECK(msg_len == strlen("argument `their_key` is NULL"));
    CHECK(hush_last_error_message(msg, 9) == msg_len && strcmp(msg, "argument") == 0);
    CHECK_RC(hush_public_key_serialize(pub, &ss), HUSH_RESULT_OK);
    CHECK(hush_last_error_message(msg, sizeof msg) == 0 && msg[0] == '\0');

    hush_buffer_free(&ss);
    hush_kem_public_key_free(kem_pub);
    hush_kem_key_pair_free(kem);
    hush_public_key_free(pub);
    hush_private_key_free(priv);
}

static void test_free_is_null_safe(void) {
    hush_buffer buf = {0};
    hush_public_key *pub = NULL;

    hush_buffer_free(NULL);
    hush_buffer_free(&buf);
    hush_rng_free(NULL);
    hush_private_key_free(NULL);
    hush_public_key_free(NULL);
    hush_identity_key_pair_free(NULL);
    hush_kem_key_pair_free(NULL);
    hush_kem_public_key_free(NULL);
    hush_prekey_record_free(NULL);
    hush_signed_prekey_record_free(NULL);
    hush_kyber_prekey_record_free(NULL);
    hush_prekey_bundle_free(NULL);
    hush_fingerprint_free(NULL);

    /* Freeing a buffer empties it, so freeing it again is harmless. */
    pub = public_key_from_hex(ALICE_IDENTITY);
    CHECK_RC(hush_public_key_serialize(pub, &buf), HUSH_RESULT_OK);
    CHECK(buf.ptr != NULL && buf.len == 33);
    hush_buffer_free(&buf);
    CHECK(buf.ptr == NULL && buf.len == 0);
    hush_buffer_free(&buf);
    CHECK(buf.ptr == NULL && buf.len == 0);
    hush_public_key_free(pub);
}

int main(void) {
    test_version();
    test_result_codes();
    test_os_rng_keys();
    test_callback_rng();
    test_libsignal_signatures();
    test_agreement();
    test_key_parsing();
    test_identity();
    test_kem();
    test_prekey_records();
    test_bundles();
    test_fingerprint();
    test_null_arguments();
    test_free_is_null_safe();

    printf("%d passed, %d failed\n", passed, failed);
    /* Flush before LeakSanitizer, which reports from an exit handler and
     * then leaves with _exit, could drop buffered output. */
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
