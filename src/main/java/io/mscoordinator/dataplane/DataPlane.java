package io.mscoordinator.dataplane;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.OwnListener;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.DeployMode;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import io.mscoordinator.cluster.RequestTracker;
import io.mscoordinator.exposition.FamilySource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The data plane as a capability: the predict listener with its own limits and TLS, the inference
 * routes, the schedulers, and what it measures.
 *
 * <p>Threadsafe after construction; see {@link InferenceService}.
 */
public final class DataPlane implements Capability {
  /** The listener's name, as {@code Coordinator.uri} takes it. */
  public static final String LISTENER = "predict";

  private static final int PROBE_CONNECT_MS = 1000;

  private final Clock clock;
  private final StreamRelays relays = StreamRelays.chosen();
  private final DecodeLinks links;
  private final RequestMetrics metrics;
  private final Dispatcher dispatcher;
  private final InferenceService service;
  private final OwnListener listener;

  /**
   * @param ready whether the cluster may take requests now: usable (the {@code /v2/health/ready}
   *     rule) and, with master/standby, this coordinator the master
   * @param signals the instances' scraped queue and KV-cache figures
   * @param metrics where requests are measured
   * @param clock the time every timeout reads; the data plane closes it
   */
  public DataPlane(
      DataPlaneSettings settings,
      DeployMode mode,
      BooleanSupplier ready,
      InstanceRegistry registry,
      RequestTracker tracker,
      InstanceSignals signals,
      OutboundClient client,
      RequestMetrics metrics,
      Clock clock) {
    this.clock = clock;
    this.metrics = metrics;
    this.dispatcher =
        new Dispatcher(
            registry,
            signals,
            settings.singleNodeMaxRequests(),
            settings.maxRetry(),
            clock,
            DataPlane::answers);
    if (mode.prefillDecode()) {
      // a /dresult link per decode instance, following the registry from now on
      this.links =
          new DecodeLinks(
              client,
              clock,
              settings.maxRetry(),
              DecodeLinks.MAX_MESSAGE_BYTES,
              dispatcher::changed);
      registry.addListener(links::update);
      links.update(registry.view());
    } else {
      this.links = null;
    }
    this.service =
        new InferenceService(
            settings,
            ready,
            registry,
            tracker,
            dispatcher,
            links != null ? new FewestInFlightPairs(links::up) : scheduler(settings.scheduler()),
            client,
            metrics,
            clock,
            relays,
            links);
    this.listener =
        new OwnListener(
            settings.listener(),
            settings.limits(),
            service.tooLargeHandler(),
            service::routing,
            // Helidon looks for idle connections every 2 minutes by default: check as often as
            // keep_alive_seconds needs, so that an idle connection goes within 10% of it
            socket ->
                socket.idleConnectionPeriod(
                    Duration.ofMillis(
                        Math.max(1000, settings.limits().idleTimeout().toMillis() / 10))));
  }

  /** The scheduler the settings name, with session affinity when a session header is set. */
  static Scheduler scheduler(DataPlaneSettings.SchedulerSettings settings) {
    Scheduler s =
        switch (settings.algorithm()) {
          case ROUND_ROBIN -> new RoundRobin();
          case CACHE_AFFINITY ->
              new CacheAffinity(
                  settings.cacheSize(), settings.slotsThresh(), settings.blockThresh());
          case LEAST_LOADED, LOAD_BALANCE -> new LeastLoaded();
        };
    return settings.sessionHeader().isPresent() ? new Sessions(s, settings.cacheSize()) : s;
  }

  /** Whether an instance out of scheduling answers a connect to its inference port. */
  private static boolean answers(Instance instance) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(instance.ip(), instance.port()), PROBE_CONNECT_MS);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return "dataplane";
  }

  @Override
  public List<OwnListener> listeners() {
    return List.of(listener);
  }

  @Override
  public List<FamilySource> families() {
    return metrics.families();
  }

  /** Requests admitted and not finished. */
  public int inFlight() {
    return service.inFlight();
  }

  /** Requests admitted and waiting for a slot now. */
  public int waiting() {
    return dispatcher.waiting();
  }

  @Override
  public List<FamilySource> instanceFamilies() {
    return metrics.instanceFamilies();
  }

  @Override
  public void close() {
    if (links != null) {
      links.close();
    }
    clock.close();
    relays.close();
  }
}
