package io.mscoordinator.testing.engine;

import io.mscoordinator.testing.engine.Plan.Fixed;
import io.mscoordinator.testing.engine.Plan.Generation;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The routes of data-plane.md section 2 as real engines answer them: from a request to a {@link
 * Plan}. Answers depend only on the request and the engine's options (ids come from the {@code
 * req-id} header, or the request's sequence). Stateless apart from the callbacks; any connection
 * thread calls it.
 */
final class Dialects {
  static final String SSE = "text/event-stream";
  static final String JSON = "application/json";

  private final FakeEngine.Options options;
  private final long created;
  private final Supplier<byte[]> metrics;
  private final Consumer<String> stopInfer;

  Dialects(
      FakeEngine.Options options,
      long created,
      Supplier<byte[]> metrics,
      Consumer<String> stopInfer) {
    this.options = options;
    this.created = created;
    this.metrics = metrics;
    this.stopInfer = stopInfer;
  }

  /** The epoch second OpenAI answers carry as {@code created}. */
  long created() {
    return created;
  }

  /** Whether the request is a probe a scraper sends ({@code GET /metrics}, {@code GET /health}). */
  static boolean isProbe(String method, String path) {
    return method.equals("GET") && (path.equals("/metrics") || path.equals("/health"));
  }

  Plan plan(SeenRequest req) {
    String path = req.path();
    String method = req.method();
    if (path.equals("/metrics") || path.equals("/health") || path.equals("/v1/models")) {
      if (!method.equals("GET")) {
        return notAllowed("GET");
      }
      return switch (path) {
        case "/metrics" -> new Fixed(200, options.flavour().contentType(), metrics.get());
        case "/health" -> new Fixed(200, "text/plain; charset=utf-8", new byte[0]);
        default -> Fixed.json(200, models());
      };
    }
    String tritonModel = null;
    String tritonVerb = null;
    if (path.startsWith("/v2/models/")) {
      String rest = path.substring("/v2/models/".length());
      int slash = rest.lastIndexOf('/');
      if (slash > 0) {
        tritonModel = rest.substring(0, slash);
        tritonVerb = rest.substring(slash + 1);
      }
    }
    boolean known =
        switch (path) {
          case "/v1/chat/completions",
              "/v1/completions",
              "/generate",
              "/generate_stream",
              "/",
              "/infer",
              "/infer_token",
              "/v1/tokenizer" ->
              true;
          default ->
              tritonVerb != null
                  && List.of("generate", "generate_stream", "infer", "stopInfer")
                      .contains(tritonVerb);
        };
    if (!known) {
      return Fixed.text(404, "not found: path=" + path + "\r\n");
    }
    if (!method.equals("POST")) {
      return notAllowed("POST");
    }
    JsonObject body;
    try {
      JsonValue value = Json.createReader(new ByteArrayInputStream(req.body())).readValue();
      if (value.getValueType() != JsonValue.ValueType.OBJECT) {
        return Fixed.text(400, "bad JSON: not an object\r\n");
      }
      body = value.asJsonObject();
    } catch (JsonException | IllegalStateException e) {
      return Fixed.text(400, "bad JSON: " + e.getMessage() + "\r\n");
    }
    if (tritonVerb != null) {
      if (tritonVerb.equals("stopInfer")) {
        String id = string(body, "id");
        if (id == null) {
          return Fixed.text(400, "stopInfer without id\r\n");
        }
        stopInfer.accept(id);
        return new Fixed(200, "text/plain; charset=utf-8", new byte[0]);
      }
      if (!tritonModel.equals(options.model())) {
        return Fixed.json(
            404, "{\"error\":\"Request for unknown model: '" + tritonModel + "' is not found\"}");
      }
      return triton(req, body, tritonVerb);
    }
    String id = req.reqId().orElse(Long.toString(req.sequence()));
    return switch (path) {
      case "/v1/chat/completions" -> openAi(body, id, true);
      case "/v1/completions" -> openAi(body, id, false);
      case "/generate" -> generate(body);
      case "/generate_stream" -> tgi(body, true, false);
      case "/" -> tgi(body, bool(body, "stream"), true);
      case "/infer", "/infer_token" -> mindie(body, path.equals("/infer_token"));
      default -> tokenizer(body);
    };
  }

