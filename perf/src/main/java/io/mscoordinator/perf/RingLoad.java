package io.mscoordinator.perf;

import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.Coordinator;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The native ring's side of issue 5's performance: the C generator {@code ring_load} (built by
 * {@code perf/run ring} from {@code perf/native/ring_load.c} and {@code native/src}) reports
 * histogram samples and counter adds through the C library into the ring file of a coordinator
 * started here, and, side by side, sends the same events as StatsD lines over UDP to the npm {@code
 * statsd} server (null backend, no flush during a run).
 *
 * <p>Per round, in this order: the ring with back-off (the writer waits while the ring is nearly
 * full, so the figure is the loss-free sustained rate), the ring at full speed with drops (the
 * offered rate), StatsD at full speed, and StatsD paced at {@code --statsd-paced-fraction} of its
 * first round's counted rate (its loss at a rate it can nearly sustain). Every delivered figure is
 * read from the receiver itself: the coordinator's {@code /metrics} (histogram count + counter
 * total of the load's series, {@code ms_coordinator_ingest_events}, ring-full drops) and StatsD's
 * management console ({@code counters}: {@code statsd.metrics_received}, {@code
 * statsd.packets_received}). A rate is delivered events over the time from starting the writer
 * until the receiver showed its final figure.
 *
 * <p>Run: {@code perf/run ring [--threads 2] [--seconds 10] [--rounds 3] [--counter-every 4]
 * [--statsd-paced-fraction 0.8] [--api handle|macro] [--ring-mib 64]}. With {@code --api macro} the
 * writer reports through {@code REPORT_METRIC} / {@code REPORT_COUNTER} (series looked up by name
 * on every call) instead of registered handles.
 */
public final class RingLoad {
  private static final String HISTOGRAM_COUNT =
      "time_to_first_token_us_count{instance=\"ring-load\"}";
  private static final String COUNTER_TOTAL = "forward_req_total_num_total{instance=\"ring-load\"}";
  private static final Duration POLL = Duration.ofMillis(20);

  private final Path writer;
  private final int threads;
  private final int seconds;
  private final int counterEvery;
  private final String api;
  private final HttpClient http = HttpClient.newHttpClient();

  private RingLoad(Path writer, int threads, int seconds, int counterEvery, String api) {
    this.writer = writer;
    this.threads = threads;
    this.seconds = seconds;
    this.counterEvery = counterEvery;
    this.api = api;
  }

