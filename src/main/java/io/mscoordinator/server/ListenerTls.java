package io.mscoordinator.server;

import io.helidon.common.tls.Tls;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads one {@code tls_config.<name>_tls_enable} / {@code <name>_tls_items} pair. Relative paths in
 * the items resolve against the config file's directory.
 */
final class ListenerTls {
  private ListenerTls() {}

  /** TLS of a listener, or empty when its {@code _tls_enable} is false or absent. */
  static Optional<Tls> server(JsonObject tlsConfig, String name, Path source) {
    return settings(tlsConfig, name, source).map(TlsSettings::serverTls);
  }

  /** TLS of an outgoing client (the node scraper), or empty when off. */
  static Optional<Tls> client(JsonObject tlsConfig, String name, Path source) {
    return settings(tlsConfig, name, source).map(TlsSettings::clientTls);
  }

  private static Optional<TlsSettings> settings(JsonObject tlsConfig, String name, Path source) {
    String enableKey = name + "_tls_enable";
    if (!ConfigLoader.bool(tlsConfig, "tls_config." + enableKey, enableKey, false)) {
      return Optional.empty();
    }
    String itemsKey = name + "_tls_items";
    JsonValue items = tlsConfig.get(itemsKey);
    if (!(items instanceof JsonObject object)) {
      throw new ConfigException(
          "tls_config." + itemsKey, "an object, required when " + enableKey + " is true", items);
    }
    Path baseDir = source == null ? null : source.toAbsolutePath().getParent();
    return Optional.of(TlsSettings.parse(object, "tls_config." + itemsKey, baseDir));
  }
}
