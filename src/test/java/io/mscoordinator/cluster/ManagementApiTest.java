package io.mscoordinator.cluster;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller's endpoints on the shipped coordinator's manage listener: that they are bound
 * there, and what the listener itself answers (a body declared past the limit). The endpoints'
 * behaviour is {@link ManagementApiContract}'s.
 */
class ManagementApiTest {
  private static final jakarta.json.JsonObject PREFILL =
      Refreshes.instance(0, 80, "llama3-8b", 3000);
  private static final jakarta.json.JsonObject DECODE =
      Refreshes.instance(1, 68, "llama3-8b", 3001);

  private static Coordinator coordinator;
  private static TestHttp http;

  @BeforeAll
  static void start() {
    coordinator = TestCoordinators.startShipped();
    http = TestCoordinators.manage(coordinator);
  }

  @AfterAll
  static void stop() {
    coordinator.close();
  }

  @Test
  void shouldServeTheControllersEndpointsAndTheProbesOnTheManageListener() {
    assertThat(http.get("/v1/startup").statusCode(), is(200));
    assertThat(
        http.post("/v1/instances/refresh", Refreshes.body(PREFILL, DECODE)).statusCode(), is(200));
    assertThat(http.get("/v1/readiness").statusCode(), is(200));
    assertThat(coordinator.registry().view().instances().size(), is(2));
    assertThat(http.get("/recvs_info").statusCode(), is(200));
  }

  @Test
  void shouldAnswer405WithAllowForAKnownPathAskedWithAnotherMethod() {
    HttpResponse<String> response = http.get("/v1/instances/refresh");

    assertThat(response.statusCode(), is(405));
    assertThat(response.headers().firstValue("Allow"), is(Optional.of("POST")));
    assertThat(http.get("/v1/no_such_path").statusCode(), is(404));
  }

  @Test
  void shouldRefuseBodyOverLimitWith413AndKeepState() {
    assertThat(
        http.post("/v1/instances/refresh", Refreshes.body(PREFILL, DECODE)).statusCode(), is(200));
    ClusterView before = coordinator.registry().view();
    long limit = coordinator.config().http().bodyLimitBytes();
    String padding = " ".repeat((int) limit);

    // Expect: 100-continue, as a client uploading a large body should: the server answers 413
    // from the headers, and the client does not race it writing a body the server will not read
    // (without it, the server's close can reach the client as a reset before the 413 is read)
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(http.base().resolve("/v1/instances/refresh"))
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofString(Refreshes.body(PREFILL) + padding)));

    assertThat(response.statusCode(), is(413));
    // refused by Helidon from the Content-Length, before routing, with the routes' reason
    assertThat(response.body(), is("{\"error\":\"body too large\",\"limit_bytes\":" + limit + "}"));
    assertThat(response.headers().firstValue("Content-Type"), is(Optional.of("application/json")));
    assertThat(coordinator.registry().view(), is(before));
  }
}
