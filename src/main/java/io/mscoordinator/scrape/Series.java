package io.mscoordinator.scrape;

import io.mscoordinator.series.Labels;
import java.util.Objects;

/**
 * One time series of a node's body, resolved against its family: the family name, which sample of
 * the family it is ({@link Suffix}), its labels without {@code le}/{@code quantile}, and that
 * bound. Equal series of different nodes are what the merge adds up.
 */
final class Series {
  /** Which sample of its family a series is. */
  enum Suffix {
    NONE(""),
    TOTAL("_total"),
    CREATED("_created"),
    BUCKET("_bucket"),
    SUM("_sum"),
    COUNT("_count"),
    GSUM("_gsum"),
    GCOUNT("_gcount"),
    INFO("_info");

    final String text;

    Suffix(String text) {
      this.text = text;
    }
  }

  final String family;
  final Suffix suffix;
  final Labels labels;

  /** The {@code le} or {@code quantile} bound, NaN when the sample has none. */
  final double bound;

  /** The name of the sample line, e.g. {@code x_bucket}. */
  final String sampleName;

  private final int hash;

  Series(String family, Suffix suffix, Labels labels, double bound) {
    this.family = family;
    this.suffix = suffix;
    this.labels = labels;
    this.bound = bound;
    this.sampleName = family + suffix.text;
    this.hash = Objects.hash(family, suffix, labels, Double.hashCode(bound));
  }

  boolean hasBound() {
    return !Double.isNaN(bound);
  }

  Series withLabels(Labels replaced) {
    return new Series(family, suffix, replaced, bound);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    return o instanceof Series other
        && hash == other.hash
        && suffix == other.suffix
        && family.equals(other.family)
        && Double.compare(bound, other.bound) == 0
        && labels.equals(other.labels);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return sampleName + labels + (hasBound() ? "@" + bound : "");
  }
}
