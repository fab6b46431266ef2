package io.mscoordinator.ingest;

/**
 * Layout of the metric event records that producers write into an Agrona {@code
 * ManyToOneRingBuffer} (the in-process ring and the file ring alike). Record format version {@link
 * #LAYOUT_VERSION}; the file ring states it in its header ({@link RingFileDescriptor}). Every field
 * is in the host's native byte order (little-endian on x86-64 and aarch64, the supported hosts);
 * the ring is host-local. The Agrona record header (length, type) precedes each payload and is not
 * shown; the record type is the Agrona {@code msgTypeId}.
 *
 * <p>A series handle is a producer-chosen int64, unique per ring: by convention the producer's
 * 32-bit id (0 for the in-process producer, the process id for file producers) in the high half and
 * a per-producer sequence number in the low half. The consumer maps each handle to the series it
 * was registered for; an event whose handle was never registered is dropped and counted.
 *
 * <pre>
 * REGISTER (type 1), variable length
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                        series handle (int64)                  |
 *  |                                                               |
 *  +---------------+---------------+-------------------------------+
 *  | kind (uint8)  | unit (uint8)  |     label pair count (uint16) |
 *  +---------------+---------------+-------------------------------+
 *  |  name length (uint16)         |  name bytes (UTF-8) ...       |
 *  +-------------------------------+-------------------------------+
 *  |  then per label pair: key length (uint16), key bytes,         |
 *  |  value length (uint16), value bytes                           |
 *  +-------------------------------+-------------------------------+
 *  |  kind BUCKETED_HISTOGRAM only: bound count (uint16), then     |
 *  |  that many IEEE-754 double upper bounds, strictly increasing, |
 *  |  finite, without +Inf (at most MAX_BOUNDS)                    |
 *  +---------------------------------------------------------------+
 *
 * HISTOGRAM_RECORD (type 2), COUNTER_ADD (type 3), GAUGE_SET (type 4), 16 bytes
 *  +---------------------------------------------------------------+
 *  |                        series handle (int64)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  value: int64 sample | int64 delta (&gt;= 0) | IEEE-754 double  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *
 * REGISTER_OWN (type 6), variable length: one of the coordinator's own series, in-process ring only
 *  +---------------------------------------------------------------+
 *  |  a REGISTER record as above (handle ... bounds)               |
 *  +---------------+-----------------------------------------------+
 *  | view (uint8)  |  HELP length (uint16), HELP bytes (UTF-8) ... |
 *  +---------------+-----------------------------------------------+
 *
 * BUCKET_ADD (type 5), 32 + 8 * bucket count bytes: deltas for a BUCKETED_HISTOGRAM series
 *  +---------------------------------------------------------------+
 *  |                        series handle (int64)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  observation count to add (int64, = sum of the deltas)        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  sum of the observations to add (IEEE-754 double, finite)     |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |  bucket count (int32,         |  reserved (int32, 0)          |
 *  |  = the series' bounds + 1)    |                               |
 *  +-------------------------------+-------------------------------+
 *  |  per bucket, the last being +Inf: count to add (int64, &gt;= 0)  |
 *  |  ...                                                          |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>REGISTER_OWN registers a family whose name starts with {@code ms_coordinator_}, which a
 * REGISTER may not use: other processes and the OTLP receiver must not forge the coordinator's own
 * families. Only the in-process producer writes it ({@code MetricsProducer.registerOwn}, which the
 * coordinator's own code calls), and the agent honours it only from the in-process ring: one found
 * in the file ring is refused as an invalid registration, and the events of its handle are dropped
 * as {@code refused_series}. A REGISTER_OWN names the view its series is served in: {@link
 * #VIEW_CLUSTER} ({@code /metrics}) or {@link #VIEW_INSTANCE} ({@code /metrics/instances}, series
 * of one instance each), and carries the family's HELP text.
 *
 * <p>A BUCKET_ADD is one record, so the agent applies all of its buckets, sum and count or none of
 * them (a record whose count is not the sum of its deltas, or whose bucket count does not match the
 * series, is dropped whole as an invalid value).
 */
