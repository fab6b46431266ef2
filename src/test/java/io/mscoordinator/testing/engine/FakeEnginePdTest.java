package io.mscoordinator.testing.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.Eventually;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A prefill and a decode fake engine over real sockets, with the test playing the coordinator: P's
 * headers, P's JSON answer, D's hand-off and its {@code /dresult} link, and the faults.
 */
class FakeEnginePdTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);
  private static final long CREATED = 1_700_000_000L;

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static FakeEngine.Options options() {
    return FakeEngine.Options.defaults()
        .withCreated(CREATED)
        .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(2));
  }

  private FakeEngine start(FakeEngine.Options o) {
    FakeEngine e = FakeEngine.start(o);
    closing.add(e);
    return e;
  }

  private FakeEngine prefill() {
    return start(options().withRole(FakeEngine.Role.PREFILL));
  }

  private FakeEngine decode(FakeEngine.Options o) {
    return start(o.withRole(FakeEngine.Role.DECODE));
  }

  private FakeEngine decode() {
    return decode(options());
  }

  /** A {@code GET /dresult} link read chunk by chunk, as the coordinator's link would. */
  private final class Link {
    final RawHttp raw;
    final RawHttp.Response head;
    final List<String> backlog = new ArrayList<>();
    boolean ended;
    boolean endedClean;

    Link(FakeEngine d, int number) throws Exception {
      raw = new RawHttp(d.port());
      closing.add(raw);
      raw.send("GET", "/dresult", null);
      head = raw.readHead();
      d.records().await(r -> r.dresultLinks().size() > number, WITHIN, "link=" + number);
    }

    /** The next chunk's text, or null when the answer ended (see {@link #endedClean}). */
    String next() throws IOException {
      RawHttp.Response r;
      try {
        r = raw.readBody(head, 1);
      } catch (IOException e) {
        ended = true;
        return null;
      }
      if (r.chunks().isEmpty()) {
        ended = true;
        endedClean = r.complete();
        return null;
      }
      return new String(r.chunks().get(0), StandardCharsets.UTF_8);
    }

    /**
     * The messages of {@code reqId} up to its lastData, error or retry, in order; heartbeats
     * skipped, other requests' messages kept for their own {@code until}.
     */
    List<String> until(String reqId) throws IOException {
      List<String> got = new ArrayList<>();
      String prefix = "reqId:" + reqId + "\0";
      long deadline = System.nanoTime() + WITHIN.toNanos();
      int kept = 0;
      while (true) {
        String m;
        if (kept < backlog.size()) {
          m = backlog.get(kept);
          if (!m.startsWith(prefix)) {
            kept++;
            continue;
          }
          backlog.remove(kept);
        } else {
          assertThat(
              "messages of reqId=" + reqId + " within " + WITHIN + ": " + got,
              System.nanoTime() - deadline < 0,
              is(true));
          m = next();
          if (m == null) {
            return got;
          }
          if (!m.startsWith(prefix)) {
            if (!m.equals("ka:heartbeat\0")) {
              backlog.add(m);
              kept++;
            }
            continue;
          }
        }
        got.add(m);
        String rest = m.substring(prefix.length());
        if (rest.startsWith("lastData:")
            || rest.startsWith("error:")
            || rest.startsWith("retry:")) {
          return got;
        }
      }
    }
  }

  private static String[] pdHeaders(String reqId, FakeEngine d) {
    return new String[] {
      "req-type: prefill", "req-id: " + reqId, "d-target: 127.0.0.1", "d-port: " + d.port()
    };
  }

  private RawHttp.Response post(FakeEngine e, String path, String body, String... headers)
      throws IOException {
    try (RawHttp raw = new RawHttp(e.port())) {
      raw.send("POST", path, body, headers);
      return raw.read();
    }
  }

  private static JsonObject json(String s) {
    return Json.createReader(new StringReader(s)).readObject();
  }

  /** The payload of a {@code reqId:<id>\0<keyword>:<payload>\0} message. */
  private static String payload(String message, String keyword) {
    int k = message.indexOf('\0') + 1;
    assertThat(message.substring(k), startsWith(keyword + ":"));
    assertThat(message, message.endsWith("\0"), is(true));
    return message.substring(k + keyword.length() + 1, message.length() - 1);
  }

  /** What a single-node engine with the same options answers to the same request. */
  private byte[] singleNode(String path, String body, String reqId) throws IOException {
    FakeEngine single = start(options());
    return post(single, path, body, "req-id: " + reqId).body();
  }

  static Stream<Arguments> streams() {
    return Stream.of(
        Arguments.of(
            "/v1/chat/completions",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}"),
        Arguments.of("/v1/completions", "{\"prompt\":\"abc\",\"stream\":true}"),
        Arguments.of(
            "/generate_stream", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":3}}"),
        Arguments.of("/", "{\"inputs\":\"x\",\"stream\":true}"),
        Arguments.of("/v2/models/llama/generate_stream", "{\"text_input\":\"x\",\"max_tokens\":5}"),
        Arguments.of("/infer", "{\"inputs\":\"x\",\"stream\":true}"));
  }

  static Stream<Arguments> wholes() {
    return Stream.of(
        Arguments.of("/v1/chat/completions", "{\"messages\":[],\"max_tokens\":4}"),
        Arguments.of("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":3}}"),
        Arguments.of("/generate", "{\"prompt\":\"Say: \",\"max_tokens\":3}"),
        Arguments.of(
            "/v2/models/llama/infer",
            "{\"id\":\"a\",\"inputs\":[{\"name\":\"text_input\",\"datatype\":\"BYTES\",\"shape\":[1],"
                + "\"data\":[\"x\"]}],\"parameters\":{\"max_tokens\":3}}"),
        Arguments.of(
            "/infer_token", "{\"input_id\":[1,2,3],\"parameters\":{\"max_new_tokens\":3}}"));
  }

  // --- P's headers ---

  static Stream<Arguments> badHeaders() {
    return Stream.of(
        Arguments.of("req-type", new String[] {"req-id: 1", "d-target: 127.0.0.1", "d-port: 9"}),
        Arguments.of(
            "req-type",
            new String[] {"req-type: decode", "req-id: 1", "d-target: 127.0.0.1", "d-port: 9"}),
        Arguments.of(
            "req-id", new String[] {"req-type: prefill", "d-target: 127.0.0.1", "d-port: 9"}),
        Arguments.of(
            "req-id",
            new String[] {"req-type: prefill", "req-id: 12g", "d-target: 127.0.0.1", "d-port: 9"}),
        Arguments.of(
            "req-id",
            new String[] {"req-type: prefill", "req-id: -1", "d-target: 127.0.0.1", "d-port: 9"}),
        Arguments.of("d-target", new String[] {"req-type: prefill", "req-id: 1", "d-port: 9"}),
        Arguments.of(
            "d-target",
            new String[] {"req-type: prefill", "req-id: 1", "d-target: localhost", "d-port: 9"}),
        Arguments.of(
            "d-target",
            new String[] {"req-type: prefill", "req-id: 1", "d-target: 256.0.0.1", "d-port: 9"}),
        Arguments.of(
            "d-target",
            new String[] {"req-type: prefill", "req-id: 1", "d-target: [::1]", "d-port: 9"}),
        Arguments.of(
            "d-port", new String[] {"req-type: prefill", "req-id: 1", "d-target: 127.0.0.1"}),
        Arguments.of(
            "d-port",
            new String[] {"req-type: prefill", "req-id: 1", "d-target: 127.0.0.1", "d-port: 0"}),
        Arguments.of(
            "d-port",
            new String[] {
              "req-type: prefill", "req-id: 1", "d-target: 127.0.0.1", "d-port: 65536"
            }),
        Arguments.of(
            "d-port",
            new String[] {"req-type: prefill", "req-id: 1", "d-target: 127.0.0.1", "d-port: x"}));
  }

  @ParameterizedTest
  @MethodSource("badHeaders")
  void shouldRefuseABadCoordinatorHeaderWith400(String header, String[] headers) throws Exception {
    FakeEngine p = prefill();
    RawHttp.Response res = post(p, "/v1/completions", "{\"prompt\":\"x\"}", headers);
    assertThat(res.status(), is(400));
    assertThat(res.headers().get("content-type"), startsWith("text/plain"));
    assertThat(res.text(), startsWith("invalid header: " + header + " "));
    assertThat(p.records().handoffs(), is(empty()));
  }

  @Test
  void shouldAcceptHexAndIpv6HeadersAndRecordTheRecompute() throws Exception {
    FakeEngine p = prefill();
    RawHttp.Response res =
        post(
            p,
            "/v1/completions",
            "{\"prompt\":\"x\",\"max_tokens\":2}",
            "req-type: prefill",
            "req-id: 0aF9",
            "d-target: ::1",
            "d-port: 1",
            "is-recompute: true");
    assertThat(res.text(), res.status(), is(200));
    PrefillHandoff h = p.records().awaitHandoffs(1, WITHIN).get(0);
    assertThat(h.reqId(), is("0aF9"));
    assertThat(h.dTarget(), is("::1"));
    assertThat(h.recompute(), is(true));
    assertThat(p.records().requests().get(0).header("is-recompute").orElseThrow(), is("true"));
  }

  @Test
  void shouldRefuseAStreamingVllmGenerateOnPrefill() throws Exception {
    FakeEngine p = prefill();
    RawHttp.Response res =
        post(p, "/generate", "{\"prompt\":\"P\",\"stream\":true}", pdHeaders("1", p));
    assertThat(res.status(), is(400));
    assertThat(res.text(), containsString("prefill/decode cannot stream this route"));
  }

  @Test
  void shouldServeProbesAndStopInferOnPrefillWithoutTheHeaders() throws Exception {
    FakeEngine p = prefill();
    assertThat(post(p, "/v2/models/llama/stopInfer", "{\"id\":\"7\"}").status(), is(200));
    assertThat(p.records().stopInfers(), contains("7"));
    try (RawHttp raw = new RawHttp(p.port())) {
      raw.send("GET", "/health", null);
      assertThat(raw.read().status(), is(200));
    }
  }

  // --- end to end ---

  @ParameterizedTest
  @MethodSource("streams")
  void shouldJoinPrefillOutputAndDecodeDataIntoTheSingleNodeStream(String path, String body)
      throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    Link link = new Link(d, 0);
    RawHttp.Response res = post(p, path, body, pdHeaders("42", d));
    assertThat(res.text(), res.status(), is(200));
    assertThat(res.headers().get("content-type"), is("application/json"));
    JsonObject answer = json(res.text());
    assertThat(answer.getString("reqId"), is("42"));
    assertThat(answer.getBoolean("isStream"), is(true));
    assertThat(answer.getBoolean("isLastResp"), is(false));
    List<String> messages = link.until("42");
    assertThat(messages.size(), greaterThanOrEqualTo(1));
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    joined.writeBytes(answer.getString("output").getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < messages.size(); i++) {
      String m = messages.get(i);
      boolean last = i == messages.size() - 1;
      String payload = payload(m, last ? "lastData" : "data");
      if (!last) {
        assertThat(
            "one SSE event per data: " + payload,
            payload.indexOf("\n\n"),
            is(payload.length() - 2));
      }
      joined.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(
        joined.toString(StandardCharsets.UTF_8),
        is(new String(singleNode(path, body, "42"), StandardCharsets.UTF_8)));
    assertThat(p.records().awaitHandoffs(1, WITHIN).get(0).ok(), is(true));
  }

  @Test
  void shouldEndAnOpenAiStreamWithDoneInLastData() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    Link link = new Link(d, 0);
    post(
        p,
        "/v1/chat/completions",
        "{\"messages\":[],\"max_tokens\":3,\"stream\":true}",
        pdHeaders("5", d));
    List<String> messages = link.until("5");
    assertThat(messages, hasSize(2)); // tok1, then tok2 with [DONE]
    assertThat(payload(messages.get(1), "lastData"), containsString("data: [DONE]\n\n"));
    assertThat(payload(messages.get(1), "lastData").endsWith("data: [DONE]\n\n"), is(true));
  }

  @ParameterizedTest
  @MethodSource("wholes")
  void shouldSendTheWholeNonStreamingAnswerAsLastData(String path, String body) throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    Link link = new Link(d, 0);
    RawHttp.Response res = post(p, path, body, pdHeaders("42", d));
    assertThat(res.text(), res.status(), is(200));
    JsonObject answer = json(res.text());
    assertThat(answer.getBoolean("isStream"), is(false));
    assertThat(answer.getBoolean("isLastResp"), is(false));
    assertThat(answer.containsKey("output"), is(false));
    List<String> messages = link.until("42");
    assertThat(messages, hasSize(1));
    assertThat(
        payload(messages.get(0), "lastData"),
        is(new String(singleNode(path, body, "42"), StandardCharsets.UTF_8)));
  }

  @Test
  void shouldAnswerAOneTokenStreamWholeFromPrefillWithoutHandoff() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    String body = "{\"messages\":[],\"max_tokens\":1,\"stream\":true}";
    RawHttp.Response res = post(p, "/v1/chat/completions", body, pdHeaders("9", d));
    JsonObject answer = json(res.text());
    assertThat(answer.getBoolean("isLastResp"), is(true));
    String output = answer.getString("output");
    assertThat(output.endsWith("data: [DONE]\n\n"), is(true));
    assertThat(
        output,
        is(new String(singleNode("/v1/chat/completions", body, "9"), StandardCharsets.UTF_8)));
    assertThat(p.records().handoffs(), is(empty()));
    assertThat(d.records().requests(Handoff.PATH), is(empty()));
  }

  @Test
  void shouldAnswerAOneTokenNonStreamWholeFromPrefillWithoutHandoff() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    String body = "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":1}}";
    JsonObject answer = json(post(p, "/infer", body, pdHeaders("9", d)).text());
    assertThat(answer.getBoolean("isStream"), is(false));
    assertThat(answer.getBoolean("isLastResp"), is(true));
    assertThat(
        answer.getString("output"),
        is(new String(singleNode("/infer", body, "9"), StandardCharsets.UTF_8)));
    assertThat(p.records().handoffs(), is(empty()));
  }

  // --- the link ---

  @Test
  void shouldQueueResultsWhileNoLinkIsOpenAndDeliverThemWhenOneOpens() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":3}", pdHeaders("1", d));
    post(
        p,
        "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":3,\"stream\":true}",
        pdHeaders("2", d));
    assertThat(
        p.records().awaitHandoffs(2, WITHIN).stream().allMatch(PrefillHandoff::ok), is(true));
    int waiting = Eventually.poll(() -> d.outbox().waiting(), n -> n == 3, WITHIN);
    assertThat(waiting, is(3)); // 1: lastData; 2: data, lastData
    Link link = new Link(d, 0);
    // the two requests' messages may interleave; each one's are in order
    List<String> first = link.until("1");
    assertThat(first, hasSize(1));
    assertThat(first.get(0), startsWith("reqId:1\0lastData:{"));
    List<String> second = link.until("2");
    assertThat(second, hasSize(2));
    assertThat(second.get(0), startsWith("reqId:2\0data:data: "));
    assertThat(d.outbox().waiting(), is(0));
  }

  @Test
  void shouldEvictTheOlderLinkWithCloseAndTheFinalChunkWhenANewOneOpens() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    Link older = new Link(d, 0);
    Link newer = new Link(d, 1);
    assertThat(older.next(), is("reqId:0xffffffffffffffff\0close:new link\0"));
    assertThat(older.next(), is(nullValue()));
    assertThat(older.endedClean, is(true));
    d.records().await(r -> r.dresultLink(0).end() == DresultLink.End.EVICTED, WITHIN, "evicted");
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":2}", pdHeaders("3", d));
    assertThat(newer.until("3"), hasSize(1));
    assertThat(
        d.records().dresultLink(0).texts(), contains("reqId:0xffffffffffffffff\0close:new link\0"));
    assertThat(d.records().dresultLink(1).end(), is(DresultLink.End.OPEN));
  }

  @Test
  void shouldSendAHeartbeatEveryPeriod() throws Exception {
    FakeEngine d = decode(options().withHeartbeat(Duration.ofMillis(20)));
    Link link = new Link(d, 0);
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      assertThat(link.next(), is("ka:heartbeat\0"));
    }
    assertThat(System.nanoTime() - start, greaterThanOrEqualTo(Duration.ofMillis(50).toNanos()));
  }

  // --- faults ---

  @Test
  void shouldSendNoHeartbeatUnderNoHeartbeatUntilCleared() throws Exception {
    FakeEngine d = decode(options().withHeartbeat(Duration.ofMillis(10)));
    FakeEngine p = prefill();
    d.fault(Fault.NO_HEARTBEAT);
    Link link = new Link(d, 0);
    // 20 tokens 2 ms apart: the request spans several heartbeat periods.
    post(
        p,
        "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":20,\"stream\":true}",
        pdHeaders("4", d));
    assertThat(link.next(), startsWith("reqId:4\0data:"));
    List<String> rest = link.until("4");
    assertThat(rest.get(rest.size() - 1), startsWith("reqId:4\0lastData:"));
    assertThat(d.records().dresultLink(0).texts(), everyItem(startsWith("reqId:4\0")));
    d.clearFaults();
    assertThat(link.next(), is("ka:heartbeat\0"));
  }

  @Test
  void shouldSendErrorInsteadOfTheRestAfterTheFirstDataUnderDecodeError() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    d.fault(FaultRule.of(Fault.DECODE_ERROR).withTimes(1));
    Link link = new Link(d, 0);
    post(
        p,
        "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":5,\"stream\":true}",
        pdHeaders("6", d));
    List<String> messages = link.until("6");
    assertThat(messages, hasSize(2));
    assertThat(messages.get(0), startsWith("reqId:6\0data:data: "));
    assertThat(messages.get(1), is("reqId:6\0error:fake decode error\0"));
    // the fault was for one hand-off only
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":2}", pdHeaders("7", d));
    assertThat(link.until("7").get(0), startsWith("reqId:7\0lastData:"));
  }

  @Test
  void shouldSendErrorInsteadOfLastDataForANonStreamUnderDecodeError() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    d.fault(Fault.DECODE_ERROR);
    Link link = new Link(d, 0);
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":5}", pdHeaders("6", d));
    assertThat(link.until("6"), contains("reqId:6\0error:fake decode error\0"));
  }

  @Test
  void shouldAskForARetryOnceThenServeTheRecompute() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    d.fault(Fault.DECODE_RETRY_ONCE);
    Link link = new Link(d, 0);
    String body = "{\"prompt\":\"x\",\"max_tokens\":3,\"stream\":true}";
    post(p, "/v1/completions", body, pdHeaders("8", d));
    assertThat(link.until("8"), contains("reqId:8\0retry:" + body + "\0"));
    String[] recompute =
        Stream.concat(Stream.of(pdHeaders("8", d)), Stream.of("is-recompute: true"))
            .toArray(String[]::new);
    JsonObject answer = json(post(p, "/v1/completions", body, recompute).text());
    List<String> messages = link.until("8");
    assertThat(messages, hasSize(2));
    assertThat(messages.get(1), startsWith("reqId:8\0lastData:"));
    String joined =
        answer.getString("output")
            + payload(messages.get(0), "data")
            + payload(messages.get(1), "lastData");
    assertThat(
        joined, is(new String(singleNode("/v1/completions", body, "8"), StandardCharsets.UTF_8)));
    // without is-recompute, a second hand-off of the same id is served too: the retry was once
    post(p, "/v1/completions", body, pdHeaders("8", d));
    assertThat(link.until("8"), hasSize(2));
  }

  @Test
  void shouldDropTheLinkRightAfterTheFirstDataUnderDecodeDropLink() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    d.fault(FaultRule.of(Fault.DECODE_DROP_LINK).withTimes(1));
    Link link = new Link(d, 0);
    post(
        p,
        "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":5,\"stream\":true}",
        pdHeaders("10", d));
    assertThat(link.next(), startsWith("reqId:10\0data:data: "));
    assertThat(link.next(), is(nullValue()));
    assertThat(link.endedClean, is(false));
    d.records().await(r -> r.dresultLink(0).end() == DresultLink.End.DROPPED, WITHIN, "dropped");
    // the next request waits for, and goes out on, the next link; request 10 never resumes
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":2}", pdHeaders("11", d));
    Link next = new Link(d, 1);
    assertThat(next.next(), startsWith("reqId:11\0lastData:"));
    assertThat(d.records().dresultLink(1).textsOf("10"), is(empty()));
  }

  @Test
  void shouldStopDecodeMessagesForAnIdOnStopInfer() throws Exception {
    FakeEngine.Options slow =
        options().withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(10));
    FakeEngine d = decode(slow);
    FakeEngine p = start(slow.withRole(FakeEngine.Role.PREFILL));
    Link link = new Link(d, 0);
    post(
        p,
        "/v1/completions",
        "{\"prompt\":\"x\",\"max_tokens\":100000,\"stream\":true}",
        pdHeaders("12", d));
    assertThat(link.next(), startsWith("reqId:12\0data:"));
    assertThat(post(d, "/v2/models/llama/stopInfer", "{\"id\":\"12\"}").status(), is(200));
    assertThat(d.records().stopInfers(), contains("12"));
    assertThat(Eventually.poll(d::running, n -> n == 0, WITHIN), is(0));
    // a later request's last message is a barrier: everything offered before it was written
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":2}", pdHeaders("13", d));
    List<String> seen = new ArrayList<>();
    for (String m = link.next(); m != null && !m.startsWith("reqId:13\0"); m = link.next()) {
      seen.add(m);
    }
    assertThat(seen.size(), lessThan(5)); // at most the piece that was on its way
    assertThat(seen, everyItem(not(containsString("lastData:"))));
  }

  @Test
  void shouldRecordAHandoffThatFailedAndStillAnswerP() throws Exception {
    FakeEngine d = decode();
    int port = d.port();
    d.close();
    FakeEngine p = prefill();
    RawHttp.Response res =
        post(
            p,
            "/v1/completions",
            "{\"prompt\":\"x\",\"max_tokens\":3}",
            "req-type: prefill",
            "req-id: 14",
            "d-target: 127.0.0.1",
            "d-port: " + port);
    assertThat(res.status(), is(200));
    PrefillHandoff h = p.records().awaitHandoffs(1, WITHIN).get(0);
    assertThat(h.ok(), is(false));
    assertThat(h.status(), is(0));
    assertThat(h.failure(), containsString("Connect"));
  }

  @Test
  void shouldRecordAHandoffThatDRefusedWith500() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    d.fault(FaultRule.of(Fault.STATUS_500).withPath(Handoff.PATH));
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":3}", pdHeaders("15", d));
    PrefillHandoff h = p.records().awaitHandoffs(1, WITHIN).get(0);
    assertThat(h.status(), is(500));
    assertThat(h.failure(), containsString("status=500"));
  }

  @Test
  void shouldAnswer500FromPrefillWithoutHandoffUnderStatus500() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    p.fault(FaultRule.of(Fault.STATUS_500).withTimes(1));
    RawHttp.Response res =
        post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":3}", pdHeaders("16", d));
    assertThat(res.status(), is(500));
    assertThat(p.records().handoffs(), is(empty()));
  }

  @Test
  void shouldRecordWhatPrefillReceived() throws Exception {
    FakeEngine d = decode();
    FakeEngine p = prefill();
    post(p, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":2}", pdHeaders("17", d));
    SeenRequest r = p.records().awaitRequests(1, WITHIN).get(0);
    assertThat(r.header("req-type").orElseThrow(), is("prefill"));
    assertThat(r.header("d-port").orElseThrow(), is(Integer.toString(d.port())));
    assertThat(r.bodyText(), is("{\"prompt\":\"x\",\"max_tokens\":2}"));
    SeenRequest handed = d.records().awaitRequests(1, WITHIN).get(0);
    assertThat(handed.path(), is(Handoff.PATH));
  }
}
