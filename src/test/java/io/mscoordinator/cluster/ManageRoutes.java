package io.mscoordinator.cluster;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import io.mscoordinator.health.Probes;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The manage listener's controller routes and probes, as the coordinator binds them, on a fresh
 * cluster (the shipped deploy mode, {@code pd_separate}, and body limit, 10 MB): either on
 * Helidon's in-memory routing (the {@link DirectClient} that {@code @RoutingTest} injects: no
 * socket, no coordinator) or on a real loopback socket. Confined to the test thread.
 */
final class ManageRoutes implements AutoCloseable {
  static final long BODY_LIMIT = 10 << 20;

  private final ClusterCapability cluster;
  private final Http1Client client;
  private final WebServer server;

  private ManageRoutes(boolean socket) {
    this.cluster =
        new ClusterCapability(new ClusterSettings(DeployMode.PD_SEPARATE, false), BODY_LIMIT);
    Probes probes =
        new Probes(
            cluster::usable,
            cluster.master()::master,
            model -> cluster.registry().view().servesModel(model));
    probes.markStarted();
    HttpRouting.Builder routing = HttpRouting.builder();
    Routes.bind(
        routing,
        routes -> {
          probes.routing(SharedListener.MANAGE, routes);
          cluster.routing(SharedListener.MANAGE, routes);
        });
    if (socket) {
      this.server =
          WebServer.builder()
              .host("127.0.0.1")
              .port(0)
              .shutdownHook(false)
              .maxPayloadSize(BODY_LIMIT)
              .routing(routing)
              .build()
              .start();
      this.client = Http1Client.builder().baseUri("http://127.0.0.1:" + server.port()).build();
    } else {
      this.server = null;
      this.client = new DirectClient(routing);
    }
  }

  /** In memory, through Helidon's routing without a socket. */
  static ManageRoutes inMemory() {
    return new ManageRoutes(false);
  }

  /** The same routes on a loopback socket. */
  static ManageRoutes overSocket() {
    return new ManageRoutes(true);
  }

  ClusterCapability cluster() {
    return cluster;
  }

  Answer get(String path) {
    return answer(client.method(Method.GET).path(path).request());
  }

  Answer post(String path, String body) {
    return post(path, body.getBytes(StandardCharsets.UTF_8), null);
  }

  /** POST without a Content-Type unless {@code contentType} is given, as many clients do. */
  Answer post(String path, byte[] body, String contentType) {
    Http1ClientRequest request = client.method(Method.POST).path(path);
    if (contentType != null) {
      request.header(HeaderNames.CONTENT_TYPE, contentType);
    }
    return answer(request.submit(body));
  }

  private static Answer answer(Http1ClientResponse response) {
    try (response) {
      String body = response.entity().hasEntity() ? response.entity().as(String.class) : "";
      return new Answer(
          response.status().code(),
          body,
          response.headers().first(HeaderNames.CONTENT_TYPE),
          response.headers().first(HeaderNames.CONTENT_LENGTH));
    }
  }

  @Override
  public void close() {
    client.closeResource();
    if (server != null) {
      server.stop();
    }
  }

  /** One answer: its status, body and the two headers the tests read. */
  record Answer(
      int statusCode, String body, Optional<String> contentType, Optional<String> contentLength) {
    JsonObject json() {
      return Json.createReader(new StringReader(body)).readObject();
    }
  }
}
