package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import org.junit.jupiter.api.Test;

/** A node restart mid-run: its counters start again from zero, the cluster's do not go down. */
class RestartTest {
  private static double series(MergedSnapshot s, String name) {
    MergedSnapshot.Family f = s.family("fake_requests_total");
    if (f == null) {
      return Double.NaN;
    }
    for (MergedSnapshot.Sample sample : f.samples()) {
      if (name.equals(sample.label("series"))) {
        return sample.value();
      }
    }
    return Double.NaN;
  }

  @Test
  void shouldNeverLetAClusterCounterGoDownWhenANodeRestarts() throws Exception {
    FakeNode.Generated restarting = new FakeNode.Generated(3);
    FakeNode.Generated steady = new FakeNode.Generated(3);
    try (Fleet fleet = new Fleet()) {
      fleet.add(FakeNode.serving(new byte[0]).body(restarting), Role.UNDEF, 1024, "m");
      fleet.add(FakeNode.serving(new byte[0]).body(steady), Role.UNDEF, 1024, "m");
      fleet.start(Fleet.fast(100, 80, false));
      fleet.await(s -> series(s, "s2") >= 30, 3000, "a few scrapes");
      double beforeRestart = series(fleet.scraper.snapshot(), "s2");

      restarting.restart();
      double last = beforeRestart;
      long deadline = System.nanoTime() + 800_000_000L;
      while (System.nanoTime() < deadline) {
        double now = series(fleet.scraper.snapshot(), "s2");
        assertTrue(now >= last, "cluster counter went down: before=" + last + " now=" + now);
        last = now;
        Thread.sleep(5);
      }

      assertTrue(last > beforeRestart, "kept growing: before=" + beforeRestart + " after=" + last);
    }
  }
}
