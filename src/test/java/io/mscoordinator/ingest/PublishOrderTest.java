package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.junit.jupiter.api.Test;

/** Records of one producer reach the consumer in the order they were offered, none lost. */
class PublishOrderTest {
  private static final int PRODUCERS = 4;
  private static final int PER_PRODUCER = 50_000;

  @Test
  void shouldDeliverEachProducersRecordsInOfferOrderUnderContentionAndWrap() throws Exception {
    // A small ring: it wraps hundreds of times and producers often find it full and retry.
    ManyToOneRingBuffer ring = RecordFormatTest.ring(RecordDescriptor.MIN_RING_CAPACITY);
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < PRODUCERS; p++) {
      long handle = p;
      producers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (long seq = 1; seq <= PER_PRODUCER; seq++) {
                      while (!RecordEncoder.offerEvent(
                          ring, RecordDescriptor.COUNTER_ADD_TYPE_ID, handle, seq)) {
                        Thread.onSpinWait();
                      }
                    }
                  }));
    }
    long[] last = new long[PRODUCERS];
    boolean[] inOrder = {true};
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int received = 0;
    while (received < PRODUCERS * PER_PRODUCER && System.nanoTime() < deadline) {
      received +=
          ring.read(
              (type, buffer, index, length) -> {
                int p = (int) buffer.getLong(index + RecordDescriptor.HANDLE_OFFSET);
                long seq = buffer.getLong(index + RecordDescriptor.VALUE_OFFSET);
                if (seq != last[p] + 1) {
                  inOrder[0] = false;
                }
                last[p] = seq;
              });
    }
    for (Thread t : producers) {
      t.join(10_000);
    }
    assertThat(received, is(PRODUCERS * PER_PRODUCER));
    assertThat("every producer's sequence arrived gap-free and in order", inOrder[0], is(true));
    for (long l : last) {
      assertThat(l, is((long) PER_PRODUCER));
    }
  }
}
