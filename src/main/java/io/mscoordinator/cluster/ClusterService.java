package io.mscoordinator.cluster;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The controller's endpoints: instance refresh, offline/online, task queries and the master/standby
 * handshake. Stateless itself; the state lives in the registry, tracker and master state it is
 * given.
 */
public final class ClusterService implements HttpService {
  private static final Logger LOG = Logger.getLogger(ClusterService.class.getName());

  private final InstanceRegistry registry;
  private final RequestTracker tracker;
  private final MasterState master;
  private final DeployMode deployMode;
  private final JsonBodies bodies;

  public ClusterService(
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

  @Override
  public void routing(HttpRules rules) {
    rules
        .post("/v1/instances/refresh", this::refresh)
        .post("/v1/instances/offline", (req, res) -> setOffline(req, res, true))
        .post("/v1/instances/online", (req, res) -> setOffline(req, res, false))
        .post("/v1/instances/query_tasks", this::queryTasks)
        .get("/recvs_info", this::recvsInfo)
        .post("/backup_info", this::backupInfo);
  }

  private void refresh(ServerRequest req, ServerResponse res) {
    List<Instance> desired;
    try {
      desired = RefreshDecoder.decode(bodies.read(req));
    } catch (InvalidRequestException e) {
      LOG.log(Level.INFO, "refresh refused: {0}", e.getMessage());
      JsonBodies.sendError(res, e);
      return;
    } catch (JsonBodies.TooLargeException e) {
      JsonBodies.sendTooLarge(res, bodies.limitBytes());
      return;
    }
    InstanceRegistry.RefreshResult result = registry.refresh(desired);
    LOG.log(
        Level.FINE,
        "refresh applied: instances={0} added={1} updated={2} removed={3}",
        new Object[] {desired.size(), result.added(), result.updated(), result.removed()});
    res.status(Status.OK_200).send();
  }

  private void setOffline(ServerRequest req, ServerResponse res, boolean offline) {
    List<Long> ids = new ArrayList<>();
    try {
      JsonArray array =
          JsonFields.array(bodies.read(req), "ids", "ids", RefreshDecoder.MAX_INSTANCES);
      for (int i = 0; i < array.size(); i++) {
        ids.add(JsonFields.uint64(array.get(i), "ids[" + i + "]"));
      }
    } catch (InvalidRequestException e) {
      JsonBodies.sendError(res, e);
      return;
    } catch (JsonBodies.TooLargeException e) {
      JsonBodies.sendTooLarge(res, bodies.limitBytes());
      return;
    }
    if (!registry.setOffline(ids, offline)) {
      res.status(Status.SERVICE_UNAVAILABLE_503).send();
      return;
    }
    res.status(Status.OK_200).send();
  }

  private void queryTasks(ServerRequest req, ServerResponse res) {
    long prefillId;
    long decodeId;
    try {
      JsonObject body = bodies.read(req);
      prefillId = JsonFields.uint64(body, "p_id", "p_id");
      decodeId = JsonFields.uint64(body, "d_id", "d_id");
    } catch (InvalidRequestException e) {
      JsonBodies.sendError(res, e);
      return;
    } catch (JsonBodies.TooLargeException e) {
      JsonBodies.sendTooLarge(res, bodies.limitBytes());
      return;
    }
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

  private void backupInfo(ServerRequest req, ServerResponse res) {
    boolean isMaster;
    boolean abnormal;
    try {
      JsonObject body = bodies.read(req);
      isMaster = JsonFields.bool(body, "is_master", "is_master");
      abnormal = JsonFields.bool(body, "is_abnormal", "is_abnormal");
    } catch (InvalidRequestException e) {
      JsonBodies.sendJson(
          res,
          Status.BAD_REQUEST_400,
          Json.createObjectBuilder()
              .add("update_successfully", false)
              .add("field", e.field())
              .add("rule", e.rule())
              .build());
      return;
    } catch (JsonBodies.TooLargeException e) {
      JsonBodies.sendTooLarge(res, bodies.limitBytes());
      return;
    }
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
}