  private Plan openAi(JsonObject body, String id, boolean chat) {
    JsonValue input = body.get(chat ? "messages" : "prompt");
    if (input == null) {
      return Fixed.text(400, "Invalid request format: Missing both 'prompt' or 'messages'\r\n");
    }
    String model = string(body, "model");
    if (model != null && !model.equals(options.model())) {
      return Fixed.json(
          404,
          "{\"object\":\"error\",\"message\":\"The model `"
              + model
              + "` does not exist.\",\"type\":\"NotFoundError\",\"code\":404}");
    }
    Integer max = integer(body, "max_tokens");
    if (max == null && chat) {
      max = integer(body, "max_completion_tokens");
    }
    int n = max == null ? options.outputTokens() : max;
    String finish = max == null ? "stop" : "length";
    JsonValue so = body.get("stream_options");
    boolean usage = so instanceof JsonObject o && o.get("include_usage") == JsonValue.TRUE;
    int prompt = chat ? promptTokens(messageContents(input)) : promptTokens(input);
    return new OpenAi(
        chat, (chat ? "chatcmpl-" : "cmpl-") + id, prompt, n, bool(body, "stream"), finish, usage);
  }

  private Plan generate(JsonObject body) {
    if (body.get("inputs") instanceof JsonString) {
      return tgi(body, false, false);
    }
    if (body.get("prompt") instanceof JsonString prompt) {
      Integer max = integer(body, "max_tokens");
      int n = max == null ? options.outputTokens() : max;
      return new Vllm(prompt.getString(), promptTokens(prompt), n, bool(body, "stream"));
    }
    return Fixed.text(
        400, "bad request: /generate needs a string 'inputs' (TGI) or 'prompt' (vLLM)\r\n");
  }

  private Plan tgi(JsonObject body, boolean stream, boolean compat) {
    if (!(body.get("inputs") instanceof JsonString inputs)) {
      return Fixed.text(400, "bad request: 'inputs' must be a string\r\n");
    }
    Integer max = integer(parameters(body), "max_new_tokens");
    int n = max == null ? options.outputTokens() : max;
    return new Tgi(promptTokens(inputs), n, stream, compat);
  }

  private Plan triton(SeenRequest req, JsonObject body, String verb) {
    Integer max = integer(parameters(body), "max_tokens");
    if (max == null) {
      max = integer(body, "max_tokens");
    }
    int n = max == null ? options.outputTokens() : max;
    if (verb.equals("infer")) {
      if (!(body.get("inputs") instanceof JsonArray inputs) || inputs.isEmpty()) {
        return Fixed.text(400, "bad request: 'inputs' must be a non-empty array\r\n");
      }
      JsonValue data = inputs.get(0) instanceof JsonObject first ? first.get("data") : null;
      return new TritonInfer(string(body, "id"), promptTokens(data), n);
    }
    JsonValue text = body.get("text_input");
    if (text == null && body.get("inputs") instanceof JsonArray inputs && !inputs.isEmpty()) {
      text = inputs.get(0) instanceof JsonObject first ? first.get("data") : null;
    }
    if (text == null) {
      return Fixed.text(400, "bad request: 'text_input' or 'inputs' missing\r\n");
    }
    return new TritonGenerate(promptTokens(text), n, verb.equals("generate_stream"));
  }

  private Plan mindie(JsonObject body, boolean tokenRoute) {
    JsonValue input = tokenRoute ? body.get("input_id") : body.get("inputs");
    if (input == null && !tokenRoute) {
      input = body.get("input_id");
    }
    if (tokenRoute ? !(input instanceof JsonArray) : input == null) {
      return Fixed.text(
          400,
          tokenRoute
              ? "bad request: 'input_id' must be an array\r\n"
              : "bad request: 'inputs' missing\r\n");
    }
    Integer max = integer(parameters(body), "max_new_tokens");
    int n = max == null ? options.outputTokens() : max;
    return new Mindie(promptTokens(input), n, bool(body, "stream"), tokenRoute);
  }

