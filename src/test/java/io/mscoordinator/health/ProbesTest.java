package io.mscoordinator.health;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.server.Coordinator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Liveness follows the registered components, over a real socket. */
class ProbesTest {
  @Test
  void shouldAnswer503FromLivenessProbesWhileAComponentIsDown() {
    try (Coordinator coordinator = TestCoordinators.startShipped()) {
      TestHttp http = TestCoordinators.manage(coordinator);
      AtomicBoolean agentAlive = new AtomicBoolean(true);
      coordinator.probes().watch(List.of(component(agentAlive::get)));

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
          .watch(
              List.of(
                  component(
                      () -> {
                        throw new IllegalStateException("agent gone");
                      })));

      assertThat(TestCoordinators.manage(coordinator).get("/v1/health").statusCode(), is(503));
    }
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
