package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.cluster.Refreshes;
import io.mscoordinator.testing.Hostile;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients on a real manage listener: endless and abandoned bodies, oversized headers,
 * thousands of connections, headers sent a byte at a time. Each test states what holds afterwards:
 * the listener answers, the registry is the one from before (the same object: nothing was applied),
 * and sockets and threads come back.
 */
class HostileClientsTest {
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);
  private static final byte[] REFRESH = Refreshes.DOCUMENT_EXAMPLE.getBytes(StandardCharsets.UTF_8);

  @Test
  void shouldAnswer413ToAnEndlessChunkedBodyAndKeepTheRegistry() throws Exception {
    JsonObject root =
        TestCoordinators.shippedWith("/request_limit/body_limit", Json.createValue(1));
    try (Coordinator coordinator = TestCoordinators.start(root)) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(
          http.post("/v1/instances/refresh", Refreshes.DOCUMENT_EXAMPLE).statusCode(), is(200));
      ClusterView before = coordinator.registry().view();

      String status;
      try (Socket socket = connect(coordinator)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/instances/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        byte[] chunk =
            (Integer.toHexString(65_536) + "\r\n" + " ".repeat(65_536) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        // An endless body: keep sending until the server stops reading, at most 64 MB.
        try {
          out.write("1\r\n[\r\n".getBytes(StandardCharsets.US_ASCII));
          for (int i = 0; i < 1024; i++) {
            out.write(chunk);
          }
        } catch (IOException closedByServer) {
          // expected: the server answered and closed after the limit
        }
        status = Hostile.statusLine(socket.getInputStream());
      }
      assertThat(status, is("HTTP/1.1 413 Request Entity Too Large"));
      assertThat(coordinator.registry().view(), sameInstance(before));
      assertThat(http.get("/v1/health").statusCode(), is(200));
    }
  }

  @Test
  void shouldApplyNothingFromClientsThatDieMidBodyAndStayHealthy() throws Exception {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(
          http.post("/v1/instances/refresh", Refreshes.DOCUMENT_EXAMPLE).statusCode(), is(200));
      ClusterView before = coordinator.registry().view();
      long fds = Hostile.openFileDescriptors();

      for (int i = 0; i < 200; i++) {
        try (Socket socket = connect(coordinator)) {
          OutputStream out = socket.getOutputStream();
          out.write(
              ("POST /v1/instances/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                      + REFRESH.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          // A refresh that removes every instance but the first, cut off before its end.
          out.write(REFRESH, 0, REFRESH.length / 2 + i % 7);
          out.flush();
        }
      }
      assertThat(http.get("/v1/health").statusCode(), is(200));
      assertThat(coordinator.registry().view(), sameInstance(before));
      // The server closes its side of every abandoned connection.
      Hostile.awaitFileDescriptorsAtMost(fds + 16, Duration.ofSeconds(20));
    }
  }

  @Test
  void shouldAnswer400ToABrokenChunkSizeAndKeepTheRegistry() throws Exception {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(
          http.post("/v1/instances/refresh", Refreshes.DOCUMENT_EXAMPLE).statusCode(), is(200));
      ClusterView before = coordinator.registry().view();
      String status;
      try (Socket socket = connect(coordinator)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/instances/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\n{}\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        status = Hostile.statusLine(socket.getInputStream());
      }
      assertThat(status, is("HTTP/1.1 400 Bad Request"));
      assertThat(coordinator.registry().view(), sameInstance(before));
      assertThat(http.get("/v1/health").statusCode(), is(200));
    }
  }

  /** Helidon refuses a header block past its limit with 400 (not 431) before any route runs. */
  @Test
  void shouldRefuseAnOversizedHeaderWithAStatusAndKeepServing() throws Exception {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      String status;
      try (Socket socket = connect(coordinator)) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: "
                    + "a".repeat(64 << 10)
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        status = Hostile.statusLine(socket.getInputStream());
      } catch (IOException resetWhileWriting) {
        status = "reset";
      }
      assertThat(status, is("HTTP/1.1 400 Bad Request"));
      assertThat(http.get("/v1/health").statusCode(), is(200));
    }
  }

  /**
   * Helidon takes a connection slot before it accepts: past {@code max_connections} a connection
   * waits in the kernel's accept queue, unanswered, until a slot frees (a client closes, or the
   * idle timeout closes it). So 300 connections against a limit of 100 are served in three waves of
   * exactly 100, and none is lost or answered twice.
   */
  @Test
  void shouldServeConnectionsPastTheLimitInWavesAsSlotsFree() throws Exception {
    int limit = 100;
    int clients = 3 * limit;
    JsonObject root =
        TestCoordinators.shippedWith("/request_limit/max_connections", Json.createValue(limit));
    try (Coordinator coordinator = TestCoordinators.start(root)) {
      long fds = Hostile.openFileDescriptors();
      List<Socket> waiting = new ArrayList<>();
      try {
        for (int i = 0; i < clients; i++) {
          Socket socket = connect(coordinator);
          socket.setSoTimeout(3_000);
          socket
              .getOutputStream()
              .write(
                  "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
          waiting.add(socket);
        }
        for (int wave = 0; wave < 3; wave++) {
          List<Socket> answered = answeredWithin(waiting);
          assertThat("wave " + wave, answered.size(), is(limit));
          // The answered clients leave; their slots go to the next 100 in the accept queue.
          for (Socket socket : answered) {
            socket.close();
          }
          waiting.removeAll(answered);
        }
        assertThat(waiting.size(), is(0));
      } finally {
        for (Socket socket : waiting) {
          socket.close();
        }
      }
      TestHttp http = TestCoordinators.manage(coordinator);
      awaitHealthy(http);
      Hostile.awaitFileDescriptorsAtMost(fds + 16, Duration.ofSeconds(20));
    }
  }

  /** The sockets among {@code sockets} that get a 200 status line within their read timeout. */
  private static List<Socket> answeredWithin(List<Socket> sockets) throws Exception {
    List<Socket> answered = java.util.Collections.synchronizedList(new ArrayList<>());
    try (var readers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (Socket socket : sockets) {
        readers.submit(
            () -> {
              if (Hostile.statusLine(socket.getInputStream()).equals("HTTP/1.1 200 OK")) {
                answered.add(socket);
              }
              return null;
            });
      }
    }
    return answered;
  }

  @Test
  void shouldServeOthersWhileClientsSendTheirHeadersOneByteAtATime() throws Exception {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      List<Socket> slow = new ArrayList<>();
      try {
        for (int i = 0; i < 200; i++) {
          slow.add(connect(coordinator));
        }
        byte[] request =
            "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int b = 0; b < request.length; b++) {
          for (Socket socket : slow) {
            socket.getOutputStream().write(request[b]);
          }
          assertThat(http.get("/v1/health").statusCode(), is(200));
        }
        // The slow clients finish their request at last, and are answered too.
        for (Socket socket : slow) {
          socket.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        for (Socket socket : slow) {
          assertThat(Hostile.statusLine(socket.getInputStream()), is("HTTP/1.1 200 OK"));
        }
      } finally {
        for (Socket socket : slow) {
          socket.close();
        }
      }
    }
  }

  private static Socket connect(Coordinator coordinator) throws IOException {
    Socket socket = new Socket("127.0.0.1", coordinator.port(Coordinator.MANAGE));
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void awaitHealthy(TestHttp http) throws InterruptedException {
    int status = Eventually.poll(() -> http.status("/v1/health"), s -> s == 200, TEN_SECONDS);
    assertThat(status, is(200));
  }
}
