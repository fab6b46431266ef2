package io.mscoordinator.client;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The response of a {@link Call}: its status and headers have arrived; its body is read whole into
 * a {@link BodyBuffer} ({@link #readBody}) or streamed as it arrives ({@link #body()}), once.
 * Closing it gives the connection back to the pool when the body was read to its end (a small
 * unread body is read and discarded first), and closes it otherwise.
 *
 * <p>Confined to the call's thread.
 */
public final class Response implements AutoCloseable {
  /** The largest unread body read and discarded on close to keep the connection. */
  static final int MAX_DRAINED = 64 * 1024;

  /** The most asked of WebClient per read: it allocates a buffer of the size asked. */
  private static final int READ_SIZE = 16 * 1024;

  private final Call call;
  private final Connection connection;
  private final Http1ClientResponse response;
  private final int max;
  private Body body;
  private boolean closed;

  Response(Call call, Connection connection, Http1ClientResponse response) {
    this.call = call;
    this.connection = connection;
    this.response = response;
    this.max = call.limits().maxBodyBytes();
  }

  public int status() {
    return response.status().code();
  }

  /** The first value of header {@code name} (any case), or null. */
  public String header(String name) {
    return response.headers().first(HeaderNames.create(name)).orElse(null);
  }

  /** Whether the {@code Content-Type}'s media type is {@code mediaType} (any case). */
  public boolean contentType(String mediaType) {
    String type = header("Content-Type");
    if (type == null) {
      return false;
    }
    int end = type.indexOf(';');
    String media = (end < 0 ? type : type.substring(0, end)).trim();
    return media.equalsIgnoreCase(mediaType);
  }

  /**
   * Reads the whole body into {@code into}, gunzipped when the response says gzip; returns its
   * length ({@link BodyBuffer#length()}). A body longer than the call's limit fails: a declared
   * length before the body is read, a streamed one as soon as it passes the limit, a gunzipped one
   * as soon as it does.
   */
  public int readBody(BodyBuffer into) throws CallException, InterruptedException {
    into.clear();
    boolean gzip = gzip();
    OptionalLong declared = response.headers().contentLength();
    if (declared.isPresent() && declared.getAsLong() > max) {
      connection.close();
      throw new CallException(
          CallException.Failure.TOO_LARGE,
          "body too large: limit="
              + max
              + " content_length="
              + declared.getAsLong()
              + " url="
              + call.url());
    }
    Body in = stream();
    int n = 0;
    try {
      while (true) {
        if (n == max) {
          if (in.read() >= 0) {
            throw in.tooLarge();
          }
          break;
        }
        if (n == into.raw.length) {
          into.ensureRaw(n + 1L, n, max);
        }
        int r = in.read(into.raw, n, Math.min(READ_SIZE, into.raw.length - n));
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      connection.close();
      call.interrupted();
      throw call.failure(e, call.limits().deadline());
    }
    into.rawRead(n);
    if (gzip) {
      into.gunzip(max, call.url());
    }
    return into.length();
  }

  /**
   * The body as it arrives, not gunzipped: each read returns what has come (at least one byte),
   * waiting only while nothing has. Reads fail with a {@link CallException} past the deadline or
   * the body limit (as sent).
   */
  public InputStream body() {
    return stream();
  }

  /**
   * Gives the connection back when the body was read to its end, after reading and discarding a
   * small unread body; closes it otherwise.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!connection.closed() && (body == null || !body.ended)) {
        drain();
      }
      response.close();
      if (connection.takeReleased() && connection.reader().available() == 0) {
        call.client().giveBack(connection);
      } else {
        connection.close();
      }
    } catch (RuntimeException e) {
      connection.close();
    }
  }

  private void drain() {
    try {
      OptionalLong declared = response.headers().contentLength();
      if (declared.isPresent() && declared.getAsLong() > Math.min(MAX_DRAINED, max)) {
        connection.close();
        return;
      }
      Body in = stream();
      byte[] sink = new byte[8192];
      long total = 0;
      int r;
      while ((r = in.read(sink, 0, sink.length)) >= 0) {
        total += r;
        if (total > MAX_DRAINED) {
          connection.close();
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      connection.close();
    }
  }

  private boolean gzip() throws CallException {
    String encoding = header("Content-Encoding");
    if (encoding == null) {
      return false;
    }
    String e = encoding.trim().toLowerCase(Locale.ROOT);
    if (e.isEmpty() || e.equals("identity")) {
      return false;
    }
    if (e.equals("gzip") || e.equals("x-gzip")) {
      return true;
    }
    connection.close();
    throw CallException.failed(call.url(), "unsupported encoding=" + encoding.trim());
  }

  private Body stream() {
    if (body == null) {
      body = new Body(response.inputStream());
    }
    return body;
  }

  /** The body stream: the deadline before each read, the limit after it. */
  private final class Body extends InputStream {
    private final InputStream in;
    private long read;
    private boolean ended;

    Body(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int r = read(one, 0, 1);
      return r < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (ended) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      connection.timeout(call.left(call.limits().deadline(), "body"));
      int r;
      try {
        r = in.read(b, off, len);
      } catch (RuntimeException e) {
        connection.close();
        throw call.failure(e, call.limits().deadline());
      }
      if (r < 0) {
        ended = true;
        return -1;
      }
      read += r;
      if (read > max) {
        connection.close();
        throw tooLarge();
      }
      return r;
    }

    CallException tooLarge() {
      return new CallException(
          CallException.Failure.TOO_LARGE, "body too large: limit=" + max + " url=" + call.url());
    }
  }
}
