package io.mscoordinator.perf;

import io.mscoordinator.ingest.RingFileProducer;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * A production day against one coordinator in its own process, everything at once: engines
 * reporting through the shared-memory ring at a steady rate, the controller's refreshes, churn and
 * polling, concurrent {@code /metrics} scrapes, and a real Prometheus server (Debian {@code
 * prometheus}, when installed) scraping the coordinator every second. Samples the coordinator's
 * process (CPU, resident memory, threads, file descriptors) and its GC log throughout; at the end
 * checks that no event offered into the ring with room was lost, that ring-full refusals were all
 * counted, and that memory, threads and descriptors stayed flat. This is the soak as well: the same
 * scenario, longer.
 *
 * <p>Run: {@code perf/run day [--seconds 120] [--engines 4] [--events-per-s 25000] [--otlp-engines
 * 2] [--otlp-points-per-s 10000] [--instances 512] [--nodes 32] [--node-series 8] [--node-body nodes/vllm.prom]
 * [--node-restart-every 60] [--node-fail-every 80] [--node-fail-for 8] [--scrapers 2]
 * [--prometheus 1] [--check 1]}; soak: {@code perf/run day --seconds 1800}. The
 * coordinator runs with {@code -Xmx512m} and a GC log, on free loopback ports, with its ring file
 * in a temporary directory. Writes a JSON summary to {@code --out}, a latency PNG and the process
 * samples beside it; with {@code --check 1} exits 1 when a check fails.
 *
 * <p>OTLP engines ({@code --otlp-engines}, {@code --otlp-points-per-s} each) post protobuf
 * exports of 1,000 points (the {@code perf/run otlp} body: delta counters and explicit-bucket
 * histograms) to the OTLP listener, paced; the check wants every point accepted and the
 * receiver's {@code ms_coordinator_otlp_points_total{outcome="accepted"}} equal to what the
 * senders were told.
 *
 * <p>A fleet of {@code --nodes} fake inference nodes ({@link FakeFleet}, {@code --node-series}
 * counter series each, values growing on every scrape) serves the registered instances'
 * {@code metric_port}s in turn, so the coordinator scrapes and merges every instance the
 * controller keeps online; the scrapers check that the merged cluster counter never goes down
 * while the controller refreshes and takes instances offline and online, and the day fails when
 * a node's scrape failed at the end.
 * Each node also serves a real body from the corpus ({@code --node-body}, under the repository's
 * {@code src/test/resources/corpus}; empty for none) with growing counters, restarts every {@code
 * --node-restart-every} of its requests and answers 500 for {@code --node-fail-for} requests every
 * {@code --node-fail-every}, until the last fifth of the run; the day fails when no restart or no
 * failure happened.
 *
 * <p>Compares against: nothing side by side; these are the coordinator's own figures under the
 * combined load.
 */
public final class ProductionDay {
  private static final String[] HISTOGRAMS = {"time_to_first_token_us", "inter_token_latency_us"};
  private static final String[] COUNTERS = {"forward_req_total_num", "computed_token_num"};
  private static final long WARM_UP_MS = 20_000;

  private ProductionDay() {}

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    int seconds = args.integer("seconds", 120, 30, LoadArgs.MAX_SECONDS);
    int engines = args.integer("engines", 4, 1, 64);
    int eventsPerSecond = args.integer("events-per-s", 25_000, 1_000, 5_000_000);
    int otlpEngines = args.integer("otlp-engines", 2, 0, 16);
    int otlpPointsPerSecond = args.integer("otlp-points-per-s", 10_000, 1_000, 1_000_000);
    int instances = args.integer("instances", 512, 2, 4096);
    int nodes = args.integer("nodes", 32, 0, 512);
    int nodeSeries = args.integer("node-series", 8, 1, 10_000);
    String nodeBody = args.text("node-body", "nodes/vllm.prom");
    FakeFleet.Schedule schedule =
        new FakeFleet.Schedule(
            args.integer("node-restart-every", 60, 0, 1_000_000),
            args.integer("node-fail-every", 80, 0, 1_000_000),
            args.integer("node-fail-for", 8, 0, 1_000_000));
    int scrapers = args.integer("scrapers", 2, 0, 16);
    boolean prometheus = args.integer("prometheus", 1, 0, 1) == 1;
    boolean check = args.integer("check", 1, 0, 1) == 1;
    Path home = Path.of(args.text("home", ".")).toAbsolutePath();
    String out = args.text("out", null);

