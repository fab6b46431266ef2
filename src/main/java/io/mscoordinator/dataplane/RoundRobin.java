package io.mscoordinator.dataplane;

import java.util.concurrent.atomic.AtomicLong;

/**
 * MindIE's {@code round_robin}: the next eligible instance in turn with a free slot. Threadsafe:
 * one atomic counter.
 */
final class RoundRobin implements Scheduler {
  private final AtomicLong next = new AtomicLong();

  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    int n = fleet.size();
    if (n == 0) {
      return null;
    }
    int start = (int) Long.remainderUnsigned(next.getAndIncrement(), n);
    for (int k = 0; k < n; k++) {
      int i = start + k < n ? start + k : start + k - n;
      if (fleet.eligible(i, request)) {
        Placement p = fleet.take(i);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }
}
