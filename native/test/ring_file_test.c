#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "ms_metrics.h"
#include "ms_metrics_test_ring.h"

static void should_open_ring_file_named_by_env_var_when_path_is_null(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "env.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    setenv(MS_METRICS_RING_FILE_ENV, path, 1);
    ms_metrics_client_t *client = NULL;
    int rc = ms_metrics_client_open(&client, NULL);
    unsetenv(MS_METRICS_RING_FILE_ENV);
    MS_TEST_CHECK_EQ(0, rc);
    MS_TEST_CHECK(0 == strcmp(path, ms_metrics_client_path(client)));
    ms_metrics_client_close(client);
    ms_test_ring_close(&ring);
}

static void should_use_shipped_default_path_when_env_var_is_unset(void)
{
    unsetenv(MS_METRICS_RING_FILE_ENV);
    ms_metrics_client_t *client = NULL;
    if (0 == ms_metrics_client_open(&client, NULL))
    {
        MS_TEST_CHECK(0 == strcmp(MS_METRICS_DEFAULT_RING_FILE, ms_metrics_client_path(client)));
        ms_metrics_client_close(client);
        return;
    }
    MS_TEST_CHECK(NULL != strstr(ms_metrics_errmsg(), "path=" MS_METRICS_DEFAULT_RING_FILE));
}

static void should_fail_with_io_error_when_file_is_missing(void)
{
    ms_metrics_client_t *client = NULL;
    MS_TEST_CHECK_EQ(-1, ms_metrics_client_open(&client, "/nonexistent/ms_metrics.ring"));
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_IO, ms_metrics_errcode());
    MS_TEST_CHECK(NULL != strstr(ms_metrics_errmsg(), "path=/nonexistent/ms_metrics.ring"));
}

static void should_refuse_wrong_magic(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "magic.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    ring.base[MS_METRICS_MAGIC_OFFSET] ^= 0xFF;
    ms_metrics_client_t *client = NULL;
    int rc = ms_metrics_client_open(&client, path);
    ms_test_ring_close(&ring);
    MS_TEST_CHECK_EQ(-1, rc);
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_LAYOUT, ms_metrics_errcode());
}

static void should_refuse_other_layout_version(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "version.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    int32_t version = MS_METRICS_LAYOUT_VERSION + 1;
    memcpy(ring.base + MS_METRICS_VERSION_OFFSET, &version, sizeof(version));
    ms_metrics_client_t *client = NULL;
    int rc = ms_metrics_client_open(&client, path);
    ms_test_ring_close(&ring);
    MS_TEST_CHECK_EQ(-1, rc);
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_LAYOUT, ms_metrics_errcode());
    MS_TEST_CHECK(NULL != strstr(ms_metrics_errmsg(), "version=2"));
}

static void should_report_not_ready_while_version_is_unpublished(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "unpublished.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    memset(ring.base + MS_METRICS_VERSION_OFFSET, 0, 4);
    ms_metrics_client_t *client = NULL;
    int rc = ms_metrics_client_open(&client, path);
    ms_test_ring_close(&ring);
    MS_TEST_CHECK_EQ(-1, rc);
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_NOT_READY, ms_metrics_errcode());
}

static void should_refuse_file_whose_length_does_not_match_capacity(void)
{
    char path[256];
    ms_test_path(path, sizeof(path), "length.ring");
    ms_test_ring_t ring;
    MS_TEST_CHECK(0 == ms_test_ring_create(&ring, path, 65536));
    int32_t capacity = 131072;
    memcpy(ring.base + MS_METRICS_CAPACITY_OFFSET, &capacity, sizeof(capacity));
    ms_metrics_client_t *client = NULL;
    int rc = ms_metrics_client_open(&client, path);
    ms_test_ring_close(&ring);
    MS_TEST_CHECK_EQ(-1, rc);
    MS_TEST_CHECK_EQ(MS_METRICS_ERROR_LAYOUT, ms_metrics_errcode());
}

int main(void)
{
    MS_TEST_RUN(should_open_ring_file_named_by_env_var_when_path_is_null);
    MS_TEST_RUN(should_use_shipped_default_path_when_env_var_is_unset);
    MS_TEST_RUN(should_fail_with_io_error_when_file_is_missing);
    MS_TEST_RUN(should_refuse_wrong_magic);
    MS_TEST_RUN(should_refuse_other_layout_version);
    MS_TEST_RUN(should_report_not_ready_while_version_is_unpublished);
    MS_TEST_RUN(should_refuse_file_whose_length_does_not_match_capacity);
    return 0 == ms_test_failures ? 0 : 1;
}
