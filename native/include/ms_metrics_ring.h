/*
 * ms_metrics_ring.h - layout of the ms-coordinator metrics ring file and its event records.
 *
 * Mirrors io.mscoordinator.ingest.RingFileDescriptor and RecordDescriptor byte for byte; the
 * Java test RingLayoutHeaderTest reads every MS_METRICS_* define below and fails on any drift.
 * All fields are in the host's native byte order (little-endian on x86-64 and aarch64).
 *
 * This header is the layout only; the producer library's API is ms_metrics.h.
 *
 * File: a 4096-byte header, then an Agrona ManyToOneRingBuffer of MS_METRICS_CAPACITY bytes (a
 * power of two, read from the header) followed by Agrona's 768-byte trailer. Each ring record
 * is an Agrona record header (int32 length, int32 msg type id) and one of the payloads below.
 *
 * Producer protocol:
 *   - map the file; wait until the int32 at MS_METRICS_VERSION_OFFSET (acquire load) equals
 *     MS_METRICS_LAYOUT_VERSION and the magic matches;
 *   - choose handles as (uint64_t)pid << 32 | sequence;
 *   - offer a REGISTER record per series before its events;
 *   - re-offer all REGISTER records before the next event whenever the consumer epoch changed
 *     or the heartbeat (epoch ms) is older than MS_METRICS_HEARTBEAT_STALE_MS;
 *   - never block: when the ring is full, drop the record and atomically add 1 to the int64 at
 *     MS_METRICS_DROPPED_FULL_OFFSET.
 */
#ifndef MS_METRICS_RING_H
#define MS_METRICS_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define MS_METRICS_STATIC_ASSERT static_assert
#else
#define MS_METRICS_STATIC_ASSERT _Static_assert
#endif

/* File header (RingFileDescriptor). */
#define MS_METRICS_MAGIC                  0x00474E495243534DULL /* "MSCRING\0" little-endian */
#define MS_METRICS_MAGIC_OFFSET           0
#define MS_METRICS_VERSION_OFFSET         8
#define MS_METRICS_HEADER_LENGTH_OFFSET   12
#define MS_METRICS_CAPACITY_OFFSET        16
#define MS_METRICS_CONSUMER_EPOCH_OFFSET  24
#define MS_METRICS_HEARTBEAT_OFFSET       32
#define MS_METRICS_CONSUMER_PID_OFFSET    40
#define MS_METRICS_DROPPED_FULL_OFFSET    48
#define MS_METRICS_HEADER_LENGTH          4096
#define MS_METRICS_HEARTBEAT_INTERVAL_MS  100
#define MS_METRICS_HEARTBEAT_STALE_MS     2000

/* Records (RecordDescriptor). */
#define MS_METRICS_LAYOUT_VERSION         1
#define MS_METRICS_REGISTER_TYPE_ID       1
#define MS_METRICS_HISTOGRAM_RECORD_TYPE_ID 2
#define MS_METRICS_COUNTER_ADD_TYPE_ID    3
#define MS_METRICS_GAUGE_SET_TYPE_ID      4
#define MS_METRICS_HANDLE_OFFSET          0
#define MS_METRICS_VALUE_OFFSET           8
#define MS_METRICS_EVENT_LENGTH           16
#define MS_METRICS_KIND_OFFSET            8
#define MS_METRICS_UNIT_OFFSET            9
#define MS_METRICS_LABEL_COUNT_OFFSET     10
#define MS_METRICS_NAME_LENGTH_OFFSET     12
#define MS_METRICS_NAME_OFFSET            14
#define MS_METRICS_MAX_NAME_LENGTH        255
#define MS_METRICS_MAX_LABEL_PAIRS        32
#define MS_METRICS_MAX_LABEL_LENGTH       1024
#define MS_METRICS_MAX_REGISTER_LENGTH    8192
#define MS_METRICS_MIN_RING_CAPACITY      65536 /* 8 * MAX_REGISTER_LENGTH */
/*
 * BUCKET_ADD (OTLP explicit-bucket histograms; the C library does not write it): int64 handle,
 * int64 count, double sum, int32 bucket count, int32 reserved, then int64 per-bucket deltas. A
 * REGISTER of kind BUCKETED_HISTOGRAM ends with uint16 bound count and that many double bounds.
 */
#define MS_METRICS_BUCKET_ADD_TYPE_ID     5
#define MS_METRICS_BUCKET_COUNT_OFFSET    8
#define MS_METRICS_BUCKET_SUM_OFFSET      16
#define MS_METRICS_BUCKET_LENGTH_OFFSET   24
#define MS_METRICS_BUCKET_DELTAS_OFFSET   32
#define MS_METRICS_MAX_BOUNDS             255
/*
 * REGISTER_OWN: the coordinator's own series (ms_coordinator_*), written by its in-process producer
 * only; a REGISTER, then uint8 view, uint16 HELP length and HELP bytes. One found in the ring file
 * is refused: a C writer never writes it.
 */
#define MS_METRICS_REGISTER_OWN_TYPE_ID   6
#define MS_METRICS_VIEW_CLUSTER           0
#define MS_METRICS_VIEW_INSTANCE          1
#define MS_METRICS_MAX_HELP_LENGTH        1024

/*
 * Agrona ManyToOneRingBuffer (org.agrona.concurrent.ringbuffer 2.6.0: RingBufferDescriptor,
 * RecordDescriptor, ManyToOneRingBuffer). Offsets in the trailer are relative to the end of the
 * ring's capacity; each counter sits alone in a 128-byte slot against false sharing. Record header:
 * int32 length (header included, unaligned; negative while the record is being written, 0 when
 * free), then int32 msg type id; records start on MS_METRICS_RB_ALIGNMENT boundaries. A record
 * that does not fit before the end of the buffer is preceded by a padding record filling it.
 * The consumer zeroes what it read before it advances the head. A record body is at most
 * capacity / MS_METRICS_RB_MAX_MESSAGE_DIVISOR bytes.
 */
