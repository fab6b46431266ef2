package io.mscoordinator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain JDK HTTP client against one listener; it sends no Content-Type unless asked. */
public final class TestHttp {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI base;
  private final HttpClient client;

  public TestHttp(URI base) {
    this(base, HttpClient.newBuilder().connectTimeout(TIMEOUT).build());
  }

  public TestHttp(URI base, HttpClient client) {
    this.base = base;
    this.client = client;
  }

  public URI base() {
    return base;
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  /**
   * The status of GET {@code path}, or 0 when the request fails: nothing listens yet, or the
   * connection broke.
   */
  public int status(String path) {
    try {
      return get(path).statusCode();
    } catch (UncheckedIOException e) {
      return 0;
    }
  }

  public HttpResponse<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public HttpResponse<String> post(String path, byte[] body, String contentType) {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
