package io.mscoordinator.client;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;

/**
 * The one outbound HTTP/1.1 client layer: everything the coordinator calls goes through it (node
 * scraping today; forwarding, {@code /dresult}, stopInfer and remote write next).
 *
 * <p>Threadsafe. A call runs on the thread that executes it (blocking I/O, meant for virtual
 * threads): it takes an idle kept-alive connection to its {@link Destination} or opens one, and
 * gives it back when its response is closed with the body read, up to the {@linkplain
 * Builder#poolSize pool size} of the destination's kind; past that, or when the connection cannot
 * serve another request, it is closed. A connection belongs to one call at a time; only {@link
 * Call#abort()} touches it from another thread.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>Client TLS is chosen by the destination's {@link DestinationKind} ({@link Builder#tls});
 *       hostname verification is always on: the peer's certificate must name the destination's
 *       host. A kind without TLS of its own trusts the JDK's default CAs and presents no
 *       certificate.
 *   <li>Every request carries the layer's {@code User-Agent}, {@code Host} and, with a body, {@code
 *       Content-Length}.
 *   <li>Each call is bounded by its {@link CallLimits}: connect, response head and the whole
 *       exchange; the body limit applies as sent and after gunzip.
 *   <li>A kept connection that turns out closed before the response's first byte is replaced once
 *       by a fresh one, if time is left and the request is idempotent: the server may have closed
 *       it while it was idle.
 *   <li>Writing the request is bounded by {@link Call#abort()} only (a blocking socket write has no
 *       timeout): a peer that stops reading a large request body holds its call until aborted.
 * </ul>
 */
public final class OutboundClient implements AutoCloseable {
  /** The {@code User-Agent} unless the builder says otherwise. */
  public static final String USER_AGENT = "ms-coordinator";

  /** Status line and headers of one response together. */
  public static final int MAX_HEADER_BYTES = 64 * 1024;

  private final String userAgent;
  private final Map<DestinationKind, Tls> tls;
  private final Map<DestinationKind, Integer> poolSizes;
  private final Map<Destination, Pool> pools = new ConcurrentHashMap<>();

  private volatile boolean closed;

  private OutboundClient(Builder b) {
    this.userAgent = b.userAgent;
    this.tls = new EnumMap<>(b.tls);
    this.poolSizes = new EnumMap<>(b.poolSizes);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A destination of {@code kind}: {@code https} when the kind has TLS of its own, else http. */
  public Destination destination(DestinationKind kind, String host, int port) {
    return new Destination(kind, tls.containsKey(kind), host, port);
  }

  /**
   * A call of {@code request} to {@code destination} within {@code limits}; nothing is sent before
   * {@link Call#execute}.
   */
  public Call call(Destination destination, Request request, CallLimits limits) {
    return new Call(this, destination, request, limits);
  }

  /** Closes the idle connections to {@code destination} (a node that stopped being scraped). */
  public void evict(Destination destination) {
    Pool pool = pools.remove(destination);
    if (pool != null) {
      pool.closeAll();
    }
  }

  /** Closes every idle connection; a call under way finishes and closes its own. */
  @Override
  public void close() {
    closed = true;
    for (Destination d : List.copyOf(pools.keySet())) {
      evict(d);
    }
  }

  String userAgent() {
    return userAgent;
  }

  /** The TLS of {@code kind}'s destinations. */
  Tls tls(DestinationKind kind) {
    Tls t = tls.get(kind);
    return t != null ? t : Tls.jdkDefault();
  }

  /** An idle connection to {@code destination}, or null. */
  Connection take(Destination destination) {
    Pool pool = pools.get(destination);
    return pool == null ? null : pool.take();
  }

  /** Keeps {@code connection} for the next call to its destination, or closes it. */
  void giveBack(Connection connection) {
    if (closed) {
      connection.close();
      return;
    }
    Destination d = connection.destination();
    int size = poolSizes.getOrDefault(d.kind(), 1);
    if (!pools.computeIfAbsent(d, k -> new Pool()).offer(connection, size)) {
      connection.close();
    }
  }

  /** Whether a connection to {@code destination} is kept idle; for tests. */
  int idle(Destination destination) {
    Pool pool = pools.get(destination);
    return pool == null ? 0 : pool.size();
  }

  /** The client TLS of one kind: its socket factory and parameters, hostname verification on. */
  record Tls(SSLSocketFactory factory, SSLParameters parameters) {
    private static volatile Tls jdkDefault;

    static Tls of(SSLContext context, SSLParameters parameters) {
      SSLParameters p = parameters == null ? context.getDefaultSSLParameters() : parameters;
      SSLParameters verified = new SSLParameters(p.getCipherSuites(), p.getProtocols());
      verified.setEndpointIdentificationAlgorithm("HTTPS");
      return new Tls(context.getSocketFactory(), verified);
    }

    static Tls jdkDefault() {
      Tls t = jdkDefault;
      if (t == null) {
        try {
          t = of(SSLContext.getDefault(), null);
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("no default TLS context: reason=" + e, e);
        }
        jdkDefault = t;
      }
      return t;
    }
  }

  /** The idle connections to one destination, newest last. Threadsafe (its own lock). */
  private static final class Pool {
    private final ArrayDeque<Connection> idle = new ArrayDeque<>(1);

    synchronized Connection take() {
      return idle.pollLast();
    }

    synchronized boolean offer(Connection c, int max) {
      if (idle.size() >= max) {
        return false;
      }
      idle.addLast(c);
      return true;
    }

    synchronized int size() {
      return idle.size();
    }

    void closeAll() {
      List<Connection> all;
      synchronized (this) {
        all = new ArrayList<>(idle);
        idle.clear();
      }
      for (Connection c : all) {
        c.close();
      }
    }
  }

  /** Builds an {@link OutboundClient}. */
  public static final class Builder {
    private String userAgent = USER_AGENT;
    private final Map<DestinationKind, Tls> tls = new EnumMap<>(DestinationKind.class);
    private final Map<DestinationKind, Integer> poolSizes = new EnumMap<>(DestinationKind.class);

    private Builder() {}

    /** The {@code User-Agent} of every request; {@value OutboundClient#USER_AGENT} by default. */
    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /**
     * The client TLS of {@code kind}'s destinations: trusted CAs and client certificate from {@code
     * context}, protocols and cipher suites from {@code parameters} (null: the context's defaults).
     * Hostname verification is on whatever {@code parameters} say.
     */
    public Builder tls(DestinationKind kind, SSLContext context, SSLParameters parameters) {
      tls.put(kind, Tls.of(context, parameters));
      return this;
    }

    /**
     * How many idle connections are kept per destination of {@code kind}; 1 by default (a scraped
     * node calls once at a time). Calls past it at once open more connections, closed after use.
     */
    public Builder poolSize(DestinationKind kind, int size) {
      if (size < 0) {
        throw new IllegalArgumentException("bad pool size: kind=" + kind + " size=" + size);
      }
      poolSizes.put(kind, size);
      return this;
    }

    public OutboundClient build() {
      return new OutboundClient(this);
    }
  }
}
