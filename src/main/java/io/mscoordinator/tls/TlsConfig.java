package io.mscoordinator.tls;

import io.helidon.common.tls.Tls;
import io.mscoordinator.config.Section;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code tls_config} section: MindIE-style pairs {@code <name>_tls_enable} / {@code
 * <name>_tls_items}, one per listener or outgoing client. Every enabled pair is loaded and checked
 * here, at start-up, whether or not a capability asks for it later.
 *
 * <p>Immutable; threadsafe.
 */
public final class TlsConfig {
  /** The manage listener. */
  public static final String CONTROLLER_SERVER = "controller_server";

  /** The {@code status_port} listener. */
  public static final String STATUS_SERVER = "status_server";

  /** The {@code external_port} listener. */
  public static final String EXTERNAL_SERVER = "external_server";

  /** The data listener ({@code predict_port}). */
  public static final String REQUEST_SERVER = "request_server";

  /** Connections to instances: forwarding, stopInfer, the node scraper. */
  public static final String MINDIE_CLIENT = "mindie_client";

  /** Every pair this coordinator knows; any other key in {@code tls_config} stops start-up. */
  static final List<String> PAIRS =
      List.of(CONTROLLER_SERVER, REQUEST_SERVER, STATUS_SERVER, EXTERNAL_SERVER, MINDIE_CLIENT);

  private final List<String> names;
  private final List<TlsSettings> settings;

  private TlsConfig(List<String> names, List<TlsSettings> settings) {
    this.names = names;
    this.settings = settings;
  }

  /** Reads and checks every enabled pair of {@code section} ({@code tls_config}). */
  public static TlsConfig parse(Section section) {
    List<String> known = new ArrayList<>();
    for (String pair : PAIRS) {
      known.add(pair + "_tls_enable");
      known.add(pair + "_tls_items");
    }
    section.keys(known);
    List<String> names = new ArrayList<>();
    List<TlsSettings> settings = new ArrayList<>();
    for (String pair : PAIRS) {
      String enable = pair + "_tls_enable";
      if (!section.bool(enable, false)) {
        continue;
      }
      String items = pair + "_tls_items";
      if (!(section.value(items) instanceof JsonObject)) {
        throw section.fail(
            items, "an object, required when " + enable + " is true", section.value(items));
      }
      names.add(pair);
      settings.add(TlsSettings.parse(section.section(items)));
    }
    return new TlsConfig(List.copyOf(names), List.copyOf(settings));
  }

  /** No TLS anywhere. */
  public static TlsConfig none() {
    return new TlsConfig(List.of(), List.of());
  }

  /**
   * TLS of a listener, or empty when its pair is off.
   *
   * @throws io.mscoordinator.config.ConfigException when the pair names no key and certificate
   */
  public Optional<Tls> server(String pair) {
    return settings(pair).map(TlsSettings::serverTls);
  }

  /** TLS of an outgoing client, or empty when its pair is off. */
  public Optional<Tls> client(String pair) {
    return settings(pair).map(TlsSettings::clientTls);
  }

  private Optional<TlsSettings> settings(String pair) {
    int i = names.indexOf(pair);
    return i < 0 ? Optional.empty() : Optional.of(settings.get(i));
  }
}