#define MS_METRICS_RB_TAIL_POSITION_OFFSET       128
#define MS_METRICS_RB_HEAD_CACHE_POSITION_OFFSET 256
#define MS_METRICS_RB_HEAD_POSITION_OFFSET       384
#define MS_METRICS_RB_CORRELATION_COUNTER_OFFSET 512
#define MS_METRICS_RB_CONSUMER_HEARTBEAT_OFFSET  640
#define MS_METRICS_RB_TRAILER_LENGTH             768
#define MS_METRICS_RB_LENGTH_OFFSET              0
#define MS_METRICS_RB_TYPE_OFFSET                4
#define MS_METRICS_RB_RECORD_HEADER_LENGTH       8
#define MS_METRICS_RB_ALIGNMENT                  8
#define MS_METRICS_RB_PADDING_MSG_TYPE_ID        -1
#define MS_METRICS_RB_MAX_MESSAGE_DIVISOR        8

/* Kinds (MetricKind) and units (MetricUnit). */
#define MS_METRICS_KIND_COUNTER           1
#define MS_METRICS_KIND_GAUGE             2
#define MS_METRICS_KIND_HISTOGRAM         3
#define MS_METRICS_KIND_BUCKETED_HISTOGRAM 4
#define MS_METRICS_UNIT_NONE              0
#define MS_METRICS_UNIT_MICROSECONDS      1
#define MS_METRICS_UNIT_MILLISECONDS      2
#define MS_METRICS_UNIT_SECONDS           3 /* wire values in nanoseconds */
#define MS_METRICS_UNIT_TOKENS            4
#define MS_METRICS_UNIT_COUNT             5
#define MS_METRICS_UNIT_PERCENT           6
#define MS_METRICS_UNIT_TOKENS_PER_SECOND 7
#define MS_METRICS_UNIT_BYTES             8

/* Payload of HISTOGRAM_RECORD, COUNTER_ADD (value >= 0) and GAUGE_SET (IEEE-754 double bits). */
typedef struct ms_metrics_event_stct
{
    int64_t handle;
    int64_t value;
}
ms_metrics_event_t;

/* Fixed part of a REGISTER payload; name bytes, then per label: uint16 length + bytes. */
#pragma pack(push, 1)
typedef struct ms_metrics_register_stct
{
    int64_t handle;
    uint8_t kind;
    uint8_t unit;
    uint16_t label_pair_count;
    uint16_t name_length;
}
ms_metrics_register_t;
#pragma pack(pop)

/* Agrona record header in front of every payload. */
typedef struct ms_metrics_rb_record_header_stct
{
    int32_t length;
    int32_t msg_type_id;
}
ms_metrics_rb_record_header_t;

MS_METRICS_STATIC_ASSERT(sizeof(ms_metrics_event_t) == MS_METRICS_EVENT_LENGTH, "event length");
MS_METRICS_STATIC_ASSERT(offsetof(ms_metrics_event_t, handle) == MS_METRICS_HANDLE_OFFSET, "handle offset");
MS_METRICS_STATIC_ASSERT(offsetof(ms_metrics_event_t, value) == MS_METRICS_VALUE_OFFSET, "value offset");
MS_METRICS_STATIC_ASSERT(offsetof(ms_metrics_register_t, kind) == MS_METRICS_KIND_OFFSET, "kind offset");
MS_METRICS_STATIC_ASSERT(offsetof(ms_metrics_register_t, unit) == MS_METRICS_UNIT_OFFSET, "unit offset");
MS_METRICS_STATIC_ASSERT(
    offsetof(ms_metrics_register_t, label_pair_count) == MS_METRICS_LABEL_COUNT_OFFSET, "label count offset");
MS_METRICS_STATIC_ASSERT(
    offsetof(ms_metrics_register_t, name_length) == MS_METRICS_NAME_LENGTH_OFFSET, "name length offset");
MS_METRICS_STATIC_ASSERT(
    offsetof(ms_metrics_rb_record_header_t, length) == MS_METRICS_RB_LENGTH_OFFSET, "record length offset");
MS_METRICS_STATIC_ASSERT(
    offsetof(ms_metrics_rb_record_header_t, msg_type_id) == MS_METRICS_RB_TYPE_OFFSET, "record type offset");
MS_METRICS_STATIC_ASSERT(sizeof(ms_metrics_rb_record_header_t) == MS_METRICS_RB_RECORD_HEADER_LENGTH, "record header");
MS_METRICS_STATIC_ASSERT(
    MS_METRICS_RB_TRAILER_LENGTH == MS_METRICS_RB_CONSUMER_HEARTBEAT_OFFSET + 128, "trailer length");
MS_METRICS_STATIC_ASSERT(MS_METRICS_HEADER_LENGTH % MS_METRICS_RB_ALIGNMENT == 0, "ring start alignment");
MS_METRICS_STATIC_ASSERT(
    MS_METRICS_MIN_RING_CAPACITY == MS_METRICS_RB_MAX_MESSAGE_DIVISOR * MS_METRICS_MAX_REGISTER_LENGTH,
    "a register record of the longest length fits the smallest ring");
MS_METRICS_STATIC_ASSERT(MS_METRICS_DROPPED_FULL_OFFSET + 8 <= MS_METRICS_HEADER_LENGTH, "header fields fit");
MS_METRICS_STATIC_ASSERT(sizeof(ms_metrics_register_t) == MS_METRICS_NAME_OFFSET, "register fixed part");

#endif /* MS_METRICS_RING_H */
