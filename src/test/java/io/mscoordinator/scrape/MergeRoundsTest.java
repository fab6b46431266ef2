package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * One merge per scrape round, however spread out the round's results arrive: the merge waits until
 * every node has reported (or a quarter of the interval), not for a quiet gap between results.
 */
class MergeRoundsTest {
  private static final int INTERVAL_MS = 2000;

  private static double merges(MergedSnapshot s) {
    for (MergedSnapshot.Family f : s.statusFamilies()) {
      if (f.name().equals("ms_coordinator_merges")) {
        return f.samples().get(0).value();
      }
    }
    return Double.NaN;
  }

  private static byte[] body(int lines) {
    StringBuilder b = new StringBuilder("# TYPE t_total counter\n");
    for (int i = 0; i < lines; i++) {
      b.append("t_total{line=\"").append(i).append("\"} 1\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldMergeOncePerRoundWhenTheNodesAnswerEightyMillisecondsApart() throws Exception {
    try (Fleet fleet = new Fleet()) {
      // one node at once, one after ~120 ms, one after ~200 ms (a pause before each line, the TYPE
      // line included): gaps longer than the 50 ms quiet gap, well inside interval / 4 = 500 ms
      FakeNode fast = FakeNode.serving(body(1));
      fleet.add(fast, Role.UNDEF, 1024, "m");
      for (int lines : new int[] {2, 4}) {
        FakeNode slow = FakeNode.serving(body(lines)).slowLineMillis(40);
        slow.mode(FakeNode.Mode.SLOW);
        fleet.add(slow, Role.UNDEF, 1024, "m");
      }
      fleet.start(Fleet.fast(INTERVAL_MS, 1500, false));
      fleet.awaitAllUp(3000);
      // Rounds are counted by the fast node's requests. When the next one starts, the first round
      // and its first-result merges are past, and so is every round's merge when its next starts.
      Duration round = Duration.ofMillis(3L * INTERVAL_MS);
      int first = fast.requests();
      fast.awaitRequests(first + 1, round);
      double before = merges(fleet.scraper.snapshot());
      fast.awaitRequests(first + 5, round.multipliedBy(4));
      double after = merges(fleet.scraper.snapshot());

      double perRound = (after - before) / 4;
      assertTrue(
          perRound >= 0.5 && perRound <= 1.5,
          "merges per round: " + perRound + " (" + before + " -> " + after + ")");
    }
  }
}
