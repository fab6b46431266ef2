package io.mscoordinator.testing.engine;

/**
 * A prefill engine's hand-off of one request to its decode engine ({@code POST /fake/decode}), as
 * it went: immutable, shared with any test thread.
 *
 * @param reqId the coordinator's {@code req-id}
 * @param dTarget the {@code d-target} header
 * @param dPort the {@code d-port} header
 * @param recompute whether P's request carried {@code is-recompute: true}
 * @param status D's status, 0 when D gave none
 * @param failure why D gave none or not 200 (e.g. {@code java.net.ConnectException: ...}), null
 *     when it answered 200
 */
public record PrefillHandoff(
    String reqId, String dTarget, int dPort, boolean recompute, int status, String failure) {

  /** Whether D took the request (answered 200). */
  public boolean ok() {
    return status == 200;
  }
}
