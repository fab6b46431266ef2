package io.mscoordinator.scrape;

/**
 * How the cluster value of one scalar family (counter, gauge, untyped) is made from the nodes'
 * values of the same series.
 *
 * @param family the family name the rule applies to
 * @param kind the rule
 * @param numerator for {@link Kind#RECOMPUTE}: the family summed into the numerator
 * @param denominator for {@link Kind#RECOMPUTE}: the family summed into the denominator
 * @param prefillOnly for {@link Kind#RECOMPUTE}: sum over prefill nodes when there are any
 */
public record MergeRule(
    String family, Kind kind, String numerator, String denominator, boolean prefillOnly) {

  /** The rules an operator can name in {@code prometheus_metrics_config.rules}. */
  public enum Kind {
    /** The sum over nodes. */
    SUM("sum"),
    /** The plain mean over the nodes that report the series. */
    MEAN("mean"),
    /** The mean weighted by each node's {@code total_block_num}; plain mean when all are 0. */
    WEIGHTED_MEAN("weighted_mean"),
    MAX("max"),
    MIN("min"),
    /**
     * sum(numerator) / sum(denominator) over the same label set, 0 when the denominator is 0; the
     * plain mean of the family itself when no node reports the numerator.
     */
    RECOMPUTE("recompute");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }

    static Kind ofText(String text) {
      for (Kind kind : values()) {
        if (kind.text.equals(text)) {
          return kind;
        }
      }
      return null;
    }
  }

  static MergeRule of(String family, Kind kind) {
    return new MergeRule(family, kind, null, null, false);
  }
}
