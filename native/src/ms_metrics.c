#define _POSIX_C_SOURCE 200809L

#include "ms_metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MS_METRICS_STALE_CHECK_MASK 1023u
#define MS_METRICS_BY_NAME_SLOTS (2 * MS_METRICS_CLIENT_MAX_SERIES)
#define MS_METRICS_DEFAULT_RETRY_MS 1000
#define MS_METRICS_ERRMSG_LENGTH 512

MS_METRICS_STATIC_ASSERT((MS_METRICS_BY_NAME_SLOTS & (MS_METRICS_BY_NAME_SLOTS - 1)) == 0, "by-name slots");

typedef struct ms_metrics_ring_stct
{
    uint8_t *base;
    size_t length;
    uint8_t *buffer;
    int64_t capacity;
    int32_t max_message_length;
    dev_t dev;
    ino_t ino;
    uint64_t id;
    atomic_uint stale_episode;
    atomic_int stale;
    struct ms_metrics_ring_stct *previous;
}
ms_metrics_ring_t;

struct ms_metrics_series_stct
{
    ms_metrics_client_t *client;
    int64_t handle;
    int kind;
    uint8_t *register_record;
    int32_t register_length;
    atomic_uint_fast64_t registered_key;
    uint64_t name_hash;
    const char *name;
    size_t name_length;
};

struct ms_metrics_client_stct
{
    char *path;
    uint32_t producer_id;
    _Atomic(ms_metrics_ring_t *) ring;
    atomic_flag reopening;
    atomic_uint series_count;
    ms_metrics_series_t *series;
    atomic_uint_fast64_t dropped_ring_full;
    atomic_uint_fast64_t reopens;
    _Atomic(ms_metrics_series_t *) *by_name;
    char **labels;
    size_t label_pair_count;
};

static _Thread_local int ms_metrics_tl_errcode;
static _Thread_local const char *ms_metrics_tl_errmsg_static;
static _Thread_local char ms_metrics_tl_errmsg[MS_METRICS_ERRMSG_LENGTH];
static _Thread_local unsigned ms_metrics_tl_events_since_check;

static _Atomic(ms_metrics_client_t *) ms_metrics_default;
static atomic_flag ms_metrics_default_opening = ATOMIC_FLAG_INIT;
static atomic_int_fast64_t ms_metrics_default_next_attempt_ms;
static atomic_uint_fast64_t ms_metrics_default_unopened;

#if defined(__GNUC__)
#define MS_METRICS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MS_METRICS_FORMAT(f, a) __attribute__((format(printf, f, a)))
#else
#define MS_METRICS_UNLIKELY(x) (x)
#define MS_METRICS_FORMAT(f, a)
#endif

static void ms_metrics_set_error(int code, const char *format, ...) MS_METRICS_FORMAT(2, 3);

static void ms_metrics_set_error(int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(ms_metrics_tl_errmsg, sizeof(ms_metrics_tl_errmsg), format, args);
    va_end(args);
    ms_metrics_tl_errcode = code;
    ms_metrics_tl_errmsg_static = NULL;
}

static void ms_metrics_set_error_static(int code, const char *message)
{
    ms_metrics_tl_errcode = code;
    ms_metrics_tl_errmsg_static = message;
}

int ms_metrics_errcode(void)
{
    return ms_metrics_tl_errcode;
}

const char *ms_metrics_errmsg(void)
{
    return NULL != ms_metrics_tl_errmsg_static ? ms_metrics_tl_errmsg_static : ms_metrics_tl_errmsg;
}

static int64_t ms_metrics_epoch_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static inline _Atomic int64_t *ms_metrics_header_int64(const ms_metrics_ring_t *ring, int offset)
{
    return (_Atomic int64_t *)(ring->base + offset);
}

static inline _Atomic int64_t *ms_metrics_trailer_int64(const ms_metrics_ring_t *ring, int offset)
{
    return (_Atomic int64_t *)(ring->buffer + ring->capacity + offset);
}

