package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.TestCoordinators;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Nodes that misbehave in ways a real fleet does, through the real coordinator's sockets: a body
 * that trickles in, a connection dropped mid-body, a body that never ends, and a controller whose
 * refreshes change the membership many times a second while scrapes run. Each test states what must
 * hold afterwards.
 */
class ScrapeFaultsTest {
  /** Refreshes in the storm: some 3 s of them at one every 10 ms. */
  private static final int STORM_REFRESHES = 250;

  private static final String MODEL = "llama3-8b";

  private static byte[] lines(int n) {
    StringBuilder out = new StringBuilder("# TYPE slow_requests_total counter\n");
    for (int i = 0; i < n; i++) {
      out.append("slow_requests_total{series=\"s").append(i).append("\"} ").append(i + 1);
      out.append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldTimeOutABodyThatTricklesPastTheTimeoutAndTakeOneThatTricklesWithinIt() {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(600, 400, false))) {
      c.refresh(
          List.of(
              c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL),
              // 40 lines at 50 ms: 2 s, five times the timeout
              c.node(
                  1,
                  FakeNode.serving(lines(40)).mode(FakeNode.Mode.SLOW).slowLineMillis(50),
                  Role.UNDEF,
                  1024,
                  MODEL),
              // 4 lines at 20 ms: 100 ms, well within it
              c.node(
                  2,
                  FakeNode.serving(lines(3)).mode(FakeNode.Mode.SLOW).slowLineMillis(20),
                  Role.UNDEF,
                  1024,
                  MODEL)));

      String body =
          c.await(
                  "/metrics",
                  r ->
                      r.body().contains("scrape timed out")
                          && ScrapedCoordinator.count(r.body(), "ms_coordinator_node_up{", " 1")
                              == 2,
                  10_000,
                  "two nodes up and the trickling one timed out")
              .body();

      assertTrue(
          body.contains("ms_coordinator_node_up{instance_id=\"1\"")
              && ScrapedCoordinator.count(body, "ms_coordinator_node_up{instance_id=\"1\"", " 0")
                  == 1,
          "the trickling node is the one down");
      assertEquals(3.0, ScrapedCoordinator.value(body, "slow_requests_total{series=\"s2\""));
      assertEquals(78800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));
      assertEquals(200, c.get("/v1/health").statusCode());
    }
  }

  @Test
  void shouldServeTheReasonWhenANodeDropsTheConnectionMidBodyAndKeepItsLastValues() {
    FakeNode flaky = FakeNode.serving(TestData.mindie("ms_metricsSingleNodeData_1.prom"));
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, false))) {
      c.refresh(
          List.of(
              c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL),
              c.node(1, flaky, Role.UNDEF, 1024, MODEL)));
      c.awaitNodes(2, 0, 5_000);

      flaky.mode(FakeNode.Mode.RESET);
      String body = c.awaitNodes(1, 1, 5_000).body();

      String reason =
          body.lines()
              .filter(l -> l.startsWith("ms_coordinator_node_last_error{instance_id=\"1\""))
              .findFirst()
              .orElse("");
      assertTrue(reason.contains("scrape failed"), "reason served: " + reason);
      // the dropped node's counters stay in the cluster sum (stale, never lower)
      assertEquals(78800.0 + 28800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));

      flaky.mode(FakeNode.Mode.BODY);
      c.awaitNodes(2, 0, 5_000);
    }
  }

  @Test
  void shouldDropAnEndlessBodyAtTheLimitAndKeepScrapingTheNode() {
    FakeNode endless = FakeNode.serving(new byte[0]).mode(FakeNode.Mode.HUGE);
    endless.hugeBytes(Long.MAX_VALUE);
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(300, 250, false))) {
      c.refresh(List.of(c.node(0, endless, Role.UNDEF, 1024, MODEL)));

      String body =
          c.await(
                  "/metrics",
                  r -> r.body().contains("body too large"),
                  10_000,
                  "the endless node's reason")
              .body();
      int first = endless.requests();
      c.await("/metrics", r -> endless.requests() >= first + 2, 10_000, "two more scrapes");

      assertEquals(1, ScrapedCoordinator.count(body, "ms_coordinator_node_up{", " 0"));
      assertEquals(200, c.get("/v1/health").statusCode());
    }
  }

  @Test
  void shouldCountANodeOnceWhenARefreshDropsItAndTheNextNamesItAgain() {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(100, 80, false))) {
      ScrapedCoordinator.Node a = c.mindieNode(0, "ms_metricsSingleNodeData_0.prom", MODEL);
      ScrapedCoordinator.Node b = c.mindieNode(1, "ms_metricsSingleNodeData_1.prom", MODEL);
      c.refresh(List.of(a, b));
      c.awaitNodes(2, 0, 5_000);

      c.refresh(List.of(a));
      c.awaitNodes(1, 0, 5_000);
      int served = b.fake().requests();
      c.refresh(List.of(a, b));
      c.await("/metrics", r -> b.fake().requests() >= served + 2, 5_000, "b scraped again");
      String body = c.awaitNodes(2, 0, 5_000).body();

      // 78800 + 28800 as before the flap; counted twice it would be 136400
      assertEquals(78800.0 + 28800.0, ScrapedCoordinator.value(body, "prompt_tokens_total{"));
    }
  }

  /**
   * A controller storm: 250 refreshes, one every 10 ms, names a random four of eight nodes (each a
   * generated counter that grows by one per scrape) while the coordinator scrapes every 100 ms and
   * two readers GET /metrics. Then four are kept: every read was a 200, the cluster counter never
   * went down between two reads, every read listed the four nodes of one refresh (a refresh half
   * applied would list more: the nodes it adds beside those it removes), and the counter equals the
   * sum of what the nodes served (a node that left and came back is one node, not two), and only
   * the registered nodes are scraped.
   */
  @Test
  void shouldKeepClusterCountersExactThroughARefreshStormWhileScraping() throws Exception {
    int n = 8;
    List<FakeNode.Generated> bodies = new ArrayList<>();
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(100, 80, false))) {
      List<ScrapedCoordinator.Node> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        FakeNode.Generated g = new FakeNode.Generated(1);
        bodies.add(g);
        all.add(c.node(i, FakeNode.serving(new byte[0]).body(g), Role.UNDEF, 1024, MODEL));
      }
      c.refresh(all);
      c.awaitNodes(n, 0, 5_000);
      SplittableRandom random = new SplittableRandom(11);
      Set<Set<Long>> refreshed = ConcurrentHashMap.newKeySet();
      List<ScrapedCoordinator.Node> first = fourOf(all, random);
      refreshed.add(ids(first));
      c.refresh(first);
      c.awaitNodes(n / 2, 0, 5_000);

      AtomicBoolean storming = new AtomicBoolean(true);
      AtomicInteger reads = new AtomicInteger();
      AtomicReference<String> broken = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      double last = 0;
                      while (storming.get()) {
                        var res = c.get("/metrics");
                        reads.incrementAndGet();
                        if (res.statusCode() != 200) {
                          broken.compareAndSet(null, "status " + res.statusCode());
                          return;
                        }
                        double now =
                            ScrapedCoordinator.value(
                                res.body(), "fake_requests_total{series=\"s0\"");
                        if (now < last) {
                          broken.compareAndSet(null, "counter went down: " + last + " -> " + now);
                          return;
                        }
                        last = now;
                        Set<Long> listed = listedIds(res.body());
                        if (!refreshed.contains(listed)) {
                          broken.compareAndSet(null, "listed no refresh's nodes: " + listed);
                          return;
                        }
                      }
                    }));
      }
      // a fixed number of refreshes, not a fixed time: a loaded machine makes the storm longer,
      // never smaller
      for (int refresh = 0; refresh < STORM_REFRESHES; refresh++) {
        List<ScrapedCoordinator.Node> some = fourOf(all, random);
        refreshed.add(ids(some)); // before the refresh, so that a reader never sees it first
        c.refresh(some);
        Thread.sleep(10); // the storm's pace: a refresh every 10 ms
      }
      storming.set(false);
      for (Thread t : readers) {
        t.join();
      }
      List<ScrapedCoordinator.Node> kept = all.subList(0, n / 2);
      c.refresh(kept);
      c.awaitNodes(n / 2, 0, 5_000);
      // each kept node scraped twice more first: a request sent before the refresh has landed
      awaitScrapes(kept, 2);
      int[] served = new int[n];
      for (int i = 0; i < n; i++) {
        served[i] = all.get(i).fake().requests();
      }
      awaitScrapes(kept, 3);
      String body = c.get("/metrics").body();
      long total = 0;
      for (FakeNode.Generated g : bodies) {
        total += g.calls();
      }
      double cluster = ScrapedCoordinator.value(body, "fake_requests_total{series=\"s0\"");

      assertEquals(null, broken.get(), "after " + reads.get() + " reads");
      assertTrue(reads.get() > 0, "the readers read during the storm");
      for (int i = n / 2; i < n; i++) {
        assertEquals(served[i], all.get(i).fake().requests(), "removed node " + i + " scraped");
      }
      // Each kept node served at most a scrape or two the merge has not folded in yet.
      assertTrue(
          cluster <= total && cluster >= total - 2L * n,
          "cluster " + cluster + " vs served " + total);
      assertEquals(200, TestCoordinators.manage(c.coordinator).get("/v1/health").statusCode());
    }
  }

  /** Waits until every node of {@code nodes} has been scraped {@code more} times from now. */
  private static void awaitScrapes(List<ScrapedCoordinator.Node> nodes, int more)
      throws InterruptedException {
    int[] from = new int[nodes.size()];
    for (int i = 0; i < from.length; i++) {
      from[i] = nodes.get(i).fake().requests();
    }
    for (int i = 0; i < from.length; i++) {
      nodes.get(i).fake().awaitRequests(from[i] + more, Duration.ofSeconds(5));
    }
  }

  private static List<ScrapedCoordinator.Node> fourOf(
      List<ScrapedCoordinator.Node> nodes, SplittableRandom random) {
    List<ScrapedCoordinator.Node> shuffled = new ArrayList<>(nodes);
    for (int i = shuffled.size() - 1; i > 0; i--) {
      Collections.swap(shuffled, i, random.nextInt(i + 1));
    }
    return List.copyOf(shuffled.subList(0, 4));
  }

  private static Set<Long> ids(List<ScrapedCoordinator.Node> nodes) {
    Set<Long> ids = new HashSet<>();
    for (ScrapedCoordinator.Node node : nodes) {
      ids.add(node.id());
    }
    return ids;
  }

  /** The instance ids of a /metrics body's {@code ms_coordinator_node_up} samples. */
  private static Set<Long> listedIds(String body) {
    Set<Long> ids = new HashSet<>();
    String prefix = "ms_coordinator_node_up{instance_id=\"";
    for (int i = body.indexOf(prefix); i >= 0; i = body.indexOf(prefix, i + 1)) {
      int from = i + prefix.length();
      ids.add(Long.parseLong(body.substring(from, body.indexOf('"', from))));
    }
    return ids;
  }
}
