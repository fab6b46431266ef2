package io.mscoordinator.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The response of a {@link Call}: its status and headers have arrived; its body is read whole into
 * a {@link BodyBuffer} ({@link #readBody}) or streamed as it arrives ({@link #body()}), once.
 * Closing it gives the connection back to the pool when the body was read to its end and the
 * connection may serve another request (a small unread body is read and discarded first), and
 * closes it otherwise.
 *
 * <p>Confined to the call's thread.
 *
 * <p>Contract of the wire:
 *
 * <ul>
 *   <li>Interim responses (1xx but 101) are skipped. Status line and headers together, and the
 *       trailers together, are at most {@value OutboundClient#MAX_HEADER_BYTES} bytes.
 *   <li>A body is framed by {@code Content-Length} (equal repeated values allowed), by {@code
 *       Transfer-Encoding: chunked} (extensions and trailers skipped; chunked wins over a length,
 *       and the connection is then not kept) or by the connection's end (not kept either).
 *   <li>The connection is kept when the response allows it: HTTP/1.1 without {@code Connection:
 *       close}, HTTP/1.0 with {@code Connection: keep-alive}, nothing past the response.
 *   <li>Anything malformed fails the call with a short reason ({@code bad status line}, {@code bad
 *       chunk size}, {@code headers too large: limit=65536}, ...) and closes the connection.
 * </ul>
 */
public final class Response implements AutoCloseable {
  /** The largest unread body read and discarded on close to keep the connection. */
  static final int MAX_DRAINED = 64 * 1024;

  private static final int MAX_CHUNK_LINE = 4096;

  private static final String HEADERS_TOO_LARGE =
      "headers too large: limit=" + OutboundClient.MAX_HEADER_BYTES;
  private static final String TRAILERS_TOO_LARGE =
      "trailers too large: limit=" + OutboundClient.MAX_HEADER_BYTES;
  private static final String CHUNK_LINE_TOO_LONG = "chunk line too long: limit=" + MAX_CHUNK_LINE;

  private static final byte[] HTTP_1 = ascii("HTTP/1.");
  private static final byte[] CONTENT_LENGTH = ascii("content-length");
  private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
  private static final byte[] CONNECTION = ascii("connection");
  private static final byte[] CHUNKED = ascii("chunked");
  private static final byte[] IDENTITY = ascii("identity");
  private static final byte[] CLOSE = ascii("close");
  private static final byte[] KEEP_ALIVE = ascii("keep-alive");

  private final Call call;
  private final Connection connection;
  private final String url;
  private final int max;

  // the head
  private int status;
  private boolean http11;
  private long contentLength;
  private boolean chunked;
  private boolean closeToken;
  private boolean keepAliveToken;
  private final List<String> headers = new ArrayList<>(16);

  // the body
  private long limit;
  private long read;
  private long remaining;
  private long chunkLeft;
  private boolean inChunk;
  private boolean ended;
  private boolean closed;
  private final byte[] probe = new byte[1];

  private Response(Call call, Connection connection) {
    this.call = call;
    this.connection = connection;
    this.url = call.url();
    this.max = call.limits().maxBodyBytes();
    this.limit = max;
  }

  /** Reads the response head after the request was sent; skips interim responses. */
  static Response read(Call call, Connection connection, boolean head) throws IOException {
    Response r = new Response(call, connection);
    int budget = OutboundClient.MAX_HEADER_BYTES;
    do {
      budget = r.readHead(budget);
    } while (r.status >= 100 && r.status < 200 && r.status != 101);
    r.remaining = r.contentLength;
    r.ended = head || r.status == 204 || r.status == 304 || r.contentLength == 0 && !r.chunked;
    return r;
  }

  public int status() {
    return status;
  }

  /** The first value of header {@code name} (any case), blanks trimmed, or null. */
  public String header(String name) {
    for (int i = 0; i < headers.size(); i += 2) {
      if (headers.get(i).equalsIgnoreCase(name)) {
        return headers.get(i + 1);
      }
    }
    return null;
  }

  /**
   * The body's declared {@code Content-Length}, or -1 when the body is chunked or runs to the
   * connection's end.
   */
  public long contentLength() {
    return chunked ? -1 : contentLength;
  }

  /** Whether the {@code Content-Type}'s media type is {@code mediaType} (any case). */
  public boolean contentType(String mediaType) {
    String type = header("Content-Type");
    if (type == null) {
      return false;
    }
    int end = type.indexOf(';');
    return (end < 0 ? type : type.substring(0, end)).trim().equalsIgnoreCase(mediaType);
  }

  /**
   * Reads the whole body into {@code into}, gunzipped when the response says gzip (or x-gzip; one
   * or more members); returns its length ({@link BodyBuffer#length()}). A body longer than the
   * call's limit fails: a declared length before the body is read, a streamed one as soon as it
   * passes the limit, a gunzipped one as soon as it does. Any failure closes the connection.
   *
   * @throws InterruptedException when the thread was interrupted (its caller stopping)
   */
  public int readBody(BodyBuffer into) throws CallException, InterruptedException {
    into.clear();
    try {
      boolean gzip = gzip();
      if (contentLength > max) {
        throw new CallException(
            CallException.Failure.TOO_LARGE,
            "body too large: limit=" + max + " content_length=" + contentLength + " url=" + url);
      }
      if (contentLength > 0 && !chunked) {
        into.ensureRaw(contentLength, 0, max);
      }
      int n = 0;
      while (true) {
        if (n == max) {
          // full at the limit: one more byte is one too many
          if (read(probe, 0, 1) > 0) {
            throw tooLarge();
          }
          break;
        }
        if (n == into.raw.length) {
          into.ensureRaw(n + 1L, n, max);
        }
        int r = read(into.raw, n, into.raw.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      into.rawRead(n);
      if (gzip) {
        into.gunzip(max, url);
      }
      return into.length();
    } catch (IOException | RuntimeException e) {
      connection.close();
      call.interrupted();
      throw call.failure(e, call.limits().deadline());
    }
  }

  /**
   * The body as it arrives, not gunzipped: each read returns what has come (at least one byte),
   * waiting only while nothing has. Reads fail with a {@link CallException} past the deadline or
   * the body limit (as sent).
   */
  public InputStream body() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        int r = read(probe, 0, 1);
        return r < 0 ? -1 : probe[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return streamed(b, off, len);
      }
    };
  }

  /**
   * The body's next bytes as they arrive, not gunzipped and without a copy: they stay in the
   * connection's buffer, at {@link #lentOffset()} in {@link #lentArray()}, until the next read of
   * this response. Returns how many (at least one, waiting only while nothing has come), or -1 at
   * the body's end. Fails like {@link #body()}'s reads. For a relay that writes each piece on at
   * once: no buffer of its own per open stream.
   */
  public int lend() throws CallException {
    return streamed(null, 0, Integer.MAX_VALUE);
  }

  /** A read of the body as it arrives ({@link #body()}, {@link #lend()}); a failure closes. */
  private int streamed(byte[] b, int off, int len) throws CallException {
    try {
      if (contentLength > max) {
        throw new CallException(
            CallException.Failure.TOO_LARGE,
            "body too large: limit=" + max + " content_length=" + contentLength + " url=" + url);
      }
      return read(b, off, len);
    } catch (IOException | RuntimeException e) {
      connection.close();
      throw call.failure(e, call.limits().deadline());
    }
  }

  /**
   * Lifts the bound on the body's total length for its streamed reads ({@link #body()}, {@link
   * #lend()}): for a stream that never ends by design (a decode instance's {@code /dresult} link),
   * whose reader bounds each message instead. A declared length is still checked.
   */
  public void endless() {
    limit = Long.MAX_VALUE;
  }

  /** The array of the bytes {@link #lend()} lent last. */
  public byte[] lentArray() {
    return connection.lentArray();
  }

  /** Where in {@link #lentArray()} the bytes {@link #lend()} lent last begin. */
  public int lentOffset() {
    return connection.lentOffset();
  }

  /**
   * Gives the connection back when the body was read to its end and the response lets it serve
   * another request, after reading and discarding a small unread framed body; closes it otherwise.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!ended && !connection.closed()) {
      drain();
    }
    if (ended && reusable() && !connection.closed() && !connection.buffered()) {
      call.released(connection);
    } else {
      connection.close();
      call.released(null);
    }
  }

  // ------------------------------------------------------------------ head

  /** Reads a status line and its headers; returns what is left of the header budget. */
  private int readHead(int budget) throws IOException {
    contentLength = -1;
    chunked = false;
    closeToken = false;
    keepAliveToken = false;
    headers.clear();
    int n = connection.readLine(budget, HEADERS_TOO_LARGE, url);
    if (n < 0) {
      throw CallException.failed(
          url,
          connection.received()
              ? "connection closed in the headers"
              : "connection closed before response");
    }
    budget = Math.max(0, budget - n - 2);
    statusLine(connection.line(), n);
    while (true) {
      n = connection.readLine(budget, HEADERS_TOO_LARGE, url);
      if (n < 0) {
        throw CallException.failed(url, "connection closed in the headers");
      }
      budget = Math.max(0, budget - n - 2);
      if (n == 0) {
        return budget;
      }
      header(connection.line(), n);
    }
  }

  private void statusLine(byte[] l, int n) throws CallException {
    if (n < 12
        || !Arrays.equals(l, 0, HTTP_1.length, HTTP_1, 0, HTTP_1.length)
        || !digit(l[7])
        || l[8] != ' '
        || !digit(l[9])
        || !digit(l[10])
        || !digit(l[11])
        || (n > 12 && l[12] != ' ')) {
      throw CallException.failed(url, "bad status line");
    }
    http11 = l[7] != '0';
    status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  }

  private void header(byte[] l, int n) throws CallException {
    int colon = 0;
    while (colon < n && l[colon] != ':') {
      if (l[colon] == ' ' || l[colon] == '\t') {
        // obsolete line folding or whitespace before the colon
        throw CallException.failed(url, "bad header line");
      }
      colon++;
    }
    if (colon == 0 || colon == n) {
      throw CallException.failed(url, "bad header line");
    }
    int from = skipSpace(l, colon + 1, n);
    int to = trimEnd(l, from, n);
    headers.add(new String(l, 0, colon, StandardCharsets.ISO_8859_1));
    headers.add(new String(l, from, to - from, StandardCharsets.ISO_8859_1));
    if (matches(l, 0, colon, CONTENT_LENGTH)) {
      contentLength(l, from, to);
    } else if (matches(l, 0, colon, TRANSFER_ENCODING)) {
      transferEncoding(l, from, to);
    } else if (matches(l, 0, colon, CONNECTION)) {
      forEachElement(
          l,
          from,
          to,
          (first, last) -> {
            closeToken |= matches(l, first, last, CLOSE);
            keepAliveToken |= matches(l, first, last, KEEP_ALIVE);
          });
    }
  }

  /** One or more equal lengths ({@code 12, 12} is 12); anything else is malformed. */
  private void contentLength(byte[] l, int from, int to) throws CallException {
    forEachElement(
        l,
        from,
        to,
        (first, last) -> {
          if (last == first || last - first > 18) {
            throw CallException.failed(url, "bad content-length");
          }
          long value = 0;
          for (int i = first; i < last; i++) {
            if (!digit(l[i])) {
              throw CallException.failed(url, "bad content-length");
            }
            value = value * 10 + (l[i] - '0');
          }
          if (contentLength >= 0 && contentLength != value) {
            throw CallException.failed(url, "conflicting content-length");
          }
          contentLength = value;
        });
  }

  private void transferEncoding(byte[] l, int from, int to) throws CallException {
    forEachElement(
        l,
        from,
        to,
        (first, last) -> {
          if (chunked) {
            // nothing may follow chunked
            throw CallException.failed(url, "bad transfer-encoding");
          }
          if (matches(l, first, last, CHUNKED)) {
            chunked = true;
          } else if (!matches(l, first, last, IDENTITY)) {
            throw CallException.failed(
                url,
                "unsupported transfer-encoding="
                    + new String(l, from, to - from, StandardCharsets.ISO_8859_1));
          }
        });
  }

  /** One element of a comma-separated header value: {@code [first, last)}, blanks trimmed. */
  @FunctionalInterface
  private interface Element {
    void accept(int first, int last) throws CallException;
  }

  /** Calls {@code element} for each comma-separated element of {@code l[from, to)}. */
  private static void forEachElement(byte[] l, int from, int to, Element element)
      throws CallException {
    for (int start = from; start <= to; ) {
      int end = indexOf(l, start, to, (byte) ',');
      int first = skipSpace(l, start, end);
      element.accept(first, trimEnd(l, first, end));
      start = end + 1;
    }
  }

  /** Whether the connection may serve another request once this body was read to its end. */
  private boolean reusable() {
    boolean framed = chunked || contentLength >= 0 || status == 204 || status == 304;
    return framed && (http11 ? !closeToken : keepAliveToken) && !(chunked && contentLength >= 0);
  }

  /** Whether the body is gzip; an encoding other than gzip, x-gzip or identity fails. */
  private boolean gzip() throws CallException {
    String encoding = header("Content-Encoding");
    if (encoding == null) {
      return false;
    }
    String e = encoding.toLowerCase(Locale.ROOT);
    if (e.isEmpty() || e.equals("identity")) {
      return false;
    }
    if (e.equals("gzip") || e.equals("x-gzip")) {
      return true;
    }
    throw CallException.failed(url, "unsupported encoding=" + encoding);
  }

  // ------------------------------------------------------------------ body

  /**
   * Reads at most {@code len} body bytes as they come into {@code b} at {@code off}, or, when
   * {@code b} is null, lends them in the connection's buffer (see {@link #lend()}); -1 once the
   * body has ended.
   */
  private int read(byte[] b, int off, int len) throws IOException {
    if (ended) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int r;
    if (chunked) {
      if (chunkLeft == 0) {
        if (inChunk) {
          chunkEnd();
        }
        long size = chunkSize();
        inChunk = true;
        if (size == 0) {
          trailers();
          ended = true;
          return -1;
        }
        if (read + size > limit) {
          throw tooLarge();
        }
        chunkLeft = size;
      }
      r = take(b, off, (int) Math.min(len, chunkLeft));
      if (r < 0) {
        throw broken();
      }
      chunkLeft -= r;
    } else if (contentLength >= 0) {
      r = take(b, off, (int) Math.min(len, remaining));
      if (r < 0) {
        throw broken();
      }
      remaining -= r;
      ended = remaining == 0;
    } else {
      r = take(b, off, len);
      if (r < 0) {
        ended = true;
        return -1;
      }
      if (read + r > limit) {
        throw tooLarge();
      }
    }
    read += r;
    return r;
  }

  private int take(byte[] b, int off, int len) throws IOException {
    return b == null ? connection.lend(len) : connection.read(b, off, len);
  }

  /** Hex digits, optional whitespace, then nothing or {@code ;} and extensions (ignored). */
  private long chunkSize() throws IOException {
    int n = connection.readLine(MAX_CHUNK_LINE, CHUNK_LINE_TOO_LONG, url);
    if (n < 0) {
      throw broken();
    }
    byte[] l = connection.line();
    long size = 0;
    int i = 0;
    while (i < n && hex(l[i]) >= 0) {
      if (i == 15) {
        throw CallException.failed(url, "bad chunk size");
      }
      size = size * 16 + hex(l[i]);
      i++;
    }
    if (i == 0) {
      throw CallException.failed(url, "bad chunk size");
    }
    while (i < n && (l[i] == ' ' || l[i] == '\t')) {
      i++;
    }
    if (i < n && l[i] != ';') {
      throw CallException.failed(url, "bad chunk size");
    }
    return size;
  }

  /** The CRLF (or bare LF) after a chunk's data. */
  private void chunkEnd() throws IOException {
    int b = connection.readByte();
    if (b == '\r') {
      b = connection.readByte();
    }
    if (b < 0) {
      throw broken();
    }
    if (b != '\n') {
      throw CallException.failed(url, "bad chunk end");
    }
  }

  private void trailers() throws IOException {
    for (int budget = OutboundClient.MAX_HEADER_BYTES; ; ) {
      int n = connection.readLine(budget, TRAILERS_TOO_LARGE, url);
      if (n < 0) {
        throw CallException.failed(url, "connection closed in the trailers");
      }
      if (n == 0) {
        return;
      }
      budget = Math.max(0, budget - n - 2);
    }
  }

  /**
   * Reads and discards a small framed body so that the connection can serve the next call; any
   * failure closes the connection instead.
   */
  private void drain() {
    boolean framed = chunked || contentLength >= 0;
    limit = Math.min(MAX_DRAINED, max);
    if (!framed || contentLength > limit) {
      connection.close();
      return;
    }
    byte[] sink = new byte[8192];
    try {
      while (read(sink, 0, sink.length) >= 0) {
        // discarded
      }
    } catch (IOException | RuntimeException e) {
      connection.close();
    }
  }

  private CallException broken() {
    return CallException.failed(url, "connection closed in the body: read=" + read);
  }

  private CallException tooLarge() {
    return new CallException(
        CallException.Failure.TOO_LARGE, "body too large: limit=" + limit + " url=" + url);
  }

  // ------------------------------------------------------------------ bytes

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static int hex(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }

  private static int lower(byte b) {
    return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
  }

  /** Whether {@code l[from, to)} is {@code word} (lower case, ASCII), ignoring case. */
  private static boolean matches(byte[] l, int from, int to, byte[] word) {
    if (to - from != word.length) {
      return false;
    }
    for (int i = 0; i < word.length; i++) {
      if (lower(l[from + i]) != word[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] l, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (l[i] == b) {
        return i;
      }
    }
    return to;
  }

  /** The first index in {@code [from, to)} that is not a space or tab; {@code to} if none. */
  private static int skipSpace(byte[] l, int from, int to) {
    while (from < to && (l[from] == ' ' || l[from] == '\t')) {
      from++;
    }
    return from;
  }

  /** {@code to} moved back over trailing spaces and tabs, not before {@code from}. */
  private static int trimEnd(byte[] l, int from, int to) {
    while (to > from && (l[to - 1] == ' ' || l[to - 1] == '\t')) {
      to--;
    }
    return to;
  }
}
