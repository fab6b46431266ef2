package io.mscoordinator.perf;

import io.helidon.webserver.WebServer;
import io.mscoordinator.ingest.MetricsProducer;
import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus's side of the load: concurrent scrapes of {@code /metrics}, served by the
 * coordinator and, side by side in the same JVM behind the same Helidon version, by Prometheus
 * client_java 1.9.0 ({@code registry.scrape()} + {@code PrometheusTextFormatWriter}) holding the
 * same series: {@code --label-sets} label sets of counter + gauge + 27-bucket histogram.
 *
 * <p>Run: {@code perf/run scrape [--label-sets 1000] [--clients 4] [--rounds 4] [--round-seconds
 * 5] [--gzip 0|1]}. Rounds alternate between the two servers so machine noise hits both alike;
 * prints one JSON object with per-server p50/p99 latency, scrapes/s and body size.
 */
public final class ScrapeLoad {
  private ScrapeLoad() {}

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    int labelSets = args.integer("label-sets", 1000, 1, 100_000);
    int clients = args.integer("clients", 4, 1, 256);
    int rounds = args.integer("rounds", 4, 1, 100);
    int roundSeconds = args.integer("round-seconds", 5, 1, 600);
    boolean gzip = args.integer("gzip", 0, 0, 1) == 1;
    if ((long) rounds * roundSeconds * 2 > LoadArgs.MAX_SECONDS) {
      throw new IllegalArgumentException("run too long: rounds * round-seconds * 2 > 3600");
    }

    JsonObject root;
    try (InputStream in = ScrapeLoad.class.getResourceAsStream("/ms_coordinator.json")) {
      root = Json.createReader(in).readObject();
    }
    JsonArrayBuilder bounds = Json.createArrayBuilder();
    for (double b : SameSeries.BOUNDS) {
      bounds.add(b);
    }
    JsonObjectBuilder metrics =
        Json.createObjectBuilder()
            .add("ring_file", "")
            .add("series_limit", 3 * labelSets + 100)
            .add("histogram_buckets", Json.createObjectBuilder().add("request_latency", bounds));
    root = Json.createObjectBuilder(root).add("metrics_config", metrics).build();
    Coordinator coordinator =
        Coordinator.start(ConfigLoader.parse(root, null, new String[0]).withEphemeralPorts());

    PrometheusRegistry registry = new PrometheusRegistry();
    populate(coordinator.metrics().producer(), registry, labelSets);
    coordinator.metrics().snapshot();
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    WebServer peer =
        WebServer.builder()
            .host("127.0.0.1")
            .port(0)
            .routing(
                r ->
                    r.get(
                        "/metrics",
                        (req, res) -> {
                          ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
                          writer.write(out, registry.scrape());
                          res.header("Content-Type", PrometheusTextFormatWriter.CONTENT_TYPE);
                          res.send(out.toByteArray());
                        }))
            .build()
            .start();

    URI ours = coordinator.uri(Coordinator.MANAGE).resolve("/metrics");
    URI theirs = URI.create("http://127.0.0.1:" + peer.port() + "/metrics");
    List<Round> oursRounds = new ArrayList<>();
    List<Round> theirRounds = new ArrayList<>();
    run(ours, clients, 2, gzip); // warm-up, not reported
    run(theirs, clients, 2, gzip);
    for (int i = 0; i < rounds; i++) {
      oursRounds.add(run(ours, clients, roundSeconds, gzip));
      theirRounds.add(run(theirs, clients, roundSeconds, gzip));
    }
    peer.stop();
    coordinator.close();

    JsonObject result =
        Json.createObjectBuilder()
            .add("scenario", "scrape")
            .add("date", Instant.now().toString())
            .add("label_sets", labelSets)
            .add("clients", clients)
            .add("rounds", rounds)
            .add("round_seconds", roundSeconds)
            .add("gzip", gzip)
            .add("ours", Round.summary(oursRounds))
            .add("client_java_1_9_0", Round.summary(theirRounds))
            .build();
    System.out.println(result);
    String out = args.text("out", null);
    if (out != null) {
      Files.writeString(Path.of(out), result + "\n");
    }
  }

  /** The same series and values on both sides; the generator waits for the agent, never drops. */
  static void populate(MetricsProducer producer, PrometheusRegistry registry, int labelSets) {
    SameSeries.populate(
        labelSets,
        registry,
        (labels, counter, gauge, latencies) -> {
          long c = producer.registerSeries("requests", MetricKind.COUNTER, MetricUnit.NONE, labels);
          long g = producer.registerSeries("queue_size", MetricKind.GAUGE, MetricUnit.NONE, labels);
          long h =
              producer.registerSeries(
                  "request_latency", MetricKind.HISTOGRAM, MetricUnit.NONE, labels);
          producer.counterAdd(c, counter);
          producer.gaugeSet(g, gauge);
          for (long ms : latencies) {
            while (!producer.histogramRecord(h, ms)) {
              Thread.onSpinWait();
            }
          }
        });
  }

  /** One round against one server. */
  record Round(LatencyRecorder latency, long scrapes, long bytes, int seconds) {
    static JsonObject summary(List<Round> rounds) {
      List<Long> p50 = new ArrayList<>();
      List<Long> p99 = new ArrayList<>();
      List<Double> rate = new ArrayList<>();
      long errors = 0;
      long bytes = 0;
      for (Round r : rounds) {
        JsonObject s = r.latency.summary().build();
        p50.add(s.getJsonNumber("p50_us").longValue());
        p99.add(s.getJsonNumber("p99_us").longValue());
        errors += s.getJsonNumber("errors").longValue();
        rate.add((double) r.scrapes / r.seconds);
        bytes = r.scrapes == 0 ? 0 : r.bytes / r.scrapes;
      }
      p50.sort(null);
      p99.sort(null);
      rate.sort(null);
      return Json.createObjectBuilder()
          .add("p50_us_median", p50.get(p50.size() / 2))
          .add("p99_us_median", p99.get(p99.size() / 2))
          .add("scrapes_per_s_median", rate.get(rate.size() / 2))
          .add("body_bytes", bytes)
          .add("errors", errors)
          .build();
    }
  }

  static Round run(URI target, int clients, int seconds, boolean gzip) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    LatencyRecorder latency = new LatencyRecorder(target.toString());
    AtomicLong scrapes = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    HttpRequest.Builder request =
                        HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30)).GET();
                    if (gzip) {
                      request.header("Accept-Encoding", "gzip");
                    }
                    HttpRequest built = request.build();
                    while (System.nanoTime() < end) {
                      long start = System.nanoTime();
                      try {
                        HttpResponse<byte[]> response =
                            client.send(built, HttpResponse.BodyHandlers.ofByteArray());
                        latency.record(start, response.statusCode() == 200);
                        bytes.addAndGet(response.body().length);
                      } catch (Exception e) {
                        latency.record(start, false);
                      }
                      scrapes.incrementAndGet();
                    }
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    return new Round(latency, scrapes.get(), bytes.get(), seconds);
  }
}
