package io.mscoordinator.client;

import static io.mscoordinator.client.CallTest.length;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the layer adds to a single call: connections pooled per destination, request bodies, bodies
 * streamed as they arrive, client TLS chosen by the destination's kind.
 */
@Timeout(30)
class OutboundClientTest {
  private static final char[] PASSWORD = "devpass".toCharArray();
  private static final String OK = "HTTP/1.1 200 OK\r\n";

  @TempDir static Path keys;

  @BeforeAll
  static void makeKeys() throws Exception {
    // self-signed server certificates: one naming 127.0.0.1, one naming another host
    keytool("right.p12", "ip:127.0.0.1");
    keytool("wrong.p12", "dns:wrong-host.example");
  }

  // ------------------------------------------------------------------ pooling

  @Test
  void shouldKeepOneConnectionPerDestinationAndReuseIt() throws Exception {
    try (Loopback a = counting();
        Loopback b = counting();
        OutboundClient client = OutboundClient.builder().build()) {
      Node toA = new Node(client, "127.0.0.1", a.port(), Duration.ofSeconds(5), Node.MAX);
      Node toB = new Node(client, "127.0.0.1", b.port(), Duration.ofSeconds(5), Node.MAX);

      for (int n = 1; n <= 3; n++) {
        assertEquals("a " + n + "\n", toA.fetch());
        assertEquals("a " + n + "\n", toB.fetch());
      }

      assertEquals(1, a.connections.get());
      assertEquals(1, b.connections.get());
      assertEquals(1, client.idle(toA.destination));
      assertEquals(1, client.idle(toB.destination));
    }
  }

  @Test
  void shouldOpenASecondConnectionForACallAtTheSameTimeAndKeepThePoolSize() throws Exception {
    assertEquals(1, idleAfterTwoCallsAtOnce(OutboundClient.builder().build()));
    assertEquals(
        2,
        idleAfterTwoCallsAtOnce(
            OutboundClient.builder().poolSize(DestinationKind.INSTANCE, 2).build()));
  }

