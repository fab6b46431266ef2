package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The in-process producer: request threads, the OTLP receiver and scrapers offer metric events into
 * the in-process ring through it.
 *
 * <p>Threadsafe: any number of threads may call every method concurrently. No method blocks: a full
 * ring makes the call return false (or -1) at once, and the drop is counted. The event methods
 * allocate nothing. The ingest agent applies events in ring order, so events of one thread are
 * applied in the order that thread offered them, after the register record of their handle.
 */
public final class MetricsProducer {
  private final RingBuffer ring;
  private final AtomicLong nextHandle = new AtomicLong();
  private final AtomicLong droppedRingFull = new AtomicLong();

  MetricsProducer(RingBuffer ring) {
    this.ring = ring;
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
    long handle = nextHandle.getAndIncrement();
    UnsafeBuffer record = RecordEncoder.encodeRegister(handle, name, kind, unit, labelPairs);
    if (record == null) {
      return -1;
    }
    if (!RecordEncoder.offerRegister(ring, record)) {
      droppedRingFull.incrementAndGet();
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

  /** Records one raw histogram sample in wire units; false when the ring is full. */
  public boolean histogramRecord(long handle, long value) {
    return offer(RecordDescriptor.HISTOGRAM_RECORD_TYPE_ID, handle, value);
  }

  /** Records this producer dropped because the ring was full. */
  public long droppedRingFull() {
    return droppedRingFull.get();
  }

  private boolean offer(int typeId, long handle, long bits) {
    if (RecordEncoder.offerEvent(ring, typeId, handle, bits)) {
      return true;
    }
    droppedRingFull.incrementAndGet();
    return false;
  }
}
