package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.config.Section;
import io.mscoordinator.tls.TlsSettings;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code config/ms_coordinator_tls.json} next to a {@code certs/} directory made by the script, as
 * a user gets it: every items object there must parse, and the manage listener must be mutual.
 */
class ShippedTlsConfigTest {
  @TempDir static Path configDir;

  private static JsonObject tlsConfig;

  @BeforeAll
  static void layOut() throws Exception {
    Path certs = Files.createDirectories(configDir.resolve("certs"));
    DevCerts.make(certs);
    Path config = configDir.resolve("ms_coordinator_tls.json");
    Files.copy(Path.of("config", "ms_coordinator_tls.json"), config);
    try (InputStream in = Files.newInputStream(config);
        JsonReader reader = Json.createReader(in)) {
      tlsConfig = reader.readObject().getJsonObject("tls_config");
    }
  }

  @Test
  void shouldMakeManageListenerMutualTls() {
    assertThat(tlsConfig.getBoolean("controller_server_tls_enable"), is(true));
    assertThat(parse("controller_server").mutual(), is(true));
  }

  @Test
  void shouldParseStatusListenerItems() {
    assertThat(parse("status_server").serverTls().enabled(), is(true));
  }

  @Test
  void shouldParseExternalListenerItems() {
    assertThat(parse("external_server").serverTls().enabled(), is(true));
  }

  @Test
  void shouldParseScrapeClientItems() {
    assertThat(parse("mindie_client").clientTls().enabled(), is(true));
  }

  private static TlsSettings parse(String name) {
    String key = name + "_tls_items";
    return TlsSettings.parse(
        Section.of(tlsConfig.getJsonObject(key), "tls_config." + key, configDir));
  }
}
