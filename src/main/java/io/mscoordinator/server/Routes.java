package io.mscoordinator.server;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.mscoordinator.cluster.ClusterService;
import io.mscoordinator.health.Probes;

/** The one place where routes meet listeners. */
final class Routes {
  private Routes() {}

  /** Everything of the management API. */
  static void manage(
      HttpRouting.Builder routing, Probes probes, ClusterService cluster, Handler metrics) {
    routing.register(probes).register(cluster).get("/metrics", metrics);
  }

  /** The probes alone, for {@code http_config.status_port}. */
  static void status(HttpRouting.Builder routing, Probes probes) {
    routing.register(probes);
  }

  /** {@code /metrics} alone, for {@code http_config.external_port}. */
  static void external(HttpRouting.Builder routing, Handler metrics) {
    routing.get("/metrics", metrics);
  }
}
