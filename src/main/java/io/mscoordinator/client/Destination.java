package io.mscoordinator.client;

import java.util.Objects;

/**
 * Where a call goes: scheme, host and port, and the kind of peer, which decides the client TLS.
 * Connections are pooled per destination.
 *
 * @param kind the kind of peer
 * @param secure {@code https} when true, {@code http} otherwise
 * @param host an IPv4 or IPv6 literal (without brackets) or a host name; for {@code https} also the
 *     identity the peer's certificate must prove (and the SNI name when it is not a literal)
 * @param port in [1, 65535]
 */
public record Destination(DestinationKind kind, boolean secure, String host, int port) {
  public Destination {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(host, "host");
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad destination: host=" + host + " port=" + port);
    }
  }

  /** {@code http} or {@code https}. */
  public String scheme() {
    return secure ? "https" : "http";
  }

  /** {@code host:port}, an IPv6 host in brackets: the {@code Host} header. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** {@code scheme://authority} followed by {@code path}. */
  public String url(String path) {
    return scheme() + "://" + authority() + path;
  }
}
