package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.config.Section;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.ingest.DropReason;
import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.ingest.Transport;
import io.mscoordinator.metrics.MetricsCapability;
import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.Samples;
import jakarta.json.Json;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestMetrics} through a real metrics core: what it records is read back from {@code
 * /metrics} and {@code /metrics/instances} bodies rendered by the real writers, as the coordinator
 * assembles them (the metrics capability's families, then the data plane's).
 */
class RequestMetricsTest {
  private static final String MODEL = "llama3-8b";
  private static final String E2E = "ms_coordinator_e2e_request_latency_seconds";
  private static final String QUEUE = "ms_coordinator_request_queue_time_seconds";
  private static final String ON_7 =
      "{instance_id=\"7\",model_name=\"" + MODEL + "\",role=\"decode\"}";
  private static final String ON_8 =
      "{instance_id=\"8\",model_name=\"" + MODEL + "\",role=\"prefill\"}";
  private static final String OF_MODEL = "{model_name=\"" + MODEL + "\"}";

  private MetricsCore core;
  private MetricsCapability capability;
  private RequestMetrics metrics;

  @BeforeEach
  void start() {
    core =
        MetricsCore.start(
            MetricsSettings.parse(
                Section.of(
                    Json.createObjectBuilder().add("ring_file", "").build(), "metrics_config")));
    capability = MetricsCapability.of(core);
    metrics = new RequestMetrics(core.producer());
  }

  @AfterEach
  void stop() {
    core.close();
  }

  private byte[] render(ExpositionFormat format, boolean instances) {
    List<FamilySource> sources = new ArrayList<>();
    sources.addAll(instances ? capability.instanceFamilies() : capability.families());
    sources.addAll(instances ? metrics.instanceFamilies() : metrics.families());
    ExpositionWriter writer = format.newWriter();
    writer.render(sources);
    return Arrays.copyOf(writer.array(), writer.length());
  }

  private String text(boolean instances) {
    return new String(render(ExpositionFormat.PROMETHEUS_TEXT, instances), StandardCharsets.UTF_8);
  }

  /** 1..1000 ns to the model before dispatch, to instance 7 and twice as much to instance 8. */
  private void recordKnownValues() {
    RequestMetrics.Timings model = metrics.timings(MODEL);
    RequestMetrics.Timings on7 = metrics.timings(MODEL, 7, "decode");
    RequestMetrics.Timings on8 = metrics.timings(MODEL, 8, "prefill");
    for (long v = 1; v <= 1000; v++) {
      model.queue(v);
      on7.e2e(v);
      on8.e2e(2 * v);
    }
  }

  @Test
  void shouldServeExactCountsSumsAndQuantilesPerModelInMetrics() {
    recordKnownValues();

    Map<String, Double> samples = Samples.of(text(false));

    assertThat(samples.get(QUEUE + "_count" + OF_MODEL), is(1000.0));
    assertThat(samples.get(QUEUE + "_sum" + OF_MODEL), closeTo(500_500e-9, 1e-15));
    assertThat(samples.get(E2E + "_count" + OF_MODEL), is(2000.0));
    assertThat(samples.get(E2E + "_sum" + OF_MODEL), closeTo(3 * 500_500e-9, 1e-15));
    // Values below 2048 are exact in HdrHistogram: the quantiles are the samples themselves.
    String quantiles = QUEUE + "_quantiles{model_name=\"" + MODEL + "\",quantile=";
    assertThat(samples.get(quantiles + "\"0.5\"}"), closeTo(500e-9, 1e-18));
    assertThat(samples.get(quantiles + "\"0.9\"}"), closeTo(900e-9, 1e-18));
    assertThat(samples.get(quantiles + "\"0.99\"}"), closeTo(990e-9, 1e-18));
    assertThat(samples.get(quantiles + "\"0.999\"}"), closeTo(999e-9, 1e-18));
    for (String key : samples.keySet()) {
      if (key.startsWith("ms_coordinator_") && key.contains("model_name=")) {
        assertThat("no instance series in /metrics", key, not(containsString("instance_id")));
      }
    }
  }

