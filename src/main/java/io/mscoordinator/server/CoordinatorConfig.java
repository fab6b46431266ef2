package io.mscoordinator.server;

import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.cluster.ClusterSettings;
import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.dataplane.DataPlaneSettings;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.otlp.OtlpSettings;
import io.mscoordinator.scrape.ScrapeSettings;
import io.mscoordinator.tls.TlsConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The validated configuration: one settings record per capability, each read from its own section
 * by its own {@code parse}. {@link ConfigLoader} builds it from {@code ms_coordinator.json} and the
 * start arguments, so that every rule is checked before anything starts.
 *
 * @param document the parsed file (its source, its warnings)
 * @param http the manage, status and external listeners and their limits
 * @param log {@code log_info}
 * @param tls {@code tls_config}, every enabled pair loaded
 * @param cluster deploy mode and master/standby
 * @param metrics the metrics core ({@code metrics_config})
 * @param scrape node scraping and merging ({@code prometheus_metrics_config})
 * @param otlp the OTLP/HTTP receiver and its listener ({@code otlp_config})
 * @param dataPlane the data listener, its limits and timeouts, the scheduler
 * @param ephemeralPorts bind every listener on a free port instead of its configured one (tests,
 *     load generators)
 */
public record CoordinatorConfig(
    ConfigDocument document,
    HttpSettings http,
    LogSettings log,
    TlsConfig tls,
    ClusterSettings cluster,
    MetricsSettings metrics,
    ScrapeSettings scrape,
    OtlpSettings otlp,
    DataPlaneSettings dataPlane,
    boolean ephemeralPorts) {

  /**
   * @param level a {@link java.util.logging.Level} name
   * @param file the run log file when logging to a file is on
   */
  public record LogSettings(String level, boolean toStdout, Optional<Path> file) {}

  /** The file the configuration came from, or {@code null} for the embedded default. */
  public Path source() {
    return document.source();
  }

  /** The same configuration with every listener bound on a free port, for tests. */
  public CoordinatorConfig withEphemeralPorts() {
    return new CoordinatorConfig(
        document, http, log, tls, cluster, metrics, scrape, otlp, dataPlane, true);
  }

  /** Where {@code listener} binds: its configured port, or 0 with {@link #ephemeralPorts}. */
  ListenerSettings bound(ListenerSettings listener) {
    return ephemeralPorts ? listener.withPort(0) : listener;
  }
}
