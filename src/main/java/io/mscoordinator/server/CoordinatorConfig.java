package io.mscoordinator.server;

import io.helidon.common.tls.Tls;
import io.mscoordinator.cluster.DeployMode;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.otlp.OtlpSettings;
import io.mscoordinator.scrape.ScrapeSettings;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The validated configuration. {@link ConfigLoader} builds it from {@code ms_coordinator.json} and
 * the start arguments; tests may build it directly (e.g. with port 0 to get a free port).
 *
 * @param source the file the configuration came from, or {@code null} for the embedded default
 * @param manage the listener that serves every endpoint
 * @param status an extra listener for the probes, when {@code http_config.status_port} is set
 * @param external an extra listener for {@code /metrics}, when {@code external_port} is set
 * @param predictIp the inference data plane address (validated; the data plane is not built yet)
 * @param bodyLimitBytes {@code request_limit.body_limit}, converted from MB
 * @param limits connection and request limits applied to every listener
 * @param backupEnabled {@code backup_config.function_enable}: master/standby is on
 * @param metrics the metrics core's settings ({@code metrics_config})
 * @param scrapeTls TLS of the node scrape client ({@code tls_config.mindie_client_tls_*}), when on
 * @param scrape node scraping and merging ({@code prometheus_metrics_config})
 * @param root the whole parsed file, for sections that later capabilities read themselves
 * @param otlp the OTLP/HTTP metrics listener ({@code otlp_config}), unless {@code enable} is false
 * @param otlpSettings the OTLP receiver's limits and label rules ({@code otlp_config})
 */
public record CoordinatorConfig(
    Path source,
    Listener manage,
    Optional<Listener> status,
    Optional<Listener> external,
    String predictIp,
    int predictPort,
    long bodyLimitBytes,
    Limits limits,
    DeployMode deployMode,
    boolean backupEnabled,
    MetricsSettings metrics,
    Optional<Tls> scrapeTls,
    ScrapeSettings scrape,
    LogSettings log,
    JsonObject root,
    Optional<Listener> otlp,
    OtlpSettings otlpSettings) {

  /** One listener: where it binds and, when set, its TLS. */
  public record Listener(String host, int port, Optional<Tls> tls) {
    /** The same listener on another port (tests use 0 for a free one). */
    public Listener withPort(int newPort) {
      return new Listener(host, newPort, tls);
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
      return tls.isPresent() ? "https" : "http";
    }
  }

  /**
   * Limits of every listener: past {@code maxConcurrentRequests} a request is answered 503 at once;
   * past {@code maxConnections} a new connection is closed; an idle connection is closed after
   * {@code idleTimeoutSeconds}.
   */
  public record Limits(int maxConcurrentRequests, int maxConnections, int idleTimeoutSeconds) {}

  /**
   * @param level a {@link java.util.logging.Level} name
   * @param file the run log file when logging to a file is on
   */
  public record LogSettings(String level, boolean toStdout, Optional<Path> file) {}

  /** A top-level section of the file, or an empty object when it is absent. */
  public JsonObject section(String name) {
    JsonValue value = root.get(name);
    return value instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
  }

  /** The same configuration with every listener on port 0, for tests. */
  public CoordinatorConfig withEphemeralPorts() {
    return new CoordinatorConfig(
        source,
        manage.withPort(0),
        status.map(l -> l.withPort(0)),
        external.map(l -> l.withPort(0)),
        predictIp,
        predictPort,
        bodyLimitBytes,
        limits,
        deployMode,
        backupEnabled,
        metrics,
        scrapeTls,
        scrape,
        log,
        root,
        otlp.map(l -> l.withPort(0)),
        otlpSettings);
  }
}
