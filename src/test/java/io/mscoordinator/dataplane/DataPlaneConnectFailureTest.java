package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.engine.RawHttp;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connect failure counted connect by connect (data-plane.md section 4: "up to 4 connects, then 500
 * {@code Connect to MindIE-Server failed}"). A refused TCP connect leaves nothing a test can count,
 * so the coordinator talks TLS to its instances ({@code mindie_client_tls_enable}) and the instance
 * is a listening socket this test owns that accepts and closes at once: every accept is one
 * connect, and each fails in the TLS handshake, which the outbound layer counts as connecting
 * (nothing of the request was sent).
 */
class DataPlaneConnectFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path certs;

  private static ServerSocket closing;
  private static final AtomicInteger accepted = new AtomicInteger();
  private static Thread acceptor;
  private static Coordinator coordinator;

  @BeforeAll
  static void start() throws Exception {
    makeCerts();
    closing = new ServerSocket();
    closing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    acceptor =
        Thread.ofVirtual()
            .name("closing-instance")
            .start(
                () -> {
                  while (true) {
                    try {
                      Socket s = closing.accept();
                      accepted.incrementAndGet();
                      s.close();
                    } catch (IOException e) {
                      return; // closed by stop()
                    }
                  }
                });
    JsonObject items =
        Json.createObjectBuilder()
            .add("ca_cert", certs.resolve("ca.pem").toString())
            .add("tls_cert", certs.resolve("controller.pem").toString())
            .add("tls_key", certs.resolve("controller.key").toString())
            .build();
    JsonObject root =
        Json.createPointer("/tls_config/mindie_client_tls_items")
            .add(
                TestCoordinators.shippedWith(
                    "/tls_config/mindie_client_tls_enable", JsonValue.TRUE),
                items);
    root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                root,
                Json.createObjectBuilder()
                    .add("deploy_mode", "single_node")
                    .add("algorithm_type", "round_robin")
                    .build());
    ManualClock clock = new ManualClock();
    coordinator =
        Coordinator.start(TestCoordinators.config(root), Coordinator::coreSink, () -> clock);
  }

  private static void makeCerts() throws Exception {
    Path log = certs.resolve("openssl.log");
    // the child writes to a file: inheriting surefire's stdout would corrupt its channel
    Process p =
        new ProcessBuilder(
                "bash", Path.of("config", "make-dev-certs.sh").toAbsolutePath().toString(), ".")
            .directory(certs.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("make-dev-certs.sh failed: " + Files.readString(log));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (coordinator != null) {
      coordinator.close();
    }
    closing.close();
    acceptor.join(WAIT);
  }

  @Test
  void shouldAnswer500ConnectFailedAfterExactlyFourConnects() throws Exception {
    // its metric port is one nobody listens on: the scraper's connects are not counted here
    int metricPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      metricPort = free.getLocalPort();
    }
    coordinator
        .registry()
        .refresh(
            List.of(
                new Instance(
                    1,
                    "127.0.0.1",
                    closing.getLocalPort(),
                    metricPort,
                    "closing",
                    0,
                    4096,
                    1024,
                    200,
                    1024,
                    128,
                    2,
                    Role.PREFILL,
                    200,
                    1024,
                    List.of())));
    int before = accepted.get();
    RawHttp.Response r;
    try (RawHttp http = new RawHttp(coordinator.port(Coordinator.PREDICT))) {
      http.send("POST", "/v1/completions", "{\"model\":\"closing\",\"prompt\":\"hi\"}");
      r = http.read();
    }
    assertThat(r.status(), is(500));
    assertThat(r.text(), is(InferenceService.CONNECT_FAILED));
    assertThat(accepted.get() - before, is(InferenceService.CONNECT_ATTEMPTS));
    assertThat(InferenceService.CONNECT_ATTEMPTS, is(4));
    assertThat(Eventually.poll(() -> coordinator.dataPlane().inFlight(), n -> n == 0, WAIT), is(0));
  }
}
