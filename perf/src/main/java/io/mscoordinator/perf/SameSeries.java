package io.mscoordinator.perf;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.SplittableRandom;

/**
 * The series every exposition comparison uses, with the same values on both sides: per label
 * set a counter {@code requests}, a gauge {@code queue_size} and a 27-bucket histogram {@code
 * request_latency} of 200 log-uniform samples (1 .. 20000 ms).
 */
public final class SameSeries {
  /** 27 bucket bounds (ms): the size the issue names. */
  public static final double[] BOUNDS = {
    1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500,
    2000, 3000, 5000, 7500, 10000, 20000
  };

  /** Receives one label set for the coordinator's side. */
  @FunctionalInterface
  public interface Ours {
    void add(String[] labelPairs, long counter, double gauge, long[] latencies);
  }

  private SameSeries() {}

  /** Registers client_java's side in {@code registry} and hands ours each label set. */
  public static void populate(int labelSets, PrometheusRegistry registry, Ours ours) {
    Counter counter =
        Counter.builder().name("requests").help("Requests.").labelNames("instance", "model_name")
            .register(registry);
    Gauge gauge =
        Gauge.builder().name("queue_size").help("Queue size.").labelNames("instance", "model_name")
            .register(registry);
    Histogram histogram =
        Histogram.builder()
            .name("request_latency")
            .help("Request latency in ms.")
            .labelNames("instance", "model_name")
            .classicOnly()
            .classicUpperBounds(BOUNDS)
            .register(registry);
    SplittableRandom random = new SplittableRandom(7);
    long[] latencies = new long[200];
    for (int i = 0; i < labelSets; i++) {
      String instance = "10.0." + (i / 250) + "." + (i % 250) + ":8080";
      for (int k = 0; k < latencies.length; k++) {
        latencies[k] = (long) Math.pow(10, 4.3 * random.nextDouble());
        histogram.labelValues(instance, "llama3-8b").observe(latencies[k]);
      }
      counter.labelValues(instance, "llama3-8b").inc(1000 + i);
      gauge.labelValues(instance, "llama3-8b").set(i % 17);
      ours.add(
          new String[] {"instance", instance, "model_name", "llama3-8b"},
          1000L + i,
          i % 17,
          latencies);
    }
  }
}
