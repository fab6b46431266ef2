package io.mscoordinator.capability;

import io.helidon.common.tls.Tls;
import java.util.Optional;

/**
 * Where one listener binds and, when set, its TLS.
 *
 * @param name the listener's name in logs and {@code Coordinator.uri}, e.g. {@code manage}
 * @param host an IP literal
 * @param port the port to bind; 0 for a free one
 */
public record ListenerSettings(String name, String host, int port, Optional<Tls> tls) {
  /** {@code http} or {@code https}. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }

  /** The same listener on another port (0: a free one). */
  public ListenerSettings withPort(int newPort) {
    return new ListenerSettings(name, host, newPort, tls);
  }
}
