package io.mscoordinator.health;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probes on Helidon's in-memory routing: liveness follows the watched capabilities, readiness
 * the cluster and master state it is given. (That the coordinator serves them on its manage and
 * status listeners is {@code CoordinatorTest}'s and {@code ManagementApiTest}'s.)
 */
@RoutingTest
class ProbesTest {
  private static final AtomicBoolean USABLE = new AtomicBoolean();
  private static final AtomicBoolean MASTER = new AtomicBoolean(true);
  private static final AtomicReference<BooleanSupplier> COMPONENT = new AtomicReference<>();

  private final Http1Client client;

  ProbesTest(Http1Client client) {
    this.client = client;
  }

  @SetUpRoute
  static void route(HttpRouting.Builder routing) {
    Probes probes = new Probes(USABLE::get, MASTER::get, "llama3-8b"::equals);
    probes.watch(List.of(component(() -> COMPONENT.get().getAsBoolean())));
    Routes.bind(
        routing,
        routes -> {
          probes.routing(SharedListener.STATUS, routes);
          routes.get(
              "/test/start",
              (req, res) -> {
                probes.markStarted();
                res.send();
              });
        });
  }

  @BeforeEach
  void reset() {
    USABLE.set(false);
    MASTER.set(true);
    COMPONENT.set(() -> true);
  }

  private int status(String path) {
    try (Http1ClientResponse response = client.method(Method.GET).path(path).request()) {
      return response.status().code();
    }
  }

  @Test
  void shouldAnswerStartupOnlyOnceMarkedStarted() {
    // the only test that starts the probes: the routing is shared by the class
    assertThat(status("/v1/startup"), is(503));
    status("/test/start");
    assertThat(status("/v1/startup"), is(200));
  }

  @Test
  void shouldAnswer503FromLivenessProbesWhileAComponentIsDown() {
    AtomicBoolean alive = new AtomicBoolean(true);
    COMPONENT.set(alive::get);

    assertThat(status("/v1/health"), is(200));
    alive.set(false);
    assertThat(status("/v1/health"), is(503));
    assertThat(status("/v2/health/live"), is(503));
    alive.set(true);
    assertThat(status("/v1/health"), is(200));
  }

  @Test
  void shouldAnswer503WhenALivenessCheckThrows() {
    COMPONENT.set(
        () -> {
          throw new IllegalStateException("agent gone");
        });

    assertThat(status("/v1/health"), is(503));
  }

  @Test
  void shouldNeedAUsableClusterForReadinessAndMastershipForV1Readiness() {
    assertThat(status("/v2/health/ready"), is(503));
    USABLE.set(true);
    assertThat(status("/v2/health/ready"), is(200));
    assertThat(status("/v1/readiness"), is(200));
    MASTER.set(false);
    assertThat(status("/v1/readiness"), is(503));
    assertThat(status("/v2/health/ready"), is(200));
  }

  @Test
  void shouldAnswerModelReadinessByNameAndNotServeVersions() {
    assertThat(status("/v2/models/llama3-8b/ready"), is(200));
    assertThat(status("/v2/models/qwen/ready"), is(503));
    assertThat(status("/v2/models/llama3-8b/versions/1/ready"), is(404));
  }

  /** A capability whose liveness the test decides. */
  private static Capability component(BooleanSupplier alive) {
    return new Capability() {
      @Override
      public String name() {
        return "test-component";
      }

      @Override
      public boolean alive() {
        return alive.getAsBoolean();
      }
    };
  }
}
