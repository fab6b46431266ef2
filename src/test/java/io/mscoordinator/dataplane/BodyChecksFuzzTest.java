package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.either;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.util.Arrays;

/**
 * The data listener's body checks ({@link BodyChecks#check}) under any bytes a client can send, on
 * every {@link Route}. Whatever the input, a body is either refused with a {@link
 * BodyChecks.BadRequestException} (answered 400) whose text is MindIE's format and short, or read
 * into a request whose dialect and stream flag are the ones data-plane.md section 2 gives its route
 * (and, on Triton's routes, whose model is the path's). Any other exception is a finding: the
 * handler would answer 500.
 *
 * <p>The first byte chooses the route (and, on Triton's routes, whether the path names a model);
 * the rest is the body. Seeds: a real body of each dialect in {@code
 * BodyChecksFuzzTestInputs/check}. Run as regression tests by {@code mvn verify}; fuzz with {@code
 * bin/fuzz 2m BodyChecksFuzzTest#check}.
 */
class BodyChecksFuzzTest {
  private static final int MAX_TEXT = 512;
  private static final Route[] ROUTES = Route.values();

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "\"prompt\"",
    "\"messages\"",
    "\"model\"",
    "\"stream\"",
    "true",
    "\"inputs\"",
    "\"input_id\"",
    "\"text_input\"",
    "\"datatype\"",
    "\"UINT32\"",
    "\"data\"",
    "\"role\"",
    "\"content\"",
    "\"user\"",
    "4294967296",
    "-1",
    "1e3",
  })
  void check(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int selector = input[0] & 0xff;
    Route route = ROUTES[selector % ROUTES.length];
    boolean triton = route.path().contains("{model}");
    String pathModel = triton ? ((selector / ROUTES.length) % 3 == 0 ? "" : "llama") : null;
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    InferenceRequest request;
    try {
      request = BodyChecks.check(route, pathModel, body);
    } catch (BodyChecks.BadRequestException e) {
      assertThat(e.getMessage(), startsWith("Invalid request format"));
      assertThat(e.getMessage().length(), lessThanOrEqualTo(MAX_TEXT));
      return;
    }
    // it passed the checks, so it is one JSON object: read it independently of BodyChecks
    JsonObject json;
    try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
      json = reader.readObject();
    }
    boolean streamField = json.get("stream") == JsonValue.TRUE;
    assertThat(request.promptChars(), greaterThanOrEqualTo(0));
    switch (route) {
      case CHAT_COMPLETIONS, COMPLETIONS -> {
        assertThat(request.dialect(), is("openai"));
        assertThat(request.stream(), is(streamField));
      }
      case GENERATE -> {
        assertThat(request.dialect(), either(is("tgi")).or(is("vllm")));
        // TGI's /generate never streams; vLLM's does when its body says so
        assertThat(request.stream(), is(request.dialect().equals("vllm") && streamField));
        assertThat(request.dialect().equals("tgi"), is(json.containsKey("inputs")));
      }
      case GENERATE_STREAM -> {
        assertThat(request.dialect(), is("tgi"));
        assertThat(request.stream(), is(true));
      }
      case TGI_ROOT -> {
        assertThat(request.dialect(), is("tgi"));
        assertThat(request.stream(), is(streamField));
      }
      case TRITON_GENERATE, TRITON_INFER, TRITON_GENERATE_STREAM -> {
        assertThat(request.dialect(), is("triton"));
        assertThat(request.stream(), is(route == Route.TRITON_GENERATE_STREAM));
        assertThat(request.model(), is(pathModel));
      }
      case MINDIE_INFER, MINDIE_INFER_TOKEN -> {
        assertThat(request.dialect(), is("mindie"));
        assertThat(request.stream(), is(streamField));
        assertThat(json.containsKey("inputs") != json.containsKey("input_id"), is(true));
      }
      case TOKENIZER -> {
        assertThat(request.dialect(), is("tokenizer"));
        assertThat(request.stream(), is(false));
      }
    }
  }
}
