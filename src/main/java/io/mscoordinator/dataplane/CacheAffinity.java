package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.Instance;

/**
 * MindIE's {@code cache_affinity}: an OpenAI conversation goes back to the instance that served its
 * earlier turns (whose KV cache still holds its prefix) while that instance has room: its free
 * fraction of slots above {@code slots_thresh} and of KV blocks above {@code block_thresh}. The
 * last {@code cache_size} conversations are remembered; other requests, and a conversation whose
 * instance has no room, go round robin (and the conversation then stays with its new instance).
 *
 * <p>Threadsafe.
 */
final class CacheAffinity implements Scheduler {
  private final Affinities<Long> conversations;
  private final double slotsThresh;
  private final double blockThresh;
  private final RoundRobin others = new RoundRobin();

  CacheAffinity(int cacheSize, double slotsThresh, double blockThresh) {
    this.conversations = new Affinities<>(cacheSize);
    this.slotsThresh = slotsThresh;
    this.blockThresh = blockThresh;
  }

  @Override
  public Placement place(InferenceRequest request, Fleet fleet) {
    long conversation = request.conversation();
    if (conversation == 0) {
      return others.place(request, fleet);
    }
    Long last = conversations.get(conversation);
    if (last != null) {
      int i = fleet.indexOf(last);
      if (i >= 0 && fleet.eligible(i, request) && room(fleet, i)) {
        Placement p = fleet.take(i);
        if (p != null) {
          return p;
        }
      }
    }
    Placement p = others.place(request, fleet);
    if (p != null) {
      conversations.put(conversation, p.prefill().id());
    }
    return p;
  }

  /**
   * Whether instance {@code i} has room beyond the thresholds: free slots (the fewer of what it
   * reported and what the coordinator has not given it) and free KV blocks as it reported them.
   */
  private boolean room(Fleet fleet, int i) {
    Instance instance = fleet.instance(i);
    int capacity = fleet.capacity(i);
    double ours = (double) (capacity - fleet.load(i).inFlight()) / capacity;
    double reported =
        instance.totalSlotsNum() > 0
            ? (double) instance.availSlotsNum() / instance.totalSlotsNum()
            : 1.0;
    double blocks =
        instance.totalBlockNum() > 0
            ? (double) instance.availBlockNum() / instance.totalBlockNum()
            : 1.0;
    return Math.min(ours, reported) > slotsThresh && blocks > blockThresh;
  }
}
