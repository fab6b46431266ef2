package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.Eventually;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node scrape client against loopback servers scripted byte by byte: framing, keep-alive,
 * limits, timeouts and malformed answers. Each server serves each connection on its own thread and
 * is closed by the test.
 */
@Timeout(20)
class ScrapeClientTest {
  private static final int MAX = 1 << 20;
  private static final String OK = "HTTP/1.1 200 OK\r\n";

  // ------------------------------------------------------------------ framing

  @Test
  void shouldSendAGetWithHostAcceptEncodingAndUserAgent() throws Exception {
    try (Loopback node = new Loopback((peer, i) -> peer.answer(length("a 1\n")))) {
      fetch(client(node));

      String request = node.requests.getFirst();
      assertEquals(
          "GET /metrics HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + node.port()
              + "\r\n"
              + "Accept: "
              + ScrapeClient.ACCEPT
              + "\r\n"
              + "Accept-Encoding: gzip\r\n"
              + "User-Agent: ms-coordinator\r\n\r\n",
          request);
    }
  }

  @Test
  void shouldBracketAnIpv6HostInTheUrl() {
    ScrapeClient client = new ScrapeClient("::1", 9100, Duration.ofSeconds(1), MAX, null, null);

    assertEquals("http://[::1]:9100/metrics", client.url());
  }

  @Test
  void shouldReadAContentLengthBody() throws Exception {
    String body = "# TYPE a counter\na_total 1\n";
    try (Loopback node = new Loopback((peer, i) -> peer.answer(length(body)))) {
      ScrapeClient client = client(node);

      assertEquals(body, fetch(client));
      assertFalse(client.openMetrics());
    }
  }

