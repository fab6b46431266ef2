package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class CoordinatorTest {
  private static JsonObject withExtraListeners() {
    JsonObject root =
        TestCoordinators.shippedWith("/http_config/status_port", Json.createValue("1027"));
    return Json.createPointer("/http_config/external_port").replace(root, Json.createValue("1028"));
  }

  @Test
  void shouldServeProbesAlsoOnStatusPortAndNothingElse() {
    try (Coordinator coordinator = TestCoordinators.start(withExtraListeners())) {
      TestHttp status = new TestHttp(coordinator.uri(Coordinator.STATUS));

      assertThat(status.get("/v1/health").statusCode(), is(200));
      assertThat(status.get("/v1/startup").statusCode(), is(200));
      assertThat(status.get("/v2/health/ready").statusCode(), is(503));
      assertThat(status.post("/v1/instances/refresh", "{}").statusCode(), is(404));
      assertThat(status.get("/recvs_info").statusCode(), is(404));
    }
  }

  @Test
  void shouldNotServeManagementApiOnExternalPort() {
    try (Coordinator coordinator = TestCoordinators.start(withExtraListeners())) {
      TestHttp external = new TestHttp(coordinator.uri(Coordinator.EXTERNAL));

      assertThat(external.get("/v1/health").statusCode(), is(404));
      assertThat(external.post("/v1/instances/refresh", "{}").statusCode(), is(404));
    }
  }

  /** Starts {@code root} on its configured ports (not free ones), without the file ring. */
  private static IllegalStateException startFails(JsonObject root) {
    CoordinatorConfig config =
        ConfigLoader.parse(
            TestCoordinators.withSection(root, "metrics_config", TestCoordinators.NO_RING_FILE),
            TestCoordinators.SHIPPED,
            new String[0]);
    return assertThrows(IllegalStateException.class, () -> Coordinator.start(config));
  }

  @Test
  void shouldFailStartWhenPortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // the manage listener on the taken port; the OTLP listener off, so nothing else is bound
      JsonObject root =
          TestCoordinators.withSection(
              TestCoordinators.shippedWith(
                  "/http_config/manage_port", Json.createValue("" + taken.getLocalPort())),
              "otlp_config",
              Json.createObjectBuilder().add("enable", false).build());
      IllegalStateException e = startFails(root);

      assertThat(e.getMessage(), containsString("name=manage"));
      assertThat(e.getMessage(), containsString(":" + taken.getLocalPort()));
    }
  }

  @Test
  void shouldNameTheOtlpListenerWhenItsPortIsTaken() throws Exception {
    int freeManagePort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freeManagePort = probe.getLocalPort();
    }
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      JsonObject root =
          Json.createPointer("/otlp_config/port")
              .replace(
                  TestCoordinators.shippedWith(
                      "/http_config/manage_port", Json.createValue("" + freeManagePort)),
                  Json.createValue("" + taken.getLocalPort()));
      IllegalStateException e = startFails(root);

      assertThat(e.getMessage(), containsString("name=otlp"));
      assertThat(e.getMessage(), containsString(":" + taken.getLocalPort()));
    }
  }

  @Test
  void shouldRequireMasterForReadinessWhenBackupIsOn() {
    JsonObject root =
        TestCoordinators.shippedWith(
            "/digs_scheduler_config/deploy_mode", Json.createValue("single_node"));
    root =
        Json.createPointer("/backup_config/function_enable")
            .replace(root, jakarta.json.JsonValue.TRUE);
    try (Coordinator coordinator = TestCoordinators.start(root)) {
      TestHttp http = TestCoordinators.manage(coordinator);
      String one =
          io.mscoordinator.cluster.Refreshes.body(
              io.mscoordinator.cluster.Refreshes.instance(0, 85, "m", 3000));
      http.post("/v1/instances/refresh", one);

      assertThat(http.get("/v2/health/ready").statusCode(), is(200));
      assertThat(http.get("/v1/readiness").statusCode(), is(503));
      assertThat(
          Json.createReader(new java.io.StringReader(http.get("/recvs_info").body()))
              .readObject()
              .getBoolean("is_master"),
          is(false));

      http.post("/backup_info", "{\"is_master\":true,\"is_abnormal\":false}");
      assertThat(http.get("/v1/readiness").statusCode(), is(200));
    }
  }
}
