package io.mscoordinator.client;

import static io.mscoordinator.client.Loopback.ascii;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One call against loopback servers scripted byte by byte, as a scraped node makes it: framing,
 * keep-alive, limits, timeouts, malformed answers and aborts. Each server serves each connection on
 * its own thread and is closed by the test.
 */
@Timeout(20)
class CallTest {
  private static final int MAX = Node.MAX;
  private static final String OK = "HTTP/1.1 200 OK\r\n";

  // ------------------------------------------------------------------ framing

  @Test
  void shouldSendAGetWithHostHeadersAndUserAgent() throws Exception {
    try (Loopback server = new Loopback((peer, i) -> peer.answer(length("a 1\n")));
        Node node = new Node(server.port())) {
      node.fetch();

      assertEquals(
          "GET /metrics HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + server.port()
              + "\r\n"
              + "Accept: text/plain;version=0.0.4\r\n"
              + "Accept-Encoding: gzip\r\n"
              + "User-Agent: ms-coordinator\r\n\r\n",
          server.requests.getFirst());
    }
  }

  @Test
  void shouldBracketAnIpv6HostInTheUrl() {
    OutboundClient client = OutboundClient.builder().build();
    Destination d = client.destination(DestinationKind.INSTANCE, "::1", 9100);

    assertEquals("http://[::1]:9100/metrics", client.call(d, Node.GET, limits()).url());
    assertEquals(d, client.destination(DestinationKind.INSTANCE, "[::1]", 9100));
  }

  @Test
  void shouldReadAContentLengthBody() throws Exception {
    String body = "# TYPE a counter\na_total 1\n";
    try (Loopback server = new Loopback((peer, i) -> peer.answer(length(body)));
        Node node = new Node(server.port())) {
      assertEquals(body, node.fetch());
    }
  }

