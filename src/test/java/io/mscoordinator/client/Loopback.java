package io.mscoordinator.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.Eventually;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A server on 127.0.0.1 scripted byte by byte: it runs its script on each accepted connection, each
 * on its own virtual thread, and records every request head (and body, when it has a {@code
 * Content-Length}). Closed by the test.
 */
final class Loopback implements AutoCloseable {
  final AtomicInteger connections = new AtomicInteger();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final ServerSocket server;

  /** What the server does with one accepted connection, the {@code i}th. */
  interface Script {
    void serve(Peer peer, int i) throws Exception;
  }

  Loopback(Script script) throws IOException {
    this(script, null);
  }

  /** With {@code tls}, a TLS server that requires no client certificate. */
  Loopback(Script script, SSLContext tls) throws IOException {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    server =
        tls == null
            ? new ServerSocket(0, 16, loopback)
            : tls.getServerSocketFactory().createServerSocket(0, 16, loopback);
    if (server instanceof SSLServerSocket ssl) {
      ssl.setNeedClientAuth(false);
    }
    threads.add(
        Thread.ofVirtual()
            .start(
                () -> {
                  while (true) {
                    Socket s;
                    try {
                      s = server.accept();
                    } catch (IOException e) {
                      return; // closed
                    }
                    int i = connections.getAndIncrement();
                    sockets.add(s);
                    threads.add(
                        Thread.ofVirtual()
                            .start(
                                () -> {
                                  try (s) {
                                    script.serve(new Peer(s, this), i);
                                  } catch (Exception e) {
                                    // the client hung up or the test ended
                                  }
                                }));
                  }
                }));
  }

  int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
    try {
      for (Thread t : threads) {
        t.interrupt();
        t.join(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until {@code thread} waits for bytes on its socket: a {@code park} frame of the JDK's
   * socket layer ({@code sun.nio.ch}) is on its stack, as for a platform thread in {@code poll} and
   * a virtual thread parked on the poller.
   */
  static void awaitBlockedReading(Thread thread) throws InterruptedException {
    boolean blocked =
        Eventually.poll(
            () -> parkedOnSocket(thread), b -> b, Duration.ofSeconds(5), Duration.ofMillis(1));
    assertTrue(blocked, "blocked reading: " + Arrays.toString(thread.getStackTrace()));
  }

  private static boolean parkedOnSocket(Thread thread) {
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().startsWith("sun.nio.ch.") && frame.getMethodName().equals("park")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Waits until the kernel holds the client's end of a loopback connection in CLOSE_WAIT: the
   * server's FIN has reached it ({@code /proc/net/tcp} and {@code tcp6}, state {@code 08}).
   */
  static void awaitFinReceived(int clientPort, int serverPort) throws InterruptedException {
    boolean received =
        Eventually.poll(
            () -> closeWait(clientPort, serverPort),
            b -> b,
            Duration.ofSeconds(5),
            Duration.ofMillis(1));
    assertTrue(received, "FIN received: client_port=" + clientPort + " server_port=" + serverPort);
  }

  private static boolean closeWait(int clientPort, int serverPort) {
    String local = String.format(":%04X", clientPort);
    String remote = String.format(":%04X", serverPort);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 3 && f[1].endsWith(local) && f[2].endsWith(remote) && f[3].equals("08")) {
            return true;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return false;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The server's side of one connection. */
  static final class Peer {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Loopback server;

    Peer(Socket socket, Loopback server) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
      this.server = server;
    }

    /**
     * Reads a request head, and its body when it declares a length; null when the client closed the
     * connection first.
     */
    String request() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        head.write(b);
        byte[] h = head.toByteArray();
        int n = h.length;
        if (n >= 4
            && h[n - 4] == '\r'
            && h[n - 3] == '\n'
            && h[n - 2] == '\r'
            && h[n - 1] == '\n') {
          String request = head.toString(StandardCharsets.US_ASCII);
          server.requests.add(request);
          int length = contentLength(request);
          if (length >= 0) {
            server.bodies.add(in.readNBytes(length));
          }
          return request;
        }
      }
    }

    /** Reads a request and sends {@code response}, then waits for the next request or the end. */
    void answer(byte[] response) throws IOException {
      request();
      send(response);
      request();
    }

    void send(String ascii) throws IOException {
      send(ascii(ascii));
    }

    void send(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    private static int contentLength(String head) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("content-length")) {
          return Integer.parseInt(line.substring(colon + 1).trim());
        }
      }
      return -1;
    }
  }
}
