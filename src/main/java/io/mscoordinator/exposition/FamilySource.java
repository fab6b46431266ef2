package io.mscoordinator.exposition;

/**
 * Something that contributes metric families to GET /metrics: the engine families of the store, the
 * coordinator's own figures, the merged node families. Every source writes through the {@link
 * ExpositionWriter} it is given, which knows the format, so one body has one number format and one
 * escaping whatever wrote its families. Implementations must be safe to call from several request
 * threads at once, write each family once, use family names no other source uses (the coordinator's
 * own start with {@code ms_coordinator_}), and allocate nothing per series in the steady state.
 */
public interface FamilySource {
  /** Writes this source's families, in a stable order, into {@code writer}. */
  void writeFamilies(ExpositionWriter writer);

  /**
   * Why no body may be served now, or {@code null} (the default) when one may: a source that cannot
   * give a truthful answer (MindIE's strict mode while a node's scrape fails) refuses the whole
   * exposition rather than let a partial one pass for complete. Called before every render; cheap,
   * never blocks.
   */
  default String refusal() {
    return null;
  }
}