  private Plan tokenizer(JsonObject body) {
    JsonValue input = body.containsKey("prompt") ? body.get("prompt") : body.get("inputs");
    if (input == null) {
      return Fixed.text(400, "bad request: 'prompt' or 'inputs' missing\r\n");
    }
    int n = promptTokens(input);
    JsonArrayBuilder tokens = Json.createArrayBuilder();
    for (int i = 0; i < n; i++) {
      tokens.add(100 + i);
    }
    return Fixed.json(
        200,
        Json.createObjectBuilder().add("token_number", n).add("tokens", tokens).build().toString());
  }

  private String models() {
    return Json.createObjectBuilder()
        .add("object", "list")
        .add(
            "data",
            Json.createArrayBuilder()
                .add(
                    Json.createObjectBuilder()
                        .add("id", options.model())
                        .add("object", "model")
                        .add("created", created)
                        .add("owned_by", "fake-engine")))
        .build()
        .toString();
  }

  private static Plan notAllowed(String allowed) {
    return Fixed.text(405, "method not allowed: allow=" + allowed + "\r\n");
  }

  // --- the dialects' answers ---

  private final class OpenAi extends Generation {
    private final boolean chat;
    private final String id;
    private final String finish;
    private final boolean usage;

    OpenAi(
        boolean chat, String id, int prompt, int n, boolean stream, String finish, boolean usage) {
      super(prompt, n, stream);
      this.chat = chat;
      this.id = id;
      this.finish = finish;
      this.usage = usage;
    }

    @Override
    String contentType() {
      return stream ? SSE : JSON;
    }

    @Override
    byte[] whole() {
      JsonObjectBuilder choice = Json.createObjectBuilder().add("index", 0);
      if (chat) {
        choice.add(
            "message",
            Json.createObjectBuilder()
                .add("role", "assistant")
                .add("content", Plan.text(outputTokens)));
      } else {
        choice.add("text", Plan.text(outputTokens));
      }
      choice.addNull("logprobs").add("finish_reason", finish);
      return bytes(
          head(chat ? "chat.completion" : "text_completion")
              .add("choices", Json.createArrayBuilder().add(choice))
              .add("usage", usage(outputTokens))
              .build());
    }

    @Override
    List<byte[]> open() {
      if (!chat) {
        return List.of();
      }
      return List.of(
          chunk(
              Json.createObjectBuilder().add("role", "assistant").add("content", ""), null, null));
    }

    @Override
    byte[] token(int i, boolean last) {
      return chunk(null, Plan.tokenText(i), last ? finish : null);
    }

    @Override
    List<byte[]> close(int produced) {
      List<byte[]> events = new java.util.ArrayList<>();
      if (produced < outputTokens || outputTokens == 0) {
        events.add(
            chunk(
                Json.createObjectBuilder(),
                chat ? null : "",
                produced < outputTokens ? "stop" : finish));
      }
      if (usage) {
        events.add(
            sse(
                head(chat ? "chat.completion.chunk" : "text_completion")
                    .add("choices", Json.createArrayBuilder())
                    .add("usage", usage(produced))
                    .build()));
      }
      events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      return events;
    }

    /**
     * A stream chunk: chat with {@code delta} (or content {@code text}), completions with {@code
     * text}.
     */
    private byte[] chunk(JsonObjectBuilder delta, String text, String finishReason) {
      JsonObjectBuilder choice = Json.createObjectBuilder().add("index", 0);
      if (chat) {
        choice.add(
            "delta", delta != null ? delta : Json.createObjectBuilder().add("content", text));
      } else {
        choice.add("text", text);
      }
      choice.addNull("logprobs");
      if (finishReason == null) {
        choice.addNull("finish_reason");
      } else {
        choice.add("finish_reason", finishReason);
      }
      JsonObjectBuilder o =
          head(chat ? "chat.completion.chunk" : "text_completion")
              .add("choices", Json.createArrayBuilder().add(choice));
      if (usage) {
        o.addNull("usage");
      }
      return sse(o.build());
    }

