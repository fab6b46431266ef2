package io.mscoordinator.testing.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the engine will answer to one request, before timing and faults apply: a fixed reply
 * (probes, {@code /metrics}, errors, the tokenizer), a {@link Generation} of tokens, or a decode
 * engine's {@link Link} or {@link Decode} of a hand-off. Immutable apart from the bytes each call
 * builds; a plan belongs to one connection's thread.
 */
interface Plan {

  /** A reply written at once with a {@code Content-Length}. */
  record Fixed(int status, String contentType, byte[] body) implements Plan {
    static Fixed text(int status, String text) {
      return new Fixed(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static Fixed json(int status, String json) {
      return new Fixed(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A decode engine's {@code GET /dresult}: the link, served until evicted or gone. */
  record Link() implements Plan {}

  /** A decode engine's hand-off from P: answered 200 at once, then decoded on its own thread. */
  record Decode(Handoff handoff, Generation generation) implements Plan {}

  /**
   * A generation of {@link #outputTokens()} tokens in one dialect. Non-streaming it is {@link
   * #whole()}; streaming it is {@link #open()}, then {@link #token(int, boolean)} for each token,
   * then {@link #close(int)}, each byte array one HTTP chunk.
   */
  abstract class Generation implements Plan {
    final int promptTokens;
    final int outputTokens;
    final boolean stream;

    Generation(int promptTokens, int outputTokens, boolean stream) {
      this.promptTokens = promptTokens;
      this.outputTokens = outputTokens;
      this.stream = stream;
    }

    /** The Content-Type of the answer as this request asked for it (stream or not). */
    abstract String contentType();

    /** The non-streaming body. */
    abstract byte[] whole();

    /** The events written at first-token time, before token 0: e.g. OpenAI's role delta. */
    List<byte[]> open() {
      return List.of();
    }

    /** The stream event carrying token {@code i}; {@code last} on the final token of the answer. */
    abstract byte[] token(int i, boolean last);

    /**
     * The events after the last token written; {@code produced} tokens were written (fewer when
     * stopped).
     */
    List<byte[]> close(int produced) {
      return List.of();
    }
  }

  /** The text of token {@code i}: {@code tok0}, then {@code " tok1"}, {@code " tok2"}, ... */
  static String tokenText(int i) {
    return i == 0 ? "tok0" : " tok" + i;
  }

  /** The id of token {@code i}. */
  static int tokenId(int i) {
    return 1000 + i;
  }

  /** The text of the first {@code n} tokens. */
  static String text(int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(tokenText(i));
    }
    return s.toString();
  }
}
