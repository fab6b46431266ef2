package io.mscoordinator.ingest;

import io.mscoordinator.store.SeriesStore;

/** Why a series registration was refused. */
public enum RefusalReason {
  /** The configured series limit is reached. */
  LIMIT("limit", SeriesStore.REFUSED_LIMIT),
  /** Bad metric name, label name, duplicate or reserved label. */
  INVALID("invalid", SeriesStore.REFUSED_INVALID),
  /** The family exists with another kind, or its sample names collide with another family. */
  CONFLICT("conflict", SeriesStore.REFUSED_CONFLICT);

  private final String label;
  private final int code;

  RefusalReason(String label, int code) {
    this.label = label;
    this.code = code;
  }

  /** The {@code reason} label value. */
  public String label() {
    return label;
  }

  /** The reason for a negative {@link SeriesStore#register} result. */
  static RefusalReason fromCode(int code) {
    for (RefusalReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return INVALID;
  }
}
