package io.mscoordinator.dataplane;

import io.helidon.common.tls.Tls;
import io.mscoordinator.capability.ListenerLimits;
import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.cluster.DeployMode;
import io.mscoordinator.config.ConfigDocument;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The data plane's settings (data-plane.md sections 1 and 6): its listener and limits, the timeouts
 * of {@code exception_config}, and the scheduler of {@code digs_scheduler_config}.
 *
 * @param listener {@code http_config.predict_ip:predict_port}, TLS from {@code request_server_tls}
 * @param limits the data listener's own limits: connections at most 3 × {@code max_requests} (as
 *     MindIE refuses past it), idle keep-alive connections closed after {@code keep_alive_seconds}
 * @param maxRequests in-flight requests past it get 429
 * @param singleNodeMaxRequests the most requests in flight on one instance
 * @param httpTimeout connect and response-head bound towards an instance; zero for none
 * @param userAgent the {@code User-Agent} of every request the coordinator makes
 * @param maxRetry consecutive failed requests after which an instance leaves scheduling until it
 *     answers a probe again
 */
public record DataPlaneSettings(
    ListenerSettings listener,
    ListenerLimits limits,
    int maxRequests,
    int singleNodeMaxRequests,
    Duration httpTimeout,
    String userAgent,
    int maxRetry,
    Timeouts timeouts,
    SchedulerSettings scheduler) {

  /** MindIE's override of {@code request_limit.max_requests}. */
  public static final String ENV_MAX_REQ = "MINDIE_MS_COORDINATOR_CONFIG_MAX_REQ";

  /** MindIE's override of {@code request_limit.single_node_max_requests}. */
  public static final String ENV_SINGLE_NODE_MAX_REQ =
      "MINDIE_MS_COORDINATOR_CONFIG_SINGLE_NODE_MAX_REQ";

  /** The keys of {@code request_limit}: ours (listener limits) and MindIE's. */
  public static final List<String> REQUEST_LIMIT_KEYS =
      List.of(
          "body_limit",
          "max_concurrent_requests",
          "max_connections",
          "idle_timeout_s",
          "max_requests",
          "single_node_max_requests");

  private static final List<String> EXCEPTION_KEYS =
      List.of(
          "max_retry",
          "schedule_timeout",
          "first_token_timeout",
          "infer_timeout",
          "tokenizer_timeout");

  /**
   * The keys of {@code digs_scheduler_config}: MindIE's (those of prefill/decode accepted here and
   * honoured by its scheduler) and ours ({@code session_header}).
   */
  private static final List<String> SCHEDULER_KEYS =
      List.of(
          "deploy_mode",
          "scheduler_type",
          "algorithm_type",
          "cache_size",
          "slots_thresh",
          "block_thresh",
          "max_schedule_count",
          "reordering_type",
          "max_res_num",
          "res_limit_rate",
          "select_type",
          "load_cost_values",
          "load_cost_coefficient",
          "string_token_rate",
          "session_header");

  /** How long before the first-token or infer timeout a queued request must have been placed. */
  static final long SCHEDULE_MARGIN_S = 20;

  /**
   * The four timeouts of {@code exception_config}, each counted from the request's arrival; zero is
   * off.
   *
   * @param schedule arrival to dispatch; clamped so that it ends {@value #SCHEDULE_MARGIN_S} s
   *     before the shorter of the first-token and infer timeouts
   */
  public record Timeouts(
      Duration schedule, Duration firstToken, Duration infer, Duration tokenizer) {}

  /** The scheduling algorithms; MindIE's names, and ours ({@code least_loaded}). */
  public enum Algorithm {
    ROUND_ROBIN("round_robin"),
    CACHE_AFFINITY("cache_affinity"),
    LEAST_LOADED("least_loaded"),
    LOAD_BALANCE("load_balance");

    private final String key;

    Algorithm(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /**
   * @param algorithm how instances are chosen
   * @param cacheSize conversations {@code cache_affinity} remembers (an LRU)
   * @param slotsThresh a conversation stays on its instance while the instance's free fraction of
   *     slots is above it
   * @param blockThresh likewise for KV-cache blocks
   * @param sessionHeader a request header whose value keeps a session on one instance while that
   *     instance stays under its limits (ours; MindIE has none)
   */
  public record SchedulerSettings(
      Algorithm algorithm,
      int cacheSize,
      double slotsThresh,
      double blockThresh,
      Optional<String> sessionHeader) {}

  /**
   * Reads {@code request_limit}'s request counts (the environment wins), {@code http_config}'s
   * timeouts and user agent, {@code exception_config} and {@code digs_scheduler_config}.
   *
   * @param predictIp the data listener's address, from the file or the first start argument
   * @param predictPort its port, from the file or the second start argument
   * @param tls the data listener's TLS ({@code request_server_tls}), when on
   * @param bodyLimitBytes {@code request_limit.body_limit}
   */
  public static DataPlaneSettings parse(
      ConfigDocument config,
      DeployMode mode,
      String predictIp,
      int predictPort,
      Optional<Tls> tls,
      long bodyLimitBytes,
      Map<String, String> env) {
    Section limits = config.section("request_limit");
    int maxRequests = (int) withEnv(limits, "max_requests", 10_000, 1, 90_000, env, ENV_MAX_REQ);
    int singleNode =
        (int)
            withEnv(
                limits, "single_node_max_requests", 1_000, 1, 15_000, env, ENV_SINGLE_NODE_MAX_REQ);
    Section http = config.section("http_config");
    Duration httpTimeout = http.seconds("http_timeout_seconds", 600, 0, 3600);
    Duration keepAlive = http.seconds("keep_alive_seconds", 180, 0, 3600);
    String userAgent = http.string("user_agent", "Coordinator/1.0");
    if (userAgent.isBlank() || !userAgent.chars().allMatch(c -> c >= ' ' && c <= '~')) {
      throw http.fail("user_agent", "non-blank visible ASCII", userAgent);
    }
    Section exception = config.section("exception_config").keys(EXCEPTION_KEYS);
    int maxRetry = (int) exception.integer("max_retry", 5, 0, 10);
    Timeouts timeouts = timeouts(exception);
    SchedulerSettings scheduler = scheduler(config.section("digs_scheduler_config"), mode);
    ListenerLimits listenerLimits =
        new ListenerLimits(
            3 * maxRequests,
            3 * maxRequests,
            // 0 is MindIE's "never"; Helidon wants a duration
            keepAlive.isZero() ? Duration.ofDays(365) : keepAlive,
            bodyLimitBytes);
    return new DataPlaneSettings(
        new ListenerSettings("predict", predictIp, predictPort, tls),
        listenerLimits,
        maxRequests,
        singleNode,
        httpTimeout,
        userAgent,
        maxRetry,
        timeouts,
        scheduler);
  }

  private static long withEnv(
      Section section,
      String name,
      long fallback,
      long min,
      long max,
      Map<String, String> env,
      String variable) {
    long configured = section.integer(name, fallback, min, max);
    String value = env.get(variable);
    if (value == null || value.isBlank()) {
      return configured;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(variable, "integer in [" + min + ", " + max + "]", value);
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(variable, "integer in [" + min + ", " + max + "]", value);
    }
    return parsed;
  }

  private static Timeouts timeouts(Section exception) {
    long schedule = seconds(exception, "schedule_timeout", 600, 3600);
    long firstToken = seconds(exception, "first_token_timeout", 600, 3600);
    long infer = seconds(exception, "infer_timeout", 600, 65_535);
    long tokenizer = seconds(exception, "tokenizer_timeout", 300, 3600);
    long shorter = Long.MAX_VALUE;
    if (firstToken > 0) {
      shorter = firstToken;
    }
    if (infer > 0) {
      shorter = Math.min(shorter, infer);
    }
    if (schedule > 0 && shorter != Long.MAX_VALUE && schedule + SCHEDULE_MARGIN_S > shorter) {
      // MindIE's rule: a request must be placed early enough to still produce its first token;
      // at least 1 s, so that a short first-token timeout does not switch scheduling's off
      long clamped = Math.max(1, shorter - SCHEDULE_MARGIN_S);
      if (exception.has("schedule_timeout")) {
        // MindIE's own defaults (600, 600, 600) clamp too: say so only for a value someone chose
        exception.warn(
            "config warning: key="
                + exception.key("schedule_timeout")
                + " rule=at most min(first_token_timeout, infer_timeout) - "
                + SCHEDULE_MARGIN_S
                + " (clamped from "
                + schedule
                + " to "
                + clamped
                + ")");
      }
      schedule = clamped;
    }
    return new Timeouts(
        Duration.ofSeconds(schedule),
        Duration.ofSeconds(firstToken),
        Duration.ofSeconds(infer),
        Duration.ofSeconds(tokenizer));
  }

  /** A number of seconds in [0, max]; MindIE writes some numbers as strings, taken as well. */
  private static long seconds(Section section, String name, long fallback, long max) {
    return (long) number(section, name, fallback, 0, max, true);
  }

  private static SchedulerSettings scheduler(Section section, DeployMode mode) {
    section.keys(SCHEDULER_KEYS);
    String defaultType = mode.prefillDecode() ? "digs_scheduler" : "default_scheduler";
    String type =
        section.oneOf(
            "scheduler_type", defaultType, List.of("default_scheduler", "digs_scheduler"));
    if (!type.equals(defaultType)) {
      throw section.fail(
          "scheduler_type",
          defaultType + " with deploy_mode " + mode.key() + " (as MindIE pairs them)",
          type);
    }
    List<String> allowed =
        mode.prefillDecode()
            ? List.of("load_balance", "least_loaded")
            : List.of("round_robin", "cache_affinity", "least_loaded");
    String algorithmKey =
        section.oneOf(
            "algorithm_type", mode.prefillDecode() ? "load_balance" : "least_loaded", allowed);
    Algorithm algorithm = Algorithm.LEAST_LOADED;
    for (Algorithm a : Algorithm.values()) {
      if (a.key().equals(algorithmKey)) {
        algorithm = a;
      }
    }
    int cacheSize = (int) number(section, "cache_size", 1000, 1, 10_000, true);
    double slots = number(section, "slots_thresh", 0.05, 0, 1, false);
    double blocks = number(section, "block_thresh", 0.05, 0, 1, false);
    // accepted and range-checked here; the prefill/decode scheduler honours them
    number(section, "max_schedule_count", 1000, 1, 90_000, true);
    number(section, "max_res_num", 5000, 1, 10_000, true);
    number(section, "res_limit_rate", 1.1, 0, 2000, false);
    number(section, "string_token_rate", 4.02, 1, 100, false);
    textOneOf(section, "reordering_type", List.of("1", "2", "3"));
    textOneOf(section, "select_type", List.of("1", "2"));
    Optional<String> session = section.text("session_header");
    if (session.isPresent() && !session.get().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
      throw section.fail("session_header", "an HTTP header name", session.get());
    }
    return new SchedulerSettings(algorithm, cacheSize, slots, blocks, session);
  }

  /**
   * A number in [min, max], as a JSON number or a string holding one (MindIE writes {@code
   * "cache_size": "1000"}); exact for integers.
   */
  private static double number(
      Section section, String name, double fallback, double min, double max, boolean integer) {
    JsonValue value = section.value(name);
    if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
      return fallback;
    }
    String rule = (integer ? "integer" : "number") + " in [" + plain(min) + ", " + plain(max) + "]";
    BigDecimal parsed;
    try {
      if (value instanceof JsonNumber n) {
        parsed = n.bigDecimalValue();
      } else if (value instanceof JsonString s) {
        parsed = new BigDecimal(s.getString().trim());
      } else {
        throw section.fail(name, rule, value);
      }
    } catch (NumberFormatException e) {
      throw section.fail(name, rule, value);
    }
    if (integer && parsed.stripTrailingZeros().scale() > 0
        || parsed.compareTo(BigDecimal.valueOf(min)) < 0
        || parsed.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw section.fail(name, rule, value);
    }
    return parsed.doubleValue();
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static void textOneOf(Section section, String name, List<String> allowed) {
    JsonValue value = section.value(name);
    if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
      return;
    }
    String text =
        value instanceof JsonString s
            ? s.getString()
            : value instanceof JsonNumber n ? n.toString() : null;
    if (text == null || !allowed.contains(text)) {
      throw section.fail(name, "one of " + String.join(", ", allowed), value);
    }
  }
}
