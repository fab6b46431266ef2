package io.mscoordinator.metrics;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.exposition.FamilySource;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /metrics} on the manage and external listeners: one body with the families of every
 * capability, in the order the capabilities were assembled.
 *
 * <p>Threadsafe: immutable after construction; renders run on request threads.
 */
public final class MetricsEndpoint implements Capability {
  private final MetricsHandler handler;

  /** Serves the families of {@code capabilities}, read once, now. */
  public MetricsEndpoint(List<? extends Capability> capabilities) {
    List<FamilySource> sources = new ArrayList<>();
    for (Capability capability : capabilities) {
      sources.addAll(capability.families());
    }
    this.handler = new MetricsHandler(List.copyOf(sources));
  }

  @Override
  public String name() {
    return "exposition";
  }

  @Override
  public void routing(SharedListener listener, Routes routes) {
    if (listener != SharedListener.STATUS) {
      routes.get("/metrics", handler);
    }
  }
}
