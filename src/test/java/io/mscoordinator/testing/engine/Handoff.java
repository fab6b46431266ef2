package io.mscoordinator.testing.engine;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a prefill engine tells a decode engine when it hands a generation over: the body of {@code
 * POST /fake/decode}, a JSON object with these fields (our own format: MindIE moves the KV cache
 * between NPUs instead). Carries everything D needs to write the rest of the answer with the very
 * bytes P would have written itself as a single node (P's model, {@code created}, default output
 * length and timing), so that P's first piece and D's pieces join into the single-node answer.
 * Immutable.
 *
 * @param reqId the coordinator's {@code req-id}
 * @param target the client's request target (route, and the dialect with it)
 * @param body the client's body as P received it (UTF-8 JSON)
 * @param stream whether the client asked for a stream
 * @param recompute whether P's request carried {@code is-recompute: true}
 * @param model P's model
 * @param created P's {@code created} second
 * @param defaultOutputTokens P's output length for a request that asks for none
 * @param outputTokens the answer's tokens in all
 * @param next the first token D generates (P wrote the ones before)
 * @param firstTokenBaseNanos P's timing: the first-token delay of an empty prompt
 * @param perPromptTokenNanos P's timing: added per prompt token
 * @param interTokenNanos P's timing: between two tokens, D's pace
 */
record Handoff(
    String reqId,
    String target,
    String body,
    boolean stream,
    boolean recompute,
    String model,
    long created,
    int defaultOutputTokens,
    int outputTokens,
    int next,
    long firstTokenBaseNanos,
    long perPromptTokenNanos,
    long interTokenNanos) {

  /** The route D serves hand-offs on. */
  static final String PATH = "/fake/decode";

  byte[] json() {
    return Json.createObjectBuilder()
        .add("reqId", reqId)
        .add("target", target)
        .add("body", body)
        .add("stream", stream)
        .add("recompute", recompute)
        .add("model", model)
        .add("created", created)
        .add("defaultOutputTokens", defaultOutputTokens)
        .add("outputTokens", outputTokens)
        .add("next", next)
        .add("firstTokenBaseNanos", firstTokenBaseNanos)
        .add("perPromptTokenNanos", perPromptTokenNanos)
        .add("interTokenNanos", interTokenNanos)
        .build()
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a hand-off body.
   *
   * @throws IllegalArgumentException when it is not one, with the reason
   */
  static Handoff parse(byte[] json) {
    JsonObject o;
    try {
      JsonValue v = Json.createReader(new ByteArrayInputStream(json)).readValue();
      if (v.getValueType() != JsonValue.ValueType.OBJECT) {
        throw new IllegalArgumentException("hand-off not a JSON object");
      }
      o = v.asJsonObject();
    } catch (JsonException | IllegalStateException e) {
      throw new IllegalArgumentException("hand-off not JSON: " + e.getMessage(), e);
    }
    return new Handoff(
        text(o, "reqId"),
        text(o, "target"),
        text(o, "body"),
        flag(o, "stream"),
        flag(o, "recompute"),
        text(o, "model"),
        number(o, "created"),
        (int) number(o, "defaultOutputTokens"),
        (int) number(o, "outputTokens"),
        (int) number(o, "next"),
        number(o, "firstTokenBaseNanos"),
        number(o, "perPromptTokenNanos"),
        number(o, "interTokenNanos"));
  }

  /** D's own options made P's, where they shape the answer's bytes and pace. */
  FakeEngine.Options senderOptions(FakeEngine.Options own) {
    return own.withModel(model)
        .withOutputTokens(defaultOutputTokens)
        .withTiming(
            Duration.ofNanos(firstTokenBaseNanos),
            Duration.ofNanos(perPromptTokenNanos),
            Duration.ofNanos(interTokenNanos))
        .withCreated(created);
  }

  private static String text(JsonObject o, String key) {
    if (o.get(key) instanceof JsonString s) {
      return s.getString();
    }
    throw new IllegalArgumentException("hand-off field not a string: field=" + key);
  }

  private static boolean flag(JsonObject o, String key) {
    JsonValue v = o.get(key);
    if (v == JsonValue.TRUE || v == JsonValue.FALSE) {
      return v == JsonValue.TRUE;
    }
    throw new IllegalArgumentException("hand-off field not a boolean: field=" + key);
  }

  private static long number(JsonObject o, String key) {
    if (o.get(key) instanceof JsonNumber n && n.isIntegral() && n.longValue() >= 0) {
      return n.longValue();
    }
    throw new IllegalArgumentException("hand-off field not a non-negative integer: field=" + key);
  }
}