static inline _Atomic int32_t *ms_metrics_record_length(const ms_metrics_ring_t *ring, int64_t index)
{
    return (_Atomic int32_t *)(ring->buffer + index + MS_METRICS_RB_LENGTH_OFFSET);
}

static inline int32_t *ms_metrics_record_type(const ms_metrics_ring_t *ring, int64_t index)
{
    return (int32_t *)(ring->buffer + index + MS_METRICS_RB_TYPE_OFFSET);
}

static int ms_metrics_ring_map(ms_metrics_ring_t **ring, const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_IO, "cannot open ring file: path=%s errno=%d (%s)", path, errno,
            strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_IO, "cannot stat ring file: path=%s errno=%d", path, errno);
        close(fd);
        return -1;
    }
    if (st.st_size < MS_METRICS_HEADER_LENGTH)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_LAYOUT, "ring file too short: path=%s file_length=%lld", path,
            (long long)st.st_size);
        close(fd);
        return -1;
    }
    uint8_t *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (MAP_FAILED == base)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_IO, "cannot map ring file: path=%s errno=%d", path, errno);
        return -1;
    }
    int32_t version = atomic_load_explicit((_Atomic int32_t *)(base + MS_METRICS_VERSION_OFFSET), memory_order_acquire);
    uint64_t magic;
    int32_t header_length;
    int32_t capacity;
    memcpy(&magic, base + MS_METRICS_MAGIC_OFFSET, sizeof(magic));
    memcpy(&header_length, base + MS_METRICS_HEADER_LENGTH_OFFSET, sizeof(header_length));
    memcpy(&capacity, base + MS_METRICS_CAPACITY_OFFSET, sizeof(capacity));
    if (0 == version)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_NOT_READY, "ring file not published yet: path=%s version=0", path);
        munmap(base, (size_t)st.st_size);
        return -1;
    }
    int64_t expected_length = (int64_t)MS_METRICS_HEADER_LENGTH + capacity + MS_METRICS_RB_TRAILER_LENGTH;
    if (MS_METRICS_MAGIC != magic || MS_METRICS_LAYOUT_VERSION != version ||
        MS_METRICS_HEADER_LENGTH != header_length || capacity <= 0 || 0 != (capacity & (capacity - 1)) ||
        expected_length != (int64_t)st.st_size)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_LAYOUT,
            "not a ring file of this layout: path=%s magic=0x%llx version=%d header_length=%d capacity=%d "
            "file_length=%lld",
            path, (unsigned long long)magic, version, header_length, capacity, (long long)st.st_size);
        munmap(base, (size_t)st.st_size);
        return -1;
    }
    ms_metrics_ring_t *r = calloc(1, sizeof(ms_metrics_ring_t));
    if (NULL == r)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_NO_MEMORY, "out of memory: path=%s", path);
        munmap(base, (size_t)st.st_size);
        return -1;
    }
    r->base = base;
    r->length = (size_t)st.st_size;
    r->buffer = base + MS_METRICS_HEADER_LENGTH;
    r->capacity = capacity;
    r->max_message_length = capacity / MS_METRICS_RB_MAX_MESSAGE_DIVISOR;
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    r->id = 1;
    atomic_init(&r->stale_episode, 0);
    atomic_init(&r->stale, 0);
    *ring = r;
    return 0;
}

static void ms_metrics_ring_count_full(ms_metrics_client_t *client, ms_metrics_ring_t *ring)
{
    atomic_fetch_add_explicit(ms_metrics_header_int64(ring, MS_METRICS_DROPPED_FULL_OFFSET), 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&client->dropped_ring_full, 1, memory_order_relaxed);
}

