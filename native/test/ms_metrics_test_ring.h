/*
 * Test support: a ring file created the way the coordinator creates it, and a consumer that reads
 * it the way Agrona's ManyToOneRingBuffer.read does (from the layout in ms_metrics_ring.h), plus a
 * minimal test runner. Single consumer thread.
 */
#ifndef MS_METRICS_TEST_RING_H
#define MS_METRICS_TEST_RING_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ms_metrics_ring.h"

typedef struct ms_test_ring_stct
{
    uint8_t *base;
    size_t length;
    uint8_t *buffer;
    int64_t capacity;
    char path[256];
}
ms_test_ring_t;

typedef void (*ms_test_ring_handler_t)(void *ctx, int32_t type, const uint8_t *body, int32_t length, int64_t index);

/* Creates (replacing) a ring file of capacity at path: epoch 1, fresh heartbeat, version last. */
int ms_test_ring_create(ms_test_ring_t *ring, const char *path, int32_t capacity);
void ms_test_ring_close(ms_test_ring_t *ring);
/* Reads up to limit records (padding included in no count); returns messages handled. */
int ms_test_ring_read(ms_test_ring_t *ring, ms_test_ring_handler_t handler, void *ctx, int limit);
int64_t ms_test_ring_header_get(const ms_test_ring_t *ring, int offset);
void ms_test_ring_header_set(ms_test_ring_t *ring, int offset, int64_t value);
int64_t ms_test_ring_trailer_get(const ms_test_ring_t *ring, int offset);
int64_t ms_test_now_ms(void);
/* A temp path unique to this process: dir/name. */
void ms_test_path(char *out, size_t size, const char *name);

extern int ms_test_failures;

#define MS_TEST_CHECK(cond)                                                                      \
    do                                                                                           \
    {                                                                                            \
        if (!(cond))                                                                             \
        {                                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);            \
            ms_test_failures++;                                                                  \
            return;                                                                              \
        }                                                                                        \
    }                                                                                            \
    while (0)

#define MS_TEST_CHECK_EQ(expected, actual)                                                       \
    do                                                                                           \
    {                                                                                            \
        long long e_ = (long long)(expected);                                                    \
        long long a_ = (long long)(actual);                                                      \
        if (e_ != a_)                                                                            \
        {                                                                                        \
            fprintf(stderr, "%s:%d: %s: expected %lld, was %lld\n", __FILE__, __LINE__, #actual, e_, a_); \
            ms_test_failures++;                                                                  \
            return;                                                                              \
        }                                                                                        \
    }                                                                                            \
    while (0)

#define MS_TEST_RUN(test)                                                                        \
    do                                                                                           \
    {                                                                                            \
        int before_ = ms_test_failures;                                                          \
        test();                                                                                  \
        fprintf(stderr, "%s %s\n", before_ == ms_test_failures ? "PASS" : "FAIL", #test);       \
    }                                                                                            \
    while (0)

#endif
