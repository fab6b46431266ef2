package io.mscoordinator.metrics;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.exposition.FamilySource;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /metrics} and {@code GET /metrics/instances} on the manage and external listeners: one
 * body with the {@link Capability#families} of every capability, and one with their {@link
 * Capability#instanceFamilies}, each in the order the capabilities were assembled. Both bodies have
 * the same content negotiation, gzip and refusal rule ({@link MetricsHandler}).
 *
 * <p>Threadsafe: immutable after construction; renders run on request threads.
 */
public final class MetricsEndpoint implements Capability {
  private final MetricsHandler handler;
  private final MetricsHandler instances;

  /** Serves the families of {@code capabilities}, read once, now. */
  public MetricsEndpoint(List<? extends Capability> capabilities) {
    List<FamilySource> sources = new ArrayList<>();
    List<FamilySource> instanceSources = new ArrayList<>();
    for (Capability capability : capabilities) {
      sources.addAll(capability.families());
      instanceSources.addAll(capability.instanceFamilies());
    }
    this.handler = new MetricsHandler(List.copyOf(sources));
    this.instances = new MetricsHandler(List.copyOf(instanceSources));
  }

  @Override
  public String name() {
    return "exposition";
  }

  @Override
  public void routing(SharedListener listener, Routes routes) {
    if (listener != SharedListener.STATUS) {
      routes.get("/metrics", handler);
      routes.get("/metrics/instances", instances);
    }
  }
}
