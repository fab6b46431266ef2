package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.RawHttp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-instance view of the data plane's timings over real sockets: after N requests spread over
 * two instances, {@code /metrics/instances} carries each timing family per {@code instance_id} and
 * {@code role}, {@code /metrics} per {@code model_name} only, each body counts every request once,
 * and both are accepted by promtool and prometheus_client's parsers.
 */
class DataPlaneInstanceViewTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int N = 10;

  /** The timing families every single-node streaming request records once. */
  private static final List<String> ONCE_PER_REQUEST =
      List.of(
          "ms_coordinator_request_queue_time_seconds",
          "ms_coordinator_dispatch_overhead_seconds",
          "ms_coordinator_time_to_first_token_seconds",
          "ms_coordinator_e2e_request_latency_seconds");

  /** The timing families recorded per chunk or per event: more than once per request. */
  private static final List<String> PER_CHUNK =
      List.of("ms_coordinator_inter_token_latency_seconds", "ms_coordinator_relay_latency_seconds");

  private static final Pattern COUNT =
      Pattern.compile("(ms_coordinator_[a-z0-9_]+_seconds)_count\\{(.*)}");

  private static FakeEngine one;
  private static FakeEngine two;
  private static Coordinator coordinator;

  @BeforeAll
  static void start() throws Exception {
    one = FakeEngine.start(FakeEngine.Options.defaults().withModel("m"));
    two = FakeEngine.start(FakeEngine.Options.defaults().withModel("m"));
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder()
                    .add("deploy_mode", "single_node")
                    .add("algorithm_type", "round_robin")
                    .build());
    ManualClock clock = new ManualClock();
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
    coordinator
        .registry()
        .refresh(List.of(instance(1, one, Role.PREFILL), instance(2, two, Role.DECODE)));
    for (int i = 0; i < N; i++) {
      try (RawHttp http = new RawHttp(coordinator.port(Coordinator.PREDICT))) {
        http.send(
            "POST",
            "/v1/chat/completions",
            "{\"model\":\"m\",\"stream\":true,\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi "
                + i
                + "\"}]}");
        RawHttp.Response r = http.read();
        assertThat(r.status(), is(200));
        assertThat(r.complete(), is(true));
      }
    }
  }

  @AfterAll
  static void stop() {
    if (coordinator != null) {
      coordinator.close();
    }
    one.close();
    two.close();
  }

  private static Instance instance(long id, FakeEngine engine, Role role) {
    return new Instance(
        id,
        "127.0.0.1",
        engine.port(),
        engine.port(),
        "m",
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        role,
        200,
        1024,
        List.of());
  }

  /**
   * The {@code _count} samples of the coordinator's timing families in {@code path}'s body, once
   * every request's end-to-end latency reached it (timings go through the ingest ring).
   */
  private static Map<String, Double> counts(String path) throws InterruptedException {
    Map<String, Double> counts =
        Eventually.poll(
            () -> timingCounts(get(path, null)),
            c -> sum(c, "ms_coordinator_e2e_request_latency_seconds", "") >= N,
            WAIT);
    assertThat(
        counts.toString(),
        sum(counts, "ms_coordinator_e2e_request_latency_seconds", ""),
        is((double) N));
    return counts;
  }

  private static String get(String path, String accept) {
    TestHttp manage = TestCoordinators.manage(coordinator);
    HttpRequest.Builder request = HttpRequest.newBuilder(manage.base().resolve(path));
    if (accept != null) {
      request.header("Accept", accept);
    }
    var response = manage.send(request);
    assertThat(response.body(), response.statusCode(), is(200));
    return response.body();
  }

  /** Every {@code _count} sample of the data plane's timing families, keyed as {@link Samples}. */
  private static Map<String, Double> timingCounts(String body) {
    Map<String, Double> out = new TreeMap<>();
    Samples.of(body)
        .forEach(
            (k, v) -> {
              Matcher m = COUNT.matcher(k);
              if (m.matches() && List.of(RequestMetrics.TIMING_NAMES).contains(m.group(1))) {
                out.put(k, v);
              }
            });
    return out;
  }

  /** The sum of {@code family}'s counts over the samples whose labels contain {@code labels}. */
  private static double sum(Map<String, Double> counts, String family, String labels) {
    double total = 0;
    for (Map.Entry<String, Double> e : counts.entrySet()) {
      Matcher m = COUNT.matcher(e.getKey());
      if (m.matches() && m.group(1).equals(family) && m.group(2).contains(labels)) {
        total += e.getValue();
      }
    }
    return total;
  }

  private static int served(FakeEngine engine) {
    return (int)
        engine.records().requests().stream()
            .filter(r -> r.path().equals("/v1/chat/completions"))
            .count();
  }

  @Test
  void shouldCarryEachTimingPerInstanceAndRoleWithCountsSummingToTheRequests() throws Exception {
    Map<String, Double> instances = counts("/metrics/instances");
    for (String family : ONCE_PER_REQUEST) {
      assertThat(family, sum(instances, family, ""), is((double) N));
      assertThat(
          family,
          sum(instances, family, "instance_id=\"1\",model_name=\"m\",role=\"prefill\""),
          is((double) served(one)));
      assertThat(
          family,
          sum(instances, family, "instance_id=\"2\",model_name=\"m\",role=\"decode\""),
          is((double) served(two)));
    }
    assertThat(served(one) + served(two), is(N));
    assertThat("round robin used both", served(one) * served(two), greaterThan(0));
    for (String family : PER_CHUNK) {
      assertThat(family, sum(instances, family, "instance_id=\"1\""), greaterThan(0.0));
      assertThat(family, sum(instances, family, "instance_id=\"2\""), greaterThan(0.0));
    }
    assertThat(
        "every timing sample of the instance view names its instance",
        instances.keySet().stream().filter(k -> !k.contains("instance_id=")).toList(),
        empty());
  }

  @Test
  void shouldCarryEachTimingPerModelOnlyInMetricsWithTheSameCounts() throws Exception {
    Map<String, Double> instances = counts("/metrics/instances");
    Map<String, Double> cluster = counts("/metrics");
    for (String family : ONCE_PER_REQUEST) {
      assertThat(family, cluster.get(family + "_count{model_name=\"m\"}"), is((double) N));
    }
    for (String family : PER_CHUNK) {
      // each body counts every sample once: the instances' counts add up to the model's
      assertThat(
          family, sum(instances, family, ""), is(cluster.get(family + "_count{model_name=\"m\"}")));
    }
    assertThat(
        "no instance label in /metrics",
        cluster.keySet().stream()
            .filter(k -> k.contains("instance_id=") || k.contains("role="))
            .toList(),
        empty());
  }

  @Test
  void shouldServeBothBodiesAsPromtoolAndPrometheusClientAcceptThem() throws Exception {
    counts("/metrics/instances");
    counts("/metrics");
    for (String path : List.of("/metrics", "/metrics/instances")) {
      byte[] text = get(path, null).getBytes(StandardCharsets.UTF_8);
      byte[] openMetrics = get(path, Samples.OPENMETRICS_ACCEPT).getBytes(StandardCharsets.UTF_8);
      ReferenceTools.assertPromtoolAccepts(text, ExpositionFormat.PROMETHEUS_TEXT);
      ReferenceTools.assertPromtoolAccepts(openMetrics, ExpositionFormat.OPENMETRICS);
      for (ExpositionFormat format : ExpositionFormat.values()) {
        byte[] body = format == ExpositionFormat.OPENMETRICS ? openMetrics : text;
        double e2e = 0;
        for (String line : ReferenceTools.pythonSamples(body, format)) {
          // family|type|sample name|labels|value
          String[] f = line.split("\\|");
          if (f[2].equals("ms_coordinator_e2e_request_latency_seconds_count")) {
            assertThat(
                path + " " + format + " " + line,
                f[3].contains("instance_id="),
                is(path.equals("/metrics/instances")));
            e2e += Double.parseDouble(f[4]);
          }
        }
        assertThat(path + " " + format + " e2e count", e2e, is((double) N));
      }
    }
  }
}
