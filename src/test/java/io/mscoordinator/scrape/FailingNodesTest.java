package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.testing.TestData;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Nodes that hang, answer garbage, answer 50 MB or answer 500, beside a good node. */
class FailingNodesTest {
  private static final long GOOD = 0;
  private static final long HANGING = 1;
  private static final long GARBAGE = 2;
  private static final long HUGE = 3;
  private static final long NOT_MONITORING = 4;

  private static Fleet fleet(boolean strict) {
    Fleet fleet = new Fleet();
    fleet.addMindie("ms_metricsSingleNodeData_0.prom");
    fleet.add(FakeNode.serving(new byte[0]).mode(FakeNode.Mode.HANG), Role.UNDEF, 1024, "m");
    fleet.add(FakeNode.serving(new byte[0]).mode(FakeNode.Mode.GARBAGE), Role.UNDEF, 1024, "m");
    fleet.add(FakeNode.serving(new byte[0]).mode(FakeNode.Mode.HUGE), Role.UNDEF, 1024, "m");
    FakeNode plain = new FakeNode(Map.of());
    plain.body(TestData.mindie("ms_metricsSingleNodeData_1.prom"));
    fleet.add(plain, Role.UNDEF, 1024, "m");
    return fleet.start(Fleet.fast(400, 300, strict));
  }

  private static MergedSnapshot settled(Fleet fleet) {
    return fleet.await(
        s -> Fleet.status(s, "ms_coordinator_node_up", HANGING) != null && s.failedNodes() == 4,
        5000,
        "four failed nodes");
  }

  private static String error(MergedSnapshot s, long id) {
    Sample sample = Fleet.status(s, "ms_coordinator_node_last_error", id);
    return sample == null ? "" : sample.label("reason");
  }

  @Test
  void shouldReportEachFailureWithItsReasonWhileTheGoodNodeIsUp() {
    try (Fleet fleet = fleet(false)) {
      MergedSnapshot s = settled(fleet);

      assertEquals(1.0, Fleet.status(s, "ms_coordinator_node_up", GOOD).value());
      assertTrue(error(s, HANGING).contains("timed out"), error(s, HANGING));
      assertTrue(error(s, GARBAGE).contains("parse error"), error(s, GARBAGE));
      assertTrue(error(s, HUGE).contains("body too large"), error(s, HUGE));
      assertTrue(error(s, NOT_MONITORING).contains("status=500"), error(s, NOT_MONITORING));
    }
  }

  @Test
  void shouldServeTheGoodNodesValuesWhenOthersFailInDefaultMode() {
    try (Fleet fleet = fleet(false)) {
      MergedSnapshot s = settled(fleet);

      assertFalse(s.unavailable());
      Sample tokens = s.family("prompt_tokens_total").samples().get(0);
      assertEquals(78800.0, tokens.value());
    }
  }

  @Test
  void shouldBeUnavailableWhenAnyNodeFailsInStrictMode() {
    try (Fleet fleet = fleet(true)) {
      assertTrue(settled(fleet).unavailable());
    }
  }

  @Test
  void shouldAnswerSnapshotsAtOnceWhileANodeHangs() {
    try (Fleet fleet = fleet(false)) {
      settled(fleet);
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        fleet.scraper.snapshot();
      }
      long micros = (System.nanoTime() - start) / 1000;

      assertTrue(micros < 50_000, "1000 snapshots took us=" + micros);
    }
  }
}
