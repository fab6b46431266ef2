package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.Eventually;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.testing.TestData;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The signals a real {@link ScrapeCapability} serves while it scrapes fake nodes on loopback
 * sockets: they follow each node's body, and an instance that fails, goes offline or leaves the
 * registry reads as unknown.
 */
class ScrapedSignalsTest {
  private static final ScrapeSettings FAST = Fleet.fast(100, 80, false);

  /** MindIE node 1: num_requests_waiting 0 (line 26), npu_cache_usage_perc 0.2 (line 41). */
  private static final byte[] MINDIE = TestData.mindie("ms_metricsSingleNodeData_1.prom");

  /** MindIE node 1 with 9 requests waiting and 80 % of its cache used. */
  private static final byte[] MINDIE_BUSY =
      NodeLoadTest.replaced(
          NodeLoadTest.replaced(
              MINDIE,
              "num_requests_waiting{model_name=\"llama_65b\"} 0",
              "num_requests_waiting{model_name=\"llama_65b\"} 9"),
          "npu_cache_usage_perc{model_name=\"llama_65b\"} 0.2",
          "npu_cache_usage_perc{model_name=\"llama_65b\"} 0.8");

  /** SGLang: sglang:num_queue_reqs 0 (line 14), sglang:token_usage 0.25 (line 20). */
  private static final byte[] SGLANG = TestData.node("sglang.prom");

  /** Polls {@code figure} until it reads {@code expected} (NaN included); fails after 5 s. */
  private static void await(DoubleSupplier figure, double expected, String what)
      throws InterruptedException {
    double last =
        Eventually.poll(
            figure::getAsDouble, v -> Double.compare(v, expected) == 0, Duration.ofSeconds(5));
    assertEquals(expected, last, what);
  }

  /** Two fake nodes, ids 1 (MindIE) and 2 (SGLang), registered and scraped by a capability. */
  private static final class Cluster implements AutoCloseable {
    final InstanceRegistry registry = new InstanceRegistry();
    final FakeNode mindie = FakeNode.serving(MINDIE);
    final FakeNode sglang = FakeNode.serving(SGLANG);
    final Instance a = Fleet.instance(1, mindie.port(), Role.UNDEF, 1024, "m");
    final Instance b = Fleet.instance(2, sglang.port(), Role.UNDEF, 1024, "m");
    final OutboundClient client = OutboundClient.builder().build();
    final ScrapeCapability scrape;
    final InstanceSignals signals;

    Cluster() throws InterruptedException {
      registry.refresh(List.of(a, b));
      scrape = ScrapeCapability.start(FAST, registry, client);
      signals = scrape.signals();
      await(() -> signals.cacheUsage(1), 0.2, "mindie's first scrape");
      await(() -> signals.cacheUsage(2), 0.25, "sglang's first scrape");
    }

    @Override
    public void close() {
      scrape.close();
      client.close();
      mindie.close();
      sglang.close();
    }
  }

  @Test
  void shouldReadEachNodesFiguresFromItsBody() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      assertEquals(0.0, c.signals.waiting(1));
      assertEquals(0.2, c.signals.cacheUsage(1));
      assertEquals(0.0, c.signals.waiting(2));
      assertEquals(0.25, c.signals.cacheUsage(2));
    }
  }

  @Test
  void shouldFollowTheBodyWhenANodesLoadChanges() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      c.mindie.body(MINDIE_BUSY);

      await(() -> c.signals.waiting(1), 9, "mindie's queue after the change");
      assertEquals(0.8, c.signals.cacheUsage(1));

      c.mindie.body(MINDIE);

      await(() -> c.signals.waiting(1), 0, "mindie's queue drained");
      assertEquals(0.2, c.signals.cacheUsage(1));
      assertEquals(0.25, c.signals.cacheUsage(2), "the other node unchanged");
    }
  }

  @Test
  void shouldReadUnknownAtOnceWhenAnInstanceLeavesTheRegistry() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      c.registry.refresh(List.of(c.a));

      // no waiting: the refresh has returned, so the scraper has been told
      assertEquals(Double.NaN, c.signals.waiting(2));
      assertEquals(Double.NaN, c.signals.cacheUsage(2));
      assertEquals(0.2, c.signals.cacheUsage(1), "the instance that stays");

      c.registry.refresh(List.of(c.a, c.b));

      await(() -> c.signals.cacheUsage(2), 0.25, "sglang named again");
    }
  }

  @Test
  void shouldReadUnknownAtOnceWhenAnInstanceGoesOffline() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      c.registry.setOffline(List.of(c.b.id()), true);

      assertEquals(Double.NaN, c.signals.waiting(2));
      assertEquals(Double.NaN, c.signals.cacheUsage(2));

      c.registry.setOffline(List.of(c.b.id()), false);

      await(() -> c.signals.cacheUsage(2), 0.25, "sglang online again");
    }
  }

  @Test
  void shouldReadUnknownWhileANodesScrapesFail() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      c.mindie.mode(FakeNode.Mode.GARBAGE);

      await(() -> c.signals.cacheUsage(1), Double.NaN, "mindie failing");
      assertEquals(Double.NaN, c.signals.waiting(1));
      assertEquals(0.25, c.signals.cacheUsage(2), "the other node unchanged");

      c.mindie.mode(FakeNode.Mode.BODY);

      await(() -> c.signals.cacheUsage(1), 0.2, "mindie answering again");
    }
  }

  @Test
  void shouldReadUnknownForAnInstanceNeverRegisteredAndAfterClose() throws InterruptedException {
    try (Cluster c = new Cluster()) {
      assertEquals(Double.NaN, c.signals.waiting(3));
      assertEquals(Double.NaN, c.signals.cacheUsage(-1));

      c.scrape.close();

      assertEquals(Double.NaN, c.signals.waiting(1));
      assertEquals(Double.NaN, c.signals.cacheUsage(1));
    }
  }

  /** Both figures of {@code id}, unknown ones as 0, so that the reads cannot be left out. */
  private static double readAll(InstanceSignals signals, long id) {
    double w = signals.waiting(id);
    double u = signals.cacheUsage(id);
    return (Double.isNaN(w) ? 0 : w) + (Double.isNaN(u) ? 0 : u);
  }

  @Test
  void shouldNotAllocateWhenRead() throws InterruptedException {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Cluster c = new Cluster()) {
      // ids past the boxed-Long cache (-128..127), where a boxing look-up would allocate
      long[] ids = {1, 2, 1_000_000_007L, -5_000L};
      double sink = 0;
      for (int i = 0; i < 20_000; i++) { // warm-up, and the first call of the bean
        sink += readAll(c.signals, ids[i & 3]);
      }
      threads.getCurrentThreadAllocatedBytes();
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 100_000; i++) {
        sink += readAll(c.signals, ids[i & 3]);
      }
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;

      // 200,000 reads: 16 bytes each would be 3.2 MB; the margin is for the bean's own calls
      assertTrue(allocated < 1_000, "allocated_bytes=" + allocated + " sink=" + sink);
    }
  }
}
