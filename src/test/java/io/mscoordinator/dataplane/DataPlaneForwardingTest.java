package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Samples;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data plane over real sockets: a client on the predict listener, one coordinator, fake engines
 * that speak each dialect, and a clock the test advances by hand for the timeouts.
 */
class DataPlaneForwardingTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /**
   * Clients that block on their answer: one virtual thread each (the common pool has 1 on 2 cores).
   */
  private static final ExecutorService CLIENTS = Executors.newVirtualThreadPerTaskExecutor();

  private static final long LLAMA = 1;
  private static final long QWEN = 2;
  private static final long SLOW = 3;

  private static ManualClock clock;
  private static FakeEngine llama;
  private static FakeEngine qwen;
  private static FakeEngine slow;
  private static Coordinator coordinator;
  private static int predict;

  @BeforeAll
  static void start() {
    clock = new ManualClock();
    llama = FakeEngine.start(FakeEngine.Options.defaults().withModel("llama"));
    qwen = FakeEngine.start(FakeEngine.Options.defaults().withModel("qwen"));
    slow =
        FakeEngine.start(
            FakeEngine.Options.defaults()
                .withModel("slow")
                .withOutputTokens(400)
                .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(20)));
    JsonObject root = DataPlaneConfigs.singleNode("round_robin", 2);
    root =
        Json.createPointer("/request_limit/single_node_max_requests")
            .add(
                Json.createPointer("/request_limit/body_limit").replace(root, Json.createValue(1)),
                Json.createValue(4));
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
    predict = coordinator.port(Coordinator.PREDICT);
  }

  @AfterAll
  static void stop() {
    CLIENTS.shutdownNow();
    coordinator.close();
    llama.close();
    qwen.close();
    slow.close();
  }

  @BeforeEach
  void registerEngines() {
    for (FakeEngine e : List.of(llama, qwen, slow)) {
      e.clearFaults();
      e.reset();
    }
    coordinator.registry().refresh(List.of());
    coordinator
        .registry()
        .refresh(
            List.of(
                instance(LLAMA, llama.port(), "llama"),
                instance(QWEN, qwen.port(), "qwen"),
                instance(SLOW, slow.port(), "slow")));
  }

  static Instance instance(long id, int port, String model) {
    return new Instance(
        id,
        "127.0.0.1",
        port,
        port,
        model,
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        Role.PREFILL,
        200,
        1024,
        List.of());
  }

  private static RawHttp.Response post(String path, String body, String... headers)
      throws IOException {
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", path, body, headers);
      return http.read();
    }
  }

  /** What an engine answered to inference requests (the coordinator also scrapes its /metrics). */
  private static List<WrittenAnswer> answers(FakeEngine engine) {
    return engine.records().answers().stream().filter(a -> inference(a.request())).toList();
  }

  /** The inference requests an engine saw. */
  private static List<SeenRequest> requests(FakeEngine engine) {
    return engine.records().requests().stream().filter(r -> !r.path().equals("/metrics")).toList();
  }

  /** Not the coordinator's own calls: its scrapes of /metrics, its stopInfer. */
  private static boolean inference(SeenRequest r) {
    return !r.path().equals("/metrics") && !r.path().endsWith("/stopInfer");
  }

  /** Waits until {@code engine} saw {@code n} inference requests; returns them. */
  private static List<SeenRequest> awaitRequests(FakeEngine engine, int n) throws Exception {
    engine.records().await(e -> requests(engine).size() >= n, WAIT, n + " inference requests");
    return requests(engine);
  }

  /** Waits until {@code engine} answered {@code n} inference requests; returns the answers. */
  private static List<WrittenAnswer> awaitAnswers(FakeEngine engine, int n) throws Exception {
    engine.records().await(e -> answers(engine).size() >= n, WAIT, n + " inference answers");
    return answers(engine);
  }

  /**
   * The one request the engines saw since the last reset, and its answer (an engine records its
   * answer once written, which may be just after the client read it).
   */
  private static WrittenAnswer onlyAnswer() throws InterruptedException {
    List<WrittenAnswer> answers = answerOfAll();
    assertThat("answers written: " + answers, answers.size(), is(1));
    return answers.get(0);
  }

  @Test
  void shouldRelayEveryRouteByteForByteWithAUniqueNumericReqId() throws Exception {
    String chat = "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    List<String[]> cases =
        List.of(
            new String[] {"/v1/chat/completions", chat + "}"},
            new String[] {"/v1/chat/completions", chat + ",\"stream\":true}"},
            new String[] {"/v1/completions", "{\"model\":\"qwen\",\"prompt\":\"hi\"}"},
            new String[] {
              "/v1/completions", "{\"model\":\"qwen\",\"prompt\":\"hi\",\"stream\":true}"
            },
            new String[] {"/generate", "{\"inputs\":\"hi\",\"parameters\":{\"max_new_tokens\":4}}"},
            new String[] {"/generate", "{\"prompt\":\"hi\",\"stream\":true}"},
            new String[] {"/generate", "{\"prompt\":\"hi\"}"},
            new String[] {"/generate_stream", "{\"inputs\":\"hi\"}"},
            new String[] {"/", "{\"inputs\":\"hi\",\"stream\":true}"},
            new String[] {"/", "{\"inputs\":\"hi\"}"},
            new String[] {"/v2/models/llama/generate", "{\"text_input\":\"hi\"}"},
            new String[] {"/v2/models/llama/generate_stream", "{\"text_input\":\"hi\"}"},
            new String[] {
              "/v2/models/qwen/infer",
              "{\"inputs\":[{\"name\":\"input_ids\",\"datatype\":\"UINT32\",\"shape\":[2],"
                  + "\"data\":[1,2]}]}"
            },
            new String[] {"/infer", "{\"inputs\":\"hi\",\"stream\":true}"},
            new String[] {"/infer", "{\"inputs\":\"hi\"}"},
            new String[] {"/infer_token", "{\"input_id\":[1,2,3]}"},
            new String[] {"/v1/tokenizer", "{\"prompt\":\"hi there\"}"});
    // the slow engine would take seconds over requests that name no model
    coordinator.registry().setOffline(List.of(SLOW), true);
    Set<String> ids = new HashSet<>();
    for (String[] c : cases) {
      for (FakeEngine e : List.of(llama, qwen, slow)) {
        e.reset();
      }
      RawHttp.Response client = post(c[0], c[1]);
      WrittenAnswer engine = onlyAnswer();
      String what = c[0] + " " + c[1];
      assertThat(what, client.status(), is(engine.status()));
      assertThat(what, client.text(), is(new String(engine.body(), StandardCharsets.UTF_8)));
      assertThat(what, client.complete(), is(true));
      assertThat(what, engine.request().path(), is(c[0]));
      assertThat(what, engine.request().bodyText(), is(c[1]));
      String id = engine.request().reqId().orElseThrow();
      assertThat(what + " req-id " + id, id.matches("[0-9]{1,20}"), is(true));
      assertThat(what + " reused id " + id, ids.add(id), is(true));
    }
  }

  @Test
  void shouldWriteEachChunkAsItArrives() throws Exception {
    try (RawHttp http = new RawHttp(predict)) {
      http.send(
          "POST",
          "/v1/chat/completions",
          "{\"model\":\"slow\",\"max_tokens\":10,\"stream\":true,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      RawHttp.Response response = http.read();
      WrittenAnswer engine = awaitAnswers(slow, 1).get(0);
      assertThat(response.complete(), is(true));
      assertThat(response.headers().get("content-type"), containsString("text/event-stream"));
      // 20 ms between the engine's chunks: a relay that buffered would merge them
      assertThat(response.chunks().size(), is(engine.chunks().size()));
      assertThat(response.text(), is(new String(engine.body(), StandardCharsets.UTF_8)));
    }
  }

  @Test
  void shouldRefuseWhatAdmissionRefusesWithMindiesStatusesAndTexts() throws Exception {
    assertThat(post("/v1/chat/completions", "{\"model\":\"llama\"}").status(), is(400));
    assertThat(
        post("/v1/chat/completions", "{\"model\":\"llama\"}").text(),
        is(BodyChecks.OPENAI_MISSING + "\r\n"));
    assertThat(post("/generate", "{}").status(), is(400));
    assertThat(post("/generate_stream", "{\"inputs\":1}").status(), is(400));
    assertThat(post("/v2/models/llama/generate", "{\"text_input\":2}").status(), is(400));
    assertThat(post("/infer", "{\"inputs\":\"a\",\"input_id\":[1]}").status(), is(400));
    assertThat(post("/infer", "{not json").status(), is(400));

    RawHttp.Response unknown = post("/v1/completions", "{\"model\":\"gpt-5\",\"prompt\":\"hi\"}");
    assertThat(unknown.status(), is(404));
    assertThat(unknown.text(), containsString("model_not_found"));

    // declared past the 1 MB limit, only its start sent: a client writing the whole body races
    // the 413 and the close that follows it (broken pipe before the answer is read)
    try (RawHttp http = new RawHttp(predict)) {
      http.sendRaw(
          "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + (1024 * 1024 + 1)
              + "\r\n\r\n{\"prompt\":\"");
      assertThat(http.read().status(), is(413));
    }

    coordinator.registry().setOffline(List.of(LLAMA, QWEN, SLOW), true);
    RawHttp.Response notReady = post("/infer", "{\"inputs\":\"hi\"}");
    assertThat(notReady.status(), is(503));
    assertThat(notReady.text(), is(InferenceService.NOT_READY));
    for (FakeEngine e : List.of(llama, qwen, slow)) {
      assertThat(requests(e), empty());
    }
  }

  @Test
  void shouldListTheOnlineModelsAndAnswer405ForAnotherMethod() throws Exception {
    try (RawHttp http = new RawHttp(predict)) {
      http.send("GET", "/v1/models", null);
      String body = http.read().text();
      assertThat(body, containsString("\"id\":\"llama\""));
      assertThat(body, containsString("\"id\":\"qwen\""));
    }
    try (RawHttp http = new RawHttp(predict)) {
      http.send("GET", "/v1/chat/completions", null);
      RawHttp.Response r = http.read();
      assertThat(r.status(), is(405));
      assertThat(r.headers().get("allow"), is("POST"));
    }
  }

  @Test
  void shouldAnswer408WhenTheFirstTokenTimesOutAndStopTheInstance() throws Exception {
    llama.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withPath("/v1/chat/completions"));
    CompletableFuture<RawHttp.Response> answer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return post(
                    "/v1/chat/completions",
                    "{\"model\":\"llama\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            },
            CLIENTS);
    SeenRequest seen = awaitRequests(llama, 1).get(0);
    clock.advance(Duration.ofSeconds(61));
    RawHttp.Response r = answer.get(20, TimeUnit.SECONDS);
    assertThat(r.status(), is(408));
    assertThat(r.text(), is(InferenceService.FIRST_TOKEN_TIMEOUT));
    assertThat(llama.records().awaitStopInfers(1, WAIT), hasItem(seen.reqId().orElseThrow()));
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
  }

  @Test
  void shouldAnswer408WhenNoSlotFreesBeforeTheScheduleTimeout() throws Exception {
    llama.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withPath("/v1/completions"));
    String body = "{\"model\":\"llama\",\"prompt\":\"hi\"}";
    List<CompletableFuture<RawHttp.Response>> hanging = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      hanging.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return post("/v1/completions", body);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              CLIENTS));
    }
    // four take llama's four slots; the fifth waits for one
    awaitRequests(llama, 4);
    // its schedule timeout is armed once it waits: advancing the clock before would skip it
    await(() -> coordinator.dataPlane().waiting() == 1, "the fifth request waits for a slot");
    clock.advance(Duration.ofSeconds(31));
    CompletableFuture.anyOf(hanging.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<RawHttp.Response> f : hanging) {
      if (f.isDone()) {
        statuses.add(f.get().status());
        assertThat(f.get().text(), is(InferenceService.SCHEDULE_TIMEOUT));
      }
    }
    assertThat(statuses, is(List.of(408)));
    assertThat(requests(llama).size(), is(4));
    // the infer timeout ends the four others
    clock.advance(Duration.ofSeconds(120));
    for (CompletableFuture<RawHttp.Response> f : hanging) {
      assertThat(f.get(20, TimeUnit.SECONDS).status(), is(408));
    }
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
  }

  @Test
  void shouldEndTheClientsStreamAbnormallyWhenTheInstanceDiesMidAnswer() throws Exception {
    slow.fault(FaultRule.of(Fault.DROP_MID_STREAM).withAfterChunks(3));
    RawHttp.Response r =
        post("/generate_stream", "{\"inputs\":\"hi\",\"parameters\":{\"max_new_tokens\":50}}");
    // TGI has no model: round robin may have chosen another engine; ask the one that served
    WrittenAnswer served = answerOfAny();
    if (served.fault() == null) {
      // llama or qwen answered whole: nothing to check here, the fault test needs the slow one
      r =
          post(
              "/v1/completions",
              "{\"model\":\"slow\",\"prompt\":\"hi\",\"stream\":true,\"max_tokens\":50}");
      served = awaitAnswers(slow, 1).get(0);
    }
    assertThat(r.status(), is(200));
    assertThat(r.complete(), is(false));
    assertThat(r.text(), is(new String(served.body(), StandardCharsets.UTF_8)));
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
  }

  private static WrittenAnswer answerOfAny() throws InterruptedException {
    return answerOfAll().get(0);
  }

  /** What every engine answered, once one did. */
  private static List<WrittenAnswer> answerOfAll() throws InterruptedException {
    List<WrittenAnswer> answers =
        Eventually.poll(
            () -> {
              List<WrittenAnswer> all = new ArrayList<>();
              for (FakeEngine e : List.of(llama, qwen, slow)) {
                all.addAll(answers(e));
              }
              return all;
            },
            a -> !a.isEmpty(),
            WAIT);
    assertThat("no engine answered", answers, not(empty()));
    return answers;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Eventually.await(condition, what, WAIT);
  }

  @Test
  void shouldCancelUpstreamAndSendStopInferWhenTheClientDisconnects() throws Exception {
    String id;
    try (RawHttp http = new RawHttp(predict)) {
      http.send(
          "POST",
          "/v1/completions",
          "{\"model\":\"slow\",\"prompt\":\"hi\",\"stream\":true,\"max_tokens\":400}");
      RawHttp.Response head = http.readHead();
      assertThat(http.readBody(head, 2).chunks().size(), is(2));
      id = awaitRequests(slow, 1).get(0).reqId().orElseThrow();
    }
    assertThat(slow.records().awaitStopInfers(1, WAIT), hasItem(id));
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
    await(() -> slow.running() == 0, "the engine stopped the stream");
  }

  @Test
  void shouldFinishStreamsInFlightWhenTheirInstanceLeavesAndPlaceNewOnesElsewhere()
      throws Exception {
    try (RawHttp http = new RawHttp(predict)) {
      http.send(
          "POST",
          "/v1/completions",
          "{\"model\":\"slow\",\"prompt\":\"hi\",\"stream\":true,\"max_tokens\":20}");
      RawHttp.Response head = http.readHead();
      http.readBody(head, 1);
      coordinator.registry().refresh(List.of(instance(LLAMA, llama.port(), "llama")));
      // a new request for the model that left: 404 at once
      assertThat(
          post("/v1/completions", "{\"model\":\"slow\",\"prompt\":\"hi\"}").status(), is(404));
      RawHttp.Response rest = http.readBody(head, Integer.MAX_VALUE);
      assertThat(rest.complete(), is(true));
    }
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
  }

  @Test
  void shouldFail500AfterFourConnectsAndLeaveSchedulingUntilAProbeSucceeds() throws Exception {
    FakeEngine gone = FakeEngine.start(FakeEngine.Options.defaults().withModel("gone"));
    try {
      coordinator
          .registry()
          .refresh(
              List.of(instance(LLAMA, llama.port(), "llama"), instance(9, gone.port(), "gone")));
      gone.refuse();
      String body = "{\"model\":\"gone\",\"prompt\":\"hi\"}";
      for (int i = 0; i < 2; i++) {
        RawHttp.Response r = post("/v1/completions", body);
        assertThat(r.status(), is(500));
        assertThat(r.text(), is(InferenceService.CONNECT_FAILED));
      }
      // out of scheduling after max_retry (2) failures: the next request waits for it
      CompletableFuture<RawHttp.Response> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return post("/v1/completions", body);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              CLIENTS);
      await(() -> coordinator.dataPlane().waiting() == 1, "the request waits for a slot");
      gone.resume();
      clock.advance(Dispatcher.PROBE_INTERVAL);
      RawHttp.Response r = waiting.get(20, TimeUnit.SECONDS);
      assertThat(r.text(), r.status(), is(200));
      assertThat(requests(gone).size(), is(1));
    } finally {
      gone.close();
    }
  }

  @Test
  void shouldCountWhatItServedInMetrics() throws Exception {
    int n = 5;
    for (int i = 0; i < n; i++) {
      RawHttp.Response r =
          post(
              "/v1/chat/completions",
              "{\"model\":\"qwen\",\"stream\":true,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.status(), is(200));
    }
    Map<String, Double> samples =
        Eventually.poll(
            () -> Samples.of(TestCoordinators.manage(coordinator).get("/metrics").body()),
            s ->
                s.getOrDefault(
                        "ms_coordinator_time_to_first_token_seconds_count{model_name=\"qwen\"}",
                        0.0)
                    >= n,
            WAIT);
    assertThat(
        samples.get("ms_coordinator_time_to_first_token_seconds_count{model_name=\"qwen\"}"),
        is((double) n));
    assertThat(
        samples.get("ms_coordinator_e2e_request_latency_seconds_count{model_name=\"qwen\"}"),
        is((double) n));
    assertThat(
        samples.keySet().stream()
            .filter(k -> k.startsWith("ms_coordinator_requests_total"))
            .toList(),
        not(empty()));
    assertThat(samples.get("ms_coordinator_requests_in_flight"), is(0.0));
    assertThat(
        samples.get("ms_coordinator_inter_token_latency_seconds_count{model_name=\"qwen\"}"),
        greaterThan((double) n));
  }
}