static inline int64_t ms_metrics_ring_claim(ms_metrics_ring_t *ring, int32_t msg_type_id, int32_t length)
{
    const int32_t record_length = length + MS_METRICS_RB_RECORD_HEADER_LENGTH;
    const int64_t required = (record_length + (MS_METRICS_RB_ALIGNMENT - 1)) & ~(MS_METRICS_RB_ALIGNMENT - 1);
    const int64_t capacity = ring->capacity;
    const int64_t mask = capacity - 1;
    _Atomic int64_t *tail_position = ms_metrics_trailer_int64(ring, MS_METRICS_RB_TAIL_POSITION_OFFSET);
    _Atomic int64_t *head_cache_position = ms_metrics_trailer_int64(ring, MS_METRICS_RB_HEAD_CACHE_POSITION_OFFSET);
    _Atomic int64_t *head_position = ms_metrics_trailer_int64(ring, MS_METRICS_RB_HEAD_POSITION_OFFSET);
    int64_t head = atomic_load_explicit(head_cache_position, memory_order_acquire);
    int64_t tail;
    int64_t tail_index;
    int64_t padding;

    do
    {
        tail = atomic_load_explicit(tail_position, memory_order_acquire);
        if (required > capacity - (tail - head))
        {
            head = atomic_load_explicit(head_position, memory_order_acquire);
            if (required > capacity - (tail - head))
            {
                return -1;
            }
            atomic_store_explicit(head_cache_position, head, memory_order_release);
        }

        padding = 0;
        tail_index = tail & mask;
        const int64_t to_buffer_end = capacity - tail_index;
        if (required > to_buffer_end)
        {
            int64_t head_index = head & mask;
            if (required > head_index)
            {
                head = atomic_load_explicit(head_position, memory_order_acquire);
                head_index = head & mask;
                if (required > head_index)
                {
                    return -1;
                }
                atomic_store_explicit(head_cache_position, head, memory_order_release);
            }
            padding = to_buffer_end;
        }
    }
    while (!atomic_compare_exchange_weak_explicit(
        tail_position, &tail, tail + required + padding, memory_order_acq_rel, memory_order_relaxed));

    if (0 != padding)
    {
        atomic_store_explicit(ms_metrics_record_length(ring, tail_index), (int32_t)-padding, memory_order_release);
        atomic_thread_fence(memory_order_release);
        *ms_metrics_record_type(ring, tail_index) = MS_METRICS_RB_PADDING_MSG_TYPE_ID;
        atomic_store_explicit(ms_metrics_record_length(ring, tail_index), (int32_t)padding, memory_order_release);
        tail_index = 0;
    }

    atomic_store_explicit(ms_metrics_record_length(ring, tail_index), -record_length, memory_order_release);
    atomic_thread_fence(memory_order_release);
    *ms_metrics_record_type(ring, tail_index) = msg_type_id;

    return tail_index;
}

static inline void ms_metrics_ring_commit(ms_metrics_ring_t *ring, int64_t record_index)
{
    _Atomic int32_t *length = ms_metrics_record_length(ring, record_index);
    int32_t record_length = -atomic_load_explicit(length, memory_order_relaxed);
    atomic_store_explicit(length, record_length, memory_order_release);
}

static int ms_metrics_ring_write(ms_metrics_ring_t *ring, int32_t msg_type_id, const void *body, int32_t length)
{
    if (length > ring->max_message_length)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "record too long: length=%d max=%d", length,
            ring->max_message_length);
        return -1;
    }
    int64_t index = ms_metrics_ring_claim(ring, msg_type_id, length);
    if (index < 0)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_RING_FULL, "ring full: record dropped and counted");
        return -1;
    }
    memcpy(ring->buffer + index + MS_METRICS_RB_RECORD_HEADER_LENGTH, body, (size_t)length);
    ms_metrics_ring_commit(ring, index);
    return 0;
}

static inline uint64_t ms_metrics_ring_key(ms_metrics_ring_t *ring)
{
    uint64_t epoch = (uint64_t)atomic_load_explicit(
        ms_metrics_header_int64(ring, MS_METRICS_CONSUMER_EPOCH_OFFSET), memory_order_acquire);
    uint64_t episode = atomic_load_explicit(&ring->stale_episode, memory_order_acquire);
    return (ring->id << 48) | ((episode & 0xFFFFu) << 32) | (epoch & 0xFFFFFFFFu);
}

