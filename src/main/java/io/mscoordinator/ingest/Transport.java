package io.mscoordinator.ingest;

/** The ring an event came through. */
public enum Transport {
  /** The in-process ring: request threads, the OTLP receiver, scrapers. */
  IN_PROCESS("in_process"),
  /** The memory-mapped file ring: producers in other processes. */
  FILE("file");

  private final String label;

  Transport(String label) {
    this.label = label;
  }

  /** The {@code transport} label value. */
  public String label() {
    return label;
  }
}
