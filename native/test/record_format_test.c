#include <string.h>

#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

typedef struct
{
    int count;
    int32_t types[8];
    int32_t lengths[8];
    uint8_t bodies[8][128];
}
captured_t;

static void capture(void *ctx, int32_t type, const uint8_t *body, int32_t length, int64_t index)
{
    (void)index;
    captured_t *c = ctx;
    if (c->count < 8 && NULL != body)
    {
        c->types[c->count] = type;
        c->lengths[c->count] = length;
        memcpy(c->bodies[c->count], body, (size_t)length < 128 ? (size_t)length : 128);
        c->count++;
    }
}

static void should_encode_register_record_like_the_java_encoder(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "register.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open_with_id(&client, path, 0x01020304));
    ms_metrics_series_t *series;
    const char *labels[] = { "instance", "n1" };
    MS_TEST_CHECK(0 == ms_metrics_series_register(
        &series, client, "ttft_us", MS_METRICS_KIND_HISTOGRAM, MS_METRICS_UNIT_MICROSECONDS, labels, 1));
    captured_t c = { 0 };
    MS_TEST_CHECK_EQ(1, ms_test_ring_read(&ring, capture, &c, 10));
    static const uint8_t expected[] = {
        0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01, /* handle id << 32 | 0, little-endian */
        MS_METRICS_KIND_HISTOGRAM, MS_METRICS_UNIT_MICROSECONDS, 0x01, 0x00, /* one label pair */
        0x07, 0x00, 't', 't', 'f', 't', '_', 'u', 's',
        0x08, 0x00, 'i', 'n', 's', 't', 'a', 'n', 'c', 'e',
        0x02, 0x00, 'n', '1' };
    MS_TEST_CHECK_EQ(MS_METRICS_REGISTER_TYPE_ID, c.types[0]);
    MS_TEST_CHECK_EQ(sizeof(expected), c.lengths[0]);
    MS_TEST_CHECK(0 == memcmp(expected, c.bodies[0], sizeof(expected)));
    MS_TEST_CHECK_EQ(0x0102030400000000LL, ms_metrics_series_handle(series));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_encode_events_as_handle_and_value(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "event.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open_with_id(&client, path, 7));
    ms_metrics_series_t *h, *c, *g;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&h, client, "h", MS_METRICS_KIND_HISTOGRAM, 0, NULL, 0));
    MS_TEST_CHECK(0 == ms_metrics_series_register(&c, client, "c", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    MS_TEST_CHECK(0 == ms_metrics_series_register(&g, client, "g", MS_METRICS_KIND_GAUGE, 0, NULL, 0));
    MS_TEST_CHECK(0 == ms_metrics_report_metric(h, -5));
    MS_TEST_CHECK(0 == ms_metrics_report_counter(c, 42));
    MS_TEST_CHECK(0 == ms_metrics_report_gauge(g, 1.5));
    captured_t cap = { 0 };
    MS_TEST_CHECK_EQ(6, ms_test_ring_read(&ring, capture, &cap, 10));
    ms_metrics_event_t e;
    MS_TEST_CHECK_EQ(MS_METRICS_HISTOGRAM_RECORD_TYPE_ID, cap.types[3]);
    MS_TEST_CHECK_EQ(MS_METRICS_EVENT_LENGTH, cap.lengths[3]);
    memcpy(&e, cap.bodies[3], sizeof(e));
    MS_TEST_CHECK_EQ(7LL << 32, e.handle);
    MS_TEST_CHECK_EQ(-5, e.value);
    MS_TEST_CHECK_EQ(MS_METRICS_COUNTER_ADD_TYPE_ID, cap.types[4]);
    memcpy(&e, cap.bodies[4], sizeof(e));
    MS_TEST_CHECK_EQ((7LL << 32) | 1, e.handle);
    MS_TEST_CHECK_EQ(42, e.value);
    MS_TEST_CHECK_EQ(MS_METRICS_GAUGE_SET_TYPE_ID, cap.types[5]);
    memcpy(&e, cap.bodies[5], sizeof(e));
    double d;
    memcpy(&d, &e.value, sizeof(d));
    MS_TEST_CHECK(1.5 == d);
    /* Registers of a one-byte name (8 + 15 -> 24 aligned) and events (8 + 16): six records of 24. */
    MS_TEST_CHECK_EQ(6 * 24, ms_test_ring_trailer_get(&ring, MS_METRICS_RB_TAIL_POSITION_OFFSET));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_refuse_fields_over_their_limits(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "limits.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    char name[300];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    MS_TEST_CHECK_EQ(-1, ms_metrics_series_register(&s, client, name, MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_INVALID_ARGUMENT, ms_metrics_errcode());
    MS_TEST_CHECK_EQ(-1, ms_metrics_series_register(&s, client, "", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    MS_TEST_CHECK_EQ(-1, ms_metrics_series_register(&s, client, "x", 9, 0, NULL, 0));
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "x", MS_METRICS_KIND_COUNTER, 0, NULL, 0));
    MS_TEST_CHECK_EQ(-1, ms_metrics_report_counter(s, -1));
    MS_TEST_CHECK_EQ(-1, ms_metrics_report_metric(s, 1));
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_INVALID_ARGUMENT, ms_metrics_errcode());
    MS_TEST_CHECK_EQ(1, ms_test_ring_read(&ring, NULL, NULL, 10));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

int main(void)
{
    MS_TEST_RUN(should_encode_register_record_like_the_java_encoder);
    MS_TEST_RUN(should_encode_events_as_handle_and_value);
    MS_TEST_RUN(should_refuse_fields_over_their_limits);
    return 0 == ms_test_failures ? 0 : 1;
}