static void ms_metrics_client_try_reopen(ms_metrics_client_t *client, ms_metrics_ring_t *ring)
{
    if (atomic_flag_test_and_set_explicit(&client->reopening, memory_order_acquire))
    {
        return;
    }
    struct stat st;
    if (atomic_load_explicit(&client->ring, memory_order_acquire) == ring && 0 == stat(client->path, &st) &&
        (st.st_ino != ring->ino || st.st_dev != ring->dev))
    {
        int saved_code = ms_metrics_tl_errcode;
        ms_metrics_ring_t *fresh;
        if (0 == ms_metrics_ring_map(&fresh, client->path))
        {
            fresh->id = ring->id + 1;
            fresh->previous = ring;
            atomic_store_explicit(&client->ring, fresh, memory_order_release);
            atomic_fetch_add_explicit(&client->reopens, 1, memory_order_relaxed);
        }
        ms_metrics_tl_errcode = saved_code;
    }
    atomic_flag_clear_explicit(&client->reopening, memory_order_release);
}

static void ms_metrics_client_check_consumer(ms_metrics_client_t *client, ms_metrics_ring_t *ring)
{
    int64_t heartbeat =
        atomic_load_explicit(ms_metrics_header_int64(ring, MS_METRICS_HEARTBEAT_OFFSET), memory_order_acquire);
    bool stale = ms_metrics_epoch_ms() - heartbeat > MS_METRICS_HEARTBEAT_STALE_MS;
    if (!stale)
    {
        if (atomic_load_explicit(&ring->stale, memory_order_relaxed))
        {
            atomic_store_explicit(&ring->stale, 0, memory_order_relaxed);
        }
        return;
    }
    int expected = 0;
    if (atomic_compare_exchange_strong(&ring->stale, &expected, 1))
    {
        atomic_fetch_add_explicit(&ring->stale_episode, 1, memory_order_acq_rel);
    }
    ms_metrics_client_try_reopen(client, ring);
}

static inline int ms_metrics_series_offer(ms_metrics_series_t *series, int32_t msg_type_id, int64_t value)
{
    ms_metrics_client_t *client = series->client;
    ms_metrics_ring_t *ring = atomic_load_explicit(&client->ring, memory_order_acquire);
    if (MS_METRICS_UNLIKELY(0 == (++ms_metrics_tl_events_since_check & MS_METRICS_STALE_CHECK_MASK)))
    {
        ms_metrics_client_check_consumer(client, ring);
        ring = atomic_load_explicit(&client->ring, memory_order_acquire);
    }

    uint64_t key = ms_metrics_ring_key(ring);
    if (MS_METRICS_UNLIKELY(atomic_load_explicit(&series->registered_key, memory_order_acquire) != key))
    {
        if (ms_metrics_ring_write(ring, MS_METRICS_REGISTER_TYPE_ID, series->register_record, series->register_length) < 0)
        {
            ms_metrics_ring_count_full(client, ring);
            ms_metrics_ring_count_full(client, ring);
            return -1;
        }
        // Release: a thread that sees this key writes its event after the REGISTER in ring order.
        atomic_store_explicit(&series->registered_key, key, memory_order_release);
    }

    int64_t index = ms_metrics_ring_claim(ring, msg_type_id, MS_METRICS_EVENT_LENGTH);
    if (MS_METRICS_UNLIKELY(index < 0))
    {
        ms_metrics_ring_count_full(client, ring);
        ms_metrics_set_error_static(MS_METRICS_ERROR_RING_FULL, "ring full: record dropped and counted");
        return -1;
    }
    ms_metrics_event_t event = { series->handle, value };
    memcpy(ring->buffer + index + MS_METRICS_RB_RECORD_HEADER_LENGTH, &event, sizeof(event));
    ms_metrics_ring_commit(ring, index);
    return 0;
}

static int ms_metrics_series_check_kind(const ms_metrics_series_t *series, int kind)
{
    if (NULL == series)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "series is null");
        return -1;
    }
    if (series->kind != kind)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "wrong kind for series: handle=0x%llx kind=%d wanted=%d",
            (unsigned long long)series->handle, series->kind, kind);
        return -1;
    }
    return 0;
}

