package io.mscoordinator.ingest;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The writer process of {@link CrossProcessRingTest} and {@code CrashRestartIT}: {@code
 * RingFileWriterMain <ring file> <n1> <n2> ...} writes n1 counter increments and histogram samples
 * 1..n1 into the ring file, prints {@code phase 1 done}, waits for a line on stdin, writes n2 more
 * (samples n1+1..n1+n2), and so on; it exits 0 after the last phase. Exit code 2 when a record
 * could not be written within 10 s (the ring stayed full).
 */
public final class RingFileWriterMain {
  private RingFileWriterMain() {}

  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[0]);
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
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int written = 0;
    for (int phase = 1; phase < args.length; phase++) {
      if (phase > 1 && in.readLine() == null) {
        System.exit(4);
      }
      int n = Integer.parseInt(args[phase]);
      write(producer, counter, histogram, written + 1, written + n);
      written += n;
      System.out.println("phase " + phase + " done");
      System.out.flush();
    }
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
