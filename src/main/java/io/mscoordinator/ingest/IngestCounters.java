package io.mscoordinator.ingest;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The ingest agent's own figures: events read per transport, drops per transport and reason,
 * refused series per reason, duty cycles.
 *
 * <p>Single writer: the ingest agent thread; readers: any thread (the exposition, the health
 * check). The writer publishes each slot with a release store of a plain read-modify-write (no
 * atomic instruction, as there is one writer); readers use acquire loads, so they see monotonic,
 * untorn values.
 */
final class IngestCounters {
  private static final int TRANSPORTS = Transport.values().length;
  private static final int DROPS = DropReason.values().length;
  private static final int EVENTS_BASE = 0;
  private static final int DROPS_BASE = EVENTS_BASE + TRANSPORTS;
  private static final int REFUSED_BASE = DROPS_BASE + TRANSPORTS * DROPS;
  private static final int DUTY_CYCLES = REFUSED_BASE + RefusalReason.values().length;
  private static final int RING_UNBLOCKS = DUTY_CYCLES + 1;
  private static final int RING_RESETS = RING_UNBLOCKS + 1;
  private static final int SERIES = RING_RESETS + 1;
  private static final int SLOTS = SERIES + 1;

  // Each slot on its own cache line so readers polling one figure do not slow the writer.
  private static final int STRIDE = 64;

  private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOTS * STRIDE));

  void events(Transport transport, int n) {
    increment(EVENTS_BASE + transport.ordinal(), n);
  }

  void drop(Transport transport, DropReason reason) {
    drop(transport, reason, 1);
  }

  void drop(Transport transport, DropReason reason, long n) {
    increment(DROPS_BASE + transport.ordinal() * DROPS + reason.ordinal(), n);
  }

  void refuse(RefusalReason reason) {
    increment(REFUSED_BASE + reason.ordinal(), 1);
  }

  void dutyCycle() {
    increment(DUTY_CYCLES, 1);
  }

  void ringUnblocked() {
    increment(RING_UNBLOCKS, 1);
  }

  void ringReset() {
    increment(RING_RESETS, 1);
  }

  void series(int count) {
    buffer.putLongRelease(SERIES * STRIDE, count);
  }

  long series() {
    return get(SERIES);
  }

  long events(Transport transport) {
    return get(EVENTS_BASE + transport.ordinal());
  }

  long drops(Transport transport, DropReason reason) {
    return get(DROPS_BASE + transport.ordinal() * DROPS + reason.ordinal());
  }

  long refused(RefusalReason reason) {
    return get(REFUSED_BASE + reason.ordinal());
  }

  long dutyCycles() {
    return get(DUTY_CYCLES);
  }

  long ringUnblocks() {
    return get(RING_UNBLOCKS);
  }

  long ringResets() {
    return get(RING_RESETS);
  }

  private void increment(int slot, long n) {
    int offset = slot * STRIDE;
    buffer.putLongRelease(offset, buffer.getLong(offset) + n);
  }

  private long get(int slot) {
    return buffer.getLongAcquire(slot * STRIDE);
  }
}
