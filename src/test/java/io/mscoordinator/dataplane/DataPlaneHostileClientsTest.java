package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.either;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.sameInstance;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Hostile;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.RawHttp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients on the predict listener (issue 19, "Bad input and faults"), as {@code
 * server.HostileClientsTest} does on the manage listener, plus JSON bombs, invalid UTF-8 and header
 * floods: each gets its status (400, 413) or waits or is closed, while the health probe and a
 * well-behaved client keep being served. After each test: the registry is the one from before (the
 * same object), nothing is in flight and the file descriptors come back.
 *
 * <p>{@code max_requests} is 4 here, so the listener takes at most 12 connections and 12 requests
 * at once; the body limit is 2 MB.
 */
class DataPlaneHostileClientsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int MAX_REQUESTS = 4;
  private static final int MAX_CONNECTIONS = 3 * MAX_REQUESTS;
  private static final int BODY_LIMIT = 2 << 20;
  private static final String GOOD = "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":4}";

  private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

  private static FakeEngine llama;
  private static Coordinator coordinator;
  private static int predict;

  /** One client of the manage listener for the whole class: each holds descriptors until GC. */
  private static TestHttp manage;

  private ClusterView before;
  private long fdsBefore;
  private int engineConnectionsBefore;

  @BeforeAll
  static void start() {
    llama = FakeEngine.start(FakeEngine.Options.defaults().withModel("llama"));
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder()
                    .add("deploy_mode", "single_node")
                    .add("algorithm_type", "round_robin")
                    .build());
    root =
        Json.createPointer("/request_limit/max_requests")
            .replace(root, Json.createValue(MAX_REQUESTS));
    root = Json.createPointer("/request_limit/body_limit").replace(root, Json.createValue(2));
    ManualClock clock = new ManualClock();
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
    predict = coordinator.port(Coordinator.PREDICT);
    manage = TestCoordinators.manage(coordinator);
    coordinator
        .registry()
        .refresh(List.of(DataPlaneForwardingTest.instance(1, llama.port(), "llama")));
  }

  @AfterAll
  static void stop() {
    THREADS.shutdownNow();
    coordinator.close();
    llama.close();
  }

  @BeforeEach
  void remember() throws IOException {
    // a well-behaved request first, so that the pool's connection is in the baseline
    assertServes();
    assertThat(manage.status("/v1/health"), is(200));
    before = coordinator.registry().view();
    fdsBefore = Hostile.openFileDescriptors();
    engineConnectionsBefore = llama.records().connectionsOpen();
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertServes();
    assertThat(coordinator.registry().view(), sameInstance(before));
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
    // the outbound pool may keep more connections to the engine than before: both ends are here
    int kept = Math.max(0, llama.records().connectionsOpen() - engineConnectionsBefore);
    Hostile.awaitFileDescriptorsAtMost(fdsBefore + 2L * kept + 16, WAIT);
  }

  // ------------------------------------------------------------------ bodies

  @Test
  void shouldAnswer413ToAnEndlessChunkedBody() throws Exception {
    String status;
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + "c\r\n{\"prompt\":\"x\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk =
          (Integer.toHexString(65_536) + "\r\n" + "x".repeat(65_536) + "\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      try {
        // at most 64 MB: the server stops reading long before
        for (int i = 0; i < 1024; i++) {
          out.write(chunk);
        }
      } catch (IOException closedByServer) {
        // expected: answered and closed past the limit
      }
      status = Hostile.statusLine(socket.getInputStream());
    }
    assertThat(status, is("HTTP/1.1 413 Request Entity Too Large"));
  }

  @Test
  void shouldAnswer413WithTheReasonToADeclaredLengthPastTheLimit() throws Exception {
    try (RawHttp http = new RawHttp(predict)) {
      http.sendRaw(
          "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + (BODY_LIMIT + 1)
              + "\r\n\r\n{\"prompt\":\"");
      RawHttp.Response r = http.read();
      assertThat(r.status(), is(413));
      assertThat(r.text(), startsWith("Request body too large: limit_bytes=" + BODY_LIMIT));
    }
  }

  @Test
  void shouldAnswer400ToABrokenChunkSize() throws Exception {
    try (RawHttp http = new RawHttp(predict)) {
      http.sendRaw(
          "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "zz\r\n{}\r\n0\r\n\r\n");
      assertThat(http.readHead().status(), is(400));
    }
  }

  @Test
  void shouldForgetClientsThatDieMidBody() throws Exception {
    byte[] body = GOOD.getBytes(StandardCharsets.UTF_8);
    int forwarded = llama.records().requests("/v1/completions").size();
    for (int i = 0; i < 200; i++) {
      try (Socket socket = connect()) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    + body.length
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length / 2 + i % 7);
        out.flush();
      }
    }
    // none of them reached the engine
    assertThat(llama.records().requests("/v1/completions").size(), is(forwarded));
  }

  /**
   * Slow bodies, fewer than {@code max_requests}: each holds a request slot while it trickles in,
   * the others are served meanwhile, and each is answered once whole.
   */
  @Test
  void shouldServeOthersWhileClientsSendTheirBodiesSlowly() throws Exception {
    slowBodies(MAX_REQUESTS - 1);
  }

  /**
   * Slow bodies, as many as {@code max_requests}: a request takes an admission slot only once its
   * body is read (as MindIE's server reads a whole body before admission), so clients that trickle
   * their bodies hold no slot and well-behaved clients are served meanwhile.
   */
  @Test
  void shouldServeOthersWhileAsManyClientsAsMaxRequestsSendTheirBodiesSlowly() throws Exception {
    slowBodies(MAX_REQUESTS);
  }

  private void slowBodies(int n) throws Exception {
    byte[] body = GOOD.getBytes(StandardCharsets.UTF_8);
    List<RawHttp> slow = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        RawHttp http = new RawHttp(predict);
        slow.add(http);
        http.sendRaw(
            "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                + body.length
                + "\r\n\r\n");
      }
      for (int b = 0; b < body.length; b++) {
        for (RawHttp http : slow) {
          http.socket.getOutputStream().write(body[b]);
        }
        if (b % 8 == 0) {
          assertServes();
          assertThat(manage.status("/v1/health"), is(200));
        }
      }
      for (RawHttp http : slow) {
        assertThat(http.read().status(), is(200));
      }
    } finally {
      for (RawHttp http : slow) {
        http.close();
      }
    }
  }

  // ------------------------------------------------------------------ JSON bombs, encodings

  @Test
  void shouldAnswer400ToDeepNesting() throws Exception {
    String deep = "{\"prompt\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    RawHttp.Response r = post("/v1/completions", deep);
    assertThat(r.status(), is(400));
    assertThat(r.text(), startsWith("Invalid request format: "));
    assertThat(post("/infer", "{\"inputs\":\"a\",\"inputs\":\"b\"}").status(), is(400));
  }

  @Test
  void shouldForwardA1MbStringAndA100kKeyObjectWithinTheLimit() throws Exception {
    String big = "{\"model\":\"llama\",\"prompt\":\"" + "x".repeat(1 << 20) + "\"}";
    assertThat(post("/v1/completions", big).status(), is(200));
    StringBuilder keys = new StringBuilder("{\"model\":\"llama\",\"prompt\":\"hi\"");
    for (int i = 0; i < 100_000; i++) {
      keys.append(",\"k").append(i).append("\":0");
    }
    keys.append('}');
    assertThat(keys.length(), lessThanOrEqualTo(BODY_LIMIT));
    assertThat(post("/v1/completions", keys.toString()).status(), is(200));
  }

  /**
   * Bytes that are not UTF-8 where JSON syntax is expected are refused. Inside a string the parser
   * reads them as U+FFFD, so such a body is admitted and its bytes go to the instance unchanged
   * (the coordinator never rewrites a body): the engine is the one to judge its prompt's text.
   */
  @Test
  void shouldRefuseInvalidUtf8OutsideStringsAndRelayItInsideThemUnchanged() throws Exception {
    byte[] outside = {'{', (byte) 0xff, (byte) 0xfe, ':', '1', '}'};
    assertThat(postBytes("/v1/completions", outside).status(), is(400));
    byte[] key = {'{', '"', (byte) 0xc3, '"', ':', '1', '}'};
    assertThat(postBytes("/v1/completions", key).status(), is(400));
    ByteArrayOutputStream inside = new ByteArrayOutputStream();
    inside.writeBytes("{\"model\":\"llama\",\"prompt\":\"a".getBytes(StandardCharsets.US_ASCII));
    inside.writeBytes(new byte[] {(byte) 0xff, (byte) 0xc0, (byte) 0x80, (byte) 0xed});
    inside.writeBytes("\"}".getBytes(StandardCharsets.US_ASCII));
    llama.records().reset();
    RawHttp.Response r = postBytes("/v1/completions", inside.toByteArray());
    assertThat(r.status(), is(200));
    byte[] seen = llama.records().requests("/v1/completions").get(0).body();
    assertThat(java.util.Arrays.equals(seen, inside.toByteArray()), is(true));
  }

  // ------------------------------------------------------------------ headers

  @Test
  void shouldAnswer400ToAHeaderFlood() throws Exception {
    StringBuilder flood = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      flood.append("X-Flood-").append(i).append(": a\r\n");
    }
    assertThat(headers(flood.toString()), either(is("HTTP/1.1 400 Bad Request")).or(is("reset")));
    assertThat(
        headers("X-Junk: " + "a".repeat(64 << 10) + "\r\n"),
        either(is("HTTP/1.1 400 Bad Request")).or(is("reset")));
  }

  private static String headers(String extra) throws IOException {
    try (Socket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      byte[] body = GOOD.getBytes(StandardCharsets.UTF_8);
      out.write(
          ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + extra
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return Hostile.statusLine(socket.getInputStream());
    } catch (IOException resetWhileWriting) {
      return "reset";
    }
  }

  @Test
  void shouldServeOthersWhileClientsSendTheirHeadersOneByteAtATime() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      // fewer than the connection limit: the well-behaved client needs a slot too
      for (int i = 0; i < MAX_CONNECTIONS - 2; i++) {
        slow.add(connect());
      }
      byte[] body = GOOD.getBytes(StandardCharsets.UTF_8);
      byte[] head =
          ("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                  + body.length
                  + "\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      for (int b = 0; b < head.length; b++) {
        for (Socket socket : slow) {
          socket.getOutputStream().write(head[b]);
        }
        if (b % 8 == 0) {
          assertServes();
        }
      }
      for (Socket socket : slow) {
        socket.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
      }
      // their requests now compete for max_requests: each is served or told 429
      for (Socket socket : slow) {
        assertThat(
            Hostile.statusLine(socket.getInputStream()),
            either(is("HTTP/1.1 200 OK")).or(is("HTTP/1.1 429 Too Many Requests")));
      }
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  // ------------------------------------------------------------------ connections

  /**
   * Connections past the listener's limit (3 × {@code max_requests}) wait in the kernel's accept
   * queue, unanswered: 100 more than the limit are attempted while the limit's worth sit idle. The
   * manage listener's probe answers throughout; when the idle ones leave, the waiting clients are
   * served in order, a well-behaved one among them.
   */
  @Test
  void shouldQueueConnectionsPastTheLimitAndServeThemAsSlotsFree() throws Exception {
    List<Socket> idle = new ArrayList<>();
    List<Socket> queued = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        idle.add(connect());
      }
      for (int i = 0; i < 100; i++) {
        Socket s = connect();
        s.setSoTimeout(500);
        s.getOutputStream()
            .write(
                "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        queued.add(s);
      }
      Future<RawHttp.Response> wellBehaved = THREADS.submit(() -> post("/v1/completions", GOOD));
      assertThat(manage.status("/v1/health"), is(200));
      assertThat(Hostile.statusLine(queued.get(0).getInputStream()), is("timeout"));
      assertThat(wellBehaved.isDone(), is(false));
      for (Socket s : idle) {
        s.close();
      }
      for (Socket s : queued) {
        s.setSoTimeout(10_000);
        assertThat(Hostile.statusLine(s.getInputStream()), is("HTTP/1.1 200 OK"));
        s.close();
      }
      assertThat(wellBehaved.get(20, TimeUnit.SECONDS).status(), is(200));
    } finally {
      for (Socket s : idle) {
        s.close();
      }
      for (Socket s : queued) {
        s.close();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void assertServes() throws IOException {
    RawHttp.Response r = post("/v1/completions", GOOD);
    assertThat("well-behaved client: " + r.text(), r.status(), is(200));
    assertThat(r.complete(), is(true));
  }

  private static RawHttp.Response post(String path, String body) throws IOException {
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", path, body);
      return http.read();
    }
  }

  private static RawHttp.Response postBytes(String path, byte[] body) throws IOException {
    try (RawHttp http = new RawHttp(predict)) {
      OutputStream out = http.socket.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return http.read();
    }
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", predict);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Eventually.await(condition, what, WAIT);
  }
}
