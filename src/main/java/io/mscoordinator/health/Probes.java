package io.mscoordinator.health;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.mscoordinator.capability.Capability;
import io.mscoordinator.capability.Routes;
import io.mscoordinator.capability.SharedListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Start-up, liveness and readiness probes, served on the manage and status listeners. Every answer
 * has an empty body; the status code is the answer. Liveness asks every capability it watches
 * whether its own threads work.
 *
 * <p>Threadsafe: the start-up flag is volatile and the watched capabilities a copy-on-write list.
 */
public final class Probes implements Capability {
  private static final Logger LOG = Logger.getLogger(Probes.class.getName());

  private final BooleanSupplier clusterUsable;
  private final BooleanSupplier master;
  private final Predicate<String> modelReady;
  private final List<Capability> watched = new CopyOnWriteArrayList<>();
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

  /** Watches capabilities whose death makes the process unhealthy (e.g. the ingest agent's). */
  public void watch(List<? extends Capability> capabilities) {
    watched.addAll(capabilities);
  }

  /** Called once every listener is bound. */
  public void markStarted() {
    started = true;
  }

  @Override
  public String name() {
    return "health";
  }

  @Override
  public void routing(SharedListener listener, Routes routes) {
    if (listener == SharedListener.EXTERNAL) {
      return;
    }
    routes
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

  /** Whether every watched capability says it is alive. */
  public boolean live() {
    for (Capability capability : watched) {
      boolean alive;
      try {
        alive = capability.alive();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "liveness check failed: capability=" + capability.name(), e);
        return false;
      }
      if (!alive) {
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
