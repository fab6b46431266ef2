package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any process that can open the ring file can write anything into it. The agent skips what it
 * cannot read, counts it, keeps running, and applies the good records that follow.
 */
class HostileRingWriterTest {
  private static final String MALFORMED =
      "ms_coordinator_ingest_dropped_total{reason=\"malformed\",transport=\"file\"} ";

  @TempDir Path dir;

  private Coordinator coordinator;
  private TestHttp http;
  private Path path;

  @BeforeEach
  void start() {
    path = dir.resolve("hostile.ring");
    JsonObject settings =
        Json.createObjectBuilder()
            .add("ring_file", path.toString())
            .add("ring_capacity_bytes", 65536)
            .build();
    coordinator = Coordinator.start(TestCoordinators.config(TestCoordinators.shipped(), settings));
    http = TestCoordinators.manage(coordinator);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  /** Waits until {@code /metrics} contains {@code line}; returns the last body. */
  private String await(String line) throws InterruptedException {
    return Eventually.poll(
        () -> http.get("/metrics").body(),
        body -> body.contains(line),
        Duration.ofSeconds(20),
        Duration.ofMillis(50));
  }

  /** A good writer after the bad one: its counter must arrive whole. */
  private void goodCounterArrives(String name, long value) throws InterruptedException {
    RingFileProducer good = RingFileProducer.open(path);
    long handle = good.registerSeries(name, MetricKind.COUNTER, MetricUnit.NONE);
    assertThat(good.counterAdd(handle, value), is(true));
    assertThat(await(name + "_total " + value + "\n"), containsString(name + "_total " + value));
    assertThat(http.get("/v1/health").statusCode(), is(200));
  }

  @Test
  void shouldCountAndSkipRecordsOfUnknownTypeLengthOrBody() throws Exception {
    ManyToOneRingBuffer ring = RingFile.openForProducer(path).ring();
    UnsafeBuffer garbage = new UnsafeBuffer(new byte[256]);
    garbage.setMemory(0, 256, (byte) 0xFF);
    for (int i = 0; i < 100; i++) {
      assertThat(ring.write(99, garbage, 0, RecordDescriptor.EVENT_LENGTH), is(true));
    }
    assertThat(ring.write(RecordDescriptor.COUNTER_ADD_TYPE_ID, garbage, 0, 5), is(true));
    for (int i = 0; i < 50; i++) {
      assertThat(ring.write(RecordDescriptor.REGISTER_TYPE_ID, garbage, 0, 200), is(true));
    }

    goodCounterArrives("after_garbage", 7);
    assertThat(http.get("/metrics").body(), containsString(MALFORMED + "151\n"));
  }

  @Test
  void shouldApplyLaterRecordsWhenAWriterDiedMidRecord() throws Exception {
    ManyToOneRingBuffer ring = RingFile.openForProducer(path).ring();
    // Claimed and never committed: what a writer killed between claim and commit leaves.
    assertThat(ring.tryClaim(RecordDescriptor.COUNTER_ADD_TYPE_ID, 16) > 0, is(true));

    goodCounterArrives("after_dead_writer", 11);
    assertThat(
        http.get("/metrics").body(), containsString("\nms_coordinator_ring_unblocks_total 1\n"));
  }

  @Test
  void shouldKeepRunningWhenTheRingPositionsAreOverwritten() throws Exception {
    RingFileProducer before = RingFileProducer.open(path);
    long handle = before.registerSeries("registered_before", MetricKind.COUNTER, MetricUnit.NONE);
    assertThat(before.counterAdd(handle, 2), is(true));
    await("registered_before_total 2\n");
    ManyToOneRingBuffer ring = RingFile.openForProducer(path).ring();
    UnsafeBuffer buffer = (UnsafeBuffer) ring.buffer();
    int capacity = ring.capacity();
    int head = (int) (ring.consumerPosition() & (capacity - 1));
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < capacity; i += 4) {
      if (i != head) {
        buffer.putInt(i, random.nextInt());
      }
    }
    // A tail far ahead of the head, then, last, a record length at the head far past the ring.
    buffer.putLongVolatile(
        capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET,
        ring.consumerPosition() + capacity / 2);
    buffer.putIntVolatile(head, 0x7FFF_0000);

    assertThat(
        await("\nms_coordinator_ring_resets_total 1\n"),
        containsString("\nms_coordinator_ring_resets_total 1\n"));

    // The reset bumped the consumer epoch: the earlier writer re-registers before its next event.
    assertThat(before.counterAdd(handle, 3), is(true));
    assertThat(await("registered_before_total 5\n"), containsString("registered_before_total 5\n"));
    goodCounterArrives("after_overwrite", 13);
    assertThat(
        http.get("/metrics").body(), containsString("\nms_coordinator_ring_resets_total 1\n"));
  }
}
