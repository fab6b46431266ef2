package io.mscoordinator;

import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.otlp.OtlpSink;
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
import java.util.function.Function;

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

  /** {@code root} with its section {@code name} replaced whole by {@code section}. */
  public static JsonObject withSection(JsonObject root, String name, JsonObject section) {
    return Json.createObjectBuilder(root).add(name, section).build();
  }

  /**
   * A {@code metrics_config} without the file ring, so coordinators of concurrent tests never share
   * it.
   */
  public static final JsonObject NO_RING_FILE =
      Json.createObjectBuilder().add("ring_file", "").build();

  /** {@code root} on free ports, without the shared-memory ring file. */
  public static CoordinatorConfig config(JsonObject root) {
    return config(root, NO_RING_FILE);
  }

  /** {@code root} on free ports, with {@code metrics} as its whole {@code metrics_config}. */
  public static CoordinatorConfig config(JsonObject root, JsonObject metrics) {
    return ConfigLoader.parse(withSection(root, "metrics_config", metrics), SHIPPED, new String[0])
        .withEphemeralPorts();
  }

  public static Coordinator start(JsonObject root) {
    return Coordinator.start(config(root));
  }

  /** A coordinator whose OTLP receiver feeds the sink {@code sink} makes from its core. */
  public static Coordinator start(JsonObject root, Function<MetricsCore, OtlpSink> sink) {
    return Coordinator.start(config(root), sink);
  }

  public static Coordinator startShipped() {
    return start(shipped());
  }

  public static TestHttp otlp(Coordinator coordinator) {
    return new TestHttp(coordinator.uri(Coordinator.OTLP));
  }

  public static TestHttp manage(Coordinator coordinator) {
    return new TestHttp(coordinator.uri(Coordinator.MANAGE));
  }
}
