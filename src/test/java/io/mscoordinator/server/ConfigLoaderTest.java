package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.DeployMode;
import io.mscoordinator.config.ConfigException;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
  private static final String[] NO_ARGS = new String[0];

  @Test
  void shouldLoadShippedDefaultAsPlainHttpOnLoopback() {
    CoordinatorConfig config =
        ConfigLoader.parse(TestCoordinators.shipped(), TestCoordinators.SHIPPED, NO_ARGS);

    assertThat(config.http().manage().host(), is("127.0.0.1"));
    assertThat(config.http().manage().port(), is(1026));
    assertThat(config.http().manage().tls(), is(Optional.empty()));
    assertThat(config.http().status(), is(Optional.empty()));
    assertThat(config.http().external(), is(Optional.empty()));
    assertThat(config.http().bodyLimitBytes(), is(10L * 1024 * 1024));
    assertThat(config.cluster().deployMode(), is(DeployMode.PD_SEPARATE));
    assertThat(config.cluster().backupEnabled(), is(false));
  }

  @Test
  void shouldLetPositionalArgumentsOverrideTheFile() {
    CoordinatorConfig config =
        ConfigLoader.parse(
            TestCoordinators.shipped(),
            null,
            new String[] {"127.0.0.2", "2025", "127.0.0.3", "2026"});

    assertThat(config.http().predictIp(), is("127.0.0.2"));
    assertThat(config.http().predictPort(), is(2025));
    assertThat(config.http().manage().host(), is("127.0.0.3"));
    assertThat(config.http().manage().port(), is(2026));
  }

  @Test
  void shouldReadTheFileNamedByTheEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("custom.json");
    JsonObject root =
        TestCoordinators.shippedWith("/http_config/manage_port", Json.createValue("3456"));
    Files.writeString(file, root.toString());

    CoordinatorConfig config =
        ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, file.toString()), NO_ARGS);

    assertThat(config.source(), is(file));
    assertThat(config.http().manage().port(), is(3456));
  }

  @Test
  void shouldNameTheVariableWhenItsFileIsMissing(@TempDir Path dir) {
    String missing = dir.resolve("nope.json").toString();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, missing), NO_ARGS));

    assertThat(e.key(), is(ConfigLoader.ENV_PATH));
  }

  @Test
  void shouldRefuseMalformedJson(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"http_config\": {");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Map.of(ConfigLoader.ENV_PATH, file.toString()), NO_ARGS));

    assertThat(e.getMessage(), containsString("rule=well-formed JSON"));
  }

  static Stream<Arguments> badValues() {
    return Stream.of(
        bad(
            "/http_config/manage_port",
            Json.createValue("80"),
            "http_config.manage_port",
            "port string in [\"1024\",\"65535\"]"),
        bad(
            "/http_config/manage_port",
            Json.createValue(1026),
            "http_config.manage_port",
            "port string"),
        bad(
            "/http_config/manage_port",
            Json.createValue("70000"),
            "http_config.manage_port",
            "port string"),
        bad(
            "/http_config/predict_port",
            Json.createValue("1026"),
            "http_config.manage_port",
            "differs from http_config.predict_port"),
        bad(
            "/http_config/status_port",
            Json.createValue("1026"),
            "http_config.status_port",
            "differs from http_config.manage_port"),
        bad(
            "/http_config/external_port",
            Json.createValue("abc"),
            "http_config.external_port",
            "port string"),
        bad(
            "/http_config/manage_ip",
            Json.createValue("localhost"),
            "http_config.manage_ip",
            "address literal"),
        bad(
            "/http_config/manage_ip",
            Json.createValue("0.0.0.0"),
            "http_config.manage_ip",
            "allow_all_zero_ip_listening"),
        bad("/http_config", null, "http_config", "required object"),
        bad(
            "/request_limit/body_limit",
            Json.createValue(0),
            "request_limit.body_limit",
            "integer MB in [1,1024]"),
        bad(
            "/request_limit/body_limit",
            Json.createValue("10"),
            "request_limit.body_limit",
            "integer"),
        bad(
            "/digs_scheduler_config/deploy_mode",
            Json.createValue("pd_magic"),
            "digs_scheduler_config.deploy_mode",
            "one of single_node"),
        bad(
            "/backup_config/function_enable",
            Json.createValue("yes"),
            "backup_config.function_enable",
            "true or false"),
        bad("/log_info/log_level", Json.createValue("LOUD"), "log_info.log_level", "one of DEBUG"),
        bad(
            "/prometheus_metrics_config/reuse_time",
            Json.createValue(new java.math.BigInteger("18446744073709551621")),
            "prometheus_metrics_config.reuse_time",
            "integer in [1,3600]"));
  }

  private static Arguments bad(String pointer, JsonValue value, String key, String rule) {
    return Arguments.of(pointer, value, key, rule);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badValues")
  void shouldRefuseBadValueNamingKeyAndRule(
      String pointer, JsonValue value, String key, String rule) {
    JsonObject root =
        value == null
            ? Json.createPointer(pointer).remove(TestCoordinators.shipped())
            : TestCoordinators.shippedWith(pointer, value);

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(root, null, NO_ARGS));

    assertThat(e.key(), is(key));
    assertThat(e.getMessage(), containsString(rule));
    assertThat(e.getMessage().contains("\n"), is(false));
  }

  @Test
  void shouldAllowWildcardWhenAllZeroListeningIsOn() {
    JsonObject root =
        Json.createPointer("/http_config/allow_all_zero_ip_listening")
            .replace(
                TestCoordinators.shippedWith("/http_config/manage_ip", Json.createValue("0.0.0.0")),
                JsonValue.TRUE);

    assertThat(ConfigLoader.parse(root, null, NO_ARGS).http().manage().host(), is("0.0.0.0"));
  }

  @Test
  void shouldRefuseWrongNumberOfArguments() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.shipped(), null, new String[] {"127.0.0.1", "1025"}));

    assertThat(e.key(), is("arguments"));
  }

  @Test
  void shouldRefuseBadPortInArguments() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.shipped(),
                    null,
                    new String[] {"127.0.0.1", "1025", "127.0.0.1", "99"}));

    assertThat(e.key(), is("arguments[3] manage_port"));
  }

  @Test
  void shouldRefuseAnUnknownKeyInsideHttpConfigAndTlsConfigWithoutPrintingItsValue() {
    JsonObject http =
        Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("http_config"))
            .add("manage_prot", "1027")
            .build();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.withSection(TestCoordinators.shipped(), "http_config", http),
                    null,
                    NO_ARGS));
    assertThat(e.key(), is("http_config.manage_prot"));
    assertThat(e.getMessage(), containsString("unknown key"));

    JsonObject tls =
        Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("tls_config"))
            .add("controller_server_tls_enabled", true)
            .build();
    e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.withSection(TestCoordinators.shipped(), "tls_config", tls),
                    null,
                    NO_ARGS));
    assertThat(e.key(), is("tls_config.controller_server_tls_enabled"));
    assertThat(e.getMessage(), containsString("value=(unknown key)"));
  }

  @Test
  void shouldAcceptMindiesOtherHttpKeysAndCheckTheirRanges() {
    JsonObject mindie =
        Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("http_config"))
            .add("alarm_port", "1027")
            .add("server_thread_num", 10)
            .add("client_thread_num", 10)
            .add("http_timeout_seconds", 600)
            .add("keep_alive_seconds", 180)
            .add("server_name", "MindIE-MS")
            .add("user_agent", "Coordinator/1.0")
            .build();
    JsonObject root =
        TestCoordinators.withSection(TestCoordinators.shipped(), "http_config", mindie);

    assertThat(ConfigLoader.parse(root, null, NO_ARGS).document().warnings(), is(List.of()));

    JsonObject bad = Json.createObjectBuilder(mindie).add("server_thread_num", 0).build();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.withSection(TestCoordinators.shipped(), "http_config", bad),
                    null,
                    NO_ARGS));
    assertThat(e.key(), is("http_config.server_thread_num"));
    assertThat(e.getMessage(), containsString("integer in [1,10000]"));
  }

  @Test
  void shouldWarnOnceAboutAnUnknownKeyElsewhereAndStillStart() {
    JsonObject root =
        Json.createObjectBuilder(TestCoordinators.shipped())
            .add("alarm_config", Json.createObjectBuilder().add("enable", true))
            .add(
                "metrics_config",
                Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("metrics_config"))
                    .add("enable", false)
                    .add("trigger_size", 100))
            .build();

    CoordinatorConfig config = ConfigLoader.parse(root, null, NO_ARGS);

    assertThat(
        config.document().warnings(),
        is(
            List.of(
                "config warning: key=alarm_config rule=unknown key; known: backup_config,"
                    + " digs_scheduler_config, exception_config, http_config, log_info,"
                    + " metrics_config, otlp_config, prometheus_metrics_config, request_limit,"
                    + " tls_config (ignored)",
                "config warning: key=metrics_config.enable rule=unknown key; known:"
                    + " histogram_buckets, in_process_ring_capacity_bytes, ring_capacity_bytes,"
                    + " ring_file, series_limit (ignored)",
                "config warning: key=metrics_config.trigger_size rule=unknown key; known:"
                    + " histogram_buckets, in_process_ring_capacity_bytes, ring_capacity_bytes,"
                    + " ring_file, series_limit (ignored)")));
  }

  @Test
  void shouldAcceptOurOldWildcardKeyWithADeprecationWarning() {
    JsonObject http =
        Json.createObjectBuilder(TestCoordinators.shipped().getJsonObject("http_config"))
            .remove("allow_all_zero_ip_listening")
            .add("allAllZeroIpListening", true)
            .add("manage_ip", "0.0.0.0")
            .build();

    CoordinatorConfig config =
        ConfigLoader.parse(
            TestCoordinators.withSection(TestCoordinators.shipped(), "http_config", http),
            null,
            NO_ARGS);

    assertThat(config.http().manage().host(), is("0.0.0.0"));
    assertThat(
        config.document().warnings(),
        is(
            List.of(
                "config warning: key=http_config.allAllZeroIpListening rule=deprecated, use"
                    + " http_config.allow_all_zero_ip_listening")));
  }
}
