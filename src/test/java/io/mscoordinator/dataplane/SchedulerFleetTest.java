package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.Fault;
import io.mscoordinator.testing.engine.FaultRule;
import io.mscoordinator.testing.engine.RawHttp;
import io.mscoordinator.testing.engine.SeenRequest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schedulers on real fleets: one coordinator per algorithm ({@code round_robin} with a session
 * header, {@code cache_affinity}, {@code least_loaded}), fake engines over real sockets, and the
 * controller's view of the traffic ({@code recvs_info}, {@code query_tasks}). Which engine served a
 * request is read from the engines' own records: every request body the test sends is unique.
 */
class SchedulerFleetTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String MODEL = "m";
  private static final String SESSION = "x-session-id";

  /** The round-robin coordinator's per-instance limit: a session leaves at 4 of 5 in flight. */
  private static final int SINGLE_NODE_MAX = 5;

  private static final double THRESH = 0.1;
  private static final int INFER_TIMEOUT_S = 120;

  /**
   * Clients that block on their answer: one virtual thread each (the common pool has 1 on 2 cores).
   */
  private static final ExecutorService CLIENTS = Executors.newVirtualThreadPerTaskExecutor();

  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private static ManualClock clock;
  private static FakeEngine a;
  private static FakeEngine b;
  private static FakeEngine c;
  private static FakeEngine slow;
  private static Coordinator roundRobin;
  private static Coordinator affinity;
  private static Coordinator leastLoaded;

  @BeforeAll
  static void start() {
    clock = new ManualClock();
    a = FakeEngine.start(FakeEngine.Options.defaults().withModel(MODEL));
    b = FakeEngine.start(FakeEngine.Options.defaults().withModel(MODEL));
    c = FakeEngine.start(FakeEngine.Options.defaults().withModel(MODEL));
    // 16 tokens 40 ms apart: 600 ms and more per request, where the others take a millisecond
    slow =
        FakeEngine.start(
            FakeEngine.Options.defaults()
                .withModel(MODEL)
                .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(40)));
    roundRobin =
        coordinator(
            SINGLE_NODE_MAX,
            Json.createObjectBuilder()
                .add("deploy_mode", "single_node")
                .add("algorithm_type", "round_robin")
                .add("session_header", SESSION)
                .build());
    affinity =
        coordinator(
            1000,
            Json.createObjectBuilder()
                .add("deploy_mode", "single_node")
                .add("algorithm_type", "cache_affinity")
                .add("cache_size", 100)
                .add("slots_thresh", THRESH)
                .add("block_thresh", THRESH)
                .build());
    leastLoaded =
        coordinator(
            1000,
            Json.createObjectBuilder()
                .add("deploy_mode", "single_node")
                .add("algorithm_type", "least_loaded")
                .build());
  }

  private static Coordinator coordinator(int singleNodeMax, JsonObject scheduler) {
    JsonObject root =
        Json.createPointer("/digs_scheduler_config").replace(TestCoordinators.shipped(), scheduler);
    root =
        TestCoordinators.withSection(
            root,
            "exception_config",
            Json.createObjectBuilder()
                .add("max_retry", 2)
                .add("schedule_timeout", 30)
                .add("first_token_timeout", 60)
                .add("infer_timeout", INFER_TIMEOUT_S)
                .add("tokenizer_timeout", 30)
                .build());
    root =
        Json.createPointer("/request_limit/single_node_max_requests")
            .add(root, Json.createValue(singleNodeMax));
    return Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
  }

  @AfterAll
  static void stop() {
    CLIENTS.shutdownNow();
    for (Coordinator co : new Coordinator[] {roundRobin, affinity, leastLoaded}) {
      if (co != null) {
        co.close();
      }
    }
    for (FakeEngine e : new FakeEngine[] {a, b, c, slow}) {
      if (e != null) {
        e.close();
      }
    }
  }

  @BeforeEach
  void emptyFleets() {
    for (Coordinator co : List.of(roundRobin, affinity, leastLoaded)) {
      co.registry().refresh(List.of());
    }
    for (FakeEngine e : List.of(a, b, c, slow)) {
      e.reset();
    }
  }

  // ------------------------------------------------------------------ round robin

  @Test
  void shouldSpreadRequestsEvenlyWhenRoundRobin() throws Exception {
    register(roundRobin, 1, a, 2, b, 3, c);
    int clients = 4; // fewer than an instance's limit: no instance is ever full, so no turn skipped
    int each = 15;
    List<Future<List<Integer>>> done = new ArrayList<>();
    for (int k = 0; k < clients; k++) {
      done.add(
          CLIENTS.submit(
              () -> {
                List<Integer> statuses = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                  statuses.add(post(roundRobin, completion()).status());
                }
                return statuses;
              }));
    }
    for (Future<List<Integer>> f : done) {
      assertThat(new HashSet<>(f.get(30, TimeUnit.SECONDS)), is(Set.of(200)));
    }
    int n = clients * each;
    assertThat(
        Map.of("a", served(a), "b", served(b), "c", served(c)),
        is(Map.of("a", n / 3, "b", n / 3, "c", n / 3)));
  }

  @Test
  void shouldKeepEachSessionOnOneInstanceWhenItsHeaderIsSet() throws Exception {
    register(roundRobin, 1, a, 2, b, 3, c);
    Map<String, Set<FakeEngine>> where = new LinkedHashMap<>();
    for (int turn = 0; turn < 5; turn++) {
      for (String session : List.of("s1", "s2", "s3", "s4")) {
        String body = completion();
        assertThat(post(roundRobin, body, SESSION + ": " + session).status(), is(200));
        where.computeIfAbsent(session, k -> new HashSet<>()).add(servedBy(body));
        // requests without the header keep going round between them
        assertThat(post(roundRobin, completion()).status(), is(200));
      }
    }
    for (Map.Entry<String, Set<FakeEngine>> e : where.entrySet()) {
      assertThat("instances of session " + e.getKey(), e.getValue().size(), is(1));
    }
    // the header reaches the engine as the client sent it: it is end-to-end
    FakeEngine s1 = where.get("s1").iterator().next();
    assertThat(
        inference(s1).stream().filter(r -> r.header(SESSION).orElse("").equals("s1")).count(),
        is(5L));
  }

  @Test
  void shouldMoveASessionWhenItsInstanceIsSaturatedAndKeepItOnTheNewOne() throws Exception {
    register(roundRobin, 1, a, 2, b);
    String first = completion();
    assertThat(post(roundRobin, first, SESSION + ": hot").status(), is(200));
    FakeEngine home = servedBy(first);
    FakeEngine other = home == a ? b : a;
    // four of the session's requests hang on its instance: 4 of 5 in flight is saturated
    int held = (int) Math.ceil(Sessions.STICKY_SHARE * SINGLE_NODE_MAX);
    home.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withTimes(held));
    List<CompletableFuture<RawHttp.Response>> hanging = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      hanging.add(async(roundRobin, completion(), SESSION + ": hot"));
      // one at a time, so that each is placed while the session still sticks
      int n = i + 1;
      home.records().await(r -> inference(home).size() >= 1 + n, WAIT, n + " held");
    }
    // past its share the session is placed by round robin, which would give the saturated instance
    // its free slot on its turn: make the next turn the other instance's
    nextTurnTo(roundRobin, other, home);
    String moved = completion();
    assertThat(post(roundRobin, moved, SESSION + ": hot").status(), is(200));
    assertThat("the saturated instance is left", servedBy(moved), is(other));
    // the held requests end (infer timeout); the session stays where it went
    clock.advance(Duration.ofSeconds(INFER_TIMEOUT_S + 1));
    for (CompletableFuture<RawHttp.Response> f : hanging) {
      assertThat(f.get(20, TimeUnit.SECONDS).status(), is(408));
    }
    await(() -> roundRobin.dataPlane().inFlight() == 0, "in flight back to 0");
    for (int i = 0; i < 3; i++) {
      String again = completion();
      assertThat(post(roundRobin, again, SESSION + ": hot").status(), is(200));
      assertThat("the session stays on its new instance", servedBy(again), is(other));
    }
  }

  @Test
  void shouldApplyOfflineOnlineAndRefreshToTheNextRequest() throws Exception {
    register(roundRobin, 1, a, 2, b);
    TestHttp manage = TestCoordinators.manage(roundRobin);
    assertThat(manage.post("/v1/instances/offline", "{\"ids\":[1]}").statusCode(), is(200));
    for (int i = 0; i < 4; i++) {
      String body = completion();
      assertThat(post(roundRobin, body).status(), is(200));
      assertThat("instance 1 is offline", servedBy(body), is(b));
    }
    assertThat(manage.post("/v1/instances/online", "{\"ids\":[1]}").statusCode(), is(200));
    Set<FakeEngine> after = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      String body = completion();
      assertThat(post(roundRobin, body).status(), is(200));
      after.add(servedBy(body));
    }
    assertThat("instance 1 is back in turn", after, is(Set.of(a, b)));

    assertThat(manage.post("/v1/instances/refresh", refreshBody(2, b, 3, c)).statusCode(), is(200));
    Set<FakeEngine> refreshed = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      String body = completion();
      assertThat(post(roundRobin, body).status(), is(200));
      refreshed.add(servedBy(body));
    }
    assertThat("instance 1 left, instance 3 came", refreshed, is(Set.of(b, c)));
  }

  @Test
  void shouldFinishRequestsInFlightOnAnInstanceThatGoesOfflineOrLeaves() throws Exception {
    register(roundRobin, 1, slow, 2, a);
    TestHttp manage = TestCoordinators.manage(roundRobin);
    for (String leave : List.of("offline", "refresh")) {
      register(roundRobin, 1, slow, 2, a);
      manage.post("/v1/instances/online", "{\"ids\":[1]}");
      // only the slow engine online: the stream surely starts there
      assertThat(manage.post("/v1/instances/offline", "{\"ids\":[2]}").statusCode(), is(200));
      try (RawHttp http = new RawHttp(roundRobin.port(Coordinator.PREDICT))) {
        http.send(
            "POST",
            "/v1/completions",
            "{\"model\":\"m\",\"prompt\":\"s"
                + UNIQUE.incrementAndGet()
                + "\",\"stream\":true,\"max_tokens\":50}");
        RawHttp.Response head = http.readHead();
        assertThat(http.readBody(head, 1).chunks().size(), is(1));
        assertThat(manage.post("/v1/instances/online", "{\"ids\":[2]}").statusCode(), is(200));
        int code =
            leave.equals("offline")
                ? manage.post("/v1/instances/offline", "{\"ids\":[1]}").statusCode()
                : manage.post("/v1/instances/refresh", refreshBody(2, a)).statusCode();
        assertThat(leave, code, is(200));
        // the next request goes to the one left at once, while the stream still runs
        String body = completion();
        assertThat(post(roundRobin, body).status(), is(200));
        assertThat(leave, servedBy(body), is(a));
        assertThat(leave + ": the stream still runs", slow.running(), is(1));
        RawHttp.Response rest = http.readBody(head, Integer.MAX_VALUE);
        assertThat(leave + ": the stream finished", rest.complete(), is(true));
      }
      await(() -> roundRobin.dataPlane().inFlight() == 0, "in flight back to 0");
      slow.reset();
      a.reset();
    }
  }

  @Test
  void shouldCountEveryArrivalInRecvFlowAdmittedOrNot() throws Exception {
    register(roundRobin, 1, a);
    TestHttp manage = TestCoordinators.manage(roundRobin);
    manage.get("/recvs_info"); // the count is since the previous call
    for (int i = 0; i < 3; i++) {
      assertThat(post(roundRobin, completion()).status(), is(200));
    }
    assertThat(post(roundRobin, "{\"model\":\"m\"}").status(), is(400));
    assertThat(post(roundRobin, "{\"model\":\"nobody\",\"prompt\":\"x\"}").status(), is(404));
    manage.post("/v1/instances/offline", "{\"ids\":[1]}");
    assertThat(post(roundRobin, completion()).status(), is(503));
    JsonObject info = json(manage.get("/recvs_info"));
    assertThat(info.toString(), info.getInt("recv_flow"), is(6));
    assertThat(info.getBoolean("is_master"), is(true));
    assertThat(json(manage.get("/recvs_info")).getInt("recv_flow"), is(0));
  }

  @Test
  void shouldAnswerQueryTasksNotEndedWhileARequestRunsOnTheInstance() throws Exception {
    register(roundRobin, 1, a, 2, b);
    TestHttp manage = TestCoordinators.manage(roundRobin);
    String query = "{\"p_id\":1,\"d_id\":1}";
    assertThat(
        json(manage.post("/v1/instances/query_tasks", query)).getBoolean("is_end"), is(true));
    manage.post("/v1/instances/offline", "{\"ids\":[2]}");
    a.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withTimes(1));
    CompletableFuture<RawHttp.Response> hanging = async(roundRobin, completion());
    a.records().await(r -> inference(a).size() == 1, WAIT, "the request reached instance 1");
    assertThat(
        json(manage.post("/v1/instances/query_tasks", query)).getBoolean("is_end"), is(false));
    assertThat(
        "no task between other instances",
        json(manage.post("/v1/instances/query_tasks", "{\"p_id\":2,\"d_id\":2}"))
            .getBoolean("is_end"),
        is(true));
    clock.advance(Duration.ofSeconds(INFER_TIMEOUT_S + 1));
    assertThat(hanging.get(20, TimeUnit.SECONDS).status(), is(408));
    JsonObject end =
        Eventually.poll(
            () -> json(manage.post("/v1/instances/query_tasks", query)),
            o -> o.getBoolean("is_end"),
            WAIT);
    assertThat(end.getBoolean("is_end"), is(true));
  }

  // ------------------------------------------------------------------ cache affinity

  @Test
  void shouldSendEveryTurnOfAConversationToOneInstanceWhenCacheAffinity() throws Exception {
    register(affinity, 1, a, 2, b, 3, c);
    Map<String, Set<FakeEngine>> where = new LinkedHashMap<>();
    Set<FakeEngine> others = new HashSet<>();
    for (int turn = 1; turn <= 4; turn++) {
      for (String conversation : List.of("alpha", "beta", "gamma", "delta")) {
        String body = chat(conversation, turn);
        assertThat(post(affinity, body).status(), is(200));
        where.computeIfAbsent(conversation, k -> new HashSet<>()).add(servedBy(body));
        String plain = completion();
        assertThat(post(affinity, plain).status(), is(200));
        others.add(servedBy(plain));
      }
    }
    for (Map.Entry<String, Set<FakeEngine>> e : where.entrySet()) {
      assertThat("instances of conversation " + e.getKey(), e.getValue().size(), is(1));
    }
    assertThat("requests without a conversation go round robin", others.size(), is(3));
  }

  @Test
  void shouldLeaveAConversationsInstanceWhenItsSlotsOrBlocksCrossTheThresholds() throws Exception {
    register(affinity, 1, a, 2, b);
    String opening = chat("epsilon", 1);
    assertThat(post(affinity, opening).status(), is(200));
    FakeEngine first = servedBy(opening);
    long firstId = first == a ? 1 : 2;
    long secondId = 3 - firstId;
    FakeEngine second = first == a ? b : a;

    // its instance reports free slots at the threshold: the next turn goes to the other one
    affinity
        .registry()
        .refresh(
            List.of(
                instance(firstId, first, Role.UNDEF, (long) (200 * THRESH), 1024),
                instance(secondId, second, Role.UNDEF, 200, 1024)));
    // a conversation whose instance has no room is placed round robin: make it the other's turn
    nextTurnTo(affinity, second, first);
    String turn2 = chat("epsilon", 2);
    assertThat(post(affinity, turn2).status(), is(200));
    assertThat("slots at the threshold: moved", servedBy(turn2), is(second));

    // the first recovers; the conversation stays with its new instance
    register(affinity, firstId, first, secondId, second);
    String turn3 = chat("epsilon", 3);
    assertThat(post(affinity, turn3).status(), is(200));
    assertThat("stays where it moved", servedBy(turn3), is(second));

    // its new instance's free KV blocks cross the threshold: it moves again
    affinity
        .registry()
        .refresh(
            List.of(
                instance(firstId, first, Role.UNDEF, 200, 1024),
                instance(secondId, second, Role.UNDEF, 200, (long) (1024 * THRESH) - 1)));
    nextTurnTo(affinity, first, second);
    String turn4 = chat("epsilon", 4);
    assertThat(post(affinity, turn4).status(), is(200));
    assertThat("blocks under the threshold: moved", servedBy(turn4), is(first));
  }

  // ------------------------------------------------------------------ least loaded

  @Test
  void shouldSendLessToASlowInstanceWhenLeastLoaded() throws Exception {
    register(leastLoaded, 1, a, 2, slow);
    int clients = 16;
    int each = 10;
    List<Callable<Integer>> work = new ArrayList<>();
    for (int k = 0; k < clients; k++) {
      work.add(
          () -> {
            int ok = 0;
            for (int i = 0; i < each; i++) {
              if (post(leastLoaded, completion(16)).status() == 200) {
                ok++;
              }
            }
            return ok;
          });
    }
    int ok = 0;
    for (Future<Integer> f : CLIENTS.invokeAll(work, 60, TimeUnit.SECONDS)) {
      ok += f.get();
    }
    int n = clients * each;
    assertThat(ok, is(n));
    int fast = served(a);
    int slowServed = served(slow);
    assertThat(fast + slowServed, is(n));
    // round robin would give each half; the slow one holds every request 600 ms or more, while
    // the fast one turns them around in milliseconds
    assertThat("fast=" + fast + " slow=" + slowServed, slowServed * 3, lessThan(fast));
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sends requests without a conversation or session to a fleet of the two engines until one lands
   * on {@code away}: round robin's next turn is then {@code target}'s (both have free slots).
   */
  private static void nextTurnTo(Coordinator co, FakeEngine target, FakeEngine away)
      throws IOException {
    for (int i = 0; i < 2; i++) {
      String body = completion();
      assertThat(post(co, body).status(), is(200));
      FakeEngine served = servedBy(body);
      assertThat(served == target || served == away, is(true));
      if (served == away) {
        return;
      }
    }
    throw new AssertionError("round robin over two instances went to one twice in a row");
  }

  /** Pairs of (id, engine): instances of {@link #MODEL} on those engines, replacing the fleet. */
  private static void register(Coordinator co, Object... idsAndEngines) {
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < idsAndEngines.length; i += 2) {
      long id = ((Number) idsAndEngines[i]).longValue();
      instances.add(instance(id, (FakeEngine) idsAndEngines[i + 1], Role.UNDEF, 200, 1024));
    }
    co.registry().refresh(instances);
  }

  static Instance instance(
      long id, FakeEngine engine, Role role, long availSlots, long availBlocks) {
    return new Instance(
        id,
        "127.0.0.1",
        engine.port(),
        engine.port(),
        MODEL,
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        role,
        availSlots,
        availBlocks,
        List.of());
  }

  /** The controller's refresh body for pairs of (id, engine). */
  private static String refreshBody(Object... idsAndEngines) {
    var ids = Json.createArrayBuilder();
    var instances = Json.createArrayBuilder();
    for (int i = 0; i < idsAndEngines.length; i += 2) {
      long id = ((Number) idsAndEngines[i]).longValue();
      int port = ((FakeEngine) idsAndEngines[i + 1]).port();
      ids.add(id);
      instances.add(
          Json.createObjectBuilder()
              .add("id", id)
              .add("ip", "127.0.0.1")
              .add("port", Integer.toString(port))
              .add("metric_port", Integer.toString(port))
              .add("model_name", MODEL)
              .add(
                  "static_info",
                  Json.createObjectBuilder()
                      .add("group_id", 0)
                      .add("max_seq_len", 4096)
                      .add("max_output_len", 1024)
                      .add("total_slots_num", 200)
                      .add("total_block_num", 1024)
                      .add("block_size", 128)
                      .add("label", 2)
                      .add("role", Role.UNDEF.code()))
              .add(
                  "dynamic_info",
                  Json.createObjectBuilder()
                      .add("avail_slots_num", 200)
                      .add("avail_block_num", 1024)));
    }
    return Json.createObjectBuilder()
        .add("ids", ids)
        .add("instances", instances)
        .build()
        .toString();
  }

  /** A completion request whose body no other request of the run has. */
  private static String completion() {
    return completion(4);
  }

  private static String completion(int maxTokens) {
    return "{\"model\":\"m\",\"prompt\":\"p"
        + UNIQUE.incrementAndGet()
        + "\",\"max_tokens\":"
        + maxTokens
        + "}";
  }

  /**
   * Turn {@code turn} of a conversation: the same opening user message, then the turns before it,
   * then a new question (unique, so that the engine that served it can be found).
   */
  private static String chat(String conversation, int turn) {
    var messages = Json.createArrayBuilder();
    messages.add(message("system", "you answer briefly"));
    messages.add(message("user", "let us talk about " + conversation));
    for (int t = 1; t < turn; t++) {
      messages.add(message("assistant", "answer " + t));
      messages.add(message("user", "question " + t));
    }
    messages.add(message("assistant", "answer " + turn));
    messages.add(message("user", "unique " + UNIQUE.incrementAndGet()));
    return Json.createObjectBuilder()
        .add("model", MODEL)
        .add("max_tokens", 4)
        .add("messages", messages)
        .build()
        .toString();
  }

  private static JsonObject message(String role, String content) {
    return Json.createObjectBuilder().add("role", role).add("content", content).build();
  }

  private static RawHttp.Response post(Coordinator co, String body, String... headers)
      throws IOException {
    String path = body.contains("\"messages\"") ? "/v1/chat/completions" : "/v1/completions";
    try (RawHttp http = new RawHttp(co.port(Coordinator.PREDICT))) {
      http.send("POST", path, body, headers);
      return http.read();
    }
  }

  private static CompletableFuture<RawHttp.Response> async(
      Coordinator co, String body, String... headers) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return post(co, body, headers);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        },
        CLIENTS);
  }

  /** The inference requests an engine saw: not the coordinators' scrapes or stopInfer. */
  private static List<SeenRequest> inference(FakeEngine engine) {
    return engine.records().requests().stream()
        .filter(r -> !r.path().equals("/metrics") && !r.path().endsWith("/stopInfer"))
        .toList();
  }

  private static int served(FakeEngine engine) {
    return inference(engine).size();
  }

  /** The one engine that saw {@code body} (the client had its answer, so it was recorded). */
  private static FakeEngine servedBy(String body) {
    List<FakeEngine> saw = new ArrayList<>();
    for (FakeEngine e : List.of(a, b, c, slow)) {
      if (inference(e).stream().anyMatch(r -> r.bodyText().equals(body))) {
        saw.add(e);
      }
    }
    assertThat("engines that saw " + body, saw.size(), is(1));
    return saw.get(0);
  }

  private static JsonObject json(HttpResponse<String> response) {
    assertThat(response.body(), response.statusCode(), is(200));
    return Json.createReader(new StringReader(response.body())).readObject();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Eventually.await(condition, what, WAIT);
  }
}
