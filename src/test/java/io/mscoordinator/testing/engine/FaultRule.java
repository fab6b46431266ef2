package io.mscoordinator.testing.engine;

import java.time.Duration;

/**
 * When a {@link Fault} applies and with which parameters. Immutable; build with {@link #of(Fault)}
 * and the {@code with*} methods.
 *
 * @param fault what goes wrong
 * @param times how many of the next matching requests it costs; {@link #UNTIL_CHANGED} for all of
 *     them until the rule is replaced or cleared
 * @param path the request path (without query) it applies to, or {@code null} for every path but
 *     {@code GET /metrics} and {@code GET /health} (so a background scraper does not use up the
 *     count; name those paths to fault them)
 * @param afterChunks {@link Fault#DROP_MID_STREAM}: chunks written before the socket is closed
 * @param trickleDelay {@link Fault#TRICKLE}: the pause between two bytes
 */
public record FaultRule(
    Fault fault, int times, String path, int afterChunks, Duration trickleDelay) {
  /** {@link #times()} of a rule that holds until it is replaced or cleared. */
  public static final int UNTIL_CHANGED = -1;

  public FaultRule {
    if (fault == null) {
      throw new IllegalArgumentException("fault rule without a fault");
    }
    if (times == 0 || times < UNTIL_CHANGED) {
      throw new IllegalArgumentException("fault rule times out of range: times=" + times);
    }
    if (afterChunks < 0) {
      throw new IllegalArgumentException(
          "fault rule afterChunks negative: afterChunks=" + afterChunks);
    }
    if (trickleDelay == null || trickleDelay.isNegative()) {
      throw new IllegalArgumentException(
          "fault rule trickleDelay invalid: trickleDelay=" + trickleDelay);
    }
  }

  /**
   * {@code fault} on every request until changed, dropping after 2 chunks, trickling every 1 ms.
   */
  public static FaultRule of(Fault fault) {
    return new FaultRule(fault, UNTIL_CHANGED, null, 2, Duration.ofMillis(1));
  }

  /** The same rule for the next {@code n} matching requests only. */
  public FaultRule withTimes(int n) {
    return new FaultRule(fault, n, path, afterChunks, trickleDelay);
  }

  /** The same rule for requests to {@code path} only. */
  public FaultRule withPath(String p) {
    return new FaultRule(fault, times, p, afterChunks, trickleDelay);
  }

  /** The same rule, dropping after {@code k} chunks. */
  public FaultRule withAfterChunks(int k) {
    return new FaultRule(fault, times, path, k, trickleDelay);
  }

  /** The same rule, trickling with {@code d} between bytes. */
  public FaultRule withTrickleDelay(Duration d) {
    return new FaultRule(fault, times, path, afterChunks, d);
  }
}
