package io.mscoordinator.client;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.common.socket.TlsSocket;
import io.helidon.webclient.api.ClientConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;

/**
 * One kept-alive connection to a destination, handed to Helidon's WebClient as the explicit
 * connection of a request: the layer connects it (with the call's connect bound and the kind's TLS)
 * and pools it; WebClient writes requests and reads responses over it.
 *
 * <p>Confined to the call that holds it, except {@link #close()}, which any thread may call (an
 * abort).
 */
final class Connection implements ClientConnection {
  private final Destination destination;
  private final Socket raw;
  private final Socket socket;
  private final HelidonSocket helidon;
  private final DataReader reader;
  private final DataWriter writer;
  private volatile boolean closed;
  private boolean released;

  private Connection(Destination destination, Socket raw, Socket socket) {
    this.destination = destination;
    this.raw = raw;
    this.socket = socket;
    String id = "0x" + Integer.toHexString(System.identityHashCode(raw));
    this.helidon =
        socket instanceof SSLSocket ssl ? TlsSocket.client(ssl, id) : PlainSocket.client(raw, id);
    this.reader = DataReader.create(helidon);
    this.writer = new Writer(helidon);
  }

  /**
   * Connects to {@code destination} within {@code millis} (TCP and TLS handshake); {@code onSocket}
   * sees the plain socket before it connects, so that an abort can close it.
   */
  static Connection open(
      Destination destination,
      InetAddress address,
      OutboundClient.Tls tls,
      int millis,
      Consumer<Socket> onSocket)
      throws IOException {
    Socket s = new Socket();
    onSocket.accept(s);
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(address, destination.port()), millis);
      Socket connection = s;
      if (destination.secure()) {
        // host: SNI for a name (never for an IP literal) and the identity the peer must prove
        SSLSocket ssl =
            (SSLSocket) tls.factory().createSocket(s, destination.host(), destination.port(), true);
        ssl.setSSLParameters(tls.parameters());
        s.setSoTimeout(millis);
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

  /** Sets the read timeout of the next reads, at least 1 ms. */
  void timeout(long millis) throws SocketException {
    socket.setSoTimeout((int) Math.max(1, Math.min(millis, Integer.MAX_VALUE)));
  }

  /** Whether WebClient finished a response and left the connection reusable; then resets it. */
  boolean takeReleased() {
    boolean r = released && !closed;
    released = false;
    return r;
  }

  boolean closed() {
    return closed;
  }

  /** Closes the plain socket (a TLS close would first try to send close_notify); any thread. */
  void close() {
    closed = true;
    closeQuietly(raw);
  }

  @Override
  public DataReader reader() {
    return reader;
  }

  @Override
  public DataWriter writer() {
    return writer;
  }

  @Override
  public String channelId() {
    return helidon.childSocketId();
  }

  @Override
  public HelidonSocket helidonSocket() {
    return helidon;
  }

  @Override
  public void readTimeout(Duration readTimeout) {
    // the call sets the time left itself before each read
  }

  @Override
  public boolean allowExpectContinue() {
    return false;
  }

  @Override
  public boolean isConnected() {
    return !closed;
  }

  @Override
  public void releaseResource() {
    released = true;
  }

  @Override
  public void closeResource() {
    close();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Writes each buffer through at once: a request is one buffer, its body maybe another. */
  private static final class Writer implements DataWriter {
    private final HelidonSocket socket;

    Writer(HelidonSocket socket) {
      this.socket = socket;
    }

    @Override
    public void write(BufferData... buffers) {
      for (BufferData b : buffers) {
        socket.write(b);
      }
    }

    @Override
    public void write(BufferData buffer) {
      socket.write(buffer);
    }

    @Override
    public void writeNow(BufferData... buffers) {
      write(buffers);
    }

    @Override
    public void writeNow(BufferData buffer) {
      socket.write(buffer);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
