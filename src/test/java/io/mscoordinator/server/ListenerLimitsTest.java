package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.config.ConfigException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Request limits hold on a real listener, and the slot comes back once the slow client goes. */
class ListenerLimitsTest {
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  @Test
  void shouldAnswer503PastMaxConcurrentRequestsAndRecover() throws Exception {
    JsonObject root =
        TestCoordinators.shippedWith("/request_limit/max_concurrent_requests", Json.createValue(1));
    try (Coordinator coordinator = TestCoordinators.start(root)) {
      TestHttp http = TestCoordinators.manage(coordinator);
      assertThat(http.get("/v1/health").statusCode(), is(200));

      // A slow client: the headers promise a body that never finishes, holding the only slot.
      try (Socket slow = new Socket("127.0.0.1", coordinator.port(Coordinator.MANAGE))) {
        OutputStream out = slow.getOutputStream();
        out.write(
            ("POST /v1/instances/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 1000\r\n\r\n{\"ids\":[")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // the slot is taken once the listener has read the slow client's headers
        int status = Eventually.poll(() -> http.status("/v1/health"), s -> s == 503, TEN_SECONDS);
        assertThat(status, is(503));
      }

      int status = Eventually.poll(() -> http.status("/v1/health"), s -> s == 200, TEN_SECONDS);
      assertThat(status, is(200));
      assertThat(coordinator.registry().view().refreshed(), is(false));
    }
  }

  @Test
  void shouldRefuseLimitOutOfRange() {
    JsonObject root =
        TestCoordinators.shippedWith("/request_limit/max_connections", Json.createValue(0));

    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> TestCoordinators.config(root));

    assertThat(e.key(), is("request_limit.max_connections"));
  }
}
