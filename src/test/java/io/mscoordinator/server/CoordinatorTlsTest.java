package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.config.ConfigException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole coordinator started from the shipped {@code config/ms_coordinator_tls.json}, as a user
 * does after {@code config/make-dev-certs.sh}: the manage listener answers the controller's
 * certificate and refuses a client without one.
 */
class CoordinatorTlsTest {
  @TempDir static Path configDir;

  private static Path certs;
  private static Coordinator coordinator;

  @BeforeAll
  static void start() throws Exception {
    certs = Files.createDirectories(configDir.resolve("certs"));
    DevCerts.make(certs);
    Path config = configDir.resolve("ms_coordinator_tls.json");
    JsonObject shipped;
    try (JsonReader reader =
        Json.createReader(Files.newBufferedReader(Path.of("config", "ms_coordinator_tls.json")))) {
      shipped = reader.readObject();
    }
    // the shipped TLS config beside its certs, without the shared-memory ring file
    Files.writeString(
        config,
        TestCoordinators.withSection(shipped, "metrics_config", TestCoordinators.NO_RING_FILE)
            .toString());
    CoordinatorConfig loaded =
        ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, config.toString()), new String[0]);
    coordinator = Coordinator.start(loaded.withEphemeralPorts());
  }

  @AfterAll
  static void stop() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  void shouldServeManageListenerOverHttps() {
    assertThat(coordinator.uri(Coordinator.MANAGE).getScheme(), is("https"));
  }

  @Test
  void shouldAnswerControllerPresentingItsCertificate() throws Exception {
    TestClient controller =
        TestClient.withClientCert(
            certs.resolve("ca.pem"),
            certs.resolve("controller.pem"),
            certs.resolve("controller.key"));

    assertThat(controller.get(coordinator.port(Coordinator.MANAGE), "/v1/health"), is(""));
  }

  @Test
  void shouldRefuseClientWithoutCertificateOnManageListener() throws Exception {
    TestClient anonymous = TestClient.trusting(certs.resolve("ca.pem"));

    Exception e =
        assertThrows(
            Exception.class,
            () -> anonymous.get(coordinator.port(Coordinator.MANAGE), "/v1/instances/refresh"));

    assertThat(TestClient.sslCause(e), notNullValue());
    assertThat(coordinator.registry().view().refreshed(), is(false));
  }

  @Test
  void shouldRefuseRevokedControllerCertificate() throws Exception {
    TestClient revoked =
        TestClient.withClientCert(
            certs.resolve("ca.pem"), certs.resolve("revoked.pem"), certs.resolve("revoked.key"));

    Exception e =
        assertThrows(
            Exception.class, () -> revoked.get(coordinator.port(Coordinator.MANAGE), "/v1/health"));

    assertThat(TestClient.sslCause(e), notNullValue());
  }

  @Test
  void shouldRefuseToStartWhenACertificateIsMissing() throws Exception {
    Path dir = Files.createDirectories(configDir.resolve("nocerts"));
    Path config = dir.resolve("ms_coordinator_tls.json");
    Files.copy(Path.of("config", "ms_coordinator_tls.json"), config);

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, config.toString()), new String[0]));

    assertThat(e.key().startsWith("tls_config.controller_server_tls_items."), is(true));
  }

  @Test
  void shouldKeepShippedDefaultPlainHttp() {
    assertThat(
        TestCoordinators.config(TestCoordinators.shipped()).http().manage().tls().isPresent(),
        is(false));
  }
}