  public static void main(String[] argv) throws Exception {
    LoadArgs args = new LoadArgs(argv);
    Path writer = Path.of(args.text("writer", "perf/target/native/ring_load"));
    Path statsd = Path.of(args.text("statsd", "perf/target/statsd/node_modules/statsd"));
    String node = args.text("node", "node");
    int threads = args.integer("threads", 2, 1, 64);
    int seconds = args.integer("seconds", 10, 1, 600);
    int rounds = args.integer("rounds", 3, 1, 20);
    int counterEvery = args.integer("counter-every", 4, 0, 1_000_000);
    int ringMiB = args.integer("ring-mib", 64, 1, 1024);
    String api = args.text("api", "handle");
    if (!api.equals("handle") && !api.equals("macro")) {
      throw new IllegalArgumentException("--api is handle or macro, got: " + api);
    }
    double pacedFraction =
        Double.parseDouble(args.text("statsd-paced-fraction", "0.8")); // 0 skips the paced runs
    if ((long) rounds * seconds * 4 > LoadArgs.MAX_SECONDS) {
      throw new IllegalArgumentException("run too long: rounds * seconds * 4 > 3600");
    }

    Path dir = Files.createTempDirectory("ring-load");
    Path ring = dir.resolve("metrics.ring");
    JsonObject root;
    try (InputStream in = RingLoad.class.getResourceAsStream("/ms_coordinator.json")) {
      root = Json.createReader(in).readObject();
    }
    JsonObjectBuilder metrics =
        Json.createObjectBuilder(root.getJsonObject("metrics_config"))
            .add("ring_file", ring.toString())
            .add("ring_capacity_bytes", ringMiB << 20);
    root = Json.createObjectBuilder(root).add("metrics_config", metrics).build();

    RingLoad load = new RingLoad(writer, threads, seconds, counterEvery, api);
    List<JsonObject> backoff = new ArrayList<>();
    List<JsonObject> drop = new ArrayList<>();
    List<JsonObject> udp = new ArrayList<>();
    List<JsonObject> udpPaced = new ArrayList<>();
    try (Coordinator coordinator =
        Coordinator.start(ConfigLoader.parse(root, null, new String[0]).withEphemeralPorts())) {
      URI metricsUri = coordinator.uri(Coordinator.MANAGE).resolve("/metrics");
      load.ring(metricsUri, ring, true, dir); // warm-up, not reported
      double pacedRate = 0;
      for (int r = 0; r < rounds; r++) {
        backoff.add(load.ring(metricsUri, ring, true, dir));
        System.err.println("ring backoff: " + backoff.getLast());
        drop.add(load.ring(metricsUri, ring, false, dir));
        System.err.println("ring drop: " + drop.getLast());
        udp.add(load.statsd(node, statsd, dir, 0));
        System.err.println("statsd: " + udp.getLast());
        if (pacedFraction > 0) {
          if (r == 0) {
            pacedRate =
                pacedFraction * udp.getFirst().getJsonNumber("delivered_per_s").doubleValue();
          }
          udpPaced.add(load.statsd(node, statsd, dir, pacedRate));
          System.err.println("statsd paced: " + udpPaced.getLast());
        }
      }
    }
    Files.deleteIfExists(ring);

    double ours = median(backoff, "delivered_per_s");
    double theirs = median(udp, "delivered_per_s");
    JsonObjectBuilder result =
        Json.createObjectBuilder()
            .add("scenario", "ring")
            .add("date", Instant.now().toString())
            .add("threads", threads)
            .add("seconds", seconds)
            .add("rounds", rounds)
            .add("counter_every", counterEvery)
            .add("api", api)
            .add("ring_capacity_bytes", (long) ringMiB << 20)
            .add("load_average", loadAverage())
            .add("ring_lossfree_delivered_per_s_median", ours)
            .add("ring_full_speed_offered_per_s_median", median(drop, "offered_per_s"))
            .add("ring_full_speed_delivered_per_s_median", median(drop, "delivered_per_s"))
            .add("statsd_offered_per_s_median", median(udp, "offered_per_s"))
            .add("statsd_counted_per_s_median", theirs)
            .add("ratio_ring_lossfree_to_statsd_counted", ours / theirs)
            .add("ring_backoff", array(backoff))
            .add("ring_drop", array(drop))
            .add("statsd", array(udp));
    if (!udpPaced.isEmpty()) {
      result
          .add("statsd_paced_counted_per_s_median", median(udpPaced, "delivered_per_s"))
          .add("statsd_paced", array(udpPaced));
    }
    JsonObject out = result.build();
    System.out.println(out);
    String file = args.text("out", null);
    if (file != null) {
      Files.writeString(Path.of(file), out + "\n");
    }
  }

