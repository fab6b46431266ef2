package io.mscoordinator.testing.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request as the fake engine read it off the wire: immutable, shared with any test thread.
 *
 * @param sequence arrival order on this engine, from 0 (not reset by {@link FakeEngine#reset()})
 * @param method the request method as sent
 * @param target the request target as sent, query included
 * @param headers every header in arrival order, names lower-cased; values as sent, trimmed
 * @param body the body bytes, de-chunked when the request was chunked
 * @param arrivalNanos {@link System#nanoTime()} when the request line was read
 * @param connection the connection's number on this engine, from 0
 */
public record SeenRequest(
    long sequence,
    String method,
    String target,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    long arrivalNanos,
    long connection) {

  /** The target without its query. */
  public String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /** The first value of header {@code name} (any case). */
  public Optional<String> header(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return headers.stream()
        .filter(h -> h.getKey().equals(lower))
        .map(Map.Entry::getValue)
        .findFirst();
  }

  /** Every value of header {@code name} (any case), in arrival order. */
  public List<String> headers(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return headers.stream().filter(h -> h.getKey().equals(lower)).map(Map.Entry::getValue).toList();
  }

  /** The {@code req-id} header the coordinator adds, if any. */
  public Optional<String> reqId() {
    return header("req-id");
  }

  /** The body read as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "SeenRequest[sequence="
        + sequence
        + " "
        + method
        + " "
        + target
        + " bytes="
        + body.length
        + "]";
  }
}
