package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import java.util.function.LongPredicate;

/**
 * A prefill/decode placement (data-plane.md sections 5 and 6) by requests in flight: P is the
 * eligible prefill instance with the fewest requests in flight that has a decode partner; D is,
 * among the eligible decode instances of P's group that list P in their {@code peers} and whose
 * {@code /dresult} link is up, the one with the fewest requests in flight. Neither is given more
 * than its capacity.
 *
 * <p>The first step of the prefill/decode schedulers: MindIE's {@code load_balance} demand model
 * (slots and blocks per request, {@code res_limit_rate}, {@code reordering_type}) and {@code
 * least_loaded} over scraped signals for PD are not built yet (issue 20).
 *
 * <p>Threadsafe and stateless; it only reads the fleet and takes slots through it.
 */
final class FewestInFlightPairs implements Scheduler {
  private final LongPredicate decodeUp;

  /**
   * @param decodeUp whether decode instance {@code id}'s {@code /dresult} link is up
   */
  FewestInFlightPairs(LongPredicate decodeUp) {
    this.decodeUp = decodeUp;
  }

  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    int n = fleet.size();
    boolean[] tried = new boolean[n];
    while (true) {
      int p = -1;
      int pFewest = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        int inFlight = fleet.load(i).inFlight();
        if (!tried[i]
            && fleet.instance(i).role() == Role.PREFILL
            && fleet.eligible(i, request)
            && inFlight < fleet.capacity(i)
            && inFlight < pFewest) {
          p = i;
          pFewest = inFlight;
        }
      }
      if (p < 0) {
        return null;
      }
      int d = partner(request, fleet, p);
      if (d < 0) {
        // no decode instance can take this P's requests now: try the next P
        tried[p] = true;
        continue;
      }
      Placement placement = fleet.take(p, d);
      if (placement != null) {
        return placement;
      }
      // lost a race for a slot: choose again from the same loads
    }
  }

  /** The decode instance for prefill instance {@code p}, or -1. */
  private int partner(InferenceRequest request, Fleet fleet, int p) {
    Instance prefill = fleet.instance(p);
    int best = -1;
    int fewest = Integer.MAX_VALUE;
    for (int i = 0; i < fleet.size(); i++) {
      Instance d = fleet.instance(i);
      int inFlight = fleet.load(i).inFlight();
      if (d.role() == Role.DECODE
          && d.groupId() == prefill.groupId()
          && d.peers().contains(prefill.id())
          && fleet.eligible(i, request)
          && decodeUp.test(d.id())
          && inFlight < fleet.capacity(i)
          && inFlight < fewest) {
        best = i;
        fewest = inFlight;
      }
    }
    return best;
  }
}
