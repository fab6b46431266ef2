package io.mscoordinator.dataplane;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.InstanceRegistry;
import io.mscoordinator.cluster.InstanceSignals;
import io.mscoordinator.cluster.Role;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;

/**
 * Fleets for scheduler tests, built as {@code Dispatcher} builds them: one {@link Load} per
 * instance id, kept across rebuilds, so that a test can change what instances report (a new {@link
 * Instance} record) while the requests in flight stay counted. Confined to the test's thread,
 * except the fleets it hands out (as threadsafe as the real ones).
 */
final class Fleets {
  static final String MODEL = "m";

  private final int singleNodeMax;
  private final Map<Long, Load> loads = new HashMap<>();
  private final AtomicInteger released = new AtomicInteger();

  /** What the fleets report as scraped figures; tests set them per instance id. */
  final Signals signals = new Signals();

  Fleets(int singleNodeMax) {
    this.singleNodeMax = singleNodeMax;
  }

  /** A fleet of {@code instances}, all online, with the loads of earlier fleets of the same ids. */
  Fleet of(Instance... instances) {
    InstanceRegistry registry = new InstanceRegistry();
    registry.refresh(List.of(instances));
    Load[] fleetLoads = new Load[instances.length];
    for (int i = 0; i < instances.length; i++) {
      fleetLoads[i] = loads.computeIfAbsent(instances[i].id(), Load::new);
    }
    return new Fleet(
        registry.view(), instances, fleetLoads, singleNodeMax, signals, released::incrementAndGet);
  }

  /** Placements released so far (the dispatcher's wake-up callback). */
  int released() {
    return released.get();
  }

  /** An instance of {@link #MODEL} that reports no slots or blocks (capacity: the node limit). */
  static Instance instance(long id) {
    return instance(id, MODEL, 0, 0, 0, 0);
  }

  /** An instance of {@link #MODEL} reporting {@code slots} slots, all free. */
  static Instance withSlots(long id, long slots) {
    return instance(id, MODEL, slots, slots, 0, 0);
  }

  static Instance instance(
      long id, String model, long totalSlots, long availSlots, long totalBlocks, long availBlocks) {
    return new Instance(
        id,
        "127.0.0.1",
        (int) (20_000 + id),
        (int) (30_000 + id),
        model,
        0,
        2048,
        512,
        totalSlots,
        totalBlocks,
        128,
        0,
        Role.UNDEF,
        availSlots,
        availBlocks,
        List.of());
  }

  /** A request without model, conversation or session. */
  static InferenceRequest request() {
    return new InferenceRequest("openai", false, null, 0, 10);
  }

  static InferenceRequest forModel(String model) {
    return new InferenceRequest("openai", false, model, 0, 10);
  }

  static InferenceRequest inConversation(long conversation) {
    return new InferenceRequest("openai", false, null, conversation, 10);
  }

  static InferenceRequest inSession(String session) {
    return request().inSession(session);
  }

  /** The in-flight count of each instance of {@code fleet}, in fleet order. */
  static int[] inFlight(Fleet fleet) {
    int[] counts = new int[fleet.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = fleet.load(i).inFlight();
    }
    return counts;
  }

  /**
   * {@code threads} threads place and release {@code total} requests (made by {@code requests} from
   * a random number) with {@code scheduler} at once; returns the most requests each instance was
   * seen to hold, read right after each placement.
   */
  static int[] hammer(
      Scheduler scheduler,
      Fleet fleet,
      int threads,
      int total,
      IntFunction<InferenceRequest> requests)
      throws Exception {
    AtomicIntegerArray max = new AtomicIntegerArray(fleet.size());
    AtomicInteger remaining = new AtomicInteger(total);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Future<?>[] futures = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        futures[t] =
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (remaining.getAndDecrement() > 0) {
                    Placement p;
                    while ((p = scheduler.place(requests.apply(random.nextInt()), fleet)) == null) {
                      Thread.onSpinWait();
                    }
                    int i = fleet.indexOf(p.prefill().id());
                    int held = p.prefillLoad().inFlight();
                    max.accumulateAndGet(i, held, Math::max);
                    p.release();
                  }
                  return null;
                });
      }
      for (Future<?> f : futures) {
        f.get(50, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }
    int[] result = new int[fleet.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = max.get(i);
    }
    return result;
  }

  /** Scraped figures set by hand; unset ones read as unknown (NaN). Threadsafe. */
  static final class Signals implements InstanceSignals {
    private final Map<Long, Double> waiting = new ConcurrentHashMap<>();
    private final Map<Long, Double> cache = new ConcurrentHashMap<>();

    void waiting(long id, double value) {
      waiting.put(id, value);
    }

    void cacheUsage(long id, double value) {
      cache.put(id, value);
    }

    @Override
    public double waiting(long instanceId) {
      return waiting.getOrDefault(instanceId, Double.NaN);
    }

    @Override
    public double cacheUsage(long instanceId) {
      return cache.getOrDefault(instanceId, Double.NaN);
    }
  }
}
