package io.mscoordinator.perf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fake inference nodes for the production day: {@code count} loopback HTTP servers answering
 * {@code /metrics} in Prometheus text with values that change on every scrape: {@code series}
 * counter series growing by their index + 1 per request, a gauge, and a 10-bucket histogram
 * growing by 4 observations per request. Each body carries its own {@code model_name}, so the
 * cluster merge groups it the same way whatever model the controller registers the node under.
 *
 * <p>Threadsafe; {@link #close()} stops every server.
 */
final class FakeFleet implements AutoCloseable {
  private static final double[] BOUNDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong served = new AtomicLong();
  private final int series;

  FakeFleet(int count, int series) throws IOException {
    this.series = series;
    for (int i = 0; i < count; i++) {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      AtomicLong calls = new AtomicLong();
      server.createContext("/metrics", exchange -> answer(exchange, calls.incrementAndGet()));
      server.setExecutor(threads);
      server.start();
      servers.add(server);
    }
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

  private void answer(HttpExchange exchange, long n) throws IOException {
    try (exchange) {
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
    StringBuilder out = new StringBuilder(series * 64 + 1024);
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
    return out.toString();
  }

  @Override
  public void close() {
    for (HttpServer server : servers) {
      server.stop(0);
    }
    threads.shutdownNow();
  }
}
