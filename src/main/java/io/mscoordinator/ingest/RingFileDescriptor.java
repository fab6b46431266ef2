package io.mscoordinator.ingest;

/**
 * Layout of the memory-mapped ring file that producers in other processes write into: a header
 * page, then an Agrona {@code ManyToOneRingBuffer} (power-of-two capacity plus Agrona's trailer).
 * Native byte order, like {@link RecordDescriptor}. A C header in {@code native/} mirrors these
 * constants.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |              magic "MSCRING\0" (int64 LE 0x00474e495243534d) |  0
 *  +---------------------------------------------------------------+
 *  |       layout version (int32)  |    header length (int32)      |  8
 *  +-------------------------------+-------------------------------+
 *  |  ring capacity (int32)        |    reserved                   | 16
 *  +-------------------------------+-------------------------------+
 *  |               consumer epoch (int64)                          | 24
 *  +---------------------------------------------------------------+
 *  |               consumer heartbeat, epoch ms (int64)            | 32
 *  +---------------------------------------------------------------+
 *  |               consumer pid (int64)                            | 40
 *  +---------------------------------------------------------------+
 *  |               records dropped because the ring was full      | 48
 *  |               (int64, producers add atomically)              |
 *  +---------------------------------------------------------------+
 *  |               ... zero up to HEADER_LENGTH ...                |
 *  +---------------------------------------------------------------+
 *  |   ring buffer: capacity bytes + RingBufferDescriptor trailer  | 4096
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Protocol. The coordinator creates a new file with every header field but the version, then
 * writes the layout version last with a release store: a producer that reads a matching version
 * (acquire) sees a complete header and an initialised ring. An existing file is reused as is when
 * its magic, version and lengths match, so records written while no coordinator ran are consumed by
 * the next one. The consumer increments the epoch when it starts and again when it stops, and
 * writes the heartbeat about every {@link #HEARTBEAT_INTERVAL_MS} while it runs ({@code 0} after a
 * clean stop). A producer treats the consumer as alive when the heartbeat is younger than {@link
 * #HEARTBEAT_STALE_MS}. A producer re-offers all its REGISTER records before its next event
 * whenever it sees the epoch change or the heartbeat go stale, because a new consumer knows no
 * handles: the registers then precede, in the ring, every event written after the change.
 */
public final class RingFileDescriptor {
  /** "MSCRING" plus a zero byte, read as a little-endian int64. */
  public static final long MAGIC = 0x00474E495243534DL;

  /** Offset of the magic. */
  public static final int MAGIC_OFFSET = 0;

  /** Offset of the layout version, written last when a file is created. */
  public static final int VERSION_OFFSET = 8;

  /** Offset of the header length ({@link #HEADER_LENGTH}). */
  public static final int HEADER_LENGTH_OFFSET = 12;

  /** Offset of the ring capacity (a power of two, without the trailer). */
  public static final int CAPACITY_OFFSET = 16;

  /** Offset of the consumer epoch. */
  public static final int CONSUMER_EPOCH_OFFSET = 24;

  /** Offset of the consumer heartbeat (epoch milliseconds, 0 when stopped). */
  public static final int HEARTBEAT_OFFSET = 32;

  /** Offset of the consumer's process id. */
  public static final int CONSUMER_PID_OFFSET = 40;

  /** Offset of the count of records dropped by producers because the ring was full. */
  public static final int DROPPED_FULL_OFFSET = 48;

  /** Length of the header; the ring buffer starts here (page aligned). */
  public static final int HEADER_LENGTH = 4096;

  /** How often the consumer writes its heartbeat. */
  public static final long HEARTBEAT_INTERVAL_MS = 100;

  /** A heartbeat older than this means no consumer runs. */
  public static final long HEARTBEAT_STALE_MS = 2000;

  private RingFileDescriptor() {}
}