int ms_metrics_report_metric(ms_metrics_series_t *series, int64_t value)
{
    if (ms_metrics_series_check_kind(series, MS_METRICS_KIND_HISTOGRAM) < 0)
    {
        return -1;
    }
    return ms_metrics_series_offer(series, MS_METRICS_HISTOGRAM_RECORD_TYPE_ID, value);
}

int ms_metrics_report_counter(ms_metrics_series_t *series, int64_t delta)
{
    if (ms_metrics_series_check_kind(series, MS_METRICS_KIND_COUNTER) < 0)
    {
        return -1;
    }
    if (delta < 0)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "negative counter delta: handle=0x%llx delta=%lld",
            (unsigned long long)series->handle, (long long)delta);
        return -1;
    }
    return ms_metrics_series_offer(series, MS_METRICS_COUNTER_ADD_TYPE_ID, delta);
}

int ms_metrics_report_gauge(ms_metrics_series_t *series, double value)
{
    if (ms_metrics_series_check_kind(series, MS_METRICS_KIND_GAUGE) < 0)
    {
        return -1;
    }
    int64_t bits;
    memcpy(&bits, &value, sizeof(bits));
    return ms_metrics_series_offer(series, MS_METRICS_GAUGE_SET_TYPE_ID, bits);
}

int64_t ms_metrics_series_handle(const ms_metrics_series_t *series)
{
    return series->handle;
}

static const char *ms_metrics_resolve_path(const char *path)
{
    if (NULL != path)
    {
        return path;
    }
    const char *env = getenv(MS_METRICS_RING_FILE_ENV);
    return NULL != env && '\0' != env[0] ? env : MS_METRICS_DEFAULT_RING_FILE;
}

int ms_metrics_client_open_with_id(ms_metrics_client_t **client, const char *path, uint32_t producer_id)
{
    if (NULL == client)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "client is null");
        return -1;
    }
    const char *resolved = ms_metrics_resolve_path(path);
    ms_metrics_ring_t *ring;
    if (ms_metrics_ring_map(&ring, resolved) < 0)
    {
        return -1;
    }
    ms_metrics_client_t *c = calloc(1, sizeof(ms_metrics_client_t));
    char *path_copy = strdup(resolved);
    ms_metrics_series_t *series = calloc(MS_METRICS_CLIENT_MAX_SERIES, sizeof(ms_metrics_series_t));
    _Atomic(ms_metrics_series_t *) *by_name = calloc(MS_METRICS_BY_NAME_SLOTS, sizeof(*by_name));
    if (NULL == c || NULL == path_copy || NULL == series || NULL == by_name)
    {
        free(c);
        free(path_copy);
        free(series);
        free(by_name);
        munmap(ring->base, ring->length);
        free(ring);
        ms_metrics_set_error(MS_METRICS_ERROR_NO_MEMORY, "out of memory: path=%s", resolved);
        return -1;
    }
    c->path = path_copy;
    c->producer_id = producer_id;
    atomic_init(&c->ring, ring);
    atomic_flag_clear(&c->reopening);
    atomic_init(&c->series_count, 0);
    c->series = series;
    atomic_init(&c->dropped_ring_full, 0);
    atomic_init(&c->reopens, 0);
    c->by_name = by_name;
    for (size_t i = 0; i < MS_METRICS_BY_NAME_SLOTS; i++)
    {
        atomic_init(&by_name[i], NULL);
    }
    *client = c;
    return 0;
}

int ms_metrics_client_open(ms_metrics_client_t **client, const char *path)
{
    return ms_metrics_client_open_with_id(client, path, (uint32_t)getpid());
}

int ms_metrics_client_close(ms_metrics_client_t *client)
{
    if (NULL == client)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "client is null");
        return -1;
    }
    ms_metrics_ring_t *ring = atomic_load(&client->ring);
    while (NULL != ring)
    {
        ms_metrics_ring_t *previous = ring->previous;
        munmap(ring->base, ring->length);
        free(ring);
        ring = previous;
    }
    unsigned count = atomic_load(&client->series_count);
    for (unsigned i = 0; i < count && i < MS_METRICS_CLIENT_MAX_SERIES; i++)
    {
        free(client->series[i].register_record);
    }
    for (size_t i = 0; i < 2 * client->label_pair_count; i++)
    {
        free(client->labels[i]);
    }
    free(client->labels);
    free(client->series);
    free(client->by_name);
    free(client->path);
    free(client);
    return 0;
}

