package io.mscoordinator.perf;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Latencies of one operation of a load run, in microseconds, plus its error count. Threadsafe:
 * any number of load threads record; one thread reads at the end.
 */
final class LatencyRecorder {
  private final String name;
  private final Recorder recorder = new Recorder(3);
  private final AtomicLong errors = new AtomicLong();

  LatencyRecorder(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  void record(long startNanos, boolean ok) {
    recorder.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1000));
    if (!ok) {
      errors.incrementAndGet();
    }
  }

  JsonObjectBuilder summary() {
    var histogram = recorder.getIntervalHistogram();
    return Json.createObjectBuilder()
        .add("count", histogram.getTotalCount())
        .add("errors", errors.get())
        .add("p50_us", histogram.getValueAtPercentile(50))
        .add("p90_us", histogram.getValueAtPercentile(90))
        .add("p99_us", histogram.getValueAtPercentile(99))
        .add("max_us", histogram.getMaxValue());
  }
}