  /** One writer run into the ring; what reached the coordinator's series, from its /metrics. */
  private JsonObject ring(URI metricsUri, Path ring, boolean backoff, Path dir) throws Exception {
    Map<String, Double> before = scrape(metricsUri);
    long start = System.nanoTime();
    JsonObject w =
        runWriter(
            dir,
            "ring",
            ring.toString(),
            "--threads",
            Integer.toString(threads),
            "--seconds",
            Integer.toString(seconds),
            "--counter-every",
            Integer.toString(counterEvery),
            "--backoff",
            backoff ? "1" : "0",
            "--api",
            api);
    long written = w.getJsonNumber("written").longValue();
    // Done when every written event shows in the series (their figures come from the agent's
    // snapshot, which can trail the ingest counter), or when the ring is drained, every record
    // was read (the writer's 2 REGISTER records count as ingest events too) and the series have
    // not moved for 1 s: then the difference is reported as lost.
    long[] last = {-1, System.nanoTime()};
    Map<String, Double> after =
        awaitStable(
            () -> scrape(metricsUri),
            m -> {
              long delivered = delivered(before, m);
              long now = System.nanoTime();
              if (delivered != last[0]) {
                last[0] = delivered;
                last[1] = now;
              }
              return delivered >= written
                  || delta(before, m, "ms_coordinator_ingest_events_total{transport=\"file\"}")
                          >= written + 2
                      && get(m, "ms_coordinator_ring_used_bytes{transport=\"file\"}") == 0
                      && now - last[1] > 1_000_000_000L;
            },
            Duration.ofSeconds(60));
    double elapsed = (System.nanoTime() - start) / 1e9;
    long histogram = delta(before, after, HISTOGRAM_COUNT);
    long counter = delta(before, after, COUNTER_TOTAL);
    long delivered = histogram + counter;
    long coordinatorDropped =
        delta(
            before,
            after,
            "ms_coordinator_ingest_dropped_total{reason=\"ring_full\",transport=\"file\"}");
    // The figures are only worth quoting if the two ends agree: nothing written may go missing,
    // the coordinator counts exactly the drops the writer saw, and back-off drops nothing.
    long writerDropped = w.getJsonNumber("dropped").longValue();
    if (delivered != written
        || coordinatorDropped != writerDropped
        || backoff && writerDropped != 0) {
      throw new IllegalStateException(
          "ring run inconsistent: written="
              + written
              + " delivered="
              + delivered
              + " writer_dropped="
              + writerDropped
              + " coordinator_dropped="
              + coordinatorDropped
              + " backoff="
              + backoff);
    }
    return Json.createObjectBuilder(w)
        .add("delivered", delivered)
        .add("delivered_histogram_samples", histogram)
        .add("delivered_counter_adds", counter)
        .add(
            "coordinator_ingest_events",
            delta(before, after, "ms_coordinator_ingest_events_total{transport=\"file\"}"))
        .add("coordinator_dropped_ring_full", coordinatorDropped)
        .add("until_delivered_s", elapsed)
        .add("delivered_per_s", delivered / elapsed)
        .add("lost", written - delivered)
        .build();
  }

