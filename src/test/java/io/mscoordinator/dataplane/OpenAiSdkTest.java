package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.RawHttp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real client through the coordinator: the official OpenAI Java SDK streams a chat completion and
 * asks for a completion; and the coordinator's TTFT is the one its clients see.
 */
class OpenAiSdkTest {
  private static FakeEngine engine;
  private static FakeEngine ttft;
  private static Coordinator coordinator;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    engine =
        FakeEngine.start(
            FakeEngine.Options.defaults()
                .withModel("llama")
                .withTiming(Duration.ofMillis(30), Duration.ZERO, Duration.ofMillis(2)));
    // an engine of its own, so that the TTFT test counts only its own requests
    ttft =
        FakeEngine.start(
            FakeEngine.Options.defaults()
                .withModel("ttft")
                .withTiming(Duration.ofMillis(30), Duration.ZERO, Duration.ofMillis(2)));
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder().add("deploy_mode", "single_node").build());
    coordinator = TestCoordinators.start(root);
    coordinator
        .registry()
        .refresh(
            List.of(
                DataPlaneForwardingTest.instance(1, engine.port(), "llama"),
                DataPlaneForwardingTest.instance(2, ttft.port(), "ttft")));
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(coordinator.uri(Coordinator.PREDICT) + "/v1")
            .apiKey("not-needed")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    coordinator.close();
    engine.close();
    ttft.close();
  }

  @Test
  void shouldStreamAChatCompletionThroughTheSdk() {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder().model("llama").addUserMessage("Say hello").build();
    StringBuilder text = new StringBuilder();
    List<String> finish = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream()
          .forEach(
              chunk ->
                  chunk
                      .choices()
                      .forEach(
                          c -> {
                            c.delta().content().ifPresent(text::append);
                            c.finishReason().ifPresent(r -> finish.add(r.asString()));
                          }));
    }
    int tokens = engine.options().outputTokens();
    assertThat(text.toString(), is(expected(tokens)));
    assertThat(finish, is(List.of("stop")));
  }

  @Test
  void shouldAnswerACompletionThroughTheSdk() {
    Completion completion =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model("llama")
                    .prompt("Say hello")
                    .maxTokens(4)
                    .build());
    assertThat(completion.choices().get(0).text(), is(expected(4)));
    assertThat(completion.model(), is("llama"));
  }

  /** The fake engine's answer of {@code n} tokens. */
  private static String expected(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : " ").append("tok").append(i);
    }
    return s.toString();
  }

  @Test
  void shouldMeasureTheTimeToFirstTokenTheClientSees() throws Exception {
    int n = 40;
    List<Double> client = new ArrayList<>();
    // one kept-alive connection, as a serving client has: a new connection per request would
    // count its handshake and accept on the client's side only
    try (RawHttp http = new RawHttp(coordinator.port(Coordinator.PREDICT))) {
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        http.send(
            "POST",
            "/v1/completions",
            "{\"model\":\"ttft\",\"prompt\":\"q" + i + "\",\"stream\":true,\"max_tokens\":2}");
        RawHttp.Response head = http.readHead();
        assertThat(head.headers().toString(), head.status(), is(200));
        http.readBody(head, 1);
        client.add((System.nanoTime() - start) / 1e9);
        http.readBody(head, Integer.MAX_VALUE);
      }
    }
    String quantile =
        "ms_coordinator_time_to_first_token_seconds_quantiles{model_name=\"ttft\",quantile=\"0.5\"}";
    Map<String, Double> samples =
        Eventually.poll(
            () -> Samples.of(TestCoordinators.manage(coordinator).get("/metrics").body()),
            s ->
                s.getOrDefault(
                        "ms_coordinator_time_to_first_token_seconds_count{model_name=\"ttft\"}",
                        0.0)
                    >= n,
            Duration.ofSeconds(20));
    assertThat(
        samples.get("ms_coordinator_time_to_first_token_seconds_count{model_name=\"ttft\"}"),
        is((double) n));
    Collections.sort(client);
    double clientMedian = client.get(n / 2);
    double ours = samples.get(quantile);
    // The coordinator times a part of what the client waits: not the client's send, Helidon's
    // reading of the head, nor the way back. On a quiet machine they agree within 1 ms at the
    // median (perf/run serve measures that); a test shares 2 cores with whatever else runs, so it
    // holds them to 5 ms, still far below the engine's 30 ms to the first token.
    assertThat(
        "client median " + clientMedian + " s, coordinator's " + ours + " s",
        Math.abs(clientMedian - ours),
        lessThan(0.005));
  }
}
