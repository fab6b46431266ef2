package io.mscoordinator.cluster;

import io.helidon.http.DirectHandler;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.exposition.FamilySource;
import java.util.List;

/**
 * The cluster as the controller describes it, as a capability: the instance registry, the request
 * tracker and the master/standby state that other capabilities read, the controller's endpoints on
 * the manage listener, and the cluster families of {@code /metrics}.
 *
 * <p>Threadsafe: see {@link InstanceRegistry}, {@link RequestTracker}, {@link MasterState}.
 */
public final class ClusterCapability implements Capability {
  private final ClusterSettings settings;
  private final InstanceRegistry registry = new InstanceRegistry();
  private final RequestTracker tracker = new RequestTracker();
  private final MasterState master;
  private final ClusterService service;
  private final List<FamilySource> families;

  /**
   * @param bodyLimitBytes the most a controller's request body may have ({@code
   *     request_limit.body_limit})
   */
  public ClusterCapability(ClusterSettings settings, long bodyLimitBytes) {
    this.settings = settings;
    this.master = new MasterState(settings.backupEnabled());
    this.service =
        new ClusterService(registry, tracker, master, settings.deployMode(), bodyLimitBytes);
    this.families = List.of(new ClusterFamilySource(registry, master, settings.deployMode()));
  }

  public ClusterSettings settings() {
    return settings;
  }

  public InstanceRegistry registry() {
    return registry;
  }

  public RequestTracker tracker() {
    return tracker;
  }

  public MasterState master() {
    return master;
  }

  /** Whether enough instances are online for the deploy mode (the readiness rule). */
  public boolean usable() {
    return registry.view().usable(settings.deployMode());
  }

  /**
   * The answer of the manage, status and external listeners to a body Helidon refuses from its
   * Content-Length: the same 413 and JSON reason the controller's routes give.
   */
  public DirectHandler tooLargeHandler() {
    return service.tooLargeHandler();
  }

  @Override
  public String name() {
    return "cluster";
  }

  @Override
  public void routing(SharedListener listener, Routes routes) {
    if (listener == SharedListener.MANAGE) {
      service.routing(routes);
    }
  }

  @Override
  public List<FamilySource> families() {
    return families;
  }
}
