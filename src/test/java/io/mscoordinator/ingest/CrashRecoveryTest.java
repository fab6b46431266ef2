package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator that died without a clean stop: events in the reused ring file under handles only
 * the dead process knew are held until their writer registers again, and dropped as {@code
 * unknown_series} when it never does (see {@link IngestAgent}). {@code CrashRestartIT} runs the
 * same with real processes and SIGKILL.
 */
class CrashRecoveryTest {
  private static final int CAPACITY = 1 << 20;
  private static final long KNOWN_LATER = 7L << 32 | 1;
  private static final long NEVER_REGISTERED = 7L << 32 | 2;
  private static final long GAUGE = 7L << 32 | 3;

  @TempDir Path dir;

  @Test
  void shouldApplyHeldEventsInRingOrderWhenTheirHandleRegistersAgain() throws Exception {
    RingFile file = crashedFileWithEvents();
    IngestCounters counters = new IngestCounters();
    IngestAgent agent = agent(file, counters, 60_000);
    agent.onStart();
    drain(agent);
    assertThat(counters.drops(Transport.FILE, DropReason.UNKNOWN_SERIES), is(0L));

    // The writer sees the new epoch and registers before its next event.
    register(file, KNOWN_LATER, "crash_requests", MetricKind.COUNTER);
    register(file, GAUGE, "crash_queue", MetricKind.GAUGE);
    assertThat(RecordEncoder.offerEvent(file.ring(), 3, KNOWN_LATER, 1), is(true));
    MetricsSnapshot s = snapshot(agent);
    assertThat(s.counter(s.family("crash_requests").slot(0)), is(5L + 4 + 1));
    // Gauge sets held while unknown are applied in ring order: the last one wins.
    assertThat(s.gauge(s.family("crash_queue").slot(0)), is(3.0));
    assertThat(counters.drops(Transport.FILE, DropReason.UNKNOWN_SERIES), is(0L));
  }

  @Test
  void shouldDropHeldEventsAsUnknownSeriesWhenTheWindowClosesWithoutARegistration()
      throws Exception {
    RingFile file = crashedFileWithEvents();
    IngestCounters counters = new IngestCounters();
    IngestAgent agent = agent(file, counters, 50);
    agent.onStart();
    Eventually.poll(
        () -> {
          agent.doWork();
          return counters.drops(Transport.FILE, DropReason.UNKNOWN_SERIES);
        },
        drops -> drops != 0,
        Duration.ofSeconds(10));
    // 5 + 4 adds, 3 gauge sets and 2 adds under a handle that never registers.
    assertThat(counters.drops(Transport.FILE, DropReason.UNKNOWN_SERIES), is(14L));
    // After the window, an unknown handle is dropped at once.
    assertThat(RecordEncoder.offerEvent(file.ring(), 3, NEVER_REGISTERED, 1), is(true));
    drain(agent);
    assertThat(counters.drops(Transport.FILE, DropReason.UNKNOWN_SERIES), is(15L));
  }

  /**
   * A file whose consumer registered KNOWN_LATER and applied 0 events, then died; the writer went
   * on: 5 adds, 3 gauge sets, 2 adds under a never registered handle, 4 more adds.
   */
  private RingFile crashedFileWithEvents() throws Exception {
    Path path = dir.resolve("metrics.ring");
    RingFile first = RingFile.openForConsumer(path, CAPACITY);
    IngestAgent dead = agent(first, new IngestCounters(), 60_000);
    dead.onStart();
    register(first, KNOWN_LATER, "crash_requests", MetricKind.COUNTER);
    register(first, GAUGE, "crash_queue", MetricKind.GAUGE);
    drain(dead);
    first.releaseConsumer(); // the process is gone: no onClose, the epoch stays
    ManyToOneRingBuffer ring = first.ring();
    for (int i = 0; i < 5; i++) {
      assertThat(RecordEncoder.offerEvent(ring, 3, KNOWN_LATER, 1), is(true));
    }
    for (double g : new double[] {1, 2, 3}) {
      assertThat(RecordEncoder.offerEvent(ring, 4, GAUGE, Double.doubleToRawLongBits(g)), is(true));
    }
    for (int i = 0; i < 2; i++) {
      assertThat(RecordEncoder.offerEvent(ring, 3, NEVER_REGISTERED, 1), is(true));
    }
    for (int i = 0; i < 4; i++) {
      assertThat(RecordEncoder.offerEvent(ring, 3, KNOWN_LATER, 1), is(true));
    }
    RingFile reopened = RingFile.openForConsumer(path, CAPACITY);
    assertThat(reopened.reused(), is(true));
    return reopened;
  }

  private static IngestAgent agent(RingFile file, IngestCounters counters, long windowMs) {
    ManyToOneRingBuffer inProcess =
        new ManyToOneRingBuffer(
            new UnsafeBuffer(
                ByteBuffer.allocateDirect(
                    RecordDescriptor.MIN_RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    return new IngestAgent(new SeriesStore(100, Map.of()), counters, inProcess, file, windowMs);
  }

  private static void register(RingFile file, long handle, String name, MetricKind kind) {
    UnsafeBuffer record =
        RecordEncoder.encodeRegister(handle, name, kind, MetricUnit.COUNT, new String[0]);
    assertThat(RecordEncoder.offerRegister(file.ring(), record), is(true));
  }

  private static void drain(IngestAgent agent) {
    for (int i = 0; i < 8; i++) {
      agent.doWork();
    }
  }

  private static MetricsSnapshot snapshot(IngestAgent agent) throws Exception {
    var future = agent.requestSnapshot();
    agent.doWork();
    return future.get(5, TimeUnit.SECONDS);
  }
}
