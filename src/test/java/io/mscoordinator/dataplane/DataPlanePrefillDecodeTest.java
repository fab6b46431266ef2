package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.engine.DresultLink;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.Fault;
import io.mscoordinator.testing.engine.RawHttp;
import io.mscoordinator.testing.engine.SeenRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Prefill/decode through the coordinator (data-plane.md section 5) against fake engines in the
 * prefill and decode roles over real sockets: the client's answer is, byte for byte, what a
 * single-node engine answers to the same request; P's status and D's {@code error:} reach the
 * client; a decode link that drops mid-answer costs that answer and nothing else.
 */
class DataPlanePrefillDecodeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final long CREATED = 1_700_000_000L;
  private static final String HANDOFF_COUNT =
      "ms_coordinator_pd_handoff_seconds_count{model_name=\"llama\"}";
  private static final String PREFILL_COUNT =
      "ms_coordinator_prefill_latency_seconds_count{model_name=\"llama\"}";
  private static final long P = 1;
  private static final long D = 2;

  private static ManualClock clock;
  private static FakeEngine single;
  private static FakeEngine prefill;
  private static FakeEngine decode;
  private static Coordinator coordinator;
  private static int predict;

  @BeforeAll
  static void start() {
    clock = new ManualClock();
    FakeEngine.Options o =
        FakeEngine.Options.defaults()
            .withCreated(CREATED)
            .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(2));
    single = FakeEngine.start(o);
    prefill = FakeEngine.start(o.withRole(FakeEngine.Role.PREFILL));
    decode = FakeEngine.start(o.withRole(FakeEngine.Role.DECODE));
    coordinator =
        Coordinator.start(
            TestCoordinators.config(DataPlaneConfigs.prefillDecode(10)),
            Coordinator::coreSink,
            () -> clock);
    predict = coordinator.port(Coordinator.PREDICT);
    coordinator
        .registry()
        .refresh(
            List.of(
                instance(P, prefill.port(), Role.PREFILL, List.of()),
                instance(D, decode.port(), Role.DECODE, List.of(P))));
  }

  @AfterAll
  static void stop() {
    coordinator.close();
    single.close();
    prefill.close();
    decode.close();
  }

  @BeforeEach
  void linkOpen() throws Exception {
    prefill.reset();
    decode.reset();
    // a test that dropped the link leaves the coordinator waiting out its retry pause
    boolean open =
        Eventually.poll(
            () -> {
              if (decode.records().dresultLinks().stream()
                  .anyMatch(l -> l.end() == DresultLink.End.OPEN)) {
                return true;
              }
              clock.advance(DecodeLink.RETRY_PAUSE);
              return false;
            },
            b -> b,
            WAIT);
    assertThat("a /dresult link open", open, is(true));
  }

  @AfterEach
  void everyRequestEnded() throws Exception {
    await(() -> coordinator.dataPlane().inFlight() == 0, "in flight back to 0");
  }

  @Test
  void shouldAnswerAStreamAsASingleNodeEngineWouldThroughPAndD() throws Exception {
    String body =
        "{\"model\":\"llama\",\"stream\":true,\"max_tokens\":6,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]}";

    RawHttp.Response r = post("/v1/chat/completions", body);

    assertThat(r.status(), is(200));
    assertThat(r.complete(), is(true));
    assertThat(r.headers().get("content-type"), containsString("text/event-stream"));
    SeenRequest atP = lastInference();
    assertThat(atP.header("req-type").orElse(""), is("prefill"));
    assertThat(atP.header("d-target").orElse(""), is("127.0.0.1"));
    assertThat(atP.header("d-port").orElse(""), is(Integer.toString(decode.port())));
    String id = atP.header("req-id").orElseThrow();
    assertThat(r.text(), is(direct("/v1/chat/completions", body, id)));
    assertThat(r.text(), endsWith("data: [DONE]\n\n"));
    Map<String, Double> samples =
        Eventually.poll(
            DataPlanePrefillDecodeTest::samples,
            m -> m.getOrDefault(HANDOFF_COUNT, 0.0) >= 1,
            WAIT);
    assertThat(samples.get(HANDOFF_COUNT), greaterThanOrEqualTo(1.0));
    assertThat(samples.get(PREFILL_COUNT), greaterThanOrEqualTo(1.0));
  }

  @Test
  void shouldAnswerANonStreamWithDsLastData() throws Exception {
    String body = "{\"model\":\"llama\",\"prompt\":\"hi there\",\"max_tokens\":5}";
    double handoffs = samples().getOrDefault(HANDOFF_COUNT, 0.0);

    RawHttp.Response r = post("/v1/completions", body);

    assertThat(r.status(), is(200));
    assertThat(r.headers().get("content-type"), containsString("application/json"));
    String id = lastInference().header("req-id").orElseThrow();
    assertThat(r.text(), is(direct("/v1/completions", body, id)));
    // the hand-off is timed at D's answer out, stream or not
    Map<String, Double> after =
        Eventually.poll(
            DataPlanePrefillDecodeTest::samples,
            m -> m.getOrDefault(HANDOFF_COUNT, 0.0) > handoffs,
            WAIT);
    assertThat(after.getOrDefault(HANDOFF_COUNT, 0.0), is(handoffs + 1));
  }

  @Test
  void shouldAnswerWithPsOutputAloneWhenPFinishedTheRequest() throws Exception {
    String body = "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":1,\"stream\":true}";

    RawHttp.Response r = post("/v1/completions", body);

    assertThat(r.status(), is(200));
    String id = lastInference().header("req-id").orElseThrow();
    assertThat(r.text(), is(direct("/v1/completions", body, id)));
  }

  @Test
  void shouldPassPsStatusThroughAndStopD() throws Exception {
    prefill.fault(Fault.STATUS_500);

    RawHttp.Response r = post("/v1/completions", "{\"model\":\"llama\",\"prompt\":\"hi\"}");

    assertThat(r.status(), is(500));
    assertThat(r.text(), is("fake engine fault: status=500\r\n"));
  }

  @Test
  void shouldEndTheStreamWithDsErrorAsItsLastPiece() throws Exception {
    decode.fault(Fault.DECODE_ERROR);

    RawHttp.Response r =
        post(
            "/v1/completions",
            "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":8,\"stream\":true}");

    assertThat(r.status(), is(200));
    assertThat(r.complete(), is(true));
    assertThat(r.text(), endsWith("fake decode error"));
  }

  @Test
  void shouldBreakTheAnswerAndStopBothWhenTheLinkDropsMidAnswer() throws Exception {
    decode.fault(Fault.DECODE_DROP_LINK);

    RawHttp.Response r =
        post(
            "/v1/completions",
            "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":50,\"stream\":true}");

    assertThat(r.status(), is(200));
    assertThat("no final chunk", r.complete(), is(false));
    String id = lastInference().header("req-id").orElseThrow();
    await(() -> prefill.records().stopInfers().contains(id), "stopInfer at P");
  }

  // ------------------------------------------------------------------ helpers

  /** The coordinator's /metrics as samples. */
  private static Map<String, Double> samples() {
    try {
      return Samples.of(TestCoordinators.manage(coordinator).get("/metrics").body());
    } catch (Exception e) {
      throw new IllegalStateException("metrics unreadable", e);
    }
  }

  /** The last inference request P received (the coordinator also scrapes its /metrics). */
  private static SeenRequest lastInference() {
    return prefill.records().requests().stream()
        .filter(r -> r.method().equals("POST") && !r.path().endsWith("/stopInfer"))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  /** What the single-node engine answers to {@code body} with request id {@code id}. */
  private static String direct(String path, String body, String id) throws IOException {
    try (RawHttp http = new RawHttp(single.port())) {
      http.send("POST", path, body, "req-id: " + id);
      return http.read().text();
    }
  }

  private static RawHttp.Response post(String path, String body) throws IOException {
    try (RawHttp http = new RawHttp(predict)) {
      http.send("POST", path, body);
      return http.read();
    }
  }

  private static Instance instance(long id, int port, Role role, List<Long> peers) {
    return new Instance(
        id,
        "127.0.0.1",
        port,
        port,
        "llama",
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        role,
        200,
        1024,
        peers);
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    Eventually.await(done, what, WAIT);
  }
}
