/*
 * The C writer of the Java NativeWriterTest: threads x events through the REPORT_* macros into the
 * ring file named by MS_COORDINATOR_METRICS_RING_FILE. Per event i of a thread: one sample
 * i % 1000 + 1 of time_to_first_token_us and one increment of forward_req_total_num; plus, through
 * the explicit API, computed_token_num{producer=<id>} += 2. In "retry" mode a call that finds the
 * ring full is repeated until it succeeds (10 s at most, then exit 2); in "drop" mode it is not.
 * Prints "written=<records accepted> failed=<calls refused> dropped_ring_full=<client counter>".
 *
 * usage: ms_metrics_test_producer <producer id> <threads> <events per thread> retry|drop
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ms_metrics.h"

static long events_per_thread;
static int retry;
static ms_metrics_series_t *tokens;
static atomic_long written;
static atomic_long failed;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void account(int rc, long long deadline)
{
    (void)deadline;
    if (0 == rc)
    {
        atomic_fetch_add_explicit(&written, 1, memory_order_relaxed);
    }
    else
    {
        atomic_fetch_add_explicit(&failed, 1, memory_order_relaxed);
    }
}

#define WRITE(call)                                                                      \
    do                                                                                   \
    {                                                                                    \
        long long deadline_ = now_ns() + 10000000000LL;                                  \
        int rc_;                                                                         \
        while (0 != (rc_ = (call)) && retry)                                             \
        {                                                                                \
            if (MS_METRICS_ERROR_RING_FULL != ms_metrics_errcode() || now_ns() > deadline_) \
            {                                                                            \
                fprintf(stderr, "gave up: %s\n", ms_metrics_errmsg());                   \
                exit(2);                                                                 \
            }                                                                            \
        }                                                                                \
        account(rc_, deadline_);                                                         \
    }                                                                                    \
    while (0)

static void *run(void *arg)
{
    (void)arg;
    for (long i = 0; i < events_per_thread; i++)
    {
        WRITE(REPORT_METRIC("time_to_first_token_us", i % 1000 + 1));
        WRITE(REPORT_COUNTER("forward_req_total_num", 1));
        WRITE(ms_metrics_report_counter(tokens, 2));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (5 != argc)
    {
        fprintf(stderr, "usage: %s <producer id> <threads> <events per thread> retry|drop\n", argv[0]);
        return 1;
    }
    const char *id = argv[1];
    int threads = atoi(argv[2]);
    events_per_thread = atol(argv[3]);
    retry = 0 == strcmp("retry", argv[4]);
    ms_metrics_client_t *client = ms_metrics_default_client();
    if (NULL == client)
    {
        fprintf(stderr, "cannot open ring: %s\n", ms_metrics_errmsg());
        return 3;
    }
    const char *labels[] = { "producer", id };
    if (ms_metrics_series_register(&tokens, client, "computed_token_num", MS_METRICS_KIND_COUNTER,
            MS_METRICS_UNIT_TOKENS, labels, 1) < 0 && MS_METRICS_ERROR_RING_FULL != ms_metrics_errcode())
    {
        fprintf(stderr, "cannot register: %s\n", ms_metrics_errmsg());
        return 3;
    }
    pthread_t *ids = calloc((size_t)threads, sizeof(pthread_t));
    for (int t = 0; t < threads; t++)
    {
        pthread_create(&ids[t], NULL, run, NULL);
    }
    for (int t = 0; t < threads; t++)
    {
        pthread_join(ids[t], NULL);
    }
    free(ids);
    ms_metrics_client_counters_t counters;
    ms_metrics_client_counters(client, &counters);
    printf("written=%ld failed=%ld dropped_ring_full=%llu\n", atomic_load(&written), atomic_load(&failed),
        (unsigned long long)counters.dropped_ring_full);
    return 0;
}
