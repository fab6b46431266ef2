package io.mscoordinator.otlp;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.ListenerLimits;
import io.mscoordinator.capability.OwnListener;
import io.mscoordinator.exposition.FamilySource;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The OTLP/HTTP metrics receiver as a capability: POST {@code /v1/metrics} on its own listener
 * (unless {@code otlp_config.enable} is false), and its figures in {@code /metrics}.
 *
 * <p>Threadsafe after construction; see {@link OtlpService}.
 */
public final class OtlpCapability implements Capability {
  private final List<OwnListener> listeners;
  private final List<FamilySource> families;

  /**
   * @param sink where decoded points go (the metrics core's in-process producer in production)
   * @param ringFullWaits records that got into a full ingest ring by waiting, for the figures
   * @param limits the listener's connection and request limits; its body limit is the receiver's
   */
  public OtlpCapability(
      OtlpSettings settings, OtlpSink sink, LongSupplier ringFullWaits, ListenerLimits limits) {
    OtlpStats stats = new OtlpStats(ringFullWaits);
    OtlpService service = new OtlpService(settings, sink, stats);
    ListenerLimits own =
        new ListenerLimits(
            limits.maxConcurrentRequests(),
            limits.maxConnections(),
            limits.idleTimeout(),
            settings.bodyLimitBytes());
    this.listeners =
        settings
            .listener()
            .map(
                l ->
                    List.of(
                        new OwnListener(
                            l,
                            own,
                            service.tooLargeHandler(),
                            service::routing,
                            // the receiver inflates gzip itself, within the body limit
                            socket -> socket.contentEncoding(OtlpService.contentEncoding()))))
            .orElse(List.of());
    this.families = settings.listener().isPresent() ? List.of(stats) : List.of();
  }

  @Override
  public String name() {
    return "otlp";
  }

  @Override
  public List<OwnListener> listeners() {
    return listeners;
  }

  @Override
  public List<FamilySource> families() {
    return families;
  }
}
