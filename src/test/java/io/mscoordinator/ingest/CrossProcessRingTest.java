package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.config.Section;
import io.mscoordinator.metrics.MetricsCapability;
import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricsSnapshot;
import jakarta.json.Json;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second JVM writes into the mapped ring file while the coordinator runs, keeps writing while the
 * coordinator is stopped, and a restarted coordinator reuses the file and gets the rest.
 */
// a writer process of up to 60 s, then up to 60 s for its records
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CrossProcessRingTest {
  private static final int FIRST = 20_000;
  private static final int SECOND = 15_000;

  @TempDir Path dir;

  private MetricsSettings settings(Path ring) {
    return MetricsSettings.parse(
        Section.of(
            Json.createObjectBuilder()
                .add("ring_file", ring.toString())
                .add("ring_capacity_bytes", 4 << 20)
                .build(),
            "metrics_config"));
  }

  /** Producers of one process share its pid: their handles must still never collide. */
  @Test
  void shouldKeepTheSeriesOfSeveralProducersInOneProcessApart() throws Exception {
    Path ring = dir.resolve("metrics.ring");
    try (MetricsCore core = MetricsCore.start(settings(ring))) {
      RingFileProducer a = RingFileProducer.open(ring);
      RingFileProducer b = RingFileProducer.open(ring);
      long ha =
          a.registerSeries(
              "forward_req_total_num",
              io.mscoordinator.store.MetricKind.COUNTER,
              io.mscoordinator.store.MetricUnit.NONE,
              "engine",
              "a");
      long hb =
          b.registerSeries(
              "forward_req_total_num",
              io.mscoordinator.store.MetricKind.COUNTER,
              io.mscoordinator.store.MetricUnit.NONE,
              "engine",
              "b");
      assertThat(ha == hb, is(false));
      assertThat(a.counterAdd(ha, 3), is(true));
      assertThat(b.counterAdd(hb, 5), is(true));
      MetricsSnapshot s =
          Eventually.poll(
              core::snapshot,
              snap ->
                  snap.family("forward_req_total_num") != null
                      && snap.family("forward_req_total_num").size() >= 2
                      && snap.eventsApplied() >= 2,
              Duration.ofSeconds(10));
      FamilySnapshot f = s.family("forward_req_total_num");
      assertThat(f.size(), is(2));
      // Series are in label order: engine="a", then engine="b".
      assertThat(s.counter(f.slot(0)), is(3L));
      assertThat(s.counter(f.slot(1)), is(5L));
    }
  }

  @Test
  void shouldReceiveEveryEventFromAnotherProcessAcrossACoordinatorRestart() throws Exception {
    Path ring = dir.resolve("run/metrics.ring");
    MetricsCore first = MetricsCore.start(settings(ring));
    Process child = null;
    try {
      assertThat(first.ringFile().reused(), is(false));
      child = startWriter(ring);
      MetricsSnapshot s = awaitCounter(first, FIRST);
      FamilySnapshot ttft = s.family("time_to_first_token_us");
      assertThat(s.histogram(ttft.slot(0)).getTotalCount(), is((long) FIRST));
      assertThat(s.histogramSum(ttft.slot(0)), is(sum(1, FIRST)));
    } catch (Throwable t) {
      if (child != null) {
        child.destroyForcibly();
      }
      throw t;
    } finally {
      first.close();
    }
    assertThat(first.ringFile().consumerHeartbeat(), is(0L));
    // The coordinator is down: the writer goes on; its records wait in the file.
    try (OutputStream in = child.getOutputStream()) {
      in.write("go\n".getBytes(StandardCharsets.UTF_8));
    }
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      child.destroyForcibly();
      throw new AssertionError("writer did not exit within 60 s");
    }
    assertThat("writer exit code", child.exitValue(), is(0));

    MetricsCore second = MetricsCore.start(settings(ring));
    try {
      assertThat(second.ringFile().reused(), is(true));
      MetricsSnapshot s = awaitCounter(second, SECOND);
      FamilySnapshot ttft = s.family("time_to_first_token_us");
      assertThat(s.histogram(ttft.slot(0)).getTotalCount(), is((long) SECOND));
      assertThat(s.histogramSum(ttft.slot(0)), is(sum(FIRST + 1, FIRST + SECOND)));
      assertThat(second.ringFile().droppedRingFull(), is(0L));
      String body =
          new String(
              MetricsCapability.of(second)
                  .render(io.mscoordinator.exposition.ExpositionFormat.PROMETHEUS_TEXT),
              StandardCharsets.UTF_8);
      assertThat(
          body.contains(
              "ms_coordinator_ingest_dropped_total{reason=\"unknown_series\",transport=\"file\"} 0\n"),
          is(true));
    } finally {
      second.close();
    }
  }

  private static long sum(long from, long to) {
    return (from + to) * (to - from + 1) / 2;
  }

  private static MetricsSnapshot awaitCounter(MetricsCore core, long expected)
      throws InterruptedException {
    MetricsSnapshot s =
        Eventually.poll(core::snapshot, snap -> counter(snap) == expected, Duration.ofSeconds(60));
    assertThat("counter from the other process", counter(s), is(expected));
    return s;
  }

  private static long counter(MetricsSnapshot s) {
    FamilySnapshot f = s.family("forward_req_total_num");
    return f == null ? 0 : s.counter(f.slot(0));
  }

  private Process startWriter(Path ring) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path out = dir.resolve("writer.out");
    Files.createFile(out);
    return new ProcessBuilder(
            List.of(
                java,
                "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                RingFileWriterMain.class.getName(),
                ring.toString(),
                Integer.toString(FIRST),
                Integer.toString(SECOND)))
        .redirectOutput(out.toFile())
        .redirectErrorStream(true)
        .start();
  }
}
