package io.mscoordinator.server;

import io.mscoordinator.capability.ListenerLimits;
import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.cluster.ClusterSettings;
import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import io.mscoordinator.dataplane.DataPlaneSettings;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.otlp.OtlpSettings;
import io.mscoordinator.scrape.ScrapeSettings;
import io.mscoordinator.tls.TlsConfig;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Loads {@code ms_coordinator.json} and the positional start arguments into a {@link
 * CoordinatorConfig}: every section is read by its capability's own {@code parse} through {@link
 * Section}, and every rule is checked before anything starts. The first broken rule ends loading
 * with a {@link ConfigException} that names the key; nothing is started from a half-read
 * configuration.
 *
 * <p>Where the file comes from, first match wins: the path in {@value #ENV_PATH}; {@code
 * config/ms_coordinator.json} under the working directory; the copy embedded in the jar.
 */
public final class ConfigLoader {
  /** The environment variable MindIE uses for the config path. */
  public static final String ENV_PATH = "MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH";

  static final Path DEFAULT_PATH = Path.of("config", "ms_coordinator.json");
  static final String EMBEDDED = "/ms_coordinator.json";

  /** The top-level sections read here; others are warned about (MindIE has more). */
  private static final List<String> SECTIONS =
      List.of(
          "http_config",
          "request_limit",
          "digs_scheduler_config",
          "backup_config",
          "metrics_config",
          "prometheus_metrics_config",
          "log_info",
          "otlp_config",
          "exception_config",
          "tls_config");

  /**
   * Keys of {@code http_config}: ours, then MindIE's that are accepted and validated but do not
   * change behaviour yet (the data plane and alarms are not built).
   */
  private static final List<String> HTTP_KEYS =
      List.of(
          "predict_ip",
          "predict_port",
          "manage_ip",
          "manage_port",
          "status_port",
          "external_port",
          "allow_all_zero_ip_listening",
          "allAllZeroIpListening",
          "alarm_port",
          "server_thread_num",
          "client_thread_num",
          "http_timeout_seconds",
          "keep_alive_seconds",
          "server_name",
          "user_agent");

  private static final String WILDCARD_SWITCH = "http_config.allow_all_zero_ip_listening";

  private static final Map<String, String> LOG_LEVELS =
      Map.of(
          "DEBUG", "FINE",
          "INFO", "INFO",
          "WARNING", "WARNING",
          "ERROR", "SEVERE",
          "CRITICAL", "SEVERE");

  private ConfigLoader() {}

