package io.mscoordinator.ingest;

/**
 * What any thread may read of the ingest agent's own figures and rings (the {@code /metrics} self
 * families, health): monotonic counters the agent publishes with release stores, and the rings'
 * capacity and use as of the call. Every method is cheap and never blocks.
 */
public interface IngestCountersReader {
  /**
   * Whether records can arrive over {@code transport} (the file ring is off when not configured).
   */
  boolean enabled(Transport transport);

  /** Records read from the ring of {@code transport}. */
  long events(Transport transport);

  /**
   * Events dropped over {@code transport} for {@code reason} (ring-full drops by producers too).
   */
  long drops(Transport transport, DropReason reason);

  /** Series registrations refused for {@code reason}. */
  long refused(RefusalReason reason);

  /** Duty cycles the agent has run. */
  long dutyCycles();

  /** Times the ring file was found deleted, replaced or truncated and was created again. */
  long ringFileRecreations();

  /** Records skipped because their producer died while writing them. */
  long ringUnblocks();

  /** Times a ring was found unreadable and emptied. */
  long ringResets();

  /** Capacity in bytes of the ring of {@code transport}, 0 when it is off. */
  int ringCapacity(Transport transport);

  /** Bytes waiting in the ring of {@code transport}, 0 when it is off. */
  int ringUsed(Transport transport);

  /** Series the store holds, as of the last registration the agent applied. */
  long series();

  /** The most series the store interns. */
  int seriesLimit();
}
