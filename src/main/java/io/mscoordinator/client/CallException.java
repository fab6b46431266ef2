package io.mscoordinator.client;

import java.io.IOException;

/**
 * A call that failed: its {@link #failure()} says how, its message says so first and carries {@code
 * key=value} facts, the destination's url among them, e.g. {@code timed out:
 * url=http://10.0.0.7:9100/metrics timeout_ms=4000}. An {@link IOException}, so that a streamed
 * body's reads can throw it.
 */
public final class CallException extends IOException {
  private static final long serialVersionUID = 1L;

  /** How a call failed; each is the start of the message. */
  public enum Failure {
    /** {@code timed out}: a bound of {@link CallLimits} passed. */
    TIMED_OUT,
    /**
     * {@code failed}: no connection, a broken one, a malformed response, an unsupported encoding,
     * an abort.
     */
    FAILED,
    /** {@code body too large}: as sent or after gunzip. */
    TOO_LARGE,
    /** {@code bad gzip body}: a body that claims gzip and is not. */
    BAD_GZIP
  }

  private final Failure failure;
  private final boolean connecting;

  CallException(Failure failure, String message) {
    this(failure, message, false);
  }

  private CallException(Failure failure, String message, boolean connecting) {
    super(message);
    this.failure = failure;
    this.connecting = connecting;
  }

  public Failure failure() {
    return failure;
  }

  /**
   * Whether the call failed before it had a connection (refused, unreachable, connect or TLS
   * handshake timed out): nothing of the request reached the destination, so another try cannot run
   * it twice.
   */
  public boolean connecting() {
    return connecting;
  }

  /** The same failure, marked as one that happened while connecting. */
  CallException whileConnecting() {
    return connecting ? this : new CallException(failure, getMessage(), true);
  }

  /**
   * The message with {@code action} before a timeout's or failure's, e.g. {@code scrape timed out:
   * url=...}; the others ({@code body too large: ...}) as they are.
   */
  public String messageFor(String action) {
    return failure == Failure.TIMED_OUT || failure == Failure.FAILED
        ? action + " " + getMessage()
        : getMessage();
  }

  static CallException timedOut(String url, long timeoutMillis) {
    return new CallException(
        Failure.TIMED_OUT, "timed out: url=" + url + " timeout_ms=" + timeoutMillis);
  }

  static CallException failed(String url, String reason) {
    return new CallException(Failure.FAILED, "failed: url=" + url + " reason=" + reason);
  }
}
