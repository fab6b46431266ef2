package io.mscoordinator.perf;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-fleet scrape benchmark: {@code --nodes} fake inference nodes (default 200) on loopback
 * ports, each answering {@code /metrics} with {@code --samples} samples (default 3,200: counters,
 * gauges and 20-sample histogram series, vLLM-like names, values changing on every scrape), scraped
 * every {@code --interval-s} seconds (default 5) in turn by:
 *
 * <ul>
 *   <li>{@code ours}: the coordinator ({@code target/ms-coordinator.jar}, a separate JVM) with the nodes
 *       registered by one {@code POST /v1/instances/refresh}: scrape, gunzip-or-not, parse, reset
 *       compensation and the cluster merge;
 *   <li>{@code vmagent} (Debian {@code victoria-metrics}) scraping the same targets and remote
 *       writing to a sink in this process (vmagent cannot run without a remote write URL);
 *   <li>{@code prometheus-agent} ({@code prometheus --enable-feature=agent}, Debian {@code
 *       prometheus}), WAL plus remote write to the same sink.
 * </ul>
 *
 * <p>Each scraper runs alone for {@code --warmup-s} (JIT, first scrapes) and then {@code
 * --measure-s}; its process CPU time (utime + stime of {@code /proc/<pid>/stat}) over the
 * measured window divided by the samples the fleet served in it is the figure: CPU per scraped
 * sample. The fake nodes and the sink live in this process, so their CPU is not counted. {@code
 * --rounds} repeats the three side by side; medians are printed and written to {@code --out}.
 *
 * <p>Run: {@code flock /tmp/ms-perf.lock perf/run fleet [--nodes 200] [--samples 3200]
 * [--interval-s 5] [--warmup-s 20] [--measure-s 60] [--rounds 3] [--only ours,vmagent,prometheus-agent]}
 */
public final class FleetLoad {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final int nodes;
  private final int samples;
  private final int intervalSeconds;
  private final Path work;
  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong sinkBytes = new AtomicLong();
  private HttpServer sink;

  /** The coordinator under measurement's manage address, while it runs. */
  private URI ours;

