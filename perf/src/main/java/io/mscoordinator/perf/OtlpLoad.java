package io.mscoordinator.perf;

import com.google.protobuf.util.JsonFormat;
import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.Coordinator;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 4's performance: OTLP/HTTP data points ingested per second by a coordinator started here,
 * for protobuf and for JSON bodies of {@code --points} points each (half monotonic DELTA sum
 * points, half explicit-bucket histogram points with the 15 OpenTelemetry default bounds, one
 * series per point, KsanaLLM names), posted back to back by {@code --clients} threads over
 * HTTP/1.1 keep-alive connections for {@code --seconds} per run.
 *
 * <p>The figure is counted at the core: the events its ingest agent applied to the series store
 * ({@code MetricsSnapshot.eventsApplied()}; one per point) between the first post and the moment
 * the store shows every accepted point, divided by that time. Accepted points (200 answers minus
 * {@code rejectedDataPoints}) are reported next to it and must equal it, else the run fails.
 *
 * <p>Run: {@code perf/run otlp [--points 1000] [--clients 4] [--seconds 10] [--rounds 3]}; each
 * round runs protobuf, then JSON, on a fresh coordinator.
 */
public final class OtlpLoad {
  private static final double[] BOUNDS = {
    0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000
  };

  private OtlpLoad() {}

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    int points = args.integer("points", 1000, 2, 100_000);
    int clients = args.integer("clients", 4, 1, 64);
    int seconds = args.integer("seconds", 10, 1, LoadArgs.MAX_SECONDS);
    int rounds = args.integer("rounds", 3, 1, 20);
    ExportMetricsServiceRequest request = request(points);
    byte[] protobuf = request.toByteArray();
    byte[] json = JsonFormat.printer().print(request).getBytes(StandardCharsets.UTF_8);
    String loadBefore = loadAverage();
    List<JsonObject> proto = new ArrayList<>();
    List<JsonObject> js = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      proto.add(run("application/x-protobuf", protobuf, points, clients, seconds));
      js.add(run("application/json", json, points, clients, seconds));
    }
    JsonObject out =
        Json.createObjectBuilder()
            .add("scenario", "otlp")
            .add("time", Instant.now().toString())
            .add("points_per_request", points)
            .add("clients", clients)
            .add("seconds", seconds)
            .add("rounds", rounds)
            .add("protobuf_body_bytes", protobuf.length)
            .add("json_body_bytes", json.length)
            .add("bounds", java.util.Arrays.toString(BOUNDS))
            .add("load_average_before", loadBefore)
            .add("load_average_after", loadAverage())
            .add("protobuf_points_per_s_median", median(proto, "points_per_s"))
            .add("json_points_per_s_median", median(js, "points_per_s"))
            .add("protobuf", array(proto))
            .add("json", array(js))
            .build();
    System.out.println(out);
    String file = args.text("out", null);
    if (file != null) {
      Files.writeString(Path.of(file), out + "\n");
    }
  }

  /** {@code points} points: half counter, half histogram, one series each. */
  public static ExportMetricsServiceRequest request(int points) {
    int counters = points / 2;
    int histograms = points - counters;
    long start = 1_718_000_000_000_000_000L;
    long time = start + 10_000_000_000L;
    Sum.Builder sum =
        Sum.newBuilder()
            .setIsMonotonic(true)
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    for (int i = 0; i < counters; i++) {
      sum.addDataPoints(
          NumberDataPoint.newBuilder()
              .addAttributes(attribute("instance", "10.0.0." + (i % 250) + ":" + (8000 + i)))
              .setStartTimeUnixNano(start)
              .setTimeUnixNano(time)
              .setAsInt(3));
    }
    Histogram.Builder histogram =
        Histogram.newBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA);
    for (int i = 0; i < histograms; i++) {
      HistogramDataPoint.Builder p =
          HistogramDataPoint.newBuilder()
              .addAttributes(attribute("instance", "10.0.0." + (i % 250) + ":" + (8000 + i)))
              .setStartTimeUnixNano(start)
              .setTimeUnixNano(time)
              .setCount(6)
              .setSum(12_345.5);
      for (double b : BOUNDS) {
        p.addExplicitBounds(b);
      }
      for (int b = 0; b <= BOUNDS.length; b++) {
        p.addBucketCounts(b == 3 || b == 9 ? 3 : 0);
      }
      histogram.addDataPoints(p);
    }
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attribute("service.name", "ksana_llm"))
                        .addAttributes(attribute("container_name", "ksana-0")))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .addMetrics(
                            Metric.newBuilder().setName("forward_req_total_num").setSum(sum))
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("time_to_first_token_us")
                                .setHistogram(histogram))))
        .build();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** One run on a fresh coordinator: clients post {@code body} for {@code seconds}. */
  private static JsonObject run(String type, byte[] body, int points, int clients, int seconds)
      throws Exception {
    JsonObject root;
    try (java.io.InputStream in = OtlpLoad.class.getResourceAsStream("/ms_coordinator.json")) {
      root = Json.createReader(in).readObject();
    }
    root =
        Json.createObjectBuilder(root)
            .add(
                "metrics_config",
                Json.createObjectBuilder(root.getJsonObject("metrics_config")).add("ring_file", ""))
            .build();
    try (Coordinator c =
        Coordinator.start(ConfigLoader.parse(root, null, new String[0]).withEphemeralPorts())) {
      URI uri = c.uri(Coordinator.OTLP).resolve("/v1/metrics");
      // One warm-up post registers every series; the run then measures steady-state points.
      HttpClient warm = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      post(warm, uri, type, body);
      awaitApplied(c, points);
      long applied0 = c.metrics().snapshot().eventsApplied();
      AtomicLong accepted = new AtomicLong();
      AtomicLong requests = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      List<Thread> threads = new ArrayList<>();
      long startNs = System.nanoTime();
      for (int t = 0; t < clients; t++) {
        threads.add(
            Thread.ofPlatform()
                .name("otlp-load-" + t)
                .start(
                    () -> {
                      try (HttpClient http =
                          HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                        while (System.nanoTime() < deadline) {
                          HttpResponse<byte[]> res = post(http, uri, type, body);
                          requests.incrementAndGet();
                          if (res.statusCode() == 200) {
                            accepted.addAndGet(points - rejected(res.body(), type));
                          } else {
                            failures.incrementAndGet();
                          }
                        }
                      } catch (IOException e) {
                        failures.incrementAndGet();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join();
      }
      long postedNs = System.nanoTime() - startNs;
      long applied = awaitApplied(c, applied0 + accepted.get()) - applied0;
      long elapsedNs = System.nanoTime() - startNs;
      if (applied != accepted.get()) {
        throw new IllegalStateException(
            "core applied " + applied + " events but " + accepted.get() + " points were accepted");
      }
      double elapsed = elapsedNs / 1e9;
      return Json.createObjectBuilder()
          .add("content_type", type)
          .add("requests", requests.get())
          .add("non_200", failures.get())
          .add("accepted_points", accepted.get())
          .add("core_events_applied", applied)
          .add("posting_s", postedNs / 1e9)
          .add("until_applied_s", elapsed)
          .add("points_per_s", applied / elapsed)
          .add("load_average", loadAverage())
          .build();
    }
  }

  private static HttpResponse<byte[]> post(HttpClient http, URI uri, String type, byte[] body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", type)
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * {@code rejectedDataPoints} of an answer: an empty or {@code {}} answer rejected none. Any
   * other answer is parsed with the reference classes.
   */
  private static long rejected(byte[] answer, String type) throws IOException {
    if (answer.length == 0 || type.endsWith("json") && new String(answer).equals("{}")) {
      return 0;
    }
    io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse.Builder b =
        io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse.newBuilder();
    if (type.endsWith("json")) {
      JsonFormat.parser().merge(new String(answer, StandardCharsets.UTF_8), b);
    } else {
      b.mergeFrom(answer);
    }
    return b.getPartialSuccess().getRejectedDataPoints();
  }

  /** Waits until the store applied at least {@code target} events (60 s at most); the count. */
  private static long awaitApplied(Coordinator c, long target) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    long applied;
    while ((applied = c.metrics().snapshot().eventsApplied()) < target
        && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    return applied;
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  private static double median(List<JsonObject> runs, String key) {
    List<Double> values = new ArrayList<>();
    for (JsonObject r : runs) {
      values.add(r.getJsonNumber(key).doubleValue());
    }
    Collections.sort(values);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }

  private static JsonArrayBuilder array(List<JsonObject> runs) {
    JsonArrayBuilder b = Json.createArrayBuilder();
    for (JsonObject r : runs) {
      JsonObjectBuilder o = Json.createObjectBuilder(r);
      b.add(o);
    }
    return b;
  }
}
