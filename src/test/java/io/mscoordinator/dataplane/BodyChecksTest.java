package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.dataplane.BodyChecks.BadRequestException;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BodyChecksTest {
  private static final String TRITON_MODEL = "llama";
  private static final String BAD_TRITON =
      "Invalid request format: 'text_input' must be a string, or 'inputs[0]' UINT32 with a 'data'"
          + " array of non-negative integers";
  private static final String BAD_MINDIE_CHOICE =
      "Invalid request format: exactly one of 'inputs' and 'input_id' is required";

  static Stream<Arguments> validBodies() {
    return Stream.of(
        valid(
            Route.COMPLETIONS,
            "{\"model\": \"llama\", \"prompt\": \"hello\", \"stream\": true}",
            new InferenceRequest("openai", true, "llama", 0, 5)),
        valid(
            Route.COMPLETIONS,
            "{\"prompt\": \"hello\"}",
            new InferenceRequest("openai", false, null, 0, 5)),
        valid(
            Route.COMPLETIONS,
            "{\"prompt\": [1, 2, 3], \"stream\": false}",
            new InferenceRequest("openai", false, null, 0, 3)),
        valid(
            Route.GENERATE,
            "{\"inputs\": \"abc\", \"stream\": true}",
            new InferenceRequest("tgi", false, null, 0, 3)),
        valid(
            Route.GENERATE,
            "{\"prompt\": \"abcd\", \"stream\": true}",
            new InferenceRequest("vllm", true, null, 0, 4)),
        valid(
            Route.GENERATE,
            "{\"prompt\": \"abcd\"}",
            new InferenceRequest("vllm", false, null, 0, 4)),
        valid(
            Route.GENERATE_STREAM,
            "{\"inputs\": \"ab\"}",
            new InferenceRequest("tgi", true, null, 0, 2)),
        valid(
            Route.TGI_ROOT,
            "{\"inputs\": \"ab\", \"stream\": true}",
            new InferenceRequest("tgi", true, null, 0, 2)),
        valid(
            Route.TGI_ROOT, "{\"inputs\": \"ab\"}", new InferenceRequest("tgi", false, null, 0, 2)),
        valid(
            Route.TRITON_GENERATE,
            "{\"text_input\": \"abc\", \"parameters\": {\"stream\": true}}",
            new InferenceRequest("triton", false, TRITON_MODEL, 0, 3)),
        valid(
            Route.TRITON_GENERATE_STREAM,
            "{\"text_input\": \"abc\"}",
            new InferenceRequest("triton", true, TRITON_MODEL, 0, 3)),
        valid(
            Route.TRITON_INFER,
            "{\"inputs\": [{\"name\": \"input0\", \"shape\": [1, 4], \"datatype\": \"UINT32\","
                + " \"data\": [0, 1, 2, 4294967295]}]}",
            new InferenceRequest("triton", false, TRITON_MODEL, 0, 4)),
        valid(
            Route.MINDIE_INFER,
            "{\"inputs\": \"abc\", \"stream\": true}",
            new InferenceRequest("mindie", true, null, 0, 3)),
        valid(
            Route.MINDIE_INFER,
            "{\"inputs\": \"abc\", \"input_id\": null}",
            new InferenceRequest("mindie", false, null, 0, 3)),
        valid(
            Route.MINDIE_INFER_TOKEN,
            "{\"input_id\": [1, 2, 3, 4]}",
            new InferenceRequest("mindie", false, null, 0, 4)),
        valid(
            Route.TOKENIZER,
            "{\"inputs\": \"abcde\"}",
            new InferenceRequest("tokenizer", false, null, 0, 5)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("validBodies")
  void shouldReadAValidBody(Route route, String body, InferenceRequest expected)
      throws BadRequestException {
    assertThat(check(route, body), is(expected));
  }

  @Test
  void shouldReadAChatWithItsConversation() throws BadRequestException {
    InferenceRequest r =
        check(
            Route.CHAT_COMPLETIONS,
            "{\"model\": \"llama\", \"stream\": true, \"messages\": [{\"role\": \"system\","
                + " \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}");

    assertThat(r.dialect(), is("openai"));
    assertThat(r.stream(), is(true));
    assertThat(r.model(), is("llama"));
    assertThat(r.promptChars(), is(11));
    assertThat(r.conversation(), is(not(0L)));
    assertThat(r.session(), is((String) null));
  }

  @Test
  void shouldReadEveryRoute() {
    Set<Route> covered = EnumSet.of(Route.CHAT_COMPLETIONS);
    validBodies().forEach(a -> covered.add((Route) a.get()[0]));

    assertThat(covered, is(EnumSet.allOf(Route.class)));
  }

  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        invalid(Route.CHAT_COMPLETIONS, "{\"model\": \"llama\"}", BodyChecks.OPENAI_MISSING),
        invalid(
            Route.COMPLETIONS, "{\"prompt\": null, \"messages\": null}", BodyChecks.OPENAI_MISSING),
        invalid(
            Route.CHAT_COMPLETIONS,
            "{\"model\": 7, \"messages\": []}",
            "Invalid request format: 'model' must be a string"),
        invalid(
            Route.CHAT_COMPLETIONS,
            "{\"messages\": \"hi\"}",
            "Invalid request format: 'messages' must be an array"),
        invalid(
            Route.GENERATE,
            "{\"text\": \"abc\"}",
            "Invalid request format: /generate needs 'inputs' (TGI) or 'prompt' (vLLM)"),
        invalid(
            Route.GENERATE,
            "{\"inputs\": 5}",
            "Invalid request format: TGI 'inputs' must be a string"),
        invalid(
            Route.GENERATE,
            "{\"prompt\": [1, 2]}",
            "Invalid request format: vLLM 'prompt' must be a string"),
        invalid(
            Route.GENERATE_STREAM,
            "{\"prompt\": \"abc\"}",
            "Invalid request format: TGI 'inputs' must be a string"),
        invalid(
            Route.TGI_ROOT,
            "{\"inputs\": null}",
            "Invalid request format: TGI 'inputs' must be a string"),
        invalid(Route.TRITON_GENERATE, "{\"text_input\": 5}", BAD_TRITON),
        invalid(Route.TRITON_GENERATE_STREAM, "{}", BAD_TRITON),
        invalid(Route.TRITON_INFER, "{\"inputs\": []}", BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("UINT32", "[1, -2, 3]"), BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("UINT32", "[1, 2.5]"), BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("UINT32", "[1, \"2\"]"), BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("UINT32", "[4294967296]"), BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("UINT32", "\"1 2\""), BAD_TRITON),
        invalid(Route.TRITON_INFER, tritonInputs("INT32", "[1, 2]"), BAD_TRITON),
        invalid(Route.MINDIE_INFER, "{\"inputs\": \"a\", \"input_id\": [1]}", BAD_MINDIE_CHOICE),
        invalid(Route.MINDIE_INFER_TOKEN, "{\"stream\": true}", BAD_MINDIE_CHOICE),
        invalid(Route.MINDIE_INFER, "{\"inputs\": null, \"input_id\": null}", BAD_MINDIE_CHOICE),
        invalid(
            Route.MINDIE_INFER,
            "{\"inputs\": [1]}",
            "Invalid request format: 'inputs' must be a string"),
        invalid(
            Route.MINDIE_INFER_TOKEN,
            "{\"input_id\": [1, -1]}",
            "Invalid request format: 'input_id' must be an array of non-negative integers"),
        invalid(
            Route.MINDIE_INFER_TOKEN,
            "{\"input_id\": [1, 1.5]}",
            "Invalid request format: 'input_id' must be an array of non-negative integers"),
        invalid(
            Route.MINDIE_INFER_TOKEN,
            "{\"input_id\": \"1 2\"}",
            "Invalid request format: 'input_id' must be an array of non-negative integers"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("invalidBodies")
  void shouldRefuseAnInvalidShapeWithItsText(Route route, String body, String text) {
    BadRequestException e = assertThrows(BadRequestException.class, () -> check(route, body));

    assertThat(e.getMessage(), is(text));
  }

  @Test
  void shouldGiveMindIesOpenAiTextExactly() {
    BadRequestException e =
        assertThrows(BadRequestException.class, () -> check(Route.CHAT_COMPLETIONS, "{}"));

    assertThat(e.getMessage(), is("Invalid request format: Missing both 'prompt' or 'messages'"));
  }

  @Test
  void shouldRefuseATritonBodyWithoutModelInThePath() {
    for (String model : new String[] {null, ""}) {
      BadRequestException e =
          assertThrows(
              BadRequestException.class,
              () ->
                  BodyChecks.check(
                      Route.TRITON_GENERATE, model, bytes("{\"text_input\": \"abc\"}")));
      assertThat(e.getMessage(), is("Invalid request format: the model must be in the path"));
    }
  }

  static Stream<String> malformedBodies() {
    return Stream.of(
        "",
        "{",
        "{\"prompt\": \"a\",}",
        "[{\"prompt\": \"a\"}]",
        "\"prompt\"",
        "null",
        "{\"prompt\": \"a\"} {\"prompt\": \"b\"}",
        "{\"prompt\": \"a\", \"prompt\": \"b\"}",
        "{\"prompt\": \"a\", \"x\": " + nested(16) + "}",
        "\u00ff\u00fe");
  }

  @ParameterizedTest
  @MethodSource("malformedBodies")
  void shouldRefuseAMalformedBodyOnEveryRoute(String body) {
    for (Route route : Route.values()) {
      BadRequestException e =
          assertThrows(
              BadRequestException.class,
              () -> BodyChecks.check(route, TRITON_MODEL, bytes(body)),
              route.name());
      assertThat(e.getMessage(), startsWith("Invalid request format: "));
    }
  }

  @Test
  void shouldAcceptNestingWellWithinTheLimit() throws BadRequestException {
    // the body object is level 1; 14 arrays make 15 (Parsson's maxDepth 16 refuses 16 already)
    check(Route.COMPLETIONS, "{\"prompt\": \"a\", \"x\": " + nested(14) + "}");
  }

  @Test
  void shouldGiveTwoTurnsOfOneConversationTheSameIdentity() throws BadRequestException {
    String first =
        "[{\"role\": \"system\", \"content\": \"You are terse.\"},"
            + " {\"role\": \"user\", \"content\": \"What is a KV cache?\"}]";
    String second =
        "[{\"role\": \"system\", \"content\": \"You are terse.\"},"
            + " {\"role\": \"user\", \"content\": \"What is a KV cache?\"},"
            + " {\"role\": \"assistant\", \"content\": \"Saved attention keys and values.\"},"
            + " {\"role\": \"user\", \"content\": \"Why does it help?\"}]";

    long a = BodyChecks.conversation(array(first));
    long b = BodyChecks.conversation(array(second));

    assertThat(a, is(not(0L)));
    assertThat(a, is(b));
    assertThat(chat(first).conversation(), is(chat(second).conversation()));
  }

  @Test
  void shouldGiveDifferentOpeningsDifferentIdentities() {
    long base =
        BodyChecks.conversation(
            array(
                "[{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\":"
                    + " \"Q\"}]"));

    for (String other :
        new String[] {
          "[{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"Q2\"}]",
          "[{\"role\": \"system\", \"content\": \"T\"}, {\"role\": \"user\", \"content\": \"Q\"}]",
          "[{\"role\": \"user\", \"content\": \"Q\"}]",
          "[{\"role\": \"system\", \"content\": \"SQ\"}, {\"role\": \"user\", \"content\": \"\"}]",
        }) {
      assertThat(other, BodyChecks.conversation(array(other)), is(not(base)));
    }
  }

  @Test
  void shouldGiveNoConversationToEmptyMessagesOrAPrompt() throws BadRequestException {
    assertThat(BodyChecks.conversation(array("[]")), is(0L));
    assertThat(BodyChecks.conversation(array("[\"hi\"]")), is(0L));
    assertThat(check(Route.COMPLETIONS, "{\"prompt\": \"hi\"}").conversation(), is(0L));
  }

  private static InferenceRequest chat(String messages) throws BadRequestException {
    return check(Route.CHAT_COMPLETIONS, "{\"messages\": " + messages + "}");
  }

  private static InferenceRequest check(Route route, String body) throws BadRequestException {
    String model = route.path().contains("{model}") ? TRITON_MODEL : null;
    return BodyChecks.check(route, model, bytes(body));
  }

  private static Arguments valid(Route route, String body, InferenceRequest expected) {
    return Arguments.of(route, body, expected);
  }

  private static Arguments invalid(Route route, String body, String text) {
    return Arguments.of(route, body, text);
  }

  private static String tritonInputs(String type, String data) {
    return "{\"inputs\": [{\"name\": \"input0\", \"shape\": [1, 2], \"datatype\": \""
        + type
        + "\", \"data\": "
        + data
        + "}]}";
  }

  /** {@code levels} arrays nested in each other. */
  private static String nested(int levels) {
    return "[".repeat(levels) + "]".repeat(levels);
  }

  private static JsonArray array(String json) {
    return Json.createReader(new StringReader(json)).readArray();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
