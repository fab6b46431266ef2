package io.mscoordinator.health;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.helidon.health.HealthCheckResponse;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.server.Coordinator;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Liveness follows the registered components, over a real socket. */
class ProbesTest {
  @Test
  void shouldAnswer503FromLivenessProbesWhileAComponentIsDown() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      AtomicBoolean agentAlive = new AtomicBoolean(true);
      coordinator
          .probes()
          .addLivenessCheck(() -> HealthCheckResponse.builder().status(agentAlive.get()).build());

      assertThat(http.get("/v1/health").statusCode(), is(200));
      agentAlive.set(false);
      assertThat(http.get("/v1/health").statusCode(), is(503));
      assertThat(http.get("/v2/health/live").statusCode(), is(503));
      assertThat(http.get("/v1/startup").statusCode(), is(200));
      agentAlive.set(true);
      assertThat(http.get("/v1/health").statusCode(), is(200));
    }
  }

  @Test
  void shouldAnswer503WhenALivenessCheckThrows() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      coordinator
          .probes()
          .addLivenessCheck(
              () -> {
                throw new IllegalStateException("agent gone");
              });

      assertThat(TestCoordinators.manage(coordinator).get("/v1/health").statusCode(), is(503));
    }
  }
}
