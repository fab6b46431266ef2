package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RequestTrackerTest {
  private final RequestTracker tracker = new RequestTracker();

  @Test
  void shouldReportRunningUntilLastTaskOfPairEnds() {
    RequestTracker.Task first = tracker.begin(1, 2);
    RequestTracker.Task second = tracker.begin(1, 2);

    first.close();
    assertThat(tracker.anyRunning(1, 2), is(true));
    second.close();
    assertThat(tracker.anyRunning(1, 2), is(false));
  }

  @Test
  void shouldEndTaskOnceWhenClosedTwice() {
    RequestTracker.Task first = tracker.begin(1, 2);
    tracker.begin(1, 2);

    first.close();
    first.close();

    assertThat(tracker.anyRunning(1, 2), is(true));
  }

  @Test
  void shouldKeepPairsApart() {
    tracker.begin(1, 2);

    assertThat(tracker.anyRunning(2, 1), is(false));
    assertThat(tracker.anyRunning(1, 3), is(false));
  }

  /** Every received request is counted by exactly one read, however reads and adds interleave. */
  @Test
  void shouldLoseNoReceivedRequestBetweenConcurrentReads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicLong read = new AtomicLong();
    try {
      List<Future<?>> adders = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        adders.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 100_000; i++) {
                    tracker.requestReceived();
                  }
                }));
      }
      Future<?> reader =
          pool.submit(
              () -> {
                while (!adders.stream().allMatch(Future::isDone)) {
                  read.addAndGet(tracker.takeReceived());
                }
              });
      for (Future<?> adder : adders) {
        adder.get(30, TimeUnit.SECONDS);
      }
      reader.get(30, TimeUnit.SECONDS);
      read.addAndGet(tracker.takeReceived());
    } finally {
      pool.shutdownNow();
    }
    assertThat(read.get(), is(200_000L));
  }
}
