package io.mscoordinator.dataplane;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.config.ConfigException;
import io.mscoordinator.dataplane.DataPlaneSettings.Algorithm;
import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.server.CoordinatorConfig;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DataPlaneSettingsTest {
  private static final String[] NO_ARGS = new String[0];

  @Test
  void shouldTakeMindIesDefaults() {
    DataPlaneSettings s = settings("{}");

    assertThat(s.maxRequests(), is(10_000));
    assertThat(s.singleNodeMaxRequests(), is(1_000));
    assertThat(s.httpTimeout(), is(Duration.ofSeconds(600)));
    assertThat(s.limits().idleTimeout(), is(Duration.ofSeconds(180)));
    assertThat(s.userAgent(), is("Coordinator/1.0"));
    assertThat(s.maxRetry(), is(5));
    assertThat(s.listener().name(), is("predict"));
    assertThat(s.listener().host(), is("127.0.0.1"));
    assertThat(s.listener().port(), is(1025));
    assertThat(s.listener().tls(), is(Optional.empty()));
    assertThat(s.limits().maxPayloadBytes(), is(10L * 1024 * 1024));
  }

  @Test
  void shouldClampTheDefaultScheduleTimeoutWithoutAWarning() {
    CoordinatorConfig config = config("{}", Map.of(), NO_ARGS);
    DataPlaneSettings.Timeouts t = config.dataPlane().timeouts();

    assertThat(t.schedule(), is(Duration.ofSeconds(580)));
    assertThat(t.firstToken(), is(Duration.ofSeconds(600)));
    assertThat(t.infer(), is(Duration.ofSeconds(600)));
    assertThat(t.tokenizer(), is(Duration.ofSeconds(300)));
    assertThat(scheduleWarnings(config), is(empty()));
  }

  @Test
  void shouldDefaultToLeastLoadedInSingleNode() {
    DataPlaneSettings.SchedulerSettings s = settings("{}").scheduler();

    assertThat(s.algorithm(), is(Algorithm.LEAST_LOADED));
    assertThat(s.cacheSize(), is(1000));
    assertThat(s.slotsThresh(), is(0.05));
    assertThat(s.blockThresh(), is(0.05));
    assertThat(s.sessionHeader(), is(Optional.empty()));
  }

  @Test
  void shouldDefaultToLoadBalanceInPrefillDecode() {
    DataPlaneSettings s =
        settings("{\"digs_scheduler_config\": {\"deploy_mode\": \"pd_separate\"}}");

    assertThat(s.scheduler().algorithm(), is(Algorithm.LOAD_BALANCE));
  }

  /** Each integer key with its section, its range, and a value inside it. */
  static Stream<Arguments> integerRanges() {
    return Stream.of(
        Arguments.of("request_limit", "max_requests", 1, 90_000),
        Arguments.of("request_limit", "single_node_max_requests", 1, 15_000),
        Arguments.of("http_config", "http_timeout_seconds", 0, 3600),
        Arguments.of("http_config", "keep_alive_seconds", 0, 3600),
        Arguments.of("exception_config", "max_retry", 0, 10),
        Arguments.of("exception_config", "schedule_timeout", 0, 3600),
        Arguments.of("exception_config", "first_token_timeout", 0, 3600),
        Arguments.of("exception_config", "infer_timeout", 0, 65_535),
        Arguments.of("exception_config", "tokenizer_timeout", 0, 3600),
        Arguments.of("digs_scheduler_config", "cache_size", 1, 10_000),
        Arguments.of("digs_scheduler_config", "max_schedule_count", 1, 90_000),
        Arguments.of("digs_scheduler_config", "max_res_num", 1, 10_000));
  }

  @ParameterizedTest(name = "{0}.{1} in [{2}, {3}]")
  @MethodSource("integerRanges")
  void shouldAcceptEachEdgeOfAnIntegerRangeAndRefuseOnePast(
      String section, String key, long min, long max) {
    settings(section(section, key, Json.createValue(min)));
    settings(section(section, key, Json.createValue(max)));

    assertRefused(section(section, key, Json.createValue(min - 1)), section + "." + key);
    assertRefused(section(section, key, Json.createValue(max + 1)), section + "." + key);
  }

  static Stream<Arguments> numberRanges() {
    return Stream.of(
        Arguments.of("slots_thresh", "0", "1", "-0.001", "1.001"),
        Arguments.of("block_thresh", "0", "1", "-0.001", "1.001"),
        Arguments.of("res_limit_rate", "0", "2000", "-0.001", "2000.001"),
        Arguments.of("string_token_rate", "1", "100", "0.999", "100.001"));
  }

  @ParameterizedTest(name = "digs_scheduler_config.{0} in [{1}, {2}]")
  @MethodSource("numberRanges")
  void shouldAcceptEachEdgeOfANumberRangeAndRefuseJustPast(
      String key, String min, String max, String below, String above) {
    String section = "digs_scheduler_config";
    settings(section(section, key, number(min)));
    settings(section(section, key, number(max)));

    assertRefused(section(section, key, number(below)), section + "." + key);
    assertRefused(section(section, key, number(above)), section + "." + key);
  }

  @Test
  void shouldReadMindIesNumbersWrittenAsStrings() {
    DataPlaneSettings s =
        settings(
            "{\"digs_scheduler_config\": {\"cache_size\": \"1000\", \"slots_thresh\": \"0.05\","
                + " \"block_thresh\": \" 0.1 \", \"res_limit_rate\": \"1.1\"},"
                + " \"exception_config\": {\"infer_timeout\": \"900\"}}");

    assertThat(s.scheduler().cacheSize(), is(1000));
    assertThat(s.scheduler().slotsThresh(), is(0.05));
    assertThat(s.scheduler().blockThresh(), is(0.1));
    assertThat(s.timeouts().infer(), is(Duration.ofSeconds(900)));
  }

  @Test
  void shouldRefuseNumbersThatAreNotNumbers() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"cache_size\": \"many\"}}",
        "digs_scheduler_config.cache_size");
    assertRefused(
        "{\"digs_scheduler_config\": {\"slots_thresh\": \"low\"}}",
        "digs_scheduler_config.slots_thresh");
    assertRefused(
        "{\"digs_scheduler_config\": {\"cache_size\": \"10.5\"}}",
        "digs_scheduler_config.cache_size");
    assertRefused(
        "{\"digs_scheduler_config\": {\"cache_size\": true}}", "digs_scheduler_config.cache_size");
    assertRefused(
        "{\"exception_config\": {\"schedule_timeout\": \"soon\"}}",
        "exception_config.schedule_timeout");
  }

  @Test
  void shouldLetTheEnvironmentWinOverTheFile() {
    DataPlaneSettings s =
        config(
                "{\"request_limit\": {\"max_requests\": 500, \"single_node_max_requests\": 50}}",
                Map.of(
                    DataPlaneSettings.ENV_MAX_REQ, "20000",
                    DataPlaneSettings.ENV_SINGLE_NODE_MAX_REQ, " 70 "),
                NO_ARGS)
            .dataPlane();

    assertThat(s.maxRequests(), is(20_000));
    assertThat(s.singleNodeMaxRequests(), is(70));
    assertThat(s.limits().maxConnections(), is(60_000));
  }

  @Test
  void shouldTakeTheFileWhenTheVariableIsBlank() {
    DataPlaneSettings s =
        config(
                "{\"request_limit\": {\"max_requests\": 500}}",
                Map.of(DataPlaneSettings.ENV_MAX_REQ, ""),
                NO_ARGS)
            .dataPlane();

    assertThat(s.maxRequests(), is(500));
  }

  @ParameterizedTest
  @MethodSource("badEnvironments")
  void shouldRefuseAVariableOutOfRangeOrNotANumber(String variable, String value) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> config("{}", Map.of(variable, value), NO_ARGS));

    assertThat(e.key(), is(variable));
    assertThat(e.getMessage(), containsString("key=" + variable));
  }

  static Stream<Arguments> badEnvironments() {
    return Stream.of(
        Arguments.of(DataPlaneSettings.ENV_MAX_REQ, "0"),
        Arguments.of(DataPlaneSettings.ENV_MAX_REQ, "90001"),
        Arguments.of(DataPlaneSettings.ENV_MAX_REQ, "ten"),
        Arguments.of(DataPlaneSettings.ENV_MAX_REQ, "1.5"),
        Arguments.of(DataPlaneSettings.ENV_SINGLE_NODE_MAX_REQ, "0"),
        Arguments.of(DataPlaneSettings.ENV_SINGLE_NODE_MAX_REQ, "15001"),
        Arguments.of(DataPlaneSettings.ENV_SINGLE_NODE_MAX_REQ, "x"));
  }

  @Test
  void shouldAcceptTheVariablesAtTheEdgesOfTheirRanges() {
    DataPlaneSettings s =
        config(
                "{}",
                Map.of(
                    DataPlaneSettings.ENV_MAX_REQ, "90000",
                    DataPlaneSettings.ENV_SINGLE_NODE_MAX_REQ, "1"),
                NO_ARGS)
            .dataPlane();

    assertThat(s.maxRequests(), is(90_000));
    assertThat(s.singleNodeMaxRequests(), is(1));
  }

  @Test
  void shouldClampTheScheduleTimeoutTwentySecondsBeforeTheFirstToken() {
    CoordinatorConfig config =
        config(
            "{\"exception_config\": {\"schedule_timeout\": 600, \"first_token_timeout\": 100}}",
            Map.of(),
            NO_ARGS);

    assertThat(config.dataPlane().timeouts().schedule(), is(Duration.ofSeconds(80)));
    List<String> warnings = scheduleWarnings(config);
    assertThat(warnings.size(), is(1));
    assertThat(warnings.get(0), containsString("clamped from 600 to 80"));
  }

  @Test
  void shouldClampTheScheduleTimeoutToTheShorterOfFirstTokenAndInfer() {
    DataPlaneSettings.Timeouts t =
        settings(
                "{\"exception_config\": {\"schedule_timeout\": 600, \"first_token_timeout\": 0,"
                    + " \"infer_timeout\": 50}}")
            .timeouts();

    assertThat(t.schedule(), is(Duration.ofSeconds(30)));
  }

  @Test
  void shouldClampToOneSecondWhenTheFirstTokenTimeoutIsShorterThanTheMargin() {
    DataPlaneSettings.Timeouts t =
        settings("{\"exception_config\": {\"schedule_timeout\": 5, \"first_token_timeout\": 10}}")
            .timeouts();

    assertThat(t.schedule(), is(Duration.ofSeconds(1)));
  }

  @Test
  void shouldNotClampWhenFirstTokenAndInferAreOff() {
    CoordinatorConfig config =
        config(
            "{\"exception_config\": {\"schedule_timeout\": 600, \"first_token_timeout\": 0,"
                + " \"infer_timeout\": 0}}",
            Map.of(),
            NO_ARGS);

    assertThat(config.dataPlane().timeouts().schedule(), is(Duration.ofSeconds(600)));
    assertThat(scheduleWarnings(config), is(empty()));
  }

  @Test
  void shouldNotClampAScheduleTimeoutThatLeavesTheMargin() {
    CoordinatorConfig config =
        config(
            "{\"exception_config\": {\"schedule_timeout\": 80, \"first_token_timeout\": 100}}",
            Map.of(),
            NO_ARGS);

    assertThat(config.dataPlane().timeouts().schedule(), is(Duration.ofSeconds(80)));
    assertThat(scheduleWarnings(config), is(empty()));
  }

  @Test
  void shouldLeaveAScheduleTimeoutOfZeroOff() {
    DataPlaneSettings.Timeouts t =
        settings("{\"exception_config\": {\"schedule_timeout\": 0, \"first_token_timeout\": 30}}")
            .timeouts();

    assertThat(t.schedule(), is(Duration.ZERO));
  }

  @Test
  void shouldClampSilentlyWhenOnlyTheFirstTokenTimeoutIsInTheFile() {
    CoordinatorConfig config =
        config("{\"exception_config\": {\"first_token_timeout\": 100}}", Map.of(), NO_ARGS);

    assertThat(config.dataPlane().timeouts().schedule(), is(Duration.ofSeconds(80)));
    assertThat(scheduleWarnings(config), is(empty()));
  }

  @Test
  void shouldRefuseADefaultSchedulerInPrefillDecode() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"deploy_mode\": \"pd_separate\","
            + " \"scheduler_type\": \"default_scheduler\"}}",
        "digs_scheduler_config.scheduler_type");
  }

  @Test
  void shouldRefuseTheDigsSchedulerInSingleNode() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"scheduler_type\": \"digs_scheduler\"}}",
        "digs_scheduler_config.scheduler_type");
  }

  @Test
  void shouldRefuseAnUnknownSchedulerType() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"scheduler_type\": \"fancy\"}}",
        "digs_scheduler_config.scheduler_type");
  }

  @Test
  void shouldAcceptEachAlgorithmOfItsMode() {
    for (String algorithm : List.of("round_robin", "cache_affinity", "least_loaded")) {
      DataPlaneSettings s =
          settings("{\"digs_scheduler_config\": {\"algorithm_type\": \"" + algorithm + "\"}}");
      assertThat(s.scheduler().algorithm().key(), is(algorithm));
    }
    for (String algorithm : List.of("load_balance", "least_loaded")) {
      DataPlaneSettings s =
          settings(
              "{\"digs_scheduler_config\": {\"deploy_mode\": \"pd_separate\", \"algorithm_type\":"
                  + " \""
                  + algorithm
                  + "\"}}");
      assertThat(s.scheduler().algorithm().key(), is(algorithm));
    }
  }

  @Test
  void shouldRefuseCacheAffinityInPrefillDecode() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"deploy_mode\": \"pd_separate\","
            + " \"algorithm_type\": \"cache_affinity\"}}",
        "digs_scheduler_config.algorithm_type");
  }

  @Test
  void shouldRefuseLoadBalanceInSingleNode() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"algorithm_type\": \"load_balance\"}}",
        "digs_scheduler_config.algorithm_type");
  }

  @Test
  void shouldAcceptASessionHeaderName() {
    DataPlaneSettings s =
        settings("{\"digs_scheduler_config\": {\"session_header\": \"X-Session-Id\"}}");

    assertThat(s.scheduler().sessionHeader(), is(Optional.of("X-Session-Id")));
  }

  @Test
  void shouldRefuseASessionHeaderThatIsNotAHeaderName() {
    assertRefused(
        "{\"digs_scheduler_config\": {\"session_header\": \"X Session\"}}",
        "digs_scheduler_config.session_header");
    assertRefused(
        "{\"digs_scheduler_config\": {\"session_header\": \"X-Session:\"}}",
        "digs_scheduler_config.session_header");
    assertRefused(
        "{\"digs_scheduler_config\": {\"session_header\": 7}}",
        "digs_scheduler_config.session_header");
  }

  @Test
  void shouldRefuseMindIesEnumeratedKeysOutsideTheirValues() {
    settings("{\"digs_scheduler_config\": {\"reordering_type\": 3, \"select_type\": \"2\"}}");
    assertRefused(
        "{\"digs_scheduler_config\": {\"reordering_type\": 4}}",
        "digs_scheduler_config.reordering_type");
    assertRefused(
        "{\"digs_scheduler_config\": {\"select_type\": \"3\"}}",
        "digs_scheduler_config.select_type");
  }

  @Test
  void shouldLetTheStartArgumentsOverrideThePredictAddress() {
    DataPlaneSettings s =
        config("{}", Map.of(), new String[] {"127.0.0.2", "2025", "127.0.0.3", "2026"}).dataPlane();

    assertThat(s.listener().host(), is("127.0.0.2"));
    assertThat(s.listener().port(), is(2025));
  }

  @Test
  void shouldNeverCloseAnIdleConnectionWhenKeepAliveIsZero() {
    DataPlaneSettings s = settings("{\"http_config\": {\"keep_alive_seconds\": 0}}");

    assertThat(s.limits().idleTimeout(), greaterThanOrEqualTo(Duration.ofDays(365)));
  }

  @Test
  void shouldLimitTheListenerToThreeTimesMaxRequests() {
    DataPlaneSettings s = settings("{\"request_limit\": {\"max_requests\": 7}}");

    assertThat(s.limits().maxConnections(), is(21));
    assertThat(s.limits().maxConcurrentRequests(), is(21));
  }

  @Test
  void shouldRefuseABlankOrNonAsciiUserAgent() {
    assertRefused("{\"http_config\": {\"user_agent\": \" \"}}", "http_config.user_agent");
    assertRefused("{\"http_config\": {\"user_agent\": \"Coördinator\"}}", "http_config.user_agent");
    assertThat(
        settings("{\"http_config\": {\"user_agent\": \"Gateway/2.1 (x)\"}}").userAgent(),
        is("Gateway/2.1 (x)"));
  }

  @Test
  void shouldWarnAboutAnUnknownKeyInExceptionConfig() {
    CoordinatorConfig config =
        config("{\"exception_config\": {\"retry_backoff\": 3}}", Map.of(), NO_ARGS);

    assertThat(
        config.document().warnings().stream()
            .filter(w -> w.contains("key=exception_config.retry_backoff"))
            .count(),
        is(1L));
  }

  @Test
  void shouldRefuseAnUnknownKeyInHttpConfig() {
    assertRefused("{\"http_config\": {\"http_timeout\": 5}}", "http_config.http_timeout");
  }

  @Test
  void shouldNotWarnAboutMindIesSchedulerKeys() {
    CoordinatorConfig config =
        config(
            "{\"digs_scheduler_config\": {\"max_schedule_count\": 10, \"load_cost_values\": [1],"
                + " \"load_cost_coefficient\": [1]}}",
            Map.of(),
            NO_ARGS);

    assertThat(config.document().warnings(), not(hasItem(containsString("digs_scheduler"))));
  }

  private static void assertRefused(String overrides, String key) {
    ConfigException e = assertThrows(ConfigException.class, () -> settings(overrides));
    assertThat(e.getMessage(), e.key(), is(key));
    assertThat(e.getMessage(), containsString("key=" + key));
  }

  private static DataPlaneSettings settings(String overrides) {
    return config(overrides, Map.of(), NO_ARGS).dataPlane();
  }

  private static List<String> scheduleWarnings(CoordinatorConfig config) {
    return config.document().warnings().stream()
        .filter(w -> w.contains("schedule_timeout"))
        .collect(Collectors.toList());
  }

  /**
   * A config with only what start-up requires (the listeners' addresses) and single-node mode, with
   * each section of {@code overrides} merged in (its keys replace or add to the section's): every
   * data-plane key not in {@code overrides} takes its default.
   */
  private static CoordinatorConfig config(
      String overrides, Map<String, String> env, String[] args) {
    JsonObject root =
        Json.createObjectBuilder()
            .add(
                "http_config",
                Json.createObjectBuilder()
                    .add("predict_ip", "127.0.0.1")
                    .add("predict_port", "1025")
                    .add("manage_ip", "127.0.0.1")
                    .add("manage_port", "1026"))
            .add(
                "digs_scheduler_config",
                Json.createObjectBuilder().add("deploy_mode", "single_node"))
            .build();
    JsonObject more = Json.createReader(new StringReader(overrides)).readObject();
    for (Map.Entry<String, JsonValue> e : more.entrySet()) {
      root = merge(root, e.getKey(), e.getValue().asJsonObject());
    }
    return ConfigLoader.parse(root, null, env, args);
  }

  private static JsonObject merge(JsonObject root, String name, JsonObject section) {
    JsonObjectBuilder merged =
        root.containsKey(name)
            ? Json.createObjectBuilder(root.getJsonObject(name))
            : Json.createObjectBuilder();
    section.forEach(merged::add);
    return Json.createObjectBuilder(root).add(name, merged).build();
  }

  private static String section(String section, String key, JsonValue value) {
    return "{\"" + section + "\": {\"" + key + "\": " + value + "}}";
  }

  private static JsonValue number(String text) {
    return Json.createValue(new BigDecimal(text));
  }
}
