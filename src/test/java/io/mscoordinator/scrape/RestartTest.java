package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.Eventually;
import io.mscoordinator.cluster.Role;
import java.time.Duration;
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
      // read every 5 ms until the restarted node has served eight bodies (about 800 ms)
      double[] last = {beforeRestart};
      double now =
          Eventually.poll(
              () -> {
                double read = series(fleet.scraper.snapshot(), "s2");
                assertTrue(
                    read >= last[0],
                    "cluster counter went down: before=" + last[0] + " now=" + read);
                last[0] = read;
                return read;
              },
              read -> restarting.calls() >= 8 && read > beforeRestart,
              Duration.ofSeconds(10),
              Duration.ofMillis(5));

      assertTrue(restarting.calls() >= 8, "scrapes after the restart: " + restarting.calls());
      assertTrue(now > beforeRestart, "kept growing: before=" + beforeRestart + " after=" + now);
    }
  }
}
