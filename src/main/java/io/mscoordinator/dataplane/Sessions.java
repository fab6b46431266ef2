package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.InstanceSignals;

/**
 * Session affinity over any scheduler (ours): requests carrying the same value of the configured
 * session header go to the instance the session last went to while that instance is not saturated:
 * fewer than {@value #STICKY_SHARE} of its capacity in flight, and a KV cache below {@link
 * LeastLoaded#CACHE_FULL} as last scraped. A hot session never piles onto a saturated instance:
 * past those limits it is placed by the scheduler it wraps, and stays with its new instance.
 * Requests without the header go straight to that scheduler.
 *
 * <p>Threadsafe.
 */
final class Sessions implements Scheduler {
  static final double STICKY_SHARE = 0.8;

  private final Scheduler inner;
  private final Affinities<String> sessions;

  Sessions(Scheduler inner, int capacity) {
    this.inner = inner;
    this.sessions = new Affinities<>(capacity);
  }

  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    String session = request.session();
    if (session == null) {
      return inner.place(request, fleet);
    }
    Long last = sessions.get(session);
    if (last != null) {
      int i = fleet.indexOf(last);
      if (i >= 0 && fleet.eligible(i, request) && !saturated(fleet, i)) {
        Placement p = fleet.take(i);
        if (p != null) {
          return p;
        }
      }
    }
    Placement p = inner.place(request, fleet);
    if (p != null) {
      sessions.put(session, p.prefill().id());
    }
    return p;
  }

  private static boolean saturated(Fleet fleet, int i) {
    InstanceSignals signals = fleet.signals();
    double cache = signals.cacheUsage(fleet.instance(i).id());
    return fleet.load(i).inFlight() >= STICKY_SHARE * fleet.capacity(i)
        || !Double.isNaN(cache) && cache >= LeastLoaded.CACHE_FULL;
  }
}
