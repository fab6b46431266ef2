package io.mscoordinator.server;

import io.helidon.common.tls.Tls;
import jakarta.json.JsonObject;
import java.nio.file.Path;
import java.util.Optional;

/** Reads a listener's {@code tls_config.<name>_tls_enable} / {@code _tls_items} pair. */
final class ListenerTls {
  private ListenerTls() {}

  static Optional<Tls> server(JsonObject tlsConfig, String name, Path source) {
    String enableKey = name + "_tls_enable";
    boolean enabled = ConfigLoader.bool(tlsConfig, "tls_config." + enableKey, enableKey, false);
    if (!enabled) {
      return Optional.empty();
    }
    throw new ConfigException(
        "tls_config." + enableKey, "false (TLS listeners are not built yet)", true);
  }
}
