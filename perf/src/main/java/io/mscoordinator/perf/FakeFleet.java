package io.mscoordinator.perf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fake inference nodes for the production day: {@code count} loopback HTTP servers answering
 * {@code /metrics} in Prometheus text with values that change on every scrape: {@code series}
 * counter series growing by their index + 1 per request, a gauge, and a 10-bucket histogram
 * growing by 4 observations per request; then, when given, a real node body from the corpus (e.g.
 * {@code nodes/vllm.prom}) whose counter, histogram and summary samples grow by the request count
 * (quantiles, {@code _created} and gauges stay as written). Each generated sample carries its own
 * {@code model_name}, so the cluster merge groups it the same way whatever model the controller
 * registers the node under.
 *
 * <p>On a schedule counted in each server's requests (staggered by server): every {@code
 * restartEvery} requests the node restarts (every cumulative value starts again from zero), and
 * every {@code failEvery} requests it answers 500 for {@code failFor} requests, until {@link
 * #calm()}.
 *
 * <p>Threadsafe; {@link #close()} stops every server.
 */
final class FakeFleet implements AutoCloseable {
  private static final double[] BOUNDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /** What the fleet does besides answering. */
  record Schedule(int restartEvery, int failEvery, int failFor) {}

  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final int series;
  private final Schedule schedule;
  private final List<CorpusLine> corpus;
  private volatile boolean calm;

  /**
   * One line of the corpus body: a comment (with its newline), or a sample split before its value
   * ({@code value} as written, {@code number} parsed when it grows).
   */
  private record CorpusLine(String text, String value, double number, boolean grows) {}

  /**
   * @param corpusBody a node body appended to the generated one, or null
   */
  FakeFleet(int count, int series, Path corpusBody, Schedule schedule) throws IOException {
    this.series = series;
    this.schedule = schedule;
    this.corpus = corpusBody == null ? List.of() : template(Files.readAllLines(corpusBody));
    for (int i = 0; i < count; i++) {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      Node node = new Node(i * 7L);
      server.createContext("/metrics", exchange -> answer(exchange, node));
      server.setExecutor(threads);
      server.start();
      servers.add(server);
    }
  }

  /** One server's request count and the request its last restart happened at. */
  private final class Node {
    private final long offset;
    private long requests;
    private long restartedAt;

    Node(long offset) {
      this.offset = offset;
    }

    /** The value to serve for this request, or -1 for a scheduled failure. */
    synchronized long next() {
      long k = ++requests + offset;
      if (schedule.restartEvery() > 0 && k % schedule.restartEvery() == 0) {
        restartedAt = requests;
        restarts.incrementAndGet();
      }
      if (!calm
          && schedule.failEvery() > 0
          && k % schedule.failEvery() < schedule.failFor()
          && requests > schedule.failFor()) {
        return -1;
      }
      return requests - restartedAt;
    }
  }

  /** Ends the scheduled failures (restarts go on), so that the last scrapes all succeed. */
  void calm() {
    calm = true;
  }

  /** The servers' ports, in start order. */
  int[] ports() {
    int[] ports = new int[servers.size()];
    for (int i = 0; i < ports.length; i++) {
      ports[i] = servers.get(i).getAddress().getPort();
    }
    return ports;
  }

  /** Bodies served so far, by all servers. */
  long served() {
    return served.get();
  }

  /** Scheduled restarts so far. */
  long restarts() {
    return restarts.get();
  }

  /** Requests answered 500 on schedule so far. */
  long failed() {
    return failed.get();
  }

  private void answer(HttpExchange exchange, Node node) throws IOException {
    try (exchange) {
      long n = node.next();
      if (n < 0) {
        failed.incrementAndGet();
        byte[] text = "scheduled failure\n".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, text.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(text);
        }
        return;
      }
      byte[] body = body(n).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
      served.incrementAndGet();
    }
  }

  private String body(long n) {
    StringBuilder out = new StringBuilder(series * 64 + 1024 + corpus.size() * 96);
    out.append("# HELP fleet_requests_total Requests served.\n")
        .append("# TYPE fleet_requests_total counter\n");
    for (int i = 0; i < series; i++) {
      out.append("fleet_requests_total{model_name=\"llama\",series=\"s")
          .append(i)
          .append("\"} ")
          .append(n * (i + 1))
          .append('\n');
    }
    out.append("# HELP fleet_running_requests Requests running now.\n")
        .append("# TYPE fleet_running_requests gauge\n")
        .append("fleet_running_requests{model_name=\"llama\"} ")
        .append(n % 17)
        .append('\n');
    out.append("# HELP fleet_ttft_seconds Time to first token.\n")
        .append("# TYPE fleet_ttft_seconds histogram\n");
    long count = 4 * n;
    for (int b = 0; b < BOUNDS.length; b++) {
      out.append("fleet_ttft_seconds_bucket{model_name=\"llama\",le=\"")
          .append(BOUNDS[b])
          .append("\"} ")
          .append(count * (b + 1) / (BOUNDS.length + 1))
          .append('\n');
    }
    out.append("fleet_ttft_seconds_bucket{model_name=\"llama\",le=\"+Inf\"} ")
        .append(count)
        .append('\n')
        .append("fleet_ttft_seconds_sum{model_name=\"llama\"} ")
        .append(0.3 * count)
        .append('\n')
        .append("fleet_ttft_seconds_count{model_name=\"llama\"} ")
        .append(count)
        .append('\n');
    for (CorpusLine line : corpus) {
      out.append(line.text);
      if (line.value != null) {
        if (line.grows) {
          out.append(line.number + n);
        } else {
          out.append(line.value);
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  /**
   * The corpus body's lines: HELP and TYPE lines as they are, samples split before their value
   * (bodies without timestamps). A sample grows when its family is a counter, histogram or summary,
   * it is not a quantile or a {@code _created}, and its value is a finite number; adding the same n
   * to every bucket keeps them cumulative.
   */
  private static List<CorpusLine> template(List<String> lines) {
    Map<String, String> types = new HashMap<>();
    List<CorpusLine> out = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" ");
        if (parts.length >= 4 && parts[1].equals("TYPE")) {
          types.put(parts[2], parts[3]);
        }
        if (parts.length >= 2 && (parts[1].equals("TYPE") || parts[1].equals("HELP"))) {
          out.add(new CorpusLine(line + "\n", null, 0, false));
        }
        continue;
      }
      int space = line.lastIndexOf(' ');
      String value = line.substring(space + 1);
      double number;
      try {
        number = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        number = Double.NaN; // +Inf, -Inf: served as written
      }
      int brace = line.indexOf('{');
      String name = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
      String type = types.get(name);
      for (String suffix : new String[] {"_bucket", "_sum", "_count", "_total"}) {
        if (type == null && name.endsWith(suffix)) {
          type = types.get(name.substring(0, name.length() - suffix.length()));
        }
      }
      boolean cumulative =
          type != null && (type.equals("counter") || type.equals("histogram") || type.equals("summary"));
      boolean grows =
          cumulative
              && !line.contains("quantile=\"")
              && !name.endsWith("_created")
              && Double.isFinite(number);
      out.add(new CorpusLine(line.substring(0, space + 1), value, number, grows));
    }
    return List.copyOf(out);
  }

  @Override
  public void close() {
    for (HttpServer server : servers) {
      server.stop(0);
    }
    threads.shutdownNow();
  }
}
