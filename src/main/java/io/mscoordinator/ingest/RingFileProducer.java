package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A producer in another process writing into the coordinator's ring file: the Java reference of
 * what the C library in {@code native/} does, and the writer of the cross-process tests.
 *
 * <p>Confined to one thread per instance (use one instance per writing thread). Never blocks: a
 * full ring makes a call return false and adds one to the file's ring-full drop counter.
 *
 * <p>Handles are {@code pid << 32 | sequence}, unique among the processes writing one file. The
 * producer keeps its register records and re-offers them before its next event whenever the
 * consumer epoch changes or the consumer heartbeat is stale (see {@link RingFileDescriptor}), so a
 * coordinator that (re)starts on the file learns every handle before the events that use it.
 */
public final class RingFileProducer {
  private static final int STALE_CHECK_MASK = 1023;

  private final RingFile file;
  private final long handleBase;
  private final List<UnsafeBuffer> registers = new ArrayList<>();
  private long seenEpoch;
  private boolean reRegisteredWhileStale;
  private int sequence;
  private int eventsSinceCheck;

  private RingFileProducer(RingFile file, long producerId) {
    this.file = file;
    this.handleBase = producerId << 32;
    this.seenEpoch = file.consumerEpoch();
  }

  /** Maps an existing ring file; the producer id defaults to this process id. */
  public static RingFileProducer open(Path path) {
    return new RingFileProducer(
        RingFile.openForProducer(path), ProcessHandle.current().pid() & 0xFFFFFFFFL);
  }

  /** The mapped file, e.g. to read the consumer heartbeat. */
  public RingFile file() {
    return file;
  }

  /**
   * Registers a series.
   *
   * @return its handle, or -1 when the ring is full or a field breaks a limit of {@link
   *     RecordDescriptor}
   */
  public long registerSeries(String name, MetricKind kind, MetricUnit unit, String... labelPairs) {
    long handle = handleBase | (sequence++ & 0xFFFFFFFFL);
    UnsafeBuffer record = RecordEncoder.encodeRegister(handle, name, kind, unit, labelPairs);
    if (record == null) {
      return -1;
    }
    registers.add(record);
    checkConsumer();
    if (!RecordEncoder.offerRegister(file.ring(), record)) {
      file.countRingFull();
      return -1;
    }
    return handle;
  }

  /** Adds a non-negative delta to a counter; false when the ring is full. */
  public boolean counterAdd(long handle, long delta) {
    return offer(RecordDescriptor.COUNTER_ADD_TYPE_ID, handle, delta);
  }

  /** Sets a gauge; false when the ring is full. */
  public boolean gaugeSet(long handle, double value) {
    return offer(RecordDescriptor.GAUGE_SET_TYPE_ID, handle, Double.doubleToRawLongBits(value));
  }

  /** Records one raw histogram sample; false when the ring is full. */
  public boolean histogramRecord(long handle, long value) {
    return offer(RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, handle, value);
  }

  private boolean offer(int typeId, long handle, long bits) {
    checkConsumer();
    if (RecordEncoder.offerEvent(file.ring(), typeId, handle, bits)) {
      return true;
    }
    file.countRingFull();
    return false;
  }

  private void checkConsumer() {
    long epoch = file.consumerEpoch();
    if (epoch != seenEpoch) {
      seenEpoch = epoch;
      reRegister();
      return;
    }
    if ((++eventsSinceCheck & STALE_CHECK_MASK) != 0) {
      return;
    }
    boolean stale =
        System.currentTimeMillis() - file.consumerHeartbeat()
            > RingFileDescriptor.HEARTBEAT_STALE_MS;
    if (stale && !reRegisteredWhileStale) {
      reRegister();
    }
    reRegisteredWhileStale = stale;
  }

  private void reRegister() {
    for (UnsafeBuffer record : registers) {
      if (!RecordEncoder.offerRegister(file.ring(), record)) {
        file.countRingFull();
      }
    }
  }
}
