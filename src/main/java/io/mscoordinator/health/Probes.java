package io.mscoordinator.health;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Start-up, liveness and readiness probes. Every answer has an empty body; the status code is the
 * answer.
 *
 * <p>Threadsafe: the start-up flag is volatile and the liveness checks a copy-on-write list.
 */
public final class Probes implements HttpService {
  private static final Logger LOG = Logger.getLogger(Probes.class.getName());

  private final BooleanSupplier clusterUsable;
  private final BooleanSupplier master;
  private final Predicate<String> modelReady;
  private final List<HealthCheck> liveness = new CopyOnWriteArrayList<>();
  private volatile boolean started;

  /**
   * @param clusterUsable whether enough instances are online for the deploy mode
   * @param master whether this coordinator may serve as master (always true when master/standby is
   *     off)
   * @param modelReady whether an online instance serves the named model
   */
  public Probes(
      BooleanSupplier clusterUsable, BooleanSupplier master, Predicate<String> modelReady) {
    this.clusterUsable = clusterUsable;
    this.master = master;
    this.modelReady = modelReady;
  }

  /** Adds a component whose death makes the process unhealthy (e.g. the ingest agent). */
  public void addLivenessCheck(HealthCheck check) {
    liveness.add(check);
  }

  /** Called once every listener is bound. */
  public void markStarted() {
    started = true;
  }

  @Override
  public void routing(HttpRules rules) {
    rules
        .get("/v1/startup", (req, res) -> answer(res, started))
        .get("/v1/health", this::live)
        .get("/v2/health/live", this::live)
        .get(
            "/v1/readiness",
            (req, res) -> answer(res, clusterUsable.getAsBoolean() && master.getAsBoolean()))
        .get("/v2/health/ready", (req, res) -> answer(res, clusterUsable.getAsBoolean()))
        .get("/v2/models/{name}/ready", this::modelReady)
        .get(
            "/v2/models/{name}/versions/{version}/ready",
            (req, res) -> res.status(Status.NOT_FOUND_404).send());
  }

  /** Whether every liveness check answers UP. */
  public boolean live() {
    for (HealthCheck check : liveness) {
      HealthCheckResponse response;
      try {
        response = check.call();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "liveness check failed: name=" + check.name(), e);
        return false;
      }
      if (response.status() != HealthCheckResponse.Status.UP) {
        return false;
      }
    }
    return true;
  }

  private void live(ServerRequest req, ServerResponse res) {
    answer(res, live());
  }

  private void modelReady(ServerRequest req, ServerResponse res) {
    String name = req.path().pathParameters().get("name");
    answer(res, modelReady.test(name));
  }

  private static void answer(ServerResponse res, boolean ok) {
    res.status(ok ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503).send();
  }
}