const char *ms_metrics_client_path(const ms_metrics_client_t *client)
{
    return client->path;
}

int ms_metrics_client_counters(const ms_metrics_client_t *client, ms_metrics_client_counters_t *counters)
{
    if (NULL == client || NULL == counters)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "client or counters is null");
        return -1;
    }
    counters->dropped_ring_full = atomic_load_explicit(&client->dropped_ring_full, memory_order_relaxed);
    counters->reopens = atomic_load_explicit(&client->reopens, memory_order_relaxed);
    return 0;
}

static uint8_t *ms_metrics_register_encode(int32_t *length, int64_t handle, const char *name, int kind, int unit,
    const char *const *label_pairs, size_t label_pair_count)
{
    size_t name_length = strlen(name);
    if (0 == name_length || name_length > MS_METRICS_MAX_NAME_LENGTH)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "name length out of range: name_length=%zu max=%d",
            name_length, MS_METRICS_MAX_NAME_LENGTH);
        return NULL;
    }
    if (label_pair_count > MS_METRICS_MAX_LABEL_PAIRS || (label_pair_count > 0 && NULL == label_pairs))
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "too many label pairs: name=%s count=%zu max=%d",
            name, label_pair_count, MS_METRICS_MAX_LABEL_PAIRS);
        return NULL;
    }
    size_t total = MS_METRICS_NAME_OFFSET + name_length;
    for (size_t i = 0; i < 2 * label_pair_count; i++)
    {
        if (NULL == label_pairs[i])
        {
            ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "null label string: name=%s index=%zu", name, i);
            return NULL;
        }
        size_t l = strlen(label_pairs[i]);
        if (l > MS_METRICS_MAX_LABEL_LENGTH)
        {
            ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "label too long: name=%s index=%zu length=%zu max=%d",
                name, i, l, MS_METRICS_MAX_LABEL_LENGTH);
            return NULL;
        }
        total += 2 + l;
    }
    if (total > MS_METRICS_MAX_REGISTER_LENGTH)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "register record too long: name=%s length=%zu max=%d",
            name, total, MS_METRICS_MAX_REGISTER_LENGTH);
        return NULL;
    }
    uint8_t *record = malloc(total);
    if (NULL == record)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_NO_MEMORY, "out of memory: name=%s", name);
        return NULL;
    }
    ms_metrics_register_t fixed;
    fixed.handle = handle;
    fixed.kind = (uint8_t)kind;
    fixed.unit = (uint8_t)unit;
    fixed.label_pair_count = (uint16_t)label_pair_count;
    fixed.name_length = (uint16_t)name_length;
    memcpy(record, &fixed, sizeof(fixed));
    memcpy(record + MS_METRICS_NAME_OFFSET, name, name_length);
    size_t at = MS_METRICS_NAME_OFFSET + name_length;
    for (size_t i = 0; i < 2 * label_pair_count; i++)
    {
        uint16_t l = (uint16_t)strlen(label_pairs[i]);
        memcpy(record + at, &l, sizeof(l));
        memcpy(record + at + 2, label_pairs[i], l);
        at += 2 + (size_t)l;
    }
    *length = (int32_t)total;
    return record;
}

