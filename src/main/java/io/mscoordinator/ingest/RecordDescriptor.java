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
 * </pre>
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
}
