package io.mscoordinator.testing.engine;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

/**
 * The engine's load: the capacity gate (at most {@code capacity} generations run at once, the rest
 * wait in arrival order), the counters and histograms of what it served, and their {@code /metrics}
 * body in the chosen flavour. Threadsafe: connection threads pass the gate and record; the counters
 * are guarded by this object's monitor, the gate by its fair semaphore.
 */
final class EngineLoad {
  private static final double[] TTFT_BOUNDS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
  };
  private static final double[] E2E_BOUNDS = {1, 2.5, 5, 10, 15, 20, 30, 40, 50, 60};

  private final FakeEngine.Options options;
  private final Semaphore slots;
  private int running;
  private int waiting;
  private long received;
  private long success;
  private long failed;
  private long promptTokens;
  private long generationTokens;
  private final Histogram ttft = new Histogram(TTFT_BOUNDS);
  private final Histogram e2e = new Histogram(E2E_BOUNDS);

  EngineLoad(FakeEngine.Options options) {
    this.options = options;
    this.slots = new Semaphore(options.capacity(), true);
  }

  /** Counts a generation request's arrival. */
  synchronized void received() {
    received++;
  }

  /** Waits (FIFO) for a slot; the caller must {@link #leave()} once it returns. */
  void enter() throws InterruptedException {
    synchronized (this) {
      waiting++;
    }
    try {
      slots.acquire();
    } finally {
      synchronized (this) {
        waiting--;
      }
    }
    synchronized (this) {
      running++;
    }
  }

  /** Frees the slot taken by {@link #enter()}. */
  void leave() {
    synchronized (this) {
      running--;
    }
    slots.release();
  }

  synchronized void firstToken(long nanosSinceArrival) {
    ttft.observe(nanosSinceArrival / 1e9);
  }

  /** Records the end of a generation: its tokens, and whether it finished as planned. */
  synchronized void finished(int prompt, int produced, boolean ok, long nanosSinceArrival) {
    promptTokens += prompt;
    generationTokens += produced;
    if (ok) {
      success++;
      e2e.observe(nanosSinceArrival / 1e9);
    } else {
      failed++;
    }
  }

  /** Counts a request a fault or an error answered. */
  synchronized void failed() {
    failed++;
  }

  synchronized int running() {
    return running;
  }

  synchronized int waiting() {
    return waiting;
  }

  /** The {@code /metrics} body: MindIE's or vLLM's names and layout, values from now. */
  synchronized byte[] render() {
    boolean vllm = options.flavour() == FakeEngine.MetricsFlavour.VLLM;
    String p = vllm ? "vllm:" : "";
    String labels =
        "model_name=\"" + options.model().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    double cache = Math.min(1.0, running / (double) options.capacity());
    StringBuilder out = new StringBuilder(4096);
    if (!vllm) {
      family(
          out,
          p,
          "request_received_total",
          "counter",
          "Number of requests received so far.",
          labels,
          received,
          false);
    }
    family(
        out,
        p,
        "request_success_total",
        "counter",
        "Count of successfully processed requests.",
        labels,
        success,
        vllm);
    if (!vllm) {
      family(
          out,
          p,
          "request_failed_total",
          "counter",
          "Number of responses failed so far",
          labels,
          failed,
          false);
    }
    family(
        out,
        p,
        "prompt_tokens_total",
        "counter",
        "Number of prefill tokens processed.",
        labels,
        promptTokens,
        vllm);
    family(
        out,
        p,
        "generation_tokens_total",
        "counter",
        "Number of generation tokens processed.",
        labels,
        generationTokens,
        vllm);
    family(
        out,
        p,
        "num_requests_running",
        "gauge",
        "Number of requests currently running on " + (vllm ? "GPU." : "NPU."),
        labels,
        running,
        vllm);
    family(
        out,
        p,
        "num_requests_waiting",
        "gauge",
        "Number of requests waiting to be processed.",
        labels,
        waiting,
        vllm);
    if (vllm) {
      family(
          out,
          p,
          "gpu_cache_usage_perc",
          "gauge",
          "GPU KV-cache usage. 1 means 100 percent usage.",
          labels,
          cache,
          true);
    } else {
      family(
          out,
          p,
          "npu_cache_usage_perc",
          "gauge",
          "NPU KV-cache usage. 1 means 100 percent usage.",
          labels,
          cache,
          false);
    }
    ttft.write(
        out,
        p + "time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        labels,
        vllm);
    e2e.write(
        out,
        p + "e2e_request_latency_seconds",
        "Histogram of end to end request latency in seconds.",
        labels,
        vllm);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void family(
      StringBuilder out,
      String prefix,
      String name,
      String type,
      String help,
      String labels,
      double value,
      boolean vllm) {
    out.append("# HELP ").append(prefix).append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(prefix).append(name).append(' ').append(type).append('\n');
    out.append(prefix)
        .append(name)
        .append('{')
        .append(labels)
        .append("} ")
        .append(number(value, vllm))
        .append('\n');
  }

  /** vLLM (prometheus_client) prints every value as a float; MindIE prints integers bare. */
  static String number(double v, boolean vllm) {
    if (!vllm && v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** A cumulative histogram with fixed bounds. Guarded by the enclosing load's monitor. */
  private static final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length];
    }

    void observe(double v) {
      for (int i = 0; i < bounds.length; i++) {
        if (v <= bounds[i]) {
          counts[i]++;
        }
      }
      count++;
      sum += v;
    }

    void write(StringBuilder out, String name, String help, String labels, boolean vllm) {
      out.append("# HELP ").append(name).append(' ').append(help).append('\n');
      out.append("# TYPE ").append(name).append(" histogram\n");
      if (vllm) {
        for (int i = 0; i < bounds.length; i++) {
          bucket(out, name, "le=\"" + Double.toString(bounds[i]) + "\"," + labels, counts[i], true);
        }
        bucket(out, name, "le=\"+Inf\"," + labels, count, true);
        out.append(name)
            .append("_count{")
            .append(labels)
            .append("} ")
            .append(number(count, true))
            .append('\n');
        out.append(name)
            .append("_sum{")
            .append(labels)
            .append("} ")
            .append(Double.toString(sum))
            .append('\n');
      } else {
        // MindIE writes count and sum before the buckets.
        out.append(name).append("_count{").append(labels).append("} ").append(count).append('\n');
        out.append(name)
            .append("_sum{")
            .append(labels)
            .append("} ")
            .append(number(sum, false))
            .append('\n');
        for (int i = 0; i < bounds.length; i++) {
          bucket(out, name, labels + ",le=\"" + number(bounds[i], false) + "\"", counts[i], false);
        }
        bucket(out, name, labels + ",le=\"+Inf\"", count, false);
      }
    }

    private static void bucket(
        StringBuilder out, String name, String labels, long n, boolean vllm) {
      out.append(name)
          .append("_bucket{")
          .append(labels)
          .append("} ")
          .append(number(n, vllm))
          .append('\n');
    }
  }
}
