package io.mscoordinator.server;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.mscoordinator.cluster.ClusterService;
import io.mscoordinator.health.Probes;
import io.mscoordinator.otlp.OtlpService;

/** The one place where routes meet listeners. */
final class Routes {
  private Routes() {}

  /**
   * Everything of the management API. {@code /metrics/instances} is the per-instance view of the
   * scraped nodes, apart from {@code /metrics} so that no body counts a node twice.
   */
  static void manage(
      HttpRouting.Builder routing,
      Probes probes,
      ClusterService cluster,
      Handler metrics,
      Handler instances) {
    routing
        .register(probes)
        .register(cluster)
        .get("/metrics", metrics)
        .get("/metrics/instances", instances);
  }

  /** The probes alone, for {@code http_config.status_port}. */
  static void status(HttpRouting.Builder routing, Probes probes) {
    routing.register(probes);
  }

  /** {@code /metrics} and {@code /metrics/instances} alone, for {@code external_port}. */
  static void external(HttpRouting.Builder routing, Handler metrics, Handler instances) {
    routing.get("/metrics", metrics).get("/metrics/instances", instances);
  }

  /** POST {@code /v1/metrics} alone, for the OTLP/HTTP listener ({@code otlp_config}). */
  static void otlp(HttpRouting.Builder routing, OtlpService otlp) {
    routing.register(otlp);
  }
}
