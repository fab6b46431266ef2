#define _POSIX_C_SOURCE 200809L

#include "ms_metrics_test_ring.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int ms_test_failures = 0;

int64_t ms_test_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void ms_test_path(char *out, size_t size, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(out, size, "%s/ms_metrics_test_%d_%s", NULL != dir ? dir : "/tmp", (int)getpid(), name);
}

int ms_test_ring_create(ms_test_ring_t *ring, const char *path, int32_t capacity)
{
    size_t length = (size_t)MS_METRICS_HEADER_LENGTH + (size_t)capacity + MS_METRICS_RB_TRAILER_LENGTH;
    unlink(path);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)length) < 0)
    {
        return -1;
    }
    uint8_t *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (MAP_FAILED == base)
    {
        return -1;
    }
    ring->base = base;
    ring->length = length;
    ring->buffer = base + MS_METRICS_HEADER_LENGTH;
    ring->capacity = capacity;
    snprintf(ring->path, sizeof(ring->path), "%s", path);
    uint64_t magic = MS_METRICS_MAGIC;
    int32_t header_length = MS_METRICS_HEADER_LENGTH;
    memcpy(base + MS_METRICS_MAGIC_OFFSET, &magic, sizeof(magic));
    memcpy(base + MS_METRICS_HEADER_LENGTH_OFFSET, &header_length, sizeof(header_length));
    memcpy(base + MS_METRICS_CAPACITY_OFFSET, &capacity, sizeof(capacity));
    ms_test_ring_header_set(ring, MS_METRICS_CONSUMER_EPOCH_OFFSET, 1);
    ms_test_ring_header_set(ring, MS_METRICS_HEARTBEAT_OFFSET, ms_test_now_ms());
    atomic_store_explicit(
        (_Atomic int32_t *)(base + MS_METRICS_VERSION_OFFSET), MS_METRICS_LAYOUT_VERSION, memory_order_release);
    return 0;
}

void ms_test_ring_close(ms_test_ring_t *ring)
{
    munmap(ring->base, ring->length);
    unlink(ring->path);
}

int64_t ms_test_ring_header_get(const ms_test_ring_t *ring, int offset)
{
    return atomic_load_explicit((_Atomic int64_t *)(ring->base + offset), memory_order_acquire);
}

void ms_test_ring_header_set(ms_test_ring_t *ring, int offset, int64_t value)
{
    atomic_store_explicit((_Atomic int64_t *)(ring->base + offset), value, memory_order_release);
}

int64_t ms_test_ring_trailer_get(const ms_test_ring_t *ring, int offset)
{
    return atomic_load_explicit((_Atomic int64_t *)(ring->buffer + ring->capacity + offset), memory_order_acquire);
}

int ms_test_ring_read(ms_test_ring_t *ring, ms_test_ring_handler_t handler, void *ctx, int limit)
{
    _Atomic int64_t *head_position = (_Atomic int64_t *)(ring->buffer + ring->capacity + MS_METRICS_RB_HEAD_POSITION_OFFSET);
    int64_t head = atomic_load_explicit(head_position, memory_order_relaxed);
    int64_t head_index = head & (ring->capacity - 1);
    int64_t contiguous = ring->capacity - head_index;
    int64_t bytes = 0;
    int messages = 0;
    while (bytes < contiguous && messages < limit)
    {
        int64_t index = head_index + bytes;
        int32_t length = atomic_load_explicit((_Atomic int32_t *)(ring->buffer + index), memory_order_acquire);
        if (length <= 0)
        {
            break;
        }
        bytes += (length + MS_METRICS_RB_ALIGNMENT - 1) & ~(MS_METRICS_RB_ALIGNMENT - 1);
        int32_t type;
        memcpy(&type, ring->buffer + index + MS_METRICS_RB_TYPE_OFFSET, sizeof(type));
        if (MS_METRICS_RB_PADDING_MSG_TYPE_ID == type)
        {
            if (NULL != handler)
            {
                handler(ctx, type, NULL, length, index);
            }
            continue;
        }
        messages++;
        if (NULL != handler)
        {
            handler(ctx, type, ring->buffer + index + MS_METRICS_RB_RECORD_HEADER_LENGTH,
                length - MS_METRICS_RB_RECORD_HEADER_LENGTH, index);
        }
    }
    if (bytes > 0)
    {
        memset(ring->buffer + head_index, 0, (size_t)bytes);
        atomic_store_explicit(head_position, head + bytes, memory_order_release);
    }
    return messages;
}