  @Test
  void shouldReadALargeContentLengthBodySentInPieces() throws Exception {
    byte[] body = lines(200_000);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Length: " + body.length + "\r\n\r\n");
                  for (int from = 0; from < body.length; from += 30_000) {
                    peer.send(Arrays.copyOfRange(body, from, Math.min(body.length, from + 30_000)));
                    Thread.sleep(5); // the body arrives in pieces: a gap between them
                  }
                  peer.request();
                });
        Node node = new Node(server.port())) {
      node.fetch();

      assertArrayEquals(body, bytes(node));
    }
  }

  @Test
  void shouldReadAChunkedBodyWithExtensionsAndTrailers() throws Exception {
    byte[] big = lines(40_000);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(ascii("hello world\n"));
    expected.writeBytes(big);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Transfer-Encoding: chunked\r\n\r\n");
                  peer.send("5;name=value\r\nhello\r\n7 ; x=\"y\"\r\n wo");
                  Thread.sleep(20); // a chunk split across two reads
                  peer.send("rld\n\r\n" + Integer.toHexString(big.length) + "\r\n");
                  peer.send(big);
                  peer.send("\r\n0;last\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      node.fetch();

      assertArrayEquals(expected.toByteArray(), bytes(node));
      assertTrue(node.connected(), "kept alive after the trailers");
    }
  }

  @Test
  void shouldGunzipAContentLengthBodyAndReadItsContentType() throws Exception {
    String body = "# TYPE a counter\na_total 1\n# EOF\n";
    byte[] zipped = gzip(body.getBytes(StandardCharsets.UTF_8));
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(
                      OK
                          + "content-type: Application/OpenMetrics-Text; version=1.0.0\r\n"
                          + "CONTENT-ENCODING: gzip\r\n"
                          + "Content-Length: "
                          + zipped.length
                          + "\r\n\r\n");
                  peer.send(zipped);
                  peer.request();
                });
        Node node = new Node(server.port());
        Response response = node.call().execute()) {
      response.readBody(node.body);

      assertEquals(body, node.text());
      assertTrue(response.contentType("application/openmetrics-text"));
      assertFalse(response.contentType("text/plain"));
    }
  }

  @Test
  void shouldGunzipAChunkedBody() throws Exception {
    byte[] body = lines(100_000);
    byte[] zipped = gzip(body);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
                  for (int from = 0; from < zipped.length; from += 1000) {
                    int n = Math.min(1000, zipped.length - from);
                    peer.send(Integer.toHexString(n) + "\r\n");
                    peer.send(Arrays.copyOfRange(zipped, from, from + n));
                    peer.send("\r\n");
                  }
                  peer.send("0\r\n\r\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      node.fetch();

      assertArrayEquals(body, bytes(node));
    }
  }

  @Test
  void shouldGunzipTwoConcatenatedMembers() throws Exception {
    byte[] zipped = concat(gzip(ascii("a 1\n")), gzip(ascii("b 2\n")));
    try (Loopback server = new Loopback((peer, i) -> peer.answer(gzipped(zipped)));
        Node node = new Node(server.port())) {
      assertEquals("a 1\nb 2\n", node.fetch());
    }
  }

  @Test
  void shouldReadABodyToTheEndOfTheConnectionWhenItHasNoLength() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Type: text/plain\r\n\r\na 1\n");
                  Thread.sleep(20); // the body in two reads before the close ends it
                  peer.send("b 2\n");
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\nb 2\n", node.fetch());
      assertFalse(node.connected(), "a body framed by the close ends the connection");
    }
  }

  @Test
  void shouldReadAnHttp10ResponseAndNotKeepItsConnection() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\na 1\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldSkipAnInterimResponse() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n");
                  peer.send(OK + "Content-Length: 4\r\n\r\na 1\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
    }
  }

  // ------------------------------------------------------------------ keep-alive

  @Test
  void shouldReuseOneConnectionAndOneBodyBufferForThreeCalls() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  for (int n = 1; peer.request() != null; n++) {
                    peer.send(length("a " + n + "\n"));
                  }
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
      byte[] buffer = node.body.array();
      assertEquals("a 2\n", node.fetch());
      assertEquals("a 3\n", node.fetch());

      assertEquals(1, server.connections.get());
      assertEquals(3, server.requests.size());
      assertSame(buffer, node.body.array(), "the body buffer is reused");
    }
  }

  @Test
  void shouldShrinkTheBodyBufferAfterManyBodiesFarSmallerThanIt() throws Exception {
    byte[] big = lines(512 * 1024);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(concat(ascii(OK + "Content-Length: " + big.length + "\r\n\r\n"), big));
                  while (peer.request() != null) {
                    peer.send(length("a 1\n"));
                  }
                });
        Node node = new Node(server.port())) {
      node.fetch();
      assertTrue(node.body.array().length >= big.length);

      for (int n = 0; n < 150; n++) { // past two looks at the buffers, 64 reads apart
        assertEquals("a 1\n", node.fetch());
      }

      assertTrue(node.body.array().length < big.length, "length " + node.body.array().length);
      assertEquals(1, server.connections.get());
    }
  }

  @Test
  void shouldReconnectWhenTheServerClosedTheKeptConnection() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger clientPort = new AtomicInteger();
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(length("a " + (i + 1) + "\n"));
                  if (i == 0) {
                    clientPort.set(peer.socket.getPort());
                    peer.socket.close();
                    closed.countDown();
                  } else {
                    peer.request();
                  }
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
      assertTrue(closed.await(5, TimeUnit.SECONDS));
      Loopback.awaitFinReceived(clientPort.get(), server.port());

      assertEquals("a 2\n", node.fetch());
      assertEquals(2, server.connections.get());
    }
  }

  @Test
  void shouldCloseTheConnectionWhenTheServerSaysClose() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Connection: keep-alive, Close\r\nContent-Length: 4\r\n\r\na 1\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      node.fetch();

      assertFalse(node.connected());
      assertEquals("a 1\n", node.fetch());
      assertEquals(2, server.connections.get());
    }
  }

  @Test
  void shouldCloseTheKeptConnectionWhenItsDestinationIsEvicted() throws Exception {
    CountDownLatch hungUp = new CountDownLatch(1);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(length("a 1\n"));
                  if (peer.request() == null) {
                    hungUp.countDown();
                  }
                });
        Node node = new Node(server.port())) {
      node.fetch();
      assertTrue(node.connected());

      node.client.evict(node.destination);

      assertTrue(hungUp.await(2, TimeUnit.SECONDS), "the server saw the connection end");
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldReadA500AndCallAgainOnTheSameConnection() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(
                      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops\n");
                  peer.request();
                  peer.send(length("a 1\n"));
                  peer.request();
                });
        Node node = new Node(server.port())) {
      try (Response response = node.call().execute()) {
        assertEquals(500, response.status());
      }

      assertTrue(node.connected(), "the error body was read and the connection kept");
      assertEquals("a 1\n", node.fetch());
      assertEquals(1, server.connections.get());
    }
  }

  // ------------------------------------------------------------------ limits

  @Test
  void shouldRefuseADeclaredLengthOverTheLimitWithoutReadingTheBody() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Length: 2000000\r\n\r\n");
                  done.await(); // never sends the body
                });
        Node node = new Node(server.port())) {
      long start = System.nanoTime();

      CallException e = assertThrows(CallException.class, node::fetch);
      long millis = (System.nanoTime() - start) / 1_000_000;
      done.countDown();

      assertEquals(CallException.Failure.TOO_LARGE, e.failure());
      assertTrue(e.getMessage().startsWith("body too large: limit=1048576 content_length=2000000"));
      assertTrue(millis < 2000, "did not wait for the body: " + millis + " ms");
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldStopReadingAStreamedBodyAsSoonAsItPassesTheLimit() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "\r\n");
                  byte[] piece = lines(8 * 1024);
                  while (true) {
                    peer.send(piece);
                  }
                });
        Node node = new Node(server.port(), Duration.ofSeconds(10), 64 * 1024)) {
      CallException e = assertThrows(CallException.class, node::fetch);

      assertTrue(e.getMessage().startsWith("body too large: limit=65536 url="), e.getMessage());
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldStopReadingAnEndlessChunkedBodyAtTheLimit() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Transfer-Encoding: chunked\r\n\r\n");
                  byte[] piece = lines(4096);
                  while (true) {
                    peer.send(Integer.toHexString(piece.length) + "\r\n");
                    peer.send(piece);
                    peer.send("\r\n");
                  }
                });
        Node node = new Node(server.port(), Duration.ofSeconds(10), 64 * 1024)) {
      CallException e = assertThrows(CallException.class, node::fetch);

      assertTrue(e.getMessage().startsWith("body too large: limit=65536 url="), e.getMessage());
    }
  }

  @Test
  void shouldRefuseAGzipBombPastTheLimit() throws Exception {
    byte[] bomb = gzip(new byte[16 << 20]);
    try (Loopback server = new Loopback((peer, i) -> peer.answer(gzipped(bomb)));
        Node node = new Node(server.port())) {
      CallException e = assertThrows(CallException.class, node::fetch);

      assertTrue(bomb.length < MAX, "the compressed body is within the limit");
      assertEquals(CallException.Failure.TOO_LARGE, e.failure());
      assertTrue(e.getMessage().startsWith("body too large after gunzip: url="), e.getMessage());
      assertTrue(e.getMessage().endsWith(" limit=" + MAX), e.getMessage());
    }
  }

  @Test
  void shouldTakeAGzippedBodyOfExactlyTheLimit() throws Exception {
    byte[] body = lines(64 * 1024);
    try (Loopback server = new Loopback((peer, i) -> peer.answer(gzipped(gzip(body))));
        Node node = new Node(server.port(), Duration.ofSeconds(5), body.length)) {
      node.fetch();

      assertArrayEquals(body, bytes(node));
    }
  }

  @Test
  void shouldRefuseABodyThatIsNotGzipAsItClaims() throws Exception {
    byte[] good = gzip(lines(4096));
    byte[] truncated = Arrays.copyOf(good, good.length - 12);
    byte[] badCrc = good.clone();
    badCrc[badCrc.length - 8] ^= 1;
    for (byte[] zipped : List.of(ascii("a 1\n"), truncated, badCrc)) {
      try (Loopback server = new Loopback((peer, i) -> peer.answer(gzipped(zipped)));
          Node node = new Node(server.port())) {
        CallException e = assertThrows(CallException.class, node::fetch);

        assertEquals(CallException.Failure.BAD_GZIP, e.failure());
        assertTrue(
            e.getMessage().startsWith("bad gzip body: url=" + node.url() + " reason="),
            e.getMessage());
      }
    }
  }

  // ------------------------------------------------------------------ malformed

  @Test
  void shouldRefuseABadStatusLine() throws Exception {
    assertEquals("bad status line", reason("HTTX/1.1 200 OK\r\nContent-Length: 4\r\n\r\na 1\n"));
    assertEquals("bad status line", reason("HTTP/1.1 2x0 OK\r\nContent-Length: 4\r\n\r\na 1\n"));
    assertEquals("bad status line", reason("HTTP/2 200\r\n\r\n"));
  }

  @Test
  void shouldRefuseABadChunkSize() throws Exception {
    assertEquals(
        "bad chunk size",
        reason(OK + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"));
    assertEquals(
        "bad chunk size",
        reason(OK + "Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n"));
    assertEquals(
        "bad chunk end", reason(OK + "Transfer-Encoding: chunked\r\n\r\n4\r\nhelloo\r\n0\r\n\r\n"));
  }

  @Test
  void shouldRefuseHeadersOverTheLimit() throws Exception {
    String huge = "X-Pad: " + "p".repeat(OutboundClient.MAX_HEADER_BYTES) + "\r\n";

    assertEquals(
        "headers too large: limit=65536", reason(OK + huge + "Content-Length: 4\r\n\r\na 1\n"));
  }

  @Test
  void shouldRefuseBadOrConflictingContentLengths() throws Exception {
    assertEquals("bad content-length", reason(OK + "Content-Length: -4\r\n\r\na 1\n"));
    assertEquals("bad content-length", reason(OK + "Content-Length: 4x\r\n\r\na 1\n"));
    assertEquals(
        "conflicting content-length",
        reason(OK + "Content-Length: 4\r\nContent-Length: 5\r\n\r\na 1\n"));
  }

  @Test
  void shouldAcceptRepeatedEqualContentLengths() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Length: 4, 4\r\nContent-Length: 4\r\n\r\na 1\n");
                  peer.request();
                });
        Node node = new Node(server.port())) {
      assertEquals("a 1\n", node.fetch());
    }
  }

  @Test
  void shouldRefuseAnUnsupportedEncoding() throws Exception {
    assertEquals(
        "unsupported encoding=br",
        reason(OK + "Content-Encoding: br\r\nContent-Length: 4\r\n\r\na 1\n"));
  }

  @Test
  void shouldReportABodyCutShort() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Length: 100\r\n\r\na 1\n");
                });
        Node node = new Node(server.port())) {
      CallException e = assertThrows(CallException.class, node::fetch);

      assertTrue(
          e.getMessage().endsWith(" reason=connection closed in the body: read=4"), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ time and failures

  @Test
  void shouldTimeOutABodyThatTricklesPastTheDeadline() throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(OK + "Content-Length: 1000\r\n\r\n");
                  for (int n = 0; n < 1000; n++) {
                    peer.send("a");
                    Thread.sleep(50); // a trickle: a byte every 50 ms
                  }
                });
        Node node = new Node(server.port(), Duration.ofMillis(500), MAX)) {
      long start = System.nanoTime();

      CallException e = assertThrows(CallException.class, () -> node.fetch(node.call(), start));
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertEquals(CallException.Failure.TIMED_OUT, e.failure());
      assertEquals("timed out: url=" + node.url() + " timeout_ms=500", e.getMessage());
      assertEquals(
          "scrape timed out: url=" + node.url() + " timeout_ms=500", e.messageFor("scrape"));
      assertTrue(millis >= 450 && millis < 2500, "returned after " + millis + " ms");
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldReportARefusedConnection() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = closed.getLocalPort();
    }
    try (Node node = new Node(port, Duration.ofSeconds(2), MAX)) {
      CallException e = assertThrows(CallException.class, node::fetch);

      assertEquals(CallException.Failure.FAILED, e.failure());
      assertTrue(
          e.getMessage()
              .startsWith("failed: url=" + node.url() + " reason=java.net.ConnectException"),
          e.getMessage());
    }
  }

  @Test
  void shouldEndABlockedReadAtOnceWhenInterruptedAndAborted() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback server = silent(asked, done);
        Node node = new Node(server.port(), Duration.ofSeconds(60), MAX)) {
      Call call = node.call();
      AtomicReference<Exception> failure = new AtomicReference<>();
      Thread calling = fetchOn(Thread.ofVirtual(), node, call, failure);
      assertTrue(asked.await(5, TimeUnit.SECONDS));
      Loopback.awaitBlockedReading(calling);
      long start = System.nanoTime();

      // as a stopping scraped node does
      calling.interrupt();
      call.abort();
      assertTrue(calling.join(Duration.ofSeconds(2)), "the call ended");
      done.countDown();

      assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
      assertTrue(failure.get() instanceof InterruptedException, String.valueOf(failure.get()));
      assertFalse(node.connected());
    }
  }

  @Test
  void shouldEndABlockedReadWhenAbortedWithoutAnInterrupt() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback server = silent(asked, done);
        Node node = new Node(server.port(), Duration.ofSeconds(60), MAX)) {
      Call call = node.call();
      AtomicReference<Exception> failure = new AtomicReference<>();
      Thread calling = fetchOn(Thread.ofPlatform(), node, call, failure);
      assertTrue(asked.await(5, TimeUnit.SECONDS));
      Loopback.awaitBlockedReading(calling);

      call.abort();
      assertTrue(calling.join(Duration.ofSeconds(2)), "the call ended");
      done.countDown();

      assertTrue(failure.get() instanceof CallException, String.valueOf(failure.get()));
      assertTrue(failure.get().getMessage().startsWith("failed: url="));
    }
  }

  @Test
  void shouldFailACallAbortedBeforeItStartsWithoutConnecting() throws Exception {
    try (Loopback server = new Loopback((peer, i) -> peer.answer(length("a 1\n")));
        Node node = new Node(server.port())) {
      Call call = node.call();
      call.abort();

      CallException e = assertThrows(CallException.class, call::execute);

      assertEquals("failed: url=" + node.url() + " reason=aborted", e.getMessage());
      assertEquals(0, server.requests.size());
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The reason of a single response that must fail, served on a fresh loopback server. */
  private static String reason(String response) throws Exception {
    try (Loopback server =
            new Loopback(
                (peer, i) -> {
                  peer.request();
                  peer.send(response);
                  peer.request();
                });
        Node node = new Node(server.port())) {
      CallException e = assertThrows(CallException.class, node::fetch);
      String prefix = "failed: url=" + node.url() + " reason=";
      assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
      assertFalse(node.connected(), "closed after a malformed response");
      return e.getMessage().substring(prefix.length());
    }
  }

  private static CallLimits limits() {
    return CallLimits.of(Duration.ofSeconds(5), MAX);
  }

  private static byte[] bytes(Node node) {
    return Arrays.copyOf(node.body.array(), node.body.length());
  }

  static byte[] length(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return concat(ascii(OK + "Content-Length: " + b.length + "\r\n\r\n"), b);
  }

  private static byte[] gzipped(byte[] zipped) {
    return concat(
        ascii(OK + "Content-Encoding: gzip\r\nContent-Length: " + zipped.length + "\r\n\r\n"),
        zipped);
  }

  /** About {@code n} bytes of exposition lines. */
  static byte[] lines(int n) {
    StringBuilder out = new StringBuilder(n + 32);
    for (int i = 0; out.length() < n; i++) {
      out.append("s{i=\"").append(i).append("\"} ").append(i).append('\n');
    }
    return Arrays.copyOf(ascii(out.toString()), n);
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A server that reads the request, counts {@code asked} down and never answers before done. */
  private static Loopback silent(CountDownLatch asked, CountDownLatch done) throws IOException {
    return new Loopback(
        (peer, i) -> {
          peer.request();
          asked.countDown();
          done.await();
        });
  }

  /** Calls once on a thread of {@code builder}; what it threw lands in {@code failure}. */
  private static Thread fetchOn(
      Thread.Builder builder, Node node, Call call, AtomicReference<Exception> failure) {
    return builder.start(
        () -> {
          try {
            node.fetch(call, System.nanoTime());
          } catch (Exception e) {
            failure.set(e);
          }
        });
  }
}
