package io.mscoordinator.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One loopback destination called as a scraped node is: the same GET each time, the body read whole
 * into one reused buffer, at most one kept connection.
 */
final class Node implements AutoCloseable {
  static final int MAX = 1 << 20;
  static final Request GET =
      Request.get("/metrics")
          .header("Accept", "text/plain;version=0.0.4")
          .header("Accept-Encoding", "gzip")
          .build();

  final OutboundClient client;
  final Destination destination;
  final CallLimits limits;
  final BodyBuffer body = new BodyBuffer();

  Node(int port) {
    this(port, Duration.ofSeconds(5), MAX);
  }

  Node(int port, Duration timeout, int max) {
    this(OutboundClient.builder().build(), "127.0.0.1", port, timeout, max);
  }

  Node(OutboundClient client, String host, int port, Duration timeout, int max) {
    this.client = client;
    this.destination = client.destination(DestinationKind.INSTANCE, host, port);
    this.limits = CallLimits.of(timeout, max);
  }

  Call call() {
    return client.call(destination, GET, limits);
  }

  /** Calls once and reads the body into {@link #body}; fails on a status other than 200. */
  String fetch() throws Exception {
    return fetch(call(), System.nanoTime());
  }

  String fetch(Call call, long startNanos) throws Exception {
    try (Response response = call.execute(startNanos)) {
      if (response.status() != 200) {
        throw new AssertionError("status " + response.status());
      }
      response.readBody(body);
    }
    return text();
  }

  String text() {
    return new String(body.array(), 0, body.length(), StandardCharsets.UTF_8);
  }

  /** Whether a connection is kept for the next call. */
  boolean connected() {
    return client.idle(destination) > 0;
  }

  String url() {
    return destination.url("/metrics");
  }

  @Override
  public void close() {
    client.close();
  }
}
