package io.mscoordinator.ingest;

/** Why an event did not change metric state. */
public enum DropReason {
  /** The producer found the ring full; counted by the producer, never blocking it. */
  RING_FULL("ring_full"),
  /** The event's handle was never registered on that ring. */
  UNKNOWN_SERIES("unknown_series"),
  /** The event's handle was registered, but the series was refused (limit, name, conflict). */
  REFUSED_SERIES("refused_series"),
  /** Wrong record type for the series' kind, a negative delta, or a sample out of range. */
  INVALID_VALUE("invalid_value"),
  /** A record that does not follow {@link RecordDescriptor}. */
  MALFORMED("malformed");

  private final String label;

  DropReason(String label) {
    this.label = label;
  }

  /** The {@code reason} label value. */
  public String label() {
    return label;
  }
}
