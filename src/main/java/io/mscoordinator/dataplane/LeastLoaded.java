package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.InstanceSignals;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ours, beyond MindIE: {@code least_loaded}, the power of two choices over live signals. Two
 * eligible instances are drawn at random and the request goes to the less loaded, where load is the
 * requests the coordinator has in flight there plus the requests the instance itself reported
 * waiting in its queue (its scraped {@code /metrics}), and an instance whose KV cache is nearly
 * full ({@value #CACHE_FULL} or more) counts as full while another has room. Two random choices
 * rather than the global minimum: every request thread deciding at once on slightly stale signals
 * would otherwise herd onto the same instance.
 *
 * <p>Threadsafe and allocation-free: two passes over the fleet, no shared state.
 */
final class LeastLoaded implements Scheduler {
  static final double CACHE_FULL = 0.95;

  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    int n = fleet.size();
    int eligible = 0;
    for (int i = 0; i < n; i++) {
      if (fleet.eligible(i, request) && fleet.load(i).inFlight() < fleet.capacity(i)) {
        eligible++;
      }
    }
    if (eligible == 0) {
      return null;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int first = random.nextInt(eligible);
    int second = eligible == 1 ? first : random.nextInt(eligible - 1);
    if (eligible > 1 && second >= first) {
      second++;
    }
    int a = nth(fleet, request, first);
    int b = nth(fleet, request, second);
    int better = a < 0 ? b : b < 0 || score(fleet, a) <= score(fleet, b) ? a : b;
    int other = better == a ? b : a;
    Placement p = better < 0 ? null : fleet.take(better);
    if (p == null && other >= 0 && other != better) {
      p = fleet.take(other);
    }
    return p != null ? p : leastScan(fleet, request);
  }

  /** Both draws lost their slot to other threads: the least loaded instance that has one. */
  private static Placement leastScan(Fleet fleet, InferenceRequest request) {
    while (true) {
      int best = -1;
      double bestScore = Double.MAX_VALUE;
      for (int i = 0; i < fleet.size(); i++) {
        if (fleet.eligible(i, request) && fleet.load(i).inFlight() < fleet.capacity(i)) {
          double s = score(fleet, i);
          if (s < bestScore) {
            best = i;
            bestScore = s;
          }
        }
      }
      if (best < 0) {
        return null;
      }
      Placement p = fleet.take(best);
      if (p != null) {
        return p;
      }
    }
  }

  /** The index of the {@code rank}-th eligible instance with a free slot, or -1 (it filled up). */
  private static int nth(Fleet fleet, InferenceRequest request, int rank) {
    int seen = 0;
    for (int i = 0; i < fleet.size(); i++) {
      if (fleet.eligible(i, request) && fleet.load(i).inFlight() < fleet.capacity(i)) {
        if (seen++ == rank) {
          return i;
        }
      }
    }
    return -1;
  }

  /** Lower is better: in flight here plus waiting there; a nearly full KV cache counts as full. */
  static double score(Fleet fleet, int i) {
    InstanceSignals signals = fleet.signals();
    long id = fleet.instance(i).id();
    double waiting = signals.waiting(id);
    double cache = signals.cacheUsage(id);
    double s = fleet.load(i).inFlight() + (Double.isNaN(waiting) ? 0 : waiting);
    if (!Double.isNaN(cache) && cache >= CACHE_FULL) {
      s += fleet.capacity(i);
    }
    return s;
  }
}
