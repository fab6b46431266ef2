package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.Fault;
import io.mscoordinator.testing.engine.FaultRule;
import io.mscoordinator.testing.engine.RawHttp;
import io.mscoordinator.testing.engine.SeenRequest;
import io.mscoordinator.testing.engine.WrittenAnswer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile or broken engine costs one request, never the process (issue 19, "Bad input and
 * faults"): each fault mode of the fake engine against one coordinator, with the answer
 * data-plane.md section 4 documents (the instance's status passed through, InferenceService's 500
 * texts, 408 once the manual clock passes a timeout, a stream ended abnormally once bytes went
 * out), while a second, healthy engine keeps serving and every request ends (in flight back to 0,
 * the faulty engine's request ended on its side too).
 */
class DataPlaneEngineFaultsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ExecutorService CLIENTS = Executors.newVirtualThreadPerTaskExecutor();

  private static final long BAD = 1;
  private static final long GOOD = 2;
  private static final Duration PAST_INFER = Duration.ofSeconds(121);

  private static ManualClock clock;
  private static FakeEngine bad;
  private static FakeEngine good;
  private static Coordinator coordinator;
  private static int predict;

  @BeforeAll
  static void start() {
    clock = new ManualClock();
    bad = FakeEngine.start(FakeEngine.Options.defaults().withModel("bad"));
    good = FakeEngine.start(FakeEngine.Options.defaults().withModel("good"));
    // high, so that the faults of one test never take the bad engine out of scheduling
    JsonObject root = DataPlaneConfigs.singleNode("round_robin", 10);
    root = Json.createPointer("/request_limit/body_limit").replace(root, Json.createValue(1));
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
    predict = coordinator.port(Coordinator.PREDICT);
  }

  @AfterAll
  static void stop() {
    CLIENTS.shutdownNow();
    coordinator.close();
    bad.close();
    good.close();
  }

  @BeforeEach
  void registerEngines() {
    for (FakeEngine e : List.of(bad, good)) {
      e.resume();
      e.reset();
    }
    // a fresh registration: no failure counted against either engine from an earlier test
    coordinator.registry().refresh(List.of());
    coordinator
        .registry()
        .refresh(
            List.of(
                DataPlaneForwardingTest.instance(BAD, bad.port(), "bad"),
                DataPlaneForwardingTest.instance(GOOD, good.port(), "good")));
  }

  @AfterEach
  void everyRequestEnded() throws Exception {
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
    assertThat(coordinator.dataPlane().waiting(), is(0));
    bad.records().awaitRunning(0, WAIT);
    assertThat(TestCoordinators.manage(coordinator).get("/v1/health").statusCode(), is(200));
  }

  // ------------------------------------------------------------------ faults before any byte

  @Test
  void shouldPassTheInstancesStatus500ThroughAndKeepServing() throws Exception {
    bad.fault(Fault.STATUS_500);
    RawHttp.Response r = post(completion("bad", false));
    assertThat(r.status(), is(500));
    assertThat(r.text(), is("fake engine fault: status=500\r\n"));
    assertThat(r.complete(), is(true));
    assertServes();
  }

  @Test
  void shouldAnswer500ConnectFailedWhenTheInstanceRefusesConnections() throws Exception {
    bad.fault(Fault.REFUSE);
    RawHttp.Response r = post(completion("bad", false));
    assertThat(r.status(), is(500));
    assertThat(r.text(), is(InferenceService.CONNECT_FAILED));
    assertServes();
  }

  @Test
  void shouldAnswer500ReadFailedWhenTheInstanceAnswersGarbage() throws Exception {
    bad.fault(Fault.GARBAGE);
    for (boolean stream : new boolean[] {false, true}) {
      RawHttp.Response r = post(completion("bad", stream));
      assertThat(r.status(), is(500));
      assertThat(r.text(), is(InferenceService.READ_FAILED));
    }
    assertServes();
  }

  @Test
  void shouldAnswer408InferTimeoutWhenANonStreamingRequestHangsBeforeItsFirstByte()
      throws Exception {
    bad.fault(Fault.HANG_BEFORE_FIRST_TOKEN);
    CompletableFuture<RawHttp.Response> hanging = postAsync(completion("bad", false));
    SeenRequest seen = awaitRequest(bad);
    // hanging is no reason to stop serving others
    assertServes();
    assertThat(hanging.isDone(), is(false));
    clock.advance(PAST_INFER);
    RawHttp.Response r = hanging.get(20, TimeUnit.SECONDS);
    assertThat(r.status(), is(408));
    assertThat(r.text(), is(InferenceService.INFER_TIMEOUT));
    assertThat(bad.records().awaitStopInfers(1, WAIT), hasItem(seen.reqId().orElseThrow()));
  }

  @Test
  void shouldAnswer408TokenizerTimeoutWhenTheTokenizerHangs() throws Exception {
    // the tokenizer goes to the instance with the fewest requests: both hang on it
    for (FakeEngine e : List.of(bad, good)) {
      e.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withPath("/v1/tokenizer"));
    }
    CompletableFuture<RawHttp.Response> hanging =
        postAsync("/v1/tokenizer", "{\"prompt\":\"hi there\"}");
    await(
        () ->
            bad.records().requests("/v1/tokenizer").size()
                    + good.records().requests("/v1/tokenizer").size()
                == 1,
        "the tokenizer request reached an engine");
    assertServes();
    // past the tokenizer's 30 s, not yet the infer timeout's 120 s
    clock.advance(Duration.ofSeconds(31));
    RawHttp.Response r = hanging.get(20, TimeUnit.SECONDS);
    assertThat(r.status(), is(408));
    assertThat(r.text(), is(InferenceService.TOKENIZER_TIMEOUT));
    good.records().awaitRunning(0, WAIT);
  }

  // ------------------------------------------------------------------ faults after bytes went out

  @Test
  void shouldEndANonStreamingAnswerAbnormallyWhenTheInstanceHangsAfterItsHeaders()
      throws Exception {
    bad.fault(Fault.HANG_AFTER_HEADERS);
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", "/v1/completions", completion("bad", false));
      // the head comes with the half body the engine wrote: the answer has started
      RawHttp.Response head = http.readHead();
      assertThat(head.status(), is(200));
      assertServes();
      clock.advance(PAST_INFER);
      RawHttp.Response r = http.readBody(head, Integer.MAX_VALUE);
      assertThat(r.complete(), is(false));
      WrittenAnswer written = awaitAnswer(bad);
      assertThat(r.text(), is(new String(written.body(), StandardCharsets.UTF_8)));
    }
    assertThat(bad.records().awaitStopInfers(1, WAIT).size(), is(1));
  }

  @Test
  void shouldEndAStreamAbnormallyAtTheInferTimeoutWhenTheInstanceHangsAfterItsFirstChunk()
      throws Exception {
    bad.fault(Fault.HANG_AFTER_HEADERS);
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", "/v1/completions", completion("bad", true));
      RawHttp.Response head = http.readHead();
      assertThat(http.readBody(head, 1).chunks().size(), is(1));
      // past the first-token timeout (60 s): the first token went out, so it no longer applies
      clock.advance(Duration.ofSeconds(61));
      assertServes();
      assertThat(
          bad.records().running().stream().filter(DataPlaneEngineFaultsTest::inference).count(),
          is(1L));
      clock.advance(Duration.ofSeconds(60));
      RawHttp.Response rest = http.readBody(head, Integer.MAX_VALUE);
      assertThat(rest.complete(), is(false));
      assertThat(rest.chunks().size(), is(0));
    }
    assertThat(bad.records().awaitStopInfers(1, WAIT).size(), is(1));
  }

  @Test
  void shouldEndTheAnswerAbnormallyWhenTheInstanceDropsMidAnswer() throws Exception {
    bad.fault(FaultRule.of(Fault.DROP_MID_STREAM).withAfterChunks(3));
    for (boolean stream : new boolean[] {true, false}) {
      bad.records().reset();
      RawHttp.Response r = post(completion("bad", stream));
      WrittenAnswer written = awaitAnswer(bad);
      assertThat("stream=" + stream, r.status(), is(200));
      assertThat("stream=" + stream, r.complete(), is(false));
      assertThat(
          "stream=" + stream, r.text(), is(new String(written.body(), StandardCharsets.UTF_8)));
    }
    assertServes();
  }

  @Test
  void shouldRelayATrickledAnswerWhole() throws Exception {
    bad.fault(FaultRule.of(Fault.TRICKLE).withTrickleDelay(Duration.ZERO));
    for (boolean stream : new boolean[] {true, false}) {
      bad.records().reset();
      RawHttp.Response r = post(completion("bad", stream));
      WrittenAnswer written = awaitAnswer(bad);
      assertThat("stream=" + stream, r.status(), is(200));
      assertThat("stream=" + stream, r.complete(), is(true));
      assertThat(
          "stream=" + stream, r.text(), is(new String(written.body(), StandardCharsets.UTF_8)));
    }
    assertServes();
  }

  @Test
  void shouldEndAnEndlessStreamAbnormallyAtTheInferTimeoutAndStopTheInstance() throws Exception {
    bad.fault(Fault.ENDLESS);
    for (boolean stream : new boolean[] {true, false}) {
      bad.records().reset();
      try (RawHttp http = new RawHttp(predict)) {
        http.send("POST", "/v1/completions", completion("bad", stream));
        RawHttp.Response head = http.readHead();
        assertThat(http.readBody(head, 50).chunks().size(), is(50));
        assertServes();
        clock.advance(PAST_INFER);
        RawHttp.Response rest = http.readBody(head, Integer.MAX_VALUE);
        assertThat("stream=" + stream, rest.complete(), is(false));
      }
      // the engine ends an endless stream at a stopInfer, as a real one would
      String id = awaitRequest(bad).reqId().orElseThrow();
      assertThat(bad.records().awaitStopInfers(1, WAIT), hasItem(id));
      bad.records().awaitRunning(0, WAIT);
    }
  }

  @Test
  void shouldCancelAnEndlessStreamWhenItsClientLeaves() throws Exception {
    bad.fault(Fault.ENDLESS);
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", "/v1/completions", completion("bad", true));
      RawHttp.Response head = http.readHead();
      http.readBody(head, 10);
    }
    String id = awaitRequest(bad).reqId().orElseThrow();
    assertThat(bad.records().awaitStopInfers(1, WAIT), hasItem(id));
    assertServes();
  }

  /**
   * A declared 10 GB body is past what the outbound layer reads of one answer (2 GiB): refused at
   * the head, before any byte reaches the client, and the engine's connection is closed.
   */
  @Test
  void shouldAnswer500ReadFailedToA10GbBodyAndCloseTheEnginesConnection() throws Exception {
    bad.fault(Fault.HUGE_BODY);
    RawHttp.Response r = post(completion("bad", false));
    assertThat(r.status(), is(500));
    assertThat(r.text(), is(InferenceService.READ_FAILED));
    WrittenAnswer written = awaitAnswer(bad);
    assertThat(written.status(), is(200));
    assertThat(written.complete(), is(false));
    assertServes();
  }

  // ------------------------------------------------------------------ helpers

  /** The healthy engine still answers a whole request, streaming and not. */
  private static void assertServes() throws IOException {
    for (boolean stream : new boolean[] {false, true}) {
      RawHttp.Response r = post(completion("good", stream));
      assertThat("healthy engine, stream=" + stream + ": " + r.text(), r.status(), is(200));
      assertThat(r.complete(), is(true));
    }
  }

  static String completion(String model, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"prompt\":\"hi\",\"max_tokens\":8"
        + (stream ? ",\"stream\":true" : "")
        + "}";
  }

  private static RawHttp.Response post(String body) throws IOException {
    return post("/v1/completions", body);
  }

  private static RawHttp.Response post(String path, String body) throws IOException {
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", path, body);
      return http.read();
    }
  }

  private static CompletableFuture<RawHttp.Response> postAsync(String body) {
    return postAsync("/v1/completions", body);
  }

  private static CompletableFuture<RawHttp.Response> postAsync(String path, String body) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return post(path, body);
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        },
        CLIENTS);
  }

  /** Not the coordinator's own calls: its scrapes of /metrics, its stopInfer. */
  static boolean inference(SeenRequest r) {
    return !r.path().equals("/metrics") && !r.path().endsWith("/stopInfer");
  }

  /** The first inference request {@code engine} saw since its reset. */
  private static SeenRequest awaitRequest(FakeEngine engine) throws InterruptedException {
    engine
        .records()
        .await(
            e -> e.requests().stream().anyMatch(DataPlaneEngineFaultsTest::inference),
            WAIT,
            "an inference request");
    return engine.records().requests().stream()
        .filter(DataPlaneEngineFaultsTest::inference)
        .findFirst()
        .orElseThrow();
  }

  /** The first inference answer {@code engine} wrote (whole or cut) since its reset. */
  private static WrittenAnswer awaitAnswer(FakeEngine engine) throws InterruptedException {
    engine
        .records()
        .await(
            e -> e.answers().stream().anyMatch(a -> inference(a.request())),
            WAIT,
            "an inference answer");
    return engine.records().answers().stream()
        .filter(a -> inference(a.request()))
        .findFirst()
        .orElseThrow();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Eventually.await(condition, what, WAIT);
  }

  static Instance instance(long id, FakeEngine engine) {
    return DataPlaneForwardingTest.instance(id, engine.port(), engine.options().model());
  }
}
