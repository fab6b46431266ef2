package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.mscoordinator.Eventually;
import io.mscoordinator.TestCoordinators;
import io.mscoordinator.TestHttp;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.server.Coordinator;
import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real coordinator (shipped config, free ports, no ring file) whose registry is filled by real
 * {@code POST /v1/instances/refresh} requests naming fake nodes, and whose {@code /metrics} is read
 * over its socket.
 */
final class ScrapedCoordinator implements AutoCloseable {
  /** One fake node as the controller registers it. */
  record Node(long id, FakeNode fake, Role role, long totalBlockNum, String model) {}

  final Coordinator coordinator;
  final TestHttp http;
  final List<FakeNode> owned = new ArrayList<>();

  ScrapedCoordinator(JsonObject scrapeSection) {
    this(TestCoordinators.shipped(), scrapeSection);
  }

  /** A coordinator from {@code root} with {@code scrapeSection} as its scrape settings. */
  ScrapedCoordinator(JsonObject root, JsonObject scrapeSection) {
    this.coordinator =
        Coordinator.start(
            TestCoordinators.config(
                TestCoordinators.withSection(root, "prometheus_metrics_config", scrapeSection)));
    this.http = TestCoordinators.manage(coordinator);
  }

  static JsonObject settings(int intervalMs, int timeoutMs, boolean strict) {
    return Json.createObjectBuilder()
        .add("scrape_interval_ms", intervalMs)
        .add("scrape_timeout_ms", timeoutMs)
        .add("strict", strict)
        .add("body_limit", 4)
        .build();
  }

  /** A node serving the corpus's MindIE body {@code file}: role undef, 1024 blocks. */
  Node mindieNode(long id, String file, String model) {
    return node(id, FakeNode.serving(TestData.mindie(file)), Role.UNDEF, 1024, model);
  }

  /** Registers {@code node}'s fake server to be closed with this coordinator. */
  Node node(long id, FakeNode fake, Role role, long totalBlockNum, String model) {
    owned.add(fake);
    return new Node(id, fake, role, totalBlockNum, model);
  }

  /** POSTs the full membership {@code nodes}; asserts 200. */
  void refresh(List<Node> nodes) {
    JsonArrayBuilder ids = Json.createArrayBuilder();
    JsonArrayBuilder instances = Json.createArrayBuilder();
    List<Long> prefills = new ArrayList<>();
    for (Node n : nodes) {
      if (n.role == Role.PREFILL) {
        prefills.add(n.id);
      }
    }
    for (Node n : nodes) {
      ids.add(n.id);
      JsonObjectBuilder dynamic =
          Json.createObjectBuilder()
              .add("avail_slots_num", 200)
              .add("avail_block_num", n.totalBlockNum);
      if (n.role == Role.DECODE) {
        JsonArrayBuilder peers = Json.createArrayBuilder();
        prefills.forEach(peers::add);
        dynamic.add("peers", peers);
      }
      instances.add(
          Json.createObjectBuilder()
              .add("id", n.id)
              .add("ip", "127.0.0.1")
              .add("port", "2025")
              .add("metric_port", Integer.toString(n.fake.port()))
              .add("model_name", n.model)
              .add(
                  "static_info",
                  Json.createObjectBuilder()
                      .add("group_id", 0)
                      .add("max_seq_len", 4096)
                      .add("max_output_len", 1024)
                      .add("total_slots_num", 200)
                      .add("total_block_num", n.totalBlockNum)
                      .add("block_size", 128)
                      .add("label", n.role == Role.DECODE ? 3 : 2)
                      .add("role", n.role.code()))
              .add("dynamic_info", dynamic));
    }
    String body =
        Json.createObjectBuilder().add("ids", ids).add("instances", instances).build().toString();
    HttpResponse<String> response = http.post("/v1/instances/refresh", body);
    assertEquals(200, response.statusCode(), response.body());
  }

  HttpResponse<String> get(String path) {
    return http.get(path);
  }

  HttpResponse<String> get(String path, String accept) {
    return http.send(
        HttpRequest.newBuilder(coordinator.uri(Coordinator.MANAGE).resolve(path))
            .header("Accept", accept)
            .GET());
  }

  /**
   * Polls GET /metrics until its answer satisfies {@code condition}; fails after {@code millis}.
   */
  HttpResponse<String> await(
      String path, Predicate<HttpResponse<String>> condition, long millis, String what) {
    HttpResponse<String> last = null;
    try {
      last =
          Eventually.poll(
              () -> get(path), condition, Duration.ofMillis(millis), Duration.ofMillis(20));
      if (condition.test(last)) {
        return last;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    fail(
        "timed out waiting for "
            + what
            + "; last answer: "
            + (last == null ? "none" : last.statusCode() + "\n" + last.body()));
    return null;
  }

  /** Waits until /metrics reports exactly {@code up} nodes up and {@code down} down. */
  HttpResponse<String> awaitNodes(int up, int down, long millis) {
    return await(
        "/metrics",
        r ->
            r.statusCode() == 200
                && count(r.body(), "ms_coordinator_node_up{", " 1") == up
                && count(r.body(), "ms_coordinator_node_up{", " 0") == down,
        millis,
        up + " nodes up and " + down + " down");
  }

  static int count(String body, String prefix, String suffix) {
    int n = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(prefix) && line.endsWith(suffix)) {
        n++;
      }
    }
    return n;
  }

  /** The value of the first sample line starting with {@code prefix}, or NaN. */
  static double value(String body, String prefix) {
    for (String line : body.split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    coordinator.close();
    for (FakeNode fake : owned) {
      fake.close();
    }
  }
}
