package io.mscoordinator.server;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.client.DestinationKind;
import io.mscoordinator.client.OutboundClient;
import io.mscoordinator.cluster.ClusterCapability;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.MasterState;
import io.mscoordinator.cluster.RequestTracker;
import io.mscoordinator.dataplane.Clock;
import io.mscoordinator.dataplane.DataPlane;
import io.mscoordinator.dataplane.DataPlaneSettings;
import io.mscoordinator.dataplane.RequestMetrics;
import io.mscoordinator.health.Probes;
import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.metrics.MetricsCapability;
import io.mscoordinator.metrics.MetricsEndpoint;
import io.mscoordinator.otlp.CoreOtlpSink;
import io.mscoordinator.otlp.OtlpCapability;
import io.mscoordinator.otlp.OtlpSink;
import io.mscoordinator.scrape.NodeScraper;
import io.mscoordinator.scrape.ScrapeCapability;
import io.mscoordinator.tls.TlsConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A running coordinator: its capabilities and their listeners. {@link #start} assembles the
 * capabilities in order (each a few lines below; a new capability is one more), binds their routes
 * and listeners, and returns only when every listener is bound; it fails, stopping whatever it
 * started, when one is not.
 *
 * <p>Threadsafe: immutable after {@link #start}; {@link #close} may be called from any thread, more
 * than once.
 */
public final class Coordinator implements AutoCloseable {
  /** Listener names, as used by {@link #port} and {@link #uri}. */
  public static final String MANAGE = "manage";

  public static final String STATUS = "status";
  public static final String EXTERNAL = "external";
  public static final String OTLP = "otlp";
  public static final String PREDICT = DataPlane.LISTENER;

  /**
   * How long an OTLP request thread waits for room in a full ingest ring before it gives up on the
   * rest of the export (then answered with {@code partialSuccess}, or 503 and {@code Retry-After}
   * when nothing was taken). The agent drains a ring in microseconds once awake, so a burst waits
   * instead of losing points; a ring still full after this means the agent is behind.
   */
  public static final Duration OTLP_RING_WAIT = Duration.ofMillis(50);

  private static final Logger LOG = Logger.getLogger(Coordinator.class.getName());

  private final CoordinatorConfig config;
  private final List<Capability> capabilities;
  private final MetricsCapability metrics;
  private final ClusterCapability cluster;
  private final Probes probes;
  private final ScrapeCapability scrape;
  private final DataPlane dataPlane;
  private final Listeners listeners;

  private Coordinator(
      CoordinatorConfig config,
      List<Capability> capabilities,
      MetricsCapability metrics,
      ClusterCapability cluster,
      Probes probes,
      ScrapeCapability scrape,
      DataPlane dataPlane) {
    this.config = config;
    this.capabilities = capabilities;
    this.metrics = metrics;
    this.cluster = cluster;
    this.probes = probes;
    this.scrape = scrape;
    this.dataPlane = dataPlane;
    this.listeners = new Listeners(config, capabilities, cluster.tooLargeHandler());
  }

  /**
   * Starts every listener; the OTLP receiver offers into the metrics core's ingest ring.
   *
   * @throws IllegalStateException when a listener cannot bind; nothing is left running
   */
  public static Coordinator start(CoordinatorConfig config) {
    return start(config, Coordinator::coreSink);
  }

  /** The production OTLP sink: the core's in-process producer, under the core's series limit. */
  public static OtlpSink coreSink(MetricsCore metrics) {
    return new CoreOtlpSink(
        metrics.producer().waiting(OTLP_RING_WAIT),
        metrics::seriesCount,
        metrics.settings().seriesLimit());
  }

  /**
   * Starts every capability and listener, the OTLP receiver feeding the sink {@code otlpSink} makes
   * from the core (tests wrap {@link #coreSink} to provoke what a real ring does only under load).
   *
   * @throws IllegalStateException when a listener cannot bind; nothing is left running
   */
  public static Coordinator start(
      CoordinatorConfig config, Function<MetricsCore, OtlpSink> otlpSink) {
    return start(config, otlpSink, Clock::system);
  }

  /**
   * Starts every capability and listener, the data plane's timeouts reading the clock {@code clock}
   * makes (tests advance one by hand).
   *
   * @throws IllegalStateException when a listener cannot bind; nothing is left running
   */
  public static Coordinator start(
      CoordinatorConfig config, Function<MetricsCore, OtlpSink> otlpSink, Supplier<Clock> clock) {
    List<Capability> started = new ArrayList<>();
    Coordinator coordinator;
    try {
      MetricsCapability metrics = add(started, MetricsCapability.start(config.metrics()));
      MetricsCore core = metrics.core();
      ClusterCapability cluster =
          add(started, new ClusterCapability(config.cluster(), config.http().bodyLimitBytes()));
      Probes probes =
          add(
              started,
              new Probes(
                  cluster::usable,
                  cluster.master()::master,
                  model -> cluster.registry().view().servesModel(model)));
      OutboundClient client = outbound(config.tls(), config.dataPlane());
      add(started, closing("outbound", client));
      ScrapeCapability scrape =
          add(started, ScrapeCapability.start(config.scrape(), cluster.registry(), client));
      DataPlane dataPlane =
          add(
              started,
              new DataPlane(
                  config.dataPlane(),
                  config.cluster().deployMode(),
                  () -> cluster.usable() && cluster.master().master(),
                  cluster.registry(),
                  cluster.tracker(),
                  scrape.signals(),
                  client,
                  requestMetrics(core),
                  clock.get()));
      add(
          started,
          new OtlpCapability(
              config.otlp(),
              otlpSink.apply(core),
              core.producer()::ringFullWaits,
              config.http().limits()));
      add(started, new MetricsEndpoint(started));
      probes.watch(started);
      coordinator =
          new Coordinator(
              config, List.copyOf(started), metrics, cluster, probes, scrape, dataPlane);
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
    coordinator.listeners.server().start();
    List<String> unbound = new ArrayList<>();
    for (String name : coordinator.listeners.settings().keySet()) {
      // Helidon reports a port it could not bind as -1 instead of failing start().
      if (coordinator.port(name) <= 0) {
        unbound.add(name);
      }
    }
    if (!unbound.isEmpty()) {
      coordinator.close();
      throw bindFailure(coordinator.listeners.settings(), unbound);
    }
    coordinator.probes.markStarted();
    for (Map.Entry<String, ListenerSettings> entry : coordinator.listeners.settings().entrySet()) {
      LOG.info(
          "listening: name="
              + entry.getKey()
              + " url="
              + coordinator.uri(entry.getKey())
              + " scope="
              + (InetAddress.ofLiteral(entry.getValue().host()).isLoopbackAddress()
                  ? "loopback-only"
                  : "network"));
    }
    return coordinator;
  }

  /**
   * Names the listener that could not bind. When one listener fails, Helidon stops the others and
   * reports every port as unbound; the culprit is the one whose address is still taken now that
   * this coordinator has let go of its own.
   */
  private static IllegalStateException bindFailure(
      Map<String, ListenerSettings> listeners, List<String> unbound) {
    String culprit = unbound.get(0);
    for (String name : unbound) {
      ListenerSettings l = listeners.get(name);
      if (l.port() > 0 && taken(l)) {
        culprit = name;
        break;
      }
    }
    ListenerSettings l = listeners.get(culprit);
    return new IllegalStateException(
        "listener failed to bind: name=" + culprit + " address=" + l.host() + ":" + l.port());
  }

  private static boolean taken(ListenerSettings listener) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.ofLiteral(listener.host()), listener.port()));
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * The data plane's request metrics. Lab switch, not configuration: env {@code
   * MS_COORDINATOR_REQUEST_METRICS=off} records nothing (see {@link RequestMetrics#enabled}), so
   * {@code perf/run serve} can measure what recording costs with everything else the same.
   */
  private static RequestMetrics requestMetrics(MetricsCore core) {
    RequestMetrics metrics = new RequestMetrics(core.producer());
    if ("off".equals(System.getenv("MS_COORDINATOR_REQUEST_METRICS"))) {
      metrics.enabled(false);
    }
    return metrics;
  }

  /**
   * The one outbound HTTP layer every capability calls through, with the client TLS of each
   * destination kind: instances take {@code tls_config.mindie_client_tls_*}. Every request carries
   * {@code http_config.user_agent}; as many idle connections are kept per instance as it may run
   * requests at once.
   */
  private static OutboundClient outbound(TlsConfig tls, DataPlaneSettings dataPlane) {
    OutboundClient.Builder client =
        OutboundClient.builder()
            .userAgent(dataPlane.userAgent())
            .poolSize(DestinationKind.INSTANCE, dataPlane.singleNodeMaxRequests());
    tls.client(TlsConfig.MINDIE_CLIENT)
        .ifPresent(t -> client.tls(DestinationKind.INSTANCE, t.sslContext(), t.sslParameters()));
    return client.build();
  }

  /** Something shared that is closed, in assembly order, after the capabilities using it. */
  private static Capability closing(String name, AutoCloseable resource) {
    return new Capability() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void close() {
        try {
          resource.close();
        } catch (Exception e) {
          LOG.warning("close failed: name=" + name + " reason=" + e);
        }
      }
    };
  }

  private static <T extends Capability> T add(List<Capability> started, T capability) {
    started.add(capability);
    return capability;
  }

  /** The bound port of a listener. */
  public int port(String listener) {
    return listeners.server().port(Listeners.socket(listener));
  }

  /** The base URI of a listener, e.g. {@code http://127.0.0.1:1026}. */
  public URI uri(String listener) {
    ListenerSettings l = listeners.settings().get(listener);
    if (l == null) {
      throw new IllegalArgumentException("no such listener: " + listener);
    }
    String host = l.host().contains(":") ? "[" + l.host() + "]" : l.host();
    return URI.create(l.scheme() + "://" + host + ":" + port(listener));
  }

  /** A listener's settings as bound (port 0 where a free one was asked for). */
  public Optional<ListenerSettings> listener(String name) {
    return Optional.ofNullable(listeners.settings().get(name));
  }

  public CoordinatorConfig config() {
    return config;
  }

  /** The capabilities, in the order they were assembled. */
  public List<Capability> capabilities() {
    return capabilities;
  }

  public InstanceRegistry registry() {
    return cluster.registry();
  }

  public RequestTracker tracker() {
    return cluster.tracker();
  }

  public MasterState master() {
    return cluster.master();
  }

  public Probes probes() {
    return probes;
  }

  /** The node scraper: every online instance's {@code /metrics}, merged. */
  public NodeScraper scraper() {
    return scrape.scraper();
  }

  /** The data plane: the predict listener's requests. */
  public DataPlane dataPlane() {
    return dataPlane;
  }

  public MetricsCore metrics() {
    return metrics.core();
  }

  /**
   * Stops the listeners (in-flight requests get the grace period to finish), then every capability
   * in the reverse order of assembly.
   */
  @Override
  public void close() {
    if (listeners.server().isRunning()) {
      listeners.server().stop();
    }
    closeAll(capabilities);
  }

  private static void closeAll(List<Capability> capabilities) {
    for (int i = capabilities.size() - 1; i >= 0; i--) {
      capabilities.get(i).close();
    }
  }
}