  private FleetLoad(int nodes, int samples, int intervalSeconds, Path work) {
    this.nodes = nodes;
    this.samples = samples;
    this.intervalSeconds = intervalSeconds;
    this.work = work;
  }

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    int nodes = args.integer("nodes", 200, 1, 4096);
    int samples = args.integer("samples", 3200, 20, 1_000_000);
    int interval = args.integer("interval-s", 5, 1, 60);
    int warmup = args.integer("warmup-s", 20, 0, LoadArgs.MAX_SECONDS);
    int measure = args.integer("measure-s", 60, 1, LoadArgs.MAX_SECONDS);
    int rounds = args.integer("rounds", 3, 1, 10);
    String out = args.text("out", null);
    String home = args.text("home", ".");
    List<String> only =
        Arrays.asList(args.text("only", "ours,vmagent,prometheus-agent").split(","));
    Path work = Files.createTempDirectory("fleet-load");
    FleetLoad load = new FleetLoad(nodes, samples, interval, work);
    load.startFleet();
    Map<String, List<Double>> perSample = new LinkedHashMap<>();
    Map<String, List<String>> loads = new LinkedHashMap<>();
    try {
      for (int round = 0; round < rounds; round++) {
        for (String scraper : only) {
          double us = load.measure(scraper, Path.of(home), warmup, measure);
          perSample.computeIfAbsent(scraper, k -> new ArrayList<>()).add(us);
          String avg = Files.readString(Path.of("/proc/loadavg")).trim();
          loads.computeIfAbsent(scraper, k -> new ArrayList<>()).add(avg);
          System.out.printf(
              "round %d %-17s %.3f us CPU per scraped sample (loadavg %s)%n",
              round + 1, scraper, us, avg);
        }
      }
    } finally {
      load.stop();
    }
    StringBuilder json = new StringBuilder("{\"scenario\":\"fleet\",\"nodes\":");
    json.append(nodes).append(",\"samples_per_node\":").append(samples);
    json.append(",\"interval_s\":").append(interval).append(",\"measure_s\":").append(measure);
    json.append(",\"time\":\"").append(Instant.now()).append("\",\"us_cpu_per_sample\":{");
    boolean first = true;
    for (Map.Entry<String, List<Double>> e : perSample.entrySet()) {
      List<Double> sorted = new ArrayList<>(e.getValue());
      sorted.sort(null);
      double median = sorted.get(sorted.size() / 2);
      System.out.printf("median %-17s %.3f us %s%n", e.getKey(), median, e.getValue());
      json.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"median\":");
      json.append(median).append(",\"runs\":").append(e.getValue()).append(",\"loadavg\":[");
      List<String> l = loads.get(e.getKey());
      for (int i = 0; i < l.size(); i++) {
        json.append(i == 0 ? "" : ",").append('"').append(l.get(i)).append('"');
      }
      json.append("]}");
      first = false;
    }
    json.append("}}\n");
    if (out != null) {
      Files.writeString(Path.of(out), json.toString());
    }
  }

  // ------------------------------------------------------------------ the fleet

  private void startFleet() throws IOException {
    for (int i = 0; i < nodes; i++) {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      server.setExecutor(threads);
      NodeBody body = new NodeBody(i, samples);
      server.createContext(
          "/metrics",
          exchange -> {
            try (exchange) {
              byte[] bytes = body.next();
              exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
              exchange.sendResponseHeaders(200, bytes.length);
              exchange.getResponseBody().write(bytes);
              served.incrementAndGet();
            }
          });
      server.start();
      servers.add(server);
    }
    sink = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    sink.setExecutor(threads);
    sink.createContext(
        "/",
        exchange -> {
          try (exchange; InputStream in = exchange.getRequestBody()) {
            sinkBytes.addAndGet(in.readAllBytes().length);
            exchange.sendResponseHeaders(204, -1);
          }
        });
    sink.start();
  }

  private void stop() {
    for (HttpServer s : servers) {
      s.stop(0);
    }
    sink.stop(0);
    threads.shutdownNow();
  }

  /**
   * One node's body: counters and gauges over 50 label sets per family, histograms of 17 bounds
   * over 20 label sets; every scrape adds to the counters and buckets and moves the gauges. Node
   * {@code node} starts its values at its own offset.
   */
  public static final class NodeBody {
    private final String[] prefixes;
    private final int[] kinds; // 0 counter, 1 gauge, 2 bucket/sum/count (cumulative)
    private final long[] values;
    private long calls;

    public NodeBody(int node, int samples) {
      List<String> lines = new ArrayList<>();
      List<Integer> kind = new ArrayList<>();
      int family = 0;
      double[] bounds = {
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20
      };
      while (lines.size() < samples) {
        int type = family % 4; // counter, gauge, histogram, histogram
        String name = "fleet:" + (type == 0 ? "tokens" : type == 1 ? "queue" : "latency_seconds")
            + "_" + family;
        if (type == 0) {
          name += "_total";
        }
        String help = "# HELP " + name + " Fleet family " + family + ".\n# TYPE " + name + " "
            + (type == 0 ? "counter" : type == 1 ? "gauge" : "histogram") + "\n";
        boolean firstLine = true;
        int labelSets = type >= 2 ? 20 : 50;
        for (int l = 0; l < labelSets && lines.size() < samples; l++) {
          // the same label sets on every node, as in one cluster: the merge sums them
          String labels = "model_name=\"llama3-8b\",engine=\"" + l + "\"";
          if (type < 2) {
            lines.add((firstLine ? help : "") + name + "{" + labels + "} ");
            kind.add(type);
            firstLine = false;
            continue;
          }
          for (double b : bounds) {
            lines.add((firstLine ? help : "") + name + "_bucket{" + labels + ",le=\"" + b + "\"} ");
            kind.add(2);
            firstLine = false;
          }
          lines.add(name + "_bucket{" + labels + ",le=\"+Inf\"} ");
          kind.add(2);
          lines.add(name + "_sum{" + labels + "} ");
          kind.add(2);
          lines.add(name + "_count{" + labels + "} ");
          kind.add(2);
        }
        family++;
      }
      prefixes = lines.subList(0, samples).toArray(new String[0]);
      kinds = new int[samples];
      for (int i = 0; i < samples; i++) {
        kinds[i] = kind.get(i);
      }
      values = new long[samples];
      Arrays.fill(values, node * 1000L);
    }

    public synchronized byte[] next() {
      calls++;
      StringBuilder out = new StringBuilder(prefixes.length * 80);
      for (int i = 0; i < prefixes.length; i++) {
        values[i] += kinds[i] == 1 ? ((calls * 7 + i) % 13) - 6 : (calls + i) % 5;
        out.append(prefixes[i]).append(kinds[i] == 1 ? Math.abs(values[i]) : values[i]);
        out.append('\n');
      }
      return out.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  // ------------------------------------------------------------------ scrapers

  private double measure(String scraper, Path home, int warmupSeconds, int measureSeconds)
      throws Exception {
    Process process =
        switch (scraper) {
          case "ours" -> startOurs(home);
          case "vmagent" -> startVmagent();
          case "prometheus-agent" -> startPrometheusAgent();
          default -> throw new IllegalArgumentException("unknown scraper: " + scraper);
        };
    try {
      TimeUnit.SECONDS.sleep(warmupSeconds);
      if (!process.isAlive()) {
        throw new IllegalStateException(scraper + " exited: " + process.exitValue());
      }
      long ticks0 = cpuTicks(process.pid());
      long served0 = served.get();
      TimeUnit.SECONDS.sleep(measureSeconds);
      long ticks1 = cpuTicks(process.pid());
      long served1 = served.get();
      if (!process.isAlive()) {
        throw new IllegalStateException(scraper + " exited: " + process.exitValue());
      }
      if (scraper.equals("ours")) {
        checkOurs();
      }
      long scraped = (served1 - served0) * samples;
      long expected = (long) nodes * measureSeconds / intervalSeconds * samples;
      if (scraped < expected * 9 / 10) {
        System.out.printf(
            "warning: %s scraped %d samples, expected about %d%n", scraper, scraped, expected);
      }
      double cpuSeconds = (ticks1 - ticks0) / (double) TICKS_PER_SECOND;
      return cpuSeconds * 1e6 / scraped;
    } finally {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The figure counts what the fleet served, so it is only ours if the coordinator took it: every
   * node up, each last good scrape holding all its samples, none older than two intervals.
   */
  private void checkOurs() throws IOException, InterruptedException {
    String body =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(ours.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    int up = 0;
    int complete = 0;
    int fresh = 0;
    double now = System.currentTimeMillis() / 1000.0;
    for (String line : body.split("\n")) {
      if (!line.startsWith("ms_coordinator_node_")) {
        continue;
      }
      double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      if (line.startsWith("ms_coordinator_node_up{") && value == 1) {
        up++;
      } else if (line.startsWith("ms_coordinator_node_scrape_samples{") && value == samples) {
        complete++;
      } else if (line.startsWith("ms_coordinator_node_last_success_timestamp_seconds{")
          && now - value < 2 * intervalSeconds) {
        fresh++;
      }
    }
    System.out.printf(
        "ours: %d of %d nodes up, %d with all %d samples, %d scraped within 2 intervals%n",
        up, nodes, complete, samples, fresh);
    if (up != nodes || complete != nodes || fresh != nodes) {
      throw new IllegalStateException("the coordinator did not scrape the whole fleet; see " + work);
    }
  }

  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based)
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Process start(String name, List<String> command, Map<String, String> env)
      throws IOException {
    Path log = work.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    return pb.start();
  }

  private Process startOurs(Path home) throws Exception {
    int manage = freePort();
    int predict = freePort();
    Path config = work.resolve("ms_coordinator.json");
    Files.writeString(
        config,
        "{\"http_config\":{\"predict_ip\":\"127.0.0.1\",\"predict_port\":\""
            + predict
            + "\",\"manage_ip\":\"127.0.0.1\",\"manage_port\":\""
            + manage
            + "\"},"
            + "\"digs_scheduler_config\":{\"deploy_mode\":\"single_node\"},"
            + "\"metrics_config\":{\"ring_file\":\"\"},"
            + "\"log_info\":{\"log_level\":\"WARNING\"},"
            + "\"prometheus_metrics_config\":{\"scrape_interval_ms\":"
            + intervalSeconds * 1000
            + ",\"scrape_timeout_ms\":"
            + intervalSeconds * 800
            + "}}");
    // the jar perf/run just installed, run as bin/ms-coordinator runs it (but without its
    // rebuild-when-sources-changed step, so an edit during a run cannot change what is measured)
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        start(
            "ours",
            List.of(
                java,
                "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                home.resolve("target/ms-coordinator.jar").toString()),
            Map.of("MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH", config.toString()));
    HttpClient client = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + manage);
    ours = base;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(base.resolve("/v1/startup")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          break;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline || !p.isAlive()) {
        throw new IllegalStateException("coordinator did not start; see " + work);
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    StringBuilder ids = new StringBuilder();
    StringBuilder instances = new StringBuilder();
    for (int i = 0; i < nodes; i++) {
      ids.append(i == 0 ? "" : ",").append(i);
      instances.append(i == 0 ? "" : ",");
      instances.append("{\"id\":").append(i).append(",\"ip\":\"127.0.0.1\",\"port\":\"2025\",");
      instances.append("\"metric_port\":\"").append(servers.get(i).getAddress().getPort());
      instances.append("\",\"model_name\":\"llama3-8b\",\"static_info\":{\"group_id\":0,");
      instances.append("\"max_seq_len\":4096,\"max_output_len\":1024,\"total_slots_num\":200,");
      instances.append("\"total_block_num\":1024,\"block_size\":128,\"label\":2,\"role\":85},");
      instances.append("\"dynamic_info\":{\"avail_slots_num\":200,\"avail_block_num\":1024}}");
    }
    HttpResponse<String> refresh =
        client.send(
            HttpRequest.newBuilder(base.resolve("/v1/instances/refresh"))
                .timeout(Duration.ofSeconds(30))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"ids\":[" + ids + "],\"instances\":[" + instances + "]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (refresh.statusCode() != 200) {
      throw new IllegalStateException("refresh refused: " + refresh.body());
    }
    return p;
  }

  private String targets() {
    StringBuilder t = new StringBuilder();
    for (HttpServer s : servers) {
      t.append(t.isEmpty() ? "" : ", ").append("'127.0.0.1:").append(s.getAddress().getPort());
      t.append('\'');
    }
    return t.toString();
  }

  private String scrapeConfig(boolean remoteWrite) {
    return "global:\n  scrape_interval: "
        + intervalSeconds
        + "s\n  scrape_timeout: "
        + Math.max(1, intervalSeconds * 4 / 5)
        + "s\n"
        + (remoteWrite
            ? "remote_write:\n  - url: http://127.0.0.1:"
                + sink.getAddress().getPort()
                + "/api/v1/write\n"
            : "")
        + "scrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: ["
        + targets()
        + "]\n";
  }

  private Process startVmagent() throws Exception {
    Path config = work.resolve("vmagent.yml");
    Files.writeString(config, scrapeConfig(false));
    Path data = Files.createTempDirectory(work, "vmagent-data");
    return start(
        "vmagent",
        List.of(
            "vmagent",
            "-promscrape.config=" + config,
            "-remoteWrite.url=http://127.0.0.1:" + sink.getAddress().getPort() + "/api/v1/write",
            "-remoteWrite.tmpDataPath=" + data,
            "-httpListenAddr=127.0.0.1:" + freePort(),
            "-loggerLevel=WARN"),
        Map.of());
  }

  private Process startPrometheusAgent() throws Exception {
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, scrapeConfig(true));
    Path data = Files.createTempDirectory(work, "prometheus-data");
    return start(
        "prometheus-agent",
        List.of(
            "prometheus",
            "--enable-feature=agent",
            "--config.file=" + config,
            "--storage.agent.path=" + data,
            "--web.listen-address=127.0.0.1:" + freePort(),
            "--log.level=warn"),
        Map.of());
  }
}
