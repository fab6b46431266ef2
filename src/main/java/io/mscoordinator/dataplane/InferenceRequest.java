package io.mscoordinator.dataplane;

/**
 * One inference request as admission read it: what the scheduler and the forwarding need to know,
 * never the tokens.
 *
 * @param dialect {@code openai}, {@code tgi}, {@code vllm}, {@code triton}, {@code mindie} or
 *     {@code tokenizer}: the label of its counters
 * @param stream whether the answer is streamed (data-plane.md section 2)
 * @param model the model the request names (OpenAI {@code model}, the Triton path), or null
 * @param conversation a hash of the conversation's opening (OpenAI {@code messages} up to the first
 *     user message) for {@code cache_affinity}, or 0 when the request has none
 * @param promptChars characters of the prompt, for estimates of its size
 * @param session the value of the configured session header, or null
 */
record InferenceRequest(
    String dialect,
    boolean stream,
    String model,
    long conversation,
    int promptChars,
    String session) {
  InferenceRequest(String dialect, boolean stream, String model, long conversation, int chars) {
    this(dialect, stream, model, conversation, chars, null);
  }

  /** The same request in the session {@code session}. */
  InferenceRequest inSession(String value) {
    return new InferenceRequest(dialect, stream, model, conversation, promptChars, value);
  }
}
