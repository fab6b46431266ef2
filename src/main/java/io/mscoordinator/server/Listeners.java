package io.mscoordinator.server;

import io.helidon.common.mapper.MapperManager;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.DirectHandler;
import io.helidon.http.Status;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.ListenerLimits;
import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.capability.OwnListener;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The one place where routes meet listeners: builds the Helidon web server with the manage listener
 * (Helidon's default socket), the status and external listeners when configured, and every listener
 * a capability owns, each with its own limits, TLS and routes.
 *
 * <p>Confined to the thread that starts the coordinator.
 */
final class Listeners {
  static {
    cacheGlobalMappers();
  }

  /**
   * Helidon 4.4 looks the global {@code MapperManager} up in its service registry, building a new
   * one, on every call while none is set, and reads every typed header value through it (each
   * request's Content-Length, twice): a fifth of a small proxied request's Java time went there
   * (JFR, wrk on the data listener). Setting the registry's own once, before any listener reads a
   * header, makes it a field read (built as Helidon builds it, from the mappers it discovers). The
   * API is deprecated for removal in favour of the service registry, which is what costs here;
   * revisit on the next Helidon.
   */
  @SuppressWarnings("removal")
  private static void cacheGlobalMappers() {
    MapperManager.global(MapperManager.create());
  }

  private final Map<String, ListenerSettings> bound = new LinkedHashMap<>();
  private final List<Capability> capabilities;
  private final WebServer server;

  /**
   * @param tooLarge the answer of the shared listeners to a body declared past the limit
   */
  Listeners(CoordinatorConfig config, List<Capability> capabilities, DirectHandler tooLarge) {
    this.capabilities = capabilities;
    HttpSettings http = config.http();
    ListenerSettings manage = config.bound(http.manage());
    WebServerConfig.Builder builder =
        WebServer.builder()
            .shutdownHook(false)
            .host(manage.host())
            .port(manage.port())
            .maxPayloadSize(http.limits().maxPayloadBytes())
            .directHandlers(onTooLarge(tooLarge))
            .maxConcurrentRequests(http.limits().maxConcurrentRequests())
            .maxTcpConnections(http.limits().maxConnections())
            .idleConnectionTimeout(http.limits().idleTimeout())
            .connectionOptions(Listeners::connectionOptions)
            .routing(r -> bind(r, capabilities, SharedListener.MANAGE));
    manage.tls().ifPresent(builder::tls);
    bound.put(Coordinator.MANAGE, manage);
    http.status()
        .map(config::bound)
        .ifPresent(l -> shared(builder, l, http, tooLarge, SharedListener.STATUS));
    http.external()
        .map(config::bound)
        .ifPresent(l -> shared(builder, l, http, tooLarge, SharedListener.EXTERNAL));
    for (Capability capability : capabilities) {
      for (OwnListener own : capability.listeners()) {
        put(
            builder,
            config.bound(own.settings()),
            own.limits(),
            own.tooLarge(),
            own.routes(),
            own.socket());
      }
    }
    this.server = builder.build();
  }

  WebServer server() {
    return server;
  }

  /** The listeners by name, as configured (port 0 where bound to a free one). */
  Map<String, ListenerSettings> settings() {
    return bound;
  }

  /** Helidon's name of a listener: the manage listener is its default socket. */
  static String socket(String name) {
    return Coordinator.MANAGE.equals(name) ? WebServer.DEFAULT_SOCKET_NAME : name;
  }

  /** The status or external listener: the shared limits and 413, the capabilities' routes. */
  private void shared(
      WebServerConfig.Builder builder,
      ListenerSettings listener,
      HttpSettings http,
      DirectHandler tooLarge,
      SharedListener role) {
    put(
        builder,
        listener,
        http.limits(),
        tooLarge,
        routes -> declare(routes, capabilities, role),
        socket -> {});
  }

  private void put(
      WebServerConfig.Builder builder,
      ListenerSettings listener,
      ListenerLimits limits,
      DirectHandler tooLarge,
      Consumer<Routes> routes,
      Consumer<ListenerConfig.Builder> more) {
    if (bound.putIfAbsent(listener.name(), listener) != null) {
      throw new IllegalStateException("two listeners named " + listener.name());
    }
    builder.putSocket(
        socket(listener.name()),
        socket -> {
          HttpRouting.Builder routing = HttpRouting.builder();
          Routes.bind(routing, routes);
          socket
              .host(listener.host())
              .port(listener.port())
              .maxPayloadSize(limits.maxPayloadBytes())
              .directHandlers(onTooLarge(tooLarge))
              .maxConcurrentRequests(limits.maxConcurrentRequests())
              .maxTcpConnections(limits.maxConnections())
              .idleConnectionTimeout(limits.idleTimeout())
              .connectionOptions(Listeners::connectionOptions)
              .routing(routing);
          listener.tls().ifPresent(socket::tls);
          more.accept(socket);
        });
  }

  private static void bind(
      HttpRouting.Builder routing, List<Capability> capabilities, SharedListener listener) {
    Routes.bind(routing, routes -> declare(routes, capabilities, listener));
  }

  private static void declare(
      Routes routes, List<Capability> capabilities, SharedListener listener) {
    for (Capability capability : capabilities) {
      capability.routing(listener, routes);
    }
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
}
