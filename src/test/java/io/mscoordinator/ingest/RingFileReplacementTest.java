package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

import io.mscoordinator.Eventually;
import io.mscoordinator.config.Section;
import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import jakarta.json.Json;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ring file removed from under a running coordinator (a tmp cleaner on /dev/shm, an operator's
 * {@code rm} or {@code : >}): the coordinator maps its path again, and no record a writer managed
 * to write before it moved is lost. Real C writers (the test producer of {@link NativeWriterTest}).
 */
// C writer processes of up to 120 s
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RingFileReplacementTest {

  @TempDir Path dir;

  @BeforeAll
  static void buildNativeLibrary() throws Exception {
    NativeWriterTest.buildNativeLibrary();
  }

  @Test
  void shouldMapTheFileAgainWhenItIsDeletedAndLoseNothingAWriterWrote() throws Exception {
    Path ring = dir.resolve("metrics.ring");
    try (MetricsCore core = MetricsCore.start(settings(ring))) {
      RingFile first = core.ringFile();
      // 2 threads x 20,000 events, pausing 10 ms every 100 events: about 2 s of writing.
      CProducer writer = CProducer.start(dir, ring, "a", 2, 20_000, "retry", 10_000);
      await(() -> value(core.snapshot(), "forward_req_total_num", false), 4_000);
      Files.delete(ring);

      CProducer.Result result = writer.await();
      assertThat("calls refused", result.failed(), is(0L));
      assertThat("writer moved to the new file", result.reopens(), is(1L));
      await(() -> value(core.snapshot(), "forward_req_total_num", false), 40_000);
      MetricsSnapshot s = core.snapshot();
      assertThat(value(s, "forward_req_total_num", false), is(40_000L));
      assertThat(value(s, "time_to_first_token_us", true), is(40_000L));
      assertThat(value(s, "computed_token_num", false), is(80_000L));
      assertThat(core.counters().ringFileRecreations(), is(1L));
      assertThat(core.ringFile(), not(sameInstance(first)));
      assertThat(Files.exists(ring), is(true));
      assertThat(core.counters().drops(Transport.FILE, DropReason.UNKNOWN_SERIES), is(0L));
      assertThat(core.counters().drops(Transport.FILE, DropReason.MALFORMED), is(0L));

      // A writer started after the replacement finds the new file and is counted too.
      CProducer.Result late = CProducer.start(dir, ring, "b", 1, 5_000, "retry", 0).await();
      assertThat(late.reopens(), is(0L));
      await(() -> value(core.snapshot(), "forward_req_total_num", false), 45_000);
      assertThat(core.alive(), is(true));
    }
  }

  @Test
  void shouldSurviveTheFileTruncatedUnderItAndServeTheNewOne() throws Exception {
    Path ring = dir.resolve("metrics.ring");
    try (MetricsCore core = MetricsCore.start(settings(ring))) {
      CProducer.start(dir, ring, "a", 1, 10_000, "retry", 0).await();
      await(() -> value(core.snapshot(), "forward_req_total_num", false), 10_000);

      // Every page of the agent's mapping now faults when touched.
      try (FileChannel channel = FileChannel.open(ring, StandardOpenOption.WRITE)) {
        channel.truncate(0);
      }
      await(() -> core.counters().ringFileRecreations(), 1);
      assertThat(Files.size(ring), greaterThan(0L));
      // The agent kept running: snapshots, the in-process ring and liveness all work.
      MetricsProducer producer = core.producer();
      long probe =
          producer.registerSeries(
              "inprocess_probe_us", MetricKind.HISTOGRAM, MetricUnit.MICROSECONDS);
      assertThat(producer.histogramRecord(probe, 5), is(true));
      await(() -> value(core.snapshot(), "inprocess_probe_us", true), 1);
      assertThat(core.alive(), is(true));

      // Writers started now use the new file; what was applied before stays.
      CProducer.start(dir, ring, "b", 2, 5_000, "retry", 0).await();
      await(() -> value(core.snapshot(), "forward_req_total_num", false), 20_000);
      assertThat(value(core.snapshot(), "time_to_first_token_us", true), is(20_000L));
    }
  }

  private static MetricsSettings settings(Path ring) {
    return MetricsSettings.parse(
        Section.of(
            Json.createObjectBuilder()
                .add("ring_file", ring.toString())
                .add("ring_capacity_bytes", 1 << 20)
                .build(),
            "metrics_config"));
  }

  /** Waits up to 30 s for {@code figure} to reach {@code expected}; asserts it is exactly that. */
  private static void await(LongSupplier figure, long expected) throws InterruptedException {
    long value = Eventually.poll(figure::getAsLong, v -> v >= expected, Duration.ofSeconds(30));
    if (value > expected) {
      return; // a progress wait: more is fine; exact figures are asserted by the caller
    }
    assertThat(value, is(expected));
  }

  private static long value(MetricsSnapshot s, String family, boolean histogram) {
    FamilySnapshot f = s.family(family);
    if (f == null) {
      return 0;
    }
    long total = 0;
    for (int i = 0; i < f.size(); i++) {
      total += histogram ? s.histogram(f.slot(i)).getTotalCount() : s.counter(f.slot(i));
    }
    return total;
  }
}