int ms_metrics_series_register(
    ms_metrics_series_t **series,
    ms_metrics_client_t *client,
    const char *name,
    int kind,
    int unit,
    const char *const *label_pairs,
    size_t label_pair_count)
{
    if (NULL == series || NULL == client || NULL == name)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "series, client or name is null");
        return -1;
    }
    if (kind < MS_METRICS_KIND_COUNTER || kind > MS_METRICS_KIND_HISTOGRAM || unit < MS_METRICS_UNIT_NONE ||
        unit > MS_METRICS_UNIT_BYTES)
    {
        ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT, "unknown kind or unit: name=%s kind=%d unit=%d", name,
            kind, unit);
        return -1;
    }
    unsigned sequence = atomic_fetch_add_explicit(&client->series_count, 1, memory_order_relaxed);
    if (sequence >= MS_METRICS_CLIENT_MAX_SERIES)
    {
        atomic_fetch_sub_explicit(&client->series_count, 1, memory_order_relaxed);
        ms_metrics_set_error(MS_METRICS_ERROR_SERIES_LIMIT, "series limit reached: limit=%d name=%s",
            MS_METRICS_CLIENT_MAX_SERIES, name);
        return -1;
    }
    ms_metrics_series_t *s = &client->series[sequence];
    s->client = client;
    s->handle = (int64_t)((uint64_t)client->producer_id << 32 | sequence);
    s->kind = kind;
    s->register_record =
        ms_metrics_register_encode(&s->register_length, s->handle, name, kind, unit, label_pairs, label_pair_count);
    if (NULL == s->register_record)
    {
        s->kind = 0;
        return -1;
    }
    s->name = (const char *)s->register_record + MS_METRICS_NAME_OFFSET;
    s->name_length = strlen(name);
    atomic_init(&s->registered_key, 0);
    *series = s;

    ms_metrics_ring_t *ring = atomic_load_explicit(&client->ring, memory_order_acquire);
    uint64_t key = ms_metrics_ring_key(ring);
    if (ms_metrics_ring_write(ring, MS_METRICS_REGISTER_TYPE_ID, s->register_record, s->register_length) < 0)
    {
        if (MS_METRICS_ERROR_RING_FULL == ms_metrics_tl_errcode)
        {
            ms_metrics_ring_count_full(client, ring);
        }
        return -1;
    }
    atomic_store_explicit(&s->registered_key, key, memory_order_release);
    return 0;
}

static int ms_metrics_default_labels(ms_metrics_client_t *client)
{
    const char *env = getenv(MS_METRICS_LABELS_ENV);
    if (NULL == env || '\0' == env[0])
    {
        return 0;
    }
    char *copy = strdup(env);
    char **labels = calloc(2 * MS_METRICS_MAX_LABEL_PAIRS, sizeof(char *));
    if (NULL == copy || NULL == labels)
    {
        free(copy);
        free(labels);
        ms_metrics_set_error(MS_METRICS_ERROR_NO_MEMORY, "out of memory: %s", MS_METRICS_LABELS_ENV);
        return -1;
    }
    size_t count = 0;
    char *save = NULL;
    for (char *pair = strtok_r(copy, ",", &save); NULL != pair; pair = strtok_r(NULL, ",", &save))
    {
        char *eq = strchr(pair, '=');
        if (NULL == eq || eq == pair || count == MS_METRICS_MAX_LABEL_PAIRS)
        {
            ms_metrics_set_error(MS_METRICS_ERROR_INVALID_ARGUMENT,
                "bad label pair: env=%s pair=%s (want key=value, at most %d)", MS_METRICS_LABELS_ENV, pair,
                MS_METRICS_MAX_LABEL_PAIRS);
            for (size_t i = 0; i < 2 * count; i++)
            {
                free(labels[i]);
            }
            free(labels);
            free(copy);
            return -1;
        }
        *eq = '\0';
        labels[2 * count] = strdup(pair);
        labels[2 * count + 1] = strdup(eq + 1);
        count++;
    }
    free(copy);
    client->labels = labels;
    client->label_pair_count = count;
    return 0;
}

