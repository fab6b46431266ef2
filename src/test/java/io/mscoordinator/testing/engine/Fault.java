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
  HUGE_BODY
}
