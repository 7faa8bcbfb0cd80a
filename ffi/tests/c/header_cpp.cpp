// Checks that include/hush.h is valid C++11 with C linkage: compiled with
// -Wall -Wextra -Werror -pedantic, linked against libhush and run by
// ffi/tests/run-c-tests.sh.
#include "hush.h"

#include <cstdio>
#include <cstring>

int main() {
    int failures = 0;
    if (std::strcmp(hush_version(), HUSH_VERSION_STRING) != 0) {
        std::fprintf(stderr, "hush_version() %s != HUSH_VERSION_STRING %s\n", hush_version(), HUSH_VERSION_STRING);
        failures++;
    }
    hush_private_key *key = nullptr;
    hush_buffer bytes = {nullptr, 0};
    hush_result rc = hush_private_key_generate(nullptr, &key);
    if (rc != HUSH_RESULT_OK || key == nullptr) {
        std::fprintf(stderr, "hush_private_key_generate: %s\n", hush_result_str(rc));
        failures++;
    }
    rc = hush_private_key_serialize(key, &bytes);
    if (rc != HUSH_RESULT_OK || bytes.len != 32) {
        std::fprintf(stderr, "hush_private_key_serialize: %s\n", hush_result_str(rc));
        failures++;
    }
    hush_buffer_free(&bytes);
    hush_private_key_free(key);
    std::printf("C++ header check: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
