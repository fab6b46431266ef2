package io.mscoordinator.dataplane;

import io.mscoordinator.TestCoordinators;
import jakarta.json.Json;
import jakarta.json.JsonObject;

/** The configs the data plane's socket tests start their coordinator from. */
final class DataPlaneConfigs {
  private DataPlaneConfigs() {}

  /** As {@link #singleNode}, in {@code pd_separate} mode with MindIE's {@code load_balance}. */
  static JsonObject prefillDecode(int maxRetry) {
    JsonObject root = singleNode("load_balance", maxRetry);
    return Json.createPointer("/digs_scheduler_config")
        .replace(
            root,
            Json.createObjectBuilder()
                .add("deploy_mode", "pd_separate")
                .add("scheduler_type", "digs_scheduler")
                .add("algorithm_type", "load_balance")
                .build());
  }

  /**
   * The shipped config in single-node mode with {@code algorithm}, and timeouts short enough to
   * read in a test that advances a {@link ManualClock}: schedule 30 s, first token 60 s, infer 120
   * s, tokenizer 30 s; {@code maxRetry} failed requests take an instance out of scheduling.
   */
  static JsonObject singleNode(String algorithm, int maxRetry) {
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder()
                    .add("deploy_mode", "single_node")
                    .add("algorithm_type", algorithm)
                    .build());
    return TestCoordinators.withSection(
        root,
        "exception_config",
        Json.createObjectBuilder()
            .add("max_retry", maxRetry)
            .add("schedule_timeout", 30)
            .add("first_token_timeout", 60)
            .add("infer_timeout", 120)
            .add("tokenizer_timeout", 30)
            .build());
  }
}
