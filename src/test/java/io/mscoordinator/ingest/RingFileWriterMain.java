package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The second process of {@link CrossProcessRingTest}: writes {@code first} counter increments and
 * histogram samples 1..first into the ring file, waits for a line on stdin, then writes {@code
 * second} more (samples first+1..first+second) and exits. Exit code 2 when a record could not be
 * written within 10 s (the ring stayed full).
 */
public final class RingFileWriterMain {
  private RingFileWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
    int first = Integer.parseInt(args[1]);
    int second = Integer.parseInt(args[2]);
    RingFileProducer producer = RingFileProducer.open(path);
    long counter =
        producer.registerSeries(
            "forward_req_total_num", MetricKind.COUNTER, MetricUnit.COUNT, "instance", "child");
    long histogram =
        producer.registerSeries(
            "time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.NONE, "instance", "child");
    if (counter < 0 || histogram < 0) {
      System.exit(3);
    }
    write(producer, counter, histogram, 1, first);
    System.out.println("first done");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    in.readLine();
    write(producer, counter, histogram, first + 1, first + second);
    System.out.println("second done");
    System.exit(0);
  }

  private static void write(
      RingFileProducer producer, long counter, long histogram, int from, int to) {
    for (int i = from; i <= to; i++) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!producer.counterAdd(counter, 1)) {
        giveUpAfter(deadline);
      }
      while (!producer.histogramRecord(histogram, i)) {
        giveUpAfter(deadline);
      }
    }
  }

  private static void giveUpAfter(long deadline) {
    if (System.nanoTime() > deadline) {
      System.exit(2);
    }
    Thread.onSpinWait();
  }
}
