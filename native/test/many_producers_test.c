#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

#define PRODUCERS 4
#define EVENTS_PER_PRODUCER 200000

typedef struct
{
    ms_metrics_series_t *series;
    uint64_t full;
}
producer_t;

typedef struct
{
    int64_t handles[PRODUCERS];
    int64_t next[PRODUCERS];
    int64_t out_of_order;
    int64_t events;
}
received_t;

static atomic_int producers_done;

static void *produce(void *arg)
{
    producer_t *p = arg;
    for (int64_t i = 0; i < EVENTS_PER_PRODUCER; i++)
    {
        while (0 != ms_metrics_report_metric(p->series, i))
        {
            p->full++;
        }
    }
    atomic_fetch_add(&producers_done, 1);
    return NULL;
}

static void receive(void *ctx, int32_t type, const uint8_t *body, int32_t length, int64_t index)
{
    (void)length;
    (void)index;
    received_t *r = ctx;
    if (MS_METRICS_HISTOGRAM_RECORD_TYPE_ID != type)
    {
        return;
    }
    ms_metrics_event_t e;
    memcpy(&e, body, sizeof(e));
    for (int p = 0; p < PRODUCERS; p++)
    {
        if (r->handles[p] == e.handle)
        {
            if (e.value != r->next[p])
            {
                r->out_of_order++;
            }
            r->next[p] = e.value + 1;
            r->events++;
        }
    }
}

static void should_receive_every_event_of_every_producer_thread_in_order(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "many.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    producer_t producers[PRODUCERS];
    received_t received = { 0 };
    pthread_t threads[PRODUCERS];
    for (int p = 0; p < PRODUCERS; p++)
    {
        memset(&producers[p], 0, sizeof(producers[p]));
        MS_TEST_CHECK(0 == ms_metrics_series_register(
            &producers[p].series, client, "h", MS_METRICS_KIND_HISTOGRAM, 0, NULL, 0));
        received.handles[p] = ms_metrics_series_handle(producers[p].series);
    }
    for (int p = 0; p < PRODUCERS; p++)
    {
        pthread_create(&threads[p], NULL, produce, &producers[p]);
    }
    while (atomic_load(&producers_done) < PRODUCERS)
    {
        ms_test_ring_header_set(&ring, MS_METRICS_HEARTBEAT_OFFSET, ms_test_now_ms());
        ms_test_ring_read(&ring, receive, &received, 64);
    }
    while (ms_test_ring_read(&ring, receive, &received, 1 << 20) > 0 ||
        ms_test_ring_trailer_get(&ring, MS_METRICS_RB_HEAD_POSITION_OFFSET) !=
            ms_test_ring_trailer_get(&ring, MS_METRICS_RB_TAIL_POSITION_OFFSET))
    {
    }
    uint64_t full = 0;
    for (int p = 0; p < PRODUCERS; p++)
    {
        pthread_join(threads[p], NULL);
        full += producers[p].full;
        MS_TEST_CHECK_EQ(EVENTS_PER_PRODUCER, received.next[p]);
    }
    MS_TEST_CHECK_EQ((int64_t)PRODUCERS * EVENTS_PER_PRODUCER, received.events);
    MS_TEST_CHECK_EQ(0, received.out_of_order);
    /* The consumer heartbeats, so no re-registration: one drop per refused call. */
    MS_TEST_CHECK_EQ((int64_t)full, ms_test_ring_header_get(&ring, MS_METRICS_DROPPED_FULL_OFFSET));
    ms_metrics_client_counters_t counters;
    ms_metrics_client_counters(client, &counters);
    MS_TEST_CHECK_EQ((int64_t)full, counters.dropped_ring_full);
    fprintf(stderr, "events=%lld ring_full_retries=%llu\n", (long long)received.events, (unsigned long long)full);
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

int main(void)
{
    MS_TEST_RUN(should_receive_every_event_of_every_producer_thread_in_order);
    return 0 == ms_test_failures ? 0 : 1;
}
