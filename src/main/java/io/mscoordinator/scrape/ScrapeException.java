package io.mscoordinator.scrape;

/**
 * A scrape that failed for a reason other than the body's format: the message starts with what
 * failed ({@code scrape failed}, {@code scrape timed out}, {@code body too large}, ...) and carries
 * {@code key=value} facts, the node's url among them.
 */
final class ScrapeException extends Exception {
  private static final long serialVersionUID = 1L;

  ScrapeException(String message) {
    super(message);
  }
}
