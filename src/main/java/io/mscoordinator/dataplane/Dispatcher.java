package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.ClusterView;
import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * Places requests on instances: the current {@link Fleet} (rebuilt when the registry publishes a
 * new view, so a refresh, offline or online takes effect for the next request), the scheduler, the
 * wait of a request no instance can take yet (until a slot frees, the registry changes or its
 * schedule timeout passes), and instances taken out of scheduling after {@code max_retry}
 * consecutive failed requests and brought back when a probe of them succeeds.
 *
 * <p>Threadsafe: request threads place and release at once; the fleet is rebuilt under this
 * object's lock and published through a volatile field; waiting requests park on one condition.
 */
final class Dispatcher {
  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());

  /** How often an instance out of scheduling is probed. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  private final InstanceRegistry registry;
  private final InstanceSignals signals;
  private final int singleNodeMax;
  private final int failureThreshold;
  private final Clock clock;
  private final Predicate<Instance> probe;
  private final Map<Long, Load> loads = new HashMap<>();
  private volatile Fleet fleet;

  private final AtomicLong version = new AtomicLong();
  private final AtomicInteger waiting = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /**
   * @param maxRetry consecutive failed requests that take an instance out of scheduling (at least
   *     1)
   * @param probe whether an instance answers now (a connect to its port); called on a virtual
   *     thread, may block briefly
   */
  Dispatcher(
      InstanceRegistry registry,
      InstanceSignals signals,
      int singleNodeMax,
      int maxRetry,
      Clock clock,
      Predicate<Instance> probe) {
    this.registry = registry;
    this.signals = signals;
    this.singleNodeMax = singleNodeMax;
    this.failureThreshold = Math.max(1, maxRetry);
    this.clock = clock;
    this.probe = probe;
    registry.addListener(view -> changed());
  }

  /** A request could not be placed before its schedule timeout. */
  static final class ScheduleTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    ScheduleTimeoutException() {
      super("schedule timeout", null, false, false);
    }
  }

  /** The instances to choose from now. */
  Fleet fleet() {
    ClusterView view = registry.view();
    Fleet f = fleet;
    if (f != null && f.view() == view) {
      return f;
    }
    synchronized (this) {
      f = fleet;
      if (f == null || f.view() != view) {
        f = build(view);
        fleet = f;
      }
      return f;
    }
  }

  private Fleet build(ClusterView view) {
    List<Instance> online = view.onlineInstances();
    Instance[] instances = online.toArray(new Instance[0]);
    // every registered instance keeps its load, online or not: requests still running on an
    // instance taken offline must count against its capacity when it comes back
    Map<Long, Load> kept = new HashMap<>();
    for (Instance instance : view.instances()) {
      Load load = loads.get(instance.id());
      kept.put(instance.id(), load != null ? load : new Load(instance.id()));
    }
    Load[] fleetLoads = new Load[instances.length];
    for (int i = 0; i < instances.length; i++) {
      fleetLoads[i] = kept.get(instances[i].id());
    }
    // a departed instance's load goes; requests still on it release into their own reference
    loads.clear();
    loads.putAll(kept);
    return new Fleet(view, instances, fleetLoads, singleNodeMax, signals, this::released);
  }

  /**
   * Places {@code request} with {@code scheduler}, waiting while no instance can take it, at most
   * {@code timeoutNanos} (0: no limit).
   *
   * @throws ScheduleTimeoutException when the timeout passed first
   */
  Placement place(InferenceRequest request, Scheduler scheduler, long timeoutNanos)
      throws ScheduleTimeoutException, InterruptedException {
    Waiter waiter = null;
    try {
      while (true) {
        long seen = version.get();
        Placement p = scheduler.place(request, fleet());
        if (p != null) {
          return p;
        }
        if (waiter == null) {
          waiter = new Waiter();
          waiting.incrementAndGet();
          if (timeoutNanos > 0) {
            Waiter w = waiter;
            waiter.cancel =
                clock.schedule(
                    timeoutNanos,
                    () -> {
                      w.expired = true;
                      changed();
                    });
          }
          continue;
        }
        lock.lock();
        try {
          while (version.get() == seen && !waiter.expired) {
            // bounded, so that a lost wake-up could never strand a request
            changed.await(1, TimeUnit.SECONDS);
          }
        } finally {
          lock.unlock();
        }
        if (waiter.expired) {
          throw new ScheduleTimeoutException();
        }
      }
    } finally {
      if (waiter != null) {
        waiting.decrementAndGet();
        waiter.cancel.cancel();
      }
    }
  }

  /** A request waiting for a slot: its timeout's state. */
  private static final class Waiter {
    volatile boolean expired;
    Clock.Cancel cancel = Clock.Cancel.NONE;
  }

  /** Something that can let a waiting request in happened: a slot freed, the registry changed. */
  void changed() {
    version.incrementAndGet();
    if (waiting.get() > 0) {
      lock.lock();
      try {
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void released() {
    changed();
  }

  /** A request to {@code instance} failed to connect; past the threshold it leaves scheduling. */
  void failed(Instance instance, Load load) {
    if (load.failed(failureThreshold)) {
      LOG.warning(
          "instance out of scheduling: id="
              + instance.idText()
              + " address="
              + instance.ip()
              + ":"
              + instance.port()
              + " consecutive_failures="
              + failureThreshold);
      scheduleProbe(instance, load);
    }
  }

  /** A request to the instance succeeded. */
  void succeeded(Load load) {
    if (load.succeeded()) {
      changed();
    }
  }

  private void scheduleProbe(Instance instance, Load load) {
    clock.schedule(
        PROBE_INTERVAL.toNanos(),
        () ->
            Thread.ofVirtual()
                .name("probe-" + instance.idText())
                .start(() -> probe(instance, load)));
  }

  private void probe(Instance instance, Load load) {
    if (registry.view().instance(instance.id()).isEmpty()) {
      return; // gone from the registry: nothing to bring back
    }
    if (probe.test(instance)) {
      if (load.succeeded()) {
        LOG.info("instance back in scheduling: id=" + instance.idText());
        changed();
      }
    } else {
      scheduleProbe(instance, load);
    }
  }

  /** Requests waiting for a slot now; for tests and figures. */
  int waiting() {
    return waiting.get();
  }
}