    private JsonObjectBuilder head(String object) {
      return Json.createObjectBuilder()
          .add("id", id)
          .add("object", object)
          .add("created", created)
          .add("model", options.model());
    }

    private JsonObjectBuilder usage(int completion) {
      return Json.createObjectBuilder()
          .add("prompt_tokens", promptTokens)
          .add("completion_tokens", completion)
          .add("total_tokens", promptTokens + completion);
    }
  }

  private static final class Tgi extends Generation {
    private final boolean compat;

    Tgi(int prompt, int n, boolean stream, boolean compat) {
      super(prompt, n, stream);
      this.compat = compat;
    }

    @Override
    String contentType() {
      return stream ? SSE : JSON;
    }

    @Override
    byte[] whole() {
      JsonObject o =
          Json.createObjectBuilder().add("generated_text", Plan.text(outputTokens)).build();
      // TGI's compat route "/" answers a list of one generation.
      return compat ? bytes(Json.createArrayBuilder().add(o).build()) : bytes(o);
    }

    @Override
    byte[] token(int i, boolean last) {
      JsonObjectBuilder o =
          Json.createObjectBuilder()
              .add("index", i + 1)
              .add(
                  "token",
                  Json.createObjectBuilder()
                      .add("id", Plan.tokenId(i))
                      .add("text", Plan.tokenText(i))
                      .add("logprob", -0.5)
                      .add("special", false));
      if (last) {
        o.add("generated_text", Plan.text(i + 1));
      } else {
        o.addNull("generated_text");
      }
      o.addNull("details");
      // TGI writes "data:" without a space.
      return ("data:" + o.build() + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static final class Vllm extends Generation {
    private final String prompt;

    Vllm(String prompt, int promptTokens, int n, boolean stream) {
      super(promptTokens, n, stream);
      this.prompt = prompt;
    }

    @Override
    String contentType() {
      return JSON;
    }

    @Override
    byte[] whole() {
      return bytes(text(outputTokens));
    }

    @Override
    byte[] token(int i, boolean last) {
      // vLLM's api_server streams the whole text so far, each object followed by a NUL.
      byte[] json = bytes(text(i + 1));
      byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
      out[json.length] = 0;
      return out;
    }

    private JsonObject text(int n) {
      return Json.createObjectBuilder()
          .add("text", Json.createArrayBuilder().add(prompt + Plan.text(n)))
          .build();
    }
  }

  private final class TritonGenerate extends Generation {
    TritonGenerate(int prompt, int n, boolean stream) {
      super(prompt, n, stream);
    }

    @Override
    String contentType() {
      return stream ? SSE : JSON;
    }

    @Override
    byte[] whole() {
      return bytes(output(Plan.text(outputTokens)));
    }

    @Override
    byte[] token(int i, boolean last) {
      return sse(output(Plan.tokenText(i)));
    }

    private JsonObject output(String text) {
      return Json.createObjectBuilder()
          .add("model_name", options.model())
          .add("model_version", "1")
          .add("text_output", text)
          .build();
    }
  }

  private final class TritonInfer extends Generation {
    private final String id;

    TritonInfer(String id, int prompt, int n) {
      super(prompt, n, false);
      this.id = id;
    }

    @Override
    String contentType() {
      return JSON;
    }

    @Override
    byte[] whole() {
      JsonObjectBuilder o = Json.createObjectBuilder();
      if (id != null) {
        o.add("id", id);
      }
      return bytes(
          o.add("model_name", options.model())
              .add("model_version", "1")
              .add(
                  "outputs",
                  Json.createArrayBuilder()
                      .add(
                          Json.createObjectBuilder()
                              .add("name", "text_output")
                              .add("datatype", "BYTES")
                              .add("shape", Json.createArrayBuilder().add(1))
                              .add("data", Json.createArrayBuilder().add(Plan.text(outputTokens)))))
              .build());
    }

    @Override
    byte[] token(int i, boolean last) {
      // KServe v2 infer has no stream form; only an ENDLESS fault asks for one.
      return Plan.tokenText(i).getBytes(StandardCharsets.UTF_8);
    }
  }

  private final class Mindie extends Generation {
    private final boolean tokenRoute;

    Mindie(int prompt, int n, boolean stream, boolean tokenRoute) {
      super(prompt, n, stream);
      this.tokenRoute = tokenRoute;
    }

    @Override
    String contentType() {
      return stream ? SSE : JSON;
    }

    @Override
    byte[] whole() {
      JsonObjectBuilder o =
          Json.createObjectBuilder().add("generated_text", Plan.text(outputTokens));
      if (tokenRoute) {
        JsonArrayBuilder ids = Json.createArrayBuilder();
        for (int i = 0; i < outputTokens; i++) {
          ids.add(Plan.tokenId(i));
        }
        o.add("token_ids", ids);
      }
      return bytes(o.build());
    }

    @Override
    byte[] token(int i, boolean last) {
      JsonObjectBuilder o = Json.createObjectBuilder();
      // Nominal times in ms, without jitter, so that the answer stays deterministic.
      if (i == 0) {
        o.add("prefill_time", options.firstTokenDelayMillis(promptTokens)).addNull("decode_time");
      } else {
        o.addNull("prefill_time").add("decode_time", options.interToken().toNanos() / 1e6);
      }
      o.add(
          "token",
          Json.createObjectBuilder().add("id", Plan.tokenId(i)).add("text", Plan.tokenText(i)));
      if (last) {
        o.add("generated_text", Plan.text(i + 1));
      }
      return sse(o.build());
    }
  }

  // --- helpers ---

  private static byte[] sse(JsonValue v) {
    return ("data: " + v + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(JsonValue v) {
    return v.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject parameters(JsonObject body) {
    return body.get("parameters") instanceof JsonObject p ? p : JsonValue.EMPTY_JSON_OBJECT;
  }

  private static String string(JsonObject o, String key) {
    return o.get(key) instanceof JsonString s ? s.getString() : null;
  }

  private static boolean bool(JsonObject o, String key) {
    return o.get(key) == JsonValue.TRUE;
  }

  private static Integer integer(JsonObject o, String key) {
    if (o.get(key) instanceof JsonNumber n && n.isIntegral() && n.longValue() >= 0) {
      return (int) Math.min(Integer.MAX_VALUE, n.longValue());
    }
    return null;
  }

  /** The content of every message (what a tokenizer would see of a chat). */
  private static JsonValue messageContents(JsonValue messages) {
    JsonArrayBuilder out = Json.createArrayBuilder();
    if (messages instanceof JsonArray list) {
      for (JsonValue m : list) {
        if (m instanceof JsonObject message && message.containsKey("content")) {
          out.add(message.get("content"));
        }
      }
    }
    return out.build();
  }

  /**
   * Prompt tokens as the data plane estimates them: {@code ceil(chars × 0.22)} over every string
   * (in arrays and objects too), plus one per number (token ids are exact).
   */
  static int promptTokens(JsonValue v) {
    long[] charsAndIds = new long[2];
    measure(v, charsAndIds);
    return (int)
        Math.min(Integer.MAX_VALUE, charsAndIds[1] + (long) Math.ceil(charsAndIds[0] * 0.22));
  }

  private static void measure(JsonValue v, long[] charsAndIds) {
    if (v == null) {
      return;
    }
    switch (v.getValueType()) {
      case STRING -> charsAndIds[0] += ((JsonString) v).getString().length();
      case NUMBER -> charsAndIds[1]++;
      case ARRAY -> v.asJsonArray().forEach(e -> measure(e, charsAndIds));
      case OBJECT -> v.asJsonObject().values().forEach(e -> measure(e, charsAndIds));
      default -> {}
    }
  }
}