    Path dir = Files.createTempDirectory("ms-day-");
    int managePort = freePort();
    int otlpPort = freePort();
    Path ring = dir.resolve("metrics.ring");
    Path config = dir.resolve("ms_coordinator.json");
    Files.writeString(config, config(home, managePort, freePort(), otlpPort, ring).toString());
    Path gcLog = dir.resolve("gc.log");
    ProcessBuilder pb =
        new ProcessBuilder(home.resolve("bin/ms-coordinator").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("coordinator.log").toFile());
    pb.environment().put("MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH", config.toString());
    pb.environment().put("MS_COORDINATOR_JAVA_OPTS", "-Xmx512m -Xlog:gc:file=" + gcLog);
    Process coordinator = pb.start();
    URI base = URI.create("http://127.0.0.1:" + managePort);
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Process prom = null;
    Path corpus = home.resolve("src/test/resources/corpus");
    Path corpusBody = nodeBody.isEmpty() ? null : corpus.resolve(nodeBody).normalize();
    if (corpusBody != null && !Files.isRegularFile(corpusBody)) {
      System.err.println("perf/run day: no corpus body at " + corpusBody + ": generated bodies only");
      corpusBody = null;
    }
    FakeFleet fleet =
        nodes == 0 ? null : new FakeFleet(nodes, nodeSeries, corpusBody, schedule);
    boolean failed = false;
    try {
      awaitHealthy(client, base, coordinator);
      int promPort = 0;
      if (prometheus && Files.isExecutable(Path.of("/usr/bin/prometheus"))) {
        promPort = freePort();
        prom = startPrometheus(dir, managePort, promPort);
      }

      long startMs = System.currentTimeMillis();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      LatencyRecorder refresh = new LatencyRecorder("refresh");
      LatencyRecorder churn = new LatencyRecorder("offline_online");
      LatencyRecorder recvs = new LatencyRecorder("recvs_info");
      LatencyRecorder ready = new LatencyRecorder("readiness");
      LatencyRecorder scrape = new LatencyRecorder("metrics_scrape");
      LatencyRecorder otlpExport = new LatencyRecorder("otlp_export");
      List<Thread> threads = new ArrayList<>();
      List<Engine> engineList = new ArrayList<>();
      for (int e = 0; e < engines; e++) {
        Engine engine = new Engine("e" + e, ring, eventsPerSecond, end);
        engineList.add(engine);
        threads.add(Thread.ofPlatform().name("engine-" + e).start(engine));
      }
      byte[] export = OtlpLoad.request(OtlpEngine.POINTS).toByteArray();
      URI otlpUri = URI.create("http://127.0.0.1:" + otlpPort + "/v1/metrics");
      List<OtlpEngine> otlpList = new ArrayList<>();
      for (int e = 0; e < otlpEngines; e++) {
        OtlpEngine engine =
            new OtlpEngine(client, otlpUri, export, otlpPointsPerSecond, end, otlpExport);
        otlpList.add(engine);
        threads.add(Thread.ofPlatform().name("otlp-engine-" + e).start(engine));
      }
      threads.addAll(
          ControllerLoad.start(
              client,
              base,
              instances,
              fleet == null ? null : fleet.ports(),
              1,
              end,
              refresh,
              churn,
              recvs,
              ready));
      AtomicLong counterWentDown = new AtomicLong();
      AtomicLong lastClusterCounter = new AtomicLong();
      for (int s = 0; s < scrapers; s++) {
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      long last = 0;
                      while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        String body = null;
                        try {
                          HttpResponse<String> res =
                              client.send(
                                  HttpRequest.newBuilder(base.resolve("/metrics"))
                                      .timeout(Duration.ofSeconds(10))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString());
                          body = res.statusCode() == 200 ? res.body() : null;
                        } catch (Exception e) {
                          // counted as an error below
                        }
                        scrape.record(start, body != null);
                        if (body != null) {
                          long now = sum(body, "fleet_requests_total{");
                          if (now < last) {
                            counterWentDown.incrementAndGet();
                          }
                          last = now;
                          lastClusterCounter.accumulateAndGet(now, Math::max);
                        }
                        sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250));
                      }
                    }));
      }
      List<Sample> samples = new ArrayList<>();
      long pid = coordinator.pid();
      // two full collections under load, at half time and near the end: the live heap at each is
      // what the leak check compares (heap after a young pause also holds old garbage)
      long runNanos = TimeUnit.SECONDS.toNanos(seconds);
      long[] fullGcAt = {end - runNanos / 2, end - runNanos / 20};
      int fullGcs = 0;
      while (System.nanoTime() < end) {
        samples.add(Sample.of(pid, System.currentTimeMillis() - startMs));
        if (fleet != null && System.nanoTime() >= end - runNanos / 5) {
          fleet.calm(); // the last fifth without scheduled failures: every node ends up
        }
        if (fullGcs < fullGcAt.length && System.nanoTime() >= fullGcAt[fullGcs]) {
          fullGc(pid);
          fullGcs++;
        }
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        if (fullGcs < fullGcAt.length) {
          next = Math.min(next, fullGcAt[fullGcs]);
        }
        sleepUntil(Math.min(end, next));
      }
      for (Thread t : threads) {
        t.join();
      }
      samples.add(Sample.of(pid, System.currentTimeMillis() - startMs));

      // Every event a producer got into the ring must show in /metrics, exactly.
      Map<String, Long> expected = new LinkedHashMap<>();
      long offered = 0;
      long refused = 0;
      for (Engine engine : engineList) {
        engine.expected(expected);
        offered += engine.accepted.get();
        refused += engine.ringFull.get();
      }
      Map<String, Long> applied = awaitApplied(client, base, expected);
      long lost = 0;
      JsonObjectBuilder perSeries = Json.createObjectBuilder();
      for (Map.Entry<String, Long> e : expected.entrySet()) {
        long shown = applied.getOrDefault(e.getKey(), 0L);
        lost += Math.max(0, e.getValue() - shown);
        perSeries.add(
            e.getKey(),
            Json.createObjectBuilder().add("expected", e.getValue()).add("shown", shown));
      }
      String body = fetch(client, base.resolve("/metrics"));
      long countedRingFull =
          sample(body, "ms_coordinator_ingest_dropped_total", "reason=\"ring_full\"", "file");
      long nodeErrors = count(body, "ms_coordinator_node_last_error{");
      long nodesListed = count(body, "ms_coordinator_node_up{");
      long otlpAccepted = 0;
      long otlpRefused = 0;
      for (OtlpEngine engine : otlpList) {
        otlpAccepted += engine.accepted.get();
        otlpRefused += engine.refused.get();
      }
      long otlpCounted =
          otlpEngines == 0
              ? 0
              : sample(body, "ms_coordinator_otlp_points_total", "outcome=\"accepted\"", null);

      JsonObjectBuilder prometheusResult = Json.createObjectBuilder().add("ran", prom != null);
      if (prom != null) {
        URI api = URI.create("http://127.0.0.1:" + promPort);
        prometheusResult
            .add("up", promQuery(client, api, "up{job=\"ms-coordinator\"}"))
            .add(
                "scrape_duration_s_max_over_run",
                promQuery(
                    client,
                    api,
                    "max_over_time(scrape_duration_seconds{job=\"ms-coordinator\"}["
                        + seconds
                        + "s])"))
            .add(
                "samples_per_scrape",
                promQuery(client, api, "scrape_samples_scraped{job=\"ms-coordinator\"}"))
            .add(
                "up_ratio_over_run",
                promQuery(
                    client, api, "avg_over_time(up{job=\"ms-coordinator\"}[" + seconds + "s])"));
      }

      Gc gc = Gc.parse(gcLog);
      Sample warm = warmSample(samples);
      Sample last = samples.get(samples.size() - 1);
      Sample max = Sample.max(samples);
      double cpuSeconds = (last.cpuTicks - samples.get(0).cpuTicks) / 100.0;
      double wallSeconds = (last.atMs - samples.get(0).atMs) / 1000.0;

      List<String> failures = new ArrayList<>();
      if (lost > 0) {
        failures.add("events lost: " + lost);
      }
      if (fleet != null) {
        if (counterWentDown.get() > 0) {
          failures.add("merged fleet counter went down " + counterWentDown.get() + " times");
        }
        if (nodeErrors > 0) {
          failures.add("node scrapes failing at the end: " + nodeErrors);
        }
        if (lastClusterCounter.get() == 0 || fleet.served() == 0) {
          failures.add("the fleet was never scraped and merged");
        }
        if (schedule.restartEvery() > 0 && fleet.restarts() == 0) {
          failures.add("no scheduled node restart happened (run longer)");
        }
        if (schedule.failEvery() > 0 && schedule.failFor() > 0 && fleet.failed() == 0) {
          failures.add("no scheduled node failure happened (run longer)");
        }
      }
      if (otlpRefused > 0) {
        failures.add("otlp points refused: " + otlpRefused);
      }
      if (otlpCounted != otlpAccepted) {
        failures.add("otlp points accepted " + otlpAccepted + " but counted " + otlpCounted);
      }
      if (countedRingFull != refused) {
        failures.add("ring-full refusals " + refused + " but counted " + countedRingFull);
      }
      if (last.threads > warm.threads + 8) {
        failures.add("threads grew: " + warm.threads + " -> " + last.threads);
      }
      if (last.fds > warm.fds + 16) {
        failures.add("file descriptors grew: " + warm.fds + " -> " + last.fds);
      }
      if (gc.liveAtHalfMb < 0 || gc.liveNearEndMb < 0) {
        failures.add("no full collection in the GC log: cannot check the live heap");
      } else if (gc.liveNearEndMb > gc.liveAtHalfMb * 1.25 + 16) {
        failures.add(
            "live heap grew: " + gc.liveAtHalfMb + " MB -> " + gc.liveNearEndMb + " MB");
      }
      for (LatencyRecorder r : List.of(refresh, churn, recvs, ready, scrape, otlpExport)) {
        if (r.errors() > 0) {
          failures.add(r.name() + " errors: " + r.errors());
        }
      }
      if (prom != null
          && promQuery(
                  client, URI.create("http://127.0.0.1:" + promPort), "up{job=\"ms-coordinator\"}")
              != 1) {
        failures.add("prometheus sees the coordinator down");
      }

      JsonArrayBuilder sampleArray = Json.createArrayBuilder();
      for (Sample s : samples) {
        sampleArray.add(s.json());
      }
      JsonObject result =
          Json.createObjectBuilder()
              .add("scenario", "day")
              .add("date", Instant.now().toString())
              .add("seconds", seconds)
              .add("engines", engines)
              .add("events_per_s_per_engine", eventsPerSecond)
              .add("instances", instances)
              .add("scrapers", scrapers)
              .add(
                  "events",
                  Json.createObjectBuilder()
                      .add("accepted_by_ring", offered)
                      .add("refused_ring_full", refused)
                      .add("counted_ring_full", countedRingFull)
                      .add("lost", lost)
                      .add("per_series", perSeries)
                      .add("rate_per_s", offered / Math.max(1.0, wallSeconds)))
              .add(
                  "fleet",
                  Json.createObjectBuilder()
                      .add("nodes", nodes)
                      .add("series_per_node", nodeSeries)
                      .add("bodies_served", fleet == null ? 0 : fleet.served())
                      .add("node_body", corpusBody == null ? "" : nodeBody)
                      .add("restarts", fleet == null ? 0 : fleet.restarts())
                      .add("scheduled_failures", fleet == null ? 0 : fleet.failed())
                      .add("nodes_listed_at_end", nodesListed)
                      .add("node_errors_at_end", nodeErrors)
                      .add("merged_counter_last", lastClusterCounter.get())
                      .add("merged_counter_went_down", counterWentDown.get()))
              .add(
                  "otlp",
                  Json.createObjectBuilder()
                      .add("engines", otlpEngines)
                      .add("points_per_s_per_engine", otlpPointsPerSecond)
                      .add("accepted", otlpAccepted)
                      .add("refused", otlpRefused)
                      .add("counted_accepted", otlpCounted)
                      .add("rate_per_s", otlpAccepted / Math.max(1.0, wallSeconds)))
              .add(
                  "latency",
                  Json.createObjectBuilder()
                      .add(refresh.name(), refresh.summary())
                      .add(churn.name(), churn.summary())
                      .add(recvs.name(), recvs.summary())
                      .add(ready.name(), ready.summary())
                      .add(scrape.name(), scrape.summary())
                      .add(otlpExport.name(), otlpExport.summary()))
              .add("prometheus", prometheusResult)
              .add(
                  "process",
                  Json.createObjectBuilder()
                      .add("cpu_percent_of_one_core", 100.0 * cpuSeconds / wallSeconds)
                      .add("rss_mb_after_warm_up", warm.rssKb / 1024)
                      .add("rss_mb_last", last.rssKb / 1024)
                      .add("rss_mb_max", max.rssKb / 1024)
                      .add("threads_after_warm_up", warm.threads)
                      .add("threads_last", last.threads)
                      .add("threads_max", max.threads)
                      .add("fds_after_warm_up", warm.fds)
                      .add("fds_last", last.fds)
                      .add("fds_max", max.fds))
              .add("gc", gc.json())
              .add("failures", Json.createArrayBuilder(failures))
              .add("samples", sampleArray)
              .build();
      System.out.println(result);
      if (out != null) {
        Files.writeString(Path.of(out), result + "\n");
        Map<String, Histogram> plot = new LinkedHashMap<>();
        for (LatencyRecorder r : List.of(scrape, otlpExport, refresh, churn, recvs, ready)) {
          plot.put(r.name(), r.histogram());
        }
        PercentilePlot.write(
            Path.of(out.replaceFirst("\\.json$", "") + ".png"),
            "Production day, "
                + seconds
                + " s: "
                + engines
                + " engines x "
                + eventsPerSecond
                + " events/s, "
                + otlpEngines
                + " OTLP engines x "
                + otlpPointsPerSecond
                + " points/s, "
                + instances
                + " instances on "
                + nodes
                + " fake nodes, "
                + scrapers
                + " scrapers",
            plot);
      }
      if (check && !failures.isEmpty()) {
        System.err.println("perf/run day: FAILED: " + String.join("; ", failures));
        failed = true; // exit once the coordinator, Prometheus and the fleet are stopped
      }
    } finally {
      if (fleet != null) {
        fleet.close();
      }
      if (prom != null) {
        prom.destroy();
        prom.waitFor(10, TimeUnit.SECONDS);
        prom.destroyForcibly();
      }
      coordinator.destroy();
      if (!coordinator.waitFor(15, TimeUnit.SECONDS)) {
        coordinator.destroyForcibly();
        System.err.println("perf/run day: the coordinator did not stop within 15 s of SIGTERM");
      }
    }
    if (failed) {
      System.exit(1);
    }
  }

  /** One simulated engine: paced events through the ring; counts what the ring took. */
  static final class Engine implements Runnable {
    final String name;
    final Path ring;
    final int perSecond;
    final long endNanos;
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong ringFull = new AtomicLong();
    final long[] histogramCounts = new long[HISTOGRAMS.length];
    final long[] counterSums = new long[COUNTERS.length];

    Engine(String name, Path ring, int perSecond, long endNanos) {
      this.name = name;
      this.ring = ring;
      this.perSecond = perSecond;
      this.endNanos = endNanos;
    }

    @Override
    public void run() {
      RingFileProducer producer = RingFileProducer.open(ring);
      long[] hist = new long[HISTOGRAMS.length];
      long[] ctr = new long[COUNTERS.length];
      for (int i = 0; i < HISTOGRAMS.length; i++) {
        hist[i] =
            producer.registerSeries(
                HISTOGRAMS[i], MetricKind.HISTOGRAM, MetricUnit.MICROSECONDS, "engine", name);
      }
      for (int i = 0; i < COUNTERS.length; i++) {
        ctr[i] =
            producer.registerSeries(
                COUNTERS[i], MetricKind.COUNTER, MetricUnit.NONE, "engine", name);
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long next = System.nanoTime();
      long perMs = Math.max(1, perSecond / 1000);
      long n = 0;
      while (System.nanoTime() < endNanos) {
        for (int k = 0; k < perMs; k++, n++) {
          int which = (int) (n % (HISTOGRAMS.length + COUNTERS.length));
          boolean ok;
          if (which < HISTOGRAMS.length) {
            // Log-uniform 100 us .. 10 s, as LLM latencies spread.
            long value = (long) Math.pow(10, 2 + 5 * random.nextDouble());
            ok = producer.histogramRecord(hist[which], value);
            if (ok) {
              histogramCounts[which]++;
            }
          } else {
            int c = which - HISTOGRAMS.length;
            long delta = c == 0 ? 1 : 1 + random.nextInt(512);
            ok = producer.counterAdd(ctr[c], delta);
            if (ok) {
              counterSums[c] += delta;
            }
          }
          if (ok) {
            accepted.incrementAndGet();
          } else {
            ringFull.incrementAndGet();
          }
        }
        next += TimeUnit.MILLISECONDS.toNanos(1);
        sleepUntil(next);
      }
    }

    /** The value /metrics must show per sample key, once this engine has stopped. */
    void expected(Map<String, Long> into) {
      for (int i = 0; i < HISTOGRAMS.length; i++) {
        into.put(HISTOGRAMS[i] + "_count|" + name, histogramCounts[i]);
      }
      for (int i = 0; i < COUNTERS.length; i++) {
        into.put(COUNTERS[i] + "_total|" + name, counterSums[i]);
      }
    }
  }

  /**
   * One simulated engine exporting over OTLP/HTTP: the same protobuf export of {@link #POINTS}
   * points, paced to {@code perSecond} points; counts the points the answers accepted and refused.
   */
  static final class OtlpEngine implements Runnable {
    static final int POINTS = 1000;

    final HttpClient client;
    final URI uri;
    final byte[] export;
    final long periodNanos;
    final long endNanos;
    final LatencyRecorder latency;
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();

    OtlpEngine(
        HttpClient client,
        URI uri,
        byte[] export,
        int perSecond,
        long endNanos,
        LatencyRecorder latency) {
      this.client = client;
      this.uri = uri;
      this.export = export;
      this.periodNanos = TimeUnit.SECONDS.toNanos(1) * POINTS / perSecond;
      this.endNanos = endNanos;
      this.latency = latency;
    }

    @Override
    public void run() {
      long next = System.nanoTime();
      while (System.nanoTime() < endNanos) {
        long start = System.nanoTime();
        boolean ok = false;
        try {
          HttpResponse<byte[]> res =
              client.send(
                  HttpRequest.newBuilder(uri)
                      .timeout(Duration.ofSeconds(10))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(export))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
          if (res.statusCode() == 200) {
            long rejected =
                ExportMetricsServiceResponse.parseFrom(res.body())
                    .getPartialSuccess()
                    .getRejectedDataPoints();
            accepted.addAndGet(POINTS - rejected);
            refused.addAndGet(rejected);
            ok = true;
          } else {
            refused.addAndGet(POINTS);
          }
        } catch (Exception e) {
          refused.addAndGet(POINTS);
        }
        latency.record(start, ok);
        next += periodNanos;
        sleepUntil(next);
      }
    }
  }

  /** Waits up to 30 s for every expected figure; returns what /metrics shows. */
  private static Map<String, Long> awaitApplied(
      HttpClient client, URI base, Map<String, Long> expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Map<String, Long> applied = new LinkedHashMap<>();
    while (true) {
      String body = fetch(client, base.resolve("/metrics"));
      boolean all = true;
      for (Map.Entry<String, Long> e : expected.entrySet()) {
        String[] key = e.getKey().split("\\|");
        long value = sample(body, key[0], "engine=\"" + key[1] + "\"", null);
        applied.put(e.getKey(), value);
        all &= value >= e.getValue();
      }
      if (all || System.nanoTime() > deadline) {
        return applied;
      }
      Thread.sleep(200);
    }
  }

  /** The sum of every sample whose line starts with {@code prefix}. */
  static long sum(String body, String prefix) {
    long total = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(prefix)) {
        total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** Lines starting with {@code prefix}. */
  static long count(String body, String prefix) {
    return body.lines().filter(l -> l.startsWith(prefix)).count();
  }

  /** The value of the first sample {@code name{...}} whose labels contain both fragments. */
  static long sample(String body, String name, String fragment, String transport) {
    for (String line : body.split("\n")) {
      if (line.startsWith(name + "{")
          && line.contains(fragment)
          && (transport == null || line.contains("transport=\"" + transport + "\""))) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static String fetch(HttpClient client, URI uri) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static double promQuery(HttpClient client, URI api, String query) throws Exception {
    String body =
        fetch(
            client,
            api.resolve("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)));
    JsonObject json = Json.createReader(new java.io.StringReader(body)).readObject();
    var result = json.getJsonObject("data").getJsonArray("result");
    if (result.isEmpty()) {
      return Double.NaN;
    }
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  private static Process startPrometheus(Path dir, int managePort, int promPort)
      throws IOException {
    Path yml = dir.resolve("prometheus.yml");
    Files.writeString(
        yml,
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
            + "  - job_name: ms-coordinator\n    static_configs:\n"
            + "      - targets: ['127.0.0.1:"
            + managePort
            + "']\n");
    return new ProcessBuilder(
            "/usr/bin/prometheus",
            "--config.file=" + yml,
            "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
            "--web.listen-address=127.0.0.1:" + promPort,
            "--storage.tsdb.retention.time=2h")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
  }

  private static JsonObject config(
      Path home, int managePort, int predictPort, int otlpPort, Path ring) throws IOException {
    JsonObject shipped;
    try (InputStream in = Files.newInputStream(home.resolve("config/ms_coordinator.json"))) {
      shipped = Json.createReader(in).readObject();
    }
    return Json.createObjectBuilder(shipped)
        .add(
            "http_config",
            Json.createObjectBuilder(shipped.getJsonObject("http_config"))
                .add("manage_port", Integer.toString(managePort))
                .add("predict_port", Integer.toString(predictPort)))
        .add(
            "otlp_config",
            Json.createObjectBuilder(shipped.getJsonObject("otlp_config"))
                .add("port", Integer.toString(otlpPort)))
        .add(
            "metrics_config",
            Json.createObjectBuilder(shipped.getJsonObject("metrics_config"))
                .add("ring_file", ring.toString()))
        .build();
  }

  private static void awaitHealthy(HttpClient client, URI base, Process coordinator)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!coordinator.isAlive()) {
        throw new IllegalStateException("coordinator exited: " + coordinator.exitValue());
      }
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(base.resolve("/v1/health"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("coordinator not healthy within 120 s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static void sleepUntil(long deadline) {
    long wait = deadline - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The first sample at least {@link #WARM_UP_MS} into the run (or the last one). */
  private static Sample warmSample(List<Sample> samples) {
    for (Sample s : samples) {
      if (s.atMs >= WARM_UP_MS) {
        return s;
      }
    }
    return samples.get(samples.size() - 1);
  }

  /** The coordinator process at one moment, from /proc. */
  record Sample(long atMs, long rssKb, long threads, long fds, long cpuTicks) {
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+)");
    private static final Pattern THREADS = Pattern.compile("Threads:\\s+(\\d+)");

    static Sample of(long pid, long atMs) throws IOException {
      Path proc = Path.of("/proc", Long.toString(pid));
      String status = Files.readString(proc.resolve("status"));
      long fds;
      try (Stream<Path> list = Files.list(proc.resolve("fd"))) {
        fds = list.count();
      }
      String stat = Files.readString(proc.resolve("stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return new Sample(atMs, find(RSS, status), find(THREADS, status), fds, ticks);
    }

    static Sample max(List<Sample> samples) {
      long rss = 0;
      long threads = 0;
      long fds = 0;
      for (Sample s : samples) {
        rss = Math.max(rss, s.rssKb);
        threads = Math.max(threads, s.threads);
        fds = Math.max(fds, s.fds);
      }
      return new Sample(0, rss, threads, fds, 0);
    }

    JsonObject json() {
      return Json.createObjectBuilder()
          .add("at_s", atMs / 1000.0)
          .add("rss_mb", rssKb / 1024.0)
          .add("threads", threads)
          .add("fds", fds)
          .add("cpu_s", cpuTicks / 100.0)
          .build();
    }

    private static long find(Pattern p, String text) {
      Matcher m = p.matcher(text);
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
  }

  /** Asks the coordinator's JVM for a full collection ({@code jcmd <pid> GC.run}). */
  static void fullGc(long pid) throws IOException, InterruptedException {
    Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
    Path jcmd = java.resolveSibling("jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
  }

  /**
   * Pauses and heap after each collection, from the {@code -Xlog:gc} file. The pause figures leave
   * out the two full collections the run asks for; their after-figures are the live heap at half
   * time and near the end (-1 when missing).
   */
  record Gc(
      int pauses,
      double pauseMsP50,
      double pauseMsMax,
      long heapAfterSecondQuarterMb,
      long heapAfterLastQuarterMb,
      long liveAtHalfMb,
      long liveNearEndMb) {
    // e.g. "[12.345s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 60M->12M(512M)
    // 3.456ms"
    private static final Pattern PAUSE =
        Pattern.compile("\\[([0-9.]+)s\\].*Pause.* (\\d+)M->(\\d+)M\\(\\d+M\\) ([0-9.]+)ms");

    static Gc parse(Path log) throws IOException {
      List<double[]> rows = new ArrayList<>();
      List<Long> full = new ArrayList<>();
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log)) {
          Matcher m = PAUSE.matcher(line);
          if (!m.find()) {
            continue;
          }
          if (line.contains("Pause Full (Diagnostic Command)")) { // jcmd GC.run
            full.add(Long.parseLong(m.group(3)));
          } else {
            rows.add(
                new double[] {
                  Double.parseDouble(m.group(1)),
                  Double.parseDouble(m.group(3)),
                  Double.parseDouble(m.group(4))
                });
          }
        }
      }
      long half = full.size() >= 2 ? full.get(full.size() - 2) : -1;
      long nearEnd = full.size() >= 2 ? full.get(full.size() - 1) : -1;
      if (rows.isEmpty()) {
        return new Gc(0, 0, 0, 0, 0, half, nearEnd);
      }
      Histogram pauses = new Histogram(3);
      for (double[] r : rows) {
        pauses.recordValue(Math.max(1, Math.round(r[2] * 1000)));
      }
      double span = rows.get(rows.size() - 1)[0];
      long second = 0;
      long last = 0;
      for (double[] r : rows) {
        double at = r[0] / Math.max(span, 1e-9);
        if (at >= 0.25 && at < 0.5) {
          second = Math.max(second, (long) r[1]);
        } else if (at >= 0.75) {
          last = Math.max(last, (long) r[1]);
        }
      }
      if (second == 0) {
        second = last;
      }
      return new Gc(
          rows.size(),
          pauses.getValueAtPercentile(50) / 1000.0,
          pauses.getMaxValue() / 1000.0,
          second,
          last,
          half,
          nearEnd);
    }

    JsonObject json() {
      return Json.createObjectBuilder()
          .add("pauses", pauses)
          .add("pause_ms_p50", pauseMsP50)
          .add("pause_ms_max", pauseMsMax)
          .add("heap_after_pause_mb_max_second_quarter", heapAfterSecondQuarterMb)
          .add("heap_after_pause_mb_max_last_quarter", heapAfterLastQuarterMb)
          .add("live_heap_mb_full_gc_half_time", liveAtHalfMb)
          .add("live_heap_mb_full_gc_near_end", liveNearEndMb)
          .build();
    }
  }
}
