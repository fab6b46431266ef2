package io.mscoordinator.server;

import io.mscoordinator.cluster.DeployMode;
import io.mscoordinator.ingest.MetricsSettings;
import io.mscoordinator.otlp.OtlpSettings;
import io.mscoordinator.scrape.ScrapeSettings;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Loads {@code ms_coordinator.json} and the positional start arguments into a {@link
 * CoordinatorConfig}, checking every value. The first broken rule ends loading with a {@link
 * ConfigException} that names the key; nothing is started from a half-read configuration.
 *
 * <p>Where the file comes from, first match wins: the path in {@value #ENV_PATH}; {@code
 * config/ms_coordinator.json} under the working directory; the copy embedded in the jar.
 */
public final class ConfigLoader {
  /** The environment variable MindIE uses for the config path. */
  public static final String ENV_PATH = "MINDIE_MS_COORDINATOR_CONFIG_FILE_PATH";

  static final Path DEFAULT_PATH = Path.of("config", "ms_coordinator.json");
  static final String EMBEDDED = "/ms_coordinator.json";

  private static final String PORT_RULE = "port string in [\"1024\",\"65535\"]";
  private static final String IP_RULE = "IPv4 or IPv6 address literal";
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
      return parse(readFile(path), path, args);
    }
    if (Files.isReadable(DEFAULT_PATH)) {
      return parse(readFile(DEFAULT_PATH), DEFAULT_PATH, args);
    }
    try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED)) {
      if (in == null) {
        throw new ConfigException(ENV_PATH, "set, or config/ms_coordinator.json present", null);
      }
      return parse(readJson(in, "embedded ms_coordinator.json"), null, args);
    } catch (IOException e) {
      throw new ConfigException("embedded ms_coordinator.json", "readable", e.getMessage());
    }
  }

  static JsonObject readFile(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return readJson(in, path.toString());
    } catch (IOException e) {
      throw new ConfigException(path.toString(), "readable config file", e.getMessage());
    }
  }

  private static JsonObject readJson(InputStream in, String name) {
    try (JsonReader reader =
        Json.createReaderFactory(Map.of("org.eclipse.parsson.rejectDuplicateKeys", true))
            .createReader(in)) {
      JsonValue value = reader.readValue();
      if (!(value instanceof JsonObject object)) {
        throw new ConfigException(name, "a JSON object", value.getValueType());
      }
      return object;
    } catch (JsonException | IllegalStateException e) {
      throw new ConfigException(name, "well-formed JSON", e.getMessage());
    }
  }

  /**
   * Checks {@code root} and applies the start arguments {@code {predict_ip} {predict_port}
   * {manage_ip} {manage_port}}, which override the file.
   */
  public static CoordinatorConfig parse(JsonObject root, Path source, String[] args) {
    if (args.length != 0 && args.length != 4) {
      throw new ConfigException(
          "arguments",
          "none, or {predict_ip} {predict_port} {manage_ip} {manage_port}",
          String.join(" ", args));
    }
    JsonObject http = object(root, "http_config", true);
    boolean allZero =
        bool(http, "http_config.allAllZeroIpListening", "allAllZeroIpListening", false);
    String predictIp =
        args.length == 4
            ? ip(Json.createValue(args[0]), "arguments[0] predict_ip", allZero)
            : ip(http.get("predict_ip"), "http_config.predict_ip", allZero);
    int predictPort =
        args.length == 4
            ? port(Json.createValue(args[1]), "arguments[1] predict_port")
            : port(http.get("predict_port"), "http_config.predict_port");
    String manageIp =
        args.length == 4
            ? ip(Json.createValue(args[2]), "arguments[2] manage_ip", allZero)
            : ip(http.get("manage_ip"), "http_config.manage_ip", allZero);
    int managePort =
        args.length == 4
            ? port(Json.createValue(args[3]), "arguments[3] manage_port")
            : port(http.get("manage_port"), "http_config.manage_port");
    Optional<Integer> statusPort = optionalPort(http, "status_port");
    Optional<Integer> externalPort = optionalPort(http, "external_port");
    distinctPorts(predictPort, managePort, statusPort, externalPort);
    JsonObject otlpConfig = object(root, "otlp_config", false);

    JsonObject limits = object(root, "request_limit", false);
    long bodyLimitMb = integer(limits, "request_limit.body_limit", "body_limit", 10, 1, 1024);
    CoordinatorConfig.Limits listenerLimits =
        new CoordinatorConfig.Limits(
            (int)
                integer(
                    limits,
                    "request_limit.max_concurrent_requests",
                    "max_concurrent_requests",
                    1024,
                    1,
                    1_000_000),
            (int)
                integer(
                    limits, "request_limit.max_connections", "max_connections", 4096, 1, 1_000_000),
            (int)
                integer(limits, "request_limit.idle_timeout_s", "idle_timeout_s", 300, 1, 86_400));

    JsonObject scheduler = object(root, "digs_scheduler_config", false);
    String modeText =
        string(scheduler, "digs_scheduler_config.deploy_mode", "deploy_mode", "single_node");
    DeployMode mode = DeployMode.ofKey(modeText);
    if (mode == null) {
      throw new ConfigException(
          "digs_scheduler_config.deploy_mode",
          "one of single_node, pd_separate, pd_disaggregation,"
              + " pd_disaggregation_single_container",
          modeText);
    }

    JsonObject backup = object(root, "backup_config", false);
    boolean backupEnabled = bool(backup, "backup_config.function_enable", "function_enable", false);

    JsonObject tls = object(root, "tls_config", false);
    CoordinatorConfig.Listener manage =
        new CoordinatorConfig.Listener(
            manageIp, managePort, ListenerTls.server(tls, "controller_server", source));
    Optional<CoordinatorConfig.Listener> status =
        statusPort.map(
            p ->
                new CoordinatorConfig.Listener(
                    manageIp, p, ListenerTls.server(tls, "status_server", source)));
    Optional<CoordinatorConfig.Listener> external =
        externalPort.map(
            p ->
                new CoordinatorConfig.Listener(
                    manageIp, p, ListenerTls.server(tls, "external_server", source)));

    return new CoordinatorConfig(
        source,
        manage,
        status,
        external,
        predictIp,
        predictPort,
        bodyLimitMb * 1024 * 1024,
        listenerLimits,
        mode,
        backupEnabled,
        MetricsSettings.parse(object(root, "metrics_config", false), "metrics_config"),
        ListenerTls.client(tls, "mindie_client", source),
        ScrapeSettings.parse(
            object(root, "prometheus_metrics_config", false), "prometheus_metrics_config"),
        logSettings(object(root, "log_info", false)),
        root,
        otlpListener(
            otlpConfig, source, allZero, predictPort, managePort, statusPort, externalPort),
        otlpSettings(otlpConfig));
  }

  /** The {@code otlp_config} listener, or empty when {@code enable} is false. */
  private static Optional<CoordinatorConfig.Listener> otlpListener(
      JsonObject otlp,
      Path source,
      boolean allZero,
      int predictPort,
      int managePort,
      Optional<Integer> statusPort,
      Optional<Integer> externalPort) {
    if (!bool(otlp, "otlp_config.enable", "enable", true)) {
      return Optional.empty();
    }
    String ip =
        ip(otlp.getOrDefault("ip", Json.createValue("127.0.0.1")), "otlp_config.ip", allZero);
    int port = port(otlp.getOrDefault("port", Json.createValue("4318")), "otlp_config.port");
    Map<String, Integer> others = new java.util.LinkedHashMap<>();
    others.put("predict_port", predictPort);
    others.put("manage_port", managePort);
    statusPort.ifPresent(p -> others.put("status_port", p));
    externalPort.ifPresent(p -> others.put("external_port", p));
    others.forEach(
        (name, other) -> {
          if (other == port) {
            throw new ConfigException("otlp_config.port", "differs from http_config." + name, port);
          }
        });
    Optional<io.helidon.common.tls.Tls> tls = Optional.empty();
    if (bool(otlp, "otlp_config.tls_enable", "tls_enable", false)) {
      JsonValue items = otlp.get("tls_items");
      if (!(items instanceof JsonObject object)) {
        throw new ConfigException(
            "otlp_config.tls_items", "an object, required when tls_enable is true", items);
      }
      Path baseDir = source == null ? null : source.toAbsolutePath().getParent();
      tls = Optional.of(TlsSettings.parse(object, "otlp_config.tls_items", baseDir).serverTls());
    }
    return Optional.of(new CoordinatorConfig.Listener(ip, port, tls));
  }

  private static OtlpSettings otlpSettings(JsonObject otlp) {
    long limitMb =
        integer(
            otlp,
            "otlp_config.body_limit_mb",
            "body_limit_mb",
            OtlpSettings.DEFAULT_BODY_LIMIT_MB,
            1,
            1024);
    List<String> resource =
        strings(
            otlp,
            "otlp_config.resource_attributes",
            "resource_attributes",
            OtlpSettings.DEFAULT_RESOURCE_ATTRIBUTES);
    List<String> deny = strings(otlp, "otlp_config.attribute_deny", "attribute_deny", List.of());
    long maxAttributes =
        integer(
            otlp,
            "otlp_config.max_attributes_per_point",
            "max_attributes_per_point",
            OtlpSettings.DEFAULT_MAX_ATTRIBUTES_PER_POINT,
            0,
            256);
    return new OtlpSettings(
        limitMb * 1024 * 1024, resource, new java.util.HashSet<>(deny), (int) maxAttributes);
  }

  static List<String> strings(JsonObject parent, String path, String key, List<String> fallback) {
    JsonValue value = parent.get(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(path, "an array of non-empty strings", value);
    }
    List<String> out = new java.util.ArrayList<>();
    for (JsonValue element : array) {
      if (!(element instanceof JsonString text) || text.getString().isEmpty()) {
        throw new ConfigException(path, "an array of non-empty strings", value);
      }
      out.add(text.getString());
    }
    return out;
  }

  private static CoordinatorConfig.LogSettings logSettings(JsonObject log) {
    String level = string(log, "log_info.log_level", "log_level", "INFO");
    String julLevel = LOG_LEVELS.get(level.toUpperCase(Locale.ROOT));
    if (julLevel == null) {
      throw new ConfigException(
          "log_info.log_level", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL", level);
    }
    boolean toStdout = bool(log, "log_info.to_stdout", "to_stdout", true);
    boolean toFile = bool(log, "log_info.to_file", "to_file", false);
    String file =
        string(log, "log_info.run_log_path", "run_log_path", "logs/ms_coordinator_run.log");
    return new CoordinatorConfig.LogSettings(
        julLevel, toStdout, toFile ? Optional.of(Path.of(file)) : Optional.empty());
  }

  private static void distinctPorts(
      int predict, int manage, Optional<Integer> status, Optional<Integer> external) {
    Map<Integer, String> used = new HashMap<>();
    used.put(predict, "predict_port");
    String[] names = {"manage_port", "status_port", "external_port"};
    Integer[] ports = {manage, status.orElse(null), external.orElse(null)};
    for (int i = 0; i < names.length; i++) {
      if (ports[i] == null) {
        continue;
      }
      String clash = used.putIfAbsent(ports[i], names[i]);
      if (clash != null) {
        throw new ConfigException("http_config." + names[i], "differs from " + clash, ports[i]);
      }
    }
  }

  static JsonObject object(JsonObject parent, String key, boolean required) {
    JsonValue value = parent.get(key);
    if (value == null) {
      if (required) {
        throw new ConfigException(key, "required object", null);
      }
      return JsonValue.EMPTY_JSON_OBJECT;
    }
    if (!(value instanceof JsonObject object)) {
      throw new ConfigException(key, "an object", value);
    }
    return object;
  }

  static boolean bool(JsonObject parent, String path, String key, boolean fallback) {
    JsonValue value = parent.get(key);
    if (value == null) {
      return fallback;
    }
    if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
      return value == JsonValue.TRUE;
    }
    throw new ConfigException(path, "true or false", value);
  }

  static String string(JsonObject parent, String path, String key, String fallback) {
    JsonValue value = parent.get(key);
    if (value == null) {
      if (fallback == null) {
        throw new ConfigException(path, "required string", null);
      }
      return fallback;
    }
    if (!(value instanceof JsonString text)) {
      throw new ConfigException(path, "a string", value);
    }
    return text.getString();
  }

  static long integer(
      JsonObject parent, String path, String key, long fallback, long min, long max) {
    JsonValue value = parent.get(key);
    if (value == null) {
      return fallback;
    }
    String rule = "integer in [" + min + "," + max + "]";
    if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
      throw new ConfigException(path, rule, value);
    }
    long n;
    try {
      n = number.longValueExact();
    } catch (ArithmeticException e) {
      throw new ConfigException(path, rule, value);
    }
    if (n < min || n > max) {
      throw new ConfigException(path, rule, value);
    }
    return n;
  }

  private static String ip(JsonValue value, String path, boolean allZeroAllowed) {
    if (!(value instanceof JsonString text)) {
      throw new ConfigException(path, IP_RULE, value);
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(text.getString());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(path, IP_RULE, value);
    }
    if (address.isAnyLocalAddress() && !allZeroAllowed) {
      throw new ConfigException(
          path, "not a wildcard address unless http_config.allAllZeroIpListening is true", value);
    }
    return text.getString();
  }

  private static int port(JsonValue value, String path) {
    if (!(value instanceof JsonString text)) {
      throw new ConfigException(path, PORT_RULE, value);
    }
    String s = text.getString();
    if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new ConfigException(path, PORT_RULE, value);
    }
    int port = Integer.parseInt(s);
    if (port < 1024 || port > 65535) {
      throw new ConfigException(path, PORT_RULE, value);
    }
    return port;
  }

  private static Optional<Integer> optionalPort(JsonObject http, String key) {
    JsonValue value = http.get(key);
    if (value == null
        || value.getValueType() == JsonValue.ValueType.NULL
        || (value instanceof JsonString text && text.getString().isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(port(value, "http_config." + key));
  }
}
