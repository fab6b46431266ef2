#include <string.h>

#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

typedef struct
{
    int paddings;
    int32_t padding_length;
    int64_t padding_index;
    int events;
    int64_t last_value;
    int64_t last_index;
    int registers;
    int bad_names;
    int expected_name_length;
}
seen_t;

static void see(void *ctx, int32_t type, const uint8_t *body, int32_t length, int64_t index)
{
    seen_t *s = ctx;
    if (MS_METRICS_RB_PADDING_MSG_TYPE_ID == type)
    {
        s->paddings++;
        s->padding_length = length;
        s->padding_index = index;
    }
    else if (MS_METRICS_REGISTER_TYPE_ID == type)
    {
        s->registers++;
        uint16_t name_length;
        memcpy(&name_length, body + MS_METRICS_NAME_LENGTH_OFFSET, sizeof(name_length));
        if (0 != s->expected_name_length &&
            (name_length != s->expected_name_length || length != MS_METRICS_NAME_OFFSET + name_length))
        {
            s->bad_names++;
        }
        s->expected_name_length = s->expected_name_length % 200 + 1;
    }
    else
    {
        s->events++;
        memcpy(&s->last_value, body + MS_METRICS_VALUE_OFFSET, sizeof(int64_t));
        s->last_index = index;
    }
}

static void should_pad_to_end_of_buffer_when_record_does_not_fit(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "wrap.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    ms_metrics_series_t *s;
    MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, "h", MS_METRICS_KIND_HISTOGRAM, 0, NULL, 0));
    for (int i = 0; i < 2729; i++)
    {
        MS_TEST_CHECK(0 == ms_metrics_report_metric(s, i));
    }
    seen_t seen = { 0 };
    MS_TEST_CHECK_EQ(2730, ms_test_ring_read(&ring, see, &seen, 1 << 20));
    MS_TEST_CHECK_EQ(65520, ms_test_ring_trailer_get(&ring, MS_METRICS_RB_HEAD_POSITION_OFFSET));

    MS_TEST_CHECK(0 == ms_metrics_report_metric(s, 777));
    /* 16 bytes left before the end: a 16-byte padding record there, the event at index 0. */
    MS_TEST_CHECK_EQ(65520 + 16 + 24, ms_test_ring_trailer_get(&ring, MS_METRICS_RB_TAIL_POSITION_OFFSET));
    seen_t wrapped = { 0 };
    MS_TEST_CHECK_EQ(0, ms_test_ring_read(&ring, see, &wrapped, 1 << 20));
    MS_TEST_CHECK_EQ(1, wrapped.paddings);
    MS_TEST_CHECK_EQ(16, wrapped.padding_length);
    MS_TEST_CHECK_EQ(65520, wrapped.padding_index);
    MS_TEST_CHECK_EQ(1, ms_test_ring_read(&ring, see, &wrapped, 1 << 20));
    MS_TEST_CHECK_EQ(0, wrapped.last_index);
    MS_TEST_CHECK_EQ(777, wrapped.last_value);
    MS_TEST_CHECK_EQ(65560, ms_test_ring_trailer_get(&ring, MS_METRICS_RB_HEAD_POSITION_OFFSET));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_keep_records_of_every_length_intact_across_many_wraps(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "wraps.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ms_metrics_client_t *client;
    MS_TEST_CHECK(0 == ms_metrics_client_open(&client, path));
    char name[201];
    memset(name, 'n', sizeof(name));
    seen_t seen = { 0 };
    seen.expected_name_length = 1;
    for (int lap = 0; lap < 4000; lap++)
    {
        int name_length = lap % 200 + 1;
        name[name_length] = '\0';
        ms_metrics_series_t *s;
        MS_TEST_CHECK(0 == ms_metrics_series_register(&s, client, name, MS_METRICS_KIND_COUNTER, 0, NULL, 0));
        name[name_length] = 'n';
        if (0 == lap % 7)
        {
            ms_test_ring_read(&ring, see, &seen, 1 << 20);
        }
    }
    ms_test_ring_read(&ring, see, &seen, 1 << 20);
    ms_test_ring_read(&ring, see, &seen, 1 << 20);
    MS_TEST_CHECK_EQ(4000, seen.registers);
    MS_TEST_CHECK_EQ(0, seen.bad_names);
    MS_TEST_CHECK(seen.paddings > 3);
    MS_TEST_CHECK_EQ(0, ms_test_ring_header_get(&ring, MS_METRICS_DROPPED_FULL_OFFSET));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

int main(void)
{
    MS_TEST_RUN(should_pad_to_end_of_buffer_when_record_does_not_fit);
    MS_TEST_RUN(should_keep_records_of_every_length_intact_across_many_wraps);
    return 0 == ms_test_failures ? 0 : 1;
}
