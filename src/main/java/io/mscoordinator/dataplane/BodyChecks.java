package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.InvalidRequestException;
import io.mscoordinator.cluster.JsonBodies;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * The body checks of data-plane.md section 2: each route's body must be one JSON object (within the
 * manage listener's depth and duplicate-key rules) with what its dialect needs; what passes is read
 * into an {@link InferenceRequest}. Stateless; any thread.
 */
final class BodyChecks {
  static final String OPENAI_MISSING =
      "Invalid request format: Missing both 'prompt' or 'messages'";

  private BodyChecks() {}

  /** A body that fails a check: answered 400 with {@link #getMessage()} as the text. */
  static final class BadRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Checks {@code body} for {@code route}; {@code pathModel} is the model of a Triton path, else
   * null.
   */
  static InferenceRequest check(Route route, String pathModel, byte[] body)
      throws BadRequestException {
    JsonObject json;
    try {
      json = JsonBodies.parse(body);
    } catch (InvalidRequestException e) {
      throw new BadRequestException("Invalid request format: " + e.rule());
    }
    return switch (route) {
      case CHAT_COMPLETIONS, COMPLETIONS -> openAi(json);
      case GENERATE -> {
        if (json.containsKey("inputs")) {
          yield tgi(json, false);
        }
        if (json.containsKey("prompt")) {
          String prompt = string(json, "prompt", "vLLM 'prompt' must be a string");
          yield new InferenceRequest("vllm", bool(json, "stream"), null, 0, prompt.length());
        }
        throw new BadRequestException(
            "Invalid request format: /generate needs 'inputs' (TGI) or 'prompt' (vLLM)");
      }
      case GENERATE_STREAM -> tgi(json, true);
      case TGI_ROOT -> tgi(json, bool(json, "stream"));
      case TRITON_GENERATE, TRITON_INFER -> triton(json, pathModel, false);
      case TRITON_GENERATE_STREAM -> triton(json, pathModel, true);
      case MINDIE_INFER, MINDIE_INFER_TOKEN -> mindie(json);
      case TOKENIZER -> new InferenceRequest("tokenizer", false, null, 0, promptLength(json));
    };
  }

  private static InferenceRequest openAi(JsonObject json) throws BadRequestException {
    JsonValue prompt = json.get("prompt");
    JsonValue messages = json.get("messages");
    if (absent(prompt) && absent(messages)) {
      throw new BadRequestException(OPENAI_MISSING);
    }
    String model = null;
    JsonValue m = json.get("model");
    if (m instanceof JsonString s) {
      model = s.getString();
    } else if (!absent(m)) {
      throw new BadRequestException("Invalid request format: 'model' must be a string");
    }
    long conversation = 0;
    int chars = 0;
    if (messages instanceof JsonArray list) {
      conversation = conversation(list);
      for (JsonValue message : list) {
        if (message instanceof JsonObject o && o.get("content") instanceof JsonString c) {
          chars += c.getString().length();
        }
      }
    } else if (!absent(messages)) {
      throw new BadRequestException("Invalid request format: 'messages' must be an array");
    }
    if (prompt instanceof JsonString s) {
      chars += s.getString().length();
    } else if (prompt instanceof JsonArray a) {
      chars += a.size();
    }
    return new InferenceRequest("openai", bool(json, "stream"), model, conversation, chars);
  }

  private static InferenceRequest tgi(JsonObject json, boolean stream) throws BadRequestException {
    String inputs = string(json, "inputs", "TGI 'inputs' must be a string");
    return new InferenceRequest("tgi", stream, null, 0, inputs.length());
  }

  private static InferenceRequest triton(JsonObject json, String model, boolean stream)
      throws BadRequestException {
    if (model == null || model.isEmpty()) {
      throw new BadRequestException("Invalid request format: the model must be in the path");
    }
    JsonValue text = json.get("text_input");
    if (text instanceof JsonString s) {
      return new InferenceRequest("triton", stream, model, 0, s.getString().length());
    }
    if (json.get("inputs") instanceof JsonArray inputs
        && !inputs.isEmpty()
        && inputs.get(0) instanceof JsonObject first
        && first.get("datatype") instanceof JsonString type
        && type.getString().equals("UINT32")
        && first.get("data") instanceof JsonArray data
        && tokenIds(data)) {
      return new InferenceRequest("triton", stream, model, 0, data.size());
    }
    throw new BadRequestException(
        "Invalid request format: 'text_input' must be a string, or 'inputs[0]' UINT32 with a"
            + " 'data' array of non-negative integers");
  }

  private static InferenceRequest mindie(JsonObject json) throws BadRequestException {
    JsonValue inputs = json.get("inputs");
    JsonValue ids = json.get("input_id");
    if (absent(inputs) == absent(ids)) {
      throw new BadRequestException(
          "Invalid request format: exactly one of 'inputs' and 'input_id' is required");
    }
    if (!absent(inputs)) {
      if (!(inputs instanceof JsonString s)) {
        throw new BadRequestException("Invalid request format: 'inputs' must be a string");
      }
      return new InferenceRequest("mindie", bool(json, "stream"), null, 0, s.getString().length());
    }
    if (!(ids instanceof JsonArray array) || !tokenIds(array)) {
      throw new BadRequestException(
          "Invalid request format: 'input_id' must be an array of non-negative integers");
    }
    return new InferenceRequest("mindie", bool(json, "stream"), null, 0, array.size());
  }

  /** Whether every element is an integer in [0, 2^32). */
  private static boolean tokenIds(JsonArray array) {
    for (JsonValue v : array) {
      if (!(v instanceof JsonNumber n) || !n.isIntegral()) {
        return false;
      }
      long id;
      try {
        id = n.longValueExact();
      } catch (ArithmeticException e) {
        return false;
      }
      if (id < 0 || id > 0xFFFF_FFFFL) {
        return false;
      }
    }
    return true;
  }

  private static int promptLength(JsonObject json) {
    for (String key : new String[] {"prompt", "inputs", "text_input"}) {
      if (json.get(key) instanceof JsonString s) {
        return s.getString().length();
      }
    }
    return 0;
  }

  /**
   * A conversation's identity: its messages up to and including the first user message (the system
   * prompt and the opening question), which every later turn repeats; 0 when there is none.
   */
  static long conversation(JsonArray messages) {
    long h = 0xcbf29ce484222325L;
    boolean any = false;
    for (JsonValue v : messages) {
      if (!(v instanceof JsonObject message)) {
        return 0;
      }
      String role = message.get("role") instanceof JsonString r ? r.getString() : "";
      JsonValue content = message.get("content");
      String text = content instanceof JsonString c ? c.getString() : String.valueOf(content);
      h = fnv(fnv(h, role), text);
      any = true;
      if (role.equals("user")) {
        break;
      }
    }
    return any ? (h == 0 ? 1 : h) : 0;
  }

  private static long fnv(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    // a separator, so that ("ab", "c") and ("a", "bc") differ
    h ^= 0xff;
    return h * 0x100000001b3L;
  }

  private static String string(JsonObject json, String key, String rule)
      throws BadRequestException {
    if (!(json.get(key) instanceof JsonString s)) {
      throw new BadRequestException("Invalid request format: " + rule);
    }
    return s.getString();
  }

  private static boolean bool(JsonObject json, String key) {
    return json.get(key) == JsonValue.TRUE;
  }

  private static boolean absent(JsonValue v) {
    return v == null || v.getValueType() == JsonValue.ValueType.NULL;
  }
}