  /** One writer run into a fresh StatsD server; what it counted, from its management console. */
  private JsonObject statsd(String node, Path statsd, Path dir, double rate) throws Exception {
    int port;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    int mgmtPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      mgmtPort = s.getLocalPort();
    }
    Path config = dir.resolve("statsd-config.js");
    Files.writeString(
        config,
        "{ address: \"127.0.0.1\", port: "
            + port
            + ", mgmt_address: \"127.0.0.1\", mgmt_port: "
            + mgmtPort
            + ", flushInterval: 3600000, backends: [] }\n");
    Process server =
        new ProcessBuilder(node, statsd.resolve("stats.js").toString(), config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("statsd.log").toFile())
            .start();
    try {
      awaitStable(
          () -> statsdCounters(mgmtPort),
          m -> m.containsKey("statsd.metrics_received"),
          Duration.ofSeconds(30));
      long udpErrorsBefore = udpReceiveBufferErrors();
      long start = System.nanoTime();
      JsonObject w =
          runWriter(
              dir,
              "udp",
              Integer.toString(port),
              "--threads",
              Integer.toString(threads),
              "--seconds",
              Integer.toString(seconds),
              "--counter-every",
              Integer.toString(counterEvery),
              "--rate",
              Long.toString((long) rate));
      long written = w.getJsonNumber("written").longValue();
      // Done when the count stops moving (or everything sent was counted).
      double[] last = {-1};
      long[] lastChange = {System.nanoTime()};
      Map<String, Double> after =
          awaitStable(
              () -> statsdCounters(mgmtPort),
              m -> {
                double v = get(m, "statsd.metrics_received");
                long now = System.nanoTime();
                if (v != last[0]) {
                  last[0] = v;
                  lastChange[0] = now;
                }
                return v >= written || now - lastChange[0] > 500_000_000L;
              },
              Duration.ofSeconds(120));
      double elapsed = (lastChange[0] - start) / 1e9;
      long counted = (long) get(after, "statsd.metrics_received");
      return Json.createObjectBuilder(w)
          .add("delivered", counted)
          .add("statsd_packets_received", (long) get(after, "statsd.packets_received"))
          .add("udp_rcvbuf_errors", udpReceiveBufferErrors() - udpErrorsBefore)
          .add("until_delivered_s", elapsed)
          .add("delivered_per_s", counted / elapsed)
          .add("lost", written - counted)
          .build();
    } finally {
      server.destroy();
      if (!server.waitFor(10, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private JsonObject runWriter(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(writer.toAbsolutePath().toString());
    Collections.addAll(command, args);
    Path out = dir.resolve("ring_load.out");
    Path err = dir.resolve("ring_load.err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("ring_load timed out: " + command);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "ring_load failed: exit=" + p.exitValue() + " stderr=" + Files.readString(err));
    }
    return Json.createReader(new StringReader(Files.readString(out))).readObject();
  }

  private interface Probe {
    Map<String, Double> read() throws Exception;
  }

  private static Map<String, Double> awaitStable(
      Probe probe, Function<Map<String, Double>, Boolean> done, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<String, Double> m;
      try {
        m = probe.read();
      } catch (IOException e) {
        m = null; // not listening yet
      }
      if (m != null && done.apply(m)) {
        return m;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("receiver did not settle within " + timeout + ": " + m);
      }
      Thread.sleep(POLL);
    }
  }

  private Map<String, Double> scrape(URI uri) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + response.statusCode());
    }
    Map<String, Double> values = new HashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return values;
  }

  private static final Pattern COUNTER = Pattern.compile("'([^']+)': (\\d+)");

  /** StatsD's {@code counters} management command: a util.inspect dump of its counters. */
  private static Map<String, Double> statsdCounters(int mgmtPort) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), mgmtPort), 1000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("counters\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      StringBuilder text = new StringBuilder();
      for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
        text.append(line).append('\n');
      }
      Map<String, Double> values = new HashMap<>();
      Matcher m = COUNTER.matcher(text);
      while (m.find()) {
        values.put(m.group(1), Double.parseDouble(m.group(2)));
      }
      return values;
    }
  }

  /** The kernel's count of UDP datagrams dropped for a full receive buffer (all sockets). */
  private static long udpReceiveBufferErrors() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
        String[] names = lines.get(i).split(" ");
        String[] values = lines.get(i + 1).split(" ");
        for (int k = 0; k < names.length; k++) {
          if (names[k].equals("RcvbufErrors")) {
            return Long.parseLong(values[k]);
          }
        }
      }
    }
    return -1;
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  /** Histogram samples + counter adds of the load's series since before. */
  private static long delivered(Map<String, Double> before, Map<String, Double> after) {
    return delta(before, after, HISTOGRAM_COUNT) + delta(before, after, COUNTER_TOTAL);
  }

  private static double get(Map<String, Double> m, String key) {
    return m.getOrDefault(key, 0.0);
  }

  private static long delta(Map<String, Double> before, Map<String, Double> after, String key) {
    return (long) (get(after, key) - get(before, key));
  }

  private static double median(List<JsonObject> runs, String key) {
    List<Double> v = new ArrayList<>();
    for (JsonObject o : runs) {
      v.add(o.getJsonNumber(key).doubleValue());
    }
    Collections.sort(v);
    return v.get(v.size() / 2);
  }

  private static JsonArrayBuilder array(List<JsonObject> runs) {
    JsonArrayBuilder a = Json.createArrayBuilder();
    runs.forEach(a::add);
    return a;
  }
}
