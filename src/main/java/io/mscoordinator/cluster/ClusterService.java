package io.mscoordinator.cluster;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.mscoordinator.capability.Routes;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The controller's endpoints: instance refresh, offline/online, task queries and the master/standby
 * handshake. Stateless itself; the state lives in the registry, tracker and master state it is
 * given.
 */
final class ClusterService {
  private static final Logger LOG = Logger.getLogger(ClusterService.class.getName());

  private final InstanceRegistry registry;
  private final RequestTracker tracker;
  private final MasterState master;
  private final DeployMode deployMode;
  private final JsonBodies bodies;

  ClusterService(
      InstanceRegistry registry,
      RequestTracker tracker,
      MasterState master,
      DeployMode deployMode,
      long bodyLimitBytes) {
    this.registry = registry;
    this.tracker = tracker;
    this.master = master;
    this.deployMode = deployMode;
    this.bodies = new JsonBodies(bodyLimitBytes);
  }

  void routing(Routes routes) {
    routes
        .post("/v1/instances/refresh", json(this::refresh, JsonBodies::sendError))
        .post(
            "/v1/instances/offline",
            json((body, res) -> setOffline(body, res, true), JsonBodies::sendError))
        .post(
            "/v1/instances/online",
            json((body, res) -> setOffline(body, res, false), JsonBodies::sendError))
        .post("/v1/instances/query_tasks", json(this::queryTasks, JsonBodies::sendError))
        .get("/recvs_info", this::recvsInfo)
        .post("/backup_info", json(this::backupInfo, ClusterService::backupRefused));
  }

  /**
   * The answer to a body Helidon refuses before routing, from a Content-Length past the limit: the
   * same 413 and reason the routes send for a body that grows past it.
   */
  DirectHandler tooLargeHandler() {
    byte[] body = JsonBodies.tooLargeBody(bodies.limitBytes());
    return (req, type, status, headers, message) ->
        DirectHandler.TransportResponse.builder()
            .status(status)
            .headers(headers)
            .header(HeaderValues.CONTENT_TYPE_JSON)
            .entity(body)
            .keepAlive(false)
            .build();
  }

  /** A handler of a JSON body that may refuse it. */
  @FunctionalInterface
  private interface BodyHandler {
    void handle(JsonObject body, ServerResponse res) throws InvalidRequestException;
  }

  /** Reads the body within the limits, then hands it on; 413 past the size limit. */
  private Handler json(
      BodyHandler handler, BiConsumer<ServerResponse, InvalidRequestException> refuse) {
    return (req, res) -> {
      try {
        handler.handle(bodies.read(req), res);
      } catch (InvalidRequestException e) {
        LOG.log(Level.INFO, "request refused: path={0} {1}", new Object[] {req.path().path(), e});
        refuse.accept(res, e);
      } catch (JsonBodies.TooLargeException e) {
        JsonBodies.sendTooLarge(res, bodies.limitBytes());
      }
    };
  }

  private void refresh(JsonObject body, ServerResponse res) throws InvalidRequestException {
    List<Instance> desired = RefreshDecoder.decode(body);
    InstanceRegistry.RefreshResult result = registry.refresh(desired);
    LOG.log(
        Level.FINE,
        "refresh applied: instances={0} added={1} updated={2} removed={3}",
        new Object[] {desired.size(), result.added(), result.updated(), result.removed()});
    res.status(Status.OK_200).send();
  }

  private void setOffline(JsonObject body, ServerResponse res, boolean offline)
      throws InvalidRequestException {
    boolean applied = registry.setOffline(decodeIds(body), offline);
    res.status(applied ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503).send();
  }

  /** The {@code ids} of an offline or online body. */
  static List<Long> decodeIds(JsonObject body) throws InvalidRequestException {
    JsonArray array = JsonFields.array(body, "ids", "ids", RefreshDecoder.MAX_INSTANCES);
    List<Long> ids = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      ids.add(JsonFields.uint64(array.get(i), "ids[" + i + "]"));
    }
    return ids;
  }

  /** The prefill and decode ids of a query_tasks body. */
  static long[] decodeTaskQuery(JsonObject body) throws InvalidRequestException {
    return new long[] {
      JsonFields.uint64(body, "p_id", "p_id"), JsonFields.uint64(body, "d_id", "d_id")
    };
  }

  /** {@code is_master} and {@code is_abnormal} of a backup_info body. */
  static boolean[] decodeBackup(JsonObject body) throws InvalidRequestException {
    return new boolean[] {
      JsonFields.bool(body, "is_master", "is_master"),
      JsonFields.bool(body, "is_abnormal", "is_abnormal")
    };
  }

  private void queryTasks(JsonObject body, ServerResponse res) throws InvalidRequestException {
    long[] query = decodeTaskQuery(body);
    long prefillId = query[0];
    long decodeId = query[1];
    ClusterView view = registry.view();
    boolean known = view.instance(prefillId).isPresent() && view.instance(decodeId).isPresent();
    boolean isEnd = !known || !view.usable(deployMode) || !tracker.anyRunning(prefillId, decodeId);
    JsonBodies.sendJson(
        res, Status.OK_200, Json.createObjectBuilder().add("is_end", isEnd).build());
  }

  private void recvsInfo(ServerRequest req, ServerResponse res) {
    JsonBodies.sendJson(
        res,
        Status.OK_200,
        Json.createObjectBuilder()
            .add("is_master", master.master())
            .add("recv_flow", tracker.takeReceived())
            .build());
  }

  private void backupInfo(JsonObject body, ServerResponse res) throws InvalidRequestException {
    boolean[] backup = decodeBackup(body);
    boolean isMaster = backup[0];
    boolean abnormal = backup[1];
    if (!registry.view().refreshed()) {
      JsonBodies.sendJson(
          res,
          Status.SERVICE_UNAVAILABLE_503,
          Json.createObjectBuilder().add("update_successfully", false).build());
      return;
    }
    master.update(isMaster, abnormal);
    JsonBodies.sendJson(
        res, Status.OK_200, Json.createObjectBuilder().add("update_successfully", true).build());
  }

  /** {@code /backup_info} answers a bad body in its own shape. */
  private static void backupRefused(ServerResponse res, InvalidRequestException e) {
    JsonBodies.sendJson(
        res,
        Status.BAD_REQUEST_400,
        Json.createObjectBuilder()
            .add("update_successfully", false)
            .add("field", e.field())
            .add("rule", e.rule())
            .build());
  }
}
