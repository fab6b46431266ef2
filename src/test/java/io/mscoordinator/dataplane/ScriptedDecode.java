package io.mscoordinator.dataplane;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A decode instance's {@code /dresult} on loopback, scripted by the test: answers each GET with a
 * chunked 200 (or a set status), then writes what the test sends, one chunk per call.
 */
final class ScriptedDecode implements AutoCloseable {
  private final ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
  private final LinkedBlockingQueue<Socket> open = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<String> requestLines = new LinkedBlockingQueue<>();
  private final List<Socket> all = new CopyOnWriteArrayList<>();
  private final Thread acceptor;
  private volatile int refuseStatus;
  private volatile Socket current;
  private volatile int connections;

  ScriptedDecode() throws IOException {
    acceptor = Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  int connections() {
    return connections;
  }

  /** Answers the next GETs with {@code status} and closes; 0 serves the link again. */
  void refuseWith(int status) {
    refuseStatus = status;
  }

  String requestLine() throws InterruptedException {
    return requestLines.poll(10, TimeUnit.SECONDS);
  }

  void send(String messages) throws IOException, InterruptedException {
    byte[] b = messages.getBytes(StandardCharsets.UTF_8);
    OutputStream out = live().getOutputStream();
    out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Closes the open link abruptly: no final chunk. */
  void drop() throws IOException, InterruptedException {
    Socket s = live();
    current = null;
    s.close();
  }

  /** Whether the coordinator ended the open link (its socket reads end of stream) in time. */
  boolean endedByPeer(Duration within) throws IOException, InterruptedException {
    Socket s = live();
    s.setSoTimeout((int) within.toMillis());
    try {
      InputStream in = s.getInputStream();
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private Socket live() throws InterruptedException {
    Socket s = current;
    if (s == null) {
      s = open.poll(10, TimeUnit.SECONDS);
      current = s;
    }
    if (s == null) {
      throw new IllegalStateException("no open link");
    }
    return s;
  }

  private void accept() {
    while (true) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return;
      }
      connections++;
      all.add(s);
      try {
        String line = head(s.getInputStream());
        requestLines.add(line);
        OutputStream out = s.getOutputStream();
        int status = refuseStatus;
        if (status != 0) {
          out.write(
              ("HTTP/1.1 " + status + " Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          s.close();
          continue;
        }
        out.write(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        current = null;
        open.add(s);
      } catch (IOException e) {
        // the link went away before its head: the next one is served
      }
    }
  }

  /** The request line; the rest of the head is read and discarded. */
  private static String head(InputStream in) throws IOException {
    StringBuilder all = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      all.append((char) c);
      if (all.length() >= 4 && all.substring(all.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    int end = all.indexOf("\r\n");
    return end < 0 ? all.toString() : all.substring(0, end);
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : all) {
      s.close();
    }
    try {
      acceptor.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
