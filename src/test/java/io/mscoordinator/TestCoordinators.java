package io.mscoordinator;

import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.server.CoordinatorConfig;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real coordinators on free loopback ports, from the shipped default config. */
public final class TestCoordinators {
  /** The shipped default config, as a new user starts it. */
  public static final Path SHIPPED = Path.of("config", "ms_coordinator.json");

  private TestCoordinators() {}

  public static JsonObject shipped() {
    try (InputStream in = Files.newInputStream(SHIPPED)) {
      return Json.createReader(in).readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped config with one value replaced, addressed by JSON pointer. */
  public static JsonObject shippedWith(String pointer, JsonValue value) {
    return Json.createPointer(pointer).replace(shipped(), value);
  }

  /** Metrics settings without the file ring, so coordinators of concurrent tests never share it. */
  public static final MetricsSettings NO_RING_FILE =
      MetricsSettings.parse(
          Json.createObjectBuilder().add("ring_file", "").build(), "metrics_config");

  /** {@code root} on free ports, without the shared-memory ring file. */
  public static CoordinatorConfig config(JsonObject root) {
    return ConfigLoader.parse(root, SHIPPED, new String[0])
        .withEphemeralPorts()
        .withMetrics(NO_RING_FILE);
  }

  public static Coordinator start(JsonObject root) {
    return Coordinator.start(config(root));
  }

  public static Coordinator startShipped() {
    return start(shipped());
  }

  public static TestHttp manage(Coordinator coordinator) {
    return new TestHttp(coordinator.uri(Coordinator.MANAGE));
  }
}
