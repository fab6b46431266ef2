package io.mscoordinator.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One exchange with a destination: {@link #execute} sends the request and returns the response once
 * its head has arrived; {@link #abort()} ends it from any thread.
 *
 * <p>Confined to the thread that executes it and reads its response, except {@link #abort()}.
 */
public final class Call {
  private final OutboundClient client;
  private final Destination destination;
  private final Request request;
  private final CallLimits limits;
  private final String url;

  private volatile boolean aborted;

  // what abort() closes: the socket being connected, then the connection in use
  private volatile Socket connecting;
  private volatile Connection connection;

  private long start;
  private long deadline;
  private long sent;

  Call(OutboundClient client, Destination destination, Request request, CallLimits limits) {
    this.client = client;
    this.destination = destination;
    this.request = request;
    this.limits = limits;
    this.url = destination.url(request.path());
  }

  /** The url called, as failures name it. */
  public String url() {
    return url;
  }

  /** Executes the call with its bounds counted from now. */
  public Response execute() throws CallException, InterruptedException {
    return execute(System.nanoTime());
  }

  /**
   * Sends the request and reads the response's head, with the call's bounds counted from {@code
   * startNanos} ({@link System#nanoTime()}). The response must be closed.
   *
   * @throws CallException on a timeout, a refused or broken connection, a malformed response or an
   *     abort
   * @throws InterruptedException when the thread was interrupted (its caller stopping)
   */
  public Response execute(long startNanos) throws CallException, InterruptedException {
    start = startNanos;
    deadline = startNanos + limits.deadline().toNanos();
    byte[] head = head();
    boolean retried = false;
    while (true) {
      // a resend goes on a fresh connection: the other kept ones went stale with the first
      Connection c = retried ? null : client.take(destination);
      boolean reused = c != null;
      if (c == null) {
        c = connect();
      } else {
        hold(c);
      }
      try {
        c.deadline(end(limits.headers()));
        c.send(head, request.body());
        sent = System.nanoTime();
        Response response = Response.read(this, c, request.method().equals("HEAD"));
        c.deadline(deadline);
        return response;
      } catch (IOException | RuntimeException e) {
        c.close();
        connection = null;
        interrupted();
        if (!aborted
            && reused
            && !retried
            && !c.received()
            && request.idempotent()
            && !(e instanceof SocketTimeoutException)
            && deadline - System.nanoTime() > 0) {
          // the server closed the idle connection: once more on a fresh one
          retried = true;
          continue;
        }
        throw failure(e, limits.headers());
      }
    }
  }

  /**
   * When the request was last written whole ({@link System#nanoTime()}), or 0 before; read by the
   * executing thread after {@link #execute} returned or failed.
   */
  public long sentNanos() {
    return sent;
  }

  /**
   * Ends the call at once: a blocked connect or read fails, the connection is closed. Any thread;
   * before or during {@link #execute} and while the response is read.
   */
  public void abort() {
    aborted = true;
    Socket s = connecting;
    if (s != null) {
      closeQuietly(s);
    }
    Connection c = connection;
    if (c != null) {
      c.close();
    }
  }

  CallLimits limits() {
    return limits;
  }

  /** The response is closed: its connection goes back to the pool, or null when it was closed. */
  void released(Connection kept) {
    connection = null;
    if (kept != null) {
      client.giveBack(kept);
    }
  }

  /** The request line and headers. */
  private byte[] head() {
    StringBuilder h = new StringBuilder(256);
    h.append(request.method()).append(' ').append(request.path()).append(" HTTP/1.1\r\n");
    h.append("Host: ").append(destination.authority()).append("\r\n");
    List<String> headers = request.headers();
    for (int i = 0; i < headers.size(); i += 2) {
      h.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
    }
    h.append("User-Agent: ").append(client.userAgent()).append("\r\n");
    if (request.body() != null) {
      h.append("Content-Length: ").append(request.body().length).append("\r\n");
    }
    return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private Connection connect() throws CallException, InterruptedException {
    long end = end(limits.connect());
    if (end - System.nanoTime() <= 0) {
      throw timedOut(limits.connect());
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(destination.host());
    } catch (IllegalArgumentException e) {
      try {
        address = InetAddress.getByName(destination.host());
      } catch (UnknownHostException u) {
        throw CallException.failed(url, u.toString());
      }
    }
    try {
      Connection c =
          Connection.open(
              destination,
              address,
              client.tls(destination.kind()),
              end,
              s -> {
                connecting = s;
                // an abort() (or a stop's interrupt) before connecting was published missed s
                if (aborted || Thread.currentThread().isInterrupted()) {
                  closeQuietly(s);
                }
              });
      connecting = null;
      hold(c);
      return c;
    } catch (IOException | RuntimeException e) {
      connecting = null;
      interrupted();
      throw failure(e, limits.connect()).whileConnecting();
    }
  }

  /** Publishes the connection to abort() and then checks whether an abort came first. */
  private void hold(Connection c) throws CallException, InterruptedException {
    connection = c;
    if (aborted || Thread.currentThread().isInterrupted()) {
      c.close();
      connection = null;
      interrupted();
      throw CallException.failed(url, "aborted");
    }
  }

  /** When a step bounded by {@code bound} from the start must end: never past the deadline. */
  private long end(Duration bound) {
    return Math.min(deadline, start + bound.toNanos());
  }

  private CallException timedOut(Duration bound) {
    Duration b = start + bound.toNanos() < deadline ? bound : limits.deadline();
    return CallException.timedOut(url, b.toMillis());
  }

  /** The failure {@code e} stands for; {@code bound} is the step's bound, named by a timeout. */
  CallException failure(Throwable e, Duration bound) {
    if (e instanceof CallException c) {
      return c;
    }
    if (e instanceof SocketTimeoutException) {
      return timedOut(bound);
    }
    if (aborted) {
      return CallException.failed(url, "aborted");
    }
    return CallException.failed(url, describe(e));
  }

  /** Throws when the thread was interrupted: its caller is stopping. */
  void interrupted() throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("call interrupted: url=" + url);
    }
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

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
