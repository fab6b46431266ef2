package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.config.ConfigException;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.server.ConfigLoader;
import io.mscoordinator.testing.Golden;
import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.Samples;
import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The node scraper wired into a real coordinator: nodes registered by real refresh requests, the
 * merged families read from the coordinator's own {@code GET /metrics} over its socket.
 */
class CoordinatorScrapeTest {
  private static final String MODEL = "llama_65b";
  private static final String SINGLE_NODE = "ms_metricsAggregate4SingleNodeOutput.prom";
  private static final String PD_SEPARATE = "ms_metricsAggregate4PDSeparateOutput.prom";
  private static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0";

  /** Four MindIE nodes with total_block_num 1024 * (i + 1), merged by a real coordinator. */
  private static Map<String, Double> mindieMerge(String prefix, List<Role> roles) throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, true))) {
      List<ScrapedCoordinator.Node> nodes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        nodes.add(
            c.node(
                i,
                FakeNode.serving(TestData.mindie(prefix + i + ".prom")),
                roles.get(i),
                1024L * (i + 1),
                MODEL));
      }
      c.refresh(nodes);
      HttpResponse<String> metrics = c.awaitNodes(4, 0, 5000);
      return Samples.withoutSelf(Samples.of(metrics.body()));
    }
  }

  @Test
  void shouldServeMindiesSingleNodeAggregateInEverySampleFromMetrics() throws Exception {
    Map<String, Double> expected = Samples.of(TestData.mindie(SINGLE_NODE));

    Map<String, Double> served =
        mindieMerge(
            "ms_metricsSingleNodeData_", List.of(Role.UNDEF, Role.UNDEF, Role.UNDEF, Role.UNDEF));

    Golden.assertSamples(SINGLE_NODE, expected, served, 1e-12);
    assertEquals(87, expected.size(), "samples compared");
  }

  /**
   * Nodes 0 and 1 prefill, 2 and 3 decode. Every sample equals MindIE's expected merge except
   * {@code request_failed_total}: node 2 reports 50 failed requests and MindIE's expected output
   * says 0 (MindIE does not take that counter from decode bodies in this case). We sum a counter by
   * family and label set over every node, so the cluster reports 50; dropping a node's failures
   * would under-report them. {@code failed_request_perc} stays 0 as in MindIE (nothing received:
   * the recomputed ratio is 0 when its denominator is 0), and {@code npu_prefix_cache_hit_rate}
   * stays NaN (no node reports radix counters, so it is the mean of the nodes' NaN), as in MindIE.
   */
  @Test
  void shouldServeMindiesPrefillDecodeAggregateExceptSummedFailedRequests() throws Exception {
    Map<String, Double> expected = Samples.of(TestData.mindie(PD_SEPARATE));

    Map<String, Double> served =
        mindieMerge(
            "ms_metricsPDNodeData_", List.of(Role.PREFILL, Role.PREFILL, Role.DECODE, Role.DECODE));

    String failed = "request_failed_total{model_name=\"" + MODEL + "\"}";
    assertEquals(0.0, expected.get(failed));
    assertEquals(50.0, served.get(failed));
    Map<String, Double> adjusted = new TreeMap<>(expected);
    adjusted.put(failed, 50.0);
    Golden.assertSamples(PD_SEPARATE + " with " + failed + " 50", adjusted, served, 1e-12);
  }

  @Test
  void shouldServeAMixedFleetThatPromtoolAndBothPythonParsersRead() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(300, 250, false))) {
      List<ScrapedCoordinator.Node> nodes = new ArrayList<>();
      long id = 0;
      for (String body : List.of("vllm.prom", "tgi.prom", "triton.prom", "sglang.prom")) {
        nodes.add(c.node(id++, FakeNode.serving(TestData.node(body)), Role.UNDEF, 1024, "m"));
      }
      c.refresh(nodes);
      String text = c.awaitNodes(4, 0, 5000).body();
      HttpResponse<String> om = c.get("/metrics", OPENMETRICS);

      assertTrue(text.contains("\nvllm:prompt_tokens_total"), "vLLM counter merged");
      assertTrue(text.contains("\ntgi_request_count"), "TGI counter merged");
      assertTrue(text.contains("\nnv_inference_request_success"), "Triton counter merged");
      assertTrue(text.contains("\nsglang:"), "SGLang families merged");
      byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
      ReferenceTools.assertPromtoolParses(textBytes);
      assertEquals(
          Samples.of(text).size(),
          ReferenceTools.pythonSamples(textBytes, ExpositionFormat.PROMETHEUS_TEXT).size());

      assertEquals(200, om.statusCode());
      assertTrue(om.body().endsWith("# EOF\n"));
      ReferenceTools.pythonSamples(
          om.body().getBytes(StandardCharsets.UTF_8), ExpositionFormat.OPENMETRICS);
    }
  }

  @Test
  void shouldAnswer503InStrictModeWhileANodeFailsAnd200OnceItRecovers() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, true))) {
      FakeNode bad = FakeNode.serving(new byte[0]).mode(FakeNode.Mode.GARBAGE);
      c.refresh(
          List.of(
              c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL),
              c.node(1, bad, Role.UNDEF, 1024, MODEL)));

      HttpResponse<String> refused = c.await("/metrics", r -> r.statusCode() == 503, 5000, "503");
      assertTrue(refused.body().contains("failed_nodes=1"), refused.body());

      bad.body(TestData.mindie("ms_metricsSingleNodeData_1.prom"));
      c.awaitNodes(2, 0, 5000);
    }
  }

  @Test
  void shouldServePartialResultsWithEachNodesStatusByDefault() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, false))) {
      c.refresh(
          List.of(
              c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL),
              c.node(
                  1,
                  FakeNode.serving(new byte[0]).mode(FakeNode.Mode.GARBAGE),
                  Role.UNDEF,
                  1024,
                  MODEL)));

      c.awaitNodes(1, 1, 5000);
      // a node is listed down before its first scrape too: wait for node 1's failed scrape
      String body =
          c.await(
                  "/metrics",
                  r -> r.body().contains("ms_coordinator_node_last_error{instance_id=\"1\""),
                  5000,
                  "last error of node 1")
              .body();

      assertEquals(78800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));
      assertTrue(body.contains("parse error"), "the reason is served");
      assertTrue(
          ScrapedCoordinator.value(body, "ms_coordinator_node_scrape_samples{instance_id=\"0\"")
              > 50);
      assertTrue(
          ScrapedCoordinator.value(
                  body, "ms_coordinator_node_last_success_timestamp_seconds{instance_id=\"0\"")
              > 1.7e9);
      assertTrue(body.contains("ms_coordinator_node_scrape_duration_seconds{instance_id=\"1\""));
    }
  }

  @Test
  void shouldServeThePerInstanceViewApartSoThatNoBodyCountsANodeTwice() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, false))) {
      List<ScrapedCoordinator.Node> nodes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        nodes.add(
            c.node(
                i,
                FakeNode.serving(TestData.mindie("ms_metricsPDNodeData_" + i + ".prom")),
                i == 0 ? Role.PREFILL : Role.DECODE,
                1024,
                MODEL));
      }
      c.refresh(nodes);
      String merged = c.awaitNodes(2, 0, 5000).body();
      String instances = c.get("/metrics/instances").body();

      double cluster = ScrapedCoordinator.value(merged, "prompt_tokens_total{");
      double perInstance = 0;
      for (String line : instances.split("\n")) {
        if (line.startsWith("prompt_tokens_total{")) {
          assertTrue(line.contains("instance_id=\""), line);
          assertTrue(line.contains("role=\"prefill\"") || line.contains("role=\"decode\""), line);
          assertTrue(line.contains("group_id=\"0\""), line);
          perInstance += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      assertEquals(cluster, perInstance, "the instance view adds up to the cluster value");
      assertEquals(
          2, ScrapedCoordinator.count(instances, "prompt_tokens_total{", ""), "one line each");
      for (String line : merged.split("\n")) {
        if (!line.startsWith("#") && !line.startsWith("ms_coordinator_")) {
          assertFalse(line.contains("instance_id="), "no per-instance sample in /metrics: " + line);
        }
      }
      ReferenceTools.assertPromtoolParses(instances.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void shouldAnswerMetricsAtOnceWhileNodesHangAnswerGarbageOr50Megabytes() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(3000, 2500, false))) {
      c.refresh(
          List.of(
              c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL),
              c.node(
                  1,
                  FakeNode.serving(new byte[0]).mode(FakeNode.Mode.HANG),
                  Role.UNDEF,
                  1024,
                  MODEL),
              c.node(
                  2,
                  FakeNode.serving(new byte[0]).mode(FakeNode.Mode.GARBAGE),
                  Role.UNDEF,
                  1024,
                  MODEL),
              c.node(
                  3,
                  FakeNode.serving(new byte[0]).mode(FakeNode.Mode.HUGE).hugeBytes(50L << 20),
                  Role.UNDEF,
                  1024,
                  MODEL)));
      // a node not scraped yet is down too: wait for the three reasons
      String body =
          c.await(
                  "/metrics",
                  r ->
                      ScrapedCoordinator.count(r.body(), "ms_coordinator_node_last_error{", " 1")
                          == 3,
                  10_000,
                  "three failed nodes")
              .body();

      assertTrue(body.contains("timed out"), "hanging node's reason");
      assertTrue(body.contains("parse error"), "garbage node's reason");
      assertTrue(body.contains("body too large"), "50 MB node's reason");
      assertEquals(1, ScrapedCoordinator.count(body, "ms_coordinator_node_up{", " 1"));
      assertEquals(78800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));
      long worstMicros = 0;
      for (int i = 0; i < 50; i++) {
        long start = System.nanoTime();
        assertEquals(200, c.get("/metrics").statusCode());
        worstMicros = Math.max(worstMicros, (System.nanoTime() - start) / 1000);
      }
      // a render that waited on the hanging node would take the 2.5 s scrape timeout
      assertTrue(worstMicros < 1_000_000, "slowest /metrics us=" + worstMicros);
    }
  }

  @Test
  void shouldServeTheReasonWhenANodeRefusesTheConnection() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, false))) {
      FakeNode gone = FakeNode.serving(new byte[0]);
      ScrapedCoordinator.Node node = c.node(0, gone, Role.UNDEF, 1024, MODEL);
      gone.close(); // nothing listens on its port any more

      c.refresh(List.of(node));
      String body =
          c.await(
                  "/metrics",
                  r -> r.body().contains("ms_coordinator_node_last_error{"),
                  5000,
                  "the node's last error")
              .body();

      assertTrue(body.contains("reason=java.net.ConnectException"), body);
    }
  }

  @Test
  void shouldNeverLowerAClusterCounterInMetricsWhenANodeRestarts() throws Exception {
    FakeNode.Generated restarting = new FakeNode.Generated(3);
    FakeNode.Generated steady = new FakeNode.Generated(3);
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(100, 80, false))) {
      c.refresh(
          List.of(
              c.node(0, FakeNode.serving(new byte[0]).body(restarting), Role.UNDEF, 1024, "m"),
              c.node(1, FakeNode.serving(new byte[0]).body(steady), Role.UNDEF, 1024, "m")));
      String series = "fake_requests_total{series=\"s2\"}";
      c.await(
          "/metrics", r -> ScrapedCoordinator.value(r.body(), series) >= 30, 5000, "a few scrapes");
      double before = ScrapedCoordinator.value(c.get("/metrics").body(), series);

      restarting.restart();
      double last = before;
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        double now = ScrapedCoordinator.value(c.get("/metrics").body(), series);
        assertTrue(now >= last, "cluster counter went down: before=" + last + " now=" + now);
        last = now;
      }

      assertTrue(last > before, "kept growing after the restart: " + before + " -> " + last);
    }
  }

  @Test
  void shouldScrapeAddedNodesAndStopRemovedNodesAtOnceWhenARefreshChangesMembership()
      throws Exception {
    // a 10 s interval: whatever happens within 3 s happens because of the refresh
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(10_000, 1_000, false))) {
      ScrapedCoordinator.Node a = c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL);
      ScrapedCoordinator.Node b = c.mindieNode(1, "ms_metricsSingleNodeData_1.prom", MODEL);
      c.refresh(List.of(a));
      c.awaitNodes(1, 0, 2000);
      int aRequests = a.fake().requests();

      c.refresh(List.of(b));
      String body =
          c.await(
                  "/metrics",
                  r -> r.body().contains("ms_coordinator_node_up{instance_id=\"1\""),
                  3000,
                  "node b scraped at once, not after the 10 s interval")
              .body();

      assertFalse(
          body.contains("ms_coordinator_node_up{instance_id=\"0\""), "node a is no longer listed");
      Thread.sleep(300); // absence has no event: a scrape the refresh set off lands by then
      assertEquals(aRequests, a.fake().requests(), "node a is not scraped after its removal");
      // prompt_tokens_total: b's 28800 plus a's last 78800, which stays so the counter never drops
      assertEquals(
          78800.0 + 28800.0,
          ScrapedCoordinator.value(c.get("/metrics").body(), "prompt_tokens_total{"));
    }
  }

  @Test
  void shouldRefuseABadScrapeSettingAtStartUpNamingItsKey() {
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.parse(
                    TestCoordinators.shippedWith(
                        "/prometheus_metrics_config/scrape_timeout_ms", Json.createValue(9000)),
                    TestCoordinators.SHIPPED,
                    new String[0]));

    assertTrue(
        e.getMessage().contains("prometheus_metrics_config.scrape_timeout_ms"), e.getMessage());
  }
}
