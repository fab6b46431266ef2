package io.mscoordinator.dataplane;

/**
 * The tokenizer's choice (data-plane.md section 2): the eligible instance with the fewest requests
 * in flight, no scheduler. Threadsafe, stateless.
 */
final class FewestInFlight implements Scheduler {
  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    while (true) {
      int best = -1;
      int fewest = Integer.MAX_VALUE;
      for (int i = 0; i < fleet.size(); i++) {
        int n = fleet.load(i).inFlight();
        if (fleet.eligible(i, request) && n < fleet.capacity(i) && n < fewest) {
          best = i;
          fewest = n;
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
}
