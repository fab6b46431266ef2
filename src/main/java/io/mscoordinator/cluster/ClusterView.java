package io.mscoordinator.cluster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable picture of the cluster: the instances of the last refresh in the controller's order,
 * and which of them are offline. The registry swaps whole views, so a reader sees one refresh
 * entirely or not at all.
 */
public final class ClusterView {
  static final ClusterView EMPTY = new ClusterView(0, false, Map.of(), Set.of());

  private final long generation;
  private final boolean refreshed;
  private final Map<Long, Instance> instances;
  private final Set<Long> offline;

  ClusterView(
      long generation, boolean refreshed, Map<Long, Instance> instances, Set<Long> offline) {
    this.generation = generation;
    this.refreshed = refreshed;
    this.instances = Collections.unmodifiableMap(new LinkedHashMap<>(instances));
    this.offline = Set.copyOf(offline);
  }

  /** Grows by one with every change; equal generations mean equal views. */
  public long generation() {
    return generation;
  }

  /** Whether a refresh has succeeded since start-up. */
  public boolean refreshed() {
    return refreshed;
  }

  /** All registered instances, online or not, in the order of the last refresh. */
  public List<Instance> instances() {
    return List.copyOf(instances.values());
  }

  public Optional<Instance> instance(long id) {
    return Optional.ofNullable(instances.get(id));
  }

  public boolean online(long id) {
    return instances.containsKey(id) && !offline.contains(id);
  }

  /** The ids of registered instances that are offline. */
  public Set<Long> offline() {
    return offline;
  }

  /** The online instances, in the order of the last refresh. */
  public List<Instance> onlineInstances() {
    return instances.values().stream().filter(i -> !offline.contains(i.id())).toList();
  }

  /**
   * Whether the cluster can serve: in prefill/decode modes one online prefill and one online decode
   * instance, otherwise any online instance.
   */
  public boolean usable(DeployMode mode) {
    boolean prefill = false;
    boolean decode = false;
    for (Instance instance : instances.values()) {
      if (offline.contains(instance.id())) {
        continue;
      }
      if (!mode.prefillDecode()) {
        return true;
      }
      prefill |= instance.role() == Role.PREFILL;
      decode |= instance.role() == Role.DECODE;
    }
    return prefill && decode;
  }

  /** Whether an online instance serves {@code modelName}. */
  public boolean servesModel(String modelName) {
    for (Instance instance : instances.values()) {
      if (!offline.contains(instance.id()) && instance.modelName().equals(modelName)) {
        return true;
      }
    }
    return false;
  }

  Map<Long, Instance> instanceMap() {
    return instances;
  }
}