  /** Loads the configuration the way {@code main} does. */
  public static CoordinatorConfig load(Map<String, String> env, String[] args) {
    String override = env.get(ENV_PATH);
    if (override != null && !override.isBlank()) {
      Path path = Path.of(override);
      if (!Files.isReadable(path)) {
        throw new ConfigException(ENV_PATH, "path of a readable config file", override);
      }
      return parse(ConfigDocument.read(path), env, args);
    }
    if (Files.isReadable(DEFAULT_PATH)) {
      return parse(ConfigDocument.read(DEFAULT_PATH), env, args);
    }
    try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED)) {
      if (in == null) {
        throw new ConfigException(ENV_PATH, "set, or config/ms_coordinator.json present", null);
      }
      return parse(
          new ConfigDocument(ConfigDocument.parse(in, "embedded ms_coordinator.json"), null),
          env,
          args);
    } catch (IOException e) {
      throw new ConfigException("embedded ms_coordinator.json", "readable", e.getMessage());
    }
  }

  /**
   * Checks {@code root} (read from {@code source}, {@code null} for the embedded copy) and applies
   * the start arguments {@code {predict_ip} {predict_port} {manage_ip} {manage_port}}, which
   * override the file. The environment's overrides are not read.
   */
  public static CoordinatorConfig parse(JsonObject root, Path source, String[] args) {
    return parse(new ConfigDocument(root, source), Map.of(), args);
  }

  /** {@link #parse(JsonObject, Path, String[])} with MindIE's overrides from {@code env}. */
  public static CoordinatorConfig parse(
      JsonObject root, Path source, Map<String, String> env, String[] args) {
    return parse(new ConfigDocument(root, source), env, args);
  }

  private static CoordinatorConfig parse(
      ConfigDocument config, Map<String, String> env, String[] args) {
    config.root().keys(SECTIONS);
    TlsConfig tls = TlsConfig.parse(config.section("tls_config"));
    HttpSettings http = http(config, tls, args);
    OtlpSettings otlp = OtlpSettings.parse(config.section("otlp_config"), http.wildcardAllowed());
    distinctPorts(http, otlp);
    ClusterSettings cluster = ClusterSettings.parse(config);
    DataPlaneSettings dataPlane =
        DataPlaneSettings.parse(
            config,
            cluster.deployMode(),
            http.predictIp(),
            http.predictPort(),
            tls.server(TlsConfig.REQUEST_SERVER),
            http.bodyLimitBytes(),
            env);
    return new CoordinatorConfig(
        config,
        http,
        logSettings(config.section("log_info")),
        tls,
        cluster,
        MetricsSettings.parse(config.section("metrics_config")),
        ScrapeSettings.parse(config.section("prometheus_metrics_config")),
        otlp,
        dataPlane,
        false);
  }

  private static HttpSettings http(ConfigDocument config, TlsConfig tls, String[] args) {
    if (args.length != 0 && args.length != 4) {
      throw new ConfigException(
          "arguments",
          "none, or {predict_ip} {predict_port} {manage_ip} {manage_port}",
          String.join(" ", args));
    }
    Section http = config.root().requiredSection("http_config").keys(HTTP_KEYS);
    boolean allZero =
        http.bool(http.alias("allow_all_zero_ip_listening", "allAllZeroIpListening"), false);
    String predictIp =
        args.length == 4
            ? Section.ip(
                Json.createValue(args[0]), "arguments[0] predict_ip", allZero, WILDCARD_SWITCH)
            : http.ip("predict_ip", null, allZero, WILDCARD_SWITCH);
    int predictPort =
        args.length == 4
            ? Section.port(Json.createValue(args[1]), "arguments[1] predict_port")
            : http.port("predict_port");
    String manageIp =
        args.length == 4
            ? Section.ip(
                Json.createValue(args[2]), "arguments[2] manage_ip", allZero, WILDCARD_SWITCH)
            : http.ip("manage_ip", null, allZero, WILDCARD_SWITCH);
    int managePort =
        args.length == 4
            ? Section.port(Json.createValue(args[3]), "arguments[3] manage_port")
            : http.port("manage_port");
    OptionalInt statusPort = http.optionalPort("status_port");
    OptionalInt externalPort = http.optionalPort("external_port");
    mindieOnly(http);

    Section limits = config.section("request_limit").keys(DataPlaneSettings.REQUEST_LIMIT_KEYS);
    ListenerLimits listenerLimits =
        new ListenerLimits(
            (int) limits.integer("max_concurrent_requests", 1024, 1, 1_000_000),
            (int) limits.integer("max_connections", 4096, 1, 1_000_000),
            limits.seconds("idle_timeout_s", 300, 1, 86_400),
            limits.megabytes("body_limit", 10, 1, 1024));

    ListenerSettings manage =
        new ListenerSettings(
            "manage", manageIp, managePort, tls.server(TlsConfig.CONTROLLER_SERVER));
    Optional<ListenerSettings> status =
        statusPort.isPresent()
            ? Optional.of(
                new ListenerSettings(
                    "status", manageIp, statusPort.getAsInt(), tls.server(TlsConfig.STATUS_SERVER)))
            : Optional.empty();
    Optional<ListenerSettings> external =
        externalPort.isPresent()
            ? Optional.of(
                new ListenerSettings(
                    "external",
                    manageIp,
                    externalPort.getAsInt(),
                    tls.server(TlsConfig.EXTERNAL_SERVER)))
            : Optional.empty();
    return new HttpSettings(
        manage, status, external, predictIp, predictPort, allZero, listenerLimits);
  }

  /**
   * MindIE's {@code http_config} keys that do nothing here yet, validated as MindIE does (the data
   * plane reads its timeouts and user agent itself).
   */
  private static void mindieOnly(Section http) {
    http.optionalPort("alarm_port");
    http.integer("server_thread_num", 10, 1, 10_000);
    http.integer("client_thread_num", 10, 1, 10_000);
    http.string("server_name", "MindIE-MS");
  }

  /** Every port given must differ from every other (a listener per port). */
  private static void distinctPorts(HttpSettings http, OtlpSettings otlp) {
    Map<String, Integer> used = new LinkedHashMap<>();
    used.put("http_config.predict_port", http.predictPort());
    used.put("http_config.manage_port", http.manage().port());
    http.status().ifPresent(l -> used.put("http_config.status_port", l.port()));
    http.external().ifPresent(l -> used.put("http_config.external_port", l.port()));
    otlp.listener().ifPresent(l -> used.put("otlp_config.port", l.port()));
    Map<Integer, String> byPort = new LinkedHashMap<>();
    used.forEach(
        (key, port) -> {
          String clash = byPort.putIfAbsent(port, key);
          if (clash != null) {
            throw new ConfigException(key, "differs from " + clash, port);
          }
        });
  }

  private static CoordinatorConfig.LogSettings logSettings(Section log) {
    log.keys("log_level", "to_stdout", "to_file", "run_log_path");
    String level = log.string("log_level", "INFO");
    String julLevel = LOG_LEVELS.get(level.toUpperCase(Locale.ROOT));
    if (julLevel == null) {
      throw log.fail("log_level", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL", level);
    }
    boolean toStdout = log.bool("to_stdout", true);
    boolean toFile = log.bool("to_file", false);
    String file = log.string("run_log_path", "logs/ms_coordinator_run.log");
    return new CoordinatorConfig.LogSettings(
        julLevel, toStdout, toFile ? Optional.of(Path.of(file)) : Optional.empty());
  }
}
