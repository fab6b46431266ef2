package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.Refreshes;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics core inside a running coordinator: its routes, its liveness, its ring file. */
class CoordinatorMetricsTest {
  private static JsonObject withExternalPort() {
    return TestCoordinators.shippedWith("/http_config/external_port", Json.createValue("1028"));
  }

  @Test
  void shouldServeMetricsOnManageAndExternalListeners() throws Exception {
    try (Coordinator coordinator = TestCoordinators.start(withExternalPort())) {
      long id =
          coordinator
              .metrics()
              .producer()
              .registerSeries("forward_req_total_num", MetricKind.COUNTER, MetricUnit.NONE);
      coordinator.metrics().producer().counterAdd(id, 3);
      coordinator.metrics().snapshot();

      for (String listener : new String[] {Coordinator.MANAGE, Coordinator.EXTERNAL}) {
        HttpResponse<String> response = new TestHttp(coordinator.uri(listener)).get("/metrics");
        assertThat(listener, response.statusCode(), is(200));
        assertThat(
            response.headers().firstValue("Content-Type").orElse(""),
            startsWith("text/plain; version=0.0.4"));
        assertThat(response.body(), containsString("forward_req_total_num_total 3"));
        assertThat(response.body(), containsString("ms_coordinator_series "));
      }
    }
  }

  @Test
  void shouldAnswerOpenMetricsWhenPrometheusAsksForIt() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      HttpResponse<String> response =
          TestCoordinators.manage(coordinator)
              .send(
                  HttpRequest.newBuilder(coordinator.uri(Coordinator.MANAGE).resolve("/metrics"))
                      .header(
                          "Accept",
                          "application/openmetrics-text;version=1.0.0,"
                              + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                      .GET());

      assertThat(
          response.headers().firstValue("Content-Type").orElse(""),
          startsWith("application/openmetrics-text; version=1.0.0"));
      assertThat(response.body().endsWith("# EOF\n"), is(true));
    }
  }

  @Test
  void shouldExposeClusterStateForReadinessAlerts() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(http.get("/metrics").body(), containsString("\nms_coordinator_ready 0\n"));

      http.post(
          "/v1/instances/refresh",
          Refreshes.body(
              Refreshes.instance(0, 80, "m", 3000), Refreshes.instance(1, 68, "m", 3001)));
      String ready = http.get("/metrics").body();
      assertThat(ready, containsString("\nms_coordinator_ready 1\n"));
      assertThat(ready, containsString("\nms_coordinator_refreshed 1\n"));
      assertThat(ready, containsString("\nms_coordinator_master 1\n"));
      assertThat(
          ready, containsString("ms_coordinator_instances{role=\"decode\",state=\"online\"} 1\n"));

      http.post("/v1/instances/offline", "{\"ids\":[1]}");
      String lost = http.get("/metrics").body();
      assertThat(lost, containsString("\nms_coordinator_ready 0\n"));
      assertThat(
          lost, containsString("ms_coordinator_instances{role=\"decode\",state=\"offline\"} 1\n"));
    }
  }

  @Test
  void shouldReportNotLiveOnceTheIngestAgentStops() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(http.get("/v1/health").statusCode(), is(200));

      coordinator.metrics().close();

      assertThat(http.get("/v1/health").statusCode(), is(503));
      assertThat(http.get("/v2/health/live").statusCode(), is(503));
    }
  }

  @Test
  void shouldRefuseSecondCoordinatorOnTheSameRingFileUntilTheFirstStops(@TempDir Path dir) {
    JsonObject ring =
        Json.createObjectBuilder()
            .add("ring_file", dir.resolve("metrics.ring").toString())
            .add("ring_capacity_bytes", 65536)
            .build();
    CoordinatorConfig config = TestCoordinators.config(TestCoordinators.shipped(), ring);
    try (Coordinator first = Coordinator.start(config)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> Coordinator.start(config));

      assertThat(e.getMessage(), containsString("ring file in use by another coordinator"));
      assertThat(TestCoordinators.manage(first).get("/v1/health").statusCode(), is(200));
    }
    try (Coordinator second = Coordinator.start(config)) {
      assertThat(second.metrics().ringFile().reused(), is(true));
    }
  }
}
