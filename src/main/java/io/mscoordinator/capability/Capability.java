package io.mscoordinator.capability;

import io.mscoordinator.exposition.FamilySource;
import java.util.List;

/**
 * One capability of the coordinator (the management API, the probes, the metrics engine, the OTLP
 * receiver, node scraping; next the data plane): everything it adds to the running service, so that
 * adding a capability is one new package plus one line where the server assembles them.
 *
 * <p>A capability is built from its settings and the shared state it needs (the instance registry,
 * the metrics core's producer, ...), starts its own threads when built, and then contributes:
 *
 * <ol>
 *   <li>routes on the listeners every coordinator has ({@link #routing}): {@link
 *       SharedListener#MANAGE} serves every endpoint, {@link SharedListener#STATUS} the probes,
 *       {@link SharedListener#EXTERNAL} {@code /metrics};
 *   <li>listeners only it serves ({@link #listeners}), each with its own limits, TLS and routes
 *       (the OTLP receiver's; the data listener);
 *   <li>metric families for {@code GET /metrics} ({@link #families}), rendered in the order the
 *       capabilities were assembled, each family name used by one capability only;
 *   <li>metric families for {@code GET /metrics/instances} ({@link #instanceFamilies}): series of
 *       one instance each, rendered in the same order;
 *   <li>liveness ({@link #alive}): a capability whose own thread died makes {@code /v1/health}
 *       answer 503.
 * </ol>
 *
 * <p>The server binds the routes once, before any listener starts, and calls {@link #close} after
 * every listener stopped, in the reverse order of assembly. Implementations say their own thread
 * ownership; every method here is called by the thread that starts or stops the coordinator, except
 * {@link #alive}, which probe request threads call at any time.
 */
public interface Capability extends AutoCloseable {
  /** A short name for logs and errors, e.g. {@code scrape}. */
  String name();

  /** Adds this capability's routes, if any, to one of the listeners every coordinator has. */
  default void routing(SharedListener listener, Routes routes) {}

  /** The listeners only this capability serves; none by default. */
  default List<OwnListener> listeners() {
    return List.of();
  }

  /** The families this capability adds to {@code GET /metrics}; none by default. */
  default List<FamilySource> families() {
    return List.of();
  }

  /**
   * The families this capability adds to {@code GET /metrics/instances}, the per-instance view;
   * none by default. Every series there is one instance's (labelled {@code instance_id}) and must
   * not also be in {@link #families}: {@code /metrics} carries the cluster's and each model's
   * totals, {@code /metrics/instances} their split by instance, so that a {@code sum()} over either
   * body counts each sample once. A family name may appear in both bodies.
   */
  default List<FamilySource> instanceFamilies() {
    return List.of();
  }

  /** Whether the capability's own threads work; any thread, cheap, never blocks. */
  default boolean alive() {
    return true;
  }

  /** Stops the capability's threads and lets go of what it holds; idempotent. */
  @Override
  default void close() {}
}
