package io.mscoordinator.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.testing.engine.FakeEngine;
import io.mscoordinator.testing.engine.Fault;
import io.mscoordinator.testing.engine.FaultRule;
import io.mscoordinator.testing.engine.RawHttp;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus side of the shipped ecosystem files ({@code config/prometheus}, {@code
 * config/grafana}): promtool accepts them and passes the alerts' unit tests, and a real Prometheus
 * server (Debian's) scrapes a running coordinator on loopback, with inference requests through it
 * to a fake engine, evaluates the shipped rules without error and has a number for every query of
 * the dashboard's data plane row.
 */
// a real Prometheus: up to 60 s for each query and for the rules, 20 s to stop
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PrometheusScrapeIT {
  private static final Path PROMETHEUS_DIR = Path.of("config", "prometheus");
  private static final Path DASHBOARD =
      Path.of("config", "grafana", "ms-coordinator-dashboard.json");
  private static final String DATA_PLANE_ROW = "Data plane";
  private static final int DATA_PLANE_TARGETS = 18;
  private static final String MODEL = "llama";

  /**
   * A data plane family with no series in this run: retries are counted when a connect to an
   * instance is tried again, and this run's engine always accepts, so its panel query has nothing
   * to show.
   */
  private static final String NEVER_RECORDED = "ms_coordinator_request_retries_total";

  private static final int REQUESTS_PER_ROUND = 3;

  @TempDir Path dir;

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Process run(Path log, String... command) throws IOException {
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
  }

  private String promtool(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "promtool", ".log");
    Process process = run(log, command.toArray(new String[0]));
    assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
    String output = Files.readString(log);
    assertThat(output, process.exitValue(), is(0));
    return output;
  }

  @Test
  void shouldPassPromtoolCheckOfShippedConfigAndRules() throws Exception {
    assertThat(
        promtool("check", "config", PROMETHEUS_DIR.resolve("prometheus.yml").toString()),
        containsString("SUCCESS: 22 rules found"));
  }

  @Test
  void shouldFireAndNotFireEachDataPlaneAlertInPromtoolUnitTests() throws Exception {
    assertThat(
        promtool("test", "rules", PROMETHEUS_DIR.resolve("rules_test.yml").toString()),
        containsString("SUCCESS"));
  }

  @Test
  void shouldHaveValidPromqlInEveryDashboardPanel() throws Exception {
    JsonObject dashboard;
    try (InputStream in = Files.newInputStream(DASHBOARD)) {
      dashboard = Json.createReader(in).readObject();
    }
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int n = 0;
    for (String expr : targets(dashboard.getJsonArray("panels"), null)) {
      rules.append("      - record: dashboard:expr_").append(n++).append('\n');
      rules.append("        expr: '").append(expr.replace("'", "''")).append("'\n");
    }
    Path file = dir.resolve("dashboard-rules.yml");
    Files.writeString(file, rules);

    assertThat(promtool("check", "rules", file.toString()), containsString("SUCCESS: " + n));
  }

  @Test
  void shouldBeScrapedByARealPrometheusThatEvaluatesTheShippedRulesAndDashboard() throws Exception {
    JsonObject root =
        Json.createPointer("/digs_scheduler_config")
            .replace(
                TestCoordinators.shipped(),
                Json.createObjectBuilder().add("deploy_mode", "single_node").build());
    try (FakeEngine engine =
            FakeEngine.start(
                FakeEngine.Options.defaults()
                    .withModel(MODEL)
                    .withTiming(Duration.ofMillis(5), Duration.ZERO, Duration.ofMillis(1)));
        Coordinator coordinator = TestCoordinators.start(root)) {
      coordinator.registry().refresh(List.of(instance(engine.port())));
      Files.copy(PROMETHEUS_DIR.resolve("rules.yml"), dir.resolve("rules.yml"));
      String config =
          Files.readString(PROMETHEUS_DIR.resolve("prometheus.yml"))
              .replace("scrape_interval: 5s", "scrape_interval: 1s")
              .replace("evaluation_interval: 5s", "evaluation_interval: 1s")
              .replace("127.0.0.1:1026", "127.0.0.1:" + coordinator.port(Coordinator.MANAGE));
      Files.writeString(dir.resolve("prometheus.yml"), config);
      int webPort = freePort();
      Process prometheus =
          run(
              dir.resolve("prometheus.log"),
              "prometheus",
              "--config.file=" + dir.resolve("prometheus.yml"),
              "--storage.tsdb.path=" + dir.resolve("data"),
              "--web.listen-address=127.0.0.1:" + webPort);
      try {
        TestHttp api = new TestHttp(URI.create("http://127.0.0.1:" + webPort));
        String up = awaitValue(api, "up{job=\"ms-coordinator\"}", prometheus);
        assertThat(Files.readString(dir.resolve("prometheus.log")), up, is("1"));
        assertThat(awaitValue(api, "ms_coordinator_series_limit", prometheus), is("10000"));
        assertThat(awaitValue(api, "ms_coordinator_requests_in_flight", prometheus), is("0"));

        // Two rounds of requests, each scraped: the first makes the data plane's series, the
        // second moves them, so that rates and bucket quantiles have a value. One request of the
        // first round breaks mid-answer: a failure (read).
        engine.fault(FaultRule.of(Fault.DROP_MID_STREAM).withTimes(1));
        int predict = coordinator.port(Coordinator.PREDICT);
        stream(predict, REQUESTS_PER_ROUND);
        assertThat(
            awaitValue(api, answeredAtLeast(REQUESTS_PER_ROUND), prometheus),
            not(startsWith("no value")));
        stream(predict, REQUESTS_PER_ROUND);
        assertThat(
            awaitValue(api, answeredAtLeast(2 * REQUESTS_PER_ROUND), prometheus),
            not(startsWith("no value")));
        Instant scraped = Instant.now();

        JsonArray groups = awaitRulesEvaluatedSince(api, scraped, prometheus);
        int rules = 0;
        for (JsonValue group : groups) {
          for (JsonValue rule : group.asJsonObject().getJsonArray("rules")) {
            JsonObject r = rule.asJsonObject();
            assertThat(r.getString("name") + " " + r, r.getString("health"), is("ok"));
            rules++;
          }
        }
        assertThat(rules, is(22));

        // every query of the dashboard's data plane row, for every model, has a number
        JsonObject dashboard;
        try (InputStream in = Files.newInputStream(DASHBOARD)) {
          dashboard = Json.createReader(in).readObject();
        }
        List<String> dataPlane = targets(dashboard.getJsonArray("panels"), DATA_PLANE_ROW);
        assertThat(dataPlane.size(), is(DATA_PLANE_TARGETS));
        for (String expr : dataPlane) {
          if (expr.contains(NEVER_RECORDED)) {
            continue;
          }
          String query = expr.replace("$model_name", ".*");
          assertThat(query, awaitNumber(api, query, prometheus), is(true));
        }
      } finally {
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
    }
  }

  private static Instance instance(int port) {
    return new Instance(
        1,
        "127.0.0.1",
        port,
        port,
        MODEL,
        0,
        4096,
        1024,
        200,
        1024,
        128,
        2,
        Role.PREFILL,
        200,
        1024,
        List.of());
  }

  /** Streams {@code n} chat completions through the predict listener, one after the other. */
  private static void stream(int predict, int n) throws IOException {
    String body =
        "{\"model\":\""
            + MODEL
            + "\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int i = 0; i < n; i++) {
      try (RawHttp http = new RawHttp(predict)) {
        http.send("POST", "/v1/chat/completions", body);
        assertThat(http.read().status(), is(200));
      }
    }
  }

  /** A query with a value once Prometheus has scraped at least {@code n} answers. */
  private static String answeredAtLeast(int n) {
    return "sum(ms_coordinator_requests_total{model_name=\"" + MODEL + "\"}) >= " + n;
  }

  /**
   * The expressions of the dashboard's panels in document order, rows' nested panels included; only
   * those under the row titled {@code row} when it is not null (a row holds the panels after it up
   * to the next row).
   */
  private static List<String> targets(JsonArray panels, String row) {
    List<String> exprs = new ArrayList<>();
    boolean in = row == null;
    for (JsonValue value : panels) {
      JsonObject panel = value.asJsonObject();
      if ("row".equals(panel.getString("type"))) {
        in = row == null || row.equals(panel.getString("title"));
        if (in) {
          exprs.addAll(targets(panel.getJsonArray("panels"), null));
        }
        continue;
      }
      if (in) {
        for (JsonValue target : panel.getJsonArray("targets")) {
          exprs.add(target.asJsonObject().getString("expr"));
        }
      }
    }
    return exprs;
  }

  /**
   * Whether an instant query's result has a sample whose value is a number (not NaN) within 60 s.
   */
  private static boolean awaitNumber(TestHttp api, String query, Process prometheus)
      throws InterruptedException {
    String path = "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
    Boolean number =
        Eventually.poll(
            () -> {
              JsonObject data = data(api, path);
              JsonArray result = data == null ? null : data.getJsonArray("result");
              if (result == null) {
                return false;
              }
              for (JsonValue sample : result) {
                String v = sample.asJsonObject().getJsonArray("value").getString(1);
                if (!v.equals("NaN")) {
                  return true;
                }
              }
              return false;
            },
            n -> n || !prometheus.isAlive(),
            Duration.ofSeconds(60),
            Duration.ofMillis(200));
    return number;
  }

  /** The value of an instant query once it has one. */
  private static String awaitValue(TestHttp api, String query, Process prometheus)
      throws InterruptedException {
    String path = "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
    String value =
        Eventually.poll(
            () -> {
              JsonObject data = data(api, path);
              JsonArray result = data == null ? null : data.getJsonArray("result");
              return result == null || result.isEmpty()
                  ? null
                  : result.getJsonObject(0).getJsonArray("value").getString(1);
            },
            v -> v != null || !prometheus.isAlive(),
            Duration.ofSeconds(60),
            Duration.ofMillis(100));
    return value != null ? value : "no value: query=" + query + " alive=" + prometheus.isAlive();
  }

  /**
   * The rule groups once every rule has been evaluated since {@code since} (when the coordinator's
   * samples were in): each rule's {@code lastEvaluation} is later. Fails after 60 s.
   */
  private static JsonArray awaitRulesEvaluatedSince(TestHttp api, Instant since, Process prometheus)
      throws InterruptedException {
    JsonArray groups =
        Eventually.poll(
            () -> {
              JsonObject data = data(api, "/api/v1/rules");
              return data == null ? null : data.getJsonArray("groups");
            },
            g -> (g != null && evaluatedSince(g, since)) || !prometheus.isAlive(),
            Duration.ofSeconds(60),
            Duration.ofMillis(100));
    assertThat(
        "rules evaluated since " + since + ": " + groups, evaluatedSince(groups, since), is(true));
    return groups;
  }

  private static boolean evaluatedSince(JsonArray groups, Instant since) {
    if (groups == null || groups.isEmpty()) {
      return false;
    }
    for (JsonValue group : groups) {
      for (JsonValue rule : group.asJsonObject().getJsonArray("rules")) {
        String last = rule.asJsonObject().getString("lastEvaluation", "");
        if (last.isEmpty() || OffsetDateTime.parse(last).toInstant().isBefore(since)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The {@code data} object of a Prometheus API answer, or null while it has none. */
  private static JsonObject data(TestHttp api, String path) {
    try {
      return Json.createReader(new StringReader(api.get(path).body()))
          .readObject()
          .getJsonObject("data");
    } catch (UncheckedIOException | JsonException | ClassCastException e) {
      return null; // not listening yet, or no answer to read yet
    }
  }
}
