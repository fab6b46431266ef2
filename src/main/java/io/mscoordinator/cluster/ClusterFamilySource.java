package io.mscoordinator.cluster;

import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.series.Labels;

/**
 * The cluster as the controller described it, for {@code /metrics}: registered instances by role
 * and state, whether the cluster is ready for its deploy mode, and master/standby. This is what a
 * "readiness lost" alert watches.
 *
 * <p>Threadsafe: reads the registry's current immutable view and the master state per render; label
 * blocks are built once.
 */
public final class ClusterFamilySource implements FamilySource {
  private static final byte[] NO_LABELS = new byte[0];

  private final InstanceRegistry registry;
  private final MasterState master;
  private final DeployMode deployMode;
  private final byte[][][] instanceLabels = new byte[Role.values().length][2][];

  public ClusterFamilySource(InstanceRegistry registry, MasterState master, DeployMode mode) {
    this.registry = registry;
    this.master = master;
    this.deployMode = mode;
    for (Role role : Role.values()) {
      for (int online = 0; online < 2; online++) {
        instanceLabels[role.ordinal()][online] =
            Labels.ofPairs("role", role.label(), "state", online == 1 ? "online" : "offline")
                .block();
      }
    }
  }

  @Override
  public void writeFamilies(ExpositionWriter w) {
    ClusterView view = registry.view();
    long[][] counts = new long[Role.values().length][2];
    for (Instance instance : view.instanceMap().values()) {
      counts[instance.role().ordinal()][view.offline().contains(instance.id()) ? 0 : 1]++;
    }

    String name = "ms_coordinator_instances";
    w.gaugeFamily(name, "Instances registered by the controller, by role and state.");
    for (Role role : Role.values()) {
      for (int online = 1; online >= 0; online--) {
        w.gauge(name, instanceLabels[role.ordinal()][online], counts[role.ordinal()][online]);
      }
    }

    name = "ms_coordinator_ready";
    w.gaugeFamily(
        name, "1 when the online instances make the cluster usable for the deploy mode, else 0.");
    w.gauge(name, NO_LABELS, view.usable(deployMode) ? 1 : 0);

    name = "ms_coordinator_master";
    w.gaugeFamily(name, "1 when this coordinator serves as master (always when standby is off).");
    w.gauge(name, NO_LABELS, master.master() ? 1 : 0);

    name = "ms_coordinator_refreshed";
    w.gaugeFamily(name, "1 once a refresh from the controller has succeeded.");
    w.gauge(name, NO_LABELS, view.refreshed() ? 1 : 0);
  }
}
