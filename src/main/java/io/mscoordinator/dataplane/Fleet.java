package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceSignals;

/**
 * The instances a scheduler may choose from as of one registry view: the online ones, each with its
 * {@link Load}, its capacity and its scraped signals. Immutable, built once per view; the loads it
 * holds are shared and live.
 */
final class Fleet {
  private final ClusterView view;
  private final Instance[] instances;
  private final Load[] loads;
  private final int singleNodeMax;
  private final InstanceSignals signals;
  private final Runnable released;

  Fleet(
      ClusterView view,
      Instance[] instances,
      Load[] loads,
      int singleNodeMax,
      InstanceSignals signals,
      Runnable released) {
    this.view = view;
    this.instances = instances;
    this.loads = loads;
    this.singleNodeMax = singleNodeMax;
    this.signals = signals;
    this.released = released;
  }

  ClusterView view() {
    return view;
  }

  int size() {
    return instances.length;
  }

  Instance instance(int i) {
    return instances[i];
  }

  Load load(int i) {
    return loads[i];
  }

  InstanceSignals signals() {
    return signals;
  }

  /**
   * The most requests instance {@code i} is given at once: {@code single_node_max_requests}, or its
   * reported slots when fewer.
   */
  int capacity(int i) {
    long slots = instances[i].totalSlotsNum();
    return slots > 0 && slots < singleNodeMax ? (int) slots : singleNodeMax;
  }

  /** Whether instance {@code i} may serve {@code request}: schedulable, and its model if named. */
  boolean eligible(int i, InferenceRequest request) {
    return !loads[i].excluded()
        && (request.model() == null || request.model().equals(instances[i].modelName()));
  }

  /** Whether some online instance serves {@code model} (null: any). */
  boolean serves(String model) {
    for (Instance instance : instances) {
      if (model == null || model.equals(instance.modelName())) {
        return true;
      }
    }
    return false;
  }

  /** The index of the instance with id {@code id}, or -1. */
  int indexOf(long id) {
    for (int i = 0; i < instances.length; i++) {
      if (instances[i].id() == id) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Takes a slot of prefill instance {@code p} and one of decode instance {@code d} for a
   * prefill/decode request, or null when either is full (then neither is taken).
   */
  Placement take(int p, int d) {
    if (!loads[p].tryAcquire(capacity(p))) {
      return null;
    }
    if (!loads[d].tryAcquire(capacity(d))) {
      loads[p].release();
      return null;
    }
    return new Placement(instances[p], loads[p], instances[d], loads[d], released);
  }

  /** Takes a slot of instance {@code i} for a single-node request, or null when it is full. */
  Placement take(int i) {
    return loads[i].tryAcquire(capacity(i))
        ? Placement.single(instances[i], loads[i], released)
        : null;
  }
}
