package io.mscoordinator.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What a call sends: method, path (with query), headers and an optional body. Immutable, so one
 * request can be made once and sent on every call (a node's scrape). The layer adds {@code Host},
 * {@code User-Agent} and, with a body, {@code Content-Length}; those names are refused here.
 */
public final class Request {
  private final String method;
  private final String path;
  private final List<String> headers;
  private final byte[] body;
  private final boolean resendOnStale;

  private Request(
      String method, String path, List<String> headers, byte[] body, boolean resendOnStale) {
    this.method = method;
    this.path = path;
    this.headers = List.copyOf(headers);
    this.body = body;
    this.resendOnStale = resendOnStale;
  }

  /** A {@code GET} of {@code path}. */
  public static Builder get(String path) {
    return new Builder("GET", path);
  }

  /** A {@code POST} to {@code path}; give it a body with {@link Builder#body}. */
  public static Builder post(String path) {
    return new Builder("POST", path);
  }

  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  /** Name and value pairs, in order: {@code [name0, value0, name1, value1, ...]}. */
  public List<String> headers() {
    return headers;
  }

  /** The body (the builder took a copy, so no caller can change it), or null for none. */
  byte[] body() {
    return body;
  }

  /**
   * Whether sending the request twice is harmless (RFC 9110 9.2.2): only such a request is sent
   * again on a fresh connection when a kept one turns out closed.
   */
  boolean idempotent() {
    return resendOnStale
        || switch (method) {
          case "GET", "HEAD", "PUT", "DELETE", "OPTIONS" -> true;
          default -> false;
        };
  }

  /** Builds a {@link Request}. */
  public static final class Builder {
    private final String method;
    private final String path;
    private final List<String> headers = new ArrayList<>();
    private byte[] body;
    private boolean resendOnStale;

    private Builder(String method, String path) {
      if (!path.startsWith("/") || !visible(path, false)) {
        throw new IllegalArgumentException("bad request path: path=" + path);
      }
      this.method = method;
      this.path = path;
    }

    /** Adds a header; names the layer sets itself are refused. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(value, "value");
      String lower = name.toLowerCase(Locale.ROOT);
      if (!visible(name, false)
          || name.isEmpty()
          || name.indexOf(':') >= 0
          || !visible(value, true)
          || lower.equals("host")
          || lower.equals("user-agent")
          || lower.equals("content-length")
          || lower.equals("transfer-encoding")) {
        throw new IllegalArgumentException("bad request header: name=" + name);
      }
      headers.add(name);
      headers.add(value);
      return this;
    }

    /** The body, sent with its {@code Content-Type} and a {@code Content-Length}. */
    public Builder body(String contentType, byte[] bytes) {
      header("Content-Type", contentType);
      this.body = bytes.clone();
      return this;
    }

    /**
     * Sends this request again on a fresh connection when a kept-alive one turns out closed before
     * a byte of the response came, as an idempotent request is. For a request the server cannot
     * have started on such a connection: one that closes an idle connection reads nothing more from
     * it (the keep-alive race every pooling client meets). Forwarded inference requests take it, so
     * that an instance that dropped its idle connections costs no request.
     */
    public Builder resendOnStaleConnection() {
      this.resendOnStale = true;
      return this;
    }

    public Request build() {
      return new Request(method, path, headers, body, resendOnStale);
    }

    /** Visible ASCII (and blanks when allowed): nothing that could end a line or the head. */
    private static boolean visible(String s, boolean blanks) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean blank = c == ' ' || c == '\t';
        if ((blank && !blanks) || (!blank && (c < '!' || c > '~'))) {
          return false;
        }
      }
      return true;
    }
  }
}
