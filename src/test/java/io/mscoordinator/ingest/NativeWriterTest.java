package io.mscoordinator.ingest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.config.Section;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.metrics.MetricsCapability;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricsSnapshot;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C library in {@code native/} against the real coordinator: builds it with CMake and the
 * machine's gcc into {@code target/native-build}, runs its ctest suite, then runs C producer
 * processes ({@code ms_metrics_test_producer}, several threads each, through the REPORT_* macros
 * and the explicit API) into the coordinator's ring file and checks the exact figures.
 */
// ctest up to 300 s, C writer processes up to 120 s
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class NativeWriterTest {
  private static final Path NATIVE = Path.of("native");
  private static final Path BUILD = Path.of("target", "native-build");
  private static final int PROCESSES = 3;
  private static final int THREADS = 4;
  private static final int EVENTS = 50_000;

  @TempDir Path dir;

  @BeforeAll
  static void buildNativeLibrary() throws Exception {
    Files.createDirectories(BUILD);
    run(
        BUILD.resolve("cmake-configure.log"),
        Map.of(),
        "cmake",
        "-S",
        NATIVE.toString(),
        "-B",
        BUILD.toString(),
        "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
        "-DCMAKE_C_COMPILER=gcc",
        "-DCMAKE_CXX_COMPILER=g++");
    run(
        BUILD.resolve("cmake-build.log"),
        Map.of(),
        "cmake",
        "--build",
        BUILD.toString(),
        "-j",
        "2");
  }

  @Test
  void shouldPassTheCUnitTests() throws Exception {
    Path tmp = Files.createDirectories(BUILD.resolve("ctest-tmp"));
    run(
        BUILD.resolve("ctest.log"),
        Map.of("TMPDIR", tmp.toAbsolutePath().toString()),
        "ctest",
        "--test-dir",
        BUILD.toString(),
        "--output-on-failure",
        "--timeout",
        "120");
  }

  @Test
  void shouldExposeExactCountsSumsAndQuantilesFromManyCProducerThreadsInManyProcesses()
      throws Exception {
    Path ring = dir.resolve("metrics.ring");
    try (Coordinator coordinator =
        Coordinator.start(
            TestCoordinators.config(TestCoordinators.shipped(), section(ring, 64 << 20)))) {
      List<CProducer> producers = new ArrayList<>();
      for (int p = 0; p < PROCESSES; p++) {
        producers.add(CProducer.start(dir, ring, "p" + p, THREADS, EVENTS, "drop", 0));
      }
      for (int p = 0; p < PROCESSES; p++) {
        CProducer.Result result = producers.get(p).await();
        assertThat("records refused by the C library, p" + p, result.failed(), is(0L));
        assertThat("events written, p" + p, result.written(), is(3L * THREADS * EVENTS));
      }
      long samples = (long) PROCESSES * THREADS * EVENTS;
      awaitCounter(coordinator.metrics(), "forward_req_total_num", samples);

      String body = TestCoordinators.manage(coordinator).get("/metrics").body();
      Map<String, Double> values = samples(body);
      String instance = "{instance=\"native\"}";
      assertThat(values.get("forward_req_total_num_total" + instance), is((double) samples));
      assertThat(values.get("time_to_first_token_us_count" + instance), is((double) samples));
      // Each thread writes 1..1000 EVENTS / 1000 times: sum 500500 per round.
      assertThat(
          values.get("time_to_first_token_us_sum" + instance), is(samples / 1000 * 500500.0));
      String q = "time_to_first_token_us_quantiles{instance=\"native\",quantile=\"";
      assertThat(values.get(q + "0.5\"}"), is(500.0));
      assertThat(values.get(q + "0.9\"}"), is(900.0));
      assertThat(values.get(q + "0.99\"}"), is(990.0));
      assertThat(values.get(q + "0.999\"}"), is(999.0));
      for (int p = 0; p < PROCESSES; p++) {
        assertThat(
            values.get("computed_token_num_total{producer=\"p" + p + "\"}"),
            is(2.0 * THREADS * EVENTS));
      }
      assertThat(
          values.get(
              "ms_coordinator_ingest_dropped_total{reason=\"unknown_series\",transport=\"file\"}"),
          is(0.0));
      assertThat(
          values.get(
              "ms_coordinator_ingest_dropped_total{reason=\"ring_full\",transport=\"file\"}"),
          is(0.0));
      assertThat(coordinator.metrics().ringFile().droppedRingFull(), is(0L));
    }
  }

  @Test
  void shouldCountEveryDropWhenTheRingIsFullAndDeliverEveryWrittenEvent() throws Exception {
    MetricsSettings metrics = settings(dir.resolve("full.ring"), 65536);
    MetricsCore.start(metrics).close();
    CProducer.Result result =
        CProducer.start(dir, metrics.ringFile(), "p0", 1, 10_000, "drop", 0).await();
    long written = result.written();
    long failed = result.failed();
    long dropped = result.droppedRingFull();
    assertThat(written + failed, is(30_000L));
    assertThat(failed, greaterThan(0L));
    assertThat(dropped, greaterThanOrEqualTo(failed));

    MetricsCore core = MetricsCore.start(metrics);
    try {
      assertThat(core.ringFile().droppedRingFull(), is(dropped));
      long received =
          Eventually.poll(
              () -> eventsReceived(core.snapshot()), r -> r >= written, Duration.ofSeconds(30));
      assertThat("events the coordinator received", received, is(written));
      Map<String, Double> values =
          samples(
              new String(
                  MetricsCapability.of(core).render(ExpositionFormat.PROMETHEUS_TEXT),
                  StandardCharsets.UTF_8));
      assertThat(
          values.get(
              "ms_coordinator_ingest_dropped_total{reason=\"ring_full\",transport=\"file\"}"),
          is((double) dropped));
      assertThat(
          values.get(
              "ms_coordinator_ingest_dropped_total{reason=\"unknown_series\",transport=\"file\"}"),
          is(0.0));
    } finally {
      core.close();
    }
  }

  private static long eventsReceived(MetricsSnapshot s) {
    return value(s, "forward_req_total_num", false)
        + value(s, "time_to_first_token_us", true)
        + value(s, "computed_token_num", false) / 2;
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

  private static JsonObject section(Path ring, int capacity) {
    return Json.createObjectBuilder()
        .add("ring_file", ring.toString())
        .add("ring_capacity_bytes", capacity)
        .build();
  }

  private static MetricsSettings settings(Path ring, int capacity) {
    return MetricsSettings.parse(Section.of(section(ring, capacity), "metrics_config"));
  }

  private static void awaitCounter(MetricsCore core, String family, long expected)
      throws InterruptedException {
    long value =
        Eventually.poll(
            () -> value(core.snapshot(), family, false),
            v -> v >= expected,
            Duration.ofSeconds(60));
    assertThat(family, value, is(expected));
  }

  /** Sample name with labels to value, from a Prometheus text body. */
  private static Map<String, Double> samples(String body) {
    Map<String, Double> values = new HashMap<>();
    for (String line : body.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return values;
  }

  private static void run(Path log, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command) + " log=" + log);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "failed: exit="
              + p.exitValue()
              + " command="
              + String.join(" ", command)
              + "\n"
              + Files.readString(log));
    }
  }
}
