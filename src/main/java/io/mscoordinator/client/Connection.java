package io.mscoordinator.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;

/**
 * One kept-alive HTTP/1.1 connection to a destination: the socket, a read buffer and the line
 * reader of response heads and chunk lines. Every read blocks at most until the deadline its call
 * set, at least 1 ms; past it a read fails with a {@link SocketTimeoutException}.
 *
 * <p>Confined to the call that holds it, except {@link #close()}, which any thread may call (an
 * abort).
 */
final class Connection {
  private static final int BUFFER = 16 * 1024;

  private final Destination destination;
  private final Socket raw;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buffer = new byte[BUFFER];
  private int position;
  private int limit;
  private int lent;
  private byte[] line = new byte[256];
  private long deadline;
  private boolean received;
  private volatile boolean closed;

  private Connection(Destination destination, Socket raw, Socket socket) throws IOException {
    this.destination = destination;
    this.raw = raw;
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to {@code destination} by {@code end} ({@link System#nanoTime()}), TCP connect and TLS
   * handshake together; {@code onSocket} sees the plain socket before it connects, so that an abort
   * can close it.
   */
  static Connection open(
      Destination destination,
      InetAddress address,
      OutboundClient.Tls tls,
      long end,
      Consumer<Socket> onSocket)
      throws IOException {
    Socket s = new Socket();
    onSocket.accept(s);
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(address, destination.port()), millisTo(end));
      Socket connection = s;
      if (destination.secure()) {
        // host: SNI for a name (never for an IP literal) and the identity the peer must prove
        SSLSocket ssl =
            (SSLSocket) tls.factory().createSocket(s, destination.host(), destination.port(), true);
        ssl.setSSLParameters(tls.parameters());
        ssl.setSoTimeout(millisTo(end));
        ssl.startHandshake();
        connection = ssl;
      }
      return new Connection(destination, s, connection);
    } catch (IOException | RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
  }

  Destination destination() {
    return destination;
  }

  /** Sets when every read from now on must end ({@link System#nanoTime()}). */
  void deadline(long nanos) {
    deadline = nanos;
  }

  /** Starts an exchange: nothing of its response has been read yet. */
  void send(byte[] head, byte[] body) throws IOException {
    received = false;
    out.write(head);
    if (body != null) {
      out.write(body);
    }
    out.flush();
  }

  /** Whether a byte of the response arrived since {@link #send}. */
  boolean received() {
    return received;
  }

  /** Whether bytes past what was read are buffered: the connection is out of step. */
  boolean buffered() {
    return position < limit;
  }

  boolean closed() {
    return closed;
  }

  /** Closes the plain socket (a TLS close would first try to send close_notify); any thread. */
  void close() {
    closed = true;
    closeQuietly(raw);
  }

  /** The bytes of the last line read: its first {@code n} bytes, {@code n} as returned. */
  byte[] line() {
    return line;
  }

  /**
   * Reads one line into {@link #line()} without its CRLF (or bare LF); returns its length, or -1 at
   * the end of the stream. A line longer than {@code max} fails with {@code reason}.
   */
  int readLine(int max, String reason, String url) throws IOException {
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
        throw CallException.failed(url, reason);
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
      throw CallException.failed(url, reason);
    }
    return n;
  }

  /** One byte, or -1 at the end of the stream. */
  int readByte() throws IOException {
    if (position == limit && fill() < 0) {
      return -1;
    }
    return buffer[position++] & 0xff;
  }

  /**
   * Lends at most {@code length} bytes in the connection's own buffer, without a copy: what is
   * buffered, else one read of the socket; returns how many, or -1 at the end of the stream. They
   * are at {@link #lentOffset()} in {@link #lentArray()} until the next read of this connection.
   */
  int lend(int length) throws IOException {
    if (length == 0) {
      lent = position;
      return 0;
    }
    if (position == limit && fill() < 0) {
      return -1;
    }
    int take = Math.min(limit - position, length);
    lent = position;
    position += take;
    return take;
  }

  byte[] lentArray() {
    return buffer;
  }

  int lentOffset() {
    return lent;
  }

  /**
   * Reads at most {@code length} bytes into {@code into} at {@code offset}: what is buffered, else
   * one read of the socket (straight into {@code into} when it asks for at least a buffer's worth);
   * returns how many, or -1 at the end of the stream.
   */
  int read(byte[] into, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (position == limit) {
      if (length < buffer.length) {
        // a short read goes through the buffer, which then also holds what follows (a chunk line)
        if (fill() < 0) {
          return -1;
        }
      } else {
        timeout();
        int r = in.read(into, offset, length);
        if (r > 0) {
          received = true;
        }
        return r;
      }
    }
    int take = Math.min(limit - position, length);
    System.arraycopy(buffer, position, into, offset, take);
    position += take;
    return take;
  }

  private int fill() throws IOException {
    timeout();
    int r = in.read(buffer, 0, buffer.length);
    if (r > 0) {
      position = 0;
      limit = r;
      received = true;
    }
    return r;
  }

  private void timeout() throws IOException {
    socket.setSoTimeout(millisTo(deadline));
  }

  /** Milliseconds to {@code end}, rounded up; fails with a timeout once it has passed. */
  private static int millisTo(long end) throws SocketTimeoutException {
    long nanos = end - System.nanoTime();
    if (nanos <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    return (int) Math.min((nanos + 999_999) / 1_000_000, Integer.MAX_VALUE);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
