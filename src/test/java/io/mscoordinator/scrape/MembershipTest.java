package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.series.MetricType;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Nodes added and removed by refresh while scraping. The interval is 10 s, so anything that happens
 * within a second happened because of the refresh, not the timer.
 */
class MembershipTest {
  private static final ScrapeSettings SLOW = Fleet.fast(10_000, 1_000, false);

  private static double tokens(MergedSnapshot s) {
    MergedSnapshot.Family f = s.family("prompt_tokens_total");
    return f == null ? Double.NaN : f.samples().get(0).value();
  }

  @Test
  void shouldScrapeANodeAtOnceWhenARefreshAddsIt() {
    try (Fleet fleet = new Fleet()) {
      Instance a = fleet.addMindie("ms_metricsSingleNodeData_0.prom");
      fleet.start(SLOW);
      fleet.await(s -> tokens(s) == 78800, 2000, "node a merged");
      Instance b = fleet.addMindie("ms_metricsSingleNodeData_1.prom");

      fleet.registry.refresh(List.of(a, b));

      // within 3 s of the refresh, not the 10 s interval: leeway for a loaded CI machine
      fleet.await(s -> tokens(s) == 78800 + 28800, 3000, "node b merged at once");
    }
  }

  @Test
  void shouldStopScrapingANodeAtOnceWhenARefreshRemovesIt() throws Exception {
    try (Fleet fleet = new Fleet()) {
      Instance a = fleet.addMindie("ms_metricsSingleNodeData_0.prom");
      Instance b = fleet.addMindie("ms_metricsSingleNodeData_1.prom");
      fleet.start(Fleet.fast(100, 80, false));
      fleet.awaitAllUp(2000);

      fleet.registry.refresh(List.of(a));

      assertEquals(Set.of(a.id()), fleet.scraper.scrapedIds());
      FakeNode kept = fleet.nodes.get((int) a.id());
      FakeNode removed = fleet.nodes.get((int) b.id());
      // one more scrape of a first: a request to b sent before the refresh has landed by then
      kept.awaitRequests(kept.requests() + 1, Duration.ofSeconds(5));
      int served = removed.requests();
      kept.awaitRequests(kept.requests() + 4, Duration.ofSeconds(5));
      assertEquals(served, removed.requests(), "b asked while a was scraped four times");
    }
  }

  @Test
  void shouldKeepARemovedNodesCountersInTheClusterSum() {
    try (Fleet fleet = new Fleet()) {
      Instance a = fleet.addMindie("ms_metricsSingleNodeData_0.prom");
      Instance b = fleet.addMindie("ms_metricsSingleNodeData_1.prom");
      fleet.start(Fleet.fast(100, 80, false));
      fleet.await(s -> tokens(s) == 78800 + 28800, 2000, "both merged");

      fleet.registry.refresh(List.of(a));
      MergedSnapshot after =
          fleet.await(
              s -> Fleet.status(s, "ms_coordinator_node_up", b.id()) == null, 2000, "b gone");

      assertEquals(78800 + 28800, tokens(after));
    }
  }

  @Test
  void shouldDropARemovedNodesGaugesFromTheClusterSum() {
    try (Fleet fleet = new Fleet()) {
      Instance a = fleet.addMindie("ms_metricsSingleNodeData_0.prom");
      fleet.addMindie("ms_metricsSingleNodeData_1.prom");
      fleet.start(Fleet.fast(100, 80, false));
      fleet.awaitAllUp(2000);

      fleet.registry.refresh(List.of(a));
      MergedSnapshot after =
          fleet.await(
              s -> Fleet.upCount(s) == 1 && s.statusFamilies().get(0).samples().size() == 1,
              2000,
              "b gone");

      // node 0 alone: its own cache usage, not a mean with the departed node
      assertEquals(0.1, after.family("npu_cache_usage_perc").samples().get(0).value(), 1e-12);
      assertTrue(
          after.instanceFamilies().stream()
              .allMatch(
                  f -> f.samples().stream().allMatch(x -> "0".equals(x.label("instance_id")))));
    }
  }

  @Test
  void shouldStopScrapingAnOfflineNodeButKeepItsCounters() throws Exception {
    try (Fleet fleet = new Fleet()) {
      Instance a = fleet.addMindie("ms_metricsSingleNodeData_0.prom");
      Instance b = fleet.addMindie("ms_metricsSingleNodeData_1.prom");
      fleet.start(Fleet.fast(100, 80, false));
      fleet.await(s -> tokens(s) == 78800 + 28800, 2000, "both merged");

      fleet.registry.setOffline(List.of(b.id()), true);

      assertEquals(Set.of(a.id()), fleet.scraper.scrapedIds());
      MergedSnapshot after = fleet.await(s -> Fleet.upCount(s) == 1, 2000, "b offline");
      assertEquals(78800 + 28800, tokens(after));
    }
  }

  @Test
  void shouldParseOpenMetricsWhenANodeAnswersInIt() {
    byte[] body =
        // read as text 0.0.4 this body is rejected: the TYPE of c would get no samples
        "# TYPE c counter\nc_total 5\n# EOF\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (Fleet fleet = new Fleet()) {
      fleet.add(
          FakeNode.serving(body)
              .contentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
          Role.UNDEF,
          1024,
          "m");
      fleet.start(Fleet.fast(100, 80, false));

      MergedSnapshot s = fleet.awaitAllUp(2000);

      assertEquals(MetricType.COUNTER, s.family("c").type());
      assertEquals(5.0, s.family("c").samples().get(0).value());
    }
  }
}
