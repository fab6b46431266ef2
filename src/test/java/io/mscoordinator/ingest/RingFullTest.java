package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.mscoordinator.Eventually;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no consumer draining, a full ring makes offers fail at once and counts every drop. */
class RingFullTest {
  private static final int OFFERS = 100_000;

  @TempDir Path dir;

  @Test
  void shouldCountDropsAndNotBlockTheProducerWhenTheInProcessRingIsFull() {
    ManyToOneRingBuffer ring = RecordFormatTest.ring(RecordDescriptor.MIN_RING_CAPACITY);
    MetricsProducer producer = new MetricsProducer(ring);
    long handle = producer.registerSeries("g", MetricKind.GAUGE, MetricUnit.NONE);
    int accepted = 0;
    long start = System.nanoTime();
    for (int i = 0; i < OFFERS; i++) {
      if (producer.gaugeSet(handle, i)) {
        accepted++;
      }
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(accepted, greaterThan(0));
    assertThat(producer.droppedRingFull(), is((long) (OFFERS - accepted)));
    // 100k offers on a full ring: a blocking producer would never return; these take microseconds.
    assertThat(elapsedMs, lessThan(5_000L));
    assertThat(producer.registerSeries("h", MetricKind.GAUGE, MetricUnit.NONE), is(-1L));
    assertThat(producer.droppedRingFull(), is((long) (OFFERS - accepted) + 1));
    // Once the consumer drains, offers succeed again.
    ring.read((type, buffer, index, length) -> {}, Integer.MAX_VALUE);
    assertThat(producer.gaugeSet(handle, 1), is(true));
  }

  @Test
  void shouldGetIntoAFullRingByWaitingWhenTheConsumerDrainsWithinTheBudget() throws Exception {
    ManyToOneRingBuffer ring = RecordFormatTest.ring(RecordDescriptor.MIN_RING_CAPACITY);
    MetricsProducer plain = new MetricsProducer(ring);
    MetricsProducer waiting = plain.waiting(Duration.ofSeconds(30));
    long handle = plain.registerSeries("g", MetricKind.GAUGE, MetricUnit.NONE);
    int filled = 0;
    while (plain.gaugeSet(handle, filled)) {
      filled++;
    }
    assertThat(plain.droppedRingFull(), is(1L));
    Thread producer = Thread.currentThread();
    Thread drainer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    // drain once the producer waits: it parks between its offers into the full ring
                    Eventually.poll(
                        producer::getState,
                        state -> state == Thread.State.TIMED_WAITING,
                        Duration.ofSeconds(10),
                        Duration.ofMillis(1));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  ring.read((type, buffer, index, length) -> {}, Integer.MAX_VALUE);
                });

    boolean taken = waiting.gaugeSet(handle, -1);
    drainer.join();

    assertThat(taken, is(true));
    assertThat(plain.ringFullWaits(), is(1L));
    assertThat(plain.droppedRingFull(), is(1L));
    assertThat(waiting.registerSeries("h", MetricKind.GAUGE, MetricUnit.NONE), greaterThan(handle));
  }

  @Test
  void shouldDropAndCountOnceWhenTheRingStaysFullPastTheWaitBudget() {
    ManyToOneRingBuffer ring = RecordFormatTest.ring(RecordDescriptor.MIN_RING_CAPACITY);
    MetricsProducer waiting = new MetricsProducer(ring).waiting(Duration.ofMillis(20));
    long handle = waiting.registerSeries("g", MetricKind.GAUGE, MetricUnit.NONE);
    while (ring.size() + 64 < ring.capacity()) {
      assertThat(waiting.counterAdd(handle, 1), is(true));
    }
    long before = waiting.droppedRingFull();

    long start = System.nanoTime();
    boolean taken = waiting.counterAdd(handle, 1);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    while (taken) {
      start = System.nanoTime();
      taken = waiting.counterAdd(handle, 1);
      waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    assertThat(waitedMs, greaterThan(19L));
    assertThat(waiting.droppedRingFull(), is(before + 1));
    assertThat(waiting.ringFullWaits(), is(0L));
    assertThat(waiting.bucketAdd(handle, new long[] {1, 0}, 1.0, 1), is(false));
    assertThat(
        waiting.register("h", MetricKind.GAUGE, MetricUnit.NONE, null, new String[0]),
        is(MetricsProducer.RING_FULL));
    assertThat(waiting.droppedRingFull(), is(before + 3));
  }

  @Test
  void shouldCountDropsInTheFileHeaderWhenTheFileRingIsFull() {
    RingFile file =
        RingFile.openForConsumer(dir.resolve("r.ring"), RecordDescriptor.MIN_RING_CAPACITY);
    RingFileProducer producer = RingFileProducer.open(file.path());
    long handle = producer.registerSeries("c", MetricKind.COUNTER, MetricUnit.NONE);
    int refused = 0;
    for (int i = 0; i < OFFERS; i++) {
      if (!producer.counterAdd(handle, 1)) {
        refused++;
      }
    }
    assertThat(refused, greaterThan(0));
    assertThat(file.droppedRingFull(), is((long) refused));
  }
}
