package io.mscoordinator.testing.engine;

/**
 * The ways the fake engine can misbehave. A fault costs only the request it is applied to (or, for
 * {@link #REFUSE}, the listener): the engine keeps serving other connections. Set through {@link
 * FakeEngine#fault(FaultRule)}; answers cut by a fault are recorded with {@code complete=false}.
 */
public enum Fault {
  /**
   * The listening socket and every open connection are closed at once, so connects are refused (as
   * when the engine's process is gone); {@link FakeEngine#resume()} binds the same port again. Not
   * counted per request.
   */
  REFUSE,
  /** {@code 500} with a short {@code text/plain} body; the connection stays usable. */
  STATUS_500,
  /**
   * The request is read, then nothing is written: no status line, no header. The connection stays
   * open until the client closes it or the engine is closed.
   */
  HANG_BEFORE_FIRST_TOKEN,
  /**
   * {@code 200}, the headers and the answer's first chunk (for a non-streaming answer, the first
   * half of its body), then nothing until the client closes the connection.
   */
  HANG_AFTER_HEADERS,
  /**
   * The answer runs normally for {@link FaultRule#afterChunks()} chunks (non-streaming: half the
   * body), then the socket is closed without the final chunk.
   */
  DROP_MID_STREAM,
  /**
   * The whole answer, status line and framing included, one byte at a time with {@link
   * FaultRule#trickleDelay()} between bytes, each flushed.
   */
  TRICKLE,
  /** Bytes that are not HTTP, then the socket is closed. */
  GARBAGE,
  /**
   * {@code 200} and a chunked stream of the route's events (or of token text) that never ends: one
   * event per inter-token delay (at least 1 ms) until the client goes.
   */
  ENDLESS,
  /**
   * {@code 200} declaring {@code Content-Length: 10737418240}, then zeros as fast as the client
   * reads, until it goes.
   */
  HUGE_BODY,
  /**
   * Decode engine, per hand-off: the request's first {@code data} goes out as usual, then {@code
   * reqId:<id>\0error:fake decode error\0} instead of the rest; when it has no {@code data} before
   * {@code lastData} (non-streaming, or one token left), the error replaces {@code lastData}.
   */
  DECODE_ERROR,
  /**
   * Decode engine, per hand-off: the first hand-off of a {@code req-id} that P did not mark as a
   * recompute is answered at once with {@code reqId:<id>\0retry:<the client's body>\0} and no data,
   * then forgotten; a later hand-off of the same id, or one marked {@code is-recompute}, is served
   * normally.
   */
  DECODE_RETRY_ONCE,
  /**
   * Decode engine, per hand-off: the {@code /dresult} connection is closed abruptly (no final
   * chunk) right after the request's first {@code data} is written (when it has none before {@code
   * lastData}: instead of {@code lastData}); the request's later pieces are never sent, other
   * requests' messages wait for the next link.
   */
  DECODE_DROP_LINK,
  /**
   * Decode engine, while the rule is in force: no {@code ka:heartbeat} on {@code /dresult} (its
   * {@code times} are not counted).
   */
  NO_HEARTBEAT;

  /** Whether the fault is a decode engine's: it applies to hand-offs and links only. */
  boolean decodeOnly() {
    return this == DECODE_ERROR
        || this == DECODE_RETRY_ONCE
        || this == DECODE_DROP_LINK
        || this == NO_HEARTBEAT;
  }
}