  @Test
  void shouldReadALargeContentLengthBodySentInPieces() throws Exception {
    byte[] body = lines(200_000);
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Length: " + body.length + "\r\n\r\n");
              for (int from = 0; from < body.length; from += 30_000) {
                peer.send(Arrays.copyOfRange(body, from, Math.min(body.length, from + 30_000)));
                Thread.sleep(5); // the body arrives in pieces: a gap between them
              }
              peer.request();
            })) {
      ScrapeClient client = client(node);
      client.fetch(System.nanoTime());

      assertArrayEquals(body, Arrays.copyOf(client.body(), client.bodyLength()));
    }
  }

  @Test
  void shouldReadAChunkedBodyWithExtensionsAndTrailers() throws Exception {
    byte[] big = lines(40_000);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes("hello world\n".getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(big);
    try (Loopback node =
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
            })) {
      ScrapeClient client = client(node);
      client.fetch(System.nanoTime());

      assertArrayEquals(expected.toByteArray(), Arrays.copyOf(client.body(), client.bodyLength()));
      assertTrue(client.connected(), "kept alive after the trailers");
    }
  }

  @Test
  void shouldGunzipAContentLengthBodyAndNoteOpenMetrics() throws Exception {
    String body = "# TYPE a counter\na_total 1\n# EOF\n";
    byte[] zipped = gzip(body.getBytes(StandardCharsets.UTF_8));
    try (Loopback node =
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
            })) {
      ScrapeClient client = client(node);

      assertEquals(body, fetch(client));
      assertTrue(client.openMetrics());
    }
  }

  @Test
  void shouldGunzipAChunkedBody() throws Exception {
    byte[] body = lines(100_000);
    byte[] zipped = gzip(body);
    try (Loopback node =
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
            })) {
      ScrapeClient client = client(node);
      client.fetch(System.nanoTime());

      assertArrayEquals(body, Arrays.copyOf(client.body(), client.bodyLength()));
    }
  }

  @Test
  void shouldGunzipTwoConcatenatedMembers() throws Exception {
    byte[] zipped = concat(gzip(ascii("a 1\n")), gzip(ascii("b 2\n")));
    try (Loopback node = new Loopback((peer, i) -> peer.answer(gzipped(zipped)))) {
      assertEquals("a 1\nb 2\n", fetch(client(node)));
    }
  }

  @Test
  void shouldReadABodyToTheEndOfTheConnectionWhenItHasNoLength() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Type: text/plain\r\n\r\na 1\n");
              Thread.sleep(20); // the body in two reads before the close ends it
              peer.send("b 2\n");
            })) {
      ScrapeClient client = client(node);

      assertEquals("a 1\nb 2\n", fetch(client));
      assertFalse(client.connected(), "a body framed by the close ends the connection");
    }
  }

  @Test
  void shouldReadAnHttp10ResponseAndNotKeepItsConnection() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\na 1\n");
              peer.request();
            })) {
      ScrapeClient client = client(node);

      assertEquals("a 1\n", fetch(client));
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldSkipAnInterimResponse() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n");
              peer.send(OK + "Content-Length: 4\r\n\r\na 1\n");
              peer.request();
            })) {
      assertEquals("a 1\n", fetch(client(node)));
    }
  }

  // ------------------------------------------------------------------ keep-alive

  @Test
  void shouldReuseOneConnectionAndOneBodyBufferForThreeScrapes() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              for (int n = 1; peer.request() != null; n++) {
                peer.send(length("a " + n + "\n"));
              }
            })) {
      ScrapeClient client = client(node);

      assertEquals("a 1\n", fetch(client));
      byte[] buffer = client.body();
      assertEquals("a 2\n", fetch(client));
      assertEquals("a 3\n", fetch(client));

      assertEquals(1, node.connections.get());
      assertEquals(3, node.requests.size());
      assertSame(buffer, client.body(), "the body buffer is reused");
    }
  }

  @Test
  void shouldShrinkTheBodyBufferAfterManyBodiesFarSmallerThanIt() throws Exception {
    byte[] big = lines(512 * 1024);
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(concat(ascii(OK + "Content-Length: " + big.length + "\r\n\r\n"), big));
              while (peer.request() != null) {
                peer.send(length("a 1\n"));
              }
            })) {
      ScrapeClient client = client(node);
      client.fetch(System.nanoTime());
      assertTrue(client.body().length >= big.length);

      for (int n = 0; n < 150; n++) { // past two looks at the buffers, 64 fetches apart
        assertEquals("a 1\n", fetch(client));
      }

      assertTrue(client.body().length < big.length, "length " + client.body().length);
      assertEquals(1, node.connections.get());
    }
  }

  @Test
  void shouldReconnectWhenTheServerClosedTheKeptConnection() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger clientPort = new AtomicInteger();
    try (Loopback node =
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
            })) {
      ScrapeClient client = client(node);
      assertEquals("a 1\n", fetch(client));
      assertTrue(closed.await(5, TimeUnit.SECONDS));
      awaitFinReceived(clientPort.get(), node.port());

      assertEquals("a 2\n", fetch(client));
      assertEquals(2, node.connections.get());
    }
  }

  @Test
  void shouldCloseTheConnectionWhenTheServerSaysClose() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Connection: keep-alive, Close\r\nContent-Length: 4\r\n\r\na 1\n");
              peer.request();
            })) {
      ScrapeClient client = client(node);
      fetch(client);

      assertFalse(client.connected());
      assertEquals("a 1\n", fetch(client));
      assertEquals(2, node.connections.get());
    }
  }

  @Test
  void shouldCloseTheKeptConnectionWhenClosed() throws Exception {
    CountDownLatch hungUp = new CountDownLatch(1);
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(length("a 1\n"));
              if (peer.request() == null) {
                hungUp.countDown();
              }
            })) {
      ScrapeClient client = client(node);
      fetch(client);
      assertTrue(client.connected());

      client.close();

      assertTrue(hungUp.await(2, TimeUnit.SECONDS), "the server saw the connection end");
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldReportA500AndScrapeAgainOnTheSameConnection() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops\n");
              peer.request();
              peer.send(length("a 1\n"));
              peer.request();
            })) {
      ScrapeClient client = client(node);

      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));
      assertEquals(
          "scrape failed: url=http://127.0.0.1:" + node.port() + "/metrics status=500",
          e.getMessage());
      assertTrue(client.connected(), "the error body was read and the connection kept");
      assertEquals("a 1\n", fetch(client));
      assertEquals(1, node.connections.get());
    }
  }

  // ------------------------------------------------------------------ limits

  @Test
  void shouldRefuseADeclaredLengthOverTheLimitWithoutReadingTheBody() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Length: 2000000\r\n\r\n");
              done.await(); // never sends the body
            })) {
      ScrapeClient client = client(node, Duration.ofSeconds(5), MAX);
      long start = System.nanoTime();

      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));
      long millis = (System.nanoTime() - start) / 1_000_000;
      done.countDown();

      assertTrue(e.getMessage().startsWith("body too large: limit=1048576 content_length=2000000"));
      assertTrue(millis < 2000, "did not wait for the body: " + millis + " ms");
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldStopReadingAStreamedBodyAsSoonAsItPassesTheLimit() throws Exception {
    AtomicInteger sent = new AtomicInteger();
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "\r\n");
              byte[] piece = lines(8 * 1024);
              while (true) {
                peer.send(piece);
                sent.addAndGet(piece.length);
              }
            })) {
      ScrapeClient client = client(node, Duration.ofSeconds(10), 64 * 1024);

      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));

      assertTrue(e.getMessage().startsWith("body too large: limit=65536 url="), e.getMessage());
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldStopReadingAnEndlessChunkedBodyAtTheLimit() throws Exception {
    try (Loopback node =
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
            })) {
      ScrapeClient client = client(node, Duration.ofSeconds(10), 64 * 1024);

      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));

      assertTrue(e.getMessage().startsWith("body too large: limit=65536 url="), e.getMessage());
    }
  }

  @Test
  void shouldRefuseAGzipBombPastTheLimit() throws Exception {
    byte[] bomb = gzip(new byte[16 << 20]);
    try (Loopback node = new Loopback((peer, i) -> peer.answer(gzipped(bomb)))) {
      ScrapeClient client = client(node);

      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));

      assertTrue(bomb.length < MAX, "the compressed body is within the limit");
      assertTrue(e.getMessage().startsWith("body too large after gunzip: url="), e.getMessage());
      assertTrue(e.getMessage().endsWith(" limit=" + MAX), e.getMessage());
    }
  }

  @Test
  void shouldTakeAGzippedBodyOfExactlyTheLimit() throws Exception {
    byte[] body = lines(64 * 1024);
    try (Loopback node = new Loopback((peer, i) -> peer.answer(gzipped(gzip(body))))) {
      ScrapeClient client = client(node, Duration.ofSeconds(5), body.length);
      client.fetch(System.nanoTime());

      assertArrayEquals(body, Arrays.copyOf(client.body(), client.bodyLength()));
    }
  }

  @Test
  void shouldRefuseABodyThatIsNotGzipAsItClaims() throws Exception {
    byte[] good = gzip(lines(4096));
    byte[] truncated = Arrays.copyOf(good, good.length - 12);
    byte[] badCrc = good.clone();
    badCrc[badCrc.length - 8] ^= 1;
    for (byte[] zipped : List.of(ascii("a 1\n"), truncated, badCrc)) {
      try (Loopback node = new Loopback((peer, i) -> peer.answer(gzipped(zipped)))) {
        ScrapeClient client = client(node);

        ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));

        assertTrue(
            e.getMessage()
                .startsWith(
                    "bad gzip body: url=http://127.0.0.1:" + node.port() + "/metrics reason="),
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
    String huge = "X-Pad: " + "p".repeat(ScrapeClient.MAX_HEADER_BYTES) + "\r\n";

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
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Length: 4, 4\r\nContent-Length: 4\r\n\r\na 1\n");
              peer.request();
            })) {
      assertEquals("a 1\n", fetch(client(node)));
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
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Length: 100\r\n\r\na 1\n");
            })) {
      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client(node)));

      assertTrue(
          e.getMessage().endsWith(" reason=connection closed in the body: read=4"), e.getMessage());
    }
  }

  // ------------------------------------------------------------------ time and failures

  @Test
  void shouldTimeOutABodyThatTricklesPastTheDeadline() throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(OK + "Content-Length: 1000\r\n\r\n");
              for (int n = 0; n < 1000; n++) {
                peer.send("a");
                Thread.sleep(50); // a trickle: a byte every 50 ms
              }
            })) {
      ScrapeClient client = client(node, Duration.ofMillis(500), MAX);
      long start = System.nanoTime();

      ScrapeException e = assertThrows(ScrapeException.class, () -> client.fetch(start));
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertEquals(
          "scrape timed out: url=http://127.0.0.1:" + node.port() + "/metrics timeout_ms=500",
          e.getMessage());
      assertTrue(millis >= 450 && millis < 2500, "returned after " + millis + " ms");
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldReportARefusedConnection() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = closed.getLocalPort();
    }
    ScrapeClient client =
        new ScrapeClient("127.0.0.1", port, Duration.ofSeconds(2), MAX, null, null);

    ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));

    assertTrue(
        e.getMessage()
            .startsWith(
                "scrape failed: url=http://127.0.0.1:"
                    + port
                    + "/metrics reason=java.net.ConnectException"),
        e.getMessage());
  }

  @Test
  void shouldEndABlockedReadAtOnceWhenItsNodeStops() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback node = silent(asked, done)) {
      ScrapeClient client = client(node, Duration.ofSeconds(60), MAX);
      AtomicReference<Exception> failure = new AtomicReference<>();
      Thread scraping = fetchOn(Thread.ofVirtual(), client, failure);
      assertTrue(asked.await(5, TimeUnit.SECONDS));
      awaitBlockedReading(scraping);
      long start = System.nanoTime();

      // as NodeScraper.Node#stop does
      scraping.interrupt();
      client.abort();
      assertTrue(scraping.join(Duration.ofSeconds(2)), "the fetch ended");
      done.countDown();

      assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
      assertTrue(failure.get() instanceof InterruptedException, String.valueOf(failure.get()));
      assertFalse(client.connected());
    }
  }

  @Test
  void shouldEndABlockedReadWhenAbortedWithoutAnInterrupt() throws Exception {
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    try (Loopback node = silent(asked, done)) {
      ScrapeClient client = client(node, Duration.ofSeconds(60), MAX);
      AtomicReference<Exception> failure = new AtomicReference<>();
      Thread scraping = fetchOn(Thread.ofPlatform(), client, failure);
      assertTrue(asked.await(5, TimeUnit.SECONDS));
      awaitBlockedReading(scraping);

      client.abort();
      assertTrue(scraping.join(Duration.ofSeconds(2)), "the fetch ended");
      done.countDown();

      assertTrue(failure.get() instanceof ScrapeException, String.valueOf(failure.get()));
      assertTrue(failure.get().getMessage().startsWith("scrape failed: url="));
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The reason of a single response that must fail, served on a fresh loopback server. */
  private static String reason(String response) throws Exception {
    try (Loopback node =
        new Loopback(
            (peer, i) -> {
              peer.request();
              peer.send(response);
              peer.request();
            })) {
      ScrapeClient client = client(node);
      ScrapeException e = assertThrows(ScrapeException.class, () -> fetch(client));
      String prefix = "scrape failed: url=http://127.0.0.1:" + node.port() + "/metrics reason=";
      assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
      assertFalse(client.connected(), "closed after a malformed response");
      return e.getMessage().substring(prefix.length());
    }
  }

  private static ScrapeClient client(Loopback node) {
    return client(node, Duration.ofSeconds(5), MAX);
  }

  private static ScrapeClient client(Loopback node, Duration timeout, int max) {
    return new ScrapeClient("127.0.0.1", node.port(), timeout, max, null, null);
  }

  private static String fetch(ScrapeClient client) throws Exception {
    client.fetch(System.nanoTime());
    return new String(client.body(), 0, client.bodyLength(), StandardCharsets.UTF_8);
  }

  private static byte[] length(String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return concat(ascii(OK + "Content-Length: " + b.length + "\r\n\r\n"), b);
  }

  private static byte[] gzipped(byte[] zipped) {
    return concat(
        ascii(OK + "Content-Encoding: gzip\r\nContent-Length: " + zipped.length + "\r\n\r\n"),
        zipped);
  }

  /** About {@code n} bytes of exposition lines. */
  private static byte[] lines(int n) {
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

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** What a loopback server does with one accepted connection, the {@code i}th. */
  private interface Script {
    void serve(Peer peer, int i) throws Exception;
  }

  /** The server's side of one connection. */
  private static final class Peer {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final List<String> requests;

    Peer(Socket socket, List<String> requests) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
      this.requests = requests;
    }

    /** Reads a request head; null when the client closed the connection first. */
    String request() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        head.write(b);
        byte[] h = head.toByteArray();
        int n = h.length;
        if (n >= 4
            && h[n - 4] == '\r'
            && h[n - 3] == '\n'
            && h[n - 2] == '\r'
            && h[n - 1] == '\n') {
          String request = head.toString(StandardCharsets.US_ASCII);
          requests.add(request);
          return request;
        }
      }
    }

    /** Reads a request and sends {@code response}, then waits for the next request or the end. */
    void answer(byte[] response) throws IOException {
      request();
      send(response);
      request();
    }

    void send(String ascii) throws IOException {
      send(ascii(ascii));
    }

    void send(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }
  }

  /**
   * A node that reads the request, counts {@code asked} down and never answers before {@code done}.
   */
  private static Loopback silent(CountDownLatch asked, CountDownLatch done) throws IOException {
    return new Loopback(
        (peer, i) -> {
          peer.request();
          asked.countDown();
          done.await();
        });
  }

  /**
   * Waits until {@code thread} waits for bytes on its socket: a {@code park} frame of the JDK's
   * socket layer ({@code sun.nio.ch}) is on its stack, as for a platform thread in {@code poll} and
   * a virtual thread parked on the poller.
   */
  private static void awaitBlockedReading(Thread thread) throws InterruptedException {
    boolean blocked =
        Eventually.poll(
            () -> parkedOnSocket(thread), b -> b, Duration.ofSeconds(5), Duration.ofMillis(1));
    assertTrue(blocked, "blocked reading: " + Arrays.toString(thread.getStackTrace()));
  }

  private static boolean parkedOnSocket(Thread thread) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().startsWith("sun.nio.ch.") && frame.getMethodName().equals("park")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits until the kernel holds the client's end of a loopback connection in CLOSE_WAIT: the
   * server's FIN has reached it ({@code /proc/net/tcp} and {@code tcp6}, state {@code 08}).
   */
  private static void awaitFinReceived(int clientPort, int serverPort) throws InterruptedException {
    boolean received =
        Eventually.poll(
            () -> closeWait(clientPort, serverPort),
            b -> b,
            Duration.ofSeconds(5),
            Duration.ofMillis(1));
    assertTrue(received, "FIN received: client_port=" + clientPort + " server_port=" + serverPort);
  }

  private static boolean closeWait(int clientPort, int serverPort) {
    String local = String.format(":%04X", clientPort);
    String remote = String.format(":%04X", serverPort);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 3 && f[1].endsWith(local) && f[2].endsWith(remote) && f[3].equals("08")) {
            return true;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return false;
  }

  /** Fetches once on a thread of {@code builder}; what it threw lands in {@code failure}. */
  private static Thread fetchOn(
      Thread.Builder builder, ScrapeClient client, AtomicReference<Exception> failure) {
    return builder.start(
        () -> {
          try {
            client.fetch(System.nanoTime());
          } catch (Exception e) {
            failure.set(e);
          }
        });
  }

  /** A server on 127.0.0.1 that runs its script on each connection, each on its own thread. */
  private static final class Loopback implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final ServerSocket server;

    Loopback(Script script) throws IOException {
      server = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (true) {
                      Socket s;
                      try {
                        s = server.accept();
                      } catch (IOException e) {
                        return; // closed
                      }
                      int i = connections.getAndIncrement();
                      sockets.add(s);
                      threads.add(
                          Thread.ofVirtual()
                              .start(
                                  () -> {
                                    try (s) {
                                      script.serve(new Peer(s, requests), i);
                                    } catch (Exception e) {
                                      // the client hung up or the test ended
                                    }
                                  }));
                    }
                  }));
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
      try {
        for (Thread t : threads) {
          t.interrupt();
          t.join(Duration.ofSeconds(5));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
