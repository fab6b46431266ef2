package io.mscoordinator.client;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
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
   * @throws InterruptedException when the thread was interrupted
   */
  public Response execute(long startNanos) throws CallException, InterruptedException {
    start = startNanos;
    deadline = startNanos + limits.deadline().toNanos();
    boolean retried = false;
    while (true) {
      Connection c = client.take(destination);
      boolean reused = c != null;
      if (c == null) {
        c = connect();
      } else {
        hold(c);
      }
      try {
        c.timeout(left(limits.headers(), "headers"));
        Http1ClientResponse response = send(c);
        return new Response(this, c, response);
      } catch (CallException e) {
        c.close();
        throw e;
      } catch (IOException | RuntimeException e) {
        c.close();
        interrupted();
        if (!aborted
            && reused
            && !retried
            && request.idempotent()
            && !timedOut(e)
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
   * Ends the call at once: a blocked connect or read fails, the connection is closed. Any thread;
   * before or during {@link #execute} and while the response is read.
   */
  public void abort() {
    aborted = true;
    Socket s = connecting;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    Connection c = connection;
    if (c != null) {
      c.close();
    }
  }

  Destination destination() {
    return destination;
  }

  CallLimits limits() {
    return limits;
  }

  OutboundClient client() {
    return client;
  }

  private Connection connect() throws CallException, InterruptedException {
    long ms = left(limits.connect(), "connect");
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
              (int) Math.min(ms, Integer.MAX_VALUE),
              s -> {
                connecting = s;
                // an abort() (or a stop's interrupt) before connecting was published: it missed s
                if (aborted || Thread.currentThread().isInterrupted()) {
                  try {
                    s.close();
                  } catch (IOException e) {
                    // closing anyway
                  }
                }
              });
      connecting = null;
      hold(c);
      return c;
    } catch (IOException | RuntimeException e) {
      connecting = null;
      interrupted();
      throw failure(e, limits.connect());
    }
  }

  /** Publishes the connection to abort() and then checks whether an abort came first. */
  private void hold(Connection c) throws CallException, InterruptedException {
    connection = c;
    if (aborted || Thread.currentThread().isInterrupted()) {
      c.close();
      interrupted();
      throw CallException.failed(url, "aborted");
    }
  }

  private Http1ClientResponse send(Connection c) {
    Http1ClientRequest r =
        client
            .http1()
            .method(Method.create(request.method()))
            .uri(ClientUri.create(URI.create(url)))
            .connection(c)
            .followRedirects(false)
            .header(HeaderNames.USER_AGENT, client.userAgent());
    List<String> headers = request.headers();
    for (int i = 0; i < headers.size(); i += 2) {
      r.header(HeaderNames.create(headers.get(i)), headers.get(i + 1));
    }
    byte[] body = request.body();
    return body == null ? r.request() : r.submit(body);
  }

  /**
   * Milliseconds left of the call for a step bounded by {@code bound} from the start, at least 1;
   * fails with a timeout when none is left.
   */
  long left(Duration bound, String step) throws CallException {
    long end = Math.min(deadline, start + bound.toNanos());
    long nanos = end - System.nanoTime();
    if (nanos <= 0) {
      throw CallException.timedOut(url, (end == deadline ? limits.deadline() : bound).toMillis());
    }
    return (nanos + 999_999) / 1_000_000;
  }

  /** The failure {@code e} stands for; {@code bound} is the step's bound, named by a timeout. */
  CallException failure(Throwable e, Duration bound) {
    if (e instanceof CallException c) {
      return c;
    }
    if (timedOut(e)) {
      Duration b = start + bound.toNanos() < deadline ? bound : limits.deadline();
      return CallException.timedOut(url, b.toMillis());
    }
    if (aborted) {
      return CallException.failed(url, "aborted");
    }
    return CallException.failed(url, describe(e));
  }

  void interrupted() throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      connection = null;
      throw new InterruptedException("call interrupted: url=" + url);
    }
  }

  boolean aborted() {
    return aborted;
  }

  private boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** The exception and the first line of the first message along its causes, at most 200 chars. */
  private static String describe(Throwable t) {
    String text = t.toString();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isEmpty()) {
        text = c == t ? t.toString() : t.getClass().getName() + ": " + c.getMessage();
        break;
      }
    }
    int eol = text.indexOf('\n');
    if (eol >= 0) {
      text = text.substring(0, eol).trim();
    }
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
