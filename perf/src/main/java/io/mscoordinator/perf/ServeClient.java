package io.mscoordinator.perf;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 client connection of the serve load generator, on a raw socket: it writes
 * a request and reads the answer itself, taking the arrival time of every HTTP chunk as the chunk's
 * last byte is read, so a chunk's time is when the client could use it and no client library's
 * event loop sits between the socket and the clock. Confined to the virtual thread that uses it.
 */
final class ServeClient implements AutoCloseable {
  /** What one answer looked like at the client. */
  static final class Answer {
    int status;
    long ttftNanos = -1;
    long endNanos;
    int chunks;
    int events;
    long bodyBytes;
    /** Arrival time of each non-empty chunk (the first {@code chunks} entries are used). */
    long[] chunkArrivals = new long[64];
    /** Body bytes received up to the end of each chunk. */
    long[] chunkEndBytes = new long[64];

    void reset() {
      status = 0;
      ttftNanos = -1;
      endNanos = 0;
      chunks = 0;
      events = 0;
      bodyBytes = 0;
    }

    void arrival(long at) {
      if (chunks == chunkArrivals.length) {
        chunkArrivals = java.util.Arrays.copyOf(chunkArrivals, chunks * 2);
        chunkEndBytes = java.util.Arrays.copyOf(chunkEndBytes, chunks * 2);
      }
      chunkEndBytes[chunks] = bodyBytes;
      chunkArrivals[chunks++] = at;
    }
  }

  private final int port;
  private Socket socket;
  private InputStream in;
  private OutputStream out;
  private final byte[] line = new byte[8192];
  private final byte[] skip = new byte[65536];

  ServeClient(int port) {
    this.port = port;
  }

  int port() {
    return port;
  }

  /** Opens the connection now (figure (c) holds connections open before any answer). */
  void connect() throws IOException {
    if (socket != null) {
      return;
    }
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    s.setSoTimeout(120_000);
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), 65536);
    out = s.getOutputStream();
  }

  /**
   * Sends {@code request} (whole request bytes) and reads the answer into {@code answer}; the
   * connection stays open when the server keeps it alive.
   */
  void exchange(byte[] request, Answer answer) throws IOException {
    answer.reset();
    connect();
    try {
      out.write(request);
      out.flush();
      read(answer);
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** Sends {@code request} and reads only the answer's head and first chunk (figure (c)). */
  void openStream(byte[] request, Answer answer) throws IOException {
    answer.reset();
    connect();
    out.write(request);
    out.flush();
    Head head = head(answer);
    if (!head.chunked) {
      throw new IOException("open stream: answer not chunked: status=" + answer.status);
    }
    readChunk(answer);
  }

  private record Head(boolean chunked, long length, boolean close) {}

  private Head head(Answer answer) throws IOException {
    String status = readLine();
    if (!status.startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP answer: line=" + status);
    }
    answer.status = Integer.parseInt(status.substring(9, 12));
    boolean chunked = false;
    boolean close = status.startsWith("HTTP/1.0");
    long length = -1;
    for (String h = readLine(); !h.isEmpty(); h = readLine()) {
      int colon = h.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.contains("chunked");
        case "connection" -> close = value.contains("close");
        default -> {}
      }
    }
    return new Head(chunked, length, close);
  }

  private void read(Answer answer) throws IOException {
    Head head = head(answer);
    if (head.chunked) {
      while (readChunk(answer)) {
        // every chunk timed in readChunk
      }
    } else if (head.length >= 0) {
      long left = head.length;
      boolean first = true;
      while (left > 0) {
        int n = in.read(skip, 0, (int) Math.min(skip.length, left));
        if (n < 0) {
          throw new EOFException("answer cut: left=" + left);
        }
        if (first) {
          answer.ttftNanos = System.nanoTime();
          first = false;
        }
        answer.events += countEvents(skip, n);
        left -= n;
        answer.bodyBytes += n;
      }
      answer.arrival(System.nanoTime());
    } else {
      int n;
      while ((n = in.read(skip)) >= 0) {
        answer.bodyBytes += n;
      }
      answer.arrival(System.nanoTime());
      close();
    }
    answer.endNanos = System.nanoTime();
    if (answer.ttftNanos < 0) {
      answer.ttftNanos = answer.endNanos;
    }
    if (head.close) {
      close();
    }
  }

  /** Reads one chunk; false at the last (empty) chunk, whose trailers it reads too. */
  private boolean readChunk(Answer answer) throws IOException {
    String sizeLine = readLine();
    int semi = sizeLine.indexOf(';');
    long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
    if (size == 0) {
      while (!readLine().isEmpty()) {
        // trailers
      }
      return false;
    }
    long left = size;
    while (left > 0) {
      int n = in.read(skip, 0, (int) Math.min(skip.length, left));
      if (n < 0) {
        throw new EOFException("chunk cut: left=" + left);
      }
      answer.events += countEvents(skip, n);
      left -= n;
    }
    answer.bodyBytes += size;
    long at = System.nanoTime();
    if (answer.ttftNanos < 0) {
      answer.ttftNanos = at;
    }
    answer.arrival(at);
    if (in.read() != '\r' || in.read() != '\n') {
      throw new IOException("chunk not followed by CRLF");
    }
    return true;
  }

  /** SSE event ends ("\n\n") in {@code b[0..n)}; an event split across reads is not counted. */
  private static int countEvents(byte[] b, int n) {
    int events = 0;
    for (int i = 1; i < n; i++) {
      if (b[i] == '\n' && b[i - 1] == '\n') {
        events++;
      }
    }
    return events;
  }

  private String readLine() throws IOException {
    int n = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed: port=" + port);
      }
      if (c == '\n') {
        break;
      }
      if (n < line.length) {
        line[n++] = (byte) c;
      }
    }
    if (n > 0 && line[n - 1] == '\r') {
      n--;
    }
    return new String(line, 0, n, StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing to drop: nothing to do
      }
      socket = null;
    }
  }
}
