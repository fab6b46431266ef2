package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricsSnapshot;
import jakarta.json.Json;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second JVM writes into the mapped ring file while the coordinator runs, keeps writing while the
 * coordinator is stopped, and a restarted coordinator reuses the file and gets the rest.
 */
class CrossProcessRingTest {
  private static final int FIRST = 20_000;
  private static final int SECOND = 15_000;

  @TempDir Path dir;

  private MetricsSettings settings(Path ring) {
    return MetricsSettings.parse(
        Json.createObjectBuilder()
            .add("ring_file", ring.toString())
            .add("ring_capacity_bytes", 4 << 20)
            .build(),
        "metrics_config");
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
              second.render(io.mscoordinator.exposition.ExpositionFormat.PROMETHEUS_TEXT),
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
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      MetricsSnapshot s = core.snapshot();
      FamilySnapshot f = s.family("forward_req_total_num");
      long value = f == null ? 0 : s.counter(f.slot(0));
      if (value == expected || System.nanoTime() > deadline) {
        assertThat("counter from the other process", value, is(expected));
        return s;
      }
      Thread.sleep(20);
    }
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
