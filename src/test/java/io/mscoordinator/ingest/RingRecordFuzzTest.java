package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A writer process can put any bytes into the ring file. These fuzz targets drive the ingest agent
 * directly (no thread, no file) with what such a writer could produce: arbitrary records through
 * the ring protocol, and arbitrary bytes over the ring's memory, record headers and positions
 * included. After any input the agent must still answer a snapshot, never let an exception out of
 * its duty cycle, count what it refused, and apply a good record written afterwards.
 *
 * <p>Run as regression tests over the stored inputs by {@code mvn verify}; fuzz one target with
 * {@code JAZZER_FUZZ=1 mvn -B test -Dtest=RingRecordFuzzTest#records} (see README, Fuzzing).
 */
class RingRecordFuzzTest {
  private static final int CAPACITY = 64 * 1024;
  private static final long GOOD_HANDLE = 0x7fff_0000_0000_0001L;

  /** A sequence of records of any type id and any payload, offered through the ring protocol. */
  @FuzzTest(maxDuration = "30s")
  void records(FuzzedDataProvider data) throws Exception {
    Rig rig = new Rig();
    while (data.remainingBytes() > 0) {
      int typeId = data.consumeInt(1, 8);
      byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
      UnsafeBuffer src = new UnsafeBuffer(payload.length == 0 ? new byte[1] : payload);
      if (!rig.ring.write(typeId, src, 0, payload.length)) {
        rig.agent.doWork();
      }
    }
    rig.agent.doWork();
    rig.checkStillWorks();
  }

  /** Arbitrary bytes written over the ring's memory after some good records. */
  @FuzzTest(maxDuration = "30s")
  void ringBytes(FuzzedDataProvider data) throws Exception {
    Rig rig = new Rig();
    long warm = rig.registerAndCount(data.consumeInt(0, 64));
    int total = rig.ring.capacity() + RingBufferDescriptor.TRAILER_LENGTH;
    while (data.remainingBytes() > 0) {
      int at = data.consumeInt(0, total - 8);
      if (data.consumeBoolean()) {
        rig.buffer.putLong(at, data.consumeLong());
      } else {
        rig.buffer.putByte(at, data.consumeByte());
      }
      if (data.consumeBoolean()) {
        rig.agent.doWork();
      }
    }
    for (int i = 0; i < 4; i++) {
      rig.agent.doWork();
    }
    MetricsSnapshot snapshot = rig.snapshot();
    assertThat(snapshot.eventsApplied(), greaterThanOrEqualTo(warm));
  }

  /** One agent over one in-process ring, driven from the test thread. */
  private static final class Rig {
    final UnsafeBuffer buffer =
        new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
    final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(buffer);
    final IngestCounters counters = new IngestCounters();
    final IngestAgent agent =
        new IngestAgent(new SeriesStore(1_000, Map.of()), counters, ring, null);

    /** Registers the good counter, adds 1 n times, drains; returns the events applied. */
    long registerAndCount(int n) throws Exception {
      UnsafeBuffer register =
          RecordEncoder.encodeRegister(
              GOOD_HANDLE, "fuzz_good", MetricKind.COUNTER, MetricUnit.COUNT, new String[0]);
      assertThat(RecordEncoder.offerRegister(ring, register), is(true));
      for (int i = 0; i < n; i++) {
        assertThat(
            RecordEncoder.offerEvent(ring, RecordDescriptor.COUNTER_ADD_TYPE_ID, GOOD_HANDLE, 1),
            is(true));
      }
      agent.doWork();
      return snapshot().eventsApplied();
    }

    MetricsSnapshot snapshot() throws Exception {
      var future = agent.requestSnapshot();
      agent.doWork();
      return future.get(5, TimeUnit.SECONDS);
    }

    /** After whatever came before, a good series and 3 adds land exactly. */
    void checkStillWorks() throws Exception {
      for (int i = 0; i < 4; i++) {
        agent.doWork();
      }
      MetricsSnapshot first = snapshot();
      var earlier = first.family("fuzz_good");
      if (earlier != null && earlier.kind() != MetricKind.COUNTER) {
        return; // the input registered the name as another kind first: a refusal is right
      }
      long before = counterValue(first);
      registerAndCount(3);
      assertThat(counterValue(snapshot()), is(before + 3));
    }

    private static long counterValue(MetricsSnapshot snapshot) {
      var family = snapshot.family("fuzz_good");
      if (family == null) {
        return 0;
      }
      return family.size() == 0 ? 0 : snapshot.counter(family.slot(0));
    }
  }
}
