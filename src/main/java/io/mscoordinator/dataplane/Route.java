package io.mscoordinator.dataplane;

/**
 * The inference routes of the data listener (data-plane.md section 2), each with how its body is
 * checked and when its answer streams. Triton's paths carry the model: {@code
 * /v2/models/{model}/...}.
 */
enum Route {
  CHAT_COMPLETIONS("/v1/chat/completions"),
  COMPLETIONS("/v1/completions"),
  /** TGI when the body has {@code inputs}, vLLM when it has {@code prompt}. */
  GENERATE("/generate"),
  GENERATE_STREAM("/generate_stream"),
  TGI_ROOT("/"),
  TRITON_GENERATE("/v2/models/{model}/generate"),
  TRITON_GENERATE_STREAM("/v2/models/{model}/generate_stream"),
  TRITON_INFER("/v2/models/{model}/infer"),
  MINDIE_INFER("/infer"),
  MINDIE_INFER_TOKEN("/infer_token"),
  /** No scheduler: the instance with the fewest requests in flight. */
  TOKENIZER("/v1/tokenizer");

  private final String path;

  Route(String path) {
    this.path = path;
  }

  /** The path as Helidon's routing declares it. */
  String path() {
    return path;
  }
}
