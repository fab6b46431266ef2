package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.config.ConfigException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passwords in the configuration never reach a log line or an error message: the whole coordinator
 * runs with every logger at {@code ALL} on listeners that need a keystore password and a key
 * password, serves TLS, refuses a bad config, and stops; no captured record (message, parameters or
 * stack trace) contains either password.
 */
class SecretsInLogsTest {
  private static final String KEYSTORE_PASSWORD = "devpass";
  private static final String WRONG_PASSWORD = "wr0ng-Secret-xyzzy";

  @TempDir Path dir;

  @Test
  void shouldLogNoPasswordWhileStartingServingAndRefusing() throws Exception {
    Path certs = Files.createDirectories(dir.resolve("certs"));
    DevCerts.make(certs);
    JsonObject shipped;
    try (JsonReader reader =
        Json.createReader(Files.newBufferedReader(Path.of("config", "ms_coordinator_tls.json")))) {
      shipped = reader.readObject();
    }
    JsonObject tls =
        Json.createObjectBuilder(shipped.getJsonObject("tls_config"))
            .add("status_server_tls_enable", true)
            .add(
                "controller_server_tls_items",
                Json.createObjectBuilder(
                        shipped
                            .getJsonObject("tls_config")
                            .getJsonObject("controller_server_tls_items"))
                    .add("tls_key", "certs/server-enc.key")
                    .add("tls_key_password", KEYSTORE_PASSWORD))
            .build();
    JsonObject root =
        Json.createObjectBuilder(shipped)
            .add(
                "http_config",
                Json.createObjectBuilder(shipped.getJsonObject("http_config"))
                    .add("status_port", "1027"))
            .add("tls_config", tls)
            .add("metrics_config", TestCoordinators.NO_RING_FILE)
            .build();
    Path config = dir.resolve("ms_coordinator.json");
    Files.writeString(config, root.toString());

    Capture capture = Capture.install();
    try {
      CoordinatorConfig loaded =
          ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, config.toString()), new String[0]);
      try (Coordinator coordinator = Coordinator.start(loaded.withEphemeralPorts())) {
        TestClient controller =
            TestClient.withClientCert(
                certs.resolve("ca.pem"),
                certs.resolve("controller.pem"),
                certs.resolve("controller.key"));
        assertThat(controller.get(coordinator.port(Coordinator.MANAGE), "/v1/health"), is(""));
      }

      JsonObject wrong =
          Json.createObjectBuilder(root)
              .add(
                  "tls_config",
                  Json.createObjectBuilder(tls)
                      .add(
                          "status_server_tls_items",
                          Json.createObjectBuilder()
                              .add("keystore", "certs/server.p12")
                              .add("keystore_password", WRONG_PASSWORD)))
              .build();
      Path bad = dir.resolve("bad.json");
      Files.writeString(bad, wrong.toString());
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () ->
                  ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, bad.toString()), new String[0]));
      assertThat(e.getMessage(), not(containsString(WRONG_PASSWORD)));
    } finally {
      capture.remove();
    }

    assertThat("records captured", capture.lines.size(), greaterThan(5));
    for (String line : capture.lines) {
      assertThat(line, not(containsString(KEYSTORE_PASSWORD)));
      assertThat(line, not(containsString(WRONG_PASSWORD)));
    }
  }

  /** A handler on the root logger keeping every record, formatted with its parameters. */
  private static final class Capture extends Handler {
    final List<String> lines = new CopyOnWriteArrayList<>();
    private Level before;

    static Capture install() {
      Capture capture = new Capture();
      capture.setLevel(Level.ALL);
      capture.before = Logger.getLogger("").getLevel();
      Logger.getLogger("").addHandler(capture);
      Logger.getLogger("").setLevel(Level.ALL);
      return capture;
    }

    void remove() {
      Logger.getLogger("").removeHandler(this);
      Logger.getLogger("").setLevel(before);
    }

    @Override
    public void publish(LogRecord record) {
      StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
      Object[] params = record.getParameters();
      if (params != null) {
        try {
          line.append(' ')
              .append(MessageFormat.format(String.valueOf(record.getMessage()), params));
        } catch (IllegalArgumentException notAPattern) {
          // keep the raw message
        }
        for (Object p : params) {
          line.append(' ').append(p);
        }
      }
      if (record.getThrown() != null) {
        StringWriter trace = new StringWriter();
        record.getThrown().printStackTrace(new PrintWriter(trace));
        line.append(' ').append(trace);
      }
      lines.add(line.toString());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
