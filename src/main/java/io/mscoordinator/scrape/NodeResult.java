package io.mscoordinator.scrape;

import io.mscoordinator.cluster.Instance;
import java.util.List;

/**
 * What one node's scrapes have produced so far; immutable once published.
 *
 * @param instance the registry's record of the node when the scrape started
 * @param up whether the last scrape succeeded
 * @param lastError the reason the last scrape failed, or null when it succeeded
 * @param durationSeconds how long the last scrape took
 * @param samples the samples of the last successful scrape
 * @param lastSuccessMillis epoch milliseconds of the last success, 0 when none
 * @param families the families of the last successful scrape, compensated; empty before one
 * @param scraped whether a scrape has finished at all
 */
record NodeResult(
    Instance instance,
    boolean up,
    String lastError,
    double durationSeconds,
    int samples,
    long lastSuccessMillis,
    List<ParsedFamily> families,
    boolean scraped) {

  static NodeResult pending(Instance instance) {
    return new NodeResult(instance, false, null, 0, 0, 0, List.of(), false);
  }
}
