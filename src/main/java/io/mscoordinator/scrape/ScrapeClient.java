package io.mscoordinator.scrape;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 client for one node's {@code GET /metrics}, run on that node's scrape thread:
 * one persistent connection, the response read straight into a body buffer that is reused from one
 * scrape to the next.
 *
 * <p>Confined to the node's scrape thread, except {@link #abort()}, which any thread may call to
 * end a blocked connect or read at once (a stopping node calls it after interrupting the thread).
 *
 * <p>Contract of {@link #fetch(long)}:
 *
 * <ul>
 *   <li>The whole exchange (connect, TLS handshake, headers, body) ends by the start plus the
 *       timeout: each connect and read is given the time left, at least 1 ms; past it the fetch
 *       fails with {@code scrape timed out}.
 *   <li>The connection is kept alive and reused while the server allows it. A reused connection
 *       that fails (EOF or an I/O error) before the response's first byte is replaced once by a
 *       fresh one, if time is left: the server may have closed it while it was idle.
 *   <li>Responses are framed by {@code Content-Length}, by {@code Transfer-Encoding: chunked}
 *       (extensions and trailers skipped) or by the connection's end. A body is at most {@code
 *       maxBodyBytes} as sent and again after gunzip: a declared larger length fails before its
 *       body is read, a streamed one as soon as it passes the limit.
 *   <li>Any failure closes the connection, as does a non-200 response whose body could not be read
 *       and discarded; the next fetch connects again.
 *   <li>The body ({@link #body()}, {@link #bodyLength()}) is valid until the next fetch: whoever
 *       reads it must not keep the array.
 * </ul>
 */
final class ScrapeClient implements AutoCloseable {
  /** Prometheus text first, OpenMetrics second, anything else last. */
  static final String ACCEPT =
      "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

  /** Status line and headers of one response together, and its trailers together. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  private static final int MAX_CHUNK_LINE = 4096;

  /** The largest error body read and discarded to keep the connection. */
  private static final int MAX_DRAINED = 64 * 1024;

  private static final int INITIAL_BODY = 64 * 1024;

  /** Fetches between two looks at whether a buffer is far larger than recent bodies. */
  private static final int TRIM_EVERY = 64;

  private static final String HEADERS_TOO_LARGE = "headers too large: limit=" + MAX_HEADER_BYTES;
  private static final String TRAILERS_TOO_LARGE = "trailers too large: limit=" + MAX_HEADER_BYTES;
  private static final String CHUNK_LINE_TOO_LONG = "chunk line too long: limit=" + MAX_CHUNK_LINE;

  private static final byte[] HTTP_1 = ascii("HTTP/1.");
  private static final byte[] CONTENT_LENGTH = ascii("content-length");
  private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
  private static final byte[] CONTENT_ENCODING = ascii("content-encoding");
  private static final byte[] CONTENT_TYPE = ascii("content-type");
  private static final byte[] CONNECTION = ascii("connection");
  private static final byte[] CHUNKED = ascii("chunked");
  private static final byte[] IDENTITY = ascii("identity");
  private static final byte[] GZIP = ascii("gzip");
  private static final byte[] X_GZIP = ascii("x-gzip");
  private static final byte[] CLOSE = ascii("close");
  private static final byte[] KEEP_ALIVE = ascii("keep-alive");
  private static final byte[] OPENMETRICS = ascii("application/openmetrics-text");

  private final String host;
  private final int port;
  private final String url;
  private final byte[] request;
  private final long timeoutNanos;
  private final long timeoutMillis;
  private final int max;
  private final SSLSocketFactory tls;
  private final SSLParameters tlsParameters;

  // the connection; raw is what abort() closes from another thread
  private volatile Socket raw;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  private byte[] buffer;
  private int position;
  private int limit;
  private byte[] line = new byte[256];
  private final byte[] probe = new byte[1];

  // the exchange under way
  private long deadline;
  private boolean responseStarted;
  private int status;
  private boolean http11;
  private long contentLength;
  private boolean chunked;
  private boolean closeToken;
  private boolean keepAliveToken;
  private boolean gzip;
  private String unsupportedEncoding;
  private boolean openMetrics;

  private byte[] body = new byte[0];
  private int bodyLength;
  private byte[] plain = new byte[0];
  private int plainLength;
  private boolean gunzipped;
  private int fetches;
  private int peakBody;
  private int peakPlain;

  /**
   * A client of {@code http(s)://ip:port/metrics}.
   *
   * @param ip an IPv4 or IPv6 literal, brackets optional
   * @param tls the socket factory of the client TLS context, or null for plain http
   * @param tlsParameters protocols and cipher suites, with hostname verification on; null for plain
   *     http
   */
  ScrapeClient(
      String ip,
      int port,
      Duration timeout,
      int maxBodyBytes,
      SSLSocketFactory tls,
      SSLParameters tlsParameters) {
    this.host = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
    this.port = port;
    String authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    this.url = (tls == null ? "http" : "https") + "://" + authority + "/metrics";
    this.request =
        ascii(
            "GET /metrics HTTP/1.1\r\nHost: "
                + authority
                + "\r\nAccept: "
                + ACCEPT
                + "\r\nAccept-Encoding: gzip\r\nUser-Agent: ms-coordinator\r\n\r\n");
    this.timeoutNanos = timeout.toNanos();
    this.timeoutMillis = timeout.toMillis();
    this.max = maxBodyBytes;
    this.tls = tls;
    this.tlsParameters = tlsParameters;
  }

  String url() {
    return url;
  }

  /** The last fetched body, gunzipped: its first {@link #bodyLength()} bytes. */
  byte[] body() {
    return gunzipped ? plain : body;
  }

  int bodyLength() {
    return gunzipped ? plainLength : bodyLength;
  }

  /** Whether the last body was served as {@code application/openmetrics-text}. */
  boolean openMetrics() {
    return openMetrics;
  }

  /** Whether a connection is open for the next fetch. */
  boolean connected() {
    return socket != null;
  }

  /**
   * Fetches {@code /metrics} once, within the timeout counted from {@code startNanos} ({@link
   * System#nanoTime()}).
   *
   * @throws ScrapeException on a timeout, a refused or broken connection, a non-200 status, a
   *     malformed response or a body over the limit
   * @throws InterruptedException when the thread was interrupted (its node stopping)
   */
  void fetch(long startNanos) throws ScrapeException, InterruptedException {
    deadline = startNanos + timeoutNanos;
    trim(); // the last body is no longer read
    gunzipped = false;
    bodyLength = 0;
    openMetrics = false;
    try {
      exchange();
    } catch (SocketTimeoutException e) {
      closeConnection();
      interrupted();
      throw new ScrapeException("scrape timed out: url=" + url + " timeout_ms=" + timeoutMillis);
    } catch (IOException e) {
      closeConnection();
      interrupted();
      String reason = e instanceof Broken ? e.getMessage() : describe(e);
      throw new ScrapeException("scrape failed: url=" + url + " reason=" + reason);
    } catch (ScrapeException | RuntimeException e) {
      closeConnection();
      throw e;
    }
    if (status != 200) {
      throw new ScrapeException("scrape failed: url=" + url + " status=" + status);
    }
    if (gzip) {
      gunzip();
    }
  }

  /** Ends a blocked connect or read at once; any thread. The next fetch connects again. */
  void abort() {
    Socket s = raw;
    if (s != null) {
      closeQuietly(s);
    }
  }

  /**
   * Closes the connection and lets go of the buffers (a stopped node may be kept for long); the
   * node's thread, once it stops scraping. A later fetch starts afresh.
   */
  @Override
  public void close() {
    closeConnection();
    buffer = null;
    line = new byte[256];
    body = new byte[0];
    plain = new byte[0];
    bodyLength = 0;
    plainLength = 0;
    gunzipped = false;
  }

  // ------------------------------------------------------------------ exchange

  private void exchange() throws IOException, ScrapeException {
    boolean retried = false;
    while (true) {
      boolean reused = socket != null;
      if (!reused) {
        connect();
      }
      responseStarted = false;
      try {
        out.write(request);
        out.flush();
        readResponse();
        return;
      } catch (IOException e) {
        if (!reused
            || retried
            || responseStarted
            || e instanceof SocketTimeoutException
            || Thread.currentThread().isInterrupted()
            || deadline - System.nanoTime() <= 0) {
          throw e;
        }
        // the server closed the idle connection: once more on a fresh one
        closeConnection();
        retried = true;
      }
    }
  }

  private void connect() throws IOException, ScrapeException {
    long ms = remainingMillis();
    if (ms <= 0) {
      throw new SocketTimeoutException("no time left to connect");
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(host);
    } catch (IllegalArgumentException e) {
      try {
        address = InetAddress.getByName(host);
      } catch (UnknownHostException u) {
        throw new ScrapeException("scrape failed: url=" + url + " reason=" + u);
      }
    }
    if (buffer == null) {
      buffer = new byte[16 * 1024];
    }
    Socket s = new Socket();
    raw = s;
    // a stop() that interrupted this thread before it published raw: abort() missed this socket
    if (Thread.currentThread().isInterrupted()) {
      closeConnection();
      throw new Broken("interrupted");
    }
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(address, port), (int) Math.min(ms, Integer.MAX_VALUE));
      Socket connection = s;
      if (tls != null) {
        // host: SNI for a name (never for an IP literal) and the identity the peer must prove
        SSLSocket ssl = (SSLSocket) tls.createSocket(s, host, port, true);
        ssl.setSSLParameters(tlsParameters);
        socket = ssl;
        setReadTimeout();
        ssl.startHandshake();
        connection = ssl;
      }
      socket = connection;
      in = connection.getInputStream();
      out = connection.getOutputStream();
      position = 0;
      limit = 0;
    } catch (IOException | RuntimeException e) {
      closeConnection();
      throw e;
    }
  }

  private void closeConnection() {
    Socket s = raw;
    raw = null;
    socket = null;
    in = null;
    out = null;
    position = 0;
    limit = 0;
    if (s != null) {
      // the plain socket: closing the TLS one would first try to send close_notify
      closeQuietly(s);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private static void interrupted() throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("scrape interrupted");
    }
  }

  // ------------------------------------------------------------------ response

  private void readResponse() throws IOException, ScrapeException {
    int budget = MAX_HEADER_BYTES;
    do {
      budget = readHead(budget);
    } while (status >= 100 && status < 200 && status != 101);
    boolean framed = chunked || contentLength >= 0 || status == 204 || status == 304;
    boolean reusable =
        framed && (http11 ? !closeToken : keepAliveToken) && !(chunked && contentLength >= 0);
    if (status != 200) {
      drain(framed);
    } else {
      if (unsupportedEncoding != null) {
        throw new ScrapeException(
            "scrape failed: url=" + url + " reason=unsupported encoding=" + unsupportedEncoding);
      }
      bodyLength = readBody(max);
      peakBody = Math.max(peakBody, bodyLength);
    }
    // bytes past the response: the connection is out of step
    if (!reusable || position < limit) {
      closeConnection();
    }
  }

  /** Reads a status line and its headers; returns what is left of the header budget. */
  private int readHead(int budget) throws IOException, ScrapeException {
    contentLength = -1;
    chunked = false;
    closeToken = false;
    keepAliveToken = false;
    gzip = false;
    unsupportedEncoding = null;
    openMetrics = false;
    int n = readLine(budget, HEADERS_TOO_LARGE);
    if (n < 0) {
      throw new Broken(
          responseStarted
              ? "connection closed in the headers"
              : "connection closed before response");
    }
    budget = Math.max(0, budget - n - 2);
    statusLine(n);
    while (true) {
      n = readLine(budget, HEADERS_TOO_LARGE);
      if (n < 0) {
        throw new Broken("connection closed in the headers");
      }
      budget = Math.max(0, budget - n - 2);
      if (n == 0) {
        return budget;
      }
      header(n);
    }
  }

  private void statusLine(int n) throws ScrapeException {
    byte[] l = line;
    if (n < 12
        || !Arrays.equals(l, 0, HTTP_1.length, HTTP_1, 0, HTTP_1.length)
        || !digit(l[7])
        || l[8] != ' '
        || !digit(l[9])
        || !digit(l[10])
        || !digit(l[11])
        || (n > 12 && l[12] != ' ')) {
      throw malformed("bad status line");
    }
    http11 = l[7] != '0';
    status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  }

  private void header(int n) throws ScrapeException {
    byte[] l = line;
    int colon = 0;
    while (colon < n && l[colon] != ':') {
      if (l[colon] == ' ' || l[colon] == '\t') {
        // obsolete line folding or whitespace before the colon
        throw malformed("bad header line");
      }
      colon++;
    }
    if (colon == 0 || colon == n) {
      throw malformed("bad header line");
    }
    int from = skipSpace(l, colon + 1, n);
    int to = trimEnd(l, from, n);
    if (named(l, colon, CONTENT_LENGTH)) {
      contentLength(from, to);
    } else if (named(l, colon, TRANSFER_ENCODING)) {
      transferEncoding(from, to);
    } else if (named(l, colon, CONTENT_ENCODING)) {
      if (to == from || matches(l, from, to, IDENTITY)) {
        return;
      }
      if (matches(l, from, to, GZIP) || matches(l, from, to, X_GZIP)) {
        gzip = true;
      } else {
        unsupportedEncoding = new String(l, from, to - from, StandardCharsets.ISO_8859_1);
      }
    } else if (named(l, colon, CONTENT_TYPE)) {
      openMetrics =
          to - from >= OPENMETRICS.length
              && matches(l, from, from + OPENMETRICS.length, OPENMETRICS);
    } else if (named(l, colon, CONNECTION)) {
      forEachElement(
          from,
          to,
          (first, last) -> {
            closeToken |= matches(line, first, last, CLOSE);
            keepAliveToken |= matches(line, first, last, KEEP_ALIVE);
          });
    }
  }

  /** One or more equal lengths ({@code 12, 12} is 12); anything else is malformed. */
  private void contentLength(int from, int to) throws ScrapeException {
    forEachElement(
        from,
        to,
        (first, last) -> {
          if (last == first || last - first > 18) {
            throw malformed("bad content-length");
          }
          long value = 0;
          for (int i = first; i < last; i++) {
            if (!digit(line[i])) {
              throw malformed("bad content-length");
            }
            value = value * 10 + (line[i] - '0');
          }
          if (contentLength >= 0 && contentLength != value) {
            throw malformed("conflicting content-length");
          }
          contentLength = value;
        });
  }

  private void transferEncoding(int from, int to) throws ScrapeException {
    forEachElement(
        from,
        to,
        (first, last) -> {
          if (chunked) {
            // nothing may follow chunked
            throw malformed("bad transfer-encoding");
          }
          if (matches(line, first, last, CHUNKED)) {
            chunked = true;
          } else if (!matches(line, first, last, IDENTITY)) {
            throw malformed(
                "unsupported transfer-encoding="
                    + new String(line, from, to - from, StandardCharsets.ISO_8859_1));
          }
        });
  }

  /** One element of a comma-separated header value: {@code line[first, last)}, blanks trimmed. */
  @FunctionalInterface
  private interface Element {
    void accept(int first, int last) throws ScrapeException;
  }

  /** Calls {@code element} for each comma-separated element of {@code line[from, to)}. */
  private void forEachElement(int from, int to, Element element) throws ScrapeException {
    for (int start = from; start <= to; ) {
      int end = indexOf(line, start, to, (byte) ',');
      int first = skipSpace(line, start, end);
      element.accept(first, trimEnd(line, first, end));
      start = end + 1;
    }
  }

  /**
   * Reads and discards a non-200 response's body when it is small and framed, so that the
   * connection can serve the next scrape; closes the connection otherwise.
   */
  private void drain(boolean framed) {
    if (!framed) {
      closeConnection();
      return;
    }
    try {
      readBody(Math.min(MAX_DRAINED, max)); // refuses a larger declared length before reading
    } catch (IOException | ScrapeException e) {
      closeConnection();
    }
  }

  /**
   * Reads the body of the response whose headers were read, at most {@code max} bytes (a larger
   * declared length is refused before reading); returns its length.
   */
  private int readBody(int max) throws IOException, ScrapeException {
    if (status == 204 || status == 304) {
      return 0;
    }
    if (chunked) {
      return readChunked(max);
    }
    if (contentLength >= 0) {
      if (contentLength > max) {
        throw new ScrapeException(
            "body too large: limit=" + max + " content_length=" + contentLength + " url=" + url);
      }
      int n = (int) contentLength;
      ensureBody(n, 0);
      readFully(body, 0, n);
      return n;
    }
    return readToEnd(max);
  }

  private int readChunked(int max) throws IOException, ScrapeException {
    int n = 0;
    while (true) {
      int length = readLine(MAX_CHUNK_LINE, CHUNK_LINE_TOO_LONG);
      if (length < 0) {
        throw new Broken("connection closed in the body: read=" + n);
      }
      long size = chunkSize(length);
      if (size == 0) {
        break;
      }
      if (n + size > max) {
        throw tooLarge(max);
      }
      ensureBody(n + size, n);
      readFully(body, n, (int) size);
      n += (int) size;
      chunkEnd(n);
    }
    for (int budget = MAX_HEADER_BYTES; ; ) {
      int length = readLine(budget, TRAILERS_TOO_LARGE);
      if (length < 0) {
        throw new Broken("connection closed in the trailers");
      }
      if (length == 0) {
        return n;
      }
      budget = Math.max(0, budget - length - 2);
    }
  }

  /** The CRLF (or bare LF) after a chunk's data. */
  private void chunkEnd(int read) throws IOException, ScrapeException {
    int b = readByte();
    if (b == '\r') {
      b = readByte();
    }
    if (b < 0) {
      throw new Broken("connection closed in the body: read=" + read);
    }
    if (b != '\n') {
      throw malformed("bad chunk end");
    }
  }

  private int readByte() throws IOException {
    if (position == limit && fill() < 0) {
      return -1;
    }
    return buffer[position++] & 0xff;
  }

  /** Hex digits, optional whitespace, then nothing or {@code ;} and extensions (ignored). */
  private long chunkSize(int n) throws ScrapeException {
    long size = 0;
    int i = 0;
    while (i < n && hex(line[i]) >= 0) {
      if (i == 15) {
        throw malformed("bad chunk size");
      }
      size = size * 16 + hex(line[i]);
      i++;
    }
    if (i == 0) {
      throw malformed("bad chunk size");
    }
    while (i < n && (line[i] == ' ' || line[i] == '\t')) {
      i++;
    }
    if (i < n && line[i] != ';') {
      throw malformed("bad chunk size");
    }
    return size;
  }

  private int readToEnd(int max) throws IOException, ScrapeException {
    int n = 0;
    while (true) {
      if (position < limit) {
        int take = limit - position;
        if (n + (long) take > max) {
          throw tooLarge(max);
        }
        ensureBody(n + take, n);
        System.arraycopy(buffer, position, body, n, take);
        position = limit;
        n += take;
      }
      if (n == max) {
        setReadTimeout();
        if (in.read(probe, 0, 1) > 0) {
          throw tooLarge(max);
        }
        return n;
      }
      if (n == body.length) {
        ensureBody(n + 1L, n);
      }
      setReadTimeout();
      int r = in.read(body, n, Math.min(body.length, max) - n);
      if (r < 0) {
        return n;
      }
      n += r;
    }
  }

  /** Reads exactly {@code length} body bytes into {@code into} at {@code offset}. */
  private void readFully(byte[] into, int offset, int length) throws IOException {
    int n = 0;
    while (n < length) {
      if (position == limit && length - n < buffer.length) {
        // a short rest: through the buffer, which then also holds what follows (a chunk line)
        if (fill() < 0) {
          throw new Broken("connection closed in the body: read=" + (offset + n));
        }
      }
      if (position < limit) {
        int take = Math.min(limit - position, length - n);
        System.arraycopy(buffer, position, into, offset + n, take);
        position += take;
        n += take;
        continue;
      }
      setReadTimeout();
      int r = in.read(into, offset + n, length - n);
      if (r < 0) {
        throw new Broken("connection closed in the body: read=" + (offset + n));
      }
      n += r;
    }
  }

  /**
   * Reads one line into {@link #line} without its CRLF (or bare LF); returns its length, or -1 at
   * the end of the stream. A line longer than {@code max} fails with {@code reason}.
   */
  private int readLine(int max, String reason) throws IOException, ScrapeException {
    int n = 0;
    while (true) {
      if (position == limit && fill() < 0) {
        return -1;
      }
      int i = position;
      while (i < limit && buffer[i] != '\n') {
        i++;
      }
      int take = i - position;
      // the CR before LF may still come: allow one byte over until the line is complete
      if (n + take > max + 1) {
        throw malformed(reason);
      }
      if (n + take > line.length) {
        line = Arrays.copyOf(line, Math.max(n + take, 2 * line.length));
      }
      System.arraycopy(buffer, position, line, n, take);
      n += take;
      if (i < limit) {
        position = i + 1;
        break;
      }
      position = limit;
    }
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    if (n > max) {
      throw malformed(reason);
    }
    return n;
  }

  private int fill() throws IOException {
    setReadTimeout();
    int r = in.read(buffer, 0, buffer.length);
    if (r > 0) {
      position = 0;
      limit = r;
      responseStarted = true;
    }
    return r;
  }

  private void setReadTimeout() throws IOException {
    long ms = remainingMillis();
    if (ms <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    socket.setSoTimeout((int) Math.min(ms, Integer.MAX_VALUE));
  }

  /** Milliseconds to the deadline, rounded up; 0 once it passed. */
  private long remainingMillis() {
    long nanos = deadline - System.nanoTime();
    return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
  }

  // ------------------------------------------------------------------ buffers

  /** Makes room for {@code needed} bytes in the body buffer, keeping its first {@code keep}. */
  private void ensureBody(long needed, int keep) {
    if (needed <= body.length) {
      return;
    }
    body = grown(body, needed, keep);
  }

  /** A copy of {@code a}'s first {@code keep} bytes in an array doubled until it holds needed. */
  private byte[] grown(byte[] a, long needed, int keep) {
    if (needed > max) {
      throw new IllegalStateException("buffer over the limit: needed=" + needed + " limit=" + max);
    }
    long size = Math.max(a.length, Math.min(INITIAL_BODY, max));
    while (size < needed) {
      size = Math.min(max, 2 * size);
    }
    byte[] bigger = new byte[(int) size];
    System.arraycopy(a, 0, bigger, 0, keep);
    return bigger;
  }

  /**
   * Every {@link #TRIM_EVERY} fetches, lets go of a buffer four times larger than any body since;
   * only before a fetch, while no one reads the last body.
   */
  private void trim() {
    if (++fetches < TRIM_EVERY) {
      return;
    }
    if (body.length > INITIAL_BODY && body.length > 4L * peakBody) {
      body = new byte[0];
    }
    if (plain.length > INITIAL_BODY && plain.length > 4L * peakPlain) {
      plain = new byte[0];
    }
    fetches = 0;
    peakBody = 0;
    peakPlain = 0;
  }

  /**
   * Gunzips the body (one or more gzip members; trailing bytes that are not one are ignored) into
   * {@link #plain}, at most the limit.
   */
  private void gunzip() throws ScrapeException {
    int n = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body, 0, bodyLength))) {
      while (true) {
        if (n == plain.length) {
          if (n >= max) {
            // full at the limit: one more byte is one too many
            if (in.read() < 0) {
              break;
            }
            throw new ScrapeException("body too large after gunzip: url=" + url + " limit=" + max);
          }
          plain = grown(plain, n + 1L, n);
        }
        int r = in.read(plain, n, plain.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      throw new ScrapeException("bad gzip body: url=" + url + " reason=" + e.getMessage());
    }
    plainLength = n;
    peakPlain = Math.max(peakPlain, n);
    gunzipped = true;
  }

  // ------------------------------------------------------------------ errors and bytes

  /** A connection that ended early; its message is the reason served. */
  private static final class Broken extends IOException {
    private static final long serialVersionUID = 1L;

    Broken(String message) {
      super(message);
    }
  }

  private ScrapeException malformed(String reason) {
    return new ScrapeException("scrape failed: url=" + url + " reason=" + reason);
  }

  private ScrapeException tooLarge(int max) {
    return new ScrapeException("body too large: limit=" + max + " url=" + url);
  }

  /** The exception and the first message along its causes (a refused connection has none). */
  private static String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isEmpty()) {
        return c == t ? t.toString() : t + ": " + c.getMessage();
      }
    }
    return t.toString();
  }

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

  /** Whether the header name {@code l[0, length)} is {@code name} (lower case), ignoring case. */
  private static boolean named(byte[] l, int length, byte[] name) {
    return matches(l, 0, length, name);
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