ms_metrics_client_t *ms_metrics_default_client(void)
{
    ms_metrics_client_t *client = atomic_load_explicit(&ms_metrics_default, memory_order_acquire);
    if (NULL != client)
    {
        return client;
    }
    int64_t now = ms_metrics_epoch_ms();
    if (now < atomic_load_explicit(&ms_metrics_default_next_attempt_ms, memory_order_relaxed) ||
        atomic_flag_test_and_set_explicit(&ms_metrics_default_opening, memory_order_acquire))
    {
        ms_metrics_set_error(MS_METRICS_ERROR_NOT_READY, "default ring file not open: path=%s",
            ms_metrics_resolve_path(NULL));
        return NULL;
    }
    client = atomic_load_explicit(&ms_metrics_default, memory_order_acquire);
    if (NULL == client)
    {
        if (0 == ms_metrics_client_open(&client, NULL))
        {
            if (ms_metrics_default_labels(client) < 0)
            {
                ms_metrics_client_close(client);
                client = NULL;
            }
            else
            {
                atomic_store_explicit(&ms_metrics_default, client, memory_order_release);
            }
        }
        if (NULL == client)
        {
            atomic_store_explicit(
                &ms_metrics_default_next_attempt_ms, now + MS_METRICS_DEFAULT_RETRY_MS, memory_order_relaxed);
        }
    }
    atomic_flag_clear_explicit(&ms_metrics_default_opening, memory_order_release);
    return client;
}

uint64_t ms_metrics_default_dropped_unopened(void)
{
    return atomic_load_explicit(&ms_metrics_default_unopened, memory_order_relaxed);
}

static inline uint64_t ms_metrics_name_hash(const char *name)
{
    uint64_t hash = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)name; '\0' != *p; p++)
    {
        hash = (hash ^ *p) * 1099511628211ULL;
    }
    return hash;
}

ms_metrics_series_t *ms_metrics_series_by_name(const char *name, int kind)
{
    if (NULL == name)
    {
        ms_metrics_set_error_static(MS_METRICS_ERROR_INVALID_ARGUMENT, "name is null");
        return NULL;
    }
    ms_metrics_client_t *client = ms_metrics_default_client();
    if (NULL == client)
    {
        return NULL;
    }
    uint64_t hash = ms_metrics_name_hash(name);
    size_t name_length = strlen(name);
    for (size_t i = 0; i < MS_METRICS_BY_NAME_SLOTS; i++)
    {
        _Atomic(ms_metrics_series_t *) *slot = &client->by_name[(hash + i) & (MS_METRICS_BY_NAME_SLOTS - 1)];
        ms_metrics_series_t *s = atomic_load_explicit(slot, memory_order_acquire);
        if (NULL == s)
        {
            ms_metrics_series_t *created;
            if (ms_metrics_series_register(&created, client, name, kind, MS_METRICS_UNIT_NONE,
                    (const char *const *)client->labels, client->label_pair_count) < 0 &&
                MS_METRICS_ERROR_RING_FULL != ms_metrics_tl_errcode)
            {
                return NULL;
            }
            created->name_hash = hash;
            if (atomic_compare_exchange_strong_explicit(
                    slot, &s, created, memory_order_acq_rel, memory_order_acquire))
            {
                return created;
            }
        }
        if (s->name_hash == hash && s->name_length == name_length && 0 == memcmp(s->name, name, name_length))
        {
            if (s->kind != kind)
            {
                ms_metrics_set_error(MS_METRICS_ERROR_KIND_CONFLICT, "name registered with another kind: name=%s kind=%d wanted=%d",
                    name, s->kind, kind);
                return NULL;
            }
            return s;
        }
    }
    ms_metrics_set_error(MS_METRICS_ERROR_SERIES_LIMIT, "series limit reached: limit=%d name=%s",
        MS_METRICS_CLIENT_MAX_SERIES, name);
    return NULL;
}

int ms_metrics_report_metric_by_name(const char *name, int64_t value)
{
    ms_metrics_series_t *series = ms_metrics_series_by_name(name, MS_METRICS_KIND_HISTOGRAM);
    if (NULL == series)
    {
        atomic_fetch_add_explicit(&ms_metrics_default_unopened, 1, memory_order_relaxed);
        return -1;
    }
    return ms_metrics_series_offer(series, MS_METRICS_HISTOGRAM_RECORD_TYPE_ID, value);
}

int ms_metrics_report_counter_by_name(const char *name, int64_t delta)
{
    ms_metrics_series_t *series = ms_metrics_series_by_name(name, MS_METRICS_KIND_COUNTER);
    if (NULL == series)
    {
        atomic_fetch_add_explicit(&ms_metrics_default_unopened, 1, memory_order_relaxed);
        return -1;
    }
    return ms_metrics_report_counter(series, delta);
}