  /** Two calls in flight at once to one destination; how many connections are kept after. */
  private static int idleAfterTwoCallsAtOnce(OutboundClient client) throws Exception {
    CountDownLatch both = new CountDownLatch(2);
    try (client;
        Loopback server =
            new Loopback(
                (peer, i) -> {
                  while (peer.request() != null) {
                    both.countDown();
                    both.await(); // answers once the other call's request is in too
                    peer.send(length("a 1\n"));
                  }
                })) {
      Node node = new Node(client, "127.0.0.1", server.port(), Duration.ofSeconds(5), Node.MAX);
      CountDownLatch read = new CountDownLatch(2);
      List<Thread> calls = new ArrayList<>();
      List<Exception> failures = new CopyOnWriteArrayList<>();
      for (int n = 0; n < 2; n++) {
        calls.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try (Response response = node.call().execute()) {
                        response.readBody(new BodyBuffer());
                        read.countDown();
                        read.await(); // both responses are open at once
                      } catch (Exception e) {
                        failures.add(e);
                      }
                    }));
      }
      for (Thread t : calls) {
        t.join();
      }

      assertEquals(List.of(), failures);
      assertEquals(2, server.connections.get());
      int idle = client.idle(node.destination);
      assertEquals("a 1\n", node.fetch(), "a kept connection serves the next call");
      assertEquals(2, server.connections.get());
      return idle;
    }
  }

  @Test
  void shouldCloseAConnectionWhoseBodyWasNotRead() throws Exception {
    try (Loopback server = counting();
        Node node = new Node(server.port())) {
      try (Response response = node.call().execute()) {
        assertEquals(200, response.status());
      }
      // a 4-byte body is read and discarded on close, so the connection stays
      assertTrue(node.connected());
      assertEquals("a 2\n", node.fetch());
      assertEquals(1, server.connections.get());
    }
  }

  // ------------------------------------------------------------------ request bodies

  @Test
  void shouldSendAPostBodyWithItsTypeAndLength() throws Exception {
    byte[] json = "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
    Request post = Request.post("/v1/x?a=1").body("application/json", json).build();
    try (Loopback server = new Loopback((peer, i) -> peer.answer(length("done")));
        OutboundClient client = OutboundClient.builder().build()) {
      Destination d = client.destination(DestinationKind.INSTANCE, "127.0.0.1", server.port());

      try (Response response =
          client.call(d, post, CallLimits.of(Duration.ofSeconds(5), 64)).execute()) {
        assertEquals(200, response.status());
      }

      assertEquals(
          "POST /v1/x?a=1 HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + server.port()
              + "\r\n"
              + "Content-Type: application/json\r\n"
              + "User-Agent: ms-coordinator\r\n"
              + "Content-Length: 8\r\n\r\n",
          server.requests.getFirst());
      assertArrayEquals(json, server.bodies.getFirst());
    }
  }

  @Test
  void shouldNotSendAPostAgainWhenItsKeptConnectionWasClosed() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger clientPort = new AtomicInteger();
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(length("a 1\n"));
                  clientPort.set(peer.socket.getPort());
                  peer.socket.close();
                  closed.countDown();
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
      assertTrue(closed.await(5, TimeUnit.SECONDS));
      Loopback.awaitFinReceived(clientPort.get(), server.port());
      Request post = Request.post("/x").body("text/plain", new byte[] {'x'}).build();

      CallException e =
          assertThrows(
              CallException.class,
              () -> node.client.call(node.destination, post, node.limits).execute());

      assertEquals(CallException.Failure.FAILED, e.failure());
      assertEquals(1, server.connections.get(), "not sent again on a fresh connection");
    }
  }

  @Test
  void shouldResendOnAFreshConnectionWhenEveryKeptOneWasClosed() throws Exception {
    // two connections kept, both closed by the server (an engine restarted): the resend must not
    // take the second stale one
    CountDownLatch both = new CountDownLatch(2);
    List<Integer> clientPorts = new CopyOnWriteArrayList<>();
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  if (i < 2) {
                    both.countDown();
                    both.await();
                  }
                  peer.send(length("a " + i + "\n"));
                  if (i < 2) {
                    clientPorts.add(peer.socket.getPort());
                    peer.socket.close();
                  }
                });
        OutboundClient client =
            OutboundClient.builder().poolSize(DestinationKind.INSTANCE, 2).build()) {
      Node node = new Node(client, "127.0.0.1", server.port(), Duration.ofSeconds(5), Node.MAX);
      List<Thread> calls = new ArrayList<>();
      List<Exception> failures = new CopyOnWriteArrayList<>();
      for (int n = 0; n < 2; n++) {
        calls.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      try (Response response = node.call().execute()) {
                        response.readBody(new BodyBuffer());
                      } catch (Exception e) {
                        failures.add(e);
                      }
                    }));
      }
      for (Thread t : calls) {
        t.join();
      }
      assertEquals(List.of(), failures);
      assertEquals(2, client.idle(node.destination));
      for (int port : clientPorts) {
        Loopback.awaitFinReceived(port, server.port());
      }

      assertEquals("a 2\n", node.fetch());
      assertEquals(3, server.connections.get());
    }
  }

  @Test
  void shouldRefuseHeadersTheLayerSetsItself() {
    for (String name : List.of("Host", "user-agent", "Content-Length", "Transfer-Encoding")) {
      assertThrows(IllegalArgumentException.class, () -> Request.get("/").header(name, "x"));
    }
    assertThrows(IllegalArgumentException.class, () -> Request.get("/").header("X-A", "b\r\nc"));
    assertThrows(IllegalArgumentException.class, () -> Request.get("/a b"));
  }

  // ------------------------------------------------------------------ streaming

  @Test
  void shouldHandEachChunkToTheReaderAsItArrives() throws Exception {
    eachChunkAsItArrives(false);
  }

  @Test
  void shouldLendEachChunkAsItArrivesInTheConnectionsBuffer() throws Exception {
    eachChunkAsItArrives(true);
  }

  /** Three chunked events, each sent once the last was read: through body() or lend(). */
  private static void eachChunkAsItArrives(boolean lend) throws Exception {
    List<String> events = List.of("data: one\n\n", "data: two\n\n", "data: three\n\n");
    List<CountDownLatch> read = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      read.add(new CountDownLatch(1));
    }
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Type: text/event-stream\r\n");
                  peer.send("Transfer-Encoding: chunked\r\n\r\n");
                  for (int n = 0; n < events.size(); n++) {
                    byte[] e = events.get(n).getBytes(StandardCharsets.US_ASCII);
                    peer.send(Integer.toHexString(e.length) + "\r\n");
                    peer.send(e);
                    peer.send("\r\n");
                    // the next event only once the client has read this one
                    assertTrue(read.get(n).await(10, TimeUnit.SECONDS));
                  }
                  peer.send("0\r\n\r\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      try (Response response = node.call().execute()) {
        InputStream body = response.body();
        byte[] buffer = new byte[1024];
        for (int n = 0; n < events.size(); n++) {
          String piece;
          if (lend) {
            int r = response.lend();
            piece =
                new String(
                    response.lentArray(), response.lentOffset(), r, StandardCharsets.US_ASCII);
          } else {
            int r = body.read(buffer);
            piece = new String(buffer, 0, r, StandardCharsets.US_ASCII);
          }

          assertEquals(events.get(n), piece);
          read.get(n).countDown();
        }
        assertEquals(-1, lend ? response.lend() : body.read(buffer));
      }
      assertTrue(node.connected(), "kept after the last chunk");
    }
  }

  @Test
  void shouldBoundAStreamedBodyInTotalUnlessItIsEndless() throws Exception {
    for (boolean endless : new boolean[] {false, true}) {
      try (Loopback server =
              new Loopback(
                  (peer, i) -> {
                    peer.request();
                    peer.send(OK + "Transfer-Encoding: chunked\r\n\r\n");
                    for (int n = 0; n < 3; n++) {
                      peer.send("a\r\n0123456789\r\n");
                    }
                    peer.send("0\r\n\r\n");
                  });
          OutboundClient client = OutboundClient.builder().build()) {
        Destination d = client.destination(DestinationKind.INSTANCE, "127.0.0.1", server.port());
        try (Response response =
            client
                .call(d, Request.get("/dresult").build(), CallLimits.of(Duration.ofSeconds(5), 16))
                .execute()) {
          if (endless) {
            response.endless();
          }
          int total = 0;
          try {
            for (int n = response.lend(); n >= 0; n = response.lend()) {
              total += n;
            }
            assertTrue(endless, "read past the 16-byte bound: total=" + total);
            assertEquals(30, total);
          } catch (CallException e) {
            assertFalse(endless, "endless body refused: " + e.getMessage());
            assertEquals(CallException.Failure.TOO_LARGE, e.failure());
          }
        }
      }
    }
  }

  @Test
  void shouldFailAStreamedReadPastTheDeadline() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Transfer-Encoding: chunked\r\n\r\n4\r\na 1\n\r\n");
                  done.await(); // then nothing
                });
        Node node = new Node(server.port(), Duration.ofMillis(400), Node.MAX);
        Response response = node.call().execute()) {
      InputStream body = response.body();
      byte[] buffer = new byte[64];
      assertEquals(4, body.read(buffer));

      CallException e = assertThrows(CallException.class, () -> body.read(buffer));
      done.countDown();

      assertEquals(CallException.Failure.TIMED_OUT, e.failure());
    }
  }

  @Test
  void shouldTimeOutAHeadThatDoesNotComeWithinItsOwnBound() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  done.await(); // never answers
                });
        OutboundClient client = OutboundClient.builder().build()) {
      Destination d = client.destination(DestinationKind.INSTANCE, "127.0.0.1", server.port());
      CallLimits limits =
          new CallLimits(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(10), 64);
      long start = System.nanoTime();

      CallException e =
          assertThrows(CallException.class, () -> client.call(d, Node.GET, limits).execute(start));
      long millis = (System.nanoTime() - start) / 1_000_000;
      done.countDown();

      assertEquals(
          "timed out: url=http://127.0.0.1:" + server.port() + "/metrics timeout_ms=300",
          e.getMessage());
      assertTrue(millis >= 280 && millis < 3000, "returned after " + millis + " ms");
    }
  }

  // ------------------------------------------------------------------ TLS per kind

  @Test
  void shouldCallOverTlsWithTheTlsOfTheDestinationsKind() throws Exception {
    SSLContext trusting = trusting("right.p12");
    try (Loopback server =
            new Loopback((peer, i) -> peer.answer(length("a 1\n")), serving("right.p12"));
        OutboundClient client =
            OutboundClient.builder().tls(DestinationKind.INSTANCE, trusting, null).build()) {
      Node node = new Node(client, "127.0.0.1", server.port(), Duration.ofSeconds(5), Node.MAX);

      assertTrue(node.destination.secure());
      assertEquals("a 1\n", node.fetch());
      assertEquals("https://127.0.0.1:" + server.port() + "/metrics", node.url());
    }
  }

  @Test
  void shouldRefuseAPeerWhoseCertificateNamesAnotherHostWhateverTheParametersSay()
      throws Exception {
    SSLContext trusting = trusting("wrong.p12");
    SSLParameters unverified = trusting.getDefaultSSLParameters();
    unverified.setEndpointIdentificationAlgorithm(null);
    try (Loopback server =
            new Loopback((peer, i) -> peer.answer(length("a 1\n")), serving("wrong.p12"));
        OutboundClient client =
            OutboundClient.builder().tls(DestinationKind.INSTANCE, trusting, unverified).build()) {
      Node node = new Node(client, "127.0.0.1", server.port(), Duration.ofSeconds(5), Node.MAX);

      CallException e = assertThrows(CallException.class, node::fetch);

      assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
      assertTrue(
          e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1"),
          e.getMessage());
    }
  }

  @Test
  void shouldCallPlainHttpForAKindWithoutTlsAndTrustOnlyTheJdkCasOverHttps() throws Exception {
    try (Loopback server =
            new Loopback((peer, i) -> peer.answer(length("a 1\n")), serving("right.p12"));
        OutboundClient client = OutboundClient.builder().build()) {
      assertFalse(client.destination(DestinationKind.INSTANCE, "127.0.0.1", 9100).secure());
      Destination https =
          new Destination(DestinationKind.INSTANCE, true, "127.0.0.1", server.port());

      CallException e =
          assertThrows(
              CallException.class,
              () ->
                  client.call(https, Node.GET, CallLimits.of(Duration.ofSeconds(5), 64)).execute());

      assertTrue(e.getMessage().contains("PKIX path building failed"), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Answers {@code a n} to the nth request on each connection. */
  private static Loopback counting() throws Exception {
    return new Loopback(
        (peer, i) -> {
          for (int n = 1; peer.request() != null; n++) {
            peer.send(length("a " + n + "\n"));
          }
        });
  }

  private static void keytool(String file, String san) throws Exception {
    Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Path log = keys.resolve("keytool.log");
    // the child writes to a file: inheriting surefire's stdout would corrupt its channel
    Process p =
        new ProcessBuilder(
                tool.toString(),
                "-genkeypair",
                "-keyalg",
                "EC",
                "-alias",
                "node",
                "-dname",
                "CN=node",
                "-ext",
                "SAN=" + san,
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
                "-keystore",
                keys.resolve(file).toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool failed: " + Files.readString(log));
    }
  }

  private static KeyStore store(String file) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keys.resolve(file))) {
      store.load(in, PASSWORD);
    }
    return store;
  }

  /** A server's TLS: the key and self-signed certificate of {@code file}. */
  private static SSLContext serving(String file) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store(file), PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** A client's TLS that trusts the self-signed certificate of {@code file}. */
  private static SSLContext trusting(String file) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("node", store(file).getCertificate("node"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
