/*
 * The check harness shared by the C test programs: CHECK and CHECK_RC count
 * passes and failures and report each failure with its location (CHECK_RC
 * also prints hush_result_str and hush_last_error_message), SENTINEL values
 * mark outputs a failing call must leave alone, and check_summary() prints
 * the closing "N passed, N failed" line and returns the exit status.
 *
 * Included once by each test program (the counters are per program).
 */
#ifndef HUSH_TEST_CHECK_H
#define HUSH_TEST_CHECK_H

#include "hush.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

#define CHECK_RC(call, expected)                                                       \
    do {                                                                               \
        hush_result rc_ = (call);                                                      \
        hush_result want_ = (expected);                                                \
        if (rc_ == want_) {                                                            \
            passed++;                                                                  \
        } else {                                                                       \
            char msg_[256];                                                            \
            hush_last_error_message(msg_, sizeof msg_);                                \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: %s\n    returned %u (%s: %s), expected %u (%s)\n", \
                    __FILE__, __LINE__, #call, (unsigned)rc_, hush_result_str(rc_),    \
                    msg_, (unsigned)want_, hush_result_str(want_));                    \
        }                                                                              \
    } while (0)

/* Outputs must be left alone on failure: failing calls get these. An output
 * hush_buffer must own nothing (ptr NULL, else HUSH_RESULT_OUTPUT_NOT_EMPTY),
 * so the buffer sentinel is a NULL pointer with a length no write leaves. */
static int sentinel_object;
#define SENTINEL ((void *)&sentinel_object)
#define SENTINEL_BUFFER {NULL, 7}

#endif
