package io.mscoordinator.dataplane;

import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.ingest.MetricsProducer;
import io.mscoordinator.series.Labels;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * What the data plane measures about every inference request (data-plane.md section 7): the timings
 * as exact HdrHistograms in the metrics core, the answers, failures and retries as counters, and
 * the requests in flight.
 *
 * <p><b>Timings</b> go through the core's in-process ring as the coordinator's own series ({@link
 * MetricsProducer#registerOwn}): each family has one series per model ({@code model_name}) in
 * {@code /metrics} and, once a request is dispatched, one per instance ({@code instance_id}, {@code
 * model_name}, {@code role}) in {@code /metrics/instances}, each with the exact {@code _quantiles}
 * of the engine histograms. A timing recorded through an instance's {@link Timings} goes into both
 * its model's series and its instance's: each body counts every request once. The handles are
 * registered at the first {@link #timings} call for a (model, instance, role) and cached; the event
 * methods then write one ring record per series and allocate nothing. A full ring drops the sample
 * and counts it ({@code ms_coordinator_ingest_dropped_total{reason="ring_full"}}); these series
 * count towards the core's series limit like engine series.
 *
 * <p><b>Counters and the in-flight gauge</b> are {@link LongAdder}s and an {@link AtomicLong} here,
 * served by {@link #families()}: they are exact (never dropped on a full ring, never refused by the
 * series limit), a gauge set through the ring could be applied out of order between two threads,
 * and admission reads {@link #inFlight()} directly.
 *
 * <p>Label values are checked: dialects are {@link #DIALECTS}, failure reasons {@link
 * #FAILURE_REASONS}, retry reasons {@link #RETRY_REASONS}, status codes 100 to 599; another value
 * is a caller's bug and throws {@link IllegalArgumentException}. Model names are not checked: every
 * model name passed here becomes series, so callers pass only models the registry knows.
 *
 * <p>Threadsafe: request threads call every method. Lookups read concurrent or copy-on-write maps
 * without locking; what is created on first use (a model's entry, a (model, instance, role)'s
 * timings, a counter cell) is created under the model entry's monitor or by compare-and-set.
 */
public final class RequestMetrics {
  /** Dialect label values. */
  static final List<String> DIALECTS =
      List.of("openai", "tgi", "vllm", "triton", "mindie", "tokenizer");

  /** Failure reason label values of {@code ms_coordinator_request_failures_total}. */
  static final List<String> FAILURE_REASONS =
      List.of(
          "connect",
          "read",
          "schedule_timeout",
          "first_token_timeout",
          "infer_timeout",
          "tokenizer_timeout",
          "client_disconnect",
          "retry_exhausted",
          "p_error",
          "d_error");

  /**
   * Retry reason label values of {@code ms_coordinator_request_retries_total}: {@code reconnect} (a
   * connect to an instance tried again), {@code recompute} (D's {@code retry}: a new P/D choice),
   * {@code resend} (the request sent again to the same P after a non-200 while recomputing).
   */
  static final List<String> RETRY_REASONS = List.of("reconnect", "recompute", "resend");

  /** The histogram families, in {@link Timings} order. */
  static final String[] TIMING_NAMES = {
    "ms_coordinator_request_queue_time_seconds",
    "ms_coordinator_dispatch_overhead_seconds",
    "ms_coordinator_time_to_first_token_seconds",
    "ms_coordinator_inter_token_latency_seconds",
    "ms_coordinator_relay_latency_seconds",
    "ms_coordinator_e2e_request_latency_seconds",
    "ms_coordinator_prefill_latency_seconds",
    "ms_coordinator_pd_handoff_seconds"
  };

  private static final String[] TIMING_HELP = {
    "Request arrival to dispatch to an instance, as the coordinator measures it.",
    "What the coordinator adds before the engine sees a request: arrival to the request written"
        + " to the instance, minus the time queued waiting for capacity.",
    "Request arrival to the first answer byte written to the client (streaming requests).",
    "Time between successive SSE events written to the client (between chunks when the answer"
        + " is not an event stream).",
    "A chunk read from the instance to the same bytes written to the client.",
    "Request arrival to the last byte written to the client.",
    "PD: dispatch to the prefill instance to its answer.",
    "PD: the prefill instance's answer to the first decode data for the request."
  };

  private static final int QUEUE = 0;
  private static final int DISPATCH = 1;
  private static final int FIRST_TOKEN = 2;
  private static final int INTER_TOKEN = 3;
  private static final int RELAY = 4;
  private static final int E2E = 5;
  private static final int PREFILL = 6;
  private static final int PD_HANDOFF = 7;

  static final String REQUESTS = "ms_coordinator_requests";
  static final String FAILURES = "ms_coordinator_request_failures";
  static final String RETRIES = "ms_coordinator_request_retries";
  static final String IN_FLIGHT = "ms_coordinator_requests_in_flight";

  private static final int LOWEST_STATUS = 100;
  private static final int STATUSES = 500;
  private static final byte[] NO_LABELS = new byte[0];

  /** Timings that record nothing: what {@link #timings} gives while recording is off. */
  private static final Timings OFF =
      new Timings() {
        @Override
        public void queue(long nanos) {}

        @Override
        public void dispatchOverhead(long nanos) {}

        @Override
        public void timeToFirstToken(long nanos) {}

        @Override
        public void interToken(long nanos) {}

        @Override
        public void relay(long nanos) {}

        @Override
        public void e2e(long nanos) {}

        @Override
        public void prefill(long nanos) {}

        @Override
        public void pdHandoff(long nanos) {}
      };

  private final MetricsProducer producer;
  private final ConcurrentHashMap<String, Model> models = new ConcurrentHashMap<>();
  private final AtomicLong inFlight = new AtomicLong();
  private final List<FamilySource> families = List.of(new CounterSource());

  /** The models by name, for renders in a stable order; replaced (under {@link #models}) on add. */
  private volatile Model[] sorted = new Model[0];

  private volatile boolean enabled = true;

  /**
   * @param producer the metrics core's in-process producer
   */
  public RequestMetrics(MetricsProducer producer) {
    this.producer = producer;
  }

  /**
   * Timings of requests for one model, all in nanoseconds; every method allocation-free, none
   * blocks. A negative value is dropped by the metrics core and counted ({@code invalid_value}).
   */
  interface Timings {
    /** Arrival to dispatch ({@code ms_coordinator_request_queue_time_seconds}). */
    void queue(long nanos);

    /**
     * Arrival to the request written to the instance, minus the time queued ({@code
     * ms_coordinator_dispatch_overhead_seconds}).
     */
    void dispatchOverhead(long nanos);

    /**
     * Arrival to the first answer byte written ({@code
     * ms_coordinator_time_to_first_token_seconds}).
     */
    void timeToFirstToken(long nanos);

    /** Between two SSE events written ({@code ms_coordinator_inter_token_latency_seconds}). */
    void interToken(long nanos);

    /** A chunk read to the same bytes written ({@code ms_coordinator_relay_latency_seconds}). */
    void relay(long nanos);

    /** Arrival to the last byte written ({@code ms_coordinator_e2e_request_latency_seconds}). */
    void e2e(long nanos);

    /** PD: dispatch to P to P's answer ({@code ms_coordinator_prefill_latency_seconds}). */
    void prefill(long nanos);

    /** PD: P's answer to D's first data ({@code ms_coordinator_pd_handoff_seconds}). */
    void pdHandoff(long nanos);
  }

  /**
   * Timings of requests for one model before dispatch (no instance yet): recorded into the model's
   * series only. Cached: the same model gives the same object; registers its series and allocates
   * only on first use (and again on a later call if the ring was full then). While recording is off
   * and the model's timings were never made, a no-op that registers nothing.
   */
  Timings timings(String modelName) {
    Model model = model(modelName);
    Series series = model.timings;
    if (series != null) {
      return series;
    }
    return enabled ? model.modelTimings() : OFF;
  }

  /**
   * Timings of requests for one model dispatched to one instance: recorded into the instance's
   * series ({@code /metrics/instances}) and the model's ({@code /metrics}). Cached per (model,
   * instance id, role) as {@link #timings(String)}.
   *
   * @param role the instance's role label, {@code cluster.Role.label()}: {@code prefill}, {@code
   *     decode}, {@code undef}
   */
  Timings timings(String modelName, long instanceId, String role) {
    Model model = model(modelName);
    Series[] forId = model.instances.get(instanceId);
    if (forId != null) {
      for (Series series : forId) {
        if (series.role.equals(role)) {
          return series;
        }
      }
    }
    return enabled ? model.instanceTimings(instanceId, role) : OFF;
  }

  /**
   * A request answered ({@code ms_coordinator_requests_total{code,dialect,model_name}}).
   *
   * @param dialect one of {@link #DIALECTS}
   * @param status the HTTP status the client got, 100 to 599
   * @throws IllegalArgumentException on an unknown dialect or a status out of range
   */
  void answered(String dialect, String modelName, int status) {
    int d = index(DIALECTS, dialect, "dialect");
    if (status < LOWEST_STATUS || status >= LOWEST_STATUS + STATUSES) {
      throw new IllegalArgumentException("status out of range: status=" + status);
    }
    if (!enabled) {
      return;
    }
    Model model = model(modelName);
    int at = d * STATUSES + status - LOWEST_STATUS;
    Cell cell = model.answered.get(at);
    if (cell == null) {
      cell =
          model.cell(
              model.answered,
              at,
              "code",
              Integer.toString(status),
              "dialect",
              dialect,
              "model_name",
              model.name);
    }
    cell.count.increment();
  }

  /**
   * A request failed ({@code ms_coordinator_request_failures_total{model_name,reason}}).
   *
   * @param reason one of {@link #FAILURE_REASONS}
   * @throws IllegalArgumentException on an unknown reason
   */
  void failed(String reason, String modelName) {
    count(FAILURE_REASONS, reason, modelName, false);
  }

  /**
   * A request retried ({@code ms_coordinator_request_retries_total{model_name,reason}}).
   *
   * @param reason one of {@link #RETRY_REASONS}
   * @throws IllegalArgumentException on an unknown reason
   */
  void retried(String reason, String modelName) {
    count(RETRY_REASONS, reason, modelName, true);
  }

  /**
   * A request was admitted ({@code ms_coordinator_requests_in_flight} up by one); returns the count
   * with it, which admission holds against {@code max_requests}. Counted also while recording is
   * off: admission reads {@link #inFlight()}, and a request started before and finished after a
   * switch must not unbalance it.
   */
  long started() {
    return inFlight.incrementAndGet();
  }

  /** An admitted request finished, however it ended. */
  void finished() {
    inFlight.decrementAndGet();
  }

  /** Requests admitted and not finished. */
  long inFlight() {
    return inFlight.get();
  }

  /**
   * For {@code /metrics}: the counters and the in-flight gauge. The timings' families are the
   * store's, served by the metrics capability.
   */
  List<FamilySource> families() {
    return families;
  }

  /**
   * For {@code /metrics/instances}: none of its own. The timings' per-instance series are in the
   * store's instance view, which the metrics capability serves; the counters are per model only.
   */
  List<FamilySource> instanceFamilies() {
    return List.of();
  }

  /**
   * Turns recording on or off (the perf lab measures what recording costs). Off: the event methods,
   * {@link #answered}, {@link #failed} and {@link #retried} record nothing and {@link #timings}
   * registers nothing new; the in-flight count goes on (see {@link #started()}).
   */
  public void enabled(boolean on) {
    enabled = on;
  }

  private void count(List<String> reasons, String reason, String modelName, boolean retry) {
    int r = index(reasons, reason, "reason");
    if (!enabled) {
      return;
    }
    Model model = model(modelName);
    AtomicReferenceArray<Cell> cells = retry ? model.retried : model.failed;
    Cell cell = cells.get(r);
    if (cell == null) {
      cell = model.cell(cells, r, "model_name", model.name, "reason", reason);
    }
    cell.count.increment();
  }

  /** The index of {@code value} in {@code values}; no allocation unless it is unknown. */
  private static int index(List<String> values, String value, String what) {
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i).equals(value)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "unknown " + what + ": " + what + "=" + value + " known=" + values);
  }

  private Model model(String name) {
    Model model = models.get(name);
    return model != null ? model : addModel(name);
  }

  private Model addModel(String name) {
    synchronized (models) {
      Model model = models.get(name);
      if (model == null) {
        model = new Model(name);
        models.put(name, model);
        Model[] grown = Arrays.copyOf(sorted, sorted.length + 1);
        grown[grown.length - 1] = model;
        Arrays.sort(grown, (a, b) -> a.name.compareTo(b.name));
        sorted = grown;
      }
      return model;
    }
  }

  /**
   * One model's timings, instance timings and counter cells. Threadsafe: the timings fields are
   * written under this object's monitor and published through volatile fields; cells by
   * compare-and-set.
   */
  private final class Model {
    final String name;
    final AtomicReferenceArray<Cell> answered =
        new AtomicReferenceArray<>(DIALECTS.size() * STATUSES);
    final AtomicReferenceArray<Cell> failed = new AtomicReferenceArray<>(FAILURE_REASONS.size());
    final AtomicReferenceArray<Cell> retried = new AtomicReferenceArray<>(RETRY_REASONS.size());

    /** The model's own timings once all of their series are registered. */
    volatile Series timings;

    /** Instance id to its timings per role; copy-on-write, never changed once published. */
    volatile Long2ObjectHashMap<Series[]> instances = new Long2ObjectHashMap<>();

    Model(String name) {
      this.name = name;
    }

    synchronized Series modelTimings() {
      Series series = timings;
      if (series == null) {
        series = new Series(null, "", false, "model_name", name);
        if (series.complete) {
          timings = series;
        }
      }
      return series;
    }

    synchronized Series instanceTimings(long instanceId, String role) {
      Long2ObjectHashMap<Series[]> current = instances;
      Series[] forId = current.get(instanceId);
      if (forId != null) {
        for (Series series : forId) {
          if (series.role.equals(role)) {
            return series;
          }
        }
      }
      Series model = modelTimings();
      Series series =
          new Series(
              model,
              role,
              true,
              "instance_id",
              Long.toString(instanceId),
              "model_name",
              name,
              "role",
              role);
      if (series.complete && model.complete) {
        Long2ObjectHashMap<Series[]> next = new Long2ObjectHashMap<>();
        next.putAll(current);
        Series[] roles = forId == null ? new Series[1] : Arrays.copyOf(forId, forId.length + 1);
        roles[roles.length - 1] = series;
        next.put(instanceId, roles);
        instances = next;
      }
      return series;
    }

    Cell cell(AtomicReferenceArray<Cell> cells, int at, String... labelPairs) {
      Cell fresh = new Cell(Labels.ofPairs(labelPairs).block());
      return cells.compareAndSet(at, null, fresh) ? fresh : cells.get(at);
    }
  }

  /** A counter and its label block. Threadsafe. */
  private static final class Cell {
    final LongAdder count = new LongAdder();
    final byte[] labels;

    Cell(byte[] labels) {
      this.labels = labels;
    }
  }

  /**
   * The handles of one label set's series of every timing family, and the model's when these are an
   * instance's. Immutable; threadsafe.
   */
  private final class Series implements Timings {
    final Series model;
    final String role;
    final long[] handles = new long[TIMING_NAMES.length];

    /** Every series registered or refused for good: worth caching. */
    final boolean complete;

    Series(Series model, String role, boolean instanceView, String... labelPairs) {
      this.model = model;
      this.role = role;
      boolean all = true;
      for (int i = 0; i < handles.length; i++) {
        handles[i] =
            producer.registerOwn(
                TIMING_NAMES[i],
                MetricKind.HISTOGRAM,
                MetricUnit.SECONDS,
                null,
                TIMING_HELP[i],
                instanceView,
                labelPairs);
        all &= handles[i] != MetricsProducer.RING_FULL;
      }
      this.complete = all;
    }

    private void record(int timing, long nanos) {
      if (!enabled) {
        return;
      }
      producer.histogramRecord(handles[timing], nanos);
      if (model != null) {
        producer.histogramRecord(model.handles[timing], nanos);
      }
    }

    @Override
    public void queue(long nanos) {
      record(QUEUE, nanos);
    }

    @Override
    public void dispatchOverhead(long nanos) {
      record(DISPATCH, nanos);
    }

    @Override
    public void timeToFirstToken(long nanos) {
      record(FIRST_TOKEN, nanos);
    }

    @Override
    public void interToken(long nanos) {
      record(INTER_TOKEN, nanos);
    }

    @Override
    public void relay(long nanos) {
      record(RELAY, nanos);
    }

    @Override
    public void e2e(long nanos) {
      record(E2E, nanos);
    }

    @Override
    public void prefill(long nanos) {
      record(PREFILL, nanos);
    }

    @Override
    public void pdHandoff(long nanos) {
      record(PD_HANDOFF, nanos);
    }
  }

  /**
   * The counters and the in-flight gauge, models in name order. Threadsafe: reads adders and the
   * published model array; allocates nothing per series.
   */
  private final class CounterSource implements FamilySource {
    @Override
    public void writeFamilies(ExpositionWriter w) {
      Model[] all = sorted;
      w.counterFamily(REQUESTS, "Inference requests answered, by dialect, HTTP status and model.");
      for (Model m : all) {
        write(w, REQUESTS, m.answered);
      }
      w.counterFamily(FAILURES, "Inference requests that failed, by reason and model.");
      for (Model m : all) {
        write(w, FAILURES, m.failed);
      }
      w.counterFamily(RETRIES, "Inference request retries (reconnects, recomputes), by reason.");
      for (Model m : all) {
        write(w, RETRIES, m.retried);
      }
      w.gaugeFamily(IN_FLIGHT, "Inference requests admitted and not finished.");
      w.gauge(IN_FLIGHT, NO_LABELS, inFlight.get());
    }

    private void write(ExpositionWriter w, String name, AtomicReferenceArray<Cell> cells) {
      for (int i = 0; i < cells.length(); i++) {
        Cell cell = cells.get(i);
        if (cell != null) {
          w.counter(name, cell.labels, cell.count.sum());
        }
      }
    }
  }
}
