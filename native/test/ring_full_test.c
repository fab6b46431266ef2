#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

static void should_drop_and_count_every_record_while_ring_is_full(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "full.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "c", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    int written = 0;
    int failed = 0;
    for (int i = 0; i < 3000; i++)
    {
        if (0 == ms_metrics_report_counter(s, 1))
        {
            written++;
        }
        else
        {
            MS_TEST_CHECK_EQ(MS_METRICS_ERROR_RING_FULL, ms_metrics_errcode());
            failed++;
        }
    }
    /* 65536 bytes hold one 24-byte register and (65536 - 24) / 24 = 2729 events. */
    MS_TEST_CHECK_EQ(2729, written);
    MS_TEST_CHECK_EQ(271, failed);
    MS_TEST_CHECK_EQ(271, ms_test_ring_header_get(&ring, MS_METRICS_DROPPED_FULL_OFFSET));
    ms_metrics_client_counters_t counters;
    ms_metrics_client_counters(client, &counters);
    MS_TEST_CHECK_EQ(271, counters.dropped_ring_full);
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_write_again_once_consumer_frees_space(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "refill.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "h", MS_METRICS_KIND_HISTOGRAM, 0, NULL, 0));
    while (0 == ms_metrics_report_metric(s, 1))
    {
    }
    MS_TEST_CHECK_EQ(2730, ms_test_ring_read(&ring, NULL, NULL, 1 << 20));
    MS_TEST_CHECK(0 == ms_metrics_report_metric(s, 2));
    MS_TEST_CHECK_EQ(1, ms_test_ring_header_get(&ring, MS_METRICS_DROPPED_FULL_OFFSET));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_drop_register_and_event_when_ring_is_full_at_epoch_change(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "fullepoch.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "c", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    while (0 == ms_metrics_report_counter(s, 1))
    {
    }
    ms_test_ring_header_set(&ring, MS_METRICS_CONSUMER_EPOCH_OFFSET, 2);
    MS_TEST_CHECK_EQ(-1, ms_metrics_report_counter(s, 1));
    MS_TEST_CHECK_EQ(3, ms_test_ring_header_get(&ring, MS_METRICS_DROPPED_FULL_OFFSET));
    ms_test_ring_read(&ring, NULL, NULL, 1 << 20);
    MS_TEST_CHECK(0 == ms_metrics_report_counter(s, 1));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

int main(void)
{
    MS_TEST_RUN(should_drop_and_count_every_record_while_ring_is_full);
    MS_TEST_RUN(should_write_again_once_consumer_frees_space);
    MS_TEST_RUN(should_drop_register_and_event_when_ring_is_full_at_epoch_change);
    return 0 == ms_test_failures ? 0 : 1;
}
