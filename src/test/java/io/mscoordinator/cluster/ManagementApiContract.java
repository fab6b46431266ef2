package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller's endpoints and the probes, one contract run twice (as Helidon's own examples do):
 * in memory ({@link ManagementApiRoutingTest}) and over a socket ({@link ManagementApiSocketTest}),
 * each test on a fresh cluster. What only the whole coordinator does (its listener's 413 from a
 * Content-Length) is in {@link ManagementApiTest}.
 */
abstract class ManagementApiContract {
  private static final JsonObject PREFILL = Refreshes.instance(0, 80, "llama3-8b", 3000);
  private static final JsonObject DECODE = Refreshes.instance(1, 68, "llama3-8b", 3001);
  private static final JsonObject OTHER_MODEL = Refreshes.instance(2, 80, "qwen-72b", 3002);

  private ManageRoutes http;
  private ClusterCapability coordinator;

  /** Fresh routes and cluster for one test. */
  abstract ManageRoutes routes();

  @BeforeEach
  void start() {
    http = routes();
    coordinator = http.cluster();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  private void refresh(JsonObject... instances) {
    assertThat(http.post("/v1/instances/refresh", Refreshes.body(instances)).statusCode(), is(200));
  }

  private static JsonObject json(ManageRoutes.Answer response) {
    return response.json();
  }

  private void assertEmpty(ManageRoutes.Answer response, int status) {
    assertThat(response.statusCode(), is(status));
    assertThat(response.body(), is(""));
    assertThat(response.contentLength().orElse("none"), is("0"));
  }

  @Test
  void shouldAnswerStartupAndLivenessWithEmptyBodies() {
    assertEmpty(http.get("/v1/startup"), 200);
    assertEmpty(http.get("/v1/health"), 200);
    assertEmpty(http.get("/v2/health/live"), 200);
  }

  @Test
  void shouldNotBeReadyBeforeFirstRefresh() {
    assertEmpty(http.get("/v1/readiness"), 503);
    assertEmpty(http.get("/v2/health/ready"), 503);
  }

  @Test
  void shouldNeedPrefillAndDecodeForReadinessInPdMode() {
    refresh(PREFILL);
    assertEmpty(http.get("/v1/readiness"), 503);
    assertEmpty(http.get("/v2/health/ready"), 503);

    refresh(PREFILL, DECODE);
    assertEmpty(http.get("/v1/readiness"), 200);
    assertEmpty(http.get("/v2/health/ready"), 200);
  }

  @Test
  void shouldLoseReadinessWhenTheOnlyDecodeGoesOffline() {
    refresh(PREFILL, DECODE);

    assertEmpty(http.post("/v1/instances/offline", "{\"ids\":[1]}"), 200);
    assertEmpty(http.get("/v1/readiness"), 503);

    assertEmpty(http.post("/v1/instances/online", "{\"ids\":[1]}"), 200);
    assertEmpty(http.get("/v1/readiness"), 200);
  }

  @Test
  void shouldAnswerModelReadinessPerModel() {
    refresh(PREFILL, DECODE, OTHER_MODEL);

    assertEmpty(http.get("/v2/models/llama3-8b/ready"), 200);
    assertEmpty(http.get("/v2/models/qwen-72b/ready"), 200);
    assertEmpty(http.get("/v2/models/unknown/ready"), 503);
    assertThat(http.get("/v2/models/llama3-8b/versions/1/ready").statusCode(), is(404));

    http.post("/v1/instances/offline", "{\"ids\":[2]}");
    assertEmpty(http.get("/v2/models/qwen-72b/ready"), 503);
  }

  @Test
  void shouldRemoveInstancesMissingFromRefresh() {
    refresh(PREFILL, DECODE, OTHER_MODEL);
    refresh(PREFILL, DECODE);

    assertThat(coordinator.registry().view().instance(2).isPresent(), is(false));
    assertEmpty(http.get("/v2/models/qwen-72b/ready"), 503);
  }

  @Test
  void shouldRefuseOfflineAndOnlineBeforeFirstRefresh() {
    assertEmpty(http.post("/v1/instances/offline", "{\"ids\":[0]}"), 503);
    assertEmpty(http.post("/v1/instances/online", "{\"ids\":[0]}"), 503);
  }

  @Test
  void shouldRefuseOfflineWithBadBodyAndKeepState() {
    refresh(PREFILL, DECODE);
    ClusterView before = coordinator.registry().view();

    for (String body : new String[] {"", "{}", "{\"ids\":\"1\"}", "{\"ids\":[-1]}", "[1]", "{"}) {
      ManageRoutes.Answer response = http.post("/v1/instances/offline", body);
      assertThat(body, response.statusCode(), is(400));
      assertThat(body, json(response).getString("error"), is("invalid request"));
    }
    assertThat(coordinator.registry().view(), is(before));
  }

  @Test
  void shouldIgnoreUnknownIdsInOffline() {
    refresh(PREFILL, DECODE);

    assertEmpty(http.post("/v1/instances/offline", "{\"ids\":[1, 99]}"), 200);
    assertThat(coordinator.registry().view().offline(), is(java.util.Set.of(1L)));
  }

  @Test
  void shouldAnswerQueryTasksFromTracker() {
    refresh(PREFILL, DECODE);
    String query = "{\"p_id\":0,\"d_id\":1}";
    assertThat(json(http.post("/v1/instances/query_tasks", query)).getBoolean("is_end"), is(true));

    RequestTracker.Task task = coordinator.tracker().begin(0, 1);
    ManageRoutes.Answer running = http.post("/v1/instances/query_tasks", query);
    assertThat(running.statusCode(), is(200));
    assertThat(running.contentType().orElse(""), containsString("json"));
    assertThat(json(running).getBoolean("is_end"), is(false));

    task.close();
    assertThat(json(http.post("/v1/instances/query_tasks", query)).getBoolean("is_end"), is(true));
  }

  @Test
  void shouldAnswerQueryTasksEndedForUnknownInstanceOrUnusableCluster() {
    refresh(PREFILL, DECODE);
    coordinator.tracker().begin(0, 1);
    coordinator.tracker().begin(0, 5);

    String unknown = "{\"p_id\":0,\"d_id\":5}";
    assertThat(
        json(http.post("/v1/instances/query_tasks", unknown)).getBoolean("is_end"), is(true));

    http.post("/v1/instances/offline", "{\"ids\":[0]}");
    String known = "{\"p_id\":0,\"d_id\":1}";
    assertThat(json(http.post("/v1/instances/query_tasks", known)).getBoolean("is_end"), is(true));
  }

  @Test
  void shouldRefuseQueryTasksWithBadBody() {
    for (String body : new String[] {"{\"p_id\":0}", "{\"p_id\":\"0\",\"d_id\":1}", "null"}) {
      assertThat(body, http.post("/v1/instances/query_tasks", body).statusCode(), is(400));
    }
  }

  @Test
  void shouldCountReceivedRequestsAndResetOnRead() {
    coordinator.tracker().requestReceived();
    coordinator.tracker().requestReceived();
    coordinator.tracker().requestReceived();

    JsonObject first = json(http.get("/recvs_info"));
    assertThat(first.getBoolean("is_master"), is(true));
    assertThat(first.getJsonNumber("recv_flow").isIntegral(), is(true));
    assertThat(first.getInt("recv_flow"), is(3));
    assertThat(json(http.get("/recvs_info")).getInt("recv_flow"), is(0));
  }

  @Test
  void shouldRefuseBackupInfoBeforeFirstRefresh() {
    ManageRoutes.Answer response =
        http.post("/backup_info", "{\"is_master\":true,\"is_abnormal\":false}");

    assertThat(response.statusCode(), is(503));
    assertThat(json(response).getBoolean("update_successfully"), is(false));
  }

  @Test
  void shouldAcceptBackupInfoAfterRefresh() {
    refresh(PREFILL, DECODE);

    ManageRoutes.Answer response =
        http.post("/backup_info", "{\"is_master\":false,\"is_abnormal\":true}");

    assertThat(response.statusCode(), is(200));
    assertThat(json(response).getBoolean("update_successfully"), is(true));
    assertThat(coordinator.master().abnormal(), is(true));
  }

  @Test
  void shouldRefuseBackupInfoWithBadBody() {
    refresh(PREFILL, DECODE);
    for (String body :
        new String[] {"{\"is_master\":1,\"is_abnormal\":false}", "{\"is_master\":true}", "x"}) {
      ManageRoutes.Answer response = http.post("/backup_info", body);
      assertThat(body, response.statusCode(), is(400));
      assertThat(body, json(response).getBoolean("update_successfully"), is(false));
    }
    assertThat(coordinator.master().abnormal(), is(false));
  }

  @Test
  void shouldReadJsonWhateverTheContentType() {
    byte[] body = Refreshes.body(PREFILL, DECODE).getBytes(StandardCharsets.UTF_8);

    assertThat(http.post("/v1/instances/refresh", body, "text/plain").statusCode(), is(200));
    assertThat(http.post("/v1/instances/refresh", body, "application/json").statusCode(), is(200));
    assertThat(coordinator.registry().view().instances().size(), is(2));
  }

  @Test
  void shouldRefuseDuplicateKeysDeepNestingAndTrailingGarbage() {
    refresh(PREFILL, DECODE);
    ClusterView before = coordinator.registry().view();
    String deep = "{\"ids\":[0],\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
    String[] bodies = {
      "{\"ids\":[0],\"ids\":[1],\"instances\":[]}",
      deep,
      Refreshes.body(PREFILL) + "{}",
      "{\"ids\":[0],\"instances\":[" + "\u0000" + "]}",
      new String(new byte[] {(byte) 0xc3, (byte) 0x28}, StandardCharsets.ISO_8859_1),
      "{\"ids\":[1" + "0".repeat(5000) + "],\"instances\":[]}"
    };
    for (String body : bodies) {
      ManageRoutes.Answer response = http.post("/v1/instances/refresh", body);
      assertThat(body.substring(0, Math.min(40, body.length())), response.statusCode(), is(400));
    }
    assertThat(coordinator.registry().view(), is(before));
  }
}
