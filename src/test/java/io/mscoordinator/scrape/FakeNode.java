package io.mscoordinator.scrape;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.mscoordinator.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A fake inference server on a loopback port: answers {@code GET /metrics} with a corpus body, a
 * generated body, garbage, a huge body, or not at all. Like a MindIE server it answers 500 unless
 * its environment has {@code MIES_SERVICE_MONITOR_MODE=1}. Gzips when asked.
 *
 * <p>Threadsafe: the mode is swapped through volatile fields while its handler threads serve. Lives
 * in test scope; the perf lab reuses it through the test jar.
 */
public final class FakeNode implements AutoCloseable {
  /** What the node answers. */
  public enum Mode {
    BODY,
    HANG,
    GARBAGE,
    HUGE,
    /** The body, one line every {@code slowLineMillis}. */
    SLOW,
    /** Headers promising the whole body, half of it, then the connection closed. */
    RESET
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final boolean monitorMode;
  private final AtomicInteger requests = new AtomicInteger();
  private volatile Supplier<byte[]> body = () -> new byte[0];
  private volatile String contentType = "text/plain; version=0.0.4; charset=utf-8";
  private volatile Mode mode = Mode.BODY;
  private volatile long hugeBytes = 50L << 20;
  private volatile long slowLineMillis = 100;

  /** A node whose environment is {@code env}; pass {@code System.getenv()} to use the real one. */
  public FakeNode(Map<String, String> env) {
    this(env, null, false);
  }

  /**
   * A node serving HTTPS with {@code tls} (its key manager holds the node certificate); with {@code
   * needClientAuth} it refuses a client without a certificate its trust managers accept.
   */
  public FakeNode(Map<String, String> env, SSLContext tls, boolean needClientAuth) {
    this.monitorMode = "1".equals(env.get("MIES_SERVICE_MONITOR_MODE"));
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try {
      if (tls == null) {
        server = HttpServer.create(address, 64);
      } else {
        HttpsServer https = HttpsServer.create(address, 64);
        https.setHttpsConfigurator(
            new HttpsConfigurator(tls) {
              @Override
              public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(p);
              }
            });
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext("/metrics", this::handle);
    server.start();
  }

  /** A node with {@code MIES_SERVICE_MONITOR_MODE=1} serving {@code body}. */
  public static FakeNode serving(byte[] body) {
    FakeNode node = new FakeNode(Map.of("MIES_SERVICE_MONITOR_MODE", "1"));
    node.body(body);
    return node;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Requests answered or started so far. */
  public int requests() {
    return requests.get();
  }

  /**
   * Waits until this node has answered or started {@code atLeast} requests: the scrapes a test
   * counts on have happened. Fails after {@code within}.
   */
  public void awaitRequests(int atLeast, Duration within) throws InterruptedException {
    int seen = Eventually.poll(this::requests, n -> n >= atLeast, within);
    if (seen < atLeast) {
      throw new AssertionError(
          "fake node asked fewer times than awaited: port="
              + port()
              + " requests="
              + seen
              + " awaited="
              + atLeast
              + " within_ms="
              + within.toMillis());
    }
  }

  public FakeNode body(byte[] bytes) {
    byte[] copy = bytes.clone();
    body = () -> copy;
    mode = Mode.BODY;
    return this;
  }

  public FakeNode body(Supplier<byte[]> supplier) {
    body = supplier;
    mode = Mode.BODY;
    return this;
  }

  public FakeNode contentType(String type) {
    contentType = type;
    return this;
  }

  public FakeNode mode(Mode next) {
    mode = next;
    return this;
  }

  public FakeNode hugeBytes(long bytes) {
    hugeBytes = bytes;
    return this;
  }

  /** In {@link Mode#SLOW}: the pause before each line. */
  public FakeNode slowLineMillis(long millis) {
    slowLineMillis = millis;
    return this;
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      if (!monitorMode) {
        byte[] text = "MIES_SERVICE_MONITOR_MODE is not 1".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, text.length);
        exchange.getResponseBody().write(text);
        return;
      }
      switch (mode) {
        case HANG -> {
          try {
            closed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        case GARBAGE ->
            send(exchange, "\u0000\u0001 this is not { metrics\n".getBytes(StandardCharsets.UTF_8));
        case HUGE -> {
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = new byte[64 * 1024];
          Arrays.fill(chunk, (byte) '#');
          for (int i = 1023; i < chunk.length; i += 1024) {
            chunk[i] = '\n';
          }
          OutputStream out = exchange.getResponseBody();
          for (long sent = 0; sent < hugeBytes; sent += chunk.length) {
            out.write(chunk);
          }
        }
        case SLOW -> {
          byte[] bytes = body.get();
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.sendResponseHeaders(200, bytes.length);
          OutputStream out = exchange.getResponseBody();
          int from = 0;
          for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
              sleep(slowLineMillis);
              out.write(bytes, from, i + 1 - from);
              out.flush();
              from = i + 1;
            }
          }
          out.write(bytes, from, bytes.length - from);
        }
        case RESET -> {
          byte[] bytes = body.get();
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.sendResponseHeaders(200, bytes.length);
          OutputStream out = exchange.getResponseBody();
          out.write(bytes, 0, bytes.length / 2);
          out.flush();
          // closing short of the promised length makes the server drop the connection
        }
        default -> send(exchange, body.get());
      }
    } catch (IOException | UncheckedIOException e) {
      // the scraper hung up (timeout or size limit): nothing to answer
    }
  }

  private void sleep(long millis) {
    try {
      if (closed.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new UncheckedIOException(new IOException("node closed"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted"));
    }
  }

  private void send(HttpExchange exchange, byte[] bytes) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
    if (accept != null && accept.contains("gzip")) {
      ByteArrayOutputStream zipped = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
        gz.write(bytes);
      }
      bytes = zipped.toByteArray();
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /**
   * A generated body: {@code series} counter series of one family, each growing by its index + 1 on
   * every call, and starting again from zero after {@link Generated#restart()}.
   */
  public static final class Generated implements Supplier<byte[]> {
    private final int series;
    private final AtomicLong calls = new AtomicLong();

    public Generated(int series) {
      this.series = series;
    }

    /** Bodies served so far: the value of series {@code s0}. */
    public long calls() {
      return calls.get();
    }

    /** Simulates a node restart: every counter starts again from zero. */
    public void restart() {
      calls.set(0);
    }

    @Override
    public byte[] get() {
      long n = calls.incrementAndGet();
      StringBuilder out = new StringBuilder(series * 48 + 100);
      out.append("# HELP fake_requests_total Requests.\n# TYPE fake_requests_total counter\n");
      for (int i = 0; i < series; i++) {
        out.append("fake_requests_total{series=\"s")
            .append(i)
            .append("\"} ")
            .append(n * (i + 1))
            .append('\n');
      }
      return out.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
