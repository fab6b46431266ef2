#define _POSIX_C_SOURCE 200809L

#include <string.h>
#include <unistd.h>

#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

typedef struct
{
    int registers;
    int events;
    int events_before_first_register;
    int64_t last_register_handle;
}
order_t;

static void track(void *ctx, int32_t type, const uint8_t *body, int32_t length, int64_t index)
{
    (void)length;
    (void)index;
    order_t *o = ctx;
    if (MS_METRICS_REGISTER_TYPE_ID == type)
    {
        o->registers++;
        memcpy(&o->last_register_handle, body, sizeof(int64_t));
    }
    else if (MS_METRICS_RB_PADDING_MSG_TYPE_ID != type)
    {
        if (0 == o->registers)
        {
            o->events_before_first_register++;
        }
        o->events++;
    }
}

static void drain(ms_test_ring_t *ring, order_t *o)
{
    while (ms_test_ring_read(ring, track, o, 1 << 20) > 0)
    {
    }
}

static void should_offer_register_before_next_event_when_consumer_epoch_changes(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "epoch.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 1 << 20));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "c", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    MS_TEST_CHECK(0 == ms_metrics_report_counter(s, 1));
    order_t first = { 0 };
    drain(&ring, &first);
    MS_TEST_CHECK_EQ(1, first.registers);
    MS_TEST_CHECK_EQ(0, first.events_before_first_register);

    ms_test_ring_header_set(&ring, MS_METRICS_CONSUMER_EPOCH_OFFSET, 2);
    MS_TEST_CHECK(0 == ms_metrics_report_counter(s, 1));
    MS_TEST_CHECK(0 == ms_metrics_report_counter(s, 1));
    order_t second = { 0 };
    drain(&ring, &second);
    MS_TEST_CHECK_EQ(1, second.registers);
    MS_TEST_CHECK_EQ(0, second.events_before_first_register);
    MS_TEST_CHECK_EQ(2, second.events);
    MS_TEST_CHECK_EQ(ms_metrics_series_handle(s), second.last_register_handle);
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_offer_registers_once_per_stale_heartbeat_period(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "stale.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 1 << 20));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "h", MS_METRICS_KIND_HISTOGRAM, 0, NULL, 0));
    order_t o = { 0 };
    drain(&ring, &o);

    ms_test_ring_header_set(&ring, MS_METRICS_HEARTBEAT_OFFSET, ms_test_now_ms() - 10 * MS_METRICS_HEARTBEAT_STALE_MS);
    for (int i = 0; i < 4096; i++)
    {
        MS_TEST_CHECK(0 == ms_metrics_report_metric(s, i));
    }
    order_t stale = { 0 };
    drain(&ring, &stale);
    MS_TEST_CHECK_EQ(1, stale.registers);
    MS_TEST_CHECK_EQ(4096, stale.events);

    ms_test_ring_header_set(&ring, MS_METRICS_HEARTBEAT_OFFSET, ms_test_now_ms());
    for (int i = 0; i < 2048; i++)
    {
        MS_TEST_CHECK(0 == ms_metrics_report_metric(s, i));
    }
    ms_test_ring_header_set(&ring, MS_METRICS_HEARTBEAT_OFFSET, 0);
    for (int i = 0; i < 2048; i++)
    {
        MS_TEST_CHECK(0 == ms_metrics_report_metric(s, i));
    }
    order_t again = { 0 };
    drain(&ring, &again);
    MS_TEST_CHECK_EQ(1, again.registers);
    MS_TEST_CHECK_EQ(4096, again.events);
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_reopen_ring_file_when_coordinator_recreates_it(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "recreated.ring");
    ms_test_ring_t old_ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&old_ring, path, 1 << 20));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "c", MS_METRICS_KIND_COUNTER, 0, NULL, 0));

    ms_test_ring_t new_ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&new_ring, path, 1 << 20));
    ms_test_ring_header_set(&old_ring, MS_METRICS_HEARTBEAT_OFFSET, 0);
    for (int i = 0; i < 4096; i++)
    {
        MS_TEST_CHECK(0 == ms_metrics_report_counter(s, 1));
    }
    order_t in_old = { 0 };
    order_t in_new = { 0 };
    drain(&old_ring, &in_old);
    drain(&new_ring, &in_new);
    ms_metrics_client_counters_t counters;
    ms_metrics_client_counters(client, &counters);
    MS_TEST_CHECK_EQ(1, counters.reopens);
    MS_TEST_CHECK_EQ(1, in_new.registers);
    MS_TEST_CHECK_EQ(0, in_new.events_before_first_register);
    MS_TEST_CHECK(in_new.events > 0);
    MS_TEST_CHECK_EQ(4096, in_old.events + in_new.events);
    ms_metrics_client_close(client);
    ms_test_ring_close(&new_ring);
    old_ring.path[0] = '\0';
    ms_test_ring_close(&old_ring);
}

int main(void)
{
    MS_TEST_RUN(should_offer_register_before_next_event_when_consumer_epoch_changes);
    MS_TEST_RUN(should_offer_registers_once_per_stale_heartbeat_period);
    MS_TEST_RUN(should_reopen_ring_file_when_coordinator_recreates_it);
    return 0 == ms_test_failures ? 0 : 1;
}