  @Test
  void shouldServeEachInstancesSeriesInTheInstanceViewOnly() {
    recordKnownValues();

    Map<String, Double> samples = Samples.of(text(true));

    assertThat(samples.get(E2E + "_count" + ON_7), is(1000.0));
    assertThat(samples.get(E2E + "_sum" + ON_7), closeTo(500_500e-9, 1e-15));
    assertThat(samples.get(E2E + "_count" + ON_8), is(1000.0));
    assertThat(samples.get(E2E + "_sum" + ON_8), closeTo(2 * 500_500e-9, 1e-15));
    String p50 = E2E + "_quantiles{instance_id=\"8\",model_name=\"" + MODEL;
    assertThat(samples.get(p50 + "\",quantile=\"0.5\",role=\"prefill\"}"), closeTo(1e-6, 1e-18));
    assertThat(samples.get(QUEUE + "_count" + ON_7), is(0.0));
    assertThat(samples.get(E2E + "_count" + OF_MODEL), is((Double) null));
    double perInstance = samples.get(E2E + "_count" + ON_7) + samples.get(E2E + "_count" + ON_8);
    assertThat(Samples.of(text(false)).get(E2E + "_count" + OF_MODEL), is(perInstance));
  }

  @Test
  void shouldCountAnswersFailuresRetriesAndRequestsInFlight() {
    for (int i = 0; i < 3; i++) {
      metrics.answered("openai", MODEL, 200);
    }
    metrics.answered("tgi", MODEL, 429);
    metrics.failed("connect", MODEL);
    metrics.failed("connect", MODEL);
    metrics.failed("d_error", "qwen");
    metrics.retried("recompute", MODEL);
    for (int i = 0; i < 5; i++) {
      metrics.started();
    }
    metrics.finished();
    metrics.finished();

    Map<String, Double> samples = Samples.of(text(false));

    assertThat(
        samples.get(
            "ms_coordinator_requests_total{code=\"200\",dialect=\"openai\",model_name=\""
                + MODEL
                + "\"}"),
        is(3.0));
    assertThat(
        samples.get(
            "ms_coordinator_requests_total{code=\"429\",dialect=\"tgi\",model_name=\""
                + MODEL
                + "\"}"),
        is(1.0));
    assertThat(
        samples.get(
            "ms_coordinator_request_failures_total{model_name=\""
                + MODEL
                + "\",reason=\"connect\"}"),
        is(2.0));
    assertThat(
        samples.get(
            "ms_coordinator_request_failures_total{model_name=\"qwen\",reason=\"d_error\"}"),
        is(1.0));
    assertThat(
        samples.get(
            "ms_coordinator_request_retries_total{model_name=\""
                + MODEL
                + "\",reason=\"recompute\"}"),
        is(1.0));
    assertThat(samples.get("ms_coordinator_requests_in_flight"), is(3.0));
    assertThat(metrics.inFlight(), is(3L));
  }

  @Test
  void shouldGiveEveryFamilyOfTheSpecHelpAndTypeInBothFormats() {
    recordKnownValues();
    metrics.answered("openai", MODEL, 200);
    String text = text(false);
    String openMetrics =
        new String(render(ExpositionFormat.OPENMETRICS, false), StandardCharsets.UTF_8);

    for (String name : RequestMetrics.TIMING_NAMES) {
      assertThat(text, containsString("# HELP " + name + " "));
      assertThat(text, containsString("# TYPE " + name + " histogram\n"));
      assertThat(text, containsString("# TYPE " + name + "_quantiles summary\n"));
      assertThat(openMetrics, containsString("# TYPE " + name + " histogram\n"));
      assertThat(openMetrics, containsString("# UNIT " + name + " seconds\n"));
    }
    for (String name :
        List.of(RequestMetrics.REQUESTS, RequestMetrics.FAILURES, RequestMetrics.RETRIES)) {
      assertThat(text, containsString("# HELP " + name + "_total "));
      assertThat(text, containsString("# TYPE " + name + "_total counter\n"));
      assertThat(openMetrics, containsString("# TYPE " + name + " counter\n"));
    }
    assertThat(text, containsString("# TYPE ms_coordinator_requests_in_flight gauge\n"));
    assertThat(openMetrics, containsString("# HELP ms_coordinator_requests_in_flight "));
  }

  @Test
  void shouldWriteBodiesThatPromtoolAndPrometheusClientReadAlike() throws Exception {
    recordKnownValues();
    metrics.answered("vllm", MODEL, 500);
    metrics.failed("read", MODEL);
    metrics.started();
    for (boolean instances : new boolean[] {false, true}) {
      byte[] text = render(ExpositionFormat.PROMETHEUS_TEXT, instances);
      byte[] openMetrics = render(ExpositionFormat.OPENMETRICS, instances);
      ReferenceTools.assertPromtoolAccepts(text, ExpositionFormat.PROMETHEUS_TEXT);
      ReferenceTools.assertPromtoolAccepts(openMetrics, ExpositionFormat.OPENMETRICS);
      List<String> fromText =
          requestFamilies(ReferenceTools.pythonSamples(text, ExpositionFormat.PROMETHEUS_TEXT));
      List<String> fromOpenMetrics =
          requestFamilies(ReferenceTools.pythonSamples(openMetrics, ExpositionFormat.OPENMETRICS));
      assertEquals(fromText, fromOpenMetrics, "instances=" + instances);
      assertThat(fromText.isEmpty(), is(false));
    }
  }

