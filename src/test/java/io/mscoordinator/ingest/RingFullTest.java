package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.file.Path;
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
