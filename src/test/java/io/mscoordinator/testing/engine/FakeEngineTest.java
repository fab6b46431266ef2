package io.mscoordinator.testing.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.Samples;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FakeEngineTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(WITHIN).build();
  private FakeEngine engine;

  @AfterEach
  void close() {
    if (engine != null) {
      engine.close();
    }
    http.close();
  }

  private FakeEngine start(FakeEngine.Options options) {
    engine = FakeEngine.start(options);
    return engine;
  }

  private FakeEngine start() {
    return start(FakeEngine.Options.defaults());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(engine.url().resolve(path))
            .timeout(WITHIN)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(engine.url().resolve(path)).timeout(WITHIN).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(String s) {
    return Json.createReader(new StringReader(s)).readObject();
  }

  private static JsonValue jsonValue(String s) {
    return Json.createReader(new StringReader(s)).readValue();
  }

  /** The SSE events of a stream, one per chunk: each chunk must be exactly one event. */
  private static List<String> events(RawHttp.Response res, String prefix) {
    List<String> data = new ArrayList<>();
    for (String chunk : res.chunkTexts()) {
      assertThat(chunk, startsWith(prefix));
      assertThat("one event per chunk: " + chunk, chunk.indexOf("\n\n"), is(chunk.length() - 2));
      data.add(chunk.substring(prefix.length(), chunk.length() - 2));
    }
    return data;
  }

  private RawHttp.Response rawPost(String path, String body, String... headers) throws IOException {
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", path, body, headers);
      return raw.read();
    }
  }

  // --- routes ---

  @Test
  void shouldAnswerChatCompletionInOpenAiShape() throws Exception {
    start();
    HttpResponse<String> res =
        post(
            "/v1/chat/completions",
            "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":3}");
    assertThat(res.body(), res.statusCode(), is(200));
    assertThat(res.headers().firstValue("Content-Type").orElse(""), is("application/json"));
    JsonObject o = json(res.body());
    assertThat(o.getString("id"), startsWith("chatcmpl-"));
    assertThat(o.getString("object"), is("chat.completion"));
    assertThat(o.getJsonNumber("created").longValue(), greaterThan(0L));
    assertThat(o.getString("model"), is("llama"));
    JsonObject choice = o.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getJsonObject("message").getString("role"), is("assistant"));
    assertThat(choice.getJsonObject("message").getString("content"), is("tok0 tok1 tok2"));
    assertThat(choice.getString("finish_reason"), is("length"));
    JsonObject usage = o.getJsonObject("usage");
    assertThat(usage.getInt("prompt_tokens"), is(3)); // ceil(11 × 0.22)
    assertThat(usage.getInt("completion_tokens"), is(3));
    assertThat(usage.getInt("total_tokens"), is(6));
  }

  @Test
  void shouldStreamChatCompletionOneEventPerChunkWithRoleFirstAndUsageLast() throws Exception {
    start();
    RawHttp.Response res =
        rawPost(
            "/v1/chat/completions",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}",
            "req-id: 77");
    assertThat(res.status(), is(200));
    assertThat(res.headers().get("content-type"), is("text/event-stream"));
    assertThat(res.headers().get("transfer-encoding"), is("chunked"));
    assertThat(res.complete(), is(true));
    List<String> data = events(res, "data: ");
    assertThat(data, hasSize(6)); // role, 3 tokens, usage, [DONE]
    JsonObject role = json(data.get(0));
    assertThat(role.getString("id"), is("chatcmpl-77"));
    assertThat(role.getString("object"), is("chat.completion.chunk"));
    JsonObject delta0 = role.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
    assertThat(delta0.getString("role"), is("assistant"));
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      JsonObject choice = json(data.get(i)).getJsonArray("choices").getJsonObject(0);
      text.append(choice.getJsonObject("delta").getString("content"));
      assertThat(choice.isNull("finish_reason"), is(i < 3));
    }
    assertThat(text.toString(), is("tok0 tok1 tok2"));
    JsonObject usage = json(data.get(4));
    assertThat(usage.getJsonArray("choices"), is(empty()));
    assertThat(usage.getJsonObject("usage").getInt("completion_tokens"), is(3));
    assertThat(data.get(5), is("[DONE]"));
    WrittenAnswer written = engine.records().awaitAnswers(1, WITHIN).get(0);
    assertArrayEquals(written.body(), res.body());
    assertThat(written.chunks(), hasSize(res.chunks().size()));
    assertThat(written.complete(), is(true));
  }

  @Test
  void shouldAnswerCompletionsBothWays() throws Exception {
    start(FakeEngine.Options.defaults().withOutputTokens(2));
    JsonObject o = json(post("/v1/completions", "{\"prompt\":\"abcd\"}").body());
    assertThat(o.getString("object"), is("text_completion"));
    assertThat(o.getJsonArray("choices").getJsonObject(0).getString("text"), is("tok0 tok1"));
    assertThat(o.getJsonArray("choices").getJsonObject(0).getString("finish_reason"), is("stop"));
    List<String> data =
        events(rawPost("/v1/completions", "{\"prompt\":\"abcd\",\"stream\":true}"), "data: ");
    assertThat(data, hasSize(3));
    assertThat(
        json(data.get(1)).getJsonArray("choices").getJsonObject(0).getString("text"), is(" tok1"));
    assertThat(data.get(2), is("[DONE]"));
  }

  @Test
  void shouldAnswerGenerateAsTgiWithInputsAndAsVllmWithPrompt() throws Exception {
    start();
    JsonObject tgi =
        json(post("/generate", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":2}}").body());
    assertThat(tgi.getString("generated_text"), is("tok0 tok1"));
    JsonObject vllm = json(post("/generate", "{\"prompt\":\"Say: \",\"max_tokens\":2}").body());
    assertThat(vllm.getJsonArray("text").getString(0), is("Say: tok0 tok1"));
    HttpResponse<String> neither = post("/generate", "{\"text\":\"x\"}");
    assertThat(neither.statusCode(), is(400));
  }

  @Test
  void shouldStreamVllmGenerateAsNulTerminatedJsonObjects() throws Exception {
    start();
    RawHttp.Response res =
        rawPost("/generate", "{\"prompt\":\"P\",\"max_tokens\":2,\"stream\":true}");
    assertThat(res.headers().get("transfer-encoding"), is("chunked"));
    assertThat(
        res.chunkTexts(), contains("{\"text\":[\"Ptok0\"]}\0", "{\"text\":[\"Ptok0 tok1\"]}\0"));
  }

  @Test
  void shouldStreamTgiGenerateStreamWithGeneratedTextOnTheLastEvent() throws Exception {
    start();
    RawHttp.Response res =
        rawPost("/generate_stream", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":2}}");
    List<String> data = events(res, "data:");
    assertThat(data, hasSize(2));
    JsonObject first = json(data.get(0));
    assertThat(first.getInt("index"), is(1));
    assertThat(first.getJsonObject("token").getString("text"), is("tok0"));
    assertThat(first.getJsonObject("token").getBoolean("special"), is(false));
    assertThat(first.isNull("generated_text"), is(true));
    assertThat(json(data.get(1)).getString("generated_text"), is("tok0 tok1"));
  }

  @Test
  void shouldAnswerTgiCompatRouteAsListOrStream() throws Exception {
    start(FakeEngine.Options.defaults().withOutputTokens(1));
    JsonValue list = jsonValue(post("/", "{\"inputs\":\"x\"}").body());
    assertThat(list.asJsonArray().getJsonObject(0).getString("generated_text"), is("tok0"));
    assertThat(events(rawPost("/", "{\"inputs\":\"x\",\"stream\":true}"), "data:"), hasSize(1));
  }

  @Test
  void shouldAnswerTritonGenerateStreamAndInfer() throws Exception {
    start(FakeEngine.Options.defaults().withModel("m1"));
    JsonObject gen =
        json(
            post(
                    "/v2/models/m1/generate",
                    "{\"text_input\":\"x\",\"parameters\":{\"max_tokens\":2}}")
                .body());
    assertThat(gen.getString("model_name"), is("m1"));
    assertThat(gen.getString("model_version"), is("1"));
    assertThat(gen.getString("text_output"), is("tok0 tok1"));
    List<String> data =
        events(
            rawPost("/v2/models/m1/generate_stream", "{\"text_input\":\"x\",\"max_tokens\":2}"),
            "data: ");
    assertThat(json(data.get(1)).getString("text_output"), is(" tok1"));
    JsonObject infer =
        json(
            post(
                    "/v2/models/m1/infer",
                    "{\"id\":\"a\",\"inputs\":[{\"name\":\"text_input\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"x\"]}],"
                        + "\"parameters\":{\"max_tokens\":1}}")
                .body());
    assertThat(infer.getString("id"), is("a"));
    JsonObject output = infer.getJsonArray("outputs").getJsonObject(0);
    assertThat(output.getString("name"), is("text_output"));
    assertThat(output.getJsonArray("data").getString(0), is("tok0"));
    assertThat(post("/v2/models/other/generate", "{\"text_input\":\"x\"}").statusCode(), is(404));
  }

  @Test
  void shouldAnswerMindieInferAndInferTokenBothWays() throws Exception {
    start(FakeEngine.Options.defaults().withOutputTokens(2));
    assertThat(
        json(post("/infer", "{\"inputs\":\"x\"}").body()).getString("generated_text"),
        is("tok0 tok1"));
    JsonObject tokens = json(post("/infer_token", "{\"input_id\":[1,2,3]}").body());
    assertThat(tokens.getJsonArray("token_ids").getInt(1), is(1001));
    List<String> data = events(rawPost("/infer", "{\"inputs\":\"x\",\"stream\":true}"), "data: ");
    assertThat(data, hasSize(2));
    JsonObject first = json(data.get(0));
    assertThat(first.containsKey("prefill_time"), is(true));
    assertThat(first.isNull("decode_time"), is(true));
    assertThat(first.getJsonObject("token").getInt("id"), is(1000));
    assertThat(json(data.get(1)).getJsonObject("token").getString("text"), is(" tok1"));
    assertThat(post("/infer_token", "{\"inputs\":\"x\"}").statusCode(), is(400));
  }

  @Test
  void shouldCountPromptTokensInTokenizer() throws Exception {
    start();
    JsonObject o = json(post("/v1/tokenizer", "{\"prompt\":\"" + "a".repeat(100) + "\"}").body());
    assertThat(o.getInt("token_number"), is(22));
    assertThat(o.getJsonArray("tokens"), hasSize(22));
  }

  @Test
  void shouldServeModelsHealthAndRefuseUnknownPathsAndBadJson() throws Exception {
    start();
    JsonObject models = json(get("/v1/models").body());
    assertThat(models.getString("object"), is("list"));
    assertThat(models.getJsonArray("data").getJsonObject(0).getString("id"), is("llama"));
    assertThat(get("/health").statusCode(), is(200));
    assertThat(post("/nope", "{}").statusCode(), is(404));
    HttpResponse<String> bad = post("/v1/chat/completions", "{not json");
    assertThat(bad.statusCode(), is(400));
    assertThat(bad.body(), startsWith("bad JSON"));
    assertThat(post("/v1/chat/completions", "{}").body(), containsString("Missing both"));
  }

  @Test
  void shouldRefuseBadRequestLineWith400AndClose() throws Exception {
    start();
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.sendRaw("HELLO\r\n\r\n");
      RawHttp.Response res = raw.read();
      assertThat(res.status(), is(400));
      assertThat(raw.in.read(), is(-1));
    }
  }

  @Test
  void shouldReadChunkedRequestBodiesAndKeepTheConnectionAlive() throws Exception {
    start();
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.sendRaw(
          "POST /generate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "5\r\n{\"inp\r\n10\r\nuts\":\"a\",\"x\":1} \r\n0\r\n\r\n");
      assertThat(raw.read().status(), is(200));
      raw.send("GET", "/health", null);
      assertThat(raw.read().status(), is(200));
    }
    SeenRequest seen = engine.records().requests().get(0);
    assertThat(seen.bodyText(), is("{\"inputs\":\"a\",\"x\":1} "));
    assertThat(engine.records().connectionsAccepted(), is(1L));
  }

  // --- metrics ---

  @Test
  void shouldShowRunningAndWaitingRequestsInMindieMetrics() throws Exception {
    start(
        FakeEngine.Options.defaults()
            .withCapacity(1)
            .withTiming(Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO));
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (String id : List.of("1", "2")) {
      pending.add(
          http.sendAsync(
              HttpRequest.newBuilder(engine.url().resolve("/infer"))
                  .header("req-id", id)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"x\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      // "1" must hold the one slot before "2" arrives: the stopInfer of "1" below cannot end a
      // request that waits for the slot, so "2" first would make this test take the full 30 s.
      io.mscoordinator.Eventually.poll(
          () -> engine.running() + engine.waiting(), n -> n == pending.size(), WITHIN);
    }
    engine.records().awaitRunning(2, WITHIN);
    Map<String, Double> samples =
        io.mscoordinator.Eventually.poll(
            () -> metrics(),
            s -> s.get("num_requests_waiting{model_name=\"llama\"}") == 1.0,
            WITHIN);
    assertThat(samples.get("num_requests_running{model_name=\"llama\"}"), is(1.0));
    assertThat(samples.get("num_requests_waiting{model_name=\"llama\"}"), is(1.0));
    assertThat(samples.get("npu_cache_usage_perc{model_name=\"llama\"}"), is(1.0));
    post("/v2/models/llama/stopInfer", "{\"id\":\"1\"}");
    assertThat(pending.get(0).get().statusCode(), is(200));
    post("/v2/models/llama/stopInfer", "{\"id\":\"2\"}");
    assertThat(pending.get(1).get().statusCode(), is(200));
    // the engine counts a generation out after its answer's last byte, which the client may read
    // first
    Map<String, Double> after =
        io.mscoordinator.Eventually.poll(
            () -> metrics(),
            m -> m.get("num_requests_running{model_name=\"llama\"}") == 0.0,
            WITHIN);
    assertThat(after.get("num_requests_running{model_name=\"llama\"}"), is(0.0));
    assertThat(after.get("request_received_total{model_name=\"llama\"}"), is(2.0));
    assertThat(after.get("time_to_first_token_seconds_count{model_name=\"llama\"}"), is(2.0));
  }

  private Map<String, Double> metrics() {
    try {
      HttpResponse<String> res = get("/metrics");
      assertThat(
          res.headers().firstValue("Content-Type").orElse(""),
          startsWith("text/plain; version=0.0.4"));
      return Samples.of(res.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldNameMetricsAsVllmWhenAskedAndCountTokens() throws Exception {
    start(FakeEngine.Options.defaults().withFlavour(FakeEngine.MetricsFlavour.VLLM));
    post("/v1/completions", "{\"prompt\":\"abcd\",\"max_tokens\":5}");
    Map<String, Double> s = metrics();
    assertThat(s.get("vllm:num_requests_running{model_name=\"llama\"}"), is(0.0));
    assertThat(s.get("vllm:num_requests_waiting{model_name=\"llama\"}"), is(0.0));
    assertThat(s.get("vllm:gpu_cache_usage_perc{model_name=\"llama\"}"), is(0.0));
    assertThat(s.get("vllm:generation_tokens_total{model_name=\"llama\"}"), is(5.0));
    assertThat(s.get("vllm:prompt_tokens_total{model_name=\"llama\"}"), is(1.0));
    assertThat(
        s.get("vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"llama\"}"),
        is(1.0));
    assertThat(s.containsKey("num_requests_running{model_name=\"llama\"}"), is(false));
  }

  @ParameterizedTest
  @EnumSource(FakeEngine.MetricsFlavour.class)
  void shouldWriteMetricsThatPromtoolParses(FakeEngine.MetricsFlavour flavour) throws Exception {
    start(FakeEngine.Options.defaults().withFlavour(flavour).withModel("a \"quoted\" model"));
    post("/generate", "{\"inputs\":\"x\"}");
    ReferenceTools.assertPromtoolParses(get("/metrics").body().getBytes(StandardCharsets.UTF_8));
  }

  // --- timing ---

  @Test
  void shouldDelayTheFirstTokenByPromptLength() throws Exception {
    start(
        FakeEngine.Options.defaults()
            .withTiming(Duration.ZERO, Duration.ofMillis(2), Duration.ZERO));
    long shortStart = System.nanoTime();
    post("/generate", "{\"inputs\":\"abcd\"}"); // 1 prompt token: 2 ms
    long shortNanos = System.nanoTime() - shortStart;
    long longStart = System.nanoTime();
    post("/generate", "{\"inputs\":\"" + "a".repeat(1000) + "\"}"); // 220 tokens: 440 ms
    long longNanos = System.nanoTime() - longStart;
    assertThat(longNanos, greaterThanOrEqualTo(Duration.ofMillis(440).toNanos()));
    assertThat(shortNanos, lessThan(longNanos));
  }

  @Test
  void shouldSpaceTokensByTheInterTokenDelay() throws Exception {
    start(
        FakeEngine.Options.defaults()
            .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(30)));
    long begin = System.nanoTime();
    RawHttp.Response res =
        rawPost("/generate_stream", "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":6}}");
    long took = System.nanoTime() - begin;
    assertThat(res.chunks(), hasSize(6));
    assertThat(took, greaterThanOrEqualTo(Duration.ofMillis(150).toNanos()));
  }

  @Test
  void shouldServeRequestsPastCapacityInArrivalOrder() throws Exception {
    start(
        FakeEngine.Options.defaults()
            .withCapacity(1)
            .withTiming(Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO));
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (String id : List.of("a", "b", "c")) {
      pending.add(
          http.sendAsync(
              HttpRequest.newBuilder(engine.url().resolve("/infer"))
                  .header("req-id", id)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"x\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
      int waiting = pending.size() - 1;
      io.mscoordinator.Eventually.poll(
          () -> engine.running() * 100 + engine.waiting(), v -> v == 100 + waiting, WITHIN);
    }
    assertThat(engine.running(), is(1));
    assertThat(engine.waiting(), is(2));
    // The waiting ones are stopped first: they must still run in arrival order once "a" ends.
    post("/v2/models/llama/stopInfer", "{\"id\":\"c\"}");
    post("/v2/models/llama/stopInfer", "{\"id\":\"b\"}");
    post("/v2/models/llama/stopInfer", "{\"id\":\"a\"}");
    for (CompletableFuture<HttpResponse<String>> p : pending) {
      assertThat(p.get().statusCode(), is(200));
    }
    List<String> order =
        engine.records().awaitAnswers(6, WITHIN).stream()
            .filter(a -> a.request().path().equals("/infer"))
            .sorted(java.util.Comparator.comparingLong(WrittenAnswer::headNanos))
            .map(a -> a.request().reqId().orElseThrow())
            .toList();
    assertThat(order, contains("a", "b", "c"));
  }

  @Test
  void shouldAnswerFastWithZeroDelays() throws Exception {
    start();
    for (int i = 0; i < 50; i++) {
      assertThat(
          post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":20,\"stream\":true}")
              .statusCode(),
          is(200));
    }
    assertThat(engine.records().awaitAnswers(50, WITHIN), hasSize(50));
  }

  // --- stopInfer and records ---

  @Test
  void shouldEndARunningStreamOnStopInfer() throws Exception {
    start(
        FakeEngine.Options.defaults()
            .withTiming(Duration.ZERO, Duration.ZERO, Duration.ofMillis(20)));
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send(
          "POST",
          "/v1/chat/completions",
          "{\"messages\":[],\"max_tokens\":100000,\"stream\":true}",
          "req-id: 42");
      RawHttp.Response head = raw.readHead();
      raw.readBody(head, 2);
      assertThat(post("/v2/models/llama/stopInfer", "{\"id\":\"42\"}").statusCode(), is(200));
      RawHttp.Response rest = raw.readBody(head, Integer.MAX_VALUE);
      assertThat(rest.complete(), is(true));
      assertThat(rest.chunkTexts().get(rest.chunks().size() - 1), is("data: [DONE]\n\n"));
    }
    assertThat(engine.records().stopInfers(), contains("42"));
    WrittenAnswer a =
        engine.records().awaitAnswers(2, WITHIN).stream()
            .filter(x -> x.request().path().equals("/v1/chat/completions"))
            .findFirst()
            .orElseThrow();
    assertThat(a.chunks().size(), lessThan(1000));
  }

  @Test
  void shouldRecordRequestsHeadersBodiesConnectionsAndReset() throws Exception {
    start();
    long before = System.nanoTime();
    post("/infer", "{\"inputs\":\"abc\"}");
    rawPost("/infer", "{\"inputs\":\"def\"}", "req-id: 9");
    List<SeenRequest> seen = engine.records().awaitRequests(2, WITHIN);
    assertThat(seen.get(0).method(), is("POST"));
    assertThat(seen.get(0).path(), is("/infer"));
    assertThat(seen.get(0).bodyText(), is("{\"inputs\":\"abc\"}"));
    assertThat(seen.get(0).arrivalNanos() - before, greaterThanOrEqualTo(0L));
    assertThat(seen.get(1).reqId().orElse(""), is("9"));
    assertThat(seen.get(1).header("content-type").orElse(""), is("application/json"));
    assertThat(engine.records().connectionsAccepted(), is(2L));
    engine.records().awaitConnectionsOpen(1, WITHIN); // the JDK client keeps its connection
    assertThat(
        new String(engine.records().awaitAnswers(2, WITHIN).get(0).body(), StandardCharsets.UTF_8),
        containsString("generated_text"));
    engine.reset();
    assertThat(engine.records().requests(), is(empty()));
    assertThat(engine.records().answers(), is(empty()));
    assertThat(engine.records().connectionsAccepted(), is(0L));
  }

  @Test
  void shouldKeepNoRequestOrAnswerWhenRecordingOff() throws Exception {
    start();
    engine.records().recording(false);
    assertThat(post("/infer", "{\"inputs\":\"abc\"}").body(), containsString("generated_text"));
    engine.records().awaitRunning(0, WITHIN);
    assertThat(engine.records().requests(), is(empty()));
    assertThat(engine.records().answers(), is(empty()));
    assertThat(engine.records().connectionsAccepted(), is(1L));
    engine.records().recording(true);
    post("/infer", "{\"inputs\":\"def\"}");
    assertThat(engine.records().awaitAnswers(1, WITHIN), hasSize(1));
  }

  @Test
  void shouldTellTheChunkWatchOfEveryStreamedChunkBeforeItIsWritten() throws Exception {
    start(FakeEngine.Options.defaults().withOutputTokens(3));
    List<Integer> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> labs = new java.util.concurrent.CopyOnWriteArrayList<>();
    engine.chunkWatch(
        (request, bytes, nanos) -> {
          sizes.add(bytes);
          labs.add(request.header("lab-id").orElse(""));
        });
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate_stream", "{\"inputs\":\"x\"}", "lab-id: 7");
      RawHttp.Response r = raw.read();
      assertThat(r.status(), is(200));
      assertThat(sizes.stream().mapToInt(Integer::intValue).sum(), is(r.body().length));
    }
    assertThat(sizes, hasSize(3));
    assertThat(labs, everyItem(is("7")));
  }

  // --- faults ---

  @Test
  void shouldRefuseConnectsAndResumeOnTheSamePort() throws Exception {
    start();
    int port = engine.port();
    engine.fault(Fault.REFUSE);
    assertThrows(
        ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
    engine.resume();
    assertThat(engine.port(), is(port));
    assertThat(get("/health").statusCode(), is(200));
  }

  @Test
  void shouldAnswer500ForTheNextRequestOnlyOnTheSameConnection() throws Exception {
    start();
    engine.fault(FaultRule.of(Fault.STATUS_500).withTimes(1));
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate", "{\"inputs\":\"x\"}");
      RawHttp.Response first = raw.read();
      assertThat(first.status(), is(500));
      raw.send("POST", "/generate", "{\"inputs\":\"x\"}");
      assertThat(raw.read().status(), is(200));
    }
    assertThat(engine.records().connectionsAccepted(), is(1L));
  }

  @Test
  void shouldApplyAPathRuleOnlyToThatPath() throws Exception {
    start();
    engine.fault(FaultRule.of(Fault.STATUS_500).withPath("/infer"));
    assertThat(post("/infer", "{\"inputs\":\"x\"}").statusCode(), is(500));
    assertThat(post("/generate", "{\"inputs\":\"x\"}").statusCode(), is(200));
    assertThat(get("/metrics").statusCode(), is(200));
    engine.clearFaults();
    assertThat(post("/infer", "{\"inputs\":\"x\"}").statusCode(), is(200));
  }

  @Test
  void shouldHangBeforeTheFirstTokenUntilTheClientGoesWhileServingOthers() throws Exception {
    start();
    engine.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withTimes(1));
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate", "{\"inputs\":\"x\"}");
      engine.records().awaitRunning(1, WITHIN);
      assertThat(post("/generate", "{\"inputs\":\"x\"}").statusCode(), is(200));
      raw.socket.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, raw.in::read);
    }
    WrittenAnswer hung =
        engine.records().awaitAnswers(2, WITHIN).stream()
            .filter(a -> a.fault() == Fault.HANG_BEFORE_FIRST_TOKEN)
            .findFirst()
            .orElseThrow();
    assertThat(hung.status(), is(0));
    assertThat(hung.complete(), is(false));
  }

  @Test
  void shouldHangAfterHeadersAndTheFirstChunk() throws Exception {
    start();
    engine.fault(Fault.HANG_AFTER_HEADERS);
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate_stream", "{\"inputs\":\"x\"}");
      RawHttp.Response head = raw.readHead();
      assertThat(head.status(), is(200));
      assertThat(raw.readBody(head, 1).chunks(), hasSize(1));
      raw.socket.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, raw.in::read);
    }
    WrittenAnswer a = engine.records().awaitAnswers(1, WITHIN).get(0);
    assertThat(a.chunks(), hasSize(1));
    assertThat(a.complete(), is(false));
  }

  @Test
  void shouldDropMidStreamWithoutTheFinalChunk() throws Exception {
    start();
    engine.fault(FaultRule.of(Fault.DROP_MID_STREAM).withAfterChunks(3));
    RawHttp.Response res = rawPost("/v1/chat/completions", "{\"messages\":[],\"stream\":true}");
    assertThat(res.status(), is(200));
    assertThat(res.chunks(), hasSize(3));
    assertThat(res.complete(), is(false));
    WrittenAnswer a = engine.records().awaitAnswers(1, WITHIN).get(0);
    assertArrayEquals(a.body(), res.body());
    assertThat(a.complete(), is(false));
  }

  @Test
  void shouldTrickleTheAnswerOneByteAtATime() throws Exception {
    start();
    engine.fault(FaultRule.of(Fault.TRICKLE).withTrickleDelay(Duration.ofMillis(1)));
    int reads = 0;
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send(
          "POST",
          "/generate",
          "{\"inputs\":\"x\",\"parameters\":{\"max_new_tokens\":1}}",
          "Connection: close");
      byte[] buffer = new byte[4096];
      StringBuilder all = new StringBuilder();
      for (int n = raw.socket.getInputStream().read(buffer);
          n >= 0;
          n = raw.socket.getInputStream().read(buffer)) {
        reads++;
        all.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
      assertThat(all.toString(), startsWith("HTTP/1.1 200 OK\r\n"));
      assertThat(all.toString(), containsString("{\"generated_text\":\"tok0\"}"));
    }
    assertThat(reads, greaterThan(20));
    assertThat(engine.records().awaitAnswers(1, WITHIN).get(0).complete(), is(true));
  }

  @Test
  void shouldWriteGarbageAndClose() throws Exception {
    start();
    engine.fault(Fault.GARBAGE);
    assertThrows(IOException.class, () -> post("/generate", "{\"inputs\":\"x\"}"));
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate", "{\"inputs\":\"x\"}");
      byte[] all = raw.in.readAllBytes();
      assertThat(all.length, greaterThan(0));
      assertThat(new String(all, StandardCharsets.ISO_8859_1), containsString("not HTTP"));
    }
  }

  @Test
  void shouldStreamEndlesslyUntilTheClientGoes() throws Exception {
    start();
    engine.fault(Fault.ENDLESS);
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1,\"stream\":true}");
      RawHttp.Response head = raw.readHead();
      RawHttp.Response some = raw.readBody(head, 50);
      assertThat(some.chunks(), hasSize(50));
      assertThat(some.chunkTexts(), everyItem(startsWith("data: ")));
    }
    WrittenAnswer a = engine.records().awaitAnswers(1, WITHIN).get(0);
    assertThat(a.complete(), is(false));
    assertThat(a.chunks().size(), greaterThanOrEqualTo(50));
  }

  @Test
  void shouldDeclareAHugeBodyAndStreamZerosUntilTheClientGoes() throws Exception {
    start();
    engine.fault(Fault.HUGE_BODY);
    try (RawHttp raw = new RawHttp(engine.port())) {
      raw.send("POST", "/generate", "{\"inputs\":\"x\"}");
      RawHttp.Response head = raw.readHead();
      assertThat(head.headers().get("content-length"), is("10737418240"));
      byte[] some = raw.in.readNBytes(1 << 20);
      assertThat(some.length, is(1 << 20));
      assertThat(some[some.length - 1], is((byte) 0));
    }
    assertThat(engine.records().awaitAnswers(1, WITHIN).get(0).fault(), is(Fault.HUGE_BODY));
  }

  // --- lifecycle ---

  @Test
  void shouldLeaveNoThreadAndNoOpenSocketAfterClose() throws Exception {
    FakeEngine e = start();
    engine.fault(FaultRule.of(Fault.HANG_BEFORE_FIRST_TOKEN).withPath("/infer"));
    RawHttp hung = new RawHttp(e.port());
    RawHttp idle = new RawHttp(e.port());
    try (hung;
        idle) {
      hung.send("POST", "/infer", "{\"inputs\":\"x\"}");
      idle.send("GET", "/health", null);
      idle.read();
      e.records().awaitRunning(1, WITHIN);
      List<Thread> threads = e.threads();
      assertThat(threads, hasSize(3)); // acceptor and two connections
      assertThat(
          threads.stream().map(Thread::getName).toList(),
          everyItem(startsWith("fake-engine-" + e.port() + "-")));
      e.close();
      e.close();
      assertThat(threads.stream().filter(Thread::isAlive).toList(), is(empty()));
      assertThat(e.threads(), is(empty()));
      assertThat(e.records().connectionsOpen(), is(0));
      assertThat(hung.in.read(), is(-1));
      assertThat(idle.in.read(), is(-1));
    }
    assertThrows(
        ConnectException.class,
        () -> new Socket(InetAddress.getLoopbackAddress(), e.port()).close());
    assertThat(
        Thread.getAllStackTraces().keySet().stream()
            .map(Thread::getName)
            .filter(n -> n.startsWith("fake-engine-"))
            .toList(),
        is(empty()));
  }

  @Test
  void shouldRejectOptionsOutOfRange() {
    assertThrows(
        IllegalArgumentException.class, () -> FakeEngine.Options.defaults().withCapacity(0));
    assertThrows(
        IllegalArgumentException.class, () -> FakeEngine.Options.defaults().withJitter(1.5, 1));
    assertThrows(IllegalArgumentException.class, () -> FaultRule.of(Fault.STATUS_500).withTimes(0));
  }

  @Test
  void shouldGiveTheSameAnswerForTheSameRequest() throws Exception {
    start(FakeEngine.Options.defaults().withJitter(0.5, 7));
    String body =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"max_tokens\":4,\"stream\":true}";
    RawHttp.Response one = rawPost("/v1/chat/completions", body, "req-id: 5");
    RawHttp.Response two = rawPost("/v1/chat/completions", body, "req-id: 5");
    assertArrayEquals(one.body(), two.body());
    JsonArray choices = json(events(one, "data: ").get(1)).getJsonArray("choices");
    assertThat(choices.getJsonObject(0).getJsonObject("delta").getString("content"), is("tok0"));
  }
}