  /** The data plane's samples: those labelled with a model or the in-flight gauge. */
  private static List<String> requestFamilies(List<String> samples) {
    return samples.stream()
        .filter(s -> s.contains("model_name=") || s.startsWith(RequestMetrics.IN_FLIGHT))
        .filter(s -> !s.contains("_created|"))
        .sorted()
        .toList();
  }

  @Test
  void shouldGiveTheSameTimingsForTheSameModelInstanceAndRole() {
    assertSame(metrics.timings(MODEL), metrics.timings(MODEL));
    assertSame(metrics.timings(MODEL, 7, "decode"), metrics.timings(MODEL, 7, "decode"));
    assertThat(
        metrics.timings(MODEL, 7, "decode") == metrics.timings(MODEL, 7, "prefill"), is(false));
    assertThat(
        metrics.timings(MODEL, 7, "decode") == metrics.timings("qwen", 7, "decode"), is(false));
  }

  @Test
  void shouldRecordNothingWhileDisabled() {
    RequestMetrics.Timings before = metrics.timings(MODEL, 7, "decode");
    metrics.enabled(false);
    before.e2e(1_000);
    metrics.timings(MODEL).queue(1_000);
    metrics.timings("qwen", 9, "decode").relay(1_000);
    metrics.answered("openai", MODEL, 200);
    metrics.failed("connect", MODEL);
    metrics.retried("reconnect", MODEL);

    Map<String, Double> cluster = Samples.of(text(false));
    Map<String, Double> instances = Samples.of(text(true));

    assertThat(cluster.get(E2E + "_count" + OF_MODEL), is(0.0));
    assertThat(cluster.get(QUEUE + "_count" + OF_MODEL), is(0.0));
    assertThat(instances.get(E2E + "_count" + ON_7), is(0.0));
    for (String key : cluster.keySet()) {
      assertThat(key, not(containsString("qwen")));
      assertThat(key, not(containsString("ms_coordinator_request_failures_total{")));
      assertThat(key, not(containsString("ms_coordinator_request_retries_total{")));
      assertThat(key, not(containsString("ms_coordinator_requests_total{")));
    }
    assertThat(instances.keySet().stream().anyMatch(k -> k.contains("qwen")), is(false));

    metrics.enabled(true);
    before.e2e(1_000);
    assertThat(Samples.of(text(true)).get(E2E + "_count" + ON_7), is(1.0));
  }

  @Test
  void shouldRefuseUnknownLabelValues() {
    assertThrows(IllegalArgumentException.class, () -> metrics.answered("grpc", MODEL, 200));
    assertThrows(IllegalArgumentException.class, () -> metrics.answered("openai", MODEL, 600));
    assertThrows(IllegalArgumentException.class, () -> metrics.failed("timeout", MODEL));
    assertThrows(IllegalArgumentException.class, () -> metrics.retried("connect", MODEL));
  }

  @Test
  void shouldAllocateNothingPerEvent() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    RequestMetrics.Timings warm = metrics.timings(MODEL, 7, "decode");
    metrics.answered("openai", MODEL, 200);
    metrics.failed("connect", MODEL);
    metrics.retried("recompute", MODEL);
    int calls = 100_000;
    // Warm up the same code paths so that the JIT's own work is not counted.
    events(calls, warm);
    long before = threads.getThreadAllocatedBytes(thread);
    events(calls, warm);
    long allocated = threads.getThreadAllocatedBytes(thread) - before;

    assertThat(
        "bytes per call: allocated=" + allocated + " calls=" + calls * 13L,
        (double) allocated / (calls * 13L),
        lessThan(0.1));
    assertThat(core.counters().drops(Transport.IN_PROCESS, DropReason.INVALID_VALUE), is(0L));
  }

  /** Thirteen calls per round: lookups, every timing, the counters. */
  private void events(int rounds, RequestMetrics.Timings warm) {
    for (int i = 0; i < rounds; i++) {
      long nanos = 1_000 + (i & 1023);
      RequestMetrics.Timings t = metrics.timings(MODEL, 7, "decode");
      t.queue(nanos);
      t.dispatchOverhead(nanos);
      t.timeToFirstToken(nanos);
      t.interToken(nanos);
      t.relay(nanos);
      t.e2e(nanos);
      t.prefill(nanos);
      t.pdHandoff(nanos);
      metrics.timings(MODEL).queue(nanos);
      metrics.answered("openai", MODEL, 200);
      metrics.failed("connect", MODEL);
    }
    warm.e2e(1);
  }
}
