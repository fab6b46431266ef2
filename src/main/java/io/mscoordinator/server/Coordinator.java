package io.mscoordinator.server;

import io.helidon.common.socket.SocketOptions;
import io.helidon.common.tls.Tls;
import io.helidon.http.DirectHandler;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.mscoordinator.cluster.ClusterFamilySource;
import io.mscoordinator.cluster.ClusterService;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.MasterState;
import io.mscoordinator.cluster.RequestTracker;
import io.mscoordinator.exposition.MetricsHandler;
import io.mscoordinator.health.Probes;
import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.otlp.CoreOtlpSink;
import io.mscoordinator.otlp.OtlpService;
import io.mscoordinator.otlp.OtlpSink;
import io.mscoordinator.otlp.OtlpStats;
import io.mscoordinator.scrape.NodeScraper;
import io.mscoordinator.scrape.ScrapeFamilySource;
import io.mscoordinator.scrape.StrictMetricsHandler;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A running coordinator: its state and its listeners. {@link #start} returns only when every
 * listener is bound, and fails (stopping whatever it started) when one is not.
 *
 * <p>Threadsafe: immutable after {@link #start}; {@link #close} may be called from any thread, more
 * than once.
 */
public final class Coordinator implements AutoCloseable {
  /** Listener names, as used by {@link #port} and {@link #uri}. */
  public static final String MANAGE = WebServer.DEFAULT_SOCKET_NAME;

  public static final String STATUS = "status";
  public static final String EXTERNAL = "external";
  public static final String OTLP = "otlp";

  private static final Logger LOG = Logger.getLogger(Coordinator.class.getName());

  private final CoordinatorConfig config;
  private final InstanceRegistry registry;
  private final RequestTracker tracker;
  private final MasterState master;
  private final Probes probes;
  private final MetricsCore metrics;
  private final NodeScraper scraper;
  private final WebServer server;
  private final Map<String, CoordinatorConfig.Listener> listeners = new LinkedHashMap<>();

  private Coordinator(CoordinatorConfig config, MetricsCore metrics, OtlpSink otlpSink) {
    this.config = config;
    this.metrics = metrics;
    this.registry = new InstanceRegistry();
    this.tracker = new RequestTracker();
    this.master = new MasterState(config.backupEnabled());
    this.probes =
        new Probes(
            () -> registry.view().usable(config.deployMode()),
            master::master,
            model -> registry.view().servesModel(model));
    probes.addLivenessCheck(metrics.livenessCheck());
    metrics.addFamilySource(new ClusterFamilySource(registry, master, config.deployMode()));
    this.scraper =
        NodeScraper.start(
            config.scrape(),
            registry,
            config.scrapeTls().map(Tls::sslContext).orElse(null),
            config.scrapeTls().map(Tls::sslParameters).orElse(null));
    metrics.addFamilySource(ScrapeFamilySource.cluster(scraper::snapshot));
    Handler metricsHandler = new StrictMetricsHandler(metrics.handler(), scraper::snapshot);
    Handler instancesHandler =
        new MetricsHandler(List.of(ScrapeFamilySource.instances(scraper::snapshot)));
    ClusterService cluster =
        new ClusterService(registry, tracker, master, config.deployMode(), config.bodyLimitBytes());
    // the answer of the manage, status and external listeners to a body declared past the limit
    DirectHandler jsonTooLarge = cluster.tooLargeHandler();

    WebServerConfig.Builder builder =
        WebServer.builder()
            .shutdownHook(false)
            .host(config.manage().host())
            .port(config.manage().port())
            .maxPayloadSize(config.bodyLimitBytes())
            .directHandlers(onTooLarge(jsonTooLarge))
            .maxConcurrentRequests(config.limits().maxConcurrentRequests())
            .maxTcpConnections(config.limits().maxConnections())
            .idleConnectionTimeout(Duration.ofSeconds(config.limits().idleTimeoutSeconds()))
            .connectionOptions(Coordinator::connectionOptions)
            .routing(r -> Routes.manage(r, probes, cluster, metricsHandler, instancesHandler));
    config.manage().tls().ifPresent(builder::tls);
    listeners.put(MANAGE, config.manage());
    config
        .status()
        .ifPresent(
            l -> {
              listeners.put(STATUS, l);
              builder.putSocket(
                  STATUS,
                  s ->
                      socket(
                          s,
                          l,
                          config.bodyLimitBytes(),
                          jsonTooLarge,
                          r -> Routes.status(r, probes)));
            });
    config
        .external()
        .ifPresent(
            l -> {
              listeners.put(EXTERNAL, l);
              builder.putSocket(
                  EXTERNAL,
                  s ->
                      socket(
                          s,
                          l,
                          config.bodyLimitBytes(),
                          jsonTooLarge,
                          r -> Routes.external(r, metricsHandler, instancesHandler)));
            });
    config
        .otlp()
        .ifPresent(
            l -> {
              listeners.put(OTLP, l);
              OtlpStats stats = new OtlpStats(metrics.producer()::ringFullWaits);
              metrics.addFamilySource(stats);
              OtlpService otlp = new OtlpService(config.otlpSettings(), otlpSink, stats);
              builder.putSocket(
                  OTLP,
                  s -> {
                    socket(
                        s,
                        l,
                        config.otlpSettings().bodyLimitBytes(),
                        otlp.tooLargeHandler(),
                        r -> Routes.otlp(r, otlp));
                    // The receiver inflates gzip itself, within the body limit.
                    s.contentEncoding(OtlpService.contentEncoding());
                  });
            });
    try {
      this.server = builder.build();
    } catch (RuntimeException e) {
      scraper.close();
      throw e;
    }
  }

  private void socket(
      io.helidon.webserver.ListenerConfig.Builder socket,
      CoordinatorConfig.Listener listener,
      long maxPayloadBytes,
      DirectHandler tooLarge,
      java.util.function.Consumer<HttpRouting.Builder> routes) {
    HttpRouting.Builder routing = HttpRouting.builder();
    routes.accept(routing);
    socket
        .host(listener.host())
        .port(listener.port())
        .maxPayloadSize(maxPayloadBytes)
        .directHandlers(onTooLarge(tooLarge))
        .maxConcurrentRequests(config.limits().maxConcurrentRequests())
        .maxTcpConnections(config.limits().maxConnections())
        .idleConnectionTimeout(Duration.ofSeconds(config.limits().idleTimeoutSeconds()))
        .connectionOptions(Coordinator::connectionOptions)
        .routing(routing);
    listener.tls().ifPresent(socket::tls);
  }

  /**
   * Helidon refuses a body whose Content-Length is past the listener's limit before routing, with
   * an empty 413; {@code tooLarge} answers it with the reason the listener's routes give instead.
   * Every other refusal is answered as Helidon does.
   */
  private static DirectHandlers onTooLarge(DirectHandler tooLarge) {
    DirectHandler helidons = DirectHandler.defaultHandler();
    DirectHandler handler =
        (req, type, status, headers, message) ->
            (status.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code() ? tooLarge : helidons)
                .handle(req, type, status, headers, message);
    return DirectHandlers.builder()
        .addHandler(DirectHandler.EventType.BAD_REQUEST, handler)
        .build();
  }

  /**
   * Options of every accepted connection: TCP_NODELAY, because Helidon writes an answer's headers
   * and body in separate segments and, with Nagle's algorithm on, the body waited for the client's
   * delayed ACK: every 14 KB {@code /metrics} answer on a kept-alive connection took 44 ms.
   */
  private static void connectionOptions(SocketOptions.Builder options) {
    options.tcpNoDelay(true);
  }

  /**
   * Starts every listener; the OTLP receiver offers into the metrics core's ingest ring.
   *
   * @throws IllegalStateException when a listener cannot bind; nothing is left running
   */
  public static Coordinator start(CoordinatorConfig config) {
    return start(config, Coordinator::coreSink);
  }

  /**
   * How long an OTLP request thread waits for room in a full ingest ring before it gives up on the
   * rest of the export (then answered with {@code partialSuccess}, or 503 and {@code Retry-After}
   * when nothing was taken). The agent drains a ring in microseconds once awake, so a burst waits
   * instead of losing points; a ring still full after this means the agent is behind.
   */
  public static final Duration OTLP_RING_WAIT = Duration.ofMillis(50);

  /** The production OTLP sink: the core's in-process producer, under the core's series limit. */
  public static OtlpSink coreSink(MetricsCore metrics) {
    return new CoreOtlpSink(
        metrics.producer().waiting(OTLP_RING_WAIT),
        metrics::seriesCount,
        metrics.settings().seriesLimit());
  }

  /**
   * Starts every listener, the OTLP receiver feeding the sink {@code otlpSink} makes from the core
   * (tests wrap {@link #coreSink} to provoke what a real ring does only under load).
   *
   * @throws IllegalStateException when a listener cannot bind; nothing is left running
   */
  public static Coordinator start(
      CoordinatorConfig config, Function<MetricsCore, OtlpSink> otlpSink) {
    MetricsCore metrics = MetricsCore.start(config.metrics());
    Coordinator coordinator;
    try {
      coordinator = new Coordinator(config, metrics, otlpSink.apply(metrics));
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    coordinator.server.start();
    for (Map.Entry<String, CoordinatorConfig.Listener> entry : coordinator.listeners.entrySet()) {
      // Helidon reports a port it could not bind as -1 instead of failing start().
      if (coordinator.server.port(entry.getKey()) <= 0) {
        coordinator.close();
        CoordinatorConfig.Listener l = entry.getValue();
        throw new IllegalStateException(
            "listener failed to bind: name="
                + name(entry.getKey())
                + " address="
                + l.host()
                + ":"
                + l.port());
      }
    }
    coordinator.probes.markStarted();
    for (String name : coordinator.listeners.keySet()) {
      CoordinatorConfig.Listener l = coordinator.listeners.get(name);
      LOG.info(
          "listening: name="
              + name(name)
              + " url="
              + coordinator.uri(name)
              + " scope="
              + (InetAddress.ofLiteral(l.host()).isLoopbackAddress()
                  ? "loopback-only"
                  : "network"));
    }
    return coordinator;
  }

  private static String name(String socket) {
    return MANAGE.equals(socket) ? "manage" : socket;
  }

  /** The bound port of a listener. */
  public int port(String listener) {
    return server.port(listener);
  }

  /** The base URI of a listener, e.g. {@code http://127.0.0.1:1026}. */
  public URI uri(String listener) {
    CoordinatorConfig.Listener l = listeners.get(listener);
    if (l == null) {
      throw new IllegalArgumentException("no such listener: " + listener);
    }
    String host = l.host().contains(":") ? "[" + l.host() + "]" : l.host();
    return URI.create(l.scheme() + "://" + host + ":" + port(listener));
  }

  public Optional<CoordinatorConfig.Listener> listener(String name) {
    return Optional.ofNullable(listeners.get(name));
  }

  public CoordinatorConfig config() {
    return config;
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

  public Probes probes() {
    return probes;
  }

  /** The node scraper: every online instance's {@code /metrics}, merged. */
  public NodeScraper scraper() {
    return scraper;
  }

  public MetricsCore metrics() {
    return metrics;
  }

  /**
   * Stops the listeners (in-flight requests get the grace period to finish), then the ingest agent.
   */
  @Override
  public void close() {
    if (server.isRunning()) {
      server.stop();
    }
    scraper.close();
    metrics.close();
  }
}
