package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.SeriesStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The in-process producer: request threads, the OTLP receiver and scrapers offer metric events into
 * the in-process ring through it.
 *
 * <p>Threadsafe: any number of threads may call every method concurrently. No method blocks: a full
 * ring makes the call return false (or -1) at once, and the drop is counted. The event methods
 * allocate nothing. A {@link #waiting} view is the exception, for callers that may wait a little
 * rather than lose an event (the OTLP receiver's request threads). The ingest agent applies events
 * in ring order, so events of one thread are applied in the order that thread offered them, after
 * the register record of their handle.
 */
public final class MetricsProducer {
  /** How long a waiting producer parks between two offers into a full ring. */
  static final long WAIT_STEP_NANOS = 20_000;

  private final RingBuffer ring;
  private final AtomicLong nextHandle;
  private final AtomicLong droppedRingFull;
  private final AtomicLong ringFullWaits;
  private final long waitNanos;

  MetricsProducer(RingBuffer ring) {
    this(ring, new AtomicLong(), new AtomicLong(), new AtomicLong(), 0);
  }

  private MetricsProducer(
      RingBuffer ring,
      AtomicLong nextHandle,
      AtomicLong droppedRingFull,
      AtomicLong ringFullWaits,
      long waitNanos) {
    this.ring = ring;
    this.nextHandle = nextHandle;
    this.droppedRingFull = droppedRingFull;
    this.ringFullWaits = ringFullWaits;
    this.waitNanos = waitNanos;
  }

  /**
   * A view of this producer (same ring, handles, counters) whose calls, finding the ring full, park
   * and offer again until the ring takes the record or {@code budget} has passed; only then is the
   * record dropped and counted. The ingest agent empties a ring in microseconds once awake, so a
   * short budget turns a burst's refusals into short waits; a ring still full after it means the
   * agent is behind, and the caller hears so. Allocates only when the ring was full.
   */
  public MetricsProducer waiting(Duration budget) {
    return new MetricsProducer(ring, nextHandle, droppedRingFull, ringFullWaits, budget.toNanos());
  }

  /**
   * Registers a series and returns its handle for the event methods. Register each series once and
   * keep the handle: every call writes a record. The ingest agent interns series by family and
   * sorted labels, so registering the same series twice yields two handles for one series.
   *
   * @param labelPairs label names and values alternating
   * @return the handle (non-negative), or -1 when the ring is full or a field breaks a limit of
   *     {@link RecordDescriptor} (a refusal by the store, e.g. the series limit, is counted later
   *     by the agent, and events on the handle are then dropped and counted)
   */
  public long registerSeries(String name, MetricKind kind, MetricUnit unit, String... labelPairs) {
    long handle = register(name, kind, unit, null, labelPairs);
    return handle < 0 ? -1 : handle;
  }

  /** {@link #register}: the ring is full. */
  public static final long RING_FULL = -1;

  /** {@link #register}: a field breaks a limit of {@link RecordDescriptor}. */
  public static final long INVALID = -2;

  /**
   * Registers a series of any kind, {@link MetricKind#BUCKETED_HISTOGRAM} with its bounds, and
   * tells a full ring from a bad field. Otherwise as {@link #registerSeries}.
   *
   * @param bounds upper bounds without +Inf for a bucketed histogram (at most {@link
   *     RecordDescriptor#MAX_BOUNDS}); {@code null} for every other kind
   * @return the handle, or {@link #RING_FULL} or {@link #INVALID}
   */
  public long register(
      String name, MetricKind kind, MetricUnit unit, double[] bounds, String[] labelPairs) {
    long handle = nextHandle.getAndIncrement();
    UnsafeBuffer record =
        RecordEncoder.encodeRegister(handle, name, kind, unit, labelPairs, bounds);
    if (record == null) {
      return INVALID;
    }
    if (RecordEncoder.offerRegister(ring, record)
        || waitNanos > 0 && waitFor(() -> RecordEncoder.offerRegister(ring, record))) {
      return handle;
    }
    droppedRingFull.incrementAndGet();
    return RING_FULL;
  }

  /**
   * Registers one of the coordinator's own series, for its own code only (the data plane's request
   * timings): a family name starting with {@code ms_coordinator_}, which {@link #register} cannot
   * use so that other processes and the OTLP receiver never forge the coordinator's families. The
   * record is honoured only from the in-process ring (see {@link RecordDescriptor}). Otherwise as
   * {@link #register}.
   *
   * @param help the family's HELP text (the first registration of a family sets it)
   * @param instanceView true: the series is one instance's and is served in {@code
   *     /metrics/instances} only; false: in {@code /metrics}. A family may have series in both
   *     views; a series is in exactly one, so that no body counts a sample twice
   * @return the handle, or {@link #RING_FULL} or {@link #INVALID} (also for a name without the
   *     prefix, or a HELP text longer than {@link RecordDescriptor#MAX_HELP_LENGTH} bytes)
   */
  public long registerOwn(
      String name,
      MetricKind kind,
      MetricUnit unit,
      double[] bounds,
      String help,
      boolean instanceView,
      String... labelPairs) {
    if (name == null || !name.startsWith(SeriesStore.RESERVED_PREFIX)) {
      return INVALID;
    }
    long handle = nextHandle.getAndIncrement();
    UnsafeBuffer record =
        RecordEncoder.encodeOwnRegister(
            handle,
            name,
            kind,
            unit,
            labelPairs,
            bounds,
            help,
            instanceView ? RecordDescriptor.VIEW_INSTANCE : RecordDescriptor.VIEW_CLUSTER);
    if (record == null) {
      return INVALID;
    }
    if (RecordEncoder.offerOwnRegister(ring, record)
        || waitNanos > 0 && waitFor(() -> RecordEncoder.offerOwnRegister(ring, record))) {
      return handle;
    }
    droppedRingFull.incrementAndGet();
    return RING_FULL;
  }

  /**
   * Adds to a bucketed histogram in one record: all of it is applied, or none. False when the ring
   * is full or {@code deltas} has more buckets than a record carries.
   *
   * @param deltas per-bucket counts to add, the last being +Inf; as many as the series' bounds + 1
   * @param sum the sum of the observations to add
   * @param count the number of observations to add: the sum of {@code deltas}
   */
  public boolean bucketAdd(long handle, long[] deltas, double sum, long count) {
    if (deltas.length == 0 || deltas.length > RecordDescriptor.MAX_BOUNDS + 1) {
      return false;
    }
    if (RecordEncoder.offerBucketAdd(ring, handle, deltas, sum, count)
        || waitNanos > 0
            && waitFor(() -> RecordEncoder.offerBucketAdd(ring, handle, deltas, sum, count))) {
      return true;
    }
    droppedRingFull.incrementAndGet();
    return false;
  }

  /** Adds a non-negative delta to a counter; false when the ring is full. */
  public boolean counterAdd(long handle, long delta) {
    return offer(RecordDescriptor.COUNTER_ADD_TYPE_ID, handle, delta);
  }

  /** Sets a gauge; false when the ring is full. */
  public boolean gaugeSet(long handle, double value) {
    return offer(RecordDescriptor.GAUGE_SET_TYPE_ID, handle, Double.doubleToRawLongBits(value));
  }

  /** Records one raw histogram sample in wire units; false when the ring is full. */
  public boolean histogramRecord(long handle, long value) {
    return offer(RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, handle, value);
  }

  /** Records this producer dropped because the ring was full. */
  public long droppedRingFull() {
    return droppedRingFull.get();
  }

  /**
   * Records a waiting view (any view of this producer) found the ring full and then got into it by
   * waiting.
   */
  public long ringFullWaits() {
    return ringFullWaits.get();
  }

  private boolean offer(int typeId, long handle, long bits) {
    if (RecordEncoder.offerEvent(ring, typeId, handle, bits)
        || waitNanos > 0 && waitFor(() -> RecordEncoder.offerEvent(ring, typeId, handle, bits))) {
      return true;
    }
    droppedRingFull.incrementAndGet();
    return false;
  }

  /** After a refused offer: offers again until taken or the wait budget has passed. */
  private boolean waitFor(BooleanSupplier offer) {
    long deadline = System.nanoTime() + waitNanos;
    do {
      LockSupport.parkNanos(WAIT_STEP_NANOS);
      if (offer.getAsBoolean()) {
        ringFullWaits.incrementAndGet();
        return true;
      }
    } while (System.nanoTime() - deadline < 0);
    return false;
  }
}