public final class RecordDescriptor {
  /** Version of this record layout; bump on any incompatible change. */
  public static final int LAYOUT_VERSION = 1;

  /** Record type: register a series (kind, unit, name, labels) under a handle. */
  public static final int REGISTER_TYPE_ID = 1;

  /** Record type: one raw histogram sample. */
  public static final int HISTOGRAM_RECORD_TYPE_ID = 2;

  /** Record type: add a non-negative delta to a counter. */
  public static final int COUNTER_ADD_TYPE_ID = 3;

  /** Record type: set a gauge. */
  public static final int GAUGE_SET_TYPE_ID = 4;

  /** Record type: add per-bucket deltas, a sum and a count to a bucketed histogram. */
  public static final int BUCKET_ADD_TYPE_ID = 5;

  /**
   * Record type: register one of the coordinator's own series (a REGISTER, then view and HELP);
   * honoured from the in-process ring only.
   */
  public static final int REGISTER_OWN_TYPE_ID = 6;

  /** View of an own series: served in {@code /metrics}. */
  public static final int VIEW_CLUSTER = 0;

  /** View of an own series: served in {@code /metrics/instances} only. */
  public static final int VIEW_INSTANCE = 1;

  /** Longest HELP text of an own registration, in bytes. */
  public static final int MAX_HELP_LENGTH = 1024;

  /** Offset of the int64 observation count in a bucket add record. */
  public static final int BUCKET_COUNT_OFFSET = 8;

  /** Offset of the double sum in a bucket add record. */
  public static final int BUCKET_SUM_OFFSET = 16;

  /** Offset of the int32 bucket count in a bucket add record. */
  public static final int BUCKET_LENGTH_OFFSET = 24;

  /** Offset of the first int64 bucket delta in a bucket add record. */
  public static final int BUCKET_DELTAS_OFFSET = 32;

  /** Most bounds of a bucketed histogram (buckets are one more: +Inf). */
  public static final int MAX_BOUNDS = 255;

  /** Offset of the series handle in every record. */
  public static final int HANDLE_OFFSET = 0;

  /** Offset of the int64 or double value in a sample, add or set record. */
  public static final int VALUE_OFFSET = 8;

  /** Length of a sample, add or set record. */
  public static final int EVENT_LENGTH = 16;

  /** Offset of the kind code ({@code MetricKind.code()}) in a register record. */
  public static final int KIND_OFFSET = 8;

  /** Offset of the unit code ({@code MetricUnit.code()}) in a register record. */
  public static final int UNIT_OFFSET = 9;

  /** Offset of the label pair count in a register record. */
  public static final int LABEL_COUNT_OFFSET = 10;

  /** Offset of the name length in a register record. */
  public static final int NAME_LENGTH_OFFSET = 12;

  /** Offset of the name bytes in a register record. */
  public static final int NAME_OFFSET = 14;

  /** Longest name in bytes. */
  public static final int MAX_NAME_LENGTH = 255;

  /** Most label pairs per series. */
  public static final int MAX_LABEL_PAIRS = 32;

  /** Longest label key or value in bytes. */
  public static final int MAX_LABEL_LENGTH = 1024;

  /**
   * Longest register record in bytes. Agrona rings take records up to an eighth of their capacity,
   * so every ring here has at least {@code 8 * MAX_REGISTER_LENGTH} bytes.
   */
  public static final int MAX_REGISTER_LENGTH = 8192;

  /** Smallest ring capacity: a register record of the longest length must fit. */
  public static final int MIN_RING_CAPACITY = 8 * MAX_REGISTER_LENGTH;

  private RecordDescriptor() {}

  /** Length of a register record with these UTF-8 field lengths. */
  public static int registerLength(int nameLength, int[] labelLengths) {
    int length = NAME_OFFSET + nameLength;
    for (int l : labelLengths) {
      length += 2 + l;
    }
    return length;
  }

  /** Length of a bucket add record with {@code buckets} buckets. */
  public static int bucketAddLength(int buckets) {
    return BUCKET_DELTAS_OFFSET + buckets * Long.BYTES;
  }
}
